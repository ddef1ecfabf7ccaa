//! Name resolution: scopes, bindings, flow-sensitive use-def, module resolution and
//! resolution of names to qualified names, local definitions and modules.
//!
//! Queries, each per file unless said otherwise:
//! - [`project_modules`] (project): module name -> file, the first root winning, so a
//!   local `time.py` or `time/__init__.py` shadows the standard library.
//! - [`module_exports`]: the names a `from m import *` takes, read from the module's
//!   top-level statements, and whether anything else in the file may change `__all__`.
//! - [`semantic_index`]: scopes, symbols, bindings and use-def ([`index`]).
//! - [`module_symbols`]: the summary other files resolve against: each global name's
//!   bindings, each class's bases and members, each function's decorators. It is equal
//!   after an edit inside a function body, so other files' resolution is not re-run.
//! - [`file_attributes_handed_on`], and merged [`project_attributes_handed_on`]
//!   (project): the attribute names (module globals among them) whose values code may
//!   change or hand on, for loops over containers stored on `self` or in a global.
//! - [`file_module_imports`], and matched with what packages bind
//!   [`project_submodule_imports`] (project): the package attributes that importing a
//!   submodule may replace (`import pkg.tools` over `tools = ...` in `pkg/__init__.py`).
//! - [`file_session_state`], and merged [`project_session_state`] (project): what the
//!   project stores into Streamlit's session state, by key ([`session_state`]).
//! - [`file_resolutions`]: what every name use of the file resolves to ([`resolve`]).
//!
//! Depends on `awaitify_hir` and `awaitify_db`; may not depend on the call graph or the
//! rewrite.
//!
//! # Example: an embedder asks what a name resolves to
//!
//! ```
//! use awaitify_db::RootDatabase;
//! use awaitify_semantic::{Resolution, Target, file_resolutions, semantic_index};
//!
//! let mut db = RootDatabase::new(vec!["/app".into()]);
//! db.set_file("/app/helpers.py", "from time import sleep as wait\n");
//! let main = db.set_file("/app/main.py", "from helpers import wait\nwait(1)\n");
//!
//! // The use of `wait` on line 2 of main.py.
//! let index = semantic_index(&db, main);
//! let hir = awaitify_hir::file_hir(&db, main);
//! let (use_id, _) = index.uses.iter().find(|(id, _)| index.use_name(hir, *id) == "wait").unwrap();
//! let resolution = file_resolutions(&db, main).of(use_id);
//! assert_eq!(resolution, &Resolution::Definite(Target::External("time.sleep".into())));
//!
//! // Edit one file; only what depends on the change is recomputed.
//! db.set_file("/app/helpers.py", "import asyncio\nwait = asyncio.sleep\n");
//! let index = semantic_index(&db, main);
//! let hir = awaitify_hir::file_hir(&db, main);
//! let (use_id, _) = index.uses.iter().find(|(id, _)| index.use_name(hir, *id) == "wait").unwrap();
//! let resolution = file_resolutions(&db, main).of(use_id);
//! assert_eq!(resolution, &Resolution::Definite(Target::External("asyncio.sleep".into())));
//! ```

pub mod builtins;
pub mod dump;
pub mod index;
pub mod resolve;
pub mod session_state;
pub mod symbols;

use std::sync::Arc;

use awaitify_db::{Db, File, ModuleName, module_name};
use awaitify_hir::file_hir;
use awaitify_hir::hir::{
    BodyId, Expr, ExprContext, ExprId, FileHir, Literal, Name, Operator, Stmt, StmtId, UnaryOp,
};
use rustc_hash::{FxHashMap, FxHashSet};

pub use index::{SemanticIndex, StarNames};
pub use resolve::{
    FileResolutions, Namespace, OtherObject, Resolution, Resolver, Target, Unresolved,
};
pub use symbols::ModuleSymbols;

/// Every module of the project by name. When two roots hold the same module name, the
/// first root wins; within a root a package (`m/__init__.py`) wins over `m.py`, as in
/// CPython's path finder. A file named like a module compiled into the interpreter
/// (`time.py`) is not importable by that name: the built-in importer answers first.
#[salsa::tracked(returns(ref))]
pub fn project_modules(db: &dyn Db) -> Arc<FxHashMap<ModuleName, File>> {
    let project = db.project();
    let roots = project.roots(db);
    let mut modules: FxHashMap<ModuleName, (usize, bool, File)> = FxHashMap::default();
    for file in project.files(db) {
        let path = file.path(db);
        let is_package = awaitify_db::is_package_init(db, *file);
        // A file is importable by its name under every root that holds it.
        for (root_index, root) in roots.iter().enumerate() {
            let Some(name) = awaitify_db::module_name_under(root, path) else {
                continue;
            };
            if builtins::is_builtin_module(&name) {
                continue;
            }
            let better = match modules.get(&name) {
                None => true,
                Some((index, package, _)) => (root_index, !is_package) < (*index, !*package),
            };
            if better {
                modules.insert(name, (root_index, is_package, *file));
            }
        }
    }
    Arc::new(
        modules
            .into_iter()
            .map(|(name, (_, _, file))| (name, file))
            .collect(),
    )
}

/// The project file that defines module `name`, if any.
pub fn resolve_module(db: &dyn Db, name: &str) -> Option<File> {
    project_modules(db).get(name).copied()
}

/// The project modules each dotted tail of their names may import them as, when a folder
/// of the project is put on `sys.path` (`sys.path.insert(0, "src")`, `PYTHONPATH=src`):
/// `src.tools` under `tools`, `app.lib.db` under `lib.db` and `db`. Sorted by path, so
/// the order is the same on every run.
#[salsa::tracked(returns(ref))]
pub fn project_module_tails(db: &dyn Db) -> Arc<FxHashMap<ModuleName, Vec<File>>> {
    let mut tails: FxHashMap<ModuleName, Vec<File>> = FxHashMap::default();
    for (name, file) in project_modules(db).iter() {
        let mut rest = name.as_str();
        while let Some((_, tail)) = rest.split_once('.') {
            tails.entry(tail.to_string()).or_default().push(*file);
            rest = tail;
        }
    }
    for files in tails.values_mut() {
        files.sort_by(|a, b| a.path(db).cmp(b.path(db)));
        files.dedup();
    }
    Arc::new(tails)
}

/// The absolute name of the module `from <dots><module> import ...` refers to in `file`.
pub fn absolute_module_name(
    db: &dyn Db,
    file: File,
    module: Option<&str>,
    level: u32,
) -> Option<ModuleName> {
    if level == 0 {
        return module.map(str::to_string);
    }
    let own = module_name(db, file).as_deref()?;
    let mut parts: Vec<&str> = own.split('.').collect();
    // A package's `__init__` is its own package; a plain module's package is its parent.
    let drop = if awaitify_db::is_package_init(db, file) {
        level - 1
    } else {
        level
    };
    for _ in 0..drop {
        parts.pop()?;
    }
    let mut name = parts.join(".");
    if let Some(module) = module {
        if !name.is_empty() {
            name.push('.');
        }
        name.push_str(module);
    }
    (!name.is_empty()).then_some(name)
}

/// What a module's `__all__` holds once its top level has run, as far as awaitify knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum DunderAll {
    /// Never bound: a star import takes every top-level name not starting with `_`.
    #[default]
    Absent,
    /// Built from literal strings on the module's own top level, outside any `if`, loop,
    /// `try` or `with`: `__all__ = [...]`, `__all__ += [...]`, `__all__ + [...]`, and
    /// `append`/`extend`/`insert` with literal arguments (`sort`, `reverse`), applied in
    /// source order.
    Known(Box<[Name]>),
    /// Bound or changed in a way awaitify does not follow: a computed value, `remove`,
    /// `pop`, `del __all__[...]`, `__all__[i] = ...`, an argument that is not a literal,
    /// a change inside a function, a branch or a loop, or the list handed on as a value.
    Unknown,
}

/// The names a module offers to `from m import *`, before following its own star
/// imports: what its `__all__` holds, else every top-level name that does not start
/// with `_`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleExports {
    pub all: DunderAll,
    pub names: Box<[Name]>,
    pub star_imports: Box<[(Option<Name>, u32)]>,
}

#[salsa::tracked(returns(ref))]
pub fn module_exports(db: &dyn Db, file: File) -> Arc<ModuleExports> {
    let hir = file_hir(db, file);
    let mut collector = ExportCollector {
        hir,
        names: Vec::new(),
        seen: FxHashSet::default(),
        all: None,
        all_computed: false,
        all_escapes: false,
        accounted: FxHashSet::default(),
        depth: 0,
        star_imports: Vec::new(),
    };
    collector.block(&hir.module.block);
    let all = if collector.all_computed || collector.all_escapes || collector.dunder_all_escapes() {
        DunderAll::Unknown
    } else {
        match collector.all {
            Some(all) => DunderAll::Known(all.into_boxed_slice()),
            None => DunderAll::Absent,
        }
    };
    Arc::new(ModuleExports {
        all,
        names: collector.names.into_boxed_slice(),
        star_imports: collector.star_imports.into_boxed_slice(),
    })
}

