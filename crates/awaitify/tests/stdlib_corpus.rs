//! The machine's CPython standard library, transformed as one project by the real
//! binary with `--verify`: every rewrite verifies (erased, it equals its input modulo the
//! normal form, and every coroutine is awaited), every file written either is
//! byte-identical to its input or compiles under CPython with top-level await allowed,
//! and transforming the output again changes nothing.

use std::path::Path;
use std::process::Command;

use awaitify_test::{python_files, stdlib_dir};

/// Copies the stdlib's Python files (not site-packages) so the run cannot touch it.
fn copy_stdlib(to: &Path) -> usize {
    let root = stdlib_dir();
    let files = python_files(&root);
    let mut copied = 0;
    for file in files {
        let relative = file.strip_prefix(&root).unwrap();
        if relative.starts_with("site-packages") {
            continue;
        }
        let destination = to.join(relative);
        std::fs::create_dir_all(destination.parent().unwrap()).unwrap();
        std::fs::copy(&file, &destination).unwrap();
        copied += 1;
    }
    copied
}

/// Transforms `input` into `output` with `--verify`; returns the reported diagnostics.
fn transform(input: &Path, output: &Path) -> Vec<serde_json::Value> {
    let run = Command::new(env!("CARGO_BIN_EXE_awaitify"))
        .arg("transform")
        .arg(input)
        .arg("--out-dir")
        .arg(output)
        .arg("--verify")
        .arg("--output-format")
        .arg("json")
        .output()
        .expect("awaitify runs");
    // The stdlib holds files with deliberate syntax errors, so 1 is expected; a crash is not.
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "awaitify exited with {}",
        run.status
    );
    let diagnostics: serde_json::Value =
        serde_json::from_slice(&run.stderr).expect("diagnostics are one JSON array");
    diagnostics.as_array().cloned().unwrap_or_default()
}

#[test]
fn the_standard_library_round_trips() {
    let work = tempfile::tempdir().unwrap();
    let input = work.path().join("input");
    let first = work.path().join("first");
    let second = work.path().join("second");
    let copied = copy_stdlib(&input);
    assert!(copied > 1000);
    let diagnostics = transform(&input, &first);
    let unverified: Vec<String> = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic["code"] == "AW301")
        .map(|diagnostic| diagnostic["message"].to_string())
        .collect();
    assert!(
        unverified.is_empty(),
        "rewrites that do not verify:\n{}",
        unverified.join("\n")
    );
    transform(&first, &second);

    let written = python_files(&first);
    let mut rewritten = Vec::new();
    let mut identical = 0;
    for path in &written {
        let relative = path.strip_prefix(&first).unwrap();
        let before = std::fs::read(input.join(relative)).unwrap();
        let after = std::fs::read(path).unwrap();
        if before == after {
            identical += 1;
        } else {
            rewritten.push(path.clone());
        }
        let again = std::fs::read(second.join(relative))
            .unwrap_or_else(|_| panic!("{} was not written again", relative.display()));
        assert!(
            again == after,
            "a second run changed {}",
            relative.display()
        );
    }
    assert!(
        written.len() > 1000,
        "only {} files were written",
        written.len()
    );
    assert!(
        !rewritten.is_empty(),
        "the stdlib sleeps in places; something should be rewritten"
    );

    let script = "import ast, sys\nbad = 0\nfor path in sys.argv[1:]:\n    try:\n        compile(open(path, encoding='utf-8').read(), path, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)\n    except SyntaxError as error:\n        bad += 1\n        print(path, error)\nsys.exit(1 if bad else 0)\n";
    let output = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&rewritten)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "rewritten files that do not compile:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    eprintln!(
        "{} files written: {identical} byte-identical, {} rewritten and compiling",
        written.len(),
        rewritten.len()
    );
}
