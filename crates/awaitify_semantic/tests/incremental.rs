//! Incrementality: editing inside one function body re-runs the queries of that file
//! only; every other file's lowering and resolution is reused (validated, not executed).

use awaitify_db::{File, RootDatabase};
use awaitify_semantic::{file_resolutions, module_symbols};
use salsa::plumbing::AsId;

const A_BEFORE: &str =
    "import time\n\ndef slow():\n    time.sleep(1)\n\ndef other():\n    return 1\n";
const A_AFTER: &str =
    "import time\n\ndef slow():\n    x = 2\n    time.sleep(x)\n\ndef other():\n    return 1\n";
const B: &str = "from a import slow\nimport a\n\ndef main():\n    slow()\n    a.other()\n";
const C: &str = "from b import main\nmain()\n";

fn resolve_all(db: &RootDatabase, files: &[File]) {
    for file in files {
        file_resolutions(db, *file);
    }
}

/// The executed queries that concern `file`, by query name.
fn executed_for(log: &[String], file: File) -> Vec<String> {
    let id = format!("({:?})", file.as_id());
    log.iter()
        .filter(|entry| entry.ends_with(&id))
        .cloned()
        .collect()
}

#[test]
fn editing_a_function_body_reruns_only_that_file() {
    let mut db = RootDatabase::new(vec!["/p".into()]);
    let a = db.set_file("/p/a.py", A_BEFORE);
    let b = db.set_file("/p/b.py", B);
    let c = db.set_file("/p/c.py", C);
    let files = [a, b, c];
    resolve_all(&db, &files);
    db.start_logging_executions();
    db.set_file("/p/a.py", A_AFTER);
    resolve_all(&db, &files);
    let log = db.take_executions();
    let for_a = executed_for(&log, a);
    assert!(
        for_a
            .iter()
            .any(|entry| entry.starts_with("semantic_index")),
        "the edited file is re-indexed: {log:#?}"
    );
    assert!(
        for_a
            .iter()
            .any(|entry| entry.starts_with("module_symbols")),
        "its summary is recomputed (and found equal): {log:#?}"
    );
    for other in [b, c] {
        let executed = executed_for(&log, other);
        assert!(
            executed.is_empty(),
            "{} re-ran {executed:?}; whole log: {log:#?}",
            other.path(&db).display()
        );
    }
}

#[test]
fn changing_what_a_module_exports_reruns_its_importers() {
    let mut db = RootDatabase::new(vec!["/p".into()]);
    let a = db.set_file("/p/a.py", A_BEFORE);
    let b = db.set_file("/p/b.py", B);
    resolve_all(&db, &[a, b]);
    db.start_logging_executions();
    db.set_file("/p/a.py", "import time\nslow = time.sleep\n");
    resolve_all(&db, &[a, b]);
    let log = db.take_executions();
    assert!(
        executed_for(&log, b)
            .iter()
            .any(|entry| entry.starts_with("file_resolutions")),
        "b imports `slow`, whose binding changed: {log:#?}"
    );
    let _ = module_symbols(&db, a);
}

/// A file removed from the project and then set again (`git stash` and `stash pop`, a
/// file moved away and back) is analysed again: its importers resolve into it as before,
/// and its own later edits are seen.
#[test]
fn a_removed_file_that_is_set_again_is_resolved_again() {
    let mut db = RootDatabase::new(vec!["/p".into()]);
    let a = db.set_file("/p/a.py", A_BEFORE);
    let b = db.set_file("/p/b.py", B);
    // What the call `slow()` in `b.main` resolves to.
    let slow_call = |db: &RootDatabase| {
        let dump = awaitify_semantic::dump::dump_file(db, b);
        dump.lines()
            .find(|line| line.trim_start().starts_with("5:5 slow"))
            .unwrap_or_else(|| panic!("no use of `slow` at 5:5 in\n{dump}"))
            .trim()
            .to_string()
    };
    assert_eq!(slow_call(&db), "5:5 slow <- [0] => def a.slow");

    db.remove_file(std::path::Path::new("/p/a.py"));
    assert_eq!(awaitify_semantic::resolve_module(&db, "a"), None);
    // `a` is no longer a project module, so `slow` is an outside module's attribute.
    assert_eq!(slow_call(&db), "5:5 slow <- [0] => a.slow");

    let again = db.set_file("/p/a.py", A_BEFORE);
    assert_eq!(again, a, "the same input comes back");
    assert_eq!(awaitify_semantic::resolve_module(&db, "a"), Some(a));
    assert_eq!(slow_call(&db), "5:5 slow <- [0] => def a.slow");

    db.set_file("/p/a.py", "import time\nslow = time.sleep\n");
    assert_eq!(
        slow_call(&db),
        "5:5 slow <- [0] => time.sleep",
        "an edit after the return is seen"
    );
}
