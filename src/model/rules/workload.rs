//! Rules about what runs and how: keys that have no meaning for the workload kind, Job and
//! CronJob settings, volumes, init containers and sidecars, autoscaling, disruption budgets,
//! RBAC and the ServiceAccount, network peers and scheduling.

use std::collections::BTreeSet;

use super::{Cx, at, suggest_help};
use crate::codes;
use crate::model::{
    Component, Container, IntOrPercent, JobName, Peer, Rule, Strategy, Verb, VolumeSource,
    Workload, issue, names, rules,
};

/// Names k8gen gives volumes of its own (config, secrets and the writable `/tmp`).
const RESERVED_VOLUMES: &[&str] = &["config", "secrets", "tmp"];

pub(super) fn workload(cx: &mut Cx<'_>, c: &Component) {
    let base = at(c);
    let p = |field: &str| issue::key(&base, field);
    at_least(cx, &base, "replicas", c.replicas, 0, "");
    kind_keys(cx, c, &p);
    jobs(cx, c, &p);
    volumes(cx, c, &p("volumes"));
    containers(cx, c, &p);
    if let Some(a) = &c.autoscale
        && c.workload.is_replicated()
    {
        let path = p("autoscale");
        for (key, v) in [("min", Some(a.min)), ("max", Some(a.max))]
            .into_iter()
            .chain([("cpu", a.cpu_percent), ("memory", a.memory_percent)])
        {
            at_least(cx, &path, key, v, 1, "autoscale.");
        }
        if a.min >= 1 && a.max < a.min {
            cx.report(
                codes::INVALID_VALUE,
                issue::key(&path, "max"),
                format!(
                    "autoscale.max ({}) is below autoscale.min ({})",
                    a.max, a.min
                ),
            );
        }
        if a.cpu_percent.is_none() && a.memory_percent.is_none() {
            cx.push(
                issue::Issue::new(
                    codes::MISSING_VALUE,
                    &path,
                    "autoscale needs a target: `cpu` and/or `memory`",
                )
                .with_help("e.g. `cpu = 70` scales to keep average CPU at 70% of requests"),
            );
        }
    }
    budget(cx, c, &p("disruption"));
    rbac(cx, c, &p);
    network(cx, c, &p("network"));
    let s = &c.scheduling;
    for (key, nodes) in [
        ("prefer_nodes", &s.prefer_nodes),
        ("require_nodes", &s.require_nodes),
    ] {
        for k in nodes.keys() {
            cx.value(
                issue::key(&issue::key(&p("scheduling"), key), k),
                k,
                rules::qualified_name,
                codes::INVALID_LABEL,
                "node label key",
            );
        }
    }
    let at = |key: &str| issue::key(&p("scheduling"), key);
    for (k, v) in &s.node_selector {
        let entry = issue::key(&at("node_selector"), k);
        cx.value(
            issue::map_key(&entry),
            k,
            rules::qualified_name,
            codes::INVALID_LABEL,
            "node label key",
        );
        cx.value(
            entry,
            v,
            rules::label_value,
            codes::INVALID_LABEL,
            "node label value",
        );
    }
    if let Some(class) = &s.priority_class {
        cx.value(
            at("priority_class"),
            class,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "priority class name",
        );
    }
    if let Some(seconds) = c.termination_grace_period_seconds
        && seconds < 0
    {
        cx.report(
            codes::OUT_OF_RANGE,
            p("termination_grace_period_seconds"),
            format!("termination_grace_period_seconds must be at least 0, not {seconds}"),
        );
    }
}

/// Reports `key` of `base` below `min`.
fn at_least(cx: &mut Cx<'_>, base: &str, key: &str, v: Option<i32>, min: i32, prefix: &str) {
    if let Some(v) = v
        && v < min
    {
        cx.report(
            codes::OUT_OF_RANGE,
            issue::key(base, key),
            format!("{prefix}{key} must be at least {min}, not {v}"),
        );
    }
}

fn not_for(cx: &mut Cx<'_>, path: String, key: &str, c: &Component) {
    cx.push(
        issue::Issue::new(
            codes::NOT_FOR_KIND,
            path,
            format!("`{key}` has no meaning for a {}", c.workload.kind()),
        )
        .with_help("remove it, or change `kind`"),
    );
}

