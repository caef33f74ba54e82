//! The app's Ingress: routes grouped by host, one TLS entry for every host.

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};

use crate::model::{App, PortTarget, Route, names};

pub const CERT_MANAGER_ISSUER: &str = "cert-manager.io/cluster-issuer";

pub fn ingress(app: &App) -> Option<Ingress> {
    let ing = app.ingress.as_ref()?;
    let mut hosts: Vec<Option<String>> = Vec::new();
    for r in &ing.routes {
        if !hosts.contains(&r.host) {
            hosts.push(r.host.clone());
        }
    }
    let rules = hosts
        .iter()
        .map(|host| IngressRule {
            host: host.clone(),
            http: Some(HTTPIngressRuleValue {
                paths: ing
                    .routes
                    .iter()
                    .filter(|r| &r.host == host)
                    .map(|r| HTTPIngressPath {
                        path: r.path.clone(),
                        path_type: r.path_type.unwrap_or_default().to_string(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: names::component(&app.name, &r.component),
                                port: Some(ServiceBackendPort {
                                    name: port_name(app, r),
                                    number: None,
                                }),
                            }),
                            ..Default::default()
                        },
                    })
                    .collect(),
            }),
        })
        .collect();
    let tls_secret = ing.tls_secret.as_ref().filter(|_| ing.tls != Some(false));
    let tls = tls_secret.map(|secret| {
        vec![IngressTLS {
            hosts: super::non_empty_vec(hosts.iter().flatten().cloned().collect()),
            secret_name: Some(secret.clone()),
        }]
    });
    let mut meta = super::app_meta(app, app.name.clone());
    let mut annotations = ing.annotations.clone();
    if let Some(issuer) = &ing.cert_manager_issuer {
        annotations.insert(CERT_MANAGER_ISSUER.to_string(), issuer.clone());
    }
    meta.annotations = super::non_empty(super::merged(&app.annotations, &annotations));
    Some(Ingress {
        metadata: meta,
        spec: Some(IngressSpec {
            ingress_class_name: ing.class.clone(),
            rules: Some(rules),
            tls,
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// The name of the Service port route `r` sends to (the rules made sure there is one).
fn port_name(app: &App, r: &Route) -> Option<String> {
    let target = app.components.iter().find(|c| c.key == r.component)?;
    let ports = &target.service.on()?.ports;
    let port = match &r.port {
        None => ports.first(),
        Some(PortTarget::Name(n)) => ports.iter().find(|p| p.name.as_ref() == Some(n)),
        Some(PortTarget::Number(n)) => ports.iter().find(|p| p.port == Some(*n)),
    };
    port.and_then(|p| p.name.clone())
}
