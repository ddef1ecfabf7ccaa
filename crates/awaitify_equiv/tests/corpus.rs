//! The machine's CPython standard library as a corpus: for every file that parses, the
//! printed normal form must parse too and be equivalent to the file (normalizing a normal
//! form changes nothing), and printing it again must give the same text.

use awaitify_db::RootDatabase;
use awaitify_equiv::{Equivalence, files_equivalent, print_normalized_file};
use awaitify_test::{python_files, stdlib_dir};

#[test]
fn every_normal_form_of_the_standard_library_is_a_fixpoint() {
    let paths = python_files(&stdlib_dir());
    assert!(paths.len() > 1000, "found only {} files", paths.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if ruff_python_parser::parse_module(&text).is_err() {
            continue; // Test data with deliberate syntax errors.
        }
        checked += 1;
        let mut db = RootDatabase::new(vec!["/src".into()]);
        let file = db.set_file("/src/original.py", text);
        let printed = print_normalized_file(&db, file);
        if let Err(error) = ruff_python_parser::parse_module(&printed) {
            failures.push(format!(
                "{}: the normal form does not parse: {error}",
                path.display()
            ));
            continue;
        }
        let normal = db.set_file("/src/normal.py", printed.clone());
        if let Equivalence::Different(difference) = files_equivalent(&db, file, normal) {
            failures.push(format!(
                "{}: the normal form is not a fixpoint: {}",
                path.display(),
                difference.reason
            ));
            continue;
        }
        if print_normalized_file(&db, normal) != printed {
            failures.push(format!(
                "{}: printing again changes the text",
                path.display()
            ));
        }
    }
    assert!(checked > 1000, "checked only {checked} files");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
