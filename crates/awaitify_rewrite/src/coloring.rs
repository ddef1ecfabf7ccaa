//! Async coloring: which units become async, and which cannot.
//!
//! Terms:
//! - A **seed** is a call that a rule rewrites (`time.sleep(1)`); its unit must await.
//! - A unit is **colored** when it must await: it holds a seed or a call of a function
//!   that becomes async. A colored `def` becomes `async def` and each of its call sites
//!   is awaited, so the callers are colored in turn, to a fixed point. Functions that
//!   share a call site (overrides reachable from one `self.m()`) are colored together.
//!   A colored module body gets top-level `await`.
//! - A colored unit is **blocked** when it cannot become async: a class body, the body
//!   of a module other modules import, a synchronous dunder, a property, a function used
//!   as a value, one under a decorator that does not pass coroutines through, a generator
//!   consumed other than by `for`, a function called from a lambda or a generator
//!   expression (but not one a builtin materializes: see `Context::Materialized`; a
//!   generator such a one iterates becomes an async generator too), a method of a class whose objects are handed to code outside the
//!   project, a function that code run from a string may call (see `escapes`), or a
//!   blocked unit. A blocked unit stays as it is, and so does everything that made it
//!   colored; its callees that would have become async are blocked too (their caller
//!   could not await them).
//!
//! Blocking removes colors, which can unblock nothing and block more, so the loop
//! `color -> find blockers` ends when no new unit is blocked.
//!
//! Functions that were `async def` already are colored by their seeds but do not
//! propagate: their callers already deal with a coroutine.

use std::collections::VecDeque;
use std::sync::Arc;

use awaitify_callgraph::{
    CallSite, Context, FileCalls, Iteration, LookupScope, Reference, file_calls,
};
use awaitify_db::{Db, File};
use awaitify_hir::hir::{
    Body, BodyId, Expr, ExprId, FileHir, FunctionId, Literal, Name, Stmt, StmtId,
};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::resolve::Unresolved;
use awaitify_semantic::resolve::target_name;
use awaitify_semantic::symbols::ExprPath;
use awaitify_semantic::{
    Resolution, Resolver, SemanticIndex, Target, module_symbols, semantic_index,
};
use ruff_text_size::TextRange;
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

/// Insertion-ordered, so results are deterministic; Fx-hashed, since keys are small ids.
pub type IndexSet<T> = indexmap::IndexSet<T, FxBuildHasher>;
pub type IndexMap<K, V> = indexmap::IndexMap<K, V, FxBuildHasher>;

use crate::Settings;
use crate::escapes::{EscapeSource, EscapedClasses, Evaluated};
use crate::rules::RuleSet;
use crate::seeds::file_seeds;
use crate::stop_iteration::StopIterationCatches;

#[path = "locks.rs"]
mod locks;
#[path = "parameters.rs"]
pub mod parameters;
use locks::await_holding_thread_lock;

/// A unit of code: a module, function or class body of a file.
pub type UnitKey = (File, BodyId);

/// A call site, by file and index into that file's [`file_calls`] sites.
pub type SiteKey = (File, usize);

/// Why a unit is colored: the first reason found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// It holds a call a rule rewrites.
    Seed(SiteKey),
    /// It calls `callee`, which becomes async, at `site`.
    Calls { site: SiteKey, callee: UnitKey },
    /// It may be reached from the same call site as `partner` (an override).
    SharesCallSite { site: SiteKey, partner: UnitKey },
}

/// Why a colored unit cannot become async.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    ClassBody,
    ImportedModule {
        importer: File,
    },
    SyncDunder,
    Property {
        decorator: ExprId,
    },
    Decorator {
        decorator: ExprId,
        name: String,
    },
    UsedAsValue {
        reference: (File, usize),
    },
    /// A lookup by a computed name (`getattr`, a namespace, `setattr`) may fetch it: the
    /// index of the lookup in its file's `dynamic_lookups`.
    DynamicLookup {
        lookup: (File, usize),
    },
    /// Reassigned through an attribute (`helpers.fetch = fake`): the index of the store
    /// in its file's `reassigned`.
    Reassigned {
        store: (File, usize),
    },
    GeneratorConsumed {
        site: SiteKey,
    },
    GeneratorWithoutAsyncForm,
    /// A `@contextmanager` generator whose call is not entered by a `with` statement of
    /// its own (it is stored, handed on, entered by `ExitStack.enter_context`, ...): only
    /// `async with` enters what `@asynccontextmanager` makes.
    ContextManagerNotEntered {
        site: SiteKey,
    },
    /// A `with` statement that enters a `@contextmanager` generator that becomes async
    /// and also something that stays synchronous (the context expression of another of
    /// its items), and cannot be split into one of each (see `with_split`): `async with`
    /// would enter both asynchronously.
    ContextManagerBesideSyncOne {
        site: SiteKey,
        other: ExprId,
    },
    /// A generator whose closing runs cleanup code (see `generator_has_cleanup`),
    /// consumed by a loop that may stop early: as an async generator its cleanup would
    /// run later.
    GeneratorClosedLate {
        site: SiteKey,
    },
    /// The call sits where nothing can await it: in a lambda, a generator expression, an
    /// annotation Python evaluates, or an f-string's `{expr=}` (its site's `context`).
    CalledWhereAwaitIsImpossible {
        site: SiteKey,
    },
    CallerStaysSync {
        site: SiteKey,
        caller: UnitKey,
    },
    /// A call whose receiver is unknown names this method.
    UnresolvedCaller {
        site: SiteKey,
    },
    /// A method of this name is taken as a value from an object awaitify cannot follow
    /// (`fn = getattr(api, "users")`, `[api.users]`, `partial(api.users)`): the bound
    /// method may be called anywhere.
    MethodTakenAsValue {
        place: (File, BodyId, ExprId),
    },
    /// An instance of its class (or of a subclass), or the class itself, is handed to
    /// code outside the project, which may call the method by name.
    EscapedObject {
        escape: EscapeSource,
    },
    /// A namespace of an object awaitify cannot follow to a class is enumerated (`vars(x)`,
    /// `inspect.getmembers(x)`): any method may be taken as a value there and called
    /// synchronously. A file and an index into its `enumerations`.
    EnumeratedNamespace {
        enumeration: (File, usize),
    },
    /// Code run from a string by `eval`, `exec` or `compile` may call it: the index of
    /// the call in its file's `evaluations`.
    Evaluated {
        evaluation: (File, usize),
    },
    /// It would await at `site` while it holds a thread lock, taken at `lock` (an
    /// expression of its own body: a `with` item, an `enter_context(...)` or `acquire()`
    /// call; see [`locks`]): another task reaching the same lock would block the event
    /// loop's only thread, or, with an `RLock`, enter the critical section too.
    AwaitHoldingThreadLock {
        site: SiteKey,
        lock: ExprId,
    },
    /// `StopIteration` may leave it (raised at `raised`, its own or in a function it
    /// calls) and reach a handler that names it (`handler`, the handler's type): from a
    /// coroutine, Python raises `RuntimeError` instead (PEP 479).
    StopIterationCaught {
        raised: crate::stop_iteration::Place,
        handler: crate::stop_iteration::Place,
    },
    /// Its module may be imported under another name awaitify does not resolve to it
    /// (`import tools` with `src/tools.py`); the index is into the importing file's
    /// `imports_under_other_names`.
    ImportedUnderOtherName {
        import: (File, usize),
    },
    /// A call whose receiver is unknown names this module-level function, and its
    /// module escapes (the index of the escape in its file's `module_escapes`).
    EscapedModule {
        site: SiteKey,
        escape: (File, usize),
    },
    /// The method's class inherits from `base`, outside the project; `None` when the
    /// base is an expression awaitify cannot name (`class C(make_base()):`).
    ExternalBase {
        base: Option<String>,
    },
    /// The unit's file has syntax errors or cannot be decoded, and is never written.
    UnwritableFile,
    AmbiguousCall {
        site: SiteKey,
    },
    /// The call may run a generator or a plain function.
    MixedGeneratorCall {
        site: SiteKey,
    },
    SharesCallSite {
        site: SiteKey,
        partner: UnitKey,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coloring {
    /// Units that await after the rewrite, in discovery order.
    pub colored: IndexSet<UnitKey>,
    /// Units that would have had to await but cannot, with the first reason found.
    pub blocked: IndexMap<UnitKey, Blocker>,
    /// Why each unit (colored or blocked) had to await.
    pub why: FxHashMap<UnitKey, Why>,
    /// Calls of functions that become async that run only when their module is the
    /// script (a main guard of a module other modules import): `asyncio.run` runs them.
    pub run_as_script: FxHashSet<SiteKey>,
    /// Some `run_until_complete` in the project is awaited instead, and none on a loop
    /// from `asyncio.new_event_loop()` stays: every such loop, wherever it is made
    /// (another module, `set_event_loop(new_event_loop())` then `get_event_loop()`), is
    /// then the page's own (see `file_edits`).
    pub loops_awaited: bool,
    /// Method calls through parameters followed to every function they may run (see
    /// [`parameters`]): their sites have no targets of their own.
    pub parameter_targets: FxHashMap<SiteKey, Box<[Target]>>,
    /// Calls through parameters left unresolved because a caller passes an object
    /// awaitify cannot follow, with where it passes it (a file, body and expression).
    pub unknown_arguments: FxHashMap<SiteKey, parameters::Place>,
}

impl Coloring {
    /// The targets of the call `site`, or those a call through a parameter was followed
    /// to.
    pub fn site_targets<'a>(&'a self, db: &'a dyn Db, site: SiteKey) -> &'a [Target] {
        match self.parameter_targets.get(&site) {
            Some(targets) => targets,
            None => &file_calls(db, site.0).sites[site.1].targets,
        }
    }

    /// Whether `function` of `file` becomes `async def` (it was not already).
    pub fn becomes_async(&self, db: &dyn Db, unit: UnitKey) -> bool {
        match unit.1 {
            BodyId::Function(function) => {
                self.colored.contains(&unit) && !file_hir(db, unit.0).functions[function].is_async
            }
            _ => false,
        }
    }
}

/// Special methods that async code may define.
const ASYNC_DUNDERS: &[&str] = &["__aenter__", "__aexit__", "__anext__"];

struct Graph<'db> {
    db: &'db dyn Db,
    files: Vec<File>,
    /// Each file's calls and HIR, fetched once: the coloring looks at sites by the
    /// hundred thousand, and a hash lookup costs a fraction of a salsa fetch.
    per_file: FxHashMap<File, (&'db FileCalls, &'db FileHir)>,
    callers: &'db Callers,
    groups: Groups,
    /// The project modules that import each module, in path order.
    importers: FxHashMap<File, Vec<File>>,
    /// Whether an imported module with a main guard may still be the page's script:
    /// every module that imports it is one it imports itself (`main.py` whose guard
    /// imports `helper`, which imports `main` back for a constant) or a test module
    /// (`test_main.py`), or a page names it (`st.Page("page.py")`). It is read off each
    /// module's component in the import graph (see [`import_components`]), computed
    /// when a call in a main guard first asks.
    import_components: std::cell::OnceCell<FxHashMap<File, u32>>,
    references: FxHashMap<UnitKey, (File, usize)>,
    /// Attribute names called through receivers that do not resolve, with one such call.
    unresolved_method_calls: FxHashMap<awaitify_hir::hir::Name, SiteKey>,
    /// Attribute names taken as values from receivers that do not resolve, with one place.
    methods_taken_as_values: FxHashMap<Name, (File, BodyId, ExprId)>,
    /// Functions reassigned through an attribute, with one such store.
    reassigned: FxHashMap<UnitKey, (File, usize)>,
    /// The project's lookups by a computed name, by what they look in (those in a
    /// module's namespace are resolved once, into `module_lookup_targets`): on an object
    /// of a known class, and on an object awaitify cannot follow. The exact ones, for
    /// each method name stored on such an object (`obj.load = f`), one such store: there
    /// are many.
    class_lookups: Vec<(File, usize)>,
    any_object_lookups: Vec<(File, usize)>,
    exact_lookups: FxHashMap<Name, (File, usize)>,
    /// Project modules used as values, with one such use each.
    escaped_modules: FxHashMap<File, (File, usize)>,
    /// Project modules that may be imported under another name, with one such import.
    imported_under_other_names: FxHashMap<File, (File, usize)>,
    /// One place where a computed module escapes, which may be any module.
    any_module_escape: Option<(File, usize)>,
    /// The functions a computed lookup in a module's namespace may fetch (any global
    /// its name can spell), each with the first such lookup.
    module_lookup_targets: FxHashMap<UnitKey, (File, usize)>,
    /// Methods that code outside the project may call on objects handed to it.
    escaped_classes: &'db EscapedClasses,
    /// The first enumeration of a namespace that may be any class's or instance's.
    unknown_enumeration: Option<(File, usize)>,
    /// Functions that code run by `eval`, `exec` or `compile` may call.
    evaluated: Evaluated,
    /// Functions that may let `StopIteration` out to a handler that names it.
    stop_iteration: StopIterationCatches,
    /// Calls of project functions that a rewritten call streams (`st.write_stream(gen())`,
    /// see [`Rule::streams_argument`](crate::rules::Rule::streams_argument)): awaited, it
    /// iterates an async generator with `async for`.
    streamed: FxHashSet<SiteKey>,
    /// Project generator functions a rewritten call streams as values
    /// (`st.write_stream(stream_data)`), with each such call: awaited, it calls them and
    /// iterates what they return with `async for`.
    streamed_values: FxHashMap<UnitKey, Vec<SiteKey>>,
    /// The files a page names by path (`st.Page("pages/report.py")`), which Streamlit
    /// runs as `__main__`.
    page_scripts: FxHashSet<File>,
    /// Project classes handed on as values, and whether one awaitify cannot name may be.
    class_values: ClassValues,
    /// Method calls through parameters followed to what the callers pass (see
    /// [`parameters`]), as call sites that run those functions.
    followed_sites: FxHashMap<SiteKey, CallSite>,
    /// The calls through parameters followed, and those that could not be.
    parameter_calls: parameters::ParameterCalls,
}

