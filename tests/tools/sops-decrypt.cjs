// Decrypts a SOPS-encrypted YAML file written by k8gen with implementations that are not
// k8gen's, and prints the plaintext document as JSON:
//   1. the npm package `sops-age` (JavaScript: @noble ciphers, age-encryption) decrypts it;
//   2. the `age` command (Go, Debian's package) decrypts the data key, Node's OpenSSL AES-GCM
//      decrypts the values and the MAC, and the MAC (SHA-512 of every value in document order,
//      as sops computes it) is checked, which sops-age does not do.
// Both must agree. Usage: node sops-decrypt.cjs FILE AGE-KEY-FILE (NODE_PATH: sops-age's
// node_modules). Exit 1 with the reason on stderr when anything does not hold.
const fs = require("fs");
const crypto = require("crypto");
const { execFileSync } = require("child_process");
const { decryptSops } = require("sops-age");
const YAML = require("yaml");

const [file, keyFile] = process.argv.slice(2);
const text = fs.readFileSync(file, "utf8");
const secretKey = fs.readFileSync(keyFile, "utf8").split("\n").find((l) => l.startsWith("AGE-SECRET-KEY-"));

function decryptValue(enc, key, aad) {
  if (enc === "") return "";
  const m = enc.match(/^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:str\]$/);
  if (!m) throw new Error(`not a sops value: ${enc}`);
  const d = crypto.createDecipheriv("aes-256-gcm", key, Buffer.from(m[2], "base64"));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(Buffer.from(m[3], "base64"));
  return Buffer.concat([d.update(Buffer.from(m[1], "base64")), d.final()]).toString("utf8");
}

(async () => {
  const viaSopsAge = await decryptSops(text, { fileType: "yaml", secretKey });

  const doc = YAML.parse(text);
  const sops = doc.sops;
  delete doc.sops;
  const dataKey = execFileSync("age", ["-d", "-i", keyFile], { input: sops.age[0].enc });
  if (dataKey.length !== 32) throw new Error(`data key of ${dataKey.length} bytes`);
  const re = new RegExp(sops.encrypted_regex);
  const hash = crypto.createHash("sha512");
  const walk = (v, path) => {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const out = {};
      for (const k of Object.keys(v)) out[k] = walk(v[k], [...path, k]);
      return out;
    }
    if (Array.isArray(v)) return v.map((i) => walk(i, path));
    let plain = v;
    if (typeof v === "string" && path.some((p) => re.test(p))) {
      plain = decryptValue(v, dataKey, path.join(":") + ":");
    }
    hash.update(typeof plain === "boolean" ? (plain ? "True" : "False") : String(plain));
    return plain;
  };
  const viaAge = walk(doc, []);
  const mac = hash.digest("hex").toUpperCase();
  const want = decryptValue(sops.mac, dataKey, sops.lastmodified);
  if (mac !== want) throw new Error(`MAC mismatch: computed ${mac}, file says ${want}`);
  if (JSON.stringify(viaAge) !== JSON.stringify(viaSopsAge)) {
    throw new Error(`the two decryptions differ:\n${JSON.stringify(viaAge)}\n${JSON.stringify(viaSopsAge)}`);
  }
  process.stdout.write(JSON.stringify(viaAge));
})().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
