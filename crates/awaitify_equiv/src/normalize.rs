//! The rewrite rules that bring a lowered unit to its normal form, applied to a fixpoint,
//! and the final numbering of locals.
//!
//! Terms:
//! - A block **terminates** when control never falls off its end: its last statement is
//!   `return`, `raise`, `continue` or `break`, or an `if` whose two branches terminate.
//! - A **single-use pair** is an assignment `v = e` to a plain local `v` directly
//!   followed by a statement whose head reads `v` exactly once, unconditionally, with `v`
//!   appearing nowhere else in that statement or in `e`. A variable is **inlinable**
//!   when every occurrence of it in the unit belongs to a single-use pair.
//!
//! The rules (each meaning-preserving; none reorders effects, see [`crate::effects`]):
//! 1. *Ternary split*: `x = a if c else b`, `return a if c else b` and `a if c else b`
//!    as a statement become `if c: ... else: ...` with the branch in each arm.
//! 2. *Walrus hoisting*: an unconditional `(v := e)` in a statement's head becomes
//!    `v = e` just before the statement, when everything evaluated before it in the
//!    statement is inert and does not read what the walrus writes.
//! 3. *Dead code*: statements after a terminating statement are dropped.
//! 4. *Early exit*: when one branch of an `if` terminates and the other does not, the
//!    statements after the `if` move to the end of the other branch.
//! 5. *Return pushing*: an `if` (neither branch terminating) followed by a final
//!    `return r` gets `return r` at the end of both branches instead.
//! 6. *Positive tests*: `if not c: A else: B` becomes `if c: B else: A` (also for
//!    `is not` and `not in`), and `if c: pass else: B` becomes `if not c: B`.
//! 7. *Inlining*: in a single-use pair of an inlinable variable, `e` replaces the read of
//!    `v` and the assignment goes, when `e` commutes with everything the statement
//!    evaluates before the read. Never in a unit that calls `locals()` and friends.
//! 8. *Trailing `continue`*: a `continue` at the very end of a loop body (or of a branch
//!    of the `if` that ends it) is dropped.
//!
//! Lowering has already made every function end in a terminating statement, so 4 and 5
//! turn the three ways of writing a guard (early return, ternary, assignments in both
//! branches followed by `return v`) into the same `if`/`else` of two `return`s.

use rustc_hash::FxHashMap;

use crate::effects::{Op, Stability, commute, trace};
use crate::lower::UnitFacts;
use crate::normal_form::{
    Binding, Block, Expr, ExprKind, Ident, LocalKey, ScopeKey, ScopeTag, Stmt, StmtKind, Unit,
};
use crate::visit::{
    blocks_mut, expr_children_mut, find_expr_mut, head_mut, stmt_exprs_mut, walk_block_idents,
    walk_class_idents, walk_function_idents, walk_stmt_idents,
};
use awaitify_hir::hir::{CmpOp, UnaryOp};

/// Rounds of rewriting before giving up on a fixpoint (each round applies every rule
/// everywhere; real code needs two or three).
const MAX_ROUNDS: usize = 64;

/// Whether control never falls off the end of `block`.
pub(crate) fn terminates(block: &[Stmt]) -> bool {
    match block.last().map(|stmt| &stmt.kind) {
        Some(StmtKind::Return(_) | StmtKind::Raise { .. } | StmtKind::Break)
        | Some(StmtKind::Continue) => true,
        Some(StmtKind::If { body, orelse, .. }) => terminates(body) && terminates(orelse),
        _ => false,
    }
}

/// Where a block sits: the function whose locals its statements may treat as stable.
#[derive(Clone, Copy)]
struct BlockContext {
    scope: Option<ScopeKey>,
}

