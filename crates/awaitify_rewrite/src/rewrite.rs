//! The rewrite of one file: which edits the coloring asks for.
//!
//! For each colored unit of the file: its seeds are rewritten by their rule, its calls
//! of functions that become async are awaited (or, for generators that become async
//! generators, the loop over them becomes `async for`), and a `def` that becomes async
//! gets `async `. Everything else is left as it was.

use awaitify_callgraph::{CallSite, Context, Iteration, file_calls};
use awaitify_db::{Db, File};
use awaitify_hir::hir::{BodyId, Expr, ExprId};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::{Target, resolve_module, semantic_index};
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::Settings;
use crate::coloring::Coloring;
use crate::print::{
    Edit, ImportPlanner, Parents, binds_as_primary, has_comment, needs_parentheses,
};
use crate::rules::RuleAction;
use crate::seeds::file_seeds;

/// The edits for `file`, in the order they were decided.
pub fn file_edits(db: &dyn Db, file: File, settings: Settings, coloring: &Coloring) -> Vec<Edit> {
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let index = semantic_index(db, file);
    let calls = file_calls(db, file);
    let seeds = file_seeds(db, file, settings);
    let source = file.text(db);
    let mut edits = Vec::new();
    let mut planner = ImportPlanner::new(hir, index, map);
    let mut parents: FxHashMap<BodyId, Parents> = FxHashMap::default();

    for (function, data) in hir.functions.iter() {
        if coloring.becomes_async(db, (file, BodyId::Function(function)))
            && let Some(offset) = map.body(data.parent).keywords.get(&data.stmt)
        {
            edits.push(insert(*offset, "async "));
        }
    }

    let colored = |site: &CallSite| {
        site.context == Context::Direct
            && !site.awaited
            && coloring.colored.contains(&(file, site.body))
    };
    let mut seeded = vec![false; calls.sites.len()];
    for seed in &seeds.seeds {
        let site = &calls.sites[seed.site];
        if !colored(site) {
            continue;
        }
        seeded[seed.site] = true;
        let body = hir.body(site.body);
        let body_map = map.body(site.body);
        let parents = parents
            .entry(site.body)
            .or_insert_with(|| Parents::of(body));
        let Expr::Call { func, args, .. } = &body.exprs[site.expr] else {
            continue;
        };
        let call_range = body_map.expr(site.expr);
        let wrap = needs_parentheses(body, body_map, parents, site.expr);
        match &seed.rule.action {
            RuleAction::Await => await_call(&mut edits, call_range, wrap),
            RuleAction::Replace(replacement) => {
                let module = module_of(db, replacement);
                let reference = planner.reference(replacement, &module, call_range.start());
                edits.push(Edit {
                    range: body_map.expr(*func),
                    text: reference,
                });
                await_call(&mut edits, call_range, wrap);
            }
            RuleAction::AwaitArgument => {
                let Some(argument) = args
                    .first()
                    .copied()
                    .filter(|argument| !matches!(body.exprs[*argument], Expr::Starred { .. }))
                else {
                    continue;
                };
                let argument_range = body_map.expr(argument);
                let before = TextRange::new(call_range.start(), argument_range.start());
                let after = TextRange::new(argument_range.end(), call_range.end());
                let (open, close) = if wrap { ("(", ")") } else { ("", "") };
                if has_comment(&source[before]) || has_comment(&source[after]) {
                    // Keep the call's own parentheses (and the comments in them).
                    edits.push(insert(call_range.start(), open));
                    edits.push(Edit {
                        range: body_map.expr(*func),
                        text: "await ".into(),
                    });
                    edits.push(insert(call_range.end(), close));
                } else {
                    let (inner_open, inner_close) = if binds_as_primary(body, argument) {
                        ("", "")
                    } else {
                        ("(", ")")
                    };
                    edits.push(Edit {
                        range: before,
                        text: format!("{open}await {inner_open}"),
                    });
                    edits.push(Edit {
                        range: after,
                        text: format!("{inner_close}{close}"),
                    });
                }
            }
        }
    }

    for (index, site) in calls.sites.iter().enumerate() {
        if seeded[index] || !colored(site) {
            continue;
        }
        let async_targets: Vec<&Target> = site
            .targets
            .iter()
            .filter(|target| match target {
                Target::Function { file, function } => {
                    coloring.becomes_async(db, (*file, BodyId::Function(*function)))
                }
                _ => false,
            })
            .collect();
        let Some(first) = async_targets.first() else {
            continue;
        };
        let Target::Function {
            file: target_file,
            function,
        } = first
        else {
            continue;
        };
        let body_map = map.body(site.body);
        if file_calls(db, *target_file).generators.contains(function) {
            match site.iterated {
                Some(Iteration::For(stmt)) => {
                    if let Some(offset) = body_map.keywords.get(&stmt) {
                        edits.push(insert(*offset, "async "));
                    }
                }
                Some(Iteration::Comprehension(expr, generator)) => {
                    if let Some(offset) = body_map.comprehension_fors.get(&(expr, generator)) {
                        edits.push(insert(*offset, "async "));
                    }
                }
                None => {}
            }
            continue;
        }
        let body = hir.body(site.body);
        let parents = parents
            .entry(site.body)
            .or_insert_with(|| Parents::of(body));
        let wrap = needs_parentheses(body, body_map, parents, site.expr);
        await_call(&mut edits, body_map.expr(site.expr), wrap);
    }
    edits.extend(planner.import_edit(source));
    edits
}

fn insert(offset: TextSize, text: &str) -> Edit {
    Edit {
        range: TextRange::empty(offset),
        text: text.to_string(),
    }
}

fn await_call(edits: &mut Vec<Edit>, call: TextRange, wrap: bool) {
    if wrap {
        edits.push(insert(call.start(), "(await "));
        edits.push(insert(call.end(), ")"));
    } else {
        edits.push(insert(call.start(), "await "));
    }
}

/// The module part of a qualified name: the longest prefix that is a project module,
/// else everything before the last dot.
fn module_of(db: &dyn Db, qualified: &str) -> String {
    let parts: Vec<&str> = qualified.split('.').collect();
    for length in (1..parts.len()).rev() {
        let candidate = parts[..length].join(".");
        if resolve_module(db, &candidate).is_some() {
            return candidate;
        }
    }
    parts[..parts.len().saturating_sub(1).max(1)].join(".")
}

/// The expression id of a call's callee, for labels.
pub fn callee_of(db: &dyn Db, file: File, body: BodyId, call: ExprId) -> Option<ExprId> {
    match &file_hir(db, file).body(body).exprs[call] {
        Expr::Call { func, .. } => Some(*func),
        _ => None,
    }
}
