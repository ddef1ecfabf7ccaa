//! Diagnostics that explain what was left alone and why.
//!
//! Every refusal names its reason (a stable code), points at the construct that forces
//! it (the lambda, the decorator, the callback, ...), and shows the chain: which call
//! made which function need to await, down to the blocking call a rule matched.

use awaitify_callgraph::{CallSite, Context, Iteration, file_calls};
use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use awaitify_hir::hir::{BodyId, Expr, ExprId};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::dump::binding_range;
use awaitify_semantic::resolve::{item_name, target_name};
use awaitify_semantic::{Resolution, semantic_index};
use ruff_text_size::TextRange;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::Settings;
use crate::coloring::{Blocker, Coloring, SiteKey, UnitKey, Why, chain};
use crate::seeds::{Skip, file_seeds};

const CHAIN_LIMIT: usize = 12;

fn site(db: &dyn Db, (file, index): SiteKey) -> &CallSite {
    &file_calls(db, file).sites[index]
}

fn site_range(db: &dyn Db, key: SiteKey) -> TextRange {
    let site = site(db, key);
    file_source_map(db, key.0).body(site.body).expr(site.expr)
}

fn callee_text(db: &dyn Db, key: SiteKey) -> String {
    let site = site(db, key);
    match &site.callee {
        Resolution::Definite(target) => target_name(db, target),
        _ => {
            let hir = file_hir(db, key.0);
            match &hir.body(site.body).exprs[site.expr] {
                Expr::Call { func, .. } => {
                    let range = file_source_map(db, key.0).body(site.body).expr(*func);
                    key.0.text(db)[range].to_string()
                }
                _ => "the callee".to_string(),
            }
        }
    }
}

/// A unit's name for messages: `helpers.fetch`, or `module helpers`.
fn unit_label(db: &dyn Db, (file, body): UnitKey) -> String {
    match body {
        BodyId::Module => format!("the top level of `{}`", item_name(db, file, BodyId::Module)),
        _ => format!("`{}`", item_name(db, file, body)),
    }
}

/// The range of a unit's name (its `def`/`class`), or the file start for a module.
fn unit_range(db: &dyn Db, (file, body): UnitKey) -> TextRange {
    let hir = file_hir(db, file);
    file_source_map(db, file)
        .item_name(hir, body)
        .unwrap_or_default()
}

/// Secondary labels that walk from `unit` down to the blocking call that started it.
fn chain_labels(db: &dyn Db, settings: Settings, coloring: &Coloring, unit: UnitKey) -> Vec<Label> {
    chain(coloring, unit, CHAIN_LIMIT)
        .into_iter()
        .map(|step| match step {
            Why::Seed(key) => Label::new(key.0, site_range(db, key), seed_label(db, settings, key)),
            Why::Calls { site, callee } => Label::new(
                site.0,
                site_range(db, site),
                format!("calls {}, which must become async", unit_label(db, callee)),
            ),
            Why::SharesCallSite { site, partner } => Label::new(
                site.0,
                site_range(db, site),
                format!(
                    "this call may also run {}, which must become async",
                    unit_label(db, partner)
                ),
            ),
        })
        .collect()
}

/// What is wrong on the page with the call a rule rewrites at `key`: a blocking call
/// blocks, a call that runs an event loop cannot, and a call of an async API must be
/// awaited (`st.write_stream` returns a coroutine there, which never runs unawaited).
fn seed_label(db: &dyn Db, settings: Settings, key: SiteKey) -> String {
    let callee = callee_text(db, key);
    let action = file_seeds(db, key.0, settings)
        .seeds
        .iter()
        .find(|seed| seed.site == key.1)
        .map(|seed| &seed.rule.action);
    match action {
        Some(crate::rules::RuleAction::AwaitArgument) => {
            format!("`{callee}` cannot run inside the page's running event loop")
        }
        Some(crate::rules::RuleAction::Await) => {
            format!("`{callee}` must be awaited here: unawaited, it never runs")
        }
        _ => format!("`{callee}` blocks the event loop here"),
    }
}

/// The unit whose own refusal keeps `unit` synchronous: `unit` itself, or the caller or
/// call-site partner that a chain of cascading refusals leads to. `None` in a cycle.
fn root_refusal(coloring: &Coloring, unit: UnitKey) -> Option<UnitKey> {
    let mut current = unit;
    let mut seen = FxHashSet::default();
    while seen.insert(current) {
        match coloring.blocked.get(&current) {
            Some(Blocker::CallerStaysSync { caller: next, .. })
            | Some(Blocker::SharesCallSite { partner: next, .. }) => current = *next,
            _ => return Some(current),
        }
    }
    None
}

pub fn coloring_diagnostics(
    db: &dyn Db,
    settings: Settings,
    coloring: &Coloring,
) -> Vec<Diagnostic> {
    coloring
        .blocked
        .keys()
        .filter_map(|unit| refusal_diagnostic(db, settings, coloring, *unit))
        .collect()
}

/// Whether `unit`'s refusal only follows from another's (a caller or call-site partner
/// that cannot become async), which that one's diagnostic implies.
fn is_cascade(coloring: &Coloring, unit: UnitKey) -> bool {
    matches!(
        coloring.blocked.get(&unit),
        Some(Blocker::CallerStaysSync { .. } | Blocker::SharesCallSite { .. })
    ) && !matches!(coloring.why.get(&unit), Some(Why::Seed(_)))
}

