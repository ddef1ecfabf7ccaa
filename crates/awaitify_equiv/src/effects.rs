//! Evaluation order and effects of normal-form expressions: what a rewrite may move past
//! what.
//!
//! Terms:
//! - A **trace** is the sequence of [`Step`]s Python performs to evaluate some
//!   expressions, in order: name reads, walrus writes, and *effects*.
//! - An **effect** is any step that may run user code or observe state a call can change:
//!   a call, attribute or item access, an operator (`+` calls `__add__`), a comparison
//!   other than `is`/`is not`, a truth test (`not`, `and`, `or`, `if`), iteration,
//!   unpacking, formatting, `await`, `yield`, building a set or dict (hashing).
//! - A step is **unconditional** when it runs whenever the traced expressions run: not
//!   behind `and`/`or`, a ternary's branch, the later links of a chained comparison, a
//!   comprehension's loop or a lambda's body.
//! - A read is **stable** when no call can change what it reads and it cannot raise: a
//!   local of the function whose statement is traced, unless a nested scope declares it
//!   `nonlocal`, a walrus in a generator expression binds it (the walrus runs whenever
//!   the generator is iterated), or some path may read it unassigned
//!   (`UnboundLocalError`, see [`crate::unbound`]); or a builtin
//!   that nothing in the file rebinds or shadows (not even a local of an enclosing
//!   function), in a file that cannot rebind builtins by another route
//!   ([`crate::rebinding`]). Globals, closure variables, class members and the unit's
//!   own name are not stable.
//! - An effect is placed no later than Python performs it (a dict display's hashing
//!   right after each key), so a trace never makes a step look earlier than it is.
//! - Steps are **inert** when they contain no effect and no write and every read is
//!   stable: they cannot change anything, and nothing else can change their value.
//!
//! Invariant: a rewrite moves an expression `e` across steps `p` only when `p` is inert
//! and does not read what `e` writes, or `e` is inert and `p` does not write what `e`
//! reads. A stable read cannot raise.

use awaitify_hir::hir::{CmpOp, Name, UnaryOp};
use rustc_hash::FxHashSet;

use crate::lower::UnitFacts;
use crate::normal_form::{
    Binding, Comprehension, Expr, ExprKind, Ident, InterpolatedPart, Literal, LocalKey, ScopeKey,
};

#[derive(Debug, Clone, Copy)]
pub(crate) enum Op<'a> {
    Read(&'a Ident),
    Write(&'a Ident),
    Effect,
    /// A walrus begins: its value's steps and its write follow, then [`Op::NamedEnd`].
    NamedStart,
    NamedEnd,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Step<'a> {
    pub(crate) op: Op<'a>,
    pub(crate) unconditional: bool,
    /// The expression that performs the step: the `Name` of a read, the `Named` of a
    /// walrus.
    pub(crate) at: *const Expr,
}

/// The steps of evaluating `exprs` in order.
pub(crate) fn trace<'a>(exprs: &[&'a Expr]) -> Vec<Step<'a>> {
    let mut tracer = Tracer { steps: Vec::new() };
    for expr in exprs {
        tracer.expr(expr, true);
    }
    tracer.steps
}

struct Tracer<'a> {
    steps: Vec<Step<'a>>,
}

impl<'a> Tracer<'a> {
    fn push(&mut self, op: Op<'a>, unconditional: bool, at: &'a Expr) {
        self.steps.push(Step {
            op,
            unconditional,
            at,
        });
    }

    fn effect(&mut self, unconditional: bool, at: &'a Expr) {
        self.push(Op::Effect, unconditional, at);
    }

    /// An element of a display or an argument: `*x` iterates.
    fn element(&mut self, expr: &'a Expr, unconditional: bool) {
        match &expr.kind {
            ExprKind::Starred(value) => {
                self.expr(value, unconditional);
                self.effect(unconditional, expr);
            }
            _ => self.expr(expr, unconditional),
        }
    }

    fn expr(&mut self, expr: &'a Expr, on: bool) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(expr, on));
    }

