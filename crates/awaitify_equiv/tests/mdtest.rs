//! Runs the markdown suites in `tests/mdtest/equiv/`.
//!
//! Each test has two files, `` `a.py`: `` and `` `b.py`: ``, and an `equiv` block with one
//! comparison per line, a function of `a.py` then one of `b.py` (qualified names such as
//! `Class.method` work; two file names compare the whole files):
//!
//! ```text
//! guarded_handler ternary_handler: equivalent
//! f f: different
//! f f: different at `x is None` and `x == None`
//! a.py b.py: equivalent
//! ```
//!
//! `different at` names the source text under the first difference's label in each file.
//! A `normal-form` block named `` `a.py`: `` holds the printed normal form of that file.
//! A `line-endings` block gives files line breaks that markdown cannot hold, one file per
//! line (`a.py: CRLF`, `b.py: CR`).
//!
//! Set `EQUIV_VERBOSE=1` to print every comparison's outcome and first difference.
//!
//! Every test also checks, for both files, that the printed normal form parses and is
//! itself equivalent to the file (normalizing is idempotent), and that every comparison
//! gives the same answer in both directions.

use awaitify_db::{File, RootDatabase};
use awaitify_equiv::{
    Difference, Equivalence, files_equivalent, functions_equivalent, print_normalized_file,
};
use awaitify_test::{TestCase, parse_markdown, repo_root, suites};

#[derive(Debug)]
enum Expected {
    Equivalent,
    Different { at: Option<(String, String)> },
}

struct Comparison {
    left: String,
    right: String,
    expected: Expected,
}

fn parse_line(line: &str) -> Result<Comparison, String> {
    let (names, verdict) = line
        .split_once(": ")
        .ok_or_else(|| format!("expected `left right: verdict`, got `{line}`"))?;
    let mut names = names.split_whitespace();
    let (Some(left), Some(right), None) = (names.next(), names.next(), names.next()) else {
        return Err(format!("expected two names before `:` in `{line}`"));
    };
    let verdict = verdict.trim();
    let expected = if verdict == "equivalent" {
        Expected::Equivalent
    } else if verdict == "different" {
        Expected::Different { at: None }
    } else if let Some(rest) = verdict.strip_prefix("different at `") {
        let (left_text, rest) = rest
            .split_once("` and `")
            .ok_or_else(|| format!("expected ``different at `x` and `y``` in `{line}`"))?;
        let right_text = rest
            .strip_suffix('`')
            .ok_or_else(|| format!("expected a closing backquote in `{line}`"))?;
        Expected::Different {
            at: Some((left_text.to_string(), right_text.to_string())),
        }
    } else {
        return Err(format!("unknown verdict `{verdict}`"));
    };
    Ok(Comparison {
        left: left.to_string(),
        right: right.to_string(),
        expected,
    })
}

fn compare(
    db: &RootDatabase,
    a: File,
    left: &str,
    b: File,
    right: &str,
) -> Result<Equivalence, String> {
    if left.ends_with(".py") && right.ends_with(".py") {
        return Ok(files_equivalent(db, a, b));
    }
    functions_equivalent(db, a, left, b, right).map_err(|error| error.to_string())
}

fn label_text(db: &RootDatabase, label: &awaitify_diagnostics::Label) -> String {
    let text = label.file.text(db);
    text.get(std::ops::Range::<usize>::from(label.range))
        .unwrap_or("<out of range>")
        .to_string()
}

fn check_difference(db: &RootDatabase, difference: &Difference) -> Result<(), String> {
    for label in [&difference.left, &difference.right] {
        if usize::from(label.range.end()) > label.file.text(db).len() {
            return Err(format!("label {:?} is outside its file", label.range));
        }
    }
    Ok(())
}

/// Checks that `file`'s printed normal form parses and normalizes to itself.
fn check_idempotent(
    db: &mut RootDatabase,
    case: &TestCase,
    path: &str,
    file: File,
) -> Result<(), String> {
    if awaitify_hir::has_syntax_errors(db, file) {
        return Ok(());
    }
    let printed = print_normalized_file(db, file);
    if let Err(error) = ruff_python_parser::parse_module(&printed) {
        return Err(format!(
            "the normal form of {path} does not parse ({error}):\n{printed}"
        ));
    }
    let reprinted_path = format!("{}/normal-forms/{}/{path}", awaitify_test::ROOT, case.line);
    let reprinted = db.set_file(reprinted_path, printed.clone());
    match files_equivalent(db, file, reprinted) {
        Equivalence::Equivalent => Ok(()),
        Equivalence::Different(difference) => Err(format!(
            "the normal form of {path} is not equivalent to it: {}\n{printed}",
            difference.reason
        )),
    }
}