/// The diagnostic of blocked `unit`'s refusal; `None` for a cascade (see [`is_cascade`]).
fn refusal_diagnostic(
    db: &dyn Db,
    settings: Settings,
    coloring: &Coloring,
    unit: UnitKey,
) -> Option<Diagnostic> {
    let blocker = coloring.blocked.get(&unit)?;
    if is_cascade(coloring, unit) {
        return None;
    }
    let (file, body) = unit;
    let name = unit_label(db, unit);
    let map = file_source_map(db, file);
    let hir = file_hir(db, file);
    // Why an unresolved call's receiver is unknown, when awaitify can say: its primary
    // label and note, and the place it labels beside them.
    let receiver_why = match blocker {
        Blocker::UnresolvedCaller { site: key } => receiver_not_followed(db, key.0, site(db, *key)),
        _ => None,
    };
    let (code, primary, message, note) = match blocker {
            Blocker::ClassBody => {
                let range = match coloring.why.get(&unit) {
                    Some(Why::Seed(site) | Why::Calls { site, .. } | Why::SharesCallSite { site, .. }) => site_range(db, *site),
                    None => unit_range(db, unit),
                };
                (Code::AsyncInClassBody, Label::new(file, range, "this runs while the class is created"), format!("the body of {name} would need to await"), "a class body runs synchronously and cannot contain `await`".to_string())
            }
            Blocker::ImportedModule { importer } => {
                let range = match coloring.why.get(&unit) {
                    Some(Why::Seed(site) | Why::Calls { site, .. } | Why::SharesCallSite { site, .. }) => site_range(db, *site),
                    None => TextRange::default(),
                };
                let label = if main_guards(db, file).iter().any(|guard| guard.contains_range(range)) {
                    "this runs only as the main script, but `await` here fails to compile on import"
                } else {
                    "this runs at import time"
                };
                (Code::AwaitInImportedModule, Label::new(file, range, label), format!("{name} would need to await, but the module is imported by `{}`", importer.path(db).display()), "only the main script may use top-level `await`; an imported module's top level runs synchronously".to_string())
            }
            Blocker::SyncDunder => (Code::AsyncInSyncDunder, Label::new(file, unit_range(db, unit), "Python, or a library, calls this synchronously"), format!("{name} would need to become async"), "special methods such as `__init__` and `__str__` are called by Python itself, and others (`__html__`, `__json__`) by libraries, none of which await them".to_string()),
            Blocker::Property { decorator } => (Code::AsyncInProperty, Label::new(file, map.body(parent_body(hir, body)).expr(*decorator), "a property"), format!("{name} would need to become async"), "reading an attribute cannot await, so a property cannot be a coroutine".to_string()),
            Blocker::Decorator { decorator, name: decorator_name } => (Code::BlockingDecorator, Label::new(file, map.body(parent_body(hir, body)).expr(*decorator), format!("`{decorator_name}` is not known to pass coroutines through")), format!("{name} would need to become async"), "a decorator that caches or calls the function would handle a coroutine object, not its result; add it to `pass-through-decorators` if it returns the function's result unchanged".to_string()),
            Blocker::UsedAsValue { reference } => {
                let (ref_file, ref_index) = *reference;
                let data = &file_calls(db, ref_file).references[ref_index];
                let range = file_source_map(db, ref_file).body(data.body).expr(data.expr);
                if data.decorator {
                    (Code::FunctionUsedAsValue, Label::new(ref_file, range, "applied as a decorator here"), format!("{name} would need to become async, but it is used as a decorator"), "Python applies a decorator when the definition runs and never awaits it: the decorated name would be bound to a coroutine".to_string())
                } else {
                    (Code::FunctionUsedAsValue, Label::new(ref_file, range, "used as a value here"), format!("{name} would need to become async, but it is also passed around as a value"), "whoever calls it through this reference would get a coroutine and not await it".to_string())
                }
            }
            Blocker::DynamicLookup { lookup } => {
                let (lookup_file, lookup_index) = *lookup;
                let data = &file_calls(db, lookup_file).dynamic_lookups[lookup_index];
                let range = file_source_map(db, lookup_file).body(data.body).expr(data.expr);
                if data.exact {
                    (Code::UnresolvedCaller, Label::new(lookup_file, range, "a store on an object awaitify cannot follow may shadow it here"), format!("{name} would need to become async, but a store of that name may shadow it"), "this object may be an instance of its class, whose calls of the method would then run what was stored, which is not async".to_string())
                } else {
                    (Code::UnresolvedCaller, Label::new(lookup_file, range, "a computed name may fetch it here"), format!("{name} would need to become async, but a lookup by a computed name may fetch it"), "awaitify cannot tell which function this lookup (`getattr`, `globals()[...]`, `setattr`, a write into `vars(obj)` or `obj.__dict__`) fetches or replaces; if it is this one, its caller would get a coroutine and not await it".to_string())
                }
            }
            Blocker::Reassigned { store } => {
                let (store_file, store_index) = *store;
                let data = &file_calls(db, store_file).reassigned[store_index];
                let range = file_source_map(db, store_file).body(data.body).expr(data.expr);
                (Code::InvalidatedName, Label::new(store_file, range, "reassigned here"), format!("{name} would need to become async, but it is reassigned"), "after this assignment its callers may run the new value, which returns no coroutine to await; awaitify cannot tell which calls those are".to_string())
            }
            Blocker::GeneratorConsumed { site: key } => {
                // Iterated by a generator expression: its consumer says why that one
                // cannot become a list comprehension with `async for`.
                let call = site(db, *key);
                let iterating = match call.iterated {
                    Some(Iteration::Comprehension(comprehension, _)) => file_calls(db, key.0).generator_expression(call.body, comprehension),
                    _ => None,
                };
                let (label, note) = match iterating {
                    Some(generator) => ("iterated here by a generator expression", generator.consumption.iteration_refusal().unwrap_or_else(|| {
                        // Materialized, but not in a frame that can await.
                        let place = match call.context {
                            Context::Lambda(_) => "it runs in a lambda, which cannot await",
                            Context::Generator(_) => "it runs inside a generator expression its consumer does not materialize",
                            _ => "it runs where `await` is not allowed",
                        };
                        format!("iterating an async generator with `async for` makes a generator expression an async generator; its consumer materializes it, so it could become a list comprehension, but {place}")
                    })),
                    None => ("consumed here, not iterated directly by a `for` or a comprehension", "an async generator can only be consumed by `async for` or an async comprehension".to_string()),
                };
                (Code::GeneratorConsumedSynchronously, Label::new(key.0, site_range(db, *key), label), format!("the generator {name} would need to become an async generator"), note)
            }
            Blocker::GeneratorClosedLate { site: key } => (Code::GeneratorConsumedSynchronously, Label::new(key.0, site_range(db, *key), "this loop may stop before the generator is exhausted"), format!("the generator {name} would need to become an async generator, but closing it runs cleanup code (a `finally`, `with` or `GeneratorExit` handler, its own or in a generator it iterates) and a loop may abandon it"), "an abandoned generator runs its cleanup when it is dropped; an async generator only when the event loop closes it, after the code that follows the loop".to_string()),
            Blocker::ContextManagerNotEntered { site: key } => (Code::ContextManagerEnteredSynchronously, Label::new(key.0, site_range(db, *key), "called here, not entered by a `with` statement"), format!("the context manager {name} would need to become async (`@asynccontextmanager`)"), "an async context manager is entered only by `async with`; a call whose result is stored, handed on or entered otherwise (`ExitStack.enter_context`) would get one it cannot use".to_string()),
            Blocker::ContextManagerBesideSyncOne { site: key, other } => {
                let body = site(db, *key).body;
                let range = file_source_map(db, key.0).body(body).expr(*other);
                (Code::ContextManagerEnteredSynchronously, Label::new(key.0, range, "this context manager stays synchronous"), format!("the context manager {name} would need to become async (`@asynccontextmanager`), but its `with` statement also enters a synchronous one"), "`async with` enters every item of its statement asynchronously; a synchronous context manager has no `__aenter__`".to_string())
            }
            Blocker::GeneratorWithoutAsyncForm => (Code::GeneratorConsumedSynchronously, Label::new(file, unit_range(db, unit), "a generator with `yield from` or `return <value>`"), format!("the generator {name} would need to become an async generator"), "async generators cannot use `yield from` or return a value".to_string()),
            Blocker::CalledWhereAwaitIsImpossible { site: key } => {
                let call = site(db, *key);
                let (code, expr, label, what, note) = match call.context {
                    Context::Lambda(lambda) => (Code::AsyncInLambda, lambda, "a lambda cannot await", "a lambda calls it", "the lambda's call would return a coroutine that nobody awaits"),
                    Context::Generator(generator) => (Code::GeneratorConsumedSynchronously, generator, "a generator expression calls it", "a generator expression calls it", &*generator_note(db, key.0, call.body, generator)),
                    Context::Annotation(annotation) => (Code::AsyncInAnnotation, annotation, "an annotation cannot await", "an annotation calls it", "Python evaluates this annotation (or type alias, or type parameter bound) synchronously, and `await` is not allowed there"),
                    Context::DebugText(expr) => (Code::AsyncInDebugText, expr, "the f-string prints this text", "an f-string's `=` repeats the call's text", "`f\"{expr=}\"` prints the expression as written, so an added `await` would change the output"),
                    Context::Direct | Context::Materialized(_) => unreachable!("find_blockers gives this blocker only to calls outside their unit's own frame"),
                };
                let range = file_source_map(db, key.0).body(call.body).expr(expr);
                (code, Label::new(key.0, range, label), format!("{name} would need to become async, but {what}"), note.to_string())
            }
            Blocker::CallerStaysSync { site: key, caller } => {
                let caller_name = unit_label(db, *caller);
                // The caller may itself stay synchronous only because of its own caller,
                // without a diagnostic of its own: name the refusal that started it.
                let note = match root_refusal(coloring, *caller) {
                    Some(root) if root != *caller => format!("{caller_name} stays synchronous because {} cannot become async (see its diagnostic), so it could not await {name}", unit_label(db, root)),
                    _ => format!("{caller_name} cannot become async (see its own diagnostic), so it could not await {name}"),
                };
                // A streaming call (`st.write_stream(stream_data)`) takes the generator
                // function as a value and calls it itself.
                let calls_it = coloring.site_targets(db, *key).iter().any(|target| {
                    matches!(target, awaitify_semantic::Target::Function { file, function } if (*file, BodyId::Function(*function)) == unit)
                });
                let (label, note) = if calls_it {
                    (format!("called here by {caller_name}, which stays synchronous"), note)
                } else {
                    (format!("streamed here by {caller_name}, which stays synchronous"), note.replace("could not await", "could not stream"))
                };
                (Code::CallerStaysSync, Label::new(key.0, site_range(db, *key), label), format!("{name} would need to become async, but a caller cannot"), note)
            }
            Blocker::AmbiguousCall { site: key } => (Code::AmbiguousName, Label::new(key.0, site_range(db, *key), "this call may run something else"), format!("{name} would need to become async, but a call of it is ambiguous"), "the call may reach code that is not async, so it can neither be awaited nor left as is".to_string()),
            Blocker::MixedGeneratorCall { site: key } => (Code::GeneratorConsumedSynchronously, Label::new(key.0, site_range(db, *key), "this call may run a generator or a plain function"), format!("{name} would need to become async, but a call of it may run either a generator or a plain function"), "an async generator is iterated with `async for` and a coroutine is awaited; one call cannot do both".to_string()),
            Blocker::EscapedObject { escape } => crate::escapes::explain_escape(db, *escape, &name),
            Blocker::EnumeratedNamespace { enumeration } => crate::enumerations::explain_unknown_enumeration(db, *enumeration, &name),
            Blocker::Evaluated { evaluation } => crate::escapes::explain_evaluation(db, *evaluation, &name),
            Blocker::MethodTakenAsValue { place: (place_file, place_body, place_expr) } => {
                let range = file_source_map(db, *place_file).body(*place_body).expr(*place_expr);
                (Code::UnresolvedCaller, Label::new(*place_file, range, "a method of this name is taken here from an object awaitify cannot follow"), format!("{name} would need to become async, but a method of its name is taken as a value where awaitify cannot tell whose"), "the bound method may be called anywhere, synchronously; if it is this one, the call would get a coroutine and not await it".to_string())
            }
            Blocker::UnresolvedCaller { site: key } => {
                let call = site(db, *key);
                let fetched = crate::coloring::methods_fetched_by_name(file_hir(db, key.0).body(call.body), call);
                match fetched.first() {
                    // `operator.methodcaller("refresh")`: what it returns calls the method.
                    Some(method) => (Code::UnresolvedCaller, Label::new(key.0, site_range(db, *key), format!("looks up a method named `{method}` by name here, on an object awaitify cannot follow")), format!("{name} would need to become async, but a method of its name is looked up by name"), "the method is called through what this call gives, synchronously; if it is this one, that call would get a coroutine and not await it".to_string()),
                    None => match &receiver_why {
                        Some(why) => (Code::UnresolvedCaller, Label::new(key.0, site_range(db, *key), why.primary.clone()), format!("{name} would need to become async, but an unresolved call may reach it"), why.note.clone()),
                        None => (Code::UnresolvedCaller, Label::new(key.0, site_range(db, *key), "this call's receiver is unknown"), format!("{name} would need to become async, but an unresolved call may reach it"), "awaitify cannot tell what this call runs; if it runs this method it would get a coroutine and not await it".to_string()),
                    },
                }
            }
            Blocker::AwaitHoldingThreadLock { site: key, lock } => {
                let label = Label::new(key.0, site_range(db, *key), "this would await while the lock is held");
                let exprs = &hir.body(body).exprs;
                let method = match &exprs[*lock] {
                    awaitify_hir::hir::Expr::Call { func, .. } => match &exprs[*func] {
                        awaitify_hir::hir::Expr::Attribute { attr, .. } => attr.as_str(),
                        _ => "",
                    },
                    _ => "",
                };
                // `lock` is a `with` item unless it is the call that takes the lock.
                let taken = match method {
                    "acquire" => "after `acquire()` takes a thread lock",
                    "enter_context" => "while `enter_context()` holds a thread lock",
                    _ => "inside a `with` block that holds a thread lock",
                };
                (Code::AwaitHoldingThreadLock, label, format!("{name} would need to await {taken}"), "awaiting lets other tasks run on the same thread; one that reaches the same lock would block the event loop in `acquire()` (an `RLock` would let it into the critical section instead); use an `asyncio.Lock` with `async with`".to_string())
            }
            Blocker::StopIterationCaught { raised: (raised_file, raised), .. } => (Code::StopIterationInCoroutine, Label::new(*raised_file, *raised, "this may raise `StopIteration`"), format!("{name} would need to become async, but `StopIteration` may leave it for a handler that catches it by name"), "Python turns a `StopIteration` that leaves a coroutine into `RuntimeError` (PEP 479), so that handler would no longer catch it; give `next()` a default, or catch `StopIteration` inside the function".to_string()),
            Blocker::ImportedUnderOtherName { import: (import_file, index) } => {
                let import = &file_calls(db, *import_file).imports_under_other_names[*index];
                let range = file_source_map(db, *import_file).body(import.body).stmt(import.stmt);
                (Code::UnresolvedCaller, Label::new(*import_file, range, format!("imports `{}`, which may be this module", import.name)), format!("{name} would need to become async, but its module may be imported as `{}`", import.name), format!("`{}` is not a module of the project, but this file is importable under that name once its folder is on `sys.path` (`sys.path.insert`, `PYTHONPATH`); awaitify resolves imports from the project's roots only, so calls through that import would not be awaited. Import the module by its name from the project's root instead", import.name))
            }
            Blocker::EscapedModule { site: key, .. } => (Code::UnresolvedCaller, Label::new(key.0, site_range(db, *key), "this call's receiver is unknown"), format!("{name} would need to become async, but an unresolved call may reach it"), "its module is handled as a value, so an object awaitify cannot follow may be that module; if this call runs the function it gets a coroutine and does not await it".to_string()),
            Blocker::ExternalBase { base: Some(base) } => (Code::ExternalBase, Label::new(file, unit_range(db, unit), format!("a method of a subclass of `{base}`")), format!("{name} would need to become async, but its class inherits from `{base}`"), format!("`{base}` is outside the project and may call this method itself, synchronously")),
            Blocker::ExternalBase { base: None } => (Code::ExternalBase, Label::new(file, unit_range(db, unit), "a method of a class with a computed base"), format!("{name} would need to become async, but its class has a base awaitify cannot name"), "a base computed when the class is defined may be outside the project and call this method itself, synchronously".to_string()),
            Blocker::UnwritableFile => {
                let (label, note) = if file.decoded_lossily(db) {
                    ("in a file that cannot be decoded exactly", "a file awaitify cannot decode and encode back byte for byte is never written")
                } else {
                    ("in a file with syntax errors", "a file that fails to parse is never written")
                };
                (Code::CallerStaysSync, Label::new(file, unit_range(db, unit), label), format!("{name} would need to become async, but its file is not rewritten"), note.to_string())
            }
            Blocker::SharesCallSite { site: key, partner } => (Code::CallerStaysSync, Label::new(key.0, site_range(db, *key), "one call may run either"), format!("{name} would need to become async, but {} cannot", unit_label(db, *partner)), "functions reachable from the same call (overrides) are made async together or not at all".to_string()),
        };
    let mut diagnostic = Diagnostic::new(code, message)
        .with_primary(primary)
        .with_note(note)
        .with_note("the calls below are left unchanged");
    if let Blocker::EscapedModule { escape, .. } = blocker {
        let (escape_file, escape_index) = *escape;
        let data = &file_calls(db, escape_file).module_escapes[escape_index];
        let range = file_source_map(db, escape_file)
            .body(data.body)
            .expr(data.expr);
        let label = match data.module {
            Some(_) => "the module is used as a value here",
            None => "this may be any module",
        };
        diagnostic = diagnostic.with_secondary(Label::new(escape_file, range, label));
    }
    // A call through a parameter: the argument a caller passes that awaitify cannot
    // follow (see `coloring::parameters`).
    if let Blocker::UnresolvedCaller { site: key } = blocker
        && let Some((argument_file, argument_body, argument)) = coloring.unknown_arguments.get(key)
    {
        let range = file_source_map(db, *argument_file)
            .body(*argument_body)
            .expr(*argument);
        diagnostic = diagnostic.with_secondary(Label::new(
            *argument_file,
            range,
            "this call passes an object awaitify cannot follow",
        ));
    }
    if let Blocker::StopIterationCaught {
        handler: (handler_file, handler),
        ..
    } = blocker
    {
        diagnostic = diagnostic.with_secondary(Label::new(
            *handler_file,
            *handler,
            "caught here by name; from a coroutine it would be `RuntimeError`",
        ));
    }
    if let Blocker::AwaitHoldingThreadLock { lock, .. } = blocker {
        let range = map.body(body).expr(*lock);
        diagnostic = diagnostic.with_secondary(Label::new(file, range, "the lock is taken here"));
    }
    if let Blocker::EnumeratedNamespace { enumeration } = blocker
        && let Some(label) = crate::enumerations::class_value_label(db, *enumeration)
    {
        diagnostic = diagnostic.with_secondary(label);
    }
    if let Blocker::EscapedObject { escape } = blocker
        && let Some(label) = crate::escapes::escape_secondary(db, *escape)
    {
        diagnostic = diagnostic.with_secondary(label);
    }
    if let Some(secondary) = receiver_why.and_then(|why| why.secondary) {
        diagnostic = diagnostic.with_secondary(secondary);
    }
    if let Blocker::AmbiguousCall { site: key } = blocker {
        let mut resolver = awaitify_semantic::Resolver::new(db);
        for label in binding_labels(db, &mut resolver, site(db, *key)) {
            diagnostic = diagnostic.with_secondary(label);
        }
    }
    for label in chain_labels(db, settings, coloring, unit) {
        diagnostic = diagnostic.with_secondary(label);
    }
    Some(diagnostic)
}

