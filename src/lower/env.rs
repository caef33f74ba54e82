//! Lowering environment variables: values and references (`{ config }`, `{ secret }` with an
//! optional `from`, `{ field }`, `{ service, port }`), in the order the spec writes them
//! (Kubernetes expands `$(NAME)` only from earlier entries). Whether a referenced component,
//! key or port exists is a rule of the engine.

use super::probe::port_ref;
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, EnvValue, issue};
use crate::syntax::{self, Sp};

/// The entries of a spanned map in the order they were written in the file.
pub(super) fn in_file_order<V>(map: &syntax::SpMap<V>) -> Vec<(&Sp<String>, &Sp<V>)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(k, _)| k.span.start);
    entries
}

/// Env vars in the order they are written, never sorted: entries inherited from
/// `[defaults].env` first (in their order there, so the component's own can use `$(NAME)` of
/// them), then the component's own, in file order.
fn env_order<'m, V>(cx: &Cx<'_>, map: &'m syntax::SpMap<V>) -> Vec<(&'m Sp<String>, &'m Sp<V>)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by_key(|(name, _)| (!cx.inherited_env.contains(&name.span), name.span.start));
    entries
}

pub fn env(
    cx: &mut Cx<'_>,
    vars: &syntax::SpMap<syntax::EnvSyntax>,
    base: &str,
) -> Vec<model::EnvVar> {
    let mut out = Vec::new();
    for (name, value) in env_order(cx, vars) {
        let path = issue::key(base, &name.value);
        cx.provenance.record(&path, name.span());
        let value = match &value.value {
            syntax::EnvSyntax::Value(s) => EnvValue::Literal(s.to_text()),
            syntax::EnvSyntax::Ref(r) => {
                let mut record = |field: &str, sp: &Option<Sp<String>>| {
                    if let Some(sp) = sp {
                        cx.provenance.record(issue::key(&path, field), sp.span());
                    }
                };
                record("from", &r.from);
                record("config", &r.config);
                record("secret", &r.secret);
                record("field", &r.field);
                record("service", &r.service);
                let from = r.from.as_ref().map(|f| f.value.clone());
                match (&r.config, &r.secret, &r.field, &r.service) {
                    (Some(key), None, None, None) if r.port.is_none() => EnvValue::ConfigKey {
                        from,
                        key: key.value.clone(),
                    },
                    (None, Some(key), None, None) if r.port.is_none() => EnvValue::SecretKey {
                        from,
                        key: key.value.clone(),
                    },
                    (None, None, Some(field), None) if from.is_none() && r.port.is_none() => {
                        EnvValue::Field(field.value.clone())
                    }
                    (None, None, None, Some(key)) if from.is_none() => EnvValue::Service {
                        component: key.value.clone(),
                        port: match &r.port {
                            Some(p) => match port_ref(cx, p, &issue::key(&path, "port")) {
                                Some(port) => Some(port),
                                None => continue,
                            },
                            None => None,
                        },
                    },
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