/// Rewrites the line breaks of the files a `line-endings` block names.
fn apply_line_endings(
    db: &mut RootDatabase,
    case: &TestCase,
    files: &[(String, File)],
) -> Result<(), String> {
    for block in case.expectations("line-endings") {
        for line in block.text.lines().filter(|line| !line.trim().is_empty()) {
            let (path, ending) = line.split_once(": ").ok_or_else(|| {
                format!("expected `file.py: CRLF` or `file.py: CR`, got `{line}`")
            })?;
            let ending = match ending.trim() {
                "CRLF" => "\r\n",
                "CR" => "\r",
                other => return Err(format!("unknown line ending `{other}`")),
            };
            let (_, file) = files
                .iter()
                .find(|(name, _)| name == path.trim())
                .ok_or_else(|| format!("the test has no `{path}`"))?;
            let text = file.text(db).replace('\n', ending);
            db.set_file(file.path(db).clone(), text);
        }
    }
    Ok(())
}

fn check_case(case: &TestCase) -> Result<usize, String> {
    let (mut db, files) = case.database();
    apply_line_endings(&mut db, case, &files)?;
    let file = |name: &str| {
        files
            .iter()
            .find(|(path, _)| path == name)
            .map(|(_, file)| *file)
            .ok_or_else(|| format!("the test has no `{name}`"))
    };
    let (a, b) = (file("a.py")?, file("b.py")?);
    let mut checked = 0;
    for block in case.expectations("equiv") {
        for line in block.text.lines().filter(|line| !line.trim().is_empty()) {
            let comparison = parse_line(line.trim())?;
            let result = compare(&db, a, &comparison.left, b, &comparison.right)?;
            let reverse = compare(&db, b, &comparison.right, a, &comparison.left)?;
            if result.is_equivalent() != reverse.is_equivalent() {
                return Err(format!("`{line}` is not symmetric"));
            }
            if std::env::var_os("EQUIV_VERBOSE").is_some() {
                let outcome = match &result {
                    Equivalence::Equivalent => "equivalent".to_string(),
                    Equivalence::Different(difference) => format!(
                        "different: {} (at `{}` / `{}`)",
                        difference.reason,
                        label_text(&db, &difference.left),
                        label_text(&db, &difference.right)
                    ),
                };
                eprintln!("{}: {line} -> {outcome}", case.name);
            }
            match (&comparison.expected, &result) {
                (Expected::Equivalent, Equivalence::Equivalent) => {}
                (Expected::Different { at }, Equivalence::Different(difference)) => {
                    check_difference(&db, difference)?;
                    if let Some((left_text, right_text)) = at {
                        let actual = (
                            label_text(&db, &difference.left),
                            label_text(&db, &difference.right),
                        );
                        if (&actual.0, &actual.1) != (left_text, right_text) {
                            return Err(format!(
                                "`{line}`: the first difference is at `{}` and `{}`\n{}",
                                actual.0,
                                actual.1,
                                awaitify_equiv::render_difference(&db, difference)
                            ));
                        }
                    }
                }
                (Expected::Equivalent, Equivalence::Different(difference)) => {
                    return Err(format!(
                        "`{line}`: expected equivalent\n{}",
                        awaitify_equiv::render_difference(&db, difference)
                    ));
                }
                (Expected::Different { .. }, Equivalence::Equivalent) => {
                    let normal_form =
                        awaitify_equiv::print_normalized_function(&db, a, &comparison.left)
                            .unwrap_or_default();
                    return Err(format!(
                        "`{line}`: expected different, but both normalize to\n{normal_form}"
                    ));
                }
            }
            checked += 1;
        }
    }
    for block in case.expectations("normal-form") {
        let file = file(&block.path)?;
        let actual = print_normalized_file(&db, file);
        if actual.trim_end() != block.text.trim_end() {
            return Err(format!(
                "the normal form of {} is\n{actual}\nbut the test expects\n{}",
                block.path, block.text
            ));
        }
        checked += 1;
    }
    check_idempotent(&mut db, case, "a.py", a)?;
    check_idempotent(&mut db, case, "b.py", b)?;
    Ok(checked)
}

#[test]
fn markdown_suites() {
    let dir = repo_root().join("tests/mdtest/equiv");
    let mut failures = Vec::new();
    let (mut comparisons, mut cases) = (0, 0);
    for (path, text) in suites(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        for case in parse_markdown(&text) {
            cases += 1;
            match check_case(&case) {
                Ok(0) => failures.push(format!(
                    "{name}:{} {}: checks nothing",
                    case.line, case.name
                )),
                Ok(checked) => comparisons += checked,
                Err(error) => failures.push(format!("{name}:{} {}: {error}", case.line, case.name)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {cases} tests failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(cases >= 30, "only {cases} tests");
    eprintln!("{cases} tests, {comparisons} checks");
}
