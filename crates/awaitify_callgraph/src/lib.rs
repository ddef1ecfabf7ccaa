//! The call graph: every call site of every file with what it calls, and the project
//! graph built from them.
//!
//! Terms:
//! - A **unit** is code that runs as one frame: the module body, a function body, or a
//!   class body ([`BodyId`]). Comprehensions run inside their unit's frame (a list
//!   comprehension in an `async def` may await); lambdas and generator expressions do not.
//! - A **call site** is a `Call` expression, with the unit it runs in, its [`Context`]
//!   (directly in the unit, or deferred inside a lambda or generator expression), whether
//!   it is already awaited, whether it is directly iterated by a `for` or comprehension,
//!   and its callee's resolution and targets.
//! - A **reference** is a function used as a value (`map(f, xs)`, `Thread(target=f)`,
//!   `on_click=f`, `handlers = {"k": f}`): its caller is unknown, so it cannot be awaited.
//!   The function handed to its decorator by rebinding its name (`f = traced(f)`, a
//!   `BindingKind::Decoration`) is not one: the coloring checks that decorator as it
//!   checks those written with `@`.
//! - An **object escape** is a project instance or class handed to code outside the
//!   project (`print(..., file=sink)`, `sys.stdout = sink`), which may call its methods by
//!   name; a **parameter escape** is a parameter whose value escapes so, for the
//!   coloring to follow to its callers' arguments (see the `escapes` module).
//! - An **evaluation** is a call of `eval`, `exec` or `compile`, with the functions the
//!   code in its string may call.
//!
//! Method calls through an instance (`w.step()`, `self.step()`) target the method found
//! through the MRO *and* every override in project subclasses: any of them may run.
//! Calls that cannot be resolved keep their reason; they are never guessed.
//!
//! Queries: [`file_calls`] and [`file_class_bases`] per file, [`class_hierarchy`] and
//! [`call_graph`] per project. [`calls_in_parallel`] computes them on every core.
//! Depends on `awaitify_semantic`; may not depend on the rewrite.

use std::sync::Arc;

use awaitify_db::{Db, File};
use awaitify_hir::file_hir;
use awaitify_hir::hir::*;
use awaitify_semantic::resolve::target_name;
use awaitify_semantic::resolve::{Candidate, Unresolved};
use awaitify_semantic::{
    Namespace, Resolution, Resolver, Target, absolute_module_name, resolve_module,
};
use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

mod attribute_writes;
mod consumers;
mod escapes;
mod method_values;
mod overrides;
mod tables;

pub use method_values::{MethodValue, may_hold_unseen_project_instance};

pub use consumers::Consumption;

type IndexSet<T> = indexmap::IndexSet<T, FxBuildHasher>;
type IndexMap<K, V> = indexmap::IndexMap<K, V, FxBuildHasher>;

mod enumerations;

pub use enumerations::{ClassDecoration, Enumeration};

/// Where a call runs relative to its unit's frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// In the unit's own frame (including list, set and dict comprehensions).
    Direct,
    /// Inside the lambda expression `ExprId` of the same body.
    Lambda(ExprId),
    /// Inside the generator expression `ExprId` (not its first iterable).
    Generator(ExprId),
    /// Inside the generator expression `ExprId` (not its first iterable), which its
    /// consumer materializes, as do the consumers of the generator expressions around it
    /// (see [`Consumption::Materialized`]): the rewrite turns them into list
    /// comprehensions, which run in the unit's frame, when a call there must await.
    Materialized(ExprId),
    /// Inside the annotation `ExprId`, which Python evaluates when the definition runs
    /// and where `await` is not allowed. Annotations never evaluated (in function bodies,
    /// or under `from __future__ import annotations`) hold no call sites.
    Annotation(ExprId),
    /// Inside `{expr=}` of an f-string, whose text the f-string repeats: `await` would be
    /// printed too.
    DebugText(ExprId),
}

impl Context {
    /// Whether a call here runs in its unit's frame once the rewrite is done, where it
    /// may be awaited: directly, or in generator expressions that become list
    /// comprehensions.
    pub fn in_frame(self) -> bool {
        matches!(self, Context::Direct | Context::Materialized(_))
    }
}

/// A generator expression, and how its consumer treats it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorExpression {
    pub body: BodyId,
    pub expr: ExprId,
    pub consumption: Consumption,
    /// The materialized generator expression it sits in (not in its first iterable),
    /// when it is materialized itself: turning it into a list comprehension that awaits
    /// needs that one turned too.
    pub enclosing: Option<ExprId>,
}

/// How a call's result is iterated, when it is directly the iterable of a loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Iteration {
    /// `for target in <call>:` — statement `StmtId` of the same body.
    For(StmtId),
    /// A comprehension generator: `(comprehension expr, generator index)`.
    Comprehension(ExprId, u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    pub body: BodyId,
    pub expr: ExprId,
    pub context: Context,
    pub awaited: bool,
    pub iterated: Option<Iteration>,
    /// The `with` statement (of the same body, not `async with`) that enters the call's
    /// result: the call is one of its items' context expression.
    pub managed: Option<StmtId>,
    /// The resolution of the callee expression.
    pub callee: Resolution,
    /// Every target the call may reach: the resolved callee and, for method calls on
    /// instances, every override in project subclasses.
    pub targets: Box<[Target]>,
}

/// A function used as a value rather than called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub body: BodyId,
    pub expr: ExprId,
    pub target: Target,
    /// The function is applied as a decorator (`@register`): Python calls it when the
    /// definition runs, and never awaits it.
    pub decorator: bool,
}

/// A lookup by a computed name: `getattr(self, "on_" + kind)`, `globals()[name]`,
/// `setattr(helpers, name, value)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicLookup {
    pub body: BodyId,
    pub expr: ExprId,
    pub scope: LookupScope,
    /// What every name it may compute starts with (`"on_" + kind`, `f"on_{kind}"`).
    pub prefix: Name,
    /// What every name it may compute ends with (`kind + "_page"`).
    pub suffix: Name,
    /// The name is `prefix` itself: `obj.load = f` on an object awaitify cannot follow
    /// (see `attribute_writes`).
    pub exact: bool,
}

impl DynamicLookup {
    /// Whether the lookup may compute `name`.
    pub fn may_name(&self, name: &str) -> bool {
        if self.exact {
            return *self.prefix == *name;
        }
        spells(&self.prefix, &self.suffix, name)
    }
}

/// Whether a computed string that starts with `prefix` and ends with `suffix` may be
/// `name`.
fn spells(prefix: &str, suffix: &str, name: &str) -> bool {
    name.len() >= prefix.len() + suffix.len() && name.starts_with(prefix) && name.ends_with(suffix)
}

/// Whether `callee` is a builtin that only looks at its arguments (`callable`,
/// `isinstance`, `id`, ...), so a function passed to it is not handed on.
fn inspects_arguments(callee: &Resolution) -> bool {
    matches!(
        callee,
        Resolution::Definite(Target::Builtin(name)) if matches!(
            name.as_str(),
            "callable" | "id" | "isinstance" | "issubclass" | "type" | "hasattr" | "repr"
                | "hash" | "bool" | "print"
        )
    )
}

/// A module object that leaves the names awaitify follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEscape {
    pub body: BodyId,
    pub expr: ExprId,
    /// The project module, or `None` for a computed one that may be any module.
    pub module: Option<File>,
}

/// A project file that a call runs as a module, without top-level `await` allowed
/// (see [`Collector::file_run_as_module`]).
enum RunAsModule {
    /// By module name (`runpy.run_module("tool")`).
    Module(String),
    /// By a computed module name, with the literal text it starts and ends with.
    Spelled(String, String),
    /// By path (`runpy.run_path("tool.py")`), as written.
    Path(String),
}

/// The project files that `path`, written in `from`, may name: relative to `from`'s
/// folder, or to any folder (the working directory is not known), so every file whose
/// path ends with it.
fn project_files_at(db: &dyn Db, from: File, path: &std::path::Path) -> Vec<File> {
    let beside = from.path(db).parent().map(|folder| folder.join(path));
    db.project()
        .files(db)
        .iter()
        .copied()
        .filter(|file| {
            *file != from
                && (beside.as_deref() == Some(file.path(db).as_path())
                    || (path.is_relative() && file.path(db).ends_with(path)))
        })
        .collect()
}

/// A project class, or an instance of one, handed to code awaitify does not see, which
/// may call its methods by name and would not await them (`print(..., file=sink)` calls
/// `sink.write`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEscape {
    pub body: BodyId,
    /// The expression that escapes: the argument, the stored value, the unpacked mapping,
    /// or the decorator a class is handed to.
    pub expr: ExprId,
    /// The class, or the class of the instance.
    pub class: ProjectClass,
    /// An instance escapes, not the class itself.
    pub instance: bool,
    pub how: EscapeKind,
    /// The one method outside code calls (`keys` for `**mapping`); `None` for any.
    pub method: Option<Name>,
}

/// A parameter of a project function whose value escapes as an [`ObjectEscape`] would
/// (`def report(out): print(..., file=out)`): what a caller passes for it escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterEscape {
    pub body: BodyId,
    pub expr: ExprId,
    pub function: FunctionId,
    /// The parameter's index among the function's parameters, in source order.
    pub param: u32,
    pub how: EscapeKind,
    pub method: Option<Name>,
}

/// How an object reaches code awaitify does not see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EscapeKind {
    /// An argument of call site `site` (an index into `sites`), whose callee is outside
    /// the project or unknown.
    Argument { site: usize },
    /// Stored into `target`, an attribute or item of an object outside the project
    /// (`sys.stdout = sink`).
    Stored { target: ExprId },
    /// Unpacked with `**` (`f(**mapping)`, `{**mapping}`), which calls its `keys()`.
    Unpacked,
    /// A class under a decorator outside the project, which receives the class.
    Decorated,
    /// Its namespace is read as a whole by project code, which may call each method it
    /// finds there: an index into the file's `enumerations`.
    Enumerated { enumeration: usize },
}

/// Code run from a string by `eval`, `exec` or `compile`, which awaitify does not
/// rewrite: a function it calls would not be awaited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub body: BodyId,
    /// The call of `eval`, `exec` or `compile`.
    pub expr: ExprId,
    /// The project functions the code may call: those named in a literal string (a
    /// global of the namespace it runs in, a function defined in the calling function,
    /// or reached through such a name, `helpers.slow`), or, for a computed string, every
    /// function among those globals and local definitions.
    pub functions: Box<[Target]>,
    /// Names the literal string uses as attributes (`w.step()`): a method of that name
    /// may run.
    pub methods: Box<[Name]>,
    /// The string is computed, so it may name any of those functions.
    pub computed: bool,
}

/// `import tools` where `tools` is not a project module but `src/tools.py` is importable
/// as `tools` when `src` is on `sys.path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportUnderOtherName {
    pub body: BodyId,
    pub stmt: StmtId,
    /// The name imported, as written (made absolute for a relative import).
    pub name: Name,
    pub module: File,
}

/// The literal text a computed string starts with and ends with: `"on_" + kind` starts
/// with `on_`; `f"{kind}_page"` ends with `_page`.
fn literal_ends(body: &Body, expr: ExprId) -> (String, String) {
    match &body.exprs[expr] {
        Expr::Literal(Literal::Str(text)) => (text.to_string(), text.to_string()),
        Expr::BinOp {
            left,
            op: Operator::Add,
            right,
        } => {
            let (prefix, _) = literal_ends(body, *left);
            let (_, suffix) = literal_ends(body, *right);
            (prefix, suffix)
        }
        Expr::Interpolated { parts, .. } => {
            let prefix = match parts.first() {
                Some(InterpolatedPart::Literal(text)) if parts.len() > 1 => text.to_string(),
                _ => String::new(),
            };
            let suffix = match parts.last() {
                Some(InterpolatedPart::Literal(text)) if parts.len() > 1 => text.to_string(),
                _ => String::new(),
            };
            (prefix, suffix)
        }
        _ => (String::new(), String::new()),
    }
}