/// For the files a command was asked about (`check main.py`): each refusal, wherever it
/// is reported, that leaves one of their calls blocking, with the first such call of each
/// file labelled. A call keeps blocking when it reaches a function that cannot become
/// async, directly or through functions that stay synchronous because of it; a refusal
/// reported in another file would otherwise leave the files asked about looking clean.
pub fn refusals_blocking_calls_in(
    db: &dyn Db,
    settings: Settings,
    files: &[File],
) -> Vec<Diagnostic> {
    let coloring = crate::async_coloring(db, settings);
    let mut reached = FxHashMap::default();
    let mut labels: indexmap::IndexMap<UnitKey, Vec<Label>> = indexmap::IndexMap::default();
    for file in files {
        let calls = file_calls(db, *file);
        let map = file_source_map(db, *file);
        for site in &calls.sites {
            if site.awaited || !site.context.in_frame() {
                continue;
            }
            for callee in function_units(site) {
                let Some(blocked) = blocked_unit_reached(db, coloring, callee, &mut reached) else {
                    continue;
                };
                let Some(refusal) = (if is_cascade(coloring, blocked) {
                    root_refusal(coloring, blocked)
                } else {
                    Some(blocked)
                }) else {
                    continue;
                };
                let sites = labels.entry(refusal).or_default();
                if !sites.iter().any(|label| label.file == *file) {
                    let range = map.body(site.body).expr(site.expr);
                    sites.push(Label::new(*file, range, "this call keeps blocking"));
                }
            }
        }
    }
    labels
        .into_iter()
        .filter_map(|(refusal, sites)| {
            let mut diagnostic = refusal_diagnostic(db, settings, coloring, refusal)?;
            for label in sites {
                diagnostic = diagnostic.with_secondary(label);
            }
            Some(diagnostic)
        })
        .collect()
}

