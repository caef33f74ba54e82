//! Environment variables and references to other components: config and secret keys,
//! Service names and ports.

use super::component::Own;
use super::index::{Declared, Index};
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, EnvValue, rules};
use crate::spec::{self, Sp};

/// Pod fields a `{ field = ... }` env var may read.
pub(super) const FIELD_PATHS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

#[derive(Clone, Copy)]
enum Section {
    Config,
    Secrets,
}

/// A `{ config = "KEY" }` or `{ secret = "KEY" }` reference, to the component's own section or
/// (with `from`) to another component's: reports a key the section lacks, and returns the name
/// of the ConfigMap or Secret that holds it.
fn data_ref(
    cx: &mut Cx<'_>,
    key: &Sp<String>,
    section: Section,
    own: &Own<'_>,
    other: Option<(&Sp<String>, &Declared)>,
) -> String {
    // A lookup, not a scan: a spec with 40,000 references must not take 40,000² steps.
    let found = match (other, section) {
        (None, Section::Config) => own.config.contains_key(&key.value),
        (None, Section::Secrets) => {
            own.secrets.contains_key(&key.value) || own.external_secrets.contains_key(&key.value)
        }
        (Some((_, d)), Section::Config) => d.config_keys.contains(&key.value),
        (Some((_, d)), Section::Secrets) => d.secret_keys.contains(&key.value),
    };
    let owner = other.map_or(own.name, |(_, d)| d.full_name.as_str());
    if found {
        return match section {
            Section::Config => model::config_map_name(owner),
            Section::Secrets => model::secret_name(owner),
        };
    }
    let (owner, keys, table): (&str, Vec<&str>, String) = match (other, section) {
        (None, Section::Config) => (
            own.name,
            own.config.keys().map(String::as_str).collect(),
            "config".into(),
        ),
        (None, Section::Secrets) => (
            own.name,
            own.secrets
                .keys()
                .chain(own.external_secrets.keys())
                .map(String::as_str)
                .collect(),
            "secrets".into(),
        ),
        (Some((from, d)), Section::Config) => (
            &d.full_name,
            d.config_keys.iter().map(String::as_str).collect(),
            format!("components.{}.config", from.value),
        ),
        (Some((from, d)), Section::Secrets) => (
            &d.full_name,
            d.secret_keys.iter().map(String::as_str).collect(),
            format!("components.{}.secrets", from.value),
        ),
    };
    if !keys.contains(&key.value.as_str()) {
        unknown_key(cx, key, &table, &keys);
    }
    match section {
        Section::Config => model::config_map_name(owner),
        Section::Secrets => model::secret_name(owner),
    }
}

fn unknown_key(cx: &mut Cx<'_>, key: &Sp<String>, section: &str, candidates: &[&str]) {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        key.span(),
        format!("`{}` is not a key of `[{section}]`", key.value),
    );
    d.help = Some(spec::suggest(&key.value, candidates, || {
        match candidates.is_empty() {
            true => format!("add it to `[{section}]`"),
            false => format!("`[{section}]` has {}", spec::quoted(candidates)),
        }
    }));
    cx.push(d);
}

/// Resolves a component key in a reference; reports unknown ones with a suggestion.
pub fn component<'i>(cx: &mut Cx<'_>, key: &Sp<String>, index: &'i Index) -> Option<&'i Declared> {
    if let Some(d) = index.components.get(&key.value) {
        return Some(d);
    }
    let keys = index.keys();
    let mut d = Diagnostic::error(
        codes::UNKNOWN_REFERENCE,
        key.span(),
        format!("there is no component `{}`", key.value),
    );
    d.help = Some(spec::suggest(&key.value, &keys, || {
        format!("the components are {}", spec::quoted(&keys))
    }));
    cx.push(d);
    None
}