/// What a lookup by a computed name may fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookupScope {
    /// A method of this class, of a base, or an override in a subclass.
    Class(File, ClassId),
    /// A top-level function of this project module.
    Module(File),
    /// Any method: the object is unknown and the result is called right away.
    AnyMethod,
}

impl LookupScope {
    /// The functions a lookup in `namespace` may fetch; `None` for `sys.modules`, whose
    /// entries are modules.
    fn of_namespace(namespace: Namespace) -> Option<LookupScope> {
        match namespace {
            Namespace::Module(module) => Some(LookupScope::Module(module)),
            Namespace::Class(file, class) => Some(LookupScope::Class(file, class)),
            Namespace::SysModules | Namespace::Outside(_) => None,
        }
    }
}

/// The object and name arguments of `setattr(object, name, value)` when `site` calls the
/// builtin `setattr`.
pub fn setattr_arguments(body: &Body, site: &CallSite) -> Option<(ExprId, ExprId)> {
    if !matches!(&site.callee, Resolution::Definite(Target::Builtin(name)) if name == "setattr") {
        return None;
    }
    let Expr::Call { args, .. } = &body.exprs[site.expr] else {
        return None;
    };
    match args[..] {
        [object, name, _] => Some((object, name)),
        _ => None,
    }
}

/// What one file contributes to the call graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileCalls {
    pub sites: Vec<CallSite>,
    pub references: Vec<Reference>,
    /// The indices in `references` of the functions a dispatch table bound at module
    /// level names, when every use of the table in this file looks it up by key (see
    /// `tables`): they are not used as values unless another module can reach the table.
    pub table_references: Vec<usize>,
    /// Functions whose own body yields (generators).
    pub generators: FxHashSet<FunctionId>,
    /// Generators that use `yield from` or `return <value>`, which async generators cannot.
    pub generators_without_async_form: FxHashSet<FunctionId>,
    /// Generators under `@contextlib.contextmanager` (by any name that resolves to it):
    /// context managers, which become `@contextlib.asynccontextmanager` and are entered
    /// by `async with` when they become async.
    pub context_managers: FxHashSet<FunctionId>,
    /// Project modules this file imports (and so executes), anywhere in it.
    pub imports: IndexSet<File>,
    /// Imports of a name outside the project that a project module is importable as once
    /// its folder is on `sys.path` (`import tools` with `src/tools.py`): calls through
    /// them cannot be followed to that module. Those modules count as imported too.
    pub imports_under_other_names: Vec<ImportUnderOtherName>,
    /// Lookups by a computed name: which project functions each may fetch or replace.
    pub dynamic_lookups: Vec<DynamicLookup>,
    /// Functions outside the project used as values (`retry(fn, sleep=time.sleep)`),
    /// which whoever receives them calls without awaiting.
    pub external_references: Vec<Reference>,
    /// Project modules used as values (`run(helpers)`), or any module (`sys.modules[name]`,
    /// `importlib.import_module(name)`): an object awaitify cannot follow may then be
    /// one of them.
    pub module_escapes: Vec<ModuleEscape>,
    /// Project classes and instances handed to code awaitify does not see, which may
    /// call their methods by name (see [`ObjectEscape`]).
    pub object_escapes: Vec<ObjectEscape>,
    /// Class and object namespaces read as a whole (see [`Enumeration`]); those awaitify
    /// follows to a class or a parameter escape as `object_escapes` and
    /// `parameter_escapes` too.
    pub enumerations: Vec<Enumeration>,
    /// The first place a project class is handed on as a value (`registry.append(Api)`),
    /// a class is taken from an object awaitify cannot follow (`type(obj)`,
    /// `obj.__class__`), or a project module's namespace is enumerated (its classes are
    /// among its values): after any, an object awaitify cannot follow may be a class,
    /// whose own namespace holds its methods. So may it after a module escapes
    /// (`module_escapes`).
    pub class_value: Option<(BodyId, ExprId)>,
    /// The project classes handed on as values here (`registry.append(Api)`), each once,
    /// which code awaitify cannot follow may construct; and whether a class it cannot
    /// name is (`type(obj)` or `obj.__class__` handed on, a module's namespace
    /// enumerated).
    pub classes_handed_on: (Vec<ProjectClass>, bool),
    /// Project functions applied as decorators to this file's classes, which receive the
    /// class as their first argument.
    pub class_decorations: Vec<ClassDecoration>,
    /// Parameters whose values escape so, for their callers' arguments.
    pub parameter_escapes: Vec<ParameterEscape>,
    /// Calls of `eval`, `exec` and `compile`, with what the code they run may call.
    pub evaluations: Vec<Evaluation>,
    /// Methods taken as values from objects awaitify cannot follow, the first of each
    /// name in walk order (see [`MethodValue`]).
    pub method_values: Vec<MethodValue>,
    /// Project functions this file reassigns through an attribute (`helpers.fetch =
    /// fake`, `Client.fetch = fake`, `self.fetch = other`): calls of them may run the
    /// new value.
    pub reassigned: Vec<Reference>,
    /// The call sites of the module body inside a top-level `if __name__ ==
    /// "__main__":` (see [`is_main_guard`]), as ranges of indices into `sites`: they run
    /// only when the file is the script, never when it is imported.
    pub main_guard_sites: Vec<std::ops::Range<usize>>,
    /// Every generator expression, with how it is consumed, in the order they are met.
    pub generator_expressions: Vec<GeneratorExpression>,
    /// List comprehensions that are the first argument of a call that would materialize
    /// a generator expression there (see [`Consumption::Materialized`]): one there means
    /// the same as the generator expression, which translation validation reads it as.
    pub materialized_lists: Vec<(BodyId, ExprId)>,
}

impl FileCalls {
    /// The index of the call site that the `with` statement `stmt` of `body` enters as
    /// the item whose context expression is `expr`, when that is a call.
    pub fn entered_by(&self, body: BodyId, stmt: StmtId, expr: ExprId) -> Option<usize> {
        self.sites
            .iter()
            .position(|site| site.body == body && site.expr == expr && site.managed == Some(stmt))
    }

    /// The generator expression `expr` of `body`.
    pub fn generator_expression(&self, body: BodyId, expr: ExprId) -> Option<&GeneratorExpression> {
        self.generator_expressions
            .iter()
            .find(|generator| generator.body == body && generator.expr == expr)
    }

    /// The generator expression that iterates `site` (in any of its `for` clauses) when
    /// that generator expression is materialized in its unit's frame (see
    /// [`Context::Materialized`]): the rewrite can make it a list comprehension, where
    /// the clause may become `async for` over a generator that becomes async.
    pub fn materialized_iteration(&self, site: &CallSite) -> Option<ExprId> {
        let Some(Iteration::Comprehension(comprehension, _)) = site.iterated else {
            return None;
        };
        // Its first iterable runs in the frame around it, the other clauses inside it:
        // either way the call runs in the unit's frame once the rewrite is done only when
        // the generator expression does.
        let generator = self.generator_expression(site.body, comprehension)?;
        (generator.consumption == Consumption::Materialized && site.context.in_frame())
            .then_some(comprehension)
    }

    /// Whether site `index` lies in the body of a top-level main guard.
    pub fn in_main_guard(&self, index: usize) -> bool {
        self.main_guard_sites
            .iter()
            .any(|range| range.contains(&index))
    }
}

/// Whether `stmt` of the module body is a main guard, `if __name__ == "__main__":`
/// (either operand order). Its body runs only when the module is the script; an `else:`
/// runs on import.
pub fn is_main_guard(module: &Body, stmt: StmtId) -> bool {
    let Stmt::If { test, .. } = &module.stmts[stmt] else {
        return false;
    };
    let Expr::Compare {
        left,
        ops,
        comparators,
    } = &module.exprs[*test]
    else {
        return false;
    };
    let is_name = |expr: ExprId| matches!(&module.exprs[expr], Expr::Name { id, .. } if id.as_str() == "__name__");
    let is_main = |expr: ExprId| matches!(&module.exprs[expr], Expr::Literal(Literal::Str(text)) if &**text == "__main__");
    **ops == [CmpOp::Eq]
        && ((is_name(*left) && is_main(comparators[0]))
            || (is_main(*left) && is_name(comparators[0])))
}

/// Whether `body`'s own frame (not nested scopes) contains `yield`.
fn scan_generator(body: &Body) -> (bool, bool) {
    let mut yields = false;
    let mut blocks_async = false;
    // Expressions of nested lambdas and genexps belong to other frames; comprehensions
    // cannot contain yield. A statement walk plus an expression walk that stops at
    // lambdas is enough.
    let mut skip: FxHashSet<ExprId> = FxHashSet::default();
    for (_, expr) in body.exprs.iter() {
        if let Expr::Lambda { .. } | Expr::Generator { .. } = expr {
            expr.walk_children(|child| mark_subtree(body, child, &mut skip));
        }
    }
    for (id, expr) in body.exprs.iter() {
        if skip.contains(&id) {
            continue;
        }
        match expr {
            Expr::Yield { .. } => yields = true,
            Expr::YieldFrom { .. } => {
                yields = true;
                blocks_async = true;
            }
            _ => {}
        }
    }
    if yields {
        for (_, stmt) in body.stmts.iter() {
            if let Stmt::Return { value: Some(_) } = stmt {
                blocks_async = true;
            }
        }
    }
    (yields, blocks_async)
}

fn mark_subtree(body: &Body, expr: ExprId, out: &mut FxHashSet<ExprId>) {
    if out.insert(expr) {
        body.exprs[expr].walk_children(|child| mark_subtree(body, child, out));
    }
}

/// Whether the module starts with `from __future__ import annotations`.
fn has_postponed_annotations(hir: &FileHir) -> bool {
    hir.module.block.iter().any(|stmt| {
        matches!(
            &hir.module.stmts[*stmt],
            Stmt::ImportFrom { module: Some(module), names, level: 0 }
                if module.as_str() == "__future__"
                    && names.iter().any(|alias| alias.name.as_str() == "annotations")
        )
    })
}

/// Call sites, references, generators and imports of `file`.
#[salsa::tracked(returns(ref))]
pub fn file_calls(db: &dyn Db, file: File) -> Arc<FileCalls> {
    let hir = file_hir(db, file);
    let hierarchy = class_hierarchy(db);
    // One site per `Call` expression: sized up front so the vector is never copied.
    let call_count = hir
        .bodies()
        .flat_map(|(_, body)| body.exprs.iter())
        .filter(|(_, expr)| matches!(expr, Expr::Call { .. }))
        .count();
    let mut collector = Collector {
        db,
        file,
        hir,
        hierarchy,
        function_names: project_function_names(db),
        resolver: Resolver::new(db),
        calls: FileCalls {
            sites: Vec::with_capacity(call_count),
            ..FileCalls::default()
        },
        postponed_annotations: has_postponed_annotations(hir),
        namespace_stores: Vec::new(),
        method_value_names: FxHashSet::default(),
        catching_stop_iteration: 0,
        overrides: FxHashMap::default(),
        for_loops: None,
    };
    for (body_id, body) in hir.bodies() {
        collector.collect_body(body_id, body);
        collector.collect_enumerations(body_id, body);
        if let BodyId::Function(function) = body_id {
            let (yields, blocks_async) = scan_generator(body);
            if yields {
                collector.calls.generators.insert(function);
                if collector.is_context_manager(function) {
                    collector.calls.context_managers.insert(function);
                }
            }
            if blocks_async {
                collector
                    .calls
                    .generators_without_async_form
                    .insert(function);
            }
        }
    }
    collector.collect_imports();
    collector.collect_reassignments();
    collector.collect_other_attribute_writes();
    Arc::new(collector.calls)
}

