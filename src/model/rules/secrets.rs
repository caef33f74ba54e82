//! Rules about how Secrets are written (`secrets_mode`, `sops.age`): a tree render (a folder
//! people commit) never holds a plain Secret unless the platform allows it, `external` means
//! every value comes from the store, `sops` needs valid age recipients, `sealed` a certificate
//! with an RSA key (and a scope that hashed names can keep). It never encrypts:
//! that is `passes::seal`.

use super::Cx;
use crate::codes;
use crate::encrypt::sealed::SealingKey;
use crate::model::issue::{self, Issue};
use crate::model::{ConfigRollout, SealedScope, SecretsMode};

/// The modes a tree render accepts, for the help texts.
const MODES: &str = "set `secrets_mode = \"sops\"` (with `sops.age` recipients), \
                     `\"sealed\"` (with `sealed.certificate`) or `\"external\"` (values \
                     `{ external = ... }` from a store) in the spec or in `[defaults]` of \
                     k8gen.toml";

pub(super) fn secrets(cx: &mut Cx<'_>) {
    let app = cx.app;
    let s = &app.secrets;
    // The first known (not external) value of each component: (path, component key).
    let known: Vec<String> = app
        .components
        .iter()
        .flat_map(|c| {
            let base = issue::key(&issue::component(&c.key), "secrets");
            c.secrets.keys().map(move |k| issue::key(&base, k))
        })
        .collect();
    match s.mode {
        None if s.tree => {
            for path in known {
                cx.push(
                    Issue::new(
                        codes::PLAIN_SECRET_IN_TREE,
                        path,
                        "this secret value would be written in plain (base64) into the rendered \
                         folder, i.e. into Git",
                    )
                    .with_help(format!(
                        "{MODES}; or render to stdout (`k8gen render SPEC | kubectl apply -f -`), \
                         which writes nothing"
                    )),
                );
            }
        }
        Some(SecretsMode::Plain) if s.tree && !s.allow_plain && !known.is_empty() => {
            cx.push(
                Issue::new(
                    codes::PLAIN_SECRETS_NOT_ALLOWED,
                    "secrets_mode",
                    "plain Secrets in a rendered folder need the platform's permission",
                )
                .with_help(
                    "add `[secrets] allow_plain = true` to k8gen.toml, or pass \
                     `--allow-plain-secrets`; better: `secrets_mode = \"sops\"`",
                ),
            );
        }
        Some(SecretsMode::External) => {
            for path in known {
                cx.push(
                    Issue::new(
                        codes::NOT_EXTERNAL,
                        path,
                        "`secrets_mode = \"external\"` takes every secret value from the store",
                    )
                    .with_help("write the value as `{ external = \"REMOTE-KEY\" }`"),
                );
            }
        }
        Some(SecretsMode::Sops) => {
            if s.sops_age.is_empty() {
                cx.push(
                    Issue::new(
                        codes::NO_RECIPIENTS,
                        "secrets_mode",
                        "`secrets_mode = \"sops\"` needs at least one age recipient",
                    )
                    .with_help(
                        "add `sops = { age = [\"age1...\"] }` (the public key from `age-keygen`) \
                         to the spec or to `[defaults]` of k8gen.toml",
                    ),
                );
            }
            for (i, r) in s.sops_age.iter().enumerate() {
                if !is_age_recipient(r) {
                    cx.push(
                        Issue::new(
                            codes::INVALID_RECIPIENT,
                            issue::index("sops.age", i),
                            format!("`{r}` is not an age recipient"),
                        )
                        .with_help(
                            "an age X25519 public key: `age1` and 58 more characters of \
                             `qpzry9x8gf2tvdw0s3jn54khce6mua7l`, as `age-keygen -y` prints it",
                        ),
                    );
                }
            }
        }
        Some(SecretsMode::Sealed) => sealed(cx),
        _ => {}
    }
}

/// `secrets_mode = "sealed"`: a certificate that holds an RSA key, and a scope the Secret's
/// name can be sealed for.
fn sealed(cx: &mut Cx<'_>) {
    let app = cx.app;
    let s = &app.secrets;
    match &s.sealed_certificate {
        None => cx.push(
            Issue::new(
                codes::NO_CERTIFICATE,
                "secrets_mode",
                "`secrets_mode = \"sealed\"` needs the sealed-secrets controller's certificate",
            )
            .with_help(
                "add `sealed = { certificate = \"FILE\" }` to the spec or to `[defaults]` (or \
                 `[environments.ENV.defaults]`) of k8gen.toml; `kubeseal --fetch-cert > FILE` \
                 writes it",
            ),
        ),
        Some(pem) => {
            if let Err(e) = SealingKey::from_pem(pem) {
                cx.push(
                    Issue::new(
                        codes::INVALID_CERTIFICATE,
                        "sealed.certificate",
                        format!("not a usable sealed-secrets certificate: {e}"),
                    )
                    .with_help(
                        "fetch the controller's certificate with `kubeseal --fetch-cert > FILE` \
                         (the public certificate, not the private key)",
                    ),
                );
            }
        }
    }
    let has_secrets = app.components.iter().any(|c| !c.secrets.is_empty());
    if s.sealed_scope != Some(SealedScope::ClusterWide) && app.namespace.is_none() && has_secrets {
        cx.push(
            Issue::new(
                codes::SEALED_WITHOUT_NAMESPACE,
                "secrets_mode",
                format!(
                    "a value sealed with scope `{}` is bound to its namespace, and the app has none",
                    s.sealed_scope.unwrap_or(SealedScope::Strict)
                ),
            )
            .with_help(
                "set `namespace = \"...\"` (the controller unseals only into that namespace), or \
                 `sealed.scope = \"cluster-wide\"`",
            ),
        );
    }
    if s.sealed_scope == Some(SealedScope::Strict)
        && app.config_rollout == Some(ConfigRollout::HashedNames)
        && has_secrets
    {
        cx.push(
            Issue::new(
                codes::STRICT_SCOPE_HASHED_NAMES,
                "sealed.scope",
                "a strictly sealed value is bound to its Secret's name, and with \
                 `config_rollout = \"hashed-names\"` that name is a hash of the sealed values",
            )
            .with_help(
                "set `sealed.scope = \"namespace-wide\"` (values bound to the namespace), or \
                 `config_rollout = \"checksum\"`",
            ),
        );
    }
}

/// An age X25519 recipient's shape (`age1` + 58 bech32 characters); its checksum is checked
/// when it is used.
pub fn is_age_recipient(r: &str) -> bool {
    const BECH32: &str = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
    r.len() == 62 && r.starts_with("age1") && r[4..].chars().all(|ch| BECH32.contains(ch))
}