/// Project classes handed on as values anywhere (see `FileCalls::classes_handed_on`).
#[derive(Default)]
struct ClassValues {
    classes: FxHashSet<(File, awaitify_hir::hir::ClassId)>,
    /// A class awaitify cannot name may be handed on, or a module escapes (its classes
    /// with it).
    any: bool,
}

/// What the coloring needs from one file's call sites. A query of its own so that
/// `analyze_in_parallel` computes it for every file at once, and the coloring, which runs
/// on one thread, only merges.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct FileCallEdges {
    /// Each call of a project function: the callee and the site's index, sorted, so the
    /// calls of one function are together and in site order.
    calls: Vec<(UnitKey, u32)>,
    /// Functions called at one site (`handler()` where `handler` may be either of two),
    /// which go async together.
    shared: Vec<(UnitKey, UnitKey)>,
    /// Method calls through receivers that may hold a project instance awaitify did not
    /// see, in site order: the first of each name and global read.
    method_calls: Vec<MethodCall>,
}

#[derive(Debug, PartialEq, Eq)]
struct MethodCall {
    attr: Name,
    site: u32,
    /// The module global the receiver reads, when that is what makes it unknown: the call
    /// counts only if some file sets that global as an attribute of the module.
    through_global: Option<Name>,
    /// The receiver is a parameter, or an attribute of `self` (see
    /// [`parameters::followed_receiver`]): the coloring may follow it to the arguments
    /// callers pass, and the call then counts only if that fails.
    through_parameter: bool,
}

#[salsa::tracked(returns(ref))]
pub(crate) fn file_call_edges(db: &dyn Db, file: File) -> Arc<FileCallEdges> {
    let calls = file_calls(db, file);
    let hir = file_hir(db, file);
    let semantic = semantic_index(db, file);
    let mut edges = FileCallEdges::default();
    for (index, site) in calls.sites.iter().enumerate() {
        let index = index as u32;
        if let Expr::Call { func, .. } = &hir.body(site.body).exprs[site.expr] {
            let method_call = if receiver_may_be_project_instance(site) {
                called_attribute(hir, semantic, site.body, *func).map(|attr| MethodCall {
                    through_parameter: parameters::followed_receiver(hir, semantic, site)
                        .is_some_and(|(_, called)| called == attr),
                    attr,
                    site: index,
                    through_global: None,
                })
            } else if let Expr::Attribute { value, attr, .. } = &hir.body(site.body).exprs[*func]
                && let Some(global) = reads_module_global(hir, semantic, site.body, *value)
            {
                Some(MethodCall {
                    attr: attr.clone(),
                    site: index,
                    through_global: Some(global.clone()),
                    through_parameter: false,
                })
            } else {
                None
            };
            edges.method_calls.extend(method_call);
            // `operator.methodcaller("step")`, `operator.attrgetter("step")`,
            // `inspect.getattr_static(obj, "step")`, `obj.__getattribute__("step")`
            // fetch a method by name from an object awaitify does not follow.
            edges.method_calls.extend(
                methods_fetched_by_name(hir.body(site.body), site)
                    .into_iter()
                    .map(|attr| MethodCall {
                        attr,
                        site: index,
                        through_global: None,
                        through_parameter: false,
                    }),
            );
        }
        let mut functions = function_targets(site);
        if let Some(first) = functions.next() {
            edges.calls.push((first, index));
            let mut previous = first;
            for function in functions {
                edges.calls.push((function, index));
                edges.shared.push((previous, function));
                previous = function;
            }
        }
    }
    // The coloring merges the calls of each function at once.
    edges.calls.sort_unstable_by_key(|((file, body), index)| {
        (salsa::plumbing::AsId::as_id(file), *body, *index)
    });
    // It keeps one call of each name; later ones in a file never count. Calls through
    // parameters are kept each: following one does not follow the others.
    let mut seen: FxHashSet<(&Name, Option<&Name>)> = FxHashSet::default();
    let first_of_each: Vec<bool> = edges
        .method_calls
        .iter()
        .map(|call| {
            call.through_parameter || seen.insert((&call.attr, call.through_global.as_ref()))
        })
        .collect();
    drop(seen);
    let mut first = first_of_each.into_iter();
    edges
        .method_calls
        .retain(|_| first.next().unwrap_or_default());
    Arc::new(edges)
}

/// The call sites of each project function.
pub(crate) type Callers = FxHashMap<UnitKey, Vec<SiteKey>>;

/// The sites that call each project function, in path and site order, from every
/// file's [`file_call_edges`]. Read by the escape walk and by the coloring.
#[salsa::tracked(returns(ref))]
pub(crate) fn project_callers(db: &dyn Db) -> Arc<Callers> {
    let mut callers = Callers::default();
    for file in awaitify_db::files_by_path(db) {
        let edges = file_call_edges(db, file);
        for calls_of_one in edges.calls.chunk_by(|a, b| a.0 == b.0) {
            callers.entry(calls_of_one[0].0).or_default().extend(
                calls_of_one
                    .iter()
                    .map(|(_, index)| (file, *index as usize)),
            );
        }
    }
    Arc::new(callers)
}

/// What the rewritten calls of `file` stream (see
/// [`Rule::streams_argument`](crate::rules::Rule::streams_argument)): calls of project
/// functions, added to `streamed`, and project generator functions passed as values,
/// added to `streamed_values`. Returns the indices of those values among the file's
/// references, which then do not count as uses of the functions as values.
fn streams(
    db: &dyn Db,
    settings: Settings,
    file: File,
    (calls, hir): (&FileCalls, &FileHir),
    streamed: &mut FxHashSet<SiteKey>,
    streamed_values: &mut FxHashMap<UnitKey, Vec<SiteKey>>,
) -> FxHashSet<usize> {
    let mut streamed_references = FxHashSet::default();
    if !awaitify_hir::is_rewritable(db, file) {
        return streamed_references;
    }
    for seed in &file_seeds(db, file, settings).seeds {
        let site = &calls.sites[seed.site];
        // Only a call awaited where it stands iterates its argument asynchronously.
        if !seed.rule.streams_argument() || site.context != Context::Direct {
            continue;
        }
        let Some(argument) = streamed_argument(hir.body(site.body), site.expr) else {
            continue;
        };
        let same_place = |body: BodyId, expr: ExprId| body == site.body && expr == argument;
        if let Some(index) = calls
            .sites
            .iter()
            .position(|call| same_place(call.body, call.expr))
        {
            streamed.insert((file, index));
        } else if let Some((index, reference)) = calls
            .references
            .iter()
            .enumerate()
            .find(|(_, reference)| same_place(reference.body, reference.expr))
            && let Target::Function {
                file: target_file,
                function,
            } = reference.target
            && !reference.decorator
            && file_calls(db, target_file).generators.contains(&function)
        {
            streamed_references.insert(index);
            streamed_values
                .entry((target_file, BodyId::Function(function)))
                .or_default()
                .push((file, seed.site));
        }
    }
    streamed_references
}

/// Each file's strongly connected component in the graph of project imports
/// (`imports` gives a file's), numbered from 0: a file reaches another that imports it
/// exactly when both are in one component. Tarjan's algorithm, iterative, so a long
/// chain of imports needs no deep stack.
fn import_components<'a, Imports>(
    files: &[File],
    imports: impl Fn(File) -> Imports,
) -> FxHashMap<File, u32>
where
    Imports: IntoIterator<Item = &'a File>,
{
    let position: FxHashMap<File, usize> = files
        .iter()
        .enumerate()
        .map(|(position, file)| (*file, position))
        .collect();
    let successors: Vec<Vec<usize>> = files
        .iter()
        .map(|file| {
            imports(*file)
                .into_iter()
                .filter_map(|imported| position.get(imported).copied())
                .collect()
        })
        .collect();
    let mut walk = Tarjan::new(files.len());
    for root in 0..files.len() {
        if walk.order[root] != Tarjan::UNVISITED {
            continue;
        }
        // Each frame is a file on the walk and how many of its imports it has taken.
        let mut frames: Vec<(usize, usize)> = vec![(root, 0)];
        walk.enter(root);
        while let Some(&(node, edge)) = frames.last() {
            if let Some(&next) = successors[node].get(edge) {
                if let Some(frame) = frames.last_mut() {
                    frame.1 += 1;
                }
                if walk.order[next] == Tarjan::UNVISITED {
                    walk.enter(next);
                    frames.push((next, 0));
                } else if walk.on_stack[next] {
                    walk.low[node] = walk.low[node].min(walk.order[next]);
                }
                continue;
            }
            frames.pop();
            if let Some(&(parent, _)) = frames.last() {
                walk.low[parent] = walk.low[parent].min(walk.low[node]);
            }
            walk.leave(node);
        }
    }
    files.iter().copied().zip(walk.component).collect()
}