/// Brings `unit` to its normal form and numbers its locals.
pub(crate) fn normalize_unit(unit: &mut Unit, facts: &UnitFacts) {
    for _ in 0..MAX_ROUNDS {
        let mut changed = rewrite_unit(unit, &mut |block, context| {
            structural_rules(block, context, facts)
        });
        if !facts.observes_locals {
            let inlinable = inlinable_variables(unit);
            if !inlinable.is_empty() {
                changed |= rewrite_unit(unit, &mut |block, context| {
                    inline_pairs(block, context, facts, &inlinable)
                });
            }
        }
        if !changed {
            break;
        }
    }
    if facts.observes_locals {
        for_each_unit_ident(unit, &mut |ident| {
            if let Binding::Local { keep_name, .. } = &mut ident.binding {
                *keep_name = true;
            }
        });
    }
    number_locals(unit);
}

/// Sets each local's canonical index to the order of its first occurrence, counting
/// locals compared by name and renamable locals separately (so the printed `v0`, `v1`, ...
/// have no gaps). Equality compares the index together with the kind, so this is still
/// comparison up to a bijective renaming.
fn number_locals(unit: &mut Unit) {
    let mut indices: FxHashMap<LocalKey, u32> = FxHashMap::default();
    let mut counts = [0u32; 2];
    for_each_unit_ident(unit, &mut |ident| {
        let Some(key) = ident.local_key() else {
            return;
        };
        let Binding::Local {
            canonical,
            keep_name,
            ..
        } = &mut ident.binding
        else {
            return;
        };
        let counter = &mut counts[usize::from(*keep_name)];
        *canonical = *indices.entry(key).or_insert_with(|| {
            *counter += 1;
            *counter - 1
        });
    });
}

/// Every identifier of the unit; a module's items are units of their own and skipped.
pub(crate) fn for_each_unit_ident(unit: &mut Unit, f: &mut dyn FnMut(&mut Ident)) {
    match unit {
        Unit::Function(function) => walk_function_idents(function, f),
        Unit::Class(class) => walk_class_idents(class, f),
        Unit::Module(block) => walk_block_idents(block, false, f),
    }
}

/// Applies `rule` to every block of the unit, innermost first.
fn rewrite_unit(unit: &mut Unit, rule: &mut dyn FnMut(&mut Block, BlockContext) -> bool) -> bool {
    match unit {
        Unit::Function(function) => rewrite_block(
            &mut function.body,
            BlockContext {
                scope: Some(function.scope.0),
            },
            true,
            rule,
        ),
        Unit::Class(class) => {
            rewrite_block(&mut class.body, BlockContext { scope: None }, true, rule)
        }
        Unit::Module(block) => rewrite_block(block, BlockContext { scope: None }, false, rule),
    }
}

fn rewrite_block(
    block: &mut Block,
    context: BlockContext,
    descend_items: bool,
    rule: &mut dyn FnMut(&mut Block, BlockContext) -> bool,
) -> bool {
    let mut changed = false;
    for stmt in block.iter_mut() {
        let inner = match &stmt.kind {
            StmtKind::FunctionDef(function) => BlockContext {
                scope: Some(function.scope.0),
            },
            StmtKind::ClassDef(_) => BlockContext { scope: None },
            _ => context,
        };
        for nested in blocks_mut(stmt, descend_items) {
            changed |= stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                rewrite_block(nested, inner, descend_items, rule)
            });
        }
    }
    changed | rule(block, context)
}

fn structural_rules(block: &mut Block, context: BlockContext, facts: &UnitFacts) -> bool {
    let mut changed = split_ternaries(block, facts);
    changed |= hoist_walruses(block, context, facts);
    changed |= drop_dead_code(block);
    changed |= positive_tests(block);
    changed |= early_exits(block, facts);
    changed |= drop_trailing_continues(block);
    changed
}

