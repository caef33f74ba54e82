//! Stage 1, spec: TOML text → [`SpecFile`], the spec as written, every value with its byte span.
//!
//! This stage knows TOML and serde; it checks only shape (known keys, value types) and does not
//! apply defaults or judge values (that is `check`). It reports every shape error it can find:
//! after an error it drops the offending entry from the parsed tree and deserializes again, so
//! one run lists all unknown keys and wrong types, not just the first.

mod layers;
mod parse;
mod raw;
mod schema;
mod types;

pub use layers::{Layers, declared_environments, platform_file, platform_gitops};
pub use parse::{Spec, override_line, parse_files};
pub use raw::{ObjectSyntax, RawValue};
pub use schema::{SchemaFile, json_schema, json_schema_of};
pub use types::*;

use std::ops::Range;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer};

/// A value with the byte span it came from in the spec source.
///
/// Equality, ordering and hashing look at the value only, so `Sp<String>` works as a map key.
#[derive(Debug, Clone)]
pub struct Sp<T> {
    pub span: Range<usize>,
    pub value: T,
}

impl<T> Sp<T> {
    pub fn new(span: Range<usize>, value: T) -> Self {
        Sp { span, value }
    }

    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }
}

impl<T> std::ops::Deref for Sp<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: PartialEq> PartialEq for Sp<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Sp<T> {}
impl<T: PartialOrd> PartialOrd for Sp<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}
impl<T: Ord> Ord for Sp<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Sp<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = toml::Spanned::<T>::deserialize(d)?;
        Ok(Sp {
            span: s.span(),
            value: s.into_inner(),
        })
    }
}

/// The schema of a spanned value is the schema of the value: spans are invisible in TOML.
impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
