//! JSON Schemas of the record values Lede publishes, generated from the Rust
//! types. Copies are committed in `schemas/` (next to `asyncapi.yaml`) for
//! consumers; a test fails when they fall behind the types
//! (`LEDE_UPDATE_SCHEMAS=1 cargo test -p lede-core schema` rewrites them).

use schemars::{JsonSchema, Schema, schema_for};

use crate::{Article, DeadLetter, DecidedArticle, StoryEvent};

/// (file name, schema) of every published value, named after its
/// `lede-schema` header.
pub fn record_schemas() -> Vec<(String, Schema)> {
    fn named<T: JsonSchema>(header: &str) -> (String, Schema) {
        (format!("{}.json", header.replace('/', ".v")), schema_for!(T))
    }
    vec![
        named::<DecidedArticle>(Article::SCHEMA),
        named::<StoryEvent>(StoryEvent::SCHEMA),
        named::<DeadLetter>(DeadLetter::SCHEMA),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_schemas_are_current() {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas");
        let update = std::env::var_os("LEDE_UPDATE_SCHEMAS").is_some();
        for (name, schema) in record_schemas() {
            let generated = serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n";
            let path = directory.join(&name);
            if update {
                std::fs::write(&path, &generated)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                continue;
            }
            let committed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                committed == generated,
                "{} is out of date: run LEDE_UPDATE_SCHEMAS=1 cargo test -p lede-core schema",
                path.display()
            );
        }
    }
}
