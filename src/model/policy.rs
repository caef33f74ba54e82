//! How a component is scaled, protected, allowed and placed.

use std::collections::BTreeMap;

use super::{AntiAffinity, IntOrPercent, Spread};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autoscale {
    pub min: i32,
    pub max: i32,
    pub cpu_percent: Option<i32>,
    pub memory_percent: Option<i32>,
}

/// A PodDisruptionBudget: exactly one of `min_available` and `max_unavailable`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Disruption {
    pub min_available: Option<IntOrPercent>,
    pub max_unavailable: Option<IntOrPercent>,
    /// Accept a budget that allows no voluntary eviction (node drains wait for it).
    pub allow_blocking: bool,
}

impl Disruption {
    pub fn min_available(v: IntOrPercent) -> Self {
        Disruption {
            min_available: Some(v),
            ..Default::default()
        }
    }

    pub fn max_unavailable(v: IntOrPercent) -> Self {
        Disruption {
            max_unavailable: Some(v),
            ..Default::default()
        }
    }

    /// Would this budget (its `min_available`, else its `max_unavailable`) allow no voluntary
    /// eviction when the workload runs its fewest `pods`?
    pub fn blocks_every_eviction(&self, pods: i32) -> bool {
        match (&self.min_available, &self.max_unavailable) {
            (Some(IntOrPercent::Int(n)), _) => *n >= pods,
            (Some(IntOrPercent::Percent(p)), _) => *p >= 100,
            (None, Some(IntOrPercent::Int(n))) => *n == 0,
            (None, Some(IntOrPercent::Percent(p))) => *p == 0 || (*p as i64 * pods as i64) < 100,
            (None, None) => false,
        }
    }
}

/// An RBAC rule: verbs on resources of one API group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// [`Verb`] names; anything else is rejected by the rules.
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
    /// Another component of the app, by its KEY (the object builder resolves the name).
    Component(String),
    Namespace(String),
    Cidr(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scheduling {
    /// Spread replicas evenly over nodes or zones.
    pub spread: Option<Spread>,
    /// Pod anti-affinity on the hostname.
    pub anti_affinity: Option<AntiAffinity>,
    pub prefer_nodes: BTreeMap<String, Vec<String>>,
    pub require_nodes: BTreeMap<String, Vec<String>>,
    /// The pod's `nodeSelector`: node label → the value it must have.
    pub node_selector: BTreeMap<String, String>,
    /// `priorityClassName` of the pods.
    pub priority_class: Option<String>,
}

/// Prometheus scrape annotations on the pods.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Metrics {
    /// Default: the main port.
    pub port: Option<super::PortTarget>,
    /// Default `/metrics`.
    pub path: Option<String>,
}
