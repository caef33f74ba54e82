//! Lowers the keys about what runs and how (workload kind, jobs, volumes, extra containers,
//! scaling, disruption budgets, RBAC, network policy, scheduling) into the model, recording
//! where each value was written.
//!
//! The rules about these values live in `model::rules::workload`; this module must not judge
//! a value the model can hold. What it still reports is what the model cannot hold: keys
//! that have no meaning for the kind (`job`, `cron`, `schedule`, `pod_management`), a claim
//! both new (`size`) and existing (`claim`), `class`/`access` without `size`, an RBAC string
//! it cannot read, `dns = true` without `to`, and integers that do not fit an i32.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Cx, codes, env};
use crate::diag::Diagnostic;
use crate::model::{self, VolumeSource, Workload, WorkloadKind, issue};
use crate::syntax::{self, ComponentSyntax, Sp};

/// Reports a key the model cannot hold for the component's workload kind.
fn not_for(cx: &mut Cx<'_>, span: Range<usize>, key: &str, kind: WorkloadKind, help: &str) {
    cx.push(
        Diagnostic::error(
            codes::NOT_FOR_KIND,
            span,
            format!("`{key}` has no meaning for a {kind}"),
        )
        .with_help(help),
    );
}

pub fn workload(cx: &mut Cx<'_>, c: &ComponentSyntax, base: &str) -> Workload {
    let p = |k: &str| issue::key(base, k);
    let kind = c.kind.as_ref().map_or(WorkloadKind::Deployment, |k| {
        cx.provenance.record(p("kind"), k.span());
        k.value
    });
    for (key, span) in [
        ("schedule", c.schedule.as_ref().map(|s| s.span())),
        ("job", c.job.as_ref().map(|s| s.span())),
        ("cron", c.cron.as_ref().map(|s| s.span())),
        (
            "pod_management",
            c.pod_management.as_ref().map(|s| s.span()),
        ),
    ] {
        if let Some(span) = span {
            cx.provenance.record(p(key), span);
        }
    }
    let is_job = matches!(kind, WorkloadKind::Job | WorkloadKind::CronJob);
    if !is_job && let Some(j) = &c.job {
        not_for(
            cx,
            j.span(),
            "job",
            kind,
            "set `kind = \"Job\"` or `kind = \"CronJob\"`",
        );
    }
    if kind != WorkloadKind::CronJob {
        for (key, span) in [
            ("schedule", c.schedule.as_ref().map(|s| s.span())),
            ("cron", c.cron.as_ref().map(|s| s.span())),
        ] {
            if let Some(span) = span {
                not_for(cx, span, key, kind, "set `kind = \"CronJob\"`");
            }
        }
    }
    if kind != WorkloadKind::StatefulSet
        && let Some(pm) = &c.pod_management
    {
        not_for(
            cx,
            pm.span(),
            "pod_management",
            kind,
            "set `kind = \"StatefulSet\"`",
        );
    }
    match kind {
        WorkloadKind::Deployment => Workload::Deployment,
        WorkloadKind::StatefulSet => Workload::StatefulSet {
            pod_management: c.pod_management.as_ref().map(|pm| pm.value),
        },
        WorkloadKind::Job => Workload::Job(job(cx, c.job.as_ref(), &p("job"))),
        WorkloadKind::CronJob => Workload::CronJob {
            // A missing schedule stays empty; the rules report it.
            schedule: c
                .schedule
                .as_ref()
                .map(|s| s.value.clone())
                .unwrap_or_default(),
            job: job(cx, c.job.as_ref(), &p("job")),
            cron: c
                .cron
                .as_ref()
                .map(|cr| cron(cx, cr, &p("cron")))
                .unwrap_or_default(),
        },
        WorkloadKind::Pod => Workload::Pod,
    }
}

fn job(cx: &mut Cx<'_>, j: Option<&Sp<syntax::JobSyntax>>, base: &str) -> model::JobSettings {
    let Some(j) = j else {
        return model::JobSettings::default();
    };
    let mut int = |key: &str, v: &Option<Sp<i64>>| {
        let v = v.as_ref()?;
        cx.provenance.record(issue::key(base, key), v.span());
        cx.int32(v, key)
    };
    let backoff_limit = int("backoff_limit", &j.backoff_limit);
    let active_deadline_seconds = int("active_deadline_seconds", &j.active_deadline_seconds);
    let ttl_seconds_after_finished =
        int("ttl_seconds_after_finished", &j.ttl_seconds_after_finished);
    let completions = int("completions", &j.completions);
    let parallelism = int("parallelism", &j.parallelism);
    model::JobSettings {
        backoff_limit,
        active_deadline_seconds: active_deadline_seconds.map(i64::from),
        restart_policy: j.restart_policy.as_ref().map(|r| r.value),
        ttl_seconds_after_finished,
        completions,
        parallelism,
        hook: j.hook.as_ref().map(|h| {
            cx.provenance.record(issue::key(base, "hook"), h.span());
            h.value
        }),
        name: j.name.as_ref().map(|n| {
            cx.provenance.record(issue::key(base, "name"), n.span());
            n.value
        }),
    }
}

