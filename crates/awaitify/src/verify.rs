//! Translation validation: `awaitify transform --verify`.
//!
//! After a rewrite, each changed file is checked independently of how it was produced:
//! the rewrite is *erased* from both the input and the output, and the two results must
//! be equivalent modulo the normal form of `awaitify_equiv`. Erasing applies the inverse
//! of everything awaitify may do, to both sides alike, so an input that already had
//! `async def` or `await` compares fairly:
//!
//! - every `await e` becomes `e` (the keyword goes, parentheses after it stay);
//!   `async def`, `async for`, `async with` and async comprehensions lose `async`;
//! - a call whose callee resolves to a rule's name, or to a rule's replacement, is spelled
//!   with the rule's name (`sleep`, `t.sleep` and `asyncio.sleep` all become
//!   `time.sleep`); a call that a rule unwraps (`asyncio.run(c)`) becomes `(c)`, whose
//!   parentheses hold `c` together as the call's did when it breaks its line;
//! - `@contextlib.contextmanager` and `@contextlib.asynccontextmanager`, however
//!   spelled, are both spelled `contextlib.contextmanager`;
//! - the imports a rewrite may add (`import asyncio [as x]`, `import contextlib`, a
//!   replacement's module) are dropped.
//!
//! Erasing hides what `async` and `await` stand for, so three more checks read the
//! output itself: no generator expression gains an `await` or `async for` (it would be
//! an async generator), no call of a project async generator is iterated by a
//! synchronous `for`, and every coroutine is awaited (see [`await_violations`]).
//!
//! Resolution runs on each side's own project, so the output's `_asyncio.sleep` is known
//! for what it is. What is left must normalize to the same thing; any other change (a
//! dropped call, a moved statement) is reported with both locations.

use std::path::Path;

use awaitify_db::{Db, File, RootDatabase};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use awaitify_equiv::{Equivalence, files_equivalent};
use awaitify_hir::hir::{Expr, Stmt};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_rewrite::print::{Edit, Parents, apply_edits, keep_words_apart};
use awaitify_rewrite::seeds::UserRule;
use awaitify_rewrite::{RuleAction, RuleSet};
use awaitify_semantic::{Resolution, Resolver, Target};
use ruff_text_size::{TextRange, TextSize};

