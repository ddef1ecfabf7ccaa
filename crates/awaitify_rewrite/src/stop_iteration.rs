//! `StopIteration` that leaves a function made async. Python turns a `StopIteration`
//! raised out of a coroutine into a `RuntimeError` (PEP 479), so a caller's
//! `except StopIteration:` that caught it from the synchronous function no longer does:
//! `def first(it): time.sleep(0); return next(it)` called inside `try: ... except
//! StopIteration:` would crash once `first` is a coroutine.
//!
//! Per file ([`file_stop_iteration`], computed beside each file's call edges): what may
//! raise `StopIteration` out of each function's own body (a one-argument `next(...)`, a
//! `__next__()`, `send()` or `throw()` call, a call of something awaitify cannot resolve,
//! which may be a stored `it.__next__`, a `raise` of `StopIteration`, of a project
//! subclass of it or of a value awaitify cannot tell, a bare `raise` in a handler that
//! caught one), which call sites a handler of their own body (or a
//! `contextlib.suppress(...)`) catches it from, and which sites sit in a `try` whose
//! handler names `StopIteration` or a project subclass of it. Across the project
//! ([`StopIterationCatches`], in the coloring): the functions such a handler may catch
//! it from (the callees of its sites, transitively through calls it is not caught
//! around), and whether a function lets it out (itself, or through a call of a project
//! function that does). A generator is never a source: PEP 479 already turns a
//! `StopIteration` inside one into a `RuntimeError`.
//!
//! Handlers that catch `Exception`, `BaseException` or everything catch the
//! `RuntimeError` too, so they do not count as catching it by name.

use std::collections::hash_map::Entry;
use std::sync::Arc;

use awaitify_callgraph::{CallSite, Context, FileCalls, file_calls};
use awaitify_db::{Db, File};
use awaitify_hir::hir::{Body, BodyId, ClassId, Expr, ExprId, FunctionId, Stmt};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::{Resolution, Resolver, Target, Unresolved};
use ruff_text_size::TextRange;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::coloring::{SiteKey, UnitKey, function_targets};

/// A place in a file: where `StopIteration` is raised, or a handler's type.
pub type Place = (File, TextRange);

/// One file's part (see the module doc).
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FileStopIteration {
    /// Functions (not generators) that may raise `StopIteration` out of their own body,
    /// each with the first place that does.
    sources: Vec<(FunctionId, TextRange)>,
    /// Call sites (indexes into the file's sites) that cannot let `StopIteration` out
    /// of their unit: outside its own frame (a lambda, a generator expression), or
    /// inside a `try` that catches it (by name or more broadly). Few sites are.
    caught_sites: FxHashSet<u32>,
    /// Call sites inside the body of a `try` with a handler that names `StopIteration`,
    /// with that handler's type.
    catching_sites: Vec<(u32, TextRange)>,
}

/// How an `except` clause's type treats `StopIteration`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Catches {
    Not,
    /// `Exception`, `BaseException`, or a type computed at run time: it catches the
    /// `RuntimeError` a coroutine raises instead as well.
    Broadly,
    ByName,
}

fn catches(checker: &mut Checker, body_id: BodyId, body: &Body, kind: ExprId) -> Catches {
    let named = |name: &str| match name {
        "StopIteration" => Catches::ByName,
        "Exception" | "BaseException" => Catches::Broadly,
        _ => Catches::Not,
    };
    match &body.exprs[kind] {
        Expr::Name { id, .. } if named(id) != Catches::Not => named(id),
        Expr::Attribute { attr, .. } if named(attr) != Catches::Not => named(attr),
        // A project subclass of `StopIteration` (`except Done:`), an alias of it
        // (`Stop = StopIteration`), or a name awaitify cannot tell (a tuple of types
        // bound elsewhere) may catch it.
        Expr::Name { .. } | Expr::Attribute { .. } => checker.catches_by_name(body_id, kind),
        Expr::Tuple { elts, .. } => elts
            .iter()
            .map(|element| catches(checker, body_id, body, *element))
            .max()
            .unwrap_or(Catches::Not),
        _ => Catches::Broadly,
    }
}

