//! Quantities, resource requests and limits, and the rollout strategy.

use std::collections::BTreeMap;

use super::component::one_of;
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, IntOrPercent, Strategy, Workload, rules};
use crate::spec::{self, Sp};

pub fn quantity(cx: &mut Cx<'_>, q: &Sp<spec::Quantity>) -> Option<(String, f64)> {
    let text = match &q.value {
        spec::Quantity::String(s) => s.clone(),
        spec::Quantity::Integer(i) => i.to_string(),
        spec::Quantity::Float(f) => f.to_string(),
    };
    match rules::quantity(&text) {
        Ok(v) if v < 0.0 => {
            cx.push(Diagnostic::error(
                codes::INVALID_QUANTITY,
                q.span(),
                format!("quantity `{text}` must not be negative"),
            ));
            None
        }
        Ok(v) => Some((text, v)),
        Err(e) => {
            cx.push(Diagnostic::error(
                codes::INVALID_QUANTITY,
                q.span(),
                format!("invalid quantity: {e}"),
            ));
            None
        }
    }
}

pub(super) fn resource_name(cx: &mut Cx<'_>, name: &Sp<String>) {
    let known = ["cpu", "memory", "ephemeral-storage"];
    if known.contains(&name.value.as_str())
        || name.value.starts_with("hugepages-")
        || name.value.contains('/')
    {
        if name.value.contains('/') {
            cx.rule(
                name,
                rules::qualified_name,
                codes::INVALID_QUANTITY,
                "extended resource name",
            );
        }
        return;
    }
    let mut d = Diagnostic::error(
        codes::INVALID_QUANTITY,
        name.span(),
        format!("unknown resource `{}`", name.value),
    );
    d.help = Some(spec::suggest(&name.value, &known, || {
        "expected `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>` or a `domain/name` extended resource".to_string()
    }));
    cx.push(d);
}

pub fn resources(
    cx: &mut Cx<'_>,
    requests: &spec::SpMap<spec::Quantity>,
    limits: &spec::SpMap<spec::Quantity>,
) -> model::Resources {
    let read = |cx: &mut Cx<'_>, map: &spec::SpMap<spec::Quantity>| {
        let mut out = BTreeMap::new();
        for (name, q) in map {
            resource_name(cx, name);
            if let Some(parsed) = quantity(cx, q) {
                out.insert(name.value.clone(), (parsed, q.span()));
            }
        }
        out
    };
    let requests = read(cx, requests);
    let limits = read(cx, limits);
    for (name, ((req_text, req), span)) in &requests {
        if let Some(((lim_text, lim), _)) = limits.get(name)
            && req > lim
        {
            cx.push(
                Diagnostic::error(codes::INVALID_QUANTITY, span.clone(), format!("{name} request {req_text} is more than its limit {lim_text}"))
                    .with_help("the API server rejects a request above its limit; raise the limit or lower the request"),
            );
        }
    }
    let strip = |m: BTreeMap<String, ((String, f64), std::ops::Range<usize>)>| {
        m.into_iter().map(|(k, ((t, _), _))| (k, t)).collect()
    };
    model::Resources {
        requests: strip(requests),
        limits: strip(limits),
    }
}

/// A count or a percentage; a bad percentage is reported with `code`.
pub fn int_or_percent(
    cx: &mut Cx<'_>,
    v: &Sp<spec::IntOrPercent>,
    what: &str,
    code: &'static str,
) -> Option<IntOrPercent> {
    match &v.value {
        spec::IntOrPercent::Int(n) => cx
            .int_in(&Sp::new(v.span(), *n), 0..=i32::MAX as i64, what)
            .map(IntOrPercent::Int),
        spec::IntOrPercent::Percent(s) => match rules::percent(s) {
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
    r: &Sp<spec::RolloutSyntax>,
    workload: &Workload,
) -> model::Rollout {
    let stateful = matches!(workload, Workload::StatefulSet { .. });
    let strategies: &[&str] = if stateful {
        &["RollingUpdate", "OnDelete"]
    } else {
        &["RollingUpdate", "Recreate"]
    };
    let kind = r
        .strategy
        .as_ref()
        .and_then(|s| one_of(cx, s, strategies, "rollout strategy"));
    if stateful && let Some(surge) = &r.max_surge {
        cx.push(
            Diagnostic::error(
                codes::INVALID_ROLLOUT,
                surge.span(),
                "a StatefulSet never runs extra pods, so it takes no max_surge",
            )
            .with_help("use max_unavailable"),
        );
    }
    let surge = r
        .max_surge
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_surge", codes::INVALID_ROLLOUT));
    let unavailable = r
        .max_unavailable
        .as_ref()
        .and_then(|v| int_or_percent(cx, v, "max_unavailable", codes::INVALID_ROLLOUT));
    let is_zero = |v: &Option<IntOrPercent>| {
        matches!(
            v,
            Some(IntOrPercent::Int(0)) | Some(IntOrPercent::Percent(0))
        )
    };
    let strategy = if let Some(k @ ("Recreate" | "OnDelete")) = kind.as_deref() {
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
        if k == "Recreate" {
            Strategy::Recreate
        } else {
            Strategy::OnDelete
        }
    } else if surge.is_none() && unavailable.is_none() && kind.is_none() {
        Strategy::Default
    } else {
        if stateful && is_zero(&unavailable) {
            cx.push(Diagnostic::error(
                codes::INVALID_ROLLOUT,
                r.max_unavailable.as_ref().map_or(r.span(), |v| v.span()),
                "a StatefulSet's max_unavailable must be at least 1",
            ));
        }
        if !stateful && is_zero(&surge) && is_zero(&unavailable) {
            cx.push(
                Diagnostic::error(codes::INVALID_ROLLOUT, r.span(), "max_surge and max_unavailable are both 0, so a rollout could never make progress")
                    .with_help("set max_surge = 1 to add a pod before removing one"),
            );
        }
        Strategy::RollingUpdate {
            max_surge: surge,
            max_unavailable: unavailable,
        }
    };
    let max = i32::MAX as i64;
    let min_ready_seconds = r
        .min_ready_seconds
        .as_ref()
        .and_then(|v| cx.int_in(v, 0..=max, "min_ready_seconds"));
    let progress_deadline_seconds = r
        .progress_deadline_seconds
        .as_ref()
        .and_then(|v| cx.int_in(v, 1..=max, "progress_deadline_seconds"));
    if stateful && let Some(v) = &r.progress_deadline_seconds {
        cx.push(Diagnostic::error(
            codes::INVALID_ROLLOUT,
            v.span(),
            "a StatefulSet has no progress deadline",
        ));
    }
    if let (Some(ready), Some(deadline), Some(span)) = (
        min_ready_seconds,
        progress_deadline_seconds,
        r.progress_deadline_seconds.as_ref(),
    ) && deadline <= ready
    {
        cx.push(Diagnostic::error(
            codes::INVALID_ROLLOUT,
            span.span(),
            "progress_deadline_seconds must be greater than min_ready_seconds",
        ));
    }
    model::Rollout {
        strategy,
        min_ready_seconds,
        revision_history_limit: r
            .revision_history_limit
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "revision_history_limit")),
        progress_deadline_seconds,
    }
}
