//! The app's Ingress: routes grouped by host, one TLS entry for every host; and a canary's
//! weighted copy for ingress-nginx.

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::model::{self, App, Component, PortTarget, Route, names};

pub const CERT_MANAGER_ISSUER: &str = "cert-manager.io/cluster-issuer";

pub fn ingress(app: &App) -> Option<Ingress> {
    let ing = app.ingress.as_ref()?;
    let routes: Vec<&Route> = ing.routes.iter().collect();
    let name = ing.name.clone().unwrap_or_default();
    let meta = super::app_meta(app, name);
    Some(build(
        app,
        ing,
        meta,
        &routes,
        |r| names::of(app, &r.component, names::Named::Service),
        None,
    ))
}

/// ingress-nginx's canary annotations: the Ingress is a weighted copy of another one.
pub const NGINX_CANARY: &str = "nginx.ingress.kubernetes.io/canary";
pub const NGINX_CANARY_WEIGHT: &str = "nginx.ingress.kubernetes.io/canary-weight";

/// Whether the canary of `c` gets a weighted route: the app's Ingress is of class `nginx`
/// and routes to `c`.
pub fn weighted_route(app: &App, c: &Component) -> bool {
    app.ingress.as_ref().is_some_and(|ing| {
        ing.class.as_deref() == Some("nginx") && ing.routes.iter().any(|r| r.component == c.key)
    })
}

/// The canary Ingress of `c` (see [`weighted_route`]): the routes of the app's Ingress that
/// reach `c`, sent to the canary-only Service, with ingress-nginx's canary annotations so
/// that `weight` percent of their requests go there.
pub fn canary(app: &App, c: &Component, weight: i32) -> Option<Ingress> {
    if !weighted_route(app, c) {
        return None;
    }
    let ing = app.ingress.as_ref()?;
    let routes: Vec<&Route> = ing.routes.iter().filter(|r| r.component == c.key).collect();
    let name = names::canary_route(&c.name);
    let meta = super::component_meta(app, c, name.clone());
    let annotations = BTreeMap::from([
        (NGINX_CANARY.to_string(), "true".to_string()),
        (NGINX_CANARY_WEIGHT.to_string(), weight.to_string()),
    ]);
    Some(build(
        app,
        ing,
        meta,
        &routes,
        |_| name.clone(),
        Some(annotations),
    ))
}

fn build(
    app: &App,
    ing: &model::Ingress,
    mut meta: ObjectMeta,
    routes: &[&Route],
    service: impl Fn(&Route) -> String,
    extra: Option<BTreeMap<String, String>>,
) -> Ingress {
    let mut hosts: Vec<Option<String>> = Vec::new();
    for r in routes {
        if !hosts.contains(&r.host) {
            hosts.push(r.host.clone());
        }
    }
    let rules = hosts
        .iter()
        .map(|host| IngressRule {
            host: host.clone(),
            http: Some(HTTPIngressRuleValue {
                paths: routes
                    .iter()
                    .filter(|r| &r.host == host)
                    .map(|r| HTTPIngressPath {
                        path: r.path.clone(),
                        path_type: r.path_type.unwrap_or_default().to_string(),
                        backend: IngressBackend {
                            service: Some(IngressServiceBackend {
                                name: service(r),
                                // A port written as a number stays a number.
                                port: Some(match &r.port {
                                    Some(PortTarget::Number(n)) => ServiceBackendPort {
                                        name: None,
                                        number: Some(*n),
                                    },
                                    _ => ServiceBackendPort {
                                        name: port_name(app, r),
                                        number: None,
                                    },
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
    let mut annotations = ing.annotations.clone();
    if let Some(issuer) = &ing.cert_manager_issuer {
        annotations.insert(CERT_MANAGER_ISSUER.to_string(), issuer.clone());
    }
    annotations.extend(extra.unwrap_or_default());
    meta.annotations = super::non_empty(super::merged(&app.annotations, &annotations));
    Ingress {
        metadata: meta,
        spec: Some(IngressSpec {
            ingress_class_name: ing.class.clone(),
            rules: Some(rules),
            tls,
            ..Default::default()
        }),
        ..Default::default()
    }
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
