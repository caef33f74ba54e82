//! Checks the keys about what runs and how: workload kind, jobs, volumes, extra containers,
//! scaling, disruption budgets, RBAC, network policy and scheduling.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::component::{self, Own};
use super::index::Index;
use super::{Cx, Owner, codes};
use super::{env, resources};
use crate::diag::Diagnostic;
use crate::model::{self, IntOrPercent, VolumeSource, Workload, rules};
use crate::spec::{self, ComponentSyntax, Sp};

const KINDS: &[&str] = &["Deployment", "StatefulSet", "Job", "CronJob", "Pod"];

/// Reports a key that has no meaning for the component's workload kind.
pub fn not_for(cx: &mut Cx<'_>, span: Range<usize>, key: &str, workload: &Workload) {
    cx.push(
        Diagnostic::error(
            codes::NOT_FOR_KIND,
            span,
            format!("`{key}` has no meaning for a {}", workload.kind()),
        )
        .with_help("remove it, or change `kind`"),
    );
}

pub fn workload(cx: &mut Cx<'_>, c: &ComponentSyntax, owner: &Owner) -> Workload {
    let kind = match &c.kind {
        Some(k) => component::one_of(cx, k, KINDS, "workload kind")
            .unwrap_or_else(|| "Deployment".to_string()),
        None => "Deployment".to_string(),
    };
    let is_job = kind == "Job" || kind == "CronJob";
    if !is_job && let Some(j) = &c.job {
        cx.push(
            Diagnostic::error(
                codes::NOT_FOR_KIND,
                j.span(),
                format!("`job` has no meaning for a {kind}"),
            )
            .with_help("set `kind = \"Job\"` or `kind = \"CronJob\"`"),
        );
    }
    if kind != "CronJob" {
        for (key, span) in [
            ("schedule", c.schedule.as_ref().map(|s| s.span())),
            ("cron", c.cron.as_ref().map(|s| s.span())),
        ] {
            if let Some(span) = span {
                cx.push(
                    Diagnostic::error(
                        codes::NOT_FOR_KIND,
                        span,
                        format!("`{key}` has no meaning for a {kind}"),
                    )
                    .with_help("set `kind = \"CronJob\"`"),
                );
            }
        }
    }
    if kind != "StatefulSet"
        && let Some(p) = &c.pod_management
    {
        cx.push(Diagnostic::error(
            codes::NOT_FOR_KIND,
            p.span(),
            format!("`pod_management` has no meaning for a {kind}"),
        ));
    }
    match kind.as_str() {
        "StatefulSet" => Workload::StatefulSet {
            pod_management: c.pod_management.as_ref().and_then(|p| {
                component::one_of(
                    cx,
                    p,
                    &["OrderedReady", "Parallel"],
                    "pod management policy",
                )
            }),
        },
        "Job" => Workload::Job(job(cx, c.job.as_ref())),
        "CronJob" => {
            let schedule = match &c.schedule {
                Some(s) => {
                    cx.rule(s, rules::cron_schedule, codes::INVALID_SCHEDULE, "schedule");
                    s.value.clone()
                }
                None => {
                    cx.push(
                        Diagnostic::error(
                            codes::MISSING_VALUE,
                            owner.span.clone(),
                            "a CronJob needs a `schedule`",
                        )
                        .with_help("add e.g. `schedule = \"0 2 * * *\"` (every day at 02:00)"),
                    );
                    String::new()
                }
            };
            Workload::CronJob {
                schedule,
                job: job(cx, c.job.as_ref()),
                cron: c.cron.as_ref().map(|cr| cron(cx, cr)).unwrap_or_default(),
            }
        }
        "Pod" => Workload::Pod,
        _ => Workload::Deployment,
    }
}

fn job(cx: &mut Cx<'_>, j: Option<&Sp<spec::JobSyntax>>) -> model::JobSettings {
    let Some(j) = j else {
        return model::JobSettings {
            restart_policy: "Never".to_string(),
            ..Default::default()
        };
    };
    let max = i32::MAX as i64;
    model::JobSettings {
        backoff_limit: j
            .backoff_limit
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "backoff_limit")),
        active_deadline_seconds: j
            .active_deadline_seconds
            .as_ref()
            .and_then(|v| cx.int_in(v, 1..=max, "active_deadline_seconds"))
            .map(i64::from),
        restart_policy: j
            .restart_policy
            .as_ref()
            .and_then(|p| component::one_of(cx, p, &["Never", "OnFailure"], "job restart policy"))
            .unwrap_or_else(|| "Never".to_string()),
        ttl_seconds_after_finished: j
            .ttl_seconds_after_finished
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "ttl_seconds_after_finished")),
        completions: j
            .completions
            .as_ref()
            .and_then(|v| cx.int_in(v, 1..=max, "completions")),
        parallelism: j
            .parallelism
            .as_ref()
            .and_then(|v| cx.int_in(v, 1..=max, "parallelism")),
    }
}

