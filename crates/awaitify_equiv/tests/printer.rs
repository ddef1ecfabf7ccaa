//! Snapshots of the canonical printer, of a rendered difference, and of the lookup
//! errors the command line maps to exit code 2.

use awaitify_db::{File, RootDatabase};
use awaitify_equiv::{
    Equivalence, LookupError, difference_diagnostic, files_equivalent, functions_equivalent,
    item_names, print_normalized_file, print_normalized_function, render_difference,
};
use expect_test::{Expect, expect};

const HANDLERS: &str = r#"def guarded_handler(event: dict[str, str]) -> int | None:
    if (payload := event.get("payload")) is None:
        return None
    return len(payload)


def ternary_handler(event: dict) -> int | None:
    return None if (payload := event.get("payload")) is None else len(payload)


def handler(event: dict) -> int | None:
    payload = event.get("payload")
    if payload is None:
        output = None
    else:
        output = len(payload)
    return output
"#;

fn database(files: &[(&str, &str)]) -> (RootDatabase, Vec<File>) {
    let mut db = RootDatabase::new(vec!["/src".into()]);
    let files = files
        .iter()
        .map(|(path, text)| db.set_file(format!("/src/{path}"), *text))
        .collect();
    (db, files)
}

fn check_function(name: &str, expect: Expect) {
    let (db, files) = database(&[("handlers.py", HANDLERS)]);
    let printed = print_normalized_function(&db, files[0], name).unwrap();
    ruff_python_parser::parse_module(&printed).expect("the normal form parses");
    expect.assert_eq(&printed);
}

#[test]
fn guarded_handler_normal_form() {
    check_function(
        "guarded_handler",
        expect![[r#"
            def guarded_handler(event):
                v0 = event.get('payload')
                if v0 is None:
                    return None
                else:
                    return len(v0)
        "#]],
    );
}

#[test]
fn ternary_handler_normal_form() {
    check_function(
        "ternary_handler",
        expect![[r#"
            def ternary_handler(event):
                v0 = event.get('payload')
                if v0 is None:
                    return None
                else:
                    return len(v0)
        "#]],
    );
}

#[test]
fn handler_normal_form() {
    check_function(
        "handler",
        expect![[r#"
            def handler(event):
                v0 = event.get('payload')
                if v0 is None:
                    return None
                else:
                    return len(v0)
        "#]],
    );
}

#[test]
fn the_three_handlers_are_pairwise_equivalent() {
    let (db, files) = database(&[("handlers.py", HANDLERS)]);
    let names = ["guarded_handler", "ternary_handler", "handler"];
    for left in names {
        for right in names {
            let result = functions_equivalent(&db, files[0], left, files[0], right).unwrap();
            assert!(result.is_equivalent(), "{left} and {right}");
        }
    }
}

#[test]
fn whole_file_normal_form() {
    let (db, files) = database(&[("handlers.py", HANDLERS)]);
    let printed = print_normalized_file(&db, files[0]);
    ruff_python_parser::parse_module(&printed).expect("the normal form parses");
    expect![[r#"
        def guarded_handler(event):
            v0 = event.get('payload')
            if v0 is None:
                return None
            else:
                return len(v0)

        def ternary_handler(event):
            v0 = event.get('payload')
            if v0 is None:
                return None
            else:
                return len(v0)

        def handler(event):
            v0 = event.get('payload')
            if v0 is None:
                return None
            else:
                return len(v0)
    "#]]
    .assert_eq(&printed);
}

#[test]
fn a_difference_is_rendered_on_both_sources() {
    let (db, files) = database(&[
        (
            "a.py",
            "def total(f, g):\n    a = f()\n    b = g()\n    return a + b\n",
        ),
        (
            "b.py",
            "def total(f, g):\n    b = g()\n    a = f()\n    return a + b\n",
        ),
    ]);
    let Equivalence::Different(difference) =
        functions_equivalent(&db, files[0], "total", files[1], "total").unwrap()
    else {
        panic!("swapped calls are not equivalent");
    };
    expect![[r#"
        error: `total` and `total` are not equivalent: a `return` in the first, an assignment in the second
          ┌─ /src/a.py:4:5
          │
        4 │     return a + b
          │     ^^^^^^^^^^^^ normalizes to `return f() + g()`
          │
          ┌─ /src/b.py:2:5
          │
        2 │     b = g()
          │     ^^^^^^^ normalizes to `v0 = g()`
          │
          = normal form of `total`:
            def total(f, g):
                return f() + g()
          = normal form of `total`:
            def total(f, g):
                v0 = g()
                return f() + v0

    "#]]
    .assert_eq(&render_difference(&db, &difference));
    let diagnostic = difference_diagnostic(&difference);
    assert_eq!(diagnostic.code.as_str(), "AW301");
    assert_eq!(
        diagnostic.primary.as_ref().map(|label| label.file),
        Some(files[0])
    );
}

#[test]
fn missing_and_ambiguous_names_are_lookup_errors() {
    let (db, files) = database(&[
        (
            "a.py",
            "class C:\n    def m(self):\n        def inner():\n            pass\n",
        ),
        (
            "b.py",
            "if x:\n    def f(): pass\nelse:\n    def f(): pass\n",
        ),
    ]);
    assert_eq!(item_names(&db, files[0]), ["C", "C.m", "C.m.inner"]);
    let missing = functions_equivalent(&db, files[0], "m", files[0], "C.m").unwrap_err();
    assert!(matches!(missing, LookupError::NotFound { .. }));
    expect!["/src/a.py defines no function or class `m` (it defines C, C.m, C.m.inner)"]
        .assert_eq(&missing.to_string());
    let ambiguous = print_normalized_function(&db, files[1], "f").unwrap_err();
    expect!["/src/b.py defines `f` 2 times; compare whole files instead"]
        .assert_eq(&ambiguous.to_string());
    assert!(files_equivalent(&db, files[1], files[1]).is_equivalent());
}

#[test]
fn code_that_does_not_parse_is_never_equivalent() {
    let (db, files) = database(&[("a.py", "def f():\n    return (1 +\n")]);
    let result = functions_equivalent(&db, files[0], "f", files[0], "f").unwrap();
    assert!(!result.is_equivalent());
}
