//! The Service in front of a component: default, headless, NodePort, ExternalName.

use std::collections::BTreeMap;

use super::component::one_of;
use super::probe::port_target;
use super::{Cx, Owner, codes};
use crate::diag::Diagnostic;
use crate::model::{self, PortTarget, Workload, rules};
use crate::spec::{self, ComponentSyntax};

pub(super) fn service(
    cx: &mut Cx<'_>,
    c: &ComponentSyntax,
    ports: &[model::Port],
    owner: &Owner,
    workload: &Workload,
) -> Option<model::Service> {
    let stateful = matches!(workload, Workload::StatefulSet { .. });
    let all_ports = || model::Service {
        kind: "ClusterIP".to_string(),
        headless: stateful,
        external_name: None,
        ports: ports
            .iter()
            .map(|p| model::ServicePort {
                name: p.name.clone(),
                port: p.port,
                target: PortTarget::Name(p.name.clone()),
                protocol: p.protocol.clone(),
                node_port: None,
            })
            .collect(),
        annotations: BTreeMap::new(),
    };
    let Some(svc) = &c.service else {
        let default = workload.is_replicated();
        return (default && !ports.is_empty()).then(all_ports);
    };
    let no_ports = |cx: &mut Cx<'_>| {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                svc.span(),
                format!(
                    "component `{}` has a Service but no container port",
                    crate::diag::clip(&owner.key)
                ),
            )
            .with_help("add `port = N`, or remove the Service"),
        );
    };
    match &svc.value {
        spec::ServiceSyntax::Enabled(false) => None,
        spec::ServiceSyntax::Enabled(true) => {
            if ports.is_empty() {
                no_ports(cx);
            }
            Some(all_ports())
        }
        spec::ServiceSyntax::Table(t) => {
            let kind = match &t.kind {
                Some(k) => one_of(
                    cx,
                    k,
                    &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
                    "Service type",
                )?,
                None => "ClusterIP".to_string(),
            };
            if kind == "ExternalName" {
                let Some(target) = &t.external_name else {
                    cx.push(
                        Diagnostic::error(
                            codes::MISSING_VALUE,
                            svc.span(),
                            "an `ExternalName` Service needs `external_name`",
                        )
                        .with_help("add `external_name = \"db.example.com\"`"),
                    );
                    return None;
                };
                cx.rule(
                    target,
                    rules::dns1123_subdomain,
                    codes::INVALID_NAME,
                    "external name",
                );
                for key in [
                    t.port.as_ref().map(|p| p.span()),
                    t.node_port.as_ref().map(|p| p.span()),
                ]
                .into_iter()
                .flatten()
                {
                    cx.push(Diagnostic::error(
                        codes::INVALID_VALUE,
                        key,
                        "an `ExternalName` Service has no ports of its own",
                    ));
                }
                return Some(model::Service {
                    kind,
                    headless: false,
                    external_name: Some(target.value.clone()),
                    ports: Vec::new(),
                    annotations: cx.labels(
                        &crate::model::issue::key(
                            &crate::model::issue::key(
                                &crate::model::issue::component(&owner.key),
                                "service",
                            ),
                            "annotations",
                        ),
                        &t.annotations,
                    ),
                });
            }
            if let Some(e) = &t.external_name {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    e.span(),
                    "`external_name` needs `type = \"ExternalName\"`",
                ));
            }
            if ports.is_empty() {
                no_ports(cx);
                return None;
            }
            let headless = t
                .headless
                .as_ref()
                .map_or(stateful && kind == "ClusterIP", |h| h.value);
            if headless && kind != "ClusterIP" {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    t.headless.as_ref().map_or(svc.span(), |h| h.span()),
                    format!("a headless Service must be of type ClusterIP, not {kind}"),
                ));
            }
            let target = match &t.target_port {
                Some(r) => {
                    let target = port_target(cx, r, ports)?;
                    let found = ports.iter().find(|p| match &target {
                        PortTarget::Number(n) => p.port == *n,
                        PortTarget::Name(name) => &p.name == name,
                    });
                    match found {
                        Some(p) => p.clone(),
                        None => {
                            cx.push(
                                Diagnostic::error(
                                    codes::UNKNOWN_REFERENCE,
                                    r.span(),
                                    "the container does not expose this port",
                                )
                                .with_help("target one of the ports under `port`/`ports`"),
                            );
                            return None;
                        }
                    }
                }
                None => ports
                    .iter()
                    .find(|p| p.name == "http")
                    .unwrap_or(&ports[0])
                    .clone(),
            };
            let port = match &t.port {
                Some(p) => match rules::port_number(p.value) {
                    Ok(n) => n,
                    Err(e) => {
                        cx.push(Diagnostic::error(
                            codes::INVALID_PORT,
                            p.span(),
                            format!("invalid port: {e}"),
                        ));
                        return None;
                    }
                },
                None => target.port,
            };
            let node_port = match &t.node_port {
                Some(np) if kind == "ClusterIP" => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_PORT,
                            np.span(),
                            "a ClusterIP Service has no node port",
                        )
                        .with_help("set `type = \"NodePort\"` or remove `node_port`"),
                    );
                    None
                }
                Some(np) if !(30000..=32767).contains(&np.value) => {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_PORT,
                            np.span(),
                            format!("node port {} is outside 30000-32767", np.value),
                        )
                        .with_help("Kubernetes' default node port range is 30000-32767"),
                    );
                    None
                }
                Some(np) => Some(np.value as i32),
                None => None,
            };
            Some(model::Service {
                kind,
                headless,
                external_name: None,
                ports: vec![model::ServicePort {
                    name: target.name.clone(),
                    port,
                    target: PortTarget::Name(target.name.clone()),
                    protocol: target.protocol.clone(),
                    node_port,
                }],
                annotations: cx.labels(
                    &crate::model::issue::key(
                        &crate::model::issue::key(
                            &crate::model::issue::component(&owner.key),
                            "service",
                        ),
                        "annotations",
                    ),
                    &t.annotations,
                ),
            })
        }
    }
}