/// The project functions a call may run.
fn function_units(site: &CallSite) -> impl Iterator<Item = UnitKey> + '_ {
    site.targets.iter().filter_map(|target| match target {
        awaitify_semantic::Target::Function { file, function } => {
            Some((*file, BodyId::Function(*function)))
        }
        _ => None,
    })
}

/// A blocked unit that calling `unit` runs synchronously: `unit` itself, or one its
/// synchronous code calls without awaiting. An async unit's callers await it, so the
/// search stops there.
fn blocked_unit_reached(
    db: &dyn Db,
    coloring: &Coloring,
    unit: UnitKey,
    reached: &mut FxHashMap<UnitKey, Option<UnitKey>>,
) -> Option<UnitKey> {
    if coloring.blocked.contains_key(&unit) {
        return Some(unit);
    }
    if coloring.colored.contains(&unit) {
        return None;
    }
    if let Some(known) = reached.get(&unit) {
        return *known;
    }
    // Recursion reaches nothing new through a unit being searched.
    reached.insert(unit, None);
    let mut found = None;
    for site in &file_calls(db, unit.0).sites {
        if site.body != unit.1 || site.awaited || !site.context.in_frame() {
            continue;
        }
        found = function_units(site)
            .find_map(|callee| blocked_unit_reached(db, coloring, callee, reached));
        if found.is_some() {
            break;
        }
    }
    reached.insert(unit, found);
    found
}

