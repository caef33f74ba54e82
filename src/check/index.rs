//! What each component offers to the others (ports, Service ports, config and secret keys),
//! read from the syntax before any component is lowered, so references between components
//! resolve in any order.

use std::collections::BTreeMap;

use crate::spec::{ComponentSyntax, NetworkSyntax, PortRef, PortSyntax, ServiceSyntax};

/// One component as others see it.
#[derive(Debug, Clone)]
pub struct Declared {
    /// Object name (`APP-KEY`, or `APP` for the main component).
    pub full_name: String,
    pub kind: String,
    /// Container port name → number.
    pub ports: Vec<(String, i64)>,
    /// Service port name → number; empty when the component has no Service.
    pub service_ports: Vec<(String, i64)>,
    pub has_service: bool,
    pub config_keys: std::collections::BTreeSet<String>,
    pub secret_keys: std::collections::BTreeSet<String>,
    /// Its NetworkPolicy admits traffic from outside the app's own components (or it has
    /// none); an Ingress controller can only reach such a component.
    pub reachable_from_outside: bool,
}

/// Components by the key a spec refers to them with (the app name for the main component).
#[derive(Debug, Default)]
pub struct Index {
    pub components: BTreeMap<String, Declared>,
}

impl Index {
    pub fn keys(&self) -> Vec<&str> {
        self.components.keys().map(String::as_str).collect()
    }
}

pub fn declare(c: &ComponentSyntax, full_name: &str) -> Declared {
    let kind = c
        .kind
        .as_ref()
        .map_or("Deployment".to_string(), |k| k.value.clone());
    let mut ports: Vec<(String, i64)> = Vec::new();
    if let Some(p) = &c.port {
        ports.push(("http".to_string(), p.value));
    }
    for (name, p) in &c.ports {
        let n = match &p.value {
            PortSyntax::Number(n) => *n,
            PortSyntax::Table(t) => t.port.value,
        };
        ports.push((name.value.clone(), n));
    }
    let long_running = kind == "Deployment" || kind == "StatefulSet";
    let (has_service, service_ports) = match c.service.as_ref().map(|s| &s.value) {
        None => (long_running && !ports.is_empty(), ports.clone()),
        Some(ServiceSyntax::Enabled(b)) => (*b, ports.clone()),
        Some(ServiceSyntax::Table(t)) => {
            let target = match t.target_port.as_ref().map(|r| &r.value) {
                Some(PortRef::Name(n)) => ports.iter().find(|(name, _)| name == n).cloned(),
                Some(PortRef::Number(n)) => ports.iter().find(|(_, p)| p == n).cloned(),
                None => ports
                    .iter()
                    .find(|(n, _)| n == "http")
                    .or(ports.first())
                    .cloned(),
            };
            let sp = match (target, &t.port) {
                (Some((name, _)), Some(port)) => vec![(name, port.value)],
                (Some(target), None) => vec![target],
                (None, _) => Vec::new(),
            };
            (true, sp)
        }
    };
    let reachable_from_outside = match c.network.as_ref().map(|n| &n.value) {
        Some(NetworkSyntax::Table(t)) => t.from.as_ref().is_none_or(|peers| {
            peers
                .iter()
                .any(|p| p.value.starts_with("namespace:") || p.value.starts_with("cidr:"))
        }),
        _ => true,
    };
    Declared {
        reachable_from_outside,
        full_name: full_name.to_string(),
        kind,
        service_ports: if has_service {
            service_ports
        } else {
            Vec::new()
        },
        ports,
        has_service,
        config_keys: c.config.keys().map(|k| k.value.clone()).collect(),
        secret_keys: c.secrets.keys().map(|k| k.value.clone()).collect(),
    }
}