fn cron(cx: &mut Cx<'_>, c: &Sp<syntax::CronSyntax>, base: &str) -> model::CronSettings {
    let mut int = |key: &str, v: &Option<Sp<i64>>| {
        let v = v.as_ref()?;
        cx.provenance.record(issue::key(base, key), v.span());
        cx.int32(v, key)
    };
    let successful_jobs_history_limit = int(
        "successful_jobs_history_limit",
        &c.successful_jobs_history_limit,
    );
    let failed_jobs_history_limit = int("failed_jobs_history_limit", &c.failed_jobs_history_limit);
    let starting_deadline_seconds = int("starting_deadline_seconds", &c.starting_deadline_seconds);
    if let Some(tz) = &c.time_zone {
        cx.provenance
            .record(issue::key(base, "time_zone"), tz.span());
    }
    model::CronSettings {
        concurrency_policy: c.concurrency_policy.as_ref().map(|p| p.value),
        successful_jobs_history_limit,
        failed_jobs_history_limit,
        starting_deadline_seconds: starting_deadline_seconds.map(i64::from),
        suspend: c.suspend.as_ref().map(|b| b.value),
        time_zone: c.time_zone.as_ref().map(|tz| tz.value.clone()),
    }
}

pub fn autoscale(
    cx: &mut Cx<'_>,
    a: &Sp<syntax::AutoscaleSyntax>,
    base: &str,
) -> Option<model::Autoscale> {
    let base = issue::key(base, "autoscale");
    cx.provenance.record(&base, a.span());
    let mut int = |key: &str, v: &Sp<i64>| {
        cx.provenance.record(issue::key(&base, key), v.span());
        cx.int32(v, &format!("autoscale.{key}"))
    };
    let min = int("min", &a.min);
    let max = int("max", &a.max);
    let cpu_percent = a.cpu.as_ref().and_then(|v| int("cpu", v));
    let memory_percent = a.memory.as_ref().and_then(|v| int("memory", v));
    Some(model::Autoscale {
        min: min?,
        max: max?,
        cpu_percent,
        memory_percent,
    })
}

/// `"get,list,watch: pods, services"` → rules, one per API group (`deployments.apps` names the
/// `apps` group); `path` is `rbac` or `cluster_rbac`. Each rule is recorded at the string it
/// came from. A string without `:` is reported here (it cannot be read into a rule).
pub fn rbac(cx: &mut Cx<'_>, rules_in: &[Sp<String>], base: &str, path: &str) -> Vec<model::Rule> {
    let mut out: Vec<model::Rule> = Vec::new();
    for r in rules_in {
        let Some((verbs, resources)) = r.value.split_once(':') else {
            cx.push(
                Diagnostic::error(codes::INVALID_RBAC, r.span(), format!("cannot read rule `{}`", r.value))
                    .with_help("write \"VERBS: RESOURCES\", e.g. \"get,list,watch: pods, services\" or \"get: deployments.apps\""),
            );
            continue;
        };
        let verbs: Vec<String> = verbs
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for res in resources
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (name, group) = res.split_once('.').unwrap_or((res, ""));
            by_group
                .entry(group.to_string())
                .or_default()
                .push(name.to_string());
        }
        if by_group.is_empty() {
            by_group.insert(String::new(), Vec::new());
        }
        for (group, resources) in by_group {
            cx.provenance
                .record(issue::index(&issue::key(base, path), out.len()), r.span());
            out.push(model::Rule {
                verbs: verbs.clone(),
                api_group: group,
                resources,
            });
        }
    }
    out
}

