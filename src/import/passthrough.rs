//! `--keep-unknown`: the objects no spec key takes, written into the spec as passthrough
//! objects (`[[objects]]`) exactly as read (cleaned of server-filled fields), so the round-trip
//! law holds for them too. Which objects can be kept (never a Secret holding values: they stay
//! out of the spec), and their TOML text: a table per object, sub-tables as sections
//! (`[objects.spec]`), lists of tables as `[[objects.spec.rules]]`, short tables inline.

use serde_json::{Map, Value};

use super::spec::{tkey, toml_value};

/// Why `object` cannot be kept as a passthrough object, if it cannot.
pub fn not_keepable(object: &Value) -> Option<&'static str> {
    let text = |p: &str| object.pointer(p).and_then(Value::as_str);
    if text("/apiVersion").is_none() || text("/kind").is_none() || text("/metadata/name").is_none()
    {
        return Some("no apiVersion, kind or metadata.name: not an object k8gen can write");
    }
    let holds_values = ["/data", "/stringData"].iter().any(|p| {
        object
            .pointer(p)
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    });
    if text("/kind") == Some("Secret") && text("/apiVersion") == Some("v1") && holds_values {
        return Some(
            "a Secret holding values is not kept (values stay out of the spec); manage it apart",
        );
    }
    None
}

/// The `[[objects]]` entries of `objects`, each after a blank line.
pub fn objects_text(objects: &[Value]) -> String {
    let mut out = String::new();
    for o in objects {
        out.push_str("\n[[objects]]\n");
        if let Value::Object(map) = o {
            table(&mut out, "objects", map);
        }
    }
    out
}

/// The inline form of `value` is used when it is this short or shorter.
const INLINE: usize = 72;

fn is_table_list(v: &Value) -> bool {
    matches!(v, Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object))
}

/// The entries of a table whose header (`[path]` or `[[path]]`) is written: plain values and
/// short tables inline first, then sub-tables and lists of tables as sections of their own.
fn table(out: &mut String, path: &str, map: &Map<String, Value>) {
    let section = |v: &Value| match v {
        Value::Object(m) => !m.is_empty() && toml_value(v).len() > INLINE,
        _ => is_table_list(v) && toml_value(v).len() > INLINE,
    };
    for (k, v) in map.iter().filter(|(_, v)| !v.is_null() && !section(v)) {
        out.push_str(&format!("{} = {}\n", tkey(k), toml_value(v)));
    }
    for (k, v) in map.iter().filter(|(_, v)| !v.is_null() && section(v)) {
        let sub = format!("{path}.{}", tkey(k));
        match v {
            Value::Object(m) => {
                out.push_str(&format!("\n[{sub}]\n"));
                table(out, &sub, m);
            }
            Value::Array(items) => {
                for item in items {
                    out.push_str(&format!("\n[[{sub}]]\n"));
                    if let Value::Object(m) = item {
                        table(out, &sub, m);
                    }
                }
            }
            _ => {}
        }
    }
}
