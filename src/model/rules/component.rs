//! Rules about one component: names, image, ports, config and secrets, env, resources.

use super::{Cx, at};
use crate::codes;
use crate::model::{Component, EnvValue, Workload, issue, rules};

pub(super) fn component(cx: &mut Cx<'_>, c: &Component) {
    let base = at(c);
    let p = |field: &str| issue::key(&base, field);
    // The key as a DNS name, the object names' length and the labels: `app::components`.
    cx.value(
        &base,
        &c.key,
        rules::label_value,
        codes::INVALID_LABEL,
        "component key",
    );
    if let Some(role) = &c.role {
        cx.value(
            p("role"),
            role,
            rules::label_value,
            codes::INVALID_LABEL,
            "role",
        );
    }
    cx.value(
        p("image"),
        &c.image,
        rules::image,
        codes::INVALID_IMAGE,
        "image",
    );
    if let Some(v) = &c.version {
        cx.value(
            p("version"),
            v,
            rules::label_value,
            codes::INVALID_LABEL,
            "version",
        );
    }
    if c.replicas.is_some_and(|r| r < 0) {
        cx.report(
            codes::OUT_OF_RANGE,
            p("replicas"),
            "replicas must be at least 0",
        );
    }
    for port in &c.ports {
        let path = issue::key(&p("ports"), &port.name);
        cx.value(
            &path,
            &port.name,
            rules::port_name,
            codes::INVALID_PORT,
            "port name",
        );
        if let Err(e) = rules::port_number(port.port.into()) {
            cx.report(codes::INVALID_PORT, path, format!("invalid port: {e}"));
        }
    }
    for key in c.config.keys() {
        cx.value(
            issue::key(&p("config"), key),
            key,
            rules::config_key,
            codes::INVALID_KEY,
            "key",
        );
    }
    for key in c.secrets.keys() {
        cx.value(
            issue::key(&p("secrets"), key),
            key,
            rules::config_key,
            codes::INVALID_KEY,
            "key",
        );
    }
    for (section, map) in [
        ("requests", &c.resources.requests),
        ("limits", &c.resources.limits),
    ] {
        for (k, v) in map {
            let path = issue::key(&issue::key(&p("resources"), section), k);
            cx.value(
                path,
                v,
                rules::quantity,
                codes::INVALID_QUANTITY,
                "quantity",
            );
        }
    }
    for e in &c.env {
        let path = issue::key(&p("env"), &e.name);
        cx.value(
            &path,
            &e.name,
            rules::env_var_name,
            codes::INVALID_KEY,
            "environment variable name",
        );
        let missing = match &e.value {
            EnvValue::ConfigKey { from: None, key } => !c.config.contains_key(key),
            EnvValue::SecretKey { from: None, key } => {
                !c.secrets.contains_key(key) && !c.external_secrets.contains_key(key)
            }
            _ => false,
        };
        if missing {
            cx.report(
                codes::UNKNOWN_REFERENCE,
                path,
                format!("`{}` refers to a key the component does not have", e.name),
            );
        }
    }
    if let Workload::CronJob { schedule, .. } = &c.workload {
        cx.value(
            p("schedule"),
            schedule,
            rules::cron_schedule,
            codes::INVALID_SCHEDULE,
            "schedule",
        );
    }
    for sp in c.service.iter().flat_map(|s| &s.ports) {
        if let Some(n) = sp.node_port
            && !(30000..=32767).contains(&n)
        {
            cx.report(
                codes::INVALID_PORT,
                issue::key(&p("service"), "node_port"),
                format!("node port {n} is outside 30000-32767"),
            );
        }
    }
    for v in &c.volumes {
        cx.value(
            issue::key(&p("volumes"), &v.name),
            &v.name,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "volume name",
        );
    }
    if let Some(a) = &c.autoscale
        && (a.min < 1 || a.max < a.min)
    {
        cx.report(
            codes::INVALID_VALUE,
            p("autoscale"),
            "needs 1 <= min <= max",
        );
    }
}
