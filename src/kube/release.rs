//! The objects of a released component (blue-green, canary): one Deployment per track, each
//! with a fixed selector (the component's plus its track), and Services that pick tracks.
//!
//! - Blue-green: `NAME-blue` and `NAME-green`, each with the component's full `replicas` (so
//!   a switch needs no scale-up); Service `NAME` selects the active colour, `NAME-preview` the
//!   other one (when it runs).
//! - Canary: `NAME-stable` and `NAME-canary`, replicas split by weight
//!   ([`model::split`]); Service `NAME` selects both tracks (no track in its selector), so
//!   traffic follows the pod ratio. When the app's Ingress (class `nginx`) routes to the
//!   component, ingress-nginx splits by weight instead: `NAME` selects the stable track,
//!   `NAME-canary` the canary, and a second Ingress `NAME-canary` carries the canary
//!   annotations.
//! - Canary with `controller = "argo-rollouts"`: one Rollout `NAME` (the component's selector)
//!   stepping to the canary image by `weight`, and the Service `NAME`.
//! - An autoscaler and a disruption budget per track, named like its Deployment.
//!
//! Labels come from [`labels`] only; names from [`model::names`].

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use k8s_openapi::Resource;

use super::{Object, Rollout, crd, deployment, ingress, labels, scaling, service};
use crate::model::{self, App, Colour, Component, Release, ReleaseController, Track, names};

/// Every object of `c`'s release that replaces its workload, Service, autoscaler and budget.
pub fn objects(app: &App, c: &Component, r: &Release) -> Vec<Object> {
    let mut out = Vec::new();
    if let Release::Canary {
        stable,
        canary,
        weight,
        controller: Some(ReleaseController::ArgoRollouts),
    } = r
    {
        let image = canary.as_deref().unwrap_or(stable);
        out.push(Object::Rollout(crd::rollout(
            app,
            c,
            image,
            weight.unwrap_or(10),
        )));
        if let Some(mut h) = scaling::autoscaler(app, c) {
            if let Some(spec) = h.spec.as_mut() {
                spec.scale_target_ref.api_version = Some(Rollout::API_VERSION.to_string());
                spec.scale_target_ref.kind = Rollout::KIND.to_string();
            }
            out.push(Object::HorizontalPodAutoscaler(h));
        }
        out.extend(scaling::disruption_budget(app, c).map(Object::PodDisruptionBudget));
        out.extend(
            service::release_services(app, c, vec![(c.service_name(), labels::selector(c))])
                .into_iter()
                .map(Object::Service),
        );
        return out;
    }
    for (track, image) in r.tracks() {
        out.push(Object::Deployment(deployment::track(
            app,
            c,
            track,
            image,
            replicas(c, r, track),
        )));
        out.extend(autoscaler(app, c, track).map(Object::HorizontalPodAutoscaler));
        out.extend(budget(app, c, track).map(Object::PodDisruptionBudget));
    }
    let selectors = match r {
        Release::BlueGreen { active, .. } => {
            let active = active.unwrap_or(Colour::Blue);
            let idle = match active {
                Colour::Blue => Colour::Green,
                Colour::Green => Colour::Blue,
            };
            let mut s = vec![(c.service_name(), labels::track_selector(c, active.into()))];
            if r.tracks().iter().any(|(t, _)| *t == Track::from(idle)) {
                s.push((
                    names::preview_service(&c.name),
                    labels::track_selector(c, idle.into()),
                ));
            }
            s
        }
        Release::Canary {
            canary: Some(_),
            weight,
            ..
        } if ingress::weighted_route(app, c) && c.service.on().is_some() => {
            // ingress-nginx splits the traffic by weight between two Services, one per track.
            out.extend(ingress::canary(app, c, weight.unwrap_or(10)).map(Object::Ingress));
            vec![
                (c.service_name(), labels::track_selector(c, Track::Stable)),
                (
                    names::canary_route(&c.name),
                    labels::track_selector(c, Track::Canary),
                ),
            ]
        }
        Release::Canary { .. } => vec![(c.service_name(), labels::selector(c))],
    };
    out.extend(
        service::release_services(app, c, selectors)
            .into_iter()
            .map(Object::Service),
    );
    out
}

/// Replicas of `track`: blue-green, the component's on each colour; canary, the split by
/// weight (all on stable without a canary). `None` with an autoscaler.
pub fn replicas(c: &Component, r: &Release, track: Track) -> Option<i32> {
    let total = c.replicas?;
    match r {
        Release::BlueGreen { .. } => Some(total),
        Release::Canary { canary, weight, .. } => {
            if canary.is_none() {
                return Some(total);
            }
            let (stable, canary) = model::split(total, weight.unwrap_or(10));
            Some(if track == Track::Canary {
                canary
            } else {
                stable
            })
        }
    }
}

fn autoscaler(app: &App, c: &Component, track: Track) -> Option<HorizontalPodAutoscaler> {
    let mut h = scaling::autoscaler(app, c)?;
    let name = names::track(&c.name, track);
    h.metadata.name = Some(name.clone());
    labels::add_track(h.metadata.labels.get_or_insert_default(), track);
    if let Some(spec) = h.spec.as_mut() {
        spec.scale_target_ref.name = name;
    }
    Some(h)
}

fn budget(app: &App, c: &Component, track: Track) -> Option<PodDisruptionBudget> {
    let mut b = scaling::disruption_budget(app, c)?;
    b.metadata.name = Some(names::track(&c.name, track));
    labels::add_track(b.metadata.labels.get_or_insert_default(), track);
    if let Some(spec) = b.spec.as_mut() {
        spec.selector = Some(
            k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector {
                match_labels: Some(labels::track_selector(c, track)),
                ..Default::default()
            },
        );
    }
    Some(b)
}
