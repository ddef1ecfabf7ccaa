//! Traversals of the normal form: child expressions, every identifier in a fixed order,
//! and the *head* of a statement.
//!
//! Terms:
//! - The **head** of a statement is the list of its expressions that Python evaluates
//!   first, exactly once, before anything else the statement does: the value of an
//!   expression statement, `return` or assignment (targets come after), the test of an
//!   `if`, the iterable of a `for`, the first context manager of a `with`, the exception
//!   and cause of a `raise`, the subject of a `match`. Other statements have no head.
//!   Walruses are hoisted out of heads and single-use variables inlined into them.
//!
//! Invariant: every walk visits nodes in printing order, so numbering locals by first
//! occurrence is the same for two trees that are equal.

use crate::normal_form::{
    Block, Class, Comprehension, Expr, ExprKind, Function, Ident, InterpolatedPart, Params,
    Pattern, Stmt, StmtKind,
};

/// The direct child expressions of `expr`, in printing order. Identifiers (the name of
/// `Name`, the target of `Named`, lambda parameters) are not expressions; see
/// [`walk_expr_idents`].
pub(crate) fn expr_children_mut(expr: &mut Expr) -> Vec<&mut Expr> {
    let mut out: Vec<&mut Expr> = Vec::new();
    match &mut expr.kind {
        ExprKind::Name(_) | ExprKind::Literal(_) | ExprKind::Unparsable(_) => {}
        ExprKind::Interpolated { parts, .. } => interpolated_children(parts, &mut out),
        ExprKind::BoolOp { values, .. } => out.extend(values.iter_mut()),
        ExprKind::Named { value, .. } => out.push(value),
        ExprKind::BinOp { left, right, .. } => {
            out.push(left);
            out.push(right);
        }
        ExprKind::UnaryOp { operand, .. } => out.push(operand),
        ExprKind::Lambda { params, body, .. } => {
            out.extend(params.iter_mut().filter_map(|param| param.default.as_mut()));
            out.push(body);
        }
        ExprKind::IfExp { test, body, orelse } => {
            out.push(body);
            out.push(test);
            out.push(orelse);
        }
        ExprKind::Dict(items) => {
            for item in items {
                if let Some(key) = &mut item.key {
                    out.push(key);
                }
                out.push(&mut item.value);
            }
        }
        ExprKind::Set(elts) | ExprKind::List(elts) | ExprKind::Tuple(elts) => {
            out.extend(elts.iter_mut())
        }
        ExprKind::ListComp {
            elt, generators, ..
        }
        | ExprKind::SetComp {
            elt, generators, ..
        }
        | ExprKind::Generator {
            elt, generators, ..
        } => {
            out.push(elt);
            generator_children(generators, &mut out);
        }
        ExprKind::DictComp {
            key,
            value,
            generators,
            ..
        } => {
            out.push(key);
            out.push(value);
            generator_children(generators, &mut out);
        }
        ExprKind::Await(value) | ExprKind::YieldFrom(value) | ExprKind::Starred(value) => {
            out.push(value)
        }
        ExprKind::Yield(value) => out.extend(value.as_deref_mut()),
        ExprKind::Compare {
            left, comparators, ..
        } => {
            out.push(left);
            out.extend(comparators.iter_mut());
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            out.push(func);
            out.extend(args.iter_mut());
            out.extend(keywords.iter_mut().map(|keyword| &mut keyword.value));
        }
        ExprKind::Attribute { value, .. } => out.push(value),
        ExprKind::Subscript { value, slice } => {
            out.push(value);
            out.push(slice);
        }
        ExprKind::Slice { lower, upper, step } => {
            for part in [lower, upper, step] {
                out.extend(part.as_deref_mut());
            }
        }
    }
    out
}

fn interpolated_children<'a>(parts: &'a mut [InterpolatedPart], out: &mut Vec<&'a mut Expr>) {
    for part in parts {
        if let InterpolatedPart::Interpolation {
            expr, format_spec, ..
        } = part
        {
            out.push(expr);
            if let Some(spec) = format_spec {
                interpolated_children(spec, out);
            }
        }
    }
}

fn generator_children<'a>(generators: &'a mut [Comprehension], out: &mut Vec<&'a mut Expr>) {
    for generator in generators {
        out.push(&mut generator.target);
        out.push(&mut generator.iter);
        out.extend(generator.ifs.iter_mut());
    }
}

