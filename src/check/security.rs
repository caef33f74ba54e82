//! The `[security]` table: relaxing the secure defaults one by one.

use super::component::one_of;
use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self};
use crate::spec::{self, Sp};

pub(super) fn security(cx: &mut Cx<'_>, s: &Sp<spec::SecuritySyntax>) -> model::Security {
    let mut out = model::Security::default();
    let flag = |v: &Option<Sp<bool>>, default: bool| v.as_ref().map_or(default, |b| b.value);
    out.run_as_non_root = flag(&s.run_as_non_root, out.run_as_non_root);
    out.read_only_root_filesystem =
        flag(&s.read_only_root_filesystem, out.read_only_root_filesystem);
    out.writable_tmp = flag(&s.writable_tmp, out.writable_tmp);
    out.allow_privilege_escalation = flag(
        &s.allow_privilege_escalation,
        out.allow_privilege_escalation,
    );
    out.service_account_token = s.service_account_token.as_ref().map(|b| b.value);
    if let Some(user) = &s.run_as_user {
        match user.value {
            spec::RunAsUser::Id(id) => {
                out.run_as_user = cx
                    .int_in(
                        &Sp::new(user.span(), id),
                        0..=i32::MAX as i64,
                        "run_as_user",
                    )
                    .map(i64::from);
                if id == 0 && out.run_as_non_root {
                    cx.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            user.span(),
                            "run_as_user = 0 is root, but run_as_non_root is on",
                        )
                        .with_help("pick a non-zero user id, or set `run_as_non_root = false`"),
                    );
                }
            }
            spec::RunAsUser::Image(false) => out.run_as_user = None,
            spec::RunAsUser::Image(true) => cx.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    user.span(),
                    "run_as_user takes a user id or `false`",
                )
                .with_help("the default is user 10001; `false` keeps the image's user"),
            ),
        }
    }
    if let Some(caps) = &s.capabilities {
        for cap in caps {
            let ok = !cap.value.is_empty()
                && cap
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_' || b.is_ascii_digit());
            if !ok {
                cx.push(Diagnostic::error(
                    codes::INVALID_VALUE,
                    cap.span(),
                    format!(
                        "`{}` is not a capability name like `NET_BIND_SERVICE`",
                        cap.value
                    ),
                ));
            }
        }
        out.capabilities = caps
            .iter()
            .map(|c| c.value.trim_start_matches("CAP_").to_string())
            .collect();
    }
    if let Some(p) = &s.seccomp
        && let Some(v) = one_of(cx, p, &["RuntimeDefault", "Unconfined"], "seccomp profile")
    {
        out.seccomp = v;
    }
    out
}