/// The state of [`import_components`]'s walk, by file position.
struct Tarjan {
    order: Vec<u32>,
    low: Vec<u32>,
    on_stack: Vec<bool>,
    component: Vec<u32>,
    stack: Vec<usize>,
    next_order: u32,
    next_component: u32,
}

impl Tarjan {
    const UNVISITED: u32 = u32::MAX;

    fn new(count: usize) -> Self {
        Tarjan {
            order: vec![Self::UNVISITED; count],
            low: vec![0; count],
            on_stack: vec![false; count],
            component: vec![Self::UNVISITED; count],
            stack: Vec::new(),
            next_order: 0,
            next_component: 0,
        }
    }

    fn enter(&mut self, node: usize) {
        self.order[node] = self.next_order;
        self.low[node] = self.next_order;
        self.next_order += 1;
        self.stack.push(node);
        self.on_stack[node] = true;
    }

    /// Once every import of `node` is walked: a node no import led back above closes
    /// its component, the nodes on the stack down to it.
    fn leave(&mut self, node: usize) {
        if self.low[node] != self.order[node] {
            return;
        }
        while let Some(member) = self.stack.pop() {
            self.on_stack[member] = false;
            self.component[member] = self.next_component;
            if member == node {
                break;
            }
        }
        self.next_component += 1;
    }
}

/// The project files that `st.Page(...)` calls name by a literal path, matched by their
/// path's last components (`"pages/report.py"` is any project file whose path ends so).
fn page_scripts(
    db: &dyn Db,
    files: &[File],
    per_file: &FxHashMap<File, (&FileCalls, &FileHir)>,
) -> FxHashSet<File> {
    let mut named: Vec<std::path::PathBuf> = Vec::new();
    for (calls, hir) in per_file.values() {
        for site in &calls.sites {
            if !matches!(&site.callee, Resolution::Definite(Target::External(name)) if name == "streamlit.Page")
            {
                continue;
            }
            let body = hir.body(site.body);
            let Expr::Call { args, keywords, .. } = &body.exprs[site.expr] else {
                continue;
            };
            let page = args.first().copied().or_else(|| {
                keywords
                    .iter()
                    .find(|keyword| keyword.arg.as_deref() == Some("page"))
                    .map(|keyword| keyword.value)
            });
            if let Some(page) = page
                && let Expr::Literal(awaitify_hir::hir::Literal::Str(path)) = &body.exprs[page]
            {
                named.push(std::path::Path::new(&**path).components().collect());
            }
        }
    }
    if named.is_empty() {
        return FxHashSet::default();
    }
    files
        .iter()
        .filter(|file| {
            let path = file.path(db);
            named
                .iter()
                .any(|page| !page.as_os_str().is_empty() && path.ends_with(page))
        })
        .copied()
        .collect()
}

/// Whether `file` is a test module (`test_*.py`, `*_test.py`, `conftest.py`, or a module
/// of a `tests` or `test` package), which the page never runs.
fn is_test_module(db: &dyn Db, file: File) -> bool {
    let path = file.path(db);
    let stem = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("");
    if stem.starts_with("test_") || stem.ends_with("_test") || stem == "conftest" {
        return true;
    }
    awaitify_db::module_name(db, file)
        .as_deref()
        .is_some_and(|name| name.split('.').any(|part| matches!(part, "tests" | "test")))
}

/// The argument a streaming call (`st.write_stream(stream)`) iterates: its first
/// positional argument, or its `stream=` keyword.
fn streamed_argument(body: &Body, call: ExprId) -> Option<ExprId> {
    crate::seeds::first_argument(body, call, &["stream"])
}

impl<'db> Graph<'db> {
    fn new(db: &'db dyn Db, settings: Settings) -> Self {
        let files = awaitify_db::files_by_path(db);
        let callers: &'db Callers = project_callers(db);
        let mut union = UnionFind::default();
        let mut importers: FxHashMap<File, Vec<File>> = FxHashMap::default();
        let mut references = FxHashMap::default();
        let mut unresolved_method_calls = FxHashMap::default();
        let mut methods_taken_as_values: FxHashMap<Name, (File, BodyId, ExprId)> =
            FxHashMap::default();
        let mut reassigned = FxHashMap::default();
        let mut module_lookups = Vec::new();
        let mut class_lookups = Vec::new();
        let mut any_object_lookups = Vec::new();
        let mut exact_lookups = FxHashMap::default();
        let mut escaped_modules = FxHashMap::default();
        let mut imported_under_other_names = FxHashMap::default();
        let mut any_module_escape = None;
        let mut streamed = FxHashSet::default();
        let mut table_references: Vec<(UnitKey, (File, usize))> = Vec::new();
        let mut streamed_values: FxHashMap<UnitKey, Vec<SiteKey>> = FxHashMap::default();
        let stored_globals = awaitify_semantic::project_module_stores(db);
        // Method calls through parameters, followed once every other fact is known.
        let function_names = awaitify_callgraph::project_function_names(db);
        let mut candidates: Vec<(SiteKey, Name)> = Vec::new();
        let mut class_values = ClassValues::default();
        // Modules handed on as values (`install_fake(services)`): an attribute stored on
        // an object awaitify cannot follow (`mod.client = fake`) may replace one of their
        // globals of that name. (A computed module, or a computed name, is not counted:
        // with them any global of any module could be.)
        let mut escaped: FxHashSet<File> = FxHashSet::default();
        for file in &files {
            escaped.extend(
                file_calls(db, *file)
                    .module_escapes
                    .iter()
                    .filter_map(|escape| escape.module),
            );
        }
        let stored_global = |file: File, global: &Name| {
            if stored_globals.replacement(file, global).is_some() {
                return true;
            }
            if escaped.is_empty() || !stored_globals.on_unknown.contains(global) {
                return false;
            }
            if escaped.contains(&file) {
                return true;
            }
            // A package handed on gives access to its submodules.
            let Some(name) = awaitify_db::module_name(db, file).clone() else {
                return false;
            };
            let mut package = name.as_str();
            while let Some((parent, _)) = package.rsplit_once('.') {
                package = parent;
                if awaitify_semantic::resolve_module(db, package)
                    .is_some_and(|parent_file| escaped.contains(&parent_file))
                {
                    return true;
                }
            }
            false
        };
        let mut per_file = FxHashMap::with_capacity_and_hasher(files.len(), FxBuildHasher);
        for file in &files {
            let calls: &'db FileCalls = file_calls(db, *file);
            let hir: &'db FileHir = file_hir(db, *file);
            per_file.insert(*file, (calls, hir));
            let edges = file_call_edges(db, *file);
            for &(a, b) in &edges.shared {
                union.union(a, b);
            }
            for call in &edges.method_calls {
                let counts = match &call.through_global {
                    None => true,
                    Some(global) => stored_global(*file, global),
                };
                if call.through_parameter && function_names.contains(&call.attr) {
                    candidates.push(((*file, call.site as usize), call.attr.clone()));
                } else if counts && !unresolved_method_calls.contains_key(&call.attr) {
                    unresolved_method_calls.insert(call.attr.clone(), (*file, call.site as usize));
                }
            }
            class_values
                .classes
                .extend(calls.classes_handed_on.0.iter().copied());
            class_values.any |= calls.classes_handed_on.1;
            for value in &calls.method_values {
                methods_taken_as_values
                    .entry(value.name.clone())
                    .or_insert((*file, value.body, value.expr));
            }
            for imported in &calls.imports {
                let of_imported = importers.entry(*imported).or_default();
                if of_imported.last() != Some(file) {
                    of_imported.push(*file);
                }
            }
            for (index, import) in calls.imports_under_other_names.iter().enumerate() {
                imported_under_other_names
                    .entry(import.module)
                    .or_insert((*file, index));
            }
            for (index, lookup) in calls.dynamic_lookups.iter().enumerate() {
                let place = (*file, index);
                match lookup.scope {
                    _ if lookup.exact => {
                        exact_lookups.entry(lookup.prefix.clone()).or_insert(place);
                    }
                    LookupScope::Module(_) => module_lookups.push(place),
                    LookupScope::Class(..) => class_lookups.push(place),
                    LookupScope::AnyMethod => any_object_lookups.push(place),
                }
            }
            for (index, escape) in calls.module_escapes.iter().enumerate() {
                match escape.module {
                    Some(module) => {
                        escaped_modules.entry(module).or_insert((*file, index));
                    }
                    None => {
                        any_module_escape.get_or_insert((*file, index));
                    }
                }
            }
            // The first reference (or store) of each function, by its index in the file.
            let first_of_each =
                |found: &[Reference], map: &mut FxHashMap<UnitKey, (File, usize)>| {
                    for (index, reference) in found.iter().enumerate() {
                        if let Target::Function {
                            file: target_file,
                            function,
                        } = reference.target
                        {
                            map.entry((target_file, BodyId::Function(function)))
                                .or_insert((*file, index));
                        }
                    }
                };
            first_of_each(&calls.reassigned, &mut reassigned);
            let streamed_references = streams(
                db,
                settings,
                *file,
                (calls, hir),
                &mut streamed,
                &mut streamed_values,
            );
            for (index, reference) in calls.references.iter().enumerate() {
                if let Target::Function {
                    file: target_file,
                    function,
                } = reference.target
                    && !streamed_references.contains(&index)
                {
                    let unit = (target_file, BodyId::Function(function));
                    // A dispatch table's functions are looked up, not used as values,
                    // unless another module may reach the table: decided once every
                    // module's imports are known.
                    if calls.table_references.contains(&index) {
                        table_references.push((unit, (*file, index)));
                    } else {
                        references.entry(unit).or_insert((*file, index));
                    }
                }
            }
        }
        for (unit, (file, index)) in table_references {
            let reached = importers.contains_key(&file)
                || imported_under_other_names.contains_key(&file)
                || escaped_modules.contains_key(&file)
                || any_module_escape.is_some();
            if reached {
                references.entry(unit).or_insert((file, index));
            }
        }
        let page_scripts = page_scripts(db, &files, &per_file);
        let module_lookup_targets = module_lookup_targets(db, &module_lookups);
        let escaped_classes = crate::escapes::escaped_classes(db);
        let unknown_enumeration =
            crate::enumerations::first_unknown_enumeration(&files, |file| per_file[&file].0);
        let evaluated = Evaluated::of(db, &files);
        class_values.any |= !escaped_modules.is_empty() || any_module_escape.is_some();
        let mut graph = Graph {
            db,
            files,
            per_file,
            callers,
            groups: Groups::default(),
            importers,
            import_components: Default::default(),
            references,
            unresolved_method_calls,
            methods_taken_as_values,
            reassigned,
            class_lookups,
            any_object_lookups,
            exact_lookups,
            escaped_modules,
            imported_under_other_names,
            any_module_escape,
            module_lookup_targets,
            escaped_classes,
            unknown_enumeration,
            evaluated,
            stop_iteration: StopIterationCatches::default(),
            streamed,
            streamed_values,
            page_scripts,
            class_values,
            followed_sites: FxHashMap::default(),
            parameter_calls: parameters::ParameterCalls::default(),
        };
        graph.follow_parameters(settings, &candidates, &mut union);
        graph.groups = union.groups();
        let per_file = &graph.per_file;
        graph.stop_iteration = StopIterationCatches::new(
            db,
            &graph.files,
            |file| per_file[&file].0,
            callers,
            &graph.parameter_calls,
        );
        graph
    }