pub fn volumes(
    cx: &mut Cx<'_>,
    vols: &syntax::SpMap<syntax::VolumeSyntax>,
    base: &str,
) -> Vec<model::Volume> {
    let mut out = Vec::new();
    for (name, v) in vols {
        let base = issue::key(&issue::key(base, "volumes"), &name.value);
        cx.provenance.record(&base, name.span());
        let p = |k: &str| issue::key(&base, k);
        for (key, span) in [
            ("mount", v.mount.as_ref().map(|m| m.span())),
            ("size", v.size.as_ref().map(|m| m.span())),
            ("claim", v.claim.as_ref().map(|m| m.span())),
            ("class", v.class.as_ref().map(|m| m.span())),
            (
                "access",
                v.access.as_ref().and_then(|a| a.first()).map(|a| a.span()),
            ),
        ] {
            if let Some(span) = span {
                cx.provenance.record(p(key), span);
            }
        }
        let class = v.class.as_ref().map(|c| c.value.clone());
        // An empty list is what the parser leaves after rejecting every value: the default.
        let access_modes = v
            .access
            .as_ref()
            .filter(|modes| !modes.is_empty())
            .map(|modes| modes.iter().map(|m| m.value).collect::<Vec<_>>());
        let size = v.size.as_ref().map(|size| match &size.value {
            syntax::Quantity::String(s) => s.clone(),
            syntax::Quantity::Integer(i) => i.to_string(),
            syntax::Quantity::Float(f) => f.to_string(),
        });
        if let (Some(_), Some(claim)) = (&size, &v.claim) {
            cx.push(Diagnostic::error(
                codes::INVALID_VALUE,
                claim.span(),
                "a volume is either a new claim (`size`) or an existing one (`claim`), not both",
            ));
        }
        if size.is_none() && v.claim.is_none() {
            for (key, span) in [
                ("class", v.class.as_ref().map(|c| c.span())),
                (
                    "access",
                    v.access.as_ref().and_then(|a| a.first()).map(|a| a.span()),
                ),
            ] {
                if let Some(span) = span {
                    cx.push(
                        Diagnostic::error(codes::INVALID_VALUE, span, format!("`{key}` needs `size`: an emptyDir has no storage class or access mode"))
                            .with_help("add `size = \"10Gi\"` for a persistent claim"),
                    );
                }
            }
        }
        let source = match (size, &v.claim) {
            (Some(size), _) => VolumeSource::NewClaim {
                size,
                class,
                access_modes,
            },
            (None, Some(claim)) => VolumeSource::Claim(claim.value.clone()),
            (None, None) => VolumeSource::EmptyDir {
                memory: v.memory.as_ref().is_some_and(|m| m.value),
            },
        };
        out.push(model::Volume {
            name: name.value.clone(),
            source,
            mount: v.mount.as_ref().map(|m| m.value.clone()),
            read_only: v.read_only.as_ref().is_some_and(|r| r.value),
        });
    }
    out
}

/// Lowers an init container or sidecar; `path` is its field path (`...init[0]`).
pub fn container(cx: &mut Cx<'_>, x: &Sp<syntax::ContainerSyntax>, path: &str) -> model::Container {
    cx.provenance.record(path, x.span());
    let p = |k: &str| issue::key(path, k);
    cx.provenance.record(p("name"), x.name.span());
    if let Some(i) = &x.image {
        cx.provenance.record(p("image"), i.span());
    }
    // Unset: the component's image, or for a `wait_for` container a small shell image
    // (`model::defaults::container`).
    let image = x
        .image
        .as_ref()
        .map(|i| i.value.clone())
        .unwrap_or_default();
    if let Some(target) = &x.wait_for {
        cx.provenance.record(p("wait_for"), target.span());
    }
    let env = env::env(cx, &x.env, &p("env"));
    let (env_from_config, env_from_secrets) = match &x.env_from {
        Some(list) => {
            let (config, secrets) = super::component::env_from(cx, list, &p("env_from"));
            (config == Some(true), secrets == Some(true))
        }
        None => (false, false),
    };
    let mut mounts = BTreeMap::new();
    for (volume, mount_path) in &x.mounts {
        cx.provenance
            .record(issue::key(&p("mounts"), &volume.value), volume.span());
        mounts.insert(volume.value.clone(), mount_path.value.clone());
    }
    let resources = match &x.resources {
        Some(r) => super::resources::resources(cx, &r.requests, &r.limits, &p("resources")),
        None => model::Resources::default(),
    };
    model::Container {
        name: x.name.value.clone(),
        image,
        command: x
            .command
            .iter()
            .flatten()
            .map(|s| s.value.clone())
            .collect(),
        wait_for: x.wait_for.as_ref().map(|t| t.value.clone()),
        args: x.args.iter().flatten().map(|s| s.value.clone()).collect(),
        env,
        env_from_config,
        env_from_secrets,
        mounts,
        resources,
        security: (x.security.as_ref()).map(|s| super::security::security(cx, s, &p("security"))),
        ports: {
            if let Some((first, _)) = super::env::in_file_order(&x.ports).first() {
                cx.provenance.record(p("ports"), first.span());
            }
            super::component::ports(cx, None, &x.ports, &p("ports"))
        },
    }
}

