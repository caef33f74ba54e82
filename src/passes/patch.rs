//! Applies the spec's patches: a JSON merge patch (RFC 7386), then JSON Patch `add`
//! operations at JSON pointers (`set`) and `remove` operations (`remove`), then reads the object back into its typed k8s-openapi struct,
//! so a patch that names a field the kind does not have, or gives a wrong type, is an error.

use crate::kube::Object;
use crate::model::Patch;

/// Why patch number `index` (in spec order) could not be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchError {
    pub index: usize,
    pub message: String,
    pub help: Option<String>,
}

/// Applies patch number `index`; the errors it makes, if any (then `objects` may hold the
/// other patches' results but not this one's).
pub fn apply_one(objects: &mut [Object], index: usize, p: &Patch) -> Vec<PatchError> {
    let mut errors = Vec::new();
    let error = |message: String| PatchError {
        index,
        message,
        help: None,
    };
    let Some(object) = objects
        .iter_mut()
        .find(|o| o.kind() == p.kind && o.name() == p.name)
    else {
        let mut same_kind: Vec<String> = objects
            .iter()
            .filter(|o| o.kind() == p.kind)
            .map(|o| o.name().to_string())
            .collect();
        same_kind.sort();
        let hint = if same_kind.is_empty() {
            "this app makes no object of that kind".to_string()
        } else {
            format!("its {} objects are {}", p.kind, same_kind.join(", "))
        };
        let candidates: Vec<&str> = same_kind.iter().map(String::as_str).collect();
        errors.push(PatchError {
            help: crate::suggest::did_you_mean(&p.name, &candidates)
                .map(|best| format!("did you mean `{}/{best}`?", p.kind)),
            ..error(format!(
                "there is no {}/{} to patch; {hint}",
                p.kind, p.name
            ))
        });
        return errors;
    };
    let mut json = object.to_json();
    if let Some(merge) = &p.merge {
        json_patch::merge(&mut json, merge);
    }
    if !p.set.is_empty() || !p.remove.is_empty() {
        let ops: Vec<serde_json::Value> = (p.set.iter())
            .map(|(path, value)| serde_json::json!({ "op": "add", "path": path, "value": value }))
            .chain(
                (p.remove.iter()).map(|path| serde_json::json!({ "op": "remove", "path": path })),
            )
            .collect();
        let parsed: Result<json_patch::Patch, _> =
            serde_json::from_value(serde_json::Value::Array(ops));
        match parsed
            .map_err(|e| e.to_string())
            .and_then(|ops| json_patch::patch(&mut json, &ops).map_err(|e| e.to_string()))
        {
            Ok(()) => {}
            Err(e) => {
                let verb = if p.remove.is_empty() {
                    "set"
                } else {
                    "set or remove"
                };
                errors.push(error(format!("cannot {verb}: {e}")));
                return errors;
            }
        }
    }
    // The object keeps its kind and name: a patch may not turn it into another object.
    for (field, expected) in [
        ("kind", object.kind().to_string()),
        ("apiVersion", object.api_version().to_string()),
    ] {
        if json.get(field).and_then(|v| v.as_str()) != Some(expected.as_str()) {
            errors.push(error(format!("a patch may not change `{field}`")));
        }
    }
    match object.from_json_like(json) {
        Ok(patched) if patched.name() == p.name => *object = patched,
        Ok(_) => errors.push(error("a patch may not change `metadata.name`".to_string())),
        Err(e) => errors.push(PatchError {
            help: Some(format!(
                "the patched object must still read as a {}; check field names and types",
                p.kind
            )),
            ..error(format!("the patched {} is not valid: {e}", p.kind))
        }),
    }
    errors
}