    /// Follows the method calls through parameters among `candidates` (see
    /// [`parameters`]): each call followed becomes a call site of the functions it runs,
    /// sharing that site when it runs several; each that is not counts as a call awaitify
    /// cannot follow, as every call through a parameter did before.
    fn follow_parameters(
        &mut self,
        settings: Settings,
        candidates: &[(SiteKey, Name)],
        union: &mut UnionFind,
    ) {
        let mut resolver = Resolver::new(self.db);
        // Only a call that may reach a function the coloring may color matters; each
        // call followed may add such functions, and the calls are followed again.
        let mut names = self.names_that_may_await(settings, &FxHashMap::default());
        let mut known_callers = FxHashMap::default();
        let mut followed_count = usize::MAX;
        let mut previous = parameters::ParameterCalls::default();
        let followed = loop {
            let mut relevant: Vec<(SiteKey, Name)> = Vec::new();
            let mut others: FxHashSet<Name> = FxHashSet::default();
            for (site, attr) in candidates {
                if names.contains(attr) {
                    relevant.push((*site, attr.clone()));
                } else {
                    others.insert(attr.clone());
                }
            }
            // New names, but no new call to follow: the calls followed stand.
            if relevant.len() == followed_count {
                break previous;
            }
            followed_count = relevant.len();
            let followed =
                parameters::follow(self, &mut resolver, &relevant, others, &mut known_callers);
            let more = self.names_that_may_await(settings, &followed.callers);
            if more.len() == names.len() {
                break followed;
            }
            names = more;
            previous = followed;
        };
        for (site_key, targets) in &followed.targets {
            // A call on `None` or a builtin value only runs no project function.
            if targets.is_empty() {
                continue;
            }
            let original = &self.calls(site_key.0).sites[site_key.1];
            let callee = match &targets[..] {
                [single] => Resolution::Definite(single.clone()),
                _ => Resolution::Ambiguous(
                    targets
                        .iter()
                        .map(|target| awaitify_semantic::resolve::Candidate {
                            file: site_key.0,
                            binding: None,
                            target: Ok(target.clone()),
                        })
                        .collect(),
                ),
            };
            let mut functions = targets.iter().filter_map(|target| match target {
                Target::Function { file, function } => Some((*file, BodyId::Function(*function))),
                _ => None,
            });
            if let Some(first) = functions.next() {
                for other in functions {
                    union.union(first, other);
                }
            }
            self.followed_sites.insert(
                *site_key,
                CallSite {
                    callee,
                    targets: targets.clone(),
                    ..original.clone()
                },
            );
        }
        // The calls left unresolved, in the order the call graph has them, so that each
        // name keeps its first.
        let order: FxHashMap<File, usize> = self
            .files
            .iter()
            .enumerate()
            .map(|(position, file)| (*file, position))
            .collect();
        let key = |(file, site): &SiteKey| (order.get(file).copied(), *site);
        for (site, attr) in candidates {
            if followed.targets.contains_key(site) {
                continue;
            }
            let first = self
                .unresolved_method_calls
                .entry(attr.clone())
                .or_insert(*site);
            if key(site) < key(first) {
                *first = *site;
            }
        }
        self.parameter_calls = followed;
    }

    /// The names of the functions the coloring may color: those from which a call a rule
    /// rewrites may be reached through the call graph, with the calls through parameters
    /// followed so far (`followed`). A call through a parameter that names no such
    /// function cannot make one async, nor keep one synchronous.
    fn names_that_may_await(
        &self,
        settings: Settings,
        followed: &FxHashMap<UnitKey, Vec<SiteKey>>,
    ) -> FxHashSet<Name> {
        let mut names = FxHashSet::default();
        let mut seen: FxHashSet<UnitKey> = FxHashSet::default();
        let mut queue: Vec<UnitKey> = Vec::new();
        for file in &self.files {
            for seed in &file_seeds(self.db, *file, settings).seeds {
                let unit = (*file, self.calls(*file).sites[seed.site].body);
                if seen.insert(unit) {
                    queue.push(unit);
                }
            }
        }
        while let Some(unit) = queue.pop() {
            let BodyId::Function(function) = unit.1 else {
                continue;
            };
            names.insert(self.hir(unit.0).functions[function].name.clone());
            let callers = self.callers.get(&unit).into_iter().flatten();
            for (file, index) in callers.chain(followed.get(&unit).into_iter().flatten()) {
                let caller = (*file, self.calls(*file).sites[*index].body);
                if seen.insert(caller) {
                    queue.push(caller);
                }
            }
        }
        names
    }

    /// Where `file`'s module, or a package holding it (whose attributes reach it), is
    /// handed on as a value, or where any module may be.
    fn module_escape(&self, file: File) -> Option<&(File, usize)> {
        if let Some(escape) = self.escaped_modules.get(&file) {
            return Some(escape);
        }
        let name = awaitify_db::module_name(self.db, file).clone()?;
        let mut package = name.as_str();
        while let Some((parent, _)) = package.rsplit_once('.') {
            package = parent;
            if let Some(escape) = awaitify_semantic::resolve_module(self.db, package)
                .and_then(|parent_file| self.escaped_modules.get(&parent_file))
            {
                return Some(escape);
            }
        }
        self.any_module_escape.as_ref()
    }

    fn calls(&self, file: File) -> &'db FileCalls {
        match self.per_file.get(&file) {
            Some((calls, _)) => calls,
            None => file_calls(self.db, file),
        }
    }

    fn hir(&self, file: File) -> &'db FileHir {
        match self.per_file.get(&file) {
            Some((_, hir)) => hir,
            None => file_hir(self.db, file),
        }
    }

    fn site(&self, (file, index): SiteKey) -> &CallSite {
        if !self.followed_sites.is_empty()
            && let Some(site) = self.followed_sites.get(&(file, index))
        {
            return site;
        }
        &self.calls(file).sites[index]
    }

    /// The sites that call `unit`: those of the call graph, then the calls through
    /// parameters followed to it.
    fn callers_of(&self, unit: &UnitKey) -> impl Iterator<Item = &SiteKey> {
        self.callers
            .get(unit)
            .into_iter()
            .flatten()
            .chain(self.parameter_calls.callers.get(unit).into_iter().flatten())
    }

    /// Whether the call at `site_key` runs only when its file is the script: it is in
    /// a main guard of a module other modules import, in the module's own frame. On the
    /// page that module is never the script, so such a call never runs there; run as a
    /// script under CPython it runs with no event loop, where `asyncio.run` can run a
    /// function that became async. A module imported only from its own imports may be
    /// the page's script after all (see [`Graph::may_be_the_script`]): there
    /// `asyncio.run` would raise, and `await` would not compile on the import.
    fn runs_only_as_script(&self, (file, index): SiteKey) -> bool {
        let site = self.site((file, index));
        site.body == BodyId::Module
            && site.context.in_frame()
            && !site.awaited
            && (self.importers.contains_key(&file)
                || self.imported_under_other_names.contains_key(&file))
            && self.calls(file).in_main_guard(index)
            && !self.may_be_the_script(file)
    }

    /// See [`Graph::import_components`].
    fn may_be_the_script(&self, module: File) -> bool {
        let components = self.import_components.get_or_init(|| {
            import_components(&self.files, |file| {
                self.per_file
                    .get(&file)
                    .into_iter()
                    .flat_map(|(calls, _)| calls.imports.iter())
            })
        });
        // A module that imports `module` is imported back by it, directly or not,
        // exactly when both are in one component. Tests import the script to test it;
        // they do not run on the page.
        let imported_back_only = self
            .importers
            .get(&module)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .all(|importer| {
                components.get(importer) == components.get(&module)
                    || is_test_module(self.db, *importer)
            });
        // A page of `st.navigation` runs as `__main__`, imported elsewhere or not.
        imported_back_only || self.page_scripts.contains(&module)
    }

    /// The functions that share call sites with `unit` (itself included), and one such
    /// site, for the diagnostic that explains why they go together.
    fn shared_call(&self, unit: UnitKey) -> Option<(u32, &[UnitKey], SiteKey)> {
        let group = *self.groups.group_of.get(&unit)?;
        let site = self.callers_of(&unit).next()?;
        Some((group, self.groups.members[group as usize].as_slice(), *site))
    }

    fn is_originally_async(&self, (file, body): UnitKey) -> bool {
        match body {
            BodyId::Function(function) => self.hir(file).functions[function].is_async,
            _ => false,
        }
    }

    fn is_generator(&self, (file, body): UnitKey) -> bool {
        match body {
            BodyId::Function(function) => self.calls(file).generators.contains(&function),
            _ => false,
        }
    }

    /// Whether `unit` is a generator under `@contextmanager` (see
    /// [`FileCalls::context_managers`]).
    fn is_context_manager(&self, (file, body): UnitKey) -> bool {
        match body {
            BodyId::Function(function) => self.calls(file).context_managers.contains(&function),
            _ => false,
        }
    }
}

pub(crate) fn function_targets(site: &CallSite) -> impl Iterator<Item = UnitKey> + '_ {
    site.targets.iter().filter_map(|target| match target {
        Target::Function { file, function } => Some((*file, BodyId::Function(*function))),
        _ => None,
    })
}

#[derive(Default)]
struct UnionFind {
    parent: FxHashMap<UnitKey, UnitKey>,
}

impl UnionFind {
    fn find(&mut self, key: UnitKey) -> UnitKey {
        let parent = *self.parent.entry(key).or_insert(key);
        if parent == key {
            return key;
        }
        let root = self.find(parent);
        self.parent.insert(key, root);
        root
    }
    fn union(&mut self, a: UnitKey, b: UnitKey) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent.insert(a, b);
        }
    }
    /// The groups of two or more keys.
    fn groups(mut self) -> Groups {
        let keys: Vec<UnitKey> = self.parent.keys().copied().collect();
        let mut by_root: FxHashMap<UnitKey, Vec<UnitKey>> = FxHashMap::default();
        for key in keys {
            let root = self.find(key);
            by_root.entry(root).or_default().push(key);
        }
        let mut groups = Groups::default();
        for members in by_root.into_values() {
            if members.len() > 1 {
                let index = groups.members.len() as u32;
                for member in &members {
                    groups.group_of.insert(*member, index);
                }
                groups.members.push(members);
            }
        }
        groups
    }
}