/// Methods of a list that only read it.
const READING_LIST_METHODS: &[&str] = &["count", "index", "copy"];

/// Builtins that only read the container passed to them, none of which hand it on to
/// code that could change it (`list(workers)` and `dict(clients)` copy; `iter` and
/// `enumerate` give iterators that only read).
pub(crate) const READING_BUILTINS: &[&str] = &[
    "all",
    "any",
    "bool",
    "dict",
    "enumerate",
    "frozenset",
    "isinstance",
    "iter",
    "len",
    "list",
    "max",
    "min",
    "print",
    "repr",
    "reversed",
    "set",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
];

struct ExportCollector<'a> {
    hir: &'a FileHir,
    names: Vec<Name>,
    seen: FxHashSet<Name>,
    /// `__all__` as the straight-line top level has built it so far.
    all: Option<Vec<Name>>,
    /// The last binding of `__all__` so far had a value awaitify cannot compute.
    all_computed: bool,
    /// `__all__` is bound by something other than an assignment (`def`, an import).
    all_escapes: bool,
    /// The `__all__` names of the module body that the straight-line top level accounts
    /// for; every other mention is checked by [`Self::dunder_all_escapes`].
    accounted: FxHashSet<ExprId>,
    /// How many blocks (`if`, loops, `try`, `with`, `match`) the walk is inside.
    depth: u32,
    star_imports: Vec<(Option<Name>, u32)>,
}

impl ExportCollector<'_> {
    fn add(&mut self, name: &Name) {
        if name == "__all__" {
            self.all_escapes = true;
        }
        if self.seen.insert(name.clone()) {
            self.names.push(name.clone());
        }
    }

    fn block(&mut self, block: &[StmtId]) {
        for stmt in block {
            self.stmt(*stmt);
        }
    }

    fn nested_block(&mut self, block: &[StmtId]) {
        self.depth += 1;
        self.block(block);
        self.depth -= 1;
    }

    fn target(&mut self, expr: ExprId) {
        let body = &self.hir.module;
        match &body.exprs[expr] {
            Expr::Name { id, .. } => {
                let id = id.clone();
                if self.seen.insert(id.clone()) {
                    self.names.push(id);
                }
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                for element in elts.clone().iter() {
                    self.target(*element);
                }
            }
            Expr::Starred { value, .. } => self.target(*value),
            _ => {}
        }
    }

    fn is_dunder_all(&self, expr: ExprId) -> bool {
        matches!(&self.hir.module.exprs[expr], Expr::Name { id, .. } if id == "__all__")
    }

    fn string(&self, expr: ExprId) -> Option<Name> {
        match &self.hir.module.exprs[expr] {
            Expr::Literal(Literal::Str(text)) => Some(Name::from(&**text)),
            _ => None,
        }
    }

    /// The strings `expr` evaluates to when it is a literal list or tuple of strings, a
    /// `+` of such values, or `__all__` itself while it is known.
    fn string_list(&mut self, expr: ExprId) -> Option<Vec<Name>> {
        let body = &self.hir.module;
        match &body.exprs[expr] {
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } => {
                elts.iter().map(|element| self.string(*element)).collect()
            }
            Expr::BinOp {
                left,
                op: Operator::Add,
                right,
            } => {
                let mut names = self.string_list(*left)?;
                names.extend(self.string_list(*right)?);
                Some(names)
            }
            Expr::Name { id, .. } if id == "__all__" && !self.all_computed => {
                let names = self.all.clone()?;
                self.accounted.insert(expr);
                Some(names)
            }
            _ => None,
        }
    }

    /// A plain integer literal, possibly negated.
    fn integer(&self, expr: ExprId) -> Option<i64> {
        match &self.hir.module.exprs[expr] {
            Expr::Literal(Literal::Int(text)) => text.parse().ok(),
            Expr::UnaryOp {
                op: UnaryOp::USub,
                operand,
            } => self.integer(*operand).map(|value| -value),
            _ => None,
        }
    }

    /// `__all__ = value` (or annotated) on the straight-line top level.
    fn assign_all(&mut self, target: ExprId, value: ExprId) {
        self.accounted.insert(target);
        let names = self.string_list(value);
        self.all_computed = names.is_none();
        self.all = names;
    }

    /// `__all__.method(...)` as a statement on the straight-line top level.
    fn mutate_all(&mut self, call: ExprId) {
        let body = &self.hir.module;
        let Expr::Call {
            func,
            args,
            keywords,
        } = &body.exprs[call]
        else {
            return;
        };
        let Expr::Attribute {
            value: receiver,
            attr,
            ..
        } = &body.exprs[*func]
        else {
            return;
        };
        // A method that only reads it is checked with every other mention.
        if !self.is_dunder_all(*receiver) || READING_LIST_METHODS.contains(&attr.as_str()) {
            return;
        }
        self.accounted.insert(*receiver);
        let applied = keywords.is_empty()
            && match (attr.as_str(), &args[..]) {
                ("append", [name]) => self
                    .string(*name)
                    .is_some_and(|name| self.all.as_mut().map(|all| all.push(name)).is_some()),
                ("extend", [names]) => self
                    .string_list(*names)
                    .is_some_and(|names| self.all.as_mut().map(|all| all.extend(names)).is_some()),
                ("insert", [index, name]) => match (self.integer(*index), self.string(*name)) {
                    (Some(index), Some(name)) => self
                        .all
                        .as_mut()
                        .map(|all| {
                            // As `list.insert` clamps its index.
                            let length = all.len() as i64;
                            let index = if index < 0 { index + length } else { index };
                            all.insert(index.clamp(0, length) as usize, name);
                        })
                        .is_some(),
                    _ => false,
                },
                // Order does not change which names a star import binds.
                ("sort" | "reverse", []) => self.all.is_some(),
                _ => false,
            };
        if !applied || self.all_computed {
            self.all = None;
            self.all_computed = true;
        }
    }

    /// Whether some mention of `__all__` outside what the straight-line top level
    /// accounts for may bind or change it: a store or `del` anywhere else, a method that
    /// changes it, or the list handed on as a value (`exports = __all__`,
    /// `register(__all__)`). Reading it (`len(__all__)`, `"x" in __all__`,
    /// `for name in __all__`, `__all__ + [...]`) changes nothing.
    fn dunder_all_escapes(&self) -> bool {
        for (body_id, body) in self.hir.bodies() {
            let mut mentions: FxHashSet<ExprId> = body
                .exprs
                .iter()
                .filter(|(expr_id, expr)| {
                    matches!(expr, Expr::Name { id, .. } if id == "__all__")
                        && !(body_id == BodyId::Module && self.accounted.contains(expr_id))
                })
                .map(|(id, _)| id)
                .collect();
            if mentions.is_empty() {
                continue;
            }
            if mentions.iter().any(|id| {
                !matches!(
                    body.exprs[*id],
                    Expr::Name {
                        ctx: ExprContext::Load,
                        ..
                    }
                )
            }) {
                return true;
            }
            for (_, expr) in body.exprs.iter() {
                match expr {
                    Expr::Attribute { value, attr, .. }
                        if READING_LIST_METHODS.contains(&attr.as_str()) =>
                    {
                        mentions.remove(value);
                    }
                    Expr::Subscript {
                        value,
                        ctx: ExprContext::Load,
                        ..
                    } => {
                        mentions.remove(value);
                    }
                    Expr::Compare {
                        left, comparators, ..
                    } => {
                        mentions.remove(left);
                        for comparator in comparators.iter() {
                            mentions.remove(comparator);
                        }
                    }
                    Expr::BinOp { left, right, .. } => {
                        mentions.remove(left);
                        mentions.remove(right);
                    }
                    Expr::Call {
                        func,
                        args,
                        keywords,
                    } if keywords.is_empty()
                        && matches!(&body.exprs[*func], Expr::Name { id, .. }
                            if READING_BUILTINS.contains(&id.as_str())) =>
                    {
                        for arg in args.iter() {
                            mentions.remove(arg);
                        }
                    }
                    Expr::ListComp { generators, .. }
                    | Expr::SetComp { generators, .. }
                    | Expr::DictComp { generators, .. }
                    | Expr::Generator { generators, .. } => {
                        for generator in generators.iter() {
                            mentions.remove(&generator.iter);
                        }
                    }
                    _ => {}
                }
            }
            for (_, stmt) in body.stmts.iter() {
                match stmt {
                    Stmt::Expr { value: read }
                    | Stmt::For { iter: read, .. }
                    | Stmt::If { test: read, .. }
                    | Stmt::While { test: read, .. }
                    | Stmt::Assert { test: read, .. } => {
                        mentions.remove(read);
                    }
                    _ => {}
                }
            }
            if !mentions.is_empty() {
                return true;
            }
        }
        false
    }

    fn stmt(&mut self, stmt: StmtId) {
        let hir = self.hir;
        let body = &hir.module;
        let straight_line = self.depth == 0;
        match &body.stmts[stmt] {
            Stmt::FunctionDef(function) => self.add(&hir.functions[*function].name),
            Stmt::ClassDef(class) => self.add(&hir.classes[*class].name),
            Stmt::Assign { targets, value } => {
                if straight_line
                    && let [target] = &targets[..]
                    && self.is_dunder_all(*target)
                {
                    self.assign_all(*target, *value);
                }
                for target in targets.iter() {
                    self.target(*target);
                }
            }
            Stmt::AugAssign { target, op, value } => {
                if straight_line && *op == Operator::Add && self.is_dunder_all(*target) {
                    self.accounted.insert(*target);
                    match (self.string_list(*value), &mut self.all) {
                        (Some(more), Some(all)) if !self.all_computed => all.extend(more),
                        _ => {
                            self.all = None;
                            self.all_computed = true;
                        }
                    }
                }
                self.target(*target);
            }
            Stmt::AnnAssign { target, value, .. } => {
                if straight_line && self.is_dunder_all(*target) {
                    match value {
                        Some(value) => self.assign_all(*target, *value),
                        // A bare annotation binds nothing.
                        None => {
                            self.accounted.insert(*target);
                        }
                    }
                }
                if value.is_some() {
                    self.target(*target);
                }
            }
            Stmt::Expr { value } if straight_line => self.mutate_all(*value),
            Stmt::TypeAlias { name, .. } => self.target(*name),
            Stmt::Import { names } => {
                for alias in names.iter() {
                    let bound = match &alias.asname {
                        Some(asname) => asname.clone(),
                        None => Name::from(alias.name.split('.').next().unwrap_or_default()),
                    };
                    self.add(&bound);
                }
            }
            Stmt::ImportFrom {
                module,
                names,
                level,
            } => {
                for alias in names.iter() {
                    if alias.name.as_str() == "*" {
                        self.star_imports.push((module.clone(), *level));
                    } else {
                        let bound = alias.asname.as_ref().unwrap_or(&alias.name).clone();
                        self.add(&bound);
                    }
                }
            }
            Stmt::If {
                body: then, orelse, ..
            } => {
                self.nested_block(then);
                self.nested_block(orelse);
            }
            Stmt::Try {
                body: try_body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                self.nested_block(try_body);
                for handler in handlers.iter() {
                    self.nested_block(&handler.body);
                }
                self.nested_block(orelse);
                self.nested_block(finalbody);
            }
            Stmt::For {
                target,
                body: loop_body,
                orelse,
                ..
            } => {
                self.target(*target);
                self.nested_block(loop_body);
                self.nested_block(orelse);
            }
            Stmt::While {
                body: loop_body,
                orelse,
                ..
            } => {
                self.nested_block(loop_body);
                self.nested_block(orelse);
            }
            Stmt::With {
                items,
                body: with_body,
                ..
            } => {
                for item in items.iter() {
                    if let Some(vars) = item.optional_vars {
                        self.target(vars);
                    }
                }
                self.nested_block(with_body);
            }
            Stmt::Match { cases, .. } => {
                for case in cases.iter() {
                    self.nested_block(&case.body);
                }
            }
            _ => {}
        }
    }
}

