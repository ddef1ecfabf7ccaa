//! Seeds: the call sites of one file that a rule rewrites, and those that would match a
//! rule but must be left alone.
//!
//! A call is a seed when its callee resolves *definitely* to a rule's qualified name and
//! it is not awaited already; a user rule's name that reaches a project function through
//! re-exports (`pkg.fetch` for `pkg.impl.fetch`) is that function's (see [`UserRule`]).
//! It is left alone when:
//! - its callee is ambiguous and one way it resolves matches a rule (the diagnostic
//!   labels each binding);
//! - the module attribute it names is reassigned where the store may run before it: in
//!   its file before it on the module's own level (or in a module-level loop holding
//!   both), anywhere in its file when the call is in a function, a lambda or a generator
//!   expression (which run when called), or anywhere in another file of the project
//!   (which changes the attribute for every module once it runs);
//!   `mock.patch("time.sleep")` counts in its own file only, where it is active;
//! - its callee goes through a global of a project module that is replaced as an
//!   attribute of the module (`clock.sleep = fake` for `sleep = time.sleep` in `clock`);
//! - the rule replaces the callee and the name it starts from may be unbound on some
//!   path (`del time`), where the original raises `NameError` and the rewrite would not;
//! - it runs a coroutine on a loop from `asyncio.new_event_loop()` that is also given
//!   other work (`loop.create_task(...)`), which would never run on that loop once the
//!   coroutine is awaited on the page's own.

use std::sync::Arc;