/// Functions that share a call site, which color together. Each group is stored once:
/// a group of n functions costs n entries, not n².
#[derive(Default)]
struct Groups {
    group_of: FxHashMap<UnitKey, u32>,
    members: Vec<Vec<UnitKey>>,
}

/// Colors the project under `rules`.
pub fn color(db: &dyn Db, settings: Settings) -> Coloring {
    let rules = settings.rules(db);
    let graph = Graph::new(db, settings);
    let mut seeds: Vec<SiteKey> = Vec::new();
    for file in &graph.files {
        if !awaitify_hir::is_rewritable(db, *file) {
            continue;
        }
        for seed in &file_seeds(db, *file, settings).seeds {
            seeds.push((*file, seed.site));
        }
    }
    let mut blocked: IndexMap<UnitKey, Blocker> = IndexMap::default();
    let mut why: FxHashMap<UnitKey, Why> = FxHashMap::default();
    let mut resolver = Resolver::new(db);
    let seed_sites: FxHashSet<SiteKey> = seeds.iter().copied().collect();
    loop {
        let colored = closure(&graph, &seeds, &blocked, &mut why);
        let before = blocked.len();
        find_blockers(
            &graph,
            rules,
            &mut resolver,
            (&colored, &seed_sites),
            &mut blocked,
        );
        if blocked.len() == before {
            let run_as_script = run_as_script(&graph, &colored);
            let loops_awaited = loops_awaited(&graph, settings, &colored);
            let parameters::ParameterCalls {
                targets: parameter_targets,
                unknown_arguments,
                ..
            } = graph.parameter_calls;
            return Coloring {
                loops_awaited,
                colored,
                blocked,
                why,
                run_as_script,
                parameter_targets,
                unknown_arguments,
            };
        }
    }
}

/// See [`Coloring::loops_awaited`].
fn loops_awaited(graph: &Graph, settings: Settings, colored: &IndexSet<UnitKey>) -> bool {
    let mut awaited = false;
    for file in &graph.files {
        if !awaitify_hir::is_rewritable(graph.db, *file) {
            continue;
        }
        let seeds = file_seeds(graph.db, *file, settings);
        for seed in &seeds.seeds {
            if !seed.rule.call.ends_with(".run_until_complete") {
                continue;
            }
            let site = graph.site((*file, seed.site));
            if site.context.in_frame() && !site.awaited && colored.contains(&(*file, site.body)) {
                awaited = true;
            } else if seed.rule.runs_new_loop() {
                return false;
            }
        }
        if seeds
            .skipped
            .iter()
            .any(|(_, skip)| skip.rule().runs_new_loop())
        {
            return false;
        }
    }
    awaited
}

/// The calls that run only as the script (see [`Graph::runs_only_as_script`]) of
/// functions that become async, other than generators.
fn run_as_script(graph: &Graph, colored: &IndexSet<UnitKey>) -> FxHashSet<SiteKey> {
    colored
        .iter()
        .filter(|unit| {
            matches!(unit.1, BodyId::Function(_))
                && !graph.is_originally_async(**unit)
                && !graph.is_generator(**unit)
        })
        .flat_map(|unit| graph.callers_of(unit))
        .filter(|site_key| graph.runs_only_as_script(**site_key))
        .copied()
        .collect()
}

fn closure(
    graph: &Graph,
    seeds: &[SiteKey],
    blocked: &IndexMap<UnitKey, Blocker>,
    why: &mut FxHashMap<UnitKey, Why>,
) -> IndexSet<UnitKey> {
    let mut colored = IndexSet::default();
    let mut queue = VecDeque::new();
    // Coloring one member colors the whole group, so each group is spread once.
    let mut spread_groups: FxHashSet<u32> = FxHashSet::default();
    let mut color = |unit: UnitKey,
                     reason: Why,
                     colored: &mut IndexSet<UnitKey>,
                     queue: &mut VecDeque<UnitKey>| {
        why.entry(unit).or_insert(reason);
        if !blocked.contains_key(&unit) && colored.insert(unit) {
            queue.push_back(unit);
        }
    };
    for seed in seeds {
        let site = graph.site(*seed);
        // A blocking call that never runs on the page stays as it is.
        if site.context.in_frame() && !site.awaited && !graph.runs_only_as_script(*seed) {
            color(
                (seed.0, site.body),
                Why::Seed(*seed),
                &mut colored,
                &mut queue,
            );
        }
    }
    while let Some(unit) = queue.pop_front() {
        if !matches!(unit.1, BodyId::Function(_)) || graph.is_originally_async(unit) {
            continue;
        }
        if let Some((group_id, group, site)) = graph.shared_call(unit)
            && spread_groups.insert(group_id)
        {
            for partner in group {
                color(
                    *partner,
                    Why::SharesCallSite {
                        site,
                        partner: unit,
                    },
                    &mut colored,
                    &mut queue,
                );
            }
        }
        let context_manager = graph.is_context_manager(unit);
        let generator = !context_manager && graph.is_generator(unit);
        for site_key in graph.callers_of(&unit) {
            let site = graph.site(*site_key);
            if site.awaited
                || !site.context.in_frame()
                || (generator && site.iterated.is_none() && !graph.streamed.contains(site_key))
                // Entered by `async with`, or refused (`ContextManagerNotEntered`).
                || (context_manager && site.managed.is_none())
                // Run to completion by `asyncio.run` instead (see `file_edits`); a loop
                // over an async generator has no such form.
                || (!generator && !context_manager && graph.runs_only_as_script(*site_key))
            {
                continue;
            }
            color(
                (site_key.0, site.body),
                Why::Calls {
                    site: *site_key,
                    callee: unit,
                },
                &mut colored,
                &mut queue,
            );
        }
    }
    colored
}

/// Finds why colored units cannot become async. `coloring` is the units colored so far
/// and the call sites a rule rewrites.
fn find_blockers(
    graph: &Graph,
    rules: &RuleSet,
    resolver: &mut Resolver,
    (colored, seeds): (&IndexSet<UnitKey>, &FxHashSet<SiteKey>),
    blocked: &mut IndexMap<UnitKey, Blocker>,
) {
    let db = graph.db;
    let block = |unit: UnitKey, blocker: Blocker, blocked: &mut IndexMap<UnitKey, Blocker>| {
        blocked.entry(unit).or_insert(blocker);
    };
    for unit in colored {
        let (file, body) = *unit;
        if !awaitify_hir::is_rewritable(db, file) {
            block(*unit, Blocker::UnwritableFile, blocked);
            continue;
        }
        if !graph.is_originally_async(*unit)
            && let Some(blocker) = await_holding_thread_lock(graph, resolver, colored, seeds, *unit)
        {
            block(*unit, blocker, blocked);
            continue;
        }
        match body {
            BodyId::Class(_) => block(*unit, Blocker::ClassBody, blocked),
            BodyId::Module => {
                if let Some(importer) = graph.importers.get(&file).and_then(|of| of.first()) {
                    block(
                        *unit,
                        Blocker::ImportedModule {
                            importer: *importer,
                        },
                        blocked,
                    );
                }
            }
            BodyId::Function(function) => {
                if graph.is_originally_async(*unit) {
                    continue;
                }
                if let Some(blocker) = function_blocker(graph, rules, resolver, file, function) {
                    block(*unit, blocker, blocked);
                }
            }
        }
    }
    // Call sites that cannot await a function that becomes async: only the callers of
    // colored functions need a look.
    let mut visited: FxHashSet<SiteKey> = FxHashSet::default();
    for unit in colored {
        if !matches!(unit.1, BodyId::Function(_)) || graph.is_originally_async(*unit) {
            continue;
        }
        for site_key in graph.callers_of(unit) {
            if !visited.insert(*site_key) {
                continue;
            }
            let site = graph.site(*site_key);
            let newly_async: Vec<UnitKey> = function_targets(site)
                .filter(|target| colored.contains(target) && !graph.is_originally_async(*target))
                .collect();
            // One call cannot be both iterated with `async for` and awaited.
            let generators = newly_async
                .iter()
                .filter(|target| graph.is_generator(**target))
                .count();
            let targets = function_targets(site).count();
            let context_managers = newly_async
                .iter()
                .filter(|target| graph.is_context_manager(**target))
                .count();
            // What only a context manager's call needs: one kind of target, entered by a
            // `with` whose other items can be entered alike or split off. The rest, a
            // caller that stays synchronous or an ambiguous callee, is checked below as for
            // any call.
            if context_managers > 0 {
                let blocker = if targets > context_managers {
                    Some(Blocker::MixedGeneratorCall { site: *site_key })
                } else if let Some(stmt) = site.managed.filter(|_| !site.awaited) {
                    item_staying_sync(graph, colored, blocked, *site_key, stmt)
                        .filter(|_| {
                            crate::with_split::layout(db, site_key.0, site.body, stmt).is_none()
                        })
                        .map(|other| Blocker::ContextManagerBesideSyncOne {
                            site: *site_key,
                            other,
                        })
                } else {
                    Some(Blocker::ContextManagerNotEntered { site: *site_key })
                };
                if let Some(blocker) = blocker {
                    for target in newly_async {
                        block(target, blocker.clone(), blocked);
                    }
                    continue;
                }
            }
            if generators > 0 && targets > generators {
                for target in newly_async {
                    block(
                        target,
                        Blocker::MixedGeneratorCall { site: *site_key },
                        blocked,
                    );
                }
                continue;
            }
            if site.awaited {
                // `await f()` of a function that returned an awaitable gains a second
                // `await`: right only if whatever the call runs becomes async.
                if !is_clean_callee(site) || newly_async.len() < targets {
                    for target in newly_async {
                        block(target, Blocker::AmbiguousCall { site: *site_key }, blocked);
                    }
                }
                continue;
            }
            let caller = (site_key.0, site.body);
            // A call in a materialized generator expression is awaited in the list
            // comprehension that replaces it, in its unit's frame (see `file_edits`).
            let blocker = match site.context {
                Context::Lambda(_)
                | Context::Generator(_)
                | Context::Annotation(_)
                | Context::DebugText(_) => {
                    Some(Blocker::CalledWhereAwaitIsImpossible { site: *site_key })
                }
                // Run by `asyncio.run` (see `run_as_script`), whatever its module's
                // top level does.
                Context::Direct | Context::Materialized(_)
                    if generators == 0
                        && is_clean_callee(site)
                        && graph.runs_only_as_script(*site_key) =>
                {
                    None
                }
                Context::Direct | Context::Materialized(_) if blocked.contains_key(&caller) => {
                    Some(Blocker::CallerStaysSync {
                        site: *site_key,
                        caller,
                    })
                }
                Context::Direct | Context::Materialized(_) if !is_clean_callee(site) => {
                    Some(Blocker::AmbiguousCall { site: *site_key })
                }
                Context::Direct | Context::Materialized(_) => None,
            };
            if let Some(blocker) = blocker {
                for target in newly_async {
                    block(target, blocker.clone(), blocked);
                }
            }
        }
    }
    // A generator function a streaming call takes as a value becomes async only if that
    // call is awaited: its unit must become async too.
    for unit in colored {
        for seed in graph
            .streamed_values
            .get(unit)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let caller = (seed.0, graph.site(*seed).body);
            if !colored.contains(&caller) || blocked.contains_key(&caller) {
                block(
                    *unit,
                    Blocker::CallerStaysSync {
                        site: *seed,
                        caller,
                    },
                    blocked,
                );
            }
        }
    }
    // A group colors together or not at all.
    let blocked_members: Vec<UnitKey> = blocked.keys().copied().collect();
    let mut spread_groups: FxHashSet<u32> = FxHashSet::default();
    for member in blocked_members {
        if let Some((group_id, group, site)) = graph.shared_call(member)
            && spread_groups.insert(group_id)
        {
            for partner in group {
                block(
                    *partner,
                    Blocker::SharesCallSite {
                        site,
                        partner: member,
                    },
                    blocked,
                );
            }
        }
    }
}

