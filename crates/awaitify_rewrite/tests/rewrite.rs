//! Runs the markdown suites in `tests/mdtest/rewrite/`: before / after / diagnostics.
//!
//! A test's `py` blocks are the project (`main.py` unless named). For each file:
//! - an `after` block with the same name is the expected rewritten text;
//! - without one, the file must come back byte for byte.
//!
//! A `diagnostics` block lists every expected diagnostic, one per line, as
//! `path:line:column code`; without one, none may be reported. A line starting with `= `
//! under one is a note that diagnostic must have. A `toml` block named
//! `awaitify.toml` sets user rules, and is the file diagnostics about them point into
//! (`awaitify.toml:2:8 AW005`).
//!
//! Every test also checks that running the rewrite again on its output changes nothing,
//! and every rewritten file is compiled by CPython with top-level await allowed.

use std::path::Path;

use awaitify_db::{File, RootDatabase};
use awaitify_diagnostics::{Severity, line_column};
use awaitify_rewrite::{RuleSet, Settings, file_rewrite, project_diagnostics};
use awaitify_test::{TestCase, parse_markdown, repo_root, suites};

fn rules_of(case: &TestCase) -> RuleSet {
    match case
        .expectations("toml")
        .find(|block| block.path == "awaitify.toml")
    {
        Some(block) => {
            awaitify_rewrite::rules::parse(Path::new("awaitify.toml"), &block.text, false)
                .expect("valid test configuration")
        }
        None => RuleSet::default(),
    }
}

/// A diagnostic as `path:line:column CODE`, with its primary label's message and its
/// notes.
type LocatedDiagnostic = (String, String, Vec<String>);

/// The changed files (path, new text), and every diagnostic.
fn rewrite_all(
    db: &RootDatabase,
    files: &[(String, File)],
    rules: &RuleSet,
    config: Option<File>,
) -> (Vec<(String, String)>, Vec<LocatedDiagnostic>) {
    let settings = Settings::builder(rules.clone()).config(config).new(db);
    let mut changed = Vec::new();
    for (path, file) in files {
        if let Some(output) = &file_rewrite(db, *file, settings).output {
            changed.push((path.clone(), output.clone()));
        }
    }
    let diagnostics = project_diagnostics(db, settings)
        .into_iter()
        .filter(|diagnostic| diagnostic.severity > Severity::Info)
        .map(|diagnostic| {
            let location = diagnostic.primary.as_ref().map(|label| {
                let path = label.file.path(db);
                let relative = path.strip_prefix(awaitify_test::ROOT).unwrap_or(path);
                let (line, column) = line_column(label.file.text(db), label.range.start());
                format!("{}:{line}:{column}", relative.display())
            });
            let label = diagnostic
                .primary
                .as_ref()
                .map(|label| label.message.clone())
                .unwrap_or_default();
            (
                format!(
                    "{} {}",
                    location.unwrap_or_default(),
                    diagnostic.code.as_str()
                ),
                label,
                diagnostic.notes,
            )
        })
        .collect();
    (changed, diagnostics)
}

struct Outcome {
    failures: Vec<String>,
    compiled: Vec<(String, String)>,
}

