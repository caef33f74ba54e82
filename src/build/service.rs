//! Service: selects exactly the pods its component's Deployment selects.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};

use super::labels;
use crate::model::{App, Component};

pub fn service(app: &App, component: &Component) -> Option<Service> {
    let svc = component.service.as_ref()?;
    let mut meta = super::component_meta(app, component, component.name.clone());
    let mut annotations = meta.annotations.take().unwrap_or_default();
    annotations.extend(svc.annotations.iter().map(|(k, v)| (k.clone(), v.clone())));
    meta.annotations = super::non_empty(annotations);
    Some(Service {
        metadata: meta,
        spec: Some(ServiceSpec {
            type_: Some(svc.kind.clone()),
            selector: Some(labels::selector(component)),
            ports: Some(
                svc.ports
                    .iter()
                    .map(|p| ServicePort {
                        name: Some(p.name.clone()),
                        port: p.port,
                        target_port: Some(super::deployment::int_or_string(&p.target)),
                        protocol: Some(p.protocol.clone()),
                        node_port: p.node_port,
                        ..Default::default()
                    })
                    .collect(),
            ),
            ..Default::default()
        }),
        ..Default::default()
    })
}