pub fn disruption(
    cx: &mut Cx<'_>,
    d: &Sp<syntax::DisruptionSyntax>,
    base: &str,
) -> Option<model::Disruption> {
    let base = issue::key(base, "disruption");
    cx.provenance.record(&base, d.span());
    let mut value = |key: &str, v: &Option<Sp<syntax::IntOrPercent>>| {
        let v = v.as_ref()?;
        cx.provenance.record(issue::key(&base, key), v.span());
        match &v.value {
            syntax::IntOrPercent::Int(n) => cx
                .int32(&Sp::new(v.span(), *n), key)
                .map(model::IntOrPercent::Int),
            _ => super::resources::int_or_percent(cx, v, key, codes::INVALID_VALUE),
        }
    };
    let min_available = value("min_available", &d.min_available);
    let max_unavailable = value("max_unavailable", &d.max_unavailable);
    Some(model::Disruption {
        min_available,
        max_unavailable,
        allow_blocking: d.allow_blocking.as_ref().is_some_and(|b| b.value),
    })
}

pub fn network(
    cx: &mut Cx<'_>,
    n: Option<&Sp<syntax::NetworkSyntax>>,
    base: &str,
) -> model::Switch<model::Network> {
    let base = issue::key(base, "network");
    if let Some(n) = n {
        cx.provenance.record(&base, n.span());
    }
    let table = match n.map(|n| &n.value) {
        None => return model::Switch::Default,
        Some(syntax::NetworkSyntax::Enabled(true)) => {
            return model::Switch::On(model::defaults::network());
        }
        Some(syntax::NetworkSyntax::Enabled(false)) => return model::Switch::Off,
        Some(syntax::NetworkSyntax::Table(t)) => t,
    };
    let peers = |cx: &mut Cx<'_>, key: &str, list: &Option<Vec<Sp<String>>>| {
        list.as_ref().map(|items| {
            let mut out = Vec::new();
            for p in items {
                if let Some(peer) = peer(p) {
                    cx.provenance
                        .record(issue::index(&issue::key(&base, key), out.len()), p.span());
                    out.push(peer);
                }
            }
            out
        })
    };
    let from = peers(cx, "from", &table.from);
    let to = peers(cx, "to", &table.to);
    if let Some(dns) = &table.dns {
        cx.provenance.record(issue::key(&base, "dns"), dns.span());
        if dns.value && table.to.is_none() {
            // `dns = false` without `to` is the rules' to report; `true` is the default, so
            // only the spec can say it.
            cx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    dns.span(),
                    "`dns` only matters when `to` restricts egress",
                )
                .with_help("add `to = [...]`, or remove `dns`"),
            );
        }
    }
    model::Switch::On(model::Network {
        from,
        to,
        dns: table.dns.as_ref().is_none_or(|d| d.value),
    })
}

/// A peer: `namespace:NAME`, `cidr:RANGE` or a component key (the rules judge all three).
fn peer(p: &Sp<String>) -> Option<model::Peer> {
    if let Some(ns) = p.value.strip_prefix("namespace:") {
        return Some(model::Peer::Namespace(ns.to_string()));
    }
    if let Some(cidr) = p.value.strip_prefix("cidr:") {
        return Some(model::Peer::Cidr(cidr.to_string()));
    }
    Some(model::Peer::Component(p.value.clone()))
}

pub fn scheduling(
    cx: &mut Cx<'_>,
    s: &Sp<syntax::SchedulingSyntax>,
    base: &str,
) -> model::Scheduling {
    let base = issue::key(base, "scheduling");
    cx.provenance.record(&base, s.span());
    let nodes = |cx: &mut Cx<'_>, key: &str, m: &syntax::SpMap<Vec<String>>| {
        m.iter()
            .map(|(k, v)| {
                cx.provenance
                    .record(issue::key(&issue::key(&base, key), &k.value), k.span());
                (k.value.clone(), v.value.clone())
            })
            .collect::<BTreeMap<_, _>>()
    };
    let prefer_nodes = nodes(cx, "prefer_nodes", &s.prefer_nodes);
    let require_nodes = nodes(cx, "require_nodes", &s.require_nodes);
    let node_selector = cx.labels(&issue::key(&base, "node_selector"), &s.node_selector);
    model::Scheduling {
        spread: s.spread.as_ref().map(|v| v.value),
        anti_affinity: s.anti_affinity.as_ref().map(|v| v.value),
        prefer_nodes,
        require_nodes,
        node_selector,
        priority_class: s.priority_class.as_ref().map(|v| {
            cx.provenance
                .record(issue::key(&base, "priority_class"), v.span());
            v.value.clone()
        }),
    }
}
