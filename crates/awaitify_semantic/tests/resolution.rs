//! Runs the markdown suites in `tests/mdtest/resolution/`.
//!
//! Assertions are comments at the end of a line of a `py` block:
//! - `# name: expected` — the first use of `name` on this line resolves to `expected`, as
//!   `awaitify hir` prints it (`time.sleep`, `main.f`, `ambiguous [a, b]`,
//!   `unresolved (it is a parameter)`, `<builtin>.print`).
//! - `# name@: 3, 7` — the bindings reaching that use are on lines 3 and 7; `unbound`,
//!   `builtin` or `star` is added when no binding may reach on some path.
//!
//! Several assertions on one line are separated by `;`.

use awaitify_db::File;
use awaitify_hir::file_source_map;
use awaitify_semantic::dump::{binding_range, describe_resolution};
use awaitify_semantic::index::Fallback;
use awaitify_semantic::{file_resolutions, semantic_index};
use awaitify_test::{TestCase, parse_markdown, repo_root, suites};

fn check_case(case: &TestCase, failures: &mut Vec<String>) -> usize {
    let (db, files) = case.database();
    let mut checked = 0;
    for (path, file) in &files {
        let file: File = *file;
        let text = file.text(&db).to_string();
        let index = semantic_index(&db, file);
        let resolutions = file_resolutions(&db, file);
        let map = file_source_map(&db, file);
        let hir = awaitify_hir::file_hir(&db, file);
        let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
        for (line_index, line) in text.lines().enumerate() {
            let line_number = line_index + 1;
            let Some(comment_start) = line.find("# ") else {
                continue;
            };
            let comment = &line[comment_start + 2..];
            for assertion in comment.split(';') {
                let Some((lhs, expected)) = assertion.split_once(':') else {
                    continue;
                };
                let lhs = lhs.trim();
                let expected = expected.trim();
                let (name, wants_reaching) = match lhs.strip_suffix('@') {
                    Some(name) => (name, true),
                    None => (lhs, false),
                };
                if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_alphanumeric()) {
                    continue;
                }
                let found = index
                    .uses
                    .iter()
                    .filter(|(id, _)| index.use_name(hir, *id) == name)
                    .map(|(id, data)| {
                        (usize::from(map.body(data.body).expr(data.expr).start()), id)
                    })
                    .filter(|(start, _)| line_of(*start) == line_number)
                    .min_by_key(|(start, _)| *start);
                let Some((_, use_id)) = found else {
                    failures.push(format!(
                        "{} ({path}:{line_number}): no use of `{name}` on this line",
                        case.name
                    ));
                    continue;
                };
                checked += 1;
                let actual = if wants_reaching {
                    let data = &index.uses[use_id];
                    let mut lines: Vec<usize> = index
                        .reaching(use_id)
                        .iter()
                        .map(|binding| {
                            line_of(usize::from(
                                binding_range(&db, file, index, *binding).start(),
                            ))
                        })
                        .collect();
                    lines.sort_unstable();
                    let mut parts: Vec<String> = lines.iter().map(ToString::to_string).collect();
                    match data.fallback {
                        Fallback::None => {}
                        Fallback::Builtin => parts.push("builtin".into()),
                        Fallback::Unbound => parts.push("unbound".into()),
                        Fallback::OpaqueStar(_) => parts.push("star".into()),
                    }
                    parts.join(", ")
                } else {
                    describe_resolution(&db, resolutions.of(use_id))
                };
                if actual != expected {
                    failures.push(format!(
                        "{} ({path}:{line_number}): `{lhs}` expected `{expected}`, got `{actual}`",
                        case.name
                    ));
                }
            }
        }
    }
    checked
}

#[test]
fn resolution_suites() {
    let dir = repo_root().join("tests/mdtest/resolution");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut cases = 0;
    for (path, text) in suites(&dir) {
        for case in parse_markdown(&text) {
            cases += 1;
            let before = failures.len();
            checked += check_case(&case, &mut failures);
            let suite = path.file_name().unwrap().to_string_lossy().into_owned();
            for failure in &mut failures[before..] {
                *failure = format!("{suite}: {failure}");
            }
        }
    }
    assert!(
        cases >= 40,
        "expected at least 40 resolution cases, found {cases}"
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} assertions failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{checked} resolution assertions in {cases} cases passed");
}