/// Keys only a Deployment or StatefulSet has, and the rollout strategies each allows.
fn kind_keys(cx: &mut Cx<'_>, c: &Component, p: &impl Fn(&str) -> String) {
    if !c.workload.is_replicated() {
        // An ExternalName component runs no pods: its Service rules speak for it.
        let pods = !matches!(c.workload, Workload::External);
        if pods && c.replicas.is_some() {
            not_for(cx, p("replicas"), "replicas", c);
        }
        if pods && c.rollout != Default::default() {
            not_for(cx, p("rollout"), "rollout", c);
        }
        if c.autoscale.is_some() {
            not_for(cx, p("autoscale"), "autoscale", c);
        }
        if c.disruption.is_some() {
            not_for(cx, p("disruption"), "disruption", c);
        }
        return;
    }
    // Beside an autoscaler, `replicas` is the count a new workload starts with.
    if let (Some(replicas), Some(a)) = (c.replicas, &c.autoscale)
        && replicas >= 0
        && a.min <= a.max // else that is the error
        && (replicas < a.min || replicas > a.max)
    {
        cx.push(
            issue::Issue::new(
                codes::OUT_OF_RANGE,
                p("replicas"),
                format!(
                    "`replicas` ({replicas}), the count the autoscaler starts from, is outside autoscale's {} to {}",
                    a.min, a.max
                ),
            )
            .with_help("set `replicas` between `autoscale.min` and `autoscale.max`, or remove it to start at `min`"),
        );
    }
    let stateful = matches!(c.workload, Workload::StatefulSet { .. });
    let wrong = match c.rollout.strategy {
        Strategy::Recreate if stateful => Some(("Recreate", "`RollingUpdate` or `OnDelete`")),
        Strategy::OnDelete if !stateful => Some(("OnDelete", "`RollingUpdate` or `Recreate`")),
        _ => None,
    };
    if let Some((strategy, allowed)) = wrong {
        cx.push(
            issue::Issue::new(
                codes::INVALID_VALUE,
                issue::key(&p("rollout"), "strategy"),
                format!(
                    "a {} cannot use the `{strategy}` rollout strategy",
                    c.workload.kind()
                ),
            )
            .with_help(format!("a {} takes {allowed}", c.workload.kind())),
        );
    }
}