/// The Service port of `target` that `port` names (a Service port name or number), or its
/// first Service port.
pub fn service_port(
    cx: &mut Cx<'_>,
    key: &Sp<String>,
    target: &Declared,
    port: Option<&Sp<spec::PortRef>>,
) -> Option<(String, i64)> {
    if !target.has_service || target.service_ports.is_empty() {
        cx.push(
            Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                key.span(),
                format!("component `{}` has no Service to connect to", key.value),
            )
            .with_help(
                "give it a `port` (a Service is made for Deployments and StatefulSets with ports)",
            ),
        );
        return None;
    }
    let Some(port) = port else {
        return target.service_ports.first().cloned();
    };
    let found = target
        .service_ports
        .iter()
        .find(|(name, number)| match &port.value {
            spec::PortRef::Name(n) => n == name,
            spec::PortRef::Number(n) => n == number,
        });
    if found.is_none() {
        let names: Vec<String> = target
            .service_ports
            .iter()
            .map(|(n, p)| format!("{n} ({p})"))
            .collect();
        cx.push(
            Diagnostic::error(
                codes::UNKNOWN_REFERENCE,
                port.span(),
                format!("the Service of `{}` does not expose this port", key.value),
            )
            .with_help(format!("its ports are {}", names.join(", "))),
        );
    }
    found.cloned()
}

pub fn env(
    cx: &mut Cx<'_>,
    vars: &spec::SpMap<spec::EnvSyntax>,
    own: &Own<'_>,
    index: &Index,
) -> Vec<model::EnvVar> {
    let mut out = Vec::new();
    for (name, value) in vars {
        cx.rule(
            name,
            rules::env_var_name,
            codes::INVALID_KEY,
            "environment variable name",
        );
        let value = match &value.value {
            spec::EnvSyntax::Value(s) => EnvValue::Literal(s.to_text()),
            spec::EnvSyntax::Ref(r) => {
                let other = match &r.from {
                    Some(key) => match component(cx, key, index) {
                        Some(d) => Some((key, d)),
                        None => continue,
                    },
                    None => None,
                };
                match (&r.config, &r.secret, &r.field, &r.service) {
                    (Some(key), None, None, None) => EnvValue::ConfigKey {
                        config_map: data_ref(cx, key, Section::Config, own, other),
                        key: key.value.clone(),
                    },
                    (None, Some(key), None, None) => EnvValue::SecretKey {
                        secret: data_ref(cx, key, Section::Secrets, own, other),
                        key: key.value.clone(),
                    },
                    (None, None, Some(path), None) if other.is_none() => {
                        let ok = FIELD_PATHS.contains(&path.value.as_str())
                            || path.value.starts_with("metadata.labels['")
                            || path.value.starts_with("metadata.annotations['");
                        if !ok {
                            let mut d = Diagnostic::error(
                                codes::INVALID_VALUE,
                                path.span(),
                                format!("`{}` is not a pod field env vars can read", path.value),
                            );
                            d.help = Some(spec::suggest(&path.value, FIELD_PATHS, || {
                                format!("expected one of {}", FIELD_PATHS.join(", "))
                            }));
                            cx.push(d);
                        }
                        EnvValue::Field(path.value.clone())
                    }
                    (None, None, None, Some(key)) if other.is_none() => {
                        let Some(d) = component(cx, key, index) else {
                            continue;
                        };
                        let Some((_, number)) = service_port(cx, key, d, r.port.as_ref()) else {
                            continue;
                        };
                        if r.port.is_some() {
                            EnvValue::Literal(format!("{}:{number}", d.full_name))
                        } else {
                            EnvValue::Literal(d.full_name.clone())
                        }
                    }
                    _ => {
                        cx.push(
                            Diagnostic::error(
                                codes::INVALID_VALUE,
                                value.span(),
                                "an env reference needs exactly one of `config`, `secret`, `field` and `service`",
                            )
                            .with_help("`from` goes with `config` or `secret`; `port` goes with `service`"),
                        );
                        continue;
                    }
                }
            }
        };
        out.push(model::EnvVar {
            name: name.value.clone(),
            value,
        });
    }
    out
}