/// Names of stdlib and well-known modules that `from m import *` binds and that rules
/// care about. Other external star imports are opaque.
pub fn known_star_names(module: &str) -> Option<&'static [&'static str]> {
    Some(match module {
        "time" => &["sleep", "time", "monotonic", "perf_counter"],
        "asyncio" => &[
            "run",
            "sleep",
            "new_event_loop",
            "get_event_loop",
            "get_running_loop",
            "ensure_future",
            "create_task",
            "gather",
        ],
        "streamlit" => &["write_stream", "navigation", "write", "Page"],
        _ => return None,
    })
}

/// What `from module import *` in `file` binds, following project star-import chains.
pub fn star_names(db: &dyn Db, file: File, module: Option<&Name>, level: u32) -> StarNames {
    let Some(absolute) = absolute_module_name(db, file, module.map(|m| m.as_str()), level) else {
        return StarNames::Opaque;
    };
    let mut visited = FxHashSet::default();
    collect_star_names(db, &absolute, &mut visited)
}

fn collect_star_names(db: &dyn Db, module: &str, visited: &mut FxHashSet<File>) -> StarNames {
    let Some(target) = resolve_module(db, module) else {
        return match known_star_names(module) {
            Some(names) => StarNames::Names(names.iter().map(|name| Name::from(*name)).collect()),
            None => StarNames::Opaque,
        };
    };
    if !visited.insert(target) {
        return StarNames::Names(Vec::new());
    }
    let exports = module_exports(db, target);
    let unknown = match &exports.all {
        DunderAll::Known(all) => return StarNames::Names(all.to_vec()),
        DunderAll::Absent => false,
        DunderAll::Unknown => true,
    };
    // An `__all__` awaitify cannot read may list any name the module binds, private
    // ones too; without one, a star import takes the public names.
    let exported = |name: &Name| {
        if unknown {
            name != "__all__"
        } else {
            !name.starts_with('_')
        }
    };
    let mut names: Vec<Name> = exports
        .names
        .iter()
        .filter(|name| exported(name))
        .cloned()
        .collect();
    let mut possible = unknown;
    for (inner, level) in exports.star_imports.iter() {
        let Some(absolute) = absolute_module_name(db, target, inner.as_deref(), *level) else {
            continue;
        };
        match collect_star_names(db, &absolute, visited) {
            StarNames::Names(more) => names.extend(more.into_iter().filter(exported)),
            StarNames::Possible(more) => {
                possible = true;
                names.extend(more.into_iter().filter(exported));
            }
            StarNames::Opaque => {}
        }
    }
    if possible {
        StarNames::Possible(names)
    } else {
        StarNames::Names(names)
    }
}

/// Scopes, bindings and use-def of `file`.
#[salsa::tracked(returns(ref))]
pub fn semantic_index(db: &dyn Db, file: File) -> Arc<SemanticIndex> {
    let hir = file_hir(db, file);
    let mut star = |module: Option<&Name>, level: u32| star_names(db, file, module, level);
    Arc::new(SemanticIndex::build(hir, &mut star))
}

/// The cross-file summary of `file` (see [`symbols`]).
#[salsa::tracked(returns(ref))]
pub fn module_symbols(db: &dyn Db, file: File) -> Arc<ModuleSymbols> {
    let hir = file_hir(db, file);
    let index = semantic_index(db, file);
    let exports = module_exports(db, file);
    Arc::new(ModuleSymbols {
        star_imports: exports.star_imports.clone(),
        dunder_all: exports.all.clone(),
        submodules_imported_first: submodules_imported_first(db, file, hir, index),
        ..ModuleSymbols::build(hir, index)
    })
}

/// The names a package's `__init__` first binds by importing its own submodule of that
/// name on its top level (see [`ModuleSymbols::submodules_imported_first`]).
fn submodules_imported_first(
    db: &dyn Db,
    file: File,
    hir: &FileHir,
    index: &SemanticIndex,
) -> Box<[Name]> {
    use awaitify_hir::source_map::NameSite;
    if !awaitify_db::is_package_init(db, file) {
        return Box::default();
    }
    let Some(own) = module_name(db, file) else {
        return Box::default();
    };
    let module_body = hir.body(BodyId::Module);
    let mut names = Vec::new();
    for (name, symbol) in index.scopes[index.module_scope()].symbols.iter() {
        // The symbol's bindings are in source order: the first is the statement's.
        let Some(first) = symbol.bindings.first() else {
            continue;
        };
        let binding = &index.bindings[*first];
        let index::BindingSite::Name(NameSite::Alias(stmt, _)) = binding.site else {
            continue;
        };
        if binding.body != BodyId::Module {
            continue;
        }
        let Stmt::ImportFrom { module, level, .. } = &module_body.stmts[stmt] else {
            continue;
        };
        // Not under an `if` or a `try`, where the import may not run.
        if !module_body.block.contains(&stmt) {
            continue;
        }
        let Some(imported) = absolute_module_name(db, file, module.as_deref(), *level) else {
            continue;
        };
        let inside = imported
            .strip_prefix(own.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .and_then(|rest| rest.strip_prefix(name.as_str()));
        if matches!(inside, Some(rest) if rest.is_empty() || rest.starts_with('.')) {
            names.push(name.clone());
        }
    }
    names.sort();
    names.into_boxed_slice()
}

/// Where the project stores attributes, for resolving an instance's attributes (see
/// [`Resolver::attribute`](resolve::Resolver::attribute)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributeStores {
    /// Attributes stored anywhere other than on `self` in a class's own method, or by
    /// `setattr`; `*` when `setattr` computes a name.
    pub elsewhere: FxHashSet<Name>,
    /// For each attribute, the classes whose own methods store it on `self`; under `*`
    /// those that store computed names (`self.__dict__.update(values)`).
    pub on_self: FxHashMap<Name, Vec<(File, awaitify_hir::hir::ClassId)>>,
    /// For each name that some class body binds to something other than a `def`
    /// (`client = Client()`, `pause = time.sleep`, `load = lambda self: ...`), and each
    /// name of a method with a known return value, every class whose body binds it: a
    /// subclass's binding replaces what an instance of the base finds.
    pub class_members: FxHashMap<Name, Vec<(File, awaitify_hir::hir::ClassId)>>,
    /// Attributes some class's methods store on `self` as a container whose elements are
    /// paths (`self.workers = [Worker(n) for n in names]`), which a loop over the
    /// attribute may take (see [`project_attributes_handed_on`]).
    pub containers: FxHashSet<Name>,
    /// For each class name, the classes with several bases (by number) that may derive
    /// from a class of that name: where two classes neither of which derives from the
    /// other may meet in one instance's MRO (a mixin beside a base; see
    /// `Resolver::in_subclass_order`). Read off the names of bases, so classes of one
    /// name count as one: more pairs meet than do, never fewer.
    pub joins_by_name: FxHashMap<Name, Box<[u32]>>,
    /// Whether some module's code may reach any module's variables other than by name
    /// (see [`symbols::ModuleSymbols::reaches_namespaces`]): then no container is known
    /// to keep what it was given.
    pub namespaces_reached: bool,
}