impl Collector<'_> {
    /// Whether a decorator of `function` is `contextlib.contextmanager`, which makes a
    /// generator a context manager.
    fn is_context_manager(&mut self, function: FunctionId) -> bool {
        let data = &self.hir.functions[function];
        data.decorators.iter().any(|decorator| {
            context_manager_decorator(&mut self.resolver, self.file, data.parent, *decorator)
                == Some(false)
        })
    }
}

/// Whether `decorator` of `body` is `contextlib.contextmanager` (`Some(false)`) or
/// `contextlib.asynccontextmanager` (`Some(true)`), by what it resolves to.
pub fn context_manager_decorator(
    resolver: &mut Resolver,
    file: File,
    body: BodyId,
    decorator: ExprId,
) -> Option<bool> {
    match resolver.resolve_expr(file, body, decorator) {
        Resolution::Definite(Target::External(name)) => match name.as_str() {
            "contextlib.contextmanager" => Some(false),
            "contextlib.asynccontextmanager" => Some(true),
            _ => None,
        },
        _ => None,
    }
}

struct Collector<'a> {
    db: &'a dyn Db,
    /// What each subclass of a class overrides a name with ([`Collector::overrides_of`]),
    /// asked at every call of a method on an instance of the class.
    overrides: FxHashMap<(File, ClassId, Name), overrides::Overrides>,
    file: File,
    hir: &'a FileHir,
    hierarchy: &'a ClassHierarchy,
    /// Names of every project function: an attribute with another name cannot be one.
    function_names: &'a FxHashSet<Name>,
    resolver: Resolver<'a>,
    calls: FileCalls,
    /// `from __future__ import annotations`: no annotation is evaluated.
    postponed_annotations: bool,
    /// Stores into a subscript of a namespace (`globals()["fetch"] = fake`).
    namespace_stores: Vec<(BodyId, ExprId)>,
    /// The names in `calls.method_values`.
    method_value_names: FxHashSet<Name>,
    /// How many `try` (or `contextlib.suppress`) bodies of the current unit that may
    /// catch `StopIteration` or `RuntimeError` by name the walk is in.
    catching_stop_iteration: u32,
    /// Each loop's `for` statement by its iterable, for [`Collector::iterated_later`]:
    /// built on first need, once per file, since the question comes at every
    /// `name = call()`.
    for_loops: Option<FxHashMap<(BodyId, ExprId), StmtId>>,
}

/// The `for` statement of each loop of a file, by its iterable expression.
fn for_loops(hir: &FileHir) -> FxHashMap<(BodyId, ExprId), StmtId> {
    let mut loops = FxHashMap::default();
    for (body_id, body) in hir.bodies() {
        for (stmt, data) in body.stmts.iter() {
            if let Stmt::For { iter, .. } = data {
                loops.insert((body_id, *iter), stmt);
            }
        }
    }
    loops
}

/// Whether `value`, subscripted or asked `.get(...)`, may be a namespace that
/// [`Resolver::namespace_kind`] knows: `globals()`, `locals()`, `vars(...)`,
/// `x.__dict__`, `sys.modules`. A syntactic test, so most lookups skip the resolver.
fn may_be_namespace(body: &Body, value: ExprId) -> bool {
    match &body.exprs[value] {
        Expr::Call { func, .. } => matches!(
            &body.exprs[*func],
            Expr::Name { id, .. } if matches!(id.as_str(), "globals" | "locals" | "vars")
        ),
        Expr::Attribute { attr, .. } => matches!(attr.as_str(), "__dict__" | "modules"),
        _ => false,
    }
}

/// Whether `expr` may be a namespace lookup `ns[key]` or `ns.get(key)`.
fn may_be_namespace_lookup(body: &Body, expr: ExprId) -> bool {
    match &body.exprs[expr] {
        Expr::Subscript { value, .. } => may_be_namespace(body, *value),
        Expr::Call { func, .. } => matches!(
            &body.exprs[*func],
            Expr::Attribute { value, attr, .. } if attr == "get" && may_be_namespace(body, *value)
        ),
        _ => false,
    }
}

/// Whether `expr` may be a call of the builtin `getattr`, or one that fetches an
/// attribute by name as it does (`operator.attrgetter(name)(obj)`,
/// `obj.__getattribute__(name)`; see `Resolver::getattr_call`).
fn may_be_getattr(body: &Body, expr: ExprId) -> bool {
    let Expr::Call { func, .. } = &body.exprs[expr] else {
        return false;
    };
    match &body.exprs[*func] {
        Expr::Name { id, .. } => id == "getattr",
        Expr::Attribute { attr, .. } => attr == "__getattribute__",
        Expr::Call { func: getter, .. } => matches!(&body.exprs[*getter],
            Expr::Name { id: name, .. } | Expr::Attribute { attr: name, .. } if name == "attrgetter"),
        _ => false,
    }
}

/// What surrounds an expression, as the walk descends.
#[derive(Clone, Copy)]
struct Surroundings {
    context: Context,
    /// The expression is the callee of a call, or the base of an attribute access.
    callee_position: bool,
    /// The expression is the callee of a call itself (not an attribute's base).
    called: bool,
    awaited: bool,
    iterated: Option<Iteration>,
    /// The expression is a context expression of this `with` statement's item.
    managed: Option<StmtId>,
    /// The expression is a decorator (applying it calls it).
    decorator: bool,
    /// The expression is the whole value of an assignment to names (`get = fetch`).
    alias: bool,
    /// The expression is the call of a decoration by assignment (`fetch =
    /// traced(fetch)`; see `BindingKind::Decoration`): its argument is handed to the
    /// decorator as `@traced` hands it, which the coloring checks as it checks those.
    decorates: bool,
    /// The expression is a generator expression handed to a call that consumes it so.
    consumption: Option<Consumption>,
    /// The expression's value is only looked at where it stands and goes nowhere else:
    /// a class statement's base or keyword, an `except` clause's type.
    looked_at: bool,
}

impl Surroundings {
    const TOP: Surroundings = Surroundings {
        context: Context::Direct,
        callee_position: false,
        called: false,
        awaited: false,
        iterated: None,
        managed: None,
        decorator: false,
        alias: false,
        decorates: false,
        consumption: None,
        looked_at: false,
    };
    fn plain(self) -> Surroundings {
        Surroundings {
            context: self.context,
            ..Surroundings::TOP
        }
    }
}

