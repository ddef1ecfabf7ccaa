//! The cross-file summary of a module: what other files may ask of it.
//!
//! Other files resolve `from m import f`, `m.f`, base classes and methods against this
//! summary, never against `m`'s full semantic index. The summary holds no expression
//! ids and no positions: only names, item ids and *paths* (`a.b`, `a.b()`), so it stays
//! equal after an edit inside a function body, and salsa backdates it.

use la_arena::ArenaMap;
use rustc_hash::FxBuildHasher;

use crate::index::{BindingId, BindingKind, Fallback, ScopeId, ScopeKind, SemanticIndex};
use crate::resolve::{Unresolved, expr_kind};
use awaitify_hir::hir::*;

type IndexMap<K, V> = indexmap::IndexMap<K, V, FxBuildHasher>;

/// A resolvable expression shape: a name, an attribute of a path, or a call of a path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExprPath {
    Name(Name),
    Attribute(Box<ExprPath>, Name),
    Call(Box<ExprPath>),
}

impl ExprPath {
    /// Whether a call is part of the path (`make().x`), which may give another object
    /// each time.
    pub fn has_call(&self) -> bool {
        match self {
            ExprPath::Name(_) => false,
            ExprPath::Attribute(value, _) => value.has_call(),
            ExprPath::Call(_) => true,
        }
    }

    /// The path of `expr` if it is made only of names, attributes and calls.
    pub fn of(body: &Body, expr: ExprId) -> Option<ExprPath> {
        match &body.exprs[expr] {
            Expr::Name { id, .. } => Some(ExprPath::Name(id.clone())),
            Expr::Attribute { value, attr, .. } => Some(ExprPath::Attribute(
                Box::new(ExprPath::of(body, *value)?),
                attr.clone(),
            )),
            Expr::Call { func, .. } => Some(ExprPath::Call(Box::new(ExprPath::of(body, *func)?))),
            _ => None,
        }
    }
}

impl ExprPath {
    /// This path with its first name replaced by `root` (`client.fetch` with `Client()`
    /// for `client` is `Client().fetch`).
    /// The name the path starts from.
    pub fn root(&self) -> &Name {
        match self {
            ExprPath::Name(name) => name,
            ExprPath::Attribute(value, _) | ExprPath::Call(value) => value.root(),
        }
    }

    fn with_root(self, root: ExprPath) -> ExprPath {
        match self {
            ExprPath::Name(_) => root,
            ExprPath::Attribute(value, attr) => {
                ExprPath::Attribute(Box::new(value.with_root(root)), attr)
            }
            ExprPath::Call(value) => ExprPath::Call(Box::new(value.with_root(root))),
        }
    }
}

impl std::fmt::Display for ExprPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExprPath::Name(name) => f.write_str(name),
            ExprPath::Attribute(value, attr) => write!(f, "{value}.{attr}"),
            ExprPath::Call(callee) => write!(f, "{callee}()"),
        }
    }
}

/// What one binding of a module-level or class-level name is, for other files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    Function(FunctionId),
    Class(ClassId),
    Import {
        module: Name,
    },
    ImportFrom {
        module: Option<Name>,
        level: u32,
        name: Name,
    },
    /// `name = <path>`.
    Path(ExprPath),
    /// `name = None` (`conn = None` in a class body, until a method stores a
    /// connection on `self`).
    None,
    /// Any other binding; the string says what kind.
    Opaque(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassSummary {
    pub name: Name,
    pub bases: Box<[Option<ExprPath>]>,
    pub decorators: Box<[Option<ExprPath>]>,
    /// The `metaclass=` keyword of its header: `None` without one, `Some(None)` when it
    /// is not a path.
    pub metaclass: Option<Option<ExprPath>>,
    /// Whether a decorator's first name is a local of the function the class is defined
    /// in, which the module's globals do not resolve.
    pub local_decorator: bool,
    pub members: IndexMap<Name, Box<[(BindingId, Summary)]>>,
    /// What its own methods store on `self` (`self.client = Client()`), by attribute:
    /// each store's value (see [`StoredValue`]). `*` stands for attributes a method
    /// stores through the namespace with computed names (`self.__dict__.update(overrides)`).
    pub instance_attributes: IndexMap<Name, Box<[StoredValue]>>,
}

/// What a method stores on `self`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredValue {
    /// A path in the module's globals (`Client()`, `time`).
    Path(ExprPath),
    /// A value of a builtin type written out (`{}`, `[1, 2]`, `"text"`, `0`, an
    /// f-string, a comprehension): never a project object.
    BuiltinValue,
    /// A list, tuple or set display, or a list or set comprehension, whose elements are
    /// these paths in the module's globals (`[Worker(n) for n in names]`, `[]`): a value
    /// of a builtin type, whose elements a loop over the attribute may take (see
    /// `Resolver::stored_elements`).
    Elements(Box<[ExprPath]>),
    /// A parameter of the storing method itself, other than `self`, never rebound before
    /// the store (`self.repo = repo` in `__init__`): what its callers pass. Resolution
    /// leaves it unknown; the coloring follows it to the callers' arguments (the
    /// `parameters` module of `awaitify_rewrite`).
    Parameter { function: FunctionId, index: u32 },
    /// The constant `None` (`self.conn = None` until a method connects): no method
    /// call on it runs project code, as it raises `AttributeError` before and after the
    /// rewrite alike, so it adds nothing to what a call on the attribute may run.
    None,
    /// Anything else: an unpacking, `+=`, `del`.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSummary {
    pub name: Name,
    pub is_async: bool,
    pub decorators: Box<[Option<ExprPath>]>,
    /// The decorators applied by rebinding its name after the `def` (`step =
    /// staticmethod(step)`; see [`BindingKind::Decoration`]).
    pub assigned_decorators: Box<[Option<ExprPath>]>,
    /// The class whose body defines this function directly (a method).
    pub class: Option<ClassId>,
    /// What a call of it returns, when every `return` gives a path whose first name is
    /// not a local (`return st.navigation(pages)`, `return Client()`), or, in a method,
    /// is its first parameter (`return self`, `return cls()`), directly or through locals
    /// (`store = cls(); ...; return store`); `None` when some return is anything else, or
    /// the function is async or a generator.
    pub returns: Option<Box<[ExprPath]>>,
    /// What a call of it is known to give back whatever it is handed (see [`GivesBack`]).
    pub gives_back: Option<GivesBack>,
}