fn jobs(cx: &mut Cx<'_>, c: &Component, p: &impl Fn(&str) -> String) {
    if let Some(job) = c.workload.job() {
        let base = p("job");
        at_least(cx, &base, "backoff_limit", job.backoff_limit, 0, "");
        let deadline = job
            .active_deadline_seconds
            .map(|v| v.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
        at_least(cx, &base, "active_deadline_seconds", deadline, 1, "");
        at_least(
            cx,
            &base,
            "ttl_seconds_after_finished",
            job.ttl_seconds_after_finished,
            0,
            "",
        );
        at_least(cx, &base, "completions", job.completions, 1, "");
        at_least(cx, &base, "parallelism", job.parallelism, 1, "");
        // The Job's name is its pods' `job-name` label value: 63 characters at most.
        let hashed = names::hashed(&c.name, &"x".repeat(names::HASH_LEN));
        if matches!(c.workload, Workload::Job(_))
            && job.name == Some(JobName::Hashed)
            && hashed.len() > 63
        {
            let key = if job.hook.is_some() { "hook" } else { "name" };
            cx.push(
                issue::Issue::new(
                    codes::NAME_TOO_LONG,
                    issue::key(&base, key),
                    format!(
                        "the hashed Job name `{}-HASH` is {} characters, over the 63 allowed \
                         (its pods' `job-name` label)",
                        crate::diag::clip(&c.name),
                        hashed.len()
                    ),
                )
                .with_help("shorten the app or component name, or set `job.name = \"fixed\"`"),
            );
        }
    }
    let Workload::CronJob {
        schedule,
        cron,
        job,
    } = &c.workload
    else {
        return;
    };
    // A CronJob makes its Jobs itself, named by the schedule: no hook, no hashed name.
    let job_keys = [("hook", job.hook.is_some()), ("name", job.name.is_some())];
    for (key, set) in job_keys {
        if set {
            cx.push(
                issue::Issue::new(
                    codes::NOT_FOR_KIND,
                    issue::key(&p("job"), key),
                    format!("`job.{key}` is for a Job, not a CronJob"),
                )
                .with_help("a CronJob names and starts its Jobs itself; remove the key"),
            );
        }
    }
    if schedule.is_empty() {
        cx.push(
            issue::Issue::new(
                codes::MISSING_VALUE,
                p("schedule"),
                "a CronJob needs a `schedule`",
            )
            .with_help("add e.g. `schedule = \"0 2 * * *\"` (every day at 02:00)"),
        );
    } else {
        cx.value(
            p("schedule"),
            schedule,
            rules::cron_schedule,
            codes::INVALID_SCHEDULE,
            "schedule",
        );
    }
    let base = p("cron");
    at_least(
        cx,
        &base,
        "successful_jobs_history_limit",
        cron.successful_jobs_history_limit,
        0,
        "",
    );
    at_least(
        cx,
        &base,
        "failed_jobs_history_limit",
        cron.failed_jobs_history_limit,
        0,
        "",
    );
    let deadline = cron
        .starting_deadline_seconds
        .map(|v| v.clamp(i32::MIN.into(), i32::MAX.into()) as i32);
    at_least(cx, &base, "starting_deadline_seconds", deadline, 1, "");
    if let Some(tz) = &cron.time_zone {
        cx.value(
            issue::key(&base, "time_zone"),
            tz,
            rules::time_zone,
            codes::INVALID_SCHEDULE,
            "time zone",
        );
    }
}

fn volumes(cx: &mut Cx<'_>, c: &Component, base: &str) {
    let mut mounts: BTreeSet<&str> = BTreeSet::new();
    let mut names: BTreeSet<&str> = BTreeSet::new();
    for v in &c.volumes {
        let path = issue::key(base, &v.name);
        let p = |k: &str| issue::key(&path, k);
        cx.value(
            &path,
            &v.name,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "volume name",
        );
        if RESERVED_VOLUMES.contains(&v.name.as_str()) {
            cx.push(
                issue::Issue::new(
                    codes::DUPLICATE,
                    &path,
                    format!("volume name `{}` is k8gen's own", v.name),
                )
                .with_help("pick another name; `config`, `secrets` and `tmp` are taken"),
            );
        } else if !names.insert(&v.name) {
            cx.report(
                codes::DUPLICATE,
                &path,
                format!("volume `{}` is declared twice", v.name),
            );
        }
        if let Some(m) = &v.mount {
            if !m.starts_with('/') {
                cx.report(
                    codes::INVALID_VALUE,
                    p("mount"),
                    format!("mount path `{m}` must be absolute"),
                );
            } else if !mounts.insert(m) {
                cx.report(
                    codes::DUPLICATE,
                    p("mount"),
                    format!("`{m}` is mounted twice"),
                );
            }
        }
        match &v.source {
            VolumeSource::EmptyDir { .. } => {}
            VolumeSource::Claim(claim) => {
                cx.value(
                    p("claim"),
                    claim,
                    rules::dns1123_subdomain,
                    codes::INVALID_NAME,
                    "claim name",
                );
            }
            VolumeSource::NewClaim {
                size,
                class,
                access_modes,
            } => {
                match rules::quantity(size) {
                    Err(e) => cx.report(
                        codes::INVALID_QUANTITY,
                        p("size"),
                        format!("invalid size: {e}"),
                    ),
                    Ok(n) if n <= 0.0 => cx.push(
                        issue::Issue::new(
                            codes::INVALID_QUANTITY,
                            p("size"),
                            format!(
                                "invalid size `{}`: a claim must be greater than zero",
                                crate::diag::clip(size)
                            ),
                        )
                        .with_help("write the storage to claim, e.g. \"10Gi\""),
                    ),
                    Ok(_) => {}
                }
                if let Some(class) = class {
                    cx.value(
                        p("class"),
                        class,
                        rules::dns1123_subdomain,
                        codes::INVALID_NAME,
                        "storage class",
                    );
                }
                if access_modes.as_ref().is_some_and(Vec::is_empty) {
                    cx.push(
                        issue::Issue::new(
                            codes::MISSING_VALUE,
                            p("access"),
                            "a claim needs at least one access mode",
                        )
                        .with_help("e.g. `access = [\"ReadWriteOnce\"]`, or remove `access`"),
                    );
                }
            }
        }
    }
}

fn containers(cx: &mut Cx<'_>, c: &Component, p: &impl Fn(&str) -> String) {
    let main = c.container_name();
    // The key is judged as a name of its own; a name set apart from it is judged here.
    if main != c.key {
        cx.value(
            p("container"),
            main,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "container name",
        );
    }
    let mut seen = BTreeSet::from([main]);
    for (list, key, init) in [
        (&c.init_containers, "init", true),
        (&c.sidecars, "sidecars", false),
    ] {
        for (i, x) in list.iter().enumerate() {
            let path = issue::index(&p(key), i);
            container(cx, c, x, &path, init);
            if !seen.insert(&x.name) {
                cx.push(
                    issue::Issue::new(
                        codes::DUPLICATE,
                        issue::key(&path, "name"),
                        format!("container name `{}` is used twice in this pod", x.name),
                    )
                    .with_help(format!(
                        "the main container is named `{main}`; give each container its own name"
                    )),
                );
            }
        }
    }
}

fn container(cx: &mut Cx<'_>, c: &Component, x: &Container, path: &str, init: bool) {
    let p = |k: &str| issue::key(path, k);
    cx.value(
        p("name"),
        &x.name,
        rules::dns1123_label,
        codes::INVALID_NAME,
        "container name",
    );
    if x.image != c.image {
        cx.value(
            p("image"),
            &x.image,
            rules::image,
            codes::INVALID_IMAGE,
            "image",
        );
    }
    if let Some(target) = &x.wait_for {
        wait_for(cx, c, x, target, &p("wait_for"), init);
    }
    let volumes: Vec<&str> = c.volumes.iter().map(|v| v.name.as_str()).collect();
    for (volume, mount) in &x.mounts {
        let at = issue::key(&p("mounts"), volume);
        if !volumes.contains(&volume.as_str()) {
            cx.push(
                issue::Issue::new(
                    codes::UNKNOWN_REFERENCE,
                    &at,
                    format!("the component has no volume `{volume}`"),
                )
                .with_help(suggest_help(volume, &volumes, || {
                    "declare it under `[volumes]`".to_string()
                })),
            );
        }
        if !mount.starts_with('/') {
            cx.report(
                codes::INVALID_VALUE,
                at,
                format!("mount path `{mount}` must be absolute"),
            );
        }
    }
}

fn wait_for(cx: &mut Cx<'_>, c: &Component, x: &Container, target: &str, path: &str, init: bool) {
    if !init {
        cx.report(
            codes::NOT_FOR_KIND,
            path,
            "`wait_for` is for init containers",
        );
        return;
    }
    if !x.command.is_empty() {
        cx.report(
            codes::INVALID_VALUE,
            path,
            "`wait_for` writes the command itself; remove `command`",
        );
        return;
    }
    if target == c.key {
        cx.push(
            issue::Issue::new(
                codes::INVALID_VALUE,
                path,
                format!("`{target}` waits for itself: its init containers run before its own Service has any ready pod, so its pods would never start"),
            )
            .with_help("wait for another component, or remove `wait_for`"),
        );
        return;
    }
    let Some(t) = cx.component_ref(target, path) else {
        return;
    };
    if t.service.on().is_none_or(|s| s.ports.is_empty()) {
        cx.push(
            issue::Issue::new(
                codes::UNKNOWN_REFERENCE,
                path,
                format!("component `{target}` has no Service to connect to"),
            )
            .with_help(
                "give it a `port` (a Service is made for Deployments and StatefulSets with ports)",
            ),
        );
    }
}

/// A disruption budget: exactly one of its two values, and one that lets a node drain evict
/// at least one pod (unless `allow_blocking`).
fn budget(cx: &mut Cx<'_>, c: &Component, path: &str) {
    let Some(d) = &c.disruption else { return };
    if !c.workload.is_replicated() {
        return; // reported by kind_keys
    }
    let (key, value) = match (&d.min_available, &d.max_unavailable) {
        (Some(v), None) => ("min_available", v),
        (None, Some(v)) => ("max_unavailable", v),
        _ => {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_VALUE,
                    path,
                    "a disruption budget needs exactly one of `min_available` and `max_unavailable`",
                )
                .with_help("e.g. `{ max_unavailable = 1 }`"),
            );
            return;
        }
    };
    let at = issue::key(path, key);
    match value {
        IntOrPercent::Int(n) if *n < 0 => {
            cx.report(
                codes::OUT_OF_RANGE,
                at,
                format!("{key} must be at least 0, not {n}"),
            );
            return;
        }
        IntOrPercent::Percent(p) if !(0..=100).contains(p) => {
            cx.report(
                codes::INVALID_VALUE,
                at,
                format!("invalid {key}: {p}% is outside 0-100%"),
            );
            return;
        }
        _ => {}
    }
    let floor = c.fewest_pods();
    if d.blocks_every_eviction(floor) && !d.allow_blocking {
        cx.push(
            issue::Issue::new(
                codes::BLOCKING_BUDGET,
                at,
                format!(
                    "this budget allows no voluntary eviction with {floor} replica{}, so node drains would hang",
                    if floor == 1 { "" } else { "s" }
                ),
            )
            .with_help("lower it (e.g. `max_unavailable = 1`), add replicas, or set `allow_blocking = true` if that is what you want"),
        );
    }
}