/// Gives every scope introduced inside `stmts` (nested functions, lambdas,
/// comprehensions) a fresh key, so that a copy made by a rewrite does not share its inner
/// locals with the original: written out twice, they would be two scopes.
fn refresh_scopes(stmts: &mut [Stmt], facts: &UnitFacts) {
    let mut renamed: FxHashMap<ScopeKey, ScopeKey> = FxHashMap::default();
    let mut fresh = |tag: &mut ScopeTag| {
        let new = facts.next_scope.get();
        facts.next_scope.set(new + 1);
        renamed.insert(tag.0, new);
        tag.0 = new;
    };
    fn in_expr(expr: &mut Expr, fresh: &mut dyn FnMut(&mut ScopeTag)) {
        match &mut expr.kind {
            ExprKind::Lambda { scope, .. }
            | ExprKind::ListComp { scope, .. }
            | ExprKind::SetComp { scope, .. }
            | ExprKind::DictComp { scope, .. }
            | ExprKind::Generator { scope, .. } => fresh(scope),
            _ => {}
        }
        for child in expr_children_mut(expr) {
            in_expr(child, fresh);
        }
    }
    fn in_stmts(stmts: &mut [Stmt], fresh: &mut dyn FnMut(&mut ScopeTag)) {
        for stmt in stmts {
            if let StmtKind::FunctionDef(function) = &mut stmt.kind {
                fresh(&mut function.scope);
            }
            for expr in stmt_exprs_mut(stmt) {
                in_expr(expr, fresh);
            }
            for block in blocks_mut(stmt, true) {
                in_stmts(block, fresh);
            }
        }
    }
    in_stmts(stmts, &mut fresh);
    if renamed.is_empty() {
        return;
    }
    for stmt in stmts.iter_mut() {
        walk_stmt_idents(stmt, true, &mut |ident| {
            if let Binding::Local { scope, .. } = &mut ident.binding
                && let Some(new) = renamed.get(scope)
            {
                *scope = *new;
            }
        });
    }
    // What the facts say of a copied scope's locals holds for the copy's.
    for set in [&facts.nonlocal_written, &facts.maybe_unbound] {
        let mut set = set.borrow_mut();
        let copies: Vec<LocalKey> = set
            .iter()
            .filter_map(|key| {
                renamed.get(&key.scope).map(|new| LocalKey {
                    scope: *new,
                    name: key.name.clone(),
                })
            })
            .collect();
        set.extend(copies);
    }
}

// ---- rule 1: ternary split --------------------------------------------------------------

fn split_ternaries(block: &mut Block, facts: &UnitFacts) -> bool {
    let mut changed = false;
    for stmt in block.iter_mut() {
        let is_ternary = |expr: &Expr| matches!(expr.kind, ExprKind::IfExp { .. });
        let applies = match &stmt.kind {
            StmtKind::Return(value) | StmtKind::Expr(value) => is_ternary(value),
            StmtKind::Assign { value, .. } => is_ternary(value),
            _ => false,
        };
        if !applies {
            continue;
        }
        let origin = stmt.origin;
        let placeholder = StmtKind::Break;
        let kind = std::mem::replace(&mut stmt.kind, placeholder);
        let (value, rebuild): (Expr, Box<dyn Fn(Expr) -> StmtKind>) = match kind {
            StmtKind::Return(value) => (value, Box::new(StmtKind::Return)),
            StmtKind::Expr(value) => (value, Box::new(StmtKind::Expr)),
            StmtKind::Assign { targets, value } => (
                value,
                Box::new(move |value| StmtKind::Assign {
                    targets: targets.clone(),
                    value,
                }),
            ),
            _ => unreachable!("checked above"),
        };
        let ExprKind::IfExp { test, body, orelse } = value.kind else {
            unreachable!("checked above")
        };
        // An arm that became `None` as a statement is dropped by rule 3's cleanup.
        let arm = |expr: Expr| -> Block {
            let mut arm = vec![Stmt {
                origin: expr.origin,
                kind: rebuild(expr),
            }];
            refresh_scopes(&mut arm, facts);
            arm
        };
        stmt.kind = StmtKind::If {
            test: *test,
            body: arm(*body),
            orelse: arm(*orelse),
        };
        stmt.origin = origin;
        changed = true;
    }
    changed
}

// ---- rule 2: walrus hoisting ------------------------------------------------------------