/// The text of `file` with awaitify's rewrite erased, as the module docs describe.
///
/// `user_rules` are [`awaitify_rewrite::seeds::user_rules`] of `rules` in `db`.
pub fn erase(db: &dyn Db, file: File, rules: &RuleSet, user_rules: &[UserRule]) -> String {
    let source = file.text(db);
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let mut resolver = Resolver::new(db);
    let calls = awaitify_callgraph::file_calls(db, file);
    let mut edits = Vec::new();
    let added_modules = added_import_modules(rules);
    // A user rule may name a project function, and its replacement, by a package that
    // re-exports them (`pkg.fetch` for `pkg.impl.fetch`), which is what calls resolve to.
    let user_rule_of = |rule: &awaitify_rewrite::rules::Rule| {
        user_rules.iter().find(|user_rule| user_rule.rule == *rule)
    };
    // A list comprehension a builtin materializes reads as the generator expression the
    // rewrite turned into it (`",".join([await f(k) for k in keys])`).
    for (body_id, list) in &calls.materialized_lists {
        let range = map.body(*body_id).expr(*list);
        let text = &source[std::ops::Range::<usize>::from(range)];
        if text.starts_with('[') && text.ends_with(']') {
            let (open, close) = awaitify_rewrite::print::replace_enclosing(range, "(", ")");
            edits.extend([open, close]);
        }
    }
    for (body_id, body) in hir.bodies() {
        let body_map = map.body(body_id);
        let mut parents = None;
        for (expr_id, expr) in body.exprs.iter() {
            match expr {
                Expr::Await { .. } => {
                    // The keyword and the spaces after it: a parenthesis between it and
                    // the value closes after the value, so it stays.
                    let start = body_map.expr(expr_id).start();
                    let rest = &source[usize::from(start + TextSize::of("await"))..];
                    let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
                    let end = start
                        + TextSize::of("await")
                        + TextSize::try_from(spaces).unwrap_or_default();
                    edits.push(delete(start, end));
                }
                Expr::Call { func, .. } => {
                    let Some(name) =
                        qualified_callee(db, &mut resolver, file, body_id, body, *func)
                    else {
                        continue;
                    };
                    // `asyncio.runners.run` is `asyncio.run`, as rules match it.
                    let name = awaitify_rewrite::rules::public_name(&name).into_owned();
                    let call = body_map.expr(expr_id);
                    // A rewrite gives the page's loop where the input made a new one:
                    // both are spelled alike, on both sides.
                    let spelled_alike = matches!(
                        name.as_str(),
                        "asyncio.get_event_loop" | "asyncio.new_event_loop"
                    ) && !parents
                        .get_or_insert_with(|| Parents::of(body))
                        .get(expr_id)
                        .is_some_and(|parent| matches!(body.exprs[parent], Expr::Attribute { .. }));
                    let rule = rules.rules.iter().find(|rule| {
                        let defined = user_rule_of(rule);
                        rule.call == name.as_str()
                            || matches!(&rule.action, RuleAction::Replace(replacement) if replacement == name.as_str())
                            || defined.is_some_and(|defined| {
                                defined.call_definition.as_deref() == Some(name.as_str())
                                    || defined.replacement_definition.as_deref()
                                        == Some(name.as_str())
                            })
                    });
                    // A callee that does something itself is never replaced (AW215); a
                    // replacement in the target's namespace only renamed its attribute
                    // (`Client().aget()` for `Client().get()`), which is named back.
                    if (spelled_alike || rule.is_some())
                        && awaitify_rewrite::seeds::callee_does_something(
                            calls, body_id, body, expr_id,
                        )
                    {
                        if let Some(rule) = rule
                            && let RuleAction::Replace(replacement) = &rule.action
                            && let Expr::Attribute { attr, .. } = &body.exprs[*func]
                        {
                            let renamed = awaitify_rewrite::seeds::sibling_renames(
                                (&rule.call, replacement),
                                user_rule_of(rule),
                            )
                            .find(|(_, _, replacement_name)| attr.as_str() == *replacement_name)
                            .map(|(_, name, _)| name);
                            if let Some(name) = renamed {
                                let end = body_map.expr(*func).end();
                                edits.push(Edit {
                                    range: TextRange::new(end - TextSize::of(attr.as_str()), end),
                                    text: name.to_string(),
                                });
                            }
                        }
                        continue;
                    }
                    if spelled_alike {
                        edits.push(Edit {
                            range: body_map.expr(*func),
                            text: "asyncio.new_event_loop".into(),
                        });
                        continue;
                    }
                    let Some(rule) = rule else {
                        continue;
                    };
                    match &rule.action {
                        RuleAction::AwaitArgument => {
                            if let Some(argument) =
                                awaitify_rewrite::seeds::awaited_argument(body, expr_id)
                            {
                                let argument = body_map.expr(argument);
                                edits.push(Edit {
                                    range: TextRange::new(call.start(), argument.start()),
                                    text: "(".into(),
                                });
                                edits.push(Edit {
                                    range: TextRange::new(argument.end(), call.end()),
                                    text: ")".into(),
                                });
                            }
                        }
                        RuleAction::Replace(_) => edits.push(Edit {
                            range: body_map.expr(*func),
                            text: rule.call.clone(),
                        }),
                        RuleAction::Await => {}
                    }
                }
                Expr::ListComp { generators, .. }
                | Expr::SetComp { generators, .. }
                | Expr::DictComp { generators, .. }
                | Expr::Generator { generators, .. } => {
                    for (index, generator) in generators.iter().enumerate() {
                        if generator.is_async
                            && let Some(offset) =
                                body_map.comprehension_fors.get(&(expr_id, index as u32))
                        {
                            edits.extend(async_before(source, *offset));
                        }
                    }
                }
                _ => {}
            }
        }
        for (stmt_id, stmt) in body.stmts.iter() {
            let is_async = match stmt {
                Stmt::FunctionDef(function) => {
                    // `@asynccontextmanager` over a context manager that became async.
                    for decorator in hir.functions[*function].decorators.iter() {
                        if awaitify_callgraph::context_manager_decorator(
                            &mut resolver,
                            file,
                            body_id,
                            *decorator,
                        )
                        .is_some()
                        {
                            edits.push(Edit {
                                range: body_map.expr(*decorator),
                                text: "contextlib.contextmanager".into(),
                            });
                        }
                    }
                    hir.functions[*function].is_async
                }
                Stmt::For { is_async, .. } | Stmt::With { is_async, .. } => *is_async,
                Stmt::Import { names } if body_id == awaitify_hir::hir::BodyId::Module => {
                    if names.iter().all(|alias| {
                        added_modules
                            .iter()
                            .any(|module| module == alias.name.as_str())
                    }) {
                        edits.push(delete_statement(source, body_map.stmt(stmt_id)));
                    }
                    false
                }
                _ => false,
            };
            if is_async && let Some(offset) = body_map.keywords.get(&stmt_id) {
                edits.extend(async_before(source, *offset));
            }
        }
    }
    keep_words_apart(source, &mut edits);
    apply_edits(source, &edits).unwrap_or_else(|_| source.to_string())
}

