//! Hostile input: malformed and random specs, thousands through the library and a few dozen
//! through the binary.
//!
//! The library must never panic or hang, and must either render (and the objects emit) or
//! return at least one diagnostic, every one with a span inside the source (on character
//! boundaries) that renders as `path:LINE:COL: error[`. The binary must exit 0 or 1 (never 101, never 2 for a spec
//! problem), and on 1 start stderr with `path:LINE:COL: error[` and create no output folder.
//!
//! Inputs: mutations of `specs/*.toml` and `tests/errors/*.toml` (lines deleted, duplicated,
//! swapped; bytes flipped; TOML fragments inserted), TOML documents generated from the spec's
//! key names with values of every type, specs that are well-formed but hold odd values (so
//! check, build and emit see them too), and hand-written edge cases (10 MB strings, deep
//! nesting, bad UTF-8, empty files). Inputs that once broke k8gen are kept in
//! `tests/fuzz-corpus/` and replayed on every run; proptest persists nothing.
//!
//! `K8GEN_FUZZ_CASES=N` runs N cases per library property instead of [`LIBRARY_CASES`], e.g.
//! for a longer hunt: `K8GEN_FUZZ_CASES=50000 cargo test --release fuzz:: -- --nocapture`
//! (which also prints how far the inputs got: rendered, or the first diagnostic's code).

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use k8gen::Host;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestError, TestRunner};

use crate::support::root;

/// Longest one case may take before it counts as a hang. The slowest edge case (a 10 MB config
/// key and a reference to it) takes a debug build ~2.5 s alone, and over 10 s on a 2-core
/// machine that is also building other projects (load 6-9), so the limit leaves room for that.
const CASE_LIMIT: Duration = Duration::from_secs(30);

/// Library cases per property, unless `K8GEN_FUZZ_CASES` says otherwise.
const LIBRARY_CASES: u32 = 2000;

/// Binary cases (each spawns a process).
const BINARY_CASES: u32 = 60;

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Minimal failing inputs are saved by hand to tests/fuzz-corpus/, not by proptest.
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        max_shrink_iters: 2000,
        ..Config::default()
    }
}

fn library_cases() -> u32 {
    std::env::var("K8GEN_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LIBRARY_CASES)
}

// ---------------------------------------------------------------------------------------------
// Hosts

/// What the files and environment variables a spec names look like to `check`.
#[derive(Debug, Clone, Copy)]
enum FuzzHost {
    /// Every file is missing and every variable unset.
    Nothing,
    /// Files and variables hold bytes derived from the seed and the name: sometimes an error,
    /// sometimes empty, text, binary or over a MiB.
    Random(u64),
}

/// SplitMix64: enough randomness for a host, fully determined by its seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, name: &str) -> Self {
        let mut h = DefaultHasher::new();
        (seed, name).hash(&mut h);
        Rng(h.finish())
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn text(&mut self, len: usize) -> String {
        const CHARS: &[char] = &[
            'a', 'Z', '0', ' ', '\n', '"', '\\', 'é', '💥', '\0', '\u{feff}',
        ];
        (0..len)
            .map(|_| CHARS[self.below(CHARS.len() as u64) as usize])
            .collect()
    }
}

impl Host for FuzzHost {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let FuzzHost::Random(seed) = *self else {
            return Err(std::io::ErrorKind::NotFound.into());
        };
        let mut rng = Rng::new(seed, &path.to_string_lossy());
        match rng.below(8) {
            0 => Err(std::io::ErrorKind::NotFound.into()),
            1 => Err(std::io::ErrorKind::PermissionDenied.into()),
            2 => Err(std::io::Error::other("device on fire")),
            3 => Ok(Vec::new()),
            4 => {
                let len = rng.below(300) as usize;
                Ok(rng.text(len).into_bytes())
            }
            5 => Ok(vec![b'x'; 1024 * 1024 + rng.below(10) as usize]),
            _ => {
                let len = rng.below(300) as usize;
                Ok(rng.bytes(len))
            }
        }
    }

    fn env_var(&self, name: &str) -> Option<String> {
        let FuzzHost::Random(seed) = *self else {
            return None;
        };
        let mut rng = Rng::new(seed, name);
        match rng.below(4) {
            0 => None,
            1 => Some(String::new()),
            _ => {
                let len = rng.below(100) as usize;
                Some(rng.text(len))
            }
        }
    }
}

fn host() -> impl Strategy<Value = FuzzHost> {
    prop_oneof![
        Just(FuzzHost::Nothing),
        any::<u64>().prop_map(FuzzHost::Random)
    ]
}

// ---------------------------------------------------------------------------------------------
// The driver

/// How a case ended: rendered, or rejected with this first diagnostic code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Rendered,
    Rejected(String),
}

/// Runs `test` on `cases` inputs from `strategy`; prints how the cases ended (shown with
/// `--nocapture`), and on failure the shrunk input as escaped text, a candidate for
/// `tests/fuzz-corpus/`.
fn fuzz<S: Strategy>(
    what: &str,
    cases: u32,
    strategy: S,
    input: impl Fn(&S::Value) -> (Vec<u8>, FuzzHost),
    test: impl Fn(&[u8], FuzzHost) -> Result<Outcome, String>,
) {
    let outcomes = RefCell::new(BTreeMap::<Outcome, usize>::new());
    let started = Instant::now();
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(&strategy, |value| {
        let (bytes, host) = input(&value);
        let outcome = test(&bytes, host).map_err(TestCaseError::fail)?;
        *outcomes.borrow_mut().entry(outcome).or_default() += 1;
        Ok(())
    });
    eprintln!(
        "fuzz {what}: {cases} cases in {:.1?}: {:?}",
        started.elapsed(),
        outcomes.borrow()
    );
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, value)) => {
            let (bytes, host) = input(&value);
            panic!(
                "{what}: {reason}\nminimal input ({host:?}):\n{:?}",
                String::from_utf8_lossy(&bytes)
            );
        }
        Err(e) => panic!("{what}: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------
// One input through the library

/// Runs `f` on its own thread (default 2 MiB stack, as any library user's thread may have);
/// fails if it panics or takes longer than [`CASE_LIMIT`].
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    let (tx, rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
        .name("fuzz-case".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn a case thread");
    match rx.recv_timeout(CASE_LIMIT) {
        Ok(v) => {
            let _ = handle.join();
            Ok(v)
        }
        // The thread is left running: there is no way to stop it, and the test fails anyway.
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("hang: no result within {CASE_LIMIT:?}"))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            let payload = handle
                .join()
                .expect_err("the thread ended without a result");
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a non-string payload".into());
            Err(format!("panic: {message}"))
        }
    }
}