/// What a function gives back that decides what a class's name or call holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GivesBack {
    /// A `__new__`, or a metaclass's `__call__`, every return of which gives a new object
    /// of the class called: `super().__new__(cls)`, `object.__new__(cls)`,
    /// `super().__call__(*args)`, a local bound only to one of those, or an entry keyed
    /// by the class of a dict on it filled only with those (`cls._instances[cls]`).
    Instance {
        /// A `__new__` that may give back an object it cached on the class
        /// (`cls._instance` set to `super().__new__(cls)`): a subclass's call may find
        /// the instance its base cached, so the object is only known to be an instance
        /// of the class whose body defines this `__new__`.
        of_owner: bool,
        /// The attributes of the class it caches objects in, whose stores elsewhere
        /// (outside this function) would put something else there.
        cached_in: Box<[Name]>,
    },
    /// Every return gives back the parameter at this index (0 or 1: after `self` or
    /// `cls` of a method), never rebound: a class decorator that returns the class it is
    /// given (`REGISTRY.append(cls); return cls`).
    Parameter(u32),
    /// Every return gives a nested `def` of this function that gives back its first
    /// parameter: a factory of such class decorators (`@register("name")`).
    ParameterDecorator,
}

/// What Python binds the first parameter of a method to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirstParameter {
    /// `self`.
    Instance,
    /// `cls`: of a classmethod, `__new__` or `__init_subclass__`.
    Class,
}