/// The name of the method a callee fetches: `w.step`, `w.step.__call__`,
/// `getattr(w, "step")`, or a name bound to one of those (`f = w.step` before `f()`).
fn called_attribute(
    hir: &FileHir,
    index: &SemanticIndex,
    body: BodyId,
    func: ExprId,
) -> Option<Name> {
    let exprs = &hir.body(body).exprs;
    match &exprs[func] {
        Expr::Attribute { value, attr, .. } if attr == "__call__" => {
            called_attribute(hir, index, body, *value)
        }
        Expr::Attribute { attr, .. } => Some(attr.clone()),
        Expr::Call {
            func: inner, args, ..
        } if matches!(&exprs[*inner], Expr::Name { id, .. } if id == "getattr")
            && (2..=3).contains(&args.len()) =>
        {
            match &exprs[args[1]] {
                Expr::Literal(awaitify_hir::hir::Literal::Str(name)) => Some(Name::from(&**name)),
                _ => None,
            }
        }
        // An alias of a method fetched elsewhere.
        Expr::Name { .. } => {
            let use_id = index.use_of(body, func)?;
            index.reaching(use_id).iter().find_map(|binding| {
                let data = &index.bindings[*binding];
                match data.kind {
                    awaitify_semantic::index::BindingKind::Assign { value } => {
                        match &hir.body(data.body).exprs[value] {
                            Expr::Attribute { attr, .. } => Some(attr.clone()),
                            _ => None,
                        }
                    }
                    _ => None,
                }
            })
        }
        _ => None,
    }
}

/// The global of its module that `receiver` reads, if it is a name some of whose
/// bindings are at module level.
fn reads_module_global<'a>(
    hir: &'a FileHir,
    index: &SemanticIndex,
    body: BodyId,
    receiver: ExprId,
) -> Option<&'a Name> {
    let Expr::Name { id, .. } = &hir.body(body).exprs[receiver] else {
        return None;
    };
    let use_id = index.use_of(body, receiver)?;
    index.reaches_global(use_id).then_some(id)
}

/// The names of the methods a call fetches by a literal name from an object it is given
/// (see [`file_call_edges`]).
pub(crate) fn methods_fetched_by_name(body: &Body, site: &CallSite) -> Vec<Name> {
    let Expr::Call { func, args, .. } = &body.exprs[site.expr] else {
        return Vec::new();
    };
    let literal = |expr: &ExprId| match &body.exprs[*expr] {
        Expr::Literal(awaitify_hir::hir::Literal::Str(text)) => Some(text.to_string()),
        _ => None,
    };
    let names: Vec<String> = match &site.callee {
        Resolution::Definite(Target::External(name)) => match name.as_str() {
            "operator.methodcaller" => args.first().and_then(literal).into_iter().collect(),
            // `attrgetter("client.fetch")` fetches `fetch` from what `client` holds.
            "operator.attrgetter" => args
                .iter()
                .filter_map(literal)
                .filter_map(|path| path.rsplit('.').next().map(str::to_string))
                .collect(),
            "inspect.getattr_static" => args.get(1).and_then(literal).into_iter().collect(),
            _ => Vec::new(),
        },
        _ => match &body.exprs[*func] {
            Expr::Attribute { attr, .. } if attr == "__getattribute__" => {
                args.last().and_then(literal).into_iter().collect()
            }
            _ => Vec::new(),
        },
    };
    names
        .into_iter()
        .map(|name| Name::from(name.as_str()))
        .collect()
}

/// Whether a method call's receiver may be an instance of a project class that awaitify
/// did not see: an unresolved receiver (a parameter, a subscript, `getattr(...)`), the
/// result of a call outside the project (`copy.copy(c)`, `random.choice(items)`), or
/// what Streamlit's `session_state` holds. Literals, comprehensions and what
/// `dict(...)` returns never are; what their methods return may be.
fn receiver_may_be_project_instance(site: &CallSite) -> bool {
    match &site.callee {
        // What session state holds (`st.session_state.client.fetch`), not session
        // state's own methods (`st.session_state.get`).
        Resolution::Definite(Target::External(name)) => {
            name.contains("()")
                || name.starts_with("__main__.")
                || name
                    .strip_prefix("streamlit.session_state.")
                    .is_some_and(|held| held.contains('.'))
        }
        // A method of a literal, of `None` or of what `dict(...)` returns; what such a
        // method returns (`handlers.get(key).step()`) may be anything.
        Resolution::Unresolved(Unresolved::BuiltinMethod) => false,
        _ => !is_clean_callee(site) || site.targets.is_empty(),
    }
}

/// Every way the callee may resolve is a project function (or a class whose
/// constructor is listed): awaiting the call is safe whichever runs.
fn is_clean_callee(site: &CallSite) -> bool {
    match &site.callee {
        Resolution::Definite(_) => true,
        Resolution::Ambiguous(candidates) => candidates
            .iter()
            .all(|candidate| matches!(candidate.target, Ok(Target::Function { .. }))),
        Resolution::Unresolved(_) => false,
    }
}

fn function_blocker(
    graph: &Graph,
    rules: &RuleSet,
    resolver: &mut Resolver,
    file: File,
    function: FunctionId,
) -> Option<Blocker> {
    let db = graph.db;
    let hir = file_hir(db, file);
    let data = &hir.functions[function];
    let name = data.name.as_str();
    let is_method = matches!(data.parent, BodyId::Class(_));
    if is_method && name.starts_with("__") && name.ends_with("__") && !ASYNC_DUNDERS.contains(&name)
    {
        return Some(Blocker::SyncDunder);
    }
    // An enum calls its `_sunder_` hooks (`_missing_`, `_generate_next_value_`) itself.
    if let BodyId::Class(class) = data.parent
        && name.len() > 2
        && name.starts_with('_')
        && name.ends_with('_')
        && !name.starts_with("__")
        && resolver.enum_base(file, class).is_some()
    {
        return Some(Blocker::SyncDunder);
    }
    // A module's own `__getattr__` and `__dir__` (PEP 562) are called by Python too.
    if data.parent == BodyId::Module && matches!(name, "__getattr__" | "__dir__") {
        return Some(Blocker::SyncDunder);
    }
    let symbols = module_symbols(db, file);
    let class = match data.parent {
        BodyId::Class(class) => Some(class),
        _ => None,
    };
    // `@contextmanager` becomes `@asynccontextmanager` over a generator that becomes
    // async; by assignment (`cm = contextmanager(gen)`) it is refused.
    let context_manager = graph.calls(file).context_managers.contains(&function);
    if let Some(summary) = symbols.functions.get(function) {
        for (decorator, path) in data.decorators.iter().zip(summary.decorators.iter()) {
            if let Some(blocker) =
                decorator_blocker(rules, resolver, file, class, *decorator, path.as_ref())
                && !(context_manager && is_contextmanager_decorator(&blocker))
            {
                return Some(blocker);
            }
        }
        // `fetch = traced(fetch)` after the `def` applies `traced` as `@traced` does.
        let assigned = semantic_index(db, file).assigned_decorators(function);
        for (decorator, path) in assigned.iter().zip(summary.assigned_decorators.iter()) {
            if let Some(blocker) =
                decorator_blocker(rules, resolver, file, class, *decorator, path.as_ref())
            {
                return Some(blocker);
            }
        }
    }
    if let Some(class) = class {
        // A private `__go` is called from outside the class as `_C__go`.
        let mangled =
            awaitify_hir::hir::mangled_name(name, &file_hir(db, file).classes[class].name);
        if let Some(site) = graph.unresolved_method_calls.get(name).or_else(|| {
            mangled
                .as_ref()
                .and_then(|mangled| graph.unresolved_method_calls.get(mangled))
        }) {
            return Some(Blocker::UnresolvedCaller { site: *site });
        }
        if let Some(place) = graph.methods_taken_as_values.get(name).or_else(|| {
            mangled
                .as_ref()
                .and_then(|mangled| graph.methods_taken_as_values.get(mangled))
        }) {
            return Some(Blocker::MethodTakenAsValue { place: *place });
        }
        if let Some(base) = external_base(resolver, file, class) {
            return Some(Blocker::ExternalBase { base });
        }
    }
    // `mod.fetch()` on an object awaitify cannot follow may run a module's function
    // once that module has escaped as a value.
    if data.parent == BodyId::Module
        && let Some(site) = graph.unresolved_method_calls.get(name)
        && let Some(escape) = graph.module_escape(file)
    {
        return Some(Blocker::EscapedModule {
            site: *site,
            escape: *escape,
        });
    }
    // Calls through `import tools` cannot be followed to `src/tools.py`, so none of them
    // would be awaited.
    if let Some(import) = graph.imported_under_other_names.get(&file) {
        return Some(Blocker::ImportedUnderOtherName { import: *import });
    }
    let unit = (file, BodyId::Function(function));
    if let Some(reference) = graph.references.get(&unit) {
        return Some(Blocker::UsedAsValue {
            reference: *reference,
        });
    }
    if let Some(evaluation) = graph.evaluated.find(unit, name, is_method) {
        return Some(Blocker::Evaluated { evaluation });
    }
    if let Some(store) = graph.reassigned.get(&unit) {
        return Some(Blocker::Reassigned { store: *store });
    }
    if let Some(lookup) = dynamic_lookup_reaching(graph, resolver, file, function) {
        return Some(Blocker::DynamicLookup { lookup });
    }
    // Outside code given an instance of its class may call it by name.
    if let Some(class) = class
        && let Some(escape) = graph.escaped_classes.find((file, class), name)
    {
        return Some(Blocker::EscapedObject { escape });
    }
    // Enumerating a namespace awaitify cannot follow may take any method.
    if class.is_some()
        && let Some(enumeration) = graph.unknown_enumeration
    {
        return Some(Blocker::EnumeratedNamespace { enumeration });
    }
    // A caller's `except StopIteration` would get `RuntimeError` from a coroutine.
    if !data.is_async
        && let Some((raised, handler)) = graph.stop_iteration.caught_from(unit)
    {
        return Some(Blocker::StopIterationCaught { raised, handler });
    }
    let calls = graph.calls(file);
    if calls.generators.contains(&function) {
        if calls.generators_without_async_form.contains(&function) {
            return Some(Blocker::GeneratorWithoutAsyncForm);
        }
        // A context manager is entered by `with`, which its call sites check.
        let iterated_by_callers = !calls.context_managers.contains(&function);
        for site_key in graph.callers_of(&unit).filter(|_| iterated_by_callers) {
            let site = graph.site(*site_key);
            // A generator expression over it would become an async generator expression,
            // which whatever consumes it (`sum(...)`, a `for`, a return) cannot iterate;
            // unless its consumer materializes it, and it becomes a list comprehension
            // with `async for` (`",".join([str(t) async for t in ticks()])`).
            let in_generator_expression = match site.iterated {
                Some(Iteration::Comprehension(comprehension, _)) => {
                    matches!(
                        file_hir(db, site_key.0).body(site.body).exprs[comprehension],
                        Expr::Generator { .. }
                    ) && graph
                        .calls(site_key.0)
                        .materialized_iteration(site)
                        .is_none()
                }
                _ => false,
            };
            let streamed = graph.streamed.contains(site_key);
            if (site.iterated.is_none() && !site.awaited && !streamed) || in_generator_expression {
                return Some(Blocker::GeneratorConsumed { site: *site_key });
            }
            // A loop that stops early leaves the generator suspended. A synchronous one
            // is closed (its `finally` runs) as soon as it is dropped; an async one only
            // when the event loop gets to it, after the code that follows the loop.
            // So does an exception out of the loop's own code (`check(n)` raising
            // `ValueError` to a handler around the loop).
            let abandons = match site.iterated {
                Some(Iteration::For(stmt)) => {
                    let body = file_hir(db, site_key.0).body(site.body);
                    let Stmt::For {
                        body: loop_body,
                        target,
                        ..
                    } = &body.stmts[stmt]
                    else {
                        unreachable!("a `for` site iterates a `for` statement");
                    };
                    // `for a, b in pairs()`: an item of another length raises `ValueError`.
                    let unpacks =
                        matches!(body.exprs[*target], Expr::Tuple { .. } | Expr::List { .. });
                    let map = file_source_map(db, site_key.0);
                    let ranges: Vec<TextRange> = loop_body
                        .iter()
                        .map(|stmt| map.body(site.body).stmt(*stmt))
                        .collect();
                    unpacks
                        || may_stop_early(body, loop_body, true)
                        || may_raise_within(resolver, site_key.0, site.body, &ranges, None)
                }
                Some(Iteration::Comprehension(comprehension, index)) => {
                    let body = file_hir(db, site_key.0).body(site.body);
                    let map = file_source_map(db, site_key.0).body(site.body);
                    // What runs for each item: the later clauses and the elements.
                    let (generators, elements): (&[awaitify_hir::hir::Comprehension], Vec<ExprId>) =
                        match &body.exprs[comprehension] {
                            Expr::ListComp { elt, generators }
                            | Expr::SetComp { elt, generators }
                            | Expr::Generator {
                                elt, generators, ..
                            } => (generators, vec![*elt]),
                            Expr::DictComp {
                                key,
                                value,
                                generators,
                            } => (generators, vec![*key, *value]),
                            _ => (&[], Vec::new()),
                        };
                    let mut ranges: Vec<TextRange> =
                        elements.iter().map(|expr| map.expr(*expr)).collect();
                    for (position, generator) in generators.iter().enumerate() {
                        if position >= index as usize {
                            ranges.extend(generator.ifs.iter().map(|expr| map.expr(*expr)));
                        }
                        if position > index as usize {
                            ranges.push(map.expr(generator.iter));
                        }
                    }
                    may_raise_within(
                        resolver,
                        site_key.0,
                        site.body,
                        &ranges,
                        Some(map.expr(site.expr)),
                    )
                }
                None => false,
            };
            if abandons && generator_has_cleanup(db, file, function, 0) {
                return Some(Blocker::GeneratorClosedLate { site: *site_key });
            }
        }
    }
    None
}