fn cron(cx: &mut Cx<'_>, c: &Sp<spec::CronSyntax>) -> model::CronSettings {
    let max = i32::MAX as i64;
    model::CronSettings {
        concurrency_policy: c.concurrency_policy.as_ref().and_then(|p| {
            component::one_of(cx, p, &["Allow", "Forbid", "Replace"], "concurrency policy")
        }),
        successful_jobs_history_limit: c
            .successful_jobs_history_limit
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "successful_jobs_history_limit")),
        failed_jobs_history_limit: c
            .failed_jobs_history_limit
            .as_ref()
            .and_then(|v| cx.int_in(v, 0..=max, "failed_jobs_history_limit")),
        starting_deadline_seconds: c
            .starting_deadline_seconds
            .as_ref()
            .and_then(|v| cx.int_in(v, 1..=max, "starting_deadline_seconds"))
            .map(i64::from),
        suspend: c.suspend.as_ref().map(|b| b.value),
        time_zone: c.time_zone.as_ref().and_then(|tz| {
            cx.rule(tz, rules::time_zone, codes::INVALID_SCHEDULE, "time zone")
                .map(|_| tz.value.clone())
        }),
    }
}

pub fn autoscale(
    cx: &mut Cx<'_>,
    a: &Sp<spec::AutoscaleSyntax>,
    workload: &Workload,
) -> Option<model::Autoscale> {
    if !workload.is_replicated() {
        not_for(cx, a.span(), "autoscale", workload);
        return None;
    }
    let max = i32::MAX as i64;
    let min_r = cx.int_in(&a.min, 1..=max, "autoscale.min")?;
    let max_r = cx.int_in(&a.max, 1..=max, "autoscale.max")?;
    if max_r < min_r {
        cx.push(Diagnostic::error(
            codes::INVALID_VALUE,
            a.max.span(),
            format!("autoscale.max ({max_r}) is below autoscale.min ({min_r})"),
        ));
    }
    let cpu = a
        .cpu
        .as_ref()
        .and_then(|v| cx.int_in(v, 1..=max, "autoscale.cpu"));
    let memory = a
        .memory
        .as_ref()
        .and_then(|v| cx.int_in(v, 1..=max, "autoscale.memory"));
    if a.cpu.is_none() && a.memory.is_none() {
        cx.push(
            Diagnostic::error(
                codes::MISSING_VALUE,
                a.span(),
                "autoscale needs a target: `cpu` and/or `memory`",
            )
            .with_help("e.g. `cpu = 70` scales to keep average CPU at 70% of requests"),
        );
    }
    Some(model::Autoscale {
        min: min_r,
        max: max_r,
        cpu_percent: cpu,
        memory_percent: memory,
    })
}

/// `"get,list,watch: pods, services"` → a rule; `deployments.apps` names the `apps` group.
pub fn rbac(cx: &mut Cx<'_>, rules_in: &[Sp<String>]) -> Vec<model::Rule> {
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
        const VERBS: &[&str] = &[
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete",
            "deletecollection",
            "*",
        ];
        for v in &verbs {
            if !VERBS.contains(&v.as_str()) {
                let mut d =
                    Diagnostic::error(codes::INVALID_RBAC, r.span(), format!("unknown verb `{v}`"));
                d.help = Some(spec::suggest(v, VERBS, || {
                    format!("expected {}", spec::quoted(VERBS))
                }));
                cx.push(d);
            }
        }
        let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for res in resources
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (name, group) = res.split_once('.').unwrap_or((res, ""));
            let ok = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'/' || b == b'*');
            if !ok {
                cx.push(Diagnostic::error(
                    codes::INVALID_RBAC,
                    r.span(),
                    format!("`{res}` is not a resource like `pods` or `deployments.apps`"),
                ));
            }
            by_group
                .entry(group.to_string())
                .or_default()
                .push(name.to_string());
        }
        if verbs.is_empty() || by_group.is_empty() {
            cx.push(Diagnostic::error(
                codes::INVALID_RBAC,
                r.span(),
                "a rule needs verbs and resources",
            ));
            continue;
        }
        for (group, resources) in by_group {
            out.push(model::Rule {
                verbs: verbs.clone(),
                api_group: group,
                resources,
            });
        }
    }
    out
}

