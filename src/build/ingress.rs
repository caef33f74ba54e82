//! The app's Ingress: routes grouped by host, one TLS entry for every host.

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};

use crate::model::App;

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
                        path: Some(r.path.clone()),
                        path_type: r.path_type.clone(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: r.service.clone(),
                                port: Some(ServiceBackendPort {
                                    name: Some(r.port.clone()),
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
    let tls = ing.tls_secret.as_ref().map(|secret| {
        vec![IngressTLS {
            hosts: super::non_empty_vec(hosts.iter().flatten().cloned().collect()),
            secret_name: Some(secret.clone()),
        }]
    });
    let mut meta = super::app_meta(app, app.name.clone());
    meta.annotations = super::non_empty(super::merged(&app.annotations, &ing.annotations));
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
