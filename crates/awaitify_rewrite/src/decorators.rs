//! Decorators written in the project that pass coroutines through, recognised from their
//! code so they need no `pass-through-decorators` entry.
//!
//! Two shapes qualify, with nothing else in the decorator's body but statements that do
//! not mention the decorated function:
//! - *identity*: it returns the function itself, maybe after setting attributes on it
//!   (`fn.tag = "x"; return fn`);
//! - *forwarding wrapper*: it returns a plain nested `def` (under `functools.wraps(fn)` or
//!   no decorator) whose last statement returns `fn(...)`, after statements that do not
//!   mention `fn` and do not branch. Awaiting the wrapper's call then awaits `fn`'s
//!   coroutine with nothing run in between, as the synchronous call ran `fn` last.
//!
//! A *factory* written in the project (`@tagged("svc")`) qualifies when the decorator it
//! returns does: its last statement returns a plain nested `def` of one of the two shapes,
//! after statements that run straight through and name that `def` nowhere else, so each
//! call gives a fresh decorator of that shape and nothing else holds it.
//!
//! A decorator applied by rebinding the function's name after its `def` (`fetch =
//! traced(fetch)`, `load = tagged("svc")(load)`; see `BindingKind::Decoration`) is judged
//! as the same decorator written with `@`: the coloring hands its callee expression to the
//! same checks.
//!
//! A decorator that stores the function anywhere (`registry.append(fn)`) lets other code
//! call it synchronously; one that calls it inside `try`, a loop or a `with` (a retry, a
//! timer) would act on a coroutine object instead of the call. Neither qualifies.
//!
//! Reads the HIR and resolves names; depends on nothing the coloring computes.

use awaitify_db::File;
use awaitify_hir::file_hir;
use awaitify_hir::hir::{
    Body, BodyId, ClassId, Expr, ExprId, Function, FunctionId, Name, Params, Stmt, StmtId,
};
use awaitify_semantic::resolve::target_name;
use awaitify_semantic::symbols::{ExprPath, Summary};
use awaitify_semantic::{Resolution, Resolver, Target};
use rustc_hash::FxHashSet;

/// Whether the project function `decorator` of `file` returns what it decorates, or a
/// wrapper that returns the decorated function's result, unchanged (see the module doc).
pub(crate) fn passes_coroutines_through(
    resolver: &mut Resolver,
    file: File,
    decorator: FunctionId,
) -> bool {
    let hir = file_hir(resolver.db(), file);
    let function = &hir.functions[decorator];
    let Some(decorated) = single_positional_parameter(&function.params) else {
        return false;
    };
    let body = &function.body;
    let Some((returned, returned_expr, before)) = ends_by_returning_a_name(function) else {
        return false;
    };
    // Where the decorated function may be named: the `return`, the object of an
    // attribute set on it, and the argument of `functools.wraps` over the wrapper.
    let mut allowed: FxHashSet<ExprId> = [*returned_expr].into_iter().collect();
    let mut wrapper = None;
    for stmt in before {
        match &body.stmts[*stmt] {
            Stmt::FunctionDef(inner)
                if wrapper.is_none() && hir.functions[*inner].name == *returned =>
            {
                for decorator_expr in hir.functions[*inner].decorators.iter() {
                    let in_body = BodyId::Function(decorator);
                    match wraps_argument(resolver, file, in_body, body, *decorator_expr) {
                        Some(argument) => allowed.insert(argument),
                        None => return false,
                    };
                }
                wrapper = Some(*inner);
            }
            other if is_straight_line(other) => {
                if let Some(object) = attribute_store_object(body, other) {
                    allowed.insert(object);
                }
            }
            _ => return false,
        }
    }
    if mentions(body, decorated, &allowed) {
        return false;
    }
    match wrapper {
        // `return fn`: the identity, perhaps with attributes set.
        None => returned == decorated,
        // `return wrapper`, named nowhere else, so it is the `def` above.
        Some(inner) => {
            !mentions(body, returned, &[*returned_expr].into_iter().collect())
                && forwards_to(&hir.functions[inner], decorated)
        }
    }
}