/// The library takes text, so bytes that are not UTF-8 reach it as their lossy decoding (the
/// binary rejects such files itself, before the library sees them).
fn library(bytes: &[u8], host: FuzzHost) -> Result<Outcome, String> {
    let source = String::from_utf8_lossy(bytes).into_owned();
    bounded(
        move || match k8gen::render_source(&source, Path::new("fuzz"), &host) {
            Ok(objects) => {
                // The back end must take whatever check let through.
                let _ = k8gen::emit::stream(&objects);
                let _ = k8gen::emit::files(&objects, "spec.toml");
                Ok(Outcome::Rendered)
            }
            Err(diags) => diagnostics_verdict(&source, &diags),
        },
    )?
}

fn diagnostics_verdict(source: &str, diags: &[k8gen::Diagnostic]) -> Result<Outcome, String> {
    let Some(first) = diags.first() else {
        return Err("failed without a diagnostic".into());
    };
    for d in diags {
        let span = &d.span;
        if !(span.start <= span.end && span.end <= source.len()) {
            return Err(format!(
                "span {span:?} is outside the source ({} bytes): {d:?}",
                source.len()
            ));
        }
        // `&source[span]` must not panic either.
        if !(source.is_char_boundary(span.start) && source.is_char_boundary(span.end)) {
            return Err(format!("span {span:?} splits a character: {d:?}"));
        }
        let text = k8gen::diag::render(d, "spec.toml", source, false);
        if !has_position_header(&text, "spec.toml") {
            return Err(format!("rendered without `path:LINE:COL: error[`:\n{text}"));
        }
        // Colour takes another path through the renderer.
        let _ = k8gen::diag::render(d, "spec.toml", source, true);
    }
    Ok(Outcome::Rejected(first.code.to_string()))
}

/// Whether `text` starts with `path:LINE:COL: error[`.
fn has_position_header(text: &str, path: &str) -> bool {
    fn number(s: &str) -> Option<&str> {
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0).then(|| &s[digits..])
    }
    text.strip_prefix(path)
        .and_then(|r| r.strip_prefix(':'))
        .and_then(number)
        .and_then(|r| r.strip_prefix(':'))
        .and_then(number)
        .is_some_and(|r| r.starts_with(": error["))
}

// ---------------------------------------------------------------------------------------------
// One input through the binary

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
}

/// Writes `bytes` to `spec.toml` in a fresh folder, renders it with `-o out` and checks the
/// binary's promises.
fn binary(bytes: &[u8]) -> Result<Outcome, String> {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec.toml");
    std::fs::write(&spec, bytes).unwrap();
    binary_on(&spec).map(|(outcome, _)| outcome)
}

/// Renders `spec` into `out` beside it and checks the binary's promises.
fn binary_on(spec: &Path) -> Result<(Outcome, Run), String> {
    binary_on_with(spec, &[])
}

/// [`binary_on`] with more arguments for `render`.
fn binary_on_with(spec: &Path, args: &[&str]) -> Result<(Outcome, Run), String> {
    let out = spec.with_file_name("out");
    let run = run_k8gen(spec, &out, args)?;
    let stderr = &run.stderr;
    if stderr.contains("panicked") {
        return Err(format!("panic message on stderr:\n{stderr}"));
    }
    let outcome = match run.code {
        Some(0) if out.is_dir() => Outcome::Rendered,
        Some(0) => return Err("exit 0, but no output folder".into()),
        Some(1) => {
            if !has_position_header(stderr, &spec.display().to_string()) {
                return Err(format!(
                    "exit 1 without `path:LINE:COL: error[` first:\n{stderr}"
                ));
            }
            if out.exists() {
                return Err("exit 1, but the output folder was created".into());
            }
            if !run.stdout.is_empty() {
                return Err("exit 1, but something was printed to stdout".into());
            }
            let code = stderr
                .split_once("error[")
                .map_or("", |(_, r)| r.split(']').next().unwrap_or(""));
            Outcome::Rejected(code.to_string())
        }
        code => return Err(format!("exit code {code:?}:\n{stderr}")),
    };
    Ok((outcome, run))
}