/// The qualified name a call's callee stands for: an external name, or an attribute of a
/// project module spelled by the module's dotted name (`asyncio.sleep` where the project
/// itself holds `asyncio`, as the standard library does).
fn qualified_callee(
    db: &dyn Db,
    resolver: &mut Resolver,
    file: File,
    body_id: awaitify_hir::hir::BodyId,
    body: &awaitify_hir::hir::Body,
    func: awaitify_hir::hir::ExprId,
) -> Option<String> {
    match resolver.resolve_expr(file, body_id, func) {
        Resolution::Definite(Target::External(name)) => return Some(name.to_string()),
        // A project function a user rule may name (`lib.block`).
        callee => {
            if let Some(name) = awaitify_rewrite::seeds::project_function_name(db, &callee) {
                return Some(name);
            }
        }
    }
    let Expr::Attribute { value, attr, .. } = &body.exprs[func] else {
        return None;
    };
    match resolver.resolve_expr(file, body_id, *value) {
        Resolution::Definite(Target::ProjectModule(module)) => {
            let module_name = awaitify_db::module_name(db, module).clone()?;
            Some(format!("{module_name}.{attr}"))
        }
        _ => None,
    }
}

/// Modules a rewrite may import: `asyncio`, `contextlib` (for `asynccontextmanager`), and
/// the module of each replacement.
fn added_import_modules(rules: &RuleSet) -> Vec<String> {
    let mut modules = vec!["asyncio".to_string(), "contextlib".to_string()];
    for rule in &rules.rules {
        if let RuleAction::Replace(replacement) = &rule.action
            && let Some((module, _)) = replacement.rsplit_once('.')
        {
            modules.push(module.to_string());
        }
    }
    modules
}

/// Deletes a simple statement with its separator: the preceding `;` when it shares a
/// line with an earlier statement, the following `;` with a later one, else its line.
fn delete_statement(source: &str, range: TextRange) -> Edit {
    let start = usize::from(range.start());
    let end = usize::from(range.end());
    let before = source[..start].trim_end_matches([' ', '\t']);
    if before.ends_with(';') {
        return delete(
            TextSize::try_from(before.len() - 1).unwrap_or_default(),
            range.end(),
        );
    }
    let after = &source[end..];
    let spaces = after.len() - after.trim_start_matches([' ', '\t']).len();
    if after[spaces..].starts_with(';') {
        let rest = &after[spaces + 1..];
        let more = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        return delete(
            range.start(),
            TextSize::try_from(end + spaces + 1 + more).unwrap_or_default(),
        );
    }
    let line_end = after
        .find('\n')
        .map_or(source.len(), |offset| end + offset + 1);
    delete(
        range.start(),
        TextSize::try_from(line_end).unwrap_or_default(),
    )
}

fn delete(start: TextSize, end: TextSize) -> Edit {
    Edit {
        range: TextRange::new(start, end.max(start)),
        text: String::new(),
    }
}

/// The edit removing the `async` keyword (and the space after it) before `keyword`.
fn async_before(source: &str, keyword: TextSize) -> Option<Edit> {
    let before = &source[..usize::from(keyword)];
    let trimmed = before.trim_end();
    let start = trimmed.strip_suffix("async")?.len();
    Some(delete(TextSize::try_from(start).ok()?, keyword))
}