/// The expression at address `target` inside `expr`, if any.
pub(crate) fn find_expr_mut(expr: &mut Expr, target: *const Expr) -> Option<&mut Expr> {
    if std::ptr::eq(expr, target) {
        return Some(expr);
    }
    for child in expr_children_mut(expr) {
        if let Some(found) = find_expr_mut(child, target) {
            return Some(found);
        }
    }
    None
}

/// The head expressions of `stmt` (see the module docs), in evaluation order.
pub(crate) fn head_mut(stmt: &mut Stmt) -> Vec<&mut Expr> {
    match &mut stmt.kind {
        StmtKind::Expr(value) | StmtKind::Return(value) => vec![value],
        StmtKind::Assign { value, .. } => vec![value],
        StmtKind::If { test, .. } => vec![test],
        StmtKind::For { iter, .. } => vec![iter],
        StmtKind::With { items, .. } => items
            .first_mut()
            .map(|item| &mut item.context_expr)
            .into_iter()
            .collect(),
        StmtKind::Raise { exc, cause } => exc.iter_mut().chain(cause.iter_mut()).collect(),
        StmtKind::Match { subject, .. } => vec![subject],
        _ => Vec::new(),
    }
}

/// Every expression of `stmt` itself, not of its nested blocks: for a `def` or `class`,
/// its header (decorators, defaults, annotations, bases), which the enclosing scope
/// evaluates.
pub(crate) fn stmt_exprs_mut(stmt: &mut Stmt) -> Vec<&mut Expr> {
    match &mut stmt.kind {
        StmtKind::FunctionDef(function) => {
            let Function {
                decorators,
                params,
                returns,
                ..
            } = &mut **function;
            let mut out: Vec<&mut Expr> = decorators.iter_mut().collect();
            for param in params.iter_mut() {
                out.extend(param.annotation.as_mut());
                out.extend(param.default.as_mut());
            }
            out.extend(returns.as_mut());
            out
        }
        StmtKind::ClassDef(class) => {
            let mut out: Vec<&mut Expr> = class.decorators.iter_mut().collect();
            out.extend(class.bases.iter_mut());
            out.extend(class.keywords.iter_mut().map(|keyword| &mut keyword.value));
            out
        }
        StmtKind::Return(value) | StmtKind::Expr(value) => vec![value],
        StmtKind::Delete(targets) => targets.iter_mut().collect(),
        StmtKind::Assign { targets, value } => {
            let mut out: Vec<&mut Expr> = targets.iter_mut().collect();
            out.push(value);
            out
        }
        StmtKind::AugAssign { target, value, .. } => vec![target, value],
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => {
            let mut out = vec![target];
            out.extend(annotation.as_mut());
            out.extend(value.as_mut());
            out
        }
        StmtKind::TypeAlias { name, value, .. } => vec![name, value],
        StmtKind::For { target, iter, .. } => vec![target, iter],
        StmtKind::While { test, .. } | StmtKind::If { test, .. } => vec![test],
        StmtKind::With { items, .. } => {
            let mut out = Vec::new();
            for item in items {
                out.push(&mut item.context_expr);
                out.extend(item.optional_vars.as_mut());
            }
            out
        }
        StmtKind::Match { subject, cases } => {
            let mut out = vec![subject];
            out.extend(cases.iter_mut().filter_map(|case| case.guard.as_mut()));
            out
        }
        StmtKind::Raise { exc, cause } => exc.iter_mut().chain(cause.iter_mut()).collect(),
        StmtKind::Try { handlers, .. } => handlers
            .iter_mut()
            .filter_map(|handler| handler.type_.as_mut())
            .collect(),
        StmtKind::Assert { test, msg } => {
            let mut out = vec![test];
            out.extend(msg.as_mut());
            out
        }
        StmtKind::Import(_)
        | StmtKind::ImportFrom { .. }
        | StmtKind::Global(_)
        | StmtKind::Nonlocal(_)
        | StmtKind::Break
        | StmtKind::Continue
        | StmtKind::Unparsable(_) => Vec::new(),
    }
}