    fn expr_inner(&mut self, expr: &'a Expr, on: bool) {
        match &expr.kind {
            ExprKind::Name(ident) => self.push(Op::Read(ident), on, expr),
            ExprKind::Literal(_) => {}
            ExprKind::Interpolated { parts, .. } => self.parts(parts, on, expr),
            ExprKind::BoolOp { values, .. } => {
                for (index, value) in values.iter().enumerate() {
                    let unconditional = on && index == 0;
                    self.expr(value, unconditional);
                    if index + 1 < values.len() {
                        self.effect(unconditional, expr);
                    }
                }
            }
            ExprKind::Named { target, value } => {
                self.push(Op::NamedStart, on, expr);
                self.expr(value, on);
                self.push(Op::Write(target), on, expr);
                self.push(Op::NamedEnd, on, expr);
            }
            ExprKind::BinOp { left, right, .. } => {
                self.expr(left, on);
                self.expr(right, on);
                self.effect(on, expr);
            }
            ExprKind::UnaryOp { op, operand } => {
                let numeric = matches!(
                    operand.kind,
                    ExprKind::Literal(Literal::Int(_) | Literal::Float(_) | Literal::Complex(_))
                );
                self.expr(operand, on);
                if !(numeric && *op != UnaryOp::Not) {
                    self.effect(on, expr);
                }
            }
            ExprKind::Lambda { params, body, .. } => {
                for param in params.iter() {
                    if let Some(default) = &param.default {
                        self.expr(default, on);
                    }
                }
                self.expr(body, false);
            }
            ExprKind::IfExp { test, body, orelse } => {
                self.expr(test, on);
                self.effect(on, expr);
                self.expr(body, false);
                self.expr(orelse, false);
            }
            // Keys are hashed (user code) when the display is built, which `**` splits
            // into steps; an effect right after each key is never too late.
            ExprKind::Dict(items) => {
                for item in items {
                    if let Some(key) = &item.key {
                        self.expr(key, on);
                        self.effect(on, expr);
                    }
                    self.expr(&item.value, on);
                    if item.key.is_none() {
                        self.effect(on, expr);
                    }
                }
            }
            ExprKind::Set(elts) => {
                for elt in elts {
                    self.element(elt, on);
                    self.effect(on, expr);
                }
            }
            ExprKind::List(elts) | ExprKind::Tuple(elts) => {
                for elt in elts {
                    self.element(elt, on);
                }
            }
            ExprKind::ListComp {
                elt, generators, ..
            }
            | ExprKind::SetComp {
                elt, generators, ..
            }
            | ExprKind::Generator {
                elt, generators, ..
            } => self.comprehension(generators, &[elt], on, expr),
            ExprKind::DictComp {
                key,
                value,
                generators,
                ..
            } => self.comprehension(generators, &[key, value], on, expr),
            ExprKind::Await(value) | ExprKind::YieldFrom(value) => {
                self.expr(value, on);
                self.effect(on, expr);
            }
            ExprKind::Yield(value) => {
                if let Some(value) = value {
                    self.expr(value, on);
                }
                self.effect(on, expr);
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                self.expr(left, on);
                for (index, (op, comparator)) in ops.iter().zip(comparators).enumerate() {
                    let unconditional = on && index == 0;
                    self.expr(comparator, unconditional);
                    if !matches!(op, CmpOp::Is | CmpOp::IsNot) {
                        self.effect(unconditional, expr);
                    }
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                self.expr(func, on);
                for arg in args {
                    self.element(arg, on);
                }
                for keyword in keywords {
                    self.expr(&keyword.value, on);
                    if keyword.arg.is_none() {
                        self.effect(on, expr);
                    }
                }
                self.effect(on, expr);
            }
            ExprKind::Attribute { value, .. } => {
                self.expr(value, on);
                self.effect(on, expr);
            }
            ExprKind::Subscript { value, slice } => {
                self.expr(value, on);
                self.expr(slice, on);
                self.effect(on, expr);
            }
            ExprKind::Starred(value) => {
                self.expr(value, on);
                self.effect(on, expr);
            }
            ExprKind::Slice { lower, upper, step } => {
                for part in [lower, upper, step].into_iter().flatten() {
                    self.expr(part, on);
                }
            }
            ExprKind::Unparsable(_) => self.effect(on, expr),
        }
    }

    /// Each field is formatted (`__format__`, user code) right after it is evaluated,
    /// before the next field.
    fn parts(&mut self, parts: &'a [InterpolatedPart], on: bool, at: &'a Expr) {
        for part in parts {
            if let InterpolatedPart::Interpolation {
                expr, format_spec, ..
            } = part
            {
                self.expr(expr, on);
                if let Some(spec) = format_spec {
                    self.parts(spec, on, at);
                }
                self.effect(on, at);
            }
        }
    }

    /// The first iterable runs unconditionally; the loop and everything in it does not.
    fn comprehension(
        &mut self,
        generators: &'a [Comprehension],
        elts: &[&'a Expr],
        on: bool,
        at: &'a Expr,
    ) {
        for (index, generator) in generators.iter().enumerate() {
            self.expr(&generator.iter, on && index == 0);
            self.effect(on && index == 0, at);
            self.expr(&generator.target, false);
            for condition in &generator.ifs {
                self.expr(condition, false);
                self.effect(false, at);
            }
        }
        for elt in elts {
            self.expr(elt, false);
        }
    }
}

/// A name as far as "does this read what that writes" is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum NameKey {
    Local(LocalKey),
    Global(Name),
}

impl NameKey {
    pub(crate) fn of(ident: &Ident) -> Self {
        match ident.local_key() {
            Some(key) => NameKey::Local(key),
            None => NameKey::Global(ident.name.clone()),
        }
    }
}

/// Decides which reads are stable inside one function's statements.
pub(crate) struct Stability<'f> {
    pub(crate) facts: &'f UnitFacts,
    /// The scope of the function whose statements are rewritten; `None` in a class or
    /// module body, where no local is stable.
    pub(crate) scope: Option<ScopeKey>,
}