fn parent_body(hir: &awaitify_hir::hir::FileHir, body: BodyId) -> BodyId {
    hir.parent_of(body).unwrap_or(BodyId::Module)
}

/// A label on each binding an ambiguous call's callee may come through, saying what it
/// binds the name to.
fn binding_labels(
    db: &dyn Db,
    resolver: &mut awaitify_semantic::Resolver,
    site: &CallSite,
) -> Vec<Label> {
    let Resolution::Ambiguous(candidates) = &site.callee else {
        return Vec::new();
    };
    let mut labels = Vec::new();
    for candidate in candidates.iter() {
        let Some(binding) = candidate.binding else {
            continue;
        };
        let index = semantic_index(db, candidate.file);
        let range = binding_range(db, candidate.file, index, binding);
        // What the binding gives the name (`navigation(...)`), which the call may reach
        // through an attribute (`.run`).
        let bound = match resolver.resolve_binding(candidate.file, binding) {
            Resolution::Definite(target) => Ok(target),
            _ => candidate.target.clone(),
        };
        // An import of a package's submodule, which replaces the package's attribute of
        // that name (`import pkg.tools` over `tools = ...` in `pkg/__init__.py`).
        let replacing = awaitify_semantic::project_submodule_imports(db)
            .replaced
            .values()
            .find(|import| import.file == candidate.file && import.binding == Some(binding));
        if let Some(import) = replacing {
            let name = target_name(
                db,
                &awaitify_semantic::Target::ProjectModule(import.submodule),
            );
            let attribute = name.rsplit('.').next().unwrap_or(&name);
            labels.push(Label::new(
                candidate.file,
                range,
                format!("imports `{name}` here, which replaces the package's `{attribute}`"),
            ));
            continue;
        }
        let what = match &bound {
            Ok(target) => format!("bound to `{}` here", target_name(db, target)),
            Err(reason) => format!("bound here ({reason})"),
        };
        labels.push(Label::new(candidate.file, range, what));
    }
    // A binding the call may reach several functions through (each function of a
    // submodule, each class of a container) is labelled once.
    let mut seen = Vec::new();
    labels.retain(|label| {
        let key = (label.file, label.range, label.message.clone());
        let new = !seen.contains(&key);
        seen.push(key);
        new
    });
    labels
}

