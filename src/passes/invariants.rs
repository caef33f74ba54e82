//! The invariants every rendered app keeps, checked on the final objects so a patch cannot
//! break them: each workload's selector selects its own pods; every Service (with a
//! selector), PodDisruptionBudget and NetworkPolicy selects the pods of a workload of the app;
//! every probe has exactly one handler, a probe port given by name is one of its container's
//! ports, and a gRPC probe's port is a port number.
//!
//! It reads objects only through the per-kind accessors ([`Object::pod`],
//! [`Object::pod_selector`]), never by kind name. It changes nothing, and judges only what a
//! patch could break: rules about the spec itself are `check`'s.

use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::kube::{Object, selects};

/// One broken invariant, on object `kind/name`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    pub kind: String,
    pub name: String,
    pub message: String,
    pub help: String,
}

/// Every broken invariant in `objects`, in a stable order.
pub fn violations(objects: &[Object]) -> Vec<Violation> {
    let mut out = Vec::new();
    for o in objects {
        let violation = |message: String, help: &str| Violation {
            kind: o.kind().to_string(),
            name: o.name().to_string(),
            message: format!("{}/{} {message}", o.kind(), o.name()),
            help: help.to_string(),
        };
        match (o.pod(), o.pod_selector()) {
            (Some(pod), Some(selector)) if !selects(&selector, &pod.labels()) => {
                out.push(violation(
                    format!(
                        "has selector {} but its pods do not match it (their labels: {})",
                        show(&selector),
                        show_labels(&pod.labels())
                    ),
                    "a workload's selector must match its pod template's labels; patch both together",
                ));
            }
            (None, Some(selector)) if !selects_a_workload(objects, o, &selector) => {
                out.push(violation(
                    format!(
                        "selects no pods of this app: no workload's pods match {}",
                        show(&selector)
                    ),
                    "a selector must match the pod labels of one of the app's workloads; patch the selector and the labels together",
                ));
            }
            _ => {}
        }
        let Some(pod) = o.pod() else { continue };
        let containers = pod
            .spec
            .init_containers
            .iter()
            .flatten()
            .chain(&pod.spec.containers);
        for c in containers {
            for (which, probe) in [
                ("liveness", &c.liveness_probe),
                ("readiness", &c.readiness_probe),
                ("startup", &c.startup_probe),
            ] {
                let Some(probe) = probe else { continue };
                if let Some(problem) = probe_problem(c, probe) {
                    out.push(violation(
                        format!("container `{}`: the {which} probe {problem}", c.name),
                        "a probe needs exactly one of exec, httpGet, tcpSocket and grpc, a named port must be one of the container's ports, and a gRPC port is a number from 1 to 65535",
                    ));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

fn selects_a_workload(objects: &[Object], selector_of: &Object, selector: &LabelSelector) -> bool {
    objects.iter().any(|w| {
        w.metadata().namespace == selector_of.metadata().namespace
            && w.pod().is_some_and(|pod| selects(selector, &pod.labels()))
    })
}

fn probe_problem(c: &Container, p: &Probe) -> Option<String> {
    let handlers = [
        p.exec.is_some(),
        p.http_get.is_some(),
        p.tcp_socket.is_some(),
        p.grpc.is_some(),
    ]
    .iter()
    .filter(|h| **h)
    .count();
    if handlers != 1 {
        return Some(format!("has {handlers} handlers"));
    }
    // gRPC takes a port number only, which the API server checks.
    if let Some(grpc) = &p.grpc
        && !(1..=65535).contains(&grpc.port)
    {
        return Some(format!("uses gRPC port {}, outside 1-65535", grpc.port));
    }
    let port = p
        .http_get
        .as_ref()
        .map(|h| &h.port)
        .or(p.tcp_socket.as_ref().map(|t| &t.port));
    if let Some(IntOrString::String(name)) = port {
        let ports: Vec<&str> = (c.ports.iter().flatten())
            .filter_map(|p| p.name.as_deref())
            .collect();
        if !ports.contains(&name.as_str()) {
            return Some(format!(
                "uses port `{name}`, which the container does not declare (its ports: {})",
                if ports.is_empty() {
                    "none".to_string()
                } else {
                    ports.join(", ")
                }
            ));
        }
    }
    None
}

fn show_labels(labels: &std::collections::BTreeMap<String, String>) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

fn show(selector: &LabelSelector) -> String {
    let mut parts: Vec<String> = (selector.match_labels.iter().flatten())
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    parts.extend((selector.match_expressions.iter().flatten()).map(|e| {
        format!(
            "{} {} {:?}",
            e.key,
            e.operator,
            e.values.as_deref().unwrap_or_default()
        )
    }));
    format!("{{{}}}", parts.join(", "))
}