impl Stability<'_> {
    pub(crate) fn is_stable(&self, ident: &Ident) -> bool {
        match &ident.binding {
            Binding::Local { scope, .. } => {
                Some(*scope) == self.scope
                    && ident.local_key().is_some_and(|key| {
                        !self.facts.nonlocal_written.borrow().contains(&key)
                            && !self.facts.maybe_unbound.borrow().contains(&key)
                    })
            }
            Binding::Global => self.facts.stable_globals.contains(&ident.name),
            Binding::ClassMember | Binding::OwnItem => false,
        }
    }

    /// No effect, no write, only stable reads.
    pub(crate) fn is_inert(&self, steps: &[Step<'_>]) -> bool {
        steps.iter().all(|step| match step.op {
            Op::Read(ident) => self.is_stable(ident),
            Op::Write(_) | Op::Effect => false,
            Op::NamedStart | Op::NamedEnd => false,
        })
    }
}

pub(crate) fn reads(steps: &[Step<'_>]) -> FxHashSet<NameKey> {
    steps
        .iter()
        .filter_map(|step| match step.op {
            Op::Read(ident) => Some(NameKey::of(ident)),
            _ => None,
        })
        .collect()
}

pub(crate) fn writes(steps: &[Step<'_>]) -> FxHashSet<NameKey> {
    steps
        .iter()
        .filter_map(|step| match step.op {
            Op::Write(ident) => Some(NameKey::of(ident)),
            _ => None,
        })
        .collect()
}

/// Whether evaluating `moved` may be moved across `crossed` (in either direction).
pub(crate) fn commute(stability: &Stability<'_>, moved: &[Step<'_>], crossed: &[Step<'_>]) -> bool {
    (stability.is_inert(crossed) && reads(crossed).is_disjoint(&writes(moved)))
        || (stability.is_inert(moved) && writes(crossed).is_disjoint(&reads(moved)))
}