fn hoist_walruses(block: &mut Block, context: BlockContext, facts: &UnitFacts) -> bool {
    let stability = Stability {
        facts,
        scope: context.scope,
    };
    let mut changed = false;
    let mut index = 0;
    while index < block.len() {
        if let Some(assignment) = hoistable_walrus(&mut block[index], &stability) {
            block.insert(index, assignment);
            changed = true;
        }
        index += 1;
    }
    changed
}

/// Takes the first walrus of `stmt`'s head out as an assignment, if rule 2 allows.
fn hoistable_walrus(stmt: &mut Stmt, stability: &Stability<'_>) -> Option<Stmt> {
    let target = {
        let head: Vec<&Expr> = head_mut(stmt).into_iter().map(|expr| &*expr).collect();
        let steps = trace(&head);
        let start = steps
            .iter()
            .position(|step| matches!(step.op, Op::NamedStart))?;
        if !steps[start].unconditional {
            return None;
        }
        let at = steps[start].at;
        let end = steps
            .iter()
            .position(|step| matches!(step.op, Op::NamedEnd) && std::ptr::eq(step.at, at))?;
        if !commute(stability, &steps[start + 1..end], &steps[..start]) {
            return None;
        }
        at
    };
    for expr in head_mut(stmt) {
        if let Some(found) = find_expr_mut(expr, target) {
            let origin = found.origin;
            let ExprKind::Named { target, value } = std::mem::replace(
                &mut found.kind,
                ExprKind::Literal(crate::normal_form::Literal::None),
            ) else {
                unreachable!("the trace points at a walrus")
            };
            found.kind = ExprKind::Name(target.clone());
            return Some(Stmt {
                kind: StmtKind::Assign {
                    targets: vec![Expr::name(target, origin)],
                    value: *value,
                },
                origin,
            });
        }
    }
    None
}

// ---- rule 3: dead code ------------------------------------------------------------------

fn drop_dead_code(block: &mut Block) -> bool {
    let mut changed = false;
    let before = block.len();
    block.retain(|stmt| !matches!(&stmt.kind, StmtKind::Expr(value) if matches!(value.kind, ExprKind::Literal(_))));
    changed |= block.len() != before;
    if let Some(position) = block
        .iter()
        .position(|stmt| terminates(std::slice::from_ref(stmt)))
        && position + 1 < block.len()
    {
        block.truncate(position + 1);
        changed = true;
    }
    changed
}

// ---- rules 4 and 5: early exits and return pushing --------------------------------------

fn early_exits(block: &mut Block, facts: &UnitFacts) -> bool {
    let Some(index) = block
        .iter()
        .position(|stmt| matches!(stmt.kind, StmtKind::If { .. }))
    else {
        return false;
    };
    let mut changed = false;
    // Later `if`s first would also work; one per round keeps the rule simple.
    for index in index..block.len() {
        if index + 1 >= block.len() {
            break;
        }
        let (last_is_return, rest_len) = (
            matches!(
                block.last().map(|stmt| &stmt.kind),
                Some(StmtKind::Return(_))
            ),
            block.len() - index - 1,
        );
        let StmtKind::If { body, orelse, .. } = &block[index].kind else {
            continue;
        };
        let (body_exits, orelse_exits) = (terminates(body), terminates(orelse));
        if body_exits == orelse_exits && !(!body_exits && rest_len == 1 && last_is_return) {
            continue;
        }
        let rest = block.split_off(index + 1);
        let StmtKind::If { body, orelse, .. } = &mut block[index].kind else {
            unreachable!("matched above")
        };
        match (body_exits, orelse_exits) {
            (true, false) => orelse.extend(rest),
            (false, true) => body.extend(rest),
            _ => {
                let mut copy = rest.clone();
                refresh_scopes(&mut copy, facts);
                body.extend(copy);
                orelse.extend(rest);
            }
        }
        changed = true;
        break;
    }
    changed
}