/// For a decorator written as a call of a project function (`@tagged("svc")` or
/// `@decos.tagged("svc")` in `file`, inside `class` if any): whether the factory called
/// returns a decorator that passes coroutines through (see the module doc), and the
/// factory's qualified name with `()` (`decos.tagged()`), as a `pass-through-decorators`
/// entry names it. `None` for any other decorator.
pub(crate) fn project_factory(
    resolver: &mut Resolver,
    file: File,
    path: &ExprPath,
    class: Option<ClassId>,
) -> Option<(bool, String)> {
    let ExprPath::Call(callee) = path else {
        return None;
    };
    let Resolution::Definite(target @ Target::Function { file, function }) =
        resolver.resolve_definition_path(file, callee, class)
    else {
        return None;
    };
    let name = format!("{}()", target_name(resolver.db(), &target));
    Some((
        factory_passes_coroutines_through(resolver, file, function),
        name,
    ))
}

/// For a decorator written as a name (`@traced`, in `file`, inside `class` if any):
/// whether every binding of the name in that namespace is a call of a project factory
/// whose decorator passes coroutines through (`traced = tagged("svc")`), so the name
/// holds one such decorator whichever binding reaches the use. A name bound any other
/// way, or also in another scope, does not qualify.
pub(crate) fn bound_to_project_factory(
    resolver: &mut Resolver,
    file: File,
    path: &ExprPath,
    class: Option<ClassId>,
) -> bool {
    let ExprPath::Name(name) = path else {
        return false;
    };
    // A class body's own binding of the name first, as the decorator's resolution.
    let symbols = resolver.symbols(file);
    let bindings = class
        .and_then(|class| symbols.classes.get(class))
        .and_then(|summary| summary.members.get(name.as_str()))
        .or_else(|| symbols.globals.get(name.as_str()));
    let Some(bindings) = bindings.filter(|bindings| !bindings.is_empty()) else {
        return false;
    };
    bindings.iter().all(|(_, summary)| {
        matches!(summary, Summary::Path(call @ ExprPath::Call(_))
            if matches!(project_factory(resolver, file, call, class), Some((true, _))))
    })
}

/// Whether the project function `factory` of `file` ends by returning a nested `def` that
/// [`passes_coroutines_through`], after statements that run straight through and do not
/// name that `def`.
fn factory_passes_coroutines_through(
    resolver: &mut Resolver,
    file: File,
    factory: FunctionId,
) -> bool {
    let hir = file_hir(resolver.db(), file);
    let function = &hir.functions[factory];
    let body = &function.body;
    let Some((returned, returned_expr, before)) = ends_by_returning_a_name(function) else {
        return false;
    };
    let mut decorator = None;
    for stmt in before {
        match &body.stmts[*stmt] {
            Stmt::FunctionDef(inner)
                if decorator.is_none() && hir.functions[*inner].name == *returned =>
            {
                decorator = Some(*inner);
            }
            other if is_straight_line(other) => {}
            _ => return false,
        }
    }
    // `return deco`, named nowhere else, so it is the `def` above, handed to no one.
    match decorator {
        Some(inner) => {
            !mentions(body, returned, &[*returned_expr].into_iter().collect())
                && passes_coroutines_through(resolver, file, inner)
        }
        None => false,
    }
}

/// For a plain function (not async, undecorated, not a generator) whose last statement
/// is `return name`: that name, the expression, and the statements before it.
fn ends_by_returning_a_name(function: &Function) -> Option<(&Name, &ExprId, &[StmtId])> {
    let body = &function.body;
    if function.is_async || !function.decorators.is_empty() || is_generator(body) {
        return None;
    }
    let (last, before) = body.block.split_last()?;
    let Stmt::Return {
        value: Some(returned_expr),
    } = &body.stmts[*last]
    else {
        return None;
    };
    let Expr::Name { id: returned, .. } = &body.exprs[*returned_expr] else {
        return None;
    };
    Some((returned, returned_expr, before))
}