/// The last name of a base class's path (`Base`, `mixins.Base`, `make_base()`'s
/// `make_base`), which names the class for [`AttributeStores::joins_by_name`].
fn base_name(path: &symbols::ExprPath) -> &Name {
    match path {
        symbols::ExprPath::Name(name) | symbols::ExprPath::Attribute(_, name) => name,
        symbols::ExprPath::Call(callee) => base_name(callee),
    }
}

/// Every file's attribute stores, merged (see [`AttributeStores`]).
#[salsa::tracked(returns(ref))]
pub fn project_attribute_stores(db: &dyn Db) -> Arc<AttributeStores> {
    let mut stores = AttributeStores::default();
    let files = awaitify_db::files_by_path(db);
    // The names of each class name's bases, and of each join's direct bases.
    let mut bases_by_name: FxHashMap<Name, Vec<Name>> = FxHashMap::default();
    let mut join_bases: Vec<Vec<Name>> = Vec::new();
    for &file in &files {
        let symbols = module_symbols(db, file);
        stores.namespaces_reached |= symbols.reaches_namespaces;
        stores
            .elsewhere
            .extend(symbols.other_attribute_stores.iter().cloned());
        for (class, summary) in symbols.classes.iter() {
            let names = summary.bases.iter().flatten().map(base_name).cloned();
            let bases = bases_by_name.entry(summary.name.clone()).or_default();
            bases.extend(names.clone());
            if summary.bases.len() > 1 {
                join_bases.push(names.collect());
            }
            for (name, values) in summary.instance_attributes.iter() {
                stores
                    .on_self
                    .entry(name.clone())
                    .or_default()
                    .push((file, class));
                if values
                    .iter()
                    .any(|value| matches!(value, symbols::StoredValue::Elements(_)))
                {
                    stores.containers.insert(name.clone());
                }
            }
        }
    }
    let mut joins_by_name: FxHashMap<Name, Vec<u32>> = FxHashMap::default();
    for (join, direct) in (0u32..).zip(&join_bases) {
        let mut ancestors: FxHashSet<&Name> = FxHashSet::default();
        let mut stack: Vec<&Name> = direct.iter().collect();
        while let Some(name) = stack.pop() {
            if ancestors.insert(name)
                && let Some(bases) = bases_by_name.get(name)
            {
                stack.extend(bases);
            }
        }
        for name in ancestors {
            joins_by_name.entry(name.clone()).or_default().push(join);
        }
    }
    stores.joins_by_name = joins_by_name
        .into_iter()
        .map(|(name, joins)| (name, joins.into_boxed_slice()))
        .collect();
    // The names whose replacement in a subclass matters to resolution: data members,
    // and methods whose return value is followed.
    let mut replaceable: FxHashSet<&Name> = FxHashSet::default();
    for &file in &files {
        let symbols = module_symbols(db, file);
        for (_, summary) in symbols.classes.iter() {
            for (name, bindings) in summary.members.iter() {
                let data = bindings
                    .iter()
                    .any(|(_, summary)| !matches!(summary, symbols::Summary::Function(_)));
                let followed = bindings.iter().any(|(_, summary)| {
                    matches!(summary, symbols::Summary::Function(function)
                        if symbols.functions.get(*function).is_some_and(|f| f.returns.is_some()))
                });
                if data || followed {
                    replaceable.insert(name);
                }
            }
        }
    }
    for &file in &files {
        let symbols = module_symbols(db, file);
        for (class, summary) in symbols.classes.iter() {
            for name in summary.members.keys() {
                if replaceable.contains(name) {
                    stores
                        .class_members
                        .entry(name.clone())
                        .or_default()
                        .push((file, class));
                }
            }
        }
    }
    Arc::new(stores)
}

/// The attribute names whose values code of `file` may change or hand on, a module's
/// globals among them (see `resolve::containers::attributes_handed_on`). A query apart
/// from [`module_symbols`], which other files read for every lookup: this changes with
/// almost any edit of a function body, and only loops over a container stored on `self`
/// or in a global read it.
#[salsa::tracked(returns(ref))]
pub fn file_attributes_handed_on(db: &dyn Db, file: File) -> Arc<[Name]> {
    let hir = file_hir(db, file);
    let index = semantic_index(db, file);
    resolve::attributes_handed_on(hir, index).into()
}

/// Every file's [`file_attributes_handed_on`], merged: a container stored under one of
/// these names (or any, under `*`) may have been changed by code awaitify does not follow.
#[salsa::tracked(returns(ref))]
pub fn project_attributes_handed_on(db: &dyn Db) -> Arc<FxHashSet<Name>> {
    let mut names = FxHashSet::default();
    for file in awaitify_db::files_by_path(db) {
        names.extend(file_attributes_handed_on(db, file).iter().cloned());
    }
    Arc::new(names)
}

/// A store that may replace a global of a project module from outside its own
/// bindings: `clock.sleep = fake`, `setattr(svc, "Client", Fake)`,
/// `vars(svc)["client"] = fake`, `globals()["client"] = fake`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStore {
    /// The module whose global it replaces.
    pub module: File,
    /// The global; `*` when its name is computed (`setattr(svc, name, value)`).
    pub name: Name,
    pub body: BodyId,
    pub expr: ExprId,
}

/// What one file stores into the globals of project modules as attributes (see
/// [`ModuleStore`]), and the attribute names it stores on objects it cannot resolve
/// (`mod.client = fake` with `mod` a parameter), which may be modules handed on as
/// values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileModuleStores {
    pub stores: Vec<ModuleStore>,
    pub on_unknown: Vec<Name>,
    /// Project modules whose globals this file may add names to that awaitify cannot
    /// list, with the expression that may: a store by a computed name into the module's
    /// own namespace (`globals()[name] = make(name)`), `exec` run in its namespace, or the
    /// module replaced in `sys.modules` (`sys.modules[__name__] = Module()`).
    pub unlisted: Vec<(File, BodyId, ExprId)>,
    /// Stores to `__class__` (`obj.__class__ = Other`, `setattr(obj, "__class__",
    /// Other)`), with the project classes whose instances (or which themselves) the
    /// object may be; none when it may be any object awaitify cannot follow.
    pub class_stores: Vec<ClassStore>,
}

/// A store to `__class__` of one file (see [`FileModuleStores::class_stores`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassStore {
    /// The classes of the object; empty when it may be any object.
    pub classes: Box<[(File, awaitify_hir::hir::ClassId)]>,
    /// The classes the store may give it.
    pub stored: Box<[StoredClass]>,
    pub body: BodyId,
    pub expr: ExprId,
}

/// A class a store to `__class__` may give an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredClass {
    /// A project class; with `exact: false` (`cls` in a classmethod), any subclass too.
    Project {
        file: File,
        class: awaitify_hir::hir::ClassId,
        exact: bool,
    },
    /// A class from outside the project, by qualified name (`builtins.int`).
    Outside(Name),
    /// A value awaitify cannot follow.
    Unknown,
}

