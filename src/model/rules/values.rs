//! Rules that Kubernetes' API server applies to names and values, as plain functions.
//!
//! The rule engine ([`super`]) applies them to the model, whoever built it. Each returns a
//! message without a trailing period that reads after "invalid <what>: ".

/// RFC 1123 label: names of Namespaces, Services, Deployments' pods' hostnames, ...
pub fn dns1123_label(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.len() > 63 {
        return Err(format!("must be at most 63 characters, not {}", s.len()));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may contain only lowercase letters, digits and '-'".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("must start and end with a lowercase letter or digit".into());
    }
    Ok(())
}

/// RFC 1123 subdomain: names of ConfigMaps, Secrets, Deployments; label key prefixes.
pub fn dns1123_subdomain(s: &str) -> Result<(), String> {
    if s.len() > 253 {
        return Err(format!("must be at most 253 characters, not {}", s.len()));
    }
    for part in s.split('.') {
        dns1123_label(part).map_err(|e| {
            if part.is_empty() {
                "must be dot-separated parts that are not empty".to_string()
            } else {
                format!("part `{part}` {e}")
            }
        })?;
    }
    Ok(())
}

fn is_alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A label value: at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric
/// (or empty).
pub fn label_value(s: &str) -> Result<(), String> {
    if s.len() > 63 {
        return Err(format!("must be at most 63 characters, not {}", s.len()));
    }
    if !s
        .bytes()
        .all(|b| is_alnum(b) || b == b'-' || b == b'_' || b == b'.')
    {
        return Err("may contain only letters, digits, '-', '_' and '.'".into());
    }
    let bytes = s.as_bytes();
    if let (Some(first), Some(last)) = (bytes.first(), bytes.last())
        && !(is_alnum(*first) && is_alnum(*last))
    {
        return Err("must start and end with a letter or digit".into());
    }
    Ok(())
}

/// A label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name 1-63 characters.
pub fn qualified_name(s: &str) -> Result<(), String> {
    let (prefix, name) = match s.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(prefix) = prefix {
        dns1123_subdomain(prefix).map_err(|e| format!("prefix `{prefix}` {e}"))?;
    }
    if name.is_empty() {
        return Err("name part must not be empty".into());
    }
    label_value(name).map_err(|e| format!("name part `{name}` {e}"))
}

/// A ConfigMap or Secret key.
pub fn config_key(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 253 {
        return Err("must be 1 to 253 characters".into());
    }
    if !s
        .bytes()
        .all(|b| is_alnum(b) || b == b'-' || b == b'_' || b == b'.')
    {
        return Err("may contain only letters, digits, '-', '_' and '.'".into());
    }
    if s == "." || s == ".." || s.starts_with("..") {
        return Err("must not be `.`, `..` or start with `..`".into());
    }
    Ok(())
}

/// An environment variable name as Kubernetes 1.33 accepts it.
pub fn env_var_name(s: &str) -> Result<(), String> {
    let mut bytes = s.bytes();
    match bytes.next() {
        None => return Err("must not be empty".into()),
        Some(b) if b.is_ascii_digit() => return Err("must not start with a digit".into()),
        _ => {}
    }
    if !s
        .bytes()
        .all(|b| is_alnum(b) || b == b'-' || b == b'_' || b == b'.')
    {
        return Err("may contain only letters, digits, '_', '-' and '.'".into());
    }
    Ok(())
}

/// An HTTP header name as the API server accepts it in a probe: letters, digits and `-`.
pub fn http_header_name(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".to_string());
    }
    match s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
    {
        Some(c) => Err(format!("`{c}` is not allowed: use letters, digits and `-`")),
        None => Ok(()),
    }
}

/// A port number.
pub fn port_number(n: i64) -> Result<i32, String> {
    if (1..=65535).contains(&n) {
        Ok(n as i32)
    } else {
        Err(format!("{n} is not between 1 and 65535"))
    }
}

