//! NetworkPolicy of a component: ingress only to its declared ports (from the listed peers,
//! or anyone), egress restricted to the listed peers (plus DNS) when `to` is given.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{labels, pod};
use crate::model::{App, Component, Peer, Workload};

pub fn network_policy(app: &App, c: &Component) -> Option<NetworkPolicy> {
    let net = c.network.on()?;
    let ports_of = |c: &Component| {
        super::non_empty_vec(
            c.pod_ports()
                .map(|p| NetworkPolicyPort {
                    port: Some(IntOrString::Int(p.port)),
                    protocol: Some(p.protocol.to_string()),
                    ..Default::default()
                })
                .collect(),
        )
    };
    // An ExternalName component runs no pods to select: it is no peer.
    let selectable = |p: &&Peer| match p {
        Peer::Component(key) => (app.components.iter())
            .find(|t| &t.key == key)
            .is_none_or(|t| t.workload != Workload::External),
        _ => true,
    };
    let peer = |p: &Peer| match p {
        Peer::Component(key) => {
            let target = app.components.iter().find(|t| &t.key == key);
            NetworkPolicyPeer {
                pod_selector: target.map(pod::selector),
                ..Default::default()
            }
        }
        Peer::Namespace(ns) => NetworkPolicyPeer {
            namespace_selector: Some(match_labels(labels::namespace_selector(ns))),
            ..Default::default()
        },
        Peer::Cidr(cidr) => NetworkPolicyPeer {
            ip_block: Some(IPBlock {
                cidr: cidr.clone(),
                except: None,
            }),
            ..Default::default()
        },
    };
    let ingress = if c.pod_ports().next().is_none() {
        Vec::new()
    } else {
        vec![NetworkPolicyIngressRule {
            from: net
                .from
                .as_ref()
                .map(|peers| peers.iter().filter(selectable).map(peer).collect()),
            ports: ports_of(c),
        }]
    };
    let mut types = vec!["Ingress".to_string()];
    let egress = net.to.as_ref().map(|peers| {
        types.push("Egress".to_string());
        let mut rules: Vec<NetworkPolicyEgressRule> = peers
            .iter()
            .filter(selectable)
            .map(|p| NetworkPolicyEgressRule {
                to: Some(vec![peer(p)]),
                ports: match p {
                    Peer::Component(key) => app
                        .components
                        .iter()
                        .find(|t| &t.key == key)
                        .and_then(ports_of),
                    _ => None,
                },
            })
            .collect();
        if net.dns {
            rules.push(NetworkPolicyEgressRule {
                to: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector::default()),
                    pod_selector: Some(match_labels(labels::kube_dns())),
                    ..Default::default()
                }]),
                ports: Some(
                    ["UDP", "TCP"]
                        .iter()
                        .map(|proto| NetworkPolicyPort {
                            port: Some(IntOrString::Int(53)),
                            protocol: Some(proto.to_string()),
                            ..Default::default()
                        })
                        .collect(),
                ),
            });
        }
        rules
    });
    Some(NetworkPolicy {
        metadata: super::component_meta(app, c, c.name.clone()),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pod::selector(c)),
            policy_types: Some(types),
            ingress: Some(ingress),
            egress,
        }),
    })
}

fn match_labels(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector {
        match_labels: Some(labels),
        ..Default::default()
    }
}
