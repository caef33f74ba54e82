//! Sealing one secret value for a Bitnami sealed-secrets controller, exactly as `kubeseal`
//! does: the base64 text of `spec.encryptedData.KEY` of a `SealedSecret`.
//!
//! The format (sealed-secrets `pkg/crypto` `HybridEncrypt`): a fresh random 32-byte session
//! key; that key encrypted with RSA-OAEP (SHA-256 for the hash and MGF1) for the controller's
//! public key, with the scope's label (`namespace/name` strict, `namespace` namespace-wide,
//! empty cluster-wide); the RSA ciphertext's length as 2 bytes big-endian, the RSA
//! ciphertext, then the value encrypted with AES-256-GCM under the session key with an
//! all-zero 12-byte nonce (safe because each key encrypts one message) and no associated
//! data, the 16-byte tag last. Every call draws a new session key, so sealing the same value
//! twice gives different texts.
//!
//! This module must not build the `SealedSecret` object (the caller does, putting
//! [`Scope::annotation`] on its metadata so the controller uses the same label), read files,
//! look at a clock (a caller that has one compares [`SealingKey::not_after_unix`] with it, as
//! `kubeseal` refuses an expired certificate) or hold a private key.

use std::fmt;

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rand_core::TryCryptoRng;
use rsa::traits::PublicKeyParts as _;
use rsa::{Oaep, PublicKey};
use x509_cert::Certificate;
use x509_cert::der::DecodePem as _;
use x509_cert::der::referenced::OwnedToRef as _;

/// Bytes of the AES-256 session key (`sessionKeyBytes` in sealed-secrets).
const SESSION_KEY_BYTES: usize = 32;

/// The PEM boundaries of a certificate.
const BEGIN_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";
const END_CERTIFICATE: &str = "-----END CERTIFICATE-----";

/// Where a sealed value may be unsealed: the controller decrypts it only into a Secret whose
/// namespace (and name) give the same label. `kubeseal --scope` names these `strict`,
/// `namespace-wide` and `cluster-wide`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scope {
    /// Only a Secret of this name in this namespace (kubeseal's default).
    #[default]
    Strict,
    /// Any name, in this namespace.
    NamespaceWide,
    /// Any name in any namespace.
    ClusterWide,
}

impl Scope {
    /// Every scope, strictest first.
    pub const ALL: [Scope; 3] = [Scope::Strict, Scope::NamespaceWide, Scope::ClusterWide];

    /// The scope's name as `kubeseal --scope` spells it.
    pub fn name(&self) -> &'static str {
        match self {
            Scope::Strict => "strict",
            Scope::NamespaceWide => "namespace-wide",
            Scope::ClusterWide => "cluster-wide",
        }
    }

    /// The annotation (key, value) the `SealedSecret`'s metadata must carry so that the
    /// controller unseals with this scope's label (kubeseal also keeps it on
    /// `spec.template.metadata`); `None` for strict, which is what no annotation means.
    pub fn annotation(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Scope::Strict => None,
            Scope::NamespaceWide => Some(("sealedsecrets.bitnami.com/namespace-wide", "true")),
            Scope::ClusterWide => Some(("sealedsecrets.bitnami.com/cluster-wide", "true")),
        }
    }

    /// The RSA-OAEP label of a value sealed for the Secret `namespace/name` with this scope
    /// (sealed-secrets `EncryptionLabel`).
    pub fn label(&self, namespace: &str, name: &str) -> String {
        match self {
            Scope::Strict => format!("{namespace}/{name}"),
            Scope::NamespaceWide => namespace.to_string(),
            Scope::ClusterWide => String::new(),
        }
    }
}

/// Why a value could not be sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SealError {
    /// The text has no `-----BEGIN CERTIFICATE-----` ... `-----END CERTIFICATE-----` block.
    NoCertificate,
    /// The first certificate block is not a readable X.509 certificate.
    Certificate(String),
    /// The certificate's key is not an RSA key (or not a usable one); the reason.
    NotRsa(String),
    /// The scope binds the value to a namespace (and, strict, a name) but it is empty; the
    /// missing part (`"namespace"` or `"name"`).
    Missing(&'static str),
    /// The random number generator or the encryption failed.
    Encrypt(String),
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::NoCertificate => write!(
                f,
                "no certificate found: expected a PEM `{BEGIN_CERTIFICATE}` block (the sealed-secrets controller's `kubeseal --fetch-cert`)"
            ),
            SealError::Certificate(why) => write!(f, "the certificate cannot be read: {why}"),
            SealError::NotRsa(why) => {
                write!(
                    f,
                    "the certificate does not hold a usable RSA public key: {why}"
                )
            }
            SealError::Missing(what) => {
                write!(
                    f,
                    "a sealed value of this scope needs a {what}, and it is empty"
                )
            }
            SealError::Encrypt(why) => write!(f, "sealing failed: {why}"),
        }
    }
}

impl std::error::Error for SealError {}

/// The controller's public key, read once from its certificate, to seal many values.
#[derive(Debug, Clone)]
pub struct SealingKey {
    key: PublicKey,
    not_after_unix: u64,
}