/// A container port name (IANA service name): at most 15 lowercase letters, digits and '-',
/// with at least one letter.
pub fn port_name(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 15 {
        return Err("must be 1 to 15 characters".into());
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err("may contain only lowercase letters, digits and '-'".into());
    }
    if !s.bytes().any(|b| b.is_ascii_lowercase()) {
        return Err("must contain at least one letter".into());
    }
    if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
        return Err("must not start or end with '-' or contain '--'".into());
    }
    Ok(())
}

/// Parses a Kubernetes quantity (`100m`, `1.5Gi`, `2e3`) into its value in base units.
pub fn quantity(s: &str) -> Result<f64, String> {
    let bad =
        || format!("`{s}` is not a quantity; write e.g. \"100m\", \"0.5\", \"128Mi\" or \"1Gi\"");
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let digits = number.strip_prefix(['+', '-']).unwrap_or(number);
    if digits.is_empty()
        || digits == "."
        || digits.matches('.').count() > 1
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => {
            let exp = suffix.strip_prefix(['e', 'E']).ok_or_else(bad)?;
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            let exp: i32 = exp.parse().map_err(|_| bad())?;
            10f64.powi(exp)
        }
    };
    Ok(value * factor)
}

/// A percentage `"N%"` with 0 <= N <= 100.
pub fn percent(s: &str) -> Result<i32, String> {
    let digits = s
        .strip_suffix('%')
        .ok_or_else(|| format!("`{s}` is neither a number nor a percentage like \"25%\""))?;
    let n: i32 = digits
        .parse()
        .map_err(|_| format!("`{s}` is not a whole percentage like \"25%\""))?;
    if !(0..=100).contains(&n) {
        return Err(format!("{n}% is not between 0% and 100%"));
    }
    Ok(n)
}

/// The tag of an image reference (`repo:tag` or `repo:tag@digest`), if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.split_once(':')
        .map(|(_, tag)| tag)
        .filter(|t| !t.is_empty())
}

/// A container image reference: `[registry/]repository[:tag][@digest]`.
/// Whether an image reference names its registry: a first part with a dot, a colon or
/// `localhost` (`ghcr.io/acme/api`, `localhost:5000/api`), unlike `nginx` or `acme/api`.
pub fn has_registry_host(image: &str) -> bool {
    let mut parts = image.split('/');
    match (parts.next(), parts.next()) {
        (Some(first), Some(_)) => {
            first.contains('.') || first.contains(':') || first == "localhost"
        }
        _ => false,
    }
}

/// A registry prefix (`registry.example.com`, `registry.example.com:5000/mirror`): a host with
/// a dot, a colon or `localhost`, then optional path parts, as an image would start.
pub fn registry(s: &str) -> Result<(), String> {
    let probe = format!("{}/image", s.trim_end_matches('/'));
    if s.ends_with('/') || !has_registry_host(&probe) {
        return Err("must be a registry host with a dot or a port, optionally with a path (`registry.example.com/mirror`), without a trailing `/`".into());
    }
    image(&probe)
}

pub fn image(s: &str) -> Result<(), String> {
    if s.is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("must not contain whitespace".into());
    }
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest
        && !(d.contains(':')
            && d.split_once(':')
                .is_some_and(|(a, h)| !a.is_empty() && !h.is_empty()))
    {
        return Err(format!("digest `{d}` must look like `sha256:<hex>`"));
    }
    let (repo, tag) = match name.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r, Some(t)),
        _ => (name, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && tag
                .bytes()
                .all(|b| is_alnum(b) || b == b'_' || b == b'.' || b == b'-')
            && !tag.starts_with(['.', '-']);
        if !ok {
            return Err(format!(
                "tag `{tag}` may contain only letters, digits, '_', '.', '-' (at most 128)"
            ));
        }
    }
    // The registry host (first part, if it has a dot, colon or is localhost) may have capitals
    // and a port; the repository path may not.
    let mut parts: Vec<&str> = repo.split('/').collect();
    if has_registry_host(repo) {
        parts.remove(0);
    }
    for part in parts {
        if part.is_empty() || part.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(format!(
                "repository `{repo}` must be lowercase, with no empty path parts"
            ));
        }
    }
    Ok(())
}