/// Resolves what handlers catch and what `raise` raises, in one file.
struct Checker<'db> {
    resolver: Resolver<'db>,
    file: File,
}

impl Checker<'_> {
    /// How a handler's type that is a name catches `StopIteration`: by name when it
    /// may be `StopIteration` (see [`Self::may_be_stop_iteration`]); not when it is
    /// another class.
    fn catches_by_name(&mut self, body: BodyId, expr: ExprId) -> Catches {
        let resolution = self.resolver.resolve_expr(self.file, body, expr);
        if self.may_be_stop_iteration(resolution) {
            Catches::ByName
        } else {
            Catches::Not
        }
    }

    /// Whether `raise exc` may raise `StopIteration` (see
    /// [`Self::may_be_stop_iteration`]): a builtin or library exception
    /// (`raise ValueError(...)`) or another project class does not.
    fn may_raise_stop_iteration(&mut self, body_id: BodyId, body: &Body, exc: ExprId) -> bool {
        // `raise Done()` raises what the class makes; `raise err()` whatever `err`
        // returns, which awaitify does not follow.
        let raised = match &body.exprs[exc] {
            Expr::Call { func, .. } => {
                match self.resolver.resolve_expr(self.file, body_id, *func) {
                    Resolution::Definite(
                        Target::Class { .. } | Target::Builtin(_) | Target::External(_),
                    ) => *func,
                    _ => return true,
                }
            }
            _ => exc,
        };
        let resolution = self.resolver.resolve_expr(self.file, body_id, raised);
        self.may_be_stop_iteration(resolution)
    }

    /// Whether a class or exception named by an expression may be `StopIteration`: it
    /// is that builtin under any name, a project subclass of it (or an instance of
    /// one), or something awaitify cannot tell (`raise DONE`, a tuple of types bound
    /// elsewhere).
    fn may_be_stop_iteration(&mut self, resolution: Resolution) -> bool {
        resolution
            .into_alternatives()
            .iter()
            .any(|alternative| match alternative {
                Ok(Target::Builtin(name)) => name == "StopIteration",
                Ok(Target::External(name)) => name == "builtins.StopIteration",
                Ok(Target::Class { file, class, .. } | Target::Instance { file, class }) => {
                    self.derives_from_stop_iteration(*file, *class)
                }
                Ok(_) => false,
                Err(_) => true,
            })
    }

    fn derives_from_stop_iteration(&mut self, file: File, class: ClassId) -> bool {
        self.resolver
            .names_a_base(file, class, |name| name == "StopIteration", false)
    }
}

/// Whether the call `site` may raise `StopIteration` itself: `next(it)` without a
/// default (`builtins.next` too), `it.__next__()`, a generator's `send()` or `throw()`,
/// a builtin or library function handed a callback (`min(xs, key=lambda x: next(it))`),
/// or a callee awaitify cannot tell (a stored bound `__next__`, a method on an unknown
/// receiver). Builtins, their methods and library functions otherwise do not; neither
/// do special methods Python calls for an operator or a subscript (not followed).
fn raises_stop_iteration(body: &Body, site: &CallSite) -> bool {
    let Expr::Call {
        func,
        args,
        keywords,
    } = &body.exprs[site.expr]
    else {
        return false;
    };
    if let Expr::Attribute { attr, .. } = &body.exprs[*func]
        && matches!(attr.as_str(), "__next__" | "send" | "throw")
    {
        return true;
    }
    // A callback handed to a builtin (`min(xs, key=lambda x: next(it))`) runs inside it.
    let callback = args
        .iter()
        .chain(keywords.iter().map(|keyword| &keyword.value))
        .any(|arg| matches!(body.exprs[*arg], Expr::Lambda { .. }))
        || keywords
            .iter()
            .any(|keyword| keyword.arg.as_deref() == Some("key"));
    let is_next = |name: &str| matches!(name, "next" | "builtins.next");
    match &site.callee {
        Resolution::Definite(Target::Builtin(name) | Target::External(name)) if is_next(name) => {
            args.len() == 1
                && keywords.is_empty()
                && !matches!(body.exprs[args[0]], Expr::Starred { .. })
        }
        // What a library call returned, called (`nx = functools.partial(next); nx(it)`).
        Resolution::Definite(Target::External(name)) if name.ends_with(')') => true,
        Resolution::Definite(Target::Builtin(_) | Target::External(_)) => callback,
        // A builtin's method called through a name may be a stored `it.__next__`
        // (`get = iter(f, 0).__next__; get()`); called as an attribute it is named.
        Resolution::Unresolved(
            Unresolved::Builtin | Unresolved::BuiltinValue | Unresolved::BuiltinMethod,
        ) => !matches!(body.exprs[*func], Expr::Attribute { .. }),
        Resolution::Unresolved(reason) => *reason != Unresolved::NoneValue,
        _ => false,
    }
}

