//! Equivalence of Python functions up to a normal form (`awaitify equiv A.py::f B.py::g`).
//!
//! Two functions are *equivalent* when their normal forms are equal. The normal form
//! ([`normal_form`]) is an owned tree lowered from the HIR (`lower` resolves every
//! name) and rewritten to a fixpoint by meaning-preserving rules (`normalize`):
//! ternaries become `if`/`else`, walruses become preceding assignments, early exits make
//! the rest of a block an `else`, a final `return` moves into both branches of an `if`,
//! single-use variables are inlined, and locals are numbered by first occurrence so that
//! their names do not matter. Docstrings, the function's own name and annotations that
//! are never evaluated or only spell types never matter. Constants are compared by the
//! value CPython gives them, which ruff's does not always hold (`string_literals`). No
//! rule moves a call or any other effect past another (`effects`): a careless
//! normalizer that calls different functions equal is worse than one that misses an
//! equivalence.
//!
//! # API
//!
//! - [`functions_equivalent`]`(db, a, "f", b, "g")`: compares two items named by their
//!   qualified path inside each file (`f`, `Class.method`, `outer.inner`; classes too).
//!   [`LookupError`] when a name is missing or defined more than once.
//! - [`files_equivalent`]`(db, a, b)`: the same module-level items by name, the module
//!   bodies (items as headers), then every item pairwise.
//! - [`Equivalence::Different`] holds a [`Difference`]: the first difference, with a
//!   [`Label`] on each side and both normal forms as text; [`render_difference`] renders it
//!   with codespan-reporting, [`difference_diagnostic`] makes it a [`Diagnostic`].
//! - [`print_normalized_file`] and [`print_normalized_function`] print normal forms as
//!   Python source (they parse, and normalize to themselves).
//!
//! # What equivalence assumes
//!
//! Equal normal forms mean the two functions behave the same, given the same globals,
//! under these assumptions (each keeps the normalizer useful; none lets a call move):
//! - reading a local variable that every path has assigned does not raise (a read that
//!   some path reaches unassigned may, and no call moves across it: `unbound`);
//! - no other module rebinds a builtin while a call runs, and no reference to this
//!   module, its globals or `builtins` reaches its code from outside (as an argument or
//!   another module's return value). A file that binds the name itself loses the
//!   assumption for that name; a file that may rebind builtins by another route (`exec`,
//!   `eval`, `globals()`, `f.__globals__`, `sys.modules`, `importlib`, `inspect`, a
//!   computed `getattr`, a star import, ...: `rebinding` lists them) loses it for every
//!   builtin;
//! - the module-level name of the compared function is that function (recursion);
//! - nothing inspects frames (`sys._getframe`); a unit that calls `locals()`, `vars()`,
//!   `eval`, `exec` or `dir` keeps its locals' names and has nothing inlined;
//! - evaluating an annotation made of names, attributes, subscripts, constants and `|`
//!   has no effect and does not raise; the values of annotations outside class bodies
//!   (where dataclasses read them) do not matter, and neither do docstrings and
//!   tracebacks' line numbers. An annotation that a `def` or the module body evaluates
//!   and that may have an effect (a call, another operator, ...) is compared; a local
//!   variable's is never evaluated, nor any under `from __future__ import annotations`.
//!
//! Parameters a caller can pass by keyword are compared by name (`f(x=1)` must keep
//! working); positional-only and `*args`/`**kwargs` names are renamed like locals.
//!
//! Depends on `awaitify_hir` (HIR, source map, and lowering, with `ruff_python_parser`,
//! to read a literal's source again), `awaitify_db` and `awaitify_diagnostics`; uses the
//! builtins table and the use-def index of `awaitify_semantic`. Nothing
//! here is a salsa query: equivalence is asked for rarely, and every call recomputes.
//!
//! Invariant: equivalence is an equivalence relation on the normal forms (derived
//! `PartialEq`), so it is symmetric and every function is equivalent to itself unless it
//! contains code that does not parse.

pub mod normal_form;

mod compare;
mod effects;
mod lower;
mod normalize;
mod print;
mod rebinding;
mod string_literals;
mod unbound;
mod visit;

use std::fmt;
use std::path::PathBuf;

