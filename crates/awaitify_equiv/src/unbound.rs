//! Which reads of function locals may find them unassigned (and raise
//! `UnboundLocalError`): the semantic index's use-def map, run on a *flow model* of the
//! file.
//!
//! Terms:
//! - A read is **maybe unbound** when some path reaches it on which no binding of its
//!   local ran. Moving an effect across such a read changes whether the effect runs
//!   before the exception, so [`crate::effects`] counts the local as unstable.
//! - The **flow model** is a copy of the HIR in which every construct that may stop
//!   part-way, or run part of itself only conditionally, is spelled as an equivalent-or-
//!   wider flow that the semantic index understands. The index follows Python's flow the
//!   way name resolution needs it, and treats these as always running to completion:
//!   - a `with` body may stop at any point: an exception raised in it may be swallowed
//!     by the context manager's `__exit__` (`contextlib.suppress`, `pytest.raises`), and
//!     the statements after the `with` run. The same holds for binding an `as` target
//!     and for the items after the first, each protected by the managers entered before
//!     it. `with a as x, b as y: body` becomes
//!     `with a: try: x = None; with b: try: y = None; body except: pass except: pass`;
//!     the exception still reaches enclosing handlers, since the index lets every write
//!     of a `try` body reach every enclosing handler and `finally`;
//!   - the later links of a chained comparison run only while the earlier links are
//!     true: `a < b < (c := f()) < d` becomes `(a, b) and (c := f()) and d`;
//!   - an `assert` evaluates its message only when the test fails (and then raises), and
//!     nothing at all under `python -O`: `assert t, m` becomes the statement
//!     `() and t and m`.
//!
//! The model is only ever wider (more paths), so a read it calls always bound is always
//! bound. It keeps every `Name` expression at its id, so its uses map back to the source.
//!
//! Depends on the HIR only; `lower` builds the semantic index on the model.

use std::borrow::Cow;

use awaitify_hir::hir::{
    Body, BoolOp, ExceptHandler, Expr, ExprContext, ExprId, FileHir, Literal, Stmt, StmtId,
    WithItem,
};

/// `hir` itself when nothing in it needs modelling, else its flow model.
pub(crate) fn flow_model(hir: &FileHir) -> Cow<'_, FileHir> {
    if !hir.bodies().any(|(_, body)| needs_model(body)) {
        return Cow::Borrowed(hir);
    }
    let mut model = hir.clone();
    model_body(&mut model.module);
    for (_, function) in model.functions.iter_mut() {
        model_body(&mut function.body);
    }
    for (_, class) in model.classes.iter_mut() {
        model_body(&mut class.body);
    }
    Cow::Owned(model)
}

fn needs_model(body: &Body) -> bool {
    body.stmts
        .iter()
        .any(|(_, stmt)| matches!(stmt, Stmt::With { .. } | Stmt::Assert { .. }))
        || body
            .exprs
            .iter()
            .any(|(_, expr)| is_chained_comparison(expr))
}

fn is_chained_comparison(expr: &Expr) -> bool {
    matches!(expr, Expr::Compare { comparators, .. } if comparators.len() > 1)
}

/// Rewrites every `with`, `assert` and chained comparison of `body` in place. Statements
/// and expressions keep their ids; the model's additions are new ids.
fn model_body(body: &mut Body) {
    let stmt_ids: Vec<StmtId> = body.stmts.iter().map(|(id, _)| id).collect();
    for id in stmt_ids {
        match &body.stmts[id] {
            Stmt::With {
                is_async,
                items,
                body: with_body,
            } => {
                let (is_async, items, with_body) = (*is_async, items.clone(), with_body.clone());
                body.stmts[id] = model_with(body, is_async, &items, with_body);
            }
            Stmt::Assert { test, msg } => {
                let (test, msg) = (*test, *msg);
                let values: Vec<ExprId> = std::iter::once(empty_tuple(body))
                    .chain([test])
                    .chain(msg)
                    .collect();
                let value = body.exprs.alloc(Expr::BoolOp {
                    op: BoolOp::And,
                    values: values.into(),
                });
                body.stmts[id] = Stmt::Expr { value };
            }
            _ => {}
        }
    }
    let expr_ids: Vec<ExprId> = body
        .exprs
        .iter()
        .filter(|(_, expr)| is_chained_comparison(expr))
        .map(|(id, _)| id)
        .collect();
    for id in expr_ids {
        let Expr::Compare {
            left, comparators, ..
        } = &body.exprs[id]
        else {
            unreachable!("filtered above")
        };
        let (left, comparators) = (*left, comparators.to_vec());
        let first_link = body.exprs.alloc(Expr::Tuple {
            elts: Box::new([left, comparators[0]]),
            ctx: ExprContext::Load,
            parenthesized: true,
        });
        let values: Vec<ExprId> = std::iter::once(first_link)
            .chain(comparators[1..].iter().copied())
            .collect();
        body.exprs[id] = Expr::BoolOp {
            op: BoolOp::And,
            values: values.into(),
        };
    }
}

fn empty_tuple(body: &mut Body) -> ExprId {
    body.exprs.alloc(Expr::Tuple {
        elts: Box::new([]),
        ctx: ExprContext::Load,
        parenthesized: true,
    })
}

/// `with items[0] as t: rest` as `with items[0]: try: t = None; rest except: pass`,
/// where `rest` is the remaining items around `with_body`, modelled the same way.
fn model_with(
    body: &mut Body,
    is_async: bool,
    items: &[WithItem],
    with_body: Box<[StmtId]>,
) -> Stmt {
    let Some((first, rest)) = items.split_first() else {
        return Stmt::With {
            is_async,
            items: Box::new([]),
            body: with_body,
        };
    };
    let mut protected = Vec::new();
    if let Some(target) = first.optional_vars {
        let value = body.exprs.alloc(Expr::Literal(Literal::None));
        protected.push(body.stmts.alloc(Stmt::Assign {
            targets: Box::new([target]),
            value,
        }));
    }
    if rest.is_empty() {
        protected.extend(with_body.iter().copied());
    } else {
        let inner = model_with(body, is_async, rest, with_body);
        protected.push(body.stmts.alloc(inner));
    }
    let pass = body.stmts.alloc(Stmt::Pass);
    let suppressed = body.stmts.alloc(Stmt::Try {
        body: protected.into(),
        handlers: vec![ExceptHandler {
            type_: None,
            name: None,
            body: Box::new([pass]),
        }]
        .into(),
        orelse: Vec::new().into(),
        finalbody: Vec::new().into(),
        is_star: false,
    });
    Stmt::With {
        is_async,
        items: Box::new([WithItem {
            context_expr: first.context_expr,
            optional_vars: None,
        }]),
        body: Box::new([suppressed]),
    }
}