impl SealingKey {
    /// Reads the first `CERTIFICATE` block of `cert_pem` (text around and after it is
    /// ignored, as `kubeseal` does) and takes its RSA public key.
    pub fn from_pem(cert_pem: &str) -> Result<SealingKey, SealError> {
        let begin = cert_pem
            .find(BEGIN_CERTIFICATE)
            .ok_or(SealError::NoCertificate)?;
        let end = cert_pem[begin..]
            .find(END_CERTIFICATE)
            .ok_or(SealError::NoCertificate)?;
        let block = &cert_pem[begin..begin + end + END_CERTIFICATE.len()];
        let cert = Certificate::from_pem(block.as_bytes())
            .map_err(|e| SealError::Certificate(e.to_string()))?;
        let tbs = cert.tbs_certificate();
        let key =
            PublicKey::try_from(tbs.subject_public_key_info().owned_to_ref()).map_err(|e| {
                SealError::NotRsa(format!(
                    "{e} (key algorithm {})",
                    tbs.subject_public_key_info().algorithm.oid
                ))
            })?;
        let not_after_unix = tbs.validity().not_after.to_unix_duration().as_secs();
        Ok(SealingKey {
            key,
            not_after_unix,
        })
    }

    /// The certificate's `notAfter`, in seconds since 1970-01-01 UTC. `kubeseal` refuses to
    /// seal with a certificate past it; this module has no clock, so the caller checks.
    pub fn not_after_unix(&self) -> u64 {
        self.not_after_unix
    }

    /// The controller's public key, for a caller that holds private keys to tell which one
    /// is this certificate's.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The RSA modulus size in bits (the controller's default is 4096).
    pub fn bits(&self) -> usize {
        self.key.size() * 8
    }

    /// Seals `value` for the Secret `namespace/name` with `scope`: the base64 (standard
    /// alphabet, padded) text `kubeseal` writes in `spec.encryptedData.KEY`. `rng` must be a
    /// cryptographic generator (e.g. `getrandom::SysRng`); it gives the session key and the
    /// OAEP seed.
    pub fn seal<R: TryCryptoRng + ?Sized>(
        &self,
        namespace: &str,
        name: &str,
        scope: Scope,
        value: &[u8],
        rng: &mut R,
    ) -> Result<String, SealError> {
        if scope != Scope::ClusterWide && namespace.is_empty() {
            return Err(SealError::Missing("namespace"));
        }
        if scope == Scope::Strict && name.is_empty() {
            return Err(SealError::Missing("name"));
        }
        let label = scope.label(namespace, name);

        let mut session_key = [0u8; SESSION_KEY_BYTES];
        rng.try_fill_bytes(&mut session_key)
            .map_err(|e| SealError::Encrypt(format!("random number generator: {e:?}")))?;

        let rsa_ciphertext = self
            .key
            .encrypt(
                rng,
                Oaep::<sha2::Sha256>::new_with_label(label.into_bytes()),
                &session_key,
            )
            .map_err(|e| SealError::Encrypt(format!("RSA-OAEP: {e}")))?;
        let rsa_len = u16::try_from(rsa_ciphertext.len())
            .map_err(|_| SealError::Encrypt("RSA ciphertext longer than 65535 bytes".into()))?;

        // The session key encrypts this one message only, so the zero nonce is safe (and is
        // what the controller decrypts with).
        let aes = Aes256Gcm::new(GenericArray::from_slice(&session_key));
        let mut sealed_value = value.to_vec();
        aes.encrypt_in_place(&Nonce::default(), b"", &mut sealed_value)
            .map_err(|e| SealError::Encrypt(format!("AES-GCM: {e}")))?;
        session_key.fill(0);

        let mut out = Vec::with_capacity(2 + rsa_ciphertext.len() + sealed_value.len());
        out.extend_from_slice(&rsa_len.to_be_bytes());
        out.extend_from_slice(&rsa_ciphertext);
        out.extend_from_slice(&sealed_value);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }
}

/// Seals `value` for the Secret `namespace/name` with `scope`, for the controller whose
/// certificate is `cert_pem`: the base64 text `kubeseal` writes in
/// `spec.encryptedData.KEY`. [`SealingKey::from_pem`] then [`SealingKey::seal`]; read the key
/// once with those to seal many values.
pub fn seal<R: TryCryptoRng + ?Sized>(
    cert_pem: &str,
    namespace: &str,
    name: &str,
    scope: Scope,
    value: &[u8],
    rng: &mut R,
) -> Result<String, SealError> {
    SealingKey::from_pem(cert_pem)?.seal(namespace, name, scope, value, rng)
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (Howard Hinnant's civil-from-days).
pub fn rfc3339(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    use super::*;

    #[test]
    fn labels_and_annotations_follow_sealed_secrets() {
        assert_eq!(Scope::Strict.label("shop", "db"), "shop/db");
        assert_eq!(Scope::NamespaceWide.label("shop", "db"), "shop");
        assert_eq!(Scope::ClusterWide.label("shop", "db"), "");
        assert_eq!(Scope::Strict.annotation(), None);
        assert_eq!(
            Scope::NamespaceWide.annotation(),
            Some(("sealedsecrets.bitnami.com/namespace-wide", "true"))
        );
        assert_eq!(
            Scope::ClusterWide.annotation(),
            Some(("sealedsecrets.bitnami.com/cluster-wide", "true"))
        );
        assert_eq!(Scope::default(), Scope::Strict);
        let names: Vec<_> = Scope::ALL.iter().map(Scope::name).collect();
        assert_eq!(names, ["strict", "namespace-wide", "cluster-wide"]);
    }

    #[test]
    fn text_without_a_certificate_is_refused() {
        for text in [
            "",
            "not a certificate",
            "-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n",
            "-----BEGIN CERTIFICATE-----\nMIIB\n",
        ] {
            assert_eq!(
                SealingKey::from_pem(text).unwrap_err(),
                SealError::NoCertificate,
                "{text:?}"
            );
        }
    }

    #[test]
    fn a_broken_certificate_block_is_refused() {
        let text = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            SealingKey::from_pem(text),
            Err(SealError::Certificate(_))
        ));
    }
}