/// When the output has more of some place (by callee) than the input: the first whose
/// callee the input does not have, or else the first.
fn first_added<T: PartialEq + Clone>(
    before: &[(TextRange, T)],
    after: &[(TextRange, T)],
) -> Option<(TextRange, T)> {
    (after.len() > before.len()).then(|| {
        after
            .iter()
            .find(|(_, callee)| !before.iter().any(|(_, earlier)| earlier == callee))
            .unwrap_or(&after[0])
            .clone()
    })
}

/// How one file fared.
pub enum Verdict {
    Verified,
    Failed(Diagnostic),
}

/// Verifies the rewrite of each changed file: `outputs` pairs an input file with its
/// rewritten text. The output side is resolved as a project of its own (the input
/// project with the outputs in place), so both sides see the same modules.
pub fn verify_project(
    input: &RootDatabase,
    root: &Path,
    outputs: &[(File, String)],
    rules: &RuleSet,
) -> Vec<(File, Verdict)> {
    let mut output_db = RootDatabase::new(vec![root.to_path_buf()]);
    for file in input.project().files(input) {
        let text = outputs
            .iter()
            .find(|(changed, _)| changed == file)
            .map(|(_, text)| text.clone())
            .unwrap_or_else(|| file.text(input).to_string());
        output_db.set_file(file.path(input).clone(), text);
    }
    // What each side's user rules name, found once for all the files.
    let input_user_rules = awaitify_rewrite::seeds::user_rules(input, rules);
    let output_user_rules = awaitify_rewrite::seeds::user_rules(&output_db, rules);
    let mut verdicts = Vec::new();
    for (file, _) in outputs {
        let path = file.path(input).clone();
        let Some(output_file) = output_db.file(&path) else {
            continue;
        };
        let erased_input = erase(input, *file, rules, &input_user_rules);
        let erased_output = erase(&output_db, output_file, rules, &output_user_rules);
        let mut scratch = RootDatabase::new(vec!["/awaitify-verify".into()]);
        let left = scratch.set_file("/awaitify-verify/input/module.py", erased_input);
        let right = scratch.set_file("/awaitify-verify/output/module.py", erased_output);
        let before = await_violations(input, *file, rules, &[], Side::Input);
        let after = await_violations(
            &output_db,
            output_file,
            rules,
            &output_user_rules,
            Side::Output,
        );
        // An `await` the output adds inside a generator expression makes it an async
        // generator, which erasing the `await` would hide.
        let async_generator = {
            let before = generator_awaits(input, *file);
            let after = generator_awaits(&output_db, output_file);
            (after.len() > before.len()).then(|| after[before.len().min(after.len() - 1)])
        };
        // A loop or comprehension over an async generator must be `async for`, which
        // erasing `async` would hide too.
        let sync_iteration = {
            let before = synchronous_iterations(input, *file);
            let after = synchronous_iterations(&output_db, output_file);
            first_added(&before, &after)
        };
        let missing_await = first_added(&before, &after);
        // A failure found at `range` of the output, with what went wrong there and the
        // label on the matching input line.
        let failed_at = |range: TextRange, what: &dyn Fn(usize, usize) -> String, label: String| {
            let (line, column) =
                awaitify_diagnostics::line_column(output_file.text(&output_db), range.start());
            Verdict::Failed(
                Diagnostic::error(
                    Code::VerificationFailed,
                    format!(
                        "the rewrite of {} does not verify: {}",
                        path.display(),
                        what(line, column)
                    ),
                )
                .with_primary(Label::new(
                    *file,
                    input_line(file.text(input), output_file.text(&output_db), line),
                    label,
                ))
                .with_note("this is a bug in awaitify; the file is left unchanged"),
            )
        };
        let verdict = match files_equivalent(&scratch, left, right) {
            Equivalence::Equivalent if let Some(range) = async_generator => failed_at(
                range,
                &|line, column| {
                    format!(
                        "the `await` at {line}:{column} of the output makes a generator expression an async generator"
                    )
                },
                "a generator expression on this line would await".to_string(),
            ),
            Equivalence::Equivalent if let Some((range, callee)) = sync_iteration => failed_at(
                range,
                &|line, column| {
                    format!(
                        "the call of `{callee}` at {line}:{column} of the output gives an async generator, which a synchronous `for` iterates"
                    )
                },
                format!(
                    "the async generator `{callee}` on this line is iterated without `async for`"
                ),
            ),
            Equivalence::Equivalent if let Some((range, callee)) = missing_await => failed_at(
                range,
                &|line, column| {
                    format!(
                        "the call of `{callee}` at {line}:{column} of the output returns a coroutine that is not awaited"
                    )
                },
                format!("the call of `{callee}` on this line is left unawaited"),
            ),
            Equivalence::Equivalent => Verdict::Verified,
            Equivalence::Different(difference) => Verdict::Failed(
                Diagnostic::error(
                    Code::VerificationFailed,
                    format!(
                        "the rewrite of {} does not verify: {}",
                        path.display(),
                        difference.reason
                    ),
                )
                .with_primary(Label::new(
                    *file,
                    locate(&scratch, &difference.left, *file, input),
                    "the input, with the rewrite erased, differs here",
                ))
                .with_note(format!(
                    "input, erased and normalized:\n{}",
                    difference.left_normal_form
                ))
                .with_note(format!(
                    "output, erased and normalized:\n{}",
                    difference.right_normal_form
                ))
                .with_note("this is a bug in awaitify; the file is left unchanged"),
            ),
        };
        verdicts.push((*file, verdict));
    }
    verdicts
}

