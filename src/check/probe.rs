//! Probes and references to the container's ports.

use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, PortTarget, ProbeAction, rules};
use crate::spec::{self, Sp};

/// Resolves a probe's or Service's port reference against the container's ports.
pub(super) fn port_target(
    cx: &mut Cx<'_>,
    r: &Sp<spec::PortRef>,
    ports: &[model::Port],
) -> Option<PortTarget> {
    match &r.value {
        spec::PortRef::Number(n) => match rules::port_number(*n) {
            Ok(p) => Some(PortTarget::Number(p)),
            Err(e) => {
                cx.push(Diagnostic::error(
                    codes::INVALID_PORT,
                    r.span(),
                    format!("invalid port: {e}"),
                ));
                None
            }
        },
        spec::PortRef::Name(name) => {
            if ports.iter().any(|p| &p.name == name) {
                Some(PortTarget::Name(name.clone()))
            } else {
                let names: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                let mut d = Diagnostic::error(
                    codes::UNKNOWN_REFERENCE,
                    r.span(),
                    format!("the container has no port named `{name}`"),
                );
                d.help = Some(spec::suggest(name, &names, || match names.is_empty() {
                    true => "declare it under `ports`".to_string(),
                    false => format!("its ports are {}", spec::quoted(&names)),
                }));
                cx.push(d);
                None
            }
        }
    }
}

pub(super) fn probe(
    cx: &mut Cx<'_>,
    p: &Sp<spec::ProbeSyntax>,
    ports: &[model::Port],
    main_port: Option<&model::Port>,
    single_success: bool,
) -> Option<model::Probe> {
    let default_port = |cx: &mut Cx<'_>| match main_port {
        Some(port) => Some(PortTarget::Number(port.port)),
        None => {
            cx.push(
                Diagnostic::error(
                    codes::MISSING_VALUE,
                    p.span(),
                    "this probe needs a port, and the container has none",
                )
                .with_help("add `port = N` to the component, or give the probe a port"),
            );
            None
        }
    };
    match &p.value {
        spec::ProbeSyntax::Short(text) => {
            let (verb, rest) = text
                .trim()
                .split_once(' ')
                .map_or((text.trim(), ""), |(v, r)| (v, r.trim()));
            let (port, path) = match rest.strip_prefix(':') {
                Some(after) => {
                    let end = after.find('/').unwrap_or(after.len());
                    let port = match after[..end]
                        .parse::<i64>()
                        .ok()
                        .and_then(|n| rules::port_number(n).ok())
                    {
                        Some(n) => Some(PortTarget::Number(n)),
                        None => {
                            cx.push(Diagnostic::error(
                                codes::INVALID_PORT,
                                p.span(),
                                format!("`:{}` is not a port number", &after[..end]),
                            ));
                            return None;
                        }
                    };
                    (port, &after[end..])
                }
                None => (None, rest),
            };
            let action = match verb.to_ascii_uppercase().as_str() {
                "GET" if path.starts_with('/') => {
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::HttpGet {
                        path: path.to_string(),
                        port,
                    }
                }
                "TCP" if path.is_empty() => {
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::Tcp { port }
                }
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), format!("cannot read probe `{text}`"))
                            .with_help("write \"GET /path\", \"GET :8080/path\", \"TCP\", \"TCP :5432\", or a table such as { exec = [\"pg_isready\"] }"),
                    );
                    return None;
                }
            };
            Some(model::Probe::new(action))
        }
        spec::ProbeSyntax::Table(t) => {
            let port = match &t.port {
                Some(r) => Some(port_target(cx, r, ports)?),
                None => None,
            };
            let action = match (&t.http, &t.tcp, &t.exec) {
                (Some(path), None, None) => {
                    if !path.value.starts_with('/') {
                        cx.push(Diagnostic::error(
                            codes::INVALID_VALUE,
                            path.span(),
                            format!("HTTP path `{}` must start with `/`", path.value),
                        ));
                    }
                    let port = port.or_else(|| default_port(cx))?;
                    ProbeAction::HttpGet {
                        path: path.value.clone(),
                        port,
                    }
                }
                (None, Some(flag), None) if flag.value => ProbeAction::Tcp {
                    port: port.or_else(|| default_port(cx))?,
                },
                (None, None, Some(cmd)) if !cmd.is_empty() => ProbeAction::Exec {
                    command: cmd.iter().map(|s| s.value.clone()).collect(),
                },
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), "a probe needs exactly one of `http`, `tcp = true` and a non-empty `exec`")
                            .with_help("e.g. `{ http = \"/health\" }`, `{ tcp = true, port = 5432 }` or `{ exec = [\"pg_isready\"] }`"),
                    );
                    return None;
                }
            };
            let mut probe = model::Probe::new(action);
            let max = i32::MAX as i64;
            let mut timing = |v: &Option<Sp<i64>>, min: i64, what: &str| {
                v.as_ref().and_then(|v| cx.int_in(v, min..=max, what))
            };
            probe.initial_delay_seconds =
                timing(&t.initial_delay_seconds, 0, "initial_delay_seconds");
            probe.period_seconds = timing(&t.period_seconds, 1, "period_seconds");
            probe.timeout_seconds = timing(&t.timeout_seconds, 1, "timeout_seconds");
            probe.failure_threshold = timing(&t.failure_threshold, 1, "failure_threshold");
            probe.success_threshold = match &t.success_threshold {
                Some(v) if single_success && v.value != 1 => {
                    cx.push(Diagnostic::error(
                        codes::OUT_OF_RANGE,
                        v.span(),
                        "success_threshold must be 1 for liveness and startup probes",
                    ));
                    None
                }
                Some(v) => cx.int_in(v, 1..=max, "success_threshold"),
                None => None,
            };
            Some(probe)
        }
    }
}