fn rbac(cx: &mut Cx<'_>, c: &Component, p: &impl Fn(&str) -> String) {
    for (key, list) in [("rbac", &c.rbac), ("cluster_rbac", &c.cluster_rbac)] {
        for (i, r) in list.iter().enumerate() {
            rule(cx, r, &issue::index(&p(key), i));
        }
    }
    let has_rbac = !c.rbac.is_empty() || !c.cluster_rbac.is_empty();
    if let Some(name) = &c.service_account {
        cx.value(
            p("service_account"),
            name,
            rules::dns1123_subdomain,
            codes::INVALID_NAME,
            "service account name",
        );
        if has_rbac {
            cx.push(
                issue::Issue::new(
                    codes::INVALID_VALUE,
                    p("service_account"),
                    "`rbac` binds its rules to the component's own ServiceAccount, not to an existing one",
                )
                .with_help("use `service_account = true`, or bind the existing account's roles elsewhere"),
            );
        } else if c.own_service_account == Some(true) {
            cx.report(
                codes::INVALID_VALUE,
                p("service_account"),
                "a component runs as an existing ServiceAccount or as its own, not both",
            );
        }
    } else if has_rbac && c.own_service_account == Some(false) {
        cx.push(
            issue::Issue::new(
                codes::INVALID_VALUE,
                p("service_account"),
                "`rbac` binds its rules to the component's own ServiceAccount, and it has none",
            )
            .with_help("let k8gen make one (leave `own_service_account` unset)"),
        );
    }
}