/// Which program an await check reads: the input runs on CPython, where the rules'
/// targets are synchronous; the output runs on Pyodide, where they return coroutines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Input,
    Output,
}

/// Calls that produce a coroutine nobody awaits, in code that can await: directly in an
/// `async def` body, or at the top level of a module no other project module imports
/// (the main script, where top-level await is allowed); and, in any function, calls
/// whose coroutine is returned. A call counts when its callee is a project `async def`
/// (not an async generator), or each function it may be is one, or, on the output side,
/// a rule's replacement (`asyncio.sleep`) or the target of an awaiting rule, and it is
/// neither awaited nor passed as an argument. Returns each one's range and callee.
///
/// `user_rules` are [`awaitify_rewrite::seeds::user_rules`] of `rules` in `db`: on the
/// output side a user rule may name a project function by a package that re-exports it.
pub fn await_violations(
    db: &dyn Db,
    file: File,
    rules: &RuleSet,
    user_rules: &[UserRule],
    side: Side,
) -> Vec<(TextRange, String)> {
    use awaitify_callgraph::file_calls;
    use awaitify_hir::hir::BodyId;
    use awaitify_semantic::resolve::target_name;
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let calls = file_calls(db, file);
    let is_imported = db
        .project()
        .files(db)
        .iter()
        .any(|other| *other != file && file_calls(db, *other).imports.contains(&file));
    let module_awaits = !is_imported;
    let awaitable_external = |name: &str| {
        side == Side::Output
            && (rules.rules.iter().any(|rule| match &rule.action {
                RuleAction::Replace(replacement) => replacement == name,
                RuleAction::Await => rule.matches(name),
                RuleAction::AwaitArgument => false,
            }) || user_rules
                .iter()
                .any(|user_rule| match &user_rule.rule.action {
                    RuleAction::Replace(_) => {
                        user_rule.replacement_definition.as_deref() == Some(name)
                    }
                    RuleAction::Await => user_rule.call_definition.as_deref() == Some(name),
                    RuleAction::AwaitArgument => false,
                }))
    };
    let mut parents: rustc_hash::FxHashMap<BodyId, Parents> = Default::default();
    let mut resolver: Option<Resolver> = None;
    let mut violations = Vec::new();
    for site in &calls.sites {
        if site.awaited || !site.context.in_frame() {
            continue;
        }
        let async_context = match site.body {
            BodyId::Function(function) => hir.functions[function].is_async,
            BodyId::Module => module_awaits,
            BodyId::Class(_) => false,
        };
        // A project function a user rule awaits (or replaces by another) returns an
        // awaitable on the page, whatever the project's own definition says.
        let by_rule = match &site.callee {
            Resolution::Definite(Target::External(_)) => None,
            callee => awaitify_rewrite::seeds::project_function_name(db, callee)
                .filter(|name| awaitable_external(name)),
        };
        if let Some(name) = by_rule {
            if !site.awaited && async_context {
                violations.push((map.body(site.body).expr(site.expr), name));
            }
            continue;
        }
        let body = hir.body(site.body);
        let callee = match &site.callee {
            Resolution::Definite(target) => {
                let coroutine = match target {
                    Target::External(name) => awaitable_external(name),
                    target => project_async_def(db, target) == Some(AsyncDef::Coroutine),
                };
                coroutine.then(|| target_name(db, target))
            }
            // A call that may run one of several project functions (`step()` in a loop
            // over `[self.load, self.save]`) returns a coroutine when each is one.
            Resolution::Ambiguous(candidates) => {
                let coroutines = candidates.iter().all(|candidate| {
                    candidate.target.as_ref().is_ok_and(|target| {
                        project_async_def(db, target) == Some(AsyncDef::Coroutine)
                    })
                });
                candidates
                    .first()
                    .and_then(|candidate| candidate.target.as_ref().ok())
                    .filter(|_| coroutines)
                    .map(|target| target_name(db, target))
            }
            // A replacement a project module does not bind (AW005), written through the
            // module (`pkg.afetch`): the rule's replacement all the same.
            Resolution::Unresolved(_) if side == Side::Output => match &body.exprs[site.expr] {
                Expr::Call { func, .. } => {
                    let resolver = resolver.get_or_insert_with(|| Resolver::new(db));
                    qualified_callee(db, resolver, file, site.body, body, *func)
                        .filter(|name| awaitable_external(name))
                }
                _ => None,
            },
            _ => None,
        };
        let Some(callee) = callee else {
            continue;
        };
        let parents = parents
            .entry(site.body)
            .or_insert_with(|| Parents::of(body));
        // Passed as an argument, possibly as a branch of a conditional expression.
        let mut child = site.expr;
        let mut parent = parents.get(child);
        while let Some(current) = parent {
            match &body.exprs[current] {
                Expr::If { test, .. } if *test != child => {
                    child = current;
                    parent = parents.get(current);
                }
                _ => break,
            }
        }
        // Passed to a function that may run it (`asyncio.gather(job())`); a builtin
        // (`print(job())`) only looks at the coroutine, so that leaves it unawaited.
        let is_argument = parent.is_some_and(|parent| {
            matches!(&body.exprs[parent], Expr::Call { func, .. } if *func != child)
                && !calls.sites.iter().any(|other| {
                    other.body == site.body
                        && other.expr == parent
                        && matches!(other.callee, Resolution::Definite(Target::Builtin(_)))
                })
        });
        // `return coroutine()` hands the coroutine to the caller. It counts in any
        // function: a function that returned a coroutine before the rewrite (`def
        // prep(): return work()`) returns it still, and the counts on both sides match.
        let is_returned = parent.is_none()
            && body.stmts.iter().any(
                |(_, stmt)| matches!(stmt, Stmt::Return { value: Some(value) } if *value == child),
            );
        // `coro = job()` hands the coroutine on when the same body later awaits `coro`
        // or passes it as an argument.
        let is_stored_and_awaited = parent.is_none()
            && body.stmts.iter().any(|(_, stmt)| match stmt {
                Stmt::Assign { targets, value } if *value == child => match &**targets {
                    [target] => match &body.exprs[*target] {
                        Expr::Name { id, .. } => handed_on(body, id),
                        _ => false,
                    },
                    _ => false,
                },
                _ => false,
            });
        if !is_argument && !is_stored_and_awaited && (async_context || is_returned) {
            violations.push((map.body(site.body).expr(site.expr), callee));
        }
    }
    violations
}