/// Runs `k8gen render SPEC -o OUT` with stdout and stderr in files (a full pipe would look
/// like a hang) and a stdin that stays open and silent, so reading it hangs rather than ends.
fn run_k8gen(spec: &Path, out: &Path, args: &[&str]) -> Result<Run, String> {
    let logs = tempfile::tempdir().unwrap();
    let stdout_path = logs.path().join("stdout");
    let stderr_path = logs.path().join("stderr");
    let mut child = Command::new(env!("CARGO_BIN_EXE_k8gen"))
        .arg("render")
        .arg(spec)
        .arg("-o")
        .arg(out)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(std::fs::File::create(&stdout_path).unwrap())
        .stderr(std::fs::File::create(&stderr_path).unwrap())
        .spawn()
        .expect("run k8gen");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CASE_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hang: k8gen ran for more than {CASE_LIMIT:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let stderr = std::fs::read(&stderr_path).unwrap();
    Ok(Run {
        code: status.code(),
        stdout: std::fs::read(&stdout_path).unwrap(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs: mutations of real specs

/// The specs and error cases the mutations start from.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(|| {
        let mut paths = crate::support::specs();
        let mut errors: Vec<PathBuf> = std::fs::read_dir(root().join("tests/errors"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        errors.sort();
        paths.extend(errors);
        paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    /// Replaces what follows the first `=` of a line.
    ReplaceValue(Index, String),
    InsertLine(Index, String),
    FlipByte(Index, u8),
    InsertBytes(Index, Vec<u8>),
    DeleteBytes(Index, usize),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => any::<Index>().prop_map(Mutation::DeleteLine),
        2 => any::<Index>().prop_map(Mutation::DuplicateLine),
        2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        4 => (any::<Index>(), value()).prop_map(|(i, v)| Mutation::ReplaceValue(i, v)),
        3 => (any::<Index>(), fragment()).prop_map(|(i, f)| Mutation::InsertLine(i, f)),
        2 => (any::<Index>(), 1u8..=255).prop_map(|(i, x)| Mutation::FlipByte(i, x)),
        2 => (any::<Index>(), prop::collection::vec(junk_byte(), 1..6))
            .prop_map(|(i, b)| Mutation::InsertBytes(i, b)),
        1 => (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::DeleteBytes(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

/// Bytes that mean something to a TOML parser, or to UTF-8.
fn junk_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        prop::sample::select(b"[]{}\"'=.,#\\\n\r\t 0-+:".to_vec()),
        Just(0xff),
        Just(0xc3),
        Just(0x80),
        any::<u8>(),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let n = lines.len();
    match m {
        Mutation::DeleteLine(i) if n > 0 => {
            lines.remove(i.index(n));
        }
        Mutation::DuplicateLine(i) if n > 0 => {
            let i = i.index(n);
            lines.insert(i, lines[i].clone());
        }
        Mutation::SwapLines(a, b) if n > 0 => lines.swap(a.index(n), b.index(n)),
        Mutation::ReplaceValue(i, value) if n > 0 => {
            let line = &mut lines[i.index(n)];
            if let Some(eq) = line.iter().position(|b| *b == b'=') {
                line.truncate(eq + 1);
                line.extend_from_slice(format!(" {value}\n").as_bytes());
            }
        }
        Mutation::InsertLine(i, text) => {
            lines.insert(i.index(n + 1), format!("{text}\n").into_bytes());
        }
        Mutation::FlipByte(i, x) if !bytes.is_empty() => {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
            return;
        }
        Mutation::InsertBytes(i, new) => {
            let i = i.index(bytes.len() + 1);
            bytes.splice(i..i, new.iter().copied());
            return;
        }
        Mutation::DeleteBytes(i, len) if !bytes.is_empty() => {
            let i = i.index(bytes.len());
            bytes.drain(i..(i + len).min(bytes.len()));
            return;
        }
        Mutation::Truncate(i) => {
            bytes.truncate(i.index(bytes.len() + 1));
            return;
        }
        _ => return,
    }
    *bytes = lines.concat();
}

fn mutated_spec() -> impl Strategy<Value = Vec<u8>> {
    (any::<Index>(), prop::collection::vec(mutation(), 1..6)).prop_map(|(seed, mutations)| {
        let seeds = seeds();
        let mut bytes = seeds[seed.index(seeds.len())].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        bytes
    })
}

// ---------------------------------------------------------------------------------------------
// Inputs: TOML generated from the spec's keys

/// The spec's top-level keys, read from its JSON Schema, so the grammar follows the spec.
fn top_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let schema: serde_json::Value = serde_json::from_str(&k8gen::json_schema()).unwrap();
        schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    })
}

/// Keys of the nested tables, and keys users make up (env names, config keys, components).
const NESTED_KEYS: &[&str] = &[
    "liveness",
    "readiness",
    "startup",
    "http",
    "tcp",
    "exec",
    "port",
    "initial_delay_seconds",
    "period_seconds",
    "timeout_seconds",
    "success_threshold",
    "failure_threshold",
    "requests",
    "limits",
    "cpu",
    "memory",
    "ephemeral-storage",
    "hugepages-2Mi",
    "example.com/gpu",
    "strategy",
    "max_surge",
    "max_unavailable",
    "min_ready_seconds",
    "revision_history_limit",
    "progress_deadline_seconds",
    "type",
    "target_port",
    "node_port",
    "grpc",
    "headers",
    "hardened",
    "node_selector",
    "priority_class",
    "ports",
    "remove",
    "annotations",
    "run_as_user",
    "run_as_non_root",
    "read_only_root_filesystem",
    "writable_tmp",
    "allow_privilege_escalation",
    "capabilities",
    "seccomp",
    "service_account_token",
    "protocol",
    "file",
    "env",
    "field",
    "secret",
    "config",
    "secrets",
    "metrics",
    "dns",
    "from",
    "to",
    "service",
    "external",
    "property",
    "headless",
    "external_name",
    "mount",
    "size",
    "class",
    "access",
    "claim",
    "name",
    "wait_for",
    "mounts",
    "min",
    "max",
    "min_available",
    "allow_blocking",
    "backoff_limit",
    "restart_policy",
    "concurrency_policy",
    "time_zone",
    "spread",
    "anti_affinity",
    "prefer_nodes",
    "routes",
    "host",
    "path",
    "tls",
    "cert_manager_issuer",
    "target",
    "merge",
    "set",
    "store",
    "repo",
    "APP_ENV",
    "DB_PASSWORD",
    "API_KEY",
    "nginx.conf",
    "..data",
    "1X",
    "db",
    "web",
    "worker",
    "Bad_Name",
    "app.kubernetes.io/name",
    "team",
    "a b",
    "",
    "ünïcode",
    "-",
];

/// Table headers a spec could have.
const TABLES: &[&str] = &[
    "probes",
    "probes.liveness",
    "probes.readiness",
    "resources",
    "resources.requests",
    "resources.limits",
    "rollout",
    "config",
    "secrets",
    "secrets.API_KEY",
    "env",
    "env.DB",
    "ports",
    "ports.metrics",
    "mount",
    "service",
    "service.annotations",
    "security",
    "labels",
    "annotations",
    "pod_annotations",
    "components",
    "components.db",
    "components.db.probes",
    "components.db.config",
    "components.db.secrets",
    "components.web",
    "components.web.volumes.data",
    "components.db.autoscale",
    "components.db.network",
    "ingress",
    "defaults",
    "defaults.resources",
    "quota",
    "limit_range",
    "external_secrets",
    "argocd",
    "components.web.env",
    "components.web.ports",
    "components.worker.resources.limits",
    "components.\"Bad_Name\"",
];

/// Strings that mean something to k8gen, YAML or a terminal (besides every allowed value of
/// the spec, which the grammar takes from `k8gen::values`).
const STRINGS: &[&str] = &[
    "",
    "task-tracker",
    "a",
    "web",
    "A",
    "-a-",
    "nginx:1.27",
    "task-tracker:v1",
    "ghcr.io/acme/api@sha256:abc",
    "localhost:5000/app",
    "UPPER/app:tag",
    "app:",
    "app:v 1",
    "@",
    ":",
    "GET /health",
    "GET :8080/health",
    "GET :99999/x",
    "GET :/",
    "GET ::/",
    "get /",
    "TCP",
    "TCP :5432",
    "TCP :",
    "100m",
    "128Mi",
    "1.5Gi",
    "2e3",
    "1e400",
    "1e-400",
    "-1",
    "+.5",
    "0.",
    "9223372036854775808",
    "25%",
    "150%",
    "-5%",
    "%",
    "99999999999%",
    "config",
    "secrets",
    "/etc/app",
    "/tmp",
    "/",
    "relative/path",
    "../../etc/passwd",
    "task-tracker.files/db-password.sample",
    "metadata.name",
    "metadata.labels['x']",
    "status.podIP",
    "spec.nodeName",
    "http",
    "metrics",
    "UDP",
    "SCTP",
    "Always",
    "IfNotPresent",
    "Never",
    "Recreate",
    "RollingUpdate",
    "ClusterIP",
    "NodePort",
    "LoadBalancer",
    "RuntimeDefault",
    "Unconfined",
    "NET_BIND_SERVICE",
    "CAP_",
    "app.kubernetes.io/name",
    "a/b/c",
    "é",
    "💥",
    "\u{0}",
    "\u{7f}",
    "\u{1b}[31mred",
    "\u{feff}",
    "\u{2028}",
    "\u{85}",
    "\u{200b}",
    "\r\n",
    "\r",
    "\t",
    "key: value",
    "- item",
    "---",
    "...",
    "&anchor",
    "*alias",
    "!!binary",
    "? ",
    "true",
    "null",
    "~",
    "yes",
    "0x1F",
    "1e3",
    "0o17",
    "'",
    "\"",
    "\\",
    "`",
    "{",
    "{{ .Values.x }}",
    "${HOME}",
];

fn string_content() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(STRINGS).prop_map(str::to_string),
        2 => "[a-z0-9-]{1,70}",
        2 => any::<String>(),
        1 => "\\PC{0,40}",
        1 => (prop::sample::select(&["a", "é", "-", "💥"][..]), 60usize..5000)
            .prop_map(|(s, n)| s.repeat(n)),
    ]
}

/// `s` escaped for a TOML basic string, without the quotes.
fn escaped(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `s` as a TOML basic string.
fn basic(s: &str) -> String {
    format!("\"{}\"", escaped(s))
}

/// A TOML string in one of its four forms; literal forms only for text they can hold.
fn string_value() -> impl Strategy<Value = String> {
    (string_content(), 0u8..8).prop_map(|(s, form)| {
        let plain = !s.chars().any(|c| c.is_control() || c == '\'');
        match form {
            0 if plain => format!("'{s}'"),
            1 => format!("\"\"\"\n{}\"\"\"", escaped(&s)),
            2 if plain => format!("'''{s}'''"),
            _ => basic(&s),
        }
    })
}

fn integer_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(&[
            "9223372036854775807",
            "-9223372036854775808",
            "0",
            "-0",
            "+1",
            "1",
            "-1",
            "65535",
            "65536",
            "2147483647",
            "2147483648",
            "-2147483649",
            "30000",
            "32767",
            "10001",
            "0xDEADBEEF",
            "0x7fffffffffffffff",
            "0o755",
            "0b1010",
            "1_000",
        ][..]).prop_map(str::to_string),
        2 => (0i64..70000).prop_map(|n| n.to_string()),
        1 => any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn float_value() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(&[
            "nan", "+nan", "-nan", "inf", "+inf", "-inf", "0.0", "-0.0", "1e308", "-1e308",
            "5e-324", "0.5", "1.5", "3.14", "1e3", "1E-7",
        ][..]).prop_map(str::to_string),
        1 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| format!("{f:?}")),
    ]
}

fn date_value() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "1979-05-27T07:32:00Z",
            "1979-05-27T00:32:00.999999-07:00",
            "1979-05-27 07:32:00",
            "1979-05-27T07:32:00",
            "1979-05-27",
            "07:32:00",
            "00:32:00.999999",
            "9999-12-31T23:59:59Z",
            "0000-01-01",
        ][..],
    )
    .prop_map(str::to_string)
}

