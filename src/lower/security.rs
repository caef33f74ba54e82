//! Lowering the `[security]` table: which secure defaults a component relaxes. Whether the
//! combination makes sense (root with `run_as_non_root`, capability names) is a rule of the
//! engine.

use super::{Cx, codes};
use crate::diag::Diagnostic;
use crate::model::{self, issue};
use crate::syntax::{self, Sp};

pub(super) fn security(
    cx: &mut Cx<'_>,
    s: &Sp<syntax::SecuritySyntax>,
    base: &str,
) -> model::Security {
    cx.provenance.record(base, s.span());
    let mut out = match &s.hardened {
        Some(h) => {
            cx.provenance.record(issue::key(base, "hardened"), h.span());
            match h.value {
                true => model::Security::default(),
                false => model::Security::unhardened(),
            }
        }
        None => model::Security::default(),
    };
    let mut flag = |v: &Option<Sp<bool>>, name: &str, default: bool| match v {
        Some(b) => {
            cx.provenance.record(issue::key(base, name), b.span());
            b.value
        }
        None => default,
    };
    out.run_as_non_root = flag(&s.run_as_non_root, "run_as_non_root", out.run_as_non_root);
    out.read_only_root_filesystem = flag(
        &s.read_only_root_filesystem,
        "read_only_root_filesystem",
        out.read_only_root_filesystem,
    );
    out.writable_tmp = flag(&s.writable_tmp, "writable_tmp", out.writable_tmp);
    out.allow_privilege_escalation = flag(
        &s.allow_privilege_escalation,
        "allow_privilege_escalation",
        out.allow_privilege_escalation,
    );
    if let Some(b) = &s.service_account_token {
        cx.provenance
            .record(issue::key(base, "service_account_token"), b.span());
        out.service_account_token = Some(b.value);
    }
    if let Some(user) = &s.run_as_user {
        cx.provenance
            .record(issue::key(base, "run_as_user"), user.span());
        match user.value {
            syntax::RunAsUser::Id(id) => out.run_as_user = Some(id),
            syntax::RunAsUser::Image(false) => out.run_as_user = None,
            syntax::RunAsUser::Image(true) => cx.push(
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
        for (i, cap) in caps.iter().enumerate() {
            cx.provenance.record(
                issue::index(&issue::key(base, "capabilities"), i),
                cap.span(),
            );
        }
        out.capabilities = caps
            .iter()
            .map(|c| c.value.trim_start_matches("CAP_").to_string())
            .collect();
    }
    if let Some(p) = &s.seccomp {
        cx.provenance.record(issue::key(base, "seccomp"), p.span());
        out.seccomp = p.value;
    }
    out
}