use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use awaitify_hir::hir::{BodyId, FileHir, Stmt, StmtId};
use awaitify_hir::{file_hir, file_source_map};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use codespan_reporting::term::termcolor::NoColor;
use ruff_text_size::TextRange;

use crate::lower::{FileFacts, Lowering};
use crate::normal_form::{Block, StmtKind, Unit};

/// The answer of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Equivalence {
    Equivalent,
    Different(Box<Difference>),
}

impl Equivalence {
    pub fn is_equivalent(&self) -> bool {
        matches!(self, Equivalence::Equivalent)
    }
}

/// The first difference between two normal forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// One sentence: what differs.
    pub reason: String,
    /// The item on each side (`f`, `Class.method`, `<module>`).
    pub left_name: String,
    pub right_name: String,
    /// Where the first difference is, in each source.
    pub left: Label,
    pub right: Label,
    /// Both normal forms, printed as Python.
    pub left_normal_form: String,
    pub right_normal_form: String,
}

/// A function or class that a comparison names is not in its file exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    NotFound {
        file: PathBuf,
        name: String,
        /// Every qualified name the file defines, in source order.
        available: Vec<String>,
    },
    Ambiguous {
        file: PathBuf,
        name: String,
        count: usize,
    },
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::NotFound {
                file,
                name,
                available,
            } => {
                write!(
                    f,
                    "{} defines no function or class `{name}`",
                    file.display()
                )?;
                if !available.is_empty() {
                    write!(f, " (it defines {})", available.join(", "))?;
                }
                Ok(())
            }
            LookupError::Ambiguous { file, name, count } => write!(
                f,
                "{} defines `{name}` {count} times; compare whole files instead",
                file.display()
            ),
        }
    }
}

impl std::error::Error for LookupError {}

/// Compares the function (or class) `a_function` of `a` with `b_function` of `b`.
pub fn functions_equivalent(
    db: &dyn Db,
    a: File,
    a_function: &str,
    b: File,
    b_function: &str,
) -> Result<Equivalence, LookupError> {
    let left_item = find_item(db, a, a_function)?;
    let right_item = find_item(db, b, b_function)?;
    let left = normalize_item(db, a, left_item);
    let right = normalize_item(db, b, right_item);
    let roots = (item_range(db, a, left_item), item_range(db, b, right_item));
    Ok(compare_units(
        (a, a_function, &left),
        (b, b_function, &right),
        roots,
    ))
}

/// Compares two files: the same module-level functions and classes by name, the module
/// bodies with items reduced to their headers, then each item with its namesake.
pub fn files_equivalent(db: &dyn Db, a: File, b: File) -> Equivalence {
    let left = normalize_module(db, a);
    let right = normalize_module(db, b);
    let left_items = module_items(&left);
    let right_items = module_items(&right);
    if let Some(difference) = item_name_difference((a, &left_items), (b, &right_items)) {
        return Equivalence::Different(Box::new(difference));
    }
    let module_roots = (TextRange::default(), TextRange::default());
    let left_headers = Unit::Module(strip_item_bodies(&left));
    let right_headers = Unit::Module(strip_item_bodies(&right));
    let module = compare_units(
        (a, "<module>", &left_headers),
        (b, "<module>", &right_headers),
        module_roots,
    );
    if let Equivalence::Different(mut difference) = module {
        difference.left_normal_form = print::print_unit(&Unit::Module(left.clone()));
        difference.right_normal_form = print::print_unit(&Unit::Module(right.clone()));
        return Equivalence::Different(difference);
    }
    for ((name, left_item), (_, right_item)) in left_items.iter().zip(right_items.iter()) {
        let roots = (left_item.origin().0, right_item.origin().0);
        let result = compare_units((a, name, left_item), (b, name, right_item), roots);
        if !result.is_equivalent() {
            return result;
        }
    }
    Equivalence::Equivalent
}

/// The normal form of the whole file as Python source.
pub fn print_normalized_file(db: &dyn Db, file: File) -> String {
    print::print_unit(&Unit::Module(normalize_module(db, file)))
}

