//! A passthrough object as written (`[[objects]]`): any TOML table, read as a tree in which
//! every key and value keeps its span, so that a finding about `objects[0].metadata.name`
//! points at that key's value. Keys stay in the order written. It judges nothing (the engine
//! checks `apiVersion`, `kind` and `metadata`); it only reads.

use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use super::Sp;

/// The key under which the `toml` crate hands a datetime to serde.
const TOML_DATETIME: &str = "$__toml_private_datetime";

/// A TOML value with the span of every part of it.
#[derive(Debug, Clone, PartialEq)]
pub enum RawValue {
    /// Entries in the order written.
    Table(Vec<(Sp<String>, Sp<RawValue>)>),
    Array(Vec<Sp<RawValue>>),
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
}

impl RawValue {
    /// The value as JSON (a TOML datetime as its text).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            RawValue::Table(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.to_json()))
                    .collect(),
            ),
            RawValue::Array(items) => {
                Value::Array(items.iter().map(|i| i.value.to_json()).collect())
            }
            RawValue::String(s) => Value::String(s.clone()),
            RawValue::Integer(i) => Value::from(*i),
            RawValue::Float(f) => {
                serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number)
            }
            RawValue::Bool(b) => Value::Bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawValue, E> {
        Ok(RawValue::Integer(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawValue, E> {
        i64::try_from(v)
            .map(RawValue::Integer)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawValue, E> {
        Ok(RawValue::Float(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<RawValue, E> {
        Ok(RawValue::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Sp<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Sp<String>>()? {
            if key.value == TOML_DATETIME {
                // A datetime (`2024-01-01T00:00:00Z`): Kubernetes reads it as a string.
                let text: String = map.next_value()?;
                return Ok(RawValue::String(text));
            }
            let value = map.next_value::<Sp<RawValue>>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Table(entries))
    }
}

/// One `[[objects]]` entry: a whole Kubernetes object, k8gen writes it as it is.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectSyntax(pub RawValue);

impl<'de> Deserialize<'de> for ObjectSyntax {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match RawValue::deserialize(d)? {
            table @ RawValue::Table(_) => Ok(ObjectSyntax(table)),
            _ => Err(de::Error::invalid_type(
                de::Unexpected::Other("a value that is no table"),
                &"a table (a whole Kubernetes object)",
            )),
        }
    }
}

impl JsonSchema for ObjectSyntax {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "PassthroughObject".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A whole Kubernetes object k8gen writes as it is (no labels added; a namespaced built-in kind without `metadata.namespace` gets the app's namespace).",
            "type": "object",
            "required": ["kind", "metadata"],
            "properties": {
                "apiVersion": {
                    "type": "string",
                    "description": "`GROUP/VERSION`, or `v1` for the core group.",
                    "examples": ["monitoring.coreos.com/v1"]
                },
                "kind": {
                    "type": "string",
                    "description": "The object's kind (CamelCase).",
                    "examples": ["ServiceMonitor"]
                },
                "metadata": {
                    "type": "object",
                    "description": "`name` (required), `namespace` (default: the app's, for a kind known to be namespaced), `labels`, `annotations`, ...",
                    "examples": [{ "name": "shop-api", "labels": { "release": "prom" } }],
                    "required": ["name"],
                    "properties": {
                        "name": { "type": "string" },
                        "namespace": { "type": "string" },
                        "labels": { "type": "object", "additionalProperties": { "type": "string" } },
                        "annotations": { "type": "object", "additionalProperties": { "type": "string" } }
                    }
                }
            },
            "examples": [{
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": { "name": "shop-api" },
                "spec": { "selector": { "matchLabels": { "app": "api" } }, "endpoints": [{ "port": "http" }] }
            }]
        })
    }
}