/// The name of a function's only parameter, when it is a plain positional one.
fn single_positional_parameter(params: &Params) -> Option<&Name> {
    match (params.posonly.as_ref(), params.args.as_ref()) {
        ([param], []) | ([], [param])
            if params.vararg.is_none() && params.kwonly.is_empty() && params.kwarg.is_none() =>
        {
            Some(&param.name)
        }
        _ => None,
    }
}

/// The argument of a `functools.wraps(argument)` decorator, or `None` for any other.
fn wraps_argument(
    resolver: &mut Resolver,
    file: File,
    body_id: BodyId,
    body: &Body,
    decorator: ExprId,
) -> Option<ExprId> {
    let Expr::Call {
        func,
        args,
        keywords,
    } = &body.exprs[decorator]
    else {
        return None;
    };
    let is_wraps = matches!(
        resolver.resolve_expr(file, body_id, *func),
        Resolution::Definite(Target::External(name)) if name == "functools.wraps"
    );
    match (is_wraps, args.as_slice(), keywords.is_empty()) {
        (true, [argument], true) => Some(*argument),
        _ => None,
    }
}

/// Whether a wrapper ends by returning `decorated(...)`, after statements that neither
/// branch nor mention `decorated`.
fn forwards_to(wrapper: &Function, decorated: &Name) -> bool {
    let body = &wrapper.body;
    if wrapper.is_async || is_generator(body) {
        return false;
    }
    let Some((last, before)) = body.block.split_last() else {
        return false;
    };
    let Stmt::Return { value: Some(value) } = &body.stmts[*last] else {
        return false;
    };
    let Expr::Call { func, .. } = &body.exprs[*value] else {
        return false;
    };
    if !matches!(&body.exprs[*func], Expr::Name { id, .. } if id == decorated) {
        return false;
    }
    before
        .iter()
        .all(|stmt| is_straight_line(&body.stmts[*stmt]))
        && !mentions(body, decorated, &[*func].into_iter().collect())
}

/// Statements that run straight through: no branch, loop, handler, nested scope, or
/// change to which names are local.
fn is_straight_line(stmt: &Stmt) -> bool {
    matches!(
        stmt,
        Stmt::Expr { .. }
            | Stmt::Assign { .. }
            | Stmt::AugAssign { .. }
            | Stmt::AnnAssign { .. }
            | Stmt::Import { .. }
            | Stmt::ImportFrom { .. }
            | Stmt::Pass
    )
}

/// `fn` in `fn.attr = value`.
fn attribute_store_object(body: &Body, stmt: &Stmt) -> Option<ExprId> {
    let Stmt::Assign { targets, .. } = stmt else {
        return None;
    };
    match targets.as_ref() {
        [target] => match &body.exprs[*target] {
            Expr::Attribute { value, .. } if matches!(body.exprs[*value], Expr::Name { .. }) => {
                Some(*value)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Whether `name` appears in `body` outside `allowed`, other than to read what it is
/// called (`fn.__name__`), or `body` holds a lambda that could capture it.
fn mentions(body: &Body, name: &Name, allowed: &FxHashSet<ExprId>) -> bool {
    let described: FxHashSet<ExprId> = body
        .exprs
        .iter()
        .filter_map(|(_, expr)| match expr {
            Expr::Attribute { value, attr, .. }
                if DESCRIPTIVE_ATTRIBUTES.contains(&attr.as_str()) =>
            {
                Some(*value)
            }
            _ => None,
        })
        .collect();
    body.exprs.iter().any(|(id, expr)| match expr {
        Expr::Name { id: used, .. } => {
            used == name && !allowed.contains(&id) && !described.contains(&id)
        }
        Expr::Lambda { .. } => true,
        _ => false,
    })
}

/// Attributes that describe a function without handing it on.
const DESCRIPTIVE_ATTRIBUTES: &[&str] = &["__name__", "__qualname__", "__module__", "__doc__"];

fn is_generator(body: &Body) -> bool {
    body.exprs.iter().any(|(_, expr)| {
        matches!(
            expr,
            Expr::Yield { .. } | Expr::YieldFrom { .. } | Expr::Await { .. }
        )
    })
}