/// Rule 8: a `continue` that ends a loop body (directly or at the end of a branch of a
/// final `if`) does nothing.
fn drop_trailing_continues(block: &mut Block) -> bool {
    fn in_tail(block: &mut Block) -> bool {
        match block.last_mut().map(|stmt| &mut stmt.kind) {
            Some(StmtKind::Continue) => {
                block.pop();
                true
            }
            Some(StmtKind::If { body, orelse, .. }) => in_tail(body) | in_tail(orelse),
            _ => false,
        }
    }
    let mut changed = false;
    for stmt in block.iter_mut() {
        if let StmtKind::For { body, .. } | StmtKind::While { body, .. } = &mut stmt.kind {
            changed |= in_tail(body);
        }
    }
    changed
}

// ---- rule 6: positive tests -------------------------------------------------------------

fn positive_tests(block: &mut Block) -> bool {
    let mut changed = false;
    for stmt in block.iter_mut() {
        let StmtKind::If { test, body, orelse } = &mut stmt.kind else {
            continue;
        };
        let empty_body = body.is_empty() && !orelse.is_empty();
        let negated = !body.is_empty() && !orelse.is_empty() && is_negative(test);
        if empty_body || negated {
            negate(test);
            std::mem::swap(body, orelse);
            changed = true;
        }
    }
    changed
}

fn is_negative(test: &Expr) -> bool {
    match &test.kind {
        ExprKind::UnaryOp {
            op: UnaryOp::Not, ..
        } => true,
        ExprKind::Compare { ops, .. } => {
            matches!(ops.as_slice(), [CmpOp::IsNot] | [CmpOp::NotIn])
        }
        _ => false,
    }
}

/// Replaces `test` by its negation with the same truth-testing: `not c` -> `c`,
/// `a is b` <-> `a is not b`, `a in b` <-> `a not in b` (Python defines `not in` as the
/// negation of `in`), anything else `c` -> `not c`.
fn negate(test: &mut Expr) {
    let origin = test.origin;
    let kind = std::mem::replace(
        &mut test.kind,
        ExprKind::Literal(crate::normal_form::Literal::None),
    );
    test.kind = match kind {
        ExprKind::UnaryOp {
            op: UnaryOp::Not,
            operand,
        } => operand.kind,
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } if ops.len() == 1
            && matches!(ops[0], CmpOp::Is | CmpOp::IsNot | CmpOp::In | CmpOp::NotIn) =>
        {
            let flipped = match ops[0] {
                CmpOp::Is => CmpOp::IsNot,
                CmpOp::IsNot => CmpOp::Is,
                CmpOp::In => CmpOp::NotIn,
                _ => CmpOp::In,
            };
            ExprKind::Compare {
                left,
                ops: vec![flipped],
                comparators,
            }
        }
        other => ExprKind::UnaryOp {
            op: UnaryOp::Not,
            operand: Box::new(Expr::new(other, origin)),
        },
    };
}

/// Merges `a or (b or c)` into `a or b or c` (also for `and`), as lowering does: an
/// inlined operand must not make a normal form that reads differently.
fn flatten_bool_ops(expr: &mut Expr) {
    for child in expr_children_mut(expr) {
        flatten_bool_ops(child);
    }
    if let ExprKind::BoolOp { op, values } = &mut expr.kind
        && values
            .iter()
            .any(|value| matches!(&value.kind, ExprKind::BoolOp { op: inner, .. } if inner == op))
    {
        let mut flat = Vec::with_capacity(values.len() + 1);
        for value in std::mem::take(values) {
            match value.kind {
                ExprKind::BoolOp {
                    op: inner,
                    values: inner_values,
                } if inner == *op => flat.extend(inner_values),
                kind => flat.push(Expr::new(kind, value.origin)),
            }
        }
        *values = flat;
    }
}

// ---- rule 7: inlining single-use variables ----------------------------------------------