/// The nested blocks of `stmt`, item bodies included when `descend_items`.
pub(crate) fn blocks_mut(stmt: &mut Stmt, descend_items: bool) -> Vec<&mut Block> {
    match &mut stmt.kind {
        StmtKind::FunctionDef(function) if descend_items => vec![&mut function.body],
        StmtKind::ClassDef(class) if descend_items => vec![&mut class.body],
        StmtKind::For { body, orelse, .. }
        | StmtKind::While { body, orelse, .. }
        | StmtKind::If { body, orelse, .. } => vec![body, orelse],
        StmtKind::With { body, .. } => vec![body],
        StmtKind::Match { cases, .. } => cases.iter_mut().map(|case| &mut case.body).collect(),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            let mut out = vec![body];
            out.extend(handlers.iter_mut().map(|handler| &mut handler.body));
            out.push(orelse);
            out.push(finalbody);
            out
        }
        _ => Vec::new(),
    }
}

/// Calls `f` on every identifier of `expr`, in printing order.
pub(crate) fn walk_expr_idents(expr: &mut Expr, f: &mut dyn FnMut(&mut Ident)) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match &mut expr.kind {
        ExprKind::Name(ident) => f(ident),
        ExprKind::Named { target, value } => {
            f(target);
            walk_expr_idents(value, f);
        }
        ExprKind::Lambda { params, body, .. } => {
            walk_params_idents(params, f);
            walk_expr_idents(body, f);
        }
        _ => {
            for child in expr_children_mut(expr) {
                walk_expr_idents(child, f);
            }
        }
    })
}

fn walk_params_idents(params: &mut Params, f: &mut dyn FnMut(&mut Ident)) {
    for param in params.iter_mut() {
        f(&mut param.name);
        for expr in [&mut param.annotation, &mut param.default]
            .into_iter()
            .flatten()
        {
            walk_expr_idents(expr, f);
        }
    }
}

fn walk_pattern_idents(pattern: &mut Pattern, f: &mut dyn FnMut(&mut Ident)) {
    match pattern {
        Pattern::Value(value) => walk_expr_idents(value, f),
        Pattern::Singleton(_) => {}
        Pattern::Sequence(patterns) | Pattern::Or(patterns) => {
            for pattern in patterns {
                walk_pattern_idents(pattern, f);
            }
        }
        Pattern::Mapping {
            keys,
            patterns,
            rest,
        } => {
            for (key, pattern) in keys.iter_mut().zip(patterns.iter_mut()) {
                walk_expr_idents(key, f);
                walk_pattern_idents(pattern, f);
            }
            if let Some(rest) = rest {
                f(rest);
            }
        }
        Pattern::Class {
            cls,
            patterns,
            kwd_patterns,
            ..
        } => {
            walk_expr_idents(cls, f);
            for pattern in patterns.iter_mut().chain(kwd_patterns.iter_mut()) {
                walk_pattern_idents(pattern, f);
            }
        }
        Pattern::Star(name) => {
            if let Some(name) = name {
                f(name);
            }
        }
        Pattern::As { pattern, name } => {
            if let Some(pattern) = pattern {
                walk_pattern_idents(pattern, f);
            }
            if let Some(name) = name {
                f(name);
            }
        }
    }
}

/// Calls `f` on every identifier of a function: decorators, name, parameters, return
/// annotation, body.
pub(crate) fn walk_function_idents(function: &mut Function, f: &mut dyn FnMut(&mut Ident)) {
    for decorator in &mut function.decorators {
        walk_expr_idents(decorator, f);
    }
    f(&mut function.name);
    for type_param in &mut function.type_params {
        for expr in [&mut type_param.bound, &mut type_param.default]
            .into_iter()
            .flatten()
        {
            walk_expr_idents(expr, f);
        }
    }
    walk_params_idents(&mut function.params, f);
    if let Some(returns) = &mut function.returns {
        walk_expr_idents(returns, f);
    }
    walk_block_idents(&mut function.body, true, f);
}

/// Calls `f` on every identifier of a class: decorators, name, bases, body.
pub(crate) fn walk_class_idents(class: &mut Class, f: &mut dyn FnMut(&mut Ident)) {
    for decorator in &mut class.decorators {
        walk_expr_idents(decorator, f);
    }
    f(&mut class.name);
    for type_param in &mut class.type_params {
        for expr in [&mut type_param.bound, &mut type_param.default]
            .into_iter()
            .flatten()
        {
            walk_expr_idents(expr, f);
        }
    }
    for base in &mut class.bases {
        walk_expr_idents(base, f);
    }
    for keyword in &mut class.keywords {
        walk_expr_idents(&mut keyword.value, f);
    }
    walk_block_idents(&mut class.body, true, f);
}