/// Values that look like TOML but are not: overflows, bad dates, bad escapes.
fn broken_value() -> impl Strategy<Value = String> {
    prop::sample::select(
        &[
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999999",
            "0xffffffffffffffff",
            "01",
            "1__0",
            "1e309",
            "1.",
            ".5",
            "1e",
            "nan0",
            "1979-13-45",
            "1979-02-30",
            "25:00:00",
            "\"\\uD800\"",
            "\"\\x00\"",
            "\"unterminated",
            "'it's'",
            "[1, 2",
            "{ a = 1, }",
            "{ a = 1, a = 2 }",
            "TRUE",
            "",
        ][..],
    )
    .prop_map(str::to_string)
}

fn scalar_value() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => string_value(),
        6 => integer_value(),
        2 => float_value(),
        2 => prop::sample::select(&["true", "false"][..]).prop_map(str::to_string),
        2 => date_value(),
        1 => broken_value(),
    ]
}

/// A key as TOML writes it: bare when it can be, quoted when not.
fn toml_key(k: &str) -> String {
    let bare = !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if bare { k.to_string() } else { basic(k) }
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(top_keys()),
        4 => prop::sample::select(NESTED_KEYS).prop_map(str::to_string),
        1 => "[a-zA-Z_][a-zA-Z0-9_.-]{0,12}",
        1 => any::<String>(),
    ]
    .prop_map(|k| toml_key(&k))
}

/// A dotted key of one to three parts.
fn dotted_key() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(key(), 1..4)
}

/// `key = value` lines whose keys do not clash (no key twice, no key both a value and a table).
fn entries(kv: Vec<(Vec<String>, String)>) -> Vec<String> {
    let mut seen = BTreeSet::new();
    kv.into_iter()
        .filter(|(k, _)| seen.insert(k[0].clone()))
        .map(|(k, v)| format!("{} = {v}", k.join(".")))
        .collect()
}

/// Any TOML value: scalars, arrays and inline tables, nested a few levels.
fn value() -> impl Strategy<Value = String> {
    scalar_value().prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((dotted_key(), inner), 0..5)
                .prop_map(|kv| format!("{{ {} }}", entries(kv).join(", "))),
        ]
    })
}

fn header() -> impl Strategy<Value = (String, bool)> {
    (
        prop_oneof![
            4 => prop::sample::select(TABLES).prop_map(str::to_string),
            1 => dotted_key().prop_map(|k| k.join(".")),
        ],
        prop::bool::weighted(0.1),
    )
}

/// One line to insert into a spec: an entry, a header, or text that breaks TOML.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (dotted_key(), value()).prop_map(|(k, v)| format!("{} = {v}", k.join("."))),
        2 => header().prop_map(|(h, array)| if array { format!("[[{h}]]") } else { format!("[{h}]") }),
        1 => prop::sample::select(&[
            "[", "]", "[[", "{", "}", "=", "= 1", "a =", "a = ", "\"", "'''", "\"\"\"", "#", ".",
            "a..b = 1", "a = 1 b = 2", "[a", "a = [1,", "a = {", "a = { b = 1,, }", "\u{0}",
            "\u{feff}", "\r", "a = 1\r", "[]", "[.]", "[ a . b ]",
        ][..]).prop_map(str::to_string),
    ]
}