pub fn volumes(cx: &mut Cx<'_>, vols: &spec::SpMap<spec::VolumeSyntax>) -> Vec<model::Volume> {
    let mut out = Vec::new();
    let mut mounts: BTreeSet<String> = BTreeSet::new();
    for (name, v) in vols {
        cx.rule(
            name,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "volume name",
        );
        if ["config", "secrets", "tmp"].contains(&name.value.as_str()) {
            cx.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    name.span(),
                    format!("volume name `{}` is k8gen's own", name.value),
                )
                .with_help("pick another name; `config`, `secrets` and `tmp` are taken"),
            );
        }
        if let Some(m) = &v.mount {
            if !m.value.starts_with('/') {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    m.span(),
                    format!("mount path `{}` must be absolute", m.value),
                ));
            } else if !mounts.insert(m.value.clone()) {
                cx.push(Diagnostic::error(
                    codes::DUPLICATE,
                    m.span(),
                    format!("`{}` is mounted twice", m.value),
                ));
            }
        }
        let source = match (&v.size, &v.claim) {
            (Some(_), Some(claim)) => {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    claim.span(),
                    "a volume is either a new claim (`size`) or an existing one (`claim`), not both",
                ));
                continue;
            }
            (Some(size), None) => {
                let size = match &size.value {
                    spec::Quantity::String(s) => s.clone(),
                    spec::Quantity::Integer(i) => i.to_string(),
                    spec::Quantity::Float(f) => f.to_string(),
                };
                match rules::quantity(&size) {
                    Err(e) => cx.push(Diagnostic::error(
                        codes::INVALID_QUANTITY,
                        v.size.as_ref().map_or(v.span(), |s| s.span()),
                        format!("invalid size: {e}"),
                    )),
                    Ok(n) if n <= 0.0 => cx.push(Diagnostic::error(
                        codes::INVALID_QUANTITY,
                        v.size.as_ref().map_or(v.span(), |s| s.span()),
                        format!(
                            "size must be greater than zero, not `{}`",
                            crate::diag::clip(&size)
                        ),
                    )),
                    Ok(_) => {}
                }
                let access_modes = match &v.access {
                    Some(modes) => modes
                        .iter()
                        .filter_map(|m| {
                            component::one_of(
                                cx,
                                m,
                                &[
                                    "ReadWriteOnce",
                                    "ReadOnlyMany",
                                    "ReadWriteMany",
                                    "ReadWriteOncePod",
                                ],
                                "access mode",
                            )
                        })
                        .collect(),
                    None => vec!["ReadWriteOnce".to_string()],
                };
                if let Some(class) = &v.class {
                    cx.rule(
                        class,
                        rules::dns1123_subdomain,
                        codes::INVALID_NAME,
                        "storage class",
                    );
                }
                VolumeSource::NewClaim {
                    size,
                    class: v.class.as_ref().map(|c| c.value.clone()),
                    access_modes,
                }
            }
            (None, Some(claim)) => {
                cx.rule(
                    claim,
                    rules::dns1123_subdomain,
                    codes::INVALID_NAME,
                    "claim name",
                );
                VolumeSource::Claim(claim.value.clone())
            }
            (None, None) => {
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
                VolumeSource::EmptyDir {
                    memory: v.memory.as_ref().is_some_and(|m| m.value),
                }
            }
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

/// What an init container or sidecar may refer to.
pub struct ContainerCx<'a> {
    pub image: &'a str,
    pub volumes: &'a [String],
    pub own: &'a Own<'a>,
    pub index: &'a Index,
}

