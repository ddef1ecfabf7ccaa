//! Methods taken by enumerating a namespace (AW211, see
//! [`awaitify_callgraph::Enumeration`]): `vars(cls).items()`, `cls.__dict__.values()`,
//! `inspect.getmembers(self, inspect.ismethod)`. The code that enumerates may call every
//! method it finds, synchronously, and would get a coroutine it never awaits.
//!
//! An enumerated object awaitify follows to a project class, an instance or a parameter
//! escapes as one handed to outside code does (see [`crate::escapes`]), and a class
//! decorator receives the class as its first parameter. One it cannot follow (a loop
//! variable, what a call returned) may be any class or instance: then no method of the
//! project becomes async, as for a computed `getattr(obj, name)()` on an unknown object.

use awaitify_callgraph::{EscapeKind, FileCalls, file_calls};
use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Label};
use awaitify_hir::hir::{BodyId, Expr, FunctionId};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::resolve::item_name;
use ruff_text_size::TextRange;
use rustc_hash::FxHashMap;

/// The classes each project function is applied to as a decorator: files and indices
/// into their `class_decorations`.
pub(crate) fn class_decorations<'a>(
    files: &[File],
    calls_of: impl Fn(File) -> &'a FileCalls,
) -> FxHashMap<(File, FunctionId), Vec<(File, usize)>> {
    let mut decorations: FxHashMap<(File, FunctionId), Vec<(File, usize)>> = FxHashMap::default();
    for file in files {
        for (index, decoration) in calls_of(*file).class_decorations.iter().enumerate() {
            decorations
                .entry(decoration.function)
                .or_default()
                .push((*file, index));
        }
    }
    decorations
}

/// Whether an instance escaping `how` from `calls`' file has methods outside code may
/// call: not when only its own `__dict__` is enumerated, which holds none.
pub(crate) fn instances_escape(calls: &FileCalls, how: &EscapeKind) -> bool {
    match how {
        EscapeKind::Enumerated { enumeration } => !calls.enumerations[*enumeration].own_namespace,
        _ => true,
    }
}

/// The first enumeration in `files` whose object awaitify cannot follow, which may take
/// any method: one through `inspect.getmembers`, or one of an object's own namespace
/// (`vars(x)`, `x.__dict__`) once a class is handed on as a value somewhere in the project
/// (an instance's own namespace holds no methods; only a class's does).
pub(crate) fn first_unknown_enumeration<'a>(
    files: &[File],
    calls_of: impl Fn(File) -> &'a FileCalls,
) -> Option<(File, usize)> {
    // A module handed on as a value may be enumerated where awaitify cannot follow it,
    // giving its classes.
    let class_value = files.iter().any(|file| {
        let calls = calls_of(*file);
        calls.class_value.is_some() || !calls.module_escapes.is_empty()
    });
    files.iter().find_map(|file| {
        calls_of(*file)
            .enumerations
            .iter()
            .position(|enumeration| {
                enumeration.unknown && (class_value || !enumeration.own_namespace)
            })
            .map(|index| (*file, index))
    })
}

/// Where a class (or else a module) is first handed on as a value, for a refusal because
/// an object's own namespace awaitify cannot follow is enumerated (`enumeration`): why
/// it may be a class.
pub(crate) fn class_value_label(db: &dyn Db, (file, index): (File, usize)) -> Option<Label> {
    if !file_calls(db, file).enumerations[index].own_namespace {
        return None;
    }
    let files = awaitify_db::files_by_path(db);
    if let Some((value_file, (body, expr))) = files.iter().find_map(|file| {
        file_calls(db, *file)
            .class_value
            .map(|value| (*file, value))
    }) {
        let range = file_source_map(db, value_file).body(body).expr(expr);
        return Some(Label::new(
            value_file,
            range,
            "a class may be handed on as a value here, so an object awaitify cannot follow may be a class",
        ));
    }
    let (module_file, escape) = files.iter().find_map(|file| {
        file_calls(db, *file)
            .module_escapes
            .first()
            .map(|escape| (*file, escape.clone()))
    })?;
    let range = file_source_map(db, module_file)
        .body(escape.body)
        .expr(escape.expr);
    Some(Label::new(
        module_file,
        range,
        "a module is handed on as a value here, so an object awaitify cannot follow may be one of its classes",
    ))
}

/// The source text of what enumerates, for messages: `vars(cls)`, `cls.__dict__`,
/// `inspect.getmembers`.
fn enumerating_text(db: &dyn Db, file: File, index: usize) -> (TextRange, String) {
    let enumeration = &file_calls(db, file).enumerations[index];
    let map = file_source_map(db, file).body(enumeration.body);
    let range = map.expr(enumeration.expr);
    let text = match &file_hir(db, file).body(enumeration.body).exprs[enumeration.expr] {
        Expr::Call { func, .. } if !enumeration.own_namespace => {
            format!("{}(...)", &file.text(db)[map.expr(*func)])
        }
        _ => file.text(db)[range].to_string(),
    };
    (range, text)
}

/// The range and label of enumeration `index` of `file`.
pub(crate) fn enumeration_label(db: &dyn Db, file: File, index: usize) -> (TextRange, String) {
    let (range, text) = enumerating_text(db, file, index);
    (
        range,
        format!("`{text}` enumerates its namespace here, taking each method as a value"),
    )
}

/// The note of a refusal because the namespace of a class (or an instance of it),
/// `class_name`, is enumerated.
pub(crate) fn enumeration_note(class_name: &str) -> String {
    format!(
        "each function found by enumerating a namespace (`vars`, `__dict__`, `inspect.getmembers`) is a value the code that finds it may call or wrap, synchronously, getting a coroutine it never awaits; so no method of `{class_name}`, of its bases or of its subclasses becomes async"
    )
}

/// The label on the decorator that receives a class whose namespace its function
/// enumerates.
pub(crate) fn decoration_label(db: &dyn Db, (file, index): (File, usize)) -> Label {
    let decoration = &file_calls(db, file).class_decorations[index];
    let range = file_source_map(db, file)
        .body(decoration.body)
        .expr(decoration.decorator);
    let (function_file, function) = decoration.function;
    let param = file_hir(db, function_file).functions[function]
        .params
        .iter()
        .next()
        .map(|param| format!(" as `{}`", param.name))
        .unwrap_or_default();
    Label::new(
        file,
        range,
        format!(
            "applied here to `{}`, which `{}` receives{param}",
            item_name(db, file, BodyId::Class(decoration.class)),
            item_name(db, function_file, BodyId::Function(function)),
        ),
    )
}

/// The code, primary label, message and note of a refusal because a namespace awaitify
/// cannot follow to a class is enumerated (`name` is the method, as messages name it).
pub(crate) fn explain_unknown_enumeration(
    db: &dyn Db,
    (file, index): (File, usize),
    name: &str,
) -> (Code, Label, String, String) {
    let (range, text) = enumerating_text(db, file, index);
    (
        Code::UnresolvedCaller,
        Label::new(
            file,
            range,
            format!("`{text}` enumerates the namespace of an object awaitify cannot follow here"),
        ),
        format!("{name} would need to become async, but a namespace that may hold it is enumerated"),
        "the object may be an instance or a class of the project, and each function found by enumerating its namespace (`vars`, `__dict__`, `inspect.getmembers`) is a value the code that finds it may call or wrap, synchronously, getting a coroutine it never awaits; so no method becomes async".to_string(),
    )
}
