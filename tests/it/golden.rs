//! `out/<spec>/` holds the committed render of `specs/<spec>.toml`; it must match a fresh one.

use crate::support::*;

#[test]
fn out_matches_a_fresh_render_of_every_spec() {
    let tmp = tempfile::tempdir().unwrap();
    for spec in specs() {
        let stem = spec.file_stem().unwrap().to_str().unwrap().to_string();
        let spec_arg = format!("specs/{stem}.toml");
        let expected_dir = root().join("out").join(&stem);
        if update_expect() {
            let out = render_into(&[&spec_arg], &expected_dir);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            continue;
        }
        let fresh = tmp.path().join(&stem);
        let out = render_into(&[&spec_arg], &fresh);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = read_tree(&expected_dir);
        let actual = read_tree(&fresh);
        let names = |m: &std::collections::BTreeMap<String, String>| {
            m.keys().cloned().collect::<Vec<_>>().join("\n")
        };
        assert_same(
            &format!("file list of out/{stem}"),
            &names(&expected),
            &names(&actual),
        );
        for (name, content) in &expected {
            assert_same(&format!("out/{stem}/{name}"), content, &actual[name]);
        }
    }
}

#[test]
fn stdout_stream_is_the_files_in_order_and_byte_identical_across_runs() {
    for spec in specs() {
        let arg = format!("specs/{}", spec.file_name().unwrap().to_str().unwrap());
        let a = k8gen(&["render", &arg]);
        let b = k8gen(&["render", &arg]);
        assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
        assert_eq!(a.stdout, b.stdout, "two renders of {arg} differ");
        let objects = render(&spec);
        let text = String::from_utf8(a.stdout).unwrap();
        assert_eq!(text.matches("\n---\n").count() + 1, objects.len());
        assert_eq!(text, k8gen::emit::stream(&objects));
    }
}

#[test]
fn a_folder_of_specs_renders_one_subfolder_per_spec() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let out = render_into(&["specs/"], &out_dir);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for spec in specs() {
        let stem = spec.file_stem().unwrap().to_str().unwrap();
        assert_eq!(
            read_tree(&out_dir.join(stem)),
            read_tree(&root().join("out").join(stem)),
            "{stem}"
        );
    }
    // The specs of specs/, and specs/platform/storefront.toml (its overlay file and the
    // platform file k8gen.toml are not specs).
    let folders = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().file_type().unwrap().is_dir())
        .count();
    assert_eq!(folders, specs().len() + 1);
    assert!(out_dir.join("storefront").is_dir());
}