/// The variable of a single-use pair at `block[index]`, `block[index + 1]`.
fn pair_variable(block: &mut [Stmt], index: usize) -> Option<LocalKey> {
    let (first, rest) = block[index..].split_first_mut()?;
    let next = rest.first_mut()?;
    let StmtKind::Assign { targets, value } = &mut first.kind else {
        return None;
    };
    let [target] = targets.as_slice() else {
        return None;
    };
    let ExprKind::Name(ident) = &target.kind else {
        return None;
    };
    let key = ident.local_key()?;
    if count_in_expr(value, &key) != 0 || count_in_stmt(next, &key) != 1 {
        return None;
    }
    let head: Vec<&Expr> = head_mut(next).into_iter().map(|expr| &*expr).collect();
    let steps = trace(&head);
    let read_once = steps.iter().any(|step| {
        step.unconditional
            && matches!(step.op, Op::Read(read) if read.local_key().as_ref() == Some(&key))
    });
    read_once.then_some(key)
}

fn count_in_expr(expr: &mut Expr, key: &LocalKey) -> usize {
    let mut count = 0;
    crate::visit::walk_expr_idents(expr, &mut |ident| {
        if ident.local_key().as_ref() == Some(key) {
            count += 1;
        }
    });
    count
}

fn count_in_stmt(stmt: &mut Stmt, key: &LocalKey) -> usize {
    let mut count = 0;
    walk_stmt_idents(stmt, true, &mut |ident| {
        if ident.local_key().as_ref() == Some(key) {
            count += 1;
        }
    });
    count
}

/// The variables every occurrence of which is in a single-use pair.
fn inlinable_variables(unit: &mut Unit) -> rustc_hash::FxHashSet<LocalKey> {
    let mut occurrences: FxHashMap<LocalKey, usize> = FxHashMap::default();
    for_each_unit_ident(unit, &mut |ident| {
        if let Some(key) = ident.local_key() {
            *occurrences.entry(key).or_default() += 1;
        }
    });
    let mut pairs: FxHashMap<LocalKey, usize> = FxHashMap::default();
    rewrite_unit(unit, &mut |block, _| {
        for index in 0..block.len() {
            if let Some(key) = pair_variable(block, index) {
                *pairs.entry(key).or_default() += 1;
            }
        }
        false
    });
    pairs
        .into_iter()
        .filter(|(key, count)| occurrences.get(key) == Some(&(2 * count)))
        .map(|(key, _)| key)
        .collect()
}

fn inline_pairs(
    block: &mut Block,
    context: BlockContext,
    facts: &UnitFacts,
    inlinable: &rustc_hash::FxHashSet<LocalKey>,
) -> bool {
    let stability = Stability {
        facts,
        scope: context.scope,
    };
    let mut changed = false;
    let mut index = 0;
    while index + 1 < block.len() {
        let Some(key) = pair_variable(block, index) else {
            index += 1;
            continue;
        };
        if !inlinable.contains(&key) || context.scope != Some(key.scope) {
            index += 1;
            continue;
        }
        // Replace before removing the assignment: removing moves the statement, and the
        // read is found by address.
        let (first, rest) = block.split_at_mut(index + 1);
        let StmtKind::Assign { value, .. } = &mut first[index].kind else {
            unreachable!("a pair starts with an assignment")
        };
        let read_at = {
            let moved = trace(&[&*value]);
            let head: Vec<&Expr> = head_mut(&mut rest[0]).into_iter().map(|e| &*e).collect();
            let steps = trace(&head);
            let position = steps
                .iter()
                .position(|step| {
                    matches!(step.op, Op::Read(read) if read.local_key().as_ref() == Some(&key))
                })
                .expect("a pair's head reads its variable");
            commute(&stability, &moved, &steps[..position]).then_some(steps[position].at)
        };
        let Some(read_at) = read_at else {
            index += 1;
            continue;
        };
        let mut moved = Some(std::mem::replace(value, Expr::none(value.origin)));
        for expr in head_mut(&mut rest[0]) {
            if let Some(found) = find_expr_mut(expr, read_at) {
                *found = moved.take().expect("replaced once");
                break;
            }
        }
        assert!(moved.is_none(), "the traced read is in the head");
        for expr in head_mut(&mut rest[0]) {
            flatten_bool_ops(expr);
        }
        block.remove(index);
        changed = true;
    }
    changed
}