/// The normal form of one function or class as Python source.
pub fn print_normalized_function(
    db: &dyn Db,
    file: File,
    function: &str,
) -> Result<String, LookupError> {
    let item = find_item(db, file, function)?;
    Ok(print::print_unit(&normalize_item(db, file, item)))
}

/// The normal form of one function or class, for tools that inspect it.
pub fn normal_form_of(db: &dyn Db, file: File, function: &str) -> Result<Unit, LookupError> {
    let item = find_item(db, file, function)?;
    Ok(normalize_item(db, file, item))
}

/// Every function and class of `file` by qualified name (`C.method`, `outer.inner`), in
/// source order.
pub fn item_names(db: &dyn Db, file: File) -> Vec<String> {
    qualified_items(file_hir(db, file))
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

/// `difference` rendered with codespan-reporting: both labels and a note with each
/// normal form.
pub fn render_difference(db: &dyn Db, difference: &Difference) -> String {
    let mut files = SimpleFiles::new();
    let mut ids: Vec<(File, usize)> = Vec::new();
    let mut file_id = |file: File| -> usize {
        if let Some((_, id)) = ids.iter().find(|(known, _)| *known == file) {
            return *id;
        }
        let id = files.add(
            file.path(db).display().to_string(),
            file.text(db).to_string(),
        );
        ids.push((file, id));
        id
    };
    let left_id = file_id(difference.left.file);
    let right_id = file_id(difference.right.file);
    let clamp = |label: &Label| {
        let len = label.file.text(db).len();
        let start = usize::from(label.range.start()).min(len);
        start..usize::from(label.range.end()).clamp(start, len)
    };
    let rendered = cs::Diagnostic::error()
        .with_message(format!(
            "`{}` and `{}` are not equivalent: {}",
            difference.left_name, difference.right_name, difference.reason
        ))
        .with_labels(vec![
            cs::Label::primary(left_id, clamp(&difference.left))
                .with_message(&difference.left.message),
            cs::Label::primary(right_id, clamp(&difference.right))
                .with_message(&difference.right.message),
        ])
        .with_notes(vec![
            format!(
                "normal form of `{}`:\n{}",
                difference.left_name,
                difference.left_normal_form.trim_end()
            ),
            format!(
                "normal form of `{}`:\n{}",
                difference.right_name,
                difference.right_normal_form.trim_end()
            ),
        ]);
    let mut out = NoColor::new(Vec::new());
    let _ = term::emit(&mut out, &term::Config::default(), &files, &rendered);
    String::from_utf8_lossy(&out.into_inner()).into_owned()
}

/// `difference` as a diagnostic (`AW301`), for callers that verify a rewrite.
pub fn difference_diagnostic(difference: &Difference) -> Diagnostic {
    Diagnostic::new(
        Code::VerificationFailed,
        format!(
            "`{}` and `{}` are not equivalent: {}",
            difference.left_name, difference.right_name, difference.reason
        ),
    )
    .with_primary(difference.left.clone())
    .with_secondary(difference.right.clone())
    .with_note(format!(
        "normal form of `{}`:\n{}",
        difference.left_name, difference.left_normal_form
    ))
    .with_note(format!(
        "normal form of `{}`:\n{}",
        difference.right_name, difference.right_normal_form
    ))
}

// ---- internals --------------------------------------------------------------------------

fn compare_units(
    (a, a_name, left): (File, &str, &Unit),
    (b, b_name, right): (File, &str, &Unit),
    roots: (TextRange, TextRange),
) -> Equivalence {
    match compare::first_difference(left, right, roots) {
        None => Equivalence::Equivalent,
        Some(first) => Equivalence::Different(Box::new(Difference {
            reason: first.reason,
            left_name: a_name.to_string(),
            right_name: b_name.to_string(),
            left: Label::new(a, first.left.0, first.left.1),
            right: Label::new(b, first.right.0, first.right.1),
            left_normal_form: print::print_unit(left),
            right_normal_form: print::print_unit(right),
        })),
    }
}

/// Lowers and normalizes one `def` or `class` as a unit.
fn normalize_item(db: &dyn Db, file: File, item: BodyId) -> Unit {
    let hir = file_hir(db, file);
    let maps = file_source_map(db, file);
    let facts = FileFacts::of(hir, maps, file.path(db));
    let source = SourceFile {
        hir,
        maps,
        text: file.text(db),
    };
    normalize_item_with(&source, &facts, item)
}

/// What lowering reads of one file.
struct SourceFile<'a> {
    hir: &'a FileHir,
    maps: &'a awaitify_hir::source_map::FileSourceMap,
    text: &'a str,
}