use awaitify_callgraph::{CallSite, Context, FileCalls, file_calls, setattr_arguments};
use awaitify_db::{Db, File};
use awaitify_hir::file_source_map;
use awaitify_hir::hir::{Body, BodyId, Expr, ExprId, FileHir, FunctionId, Stmt};
use awaitify_semantic::index::{Fallback, SemanticIndex};
use awaitify_semantic::{
    MockPatch, Resolution, Resolver, Target, Unresolved, project_module_stores, semantic_index,
};
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::Settings;
use crate::rules::{Rule, RuleAction, RuleSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seed {
    /// Index into the file's call sites.
    pub site: usize,
    pub rule: Rule,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// The callee may be a rule's target or something else.
    Ambiguous { rule: Rule },
    /// The rule unwraps the call's first argument, and another argument has effects
    /// (`asyncio.run(main(), debug=check())`) that unwrapping would drop.
    DropsArguments { rule: Rule },
    /// The qualified name was reassigned at `store`: before the call in its own file,
    /// or anywhere in another file.
    Invalidated {
        rule: Rule,
        store: (File, TextRange),
    },
    /// The rule replaces the callee, and the name `name` it starts from (`time` in
    /// `time.sleep`) is unbound on some path to the call.
    MaybeUnbound { rule: Rule, name: ExprId },
    /// The loop the call runs a coroutine on, from `asyncio.new_event_loop()`, may be
    /// given other work at `work`: loops are not told apart, so work given to any loop
    /// from `asyncio.new_event_loop()` in the project counts.
    PrivateLoopWork { rule: Rule, work: (File, TextRange) },
    /// The rule writes a new callee (a replacement, or the unwrapped argument) in place
    /// of a callee expression that does something itself: a call of the project
    /// (`clock().sleep(0)`), a walrus (`(t := time).sleep(0)`).
    DropsCallee { rule: Rule },
    /// The rule names a project method that a subclass overrides (`overriding`), which
    /// the call may run instead: the rule is not for it.
    Overridden { rule: Rule, overriding: Target },
}

impl Skip {
    /// The rule the call matched.
    pub fn rule(&self) -> &Rule {
        match self {
            Skip::Ambiguous { rule }
            | Skip::DropsArguments { rule }
            | Skip::DropsCallee { rule }
            | Skip::Invalidated { rule, .. }
            | Skip::MaybeUnbound { rule, .. }
            | Skip::PrivateLoopWork { rule, .. }
            | Skip::Overridden { rule, .. } => rule,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSeeds {
    pub seeds: Vec<Seed>,
    pub skipped: Vec<(usize, Skip)>,
    /// A rule's target used as a value (`retry(fn, sleep=time.sleep)`), or the module it
    /// is an attribute of (`Poller(clock=time)`): an index into the file's
    /// `external_references`. Whoever calls it cannot be found, so it stays.
    pub values: Vec<(usize, Rule)>,
}

#[salsa::tracked(returns(ref))]
pub fn file_seeds(db: &dyn Db, file: File, settings: Settings) -> Arc<FileSeeds> {
    let rules = settings.rules(db);
    let calls = file_calls(db, file);
    let map = file_source_map(db, file);
    let stores = project_external_stores(db);
    let mut result = FileSeeds::default();
    // User rules may name functions of the project (a module with its own async twin
    // under Pyodide); the defaults never do, so a local `time.py` shadows `time.sleep`.
    let defaults = RuleSet::default();
    let user_rules: &[UserRule] = if rules
        .rules
        .iter()
        .any(|rule| !defaults.rules.contains(rule))
    {
        project_user_rules(db, settings)
    } else {
        &[]
    };
    for (index, site) in calls.sites.iter().enumerate() {
        if site.awaited {
            continue;
        }
        if !user_rules.is_empty()
            && let Some(user_rule) = project_function_rule(db, user_rules, &site.callee)
        {
            let rule = &user_rule.rule;
            let body = awaitify_hir::file_hir(db, file).body(site.body);
            // An override in a subclass (`self.get(k)` in a base class may run
            // `Cached.get`) is another function: awaiting or renaming the call would
            // apply the rule to it too.
            let overriding = site.targets.iter().find(|target| {
                matches!(target, Target::Function { .. })
                    && !user_rule.matches(&awaitify_semantic::resolve::target_name(db, target))
            });
            // `lib.fetch = fake` anywhere: the call may run the new value.
            let replaced = site.targets.iter().find_map(|target| match target {
                Target::Function {
                    file: target_file,
                    function,
                } => {
                    let name = &awaitify_hir::file_hir(db, *target_file).functions[*function].name;
                    project_module_stores(db).replacement(*target_file, name)
                }
                _ => None,
            });
            let skip = if let Some((store_file, store_body, store_expr)) = replaced {
                Some(Skip::Invalidated {
                    rule: rule.clone(),
                    store: (
                        store_file,
                        file_source_map(db, store_file)
                            .body(store_body)
                            .expr(store_expr),
                    ),
                })
            } else if let Some(overriding) = overriding {
                Some(Skip::Overridden {
                    rule: rule.clone(),
                    overriding: overriding.clone(),
                })
            } else if rule.action != RuleAction::Await
                && callee_does_something(calls, site.body, body, site.expr)
                && !renames_in_place(db, file, (site.body, body), site.expr, user_rule)
            {
                Some(Skip::DropsCallee { rule: rule.clone() })
            } else if rule.action == RuleAction::AwaitArgument && drops_effects(body, site.expr) {
                Some(Skip::DropsArguments { rule: rule.clone() })
            } else if rule.action != RuleAction::Await
                && let Some(name) =
                    maybe_unbound_root(semantic_index(db, file), site.body, body, site.expr)
            {
                Some(Skip::MaybeUnbound {
                    rule: rule.clone(),
                    name,
                })
            } else {
                None
            };
            match skip {
                Some(skip) => result.skipped.push((index, skip)),
                None => result.seeds.push(Seed {
                    site: index,
                    rule: rule.clone(),
                }),
            }
            continue;
        }
        match &site.callee {
            Resolution::Definite(Target::External(name)) => {
                let Some(rule) = rules.matching(name) else {
                    continue;
                };
                let start = map.body(site.body).expr(site.expr).start();
                // A call in a function, a lambda or a generator expression runs when
                // called, which may be after a store written below it.
                let deferred =
                    !matches!(
                        site.context,
                        Context::Direct
                            | Context::Materialized(_)
                            | Context::Annotation(_)
                            | Context::DebugText(_)
                    ) || !runs_on_definition(awaitify_hir::file_hir(db, file), site.body);
                let store = stores.iter().find_map(|store| {
                    if store.qualified != name.as_str() || (store.scoped && store.file != file) {
                        return None;
                    }
                    let range = file_source_map(db, store.file)
                        .body(store.body)
                        .expr(store.expr);
                    (store.file != file
                        || deferred
                        || range.end() <= start
                        || in_one_loop(db, file, start, range))
                    .then_some((store.file, range))
                });
                let body = awaitify_hir::file_hir(db, file).body(site.body);
                if rule.action != RuleAction::Await
                    && callee_does_something(calls, site.body, body, site.expr)
                {
                    result
                        .skipped
                        .push((index, Skip::DropsCallee { rule: rule.clone() }));
                    continue;
                }
                if rule.action == RuleAction::AwaitArgument && drops_effects(body, site.expr) {
                    result
                        .skipped
                        .push((index, Skip::DropsArguments { rule: rule.clone() }));
                    continue;
                }
                // `await f(x)` still evaluates `f`, and raises where the original did;
                // a replaced or unwrapped callee is no longer evaluated.
                if rule.action != RuleAction::Await
                    && let Some(name) =
                        maybe_unbound_root(semantic_index(db, file), site.body, body, site.expr)
                {
                    result.skipped.push((
                        index,
                        Skip::MaybeUnbound {
                            rule: rule.clone(),
                            name,
                        },
                    ));
                    continue;
                }
                if rule.call.starts_with(NEW_EVENT_LOOP)
                    && let Some(work) = project_private_loop_work(db).first()
                {
                    let range = file_source_map(db, work.0).body(work.1).expr(work.2);
                    result.skipped.push((
                        index,
                        Skip::PrivateLoopWork {
                            rule: rule.clone(),
                            work: (work.0, range),
                        },
                    ));
                    continue;
                }
                match store {
                    Some(store) => result.skipped.push((
                        index,
                        Skip::Invalidated {
                            rule: rule.clone(),
                            store,
                        },
                    )),
                    None => result.seeds.push(Seed {
                        site: index,
                        rule: rule.clone(),
                    }),
                }
            }
            Resolution::Ambiguous(candidates) => {
                let rule = candidates
                    .iter()
                    .find_map(|candidate| match &candidate.target {
                        Ok(Target::External(name)) => rules.matching(name),
                        _ => None,
                    });
                let Some(rule) = rule else {
                    continue;
                };
                // The rule's target through a global that another file replaces as an
                // attribute of its module (`clock.sleep = fake`).
                let replaced = candidates
                    .iter()
                    .find_map(|candidate| match &candidate.target {
                        Err(Unresolved::Replaced { module, name }) => {
                            project_module_stores(db).replacement(*module, name)
                        }
                        _ => None,
                    });
                let skip = match replaced {
                    Some((store_file, body, expr)) => Skip::Invalidated {
                        rule: rule.clone(),
                        store: (
                            store_file,
                            file_source_map(db, store_file).body(body).expr(expr),
                        ),
                    },
                    None => Skip::Ambiguous { rule: rule.clone() },
                };
                result.skipped.push((index, skip));
            }
            _ => {}
        }
    }
    // The callee each argument is passed to, found when a module is a value.
    let mut argument_of: Option<FxHashMap<(BodyId, ExprId), usize>> = None;
    for (index, reference) in calls.external_references.iter().enumerate() {
        let Target::External(name) = &reference.target else {
            continue;
        };
        if let Some(rule) = rules.matching(name) {
            result.values.push((index, rule.clone()));
            continue;
        }
        let Some(rule) = rules.reachable_through(name) else {
            continue;
        };
        // A module handed to code outside the project (`vars(time)`,
        // `mock.patch.object(time, "sleep")`, `print(time)`) is that code's to call; one
        // kept by the project (a parameter, an attribute, a container) is called through
        // by project code awaitify does not follow.
        let argument_of = argument_of.get_or_insert_with(|| arguments_by_call(db, file));
        let to_outside = argument_of
            .get(&(reference.body, reference.expr))
            .is_some_and(|site| calls_outside_code(&calls.sites[*site]));
        if !to_outside {
            result.values.push((index, rule.clone()));
        }
    }
    Arc::new(result)
}

/// Whether code of `body` runs when its definition runs: the module's, and the bodies of
/// classes defined in it (not in a function).
fn runs_on_definition(hir: &FileHir, mut body: BodyId) -> bool {
    loop {
        match body {
            BodyId::Module => return true,
            BodyId::Class(class) => body = hir.classes[class].parent,
            BodyId::Function(_) => return false,
        }
    }
}

/// Whether the call at `call` and the store at `store`, both on the module's own level,
/// are in one loop: the store then runs before the call's later iterations.
fn in_one_loop(db: &dyn Db, file: File, call: TextSize, store: TextRange) -> bool {
    let hir = awaitify_hir::file_hir(db, file);
    let map = file_source_map(db, file);
    let ranges = map.body(BodyId::Module);
    hir.module.stmts.iter().any(|(stmt, data)| {
        matches!(data, Stmt::For { .. } | Stmt::While { .. }) && {
            let range = ranges.stmt(stmt);
            range.contains(call) && range.contains_range(store)
        }
    })
}

/// The argument an `await-argument` rule awaits: the first positional one, or with none,
/// the coroutine passed by keyword (`asyncio.run(main=c)`, `run_until_complete(future=c)`).
pub fn awaited_argument(body: &Body, call: ExprId) -> Option<ExprId> {
    first_argument(body, call, &["main", "future"])
}

/// The first positional argument of `call`, or with none, the one passed by one of the
/// keywords `names`; `None` when the first is unpacked (`f(*args)`).
pub(crate) fn first_argument(body: &Body, call: ExprId, names: &[&str]) -> Option<ExprId> {
    let Expr::Call { args, keywords, .. } = &body.exprs[call] else {
        return None;
    };
    match args.first() {
        Some(first) if matches!(body.exprs[*first], Expr::Starred { .. }) => None,
        Some(first) => Some(*first),
        None => keywords
            .iter()
            .find(|keyword| {
                keyword
                    .arg
                    .as_deref()
                    .is_some_and(|arg| names.contains(&arg))
            })
            .map(|keyword| keyword.value),
    }
}

/// Whether the call `call` has arguments besides the awaited one that may have effects:
/// anything but names, attributes of names, and literals.
fn drops_effects(body: &Body, call: ExprId) -> bool {
    let Expr::Call { args, keywords, .. } = &body.exprs[call] else {
        return false;
    };
    let awaited = awaited_argument(body, call);
    fn inert(body: &Body, expr: ExprId) -> bool {
        match &body.exprs[expr] {
            Expr::Name { .. } | Expr::Literal(_) => true,
            Expr::Attribute { value, .. } => inert(body, *value),
            Expr::UnaryOp { operand, .. } => inert(body, *operand),
            _ => false,
        }
    }
    args.iter()
        .copied()
        .chain(keywords.iter().map(|keyword| keyword.value))
        .filter(|expr| Some(*expr) != awaited)
        .any(|expr| !inert(body, expr))
}

/// Whether the rewrite of the call `call` by `user_rule`, a replacement in the namespace
/// of the rule's target, only renames the called attribute (`Client().get()` becomes
/// `Client().aget()`): its receiver then still runs, whatever it does.
fn renames_in_place(
    db: &dyn Db,
    file: File,
    (body_id, body): (BodyId, &Body),
    call: ExprId,
    user_rule: &UserRule,
) -> bool {
    let (RuleAction::Replace(replacement), Expr::Call { func, .. }) =
        (&user_rule.rule.action, &body.exprs[call])
    else {
        return false;
    };
    if !matches!(body.exprs[*func], Expr::Attribute { .. }) {
        return false;
    }
    crate::rewrite::rename_in_place(
        &mut Resolver::new(db),
        file,
        file.text(db),
        (body_id, body, file_source_map(db, file).body(body_id)),
        *func,
        (&user_rule.rule.call, replacement),
        Some(user_rule),
    )
    .is_some()
}

/// Whether the callee expression of the call `site` does something a rewrite that
/// writes a new callee would drop: anything but names, attributes, subscripts by a
/// literal, and calls of something outside the project with plain arguments
/// (`asyncio.get_event_loop()`, `getattr(time, "sleep")`, `vars(time)`).
pub fn callee_does_something(
    calls: &FileCalls,
    body_id: BodyId,
    body: &Body,
    call: ExprId,
) -> bool {
    let Expr::Call { func, .. } = &body.exprs[call] else {
        return false;
    };
    fn plain(calls: &FileCalls, body_id: BodyId, body: &Body, expr: ExprId) -> bool {
        match &body.exprs[expr] {
            Expr::Name { .. } | Expr::Literal(_) => true,
            Expr::Attribute { value, .. } => plain(calls, body_id, body, *value),
            Expr::Subscript { value, slice, .. } => {
                matches!(body.exprs[*slice], Expr::Literal(_))
                    && plain(calls, body_id, body, *value)
            }
            Expr::Call {
                func,
                args,
                keywords,
            } => {
                // A builtin, its method or a library's function.
                let outside = calls
                    .sites
                    .iter()
                    .find(|site| site.body == body_id && site.expr == expr)
                    .is_some_and(|site| {
                        site.callee
                            .clone()
                            .into_alternatives()
                            .iter()
                            .all(|alternative| {
                                matches!(
                                    alternative,
                                    Ok(Target::External(_) | Target::Builtin(_))
                                        | Err(Unresolved::Builtin
                                            | Unresolved::BuiltinMethod
                                            | Unresolved::BuiltinValue)
                                )
                            })
                    });
                outside
                    && plain(calls, body_id, body, *func)
                    && args
                        .iter()
                        .chain(keywords.iter().map(|keyword| &keyword.value))
                        .all(|arg| plain(calls, body_id, body, *arg))
            }
            _ => false,
        }
    }
    !plain(calls, body_id, body, *func)
}

/// The name a call's callee starts from (`time` in `time.sleep(1)`, `loop` in
/// `loop.run_until_complete(c)`) when some path reaches it unbound: after `del time`, or
/// past an `except ... as time` handler.
fn maybe_unbound_root(
    index: &SemanticIndex,
    body_id: BodyId,
    body: &Body,
    call: ExprId,
) -> Option<ExprId> {
    let Expr::Call { func, .. } = &body.exprs[call] else {
        return None;
    };
    let mut expr = *func;
    loop {
        match &body.exprs[expr] {
            Expr::Attribute { value, .. } => expr = *value,
            Expr::Call { func, .. } => expr = *func,
            Expr::Name { .. } => break,
            _ => return None,
        }
    }
    let use_id = index.use_of(body_id, expr)?;
    (index.uses[use_id].fallback == Fallback::Unbound && !index.reaching(use_id).is_empty())
        .then_some(expr)
}

/// The qualified name of a loop made by `asyncio.new_event_loop()`; its methods are
/// named after it (`asyncio.new_event_loop().create_task`).
const NEW_EVENT_LOOP: &str = "asyncio.new_event_loop()";

/// Methods of a private loop that give it no work of its own: a coroutine run to
/// completion is awaited on the page's loop instead, and the rest only ask or close.
const LOOP_METHODS_WITHOUT_WORK: &[&str] = &[
    "run_until_complete",
    "close",
    "is_closed",
    "is_running",
    "get_debug",
    "set_debug",
    "time",
    "shutdown_asyncgens",
    "shutdown_default_executor",
];

/// Every place in the project where a loop from `asyncio.new_event_loop()` is given work
/// besides running a coroutine to completion, in file order.
///
/// A loop a function returns (`def make_loop(): loop = asyncio.new_event_loop(); ...;
/// return loop`) is handed to its callers, whose uses resolution sees as the loop's
/// (`make_loop().create_task(c)` is work where it is written), unless the function is
/// also used as a value, or its result is not followed.
#[salsa::tracked(returns(ref))]
pub fn project_private_loop_work(db: &dyn Db) -> Arc<Vec<(File, BodyId, ExprId)>> {
    let files = db.project().files(db);
    let parts: Vec<&FilePrivateLoopWork> = files
        .iter()
        .map(|file| &**file_private_loop_work(db, *file))
        .collect();
    // The returns whose loop callers may give work that resolution does not see.
    let mut handed_on: FxHashSet<(File, FunctionId)> = FxHashSet::default();
    if parts.iter().any(|part| !part.returned.is_empty()) {
        let used_as_value: FxHashSet<(File, FunctionId)> = files
            .iter()
            .flat_map(|file| file_calls(db, *file).references.iter())
            .filter_map(|reference| match reference.target {
                Target::Function { file, function } => Some((file, function)),
                _ => None,
            })
            .collect();
        let mut resolver = Resolver::new(db);
        for (file, part) in files.iter().zip(&parts) {
            for (function, _) in &part.returned {
                let followed = matches!(
                    resolver.call_result(Target::Function { file: *file, function: *function }),
                    Resolution::Definite(Target::External(name)) if name == NEW_EVENT_LOOP
                );
                if !followed || used_as_value.contains(&(*file, *function)) {
                    handed_on.insert((*file, *function));
                }
            }
        }
    }
    let mut work = Vec::new();
    for (file, part) in files.iter().zip(&parts) {
        let start = work.len();
        work.extend(part.work.iter().map(|(body, expr)| (*file, *body, *expr)));
        let before = work.len();
        work.extend(
            part.returned
                .iter()
                .filter(|(function, _)| handed_on.contains(&(*file, *function)))
                .map(|(function, expr)| (*file, BodyId::Function(*function), *expr)),
        );
        if work.len() > before {
            work[start..].sort_by_key(|(_, body, expr)| (*body, expr.into_raw().into_u32()));
        }
    }
    Arc::new(work)
}

/// One file's part of [`project_private_loop_work`].
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FilePrivateLoopWork {
    /// Work given to a loop, in the file.
    work: Vec<(BodyId, ExprId)>,
    /// Loops returned by a function (`return loop`): work only if the callers' uses
    /// cannot be followed.
    returned: Vec<(FunctionId, ExprId)>,
}

/// Where `file` gives a loop from `asyncio.new_event_loop()` work of its own: a call of
/// one of its other methods (`loop.create_task(c)`, `loop.call_soon(f)`), or the loop
/// handed on as a value (`asyncio.ensure_future(c, loop=loop)`, `Worker(loop)`), except
/// to `asyncio.set_event_loop`, which only makes it the current loop.
#[salsa::tracked(returns(ref))]
pub(crate) fn file_private_loop_work(db: &dyn Db, file: File) -> Arc<FilePrivateLoopWork> {
    let calls = file_calls(db, file);
    let is_loop_work = |name: &str| {
        name.strip_prefix(NEW_EVENT_LOOP)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|method| !LOOP_METHODS_WITHOUT_WORK.contains(&method))
    };
    let mut work = Vec::new();
    for site in &calls.sites {
        let gives_work = match &site.callee {
            Resolution::Definite(Target::External(name)) => is_loop_work(name),
            Resolution::Ambiguous(candidates) => candidates.iter().any(|candidate| {
                matches!(&candidate.target, Ok(Target::External(name)) if is_loop_work(name))
            }),
            _ => false,
        };
        if gives_work {
            work.push((site.body, site.expr));
        }
    }
    let mut made_current = Vec::new();
    let hir = awaitify_hir::file_hir(db, file);
    for site in &calls.sites {
        if matches!(&site.callee, Resolution::Definite(Target::External(name)) if name == "asyncio.set_event_loop")
            && let Expr::Call { args, .. } = &hir.body(site.body).exprs[site.expr]
            && let Some(first) = args.first()
        {
            made_current.push((site.body, *first));
        }
    }
    let mut returned = Vec::new();
    for reference in &calls.external_references {
        if matches!(&reference.target, Target::External(name) if name == NEW_EVENT_LOOP)
            && !made_current.contains(&(reference.body, reference.expr))
        {
            let BodyId::Function(function) = reference.body else {
                work.push((reference.body, reference.expr));
                continue;
            };
            let is_returned = hir
                .body(reference.body)
                .stmts
                .iter()
                .any(|(_, stmt)| matches!(stmt, Stmt::Return { value: Some(value) } if *value == reference.expr));
            if is_returned {
                returned.push((function, reference.expr));
            } else {
                work.push((reference.body, reference.expr));
            }
        }
    }
    work.sort_by_key(|(body, expr)| (*body, expr.into_raw().into_u32()));
    Arc::new(FilePrivateLoopWork { work, returned })
}

/// A store to an attribute of something outside the project (`time.sleep = fake`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalStore {
    pub file: File,
    /// The qualified name it reassigns.
    pub qualified: String,
    pub body: BodyId,
    pub expr: ExprId,
    /// A `mock.patch` replaces the attribute only while it is active, in its own file's
    /// `with` block or decorated function: it says nothing about other files' calls.
    pub scoped: bool,
}

/// Every store to an attribute of an external module in the project. Ids, not ranges,
/// so an edit elsewhere in a file leaves the result equal and nothing downstream re-runs.
#[salsa::tracked(returns(ref))]
pub fn project_external_stores(db: &dyn Db) -> Arc<Vec<ExternalStore>> {
    let mut stores = Vec::new();
    for file in db.project().files(db) {
        stores.extend(file_external_stores(db, *file).iter().cloned());
    }
    Arc::new(stores)
}

#[salsa::tracked(returns(ref))]
pub(crate) fn file_external_stores(db: &dyn Db, file: File) -> Arc<Vec<ExternalStore>> {
    let index = semantic_index(db, file);
    let calls = file_calls(db, file);
    let hir = awaitify_hir::file_hir(db, file);
    let setattrs: Vec<(&CallSite, ExprId, ExprId)> = calls
        .sites
        .iter()
        .filter_map(|site| {
            let (object, name) = setattr_arguments(hir.body(site.body), site)?;
            Some((site, object, name))
        })
        .collect();
    // What `mock.patch` calls replace by a literal name.
    let patches: Vec<(&CallSite, MockPatch)> = calls
        .sites
        .iter()
        .flat_map(|site| {
            let callee = match &site.callee {
                Resolution::Definite(Target::External(callee)) => callee.as_str(),
                _ => "",
            };
            awaitify_semantic::mock_patches(hir.body(site.body), site.expr, callee)
                .into_iter()
                .filter(|patch| {
                    matches!(
                        patch,
                        MockPatch::Named(_)
                            | MockPatch::Object {
                                attribute: Some(_),
                                ..
                            }
                    )
                })
                .map(move |patch| (site, patch))
        })
        .collect();
    if index.attribute_stores.is_empty() && setattrs.is_empty() && patches.is_empty() {
        return Arc::default();
    }
    let mut resolver = Resolver::new(db);
    let mut stores = Vec::new();
    // `mock.patch("time.sleep")` and `mock.patch.object(time, "sleep")` replace the
    // attribute while they are active (as a decorator or in a `with`).
    for (site, patch) in patches {
        let qualified = match patch {
            MockPatch::Named(target) => target,
            MockPatch::Object {
                object,
                attribute: Some(attribute),
            } => match resolver.resolve_expr(file, site.body, object) {
                Resolution::Definite(Target::External(module)) => {
                    format!("{module}.{attribute}")
                }
                _ => continue,
            },
            _ => continue,
        };
        stores.push(ExternalStore {
            file,
            qualified,
            body: site.body,
            expr: site.expr,
            scoped: true,
        });
    }
    // `setattr(time, "sleep", fake)` is `time.sleep = fake`.
    for (site, object, name) in setattrs {
        let body = hir.body(site.body);
        if let Expr::Literal(awaitify_hir::hir::Literal::Str(name)) = &body.exprs[name]
            && let Resolution::Definite(Target::External(module)) =
                resolver.resolve_expr(file, site.body, object)
        {
            stores.push(ExternalStore {
                file,
                qualified: format!("{module}.{name}"),
                body: site.body,
                expr: site.expr,
                scoped: false,
            });
        }
    }
    for store in &index.attribute_stores {
        let body: BodyId = store.body;
        let expr: ExprId = store.expr;
        let Expr::Attribute { value, attr, .. } = &hir.body(body).exprs[expr] else {
            continue;
        };
        if let Resolution::Definite(Target::External(module)) =
            resolver.resolve_expr(file, body, *value)
        {
            stores.push(ExternalStore {
                file,
                qualified: format!("{module}.{attr}"),
                body,
                expr,
                scoped: false,
            });
        }
    }
    Arc::new(stores)
}

/// Each argument of each call in `file`, with the call's site.
fn arguments_by_call(db: &dyn Db, file: File) -> FxHashMap<(BodyId, ExprId), usize> {
    let hir = awaitify_hir::file_hir(db, file);
    let mut arguments = FxHashMap::default();
    for (index, site) in file_calls(db, file).sites.iter().enumerate() {
        if let Expr::Call { args, keywords, .. } = &hir.body(site.body).exprs[site.expr] {
            let values = args
                .iter()
                .copied()
                .chain(keywords.iter().map(|keyword| keyword.value));
            for value in values {
                arguments.insert((site.body, value), index);
            }
        }
    }
    arguments
}

/// Whether every callee the call may reach is outside the project (a builtin, a
/// library's function).
fn calls_outside_code(site: &CallSite) -> bool {
    match &site.callee {
        Resolution::Definite(target) => matches!(target, Target::Builtin(_) | Target::External(_)),
        Resolution::Ambiguous(candidates) => candidates.iter().all(|candidate| {
            matches!(
                candidate.target,
                Ok(Target::Builtin(_) | Target::External(_))
            )
        }),
        Resolution::Unresolved(_) => false,
    }
}

/// A user rule (one that is not a default), with the project functions its names reach.
/// A rule names a project function where it is defined (`pkg.impl.fetch`) or by any
/// module that re-exports it (`pkg.fetch`, after `from .impl import fetch` in `pkg`):
/// both are the same object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRule {
    pub rule: Rule,
    /// The qualified name, where it is defined, of the project function `rule.call`
    /// reaches through the project's modules (`pkg.impl.fetch` for `pkg.fetch`).
    pub call_definition: Option<String>,
    /// The same for the replacement, when the rule replaces the callee.
    pub replacement_definition: Option<String>,
}

impl UserRule {
    /// Whether the rule is for the callee `qualified`: by the name the rule is written
    /// with, or by the definition that name reaches.
    pub fn matches(&self, qualified: &str) -> bool {
        self.rule.matches(qualified) || self.call_definition.as_deref() == Some(qualified)
    }
}

/// The in-place renames a replacement in the namespace of its target allows: for the
/// names as the rule writes them, then where `user_rule` finds them defined, the
/// namespace both share, the target's last name and the replacement's
/// (`client.Client.get` by `client.Client.aget`: `client.Client`, `get`, `aget`).
pub fn sibling_renames<'a>(
    (call, replacement): (&'a str, &'a str),
    user_rule: Option<&'a UserRule>,
) -> impl Iterator<Item = (&'a str, &'a str, &'a str)> + 'a {
    let defined = user_rule.and_then(|user_rule| {
        Some((
            user_rule.call_definition.as_deref()?,
            user_rule.replacement_definition.as_deref()?,
        ))
    });
    std::iter::once((call, replacement))
        .chain(defined)
        .filter_map(|(call, replacement)| {
            let (namespace, name) = call.rsplit_once('.')?;
            let (replacement_namespace, replacement_name) = replacement.rsplit_once('.')?;
            (namespace == replacement_namespace).then_some((namespace, name, replacement_name))
        })
}

/// The rules of `rules` that are not defaults, with the project functions their names
/// reach in `db`'s project (see [`UserRule`]).
pub fn user_rules(db: &dyn Db, rules: &RuleSet) -> Vec<UserRule> {
    let defaults = RuleSet::default();
    let mut resolver = Resolver::new(db);
    let mut definition = |name: &str| {
        let resolution = resolver.resolve_dotted_name(name);
        project_function_name(db, &resolution)
    };
    rules
        .rules
        .iter()
        .filter(|rule| !defaults.rules.contains(rule))
        .map(|rule| UserRule {
            rule: rule.clone(),
            call_definition: definition(&rule.call),
            replacement_definition: match &rule.action {
                RuleAction::Replace(replacement) => definition(replacement),
                _ => None,
            },
        })
        .collect()
}

/// [`user_rules`] of the settings' rules, for every file's seeds and rewrite.
#[salsa::tracked(returns(ref))]
pub fn project_user_rules(db: &dyn Db, settings: Settings) -> Arc<Vec<UserRule>> {
    Arc::new(user_rules(db, settings.rules(db)))
}

/// The user rule for a call of a project function: every function the callee may be
/// has the qualified name the rule's name reaches (`lib.block`, maybe defined on each
/// branch of an `if`).
fn project_function_rule<'r>(
    db: &dyn Db,
    rules: &'r [UserRule],
    callee: &Resolution,
) -> Option<&'r UserRule> {
    // Most calls name no rule: compare the function's own name before building the
    // qualified one.
    let Target::Function { file, function } = callee.every_target()?.first()? else {
        return None;
    };
    let short = &awaitify_hir::file_hir(db, *file).functions[*function].name;
    let ends_with_short = |name: &str| name.rsplit('.').next() == Some(short.as_str());
    if !rules.iter().any(|rule| {
        ends_with_short(&rule.rule.call)
            || rule.call_definition.as_deref().is_some_and(ends_with_short)
    }) {
        return None;
    }
    let qualified = project_function_name(db, callee)?;
    rules.iter().find(|rule| rule.matches(&qualified))
}

/// The qualified name of the project function a callee resolves to, whichever of its
/// definitions runs (`lib.block`, defined on each branch of an `if`).
pub fn project_function_name(db: &dyn Db, callee: &Resolution) -> Option<String> {
    let mut qualified: Option<String> = None;
    for target in callee.every_target()? {
        if !matches!(target, Target::Function { .. }) {
            return None;
        }
        let name = awaitify_semantic::resolve::target_name(db, target);
        if qualified.get_or_insert_with(|| name.clone()) != &name {
            return None;
        }
    }
    qualified
}
