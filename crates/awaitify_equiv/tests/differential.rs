//! Differential test: random functions (written by `differential.py`) must behave exactly
//! like their printed normal forms when CPython runs both: same result or exception, same
//! effects in the same order, same globals afterwards. This is what "no rule changes
//! meaning" promises, checked by execution rather than by reading the rules.
//!
//! Needs `python3`, as the standard-library corpus test does.

use std::path::Path;
use std::process::Command;

use awaitify_db::RootDatabase;
use awaitify_equiv::print_normalized_file;

fn python(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential.py");
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 is needed for the differential test");
    assert!(
        output.status.success(),
        "differential.py {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8 output")
}

#[test]
fn normal_forms_behave_like_their_sources() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for seed in [1, 2, 3] {
        let source = python(&["generate", &seed.to_string(), "150"]);
        let mut db = RootDatabase::new(vec!["/src".into()]);
        let file = db.set_file("/src/functions.py", source.clone());
        let normalized = print_normalized_file(&db, file);
        assert_ne!(source, normalized, "the normalizer changed nothing");
        let source_path = dir.path().join(format!("source{seed}.py"));
        let normalized_path = dir.path().join(format!("normalized{seed}.py"));
        std::fs::write(&source_path, &source).unwrap();
        std::fs::write(&normalized_path, &normalized).unwrap();
        let report = python(&[
            "compare",
            source_path.to_str().unwrap(),
            normalized_path.to_str().unwrap(),
        ]);
        assert!(
            report.trim_end().ends_with("mismatches: 0"),
            "seed {seed}:\n{report}"
        );
    }
}