/// A call that stores or deletes an attribute by name as `setattr` does: the builtin
/// `setattr(obj, name, value)` or `delattr(obj, name)`, `object.__setattr__(obj, name,
/// value)` (or `type.`, or `__delattr__`), and `obj.__setattr__(name, value)` (or
/// `__delattr__`): the object, the name's expression and the value, if one is stored.
pub fn attribute_store_call(
    resolver: &mut Resolver,
    file: File,
    body_id: BodyId,
    body: &awaitify_hir::hir::Body,
    expr: &Expr,
) -> Option<(ExprId, ExprId, Option<ExprId>)> {
    let Expr::Call {
        func,
        args,
        keywords,
    } = expr
    else {
        return None;
    };
    if !keywords.is_empty() {
        return None;
    }
    let builtin = |resolver: &mut Resolver, callee: ExprId, names: &[&str]| {
        matches!(resolver.resolve_expr(file, body_id, callee),
            Resolution::Definite(Target::Builtin(name)) if names.contains(&name.as_str()))
    };
    match &body.exprs[*func] {
        Expr::Name { id, .. } if id == "setattr" || id == "delattr" => {
            if args.len() < 2 || !builtin(resolver, *func, &["setattr", "delattr"]) {
                return None;
            }
            Some((
                args[0],
                args[1],
                args.get(2).copied().filter(|_| id == "setattr"),
            ))
        }
        Expr::Attribute { value, attr, .. } if attr == "__setattr__" || attr == "__delattr__" => {
            let stores = attr == "__setattr__";
            let unbound = matches!(body.exprs[*value], Expr::Name { .. })
                && builtin(resolver, *value, &["object", "type"]);
            match (unbound, &args[..]) {
                (true, [object, name, rest @ ..]) => {
                    Some((*object, *name, rest.first().copied().filter(|_| stores)))
                }
                (false, [name, rest @ ..]) => {
                    Some((*value, *name, rest.first().copied().filter(|_| stores)))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// What a call of `unittest.mock.patch` (or of the `mock` package) replaces while it is
/// active (see [`mock_patches`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MockPatch {
    /// `patch("clients.POOL")`: the attribute by its dotted name.
    Named(String),
    /// `patch.object(clients, "POOL")` and each name `patch.multiple(clients, POOL=...)`
    /// sets: an attribute of an object; `None` when the name is computed.
    Object {
        object: ExprId,
        attribute: Option<Name>,
    },
    /// `patch.dict("clients.CLIENTS", ...)`: the mapping by its dotted name, changed in
    /// place.
    Dict(String),
}

/// What the call `call` of `body`, whose callee has the qualified name `callee`,
/// replaces when it is a `unittest.mock.patch` (or `mock.patch`) call.
pub fn mock_patches(body: &awaitify_hir::hir::Body, call: ExprId, callee: &str) -> Vec<MockPatch> {
    let callee = callee.strip_prefix("unittest.").unwrap_or(callee);
    let argument = |position: usize, keyword: &str| body.call_argument(call, position, keyword);
    let literal = |expr: ExprId| body.string_literal(expr).map(str::to_string);
    let attribute = |expr: ExprId| literal(expr).map(|name| Name::from(name.as_str()));
    match callee {
        "mock.patch" => argument(0, "target")
            .and_then(literal)
            .filter(|target| target.contains('.'))
            .map(MockPatch::Named)
            .into_iter()
            .collect(),
        "mock.patch.object" => match argument(0, "target") {
            Some(object) => vec![MockPatch::Object {
                object,
                attribute: argument(1, "attribute").and_then(attribute),
            }],
            None => Vec::new(),
        },
        "mock.patch.multiple" => {
            let (Some(object), Expr::Call { keywords, .. }) =
                (argument(0, "target"), &body.exprs[call])
            else {
                return Vec::new();
            };
            keywords
                .iter()
                .map(|keyword| MockPatch::Object {
                    object,
                    attribute: keyword.arg.clone(),
                })
                .collect()
        }
        "mock.patch.dict" => argument(0, "in_dict")
            .and_then(literal)
            .map(MockPatch::Dict)
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether a call of `func` may be one of `unittest.mock`'s patches, by its last name:
/// `patch(...)`, or `patch.object(...)` and the like (a bare `dict(...)` is no patch).
fn may_be_mock_patch(body: &awaitify_hir::hir::Body, func: ExprId) -> bool {
    match &body.exprs[func] {
        Expr::Name { id, .. } => id == "patch",
        Expr::Attribute { attr, .. } => {
            matches!(attr.as_str(), "patch" | "object" | "multiple" | "dict")
        }
        _ => false,
    }
}

/// The text of a string literal, or of literals joined by `+` (`"__cla" + "ss__"`).
fn constant_string(body: &awaitify_hir::hir::Body, expr: ExprId) -> Option<String> {
    match &body.exprs[expr] {
        Expr::Literal(Literal::Str(text)) => Some(text.to_string()),
        Expr::BinOp {
            left,
            op: Operator::Add,
            right,
        } => Some(constant_string(body, *left)? + &constant_string(body, *right)?),
        _ => None,
    }
}

/// What `value`, stored to `__class__`, may be.
fn stored_classes(
    resolver: &mut Resolver,
    file: File,
    body: BodyId,
    value: Option<ExprId>,
) -> Box<[StoredClass]> {
    let Some(value) = value else {
        return Box::new([StoredClass::Unknown]);
    };
    let mut stored: Vec<StoredClass> = Vec::new();
    for alternative in resolver.resolve_expr(file, body, value).into_alternatives() {
        let class = match alternative {
            Ok(Target::Class { file, class, exact }) => StoredClass::Project { file, class, exact },
            Ok(Target::Builtin(name)) => {
                StoredClass::Outside(Name::from(format!("builtins.{name}")))
            }
            Ok(Target::External(name)) => StoredClass::Outside(name),
            Ok(_) | Err(_) => StoredClass::Unknown,
        };
        if !stored.contains(&class) {
            stored.push(class);
        }
    }
    stored.into_boxed_slice()
}

/// The value an assignment of `body` stores through `target`, when `target` is one of
/// its targets as a whole (not an element of an unpacking).
pub(crate) fn assigned_value(body: &awaitify_hir::hir::Body, target: ExprId) -> Option<ExprId> {
    body.stmts.iter().find_map(|(_, stmt)| match stmt {
        Stmt::Assign { targets, value } if targets.contains(&target) => Some(*value),
        Stmt::AnnAssign {
            target: annotated,
            value,
            ..
        } if *annotated == target => *value,
        _ => None,
    })
}

/// A write into a namespace, if `expr` may be one: the namespace and the key written,
/// `None` when every key may be (`vars(svc)["client"] = fake`, `globals()["client"] =
/// fake`, `svc.__dict__.setdefault("client", fake)`, `svc.__dict__.update(values)`).
fn namespace_write(
    body: &awaitify_hir::hir::Body,
    expr: &Expr,
) -> Option<(ExprId, Option<ExprId>)> {
    match expr {
        Expr::Subscript {
            value,
            slice,
            ctx: ExprContext::Store | ExprContext::Del,
        } => Some((*value, Some(*slice))),
        Expr::Call { func, args, .. } => match &body.exprs[*func] {
            Expr::Attribute { value, attr, .. } => match attr.as_str() {
                "setdefault" | "__setitem__" | "__delitem__" | "pop" => {
                    Some((*value, args.first().copied()))
                }
                "update" | "clear" => Some((*value, None)),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    }
}

/// The project module whose namespace a call of the builtin `exec` runs its code in:
/// the module's own on its top level without a namespace (`exec(code)`), or the module
/// whose namespace is passed (`exec(code, globals())`, `exec(code, vars(pkg))`).
fn exec_namespace(
    resolver: &mut Resolver,
    file: File,
    body_id: BodyId,
    body: &awaitify_hir::hir::Body,
    expr: &Expr,
) -> Option<File> {
    let Expr::Call {
        func,
        args,
        keywords,
    } = expr
    else {
        return None;
    };
    if !matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "exec") {
        return None;
    }
    if !matches!(
        resolver.resolve_expr(file, body_id, *func),
        Resolution::Definite(Target::Builtin(name)) if name == "exec"
    ) {
        return None;
    }
    let namespace = args.get(1).copied().or_else(|| {
        keywords
            .iter()
            .find(|keyword| keyword.arg.as_deref() == Some("globals"))
            .map(|keyword| keyword.value)
    });
    match namespace {
        None => (body_id == BodyId::Module).then_some(file),
        Some(namespace) => match resolver.namespace_kind(file, body_id, namespace) {
            Some(Namespace::Module(module)) => Some(module),
            _ => None,
        },
    }
}

/// The stores of `file` into project modules' globals. Its object expressions are
/// resolved without consulting [`project_module_stores`] (which merges these), and
/// without `file_resolutions`, which reads that.
#[salsa::tracked(returns(ref))]
pub fn file_module_stores(db: &dyn Db, file: File) -> Arc<FileModuleStores> {
    let hir = file_hir(db, file);
    let mut resolver = Resolver::for_module_stores(db, file);
    let mut result = FileModuleStores::default();
    let star = || Name::from("*");
    for (body_id, body) in hir.bodies() {
        for (expr_id, expr) in body.exprs.iter() {
            if let Some((namespace, key)) = namespace_write(body, expr) {
                let module = match resolver.namespace_kind(file, body_id, namespace) {
                    Some(Namespace::Module(module)) => module,
                    // `sys.modules[__name__] = Module()`: the module's attributes are
                    // whatever the new object has.
                    Some(Namespace::SysModules) => {
                        let replaced = match key.map(|key| &body.exprs[key]) {
                            Some(Expr::Literal(Literal::Str(name))) => resolve_module(db, name),
                            Some(Expr::Name { id, .. }) if id == "__name__" => Some(file),
                            _ => None,
                        };
                        if let Some(module) = replaced
                            && matches!(expr, Expr::Subscript { .. })
                        {
                            result.unlisted.push((module, body_id, expr_id));
                        }
                        continue;
                    }
                    _ => continue,
                };
                let name = match key.map(|key| &body.exprs[key]) {
                    Some(Expr::Literal(Literal::Str(name))) => Name::from(&**name),
                    // A module defining globals by computed names in its own namespace
                    // (`globals()[name] = make(name)`) adds names; the functions it may
                    // replace are refused by the call graph.
                    _ if module == file => {
                        result.unlisted.push((module, body_id, expr_id));
                        continue;
                    }
                    _ => star(),
                };
                result.stores.push(ModuleStore {
                    module,
                    name,
                    body: body_id,
                    expr: expr_id,
                });
                continue;
            }
            // `mock.patch("clients.POOL", ...)`, `mock.patch.object(clients, "POOL")`
            // replace the global while they are active.
            if let Expr::Call { func, .. } = expr
                && may_be_mock_patch(body, *func)
                && let Resolution::Definite(Target::External(callee)) =
                    resolver.resolve_expr(file, body_id, *func)
            {
                for patch in mock_patches(body, expr_id, &callee) {
                    let (module, name) = match patch {
                        MockPatch::Named(target) | MockPatch::Dict(target) => {
                            let Some((object, name)) = target.rsplit_once('.') else {
                                continue;
                            };
                            match resolver.resolve_dotted_name(object) {
                                Resolution::Definite(Target::ProjectModule(module)) => {
                                    (module, Name::from(name))
                                }
                                _ => continue,
                            }
                        }
                        MockPatch::Object { object, attribute } => {
                            match resolver.resolve_expr(file, body_id, object) {
                                Resolution::Definite(Target::ProjectModule(module)) => {
                                    (module, attribute.unwrap_or_else(star))
                                }
                                _ => continue,
                            }
                        }
                    };
                    result.stores.push(ModuleStore {
                        module,
                        name,
                        body: body_id,
                        expr: expr_id,
                    });
                }
                continue;
            }
            // `exec(code)` on the module's top level, or `exec(code, vars(module))`,
            // defines in the module's namespace whatever the code binds.
            if let Some(module) = exec_namespace(&mut resolver, file, body_id, body, expr) {
                result.unlisted.push((module, body_id, expr_id));
                continue;
            }
            // The object, and the global's name (`None`: computed).
            let (object, name): (ExprId, Option<Name>) = match expr {
                Expr::Attribute {
                    value,
                    attr,
                    ctx: ExprContext::Store | ExprContext::Del,
                } => (*value, Some(attr.clone())),
                Expr::Call { .. } => {
                    let Some((object, name, _)) =
                        attribute_store_call(&mut resolver, file, body_id, body, expr)
                    else {
                        continue;
                    };
                    let name = constant_string(body, name).map(|name| Name::from(name.as_str()));
                    (object, name)
                }
                _ => continue,
            };
            // `Fake.__bases__ = (Live,)` changes what the methods of `Fake`'s instances
            // (and of its subclasses') are, as a store to their `__class__` of a class
            // awaitify cannot follow would.
            if name.as_deref() == Some("__bases__")
                && let Some(classes) =
                    classes_whose_class_changes(&mut resolver, file, body_id, object)
            {
                result.class_stores.push(ClassStore {
                    classes,
                    stored: Box::new([StoredClass::Unknown]),
                    body: body_id,
                    expr: expr_id,
                });
                continue;
            }
            if name.as_deref() == Some("__class__")
                && !matches!(
                    expr,
                    Expr::Attribute {
                        ctx: ExprContext::Del,
                        ..
                    }
                )
                && let Some(classes) =
                    classes_whose_class_changes(&mut resolver, file, body_id, object)
            {
                let value = match expr {
                    Expr::Call { .. } => {
                        attribute_store_call(&mut resolver, file, body_id, body, expr)
                            .and_then(|(_, _, value)| value)
                    }
                    _ => assigned_value(body, expr_id),
                };
                result.class_stores.push(ClassStore {
                    classes,
                    stored: stored_classes(&mut resolver, file, body_id, value),
                    body: body_id,
                    expr: expr_id,
                });
                continue;
            }
            // Only a name, an attribute or a lookup can be a module.
            if !matches!(
                body.exprs[object],
                Expr::Name { .. }
                    | Expr::Attribute { .. }
                    | Expr::Subscript { .. }
                    | Expr::Call { .. }
            ) {
                continue;
            }
            match resolver.resolve_expr(file, body_id, object) {
                Resolution::Definite(Target::ProjectModule(module)) => {
                    result.stores.push(ModuleStore {
                        module,
                        name: name.unwrap_or_else(star),
                        body: body_id,
                        expr: expr_id,
                    });
                }
                Resolution::Ambiguous(candidates) => {
                    for candidate in candidates.iter() {
                        match &candidate.target {
                            Ok(Target::ProjectModule(module)) => {
                                result.stores.push(ModuleStore {
                                    module: *module,
                                    name: name.clone().unwrap_or_else(star),
                                    body: body_id,
                                    expr: expr_id,
                                });
                            }
                            Err(_) => result.on_unknown.push(name.clone().unwrap_or_else(star)),
                            Ok(_) => {}
                        }
                    }
                }
                Resolution::Unresolved(reason) if !reason.is_builtin_value() => {
                    result.on_unknown.push(name.unwrap_or_else(star));
                }
                _ => {}
            }
        }
    }
    result.on_unknown.sort();
    result.on_unknown.dedup();
    Arc::new(result)
}

/// Every file's [`FileModuleStores`], merged: the first store of each replaced global
/// (`(module, "*")` for one whose name is computed), and every attribute name stored on
/// an object awaitify cannot resolve.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleStores {
    pub replaced: FxHashMap<(File, Name), (File, BodyId, ExprId)>,
    /// The modules some of whose globals are replaced.
    pub modules: FxHashSet<File>,
    pub on_unknown: FxHashSet<Name>,
    /// The modules that may have globals awaitify cannot list, with the first place
    /// that may add them (see [`FileModuleStores::unlisted`]).
    pub unlisted: FxHashMap<File, (File, BodyId, ExprId)>,
}

impl ModuleStores {
    /// Where the global `name` of `module` is first replaced from outside its bindings.
    pub fn replacement(&self, module: File, name: &str) -> Option<(File, BodyId, ExprId)> {
        if !self.modules.contains(&module) {
            return None;
        }
        self.replaced
            .get(&(module, Name::from(name)))
            .or_else(|| self.replaced.get(&(module, Name::from("*"))))
            .copied()
    }
}

#[salsa::tracked(returns(ref))]
pub fn project_module_stores(db: &dyn Db) -> Arc<ModuleStores> {
    let mut merged = ModuleStores::default();
    for file in awaitify_db::files_by_path(db) {
        let stores = file_module_stores(db, file);
        for store in &stores.stores {
            merged
                .replaced
                .entry((store.module, store.name.clone()))
                .or_insert((file, store.body, store.expr));
            merged.modules.insert(store.module);
        }
        merged.on_unknown.extend(stores.on_unknown.iter().cloned());
        for &(module, body, expr) in &stores.unlisted {
            merged.unlisted.entry(module).or_insert((file, body, expr));
        }
    }
    Arc::new(merged)
}

/// The project classes whose instances (or which themselves) `object`, whose
/// `__class__` a store changes, may be: `Some` of none when it may be any object awaitify
/// cannot follow, `None` when it is no project object (a literal, a module, a function).
fn classes_whose_class_changes(
    resolver: &mut Resolver,
    file: File,
    body: BodyId,
    object: ExprId,
) -> Option<Box<[(File, awaitify_hir::hir::ClassId)]>> {
    let mut classes = Vec::new();
    for alternative in resolver
        .resolve_expr(file, body, object)
        .into_alternatives()
    {
        match alternative {
            Ok(Target::Instance { file, class } | Target::Class { file, class, .. }) => {
                classes.push((file, class));
            }
            Ok(Target::ProjectModule(_) | Target::Function { .. } | Target::Builtin(_)) => {}
            Err(reason) if reason.is_builtin_value() => {}
            // What an outside function returned, a parameter, ...: any object.
            Ok(_) | Err(_) => return Some(Box::default()),
        }
    }
    (!classes.is_empty()).then(|| classes.into_boxed_slice())
}

/// The stores to `__class__` of the project, and the classes whose instances each may
/// give another class (see [`Resolver::attribute`]): when a store's object may be an
/// instance of a project class (or the class itself), the classes whose MRO shares a
/// class with that one, since an instance of one may be an instance of a subclass of the
/// other; every class when the object may be anything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClassAssignments {
    /// A store that may give any object a class awaitify cannot follow, if there is one:
    /// then no attribute of an instance is known, and nothing else is collected.
    pub anything: Option<(File, BodyId, ExprId)>,
    pub changes: Vec<ClassChange>,
    /// The changes (indices into `changes`) whose object may be any object.
    pub on_any: Vec<usize>,
    /// For each class whose instances may change class, the changes that may.
    pub on_classes: FxHashMap<(File, awaitify_hir::hir::ClassId), Vec<usize>>,
}

impl ClassAssignments {
    /// The changes that may give an instance of `class` another class.
    pub fn affecting(
        &self,
        file: File,
        class: awaitify_hir::hir::ClassId,
    ) -> impl Iterator<Item = &ClassChange> {
        let own = self
            .on_classes
            .get(&(file, class))
            .map_or(&[][..], |own| own);
        self.on_any
            .iter()
            .chain(own)
            .map(|&change| &self.changes[change])
    }
}

/// One store to `__class__` and the classes it may give its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassChange {
    pub store: (File, BodyId, ExprId),
    pub to: Box<[AssignedClass]>,
}

/// A class a store to `__class__` may give an object, as the lookups need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignedClass {
    /// A project class; `methods_known` when the classes from outside in its MRO define
    /// no method by an ordinary name, so its project MRO holds every such method.
    Project {
        file: File,
        class: awaitify_hir::hir::ClassId,
        layout: Layout,
        methods_known: bool,
    },
    /// A class from outside that defines no method by an ordinary name (`object`,
    /// `types.ModuleType`).
    Outside { layout: Layout },
    /// Any class laid out as `layout`: an outside class with methods of its own, or a
    /// value awaitify cannot follow.
    Unknown { layout: Layout },
}

impl AssignedClass {
    pub fn layout(&self) -> Layout {
        match self {
            AssignedClass::Project { layout, .. }
            | AssignedClass::Outside { layout }
            | AssignedClass::Unknown { layout } => *layout,
        }
    }
}

/// How instances of a class are laid out in memory, as far as a store to `__class__`
/// cares: CPython refuses to give an object a class whose instances are laid out
/// otherwise, so an instance of a class built on `object` alone never becomes an
/// instance of a subclass of `dict` or `types.ModuleType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Built on `object` and project classes alone (or on outside classes known to add
    /// nothing to the layout, such as `abc.ABC`).
    Object,
    /// Built on a builtin type with a layout of its own (`dict`, `Exception`,
    /// `types.ModuleType`).
    BuiltinType,
    /// Built on an outside class awaitify does not know.
    Unknown,
}

impl Layout {
    /// Whether an instance laid out as `self` may be given a class laid out as `other`.
    pub fn compatible(self, other: Layout) -> bool {
        !matches!(
            (self, other),
            (Layout::Object, Layout::BuiltinType) | (Layout::BuiltinType, Layout::Object)
        )
    }

    /// The layout an outside class, given by qualified name, gives its instances.
    pub fn of_outside(qualified: &str) -> Layout {
        if qualified == "types.ModuleType"
            || qualified.starts_with("builtins.") && qualified != "builtins.object"
        {
            Layout::BuiltinType
        } else if resolve::outside_class_without_methods(qualified) {
            Layout::Object
        } else {
            Layout::Unknown
        }
    }
}

#[salsa::tracked(returns(ref))]
pub fn project_class_assignments(db: &dyn Db) -> Arc<ClassAssignments> {
    let mut assignments = ClassAssignments::default();
    let files = awaitify_db::files_by_path(db);
    let stores: Vec<(File, &ClassStore)> = files
        .iter()
        .flat_map(|&file| {
            file_module_stores(db, file)
                .class_stores
                .iter()
                .map(move |store| (file, store))
        })
        .collect();
    assignments.anything = stores.iter().find_map(|(file, store)| {
        let anything = store.classes.is_empty()
            && store.stored.iter().any(|stored| match stored {
                StoredClass::Unknown => true,
                StoredClass::Outside(name) => {
                    !resolve::outside_class_without_methods(name)
                        && Layout::of_outside(name) == Layout::Unknown
                }
                StoredClass::Project { .. } => false,
            });
        anything.then_some((*file, store.body, store.expr))
    });
    if stores.is_empty() || assignments.anything.is_some() {
        return Arc::new(assignments);
    }
    let mut resolver = Resolver::without_class_assignments(db);
    let all_classes: Vec<(File, awaitify_hir::hir::ClassId)> = files
        .iter()
        .flat_map(|&file| {
            module_symbols(db, file)
                .classes
                .iter()
                .map(move |(class, _)| (file, class))
        })
        .collect();
    let mut changed: FxHashMap<(File, awaitify_hir::hir::ClassId), Vec<usize>> =
        FxHashMap::default();
    for (file, store) in stores {
        let index = assignments.changes.len();
        let mut to: Vec<AssignedClass> = Vec::new();
        for stored in store.stored.iter() {
            match stored {
                StoredClass::Project { file, class, exact } => {
                    let mut given = vec![(*file, *class)];
                    if !exact {
                        for &other in &all_classes {
                            if other != (*file, *class)
                                && resolver.mro(other.0, other.1).contains(&(*file, *class))
                            {
                                given.push(other);
                            }
                        }
                    }
                    for (file, class) in given {
                        to.push(AssignedClass::Project {
                            file,
                            class,
                            layout: resolver.layout(file, class),
                            methods_known: resolver.methods_known(file, class),
                        });
                    }
                }
                StoredClass::Outside(name) if resolve::outside_class_without_methods(name) => {
                    to.push(AssignedClass::Outside {
                        layout: Layout::of_outside(name),
                    });
                }
                StoredClass::Outside(name) => to.push(AssignedClass::Unknown {
                    layout: Layout::of_outside(name),
                }),
                StoredClass::Unknown => to.push(AssignedClass::Unknown {
                    layout: Layout::Unknown,
                }),
            }
        }
        assignments.changes.push(ClassChange {
            store: (file, store.body, store.expr),
            to: to.into_boxed_slice(),
        });
        if store.classes.is_empty() {
            assignments.on_any.push(index);
        }
        for class in store.classes.iter() {
            changed.entry(*class).or_default().push(index);
        }
    }
    if !changed.is_empty() {
        for &(file, class) in &all_classes {
            let mro = resolver.mro(file, class);
            let mut reached: Vec<usize> = mro
                .iter()
                .filter_map(|entry| changed.get(entry))
                .flatten()
                .copied()
                .collect();
            if reached.is_empty() {
                continue;
            }
            reached.sort_unstable();
            reached.dedup();
            for entry in mro.iter() {
                let changes = assignments.on_classes.entry(*entry).or_default();
                for &change in &reached {
                    if !changes.contains(&change) {
                        changes.push(change);
                    }
                }
            }
        }
        for changes in assignments.on_classes.values_mut() {
            changes.sort_unstable();
        }
    }
    Arc::new(assignments)
}

/// The modules code of `file` may import, by absolute name, each with the binding of
/// the statement that imports it (for a label; none for a call): every `import` and
/// `from ... import` statement anywhere in the file, and `importlib.import_module("a.b")`
/// or `__import__("a.b")` with a literal name (`import_module(".b", "a")` too). Each
/// module once, where the file first imports it. A module's packages are imported with
/// it; [`project_submodule_imports`] counts them.
#[salsa::tracked(returns(ref))]
pub fn file_module_imports(
    db: &dyn Db,
    file: File,
) -> Arc<[(ModuleName, Option<index::BindingId>)]> {
    use awaitify_hir::source_map::NameSite;
    let hir = file_hir(db, file);
    let index = semantic_index(db, file);
    let mut imports: Vec<(ModuleName, Option<index::BindingId>)> = Vec::new();
    let mut seen: FxHashSet<ModuleName> = FxHashSet::default();
    let mut push = |name: ModuleName, binding: Option<index::BindingId>| {
        if seen.insert(name.clone()) {
            imports.push((name, binding));
        }
    };
    // The first binding of each import statement.
    let mut statement_bindings: FxHashMap<(BodyId, StmtId), index::BindingId> =
        FxHashMap::default();
    for (id, binding) in index.bindings.iter() {
        if let index::BindingSite::Name(NameSite::Alias(stmt, _)) = binding.site {
            statement_bindings.entry((binding.body, stmt)).or_insert(id);
        }
    }
    for (body_id, body) in hir.bodies() {
        for (stmt_id, stmt) in body.stmts.iter() {
            let binding = statement_bindings.get(&(body_id, stmt_id)).copied();
            match stmt {
                Stmt::Import { names } => {
                    for alias in names.iter() {
                        push(alias.name.to_string(), binding);
                    }
                }
                Stmt::ImportFrom { module, level, .. } => {
                    if let Some(name) = absolute_module_name(db, file, module.as_deref(), *level) {
                        push(name, binding);
                    }
                }
                _ => {}
            }
        }
        for (expr_id, expr) in body.exprs.iter() {
            if let Some(name) = literal_import(body, expr_id, expr) {
                push(name, None);
            }
        }
    }
    imports.into()
}

/// The module a call `importlib.import_module("a.b")` (any callee named
/// `import_module`) or `__import__("a.b")` imports, when its name is a literal; a
/// relative name needs a literal package (`import_module(".b", "a")`).
fn literal_import(body: &awaitify_hir::hir::Body, call: ExprId, expr: &Expr) -> Option<ModuleName> {
    let Expr::Call { func, args, .. } = expr else {
        return None;
    };
    let callee = match &body.exprs[*func] {
        Expr::Name { id, .. } => id,
        Expr::Attribute { attr, .. } => attr,
        _ => return None,
    };
    let relative_allowed = match callee.as_str() {
        "import_module" => true,
        "__import__" => false,
        _ => return None,
    };
    let name = body.string_literal(*args.first()?)?;
    let relative = name.trim_start_matches('.');
    let level = name.len() - relative.len();
    if level == 0 {
        return resolve::is_dotted_name(name).then(|| name.to_string());
    }
    if !relative_allowed || !(relative.is_empty() || resolve::is_dotted_name(relative)) {
        return None;
    }
    let package = body.string_literal(body.call_argument(call, 1, "package")?)?;
    let mut parts: Vec<&str> = package.split('.').collect();
    for _ in 1..level {
        parts.pop()?;
    }
    if parts.is_empty() || !resolve::is_dotted_name(package) {
        return None;
    }
    let mut absolute = parts.join(".");
    if !relative.is_empty() {
        absolute.push('.');
        absolute.push_str(relative);
    }
    Some(absolute)
}

/// Code that may import a package's submodule `N` after the package's `__init__` bound
/// a name `N` of its own: the import sets the package's attribute `N` to the submodule,
/// over that binding (see [`SubmoduleImports`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmoduleImport {
    pub submodule: File,
    /// The first file, in path order, that imports the submodule, and the binding of its
    /// statement (none for `importlib.import_module(...)`).
    pub file: File,
    pub binding: Option<index::BindingId>,
}

/// The package attributes that importing a submodule may replace: for each package
/// `__init__` and name `N` it binds, whose submodule `N` code of the project imports,
/// unless `__init__` binds `N` first by importing that submodule itself on its top level
/// (`from .N import N`, see [`ModuleSymbols::submodules_imported_first`]). Which runs
/// last, the import or `__init__`'s binding, is a run-time fact: `pkg.N` may be either.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubmoduleImports {
    pub replaced: FxHashMap<(File, Name), SubmoduleImport>,
    /// The packages some of whose names are in `replaced`.
    pub packages: FxHashSet<File>,
}