/// A whole document: maybe a valid `name` and `image`, entries, then tables with entries.
fn document() -> impl Strategy<Value = String> {
    let table_entries = || prop::collection::vec((dotted_key(), value()), 0..5);
    (
        prop::sample::select(
            &[
                "",
                "name = \"app\"\n",
                "name = \"app\"\nimage = \"nginx:1.27\"\n",
            ][..],
        ),
        table_entries(),
        prop::collection::vec((header(), table_entries()), 0..6),
    )
        .prop_map(|(prelude, top, tables)| {
            let mut out = prelude.to_string();
            let mut taken: BTreeSet<String> = ["name".to_string(), "image".to_string()].into();
            let top: Vec<_> = top
                .into_iter()
                .filter(|(k, _)| taken.insert(k[0].clone()))
                .collect();
            for line in entries(top) {
                out.push_str(&line);
                out.push('\n');
            }
            let mut headers = BTreeSet::new();
            for ((path, array), kv) in tables {
                let root = path.split('.').next().unwrap_or_default().to_string();
                if taken.contains(&root) || !headers.insert(path.clone()) {
                    continue;
                }
                out.push_str(&if array {
                    format!("[[{path}]]\n")
                } else {
                    format!("[{path}]\n")
                });
                for line in entries(kv) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            out
        })
}

// ---------------------------------------------------------------------------------------------
// Inputs: well-formed specs with odd values, so check, build and emit see them

/// Text of exactly 64 characters: one over most name limits.
const LONG64: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// A valid name of 60 characters: its components' object names get too long.
const LONG60: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

/// Mostly one of `good`, sometimes one of `bad`, now and then any value at all; all TOML text.
fn pick(good: &'static [&'static str], bad: &'static [&'static str]) -> BoxedStrategy<String> {
    let select =
        |list: &'static [&'static str]| prop::sample::select(list).prop_map(str::to_string);
    if bad.is_empty() {
        prop_oneof![100 => select(good), 1 => value()].boxed()
    } else {
        prop_oneof![100 => select(good), 5 => select(bad), 1 => value()].boxed()
    }
}

/// Like [`pick`] for strings: the lists hold their text, which is quoted here.
fn text(good: &'static [&'static str], bad: &'static [&'static str]) -> BoxedStrategy<String> {
    let select = |list: &'static [&'static str]| prop::sample::select(list).prop_map(basic);
    if bad.is_empty() {
        prop_oneof![100 => select(good), 2 => string_value(), 1 => value()].boxed()
    } else {
        prop_oneof![100 => select(good), 5 => select(bad), 2 => string_value(), 1 => value()]
            .boxed()
    }
}

fn int(good: &'static [&'static str]) -> BoxedStrategy<String> {
    pick(
        good,
        &[
            "0",
            "-1",
            "65536",
            "2147483647",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
        ],
    )
}

/// An inline table of `min..=max` entries, keys from `keys` (the first `min` always present).
fn inline(
    keys: &'static [&'static str],
    values: BoxedStrategy<String>,
    min: usize,
    max: usize,
) -> BoxedStrategy<String> {
    (
        prop::collection::vec(values.clone(), min),
        prop::collection::vec((prop::sample::select(keys), values), 0..=max - min),
    )
        .prop_map(move |(required, kv)| {
            let mut seen = BTreeSet::new();
            let body: Vec<String> = keys
                .iter()
                .copied()
                .zip(required)
                .chain(kv)
                .filter(|(k, _)| seen.insert(*k))
                .map(|(k, v)| format!("{} = {v}", toml_key(k)))
                .collect();
            format!("{{ {} }}", body.join(", "))
        })
        .boxed()
}

fn array(items: BoxedStrategy<String>) -> BoxedStrategy<String> {
    prop::collection::vec(items, 0..4)
        .prop_map(|v| format!("[{}]", v.join(", ")))
        .boxed()
}

