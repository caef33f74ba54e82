//! How a component is scaled, protected, allowed and placed.

use std::collections::BTreeMap;

use super::IntOrPercent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscale {
    pub min: i32,
    pub max: i32,
    pub cpu_percent: Option<i32>,
    pub memory_percent: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disruption {
    MinAvailable(IntOrPercent),
    MaxUnavailable(IntOrPercent),
}

/// An RBAC rule: verbs on resources of one API group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub verbs: Vec<String>,
    /// `""` for the core group.
    pub api_group: String,
    pub resources: Vec<String>,
}

/// Who a component lets in and where it may connect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Network {
    /// `None`: anyone may connect to the declared ports.
    pub from: Option<Vec<Peer>>,
    /// `None`: egress is not restricted.
    pub to: Option<Vec<Peer>>,
    pub dns: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Another component of the app, by its object name.
    Component(String),
    Namespace(String),
    Cidr(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scheduling {
    /// Topology key to spread replicas over.
    pub spread: Option<String>,
    /// Pod anti-affinity on the hostname: `preferred` or `required`.
    pub anti_affinity: Option<String>,
    pub prefer_nodes: BTreeMap<String, Vec<String>>,
    pub require_nodes: BTreeMap<String, Vec<String>>,
}

/// Prometheus scrape annotations on the pods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metrics {
    /// Default: the main port.
    pub port: Option<super::PortTarget>,
    /// Default `/metrics`.
    pub path: Option<String>,
}