/// What a project `async def` is called for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AsyncDef {
    /// Its call gives a coroutine, to await.
    Coroutine,
    /// It yields: its call gives an async generator, to iterate with `async for`.
    Generator,
}

/// What `target` is when it is a project `async def`.
fn project_async_def(db: &dyn Db, target: &Target) -> Option<AsyncDef> {
    let Target::Function { file, function } = target else {
        return None;
    };
    if !file_hir(db, *file).functions[*function].is_async {
        return None;
    }
    Some(
        if awaitify_callgraph::file_calls(db, *file)
            .generators
            .contains(function)
        {
            AsyncDef::Generator
        } else {
            AsyncDef::Coroutine
        },
    )
}

/// Each `await` and `async for` inside a generator expression (outside its first
/// iterable, which runs in the enclosing frame): each makes the generator expression an
/// async generator, in order of the file's bodies and expressions.
pub fn generator_awaits(db: &dyn Db, file: File) -> Vec<TextRange> {
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let mut found = Vec::new();
    for (body_id, body) in hir.bodies() {
        let mut parents = None;
        for (expr_id, expr) in body.exprs.iter() {
            let is_async = match expr {
                Expr::Await { .. } => true,
                Expr::ListComp { generators, .. }
                | Expr::SetComp { generators, .. }
                | Expr::DictComp { generators, .. }
                | Expr::Generator { generators, .. } => {
                    generators
                        .iter()
                        .skip(1)
                        .any(|generator| generator.is_async)
                        || matches!(expr, Expr::Generator { .. })
                            && generators
                                .first()
                                .is_some_and(|generator| generator.is_async)
                }
                _ => false,
            };
            if !is_async {
                continue;
            }
            // An async comprehension is itself an async generator when it is a generator
            // expression; otherwise it, like an `await`, makes the frame it runs in async.
            let parents = parents.get_or_insert_with(|| Parents::of(body));
            let mut child = expr_id;
            let mut inside = matches!(expr, Expr::Generator { .. });
            while !inside && let Some(parent) = parents.get(child) {
                if let Expr::Generator { generators, .. } = &body.exprs[parent]
                    && generators.first().is_none_or(|first| first.iter != child)
                {
                    inside = true;
                }
                child = parent;
            }
            if inside {
                found.push(map.body(body_id).expr(expr_id));
            }
        }
    }
    found
}