/// Every file's [`file_module_imports`], matched with the names packages bind (see
/// [`SubmoduleImports`]).
#[salsa::tracked(returns(ref))]
pub fn project_submodule_imports(db: &dyn Db) -> Arc<SubmoduleImports> {
    let modules = project_modules(db);
    // Where each module of the project is first imported; `import a.b.c` imports `a.b`.
    let mut first: FxHashMap<&str, (File, Option<index::BindingId>)> = FxHashMap::default();
    for file in awaitify_db::files_by_path(db) {
        for (name, binding) in file_module_imports(db, file).iter() {
            // Only a submodule (a dotted name) replaces a package's attribute.
            let mut prefix = name.as_str();
            while let Some(dot) = prefix.rfind('.') {
                if modules.contains_key(prefix) {
                    first.entry(prefix).or_insert((file, *binding));
                }
                prefix = &prefix[..dot];
            }
        }
    }
    let mut result = SubmoduleImports::default();
    if first.is_empty() {
        return Arc::new(result);
    }
    for (package, &file) in modules.iter() {
        if !awaitify_db::is_package_init(db, file) {
            continue;
        }
        let symbols = module_symbols(db, file);
        for (name, bindings) in symbols.globals.iter() {
            if symbols
                .submodules_imported_first
                .binary_search(name)
                .is_ok()
            {
                continue;
            }
            let submodule = format!("{package}.{name}");
            let (Some(&found), Some(&(importer, binding))) =
                (modules.get(&submodule), first.get(submodule.as_str()))
            else {
                continue;
            };
            // `from . import N` and `import pkg.N as N` bind the submodule itself.
            let binds_submodule = |summary: &symbols::Summary| match summary {
                symbols::Summary::ImportFrom {
                    module,
                    level,
                    name: imported,
                } => {
                    imported == name
                        && absolute_module_name(db, file, module.as_deref(), *level).as_deref()
                            == Some(package.as_str())
                }
                symbols::Summary::Import { module } => module.as_str() == submodule,
                _ => false,
            };
            if bindings.iter().all(|(_, summary)| binds_submodule(summary)) {
                continue;
            }
            result.replaced.insert(
                (file, name.clone()),
                SubmoduleImport {
                    submodule: found,
                    file: importer,
                    binding,
                },
            );
            result.packages.insert(file);
        }
    }
    Arc::new(result)
}

