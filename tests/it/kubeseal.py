"""The unsealing side of Bitnami SealedSecrets, independent of k8gen's Rust code, for
tests/it/sealed.rs.

  kubeseal.py keygen DIR BITS [DAYS]
                                a controller-like key pair: DIR/key-BITS.pem (private key) and
                                DIR/cert-BITS.pem (self-signed certificate, CN and O
                                "sealed-secret" like the controller's, valid DAYS days, default
                                3650 like the controller's; a negative DAYS makes a certificate
                                that expired); BITS "ec" makes an elliptic-curve certificate
                                instead (which cannot seal)
  kubeseal.py unseal KEY FILE   reads a JSON list of SealedSecret objects from FILE and prints
                                a JSON list, one entry per object: {"data": {KEY: base64}} or
                                {"error": "..."}

Each object is unsealed twice: by kubesealpy's Unsealer (PyPI, its scope read from the
object's annotations as the controller does) and by `hybrid_decrypt` below, written from
sealed-secrets' Go source (pkg/crypto/crypto.go HybridDecrypt) with Python's `cryptography`.
The two must agree (both succeed with the same values, or both fail), else this exits 1.
"""

import base64
import datetime
import json
import struct
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

import kubesealpy
from kubesealpy import SealedSecret, Unsealer


def keygen(folder: Path, bits: str, days: int = 3650) -> None:
    if bits == "ec":
        key = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=int(bits))
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "sealed-secret"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sealed-secret"),
        ]
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=max(1, 1 - days)))
        .not_valid_after(now + datetime.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_path = folder / f"key-{bits}.pem"
    cert_path = folder / f"cert-{bits}.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    print(
        json.dumps(
            {
                "key": str(key_path),
                "cert": str(cert_path),
                "not_after": int(cert.not_valid_after_utc.timestamp()),
            }
        )
    )


def label_of(obj: dict) -> bytes:
    """sealed-secrets' labelFor: the scope from the object's annotations."""
    meta = obj["metadata"]
    annotations = meta.get("annotations") or {}
    if annotations.get("sealedsecrets.bitnami.com/cluster-wide") == "true":
        return b""
    if annotations.get("sealedsecrets.bitnami.com/namespace-wide") == "true":
        return meta["namespace"].encode()
    return f"{meta['namespace']}/{meta['name']}".encode()


def hybrid_decrypt(key: rsa.RSAPrivateKey, ciphertext: bytes, label: bytes) -> bytes:
    """pkg/crypto HybridDecrypt, plus the exact layout HybridEncrypt writes: the RSA part is
    as long as the modulus, the AES part carries a 16-byte tag."""
    if len(ciphertext) < 2:
        raise ValueError("too short")
    (rsa_len,) = struct.unpack(">H", ciphertext[:2])
    if rsa_len != key.key_size // 8:
        raise ValueError(f"RSA part of {rsa_len} bytes for a {key.key_size}-bit key")
    if len(ciphertext) < 2 + rsa_len + 16:
        raise ValueError("too short")
    session_key = key.decrypt(
        ciphertext[2 : 2 + rsa_len],
        padding.OAEP(
            mgf=padding.MGF1(algorithm=hashes.SHA256()),
            algorithm=hashes.SHA256(),
            label=label,
        ),
    )
    if len(session_key) != 32:
        raise ValueError(f"session key of {len(session_key)} bytes")
    return AESGCM(session_key).decrypt(b"\0" * 12, ciphertext[2 + rsa_len :], None)


def unseal(key_path: Path, objects: Path) -> None:
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    unsealer = Unsealer.from_private_key_file(key_path)
    results = []
    for obj in json.loads(objects.read_text()):
        try:
            secret = unsealer.unseal(SealedSecret.model_validate(obj))
            by_kubesealpy = dict(secret.data or {})
        except kubesealpy.KubesealPyError as e:
            by_kubesealpy = f"{type(e).__name__}: {e}"
        try:
            by_go_source = {
                k: base64.b64encode(
                    hybrid_decrypt(key, base64.b64decode(v, validate=True), label_of(obj))
                ).decode()
                for k, v in obj["spec"]["encryptedData"].items()
            }
        except Exception as e:  # noqa: BLE001 - any failure to unseal is the answer
            by_go_source = f"{type(e).__name__}: {e}"
        if isinstance(by_kubesealpy, dict) != isinstance(by_go_source, dict) or (
            isinstance(by_kubesealpy, dict) and by_kubesealpy != by_go_source
        ):
            sys.exit(
                f"kubesealpy and the Go-source decryption disagree on "
                f"{obj['metadata']}: {by_kubesealpy!r} vs {by_go_source!r}"
            )
        if isinstance(by_kubesealpy, dict):
            results.append({"data": by_kubesealpy})
        else:
            results.append({"error": by_kubesealpy})
    print(json.dumps(results))


if __name__ == "__main__":
    if sys.argv[1] == "keygen":
        keygen(Path(sys.argv[2]), sys.argv[3], *map(int, sys.argv[4:5]))
    elif sys.argv[1] == "unseal":
        unseal(Path(sys.argv[2]), Path(sys.argv[3]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
