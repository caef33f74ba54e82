//! Time and output that grow linearly with the spec: many errors of one code are shown 50 at a
//! time per file with a count of the rest, and checking resolves references by lookup, not by
//! scanning (a valid spec with 40,000 config references took 14 s, 100,000 bad env names 82 s).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::hostile::k8gen_in;

/// The spec `bench/gen-big.py` makes with `--refs refs --bad-env bad`.
fn big_spec(refs: usize, bad: usize) -> String {
    let mut s = String::from(
        "name = \"big\"\nnamespace = \"big\"\nimage = \"big:v1\"\nport = 8080\n[env]\n",
    );
    for i in 0..refs {
        s += &format!("E{i:06} = {{ config = \"K{i:06}\" }}\n");
    }
    for i in 0..bad {
        s += &format!("1BAD{i:06} = \"x\"\n");
    }
    s += "[config]\n";
    for i in 0..refs {
        s += &format!("K{i:06} = \"v\"\n");
    }
    s
}

fn timed_check(dir: &Path, name: &str, text: &str) -> (Duration, std::process::Output) {
    std::fs::write(dir.join(name), text).unwrap();
    let start = Instant::now();
    let out = k8gen_in(dir, &["check", name], Duration::from_secs(300)).expect("finishes");
    (start.elapsed(), out)
}

#[test]
fn twenty_thousand_errors_of_one_code_print_fifty_and_a_count() {
    let _heavy = crate::support::heavy();
    let tmp = tempfile::tempdir().unwrap();
    // 20,000 here to keep the suite light; `bench/scale.sh` times 100,000.
    let (took, out) = timed_check(tmp.path(), "bad.toml", &big_spec(0, 20_000));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr.matches("error[K0107]").count(), 50);
    assert!(
        stderr.contains("\nbad.toml: ... and 19950 more errors [K0107]\n"),
        "{}",
        &stderr[stderr.len().saturating_sub(500)..]
    );
    assert!(stderr.ends_with("k8gen: 20000 errors and 0 warnings in 1 spec\n"));
    eprintln!("20,000 bad env names: {took:?}");
    // JSON keeps every finding, positions from the line index.
    std::fs::write(tmp.path().join("few.toml"), big_spec(0, 120)).unwrap();
    let json = k8gen_in(
        tmp.path(),
        &["check", "--format", "json", "few.toml"],
        Duration::from_secs(60),
    )
    .unwrap();
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(findings.len(), 120);
    assert_eq!(findings[119]["line"], 125);
}

#[test]
fn checking_references_grows_linearly() {
    let _heavy = crate::support::heavy();
    let tmp = tempfile::tempdir().unwrap();
    let best = |name: &str, refs: usize| {
        let text = big_spec(refs, 0);
        (0..2)
            .map(|_| {
                let (took, out) = timed_check(tmp.path(), name, &text);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                took
            })
            .min()
            .unwrap()
    };
    // 5,000 and 20,000 here to keep the suite light; `bench/scale.sh` times 10,000 and 40,000.
    let small = best("5k.toml", 5_000);
    let large = best("20k.toml", 20_000);
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    eprintln!("config references: 5,000 in {small:?}, 20,000 in {large:?} ({ratio:.1}x for 4x)");
    // Linear is 4x (plus start-up); the quadratic scan it replaced was 16x.
    assert!(
        ratio < 8.0,
        "40k references take {ratio:.1}x the time of 10k"
    );
}

/// A mistake repeated in every spec of a run (here a missing image in 300 specs, rendered
/// for 2 environments: 600 errors) prints at most 200 messages of its code, then one line
/// counting the rest and the renders they were in; the total is still every error.
#[test]
fn a_mistake_in_every_spec_prints_two_hundred_and_a_count() {
    let tmp = tempfile::tempdir().unwrap();
    let apps = tmp.path().join("apps");
    std::fs::create_dir(&apps).unwrap();
    std::fs::write(
        apps.join("k8gen.toml"),
        "[environments.dev]\nnamespace = \"{app}-dev\"\n[environments.prod]\nnamespace = \"{app}\"\n",
    )
    .unwrap();
    for i in 0..300 {
        std::fs::write(
            apps.join(format!("app-{i:03}.toml")),
            format!("name = \"app-{i:03}\"\nport = 8080\n"),
        )
        .unwrap();
    }
    let out = k8gen_in(
        tmp.path(),
        &["render", "apps", "--all-envs"],
        Duration::from_secs(120),
    )
    .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    let code = k8gen::codes::MISSING_VALUE;
    assert_eq!(
        stderr.matches(&format!("error[{code}]")).count(),
        200,
        "{}",
        &stderr[stderr.len().saturating_sub(800)..]
    );
    assert!(
        stderr.contains(&format!(
            "k8gen: ... and 400 more errors [{code}] (in 400 more of this run's renders)\n"
        )),
        "{}",
        &stderr[stderr.len().saturating_sub(800)..]
    );
    assert!(stderr.ends_with("k8gen: 600 errors found; nothing was written\n"));
    // An environment's header is printed only for a render whose messages are shown.
    assert_eq!(stderr.matches("k8gen: in environment").count(), 200);
}
