//! Lowering the `service` key: `false`, `true`, or a table describing one Service port. Which
//! container port it targets and every rule about it belong to the engine (`model::defaults`,
//! `model::rules`); this only records what was written, and where.

use super::probe::port_ref;
use super::{Cx, Owner};
use crate::model::{self, Switch, issue};
use crate::syntax::{self, ComponentSyntax};

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
    let p = |f: &str| issue::key(&path, f);
    match &svc.value {
        syntax::ServiceSyntax::Enabled(false) => Switch::Off,
        syntax::ServiceSyntax::Enabled(true) => Switch::On(model::Service::default()),
        syntax::ServiceSyntax::Table(t) => {
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
            // A table describes a Service with one port (an ExternalName Service has none;
            // one written anyway is kept for the rules to report).
            let port = t.port.as_ref().and_then(|n| {
                cx.provenance.record(p("port"), n.span());
                cx.int32(n, "port")
            });
            let target = t
                .target_port
                .as_ref()
                .and_then(|r| port_ref(cx, r, &p("target_port")));
            let node_port = t.node_port.as_ref().and_then(|n| {
                cx.provenance.record(p("node_port"), n.span());
                cx.int32(n, "node_port")
            });
            let external = out.kind == Some(model::ServiceType::ExternalName);
            if !external || port.is_some() || node_port.is_some() {
                out.ports.push(model::ServicePort {
                    port,
                    target,
                    node_port,
                    ..Default::default()
                });
            }
            Switch::On(out)
        }
    }
}
