//! Whether code in a file may rebind a builtin's name by a route that name resolution
//! does not see.
//!
//! Reading a builtin such as `len` commutes with a call only when nothing the call runs
//! rebinds `len`, in the module's namespace or in `builtins`. A binding by name
//! (`len = ...`, `global len`) is seen by [`crate::lower`]; any other rebinding needs the
//! module's namespace or the `builtins` module as a value, or code made at run time. A
//! file that may do either has no stable builtin. The rule is conservative and looks at
//! the whole file, every function included, for:
//! - a read that may be one of the builtins [`CODE_AND_NAMESPACE_BUILTINS`] (which run
//!   code or return a namespace; `run = exec` counts), or the name `__builtins__`;
//! - a read that may be `getattr`, `setattr` or `delattr`, except the callee of a call
//!   whose attribute is a string constant that, for `setattr` and `delattr`, names no
//!   builtin (a computed attribute may be `__globals__`, or `len` on a module);
//! - an attribute in [`NAMESPACE_ATTRIBUTES`] (`f.__globals__`, `sys.modules`,
//!   `len.__self__`, which is `builtins`), or a string constant passed to a call that
//!   names one of them or `builtins` (`getattr(f, "__globals__")`,
//!   `operator.attrgetter("__dict__")`);
//! - an import of [`NAMESPACE_MODULES`], of the file's own module (`import a` in
//!   `a.py`, `from . import a`), of one of those attributes (`from sys import modules`),
//!   or a star import.
//!
//! Not seen: a module or namespace that reaches the file's code from outside (as an
//! argument, or returned by another module), which the assumption that other modules do
//! not rebind builtins covers.

use awaitify_hir::hir::{self, ExprContext, ExprId, FileHir};
use awaitify_semantic::SemanticIndex;
use awaitify_semantic::index::Fallback;
use rustc_hash::FxHashSet;

/// Builtins that run code made at run time or return a module's namespace.
const CODE_AND_NAMESPACE_BUILTINS: &[&str] = &[
    "exec",
    "eval",
    "compile",
    "globals",
    "locals",
    "vars",
    "__import__",
];

/// Builtins that read or write an attribute named at run time.
const REFLECTION_BUILTINS: &[&str] = &["getattr", "setattr", "delattr"];

/// Attributes that lead to a namespace, a module or a frame's namespaces.
const NAMESPACE_ATTRIBUTES: &[&str] = &[
    "__globals__",
    "__builtins__",
    "__dict__",
    "__self__",
    "__getattribute__",
    "f_globals",
    "f_locals",
    "f_builtins",
    "modules",
];

/// Modules that hand out other modules, namespaces or raw memory.
const NAMESPACE_MODULES: &[&str] = &[
    "builtins",
    "importlib",
    "inspect",
    "gc",
    "ctypes",
    "__main__",
];

/// Whether code in `hir` may rebind a builtin's name other than by binding the name;
/// `own_module` is the name the file is imported by (its stem, or its package's for
/// `__init__.py`).
pub(crate) fn may_rebind_builtins(
    hir: &FileHir,
    index: &SemanticIndex,
    own_module: Option<&str>,
) -> bool {
    hir.bodies().any(|(body_id, body)| {
        let harmless_reflection = harmless_reflection_callees(body);
        let may_be_builtin = |expr: ExprId| {
            index
                .use_of(body_id, expr)
                .is_none_or(|use_id| index.uses[use_id].fallback == Fallback::Builtin)
        };
        let reaches_namespace = |(expr_id, expr): (ExprId, &hir::Expr)| match expr {
            hir::Expr::Name { id, ctx } => {
                id == "__builtins__"
                    || (*ctx == ExprContext::Load
                        && (CODE_AND_NAMESPACE_BUILTINS.contains(&id.as_str())
                            || (REFLECTION_BUILTINS.contains(&id.as_str())
                                && !harmless_reflection.contains(&expr_id)))
                        && may_be_builtin(expr_id))
            }
            hir::Expr::Attribute { attr, .. } => NAMESPACE_ATTRIBUTES.contains(&attr.as_str()),
            hir::Expr::Call { args, keywords, .. } => args
                .iter()
                .chain(keywords.iter().map(|keyword| &keyword.value))
                .any(|&arg| match &body.exprs[arg] {
                    hir::Expr::Literal(hir::Literal::Str(text)) => names_namespace(text),
                    _ => false,
                }),
            _ => false,
        };
        body.exprs.iter().any(reaches_namespace)
            || body
                .stmts
                .iter()
                .any(|(_, stmt)| imports_namespace(stmt, own_module))
    })
}

/// Whether the string `text` names `builtins` or a namespace attribute, alone or as a
/// part of a dotted path (`operator.attrgetter("f.__globals__")`).
fn names_namespace(text: &str) -> bool {
    text.split('.')
        .any(|part| part == "builtins" || NAMESPACE_ATTRIBUTES.contains(&part))
}

/// The callees of `getattr(x, "name")`, `setattr(x, "name", v)` and `delattr(x, "name")`
/// calls in `body` that cannot rebind a builtin: the attribute is a string constant, and
/// one that names no builtin when written.
fn harmless_reflection_callees(body: &hir::Body) -> FxHashSet<ExprId> {
    body.exprs
        .iter()
        .filter_map(|(_, expr)| {
            let hir::Expr::Call { func, args, .. } = expr else {
                return None;
            };
            let hir::Expr::Name { id, .. } = &body.exprs[*func] else {
                return None;
            };
            let hir::Expr::Literal(hir::Literal::Str(attribute)) = &body.exprs[*args.get(1)?]
            else {
                return None;
            };
            let writes = match id.as_str() {
                "getattr" => false,
                "setattr" | "delattr" => true,
                _ => return None,
            };
            let harmless = !writes || !awaitify_semantic::builtins::is_builtin(attribute);
            harmless.then_some(*func)
        })
        .collect()
}

/// Whether `stmt` imports something that hands out namespaces (see the module docs).
fn imports_namespace(stmt: &hir::Stmt, own_module: Option<&str>) -> bool {
    let is_namespace_module = |dotted: &str| {
        dotted
            .split('.')
            .any(|part| NAMESPACE_MODULES.contains(&part) || Some(part) == own_module)
    };
    match stmt {
        hir::Stmt::Import { names } => names.iter().any(|alias| is_namespace_module(&alias.name)),
        hir::Stmt::ImportFrom { module, names, .. } => {
            module.as_deref().is_some_and(is_namespace_module)
                || names.iter().any(|alias| {
                    alias.name.as_str() == "*"
                        || is_namespace_module(&alias.name)
                        || NAMESPACE_ATTRIBUTES.contains(&alias.name.as_str())
                })
        }
        _ => false,
    }
}

/// The name `path`'s module is imported by: its stem, or its package's for `__init__.py`.
pub(crate) fn module_name(path: &std::path::Path) -> Option<&str> {
    let stem = path.file_stem()?.to_str()?;
    if stem == "__init__" {
        path.parent()?.file_name()?.to_str()
    } else {
        Some(stem)
    }
}