pub fn container(
    cx: &mut Cx<'_>,
    x: &Sp<spec::ContainerSyntax>,
    ctx: &ContainerCx<'_>,
    init: bool,
) -> Option<model::Container> {
    cx.rule(
        &x.name,
        rules::dns1123_label,
        codes::INVALID_NAME,
        "container name",
    );
    let image = match &x.image {
        Some(i) => {
            cx.rule(i, rules::image, codes::INVALID_IMAGE, "image");
            i.value.clone()
        }
        None if x.wait_for.is_some() => crate::build::WAIT_IMAGE.to_string(),
        None => ctx.image.to_string(),
    };
    let mut command: Vec<String> = x
        .command
        .iter()
        .flatten()
        .map(|s| s.value.clone())
        .collect();
    if let Some(target) = &x.wait_for {
        if !init {
            cx.push(Diagnostic::error(
                codes::NOT_FOR_KIND,
                target.span(),
                "`wait_for` is for init containers",
            ));
        } else if x.command.is_some() {
            cx.push(Diagnostic::error(
                codes::INVALID_VALUE,
                target.span(),
                "`wait_for` writes the command itself; remove `command`",
            ));
        } else if ctx
            .index
            .components
            .get(&target.value)
            .is_some_and(|d| d.full_name == ctx.own.name)
        {
            cx.push(Diagnostic::error(codes::INVALID_VALUE, target.span(), "an init container cannot wait for its own component: its pods never start, so its Service never answers"));
        } else if let Some(d) = env::component(cx, target, ctx.index)
            && let Some((_, port)) = env::service_port(cx, target, d, None)
        {
            let host = &d.full_name;
            command = vec![
                "sh".to_string(),
                "-c".to_string(),
                format!(
                    "until nc -z {host} {port}; do echo waiting for {host}:{port}; sleep 2; done"
                ),
            ];
        }
    }
    let env = env::env(cx, &x.env, ctx.own, ctx.index);
    let (env_from_config, env_from_secrets) = match &x.env_from {
        Some(list) => component::env_from(
            cx,
            list,
            !ctx.own.config.is_empty(),
            !ctx.own.secrets.is_empty() || !ctx.own.external_secrets.is_empty(),
        ),
        None => (false, false),
    };
    let mut mounts = BTreeMap::new();
    for (volume, path) in &x.mounts {
        if !ctx.volumes.contains(&volume.value) {
            let names: Vec<&str> = ctx.volumes.iter().map(String::as_str).collect();
            let mut d = Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                volume.span(),
                format!("the component has no volume `{}`", volume.value),
            );
            d.help = Some(spec::suggest(&volume.value, &names, || {
                "declare it under `[volumes]`".to_string()
            }));
            cx.push(d);
        }
        if !path.value.starts_with('/') {
            cx.push(Diagnostic::error(
                codes::INVALID_VALUE,
                path.span(),
                format!("mount path `{}` must be absolute", path.value),
            ));
        }
        mounts.insert(volume.value.clone(), path.value.clone());
    }
    let resources = match &x.resources {
        Some(r) => resources::resources(cx, &r.requests, &r.limits),
        // The waiting loop k8gen writes needs next to nothing; say so, so it is scheduled
        // and capped like everything else.
        None if x.wait_for.is_some() => model::Resources::tiny(),
        None => model::Resources::default(),
    };
    Some(model::Container {
        name: x.name.value.clone(),
        image,
        command,
        args: x.args.iter().flatten().map(|s| s.value.clone()).collect(),
        env,
        env_from_config,
        env_from_secrets,
        mounts,
        resources,
    })
}

/// Container names must be unique within a pod (init containers included).
pub fn unique_container_names(cx: &mut Cx<'_>, main: &str, c: &ComponentSyntax) {
    let mut seen = BTreeSet::from([main.to_string()]);
    for x in c.init.iter().flatten().chain(c.sidecars.iter().flatten()) {
        if !seen.insert(x.name.value.clone()) {
            cx.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    x.name.span(),
                    format!(
                        "container name `{}` is used twice in this pod",
                        x.name.value
                    ),
                )
                .with_help(format!(
                    "the main container is named `{main}`; give each container its own name"
                )),
            );
        }
    }
}

pub fn disruption(
    cx: &mut Cx<'_>,
    d: &Sp<spec::DisruptionSyntax>,
    replicas: Option<i32>,
    autoscale: Option<&model::Autoscale>,
    workload: &Workload,
) -> Option<model::Disruption> {
    if !workload.is_replicated() {
        not_for(cx, d.span(), "disruption", workload);
        return None;
    }
    let (budget, span) = match (&d.min_available, &d.max_unavailable) {
        (Some(v), None) => (
            model::Disruption::MinAvailable(resources::int_or_percent(
                cx,
                v,
                "min_available",
                codes::INVALID_VALUE,
            )?),
            v.span(),
        ),
        (None, Some(v)) => (
            model::Disruption::MaxUnavailable(resources::int_or_percent(
                cx,
                v,
                "max_unavailable",
                codes::INVALID_VALUE,
            )?),
            v.span(),
        ),
        _ => {
            cx.push(
                Diagnostic::error(codes::INVALID_VALUE, d.span(), "a disruption budget needs exactly one of `min_available` and `max_unavailable`")
                    .with_help("e.g. `{ max_unavailable = 1 }`"),
            );
            return None;
        }
    };
    // The fewest pods the workload may run: its replicas, or the autoscaler's floor.
    let floor = autoscale.map(|a| a.min).or(replicas).unwrap_or(1);
    let blocks = match &budget {
        model::Disruption::MinAvailable(IntOrPercent::Int(n)) => *n >= floor,
        model::Disruption::MinAvailable(IntOrPercent::Percent(p)) => *p >= 100,
        model::Disruption::MaxUnavailable(IntOrPercent::Int(n)) => *n == 0,
        model::Disruption::MaxUnavailable(IntOrPercent::Percent(p)) => {
            *p == 0 || (*p as i64 * floor as i64) < 100
        }
    };
    if blocks && !d.allow_blocking.as_ref().is_some_and(|b| b.value) {
        cx.push(
            Diagnostic::error(
                codes::BLOCKING_BUDGET,
                span,
                format!("this budget allows no voluntary eviction with {floor} replica{}, so node drains would hang", if floor == 1 { "" } else { "s" }),
            )
            .with_help("lower it (e.g. `max_unavailable = 1`), add replicas, or set `allow_blocking = true` if that is what you want"),
        );
    }
    Some(budget)
}

