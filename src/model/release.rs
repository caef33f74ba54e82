//! Release strategies: how a component runs two versions side by side (blue-green, canary)
//! without ever changing a workload's selector. Each version runs on a fixed *track* (`blue`,
//! `green`, `stable`, `canary`): its own Deployment, whose selector is the component's
//! selector plus the track, so a promotion changes only Service selectors and replica counts.
//!
//! This module holds the model type (its allowed values `ReleaseStrategy`, `Colour`,
//! `ReleaseController` and `Track` are in `crate::values`) and the arithmetic of a release
//! (which tracks exist, how replicas split); defaults are in [`super::defaults`], rules in
//! `rules/release.rs`, objects in the Kubernetes stage's `release.rs`.

use crate::values::{Colour, ReleaseController, ReleaseStrategy, Track};

impl From<Colour> for Track {
    fn from(c: Colour) -> Track {
        match c {
            Colour::Blue => Track::Blue,
            Colour::Green => Track::Green,
        }
    }
}

/// A release strategy of a component, with the image each track runs. A track without an
/// image (`green = false`, or omitted) runs no Deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Release {
    BlueGreen {
        blue: Option<String>,
        green: Option<String>,
        /// The colour the Service sends traffic to. Default ([`super::defaults::active`]): the
        /// only colour given, else blue.
        active: Option<Colour>,
    },
    Canary {
        stable: String,
        canary: Option<String>,
        /// Percent of traffic (and of replicas) on the canary, 1–99. Default
        /// ([`super::defaults::canary_weight`]): 10.
        weight: Option<i32>,
        /// Default ([`super::defaults::release_controller`]): two Deployments.
        controller: Option<ReleaseController>,
    },
}

impl Release {
    /// Blue-green: `blue` and `green` images (either may be empty for none), `active` colour.
    pub fn blue_green(blue: impl Into<String>, green: impl Into<String>, active: Colour) -> Self {
        let some = |s: String| (!s.is_empty()).then_some(s);
        Release::BlueGreen {
            blue: some(blue.into()),
            green: some(green.into()),
            active: Some(active),
        }
    }

    /// Canary: `stable` and `canary` images (`canary` empty for none), canary `weight` percent.
    pub fn canary(stable: impl Into<String>, canary: impl Into<String>, weight: i32) -> Self {
        let canary: String = canary.into();
        Release::Canary {
            stable: stable.into(),
            canary: (!canary.is_empty()).then_some(canary),
            weight: Some(weight),
            controller: None,
        }
    }

    /// A canary run by `controller` instead of two Deployments.
    pub fn controller(mut self, c: ReleaseController) -> Self {
        if let Release::Canary { controller, .. } = &mut self {
            *controller = Some(c);
        }
        self
    }

    pub fn strategy(&self) -> ReleaseStrategy {
        match self {
            Release::BlueGreen { .. } => ReleaseStrategy::BlueGreen,
            Release::Canary { .. } => ReleaseStrategy::Canary,
        }
    }

    /// The tracks that run, each with its image, in a fixed order (blue, green / stable,
    /// canary).
    pub fn tracks(&self) -> Vec<(Track, &str)> {
        match self {
            Release::BlueGreen { blue, green, .. } => [(Track::Blue, blue), (Track::Green, green)]
                .into_iter()
                .filter_map(|(t, i)| i.as_deref().map(|i| (t, i)))
                .collect(),
            Release::Canary { stable, canary, .. } => {
                let mut out = vec![(Track::Stable, stable.as_str())];
                out.extend(canary.as_deref().map(|c| (Track::Canary, c)));
                out
            }
        }
    }

    /// The image of the track that takes the traffic (blue-green: the active colour; canary:
    /// stable): the component's `image` and version label.
    pub fn primary_image(&self) -> Option<&str> {
        match self {
            Release::BlueGreen {
                blue,
                green,
                active,
            } => match active
                .unwrap_or_else(|| super::defaults::active(blue.is_some(), green.is_some()))
            {
                Colour::Blue => blue.as_deref(),
                Colour::Green => green.as_deref(),
            },
            Release::Canary { stable, .. } => Some(stable),
        }
    }

    /// The tracks the component's main Service selects: the active colour, or every track of a
    /// canary.
    pub fn serving(&self) -> Vec<Track> {
        match self {
            Release::BlueGreen {
                active,
                blue,
                green,
            } => {
                let active = active
                    .unwrap_or_else(|| super::defaults::active(blue.is_some(), green.is_some()));
                vec![active.into()]
            }
            Release::Canary { .. } => self.tracks().into_iter().map(|(t, _)| t).collect(),
        }
    }
}

/// How `replicas` pods split between stable and canary at `weight` percent on the canary:
/// the canary gets `replicas * weight / 100` rounded half up, but at least one pod and at
/// most `replicas - 1` (the stable track keeps one); the stable track gets the rest. Needs
/// `replicas >= 2` (a rule reports less).
pub fn split(replicas: i32, weight: i32) -> (i32, i32) {
    let canary = ((replicas as i64 * weight as i64 + 50) / 100) as i32;
    let canary = canary.clamp(1, (replicas - 1).max(1));
    (replicas - canary, canary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_one_of_each() {
        assert_eq!(split(2, 1), (1, 1));
        assert_eq!(split(10, 10), (9, 1));
        assert_eq!(split(10, 50), (5, 5));
        assert_eq!(split(10, 99), (1, 9));
        assert_eq!(split(4, 10), (3, 1));
        assert_eq!(split(3, 50), (1, 2));
    }
}