impl FunctionSummary {
    /// The class a method belongs to, and what its first parameter is bound to when it
    /// is called as one; `None` for a function outside a class body or a staticmethod.
    pub fn first_parameter(&self) -> Option<(ClassId, FirstParameter)> {
        let class = self.class?;
        let decorated = |name: &str| {
            self.decorators
                .iter()
                .chain(self.assigned_decorators.iter())
                .any(|decorator| matches!(decorator, Some(ExprPath::Name(id)) if id == name))
        };
        if decorated("staticmethod") {
            None
        } else if decorated("classmethod")
            || self.name == "__new__"
            || self.name == "__init_subclass__"
        {
            Some((class, FirstParameter::Class))
        } else {
            Some((class, FirstParameter::Instance))
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleSymbols {
    pub globals: IndexMap<Name, Box<[(BindingId, Summary)]>>,
    pub classes: ArenaMap<ClassId, ClassSummary>,
    pub functions: ArenaMap<FunctionId, FunctionSummary>,
    /// Attributes stored or deleted anywhere in the module other than on `self` in a
    /// class's own method (`app.client = Fake()`, `cls.cache = {}`, a closure's
    /// `self.x = 1`), or named by `setattr`/`delattr` or written through an object's
    /// namespace (`vars(app)["client"] = fake`), sorted. `*` stands for a name `setattr`
    /// computes, or any name (`app.__dict__.update(values)`).
    pub other_attribute_stores: Box<[Name]>,
    /// The module's `from m import *` statements anywhere on its top level, as
    /// (module, level), and what its `__all__` holds: what a star import of the module
    /// may bind beyond the names awaitify lists (see [`crate::module_exports`]).
    pub star_imports: Box<[(Option<Name>, u32)]>,
    pub dunder_all: crate::DunderAll,
    /// In a package's `__init__`, the names `N` it first binds by a statement directly on
    /// its top level that imports its own submodule `N` (`from .N import N`, `from .N
    /// import *`, `from pkg.N import helper as N`): that import sets the package's
    /// attribute `N` to the submodule, then the statement binds `N` over it, and a later
    /// import of the loaded submodule sets nothing, so `pkg.N` keeps what `__init__`
    /// binds (see [`crate::project_submodule_imports`]). Sorted.
    pub submodules_imported_first: Box<[Name]>,
    /// Whether the module's code may reach variables of any module other than by name:
    /// `exec` or `eval` (whose strings may name anything), a function's `__globals__`, a
    /// frame's `f_globals` or `f_locals` (`sys._getframe(1).f_globals`), or the
    /// collector's `gc.get_objects()` and `gc.get_referrers()`.
    pub reaches_namespaces: bool,
}

/// Attributes that lead from an object to a module's or a frame's variables.
const NAMESPACE_ATTRIBUTES: &[&str] = &[
    "__globals__",
    "f_globals",
    "f_locals",
    "get_objects",
    "get_referrers",
];

impl ModuleSymbols {
    pub fn build(hir: &FileHir, index: &SemanticIndex) -> ModuleSymbols {
        let summarize_scope = |scope: ScopeId| -> IndexMap<Name, Box<[(BindingId, Summary)]>> {
            index.scopes[scope]
                .symbols
                .iter()
                .filter(|(_, symbol)| !symbol.bindings.is_empty())
                .map(|(name, symbol)| {
                    let summaries = symbol
                        .bindings
                        .iter()
                        .map(|binding| (*binding, summarize(hir, index, *binding)))
                        .collect();
                    (name.clone(), summaries)
                })
                .collect()
        };
        let mut symbols = ModuleSymbols {
            globals: summarize_scope(index.module_scope()),
            ..ModuleSymbols::default()
        };
        for (class, data) in hir.classes.iter() {
            let parent = hir.body(data.parent);
            let paths = |exprs: &[ExprId]| -> Box<[Option<ExprPath>]> {
                exprs
                    .iter()
                    .map(|expr| ExprPath::of(parent, *expr))
                    .collect()
            };
            // `Base[T]` inherits from `Base`: typing's generic aliases give their origin
            // class through `__mro_entries__`.
            let bases = data
                .bases
                .iter()
                .map(|expr| {
                    let origin = match &parent.exprs[*expr] {
                        Expr::Subscript { value, .. } => *value,
                        _ => *expr,
                    };
                    ExprPath::of(parent, origin)
                })
                .collect();
            let members = index
                .class_scopes
                .get(class)
                .map(|scope| summarize_scope(*scope))
                .unwrap_or_default();
            symbols.classes.insert(
                class,
                ClassSummary {
                    name: data.name.clone(),
                    bases,
                    decorators: paths(&data.decorators),
                    metaclass: data
                        .keywords
                        .iter()
                        .find(|keyword| keyword.arg.as_deref() == Some("metaclass"))
                        .map(|keyword| ExprPath::of(parent, keyword.value)),
                    local_decorator: local_decorator(index, data, parent),
                    members,
                    instance_attributes: IndexMap::default(),
                },
            );
        }
        for (function, data) in hir.functions.iter() {
            let parent = hir.body(data.parent);
            symbols.functions.insert(
                function,
                FunctionSummary {
                    name: data.name.clone(),
                    is_async: data.is_async,
                    decorators: data
                        .decorators
                        .iter()
                        .map(|expr| ExprPath::of(parent, *expr))
                        .collect(),
                    assigned_decorators: index
                        .assigned_decorators(function)
                        .iter()
                        .map(|expr| ExprPath::of(parent, *expr))
                        .collect(),
                    class: match data.parent {
                        BodyId::Class(class) => Some(class),
                        _ => None,
                    },
                    returns: return_paths(index, function, data),
                    gives_back: gives_back(hir, index, function, data),
                },
            );
        }
        let mut other_stores: Vec<Name> = Vec::new();
        for (body_id, body) in hir.bodies() {
            let receiver = instance_parameter(hir, &symbols, body_id);
            for (expr_id, expr) in body.exprs.iter() {
                symbols.reaches_namespaces |= match expr {
                    Expr::Name { id, .. } => matches!(id.as_str(), "exec" | "eval"),
                    Expr::Attribute { attr, .. } => NAMESPACE_ATTRIBUTES.contains(&attr.as_str()),
                    _ => false,
                };
                match expr {
                    Expr::Attribute {
                        value,
                        attr,
                        ctx: ExprContext::Store | ExprContext::Del,
                    } => match (receiver, &body.exprs[*value]) {
                        (Some((class, receiver)), Expr::Name { id, .. }) if id == receiver => {
                            // `self.__dict__ = values` replaces every attribute.
                            let (attr, stored) = if attr == "__dict__" {
                                (Name::from("*"), vec![StoredValue::Unknown])
                            } else {
                                (attr.clone(), stored_values(index, body_id, body, expr_id))
                            };
                            if let Some(summary) = symbols.classes.get_mut(class) {
                                let values = summary.instance_attributes.entry(attr).or_default();
                                let mut all = values.to_vec();
                                all.extend(stored);
                                *values = all.into_boxed_slice();
                            }
                        }
                        _ => other_stores.push(attr.clone()),
                    },
                    // `setattr(obj, "name", value)` and `delattr(obj, "name")`.
                    Expr::Call { func, args, .. } if matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "setattr" || id == "delattr") => {
                        match args.get(1).map(|name| &body.exprs[*name]) {
                            Some(Expr::Literal(Literal::Str(name))) => {
                                other_stores.push(Name::from(&**name));
                            }
                            _ => other_stores.push(Name::from("*")),
                        }
                    }
                    // `App.conn.__set__(app, value)`: a descriptor (a slot, a property)
                    // stores through its own method.
                    Expr::Call { func, .. } if matches!(&body.exprs[*func], Expr::Attribute { attr, .. } if attr == "__set__" || attr == "__delete__") =>
                    {
                        let Expr::Attribute {
                            value: descriptor, ..
                        } = &body.exprs[*func]
                        else {
                            continue;
                        };
                        match &body.exprs[*descriptor] {
                            Expr::Attribute { attr, .. } => other_stores.push(attr.clone()),
                            _ => other_stores.push(Name::from("*")),
                        }
                    }
                    // `object.__setattr__(obj, "name", value)`, `super().__setattr__("name",
                    // value)`, `obj.__delattr__("name")`: the name is the first or the
                    // second argument, whichever is a string (both count, to be safe).
                    Expr::Call { func, args, .. } if matches!(&body.exprs[*func], Expr::Attribute { attr, .. } if attr == "__setattr__" || attr == "__delattr__") =>
                    {
                        let names: Vec<Name> = args
                            .iter()
                            .take(2)
                            .filter_map(|arg| match &body.exprs[*arg] {
                                Expr::Literal(Literal::Str(name)) => Some(Name::from(&**name)),
                                _ => None,
                            })
                            .collect();
                        if names.is_empty() {
                            other_stores.push(Name::from("*"));
                        }
                        other_stores.extend(names);
                    }
                    _ => {
                        // `obj.__dict__.update(values)`, `vars(obj)["name"] = value`: the
                        // object's attributes changed through its namespace.
                        let Some((object, name)) = namespace_store(body, expr_id) else {
                            continue;
                        };
                        match (receiver, &body.exprs[object]) {
                            (Some((class, receiver)), Expr::Name { id, .. }) if id == receiver => {
                                if let Some(summary) = symbols.classes.get_mut(class) {
                                    let values =
                                        summary.instance_attributes.entry(name).or_default();
                                    let mut all = values.to_vec();
                                    all.push(StoredValue::Unknown);
                                    *values = all.into_boxed_slice();
                                }
                            }
                            _ => other_stores.push(name),
                        }
                    }
                }
            }
        }
        // A class's own `__setattr__` may store anything under any name, and its own
        // `__getattribute__` may read anything: its instances' attributes are unknown.
        for (_, summary) in symbols.classes.iter_mut() {
            let intercepts = ["__setattr__", "__getattribute__"]
                .iter()
                .any(|special| summary.members.contains_key(*special));
            if intercepts {
                let values = summary
                    .instance_attributes
                    .entry(Name::from("*"))
                    .or_default();
                let mut all = values.to_vec();
                all.push(StoredValue::Unknown);
                *values = all.into_boxed_slice();
            }
        }
        other_stores.sort();
        other_stores.dedup();
        symbols.other_attribute_stores = other_stores.into_boxed_slice();
        symbols
    }
}

/// Methods of a namespace dictionary that store or delete entries.
const NAMESPACE_WRITES: &[&str] = &[
    "update",
    "setdefault",
    "__setitem__",
    "__delitem__",
    "pop",
    "popitem",
    "clear",
];

/// The object whose attributes an expression of `body` writes through its namespace,
/// and the attribute (`*` when it is computed): `obj.__dict__.update(...)`,
/// `vars(obj).setdefault("name", v)`, `obj.__dict__["name"] = v`, `del vars(obj)[k]`.
fn namespace_store(body: &Body, expr: ExprId) -> Option<(ExprId, Name)> {
    // `obj.__dict__` or `vars(obj)`.
    let namespace_of = |expr: ExprId| match &body.exprs[expr] {
        Expr::Attribute { value, attr, .. } if attr == "__dict__" => Some(*value),
        Expr::Call { func, args, .. }
            if args.len() == 1
                && matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "vars") =>
        {
            Some(args[0])
        }
        _ => None,
    };
    let literal = |key: Option<&ExprId>| match key.map(|key| &body.exprs[*key]) {
        Some(Expr::Literal(Literal::Str(name))) => Name::from(&**name),
        _ => Name::from("*"),
    };
    match &body.exprs[expr] {
        Expr::Subscript {
            value,
            slice,
            ctx: ExprContext::Store | ExprContext::Del,
        } => Some((namespace_of(*value)?, literal(Some(slice)))),
        Expr::Call { func, args, .. } => match &body.exprs[*func] {
            Expr::Attribute { value, attr, .. } if NAMESPACE_WRITES.contains(&attr.as_str()) => {
                let object = namespace_of(*value)?;
                let name = match attr.as_str() {
                    "setdefault" | "__setitem__" | "__delitem__" | "pop" => literal(args.first()),
                    _ => Name::from("*"),
                };
                Some((object, name))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The class and the name of the first parameter of `body` when Python binds it to an
/// instance of the class (see [`FunctionSummary::first_parameter`]).
fn instance_parameter<'a>(
    hir: &'a FileHir,
    symbols: &ModuleSymbols,
    body: BodyId,
) -> Option<(ClassId, &'a Name)> {
    let BodyId::Function(function) = body else {
        return None;
    };
    let (class, FirstParameter::Instance) = symbols.functions.get(function)?.first_parameter()?
    else {
        return None;
    };
    let params = &hir.functions[function].params;
    let first = params.posonly.first().or(params.args.first())?;
    Some((class, &first.name))
}

/// What a store to `target` (an attribute of `self`) may assign, one [`StoredValue`]
/// per value it may take: only when it is a whole target of a plain assignment (one of
/// a chain, `c = self.conn = Client()`, each given the same value) or an annotated one.
/// The value of `client or Client()` or of `a if fast else b` is one of its operands,
/// so each is summarised (see [`value_alternatives`]).
fn stored_values(
    index: &SemanticIndex,
    body_id: BodyId,
    body: &Body,
    target: ExprId,
) -> Vec<StoredValue> {
    let value = body.stmts.iter().find_map(|(_, stmt)| match stmt {
        Stmt::Assign { targets, value } if targets.contains(&target) => Some(*value),
        Stmt::AnnAssign {
            target: annotated,
            value: Some(value),
            ..
        } if *annotated == target => Some(*value),
        _ => None,
    });
    let Some(value) = value else {
        return vec![StoredValue::Unknown];
    };
    let mut alternatives = Vec::new();
    value_alternatives(body, value, target, 0, &mut alternatives);
    alternatives
        .into_iter()
        .map(|alternative| stored_value(index, body_id, body, alternative))
        .collect()
}

/// How deep `or`, `and` and conditional expressions are taken apart.
const MAX_ALTERNATIVE_DEPTH: u32 = 8;

/// The expressions whose value `value`, stored to `target`, may be: each operand of an
/// `or` or an `and` (Python gives one of them), each branch of a conditional expression,
/// and the value of a walrus. A read of the attribute stored to, on the same receiver
/// (`self.cache = self.cache or {}`), adds nothing: it holds what a store gave before.
pub(crate) fn value_alternatives(
    body: &Body,
    value: ExprId,
    target: ExprId,
    depth: u32,
    alternatives: &mut Vec<ExprId>,
) {
    if depth >= MAX_ALTERNATIVE_DEPTH {
        alternatives.push(value);
        return;
    }
    match &body.exprs[value] {
        Expr::BoolOp { values, .. } => {
            for operand in values.iter() {
                value_alternatives(body, *operand, target, depth + 1, alternatives);
            }
        }
        Expr::If {
            body: then, orelse, ..
        } => {
            value_alternatives(body, *then, target, depth + 1, alternatives);
            value_alternatives(body, *orelse, target, depth + 1, alternatives);
        }
        Expr::Named { value: inner, .. } => {
            value_alternatives(body, *inner, target, depth + 1, alternatives);
        }
        _ if depth > 0 && same_attribute(body, value, target) => {}
        _ => alternatives.push(value),
    }
}

/// Whether `read` reads the attribute `store` stores, on a receiver of the same path
/// (`self.cache`, `st.session_state.client`).
fn same_attribute(body: &Body, read: ExprId, store: ExprId) -> bool {
    let (
        Expr::Attribute {
            value: read_object,
            attr: read_attr,
            ctx: ExprContext::Load,
        },
        Expr::Attribute {
            value: store_object,
            attr: store_attr,
            ..
        },
    ) = (&body.exprs[read], &body.exprs[store])
    else {
        return false;
    };
    read_attr == store_attr
        && ExprPath::of(body, *read_object)
            .is_some_and(|read| !read.has_call() && ExprPath::of(body, *store_object) == Some(read))
}

/// What one value a store to an attribute of `self` may assign gives (see
/// [`stored_values`]).
pub(crate) fn stored_value(
    index: &SemanticIndex,
    body_id: BodyId,
    body: &Body,
    value: ExprId,
) -> StoredValue {
    if matches!(body.exprs[value], Expr::Literal(Literal::None)) {
        return StoredValue::None;
    }
    // A store at a module's top level reads its names in the globals too.
    let module_scope = index.module_scope();
    let scope = match body_id {
        BodyId::Function(function) => index.function_scopes.get(function),
        BodyId::Module => Some(&module_scope),
        BodyId::Class(_) => None,
    };
    if is_builtin_display(body, value) {
        return match scope.and_then(|scope| {
            container_elements(index, &index.scopes[*scope], body_id, body, value)
        }) {
            Some(elements) => StoredValue::Elements(elements),
            None => StoredValue::BuiltinValue,
        };
    }
    let Some(scope) = scope else {
        return StoredValue::Unknown;
    };
    if body_id == BodyId::Module {
        return ExprPath::of(body, value).map_or(StoredValue::Unknown, StoredValue::Path);
    }
    if let Some(parameter) = stored_parameter(index, body_id, body, value) {
        return parameter;
    }
    match global_path(index, &index.scopes[*scope], body_id, body, value, 0, false) {
        Some(path) => StoredValue::Path(path),
        None => StoredValue::Unknown,
    }
}

/// A store of a parameter of the storing method (not its first, `self`), when only the
/// parameter's own binding reaches the stored name (see [`StoredValue::Parameter`]).
fn stored_parameter(
    index: &SemanticIndex,
    body_id: BodyId,
    body: &Body,
    value: ExprId,
) -> Option<StoredValue> {
    let (BodyId::Function(own), Expr::Name { .. }) = (body_id, &body.exprs[value]) else {
        return None;
    };
    let use_id = index.use_of(body_id, value)?;
    if index.uses[use_id].fallback != crate::index::Fallback::None {
        return None;
    }
    let [binding] = index.reaching(use_id) else {
        return None;
    };
    match index.bindings[*binding].kind {
        crate::index::BindingKind::Param { function, index } if function == own && index > 0 => {
            Some(StoredValue::Parameter { function, index })
        }
        _ => None,
    }
}

/// The elements of a list, tuple or set display, or the element of a list or set
/// comprehension, as paths in the module's globals, when each is one: a name the
/// comprehension binds (`[cls() for cls in kinds]`) is none.
fn container_elements(
    index: &SemanticIndex,
    scope: &crate::index::Scope,
    body_id: BodyId,
    body: &Body,
    value: ExprId,
) -> Option<Box<[ExprPath]>> {
    let elements: &[ExprId] = match &body.exprs[value] {
        Expr::List { elts, .. } | Expr::Tuple { elts, .. } | Expr::Set { elts } => elts,
        Expr::ListComp { elt, .. } | Expr::SetComp { elt, .. } => {
            let mut root = *elt;
            while let Expr::Attribute { value: inner, .. } | Expr::Call { func: inner, .. } =
                &body.exprs[root]
            {
                root = *inner;
            }
            let use_id = index.use_of(body_id, root)?;
            let bound_by_comprehension = index.reaching(use_id).iter().any(|binding| {
                index.scopes[index.bindings[*binding].scope].kind == ScopeKind::Comprehension
            });
            if bound_by_comprehension {
                return None;
            }
            std::slice::from_ref(elt)
        }
        _ => return None,
    };
    elements
        .iter()
        .map(|element| global_path(index, scope, body_id, body, *element, 0, false))
        .collect()
}

/// Whether `expr` writes out a value of a builtin type: one the resolver calls a
/// builtin value (a container display or comprehension, a string, number or bytes
/// literal, an f-string). `None` and `...` are left out: an attribute set to `None`
/// first is usually set to an object later.
fn is_builtin_display(body: &Body, expr: ExprId) -> bool {
    let expr = &body.exprs[expr];
    !matches!(expr, Expr::Literal(Literal::None | Literal::Ellipsis))
        && Unresolved::Expression(expr_kind(expr)).is_builtin_value()
}

/// The paths a function's `return` statements give (each branch of a conditional
/// expression returned), if every one is a path that
/// resolves the same from outside: its first name is not a local, or is a local that
/// every path assigns such a path (`client = Client(); ...; return client`).
fn return_paths(
    index: &SemanticIndex,
    function_id: FunctionId,
    function: &Function,
) -> Option<Box<[ExprPath]>> {
    let body = &function.body;
    // A nested function's free names may be locals of the function around it.
    if function.is_async
        || matches!(function.parent, BodyId::Function(_))
        || body
            .exprs
            .iter()
            .any(|(_, expr)| matches!(expr, Expr::Yield { .. } | Expr::YieldFrom { .. }))
    {
        return None;
    }
    let scope = &index.scopes[*index.function_scopes.get(function_id)?];
    let body_id = BodyId::Function(function_id);
    let is_method = matches!(function.parent, BodyId::Class(_));
    let mut paths = Vec::new();
    for (_, stmt) in body.stmts.iter() {
        if let Stmt::Return { value } = stmt {
            // `return Remote() if remote else Local()` gives either branch.
            let mut values = vec![(*value)?];
            while let Some(value) = values.pop() {
                match &body.exprs[value] {
                    Expr::If {
                        body: then, orelse, ..
                    } => values.extend([*orelse, *then]),
                    _ => paths.push(global_path(
                        index, scope, body_id, body, value, 0, is_method,
                    )?),
                }
            }
        }
    }
    (!paths.is_empty()).then(|| paths.into_boxed_slice())
}

/// How many local assignments [`global_path`] follows back from a `return`.
const LOCAL_HOPS: u32 = 4;

/// The path of `expr` with its first name in terms of globals: as written when that
/// name is not a local, else through the assignments that reach it, when every one
/// assigns the same such path. With `receiver`, a path whose first name is the
/// method's first parameter, never rebound, is kept as written (`return self`,
/// `return cls(...)`, and through a local: `store = cls(); ...; return store`): the
/// resolver reads that name as the method's receiver.
fn global_path(
    index: &SemanticIndex,
    scope: &crate::index::Scope,
    body_id: BodyId,
    body: &Body,
    expr: ExprId,
    hops: u32,
    receiver: bool,
) -> Option<ExprPath> {
    let path = ExprPath::of(body, expr)?;
    let mut root = expr;
    while let Expr::Attribute { value: inner, .. } | Expr::Call { func: inner, .. } =
        &body.exprs[root]
    {
        root = *inner;
    }
    let Expr::Name { id: name, .. } = &body.exprs[root] else {
        return None;
    };
    if !scope.symbol(name).is_some_and(|symbol| symbol.is_local()) {
        return Some(path);
    }
    if hops == LOCAL_HOPS {
        return None;
    }
    let use_id = index.use_of(body_id, root)?;
    if index.uses[use_id].fallback != Fallback::None {
        return None;
    }
    let reaching = index.reaching(use_id);
    if receiver
        && !reaching.is_empty()
        && reaching.iter().all(|binding| {
            let data = &index.bindings[*binding];
            data.body == body_id && matches!(data.kind, BindingKind::Param { index: 0, .. })
        })
    {
        return Some(path);
    }
    let mut replacement: Option<ExprPath> = None;
    for binding in reaching {
        let data = &index.bindings[*binding];
        let BindingKind::Assign { value } = data.kind else {
            return None;
        };
        if data.body != body_id {
            return None;
        }
        let assigned = global_path(index, scope, body_id, body, value, hops + 1, receiver)?;
        match &replacement {
            Some(existing) if *existing != assigned => return None,
            Some(_) => {}
            None => replacement = Some(assigned),
        }
    }
    Some(path.with_root(replacement?))
}

fn summarize(hir: &FileHir, index: &SemanticIndex, binding: BindingId) -> Summary {
    let data = &index.bindings[binding];
    match &data.kind {
        BindingKind::Import { module } => Summary::Import {
            module: module.clone(),
        },
        BindingKind::ImportFrom {
            module,
            level,
            name,
            ..
        } => Summary::ImportFrom {
            module: module.clone(),
            level: *level,
            name: name.clone(),
        },
        BindingKind::Function(function) | BindingKind::Decoration { function, .. } => {
            Summary::Function(*function)
        }
        BindingKind::Class(class) => Summary::Class(*class),
        // Not an annotated one (`conn: Client | None = None`): in a class body that is a
        // field, which a generated `__init__` (`@dataclass`, `NamedTuple`, pydantic)
        // may set to anything its callers pass.
        BindingKind::Assign { value }
            if matches!(
                hir.body(data.body).exprs[*value],
                Expr::Literal(Literal::None)
            ) && !(matches!(data.body, BodyId::Class(_))
                && is_annotated_value(hir.body(data.body), *value)) =>
        {
            Summary::None
        }
        BindingKind::Assign { value } => match ExprPath::of(hir.body(data.body), *value) {
            Some(path) => Summary::Path(path),
            None => Summary::Opaque("assignment of a value that is not a name, attribute or call"),
        },
        other => Summary::Opaque(other.describe()),
    }
}

/// Each `return` of `function`'s own body, with its value.
fn returns_of(function: &Function) -> impl Iterator<Item = (StmtId, Option<ExprId>)> + '_ {
    function
        .body
        .stmts
        .iter()
        .filter_map(|(id, stmt)| match stmt {
            Stmt::Return { value } => Some((id, *value)),
            _ => None,
        })
}

/// Whether `function` is a generator or a coroutine function: a call of it gives back
/// neither its argument nor a new object of a class.
fn gives_iterator(function: &Function) -> bool {
    function.is_async
        || function
            .body
            .exprs
            .iter()
            .any(|(_, expr)| matches!(expr, Expr::Yield { .. } | Expr::YieldFrom { .. }))
}

/// The name of `function`'s first parameter.
fn first_parameter_name(function: &Function) -> Option<&Name> {
    let params = &function.params;
    params
        .posonly
        .first()
        .or(params.args.first())
        .map(|param| &param.name)
}

/// What `function` gives back (see [`GivesBack`]), if it is one of those shapes.
fn gives_back(
    hir: &FileHir,
    index: &SemanticIndex,
    function_id: FunctionId,
    function: &Function,
) -> Option<GivesBack> {
    if gives_iterator(function) {
        return None;
    }
    if matches!(function.parent, BodyId::Class(_))
        && matches!(function.name.as_str(), "__new__" | "__call__")
    {
        return other_object_returned(hir, index, function_id).ok();
    }
    if let Some(position) = returns_parameter(index, function_id, function) {
        return Some(GivesBack::Parameter(position));
    }
    // A factory: `def register(name): def deco(cls): ...; return cls; return deco`.
    let body_id = BodyId::Function(function_id);
    let mut returns = returns_of(function).peekable();
    returns.peek()?;
    for (_, value) in returns {
        let value = value?;
        if !matches!(function.body.exprs[value], Expr::Name { .. }) {
            return None;
        }
        let use_id = index.use_of(body_id, value)?;
        let reaching = index.reaching(use_id);
        if reaching.is_empty() || index.uses[use_id].fallback != Fallback::None {
            return None;
        }
        for binding in reaching {
            let BindingKind::Function(nested) = index.bindings[*binding].kind else {
                return None;
            };
            let data = &hir.functions[nested];
            if data.parent != body_id
                || !data.decorators.is_empty()
                || gives_iterator(data)
                || returns_parameter(index, nested, data) != Some(0)
            {
                return None;
            }
        }
    }
    Some(GivesBack::ParameterDecorator)
}

/// The position (0 or 1) of the parameter every `return` of `function` gives back,
/// when it has a `return` and nothing in its body rebinds that parameter.
fn returns_parameter(
    index: &SemanticIndex,
    function_id: FunctionId,
    function: &Function,
) -> Option<u32> {
    let body_id = BodyId::Function(function_id);
    let mut position = None;
    for (_, value) in returns_of(function) {
        let value = value?;
        let Expr::Name { id, .. } = &function.body.exprs[value] else {
            return None;
        };
        let params = &function.params;
        let at = params
            .posonly
            .iter()
            .chain(params.args.iter())
            .take(2)
            .position(|param| param.name == *id)? as u32;
        if position.is_some_and(|position| position != at) {
            return None;
        }
        position = Some(at);
        let use_id = index.use_of(body_id, value)?;
        let reaching = index.reaching(use_id);
        let only_the_parameter = index.uses[use_id].fallback == Fallback::None
            && !reaching.is_empty()
            && reaching.iter().all(|binding| {
                matches!(
                    index.bindings[*binding].kind,
                    BindingKind::Param { function, index } if function == function_id && index == at
                )
            });
        if !only_the_parameter {
            return None;
        }
    }
    position
}

/// For a `__new__` or a metaclass's `__call__`: [`GivesBack::Instance`] when every
/// return gives a new object of the class called (see there); otherwise the first
/// `return` that may give something else, `None` when there is none to point at (no
/// `return`, a generator, no parameter, a cache stored into from elsewhere in the file).
pub fn other_object_returned(
    hir: &FileHir,
    index: &SemanticIndex,
    function_id: FunctionId,
) -> Result<GivesBack, Option<StmtId>> {
    let function = &hir.functions[function_id];
    if gives_iterator(function) {
        return Err(None);
    }
    let first = first_parameter_name(function).ok_or(None)?;
    let mut check = NewReturns {
        index,
        body_id: BodyId::Function(function_id),
        body: &function.body,
        method: &function.name,
        first,
        of_owner: false,
        cached_in: Vec::new(),
    };
    let mut any = false;
    for (stmt, value) in returns_of(function) {
        any = true;
        match value {
            Some(value) if check.gives_new_object(value, 0) => {}
            _ => return Err(Some(stmt)),
        }
    }
    if !any {
        return Err(None);
    }
    let NewReturns {
        of_owner,
        mut cached_in,
        ..
    } = check;
    cached_in.sort();
    cached_in.dedup();
    // A cache stored into by other code of the file may hold anything.
    if !cached_in.is_empty() {
        for (body_id, body) in hir.bodies() {
            for (_, expr) in body.exprs.iter() {
                let stored = match expr {
                    Expr::Attribute {
                        attr,
                        ctx: ExprContext::Store | ExprContext::Del,
                        ..
                    } if body_id != BodyId::Function(function_id) => cached_in.contains(attr),
                    Expr::Call { func, args, .. } if matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "setattr" || id == "delattr") => {
                        !matches!(args.get(1).map(|name| &body.exprs[*name]),
                            Some(Expr::Literal(Literal::Str(name))) if !cached_in.iter().any(|cached| cached == &**name))
                    }
                    _ => false,
                };
                if stored {
                    return Err(None);
                }
            }
        }
    }
    Ok(GivesBack::Instance {
        of_owner,
        cached_in: cached_in.into_boxed_slice(),
    })
}

/// Follows what the returns of a `__new__` or a metaclass's `__call__` give (see
/// [`other_object_returned`]).
struct NewReturns<'a> {
    index: &'a SemanticIndex,
    body_id: BodyId,
    body: &'a Body,
    /// `__new__` or `__call__`.
    method: &'a Name,
    /// The class parameter (`cls`).
    first: &'a Name,
    of_owner: bool,
    cached_in: Vec<Name>,
}

impl NewReturns<'_> {
    fn is_first(&self, expr: ExprId) -> bool {
        matches!(&self.body.exprs[expr], Expr::Name { id, .. } if id == self.first)
    }

