//! Lowers `release = { strategy = ..., ... }` into a [`model::Release`], recording where each
//! value was written (`components.KEY.release.weight`, ...).
//!
//! What it reports is what the model cannot hold: a key of the other strategy (`weight` in a
//! blue-green release), `true` where an image or `false` goes (the track is then left out).
//! Every other rule (weights, colours, kinds, replicas) is in `model::rules::release`.

use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, ReleaseStrategy, issue};
use crate::syntax::{ReleaseSyntax, Sp, TrackImage};

pub fn release(cx: &mut Cx<'_>, r: &Sp<ReleaseSyntax>, base: &str) -> Option<model::Release> {
    let base = issue::key(base, "release");
    cx.provenance.record(&base, r.span());
    let p = |k: &str| issue::key(&base, k);
    cx.provenance.record(p("strategy"), r.strategy.span());
    let strategy = r.strategy.value;
    let (own, other): (&[&str], _) = match strategy {
        ReleaseStrategy::BlueGreen => (
            &["blue", "green", "active"],
            [
                ("stable", r.stable.as_ref().map(|v| v.span())),
                ("canary", r.canary.as_ref().map(|v| v.span())),
                ("weight", r.weight.as_ref().map(|v| v.span())),
                ("controller", r.controller.as_ref().map(|v| v.span())),
            ],
        ),
        ReleaseStrategy::Canary => (
            &["stable", "canary", "weight", "controller"],
            [
                ("blue", r.blue.as_ref().map(|v| v.span())),
                ("green", r.green.as_ref().map(|v| v.span())),
                ("active", r.active.as_ref().map(|v| v.span())),
                ("controller", None),
            ],
        ),
    };
    for (key, span) in other {
        if let Some(span) = span {
            cx.push(
                Diagnostic::error(
                    codes::UNKNOWN_KEY,
                    span,
                    format!("`{key}` is not a key of a {strategy} release"),
                )
                .with_help(format!(
                    "a {strategy} release takes {}",
                    own.iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
    let track = |cx: &mut Cx<'_>, key: &str, v: Option<&Sp<TrackImage>>| -> Option<String> {
        let v = v?;
        cx.provenance.record(p(key), v.span());
        match &v.value {
            TrackImage::Image(image) => Some(image.clone()),
            TrackImage::Off(false) => None,
            TrackImage::Off(true) => {
                cx.push(
                    Diagnostic::error(
                        codes::WRONG_TYPE,
                        v.span(),
                        format!("`{key} = true`: expected an image or `false`"),
                    )
                    .with_help(format!("e.g. `{key} = \"app:v2\"`")),
                );
                None
            }
        }
    };
    let release = match strategy {
        ReleaseStrategy::BlueGreen => {
            let blue = track(cx, "blue", r.blue.as_ref());
            let green = track(cx, "green", r.green.as_ref());
            let active = r.active.as_ref().map(|a| {
                cx.provenance.record(p("active"), a.span());
                a.value
            });
            model::Release::BlueGreen {
                blue,
                green,
                active,
            }
        }
        ReleaseStrategy::Canary => {
            let canary = track(cx, "canary", r.canary.as_ref());
            let weight = r.weight.as_ref().and_then(|w| {
                cx.provenance.record(p("weight"), w.span());
                cx.int32(w, "release.weight")
            });
            let controller = r.controller.as_ref().map(|c| {
                cx.provenance.record(p("controller"), c.span());
                c.value
            });
            // A missing `stable` is left empty for the engine to report (as for the Rust API).
            let stable = r.stable.as_ref().map_or_else(String::new, |s| {
                cx.provenance.record(p("stable"), s.span());
                s.value.clone()
            });
            model::Release::Canary {
                stable,
                canary,
                weight,
                controller,
            }
        }
    };
    Some(release)
}
