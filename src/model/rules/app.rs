//! Rules about the app as a whole: its name, namespace, labels, and what its components share.

use super::Cx;
use crate::codes;
use crate::model::rules;

pub(super) fn app(cx: &mut Cx<'_>) {
    let app = cx.app;
    cx.value(
        "name",
        &app.name,
        rules::dns1035_label,
        codes::INVALID_NAME,
        "app name",
    );
    if let Some(ns) = &app.namespace {
        cx.value(
            "namespace",
            ns,
            rules::dns1123_label,
            codes::INVALID_NAME,
            "namespace",
        );
    }
}

/// `allow` lists name lint rules (by name or code); a typo fails `render` as well as `check`.
pub(super) fn allow_lists(cx: &mut Cx<'_>) {
    let app = cx.app;
    let lists = std::iter::once(("allow".to_string(), &app.allow)).chain(
        app.components
            .iter()
            .map(|c| (crate::model::issue::key(&super::at(c), "allow"), &c.allow)),
    );
    for (base, list) in lists {
        for (i, name) in list.iter().enumerate() {
            let rules = crate::codes::lints::RULES;
            if rules.iter().any(|r| r.code == name || r.name == name) {
                continue;
            }
            let names: Vec<&str> = rules.iter().map(|r| r.name).collect();
            cx.push(
                crate::model::Issue::new(
                    codes::UNKNOWN_RULE,
                    crate::model::issue::index(&base, i),
                    format!("there is no lint rule `{}`", crate::diag::clip(name)),
                )
                .with_help(super::suggest_help(name, &names, || {
                    "`k8gen check --list` shows the rules".to_string()
                })),
            );
        }
    }
}