/// RFC 1035 label: like [`dns1123_label`] but starting with a letter (Service names).
pub fn dns1035_label(s: &str) -> Result<(), String> {
    dns1123_label(s)?;
    if !s.as_bytes()[0].is_ascii_lowercase() {
        return Err("must start with a lowercase letter".into());
    }
    Ok(())
}

/// A CronJob schedule as Kubernetes reads it (robfig/cron's standard parser): five fields
/// (minute, hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps and
/// month/day names, or a descriptor such as `@daily`. Written here because the Rust cron crates
/// accept other dialects (seconds fields, `L`, `W`, `#`) that the API server rejects.
pub fn cron_schedule(s: &str) -> Result<(), String> {
    let s = s.trim();
    if s.starts_with("TZ=") || s.starts_with("CRON_TZ=") {
        return Err("time zones go in `cron.time_zone`, not in the schedule".into());
    }
    if let Some(d) = s.strip_prefix('@') {
        return match d {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            _ if d.starts_with("every ") => Ok(()),
            _ => Err(format!(
                "`@{d}` is not a schedule; use @yearly, @monthly, @weekly, @daily or @hourly"
            )),
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
            fields.len()
        ));
    }
    const MONTHS: &[&str] = &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ];
    const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let specs: [(&str, u32, u32, &[&str], u32); 5] = [
        ("minute", 0, 59, &[], 0),
        ("hour", 0, 23, &[], 0),
        ("day of month", 1, 31, &[], 0),
        ("month", 1, 12, MONTHS, 1),
        ("day of week", 0, 7, DAYS, 0),
    ];
    for (field, (what, lo, hi, names, name_base)) in fields.iter().zip(specs) {
        let value = |v: &str| -> Result<u32, String> {
            if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(v)) {
                return Ok(i as u32 + name_base);
            }
            let n: u32 = v
                .parse()
                .map_err(|_| format!("`{v}` is not a valid {what}"))?;
            if n < lo || n > hi {
                return Err(format!("{what} {n} is outside {lo}-{hi}"));
            }
            Ok(n)
        };
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (part, None),
            };
            if let Some(step) = step {
                let n: u32 = step
                    .parse()
                    .map_err(|_| format!("step `{step}` in the {what} field is not a number"))?;
                if n == 0 {
                    return Err(format!("step 0 in the {what} field"));
                }
            }
            match range {
                "*" => {}
                "?" if what == "day of month" || what == "day of week" => {}
                _ => match range.split_once('-') {
                    Some((a, b)) => {
                        let (a, b) = (value(a)?, value(b)?);
                        if a > b {
                            return Err(format!(
                                "range {a}-{b} in the {what} field runs backwards"
                            ));
                        }
                    }
                    None => {
                        value(range)?;
                    }
                },
            }
        }
    }
    Ok(())
}

/// An IANA time zone name such as `Europe/Berlin` or `UTC` (shape only: the cluster's
/// tz database decides which exist).
pub fn time_zone(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains("..")
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err("expected an IANA time zone such as `Europe/Berlin` or `UTC`".into())
    }
}

/// An IPv4 or IPv6 CIDR such as `10.0.0.0/8`.
pub fn cidr(s: &str) -> Result<(), String> {
    let (addr, bits) = s
        .split_once('/')
        .ok_or("expected ADDRESS/BITS, e.g. `10.0.0.0/8`")?;
    let max = match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => 32,
        Ok(std::net::IpAddr::V6(_)) => 128,
        Err(_) => return Err(format!("`{addr}` is not an IP address")),
    };
    match bits.parse::<u32>() {
        Ok(b) if b <= max => Ok(()),
        _ => Err(format!("prefix length `{bits}` must be 0-{max}")),
    }
}