/// Seeds that were left alone in `file`: ambiguous, invalidated, or in a lambda or
/// generator expression.
pub fn seed_diagnostics(db: &dyn Db, file: File, settings: Settings) -> Vec<Diagnostic> {
    let seeds = file_seeds(db, file, settings);
    let calls = file_calls(db, file);
    let map = file_source_map(db, file);
    let mut resolver = awaitify_semantic::Resolver::new(db);
    let mut diagnostics = Vec::new();
    for (index, skip) in &seeds.skipped {
        let site = &calls.sites[*index];
        let range = map.body(site.body).expr(site.expr);
        match skip {
            Skip::Ambiguous { rule } => {
                let mut diagnostic = Diagnostic::new(Code::AmbiguousName, format!("this call may or may not be `{}`", rule.call))
                    .with_primary(Label::new(file, range, "the rule is not applied here"))
                    .with_note("the name may refer to different things: it is bound differently on different paths, or to a value that is one of several; awaitify rewrites only calls it can resolve definitely");
                for label in binding_labels(db, &mut resolver, site) {
                    diagnostic = diagnostic.with_secondary(label);
                }
                diagnostics.push(diagnostic);
            }
            Skip::Overridden { rule, overriding } => {
                let mut diagnostic = Diagnostic::new(Code::AmbiguousName, format!("this call may or may not be `{}`", rule.call))
                    .with_primary(Label::new(file, range, "the rule is not applied here"))
                    .with_note(format!("the call may run `{}`, which overrides it; the rule is not for that method, so it does not apply to this call", target_name(db, overriding)));
                if let awaitify_semantic::Target::Function { file: override_file, function } = overriding {
                    let unit = (*override_file, BodyId::Function(*function));
                    diagnostic = diagnostic.with_secondary(Label::new(*override_file, unit_range(db, unit), "the override"));
                }
                diagnostics.push(diagnostic);
            }
            Skip::DropsCallee { rule } => {
                diagnostics.push(
                    Diagnostic::new(Code::DroppedArguments, format!("`{}` cannot be rewritten here without dropping what its callee expression does", rule.call))
                        .with_primary(Label::new(file, range, "the rule is not applied here"))
                        .with_note("the rewrite writes a new callee in place of this one, which would then no longer run: a call of the project (`clock().sleep(0)`) would not be made, a walrus (`(t := time).sleep(0)`) would not bind its name; write the callee as a name or an attribute"),
                );
            }
            Skip::DropsArguments { rule } => {
                let body = file_hir(db, file).body(site.body);
                let (message, note) = match crate::seeds::awaited_argument(body, site.expr) {
                    Some(_) => (
                        format!("`{}` cannot be unwrapped here without dropping its other arguments", rule.call),
                        "awaiting the first argument alone would no longer evaluate the others, which may have effects; pass them as names or literals",
                    ),
                    None => (
                        format!("`{}` cannot be unwrapped here: no argument names the coroutine to await", rule.call),
                        "the coroutine is passed through `*` or `**` unpacking, or under a keyword other than `main=` or `future=`, so awaitify cannot tell which argument to await; pass it as the first argument",
                    ),
                };
                diagnostics.push(
                    Diagnostic::new(Code::DroppedArguments, message)
                        .with_primary(Label::new(file, range, "the rule is not applied here"))
                        .with_note(note),
                );
            }
            Skip::MaybeUnbound { rule, name } => {
                let index = semantic_index(db, file);
                let text = match &file_hir(db, file).body(site.body).exprs[*name] {
                    Expr::Name { id, .. } => id.to_string(),
                    _ => String::new(),
                };
                let mut diagnostic = Diagnostic::new(
                    Code::AmbiguousName,
                    format!("`{text}` may be unbound here, so this call may not be `{}`", rule.call),
                )
                .with_primary(Label::new(file, range, "the rule is not applied here"))
                .with_note(format!("on some path `{text}` is deleted or never bound, and this line raises `NameError`; the rewrite would replace `{text}` and run instead"));
                if let Some(use_id) = index.use_of(site.body, *name) {
                    for binding in index.reaching(use_id) {
                        let range = binding_range(db, file, index, *binding);
                        diagnostic = diagnostic.with_secondary(Label::new(file, range, "bound here"));
                    }
                }
                diagnostics.push(diagnostic);
            }
            Skip::PrivateLoopWork { rule, work } => diagnostics.push(
                Diagnostic::new(
                    Code::PrivateLoopWork,
                    format!("`{}` runs a loop that is also given other work", rule.call),
                )
                .with_primary(Label::new(file, range, "the rule is not applied here"))
                .with_secondary(Label::new(work.0, work.1, "work given to a loop from `asyncio.new_event_loop()`"))
                .with_note("awaiting the coroutine runs it on the page's event loop, where work scheduled on the private loop (tasks, callbacks, futures) would never run; schedule that work with `asyncio.create_task` or `asyncio.get_running_loop()` instead"),
            ),
            Skip::Invalidated { rule, store } => {
                let (message, note) = if store.0 == file {
                    (
                        format!("`{}` was reassigned before this call", rule.call),
                        "after the assignment the name may not be the original function",
                    )
                } else {
                    (
                        format!("`{}` is reassigned in another module", rule.call),
                        "once that module runs, the attribute is the new value for every module that uses it",
                    )
                };
                diagnostics.push(
                    Diagnostic::new(Code::InvalidatedName, message)
                        .with_primary(Label::new(file, range, "the rule is not applied here"))
                        .with_secondary(Label::new(store.0, store.1, "reassigned here"))
                        .with_note(note),
                );
            }
        }
    }
    for (index, rule) in &seeds.values {
        let reference = &calls.external_references[*index];
        let range = map.body(reference.body).expr(reference.expr);
        let diagnostic = match &reference.target {
            // The module the rule's target is an attribute of (`clock=time`).
            awaitify_semantic::Target::External(name) if !rule.matches(name) => Diagnostic::new(
                Code::FunctionUsedAsValue,
                format!("`{name}` is used as a value, so calls of `{}` through it cannot be awaited", rule.call),
            )
            .with_primary(Label::new(file, range, "passed on as a value here"))
            .with_note(format!("code that receives it may call `{}` through it; awaitify rewrites such a call only where it follows the value back to the module (an attribute of `self` set to it, a function that returns it), and the others keep blocking the event loop; call `{}` directly instead", rule.call, rule.call)),
            _ => Diagnostic::new(
                Code::FunctionUsedAsValue,
                format!("`{}` is used as a value, so its calls cannot be awaited", rule.call),
            )
            .with_primary(Label::new(file, range, "passed on as a value here"))
            .with_note("whoever receives it calls it synchronously, and it blocks the event loop there; pass an async function instead, or call it directly"),
        };
        diagnostics.push(diagnostic);
    }
    for seed in &seeds.seeds {
        let site = &calls.sites[seed.site];
        let range = map.body(site.body).expr(site.expr);
        let mut why = None;
        let (code, expr, what) = match site.context {
            Context::Direct | Context::Materialized(_) => continue,
            Context::Lambda(lambda) => (Code::AsyncInLambda, lambda, "a lambda cannot await"),
            Context::Annotation(annotation) => (
                Code::AsyncInAnnotation,
                annotation,
                "an annotation cannot await",
            ),
            Context::DebugText(expr) => (
                Code::AsyncInDebugText,
                expr,
                "the f-string prints this text",
            ),
            Context::Generator(generator) => {
                why = Some(generator_note(db, file, site.body, generator));
                (
                    Code::GeneratorConsumedSynchronously,
                    generator,
                    "a generator expression would become an async generator",
                )
            }
        };
        let mut diagnostic = Diagnostic::new(
            code,
            format!("`{}` would need to be awaited here", seed.rule.call),
        )
        .with_primary(Label::new(file, map.body(site.body).expr(expr), what))
        .with_secondary(Label::new(file, range, "left unchanged"));
        if let Some(why) = why {
            diagnostic = diagnostic.with_note(why);
        }
        diagnostics.push(diagnostic.with_note("the blocking call is left as it is"));
    }
    // Calls that run an event loop and match no rule: on Pyodide they raise.
    let matched: FxHashSet<usize> = seeds
        .seeds
        .iter()
        .map(|seed| seed.site)
        .chain(seeds.skipped.iter().map(|(index, _)| *index))
        .collect();
    let hir = file_hir(db, file);
    for (index, site) in calls.sites.iter().enumerate() {
        if matched.contains(&index) || site.awaited {
            continue;
        }
        let Some(what) = runs_event_loop(hir.body(site.body), site) else {
            continue;
        };
        let range = map.body(site.body).expr(site.expr);
        diagnostics.push(
            Diagnostic::new(
                Code::EventLoopCallLeft,
                format!("this call runs an event loop ({what}), which awaitify cannot rewrite here"),
            )
            .with_primary(Label::new(file, range, "left unchanged"))
            .with_note("on Pyodide the page's event loop is already running, so a call that runs a loop raises; awaitify rewrites `loop.run_until_complete(c)` to `await c` only where it can tell the loop comes from `asyncio.new_event_loop()` or `asyncio.get_event_loop()`: await the coroutine instead"),
        );
    }
    diagnostics
}