fn normalize_item_with(source: &SourceFile<'_>, facts: &FileFacts, item: BodyId) -> Unit {
    let SourceFile { hir, maps, text } = *source;
    let lowering = Lowering::new(hir, maps, text, facts);
    let (mut unit, unit_facts) = match item {
        BodyId::Function(function) => {
            let (function, unit_facts) = lowering.function_unit(function);
            (Unit::Function(Box::new(function)), unit_facts)
        }
        BodyId::Class(class) => {
            let (class, unit_facts) = lowering.class_unit(class);
            (Unit::Class(Box::new(class)), unit_facts)
        }
        BodyId::Module => {
            let mut items = |item: BodyId| item_stmt(normalize_item_with(source, facts, item));
            let (block, unit_facts) = lowering.module_unit(&mut items);
            (Unit::Module(block), unit_facts)
        }
    };
    normalize::normalize_unit(&mut unit, &unit_facts);
    unit
}

fn item_stmt(unit: Unit) -> StmtKind {
    match unit {
        Unit::Function(function) => StmtKind::FunctionDef(function),
        Unit::Class(class) => StmtKind::ClassDef(class),
        Unit::Module(_) => unreachable!("a module is not an item"),
    }
}

/// The module body, with each module-level item normalized as a unit of its own.
fn normalize_module(db: &dyn Db, file: File) -> Block {
    match normalize_item(db, file, BodyId::Module) {
        Unit::Module(block) => block,
        _ => unreachable!("the module lowers to a module"),
    }
}

/// The module-level items of a normalized module body, in order, with their names.
fn module_items(block: &Block) -> Vec<(String, Unit)> {
    let mut items = Vec::new();
    collect_module_items(block, &mut items);
    items
}

fn collect_module_items(block: &Block, items: &mut Vec<(String, Unit)>) {
    for stmt in block {
        match &stmt.kind {
            StmtKind::FunctionDef(function) => items.push((
                function.name.name.to_string(),
                Unit::Function(function.clone()),
            )),
            StmtKind::ClassDef(class) => {
                items.push((class.name.name.to_string(), Unit::Class(class.clone())))
            }
            _ => {
                let mut stmt = stmt.clone();
                for nested in visit::blocks_mut(&mut stmt, false) {
                    collect_module_items(nested, items);
                }
            }
        }
    }
}

/// The first module-level name defined on one side only (or a different number of
/// times).
fn item_name_difference(
    (a, left): (File, &[(String, Unit)]),
    (b, right): (File, &[(String, Unit)]),
) -> Option<Difference> {
    let names = |items: &[(String, Unit)]| -> Vec<String> {
        items.iter().map(|(name, _)| name.clone()).collect()
    };
    let (left_names, right_names) = (names(left), names(right));
    if left_names == right_names {
        return None;
    }
    let count = |names: &[String], name: &str| names.iter().filter(|each| *each == name).count();
    let missing = |from: &[(String, Unit)], other: &[String], this: &[String]| {
        from.iter()
            .find(|(name, _)| count(other, name) != count(this, name))
            .map(|(name, unit)| (name.clone(), unit.origin().0))
    };
    let (reason, left_label, right_label) =
        if let Some((name, range)) = missing(left, &right_names, &left_names) {
            (
                format!("`{name}` is not defined the same number of times in both files"),
                Label::new(a, range, format!("`{name}` is defined here")),
                Label::new(
                    b,
                    TextRange::default(),
                    format!("`{name}` differs in this file"),
                ),
            )
        } else if let Some((name, range)) = missing(right, &left_names, &right_names) {
            (
                format!("`{name}` is not defined the same number of times in both files"),
                Label::new(
                    a,
                    TextRange::default(),
                    format!("`{name}` differs in this file"),
                ),
                Label::new(b, range, format!("`{name}` is defined here")),
            )
        } else {
            let position = left_names
                .iter()
                .zip(&right_names)
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            (
                "the files define the same functions and classes in a different order".into(),
                Label::new(a, left[position].1.origin().0, "defined here"),
                Label::new(b, right[position].1.origin().0, "where this is defined"),
            )
        };
    let print_names = |names: &[String]| format!("module-level items: {}\n", names.join(", "));
    Some(Difference {
        reason,
        left_name: "<module>".into(),
        right_name: "<module>".into(),
        left: left_label,
        right: right_label,
        left_normal_form: print_names(&left_names),
        right_normal_form: print_names(&right_names),
    })
}