    /// `cls.attr`: the attribute's name.
    fn class_attribute(&self, expr: ExprId) -> Option<&Name> {
        match &self.body.exprs[expr] {
            Expr::Attribute { value, attr, .. } if self.is_first(*value) => Some(attr),
            _ => None,
        }
    }

    /// Whether `expr` gives a new object of the class called.
    fn gives_new_object(&mut self, expr: ExprId, hops: u32) -> bool {
        if hops > LOCAL_HOPS {
            return false;
        }
        let body = self.body;
        match &body.exprs[expr] {
            // `super().__new__(cls)`, `object.__new__(cls)`, `super().__call__(*args)`,
            // `type.__call__(cls, *args)`.
            Expr::Call { func, args, .. } => {
                let Expr::Attribute { value, attr, .. } = &body.exprs[*func] else {
                    return false;
                };
                if attr != self.method {
                    return false;
                }
                match &body.exprs[*value] {
                    Expr::Call { func: callee, .. } => {
                        matches!(&body.exprs[*callee], Expr::Name { id, .. } if id == "super")
                    }
                    Expr::Name { .. } | Expr::Attribute { .. } => {
                        !self.is_first(*value)
                            && args
                                .first()
                                .is_some_and(|argument| self.is_first(*argument))
                    }
                    _ => false,
                }
            }
            // `return instance` after `instance = super().__new__(cls)`.
            Expr::Name { .. } => {
                if self.is_first(expr) {
                    return false;
                }
                let Some(use_id) = self.index.use_of(self.body_id, expr) else {
                    return false;
                };
                if self.index.uses[use_id].fallback != Fallback::None {
                    return false;
                }
                let reaching = self.index.reaching(use_id);
                !reaching.is_empty()
                    && reaching.iter().all(|binding| {
                        let data = &self.index.bindings[*binding];
                        match data.kind {
                            BindingKind::Assign { value } if data.body == self.body_id => {
                                self.gives_new_object(value, hops + 1)
                            }
                            _ => false,
                        }
                    })
            }
            // `return cls._instance` of a `__new__`, every store of which in the
            // function is a new object: a subclass may find its base's.
            Expr::Attribute { .. } if self.method == "__new__" => {
                let Some(attr) = self.class_attribute(expr).cloned() else {
                    return false;
                };
                if !self.cache_holds_new_objects(&attr, false, hops) {
                    return false;
                }
                self.of_owner = true;
                self.cached_in.push(attr);
                true
            }
            // `return cls._instances[cls]`, every store of which in the function is a
            // new object under the key `cls`.
            Expr::Subscript { value, slice, .. } if self.is_first(*slice) => {
                let Some(attr) = self.class_attribute(*value).cloned() else {
                    return false;
                };
                if !self.cache_holds_new_objects(&attr, true, hops) {
                    return false;
                }
                self.cached_in.push(attr);
                true
            }
            Expr::If {
                body: then, orelse, ..
            } => {
                let (then, orelse) = (*then, *orelse);
                self.gives_new_object(then, hops + 1) && self.gives_new_object(orelse, hops + 1)
            }
            _ => false,
        }
    }