impl Collector<'_> {
    /// The `for` statement of `body_id` that iterates the name `target` binds, when that
    /// is its one use and this binding alone reaches it (`it = rows()` then `for row in
    /// it:`): the value is iterated there as if written in place.
    fn iterated_later(&mut self, body_id: BodyId, body: &Body, target: ExprId) -> Option<StmtId> {
        if !matches!(body.exprs[target], Expr::Name { .. }) {
            return None;
        }
        let index = self.resolver.index(self.file);
        let binding = index.binding_of(body_id, target)?;
        let &[use_id] = self.resolver.binding_uses(self.file).of(binding) else {
            return None;
        };
        let data = &index.uses[use_id];
        if index.reaching(use_id).len() != 1 || data.body != body_id {
            return None;
        }
        let hir = self.hir;
        self.for_loops
            .get_or_insert_with(|| for_loops(hir))
            .get(&(body_id, data.expr))
            .copied()
    }

    fn collect_body(&mut self, body_id: BodyId, body: &Body) {
        for stmt in body.block.iter() {
            if body_id == BodyId::Module && is_main_guard(body, *stmt) {
                let Stmt::If {
                    test,
                    body: guarded,
                    orelse,
                    ..
                } = &body.stmts[*stmt]
                else {
                    unreachable!("a main guard is an `if`");
                };
                self.expr_top(body_id, body, *test);
                let start = self.calls.sites.len();
                self.stmts(body_id, body, guarded);
                let end = self.calls.sites.len();
                if start < end {
                    self.calls.main_guard_sites.push(start..end);
                }
                self.stmts(body_id, body, orelse);
                continue;
            }
            self.stmt(body_id, body, *stmt);
        }
    }

    fn stmts(&mut self, body_id: BodyId, body: &Body, block: &[StmtId]) {
        for stmt in block {
            self.stmt(body_id, body, *stmt);
        }
    }

    fn expr_top(&mut self, body_id: BodyId, body: &Body, expr: ExprId) {
        self.expr(body_id, body, expr, Surroundings::TOP);
    }

    /// An annotation of a parameter, a return or a variable outside functions: walked
    /// only if Python evaluates it.
    fn annotation(&mut self, body_id: BodyId, body: &Body, annotation: Option<ExprId>) {
        if let Some(annotation) = annotation
            && !self.postponed_annotations
        {
            let surroundings = Surroundings {
                context: Context::Annotation(annotation),
                ..Surroundings::TOP
            };
            self.expr(body_id, body, annotation, surroundings);
        }
    }

    /// A type alias's value and a type parameter's bound or default (PEP 695, 696):
    /// evaluated lazily and synchronously when read, so nothing there can await, with or
    /// without `from __future__ import annotations`.
    fn lazily_evaluated(&mut self, body_id: BodyId, body: &Body, expr: ExprId) {
        let surroundings = Surroundings {
            context: Context::Annotation(expr),
            ..Surroundings::TOP
        };
        self.expr(body_id, body, expr, surroundings);
    }

    fn type_params(&mut self, body_id: BodyId, body: &Body, params: Option<&TypeParams>) {
        for param in params.iter().flat_map(|params| params.params.iter()) {
            for expr in [param.bound, param.default].into_iter().flatten() {
                self.lazily_evaluated(body_id, body, expr);
            }
        }
    }

    fn stmt(&mut self, body_id: BodyId, body: &Body, stmt: StmtId) {
        let top = Surroundings::TOP;
        match &body.stmts[stmt] {
            Stmt::FunctionDef(function) => {
                let data = &self.hir.functions[*function];
                for decorator in data.decorators.iter() {
                    self.expr(
                        body_id,
                        body,
                        *decorator,
                        Surroundings {
                            decorator: true,
                            ..top
                        },
                    );
                }
                for param in data.params.iter() {
                    if let Some(default) = param.default {
                        self.expr_top(body_id, body, default);
                    }
                    self.annotation(body_id, body, param.annotation);
                }
                self.annotation(body_id, body, data.returns);
                self.type_params(body_id, body, data.type_params.as_ref());
            }
            Stmt::ClassDef(class) => {
                let data = &self.hir.classes[*class];
                for decorator in data.decorators.iter() {
                    self.expr(
                        body_id,
                        body,
                        *decorator,
                        Surroundings {
                            decorator: true,
                            ..top
                        },
                    );
                }
                let looked_at = Surroundings {
                    looked_at: true,
                    ..Surroundings::TOP
                };
                for base in data.bases.iter() {
                    self.expr(body_id, body, *base, looked_at);
                }
                for keyword in data.keywords.iter() {
                    self.expr(body_id, body, keyword.value, looked_at);
                }
                self.decorator_escapes(body_id, *class);
                self.record_class_decorations(body_id, *class);
                self.type_params(body_id, body, data.type_params.as_ref());
            }
            Stmt::For {
                target,
                iter,
                body: loop_body,
                orelse,
                ..
            } => {
                // `for pause in [time.sleep, print]` names each element `pause` in turn,
                // as an alias does.
                let alias = matches!(body.exprs[*target], Expr::Name { .. })
                    && matches!(
                        body.exprs[*iter],
                        Expr::List { .. } | Expr::Tuple { .. } | Expr::Set { .. }
                    )
                    && is_alias_value(body, *iter);
                self.expr(
                    body_id,
                    body,
                    *iter,
                    Surroundings {
                        iterated: Some(Iteration::For(stmt)),
                        alias,
                        ..top
                    },
                );
                self.expr_top(body_id, body, *target);
                self.stmts(body_id, body, loop_body);
                self.stmts(body_id, body, orelse);
            }
            Stmt::While {
                test,
                body: then,
                orelse,
            }
            | Stmt::If {
                test,
                body: then,
                orelse,
                ..
            } => {
                self.expr_top(body_id, body, *test);
                self.stmts(body_id, body, then);
                self.stmts(body_id, body, orelse);
            }
            Stmt::With {
                items,
                body: with_body,
                is_async,
            } => {
                for item in items.iter() {
                    let managed = Surroundings {
                        managed: (!is_async).then_some(stmt),
                        ..top
                    };
                    self.expr(body_id, body, item.context_expr, managed);
                    if let Some(vars) = item.optional_vars {
                        self.expr_top(body_id, body, vars);
                    }
                }
                let protects = self.protects_from_stop_iteration(body_id, body, stmt);
                self.catching_stop_iteration += u32::from(protects);
                self.stmts(body_id, body, with_body);
                self.catching_stop_iteration -= u32::from(protects);
            }
            Stmt::Match { subject, cases } => {
                self.expr_top(body_id, body, *subject);
                for case in cases.iter() {
                    self.pattern(body_id, body, case.pattern);
                    if let Some(guard) = case.guard {
                        self.expr_top(body_id, body, guard);
                    }
                    self.stmts(body_id, body, &case.body);
                }
            }
            Stmt::Try {
                body: try_body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                let protects = self.protects_from_stop_iteration(body_id, body, stmt);
                self.catching_stop_iteration += u32::from(protects);
                self.stmts(body_id, body, try_body);
                self.catching_stop_iteration -= u32::from(protects);
                for handler in handlers.iter() {
                    if let Some(type_) = handler.type_ {
                        let looked_at = Surroundings {
                            looked_at: true,
                            ..Surroundings::TOP
                        };
                        self.expr(body_id, body, type_, looked_at);
                    }
                    self.stmts(body_id, body, &handler.body);
                }
                self.stmts(body_id, body, orelse);
                self.stmts(body_id, body, finalbody);
            }
            Stmt::TypeAlias {
                name,
                value,
                type_params,
            } => {
                self.expr_top(body_id, body, *name);
                self.type_params(body_id, body, type_params.as_ref());
                self.lazily_evaluated(body_id, body, *value);
            }
            Stmt::Return { value } => {
                if let Some(value) = value {
                    self.method_value(body_id, body, *value);
                    self.expr_top(body_id, body, *value);
                }
            }
            Stmt::Delete { targets } => {
                for target in targets.iter() {
                    self.expr_top(body_id, body, *target);
                }
            }
            Stmt::Assign { targets, value } => {
                // `get = fetch` only gives the function another name; every use of `get`
                // resolves to `fetch` and is a call or a reference of its own. So does
                // `handler = COMMANDS.get(name)` for the functions of a dispatch table.
                let to_names = targets
                    .iter()
                    .all(|target| matches!(body.exprs[*target], Expr::Name { .. }));
                let alias = to_names
                    && ((is_alias_value(body, *value)
                        && !matches!(
                            body.exprs[*value],
                            Expr::List { .. } | Expr::Tuple { .. } | Expr::Set { .. }
                        ))
                        || (matches!(
                            body.exprs[*value],
                            Expr::Subscript { .. } | Expr::Call { .. }
                        ) && self
                            .resolver
                            .table_lookup(self.file, body_id, *value)
                            .is_some()));
                let surroundings = Surroundings {
                    alias,
                    decorates: self.is_decoration(body_id, targets),
                    ..Surroundings::TOP
                };
                self.method_value(body_id, body, *value);
                let table = match **targets {
                    [target] if matches!(body.exprs[*value], Expr::Dict { .. }) => {
                        self.table_use(body_id, body, target, *value)
                    }
                    _ => tables::TableUse::Escapes,
                };
                // `it = rows()` whose one use is `for row in it:` is iterated by that loop.
                let surroundings = match **targets {
                    [target] if matches!(body.exprs[*value], Expr::Call { .. }) => Surroundings {
                        iterated: self
                            .iterated_later(body_id, body, target)
                            .map(Iteration::For),
                        ..surroundings
                    },
                    _ => surroundings,
                };
                match table {
                    tables::TableUse::Escapes => self.expr(body_id, body, *value, surroundings),
                    // Its functions are named, not used as values: each use of the table
                    // is a lookup, whose calls and values count instead.
                    tables::TableUse::Local => {
                        let Expr::Dict { items } = &body.exprs[*value] else {
                            unreachable!("a table is a dict display");
                        };
                        let aliased = Surroundings {
                            alias: true,
                            ..Surroundings::TOP
                        };
                        for item in items.iter() {
                            if let Some(key) = item.key {
                                self.expr(body_id, body, key, Surroundings::TOP);
                            }
                            self.expr(body_id, body, item.value, aliased);
                        }
                    }
                    tables::TableUse::Global => {
                        let first = self.calls.references.len();
                        self.expr(body_id, body, *value, surroundings);
                        let named = first..self.calls.references.len();
                        self.calls.table_references.extend(named);
                    }
                }
                for target in targets.iter() {
                    self.expr_top(body_id, body, *target);
                }
                self.store_escapes(body_id, body, targets, *value);
            }
            Stmt::AugAssign { target, value, .. } => {
                self.expr_top(body_id, body, *value);
                self.expr_top(body_id, body, *target);
            }
            Stmt::AnnAssign {
                target,
                annotation,
                value,
                ..
            } => {
                // A variable annotation in a function body is never evaluated.
                if !matches!(body_id, BodyId::Function(_)) {
                    self.annotation(body_id, body, Some(*annotation));
                }
                if let Some(value) = value {
                    let surroundings = Surroundings {
                        decorates: self.is_decoration(body_id, std::slice::from_ref(target)),
                        ..Surroundings::TOP
                    };
                    self.method_value(body_id, body, *value);
                    self.expr(body_id, body, *value, surroundings);
                    self.store_escapes(body_id, body, std::slice::from_ref(target), *value);
                }
                self.expr_top(body_id, body, *target);
            }
            Stmt::Raise { exc, cause } => {
                for expr in [exc, cause].into_iter().flatten() {
                    self.expr_top(body_id, body, *expr);
                }
            }
            Stmt::Assert { test, msg } => {
                self.expr_top(body_id, body, *test);
                if let Some(msg) = msg {
                    self.expr_top(body_id, body, *msg);
                }
            }
            Stmt::Expr { value } => self.expr_top(body_id, body, *value),
            Stmt::Import { .. }
            | Stmt::ImportFrom { .. }
            | Stmt::Global { .. }
            | Stmt::Nonlocal { .. }
            | Stmt::Pass
            | Stmt::Break
            | Stmt::Continue
            | Stmt::Error => {}
        }
    }

    /// Whether an assignment to `targets` decorates a function by rebinding its name
    /// (`fetch = traced(fetch)`).
    fn is_decoration(&mut self, body_id: BodyId, targets: &[ExprId]) -> bool {
        let [target] = targets else {
            return false;
        };
        let index = self.resolver.index(self.file);
        index.binding_of(body_id, *target).is_some_and(|binding| {
            matches!(
                index.bindings[binding].kind,
                awaitify_semantic::index::BindingKind::Decoration { .. }
            )
        })
    }

    fn pattern(&mut self, body_id: BodyId, body: &Body, pattern: PatId) {
        match &body.patterns[pattern] {
            Pattern::Value { value } => self.expr_top(body_id, body, *value),
            Pattern::Class {
                cls,
                patterns,
                kwd_patterns,
                ..
            } => {
                self.expr_top(body_id, body, *cls);
                for inner in patterns.iter().chain(kwd_patterns.iter()) {
                    self.pattern(body_id, body, *inner);
                }
            }
            Pattern::Sequence { patterns } | Pattern::Or { patterns } => {
                for inner in patterns.iter() {
                    self.pattern(body_id, body, *inner);
                }
            }
            Pattern::Mapping { keys, patterns, .. } => {
                for key in keys.iter() {
                    self.expr_top(body_id, body, *key);
                }
                for inner in patterns.iter() {
                    self.pattern(body_id, body, *inner);
                }
            }
            Pattern::As {
                pattern: Some(inner),
                ..
            } => self.pattern(body_id, body, *inner),
            Pattern::As { .. } | Pattern::Star { .. } | Pattern::Singleton(_) => {}
        }
    }

    /// A comprehension: its first iterable runs with `outer` surroundings (the enclosing
    /// frame), everything else with `inner` (the same frame for list, set and dict
    /// comprehensions; a deferred one for generator expressions).
    #[allow(clippy::too_many_arguments)]
    fn comprehension(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        generators: &[Comprehension],
        elements: &[ExprId],
        outer: Surroundings,
        inner: Surroundings,
    ) {
        for (index, generator) in generators.iter().enumerate() {
            let iterated = Some(Iteration::Comprehension(expr, index as u32));
            let base = if index == 0 { outer } else { inner };
            self.expr(
                body_id,
                body,
                generator.iter,
                Surroundings { iterated, ..base },
            );
            self.expr(body_id, body, generator.target, inner);
            for condition in generator.ifs.iter() {
                self.expr(body_id, body, *condition, inner);
            }
        }
        for element in elements {
            self.expr(body_id, body, *element, inner);
        }
    }

    fn expr(&mut self, body_id: BodyId, body: &Body, expr: ExprId, surroundings: Surroundings) {
        // A call's arguments are looked at below, once its callee is known.
        if !matches!(body.exprs[expr], Expr::Call { .. }) {
            self.method_values_handed_on_by(body_id, body, expr);
        }
        let plain = surroundings.plain();
        match &body.exprs[expr] {
            Expr::Call {
                func,
                args,
                keywords,
            } => {
                self.record_call(body_id, body, expr, *func, surroundings);
                let site = self.calls.sites.len() - 1;
                // `register(COMMANDS.get(name))`: any of the table's functions is handed on.
                if !surroundings.callee_position
                    && !surroundings.alias
                    && matches!(&body.exprs[*func], Expr::Attribute { attr, .. } if attr == "get")
                    && self
                        .resolver
                        .table_lookup(self.file, body_id, expr)
                        .is_some()
                {
                    self.record_reference(body_id, expr, surroundings);
                }
                // `type(obj)` handed on (not `type(self).create()`): a class.
                if !surroundings.callee_position
                    && args.len() == 1
                    && matches!(&self.calls.sites[site].callee,
                        Resolution::Definite(Target::Builtin(name)) if name == "type")
                {
                    self.calls.class_value.get_or_insert((body_id, expr));
                    self.calls.classes_handed_on.1 = true;
                }
                // `callable(fetch)`, `isinstance(fetch, ...)`: looked at, never called.
                let inspects = self
                    .calls
                    .sites
                    .last()
                    .is_some_and(|site| inspects_arguments(&site.callee));
                // `print(api.users)`, `callable(api.users)` only look at the method.
                if !inspects {
                    self.method_values_handed_on_by(body_id, body, expr);
                }
                // `setattr(mod, "name", value)` and `delattr(mod, "name")` store into the
                // object as `mod.name = value` does; they do not hand it on.
                let stored_into = self.calls.sites.last().is_some_and(|site| {
                    matches!(&site.callee, Resolution::Definite(Target::Builtin(name))
                        if name == "setattr" || name == "delattr")
                });
                let getattr =
                    may_be_getattr(body, expr) && self.getattr_lookup(body_id, expr, surroundings);
                let namespace = may_be_namespace_lookup(body, expr)
                    && self.namespace_lookup(body_id, body, expr, surroundings);
                self.expr(
                    body_id,
                    body,
                    *func,
                    Surroundings {
                        callee_position: true,
                        called: true,
                        ..plain
                    },
                );
                // The default of `getattr(obj, "name", default)` is what the call gives
                // instead of the attribute: a choice between names, as an alias is.
                // So is that of `globals().get("name", default)`; with a computed key the
                // call is not followed, so its default is handed on.
                let default = if getattr {
                    self.resolver.getattr_default(self.file, body_id, expr)
                } else if namespace {
                    self.resolver.namespace_default(self.file, body_id, expr)
                } else if args.len() == 2
                    && matches!(&body.exprs[*func], Expr::Attribute { attr, .. } if attr == "get")
                {
                    self.resolver.table_default(self.file, body_id, expr)
                } else {
                    None
                };
                // A generator expression as the first argument: does the call drain it?
                let consumption = match args.first().map(|first| (*first, &body.exprs[*first])) {
                    Some((_, Expr::Generator { .. })) => {
                        let callee = self.calls.sites[site].callee.clone();
                        Some(self.generator_consumption(body_id, body, expr, &callee))
                    }
                    Some((first, Expr::ListComp { .. })) => {
                        let callee = self.calls.sites[site].callee.clone();
                        if self.generator_consumption(body_id, body, expr, &callee)
                            == Consumption::Materialized
                        {
                            self.calls.materialized_lists.push((body_id, first));
                        }
                        None
                    }
                    _ => None,
                };
                for (position, arg) in args.iter().enumerate() {
                    let surroundings = Surroundings {
                        alias: Some(*arg) == default
                            || inspects
                            || (stored_into && position == 0)
                            || surroundings.decorates,
                        consumption: consumption.filter(|_| position == 0),
                        ..plain
                    };
                    self.expr(body_id, body, *arg, surroundings);
                }
                for keyword in keywords.iter() {
                    self.expr(body_id, body, keyword.value, plain);
                }
                self.call_escapes(body_id, body, expr, site);
                self.record_evaluation(body_id, body, expr, site);
            }
            Expr::Dict { items } => {
                // `{**mapping}` calls the mapping's `keys()`.
                for item in items.iter().filter(|item| item.key.is_none()) {
                    self.push_escapes(
                        body_id,
                        body,
                        item.value,
                        EscapeKind::Unpacked,
                        Some("keys"),
                    );
                }
                body.exprs[expr].walk_children(|child| self.expr(body_id, body, child, plain));
            }
            Expr::Await { value } => {
                self.expr(
                    body_id,
                    body,
                    *value,
                    Surroundings {
                        awaited: true,
                        ..plain
                    },
                );
            }
            // A conditional expression gives one of its branches, which stands where it
            // stands: aliased (`pause = fake if testing else time.sleep`), called at once
            // (`(fetch if online else cached)()`) or awaited (`await (a() if c else b())`).
            Expr::If {
                test,
                body: then,
                orelse,
            } if surroundings.alias || surroundings.called || surroundings.awaited => {
                let branch = Surroundings {
                    alias: surroundings.alias,
                    callee_position: surroundings.called,
                    called: surroundings.called,
                    awaited: surroundings.awaited,
                    ..plain
                };
                self.expr(body_id, body, *test, plain);
                self.expr(body_id, body, *then, branch);
                self.expr(body_id, body, *orelse, branch);
            }
            // An alias may choose among names (a loop over `[time.sleep, print]`): each is
            // aliased, not passed on.
            Expr::BoolOp { values, .. }
            | Expr::List { elts: values, .. }
            | Expr::Tuple { elts: values, .. }
            | Expr::Set { elts: values }
                if surroundings.alias =>
            {
                let aliased = Surroundings {
                    alias: true,
                    ..plain
                };
                for value in values.iter() {
                    self.expr(body_id, body, *value, aliased);
                }
            }
            // `fetch is not None`, `handler == fetch`: compared, never called.
            Expr::Compare {
                left,
                ops,
                comparators,
            } if ops
                .iter()
                .all(|op| matches!(op, CmpOp::Is | CmpOp::IsNot | CmpOp::Eq | CmpOp::NotEq)) =>
            {
                let compared = Surroundings {
                    alias: true,
                    ..plain
                };
                for operand in std::iter::once(left).chain(comparators.iter()) {
                    let surroundings = match body.exprs[*operand] {
                        Expr::Name { .. } | Expr::Attribute { .. } => compared,
                        _ => plain,
                    };
                    self.expr(body_id, body, *operand, surroundings);
                }
            }
            Expr::Name {
                ctx: ExprContext::Load,
                ..
            } => {
                if !surroundings.callee_position {
                    self.record_reference(body_id, expr, surroundings);
                }
            }
            Expr::Attribute { value, ctx, attr } => {
                if *ctx == ExprContext::Load
                    && !surroundings.callee_position
                    && (self.function_names.contains(attr)
                        || matches!(attr.as_str(), "__call__" | "__func__" | "__wrapped__")
                        || self.is_module_name(body_id, body, *value))
                {
                    self.record_reference(body_id, expr, surroundings);
                }
                // `obj.__class__`, `Base.__subclasses__()` handed on: a class.
                if *ctx == ExprContext::Load
                    && matches!(
                        attr.as_str(),
                        "__class__" | "__subclasses__" | "__mro__" | "__bases__" | "__base__"
                    )
                    && (!surroundings.callee_position || surroundings.called)
                {
                    self.calls.class_value.get_or_insert((body_id, expr));
                    self.calls.classes_handed_on.1 = true;
                }
                // `fetch.__get__(obj)` binds the function to an object: the bound method
                // it gives is called elsewhere, as a value would be.
                let hands_on = *ctx == ExprContext::Load && attr == "__get__";
                self.expr(
                    body_id,
                    body,
                    *value,
                    Surroundings {
                        callee_position: !hands_on,
                        ..plain
                    },
                );
            }
            Expr::Lambda { .. } => {
                let inner = Surroundings {
                    context: Context::Lambda(expr),
                    ..Surroundings::TOP
                };
                body.exprs[expr].walk_children(|child| {
                    // Defaults run when the lambda is created; the body when it is called.
                    if let Expr::Lambda {
                        body: lambda_body, ..
                    } = &body.exprs[expr]
                        && child == *lambda_body
                    {
                        self.expr(body_id, body, child, inner);
                        return;
                    }
                    self.expr(body_id, body, child, plain);
                });
            }
            Expr::Generator {
                elt, generators, ..
            } => {
                let consumption = surroundings
                    .consumption
                    .unwrap_or(Consumption::NotAnArgument);
                let materialized = consumption == Consumption::Materialized;
                // A materialized generator expression inside a lambda or a lazy one runs
                // where they run: its calls are theirs.
                let context = match plain.context {
                    Context::Direct | Context::Materialized(_) if materialized => {
                        Context::Materialized(expr)
                    }
                    outer if materialized => outer,
                    _ => Context::Generator(expr),
                };
                self.calls.generator_expressions.push(GeneratorExpression {
                    body: body_id,
                    expr,
                    consumption,
                    enclosing: match (context, plain.context) {
                        (Context::Materialized(_), Context::Materialized(outer)) => Some(outer),
                        _ => None,
                    },
                });
                let inner = Surroundings {
                    context,
                    ..Surroundings::TOP
                };
                self.comprehension(body_id, body, expr, generators, &[*elt], plain, inner);
            }
            Expr::ListComp { elt, generators } | Expr::SetComp { elt, generators } => {
                self.comprehension(body_id, body, expr, generators, &[*elt], plain, plain);
            }
            Expr::DictComp {
                key,
                value,
                generators,
            } => {
                self.comprehension(
                    body_id,
                    body,
                    expr,
                    generators,
                    &[*key, *value],
                    plain,
                    plain,
                );
            }
            Expr::Interpolated { parts, .. } => self.interpolated(body_id, body, parts, plain),
            Expr::Subscript { value, slice, ctx } => {
                // `register(COMMANDS[name])`: any of the table's functions is handed on.
                if *ctx == ExprContext::Load
                    && !surroundings.callee_position
                    && !surroundings.alias
                    && matches!(body.exprs[*value], Expr::Name { .. })
                    && self
                        .resolver
                        .table_lookup(self.file, body_id, expr)
                        .is_some()
                {
                    self.record_reference(body_id, expr, surroundings);
                }
                if may_be_namespace(body, *value) {
                    match ctx {
                        ExprContext::Load => {
                            self.namespace_lookup(body_id, body, expr, surroundings);
                        }
                        ExprContext::Store => self.namespace_stores.push((body_id, expr)),
                        _ => {}
                    }
                }
                self.expr(body_id, body, *value, plain);
                self.expr(body_id, body, *slice, plain);
            }
            other => other.walk_children(|child| self.expr(body_id, body, child, plain)),
        }
    }

    fn interpolated(
        &mut self,
        body_id: BodyId,
        body: &Body,
        parts: &[InterpolatedPart],
        plain: Surroundings,
    ) {
        for part in parts {
            if let InterpolatedPart::Interpolation {
                expr,
                debug_text,
                format_spec,
                ..
            } = part
            {
                let surroundings = match debug_text {
                    Some(_) => Surroundings {
                        context: Context::DebugText(*expr),
                        ..Surroundings::TOP
                    },
                    None => plain,
                };
                self.expr(body_id, body, *expr, surroundings);
                if let Some(spec) = format_spec {
                    self.interpolated(body_id, body, spec, plain);
                }
            }
        }
    }
}

