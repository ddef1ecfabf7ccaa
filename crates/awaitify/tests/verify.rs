//! Translation validation over the rewrite suites: every case of
//! `tests/mdtest/rewrite/` verifies, and the same rewrites, deliberately corrupted
//! (an `await` dropped, two statements swapped), are reported.

use std::path::Path;

use awaitify::verify::{Corruption, Verdict, corrupt, verify_project};
use awaitify_db::File;
use awaitify_rewrite::{RuleSet, Settings, file_rewrite};
use awaitify_test::{TestCase, parse_markdown, repo_root, suites};

fn rules_of(case: &TestCase) -> RuleSet {
    match case
        .expectations("toml")
        .find(|block| block.path == "awaitify.toml")
    {
        Some(block) => {
            awaitify_rewrite::rules::parse(Path::new("awaitify.toml"), &block.text, false).unwrap()
        }
        None => RuleSet::default(),
    }
}

/// Rewrites one case, optionally corrupts the outputs, and verifies them: the number of
/// changed files and of files that failed verification.
fn verify_case(case: &TestCase, corruption: Option<Corruption>) -> (usize, usize, Vec<String>) {
    let rules = rules_of(case);
    let (db, files) = case.database();
    let settings = Settings::new(&db, rules.clone());
    let outputs: Vec<(File, String)> = files
        .iter()
        .filter_map(|(_, file)| {
            let output = file_rewrite(&db, *file, settings).output.clone()?;
            let output = match corruption {
                Some(corruption) => corrupt(file.text(&db), &output, corruption),
                None => output,
            };
            Some((*file, output))
        })
        .collect();
    let verdicts = verify_project(&db, Path::new(awaitify_test::ROOT), &outputs, &rules);
    let failures: Vec<String> = verdicts
        .iter()
        .filter_map(|(file, verdict)| match verdict {
            Verdict::Verified => None,
            Verdict::Failed(diagnostic) => Some(format!(
                "{}: {}",
                file.path(&db).display(),
                diagnostic.message
            )),
        })
        .collect();
    (outputs.len(), failures.len(), failures)
}

fn cases() -> Vec<TestCase> {
    suites(&repo_root().join("tests/mdtest/rewrite"))
        .into_iter()
        .flat_map(|(_, text)| parse_markdown(&text))
        .collect()
}

#[test]
fn every_rewrite_of_the_suites_verifies() {
    let mut verified = 0;
    let mut problems = Vec::new();
    for case in cases() {
        let (changed, failed, failures) = verify_case(&case, None);
        verified += changed - failed;
        problems.extend(
            failures
                .into_iter()
                .map(|failure| format!("{}: {failure}", case.name)),
        );
    }
    assert!(
        problems.is_empty(),
        "rewrites that do not verify:\n{}",
        problems.join("\n")
    );
    assert!(
        verified >= 60,
        "only {verified} rewritten files were verified"
    );
}

#[test]
fn corrupted_rewrites_are_reported() {
    // Each corruption applies where it can: every dropped `await`, the cases whose
    // rewritten function bodies hold two adjacent simple statements, and every list
    // comprehension made of a generator expression, left one.
    for (corruption, at_least) in [
        (Corruption::DropAwait, 50),
        (Corruption::SwapStatements, 5),
        (Corruption::KeepGenerator, 4),
        (Corruption::DropAsyncFor, 4),
    ] {
        let mut corrupted = 0;
        let mut caught = 0;
        let mut missed = Vec::new();
        for case in cases() {
            let (db, files) = case.database();
            let settings = Settings::new(&db, rules_of(&case));
            // Only cases whose corruption changes something count.
            let changes: usize = files
                .iter()
                .filter_map(|(_, file)| {
                    file_rewrite(&db, *file, settings)
                        .output
                        .clone()
                        .map(|output| (file, output))
                })
                .filter(|(file, output)| corrupt(file.text(&db), output, corruption) != *output)
                .count();
            if changes == 0 {
                continue;
            }
            corrupted += 1;
            let (_, failed, _) = verify_case(&case, Some(corruption));
            if failed > 0 {
                caught += 1;
            } else {
                missed.push(case.name.clone());
            }
        }
        assert!(
            corrupted >= at_least,
            "{corruption:?}: only {corrupted} cases could be corrupted"
        );
        assert!(
            missed.is_empty(),
            "{corruption:?}: {caught} of {corrupted} caught; missed:\n{}",
            missed.join("\n")
        );
    }
}
