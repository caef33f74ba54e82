//! The committed JSON Schema is current, describes every key, accepts every example spec, and
//! never accepts what k8gen rejects... in the direction that matters for editors: whatever the
//! schema rejects, k8gen rejects too.

use std::collections::BTreeMap;

use crate::python::run_json;
use crate::support::*;

const SCHEMA: &str = "schema/k8gen.schema.json";

#[test]
fn committed_schema_is_current() {
    for file in k8gen::SchemaFile::ALL {
        let fresh = k8gen::json_schema_of(file);
        let name = format!("schema/{}", file.file_name());
        let path = root().join(&name);
        if update_expect() {
            std::fs::write(&path, &fresh).unwrap();
            continue;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_same(&name, &committed, &fresh);
        // `k8gen schema` prints the same.
        let kind = match file {
            k8gen::SchemaFile::Spec => "spec",
            k8gen::SchemaFile::Overlay => "overlay",
            k8gen::SchemaFile::Platform => "platform",
        };
        let printed = k8gen(&["schema", "--file", kind]).stdout;
        assert_eq!(String::from_utf8(printed).unwrap(), fresh, "{kind}");
    }
    assert_eq!(
        String::from_utf8(k8gen(&["schema"]).stdout).unwrap(),
        k8gen::json_schema()
    );
}

/// The example platform's files are valid under their schemas.
#[test]
fn the_platform_example_is_valid_under_its_schemas() {
    let dir = root().join("specs/platform");
    for (schema, file) in [
        (k8gen::SchemaFile::Spec, "storefront.toml"),
        (k8gen::SchemaFile::Overlay, "storefront.production.toml"),
        (k8gen::SchemaFile::Platform, "k8gen.toml"),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(
            text.lines().next(),
            Some(format!("#:schema ../../schema/{}", schema.file_name()).as_str())
        );
        let args = vec![
            root()
                .join("schema")
                .join(schema.file_name())
                .into_os_string(),
            dir.join(file).into_os_string(),
        ];
        let verdicts: BTreeMap<String, Option<String>> = run_json("schema_check.py", &args);
        for (file, error) in verdicts {
            assert!(error.is_none(), "{file}: {}", error.unwrap());
        }
    }
}

#[test]
fn every_key_has_a_description_and_an_example() {
    let schema: serde_json::Value = serde_json::from_str(&k8gen::json_schema()).unwrap();
    let mut missing = Vec::new();
    let mut objects = vec![("(root)".to_string(), &schema)];
    for (name, def) in schema["$defs"].as_object().unwrap() {
        objects.push((name.clone(), def));
    }
    for (owner, object) in objects {
        let Some(props) = object.get("properties").and_then(|p| p.as_object()) else {
            continue;
        };
        for (key, prop) in props {
            if prop.get("description").is_none() {
                missing.push(format!("{owner}.{key}: description"));
            }
            if prop.get("examples").is_none() {
                missing.push(format!("{owner}.{key}: examples"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "schema keys without docs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn every_spec_names_the_schema_on_its_first_line() {
    for spec in specs() {
        let text = std::fs::read_to_string(&spec).unwrap();
        assert_eq!(
            text.lines().next(),
            Some("#:schema ../schema/k8gen.schema.json"),
            "{spec:?}"
        );
    }
}

/// Runs the schema check on `files`: file → None (valid) or the error.
fn schema_verdicts(files: &[std::path::PathBuf]) -> BTreeMap<String, Option<String>> {
    let mut args = vec![root().join(SCHEMA).into_os_string()];
    args.extend(files.iter().map(|f| f.clone().into_os_string()));
    run_json("schema_check.py", &args)
}

#[test]
fn every_spec_is_valid_under_the_schema() {
    let verdicts = schema_verdicts(&specs());
    for (file, error) in verdicts {
        assert!(error.is_none(), "{file}: {}", error.unwrap());
    }
}

/// Edits that make a valid spec wrong in a way a schema can see.
const MUTATIONS: &[(&str, &str)] = &[
    ("unknown key", "replica = 3\n"),
    ("string for a number", "replicas = \"three\"\n"),
    ("port out of range", "port = 70000\n"),
    ("negative replicas", "replicas = -1\n"),
    ("unknown kind", "kind = \"Deploymnt\"\n"),
    ("bad pull policy", "image_pull_policy = \"always\"\n"),
    ("unknown probe key", "[probes]\nliveliness = \"GET /\"\n"),
    ("wrong service type", "[service]\ntype = \"Cluster\"\n"),
    ("bad secret source", "[secrets]\nX = { envv = \"X\" }\n"),
    ("array for a table", "resources = [1, 2]\n"),
    ("bool for a string", "namespace = true\n"),
    ("unknown app key", "ingres = { routes = [] }\n"),
];

#[test]
fn what_the_schema_rejects_k8gen_rejects() {
    let tmp = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    // Every mutation of a minimal valid spec...
    for (i, (_, edit)) in MUTATIONS.iter().enumerate() {
        let path = tmp.path().join(format!("m{i:02}.toml"));
        std::fs::write(
            &path,
            format!("name = \"shop\"\nimage = \"shop:v1\"\n{edit}"),
        )
        .unwrap();
        files.push(path);
    }
    // ...and every golden error case.
    for e in std::fs::read_dir(root().join("tests/errors")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            files.push(p);
        }
    }
    let verdicts = schema_verdicts(&files);
    let mut rejected_by_schema = 0;
    for file in &files {
        let verdict = &verdicts[file.to_str().unwrap()];
        if verdict.is_none() {
            continue;
        }
        rejected_by_schema += 1;
        let out = k8gen(&["render", file.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{file:?}: the schema rejects it ({verdict:?}) but k8gen did not"
        );
    }
    // Every mutation must be caught by the schema itself (that is what editors show).
    for (i, (what, _)) in MUTATIONS.iter().enumerate() {
        let key = tmp.path().join(format!("m{i:02}.toml"));
        assert!(
            verdicts[key.to_str().unwrap()].is_some(),
            "the schema misses: {what}"
        );
    }
    assert!(rejected_by_schema >= MUTATIONS.len());
}
