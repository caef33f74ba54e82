//! Lowering the `service` key (`false`, `true`, or a table describing one Service port or
//! listing several in `ports`) and the further Services of `services`. Which container port
//! each targets and every rule about them belong to the engine (`model::defaults`,
//! `model::rules`); this only records what was written, and where.

use std::collections::BTreeMap;

use super::probe::port_ref;
use super::{Cx, Owner, codes};
use crate::diag::Diagnostic;
use crate::model::{self, Switch, issue};
use crate::syntax::{self, ComponentSyntax, Sp};

pub(super) fn service(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
) -> Switch<model::Service> {
    let Some(svc) = &c.service else {
        return Switch::Default;
    };
    let path = issue::key(&issue::component(&owner.key), "service");
    cx.provenance.record(&path, svc.span());
    match &svc.value {
        syntax::ServiceSyntax::Enabled(false) => Switch::Off,
        syntax::ServiceSyntax::Enabled(true) => Switch::On(model::Service::default()),
        syntax::ServiceSyntax::Table(t) => Switch::On(table(cx, t, svc.span(), &path)),
    }
}

/// More Services for the same pods: `[services.KEY]`, each a table like `service`'s.
pub(super) fn extra_services(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    owner: &Owner,
) -> BTreeMap<String, model::Service> {
    let base = issue::key(&issue::component(&owner.key), "services");
    (c.services.iter())
        .map(|(key, t)| {
            let path = issue::key(&base, &key.value);
            cx.provenance.record(&path, key.span());
            (key.value.clone(), table(cx, &t.value, t.span(), &path))
        })
        .collect()
}

/// A Service table at `path` (its span `span`).
fn table(
    cx: &mut Cx<'_>,
    t: &syntax::ServiceTable,
    span: std::ops::Range<usize>,
    path: &str,
) -> model::Service {
    let p = |f: &str| issue::key(path, f);
    let mut out = model::Service {
        kind: t.kind.as_ref().map(|k| {
            cx.provenance.record(p("type"), k.span());
            k.value
        }),
        headless: t.headless.as_ref().map(|h| {
            cx.provenance.record(p("headless"), h.span());
            h.value
        }),
        external_name: t.external_name.as_ref().map(|e| {
            cx.provenance.record(p("external_name"), e.span());
            e.value.clone()
        }),
        ports: Vec::new(),
        annotations: cx.labels(&p("annotations"), &t.annotations),
    };
    let external = out.kind == Some(model::ServiceType::ExternalName);
    let single = t.port.is_some() || t.target_port.is_some() || t.node_port.is_some();
    match &t.ports {
        Some(list) => {
            if single {
                cx.push(
                    Diagnostic::error(codes::INVALID_VALUE, span.clone(), "the Service's ports are written twice: in `ports` and as `port`/`target_port`/`node_port`")
                        .with_help("list every port under `ports`, e.g. `ports = [{ port = 80, target_port = \"http\" }, \"grpc\"]`"),
                );
            }
            if list.is_empty() {
                // The model reads no ports as "every container port".
                cx.push(
                    Diagnostic::error(codes::INVALID_VALUE, span.clone(), "`ports` lists no port")
                        .with_help("name the container ports to expose, e.g. `ports = [\"http\"]`, or remove `ports` for all of them"),
                );
            }
            // One listed port is reported like the one-port table (`service.port`),
            // as the Rust API's one-port Service is; several by index.
            let one = list.len() == 1;
            for (i, item) in list.iter().enumerate() {
                let item_path = issue::index(&p("ports"), i);
                cx.provenance.record(&item_path, item.span());
                let at = |f: &str| match one {
                    true => p(f),
                    false => issue::key(&item_path, f),
                };
                out.ports.push(match &item.value {
                    syntax::ServicePortSyntax::Name(name) => {
                        cx.provenance.record(at("target_port"), item.span());
                        model::ServicePort {
                            target: Some(model::PortTarget::Name(name.clone())),
                            ..Default::default()
                        }
                    }
                    syntax::ServicePortSyntax::Table(pt) => {
                        let mut sp = port(cx, &pt.port, &pt.target_port, &pt.node_port, at);
                        sp.name = pt.name.as_ref().map(|n| {
                            cx.provenance.record(at("name"), n.span());
                            n.value.clone()
                        });
                        sp
                    }
                });
            }
        }
        // A table describes a Service with one port (an ExternalName Service has none;
        // one written anyway is kept for the rules to report).
        None if !external || single => {
            out.ports
                .push(port(cx, &t.port, &t.target_port, &t.node_port, p));
        }
        None => {}
    }
    out
}

/// One Service port as written; `at` gives the field path of each of its keys.
fn port(
    cx: &mut Cx<'_>,
    port: &Option<Sp<i64>>,
    target: &Option<Sp<syntax::PortRef>>,
    node_port: &Option<Sp<i64>>,
    at: impl Fn(&str) -> String,
) -> model::ServicePort {
    model::ServicePort {
        port: port.as_ref().and_then(|n| {
            cx.provenance.record(at("port"), n.span());
            cx.int32(n, "port")
        }),
        target: target
            .as_ref()
            .and_then(|r| port_ref(cx, r, &at("target_port"))),
        node_port: node_port.as_ref().and_then(|n| {
            cx.provenance.record(at("node_port"), n.span());
            cx.int32(n, "node_port")
        }),
        ..Default::default()
    }
}
