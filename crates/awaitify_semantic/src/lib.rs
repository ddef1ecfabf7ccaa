//! Name resolution: scopes, bindings, flow-sensitive use-def, module resolution and
//! resolution of names to qualified names, local definitions and modules.
//!
//! Queries, each per file unless said otherwise:
//! - [`project_modules`] (project): module name -> file, the first root winning, so a
//!   local `time.py` or `time/__init__.py` shadows the standard library.
//! - [`module_exports`]: the names a `from m import *` takes, read from the module's
//!   top-level statements only.
//! - [`semantic_index`]: scopes, symbols, bindings and use-def ([`index`]).
//! - [`module_symbols`]: the summary other files resolve against: each global name's
//!   bindings, each class's bases and members, each function's decorators. It is equal
//!   after an edit inside a function body, so other files' resolution is not re-run.
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
pub mod symbols;

use std::sync::Arc;

use awaitify_db::{Db, File, ModuleName, module_name};
use awaitify_hir::file_hir;
use awaitify_hir::hir::{BodyId, Expr, FileHir, Literal, Name, Stmt, StmtId};
use rustc_hash::{FxHashMap, FxHashSet};

pub use index::{SemanticIndex, StarNames};
pub use resolve::{FileResolutions, Namespace, Resolution, Resolver, Target, Unresolved};
pub use symbols::ModuleSymbols;

/// Every module of the project by name. When two roots hold the same module name, the
/// first root wins; within a root a package (`m/__init__.py`) wins over `m.py`, as in
/// CPython's path finder.
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

/// The names a module offers to `from m import *`, before following its own star
/// imports: `__all__` when it is a literal list or tuple of strings, else every
/// top-level name that does not start with `_`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleExports {
    pub all: Option<Box<[Name]>>,
    pub names: Box<[Name]>,
    pub star_imports: Box<[(Option<Name>, u32)]>,
}

impl ModuleExports {
    pub fn public_names(&self) -> Vec<Name> {
        match &self.all {
            Some(all) => all.to_vec(),
            None => self
                .names
                .iter()
                .filter(|name| !name.starts_with('_'))
                .cloned()
                .collect(),
        }
    }
}

#[salsa::tracked(returns(ref))]
pub fn module_exports(db: &dyn Db, file: File) -> Arc<ModuleExports> {
    let hir = file_hir(db, file);
    let mut collector = ExportCollector {
        hir,
        names: Vec::new(),
        seen: FxHashSet::default(),
        all: None,
        star_imports: Vec::new(),
    };
    collector.block(&hir.module.block);
    Arc::new(ModuleExports {
        all: collector.all.map(Vec::into_boxed_slice),
        names: collector.names.into_boxed_slice(),
        star_imports: collector.star_imports.into_boxed_slice(),
    })
}

struct ExportCollector<'a> {
    hir: &'a FileHir,
    names: Vec<Name>,
    seen: FxHashSet<Name>,
    all: Option<Vec<Name>>,
    star_imports: Vec<(Option<Name>, u32)>,
}

impl ExportCollector<'_> {
    fn add(&mut self, name: &Name) {
        if self.seen.insert(name.clone()) {
            self.names.push(name.clone());
        }
    }

    fn block(&mut self, block: &[StmtId]) {
        for stmt in block {
            self.stmt(*stmt);
        }
    }

    fn target(&mut self, expr: awaitify_hir::hir::ExprId) {
        let body = &self.hir.module;
        match &body.exprs[expr] {
            Expr::Name { id, .. } => {
                let id = id.clone();
                self.add(&id);
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

    fn string_list(&self, expr: awaitify_hir::hir::ExprId) -> Option<Vec<Name>> {
        let body = &self.hir.module;
        match &body.exprs[expr] {
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } => elts
                .iter()
                .map(|element| match &body.exprs[*element] {
                    Expr::Literal(Literal::Str(text)) => Some(Name::from(&**text)),
                    _ => None,
                })
                .collect(),
            _ => None,
        }
    }

    fn stmt(&mut self, stmt: StmtId) {
        let hir = self.hir;
        let body = &hir.module;
        match &body.stmts[stmt] {
            Stmt::FunctionDef(function) => self.add(&hir.functions[*function].name),
            Stmt::ClassDef(class) => self.add(&hir.classes[*class].name),
            Stmt::Assign { targets, value } => {
                for target in targets.iter() {
                    if matches!(&body.exprs[*target], Expr::Name { id, .. } if id == "__all__") {
                        self.all = self.string_list(*value);
                    }
                    self.target(*target);
                }
            }
            Stmt::AugAssign { target, value, .. } => {
                if matches!(&body.exprs[*target], Expr::Name { id, .. } if id == "__all__") {
                    let more = self.string_list(*value);
                    if let (Some(all), Some(more)) = (&mut self.all, more) {
                        all.extend(more);
                    }
                }
                self.target(*target);
            }
            Stmt::AnnAssign {
                target,
                value: Some(_),
                ..
            } => self.target(*target),
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
                self.block(then);
                self.block(orelse);
            }
            Stmt::Try {
                body: try_body,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                self.block(try_body);
                for handler in handlers.iter() {
                    self.block(&handler.body);
                }
                self.block(orelse);
                self.block(finalbody);
            }
            Stmt::For {
                target,
                body: loop_body,
                orelse,
                ..
            } => {
                self.target(*target);
                self.block(loop_body);
                self.block(orelse);
            }
            Stmt::While {
                body: loop_body,
                orelse,
                ..
            } => {
                self.block(loop_body);
                self.block(orelse);
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
                self.block(with_body);
            }
            Stmt::Match { cases, .. } => {
                for case in cases.iter() {
                    self.block(&case.body);
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
    match resolve_module(db, module) {
        Some(target) => {
            if !visited.insert(target) {
                return StarNames::Names(Vec::new());
            }
            let exports = module_exports(db, target);
            let mut names = exports.public_names();
            if exports.all.is_none() {
                for (inner, level) in exports.star_imports.iter() {
                    let Some(absolute) = absolute_module_name(db, target, inner.as_deref(), *level)
                    else {
                        continue;
                    };
                    if let StarNames::Names(more) = collect_star_names(db, &absolute, visited) {
                        names.extend(more.into_iter().filter(|name| !name.starts_with('_')));
                    }
                }
            }
            StarNames::Names(names)
        }
        None => match known_star_names(module) {
            Some(names) => StarNames::Names(names.iter().map(|name| Name::from(*name)).collect()),
            None => StarNames::Opaque,
        },
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
    Arc::new(ModuleSymbols::build(hir, index))
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