/// The context expression of an item of the `with` statement `stmt` (which enters the
/// call `site`) that stays synchronous: one that is not a call of `@contextmanager`
/// generators that all become async.
fn item_staying_sync(
    graph: &Graph,
    colored: &IndexSet<UnitKey>,
    blocked: &IndexMap<UnitKey, Blocker>,
    (file, index): SiteKey,
    stmt: StmtId,
) -> Option<ExprId> {
    let calls = graph.calls(file);
    let body_id = calls.sites[index].body;
    let Stmt::With { items, .. } = &file_hir(graph.db, file).body(body_id).stmts[stmt] else {
        return None;
    };
    items.iter().map(|item| item.context_expr).find(|expr| {
        // The site as the coloring sees it: a call through a parameter may be followed.
        let entered = calls
            .entered_by(body_id, stmt, *expr)
            .map(|index| graph.site((file, index)));
        !entered.is_some_and(|site| {
            let mut targets = function_targets(site).peekable();
            targets.peek().is_some()
                && targets.all(|target| {
                    graph.is_context_manager(target)
                        && colored.contains(&target)
                        && !blocked.contains_key(&target)
                        && !graph.is_originally_async(target)
                })
        })
    })
}

/// Whether a body has code that runs when its generator is closed: a `finally`, a
/// `with`, or a handler that catches the `GeneratorExit` closing raises (`except
/// GeneratorExit:`, `except BaseException:`, a bare `except:`).
fn has_cleanup(body: &Body) -> bool {
    body.stmts.iter().any(|(_, stmt)| match stmt {
        Stmt::Try {
            finalbody,
            handlers,
            ..
        } => {
            !finalbody.is_empty()
                || handlers
                    .iter()
                    .any(|handler| handler.type_.is_none_or(|kind| catches_exit(body, kind)))
        }
        Stmt::With { .. } => true,
        _ => false,
    })
}

/// How deep [`generator_has_cleanup`] follows generators that iterate generators.
const CLEANUP_DEPTH: u32 = 8;

/// Whether closing the generator `function` runs cleanup code: its own, or that of a
/// project generator it is iterating at the time (which is closed when it is dropped).
fn generator_has_cleanup(db: &dyn Db, file: File, function: FunctionId, depth: u32) -> bool {
    let body_id = BodyId::Function(function);
    if has_cleanup(file_hir(db, file).body(body_id)) {
        return true;
    }
    if depth == CLEANUP_DEPTH {
        return false;
    }
    file_calls(db, file)
        .sites
        .iter()
        .filter(|site| site.body == body_id && site.iterated.is_some())
        .flat_map(|site| site.targets.iter())
        .any(|target| match target {
            Target::Function {
                file: inner_file,
                function: inner,
            } => {
                (*inner_file, *inner) != (file, function)
                    && file_calls(db, *inner_file).generators.contains(inner)
                    && generator_has_cleanup(db, *inner_file, *inner, depth + 1)
            }
            _ => false,
        })
}

/// Whether an `except` clause's type may catch `GeneratorExit`.
fn catches_exit(body: &Body, kind: ExprId) -> bool {
    match &body.exprs[kind] {
        Expr::Name { id, .. } => matches!(id.as_str(), "GeneratorExit" | "BaseException"),
        Expr::Attribute { attr, .. } => {
            matches!(attr.as_str(), "GeneratorExit" | "BaseException")
        }
        Expr::Tuple { elts, .. } => elts.iter().any(|element| catches_exit(body, *element)),
        // A class computed at run time may be either.
        _ => true,
    }
}

/// Whether code within `ranges` of `body_id` may raise an exception: a call, a
/// subscript, an `await`, a division, modulo or power (`ZeroDivisionError` and
/// `OverflowError` are raised by working code, and caught). Anything awaitify cannot
/// tell about counts; other arithmetic, comparisons and attribute reads do not (they
/// raise on broken values, which the loop would hit synchronously too), nor do calls
/// that fail only on broken values (see [`fails_only_when_broken`]). `skip` is a call
/// that does not count (the generator's own).
fn may_raise_within(
    resolver: &mut Resolver,
    file: File,
    body_id: BodyId,
    ranges: &[TextRange],
    skip: Option<TextRange>,
) -> bool {
    if ranges.is_empty() {
        return false;
    }
    let db = resolver.db();
    let body = file_hir(db, file).body(body_id);
    let map = file_source_map(db, file).body(body_id);
    let within = |range: TextRange| ranges.iter().any(|within| within.contains_range(range));
    let divides = body.stmts.iter().any(|(id, stmt)| {
        matches!(stmt, Stmt::AugAssign { op, .. } if may_divide(*op)) && within(map.stmt(id))
    });
    divides
        || body.exprs.iter().any(|(id, expr)| {
            // `"%d items" % n` formats.
            if let Expr::BinOp { op, left, .. } = expr
                && may_divide(*op)
                && !matches!(
                    body.exprs[*left],
                    Expr::Literal(awaitify_hir::hir::Literal::Str(_))
                )
            {
                return within(map.expr(id));
            }
            if !matches!(
                expr,
                Expr::Call { .. } | Expr::Subscript { .. } | Expr::Await { .. }
            ) {
                return false;
            }
            let range = map.expr(id);
            let within = skip.is_none_or(|skip| !skip.contains_range(range))
                && ranges.iter().any(|within| within.contains_range(range));
            within
                && match expr {
                    Expr::Call { func, .. } => {
                        !fails_only_when_broken(resolver, file, body_id, *func)
                    }
                    _ => true,
                }
        })
}

/// Whether the operator may raise for working operands: `ZeroDivisionError` from `/`,
/// `//` and `%`, `OverflowError` from `**`.
fn may_divide(op: awaitify_hir::hir::Operator) -> bool {
    use awaitify_hir::hir::Operator;
    matches!(
        op,
        Operator::Div | Operator::FloorDiv | Operator::Mod | Operator::Pow
    )
}

/// Whether a call of `func` raises only on values no program means to pass (a type
/// error), never an exception code catches to go on (`ValueError`, `KeyError`,
/// `IndexError`): a builtin that reports or converts (`print`, `len`, `str`,
/// `isinstance`), or a method of a builtin value (`seen.append(t)`, `",".join(parts)`,
/// `counts.get(k)`) that neither looks up what may be missing (`pop`, `remove`,
/// `index`) nor iterates an argument (`extend`, `update`).
fn fails_only_when_broken(
    resolver: &mut Resolver,
    file: File,
    body_id: BodyId,
    func: ExprId,
) -> bool {
    const BUILTINS: &[&str] = &[
        "print",
        "len",
        "isinstance",
        "issubclass",
        "id",
        "repr",
        "str",
        "format",
        "bool",
        "callable",
        "ascii",
    ];
    const METHODS: &[&str] = &[
        "append",
        "add",
        "insert",
        "clear",
        "copy",
        "get",
        "setdefault",
        "items",
        "keys",
        "values",
        "count",
        "join",
        "format",
        "upper",
        "lower",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "split",
        "rsplit",
        "splitlines",
        "replace",
        "title",
        "capitalize",
        "casefold",
        "ljust",
        "rjust",
        "center",
        "zfill",
        "isdigit",
        "isalpha",
        "isalnum",
        "isspace",
    ];
    let body = file_hir(resolver.db(), file).body(body_id);
    match &body.exprs[func] {
        Expr::Attribute { value, attr, .. } => {
            METHODS.contains(&attr.as_str())
                && (matches!(
                    body.exprs[*value],
                    Expr::Literal(Literal::Str(_) | Literal::Bytes(_))
                ) || resolver
                    .resolve_expr(file, body_id, *value)
                    .into_alternatives()
                    .into_iter()
                    .all(|value| value.is_err_and(|unresolved| unresolved.is_builtin_value())))
        }
        _ => matches!(
            resolver.resolve_expr(file, body_id, func),
            Resolution::Definite(Target::Builtin(name)) if BUILTINS.contains(&name.as_str())
        ),
    }
}