impl Collector<'_> {
    fn record_call(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        func: ExprId,
        surroundings: Surroundings,
    ) {
        let callee = self.resolver.resolve_expr(self.file, body_id, func);
        // `__main__` is whichever file runs as the script: possibly any project module.
        if let Resolution::Definite(Target::External(name)) = &callee
            && name.starts_with("__main__.")
        {
            self.calls.module_escapes.push(ModuleEscape {
                body: body_id,
                expr,
                module: None,
            });
        }
        let mut callee = callee;
        let targets = self.targets_of(body_id, body, func, &mut callee);
        self.calls.sites.push(CallSite {
            body: body_id,
            expr,
            context: surroundings.context,
            awaited: surroundings.awaited,
            iterated: surroundings.iterated,
            managed: surroundings.managed,
            callee,
            targets,
        });
    }

    /// `getattr(obj, "name")` used as a value is a reference, as `obj.name` is; with a
    /// computed name it is a lookup that may fetch any function in reach.
    /// Returns whether `expr` is a call of the builtin `getattr`.
    fn getattr_lookup(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        surroundings: Surroundings,
    ) -> bool {
        let Some((object, name)) = self.resolver.getattr_call(self.file, body_id, expr) else {
            return false;
        };
        if self
            .resolver
            .literal_getattr(self.file, body_id, expr)
            .is_some()
        {
            if !surroundings.callee_position {
                self.record_reference(body_id, expr, surroundings);
            }
            return true;
        }
        // One scope per thing the object may be; an unknown object may be anything.
        let scope_of = |target: &Target| match target {
            Target::Instance { file, class } | Target::Class { file, class, .. } => {
                Some(Some(LookupScope::Class(*file, *class)))
            }
            Target::ProjectModule(file) => Some(Some(LookupScope::Module(*file))),
            _ => Some(None),
        };
        let resolution = self.resolver.resolve_expr(self.file, body_id, object);
        let scopes: Option<Vec<Option<LookupScope>>> = match &resolution {
            Resolution::Definite(target) => scope_of(target).map(|scope| vec![scope]),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .map(|candidate| candidate.target.as_ref().ok().and_then(scope_of))
                .collect(),
            Resolution::Unresolved(_) => None,
        };
        // Called at once, a fetch from an object that may be an instance awaitify did not
        // see (`getattr(copy.copy(w), name)()`) may run any method; handed on as a value,
        // it is a method value (see `method_values`).
        let scopes: Vec<LookupScope> = match scopes {
            Some(scopes)
                if surroundings.called && may_hold_unseen_project_instance(&resolution) =>
            {
                let mut scopes: Vec<LookupScope> = scopes.into_iter().flatten().collect();
                scopes.push(LookupScope::AnyMethod);
                scopes
            }
            Some(scopes) => scopes.into_iter().flatten().collect(),
            None if surroundings.called => vec![LookupScope::AnyMethod],
            None => return true,
        };
        let hir = self.hir;
        for scope in scopes {
            self.push_lookup(body_id, hir.body(body_id), expr, scope, name);
        }
        true
    }

    /// `globals()[key]`, `vars(x)[key]`, `x.__dict__[key]` and `sys.modules[key]` (or
    /// `.get(key)`). A literal key names a function or module as an attribute does; a
    /// computed one may fetch any function of that module or class whose name it can
    /// spell, or any module. Returns whether the key named a member.
    fn namespace_lookup(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        surroundings: Surroundings,
    ) -> bool {
        let Some((namespace, key)) = self.resolver.namespace_lookup(self.file, body_id, expr)
        else {
            return false;
        };
        if self
            .resolver
            .namespace_member(self.file, body_id, namespace, key)
            .is_some()
        {
            if !surroundings.callee_position {
                self.record_reference(body_id, expr, surroundings);
            }
            return true;
        }
        let Some(scope) = LookupScope::of_namespace(namespace) else {
            self.calls.module_escapes.push(ModuleEscape {
                body: body_id,
                expr,
                module: None,
            });
            return false;
        };
        // `globals()[name]` may also fetch a module the name can spell, which then
        // escapes as a value does.
        if let LookupScope::Module(module) = scope {
            let (prefix, suffix) = literal_ends(body, key);
            let symbols = awaitify_semantic::module_symbols(self.db, module);
            for global in symbols.globals.keys() {
                if spells(&prefix, &suffix, global)
                    && let Resolution::Definite(Target::ProjectModule(escaped)) = self
                        .resolver
                        .attribute(Target::ProjectModule(module), global)
                {
                    self.calls.module_escapes.push(ModuleEscape {
                        body: body_id,
                        expr,
                        module: Some(escaped),
                    });
                }
            }
        }
        self.push_lookup(body_id, body, expr, scope, key);
        false
    }

    /// A lookup at `expr` of a function of `scope` by the computed name `key`.
    fn push_lookup(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        scope: LookupScope,
        key: ExprId,
    ) {
        let (prefix, suffix) = literal_ends(body, key);
        self.calls.dynamic_lookups.push(DynamicLookup {
            body: body_id,
            expr,
            scope,
            prefix: Name::from(prefix.as_str()),
            suffix: Name::from(suffix.as_str()),
            exact: false,
        });
    }

    fn record_reference(&mut self, body_id: BodyId, expr: ExprId, surroundings: Surroundings) {
        if surroundings.alias {
            return;
        }
        let resolution = self.resolver.resolve_expr(self.file, body_id, expr);
        // A class a base list, an `except` clause or an annotation names goes nowhere.
        let hands_on_class =
            !surroundings.looked_at && !matches!(surroundings.context, Context::Annotation(_));
        let class_value = &mut self.calls.class_value;
        let classes_handed_on = &mut self.calls.classes_handed_on.0;
        let mut add = |target: &Target| {
            if let Target::Class { file, class, .. } = target
                && hands_on_class
            {
                class_value.get_or_insert((body_id, expr));
                if !classes_handed_on.contains(&(*file, *class)) {
                    classes_handed_on.push((*file, *class));
                }
            }
            if let Target::ProjectModule(module) = target {
                self.calls.module_escapes.push(ModuleEscape {
                    body: body_id,
                    expr,
                    module: Some(*module),
                });
            }
            if let Target::Function { .. } | Target::External(_) = target {
                let reference = Reference {
                    body: body_id,
                    expr,
                    target: target.clone(),
                    decorator: surroundings.decorator,
                };
                match target {
                    Target::Function { .. } => self.calls.references.push(reference),
                    _ => self.calls.external_references.push(reference),
                }
            }
        };
        match &resolution {
            Resolution::Definite(target) => add(target),
            Resolution::Ambiguous(candidates) => {
                for candidate in candidates.iter() {
                    if let Ok(target) = &candidate.target {
                        add(target);
                    }
                }
            }
            Resolution::Unresolved(_) => {}
        }
        // A method taken off an instance may be a subclass's override, even one whose
        // class has no method of that name (`[self.users]` where only `Sub` defines
        // `users`). A name counts when it is bound to such a method.
        let may_be_method = match &resolution {
            Resolution::Definite(target) => matches!(target, Target::Function { .. }),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .any(|candidate| matches!(candidate.target, Ok(Target::Function { .. }))),
            // `Base` has no `users`: the name's binding says what it took.
            Resolution::Unresolved(_) => true,
        };
        if may_be_method || !matches!(self.hir.body(body_id).exprs[expr], Expr::Name { .. }) {
            self.record_override_references(body_id, expr, surroundings.decorator);
        }
    }

    /// Whether `expr` is a name bound to a module outside the project (`time` in
    /// `time.sleep` passed as a value).
    fn is_module_name(&mut self, body_id: BodyId, body: &Body, expr: ExprId) -> bool {
        matches!(body.exprs[expr], Expr::Name { .. })
            && matches!(
                self.resolver.resolve_expr(self.file, body_id, expr),
                Resolution::Definite(Target::External(_))
            )
    }

    /// The targets of a call: its definite (or each ambiguous) callee, plus overrides for
    /// method calls on instances, plus `__init__` for class instantiation. An override
    /// that is not a function awaitify follows (`load = lambda self: ...`,
    /// `load = functools.partialmethod(...)` in a subclass body) makes `callee`
    /// ambiguous: the call may run it, and it would not be awaited.
    fn targets_of(
        &mut self,
        body_id: BodyId,
        body: &Body,
        func: ExprId,
        callee: &mut Resolution,
    ) -> Box<[Target]> {
        let mut targets: Vec<Target> = match callee {
            Resolution::Definite(target) => vec![target.clone()],
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .filter_map(|candidate| candidate.target.clone().ok())
                .collect(),
            Resolution::Unresolved(_) => Vec::new(),
        };
        // `super().save()` in a mixin none of whose own bases has `save`: it runs the
        // method that follows the mixin in the MRO of the subclass the instance is of
        // (added below, as for any `super()` call); on the mixin alone it raises.
        if targets.is_empty()
            && matches!(callee, Resolution::Unresolved(Unresolved::NoAttribute(_)))
            && let Expr::Attribute { value, attr, .. } = &body.exprs[func]
            && let Some(class) = self.resolver.super_call(self.file, body_id, *value)
            && let Some(first) = self.next_in_subclasses(class, attr)
        {
            *callee = Resolution::Definite(first.clone());
            targets.push(first);
        }
        // `super().method()` in a subclass's instance.
        if let Expr::Attribute { value, attr, .. } = &body.exprs[func]
            && targets
                .iter()
                .any(|target| matches!(target, Target::Function { .. }))
        {
            // `super().method()` in class `B` runs the method of whichever class follows
            // `B` in the MRO of the instance's class, which in a subclass with several
            // bases (`class D(B, C)`) may be a sibling of `B`.
            if let Some(class) = self.resolver.super_call(self.file, body_id, *value) {
                let file = self.file;
                for sub in self.hierarchy.descendants(file, class) {
                    if let Some(Some(Resolution::Definite(target @ Target::Function { .. }))) =
                        self.next_in_mro(*sub, (file, class), attr)
                        && !targets.contains(&target)
                    {
                        targets.push(target);
                    }
                }
            }
        }
        // Overrides: `receiver.method()` where the receiver is an instance, or a class
        // that may be a subclass (`cls.method()` in a classmethod, `type(self).method()`),
        // and a call of a name bound to such a method (`h = self.method; h()`). A private
        // method (`__go`, which Python renames `_C__go`) is never overridden: a
        // subclass's `__go` is `_D__go`.
        if targets
            .iter()
            .any(|target| matches!(target, Target::Function { .. }))
        {
            let mut unknown: Vec<Candidate> = Vec::new();
            for taken in self.methods_taken(body_id, body, func) {
                for (file, class) in self.overridable_classes(taken.body, taken.receiver) {
                    let (methods, others) = self.overrides_of(file, class, &taken.attr);
                    for target in methods {
                        if !targets.contains(&target) {
                            targets.push(target);
                        }
                    }
                    unknown.extend(others);
                }
            }
            if !unknown.is_empty() {
                let mut candidates =
                    match std::mem::replace(callee, Resolution::Unresolved(Unresolved::Unbound)) {
                        Resolution::Definite(target) => vec![Candidate {
                            file: self.file,
                            binding: None,
                            target: Ok(target),
                        }],
                        Resolution::Ambiguous(candidates) => candidates.into_vec(),
                        Resolution::Unresolved(reason) => vec![Candidate {
                            file: self.file,
                            binding: None,
                            target: Err(reason),
                        }],
                    };
                candidates.extend(unknown);
                *callee = Resolution::combine(candidates);
            }
        }
        let mut constructors = Vec::new();
        for target in &targets {
            if let Target::Class { file, class, .. } = target {
                for method in ["__init__", "__new__"] {
                    if let Some(Resolution::Definite(found @ Target::Function { .. })) =
                        self.resolver.class_member(*file, *class, method, false)
                    {
                        constructors.push(found);
                    }
                }
            }
        }
        targets.extend(constructors);
        targets.into_boxed_slice()
    }

    /// The first method named `attr` that follows `class` in the MRO of one of its
    /// project subclasses, when every subclass whose MRO has one after `class` finds a
    /// function awaitify follows; `None` when one finds something else, none does, or
    /// a class of one of those MROs has a base from outside the project.
    fn next_in_subclasses(&mut self, class: ClassId, attr: &Name) -> Option<Target> {
        let file = self.file;
        let mut first = None;
        for sub in self.hierarchy.descendants(file, class) {
            // A base from outside the project may define it.
            let mro = self.resolver.mro(sub.0, sub.1);
            if !mro.iter().all(|(mro_file, mro_class)| {
                self.resolver.has_only_project_bases(*mro_file, *mro_class)
            }) {
                return None;
            }
            match self.next_in_mro(*sub, (file, class), attr)? {
                Some(Resolution::Definite(target @ Target::Function { .. })) => {
                    first.get_or_insert(target);
                }
                Some(_) => return None,
                None => {}
            }
        }
        first
    }

    /// What `attr` is in the first class after `class` in the MRO of its subclass `sub`
    /// that defines it (what `super().attr` in `class` finds on an instance of `sub`):
    /// `None` when `class` is not in that MRO, `Some(None)` when no class after it
    /// defines `attr`.
    fn next_in_mro(
        &mut self,
        sub: ProjectClass,
        class: ProjectClass,
        attr: &Name,
    ) -> Option<Option<Resolution>> {
        let mro = self.resolver.mro(sub.0, sub.1);
        let position = mro.iter().position(|entry| *entry == class)?;
        Some(
            mro[position + 1..]
                .iter()
                .find_map(|(next_file, next_class)| {
                    self.resolver
                        .own_class_member(*next_file, *next_class, attr)
                }),
        )
    }

    /// What `attr` is on the subclass `class` when that can differ from what it is on the
    /// receiver's class. A class with one base that does not define `attr` itself finds
    /// what its base finds, and its base is the receiver's class or another descendant,
    /// which is visited too; so only classes that define `attr` or have several bases
    /// (whose order may put a mixin's method first) need a lookup.
    fn override_in(&mut self, file: File, class: ClassId, attr: &Name) -> Option<Resolution> {
        let symbols = self.resolver.symbols(file);
        let summary = symbols.classes.get(class)?;
        if summary.members.contains_key(attr) {
            self.resolver.own_class_member(file, class, attr)
        } else if summary.bases.len() > 1 {
            self.resolver.class_member(file, class, attr, false)
        } else {
            None
        }
    }

    fn collect_reassignments(&mut self) {
        let index = awaitify_semantic::semantic_index(self.db, self.file);
        for store in &index.attribute_stores {
            let body = self.hir.body(store.body);
            let Expr::Attribute { value, attr, .. } = &body.exprs[store.expr] else {
                continue;
            };
            if !self.function_names.contains(attr) {
                continue;
            }
            let resolution = self
                .resolver
                .resolve_expr(self.file, store.body, store.expr);
            // On an object awaitify cannot follow: any method so named.
            if matches!(resolution, Resolution::Unresolved(_)) {
                let key = attribute_writes::WriteKey::Name(attr.clone());
                self.attribute_write(store.body, store.expr, *value, key);
                continue;
            }
            self.push_reassigned(store.body, store.expr, resolution.into_targets());
        }
        // `setattr(helpers, "fetch", fake)` stores as `helpers.fetch = fake` does, and so
        // do `object.__setattr__(obj, "fetch", fake)` and `obj.__setattr__("fetch", fake)`.
        let hir = self.hir;
        for index in 0..self.calls.sites.len() {
            let (body_id, expr) = (self.calls.sites[index].body, self.calls.sites[index].expr);
            let body = hir.body(body_id);
            let Some((object, name, Some(_))) = awaitify_semantic::attribute_store_call(
                &mut self.resolver,
                self.file,
                body_id,
                body,
                &body.exprs[expr],
            ) else {
                continue;
            };
            let key = match &body.exprs[name] {
                Expr::Literal(Literal::Str(name)) => {
                    attribute_writes::WriteKey::Name(Name::from(&**name))
                }
                _ if attribute_writes::forwards_own_store(hir, body_id, body, name) => continue,
                _ => attribute_writes::WriteKey::Computed(name),
            };
            self.attribute_write(body_id, expr, object, key);
        }
        // `mock.patch.object(Client, "fetch")` replaces the method while it is active, and
        // `mock.patch("clients.Client.fetch")` names it.
        for index in 0..self.calls.sites.len() {
            let site = &self.calls.sites[index];
            let Resolution::Definite(Target::External(callee)) = &site.callee else {
                continue;
            };
            let (body_id, expr) = (site.body, site.expr);
            let body = hir.body(body_id);
            for patch in awaitify_semantic::mock_patches(body, expr, callee) {
                match patch {
                    awaitify_semantic::MockPatch::Object { object, attribute } => {
                        let key = match attribute {
                            Some(name) => attribute_writes::WriteKey::Name(name),
                            None => attribute_writes::WriteKey::Any,
                        };
                        self.attribute_write(body_id, expr, object, key);
                    }
                    awaitify_semantic::MockPatch::Named(target) => {
                        let replaced = self.resolver.resolve_dotted_name(&target);
                        self.push_reassigned(body_id, expr, replaced.into_targets());
                    }
                    awaitify_semantic::MockPatch::Dict(_) => {}
                }
            }
        }
        // `globals()["fetch"] = fake`, `vars(helpers)[name] = fake`.
        for (body_id, expr) in std::mem::take(&mut self.namespace_stores) {
            let body = hir.body(body_id);
            let Some((namespace, key)) = self.resolver.namespace_lookup(self.file, body_id, expr)
            else {
                continue;
            };
            match self
                .resolver
                .namespace_member(self.file, body_id, namespace, key)
            {
                Some(Resolution::Definite(target)) => {
                    self.push_reassigned(body_id, expr, vec![target]);
                }
                Some(_) => {}
                None => {
                    if let Some(scope) = LookupScope::of_namespace(namespace) {
                        self.push_lookup(body_id, body, expr, scope, key);
                    }
                }
            }
        }
    }

    fn push_reassigned(&mut self, body: BodyId, expr: ExprId, targets: Vec<Target>) {
        for target in targets {
            if let Target::Function { .. } = target {
                self.calls.reassigned.push(Reference {
                    body,
                    expr,
                    target,
                    decorator: false,
                });
            }
        }
    }

    /// Which project file the call `sites[index]` runs the way an import would, without
    /// top-level `await` allowed: `runpy.run_module(name)`, `runpy.run_path(path)`,
    /// `importlib.util.spec_from_file_location(name, path)`, and `exec` or `compile` of
    /// `open(path).read()` or `pathlib.Path(path).read_text()`.
    fn file_run_as_module(&mut self, index: usize) -> Option<RunAsModule> {
        let site = &self.calls.sites[index];
        let (body_id, expr) = (site.body, site.expr);
        let runner = match &site.callee {
            Resolution::Definite(Target::External(name) | Target::Builtin(name)) => name.clone(),
            _ => return None,
        };
        let body = self.hir.body(body_id);
        let argument = |position: usize, keyword: &str| body.call_argument(expr, position, keyword);
        let literal = |expr: ExprId| body.string_literal(expr).map(str::to_string);
        match runner.as_str() {
            "runpy.run_module" => {
                let module = argument(0, "mod_name")?;
                Some(match literal(module) {
                    Some(name) => RunAsModule::Module(name),
                    None => {
                        let (prefix, suffix) = literal_ends(body, module);
                        RunAsModule::Spelled(prefix, suffix)
                    }
                })
            }
            "runpy.run_path" => literal(argument(0, "path_name")?).map(RunAsModule::Path),
            "importlib.util.spec_from_file_location" => {
                literal(argument(1, "location")?).map(RunAsModule::Path)
            }
            "exec" | "compile"
                if matches!(site.callee, Resolution::Definite(Target::Builtin(_))) =>
            {
                let source = argument(0, "source")?;
                self.read_file_path(body_id, source).map(RunAsModule::Path)
            }
            _ => None,
        }
    }

    /// The literal path of `open(path).read()` or `pathlib.Path(path).read_text()`.
    fn read_file_path(&mut self, body_id: BodyId, expr: ExprId) -> Option<String> {
        let body = self.hir.body(body_id);
        let Expr::Call { func, .. } = &body.exprs[expr] else {
            return None;
        };
        let Expr::Attribute { value, attr, .. } = &body.exprs[*func] else {
            return None;
        };
        let Expr::Call {
            func: opener, args, ..
        } = &body.exprs[*value]
        else {
            return None;
        };
        let Expr::Literal(Literal::Str(path)) = &body.exprs[*args.first()?] else {
            return None;
        };
        let opens = match self.resolver.resolve_expr(self.file, body_id, *opener) {
            Resolution::Definite(Target::Builtin(name)) => name == "open" && attr == "read",
            Resolution::Definite(Target::External(name)) => {
                (name == "io.open" && attr == "read")
                    || (name == "pathlib.Path" && attr == "read_text")
            }
            _ => false,
        };
        opens.then(|| path.to_string())
    }

    fn collect_imports(&mut self) {
        let db = self.db;
        let this_file = self.file;
        let mut imports = IndexSet::default();
        let add_with_parents = |name: &str, imports: &mut IndexSet<File>| {
            let mut prefix = String::new();
            for part in name.split('.') {
                if !prefix.is_empty() {
                    prefix.push('.');
                }
                prefix.push_str(part);
                if let Some(found) = resolve_module(db, &prefix)
                    && found != this_file
                {
                    imports.insert(found);
                }
            }
        };
        // A name outside the project that a project module may be imported as.
        let mut under_other_names = Vec::new();
        let mut other_names = |body: BodyId, stmt: StmtId, name: &str| {
            if resolve_module(db, name).is_some() {
                return;
            }
            if let Some(modules) = awaitify_semantic::project_module_tails(db).get(name) {
                for module in modules {
                    if *module != self.file {
                        under_other_names.push(ImportUnderOtherName {
                            body,
                            stmt,
                            name: Name::from(name),
                            module: *module,
                        });
                    }
                }
            }
        };
        for (body_id, body) in self.hir.bodies() {
            for (stmt_id, stmt) in body.stmts.iter() {
                match stmt {
                    Stmt::Import { names } => {
                        for alias in names.iter() {
                            add_with_parents(&alias.name, &mut imports);
                            other_names(body_id, stmt_id, &alias.name);
                        }
                    }
                    Stmt::ImportFrom {
                        module,
                        names,
                        level,
                    } => {
                        let Some(absolute) =
                            absolute_module_name(db, self.file, module.as_deref(), *level)
                        else {
                            continue;
                        };
                        add_with_parents(&absolute, &mut imports);
                        if *level == 0 {
                            other_names(body_id, stmt_id, &absolute);
                        }
                        for alias in names.iter() {
                            if alias.name.as_str() != "*"
                                && let Some(found) =
                                    resolve_module(db, &format!("{absolute}.{}", alias.name))
                            {
                                imports.insert(found);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // `importlib.import_module("config")` and `__import__("config")` with a literal
        // name import a module as the statement does.
        // A file run without top-level `await` allowed: its top level runs as an
        // imported module's does.
        for index in 0..self.calls.sites.len() {
            match self.file_run_as_module(index) {
                Some(RunAsModule::Module(name)) => add_with_parents(&name, &mut imports),
                Some(RunAsModule::Spelled(prefix, suffix)) => imports.extend(
                    awaitify_semantic::project_modules(db)
                        .iter()
                        .filter(|(name, file)| {
                            **file != self.file && spells(&prefix, &suffix, name)
                        })
                        .map(|(_, file)| *file),
                ),
                Some(RunAsModule::Path(path)) => {
                    imports.extend(project_files_at(db, self.file, std::path::Path::new(&path)));
                }
                None => {}
            }
        }
        let mut computed_imports = Vec::new();
        for site in &self.calls.sites {
            let dynamic_import = matches!(
                &site.callee,
                Resolution::Definite(Target::External(name)) if name == "importlib.import_module"
            ) || matches!(
                &site.callee,
                Resolution::Definite(Target::Builtin(name)) if name == "__import__"
            );
            if !dynamic_import {
                continue;
            }
            let body = self.hir.body(site.body);
            let imported = matches!(
                self.resolver.resolve_expr(self.file, site.body, site.expr),
                Resolution::Definite(Target::ProjectModule(_) | Target::External(_))
            );
            if imported
                && let Expr::Call { args, .. } = &body.exprs[site.expr]
                && let Some(first) = args.first()
                && let Expr::Literal(Literal::Str(name)) = &body.exprs[*first]
            {
                add_with_parents(name, &mut imports);
            } else {
                // `import_module("plugins." + name)` imports some module under `plugins`:
                // each project module it can spell (any other module, for a name with no
                // literal part) counts as imported.
                if let Expr::Call { args, .. } = &body.exprs[site.expr]
                    && let Some(first) = args.first()
                {
                    let (prefix, suffix) = literal_ends(body, *first);
                    // Fx hashing is not seeded, so this order is the same on every run.
                    imports.extend(
                        awaitify_semantic::project_modules(db)
                            .iter()
                            .filter(|(name, file)| {
                                **file != self.file && spells(&prefix, &suffix, name)
                            })
                            .map(|(_, file)| *file),
                    );
                }
                // A computed name may import any module, and its result may be any.
                computed_imports.push(ModuleEscape {
                    body: site.body,
                    expr: site.expr,
                    module: None,
                });
            }
        }
        imports.extend(under_other_names.iter().map(|import| import.module));
        self.calls.imports = imports;
        self.calls.imports_under_other_names = under_other_names;
        self.calls.module_escapes.extend(computed_imports);
    }
}

/// Whether `expr` only names things: a name, an attribute, or a choice among such
/// (`a if c else b`, `a or b`, `[a, b]`), which a binding gives another name.
fn is_alias_value(body: &Body, expr: ExprId) -> bool {
    match &body.exprs[expr] {
        Expr::Name { .. } | Expr::Attribute { .. } => true,
        Expr::If {
            body: then, orelse, ..
        } => is_alias_value(body, *then) && is_alias_value(body, *orelse),
        Expr::BoolOp { values, .. }
        | Expr::List { elts: values, .. }
        | Expr::Tuple { elts: values, .. }
        | Expr::Set { elts: values } => {
            !values.is_empty() && values.iter().all(|value| is_alias_value(body, *value))
        }
        // `getattr(obj, "name")`, with a default that is a name or `None`.
        Expr::Call {
            func,
            args,
            keywords,
        } if keywords.is_empty()
            && matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "getattr") =>
        {
            match **args {
                [object, name] | [object, name, _] => {
                    let default_is_alias = args.get(2).is_none_or(|default| {
                        matches!(body.exprs[*default], Expr::Literal(Literal::None))
                            || is_alias_value(body, *default)
                    });
                    is_alias_value(body, object)
                        && matches!(&body.exprs[name], Expr::Literal(Literal::Str(_)))
                        && default_is_alias
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The name of every function defined anywhere in the project.
#[salsa::tracked(returns(ref))]
pub fn project_function_names(db: &dyn Db) -> FxHashSet<Name> {
    let mut names = FxHashSet::default();
    for file in db.project().files(db) {
        for (_, function) in file_hir(db, *file).functions.iter() {
            names.insert(function.name.clone());
        }
    }
    names
}

/// A class of the project: the file that defines it and its id there.
pub type ProjectClass = (File, ClassId);

/// Every project class's subclasses, transitively, for override lookups.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassHierarchy {
    descendants: FxHashMap<ProjectClass, Box<[ProjectClass]>>,
}

impl ClassHierarchy {
    /// Every project class that inherits from `class`, transitively, each once.
    pub fn descendants(&self, file: File, class: ClassId) -> &[ProjectClass] {
        self.descendants
            .get(&(file, class))
            .map_or(&[], |descendants| descendants)
    }
}

/// The project classes that each class of `file` names as a base, for the classes
/// that have any. Per file, so that the bases of every file resolve in parallel.
#[salsa::tracked(returns(ref))]
pub fn file_class_bases(db: &dyn Db, file: File) -> Arc<Vec<(ClassId, Box<[ProjectClass]>)>> {
    let mut resolver = Resolver::new(db);
    let symbols = awaitify_semantic::module_symbols(db, file);
    let bases = symbols
        .classes
        .iter()
        .filter_map(|(class, _)| {
            let bases = resolver.direct_bases(file, class);
            (!bases.is_empty()).then(|| (class, bases.into_boxed_slice()))
        })
        .collect();
    Arc::new(bases)
}

#[salsa::tracked(returns(ref))]
pub fn class_hierarchy(db: &dyn Db) -> Arc<ClassHierarchy> {
    let mut subclasses: FxHashMap<ProjectClass, Vec<ProjectClass>> = FxHashMap::default();
    for file in db.project().files(db) {
        for (class, bases) in file_class_bases(db, *file).iter() {
            for base in bases.iter() {
                subclasses.entry(*base).or_default().push((*file, *class));
            }
        }
    }
    // Computed once here rather than at each method call: a base class with thousands
    // of subclasses is asked about at each of its methods' call sites.
    let mut hierarchy = ClassHierarchy::default();
    for root in subclasses.keys() {
        let mut seen = IndexSet::default();
        let mut stack = vec![*root];
        while let Some(current) = stack.pop() {
            for child in subclasses.get(&current).into_iter().flatten() {
                if seen.insert(*child) {
                    stack.push(*child);
                }
            }
        }
        hierarchy
            .descendants
            .insert(*root, seen.into_iter().collect());
    }
    Arc::new(hierarchy)
}

/// A stage of [`calls_in_parallel`], in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallsStage {
    /// Each file parsed, lowered, indexed and summarised (`module_symbols`).
    Summaries,
    /// Each file's base classes resolved ([`file_class_bases`]).
    BaseClasses,
    /// The class hierarchy and the names of the project's functions, on one thread; the
    /// stores into module globals, per file then merged.
    Hierarchy,
    /// Each file's call sites ([`file_calls`], with every name use resolved).
    Calls,
}

/// Computes every file's call sites on every core, calling `finished` as each stage
/// ends. A project-wide query runs on one thread while the others wait, and computes
/// whatever it reads that is not yet computed, so each runs only after a parallel stage
/// has computed the per-file queries it reads. Afterwards [`file_calls`] and
/// [`call_graph`]'s inputs answer from memory.
///
/// It runs on the current rayon pool; see `awaitify_rewrite::analyze_in_parallel` for
/// the stack its threads need.
pub fn calls_in_parallel<D>(db: &D, finished: impl FnMut(CallsStage))
where
    D: Db + Clone + Send + 'static,
{
    calls_in_parallel_then(db, finished, |_, _| {});
}

/// [`calls_in_parallel`], running `then` on each file right after its call sites, on the
/// same thread, while what they were computed from is still in the processor's caches:
/// for the per-file queries of a later stage that read them.
pub fn calls_in_parallel_then<D>(
    db: &D,
    mut finished: impl FnMut(CallsStage),
    then: impl Fn(&D, File) + Send + Sync,
) where
    D: Db + Clone + Send + 'static,
{
    use rayon::prelude::*;
    let files: Vec<File> = db.project().files(db).clone();
    files.par_iter().for_each_with(db.clone(), |db, file| {
        awaitify_semantic::module_symbols(db, *file);
        awaitify_semantic::file_module_imports(db, *file);
    });
    // Every file's resolution of a package's attribute asks whether code imports the
    // package's submodule of that name.
    awaitify_semantic::project_submodule_imports(db);
    finished(CallsStage::Summaries);
    // Every file's resolution reads which module globals other files replace, the
    // resolution of base classes included: without a stage of their own, the first file
    // to ask would compute every file's stores on its thread alone.
    awaitify_semantic::project_attribute_stores(db);
    // Which attributes code may change or hand on is asked only by loops over a mutable
    // container held in a module's global or stored on `self`: rare enough that it is
    // not computed ahead, though the first file to ask then walks every file alone.
    files.par_iter().for_each_with(db.clone(), |db, file| {
        awaitify_semantic::file_module_stores(db, *file);
    });
    awaitify_semantic::project_module_stores(db);
    files.par_iter().for_each_with(db.clone(), |db, file| {
        file_class_bases(db, *file);
    });
    finished(CallsStage::BaseClasses);
    class_hierarchy(db);
    project_function_names(db);
    finished(CallsStage::Hierarchy);
    files.par_iter().for_each_with(db.clone(), |db, file| {
        file_calls(db, *file);
        then(db, *file);
    });
    finished(CallsStage::Calls);
}

/// The project's call graph in PyCG's shape: each unit's qualified name (a module's own
/// code is named by the module) to the qualified names it may call, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallGraph {
    pub edges: IndexMap<String, IndexSet<String>>,
}

/// The qualified name of a unit: `module`, `module.function`, `module.Class`.
pub fn unit_name(db: &dyn Db, file: File, unit: BodyId) -> String {
    awaitify_semantic::resolve::item_name(db, file, unit)
}

/// The function or module a body's code belongs to in the graph: class bodies count as
/// their own unit.
#[salsa::tracked(returns(ref))]
pub fn call_graph(db: &dyn Db) -> Arc<CallGraph> {
    let mut graph = CallGraph::default();
    let files = awaitify_db::files_by_path(db);
    // A call on an instance whose class a store to `__class__` may change is unresolved
    // for the rewrite, but it still may call what the instance's own class gives.
    let mut before_class_stores = Resolver::without_class_assignments(db);
    for file in files {
        let hir = file_hir(db, file);
        for (body, _) in hir.bodies() {
            graph.edges.entry(unit_name(db, file, body)).or_default();
        }
        for site in &file_calls(db, file).sites {
            let caller = unit_name(db, file, site.body);
            let callees = graph.edges.entry(caller).or_default();
            for target in site.targets.iter() {
                if let Target::Class { .. } = target {
                    continue; // Its `__init__`, when the project defines one, is listed.
                }
                callees.insert(target_name(db, target));
            }
            if let Resolution::Unresolved(Unresolved::ClassAssigned { .. }) = site.callee
                && let Expr::Call { func, .. } = &hir.body(site.body).exprs[site.expr]
            {
                for target in before_class_stores
                    .resolve_expr(file, site.body, *func)
                    .into_targets()
                {
                    if matches!(target, Target::Function { .. }) {
                        callees.insert(target_name(db, &target));
                    }
                }
            }
        }
    }
    Arc::new(graph)
}

impl CallGraph {
    /// PyCG's JSON: `{"pkg.mod.func": ["pkg.mod.other", "<builtin>.print"]}`.
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .edges
            .iter()
            .map(|(caller, callees)| {
                (
                    caller.clone(),
                    serde_json::Value::Array(
                        callees
                            .iter()
                            .cloned()
                            .map(serde_json::Value::String)
                            .collect(),
                    ),
                )
            })
            .collect();
        let mut text =
            serde_json::to_string_pretty(&serde_json::Value::Object(map)).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Graphviz: one node per unit, one edge per call.
    pub fn to_dot(&self) -> String {
        let mut out = String::from(
            "digraph callgraph {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n",
        );
        for (caller, callees) in &self.edges {
            out.push_str(&format!("    {caller:?};\n"));
            for callee in callees {
                out.push_str(&format!("    {caller:?} -> {callee:?};\n"));
            }
        }
        out.push_str("}\n");
        out
    }
}
