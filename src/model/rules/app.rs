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
