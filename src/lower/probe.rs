//! Lowering probes: the `"GET :8080/path"` / `"TCP :5432"` / `"GRPC :9090"` shorthands and probe tables into
//! [`model::Probe`]s. Only what the model cannot hold is reported here (a shorthand that cannot
//! be read, a table without exactly one check); whether ports exist and timings make sense
//! are rules of the engine (`model::rules`).

use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, PortTarget, ProbeAction, issue};
use crate::syntax::{self, Sp};

/// A `port = ...` reference to a container port, by number or name.
pub(super) fn port_ref(cx: &mut Cx<'_>, r: &Sp<syntax::PortRef>, path: &str) -> Option<PortTarget> {
    cx.provenance.record(path, r.span());
    match &r.value {
        syntax::PortRef::Number(n) => cx
            .int32(&Sp::new(r.span(), *n), "port")
            .map(PortTarget::Number),
        syntax::PortRef::Name(name) => Some(PortTarget::Name(name.clone())),
    }
}

pub(super) fn probe(
    cx: &mut Cx<'_>,
    p: &Sp<syntax::ProbeSyntax>,
    path: &str,
) -> Option<model::Probe> {
    cx.provenance.record(path, p.span());
    match &p.value {
        syntax::ProbeSyntax::Short(text) => {
            let (verb, rest) = text
                .trim()
                .split_once(' ')
                .map_or((text.trim(), ""), |(v, r)| (v, r.trim()));
            let (port, target) = match rest.strip_prefix(':') {
                Some(after) => {
                    let end = after.find('/').unwrap_or(after.len());
                    match after[..end].parse::<u16>() {
                        Ok(n) => (Some(PortTarget::Number(n.into())), &after[end..]),
                        Err(_) => {
                            cx.push(Diagnostic::error(
                                codes::INVALID_PORT,
                                p.span(),
                                format!("`:{}` is not a port number", &after[..end]),
                            ));
                            return None;
                        }
                    }
                }
                None => (None, rest),
            };
            let action = match verb.to_ascii_uppercase().as_str() {
                "GET" if target.starts_with('/') => ProbeAction::HttpGet {
                    path: target.to_string(),
                    port,
                },
                "TCP" if target.is_empty() => ProbeAction::Tcp { port },
                "GRPC" if target.is_empty() => ProbeAction::Grpc {
                    port,
                    service: None,
                },
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), format!("cannot read probe `{text}`"))
                            .with_help("write \"GET /path\", \"GET :8080/path\", \"TCP\", \"TCP :5432\", \"GRPC :9090\", or a table such as { exec = [\"pg_isready\"] }"),
                    );
                    return None;
                }
            };
            Some(model::Probe::new(action))
        }
        syntax::ProbeSyntax::Table(t) => {
            let port_path = issue::key(path, "port");
            let mut port = match &t.port {
                Some(r) => Some(port_ref(cx, r, &port_path)?),
                None => None,
            };
            // `grpc = 9090` / `grpc = "grpc"` names the port itself (`grpc = true` leaves it
            // to `port`); the model has one port per probe.
            let grpc = match t.grpc.as_ref().map(|g| (g, &g.value)) {
                Some((g, syntax::GrpcSyntax::Port(r))) => {
                    if t.port.is_some() {
                        cx.push(
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                g.span(),
                                "the probe names its port twice, in `grpc` and in `port`",
                            )
                            .with_help("write `grpc = 9090` or `grpc = true, port = 9090`"),
                        );
                        return None;
                    }
                    port = port_ref(cx, &Sp::new(g.span(), r.clone()), &port_path);
                    true
                }
                Some((_, syntax::GrpcSyntax::On(on))) => *on,
                None => false,
            };
            let action = match (&t.http, &t.tcp, &t.exec, grpc) {
                (Some(http), None, None, false) => {
                    cx.provenance.record(issue::key(path, "http"), http.span());
                    ProbeAction::HttpGet {
                        path: http.value.clone(),
                        port,
                    }
                }
                (None, Some(flag), None, false) if flag.value => ProbeAction::Tcp { port },
                (None, None, Some(cmd), false) if !cmd.is_empty() => ProbeAction::Exec {
                    command: cmd.iter().map(|s| s.value.clone()).collect(),
                },
                (None, None, None, true) => ProbeAction::Grpc {
                    port,
                    service: t.service.as_ref().map(|s| {
                        cx.provenance.record(issue::key(path, "service"), s.span());
                        s.value.clone()
                    }),
                },
                _ => {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, p.span(), "a probe needs exactly one of `http`, `tcp = true`, `grpc` and a non-empty `exec`")
                            .with_help("e.g. `{ http = \"/health\" }`, `{ tcp = true, port = 5432 }`, `{ grpc = 9090 }` or `{ exec = [\"pg_isready\"] }`"),
                    );
                    return None;
                }
            };
            if let Some(service) = &t.service
                && !grpc
            {
                cx.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        service.span(),
                        "`service` is the name a gRPC probe checks; this probe is not one",
                    )
                    .with_help("remove `service`, or add `grpc = true`"),
                );
                return None;
            }
            let mut probe = model::Probe::new(action);
            let headers_path = issue::key(path, "headers");
            if let Some((first, _)) = super::env::in_file_order(&t.headers).first() {
                cx.provenance.record(&headers_path, first.span());
            }
            for (name, value) in super::env::in_file_order(&t.headers) {
                cx.provenance
                    .record(issue::key(&headers_path, &name.value), name.span());
                probe
                    .http_headers
                    .push((name.value.clone(), value.value.clone()));
            }
            let mut timing = |v: &Option<Sp<i64>>, name: &str| {
                let v = v.as_ref()?;
                cx.provenance.record(issue::key(path, name), v.span());
                cx.int32(v, name)
            };
            probe.initial_delay_seconds = timing(&t.initial_delay_seconds, "initial_delay_seconds");
            probe.period_seconds = timing(&t.period_seconds, "period_seconds");
            probe.timeout_seconds = timing(&t.timeout_seconds, "timeout_seconds");
            probe.failure_threshold = timing(&t.failure_threshold, "failure_threshold");
            probe.success_threshold = timing(&t.success_threshold, "success_threshold");
            Some(probe)
        }
    }
}
