//! The rewrite of one file: which edits the coloring asks for.
//!
//! For each colored unit of the file: its seeds are rewritten by their rule, its calls
//! of functions that become async are awaited (or, for generators that become async
//! generators, the loop over them becomes `async for`), and a `def` that becomes async
//! gets `async `. A call in the main guard of a module other modules import runs only
//! when that module is the script, with no event loop running: `asyncio.run` runs it
//! there. Everything else is left as it was.

use awaitify_callgraph::{CallSite, Context, Iteration, file_calls};
use awaitify_db::{Db, File};
use awaitify_hir::hir::{BodyId, Expr, ExprId, Stmt};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::{Resolution, Target, resolve_module, semantic_index};
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::Settings;
use crate::coloring::Coloring;
use crate::print::{
    Edit, ImportPlanner, Parents, Trivia, binds_as_primary, keep_words_apart, kept_comments,
    needs_parentheses, rename_callee,
};
use crate::rules::RuleAction;
use crate::seeds::{
    UserRule, file_seeds, project_function_name, project_user_rules, sibling_renames,
};

/// The edits for `file`, in the order they were decided.
pub fn file_edits(db: &dyn Db, file: File, settings: Settings, coloring: &Coloring) -> Vec<Edit> {
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let index = semantic_index(db, file);
    let calls = file_calls(db, file);
    let seeds = file_seeds(db, file, settings);
    let user_rules: &[UserRule] = if seeds
        .seeds
        .iter()
        .any(|seed| matches!(seed.rule.action, RuleAction::Replace(_)))
    {
        project_user_rules(db, settings)
    } else {
        &[]
    };
    let source = file.text(db);
    let mut edits = Vec::new();
    let mut planner = ImportPlanner::new(db, file, hir, index, map);
    let trivia = Trivia::new(db, file);
    let mut parents: FxHashMap<BodyId, Parents> = FxHashMap::default();

    let turning: Vec<bool> = hir
        .functions
        .iter()
        .map(|(function, _)| coloring.becomes_async(db, (file, BodyId::Function(function))))
        .collect();
    let becoming: FxHashSet<(BodyId, &str)> = hir
        .functions
        .iter()
        .zip(&turning)
        .filter(|(_, turns)| **turns)
        .map(|((_, data), _)| (data.parent, data.name.as_str()))
        .collect();
    let mut resolver = None;
    for ((_, data), turns) in hir.functions.iter().zip(&turning) {
        // `@overload` stubs of a function that becomes async describe a coroutine too.
        let becomes_async = *turns
            || (!data.is_async
                && becoming.contains(&(data.parent, data.name.as_str()))
                && data.decorators.iter().any(|decorator| {
                    let resolver =
                        resolver.get_or_insert_with(|| awaitify_semantic::Resolver::new(db));
                    // `overload` may come from `typing_extensions` or, failing that, `typing`.
                    let is_overload = |target: &Target| {
                        matches!(target, Target::External(name)
                            if matches!(name.as_str(), "typing.overload" | "typing_extensions.overload"))
                    };
                    match resolver.resolve_expr(file, data.parent, *decorator) {
                        Resolution::Definite(target) => is_overload(&target),
                        Resolution::Ambiguous(candidates) => candidates
                            .iter()
                            .all(|candidate| candidate.target.as_ref().is_ok_and(is_overload)),
                        Resolution::Unresolved(_) => false,
                    }
                }));
        if becomes_async && let Some(offset) = map.body(data.parent).keywords.get(&data.stmt) {
            edits.push(insert(*offset, "async "));
        }
    }
    // A context manager that becomes async: `@contextmanager` becomes
    // `@asynccontextmanager`, through the `contextlib` module however it is imported.
    for ((function, data), turns) in hir.functions.iter().zip(&turning) {
        if !*turns || !calls.context_managers.contains(&function) {
            continue;
        }
        let resolver = resolver.get_or_insert_with(|| awaitify_semantic::Resolver::new(db));
        for decorator in data.decorators.iter() {
            if awaitify_callgraph::context_manager_decorator(
                resolver,
                file,
                data.parent,
                *decorator,
            ) == Some(false)
            {
                let range = map.body(data.parent).expr(*decorator);
                let reference = planner.reference(
                    "contextlib.asynccontextmanager",
                    "contextlib",
                    range.start(),
                );
                edits.push(Edit {
                    range,
                    text: reference,
                });
            }
        }
    }

    let colored = |site: &CallSite| {
        site.context.in_frame() && !site.awaited && coloring.colored.contains(&(file, site.body))
    };
    let mut seeded = vec![false; calls.sites.len()];
    for seed in &seeds.seeds {
        if colored(&calls.sites[seed.site]) {
            seeded[seed.site] = true;
        }
    }
    // What each other call site becomes: awaited (a call of a function that becomes
    // async), or iterated with `async for` (a generator that becomes async).
    let site_edits: Vec<Option<CallEdit>> = calls
        .sites
        .iter()
        .enumerate()
        .map(|(index, site)| {
            if seeded[index] {
                return None;
            }
            if coloring.run_as_script.contains(&(file, index)) {
                return Some(CallEdit::RunAsScript);
            }
            // A call awaited already returned an awaitable: it gains a second `await`.
            let already_awaited = site.awaited && site.context.in_frame();
            if !colored(site) && !already_awaited {
                return None;
            }
            let targets = coloring
                .parameter_targets
                .get(&(file, index))
                .unwrap_or(&site.targets);
            let (target_file, function) = targets.iter().find_map(|target| match target {
                Target::Function { file, function }
                    if coloring.becomes_async(db, (*file, BodyId::Function(*function))) =>
                {
                    Some((*file, *function))
                }
                _ => None,
            })?;
            let target_calls = file_calls(db, target_file);
            if target_calls.context_managers.contains(&function) {
                site.managed.map(|_| CallEdit::AsyncWith)
            } else if target_calls.generators.contains(&function) {
                (!site.awaited).then_some(CallEdit::AsyncFor)
            } else {
                Some(CallEdit::Await)
            }
        })
        .collect();
    // Materialized generator expressions that will await become list comprehensions:
    // their brackets open before any other edit at their start, and close after any at
    // their end.
    let materialized = materialized_generators(hir, calls, &seeded, &site_edits);
    let mut closing = Vec::new();
    for (body_id, generator) in &materialized {
        let range = map.body(*body_id).expr(*generator);
        let (open, close) = list_brackets(source, hir.body(*body_id), *generator, range);
        edits.push(open);
        closing.push(close);
    }
    for seed in &seeds.seeds {
        if !seeded[seed.site] {
            continue;
        }
        let site = &calls.sites[seed.site];
        let body = hir.body(site.body);
        let body_map = map.body(site.body);
        let parents = parents
            .entry(site.body)
            .or_insert_with(|| Parents::of(body));
        let Expr::Call { func, .. } = &body.exprs[site.expr] else {
            continue;
        };
        let call_range = body_map.expr(site.expr);
        let wrap = needs_parentheses(body, body_map, parents, site.expr);
        match &seed.rule.action {
            RuleAction::Await => await_call(&mut edits, call_range, wrap),
            // `c.get(x)` for `client.Client.get` -> `client.Client.aget` keeps its
            // receiver (or its module as spelled here); `fetch(1)` in the module that
            // defines `fetch_async` names its own global.
            RuleAction::Replace(replacement)
                if let Some(edit) = rename_in_place(
                    resolver.get_or_insert_with(|| awaitify_semantic::Resolver::new(db)),
                    file,
                    source,
                    (site.body, body, body_map),
                    *func,
                    (&seed.rule.call, replacement),
                    user_rules
                        .iter()
                        .find(|user_rule| user_rule.rule == seed.rule),
                ) =>
            {
                edits.push(edit);
                await_call(&mut edits, call_range, wrap);
            }
            RuleAction::Replace(replacement) => {
                let module = module_of(db, replacement);
                let reference = planner.reference(replacement, &module, call_range.start());
                edits.extend(rename_callee(
                    body, body_map, source, &trivia, *func, &reference,
                ));
                await_call(&mut edits, call_range, wrap);
            }
            RuleAction::AwaitArgument => {
                let Some(argument) = crate::seeds::awaited_argument(body, site.expr) else {
                    continue;
                };
                let argument_range = body_map.expr(argument);
                let before = TextRange::new(call_range.start(), argument_range.start());
                let after = TextRange::new(argument_range.end(), call_range.end());
                let (open, close) = if wrap { ("(", ")") } else { ("", "") };
                // Other arguments (`debug=False`) go, but not a comment among them.
                let before_comments = trivia.comments(source, before);
                let after_comments = trivia.comments(source, after);
                if !before_comments.is_empty() || !after_comments.is_empty() {
                    // Parentheses hold the comments' lines together, in place of the
                    // call's own; a trailing comma goes (`await (c,)` awaits a tuple).
                    edits.push(Edit {
                        range: before,
                        text: format!(
                            "{open}await ({}",
                            kept_comments(source, before, &before_comments, true)
                        ),
                    });
                    let inside =
                        TextRange::new(after.start(), call_range.end() - TextSize::from(1));
                    edits.push(Edit {
                        range: after,
                        text: format!(
                            "{}){close}",
                            kept_comments(source, inside, &after_comments, true)
                        ),
                    });
                } else {
                    // `asyncio.run(f())` where `f()` gains its own `await`, or an argument
                    // whose line break only the call's parentheses held together.
                    let argument_awaited =
                        calls.sites.iter().zip(&site_edits).any(|(other, edit)| {
                            other.body == site.body
                                && other.expr == argument
                                && *edit == Some(CallEdit::Await)
                        });
                    let (inner_open, inner_close) = if binds_as_primary(body, argument)
                        && !argument_awaited
                        && !trivia.breaks_line_outside_brackets(source, argument_range)
                    {
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

    // On Pyodide, `asyncio.new_event_loop()` makes the new loop the running one, and
    // every later await on the page's loop fails ("attached to a different loop"). Once
    // each `run_until_complete` on such a loop in the file, or in the project (where
    // the loop may be made in another module, or made current and fetched with
    // `get_event_loop()`), is awaited instead, the page's own loop serves:
    // `asyncio.get_event_loop()`, which keeps `set_event_loop(loop)` and `loop.close()`
    // harmless there.
    let new_loop_runs_awaited = seeds
        .seeds
        .iter()
        .any(|seed| seeded[seed.site] && seed.rule.runs_new_loop())
        && seeds
            .seeds
            .iter()
            .all(|seed| seeded[seed.site] || !seed.rule.runs_new_loop())
        && seeds
            .skipped
            .iter()
            .all(|(_, skip)| !skip.rule().runs_new_loop());
    if new_loop_runs_awaited || coloring.loops_awaited {
        for site in &calls.sites {
            if site.awaited
                || !matches!(&site.callee, Resolution::Definite(Target::External(name)) if name == "asyncio.new_event_loop")
            {
                continue;
            }
            let body = hir.body(site.body);
            let Expr::Call { func, .. } = &body.exprs[site.expr] else {
                continue;
            };
            // `asyncio.new_event_loop().run_until_complete(c)` is unwrapped whole.
            let parents = parents
                .entry(site.body)
                .or_insert_with(|| Parents::of(body));
            if parents
                .get(site.expr)
                .is_some_and(|parent| matches!(body.exprs[parent], Expr::Attribute { .. }))
            {
                continue;
            }
            let body_map = map.body(site.body);
            let reference = planner.reference(
                "asyncio.get_event_loop",
                "asyncio",
                body_map.expr(*func).start(),
            );
            edits.extend(rename_callee(
                body, body_map, source, &trivia, *func, &reference,
            ));
        }
    }

    let mut entered_async: FxHashSet<(BodyId, awaitify_hir::hir::StmtId)> = FxHashSet::default();
    let mut splits: Vec<(crate::with_split::Layout, Vec<bool>)> = Vec::new();
    for (site, edit) in calls.sites.iter().zip(&site_edits) {
        let Some(edit) = edit else {
            continue;
        };
        let body_map = map.body(site.body);
        match edit {
            // An `async for` written already iterates asynchronously.
            CallEdit::AsyncFor => match site.iterated {
                Some(Iteration::For(stmt)) => {
                    let written_async = matches!(
                        hir.body(site.body).stmts[stmt],
                        Stmt::For { is_async: true, .. }
                    );
                    if !written_async && let Some(offset) = body_map.keywords.get(&stmt) {
                        edits.push(insert(*offset, "async "));
                    }
                }
                Some(Iteration::Comprehension(expr, generator)) => {
                    let written_async = hir.body(site.body).exprs[expr]
                        .generators()
                        .get(generator as usize)
                        .is_some_and(|generator| generator.is_async);
                    if !written_async
                        && let Some(offset) = body_map.comprehension_fors.get(&(expr, generator))
                    {
                        edits.push(insert(*offset, "async "));
                    }
                }
                None => {}
            },
            CallEdit::AsyncWith => {
                // One `async` for a statement that enters several; one that also enters
                // synchronous context managers is split (see `with_split`).
                if let Some(stmt) = site.managed
                    && entered_async.insert((site.body, stmt))
                    && let Stmt::With { items, .. } = &hir.body(site.body).stmts[stmt]
                {
                    let entered: Vec<bool> = items
                        .iter()
                        .map(|item| {
                            calls
                                .entered_by(site.body, stmt, item.context_expr)
                                .is_some_and(|index| site_edits[index] == Some(CallEdit::AsyncWith))
                        })
                        .collect();
                    let split = entered
                        .iter()
                        .any(|async_item| !async_item)
                        .then(|| crate::with_split::layout(db, file, site.body, stmt))
                        .flatten();
                    match split {
                        Some(layout) => splits.push((layout, entered)),
                        None => {
                            if let Some(offset) = body_map.keywords.get(&stmt) {
                                edits.push(insert(*offset, "async "));
                            }
                        }
                    }
                }
            }
            CallEdit::Await => {
                let body = hir.body(site.body);
                let parents = parents
                    .entry(site.body)
                    .or_insert_with(|| Parents::of(body));
                // `await (await f())`: `await await` does not parse.
                let wrap = site.awaited || needs_parentheses(body, body_map, parents, site.expr);
                await_call(&mut edits, body_map.expr(site.expr), wrap);
            }
            CallEdit::RunAsScript => {
                let call = body_map.expr(site.expr);
                let run = planner.reference("asyncio.run", "asyncio", call.start());
                edits.push(insert(call.start(), &format!("{run}(")));
                edits.push(insert(call.end(), ")"));
            }
        }
    }
    edits.extend(closing.into_iter().rev());
    split_edits(&splits, &mut edits);
    // First among edits at its offset: `import asyncio` goes before the `async ` or
    // `await ` of a statement that starts where it is inserted.
    if let Some(import) = planner.import_edit(source) {
        edits.insert(0, import);
    }
    keep_words_apart(source, &mut edits);
    edits
}

/// The edits of the `with` statements split (see [`crate::with_split`]), put first so
/// that a line's new indentation comes before any other text inserted where it goes. A
/// line inside text another edit replaces (`asyncio.run(` over two lines) has none: the
/// replacement joins it to the line before.
fn split_edits(splits: &[(crate::with_split::Layout, Vec<bool>)], edits: &mut Vec<Edit>) {
    if splits.is_empty() {
        return;
    }
    let mut added = Vec::new();
    for (layout, entered) in splits {
        let enclosing: Vec<(&crate::with_split::Layout, usize)> = splits
            .iter()
            .filter(|(other, _)| other.encloses(layout))
            .map(|(other, other_entered)| (other, other.levels(other_entered)))
            .collect();
        added.extend(layout.edits(entered, &enclosing));
    }
    added.retain(|split| {
        !split.range.is_empty()
            || !edits.iter().any(|other| {
                other.range.start() < split.range.start() && split.range.start() < other.range.end()
            })
    });
    edits.splice(0..0, added);
}

/// The materialized generator expressions (see [`Context::Materialized`]) that hold a
/// call the rewrite awaits or iterates with `async for`, and those around them, outermost
/// first.
fn materialized_generators(
    hir: &awaitify_hir::hir::FileHir,
    calls: &awaitify_callgraph::FileCalls,
    seeded: &[bool],
    site_edits: &[Option<CallEdit>],
) -> Vec<(BodyId, ExprId)> {
    let mut found: FxHashSet<(BodyId, ExprId)> = FxHashSet::default();
    for (index, site) in calls.sites.iter().enumerate() {
        // A generator that becomes async, iterated by one of a materialized generator
        // expression's `for` clauses, makes that clause `async for`, and the generator
        // expression a list comprehension (its first iterable runs outside it).
        let iterating = match site_edits[index] {
            Some(CallEdit::AsyncFor) => calls.materialized_iteration(site),
            _ => None,
        };
        let generator = match (iterating, site.context) {
            (Some(generator), _) => generator,
            (None, Context::Materialized(generator))
                if seeded[index]
                    || matches!(
                        site_edits[index],
                        Some(CallEdit::Await | CallEdit::AsyncFor)
                    ) =>
            {
                generator
            }
            _ => continue,
        };
        let mut next = Some(generator);
        while let Some(generator) = next
            && found.insert((site.body, generator))
        {
            next = calls
                .generator_expression(site.body, generator)
                .and_then(|found| found.enclosing);
        }
    }
    let mut found: Vec<(BodyId, ExprId)> = found.into_iter().collect();
    // Expressions are numbered in pre-order: an enclosing one comes first.
    found.sort_unstable_by_key(|(body, generator)| (hir_order(hir, *body), *generator));
    found
}

/// A body's place among the file's bodies, for a stable order of edits.
fn hir_order(hir: &awaitify_hir::hir::FileHir, body: BodyId) -> usize {
    hir.bodies()
        .position(|(other, _)| other == body)
        .unwrap_or_default()
}

/// The edits that make the generator expression `generator` (at `range`) a list
/// comprehension: its own parentheses become brackets (`sorted((f(x) for x in xs),
/// key=k)`), or, as the sole argument of a call, where it has none, brackets go around
/// it (`",".join([f(x) for x in xs])`). Comments and line breaks inside stay.
fn list_brackets(
    source: &str,
    body: &awaitify_hir::hir::Body,
    generator: ExprId,
    range: TextRange,
) -> (Edit, Edit) {
    let parenthesized = matches!(
        body.exprs[generator],
        Expr::Generator {
            parenthesized: true,
            ..
        }
    );
    let text = &source[std::ops::Range::<usize>::from(range)];
    if parenthesized && text.starts_with('(') && text.ends_with(')') {
        crate::print::replace_enclosing(range, "[", "]")
    } else {
        (insert(range.start(), "["), insert(range.end(), "]"))
    }
}

/// The edit a call site that is not a seed gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallEdit {
    Await,
    AsyncFor,
    /// A `@contextmanager` generator that becomes async, entered by its `with`
    /// statement, which becomes `async with`.
    AsyncWith,
    /// `asyncio.run(f())`: a call that runs only as the script, with no loop running.
    RunAsScript,
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

/// The edit that renames a callee in place, when the rule replaces `a.b.name` by
/// `a.b.other`, a sibling in the same namespace: the attribute of `recv.name` (a
/// method's replacement must keep its receiver, and a module spelled through an alias,
/// `import net as n; n.fetch()`, stays as written), or a bare `name` in the module
/// `a.b` itself (importing the file from itself would run it again). A rule on a project
/// function may be written with the names of a package that re-exports both
/// (`pkg.fetch` by `pkg.afetch`), so the names where they are defined
/// (`pkg.impl.fetch`, `pkg.impl.afetch`) are tried too; and a module the call goes
/// through (`recv`, or the file's own for a bare name) must give the replacement under
/// its name when the replacement is a project function: `pkg.fetch` by `pkg.afetch` does
/// not make `impl.fetch(x)` into `impl.afetch(x)` when only `pkg` binds `afetch`.
pub(crate) fn rename_in_place(
    resolver: &mut awaitify_semantic::Resolver,
    file: File,
    source: &str,
    (body_id, body, body_map): (
        BodyId,
        &awaitify_hir::hir::Body,
        &awaitify_hir::source_map::BodySourceMap,
    ),
    func: ExprId,
    (call, replacement): (&str, &str),
    user_rule: Option<&UserRule>,
) -> Option<Edit> {
    let replacement_definition =
        user_rule.and_then(|user_rule| user_rule.replacement_definition.as_deref());
    sibling_renames((call, replacement), user_rule).find_map(
        |(namespace, name, replacement_name)| {
            let db = resolver.db();
            let (range, module) = match &body.exprs[func] {
                Expr::Attribute { value, attr, .. } if attr.as_str() == name => {
                    let end = body_map.expr(func).end();
                    let range = TextRange::new(end.checked_sub(TextSize::of(attr.as_str()))?, end);
                    let module = match resolver.resolve_expr(file, body_id, *value) {
                        Resolution::Definite(Target::ProjectModule(module)) => Some(module),
                        _ => None,
                    };
                    (range, module)
                }
                Expr::Name { id, .. }
                    if id.as_str() == name
                        && awaitify_db::module_name(db, file).as_deref() == Some(namespace) =>
                {
                    (body_map.expr(func), Some(file))
                }
                _ => return None,
            };
            // The name as written (not normalized to another spelling).
            if source.get(std::ops::Range::<usize>::from(range))? != name {
                return None;
            }
            if let (Some(module), Some(definition)) = (module, replacement_definition) {
                let found = resolver.attribute(Target::ProjectModule(module), replacement_name);
                if project_function_name(db, &found).as_deref() != Some(definition) {
                    return None;
                }
            }
            Some(Edit {
                range,
                text: replacement_name.to_string(),
            })
        },
    )
}