/// Calls `f` on every identifier of `block`; `def`/`class` statements are skipped
/// entirely unless `descend_items`.
pub(crate) fn walk_block_idents(
    block: &mut Block,
    descend_items: bool,
    f: &mut dyn FnMut(&mut Ident),
) {
    for stmt in block {
        walk_stmt_idents(stmt, descend_items, f);
    }
}

pub(crate) fn walk_stmt_idents(
    stmt: &mut Stmt,
    descend_items: bool,
    f: &mut dyn FnMut(&mut Ident),
) {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        walk_stmt_idents_inner(stmt, descend_items, f)
    })
}

fn walk_stmt_idents_inner(stmt: &mut Stmt, descend_items: bool, f: &mut dyn FnMut(&mut Ident)) {
    let exprs = |exprs: &mut dyn Iterator<Item = &mut Expr>, f: &mut dyn FnMut(&mut Ident)| {
        for expr in exprs {
            walk_expr_idents(expr, f);
        }
    };
    match &mut stmt.kind {
        StmtKind::FunctionDef(function) => {
            if descend_items {
                walk_function_idents(function, f);
            }
        }
        StmtKind::ClassDef(class) => {
            if descend_items {
                walk_class_idents(class, f);
            }
        }
        StmtKind::Return(value) | StmtKind::Expr(value) => walk_expr_idents(value, f),
        StmtKind::Delete(targets) => exprs(&mut targets.iter_mut(), f),
        StmtKind::Assign { targets, value } => {
            exprs(&mut targets.iter_mut(), f);
            walk_expr_idents(value, f);
        }
        StmtKind::AugAssign { target, value, .. } => {
            walk_expr_idents(target, f);
            walk_expr_idents(value, f);
        }
        StmtKind::AnnAssign {
            target,
            annotation,
            value,
        } => {
            walk_expr_idents(target, f);
            exprs(&mut annotation.iter_mut().chain(value.iter_mut()), f);
        }
        StmtKind::TypeAlias {
            name,
            type_params,
            value,
        } => {
            walk_expr_idents(name, f);
            for type_param in type_params {
                exprs(
                    &mut type_param
                        .bound
                        .iter_mut()
                        .chain(type_param.default.iter_mut()),
                    f,
                );
            }
            walk_expr_idents(value, f);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
            ..
        } => {
            walk_expr_idents(target, f);
            walk_expr_idents(iter, f);
            walk_block_idents(body, descend_items, f);
            walk_block_idents(orelse, descend_items, f);
        }
        StmtKind::While { test, body, orelse } | StmtKind::If { test, body, orelse } => {
            walk_expr_idents(test, f);
            walk_block_idents(body, descend_items, f);
            walk_block_idents(orelse, descend_items, f);
        }
        StmtKind::With { items, body, .. } => {
            for item in items {
                walk_expr_idents(&mut item.context_expr, f);
                if let Some(vars) = &mut item.optional_vars {
                    walk_expr_idents(vars, f);
                }
            }
            walk_block_idents(body, descend_items, f);
        }
        StmtKind::Match { subject, cases } => {
            walk_expr_idents(subject, f);
            for case in cases {
                walk_pattern_idents(&mut case.pattern, f);
                if let Some(guard) = &mut case.guard {
                    walk_expr_idents(guard, f);
                }
                walk_block_idents(&mut case.body, descend_items, f);
            }
        }
        StmtKind::Raise { exc, cause } => exprs(&mut exc.iter_mut().chain(cause.iter_mut()), f),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            walk_block_idents(body, descend_items, f);
            for handler in handlers {
                if let Some(type_) = &mut handler.type_ {
                    walk_expr_idents(type_, f);
                }
                if let Some(name) = &mut handler.name {
                    f(name);
                }
                walk_block_idents(&mut handler.body, descend_items, f);
            }
            walk_block_idents(orelse, descend_items, f);
            walk_block_idents(finalbody, descend_items, f);
        }
        StmtKind::Assert { test, msg } => {
            walk_expr_idents(test, f);
            exprs(&mut msg.iter_mut(), f);
        }
        StmtKind::Import(names) | StmtKind::ImportFrom { names, .. } => {
            for alias in names {
                if let Some(bound) = &mut alias.bound {
                    f(bound);
                }
            }
        }
        StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
            for name in names {
                f(name);
            }
        }
        StmtKind::Break | StmtKind::Continue | StmtKind::Unparsable(_) => {}
    }
}