pub fn network(
    cx: &mut Cx<'_>,
    n: Option<&Sp<spec::NetworkSyntax>>,
    index: &Index,
) -> Option<model::Network> {
    let table = match n.map(|n| &n.value) {
        None | Some(spec::NetworkSyntax::Enabled(true)) => {
            return Some(model::Network {
                from: None,
                to: None,
                dns: true,
            });
        }
        Some(spec::NetworkSyntax::Enabled(false)) => return None,
        Some(spec::NetworkSyntax::Table(t)) => t,
    };
    let peers = |cx: &mut Cx<'_>, list: &Option<Vec<Sp<String>>>| {
        list.as_ref().map(|items| {
            items
                .iter()
                .filter_map(|p| peer(cx, p, index))
                .collect::<Vec<_>>()
        })
    };
    let from = peers(cx, &table.from);
    let to = peers(cx, &table.to);
    if let (Some(dns), None) = (&table.dns, &table.to) {
        cx.push(
            Diagnostic::error(
                codes::INVALID_VALUE,
                dns.span(),
                "`dns` only matters when `to` restricts egress",
            )
            .with_help("add `to = [...]`, or remove `dns`"),
        );
    }
    Some(model::Network {
        from,
        to,
        dns: table.dns.as_ref().is_none_or(|d| d.value),
    })
}

fn peer(cx: &mut Cx<'_>, p: &Sp<String>, index: &Index) -> Option<model::Peer> {
    if let Some(ns) = p.value.strip_prefix("namespace:") {
        cx.rule(
            &Sp::new(p.span(), ns.to_string()),
            rules::dns1123_label,
            codes::INVALID_NAME,
            "namespace",
        );
        return Some(model::Peer::Namespace(ns.to_string()));
    }
    if let Some(cidr) = p.value.strip_prefix("cidr:") {
        return cx
            .rule(
                &Sp::new(p.span(), cidr.to_string()),
                rules::cidr,
                codes::INVALID_VALUE,
                "CIDR",
            )
            .map(|_| model::Peer::Cidr(cidr.to_string()));
    }
    let d = env::component(cx, p, index)?;
    if d.kind == "ExternalName" {
        return None;
    }
    Some(model::Peer::Component(d.full_name.clone()))
}

pub fn scheduling(cx: &mut Cx<'_>, s: &Sp<spec::SchedulingSyntax>) -> model::Scheduling {
    let spread = s.spread.as_ref().and_then(|v| {
        component::one_of(cx, v, &["hostname", "zone"], "spread topology").map(|t| {
            match t.as_str() {
                "zone" => "topology.kubernetes.io/zone".to_string(),
                _ => "kubernetes.io/hostname".to_string(),
            }
        })
    });
    let anti_affinity = s
        .anti_affinity
        .as_ref()
        .and_then(|v| component::one_of(cx, v, &["preferred", "required"], "anti-affinity"));
    let nodes = |cx: &mut Cx<'_>, m: &spec::SpMap<Vec<String>>| {
        m.iter()
            .map(|(k, v)| {
                cx.rule(
                    k,
                    rules::qualified_name,
                    codes::INVALID_LABEL,
                    "node label key",
                );
                (k.value.clone(), v.value.clone())
            })
            .collect::<BTreeMap<_, _>>()
    };
    model::Scheduling {
        spread,
        anti_affinity,
        prefer_nodes: nodes(cx, &s.prefer_nodes),
        require_nodes: nodes(cx, &s.require_nodes),
    }
}
