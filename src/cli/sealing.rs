//! The CLI's [`k8gen::Crypto`] for tree renders: the OS random source, the `age` crate for the
//! data keys, the previous tree's Secret files, and the age identities sops itself reads
//! (`SOPS_AGE_KEY_FILE`, `SOPS_AGE_KEY`, else `$XDG_CONFIG_HOME/sops/age/keys.txt` or
//! `~/.config/sops/age/keys.txt`). With an identity of a Secret's recipients, an unchanged
//! Secret keeps its file; without one it is encrypted anew (see README "Secrets").
//! Must not: write anything, or print any key or value.

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use k8gen::{Crypto, Object, Previous};

/// The age identities of this machine, as sops finds them: each `AGE-SECRET-KEY-1...` line of
/// the key file and of `SOPS_AGE_KEY`.
pub fn identities() -> Result<Vec<age::x25519::Identity>, String> {
    let mut texts = Vec::new();
    if let Some(v) = std::env::var_os("SOPS_AGE_KEY") {
        texts.push(v.to_string_lossy().into_owned());
    }
    let file = std::env::var_os("SOPS_AGE_KEY_FILE").map(PathBuf::from);
    let default = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".config")))
        .map(|c| c.join("sops/age/keys.txt"));
    match (&file, default) {
        (Some(f), _) => texts.push(
            std::fs::read_to_string(f)
                .map_err(|e| format!("SOPS_AGE_KEY_FILE={}: {e}", f.display()))?,
        ),
        (None, Some(d)) => texts.extend(std::fs::read_to_string(d).ok()),
        (None, None) => {}
    }
    let mut out = Vec::new();
    for line in texts.iter().flat_map(|t| t.lines()).map(str::trim) {
        if line.starts_with("AGE-SECRET-KEY-") {
            out.push(
                age::x25519::Identity::from_str(line)
                    .map_err(|e| format!("an age key of SOPS_AGE_KEY(_FILE) is invalid: {e}"))?,
            );
        }
    }
    Ok(out)
}

/// `SOURCE_DATE_EPOCH` as RFC 3339 UTC, else sops's fixed `lastmodified`.
pub fn lastmodified() -> String {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok());
    match epoch {
        Some(secs) if secs >= 0 => rfc3339(secs),
        _ => k8gen::SOPS_FIXED_LASTMODIFIED.to_string(),
    }
}

/// Seconds since 1970 as `YYYY-MM-DDTHH:MM:SSZ` (Howard Hinnant's civil-from-days).
fn rfc3339(secs: i64) -> String {
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

/// Encrypts one app's Secrets; `dir` is its folder in the tree being replaced.
pub struct AgeCrypto {
    pub dir: PathBuf,
    pub identities: Arc<Vec<age::x25519::Identity>>,
    pub lastmodified: String,
    /// Set when a previous encrypted file could not be decrypted with any identity: its
    /// Secret is encrypted anew, which the CLI explains once.
    pub unreadable: Arc<AtomicBool>,
}

impl Crypto for AgeCrypto {
    fn fill_random(&mut self, buf: &mut [u8]) {
        getrandom::fill(buf).expect("the OS random source works");
    }

    fn age_encrypt(&mut self, data_key: &[u8], recipient: &str) -> Result<String, String> {
        let r = age::x25519::Recipient::from_str(recipient).map_err(|e| e.to_string())?;
        age::encrypt_and_armor(&r, data_key).map_err(|e| e.to_string())
    }

    fn previous(&mut self, secret: &Object) -> Option<Previous> {
        let text = std::fs::read_to_string(self.dir.join(k8gen::emit::file_name(secret))).ok()?;
        let document: serde_json::Value = serde_saphyr::from_str(&text).ok()?;
        let stanzas = document.get("sops")?.get("age")?.as_array()?;
        let data_key = stanzas
            .iter()
            .filter_map(|s| s.get("enc")?.as_str())
            .flat_map(|enc| {
                (self.identities.iter()).filter_map(|id| age::decrypt(id, enc.as_bytes()).ok())
            })
            .find_map(|key| <[u8; 32]>::try_from(key.as_slice()).ok());
        if data_key.is_none() {
            self.unreadable.store(true, Ordering::Relaxed);
        }
        Some(Previous { document, data_key })
    }

    fn lastmodified(&self) -> String {
        self.lastmodified.clone()
    }
}

/// What to tell the user when encrypted Secrets of the tree could not be read back.
pub const NO_KEY_NOTE: &str = "k8gen: note: no age key of their recipients (SOPS_AGE_KEY_FILE, \
SOPS_AGE_KEY or ~/.config/sops/age/keys.txt), so encrypted Secrets were encrypted anew and their \
files change; with the key, unchanged Secrets keep their files";

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_dates() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(super::rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
