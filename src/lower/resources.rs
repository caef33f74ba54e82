//! Lowering quantities, resource requests and limits, and the rollout strategy. Quantities
//! stay text in the model; whether they are valid, known and consistent is a rule of the
//! engine.

use std::collections::BTreeMap;

use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, IntOrPercent, RolloutStrategy, Strategy, issue, rules};
use crate::syntax::{self, Sp};

/// A quantity as the text Kubernetes reads (`1`, `0.5`, `"100m"`).
pub fn quantity_text(q: &syntax::Quantity) -> String {
    match q {
        syntax::Quantity::String(s) => s.clone(),
        syntax::Quantity::Integer(i) => i.to_string(),
        syntax::Quantity::Float(f) => f.to_string(),
    }
}

/// Requests and limits; each value is recorded at `base.requests.NAME` / `base.limits.NAME`.
pub fn resources(
    cx: &mut Cx<'_>,
    requests: &syntax::SpMap<syntax::Quantity>,
    limits: &syntax::SpMap<syntax::Quantity>,
    base: &str,
) -> model::Resources {
    let mut read = |section: &str, map: &syntax::SpMap<syntax::Quantity>| {
        let mut out = BTreeMap::new();
        for (name, q) in map {
            let path = issue::key(&issue::key(base, section), &name.value);
            cx.provenance.record(issue::map_key(&path), name.span());
            cx.provenance.record(path, q.span());
            out.insert(name.value.clone(), quantity_text(&q.value));
        }
        out
    };
    model::Resources {
        requests: read("requests", requests),
        limits: read("limits", limits),
    }
}

/// A count or a percentage (`"25%"`); a percentage that cannot be read is reported with
/// `code`.
pub fn int_or_percent(
    cx: &mut Cx<'_>,
    v: &Sp<syntax::IntOrPercent>,
    what: &str,
    code: &'static str,
) -> Option<IntOrPercent> {
    match &v.value {
        syntax::IntOrPercent::Int(n) => cx
            .int32(&Sp::new(v.span(), *n), what)
            .map(IntOrPercent::Int),
        syntax::IntOrPercent::Percent(s) => match rules::percent(s) {
            Ok(p) => Some(IntOrPercent::Percent(p)),
            Err(e) => {
                cx.push(Diagnostic::error(
                    code,
                    v.span(),
                    format!("invalid {what}: {e}"),
                ));
                None
            }
        },
    }
}

pub(super) fn rollout(
    cx: &mut Cx<'_>,
    r: &Sp<syntax::RolloutSyntax>,
    base: &str,
) -> model::Rollout {
    cx.provenance.record(base, r.span());
    let p = |f: &str| issue::key(base, f);
    let mut read = |v: &Option<Sp<syntax::IntOrPercent>>, name: &str| {
        let v = v.as_ref()?;
        cx.provenance.record(p(name), v.span());
        int_or_percent(cx, v, name, codes::INVALID_ROLLOUT)
    };
    let surge = read(&r.max_surge, "max_surge");
    let unavailable = read(&r.max_unavailable, "max_unavailable");
    if let Some(s) = &r.strategy {
        cx.provenance.record(p("strategy"), s.span());
    }
    let strategy = match r.strategy.as_ref().map(|s| s.value) {
        Some(k @ (RolloutStrategy::Recreate | RolloutStrategy::OnDelete)) => {
            // The model has no place for these with such a strategy.
            for v in [&r.max_surge, &r.max_unavailable].into_iter().flatten() {
                cx.push(
                    Diagnostic::error(
                        codes::INVALID_ROLLOUT,
                        v.span(),
                        format!("`{k}` takes no max_surge or max_unavailable"),
                    )
                    .with_help("remove it, or use the `RollingUpdate` strategy"),
                );
            }
            if k == RolloutStrategy::Recreate {
                Strategy::Recreate
            } else {
                Strategy::OnDelete
            }
        }
        None if surge.is_none() && unavailable.is_none() => Strategy::Default,
        _ => Strategy::RollingUpdate {
            max_surge: surge,
            max_unavailable: unavailable,
        },
    };
    let mut int = |v: &Option<Sp<i64>>, name: &str| {
        let v = v.as_ref()?;
        cx.provenance.record(p(name), v.span());
        cx.int32(v, name)
    };
    model::Rollout {
        strategy,
        min_ready_seconds: int(&r.min_ready_seconds, "min_ready_seconds"),
        revision_history_limit: int(&r.revision_history_limit, "revision_history_limit"),
        progress_deadline_seconds: int(&r.progress_deadline_seconds, "progress_deadline_seconds"),
    }
}