/// An inline table with each of `fields` present with probability `p`.
fn record(p: f64, fields: Vec<(&'static str, BoxedStrategy<String>)>) -> BoxedStrategy<String> {
    fields
        .into_iter()
        .map(|(k, v)| {
            prop::option::weighted(p, v.prop_map(move |v| format!("{} = {v}", toml_key(k))))
        })
        .collect::<Vec<_>>()
        .prop_map(|entries| {
            let body: Vec<String> = entries.into_iter().flatten().collect();
            format!("{{ {} }}", body.join(", "))
        })
        .boxed()
}

/// A string, number or boolean that TOML can hold and a config or env value can be.
fn scalar() -> BoxedStrategy<String> {
    prop_oneof![
        8 => string_value(),
        3 => integer_value(),
        1 => float_value(),
        1 => Just("true".to_string()),
        1 => scalar_value(),
    ]
    .boxed()
}

/// A field: `key = value`, present with probability `p` (always when `p` is 1).
fn field(p: f64, key: &'static str, value: BoxedStrategy<String>) -> BoxedStrategy<Option<String>> {
    let line = value.prop_map(move |v| format!("{key} = {v}"));
    if p >= 1.0 {
        line.prop_map(Some).boxed()
    } else {
        prop::option::weighted(p, line).boxed()
    }
}

fn probe() -> BoxedStrategy<String> {
    let timing = int(&["1", "3", "10", "30"]);
    prop_oneof![
        text(
            &[
                "GET /health",
                "GET :5000/x",
                "TCP",
                "TCP :5432",
                " get  /a "
            ],
            &["GET :0/", "GET :99999/", "TCP /x", "GET", "EXEC", "GET :x/"],
        ),
        inline(&["http"], text(&["/health", "/"], &["health", ""]), 1, 1),
        inline(&["tcp"], pick(&["true"], &["false"]), 1, 1),
        inline(&["exec"], array(text(&["pg_isready"], &[""])), 1, 1),
        (
            prop_oneof![
                inline(&["http"], text(&["/health"], &["x"]), 1, 1),
                inline(&["exec"], array(text(&["true"], &[])), 1, 1),
                inline(&["tcp"], pick(&["true"], &[]), 1, 1),
            ],
            record(
                0.3,
                vec![
                    (
                        "port",
                        prop_oneof![timing.clone(), text(&["http"], &["nope", ""])].boxed()
                    ),
                    ("initial_delay_seconds", timing.clone()),
                    ("period_seconds", timing.clone()),
                    ("timeout_seconds", timing.clone()),
                    ("success_threshold", int(&["1"])),
                    ("failure_threshold", timing),
                ],
            ),
        )
            .prop_map(|(action, timings)| {
                // `{ http = .. }` and `{ port = .. }` → `{ http = .., port = .. }`.
                let inner = |t: &str| t[1..t.len() - 1].trim().to_string();
                let parts: Vec<String> = [inner(&action), inner(&timings)]
                    .into_iter()
                    .filter(|p| !p.is_empty())
                    .collect();
                format!("{{ {} }}", parts.join(", "))
            }),
    ]
    .boxed()
}

fn quantity() -> BoxedStrategy<String> {
    prop_oneof![
        text(
            &[
                "100m", "128Mi", "1", "0.5", "1e3", "1Ki", "10Ei", "0", "1.5Gi"
            ],
            &["-1", "1.2.3", "1e999", "", "1 Gi", "Mi"],
        ),
        pick(
            &["1", "0", "0.5", "2"],
            &["-1", "1e308", "nan", "inf", "9223372036854775807"]
        ),
    ]
    .boxed()
}

fn meta() -> BoxedStrategy<String> {
    inline(
        &[
            "team",
            "example.com/x",
            "tier",
            "owner",
            "a.b/c-d",
            "Bad Key",
            "app.kubernetes.io/name",
        ],
        text(&["x", "", "v1.0"], &["-bad", "has space", LONG64]),
        0,
        2,
    )
}

fn names() -> BoxedStrategy<String> {
    text(
        &["regcred", "default", "a.b"],
        &["Bad_Name", "a..b", "", LONG64],
    )
}

/// Every key a component can have, each with values of the right type (mostly).
fn component_fields() -> Vec<BoxedStrategy<Option<String>>> {
    let port = int(&["80", "5000", "8080", "53", "65535", "1"]);
    let some = 0.3;
    vec![
        field(
            0.95,
            "image",
            text(
                &["nginx:1.27", "task-tracker:v1", "ghcr.io/acme/api@sha256:abc", "localhost:5000/app", "x"],
                &["Bad:Image", "app:v 1", "", "app@sha256", "ghcr.io/Acme/app"],
            ),
        ),
        field(some, "version", text(&["v1", "1.2.3"], &["-bad", "", LONG64])),
        field(some, "role", text(&["server", "db"], &["-bad", "", LONG64])),
        field(some, "replicas", int(&["1", "3", "0", "100"])),
        field(0.6, "port", port.clone()),
        field(
            some,
            "ports",
            inline(
                &["metrics", "dns", "grpc-web", "http"],
                prop_oneof![
                    port.clone(),
                    (
                        port.clone(),
                        prop::option::of(text(k8gen::values::Protocol::NAMES, &["tcp", "ICMP"])),
                    )
                        .prop_map(|(port, protocol)| match protocol {
                            Some(p) => format!("{{ port = {port}, protocol = {p} }}"),
                            None => format!("{{ port = {port} }}"),
                        })
                        .boxed(),
                ]
                .boxed(),
                0,
                3,
            ),
        ),
        field(some, "command", array(string_value().boxed())),
        field(some, "args", array(string_value().boxed())),
        field(
            some,
            "env",
            inline(
                &["APP_ENV", "DB", "X.Y", "HOME", "_x", "PORT", "1X"],
                prop_oneof![
                    3 => scalar(),
                    1 => inline(&["config"], text(&["APP_ENV", "LOG_LEVEL"], &["missing"]), 1, 1),
                    1 => inline(&["secret"], text(&["DB_PASSWORD"], &["missing"]), 1, 1),
                    1 => inline(
                        &["field"],
                        text(&["metadata.name", "metadata.labels['x']"], &["status.podIp", ""]),
                        1,
                        1,
                    ),
                    1 => inline(&["config", "secret", "field"], text(&["APP_ENV"], &[]), 0, 3),
                ]
                .boxed(),
                0,
                3,
            ),
        ),
        field(some, "env_from", array(text(k8gen::values::Section::NAMES, &["both", ""]))),
        field(
            some,
            "config",
            inline(
                &["APP_ENV", "LOG_LEVEL", "nginx.conf", "app.yaml", "a_b", "a/b"],
                prop_oneof![
                    3 => scalar(),
                    1 => inline(&["file"], text(&["app.conf", "../x", "/etc/hostname"], &[""]), 1, 1),
                ]
                .boxed(),
                0,
                3,
            ),
        ),
        field(
            some,
            "secrets",
            inline(
                &["DB_PASSWORD", "API_KEY", "tls.crt", "..data"],
                prop_oneof![
                    3 => string_value().boxed(),
                    1 => inline(&["env"], text(&["DB_PASSWORD", "HOME"], &[""]), 1, 1),
                    1 => inline(&["file"], text(&["key.txt"], &[""]), 1, 1),
                    1 => inline(&["env", "file"], text(&["x"], &[]), 0, 2),
                ]
                .boxed(),
                0,
                3,
            ),
        ),
        field(
            some,
            "mount",
            inline(
                &["config", "secrets"],
                text(&["/etc/app", "/run/secrets"], &["/tmp", "/", "relative"]),
                0,
                2,
            ),
        ),
        field(some, "probes", inline(&["liveness", "readiness", "startup"], probe(), 0, 3)),
        field(
            some,
            "resources",
            inline(
                &["requests", "limits"],
                inline(
                    &["cpu", "memory", "ephemeral-storage", "hugepages-2Mi", "example.com/gpu", "cpu", "memory", "gpu"],
                    quantity(),
                    0,
                    3,
                ),
                0,
                2,
            ),
        ),
        field(
            some,
            "rollout",
            record(
                0.3,
                vec![
                    ("strategy", text(k8gen::values::RolloutStrategy::NAMES, &["recreate"])),
                    ("max_surge", pick(&["0", "1", "\"25%\"", "\"100%\""], &["\"101%\"", "\"%\"", "-1"])),
                    ("max_unavailable", pick(&["0", "1", "\"0%\"", "\"50%\""], &["\"x%\""])),
                    ("min_ready_seconds", int(&["0", "5", "600"])),
                    ("revision_history_limit", int(&["0", "10"])),
                    ("progress_deadline_seconds", int(&["1", "600"])),
                ],
            ),
        ),
        field(some, "image_pull_policy", text(k8gen::values::PullPolicy::NAMES, &["always"])),
        field(some, "image_pull_secrets", array(names())),
        field(some, "service_account", names()),
        field(
            some,
            "service",
            prop_oneof![
                pick(&["true", "false"], &[]),
                record(
                    0.3,
                    vec![
                        ("type", text(k8gen::values::ServiceType::NAMES, &["clusterip"])),
                        ("port", int(&["80", "443", "5000"])),
                        ("target_port", pick(&["\"http\"", "5000", "80"], &["\"metrics\"", "\"x\"", "0"])),
                        ("node_port", int(&["30080", "32767"])),
                        ("annotations", meta()),
                    ],
                ),
            ]
            .boxed(),
        ),
        field(
            some,
            "security",
            record(
                0.25,
                vec![
                    ("run_as_user", pick(&["1000", "false"], &["0", "-1", "4294967296", "true"])),
                    ("run_as_non_root", pick(&["true", "false"], &[])),
                    ("read_only_root_filesystem", pick(&["true", "false"], &[])),
                    ("writable_tmp", pick(&["true", "false"], &[])),
                    ("allow_privilege_escalation", pick(&["true", "false"], &[])),
                    ("capabilities", array(text(&["NET_BIND_SERVICE", "CAP_SYS_ADMIN"], &["net_raw", ""]))),
                    ("seccomp", text(k8gen::values::Seccomp::NAMES, &["Localhost"])),
                    ("service_account_token", pick(&["true", "false"], &[])),
                ],
            ),
        ),
        field(some, "labels", meta()),
        field(some, "annotations", meta()),
        field(some, "pod_annotations", meta()),
    ]
}

/// A spec with well-formed TOML throughout: app keys, maybe a main component, components.
fn plausible_spec() -> impl Strategy<Value = String> {
    let app_fields = vec![
        field(
            1.0,
            "name",
            text(
                &["app", "task-tracker", "a", LONG60],
                &["App", "-x", "1abc", LONG64],
            ),
        ),
        field(
            0.3,
            "namespace",
            text(&["practice"], &["Bad_NS", "", LONG64]),
        ),
        field(0.2, "create_namespace", pick(&["true", "false"], &[])),
    ];
    let component = || {
        component_fields()
            .prop_map(|fields| fields.into_iter().flatten().collect::<Vec<_>>())
            .boxed()
    };
    (
        app_fields,
        prop::option::weighted(0.8, component()),
        prop::collection::vec(
            (
                prop_oneof![
                    9 => prop::sample::select(&["db", "web", "worker", "config", "secrets"][..]),
                    1 => prop::sample::select(&["Bad_Name", "1db", LONG64][..]),
                ],
                component(),
            ),
            0..3,
        ),
    )
        .prop_map(|(app, main, components)| {
            let mut lines: Vec<String> = app.into_iter().flatten().collect();
            lines.extend(main.into_iter().flatten());
            let mut seen = BTreeSet::new();
            for (name, fields) in components {
                if seen.insert(name) {
                    lines.push(format!("[components.{}]", toml_key(name)));
                    lines.extend(fields);
                }
            }
            lines.join("\n") + "\n"
        })
}

// ---------------------------------------------------------------------------------------------
// Properties

#[test]
fn library_survives_mutated_specs() {
    fuzz(
        "mutated specs",
        library_cases(),
        (mutated_spec(), host()),
        |(bytes, host)| (bytes.clone(), *host),
        library,
    );
}

#[test]
fn library_survives_generated_toml() {
    fuzz(
        "generated TOML",
        library_cases(),
        (document(), host()),
        |(text, host)| (text.clone().into_bytes(), *host),
        library,
    );
}

#[test]
fn library_survives_odd_values() {
    fuzz(
        "odd values",
        library_cases(),
        (plausible_spec(), host()),
        |(text, host)| (text.clone().into_bytes(), *host),
        library,
    );
}

#[test]
fn binary_exits_0_or_1_and_writes_nothing_on_error() {
    fuzz(
        "binary",
        BINARY_CASES,
        prop_oneof![
            mutated_spec(),
            document().prop_map(String::into_bytes),
            plausible_spec().prop_map(String::into_bytes),
        ],
        |bytes| (bytes.clone(), FuzzHost::Nothing),
        |bytes, _| binary(bytes),
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-written edge cases

fn nested(open: &str, inner: &str, close: &str, depth: usize) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

/// Edge cases as (name, bytes), with strings of `big` bytes where a case wants a huge one.
fn edge_cases(big: usize) -> Vec<(String, Vec<u8>)> {
    let huge = "a".repeat(big);
    let ok = "name = \"app\"\nimage = \"nginx:1.27\"\n";
    let every_key = |value: &str| -> String {
        top_keys()
            .iter()
            .map(|k| format!("{k} = {value}\n"))
            .collect()
    };
    let mut cases: Vec<(String, String)> = vec![
        ("empty".into(), String::new()),
        (
            "only comments".into(),
            "# a spec\n# with nothing in it\n".into(),
        ),
        ("only whitespace".into(), " \n\t\r\n\n".into()),
        ("a BOM".into(), format!("\u{feff}{ok}")),
        ("CRLF".into(), ok.replace('\n', "\r\n")),
        ("lone CR".into(), ok.replace('\n', "\r")),
        ("NUL".into(), format!("{ok}\0")),
        (
            "huge name".into(),
            format!("name = \"{huge}\"\nimage = \"x:1\"\n"),
        ),
        (
            "huge image".into(),
            format!("name = \"app\"\nimage = \"x:{huge}\"\n"),
        ),
        (
            "huge config value".into(),
            format!("{ok}[config]\nBIG = \"{huge}\"\n"),
        ),
        (
            "huge env value".into(),
            format!("{ok}[env]\nBIG = \"{huge}\"\n"),
        ),
        (
            "huge label key".into(),
            format!("{ok}[labels]\n\"{huge}\" = \"x\"\n"),
        ),
        ("huge unknown key".into(), format!("{ok}\"{huge}\" = 1\n")),
        (
            "huge config key and reference".into(),
            format!("{ok}[config]\n\"{huge}\" = 1\n[env]\nX = {{ config = \"b{huge}\" }}\n"),
        ),
        ("huge comment".into(), format!("{ok}#{huge}\n")),
        // The TOML parser reports one error per byte here; this takes a debug build seconds
        // per MB (and the parser some 150 bytes per error), so it stays at 1 MB.
        (
            "a syntax error per byte".into(),
            format!("version = [\"a, \"{}\"]\n", "-".repeat(big.min(1 << 20))),
        ),
        (
            "huge unterminated string".into(),
            format!("{ok}role = \"{huge}\n"),
        ),
        (
            "huge integers".into(),
            format!(
                "{ok}replicas = 9223372036854775807\nport = -9223372036854775808\n\
                 [rollout]\nmax_surge = -9223372036854775808\n\
                 min_ready_seconds = 9223372036854775807\nprogress_deadline_seconds = -1\n\
                 [security]\nrun_as_user = -9223372036854775808\n"
            ),
        ),
        (
            "integer overflow".into(),
            format!("{ok}replicas = 9223372036854775808\n"),
        ),
        (
            "nan and inf".into(),
            format!(
                "{ok}replicas = nan\nport = inf\n[config]\nA = nan\nB = -inf\n\
                 [resources]\nlimits = {{ cpu = nan, memory = inf }}\nrequests = {{ cpu = -inf }}\n"
            ),
        ),
        (
            "extreme float quantities".into(),
            format!(
                "{ok}[resources]\nlimits = {{ cpu = 1e308, memory = 5e-324 }}\n\
                 requests = {{ cpu = 1e308, memory = 1e-300 }}\n"
            ),
        ),
        (
            "dates everywhere".into(),
            "name = 1979-05-27\nimage = 07:32:00\nreplicas = 1979-05-27T07:32:00Z\n\
             [config]\nA = 1979-05-27\n"
                .into(),
        ),
        ("dates for every key".into(), every_key("1979-05-27")),
        ("arrays for every key".into(), every_key("[[1], { a = 2 }]")),
        ("strings for every key".into(), every_key("\"x\"")),
        ("booleans for every key".into(), every_key("true")),
        (
            "tables for every key".into(),
            top_keys()
                .iter()
                .map(|k| format!("[{k}]\nx = 1\n"))
                .collect(),
        ),
        (
            "duplicate components".into(),
            format!("{ok}[components.db]\nimage = \"a:1\"\n[components.db]\nimage = \"b:1\"\n"),
        ),
        (
            "components named like the app's objects".into(),
            format!(
                "{ok}port = 80\n[components.app]\nimage = \"a:1\"\nport = 80\n\
                 [components.config]\nimage = \"a:1\"\n[components.app-app]\nimage = \"a:1\"\n"
            ),
        ),
        (
            "cyclic-looking references".into(),
            format!(
                "{ok}port = 80\nenv_from = [\"config\", \"secrets\", \"config\"]\n\
                 [config]\nA = {{ file = \"A\" }}\nB = \"B\"\n\
                 [secrets]\nA = {{ env = \"A\" }}\nB = {{ file = \"spec.toml\" }}\n\
                 [env]\nA = {{ config = \"A\" }}\nB = {{ secret = \"A\" }}\n\
                 C = {{ config = \"C\" }}\nD = {{ secret = \"D\" }}\n\
                 E = {{ field = \"metadata.labels['A']\" }}\n\
                 [probes]\nliveness = {{ http = \"/\", port = \"liveness\" }}\n\
                 [service]\ntarget_port = \"http\"\nport = 80\n"
            ),
        ),
        (
            "odd env names and file paths".into(),
            format!(
                "{ok}[secrets]\nA = {{ env = \"A\\u0000B\" }}\nB = {{ env = \"\" }}\n\
                 C = {{ env = \"A=B\" }}\nD = {{ file = \"a\\u0000b\" }}\nE = {{ file = \"\" }}\n\
                 F = {{ file = \"/\" }}\nG = {{ file = \".\" }}\n"
            ),
        ),
        (
            "thousands of unknown keys".into(),
            (0..5000).map(|i| format!("k{i} = {i}\n")).collect(),
        ),
        (
            "hundreds of components".into(),
            format!(
                "name = \"app\"\n{}",
                (0..300)
                    .map(|i| format!("[components.c{i}]\nimage = \"x:{i}\"\nport = {}\n", i + 1))
                    .collect::<String>()
            ),
        ),
    ];
    for depth in [70, 1000] {
        let dotted = vec!["a"; depth].join(".");
        cases.extend([
            (
                format!("{depth}-deep arrays"),
                format!("{ok}command = {}\n", nested("[", "", "]", depth)),
            ),
            (
                format!("{depth}-deep inline tables"),
                format!("{ok}labels = {}\n", nested("{a=", "1", "}", depth)),
            ),
            (
                format!("{depth}-deep components"),
                format!("{ok}components = {}\n", nested("{a=", "1", "}", depth)),
            ),
            (
                format!("{depth}-deep arrays of tables"),
                format!("{ok}config = {}\n", nested("{a=[", "1", "]}", depth)),
            ),
            (
                format!("{depth}-deep dotted key"),
                format!("{ok}labels.{dotted} = 1\n"),
            ),
            (
                format!("{depth}-deep header"),
                format!("{ok}[probes.{dotted}]\nb = 1\n"),
            ),
        ]);
    }
    let mut cases: Vec<(String, Vec<u8>)> = cases
        .into_iter()
        .map(|(name, text)| (name, text.into_bytes()))
        .collect();
    cases.extend([
        ("bad UTF-8 first".into(), b"\xff\xfename = \"a\"\n".to_vec()),
        ("bad UTF-8 last".into(), b"name = \"a\"\n\xc3".to_vec()),
        (
            "bad UTF-8 in a string".into(),
            b"name = \"caf\xe9\"\nimage = \"x:1\"\n".to_vec(),
        ),
        (
            "UTF-16".into(),
            b"\xff\xfen\x00a\x00m\x00e\x00 \x00=\x00 \x001\x00".to_vec(),
        ),
    ]);
    cases
}

/// Each edge case, with 10 MB strings; the cases over 1 MB (which take a debug build about a
/// second each) with the host that finds nothing only.
#[test]
fn library_survives_edge_cases() {
    let _heavy = crate::support::heavy();
    for (name, bytes) in edge_cases(10 * 1024 * 1024) {
        let hosts: &[FuzzHost] = if bytes.len() > 1 << 20 {
            &[FuzzHost::Nothing]
        } else {
            &[FuzzHost::Nothing, FuzzHost::Random(7)]
        };
        for &host in hosts {
            if let Err(e) = library(&bytes, host) {
                panic!("{name} ({host:?}): {e}");
            }
        }
    }
}

/// Each edge case with 1 MB strings, and a 4 MB one (the binary reads specs of at most 4 MiB;
/// `hostile::a_spec_over_4_mib_is_refused_unread` tests the cap).
#[test]
fn binary_survives_edge_cases() {
    let four_mb = format!(
        "name = \"{}\"\nimage = \"x:1\"\n",
        "a".repeat((4 << 20) - 64)
    );
    let cases = edge_cases(1 << 20)
        .into_iter()
        .chain([("4 MB name".to_string(), four_mb.into_bytes())]);
    for (name, bytes) in cases {
        if let Err(e) = binary(&bytes) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn binary_reports_bad_utf8_where_it_is() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = tmp.path().join("spec.toml");
    std::fs::write(&spec, b"name = \"a\"\nimage = \"x\xff\"\n").unwrap();
    let (outcome, run) = binary_on(&spec).unwrap();
    assert_eq!(outcome, Outcome::Rejected("K0001".into()));
    assert!(
        run.stderr
            .contains(":2:11: error[K0001]: the spec is not valid UTF-8"),
        "{}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Regressions

/// Every input in `tests/fuzz-corpus/`, through the library and the binary.
#[test]
fn corpus_replays() {
    let dir = root().join("tests/fuzz-corpus");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", dir.display());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&case).unwrap();
        for host in [FuzzHost::Nothing, FuzzHost::Random(7)] {
            if let Err(e) = library(&bytes, host) {
                failures.push(format!("{name} (library, {host:?}): {e}"));
            }
        }
        if let Err(e) = binary(&bytes) {
            failures.push(format!("{name} (binary): {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A spec may name any path; the binary reads regular files only, so a FIFO with no writer
/// or a device cannot make it wait or read forever (even with `--allow-outside-root`, which
/// lets it name `/dev/null`).
#[cfg(unix)]
#[test]
fn binary_refuses_to_read_fifos_and_devices() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    let spec = tmp.path().join("spec.toml");
    std::fs::write(
        &spec,
        "name = \"app\"\nimage = \"nginx:1.27\"\n\
         [config]\nFIFO = { file = \"fifo\" }\nNULL = { file = \"/dev/null\" }\n",
    )
    .unwrap();
    let (outcome, run) = binary_on_with(&spec, &["--allow-outside-root"]).unwrap();
    assert_eq!(outcome, Outcome::Rejected("K0108".into()), "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("not a regular file").count(),
        2,
        "{}",
        run.stderr
    );
}