/// A Go duration such as `1h`, `30m` or `1h30m`.
pub fn duration(s: &str) -> Result<(), String> {
    let mut rest = s;
    if rest.is_empty() {
        return Err("must not be empty".into());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(format!("`{s}` is not a duration like `1h` or `30m`"));
        }
        rest = &rest[digits..];
        let unit = ["ns", "us", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest.starts_with(u));
        match unit {
            Some(u) => rest = &rest[u.len()..],
            None => return Err(format!("`{s}` is not a duration like `1h` or `30m`")),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(dns1123_label("task-tracker").is_ok());
        assert!(dns1123_label("Task").is_err());
        assert!(dns1123_label("-a").is_err());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_subdomain("task-tracker.config").is_ok());
        assert!(dns1123_subdomain("a..b").is_err());
        assert!(qualified_name("app.kubernetes.io/name").is_ok());
        assert!(qualified_name("team").is_ok());
        assert!(qualified_name("Bad Key").is_err());
        assert!(label_value("v1.2.3").is_ok());
        assert!(label_value("").is_ok());
        assert!(label_value("-v1").is_err());
        assert!(config_key("nginx.conf").is_ok());
        assert!(config_key("..data").is_err());
        assert!(config_key("a/b").is_err());
        assert!(port_name("http").is_ok());
        assert!(port_name("8080").is_err());
        assert!(port_name("metrics-endpoint1").is_err());
        assert!(env_var_name("DB_PASSWORD").is_ok());
        assert!(env_var_name("1X").is_err());
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity("100m").unwrap(), 0.1);
        assert_eq!(quantity("128Mi").unwrap(), 128.0 * 1024.0 * 1024.0);
        assert_eq!(quantity("1").unwrap(), 1.0);
        assert_eq!(quantity("1.5").unwrap(), 1.5);
        assert_eq!(quantity("2e3").unwrap(), 2000.0);
        assert!(quantity("100mb").is_err());
        assert!(quantity("MI").is_err());
        assert!(quantity("").is_err());
        assert!(quantity("1.2.3").is_err());
        assert!(quantity("12 Mi").is_err());
    }

    #[test]
    fn images() {
        assert_eq!(image_tag("task-tracker:v1"), Some("v1"));
        assert_eq!(image_tag("localhost:5000/app"), None);
        assert_eq!(image_tag("localhost:5000/app:1.2@sha256:abc"), Some("1.2"));
        assert_eq!(image_tag("app@sha256:abc"), None);
        assert!(image("ghcr.io/Acme/app:v1").is_err());
        assert!(image("Registry.example.com:5000/acme/app:v1").is_ok());
        assert!(image("app:v 1").is_err());
        assert!(image("app@sha256").is_err());
        assert!(percent("25%").is_ok());
        assert!(percent("150%").is_err());
    }

    #[test]
    fn cron() {
        for ok in [
            "0 2 * * *",
            "*/15 * * * *",
            "0 9-17 * * MON-FRI",
            "0 0 1,15 * ?",
            "@daily",
            "30 4 1 jan sun",
        ] {
            assert!(cron_schedule(ok).is_ok(), "{ok}");
        }
        for bad in [
            "0 2 * *",
            "60 * * * *",
            "0 25 * * *",
            "0 0 0 * *",
            "* * * * * *",
            "0 0 L * *",
            "@often",
            "*/0 * * * *",
            "5-1 * * * *",
            "TZ=UTC 0 2 * * *",
        ] {
            assert!(cron_schedule(bad).is_err(), "{bad}");
        }
        assert!(cidr("10.0.0.0/8").is_ok());
        assert!(cidr("fd00::/64").is_ok());
        assert!(cidr("10.0.0.0/33").is_err());
        assert!(cidr("10.0.0.0").is_err());
    }
}
