//! Rules about a component's `release` (blue-green, canary): only a Deployment has one; its
//! images are valid and replace `image`; the active colour exists; the canary weight is a
//! percentage and the replicas can be split between two tracks.

use super::{Cx, at};
use crate::codes;
use crate::model::{
    Colour, Component, Issue, Release, ReleaseController, Track, Workload, issue, names, rules,
};

pub(super) fn release(cx: &mut Cx<'_>, c: &Component) {
    let Some(r) = &c.release else { return };
    let base = at(c);
    let path = issue::key(&base, "release");
    let p = |k: &str| issue::key(&path, k);
    if c.workload != Workload::Deployment {
        cx.push(
            Issue::new(
                codes::NOT_FOR_KIND,
                &path,
                format!(
                    "`release` has no meaning for a {}: only a Deployment runs two versions side by side",
                    c.workload.kind()
                ),
            )
            .with_help("remove `release`, or make the component a Deployment"),
        );
    }
    if let Some(primary) = r.primary_image()
        && !c.image.is_empty()
        && c.image != primary
    {
        cx.push(
            Issue::new(
                codes::INVALID_VALUE,
                issue::key(&base, "image"),
                "`image` and `release` both name the image",
            )
            .with_help("remove `image`: with a release, each track names its own image"),
        );
    }
    // Track objects are named `NAME-TRACK`, `NAME-preview`: no other component may be.
    let mut derived: Vec<String> = Track::ALL
        .iter()
        .map(|t| names::track(&c.name, *t))
        .collect();
    derived.push(names::preview_service(&c.name));
    if let Some(other) = cx
        .app
        .components
        .iter()
        .find(|o| o.key != c.key && derived.contains(&o.name))
    {
        cx.push(
            Issue::new(
                codes::DUPLICATE,
                &path,
                format!(
                    "the release's objects would be named like component `{}` (`{}`)",
                    other.key, other.name
                ),
            )
            .with_help("rename one of the components"),
        );
    }
    if let Release::Canary { stable, .. } = r
        && stable.is_empty()
    {
        cx.push(
            Issue::new(
                codes::MISSING_VALUE,
                &path,
                "a canary release needs `stable`, the image most pods run",
            )
            .with_help("add `stable = \"app:v1\"`"),
        );
    }
    for (track, image) in r.tracks() {
        if image.is_empty() && track == Track::Stable {
            continue; // reported above
        }
        let key = match track {
            Track::Blue => "blue",
            Track::Green => "green",
            Track::Stable => "stable",
            Track::Canary => "canary",
        };
        cx.value(p(key), image, rules::image, codes::INVALID_IMAGE, "image");
    }
    match r {
        Release::BlueGreen {
            blue,
            green,
            active,
        } => {
            if blue.is_none() && green.is_none() {
                cx.push(
                    Issue::new(
                        codes::MISSING_VALUE,
                        &path,
                        "a blue-green release needs an image for `blue` or `green`",
                    )
                    .with_help("e.g. `blue = \"app:v1\"`"),
                );
            } else if let Some(active) = active {
                let present = match active {
                    Colour::Blue => blue.is_some(),
                    Colour::Green => green.is_some(),
                };
                if !present {
                    cx.push(
                        Issue::new(
                            codes::INVALID_VALUE,
                            p("active"),
                            format!(
                                "`active = \"{active}\"` but the release has no {active} image"
                            ),
                        )
                        .with_help(format!(
                            "give `{active}` an image, or make the other colour active"
                        )),
                    );
                }
            }
        }
        Release::Canary {
            canary,
            weight,
            controller,
            ..
        } => {
            if let Some(w) = weight
                && !(1..=99).contains(w)
            {
                cx.push(
                    Issue::new(
                        codes::OUT_OF_RANGE,
                        p("weight"),
                        format!("canary weight {w} is outside 1-99"),
                    )
                    .with_help(
                        "the weight is the percent of traffic on the canary; to promote it, set `stable` to its image",
                    ),
                );
            }
            let deployments = *controller != Some(ReleaseController::ArgoRollouts);
            if canary.is_some() && deployments {
                if c.autoscale.is_some() {
                    cx.push(
                        Issue::new(
                            codes::INVALID_VALUE,
                            issue::key(&base, "autoscale"),
                            "a canary of two Deployments splits a fixed replica count, which an autoscaler would change",
                        )
                        .with_help("set `replicas`, or use `controller = \"argo-rollouts\"` or a blue-green release"),
                    );
                } else if let Some(n) = c.replicas
                    && n < 2
                {
                    cx.push(
                        Issue::new(
                            codes::INVALID_VALUE,
                            issue::key(&base, "replicas"),
                            format!(
                                "{n} replica{} cannot be split into a stable and a canary track",
                                if n == 1 { "" } else { "s" }
                            ),
                        )
                        .with_help("set `replicas = 2` or more (each track runs at least one pod)"),
                    );
                }
            }
        }
    }
}
