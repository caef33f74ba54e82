//! Services: the component's own (selecting exactly the pods its workload selects), its
//! further Services `NAME-KEY` (`[services.KEY]`, selecting the same pods), and for a
//! StatefulSet whose own Service is not headless, the headless `NAME-headless` governing it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};

use super::{labels, pod::int_or_string};
use crate::model::{self, App, Component, names};

pub fn services(app: &App, c: &Component) -> Vec<Service> {
    let mut out = Vec::new();
    if let Some(svc) = c.service.on() {
        out.push(service(app, c, c.service_name(), svc, false));
    }
    out.extend(extra_services(app, c, None));
    if let Some(governing) = c.governing_service()
        && governing != c.service_name()
    {
        let headless = model::defaults::service(
            c,
            model::Service {
                kind: Some(model::ServiceType::ClusterIp),
                headless: Some(true),
                ..Default::default()
            },
        );
        // Pods find their peers through it while starting, before they are ready.
        out.push(service(app, c, governing, &headless, true));
    }
    out
}

/// The Services of a released component, one per `(name, selector)`: each like the
/// component's own Service, selecting the pods of the tracks its selector names.
pub fn release_services(
    app: &App,
    c: &Component,
    selectors: Vec<(String, BTreeMap<String, String>)>,
) -> Vec<Service> {
    // Further Services select what the component's own Service selects.
    let main = selectors.first().map(|(_, s)| s.clone());
    let mut out: Vec<Service> = match c.service.on() {
        Some(svc) => selectors
            .into_iter()
            .map(|(name, selector)| with_selector(service(app, c, name, svc, false), selector))
            .collect(),
        None => Vec::new(),
    };
    out.extend(extra_services(app, c, main));
    out
}

/// The further Services of `c` (`[services.KEY]`), selecting `selector` when given, else the
/// component's pods.
fn extra_services(
    app: &App,
    c: &Component,
    selector: Option<BTreeMap<String, String>>,
) -> impl Iterator<Item = Service> {
    c.services.iter().map(move |(key, svc)| {
        let s = service(app, c, names::extra_service(&c.name, key), svc, false);
        match &selector {
            Some(selector) => with_selector(s, selector.clone()),
            None => s,
        }
    })
}

fn with_selector(mut s: Service, selector: BTreeMap<String, String>) -> Service {
    if let Some(spec) = s.spec.as_mut()
        && spec.selector.is_some()
    {
        spec.selector = Some(selector);
    }
    s
}

fn service(app: &App, c: &Component, name: String, svc: &model::Service, peers: bool) -> Service {
    let mut meta = super::component_meta(app, c, name);
    let mut annotations = meta.annotations.take().unwrap_or_default();
    annotations.extend(svc.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    meta.annotations = super::non_empty(annotations);
    let kind = svc.kind.unwrap_or(model::ServiceType::ClusterIp);
    let external = kind == model::ServiceType::ExternalName;
    Service {
        metadata: meta,
        spec: Some(ServiceSpec {
            type_: Some(kind.to_string()),
            cluster_ip: (svc.headless == Some(true)).then(|| "None".to_string()),
            external_name: svc.external_name.clone(),
            selector: (!external).then(|| labels::selector(c)),
            // Clients of the component's own Service only ever see ready pods.
            publish_not_ready_addresses: peers.then_some(true),
            ports: super::non_empty_vec(
                svc.ports
                    .iter()
                    .map(|p| ServicePort {
                        name: p.name.clone(),
                        port: p.port.unwrap_or_default(),
                        target_port: p.target.as_ref().map(int_or_string),
                        protocol: p.protocol.map(|p| p.to_string()),
                        node_port: p.node_port,
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    }
}