/// A `try` statement's protected body, and how its handlers catch `StopIteration`.
struct Try {
    protected: TextRange,
    /// The type of the first handler that names it.
    named: Option<TextRange>,
}

#[salsa::tracked(returns(ref))]
pub(crate) fn file_stop_iteration(db: &dyn Db, file: File) -> Arc<FileStopIteration> {
    let hir = file_hir(db, file);
    let calls = file_calls(db, file);
    let source_map = file_source_map(db, file);
    let mut found = FileStopIteration::default();
    let mut checker = Checker {
        resolver: Resolver::new(db),
        file,
    };
    // Each body's `try` statements that catch `StopIteration`, and the bodies of the
    // handlers that do (where a bare `raise` raises it again).
    let mut tries: FxHashMap<BodyId, Vec<Try>> = FxHashMap::default();
    let mut handlers_of: FxHashMap<BodyId, Vec<TextRange>> = FxHashMap::default();
    for (body_id, body) in hir.bodies() {
        let map = source_map.body(body_id);
        for (_, stmt) in body.stmts.iter() {
            // What the statement protects, how it catches, and the first type naming it.
            let mut how = Catches::Not;
            let mut named = None;
            let protected = match stmt {
                // `with contextlib.suppress(StopIteration):` catches as a handler does.
                Stmt::With {
                    items,
                    body: protected,
                    ..
                } => {
                    for item in items.iter() {
                        let suppressed =
                            checker
                                .resolver
                                .suppressed_types(file, body_id, item.context_expr);
                        for arg in suppressed.into_iter().flatten() {
                            let arg_catches = catches(&mut checker, body_id, body, *arg);
                            if arg_catches == Catches::ByName {
                                named.get_or_insert(map.expr(*arg));
                            }
                            how = how.max(arg_catches);
                        }
                    }
                    &protected[..]
                }
                Stmt::Try {
                    body: protected,
                    handlers,
                    ..
                } => {
                    for handler in handlers.iter() {
                        let handler_catches = handler.type_.map_or(Catches::Broadly, |kind| {
                            catches(&mut checker, body_id, body, kind)
                        });
                        if handler_catches != Catches::Not
                            && let Some(range) = map.block(&handler.body)
                        {
                            handlers_of.entry(body_id).or_default().push(range);
                        }
                        if handler_catches == Catches::ByName
                            && let Some(kind) = handler.type_
                        {
                            named.get_or_insert(map.expr(kind));
                        }
                        how = how.max(handler_catches);
                    }
                    &protected[..]
                }
                _ => continue,
            };
            if how != Catches::Not
                && let Some(protected) = map.block(protected)
            {
                tries
                    .entry(body_id)
                    .or_default()
                    .push(Try { protected, named });
            }
        }
    }
    let mut first_source: FxHashMap<FunctionId, TextRange> = FxHashMap::default();
    let mut add_source = |function: FunctionId, range: TextRange| {
        let entry = first_source.entry(function).or_insert(range);
        if range.start() < entry.start() {
            *entry = range;
        }
    };
    for (index, site) in calls.sites.iter().enumerate() {
        if site.context != Context::Direct {
            found.caught_sites.insert(index as u32);
            continue;
        }
        let raises = match site.body {
            BodyId::Function(function) if raises_stop_iteration(hir.body(site.body), site) => {
                Some(function)
            }
            _ => None,
        };
        // Most bodies have no `try` that catches it: no range is needed then.
        let body_tries = tries.get(&site.body).map(Vec::as_slice).unwrap_or_default();
        if body_tries.is_empty() && raises.is_none() {
            continue;
        }
        let range = source_map.body(site.body).expr(site.expr);
        let mut enclosing = body_tries
            .iter()
            .filter(|found| found.protected.contains_range(range))
            .peekable();
        if enclosing.peek().is_some() {
            if let Some(named) = enclosing.find_map(|found| found.named) {
                found.catching_sites.push((index as u32, named));
            }
            found.caught_sites.insert(index as u32);
            continue;
        }
        if let Some(function) = raises {
            add_source(function, range);
        }
    }
    // `raise StopIteration`, and a bare `raise` in a handler that caught one.
    for (function, _) in hir.functions.iter() {
        let body_id = BodyId::Function(function);
        let body = hir.body(body_id);
        let map = source_map.body(body_id);
        for (stmt_id, stmt) in body.stmts.iter() {
            let Stmt::Raise { exc, .. } = stmt else {
                continue;
            };
            let range = map.stmt(stmt_id);
            let raises = match exc {
                Some(exc) => checker.may_raise_stop_iteration(body_id, body, *exc),
                None => handlers_of
                    .get(&body_id)
                    .is_some_and(|handlers| handlers.iter().any(|h| h.contains_range(range))),
            };
            let caught = tries.get(&body_id).is_some_and(|found| {
                found
                    .iter()
                    .any(|found| found.protected.contains_range(range))
            });
            if raises && !caught {
                add_source(function, range);
            }
        }
    }
    found.sources = first_source
        .into_iter()
        .filter(|(function, _)| !calls.generators.contains(function))
        .collect();
    found
        .sources
        .sort_unstable_by_key(|(function, _)| *function);
    Arc::new(found)
}