fn check_case(case: &TestCase, outcome: &mut Outcome) {
    let rules = rules_of(case);
    let (mut db, files) = case.database();
    let config = case
        .expectations("toml")
        .find(|block| block.path == "awaitify.toml")
        .map(|block| {
            db.set_outside_file(
                Path::new(awaitify_test::ROOT).join("awaitify.toml"),
                block.text.clone(),
            )
        });
    let (changed, mut diagnostics) = rewrite_all(&db, &files, &rules, config);
    let fail = |message: String, outcome: &mut Outcome| {
        outcome
            .failures
            .push(format!("{} (line {}): {message}", case.name, case.line))
    };
    for (path, _) in &files {
        let expected = case
            .expectations("after")
            .find(|block| &block.path == path)
            .map(|block| block.text.as_str());
        let actual = changed
            .iter()
            .find(|(changed_path, _)| changed_path == path)
            .map(|(_, output)| output.as_str());
        match (expected, actual) {
            (Some(expected), Some(actual)) if expected == actual => {}
            (None, None) => {}
            (Some(expected), actual) => fail(
                format!(
                    "{path}: expected\n{expected}\ngot\n{}",
                    actual.unwrap_or("(unchanged)")
                ),
                outcome,
            ),
            (None, Some(actual)) => fail(
                format!("{path}: expected no change, got\n{actual}"),
                outcome,
            ),
        }
    }
    // Each expected line is `path:line:column CODE`, optionally followed by `: label`,
    // the primary label's message, when the case documents the wording too; the lines
    // under it that start with `= ` are notes it must have.
    let mut expected: Vec<(&str, Vec<&str>)> = Vec::new();
    for line in case
        .expectations("diagnostics")
        .flat_map(|block| block.text.lines().map(str::trim).collect::<Vec<_>>())
        .filter(|line| !line.is_empty())
    {
        match (line.strip_prefix("= "), expected.last_mut()) {
            (Some(note), Some((_, notes))) => notes.push(note),
            _ => expected.push((line, Vec::new())),
        }
    }
    let mut unmatched = diagnostics.clone();
    let mut missing = Vec::new();
    for (line, notes) in expected {
        let (location, label) = match line.split_once(": ") {
            Some((location, label)) => (location, Some(label)),
            None => (line, None),
        };
        let found = unmatched
            .iter()
            .position(|(actual, actual_label, actual_notes)| {
                actual == location
                    && label.is_none_or(|label| label == actual_label)
                    && notes
                        .iter()
                        .all(|note| actual_notes.iter().any(|actual| actual == note))
            });
        match found {
            Some(index) => {
                unmatched.remove(index);
            }
            None => missing.push(
                std::iter::once(line.to_string())
                    .chain(notes.iter().map(|note| format!("= {note}")))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
        }
    }
    if !missing.is_empty() || !unmatched.is_empty() {
        diagnostics.sort();
        let got: Vec<String> = diagnostics
            .iter()
            .map(|(location, label, notes)| {
                std::iter::once(format!("{location}: {label}"))
                    .chain(notes.iter().map(|note| format!("= {note}")))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        fail(
            format!("diagnostics: expected but not found {missing:#?}, got {got:#?}"),
            outcome,
        );
    }
    // Idempotence: the output, rewritten again, is unchanged.
    if !changed.is_empty() {
        let mut again = RootDatabase::new(vec![awaitify_test::ROOT.into()]);
        let mut again_files = Vec::new();
        for (path, file) in &files {
            let text = changed
                .iter()
                .find(|(changed_path, _)| changed_path == path)
                .map(|(_, output)| output.clone())
                .unwrap_or_else(|| file.text(&db).to_string());
            again_files.push((
                path.clone(),
                again.set_file(Path::new(awaitify_test::ROOT).join(path), text),
            ));
        }
        let (second, _) = rewrite_all(&again, &again_files, &rules, None);
        for (path, output) in second {
            fail(
                format!("{path}: a second run changed the output again:\n{output}"),
                outcome,
            );
        }
    }
    for (path, output) in changed {
        outcome
            .compiled
            .push((format!("{} :: {path}", case.name), output));
    }
}

/// Compiles every rewritten file with CPython, top-level await allowed; returns errors.
fn compile_with_cpython(sources: &[(String, String)]) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut names = Vec::new();
    for (index, (name, source)) in sources.iter().enumerate() {
        let path = dir.path().join(format!("case{index}.py"));
        std::fs::write(&path, source).expect("write");
        names.push((path, name.clone()));
    }
    let script = "import ast, sys\nfor path in sys.argv[1:]:\n    try:\n        compile(open(path, encoding='utf-8').read(), path, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)\n    except SyntaxError as error:\n        print(path, error)\n";
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(names.iter().map(|(path, _)| path))
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout
        .lines()
        .map(|line| {
            let name = names
                .iter()
                .find(|(path, _)| line.starts_with(&path.display().to_string()))
                .map(|(_, name)| name.as_str())
                .unwrap_or("?");
            format!("{name}: {line}")
        })
        .collect()
}

#[test]
fn rewrite_suites() {
    let dir = repo_root().join("tests/mdtest/rewrite");
    let mut outcome = Outcome {
        failures: Vec::new(),
        compiled: Vec::new(),
    };
    let mut cases = 0;
    for (path, text) in suites(&dir) {
        for case in parse_markdown(&text) {
            cases += 1;
            let before = outcome.failures.len();
            check_case(&case, &mut outcome);
            let suite = path.file_name().unwrap().to_string_lossy().into_owned();
            for failure in &mut outcome.failures[before..] {
                *failure = format!("{suite}: {failure}");
            }
        }
    }
    let compile_errors = compile_with_cpython(&outcome.compiled);
    outcome.failures.extend(
        compile_errors
            .into_iter()
            .map(|error| format!("does not compile: {error}")),
    );
    assert!(
        cases >= 60,
        "expected at least 60 rewrite cases, found {cases}"
    );
    assert!(
        outcome.failures.is_empty(),
        "{} failures:\n\n{}",
        outcome.failures.len(),
        outcome.failures.join("\n\n")
    );
    eprintln!(
        "{cases} rewrite cases passed; {} rewritten files compile",
        outcome.compiled.len()
    );
}
