//! The machine's CPython standard library as a corpus: every `.py` file is loaded as one
//! project, and every name it reads must be classified: resolved, ambiguous, or
//! unresolved with a reason. No panic, no name load without a use record.

use awaitify_db::RootDatabase;
use awaitify_hir::file_hir;
use awaitify_hir::hir::{Expr, ExprContext};
use awaitify_semantic::{Resolution, file_resolutions, semantic_index};
use awaitify_test::{python_files, stdlib_dir};

#[test]
fn every_name_use_in_the_standard_library_is_classified() {
    let root = stdlib_dir();
    let paths = python_files(&root);
    assert!(
        paths.len() > 1000,
        "found only {} files under {}",
        paths.len(),
        root.display()
    );
    let mut db = RootDatabase::new(vec![root.clone()]);
    let mut files = Vec::new();
    for path in &paths {
        if let Ok(text) = std::fs::read_to_string(path) {
            files.push(db.set_file(path.clone(), text));
        }
    }
    let (mut definite, mut ambiguous, mut unresolved) = (0usize, 0usize, 0usize);
    for file in &files {
        let hir = file_hir(&db, *file);
        let index = semantic_index(&db, *file);
        let resolutions = file_resolutions(&db, *file);
        for (body_id, body) in hir.bodies() {
            for (expr_id, expr) in body.exprs.iter() {
                if let Expr::Name {
                    ctx: ExprContext::Load,
                    id,
                } = expr
                {
                    if id.is_empty() {
                        continue; // Parser recovery placeholder.
                    }
                    let use_id = index.use_of(body_id, expr_id).unwrap_or_else(|| {
                        panic!(
                            "{}: the load of `{id}` has no use record",
                            file.path(&db).display()
                        )
                    });
                    match resolutions.of(use_id) {
                        Resolution::Definite(_) => definite += 1,
                        Resolution::Ambiguous(candidates) => {
                            assert!(candidates.len() >= 2);
                            ambiguous += 1
                        }
                        Resolution::Unresolved(reason) => {
                            assert!(!reason.to_string().is_empty());
                            unresolved += 1
                        }
                    }
                }
            }
        }
    }
    let total = definite + ambiguous + unresolved;
    eprintln!(
        "{} files, {total} name uses: {definite} resolved, {ambiguous} ambiguous, {unresolved} unresolved",
        files.len()
    );
    assert!(
        total > 500_000,
        "expected over half a million name uses, got {total}"
    );
    assert!(
        definite > total / 2,
        "most names in the stdlib resolve: {definite} of {total}"
    );
}