/// The project-wide part (see the module doc). Empty, and computed at once, unless
/// some handler catches `StopIteration` by name.
#[derive(Default)]
pub(crate) struct StopIterationCatches {
    /// Each function a handler naming `StopIteration` may catch it from, with the
    /// handler's type.
    caught: FxHashMap<UnitKey, Place>,
    /// Each caught function that may let `StopIteration` out, with where it is raised
    /// in its own body (or the call that raises it).
    raises: FxHashMap<UnitKey, Place>,
}

impl StopIterationCatches {
    pub(crate) fn new<'db>(
        db: &'db dyn Db,
        files: &[File],
        calls_of: impl Fn(File) -> &'db FileCalls,
        callers: &FxHashMap<UnitKey, Vec<SiteKey>>,
        followed: &crate::coloring::parameters::ParameterCalls,
    ) -> Self {
        let followed_callers = &followed.callers;
        let followed = &followed.targets;
        // The functions a call may run, with those a call through a parameter was
        // followed to (see `coloring::parameters`).
        let functions_of = |file: File, index: usize, site: &'db CallSite| {
            function_targets(site).chain(
                followed
                    .get(&(file, index))
                    .into_iter()
                    .flat_map(|targets| targets.iter())
                    .filter_map(|target| match target {
                        Target::Function { file, function } => {
                            Some((*file, BodyId::Function(*function)))
                        }
                        _ => None,
                    }),
            )
        };
        // Each file's part, fetched once: the walks below look at sites by the thousand,
        // and a salsa fetch records a dependency each time.
        let per_file: FxHashMap<File, &FileStopIteration> = files
            .iter()
            .map(|file| (*file, &**file_stop_iteration(db, *file)))
            .collect();
        let mut caught: FxHashMap<UnitKey, Place> = FxHashMap::default();
        let mut queue: Vec<UnitKey> = Vec::new();
        for file in files {
            let calls = calls_of(*file);
            for (index, handler) in &per_file[file].catching_sites {
                let index = *index as usize;
                for function in functions_of(*file, index, &calls.sites[index]) {
                    if let Entry::Vacant(entry) = caught.entry(function) {
                        entry.insert((*file, *handler));
                        queue.push(function);
                    }
                }
            }
        }
        if queue.is_empty() {
            return StopIterationCatches::default();
        }
        // Follow callees from each caught function, through calls not caught around.
        // Each file's sites are grouped by unit when the walk first reaches the file.
        let mut sites_of: FxHashMap<File, FxHashMap<BodyId, Vec<usize>>> = FxHashMap::default();
        while let Some(unit) = queue.pop() {
            let handler = caught[&unit];
            let calls = calls_of(unit.0);
            let by_unit = sites_of.entry(unit.0).or_insert_with(|| {
                let caught = &per_file[&unit.0].caught_sites;
                let mut by_unit: FxHashMap<BodyId, Vec<usize>> = FxHashMap::default();
                for (index, site) in calls.sites.iter().enumerate() {
                    if !caught.contains(&(index as u32)) {
                        by_unit.entry(site.body).or_default().push(index);
                    }
                }
                by_unit
            });
            for index in by_unit.get(&unit.1).map(Vec::as_slice).unwrap_or_default() {
                for callee in functions_of(unit.0, *index, &calls.sites[*index]) {
                    if let Entry::Vacant(entry) = caught.entry(callee) {
                        entry.insert(handler);
                        queue.push(callee);
                    }
                }
            }
        }
        // Follow callers from each function that raises it, through calls not caught
        // around, to callers that are not generators. Only caught functions matter, and
        // every callee of one through such a call is caught too: the walk stays among
        // them.
        let mut raises: FxHashMap<UnitKey, Place> = FxHashMap::default();
        let mut source_maps = FxHashMap::default();
        let mut queue: Vec<UnitKey> = Vec::new();
        for file in files {
            for (function, range) in &per_file[file].sources {
                let unit = (*file, BodyId::Function(*function));
                if caught.contains_key(&unit) {
                    raises.insert(unit, (*file, *range));
                    queue.push(unit);
                }
            }
        }
        while let Some(unit) = queue.pop() {
            let all_callers = callers
                .get(&unit)
                .into_iter()
                .flatten()
                .chain(followed_callers.get(&unit).into_iter().flatten());
            for (file, index) in all_callers {
                let calls = calls_of(*file);
                let site = &calls.sites[*index];
                let BodyId::Function(caller) = site.body else {
                    continue;
                };
                if !caught.contains_key(&(*file, site.body))
                    || calls.generators.contains(&caller)
                    || per_file[file].caught_sites.contains(&(*index as u32))
                {
                    continue;
                }
                if let Entry::Vacant(entry) = raises.entry((*file, site.body)) {
                    // Each function is labelled where it enters: at the call.
                    let range = source_maps
                        .entry(*file)
                        .or_insert_with(|| file_source_map(db, *file))
                        .body(site.body)
                        .expr(site.expr);
                    entry.insert((*file, range));
                    queue.push((*file, site.body));
                }
            }
        }
        StopIterationCatches { caught, raises }
    }

    /// Where `StopIteration` may leave `unit`, and the handler naming it that would
    /// catch it there: from a coroutine, Python raises `RuntimeError` instead.
    pub(crate) fn caught_from(&self, unit: UnitKey) -> Option<(Place, Place)> {
        Some((*self.raises.get(&unit)?, *self.caught.get(&unit)?))
    }
}