/// Calls of a project async generator that a `for` statement or a comprehension's `for`
/// clause iterates without `async`, with each one's range and callee, in the order of the
/// file's call sites.
pub fn synchronous_iterations(db: &dyn Db, file: File) -> Vec<(TextRange, String)> {
    use awaitify_callgraph::{Iteration, file_calls};
    use awaitify_semantic::resolve::target_name;
    let hir = file_hir(db, file);
    let map = file_source_map(db, file);
    let mut found = Vec::new();
    for site in &file_calls(db, file).sites {
        let body = hir.body(site.body);
        let asynchronous = match site.iterated {
            None => continue,
            Some(Iteration::For(stmt)) => {
                matches!(body.stmts[stmt], Stmt::For { is_async: true, .. })
            }
            Some(Iteration::Comprehension(expr, index)) => body.exprs[expr]
                .generators()
                .get(index as usize)
                .is_some_and(|generator| generator.is_async),
        };
        if asynchronous {
            continue;
        }
        let async_generator = site
            .targets
            .iter()
            .find(|target| project_async_def(db, target) == Some(AsyncDef::Generator));
        if let Some(target) = async_generator {
            found.push((map.body(site.body).expr(site.expr), target_name(db, target)));
        }
    }
    found
}

/// The range of the input line that output line `line` (1-based) comes from. The
/// rewrite adds whole lines only at the top (`import asyncio`), so the difference in line
/// counts is the shift.
fn input_line(input: &str, output: &str, line: usize) -> TextRange {
    let added = output.lines().count().saturating_sub(input.lines().count());
    awaitify_diagnostics::line_range(input, line.saturating_sub(1 + added))
}

/// Whether `body` awaits the name `name` (`await coro`) or passes it as an argument.
fn handed_on(body: &awaitify_hir::hir::Body, name: &awaitify_hir::hir::Name) -> bool {
    use awaitify_hir::hir::{ExprContext, ExprId};
    let is_name = |expr: ExprId| {
        matches!(
            &body.exprs[expr],
            Expr::Name { id, ctx: ExprContext::Load } if id == name
        )
    };
    body.exprs.iter().any(|(_, expr)| match expr {
        Expr::Await { value } => is_name(*value),
        Expr::Call { args, .. } => args.iter().any(|arg| is_name(*arg)),
        _ => false,
    })
}