/// What event loop a call runs, when it runs one: `run_until_complete` or `run_forever`
/// on any receiver, or a method of an `asyncio.Runner`.
fn runs_event_loop(body: &awaitify_hir::hir::Body, site: &CallSite) -> Option<&'static str> {
    if let Resolution::Definite(awaitify_semantic::Target::External(name)) = &site.callee
        && name.starts_with("asyncio.Runner(")
        && name.ends_with(".run")
    {
        return Some("`asyncio.Runner.run`");
    }
    let Expr::Call { func, .. } = &body.exprs[site.expr] else {
        return None;
    };
    match &body.exprs[*func] {
        Expr::Attribute { attr, .. } if attr == "run_until_complete" => {
            Some("`run_until_complete`")
        }
        Expr::Attribute { attr, .. } if attr == "run_forever" => Some("`run_forever`"),
        // `with asyncio.Runner() as runner: runner.run(c)`.
        Expr::Attribute { value, attr, .. } if attr == "run" => {
            let Expr::Name { id: receiver, .. } = &body.exprs[*value] else {
                return None;
            };
            let is_runner = |expr: ExprId| {
                matches!(&body.exprs[expr], Expr::Call { func, .. }
                    if matches!(&body.exprs[*func],
                        Expr::Attribute { attr, .. } | Expr::Name { id: attr, .. } if attr == "Runner"))
            };
            body.stmts
                .iter()
                .any(|(_, stmt)| match stmt {
                    awaitify_hir::hir::Stmt::With { items, .. } => items.iter().any(|item| {
                        is_runner(item.context_expr)
                            && matches!(item.optional_vars.map(|vars| &body.exprs[vars]),
                                Some(Expr::Name { id, .. }) if id == receiver)
                    }),
                    _ => false,
                })
                .then_some("`asyncio.Runner.run`")
        }
        _ => None,
    }
}

/// The ranges of the bodies of the module's top-level main guards (see
/// [`awaitify_callgraph::is_main_guard`]); an `else:` runs on import, so it is not part
/// of the range.
fn main_guards(db: &dyn Db, file: File) -> Vec<TextRange> {
    use awaitify_hir::hir::Stmt;
    let module = &file_hir(db, file).module;
    let map = awaitify_hir::file_source_map(db, file).body(BodyId::Module);
    module
        .block
        .iter()
        .filter(|stmt| awaitify_callgraph::is_main_guard(module, **stmt))
        .filter_map(|stmt| match &module.stmts[*stmt] {
            Stmt::If { body, .. } => Some(map.stmt(*body.first()?).cover(map.stmt(*body.last()?))),
            _ => None,
        })
        .collect()
}

/// Why a call in the generator expression `generator` cannot be awaited, from how its
/// consumer treats it (see [`awaitify_callgraph::Consumption`]).
fn generator_note(db: &dyn Db, file: File, body: BodyId, generator: ExprId) -> String {
    file_calls(db, file)
        .generator_expression(body, generator)
        .and_then(|found| found.consumption.refusal())
        .unwrap_or_else(|| {
            "awaiting inside a generator expression makes it an async generator, which changes what its consumer receives".to_string()
        })
}

/// Why a call's receiver is not followed, when awaitify can say (see
/// [`receiver_not_followed`]).
struct ReceiverNotFollowed {
    primary: String,
    secondary: Option<Label>,
    note: String,
}

/// The labels and note of a call whose receiver is unknown for a reason awaitify can
/// name: a class's call, its name or a store to `__class__` (see
/// [`class_call_not_followed`]), or a key of session state it does not follow.
fn receiver_not_followed(db: &dyn Db, file: File, call: &CallSite) -> Option<ReceiverNotFollowed> {
    class_call_not_followed(db, call).or_else(|| session_key_not_followed(db, file, call))
}