/// Whether the loop body `stmts` may leave its loop before the iterator is exhausted:
/// `break` at its own level (`own_level`), or `return`, `raise` or `assert` anywhere.
fn may_stop_early(body: &Body, stmts: &[StmtId], own_level: bool) -> bool {
    stmts.iter().any(|stmt| match &body.stmts[*stmt] {
        Stmt::Break => own_level,
        // An exception leaving the loop (`raise`, a failing `assert`) abandons the
        // generator as `return` does.
        Stmt::Return { .. } | Stmt::Raise { .. } | Stmt::Assert { .. } => true,
        Stmt::For {
            body: inner,
            orelse,
            ..
        }
        | Stmt::While {
            body: inner,
            orelse,
            ..
        } => may_stop_early(body, inner, false) || may_stop_early(body, orelse, own_level),
        Stmt::If {
            body: then, orelse, ..
        } => may_stop_early(body, then, own_level) || may_stop_early(body, orelse, own_level),
        Stmt::With { body: inner, .. } => may_stop_early(body, inner, own_level),
        Stmt::Try {
            body: inner,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            may_stop_early(body, inner, own_level)
                || handlers
                    .iter()
                    .any(|handler| may_stop_early(body, &handler.body, own_level))
                || may_stop_early(body, orelse, own_level)
                || may_stop_early(body, finalbody, own_level)
        }
        Stmt::Match { cases, .. } => cases
            .iter()
            .any(|case| may_stop_early(body, &case.body, own_level)),
        _ => false,
    })
}

/// A lookup by a computed name that may fetch `function`: on an object of its class, of
/// a subclass or of a base (overrides), in a module namespace holding it under a name the
/// lookup can spell, or on an unknown object for methods. A lookup on an object of a
/// related class is preferred to one on an unknown object, which names no class and so
/// says less about why.
fn dynamic_lookup_reaching(
    graph: &Graph,
    resolver: &mut Resolver,
    file: File,
    function: FunctionId,
) -> Option<(File, usize)> {
    let data = &graph.hir(file).functions[function];
    let owner = match data.parent {
        BodyId::Class(class) => Some(class),
        BodyId::Module => None,
        // A nested function cannot be fetched by name.
        BodyId::Function(_) => return None,
    };
    if let Some(lookup) = graph
        .module_lookup_targets
        .get(&(file, BodyId::Function(function)))
    {
        return Some(*lookup);
    }
    let owner = owner?;
    for &(lookup_file, index) in &graph.class_lookups {
        let lookup = &graph.calls(lookup_file).dynamic_lookups[index];
        let LookupScope::Class(class_file, class) = lookup.scope else {
            continue;
        };
        if lookup.may_name(data.name.as_str())
            && (resolver.mro(class_file, class).contains(&(file, owner))
                || resolver.mro(file, owner).contains(&(class_file, class)))
        {
            return Some((lookup_file, index));
        }
    }
    let on_unknown_object =
        graph
            .any_object_lookups
            .iter()
            .copied()
            .find(|&(lookup_file, index)| {
                graph.calls(lookup_file).dynamic_lookups[index].may_name(data.name.as_str())
            });
    on_unknown_object.or_else(|| graph.exact_lookups.get(&data.name).copied())
}

/// The functions each computed lookup in a module's namespace may fetch: every global of
/// the module its name can spell, whether the function's own name, an alias
/// (`page_home = _home`) or an import (`from pages import home`).
fn module_lookup_targets(
    db: &dyn Db,
    lookups: &[(File, usize)],
) -> FxHashMap<UnitKey, (File, usize)> {
    let mut targets = FxHashMap::default();
    let mut resolver = Resolver::new(db);
    for &(lookup_file, index) in lookups {
        let lookup = &file_calls(db, lookup_file).dynamic_lookups[index];
        let LookupScope::Module(module) = lookup.scope else {
            continue;
        };
        let symbols = module_symbols(db, module);
        for global in symbols.globals.keys() {
            if !lookup.may_name(global.as_str()) {
                continue;
            }
            let found = resolver.attribute(Target::ProjectModule(module), global);
            for target in found.into_targets() {
                if let Target::Function { file, function } = target
                    && file_hir(db, file).functions[function].parent == BodyId::Module
                {
                    targets
                        .entry((file, BodyId::Function(function)))
                        .or_insert((lookup_file, index));
                }
            }
        }
    }
    targets
}

/// Bases that never call a subclass's methods themselves.
const INERT_BASES: &[&str] = &[
    "<builtin>.object",
    "<builtin>.Exception",
    "abc.ABC",
    "typing.Generic",
    "typing.Protocol",
    "typing_extensions.Protocol",
    // A named tuple's generated methods call the class and its fields, not its methods.
    "typing.NamedTuple",
    "typing_extensions.NamedTuple",
    "collections.namedtuple()",
    // An enum's machinery calls only its `_sunder_` hooks by name (`_missing_`,
    // `_generate_next_value_`), which stay synchronous (see `function_blocker`).
    "enum.Enum",
    "enum.IntEnum",
    "enum.StrEnum",
    "enum.Flag",
    "enum.IntFlag",
];

/// Whether a base outside the project calls none of its subclasses' methods by name:
/// [`INERT_BASES`], and the builtin exceptions, whose machinery calls only special
/// methods (which stay synchronous anyway).
fn is_inert_base(name: &str) -> bool {
    INERT_BASES.contains(&name)
        || name.strip_prefix("<builtin>.").is_some_and(|builtin| {
            builtin.ends_with("Error")
                || builtin.ends_with("Exception")
                || builtin.ends_with("Warning")
                || matches!(
                    builtin,
                    "BaseException" | "KeyboardInterrupt" | "SystemExit" | "StopIteration"
                )
        })
}

/// The first base in `class`'s hierarchy that lies outside the project (and may call its
/// methods), if any: its name, or `None` for a base that is not a name.
fn external_base(
    resolver: &mut Resolver,
    file: File,
    class: awaitify_hir::hir::ClassId,
) -> Option<Option<String>> {
    let db = resolver.db();
    for (owner_file, owner) in resolver.mro(file, class).iter().copied() {
        let symbols = module_symbols(db, owner_file);
        let Some(summary) = symbols.classes.get(owner) else {
            continue;
        };
        for base in summary.bases.iter() {
            let Some(path) = base else {
                return Some(None);
            };
            match resolver.resolve_definition_path(owner_file, path, None) {
                Resolution::Definite(Target::Class { .. }) => {}
                Resolution::Definite(target) => {
                    let name = target_name(db, &target);
                    if !is_inert_base(&name) {
                        return Some(Some(name));
                    }
                }
                _ => return Some(Some(path.to_string())),
            }
        }
    }
    None
}

/// Whether `blocker` is `contextlib.contextmanager` refused as a decorator.
fn is_contextmanager_decorator(blocker: &Blocker) -> bool {
    matches!(blocker, Blocker::Decorator { name, .. } if name == "contextlib.contextmanager")
}

fn decorator_blocker(
    rules: &RuleSet,
    resolver: &mut Resolver,
    file: File,
    class: Option<awaitify_hir::hir::ClassId>,
    decorator: ExprId,
    path: Option<&ExprPath>,
) -> Option<Blocker> {
    let Some(path) = path else {
        return Some(Blocker::Decorator {
            decorator,
            name: "an expression".into(),
        });
    };
    if let ExprPath::Attribute(_, attr) = path
        && matches!(attr.as_str(), "setter" | "getter" | "deleter")
    {
        return Some(Blocker::Property { decorator });
    }
    let resolution = resolver.resolve_definition_path(file, path, class);
    if let Resolution::Definite(Target::Function {
        file: decorator_file,
        function,
    }) = resolution
        && crate::decorators::passes_coroutines_through(resolver, decorator_file, function)
    {
        return None;
    }
    // A call of a project function: a decorator factory, named as a config entry names it.
    let factory = crate::decorators::project_factory(resolver, file, path, class);
    if let Some((true, _)) = factory {
        return None;
    }
    // A name bound to such a call (`traced = tagged("svc")` before `@traced`).
    if matches!(
        resolution,
        Resolution::Unresolved(Unresolved::ProjectCallResult)
    ) && crate::decorators::bound_to_project_factory(resolver, file, path, class)
    {
        return None;
    }
    let name = match resolution {
        Resolution::Definite(target) => target_name(resolver.db(), &target),
        _ => factory.map_or_else(|| path.to_string(), |(_, name)| name),
    };
    if matches!(
        name.as_str(),
        "<builtin>.property" | "functools.cached_property" | "abc.abstractproperty"
    ) {
        return Some(Blocker::Property { decorator });
    }
    // A factory re-exported by a package may be named as it is written
    // (`unittest.skipUnless()`) or where it is defined (`unittest.case.skipUnless()`).
    if rules.is_pass_through(&name) || rules.is_pass_through(&path.to_string()) {
        None
    } else {
        Some(Blocker::Decorator { decorator, name })
    }
}

/// Units whose color comes from `unit`, following [`Why`] links down to a seed: the
/// chain a diagnostic shows. Stops at a seed, a loop, or after `limit` steps.
pub fn chain(coloring: &Coloring, unit: UnitKey, limit: usize) -> Vec<Why> {
    let mut steps = Vec::new();
    let mut seen = FxHashSet::default();
    let mut current = unit;
    while steps.len() < limit && seen.insert(current) {
        let Some(reason) = coloring.why.get(&current) else {
            break;
        };
        steps.push(reason.clone());
        match reason {
            Why::Seed(_) => break,
            Why::Calls { callee, .. } => current = *callee,
            Why::SharesCallSite { partner, .. } => current = *partner,
        }
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_components_join_the_modules_of_each_cycle() {
        let mut db = awaitify_db::RootDatabase::new(vec!["/project".into()]);
        let files: Vec<File> = (0..6)
            .map(|index| db.set_file(format!("/project/m{index}.py"), ""))
            .collect();
        // m0 -> m1 -> m2 -> m0 is a cycle; m3 imports itself; m4 imports the cycle;
        // m5 imports nothing.
        let imports = [(0, 1), (1, 2), (2, 0), (3, 3), (4, 0)];
        let components = import_components(&files, |file| {
            let from = files.iter().position(|other| *other == file);
            imports
                .iter()
                .filter(move |(importer, _)| Some(*importer) == from)
                .map(|(_, imported)| &files[*imported])
        });
        let component = |index: usize| components[&files[index]];
        assert_eq!(component(0), component(1));
        assert_eq!(component(1), component(2));
        for alone in [3, 4, 5] {
            for other in 0..6 {
                if other != alone {
                    assert_ne!(component(alone), component(other), "m{alone} and m{other}");
                }
            }
        }
    }
}