/// Maps a label on the erased input back onto the original file: the erased text is the
/// input minus deletions, so the line of the difference is kept; its column is clamped.
fn locate(
    scratch: &RootDatabase,
    label: &Label,
    original: File,
    input: &RootDatabase,
) -> TextRange {
    let erased = label.file.text(scratch);
    let line = erased[..usize::from(label.range.start()).min(erased.len())]
        .matches('\n')
        .count();
    awaitify_diagnostics::line_range(original.text(input), line)
}

/// Test hooks: deliberately corrupt a rewrite, to prove `--verify` catches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corruption {
    /// Drop the first `await ` the rewrite inserted.
    DropAwait,
    /// Swap the first two adjacent lines of a function body that differ.
    SwapStatements,
    /// Leave the first list comprehension the rewrite made of a generator expression a
    /// generator expression, with its `await`: `",".join((await f(k) for k in keys))`.
    KeepGenerator,
    /// Drop the first `async ` the rewrite put before a `for` (of a loop or a
    /// comprehension): a synchronous loop over an async generator.
    DropAsyncFor,
}

pub fn corrupt(input: &str, output: &str, corruption: Corruption) -> String {
    match corruption {
        Corruption::DropAwait => {
            // The first `await ` of the output whose line had none in the input.
            let input_lines: Vec<&str> = input.lines().collect();
            let mut result = String::with_capacity(output.len());
            let mut done = false;
            for line in output.split_inclusive('\n') {
                if !done
                    && line.contains("await ")
                    && !input_lines
                        .iter()
                        .any(|original| *original == line.trim_end_matches(['\r', '\n']))
                {
                    result.push_str(&line.replacen("await ", "", 1));
                    done = true;
                } else {
                    result.push_str(line);
                }
            }
            result
        }
        Corruption::SwapStatements => {
            let mut lines: Vec<&str> = output.split_inclusive('\n').collect();
            for index in 0..lines.len().saturating_sub(1) {
                let (first, second) = (lines[index], lines[index + 1]);
                let indent = |line: &str| line.len() - line.trim_start().len();
                let simple = |line: &str| {
                    let trimmed = line.trim();
                    !trimmed.is_empty()
                        && !trimmed.starts_with('#')
                        && !trimmed.ends_with(':')
                        && !trimmed.starts_with("return")
                };
                if indent(first) > 0
                    && indent(first) == indent(second)
                    && simple(first)
                    && simple(second)
                    && first != second
                {
                    lines.swap(index, index + 1);
                    break;
                }
            }
            lines.concat()
        }
        Corruption::DropAsyncFor => {
            // The first `async for` on a line the input does not have, where the input's
            // line with that `async ` taken out is.
            let input_lines: Vec<&str> = input.lines().collect();
            let mut result = String::with_capacity(output.len());
            let mut done = false;
            for line in output.split_inclusive('\n') {
                let dropped = line.replacen("async for ", "for ", 1);
                if !done
                    && dropped != line
                    && input_lines
                        .iter()
                        .all(|original| *original != line.trim_end_matches(['\r', '\n']))
                {
                    result.push_str(&dropped);
                    done = true;
                } else {
                    result.push_str(line);
                }
            }
            result
        }
        Corruption::KeepGenerator => {
            // The first `[await ` on a line the input does not have, and its `]`.
            let input_lines: Vec<&str> = input.lines().collect();
            let mut offset = 0;
            for line in output.split_inclusive('\n') {
                let changed = !input_lines
                    .iter()
                    .any(|original| *original == line.trim_end_matches(['\r', '\n']));
                if changed && let Some(found) = line.find("[await ") {
                    let open = offset + found;
                    let mut depth = 0usize;
                    for (index, c) in output[open..].char_indices() {
                        match c {
                            '[' | '(' | '{' => depth += 1,
                            ']' | ')' | '}' => depth -= 1,
                            _ => {}
                        }
                        if depth == 0 {
                            let close = open + index;
                            return format!(
                                "{}({}){}",
                                &output[..open],
                                &output[open + 1..close],
                                &output[close + 1..]
                            );
                        }
                    }
                }
                offset += line.len();
            }
            output.to_string()
        }
    }
}