/// One RBAC rule: known verbs, resource names like `pods` or `deployments`, some of each.
fn rule(cx: &mut Cx<'_>, r: &Rule, path: &str) {
    for v in &r.verbs {
        if !Verb::NAMES.contains(&v.as_str()) {
            cx.push(
                issue::Issue::new(codes::INVALID_RBAC, path, format!("unknown verb `{v}`"))
                    .with_help(suggest_help(v, Verb::NAMES, || {
                        format!("expected {}", crate::suggest::quoted(Verb::NAMES))
                    })),
            );
        }
    }
    for name in &r.resources {
        let ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'/' || b == b'*');
        if !ok {
            let res = if r.api_group.is_empty() {
                name.clone()
            } else {
                format!("{name}.{}", r.api_group)
            };
            cx.report(
                codes::INVALID_RBAC,
                path,
                format!("`{res}` is not a resource like `pods` or `deployments.apps`"),
            );
        }
    }
    if r.verbs.is_empty() || r.resources.is_empty() {
        cx.report(
            codes::INVALID_RBAC,
            path,
            "a rule needs verbs and resources",
        );
    }
}

fn network(cx: &mut Cx<'_>, c: &Component, base: &str) {
    let Some(n) = c.network.on() else { return };
    for (key, peers) in [("from", &n.from), ("to", &n.to)] {
        for (i, peer) in peers.iter().flatten().enumerate() {
            let path = issue::index(&issue::key(base, key), i);
            match peer {
                Peer::Namespace(ns) => {
                    cx.value(
                        path,
                        ns,
                        rules::dns1123_label,
                        codes::INVALID_NAME,
                        "namespace",
                    );
                }
                Peer::Cidr(cidr) => {
                    cx.value(path, cidr, rules::cidr, codes::INVALID_VALUE, "CIDR");
                }
                Peer::Component(k) => {
                    cx.component_ref(k, &path);
                }
            }
        }
    }
    if n.to.is_none() && !n.dns {
        cx.push(
            issue::Issue::new(
                codes::INVALID_VALUE,
                issue::key(base, "dns"),
                "`dns` only matters when `to` restricts egress",
            )
            .with_help("add `to = [...]`, or remove `dns`"),
        );
    }
}