/// The labels and note of a call on what Streamlit's session state holds under a key
/// awaitify does not follow (see `awaitify_semantic::session_state`).
fn session_key_not_followed(
    db: &dyn Db,
    file: File,
    call: &CallSite,
) -> Option<ReceiverNotFollowed> {
    use awaitify_semantic::session_state::{Place, SessionBlocker};
    let exprs = &file_hir(db, file).body(call.body).exprs;
    let awaitify_hir::hir::Expr::Call { func, .. } = &exprs[call.expr] else {
        return None;
    };
    let awaitify_hir::hir::Expr::Attribute {
        value: receiver, ..
    } = &exprs[*func]
    else {
        return None;
    };
    let mut resolver = awaitify_semantic::Resolver::new(db);
    let key = resolver.session_key_of(file, call.body, *receiver)?;
    let (place, text) = match resolver.session_key_blocker(&key)? {
        SessionBlocker::Escape(place_file, body, place) => (
            Some((place_file, body, place)),
            "session state goes here where awaitify does not follow it, so any key may hold anything".to_string(),
        ),
        SessionBlocker::Widget(place_file, body, expr) => (
            Some((place_file, body, Place::Expr(expr))),
            format!("this widget stores its value under `{key}`"),
        ),
        SessionBlocker::Store(place_file, body, expr) => (
            Some((place_file, body, Place::Expr(expr))),
            format!("this may store under `{key}` a value awaitify cannot follow"),
        ),
        SessionBlocker::NoStore => (None, String::new()),
    };
    let secondary = place.and_then(|(place_file, body, place)| {
        let map = file_source_map(db, place_file).body(body);
        let range = match place {
            Place::Expr(expr) => Some(map.expr(expr)),
            Place::Name(site) => map.name(site),
        };
        range.map(|range| Label::new(place_file, range, text))
    });
    Some(ReceiverNotFollowed {
        primary: format!("this call's receiver is unknown: what session state holds under `{key}`"),
        secondary,
        note: "a key of session state holds what any store of it put there, on any page and any earlier run; awaitify follows a key when it sees every store that may write it and each stores an instance of a project class; if this call runs this method it would get a coroutine and not await it".to_string(),
    })
}

/// The labels and note of a call whose receiver is unknown because a call of a class
/// may not give an instance of it, a decorator may have replaced the class's name, or a
/// store to `__class__` may have changed an instance's class.
fn class_call_not_followed(db: &dyn Db, call: &CallSite) -> Option<ReceiverNotFollowed> {
    use awaitify_semantic::{OtherObject, Unresolved};
    let reasons: Vec<Unresolved> = call
        .callee
        .clone()
        .into_alternatives()
        .into_iter()
        .filter_map(Result::err)
        .collect();
    let class_name = |file: File, class: awaitify_hir::hir::ClassId| {
        file_hir(db, file).classes[class].name.to_string()
    };
    // The `def` of `method` in `class`'s body, or the class's name.
    let method_of = |file: File, class: awaitify_hir::hir::ClassId, method: &str| {
        let symbols = awaitify_semantic::module_symbols(db, file);
        symbols
            .classes
            .get(class)
            .and_then(|summary| summary.members.get(method))
            .and_then(|bindings| {
                bindings.iter().find_map(|(_, summary)| match summary {
                    awaitify_semantic::symbols::Summary::Function(function) => Some(*function),
                    _ => None,
                })
            })
    };
    let name_range = |file: File, body: BodyId| unit_range(db, (file, body));
    for reason in reasons {
        match reason {
            Unresolved::NotAnInstance { file, class, why } => {
                let called = class_name(file, class);
                let (secondary, note) = match why {
                    OtherObject::New {
                        file: owner_file,
                        class: owner,
                    } => {
                        let inherited = if (owner_file, owner) == (file, class) {
                            String::new()
                        } else {
                            format!(" (from `{}`)", class_name(owner_file, owner))
                        };
                        let label = format!(
                            "`{called}()` may not return a `{called}`: its `__new__`{inherited} returns another object here"
                        );
                        let range = match method_of(owner_file, owner, "__new__") {
                            Some(function) => {
                                let hir = file_hir(db, owner_file);
                                let index = semantic_index(db, owner_file);
                                match awaitify_semantic::symbols::other_object_returned(
                                    hir, index, function,
                                ) {
                                    Err(Some(stmt)) => file_source_map(db, owner_file)
                                        .body(BodyId::Function(function))
                                        .stmt(stmt),
                                    _ => name_range(owner_file, BodyId::Function(function)),
                                }
                            }
                            None => name_range(owner_file, BodyId::Class(owner)),
                        };
                        (Label::new(owner_file, range, label), "a call of a class gives what its `__new__` returns; awaitify follows a `__new__` that returns `super().__new__(cls)` or `object.__new__(cls)`, directly, through a local or cached on the class, and nothing else; if this call runs this method it would get a coroutine and not await it".to_string())
                    }
                    OtherObject::MetaclassCall {
                        file: meta_file,
                        class: meta,
                    } => {
                        let label = format!(
                            "`{called}()` may not return a `{called}`: its metaclass `{}` defines `__call__` here",
                            class_name(meta_file, meta)
                        );
                        let range = match method_of(meta_file, meta, "__call__") {
                            Some(function) => name_range(meta_file, BodyId::Function(function)),
                            None => name_range(meta_file, BodyId::Class(meta)),
                        };
                        (Label::new(meta_file, range, label), "a call of a class runs its metaclass's `__call__` and gives what that returns; awaitify follows one that returns `super().__call__(...)` (directly, through a local or cached in a dict under the class), and nothing else; if this call runs this method it would get a coroutine and not await it".to_string())
                    }
                };
                return Some(ReceiverNotFollowed {
                    primary: format!(
                        "this call's receiver is unknown: `{called}()` may not return a `{called}`"
                    ),
                    secondary: Some(secondary),
                    note,
                });
            }
            Unresolved::ReplacedClass {
                file,
                class,
                decorator,
            } => {
                let called = class_name(file, class);
                let hir = file_hir(db, file);
                let data = &hir.classes[class];
                let range = file_source_map(db, file)
                    .body(data.parent)
                    .expr(data.decorators[decorator as usize]);
                return Some(ReceiverNotFollowed {
                    primary: format!("this call's receiver is unknown: `{called}` may not be the class `{called}`"),
                    secondary: Some(Label::new(file, range, format!("this decorator may bind `{called}` to another object"))),
                    note: "a class's name holds what its decorators return; awaitify follows decorators of the project that return the class they are given (`return cls`) and decorators from outside the project, and nothing else; if this call runs this method it would get a coroutine and not await it".to_string(),
                });
            }
            Unresolved::ClassAssigned {
                file,
                class,
                store: (store_file, body, expr),
            } => {
                let called = class_name(file, class);
                let range = file_source_map(db, store_file).body(body).expr(expr);
                return Some(ReceiverNotFollowed {
                    primary: format!("this call's receiver is unknown: a store to `__class__` may give an instance of `{called}` another class"),
                    secondary: Some(Label::new(store_file, range, format!("a store to `__class__` may give an instance of `{called}` another class here"))),
                    note: "after `obj.__class__ = Other` the object's methods are `Other`'s; awaitify follows a method call on an instance such a store may change to both classes' methods when it knows `Other`, but here the class stored is a value it cannot follow or has methods it cannot see (an object it cannot follow at the store may be an instance of any class laid out alike); if this call runs this method it would get a coroutine and not await it".to_string(),
                });
            }
            _ => {}
        }
    }
    None
}