/// The module body with every item's body emptied: its header stays.
fn strip_item_bodies(block: &Block) -> Block {
    let mut block = block.clone();
    strip_in_place(&mut block);
    block
}

fn strip_in_place(block: &mut Block) {
    for stmt in block {
        match &mut stmt.kind {
            StmtKind::FunctionDef(function) => function.body.clear(),
            StmtKind::ClassDef(class) => class.body.clear(),
            _ => {
                for nested in visit::blocks_mut(stmt, false) {
                    strip_in_place(nested);
                }
            }
        }
    }
}

fn item_range(db: &dyn Db, file: File, item: BodyId) -> TextRange {
    file_source_map(db, file)
        .item_stmt(file_hir(db, file), item)
        .unwrap_or_default()
}

/// The item of `file` whose qualified name is `name`.
fn find_item(db: &dyn Db, file: File, name: &str) -> Result<BodyId, LookupError> {
    let items = qualified_items(file_hir(db, file));
    let matches: Vec<BodyId> = items
        .iter()
        .filter(|(qualified, _)| qualified == name)
        .map(|(_, item)| *item)
        .collect();
    match matches.as_slice() {
        [item] => Ok(*item),
        [] => Err(LookupError::NotFound {
            file: file.path(db).clone(),
            name: name.to_string(),
            available: items.into_iter().map(|(name, _)| name).collect(),
        }),
        _ => Err(LookupError::Ambiguous {
            file: file.path(db).clone(),
            name: name.to_string(),
            count: matches.len(),
        }),
    }
}

/// Every `def` and `class` of the file with its qualified name, in source order.
fn qualified_items(hir: &FileHir) -> Vec<(String, BodyId)> {
    let mut items = Vec::new();
    collect_items(hir, BodyId::Module, &hir.module.block, "", &mut items);
    items
}

fn collect_items(
    hir: &FileHir,
    body: BodyId,
    block: &[StmtId],
    prefix: &str,
    items: &mut Vec<(String, BodyId)>,
) {
    let arena = hir.body(body);
    for &stmt in block {
        let (name, item) = match &arena.stmts[stmt] {
            Stmt::FunctionDef(function) => (
                hir.functions[*function].name.to_string(),
                BodyId::Function(*function),
            ),
            Stmt::ClassDef(class) => (hir.classes[*class].name.to_string(), BodyId::Class(*class)),
            Stmt::For {
                body: inner,
                orelse,
                ..
            }
            | Stmt::While {
                body: inner,
                orelse,
                ..
            }
            | Stmt::If {
                body: inner,
                orelse,
                ..
            } => {
                collect_items(hir, body, inner, prefix, items);
                collect_items(hir, body, orelse, prefix, items);
                continue;
            }
            Stmt::With { body: inner, .. } => {
                collect_items(hir, body, inner, prefix, items);
                continue;
            }
            Stmt::Match { cases, .. } => {
                for case in cases.iter() {
                    collect_items(hir, body, &case.body, prefix, items);
                }
                continue;
            }
            Stmt::Try {
                body: inner,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                collect_items(hir, body, inner, prefix, items);
                for handler in handlers.iter() {
                    collect_items(hir, body, &handler.body, prefix, items);
                }
                collect_items(hir, body, orelse, prefix, items);
                collect_items(hir, body, finalbody, prefix, items);
                continue;
            }
            _ => continue,
        };
        let qualified = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}.{name}")
        };
        items.push((qualified.clone(), item));
        let inner = &hir.body(item).block;
        collect_items(hir, item, inner, &qualified, items);
    }
}