/// What `file` stores into Streamlit's session state (see [`session_state`]).
#[salsa::tracked(returns(ref))]
pub fn file_session_state(db: &dyn Db, file: File) -> Arc<session_state::FileSessionState> {
    Arc::new(session_state::scan(
        file_hir(db, file),
        semantic_index(db, file),
    ))
}

/// Every store of the project into Streamlit's session state (see [`session_state`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionState {
    pub stores: Vec<(File, session_state::SessionStore)>,
    /// The first place the state goes where awaitify does not follow it: then any key
    /// may hold anything.
    pub escape: Option<(File, BodyId, session_state::Place)>,
}

impl SessionState {
    /// The stores that may write `key`.
    pub fn stores_of<'a>(
        &'a self,
        key: &'a str,
    ) -> impl Iterator<Item = &'a (File, session_state::SessionStore)> + 'a {
        self.stores
            .iter()
            .filter(move |(_, store)| store.key.may_write(key))
    }
}

/// Every file's [`file_session_state`], merged; nothing at all for a project that
/// never imports `streamlit`, whose files are then not scanned.
#[salsa::tracked(returns(ref))]
pub fn project_session_state(db: &dyn Db) -> Arc<SessionState> {
    let files = awaitify_db::files_by_path(db);
    let is_streamlit = |module: &str| {
        module == "streamlit"
            || module
                .strip_prefix("streamlit")
                .is_some_and(|rest| rest.starts_with('.'))
    };
    let mut state = SessionState::default();
    if !files.iter().any(|&file| {
        file_module_imports(db, file)
            .iter()
            .any(|(module, _)| is_streamlit(module))
    }) {
        return Arc::new(state);
    }
    for &file in &files {
        let found = file_session_state(db, file);
        state
            .stores
            .extend(found.stores.iter().map(|store| (file, store.clone())));
        if state.escape.is_none() {
            state.escape = found.escape.map(|(body, place)| (file, body, place));
        }
        // A global bound to the state, in a module another one imports.
        if state.escape.is_none()
            && let Some((body, expr)) = found.global_alias
            && files.iter().any(|&importer| {
                importer != file
                    && file_module_imports(db, importer)
                        .iter()
                        .any(|(module, _)| resolve_module(db, module) == Some(file))
            })
        {
            state.escape = Some((file, body, session_state::Place::Expr(expr)));
        }
    }
    Arc::new(state)
}

/// What every name use of `file` resolves to.
#[salsa::tracked(returns(ref))]
pub fn file_resolutions(db: &dyn Db, file: File) -> Arc<FileResolutions> {
    let mut resolver = Resolver::new(db);
    Arc::new(resolver.resolve_file_uses(file))
}

/// The body a scope's code belongs to, for scopes that own a body.
pub fn body_of_scope(index: &SemanticIndex, scope: index::ScopeId) -> Option<BodyId> {
    match index.scopes[scope].node {
        index::ScopeNode::Module => Some(BodyId::Module),
        index::ScopeNode::Function(function) => Some(BodyId::Function(function)),
        index::ScopeNode::Class(class) => Some(BodyId::Class(class)),
        _ => None,
    }
}