    /// Whether the function stores into `cls.attr` (under the key `cls` when `keyed`)
    /// only plain assignments of new objects, at least one, and uses it no other way
    /// than to read it (or, keyed, to test membership: `cls in cls._instances`).
    fn cache_holds_new_objects(&mut self, attr: &Name, keyed: bool, hops: u32) -> bool {
        let body = self.body;
        let mut stores = 0;
        for (cache, expr) in body.exprs.iter() {
            let Expr::Attribute {
                value,
                attr: name,
                ctx,
            } = expr
            else {
                continue;
            };
            if name != attr || !self.is_first(*value) {
                continue;
            }
            let stored = match (ctx, keyed) {
                (ExprContext::Load, false) => continue,
                // `cls._instance = super().__new__(cls)`, alone on its line.
                (ExprContext::Store, false) => sole_assigned_value(body, cache),
                (ExprContext::Load, true) => {
                    let parent = body.exprs.iter().find(|(_, parent)| {
                        let mut holds = false;
                        parent.walk_children(|child| holds |= child == cache);
                        holds
                    });
                    match parent {
                        // A read on its own line.
                        None => continue,
                        Some((_, Expr::Compare { comparators, .. }))
                            if comparators.contains(&cache) =>
                        {
                            continue;
                        }
                        Some((
                            subscript,
                            Expr::Subscript {
                                value, slice, ctx, ..
                            },
                        )) if *value == cache && self.is_first(*slice) => match ctx {
                            ExprContext::Load => continue,
                            ExprContext::Store => sole_assigned_value(body, subscript),
                            _ => None,
                        },
                        _ => None,
                    }
                }
                _ => None,
            };
            match stored {
                Some(value) if self.gives_new_object(value, hops + 1) => stores += 1,
                _ => return false,
            }
        }
        stores > 0
    }
}

/// The value of the plain assignment whose one target is `target`.
fn sole_assigned_value(body: &Body, target: ExprId) -> Option<ExprId> {
    body.stmts.iter().find_map(|(_, stmt)| match stmt {
        Stmt::Assign { targets, value } if targets.len() == 1 && targets[0] == target => {
            Some(*value)
        }
        _ => None,
    })
}

/// Whether a decorator of the class `data`, defined in a function, starts from a local
/// of that function (see [`ClassSummary::local_decorator`]).
fn local_decorator(index: &SemanticIndex, data: &Class, parent: &Body) -> bool {
    let BodyId::Function(function) = data.parent else {
        return false;
    };
    let Some(scope) = index.function_scopes.get(function) else {
        return false;
    };
    data.decorators.iter().any(|decorator| {
        let mut root = *decorator;
        while let Expr::Attribute { value: inner, .. } | Expr::Call { func: inner, .. } =
            &parent.exprs[root]
        {
            root = *inner;
        }
        match &parent.exprs[root] {
            Expr::Name { id, .. } => index.scopes[*scope]
                .symbol(id)
                .is_some_and(|symbol| symbol.is_local()),
            _ => true,
        }
    })
}

/// Whether `value` is the value of an annotated assignment (`name: T = value`).
fn is_annotated_value(body: &Body, value: ExprId) -> bool {
    body.stmts.iter().any(|(_, stmt)| {
        matches!(stmt, Stmt::AnnAssign { value: Some(annotated), .. } if *annotated == value)
    })
}
