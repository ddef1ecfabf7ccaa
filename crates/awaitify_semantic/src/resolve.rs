//! Resolution of names and expressions to [`Target`]s.
//!
//! A use resolves through every binding that may reach it. Each binding resolves to a
//! target (a module, a project function or class, an instance of a project class, an
//! external qualified name such as `time.sleep`, or a builtin) or to a reason it cannot
//! be known (a parameter, a `for` target, ...). When every reaching binding gives the
//! same target the use is **definite**; when they differ it is **ambiguous**, and the
//! resolution keeps each binding with what it gave, so a diagnostic can label them all.
//!
//! Aliases are followed (`t = time`, `s = t.sleep`, `s2 = s`), as are return values of
//! external calls (`asyncio.new_event_loop()` gives `asyncio.new_event_loop()`, whose
//! `run_until_complete` is `asyncio.new_event_loop().run_until_complete`) and instances of
//! project classes (`w = Worker()`; `w.step` is `Worker.step`; `self.step` inside a
//! method too). A loop's or a comprehension's target is each element of a container
//! awaitify sees whole (`for w in [Worker(), Manager()]`, see the `containers` module).
//!
//! Decorators are transparent: a decorated `def`'s name is the function, and so is the
//! name after a rebinding that decorates it (`fetch = traced(fetch)`, a
//! [`BindingKind::Decoration`]); whether the decorator lets it become async is the
//! coloring's question.
//!
//! Across files only [`crate::module_symbols`] summaries are read, never another file's
//! full index, so an edit inside one function body does not re-run other files.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::index::{BindingId, BindingKind, Fallback, SemanticIndex, UseId};
use crate::symbols::{ExprPath, FirstParameter, GivesBack, StoredValue, Summary};
use crate::{
    absolute_module_name, file_resolutions, module_symbols, resolve_module, semantic_index,
};
use awaitify_db::{Db, File, module_name};
use awaitify_hir::file_hir;
use awaitify_hir::hir::*;

mod containers;

pub use containers::BindingUses;
pub(crate) use containers::attributes_handed_on;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Target {
    /// A module of the project.
    ProjectModule(File),
    Function {
        file: File,
        function: FunctionId,
    },
    /// A class: the one a `class` statement defines when `exact`; otherwise that class or
    /// any subclass of it (`cls` of a classmethod, `type(self)`), whose methods may be
    /// overridden.
    Class {
        file: File,
        class: ClassId,
        exact: bool,
    },
    /// An instance of a class or of any subclass of it.
    Instance {
        file: File,
        class: ClassId,
    },
    /// `super()` inside a method of `class`: attribute lookups skip `class` itself.
    Super {
        file: File,
        class: ClassId,
    },
    /// A module or object outside the project, by qualified name; `()` marks the result
    /// of a call, as in `asyncio.new_event_loop().run_until_complete`.
    External(Name),
    Builtin(Name),
}

/// A namespace whose entries are module or class members (see
/// [`Resolver::namespace_member`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Namespace {
    /// A project module's: `globals()`, `vars(module)`, `module.__dict__`.
    Module(File),
    /// A project class's: `vars(Class)`, `Class.__dict__`.
    Class(File, ClassId),
    /// `sys.modules`: every imported module, by name.
    SysModules,
    /// The namespace of a module or object outside the project (`vars(time)`,
    /// `time.__dict__`), by the expression that names it: its entries are its
    /// attributes.
    Outside(ExprId),
}

/// The private name `__go` that `name` spells from outside class `class_name` after
/// Python's name mangling (`_C__go` for class `C` or `_C`); `None` when it does not (see
/// [`mangled_name`]).
fn demangled<'a>(name: &'a str, class_name: &str) -> Option<&'a str> {
    let rest = name
        .strip_prefix('_')?
        .strip_prefix(class_name.trim_start_matches('_'))?;
    (mangled_name(rest, class_name).as_deref() == Some(name)).then_some(rest)
}

/// Whether `text` is a dotted module name (`pkg.mod`), as an import names it.
pub(crate) fn is_dotted_name(text: &str) -> bool {
    !text.is_empty() && text.split('.').all(awaitify_db::is_identifier)
}

/// Where an instance attribute's value comes from (see
/// [`Resolver::instance_attribute_sources`]): a target, or a parameter (its file,
/// function and index in source order) whose callers' arguments it holds.
pub type StoredSource = Result<Target, (File, FunctionId, u32)>;

/// Why a name or expression has no known target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Unresolved {
    /// No binding reaches the use.
    Unbound,
    /// The name may come from a `from m import *` whose names are unknown.
    OpaqueStar(Option<Name>),
    /// A parameter's value is chosen by each caller.
    Parameter,
    /// Bound by a construct whose value is not followed (a `for` target, ...).
    Binding(&'static str),
    /// An expression that is not a name, attribute or call.
    Expression(&'static str),
    /// The module or class has no such attribute.
    NoAttribute(Name),
    /// An attribute set on instances, not a method of the class.
    InstanceAttribute(Name),
    /// The return value of a project function is not followed.
    ProjectCallResult,
    /// An attribute or call of a builtin.
    Builtin,
    /// A relative import that goes above the top-level package.
    RelativeImport,
    /// Aliases that refer to each other.
    Cycle,
    /// `None`, which has no attributes to call: `client.fetch()` with `client = None` on
    /// one path raises there.
    NoneValue,
    /// What a builtin such as `dict(...)` or `sorted(...)` returns: always a value of a
    /// builtin type, never a project instance.
    BuiltinValue,
    /// A method of a value of a builtin type (`{...}.get`, `dict(...).pop`, `"".join`):
    /// never a project method, though what it returns may be anything.
    BuiltinMethod,
    /// A global of a project module that is also replaced as an attribute of the module
    /// (`clock.sleep = fake`, `setattr(svc, "Client", Fake)`): code that runs after
    /// that may find the new value (see [`crate::project_module_stores`]).
    Replaced { module: File, name: Name },
    /// A class attribute that may be replaced on the class or an instance
    /// (`Dashboard.client = fake`, `d.client = fake`, `setattr` with a computed name).
    ReplacedMember(Name),
    /// A name a project module does not bind, which its own `__getattr__` (PEP 562) may
    /// give.
    ModuleGetattr,
    /// A call of a project class that may give back something other than an instance of
    /// it: a `__new__` of its MRO, or its metaclass's `__call__`, may return another
    /// object (see [`OtherObject`]).
    NotAnInstance {
        file: File,
        class: ClassId,
        why: OtherObject,
    },
    /// The name a `class` statement binds, which a decorator of the project may have
    /// replaced by something else (`@offline class Svc` with `def offline(cls): return
    /// Fake`): the `decorator`-th one, counting from the top.
    ReplacedClass {
        file: File,
        class: ClassId,
        decorator: u32,
    },
    /// An instance of a class whose instances may be given another class by a store
    /// to `__class__` (`obj.__class__ = Other`, `self.__class__ = Running`), at `store`,
    /// after which their methods are the other class's.
    ClassAssigned {
        file: File,
        class: ClassId,
        store: (File, BodyId, ExprId),
    },
    /// A name a project module does not bind, which it may still have: it defines
    /// globals by computed names (`globals()[name] = ...`), runs `exec` in its namespace,
    /// or is replaced in `sys.modules` (see [`crate::FileModuleStores::unlisted`]).
    UnlistedGlobals,
    /// A function's `__wrapped__` that its own decorators or a store may set to another
    /// function (`@functools.wraps(other)` on its `def`, `fetch.__wrapped__ = other`).
    Wrapped,
}

/// What may make a call of a project class give back another object than an instance
/// of it (see [`Unresolved::NotAnInstance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OtherObject {
    /// The `__new__` of this class of the MRO of the class called may return it.
    New { file: File, class: ClassId },
    /// The `__call__` of this class, of the metaclass of the class called, may return
    /// it.
    MetaclassCall { file: File, class: ClassId },
}

impl Unresolved {
    /// The expression is certainly a value of a builtin type (`None`, a literal, a
    /// display, a comprehension, what `dict(...)` returns), never a project instance.
    pub fn is_builtin_value(&self) -> bool {
        match self {
            Unresolved::NoneValue | Unresolved::BuiltinValue => true,
            Unresolved::Expression(kind) => matches!(
                *kind,
                "literal" | "f-string" | "dict" | "set" | "list" | "tuple" | "comprehension"
            ),
            _ => false,
        }
    }
}

impl std::fmt::Display for Unresolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unresolved::Unbound => f.write_str("the name is not bound"),
            Unresolved::OpaqueStar(module) => write!(
                f,
                "it may come from `from {} import *`",
                module.as_deref().unwrap_or(".")
            ),
            Unresolved::Parameter => f.write_str("it is a parameter"),
            Unresolved::Binding(kind) => {
                let article = if kind.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                write!(f, "it is bound by {article} {kind}")
            }
            Unresolved::Expression(kind) => write!(f, "it is computed by a {kind} expression"),
            Unresolved::NoAttribute(name) => write!(f, "there is no attribute `{name}`"),
            Unresolved::InstanceAttribute(name) => {
                write!(f, "`{name}` is an instance attribute, not a method")
            }
            Unresolved::ProjectCallResult => {
                f.write_str("it is the return value of a project function")
            }
            Unresolved::Builtin => f.write_str("it is an attribute or result of a builtin"),
            Unresolved::RelativeImport => {
                f.write_str("the relative import goes above the top-level package")
            }
            Unresolved::Cycle => f.write_str("its aliases refer to each other"),
            Unresolved::NoneValue => f.write_str("it is `None`"),
            Unresolved::BuiltinValue => f.write_str("it is a value of a builtin type"),
            Unresolved::BuiltinMethod => f.write_str("it is a method of a builtin value"),
            Unresolved::Replaced { name, .. } => {
                write!(f, "`{name}` is also replaced as an attribute of its module")
            }
            Unresolved::ReplacedMember(name) => {
                write!(f, "`{name}` is also replaced on the class or its instances")
            }
            Unresolved::NotAnInstance { why, .. } => match why {
                OtherObject::New { .. } => {
                    f.write_str("the class's `__new__` may return another object")
                }
                OtherObject::MetaclassCall { .. } => f.write_str(
                    "the class's metaclass defines `__call__`, which may return another object",
                ),
            },
            Unresolved::ReplacedClass { .. } => {
                f.write_str("a decorator of the class may replace it by another object")
            }
            Unresolved::ClassAssigned { .. } => {
                f.write_str("a store to `__class__` may give the instance another class")
            }
            Unresolved::ModuleGetattr => f.write_str("the module's `__getattr__` may give it"),
            Unresolved::UnlistedGlobals => {
                f.write_str("the module may have globals awaitify cannot list")
            }
            Unresolved::Wrapped => f.write_str("`__wrapped__` may be set to another function"),
        }
    }
}

/// One way a name may resolve: through `binding` of `file` (if known), to `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub file: File,
    pub binding: Option<BindingId>,
    pub target: Result<Target, Unresolved>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    Definite(Target),
    /// Reaching bindings resolve differently.
    Ambiguous(Box<[Candidate]>),
    Unresolved(Unresolved),
}

impl Resolution {
    pub fn definite(&self) -> Option<&Target> {
        match self {
            Resolution::Definite(target) => Some(target),
            _ => None,
        }
    }

    fn candidates(self, file: File, binding: Option<BindingId>) -> Vec<Candidate> {
        match self {
            Resolution::Definite(target) => vec![Candidate {
                file,
                binding,
                target: Ok(target),
            }],
            Resolution::Unresolved(reason) => vec![Candidate {
                file,
                binding,
                target: Err(reason),
            }],
            Resolution::Ambiguous(candidates) => candidates
                .into_vec()
                .into_iter()
                .map(|candidate| Candidate {
                    binding: candidate.binding.or(binding),
                    file: if candidate.binding.is_some() {
                        candidate.file
                    } else {
                        file
                    },
                    ..candidate
                })
                .collect(),
        }
    }

    /// Definite when every candidate gives the same target; unresolved when none gives
    /// one; ambiguous otherwise.
    pub fn combine(candidates: Vec<Candidate>) -> Resolution {
        let Some(first) = candidates.first() else {
            return Resolution::Unresolved(Unresolved::Unbound);
        };
        if candidates
            .iter()
            .all(|candidate| candidate.target == first.target)
        {
            return match &first.target {
                Ok(target) => Resolution::Definite(target.clone()),
                Err(reason) => Resolution::Unresolved(reason.clone()),
            };
        }
        if candidates.iter().all(|candidate| candidate.target.is_err()) {
            // A value that is certainly builtin (`None`) beside one awaitify cannot
            // follow is one it cannot follow.
            let reason = candidates
                .iter()
                .filter_map(|candidate| candidate.target.as_ref().err())
                .find(|reason| !reason.is_builtin_value())
                .or(first.target.as_ref().err());
            return Resolution::Unresolved(reason.cloned().unwrap_or(Unresolved::Unbound));
        }
        Resolution::Ambiguous(candidates.into_boxed_slice())
    }

    /// Every target it may resolve to.
    pub fn into_targets(self) -> Vec<Target> {
        match self {
            Resolution::Definite(target) => vec![target],
            Resolution::Ambiguous(candidates) => candidates
                .into_vec()
                .into_iter()
                .filter_map(|candidate| candidate.target.ok())
                .collect(),
            Resolution::Unresolved(_) => Vec::new(),
        }
    }

    /// Every target it may resolve to, when every path reaches one.
    pub fn every_target(&self) -> Option<Vec<&Target>> {
        match self {
            Resolution::Definite(target) => Some(vec![target]),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .map(|candidate| candidate.target.as_ref().ok())
                .collect(),
            Resolution::Unresolved(_) => None,
        }
    }

    /// Every alternative it may resolve to: a target, or why a path reaches none.
    pub fn into_alternatives(self) -> Vec<Result<Target, Unresolved>> {
        match self {
            Resolution::Definite(target) => vec![Ok(target)],
            Resolution::Ambiguous(candidates) => candidates
                .into_vec()
                .into_iter()
                .map(|candidate| candidate.target)
                .collect(),
            Resolution::Unresolved(reason) => vec![Err(reason)],
        }
    }

    /// Whether it is known, and every target it may be is a project instance.
    pub(crate) fn only_instances(&self) -> bool {
        self.every_target().is_some_and(|targets| {
            targets
                .iter()
                .all(|target| matches!(target, Target::Instance { .. }))
        })
    }

    /// Whether some candidate is `None`.
    fn has_none(&self) -> bool {
        match self {
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .any(|candidate| candidate.target == Err(Unresolved::NoneValue)),
            _ => false,
        }
    }

    /// The candidates other than `None` (see [`Self::has_none`]).
    fn without_none(self) -> Resolution {
        match self {
            Resolution::Ambiguous(candidates) => Resolution::combine(
                candidates
                    .into_vec()
                    .into_iter()
                    .filter(|candidate| candidate.target != Err(Unresolved::NoneValue))
                    .collect(),
            ),
            other => other,
        }
    }

    /// Every candidate is something of the project.
    fn is_project_only(&self) -> bool {
        let is_project = |target: &Target| {
            matches!(
                target,
                Target::ProjectModule(_)
                    | Target::Function { .. }
                    | Target::Class { .. }
                    | Target::Instance { .. }
                    | Target::Super { .. }
            )
        };
        match self {
            Resolution::Definite(target) => is_project(target),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .all(|candidate| candidate.target.as_ref().is_ok_and(is_project)),
            Resolution::Unresolved(_) => false,
        }
    }

    fn map(self, mut f: impl FnMut(Target) -> Resolution) -> Resolution {
        match self {
            Resolution::Definite(target) => f(target),
            Resolution::Unresolved(reason) => Resolution::Unresolved(reason),
            Resolution::Ambiguous(candidates) => {
                let mut mapped = Vec::new();
                for candidate in candidates.into_vec() {
                    match candidate.target {
                        Ok(target) => {
                            mapped.extend(f(target).candidates(candidate.file, candidate.binding))
                        }
                        Err(reason) => mapped.push(Candidate {
                            target: Err(reason),
                            ..candidate
                        }),
                    }
                }
                Resolution::combine(mapped)
            }
        }
    }
}

/// What each use of a file resolves to, indexed by [`UseId`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileResolutions {
    pub uses: Vec<Resolution>,
}

impl FileResolutions {
    pub fn of(&self, use_id: UseId) -> &Resolution {
        &self.uses[index_of(use_id)]
    }
}

/// Resolves names and expressions; caches per binding. Create one per task.
pub struct Resolver<'db> {
    db: &'db dyn Db,
    /// The file whose `file_resolutions` is being computed, which must not call itself.
    computing: Option<File>,
    bindings: FxHashMap<(File, BindingId), Resolution>,
    summaries: FxHashMap<(File, BindingId), Resolution>,
    in_progress: FxHashSet<(File, BindingId, bool)>,
    mros: FxHashMap<(File, ClassId), Mro>,
    mros_in_progress: FxHashSet<(File, ClassId)>,
    /// The `enum` base of each class asked about (see [`Resolver::enum_base`]).
    enum_bases: FxHashMap<(File, ClassId), Option<Name>>,
    /// Instance attributes being resolved, so a store that reads another (`self.a =
    /// self.b`) cannot loop.
    instance_attributes_in_progress: FxHashSet<(File, ClassId, Name)>,
    /// Whether the MRO being computed met a class whose own MRO was in progress.
    mro_hit_cycle: bool,
    /// Per-file query results, fetched once: a resolver lives inside one query
    /// execution, so the first fetch has recorded the dependency.
    files: FxHashMap<File, usize>,
    file_queries: Vec<FileQueries<'db>>,
    /// The file asked about last, which is asked about again most of the time.
    recent: Option<(File, usize)>,
    members: FxHashMap<(File, ClassId, Name, bool), Option<Resolution>>,
    module_members: FxHashMap<(File, Name), Resolution>,
    /// What calls of project functions return, and those being followed.
    returns: FxHashMap<(File, FunctionId), Resolution>,
    returns_in_progress: FxHashSet<(File, FunctionId)>,
    /// Whether globals replaced as module attributes count (see
    /// [`crate::project_module_stores`]); off while those stores are being found.
    follow_module_stores: bool,
    module_stores: Option<&'db crate::ModuleStores>,
    /// The file whose uses were resolved last, and whether another file replaces some
    /// of its globals.
    replaced_here: Option<(File, bool)>,
    /// The package attributes that importing a submodule may replace (see
    /// [`crate::project_submodule_imports`]), fetched on first need.
    submodule_imports: Option<&'db crate::SubmoduleImports>,
    /// The file whose uses were resolved last, and whether importing a submodule of its
    /// package may replace some of its globals.
    submodules_here: Option<(File, bool)>,
    /// Class attributes other than methods, with what may replace them (see
    /// [`Self::replaceable_member`]).
    data_members: FxHashMap<(File, ClassId, Name, bool), Resolution>,
    /// Whether the container each assignment binds is only read (see the `containers`
    /// module), the read-only positions of each body, and whether each file reaches
    /// variables through namespaces.
    only_read: FxHashMap<(File, BindingId), bool>,
    read_only: FxHashMap<(File, BodyId), std::rc::Rc<containers::ExprSet>>,
    /// Each file's uses by the bindings that reach them (see [`Resolver::binding_uses`]).
    binding_uses: FxHashMap<File, std::rc::Rc<BindingUses>>,
    namespaces_read: FxHashMap<File, bool>,
    /// What a call of each class asked about gives: an instance of this class (the one
    /// called, or the class whose `__new__` caches instances), or why it may not.
    constructed: FxHashMap<(File, ClassId), Result<(File, ClassId), Unresolved>>,
    /// The first decorator of each class asked about that may replace it.
    replacing_decorators: FxHashMap<(File, ClassId), Option<u32>>,
    replacing_in_progress: FxHashSet<(File, ClassId)>,
    /// Whether stores to `__class__` count (see [`crate::project_class_assignments`]);
    /// off while they are being found.
    follow_class_assignments: bool,
    class_assignments: Option<&'db crate::ClassAssignments>,
    /// How instances of each class asked about are laid out.
    layouts: FxHashMap<(File, ClassId), crate::Layout>,
    /// The classes stores to `__class__` may give instances of each class asked about.
    class_changes: FxHashMap<(File, ClassId), Option<std::rc::Rc<ClassChanges>>>,
    /// The project's stores into Streamlit's session state, fetched on first need, and
    /// what each key asked about holds (see [`Resolver::session_value`]).
    session_state: Option<Option<&'db crate::SessionState>>,
    session_values: FxHashMap<Name, Option<Resolution>>,
    session_keys_in_progress: FxHashSet<Name>,
}

const MAX_MRO: usize = 64;

/// Where a store to `__class__` is: its file, body and expression.
type Store = (File, BodyId, ExprId);

/// The classes stores to `__class__` may give an instance of one class (see
/// [`Resolver::class_store_members`]), each with the first store that may.
#[derive(Debug, Default)]
struct ClassChanges {
    /// A class awaitify cannot follow: every attribute is unknown.
    unknown: Option<Store>,
    /// A class from outside without ordinary methods: special methods are unknown.
    outside: Option<Store>,
    /// Project classes, with whether their MRO holds every method and their layout.
    project: Vec<(File, ClassId, bool, crate::Layout, Store)>,
}

/// The qualified name of Streamlit's session state.
const SESSION_STATE: &str = "streamlit.session_state";

/// The attribute `functools.wraps` sets on a wrapper: the function it wraps.
const WRAPPED: &str = "__wrapped__";

/// A class's method resolution order, shared by every lookup that needs it.
pub type Mro = std::rc::Rc<[(File, ClassId)]>;

#[derive(Clone, Copy, Default)]
struct FileQueries<'db> {
    hir: Option<&'db FileHir>,
    index: Option<&'db SemanticIndex>,
    symbols: Option<&'db crate::ModuleSymbols>,
    resolutions: Option<&'db crate::FileResolutions>,
}

impl<'db> Resolver<'db> {
    pub fn new(db: &'db dyn Db) -> Self {
        Resolver {
            db,
            computing: None,
            bindings: FxHashMap::default(),
            summaries: FxHashMap::default(),
            in_progress: FxHashSet::default(),
            mros: FxHashMap::default(),
            mros_in_progress: FxHashSet::default(),
            enum_bases: FxHashMap::default(),
            instance_attributes_in_progress: FxHashSet::default(),
            mro_hit_cycle: false,
            files: FxHashMap::default(),
            file_queries: Vec::new(),
            recent: None,
            members: FxHashMap::default(),
            module_members: FxHashMap::default(),
            returns: FxHashMap::default(),
            returns_in_progress: FxHashSet::default(),
            follow_module_stores: true,
            module_stores: None,
            replaced_here: None,
            submodule_imports: None,
            submodules_here: None,
            data_members: FxHashMap::default(),
            only_read: FxHashMap::default(),
            read_only: FxHashMap::default(),
            binding_uses: FxHashMap::default(),
            namespaces_read: FxHashMap::default(),
            constructed: FxHashMap::default(),
            replacing_decorators: FxHashMap::default(),
            replacing_in_progress: FxHashSet::default(),
            follow_class_assignments: true,
            class_assignments: None,
            layouts: FxHashMap::default(),
            class_changes: FxHashMap::default(),
            session_state: None,
            session_values: FxHashMap::default(),
            session_keys_in_progress: FxHashSet::default(),
        }
    }

    /// A resolver that does not consult the stores to `__class__`: for finding the
    /// classes whose instances those stores may change (see
    /// [`crate::project_class_assignments`]), which must not consult them, and for what
    /// a call may reach before any such store runs.
    pub fn without_class_assignments(db: &'db dyn Db) -> Self {
        Resolver {
            follow_class_assignments: false,
            ..Resolver::new(db)
        }
    }

    /// A resolver for [`crate::file_module_stores`] of `file`: it resolves `file`'s uses
    /// itself (not through `file_resolutions`) and does not consult the module stores it
    /// helps to find.
    pub(crate) fn for_module_stores(db: &'db dyn Db, file: File) -> Self {
        Resolver {
            computing: Some(file),
            follow_module_stores: false,
            follow_class_assignments: false,
            ..Resolver::new(db)
        }
    }

    /// The project's stores into module globals, when they count.
    fn module_stores(&mut self) -> Option<&'db crate::ModuleStores> {
        if !self.follow_module_stores {
            return None;
        }
        let db = self.db;
        let stores: &'db crate::ModuleStores = self
            .module_stores
            .get_or_insert_with(|| crate::project_module_stores(db));
        (!stores.replaced.is_empty() || !stores.unlisted.is_empty()).then_some(stores)
    }

    pub fn db(&self) -> &'db dyn Db {
        self.db
    }

    /// The import of the submodule `name` of the package `module` that may replace the
    /// package's own binding of `name` (see [`crate::project_submodule_imports`]).
    fn submodule_import(
        &mut self,
        module: File,
        name: &str,
    ) -> Option<&'db crate::SubmoduleImport> {
        let db = self.db;
        let imports: &'db crate::SubmoduleImports = self
            .submodule_imports
            .get_or_insert_with(|| crate::project_submodule_imports(db));
        if !imports.packages.contains(&module) {
            return None;
        }
        imports.replaced.get(&(module, Name::from(name)))
    }

    fn queries(&mut self, file: File) -> &mut FileQueries<'db> {
        let slot = match self.recent {
            Some((recent, slot)) if recent == file => slot,
            _ => {
                let next = self.file_queries.len();
                let slot = *self.files.entry(file).or_insert(next);
                if slot == next {
                    self.file_queries.push(FileQueries::default());
                }
                self.recent = Some((file, slot));
                slot
            }
        };
        &mut self.file_queries[slot]
    }

    fn hir(&mut self, file: File) -> &'db FileHir {
        let db = self.db;
        let entry = self.queries(file);
        entry.hir.get_or_insert_with(|| file_hir(db, file))
    }

    /// `file`'s semantic index (fetched once per resolver).
    pub fn index(&mut self, file: File) -> &'db SemanticIndex {
        let db = self.db;
        let entry = self.queries(file);
        entry.index.get_or_insert_with(|| semantic_index(db, file))
    }

    /// `file`'s symbol summaries (fetched once per resolver).
    pub fn symbols(&mut self, file: File) -> &'db crate::ModuleSymbols {
        let db = self.db;
        let entry = self.queries(file);
        entry
            .symbols
            .get_or_insert_with(|| module_symbols(db, file))
    }

    pub(crate) fn resolve_file_uses(&mut self, file: File) -> FileResolutions {
        self.computing = Some(file);
        let index = self.index(file);
        // Only imports, assignments and the targets of loops and comprehensions (and of
        // `with` and `except`) are cached: a fraction of the file's bindings.
        self.bindings.reserve(index.bindings.len() / 4);
        let uses = index
            .uses
            .iter()
            .map(|(use_id, _)| self.compute_use(file, index, use_id))
            .collect();
        self.computing = None;
        FileResolutions { uses }
    }

    /// What the use `use_id` of `file` resolves to.
    pub fn resolve_use(&mut self, file: File, use_id: UseId) -> Resolution {
        if self.computing == Some(file) {
            let index = self.index(file);
            self.compute_use(file, index, use_id)
        } else {
            let db = self.db;
            let entry = self.queries(file);
            entry
                .resolutions
                .get_or_insert_with(|| file_resolutions(db, file))
                .of(use_id)
                .clone()
        }
    }

    fn compute_use(&mut self, file: File, index: &SemanticIndex, use_id: UseId) -> Resolution {
        let resolution = self.compute_bound_use(file, index, use_id);
        let replaced_here = match self.replaced_here {
            Some((known, replaced)) if known == file => replaced,
            _ => {
                let replaced = self
                    .module_stores()
                    .is_some_and(|stores| stores.modules.contains(&file));
                self.replaced_here = Some((file, replaced));
                replaced
            }
        };
        let resolution = if replaced_here {
            self.replaced_global_use(file, index, use_id, resolution)
        } else {
            resolution
        };
        let submodules_here = match self.submodules_here {
            Some((known, here)) if known == file => here,
            _ => {
                let db = self.db;
                let here = self
                    .submodule_imports
                    .get_or_insert_with(|| crate::project_submodule_imports(db))
                    .packages
                    .contains(&file);
                self.submodules_here = Some((file, here));
                here
            }
        };
        if submodules_here {
            self.submodule_global_use(file, index, use_id, resolution)
        } else {
            resolution
        }
    }

    /// A use of a global of a package's `__init__` that importing the package's
    /// submodule of that name replaces (see [`crate::project_submodule_imports`]): the
    /// import may run before or after the use, even while `__init__` runs (through the
    /// modules it imports), so the use may find either.
    fn submodule_global_use(
        &mut self,
        file: File,
        index: &SemanticIndex,
        use_id: UseId,
        resolution: Resolution,
    ) -> Resolution {
        if !index.reaches_global(use_id) {
            return resolution;
        }
        let reaching = index.reaching(use_id);
        let hir = self.hir(file);
        let name = index.use_name(hir, use_id);
        let Some(import) = self.submodule_import(file, name) else {
            return resolution;
        };
        let binding = match reaching {
            [binding] => Some(*binding),
            _ => None,
        };
        let mut candidates = resolution.candidates(file, binding);
        candidates.push(submodule_candidate(import));
        Resolution::combine(candidates)
    }

    /// A use of a global of `file` that another file may replace as an attribute of the
    /// module (`clock.sleep = fake`): where it runs after the module has been imported
    /// (in a function, a lambda, a generator expression), it may find the new value.
    /// Functions keep their target: a call of a replaced function is refused where it
    /// would need to be awaited (AW102), and its return value is not followed.
    fn replaced_global_use(
        &mut self,
        file: File,
        index: &SemanticIndex,
        use_id: UseId,
        resolution: Resolution,
    ) -> Resolution {
        let data = &index.uses[use_id];
        if !index.reaches_global(use_id)
            || self.runs_on_import(file, index, data.scope)
            || only_functions(&resolution)
        {
            return resolution;
        }
        let hir = self.hir(file);
        let name = index.use_name(hir, use_id);
        match self
            .module_stores()
            .and_then(|stores| stores.replacement(file, name))
        {
            Some(_) => with_replacement(resolution, file, file, name),
            None => resolution,
        }
    }

    /// Whether code in `scope` runs while its module is imported: the module's own code,
    /// and class bodies and comprehensions directly in it; not functions, lambdas or
    /// generator expressions, which run when called or consumed.
    fn runs_on_import(
        &mut self,
        file: File,
        index: &SemanticIndex,
        mut scope: crate::index::ScopeId,
    ) -> bool {
        use crate::index::{ScopeKind, ScopeNode};
        loop {
            let data = &index.scopes[scope];
            match data.kind {
                ScopeKind::Module => return true,
                ScopeKind::Class | ScopeKind::TypeParams => {}
                ScopeKind::Comprehension => {
                    if let ScopeNode::Comprehension { body, expr } = data.node
                        && matches!(
                            self.hir(file).body(body).exprs[expr],
                            Expr::Generator { .. }
                        )
                    {
                        return false;
                    }
                }
                ScopeKind::Function | ScopeKind::Lambda => return false,
            }
            match data.parent {
                Some(parent) => scope = parent,
                None => return true,
            }
        }
    }

    fn compute_bound_use(
        &mut self,
        file: File,
        index: &SemanticIndex,
        use_id: UseId,
    ) -> Resolution {
        let data = &index.uses[use_id];
        let reaching = index.reaching(use_id);
        let builtin = |resolver: &mut Self| {
            let hir = resolver.hir(file);
            Target::Builtin(index.use_name(hir, use_id).clone())
        };
        // The common cases need no candidate list: one binding on every path, or none
        // and a builtin.
        match (reaching, data.fallback) {
            ([binding], Fallback::None) => return self.resolve_binding(file, *binding),
            ([], Fallback::Builtin) => return Resolution::Definite(builtin(self)),
            _ => {}
        }
        let mut candidates = Vec::new();
        for binding in reaching {
            let resolution = self.resolve_binding(file, *binding);
            candidates.extend(resolution.candidates(file, Some(*binding)));
        }
        match data.fallback {
            Fallback::None => {}
            Fallback::Builtin => candidates.push(Candidate {
                file,
                binding: None,
                target: Ok(builtin(self)),
            }),
            Fallback::OpaqueStar(star) => {
                let module = match &index.bindings[star].kind {
                    BindingKind::OpaqueStar { module, .. } => module.clone(),
                    _ => None,
                };
                candidates.push(Candidate {
                    file,
                    binding: Some(star),
                    target: Err(Unresolved::OpaqueStar(module)),
                });
            }
            Fallback::Unbound => {
                if candidates.is_empty() {
                    candidates.push(Candidate {
                        file,
                        binding: None,
                        target: Err(Unresolved::Unbound),
                    });
                }
            }
        }
        Resolution::combine(candidates)
    }

    /// What the expression `expr` of `body` in `file` refers to.
    pub fn resolve_expr(&mut self, file: File, body: BodyId, expr: ExprId) -> Resolution {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        match &body_data.exprs[expr] {
            Expr::Name { .. } => {
                let index = self.index(file);
                match index.use_of(body, expr) {
                    Some(use_id) => self.resolve_use(file, use_id),
                    None => Resolution::Unresolved(Unresolved::Unbound),
                }
            }
            Expr::Attribute { value, attr, ctx } => {
                if let Some(class) = self.super_call_class(hir, body, *value) {
                    return self.attribute(Target::Super { file, class }, attr);
                }
                let load = *ctx == ExprContext::Load;
                let attr = attr.clone();
                let base = self.resolve_expr(file, body, *value);
                match &base {
                    Resolution::Unresolved(reason) if reason.is_builtin_value() => {
                        return Resolution::Unresolved(Unresolved::BuiltinMethod);
                    }
                    Resolution::Unresolved(Unresolved::BuiltinMethod) => {
                        return Resolution::Unresolved(Unresolved::Builtin);
                    }
                    _ => {}
                }
                // `client.fetch` where `client` may still be `None` (`client = None`,
                // then `init()` binds it through `global`): the `None` path raises
                // `AttributeError` before any call, so only the others can run. Awaiting
                // a project method keeps that error; replacing an outside callee by
                // another would not, so those keep the `None` alternative.
                let mut found = None;
                if !attr.starts_with("__") && base.has_none() {
                    let filtered = base
                        .clone()
                        .without_none()
                        .map(|base| self.attribute(base, &attr));
                    if filtered.is_project_only() {
                        found = Some(filtered);
                    }
                }
                let found = found.unwrap_or_else(|| base.map(|base| self.attribute(base, &attr)));
                if load {
                    self.property_value(file, body, *value, &attr, found)
                } else {
                    found
                }
            }
            Expr::Call { func, .. } => {
                if let Some((object, name)) = self.literal_getattr(file, body, expr) {
                    // `getattr(obj, "name")` is `obj.name`; with a default, either.
                    let attribute = self
                        .resolve_expr(file, body, object)
                        .map(|base| self.attribute(base, &name));
                    return match self.getattr_default(file, body, expr) {
                        Some(default) => self.either(file, body, attribute, default),
                        None => attribute,
                    };
                }
                if let Some((namespace, key)) = self.namespace_lookup(file, body, expr) {
                    let Some(member) = self.namespace_member(file, body, namespace, key) else {
                        return Resolution::Unresolved(Unresolved::Expression("call"));
                    };
                    // `globals().get("fetch", fallback)`: the member or the default.
                    return match self.namespace_default(file, body, expr) {
                        Some(default) => self.either(file, body, member, default),
                        None => member,
                    };
                }
                if let Some(looked_up) = self
                    .table_lookup(file, body, expr)
                    .or_else(|| self.dict_lookup(file, body, expr))
                    .or_else(|| self.session_lookup(file, body, expr))
                {
                    return looked_up;
                }
                let func = *func;
                let callee = self.resolve_expr(file, body, func);
                if let Some(module) = self.dynamic_import(file, body, expr, &callee) {
                    return Resolution::Definite(module);
                }
                if let Some(class) = self.type_of_instance(file, body, expr, &callee) {
                    return class;
                }
                // `handlers.get(key)` gives back whatever the container holds.
                if callee == Resolution::Unresolved(Unresolved::BuiltinMethod) {
                    return Resolution::Unresolved(Unresolved::Builtin);
                }
                let method = match (&callee, &body_data.exprs[func]) {
                    (
                        Resolution::Definite(Target::Function { .. }),
                        Expr::Attribute { value, attr, .. },
                    ) if self.super_call_class(hir, body, *value).is_none() => {
                        Some((*value, attr.clone()))
                    }
                    _ => None,
                };
                let result = match (&callee, &method) {
                    // `return self` of a method found on a subclass's instance gives
                    // that instance.
                    (
                        Resolution::Definite(
                            target @ Target::Function {
                                file: callee_file,
                                function,
                            },
                        ),
                        Some((receiver, _)),
                    ) if self
                        .returns_from_receiver(*callee_file, *function)
                        .is_some() =>
                    {
                        let target = target.clone();
                        match self.resolve_expr(file, body, *receiver) {
                            Resolution::Definite(
                                receiver @ (Target::Instance { .. } | Target::Class { .. }),
                            ) => self.method_result(target, &receiver),
                            _ => self.call_result(target),
                        }
                    }
                    _ => callee.map(|callee| self.call_result(callee)),
                };
                match method {
                    Some((receiver, name)) if !matches!(result, Resolution::Unresolved(_)) => {
                        self.method_call_result(file, body, receiver, &name, result)
                    }
                    _ => result,
                }
            }
            Expr::Subscript { .. } => self
                .session_lookup(file, body, expr)
                .or_else(|| {
                    self.namespace_lookup(file, body, expr)
                        .and_then(|(namespace, key)| {
                            self.namespace_member(file, body, namespace, key)
                        })
                })
                .or_else(|| self.table_lookup(file, body, expr))
                .or_else(|| self.dict_lookup(file, body, expr))
                .or_else(|| self.sequence_item(file, body, expr))
                .or_else(|| match &self.hir(file).body(body).exprs[expr] {
                    Expr::Subscript {
                        value,
                        ctx: ExprContext::Load,
                        ..
                    } => self.enum_members(file, body, *value),
                    _ => None,
                })
                .unwrap_or(Resolution::Unresolved(Unresolved::Expression("subscript"))),
            Expr::Named { value, .. } => self.resolve_expr(file, body, *value),
            // `fake if testing else time.sleep`, `custom or time.sleep`: either operand.
            Expr::If {
                body: then, orelse, ..
            } => {
                let (then, orelse) = (*then, *orelse);
                let then = self.resolve_expr(file, body, then);
                self.either(file, body, then, orelse)
            }
            Expr::BoolOp { values, .. } => {
                let values = values.clone();
                let mut candidates = Vec::new();
                for value in values.iter() {
                    candidates.extend(self.resolve_expr(file, body, *value).candidates(file, None));
                }
                Resolution::combine(candidates)
            }
            Expr::Literal(Literal::None) => Resolution::Unresolved(Unresolved::NoneValue),
            other => Resolution::Unresolved(Unresolved::Expression(expr_kind(other))),
        }
    }

    /// Either `first` or what `other` of `body` resolves to: a conditional expression's
    /// branches, a lookup and its default.
    /// The dispatch table `table` names, when it is one: a name whose one reaching
    /// binding assigns it a dict display without `**` whose values name project functions
    /// (`COMMANDS = {"load": load, "save": store.save}`). Returns the body of the display
    /// and its values.
    pub fn dispatch_table(
        &mut self,
        file: File,
        body: BodyId,
        table: ExprId,
    ) -> Option<(BodyId, Box<[ExprId]>)> {
        let hir = self.hir(file);
        if !matches!(hir.body(body).exprs[table], Expr::Name { .. }) {
            return None;
        }
        let index = self.index(file);
        let use_id = index.use_of(body, table)?;
        let [binding] = index.reaching(use_id) else {
            return None;
        };
        let data = &index.bindings[*binding];
        let BindingKind::Assign { value } = data.kind else {
            return None;
        };
        let display_body = data.body;
        let Expr::Dict { items } = &hir.body(display_body).exprs[value] else {
            return None;
        };
        if items.is_empty() || items.iter().any(|item| item.key.is_none()) {
            return None;
        }
        let values: Box<[ExprId]> = items.iter().map(|item| item.value).collect();
        for value in values.iter() {
            if !matches!(
                hir.body(display_body).exprs[*value],
                Expr::Name { .. } | Expr::Attribute { .. }
            ) {
                return None;
            }
            let names_function = match self.resolve_expr(file, display_body, *value) {
                Resolution::Definite(target) => matches!(target, Target::Function { .. }),
                _ => false,
            };
            if !names_function {
                return None;
            }
        }
        Some((display_body, values))
    }

    /// What a lookup in a dispatch table (see [`Self::dispatch_table`]) gives:
    /// `table[key]` and `table.get(key)` any of its functions. (`get` may also give
    /// `None`, whose call raises `TypeError` whether awaited or not.) Only functions
    /// count: a method called on what another module stores in the table stays a call
    /// through an unknown receiver, and a function stored there is a function used as a
    /// value, which stays synchronous.
    pub fn table_lookup(&mut self, file: File, body: BodyId, expr: ExprId) -> Option<Resolution> {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        let (table, _, lookup) = mapping_lookup(body_data, expr)?;
        let default = match lookup {
            Some(Some(default))
                if !matches!(body_data.exprs[default], Expr::Literal(Literal::None)) =>
            {
                Some(default)
            }
            _ => None,
        };
        let (display_body, values) = self.dispatch_table(file, body, table)?;
        // `table.get(key, fallback)` gives the fallback for a key it lacks.
        let mut candidates = match default {
            Some(default) => self
                .resolve_expr(file, body, default)
                .candidates(file, None),
            None => Vec::new(),
        };
        for value in values.iter() {
            candidates.extend(
                self.resolve_expr(file, display_body, *value)
                    .candidates(file, None),
            );
        }
        Some(Resolution::combine(candidates))
    }

    /// What a lookup in a dict of project instances awaitify sees whole gives (see
    /// `Resolver::dict_values`): `clients[kind]` any of its values, `clients.get(kind)`
    /// any of them or `None` (or the default it is given). Only instances count: a dict
    /// of functions is a dispatch table ([`Self::table_lookup`]).
    fn dict_lookup(&mut self, file: File, body: BodyId, expr: ExprId) -> Option<Resolution> {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        let (dict, _, missing) = mapping_lookup(body_data, expr)?;
        let values = self.dict_values(file, body, dict)?;
        let mut candidates = Vec::new();
        for (value_file, value_body, value) in values {
            let found = self.resolve_expr(value_file, value_body, value);
            if !found.only_instances() {
                return None;
            }
            candidates.extend(found.candidates(value_file, None));
        }
        Some(self.with_missing(file, body, candidates, missing))
    }

    /// `candidates`, what a lookup finds under its key, and what it gives for a key the
    /// mapping lacks: nothing for `mapping[key]`, which raises; `None` for
    /// `mapping.get(key)`; the default of `mapping.get(key, default)`.
    fn with_missing(
        &mut self,
        file: File,
        body: BodyId,
        mut candidates: Vec<Candidate>,
        missing: Option<Option<ExprId>>,
    ) -> Resolution {
        match missing {
            None => {}
            Some(None) => candidates.push(Candidate {
                file,
                binding: None,
                target: Err(Unresolved::NoneValue),
            }),
            Some(Some(default)) => candidates.extend(
                self.resolve_expr(file, body, default)
                    .candidates(file, None),
            ),
        }
        Resolution::combine(candidates)
    }

    /// The fallback of a lookup in a dispatch table, `table.get(key, fallback)` (see
    /// [`Self::table_lookup`]): what the call gives for a key the table lacks, so a
    /// choice between names, as an alias is.
    pub fn table_default(&mut self, file: File, body: BodyId, expr: ExprId) -> Option<ExprId> {
        let hir = self.hir(file);
        let Expr::Call { func, args, .. } = &hir.body(body).exprs[expr] else {
            return None;
        };
        let [_, default] = **args else {
            return None;
        };
        if !matches!(&hir.body(body).exprs[*func], Expr::Attribute { attr, .. } if attr == "get") {
            return None;
        }
        self.table_lookup(file, body, expr)?;
        Some(default)
    }

    /// What a lookup of a literal key in Streamlit's session state gives (see
    /// [`crate::session_state`]): `state["client"]` and `state.setdefault("client",
    /// ...)` what the project stores under the key, `state.get("client")` that or
    /// `None` (or the default it is given). An attribute read (`state.client`) is
    /// answered by [`Self::attribute`].
    fn session_lookup(&mut self, file: File, body: BodyId, expr: ExprId) -> Option<Resolution> {
        self.session_state()?;
        let (key, missing) = self.session_read(file, body, expr)?;
        let held = self.session_value(&key)?;
        let candidates = held.candidates(file, None);
        Some(self.with_missing(file, body, candidates, missing))
    }

    /// The literal key `expr` of `body` looks up in Streamlit's session state
    /// (`state["client"]`, `state.get("client"[, default])`, `state.setdefault("client",
    /// ...)`), with what it gives for a key the state lacks (see [`Self::with_missing`]).
    fn session_read(
        &mut self,
        file: File,
        body: BodyId,
        expr: ExprId,
    ) -> Option<(Name, Option<Option<ExprId>>)> {
        let body_data = self.hir(file).body(body);
        let (state, key, missing) = keyed_lookup(body_data, expr)?;
        let key = Name::from(body_data.string_literal(key)?);
        self.is_session_state(file, body, state)
            .then_some((key, missing))
    }

    /// Whether `expr` of `body` is Streamlit's session state.
    fn is_session_state(&mut self, file: File, body: BodyId, expr: ExprId) -> bool {
        matches!(
            self.resolve_expr(file, body, expr),
            Resolution::Definite(Target::External(ref name)) if name == SESSION_STATE
        )
    }

    /// What the key `key` of Streamlit's session state holds, when awaitify sees every
    /// store that may write it and each stores a project instance (or `None`): the
    /// stores' values, resolved where they are written. `None` when it does not know,
    /// and for the names of session state's own methods (`get`, `update`), which an
    /// attribute read finds before any key.
    fn session_value(&mut self, key: &str) -> Option<Resolution> {
        // A private name read in a class is another key (`_App__conn`); which one is not
        // known here.
        if crate::session_state::is_method(key) || awaitify_hir::hir::is_private_name(key) {
            return None;
        }
        let state = self.session_state()?;
        if let Some(known) = self.session_values.get(key) {
            return known.clone();
        }
        let key = Name::from(key);
        // `st.session_state.a = st.session_state.b` and back: unknown.
        if !self.session_keys_in_progress.insert(key.clone()) {
            return None;
        }
        let mut candidates = Vec::new();
        let mut known = true;
        for (store_file, store) in state.stores_of(&key) {
            match self.session_store_value(*store_file, &store.value) {
                Some(found) => candidates.extend(found),
                None => {
                    known = false;
                    break;
                }
            }
        }
        self.session_keys_in_progress.remove(&key);
        let held = (known && !candidates.is_empty()).then(|| Resolution::combine(candidates));
        self.session_values.insert(key, held.clone());
        held
    }

    /// What one store of a key of session state stores, as candidates of a read of the
    /// key: a project instance (or `None`); `None` when it may be anything else.
    fn session_store_value(&mut self, file: File, value: &StoredValue) -> Option<Vec<Candidate>> {
        match value {
            StoredValue::Path(path) => {
                let found = self.resolve_path(file, path, None);
                found.only_instances().then(|| found.candidates(file, None))
            }
            StoredValue::None => Some(vec![Candidate {
                file,
                binding: None,
                target: Err(Unresolved::NoneValue),
            }]),
            _ => None,
        }
    }

    /// The key of Streamlit's session state that `receiver` reads, when it reads one
    /// by a literal name: `state.client`, `state["client"]`, `state.get("client")`.
    pub fn session_key_of(&mut self, file: File, body: BodyId, receiver: ExprId) -> Option<Name> {
        let key = match &self.hir(file).body(body).exprs[receiver] {
            Expr::Attribute { value, attr, .. } => {
                let (value, attr) = (*value, attr.clone());
                self.is_session_state(file, body, value).then_some(attr)?
            }
            _ => self.session_read(file, body, receiver)?.0,
        };
        (!crate::session_state::is_method(&key)).then_some(key)
    }

    /// Why [`Self::session_value`] does not follow the key `key`: where the state goes
    /// unfollowed, or the first store of the key that gives what awaitify cannot name.
    pub fn session_key_blocker(
        &mut self,
        key: &str,
    ) -> Option<crate::session_state::SessionBlocker> {
        use crate::session_state::SessionBlocker;
        let db = self.db;
        let state: &'db crate::SessionState = crate::project_session_state(db);
        if let Some((file, body, place)) = state.escape {
            return Some(SessionBlocker::Escape(file, body, place));
        }
        let mut any = false;
        for (file, store) in state.stores_of(key) {
            any = true;
            let place = (*file, store.body, store.expr);
            if store.widget {
                return Some(SessionBlocker::Widget(place.0, place.1, place.2));
            }
            if self.session_store_value(*file, &store.value).is_none() {
                return Some(SessionBlocker::Store(place.0, place.1, place.2));
            }
        }
        (!any).then_some(SessionBlocker::NoStore)
    }

    /// The project's stores into session state, when some key may be followed: the
    /// project stores something and the state goes nowhere awaitify does not follow.
    fn session_state(&mut self) -> Option<&'db crate::SessionState> {
        if let Some(known) = self.session_state {
            return known;
        }
        let state: &'db crate::SessionState = crate::project_session_state(self.db);
        let known = (state.escape.is_none() && !state.stores.is_empty()).then_some(state);
        self.session_state = Some(known);
        known
    }

    fn either(&mut self, file: File, body: BodyId, first: Resolution, other: ExprId) -> Resolution {
        let mut candidates = first.candidates(file, None);
        candidates.extend(self.resolve_expr(file, body, other).candidates(file, None));
        Resolution::combine(candidates)
    }

    /// The module `importlib.import_module("pkg.mod")` returns, or `__import__("pkg.mod")`
    /// (the top package `pkg`), for a literal absolute name; `callee` is the call's
    /// resolved callee.
    fn dynamic_import(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
        callee: &Resolution,
    ) -> Option<Target> {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        let Expr::Call { args, keywords, .. } = &body_data.exprs[call] else {
            return None;
        };
        let first = args.first()?;
        let Expr::Literal(Literal::Str(name)) = &body_data.exprs[*first] else {
            return None;
        };
        if !is_dotted_name(name) {
            return None;
        }
        match callee {
            Resolution::Definite(Target::External(callee))
                if callee == "importlib.import_module"
                    && args.len() == 1
                    && keywords.is_empty() =>
            {
                Some(self.module_target(name))
            }
            // `__import__(name, globals, locals, fromlist, level)`: the top package, or
            // with a non-empty `fromlist` the named module itself.
            Resolution::Definite(Target::Builtin(callee)) if callee == "__import__" => {
                let mut fromlist = args.get(3).copied();
                for keyword in keywords.iter() {
                    match keyword.arg.as_deref() {
                        Some("fromlist") => fromlist = Some(keyword.value),
                        Some("globals" | "locals") => {}
                        _ => return None,
                    }
                }
                if args.len() > 4 {
                    return None;
                }
                let from_names = match fromlist.map(|list| &body_data.exprs[list]) {
                    None | Some(Expr::Literal(Literal::None)) => false,
                    Some(Expr::List { elts, .. } | Expr::Tuple { elts, .. }) => !elts.is_empty(),
                    Some(_) => return None,
                };
                let module = if from_names {
                    name
                } else {
                    name.split('.').next().unwrap_or(name)
                };
                Some(self.module_target(module))
            }
            _ => None,
        }
    }

    /// A lookup in a module namespace, `ns[key]` or `ns.get(key)` with one argument: the
    /// namespace and the key expression.
    pub fn namespace_lookup(
        &mut self,
        file: File,
        body: BodyId,
        expr: ExprId,
    ) -> Option<(Namespace, ExprId)> {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        let (value, key) = match &body_data.exprs[expr] {
            Expr::Subscript { value, slice, .. } => (*value, *slice),
            Expr::Call {
                func,
                args,
                keywords,
            } if keywords.is_empty() => {
                let (&[key] | &[key, _]) = &**args else {
                    return None;
                };
                match &body_data.exprs[*func] {
                    Expr::Attribute { value, attr, .. } if attr == "get" => (*value, key),
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some((self.namespace_kind(file, body, value)?, key))
    }

    /// The default of a namespace lookup `ns.get(key, default)`, unless it is `None`.
    pub fn namespace_default(&mut self, file: File, body: BodyId, call: ExprId) -> Option<ExprId> {
        self.default_argument(file, body, call, 2)
    }

    /// The last argument of `call` when it has `count` positional arguments and that one
    /// is not `None`, which can be neither called nor asked for attributes.
    fn default_argument(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
        count: usize,
    ) -> Option<ExprId> {
        let exprs = &self.hir(file).body(body).exprs;
        let Expr::Call { args, .. } = &exprs[call] else {
            return None;
        };
        let default = *args.get(count - 1).filter(|_| args.len() == count)?;
        (!matches!(exprs[default], Expr::Literal(Literal::None))).then_some(default)
    }

    /// The member a literal `key` names in `namespace`: `globals()["name"]` is the
    /// module-level `name`; `sys.modules[__name__]` is this module, `sys.modules["pkg.mod"]`
    /// that one. `None` for a computed key.
    pub fn namespace_member(
        &mut self,
        file: File,
        body: BodyId,
        namespace: Namespace,
        key: ExprId,
    ) -> Option<Resolution> {
        let hir = self.hir(file);
        match (namespace, &hir.body(body).exprs[key]) {
            (Namespace::Module(module), Expr::Literal(Literal::Str(key)))
                if awaitify_db::is_identifier(key) =>
            {
                let key = Name::from(&**key);
                Some(self.attribute(Target::ProjectModule(module), &key))
            }
            (Namespace::Class(class_file, class), Expr::Literal(Literal::Str(key)))
                if awaitify_db::is_identifier(key) =>
            {
                let key = Name::from(&**key);
                Some(self.attribute(
                    Target::Class {
                        file: class_file,
                        class,
                        exact: true,
                    },
                    &key,
                ))
            }
            (Namespace::SysModules, Expr::Literal(Literal::Str(key))) if is_dotted_name(key) => {
                Some(Resolution::Definite(self.module_target(key)))
            }
            (Namespace::Outside(object), Expr::Literal(Literal::Str(key)))
                if awaitify_db::is_identifier(key) =>
            {
                let key = Name::from(&**key);
                Some(
                    self.resolve_expr(file, body, object)
                        .map(|base| self.attribute(base, &key)),
                )
            }
            (Namespace::SysModules, Expr::Name { id, .. }) if id == "__name__" => {
                match self.resolve_expr(file, body, key) {
                    Resolution::Definite(Target::Builtin(name)) if name == "__name__" => {
                        Some(Resolution::Definite(Target::ProjectModule(file)))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Whether `value` is a namespace that a lookup reads functions from: the builtin
    /// `globals()` (or `locals()` at module level), `vars(x)` or `x.__dict__` of a project
    /// module or class, or `sys.modules`.
    pub fn namespace_kind(&mut self, file: File, body: BodyId, value: ExprId) -> Option<Namespace> {
        let hir = self.hir(file);
        let body_data = hir.body(body);
        match &body_data.exprs[value] {
            Expr::Call {
                func,
                args,
                keywords,
            } if args.len() <= 1 && keywords.is_empty() => {
                let (func, args) = (*func, args.clone());
                let Expr::Name { id, .. } = &body_data.exprs[func] else {
                    return None;
                };
                let builtin = match (id.as_str(), &*args) {
                    ("globals", []) => "globals",
                    ("locals", []) if body == BodyId::Module => "locals",
                    ("vars", [_]) => "vars",
                    _ => return None,
                };
                if !matches!(
                    self.resolve_expr(file, body, func),
                    Resolution::Definite(Target::Builtin(name)) if name == builtin
                ) {
                    return None;
                }
                match *args {
                    [object] => self.namespace_of(file, body, object),
                    _ => Some(Namespace::Module(file)),
                }
            }
            Expr::Attribute {
                value: object,
                attr,
                ..
            } if attr == "__dict__" => {
                let object = *object;
                self.namespace_of(file, body, object)
            }
            Expr::Attribute { attr, .. } if attr == "modules" => {
                match self.resolve_expr(file, body, value) {
                    Resolution::Definite(Target::External(name)) if name == "sys.modules" => {
                        Some(Namespace::SysModules)
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// The namespace of the project module or class `object` is, or of the module or
    /// object outside the project it names.
    fn namespace_of(&mut self, file: File, body: BodyId, object: ExprId) -> Option<Namespace> {
        match self.resolve_expr(file, body, object) {
            Resolution::Definite(Target::ProjectModule(module)) => Some(Namespace::Module(module)),
            Resolution::Definite(Target::External(_)) => Some(Namespace::Outside(object)),
            Resolution::Definite(Target::Class { file, class, .. }) => {
                Some(Namespace::Class(file, class))
            }
            _ => None,
        }
    }

    /// The exception types a `with` item's context manager suppresses when it is
    /// `contextlib.suppress(...)` (under any name): its arguments. `None` for any other
    /// context manager.
    pub fn suppressed_types(
        &mut self,
        file: File,
        body: BodyId,
        context_expr: ExprId,
    ) -> Option<&'db [ExprId]> {
        let hir = self.hir(file);
        let Expr::Call { func, args, .. } = &hir.body(body).exprs[context_expr] else {
            return None;
        };
        matches!(
            self.resolve_expr(file, body, *func),
            Resolution::Definite(Target::External(name)) if name == "contextlib.suppress"
        )
        .then_some(&args[..])
    }

    /// `type(obj)` with the builtin `type` and one argument, of a project instance: its
    /// class, or a subclass of it (`type(self).create()`); `None` for any other call.
    fn type_of_instance(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
        callee: &Resolution,
    ) -> Option<Resolution> {
        if !matches!(callee, Resolution::Definite(Target::Builtin(name)) if name == "type") {
            return None;
        }
        let Expr::Call { args, keywords, .. } = &self.hir(file).body(body).exprs[call] else {
            return None;
        };
        let [object] = args[..] else {
            return None;
        };
        if !keywords.is_empty()
            || matches!(
                self.hir(file).body(body).exprs[object],
                Expr::Starred { .. }
            )
        {
            return None;
        }
        let instances = self.resolve_expr(file, body, object);
        let all_instances = match &instances {
            Resolution::Definite(target) => matches!(target, Target::Instance { .. }),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .all(|candidate| matches!(candidate.target, Ok(Target::Instance { .. }))),
            Resolution::Unresolved(_) => false,
        };
        all_instances.then(|| {
            instances.map(|target| match target {
                Target::Instance { file, class } => {
                    self.after_class_stores(file, class, "__class__", |_| {
                        Resolution::Definite(Target::Class {
                            file,
                            class,
                            exact: false,
                        })
                    })
                }
                other => Resolution::Definite(other),
            })
        })
    }

    /// `getattr(obj, "name")` with the builtin `getattr` and a literal name: the object
    /// expression and the name (see [`Self::getattr_default`] for a third argument).
    pub fn literal_getattr(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
    ) -> Option<(ExprId, Name)> {
        let (object, name) = self.getattr_call(file, body, call)?;
        let hir = self.hir(file);
        match &hir.body(body).exprs[name] {
            Expr::Literal(Literal::Str(text)) if awaitify_db::is_identifier(text) => {
                Some((object, Name::from(&**text)))
            }
            _ => None,
        }
    }

    /// The default of `getattr(obj, name, default)`, which may be the result instead of
    /// the attribute; `None` when there is none or it is `None`, which cannot be called
    /// or have attributes.
    pub fn getattr_default(&mut self, file: File, body: BodyId, call: ExprId) -> Option<ExprId> {
        self.default_argument(file, body, call, 3)
    }

    /// `getattr(obj, name)` or `getattr(obj, name, default)` with the builtin `getattr`,
    /// or a call that fetches an attribute by name as it does (see
    /// [`Self::attribute_fetch_call`]): the object and name expressions.
    pub fn getattr_call(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
    ) -> Option<(ExprId, ExprId)> {
        let hir = self.hir(file);
        let Expr::Call {
            func,
            args,
            keywords,
        } = &hir.body(body).exprs[call]
        else {
            return None;
        };
        if !matches!(&hir.body(body).exprs[*func], Expr::Name { id, .. } if id == "getattr") {
            return self.attribute_fetch_call(file, body, call);
        }
        let (object, name) = match **args {
            [object, name] | [object, name, _] => (object, name),
            _ => return None,
        };
        if !keywords.is_empty() {
            return None;
        }
        match self.resolve_expr(file, body, *func) {
            Resolution::Definite(Target::Builtin(builtin)) if builtin == "getattr" => {
                Some((object, name))
            }
            _ => None,
        }
    }

    /// The calls other than `getattr` that fetch one attribute by name:
    /// `operator.attrgetter(name)(obj)` (one name), `obj.__getattribute__(name)` and
    /// `object.__getattribute__(obj, name)`. The object and name expressions; a literal
    /// name makes them `obj.name`, and a computed one a lookup as a computed `getattr` is.
    fn attribute_fetch_call(
        &mut self,
        file: File,
        body: BodyId,
        call: ExprId,
    ) -> Option<(ExprId, ExprId)> {
        let exprs = &self.hir(file).body(body).exprs;
        let Expr::Call {
            func,
            args,
            keywords,
        } = &exprs[call]
        else {
            return None;
        };
        if !keywords.is_empty() {
            return None;
        }
        match (&exprs[*func], &**args) {
            (
                Expr::Call {
                    func: getter,
                    args: names,
                    keywords: getter_keywords,
                },
                &[object],
            ) if names.len() == 1 && getter_keywords.is_empty() => {
                let spelled = match &exprs[*getter] {
                    Expr::Name { id, .. } => id == "attrgetter",
                    Expr::Attribute { attr, .. } => attr == "attrgetter",
                    _ => false,
                };
                let (getter, name) = (*getter, names[0]);
                (spelled
                    && matches!(
                        self.resolve_expr(file, body, getter),
                        Resolution::Definite(Target::External(qualified))
                            if qualified == "operator.attrgetter"
                    ))
                .then_some((object, name))
            }
            (Expr::Attribute { value, attr, .. }, &[name]) if attr == "__getattribute__" => {
                Some((*value, name))
            }
            (Expr::Attribute { value, attr, .. }, &[object, name])
                if attr == "__getattribute__" =>
            {
                let value = *value;
                matches!(
                    self.resolve_expr(file, body, value),
                    Resolution::Definite(Target::Builtin(builtin)) if builtin == "object"
                )
                .then_some((object, name))
            }
            _ => None,
        }
    }

    /// The class whose method holds `value` when `value` is a `super()` call with no
    /// arguments.
    pub fn super_call(&mut self, file: File, body: BodyId, value: ExprId) -> Option<ClassId> {
        let hir = self.hir(file);
        self.super_call_class(hir, body, value)
    }

    /// `super()` with no arguments directly inside a method of a class.
    fn super_call_class(&self, hir: &FileHir, body: BodyId, value: ExprId) -> Option<ClassId> {
        let Expr::Call {
            func,
            args,
            keywords,
        } = &hir.body(body).exprs[value]
        else {
            return None;
        };
        let Expr::Name { id, .. } = &hir.body(body).exprs[*func] else {
            return None;
        };
        if id != "super" || !keywords.is_empty() {
            return None;
        }
        let BodyId::Function(function) = body else {
            return None;
        };
        let method = &hir.functions[function];
        let BodyId::Class(class) = method.parent else {
            return None;
        };
        match &args[..] {
            [] => Some(class),
            // `super(Child, self)` in a method of `Child`: the same as `super()`.
            [owner, receiver] => {
                let exprs = &hir.body(body).exprs;
                let names = |expr: ExprId, name: &str| matches!(&exprs[expr], Expr::Name { id, .. } if id == name);
                let first_param = method.params.iter().next()?;
                (names(*owner, &hir.classes[class].name) && names(*receiver, &first_param.name))
                    .then_some(class)
            }
            _ => None,
        }
    }

    /// What a binding of `file` gives its name, following aliases.
    pub fn resolve_binding(&mut self, file: File, binding: BindingId) -> Resolution {
        let index = self.index(file);
        let data = &index.bindings[binding];
        // Bindings whose target is read off the binding itself need no cache.
        match &data.kind {
            BindingKind::OpaqueStar { module, .. } => {
                return Resolution::Unresolved(Unresolved::OpaqueStar(module.clone()));
            }
            BindingKind::Function(function) | BindingKind::Decoration { function, .. } => {
                return Resolution::Definite(Target::Function {
                    file,
                    function: *function,
                });
            }
            BindingKind::Class(class) => return self.class_name(file, *class),
            BindingKind::Param { function, index } => {
                return self.parameter(file, *function, *index);
            }
            BindingKind::Import { .. }
            | BindingKind::ImportFrom { .. }
            | BindingKind::Assign { .. }
            | BindingKind::For { iter: Some(_) }
            | BindingKind::ComprehensionTarget { iter: Some(_) }
            | BindingKind::With { context: Some(_) }
            | BindingKind::ExceptHandler { caught: Some(_) } => {}
            // Unpacked: `value` of `for key, value in clients.items()` is a value of the
            // dict; found once, then cached.
            BindingKind::For { iter: None } | BindingKind::ComprehensionTarget { iter: None } => {}
            other => return Resolution::Unresolved(Unresolved::Binding(other.describe())),
        }
        if let Some(cached) = self.bindings.get(&(file, binding)) {
            return cached.clone();
        }
        if !self.in_progress.insert((file, binding, false)) {
            return Resolution::Unresolved(Unresolved::Cycle);
        }
        let resolution = match &data.kind {
            BindingKind::Import { module } => Resolution::Definite(self.module_target(module)),
            BindingKind::ImportFrom {
                module,
                level,
                name,
                ..
            } => self.import_from(file, module.as_deref(), *level, name),
            BindingKind::Assign { value } => {
                let resolution = self.resolve_expr(file, data.body, *value);
                label_alternatives(resolution, file, binding)
            }
            BindingKind::For { iter: Some(iter) }
            | BindingKind::ComprehensionTarget { iter: Some(iter) } => {
                let resolution = self.element_of(file, data.body, *iter, data.kind.describe());
                label_alternatives(resolution, file, binding)
            }
            BindingKind::For { iter: None } | BindingKind::ComprehensionTarget { iter: None } => {
                let dict = match data.site {
                    crate::index::BindingSite::Expr(target) => {
                        dict_items_value(self.hir(file).body(data.body), target)
                    }
                    crate::index::BindingSite::Name(_) => None,
                };
                let resolution = match dict.and_then(|dict| self.dict_values(file, data.body, dict))
                {
                    Some(values) => self.any_of_values(values),
                    None => Resolution::Unresolved(Unresolved::Binding(data.kind.describe())),
                };
                label_alternatives(resolution, file, binding)
            }
            BindingKind::ExceptHandler {
                caught: Some(caught),
            } => {
                let resolution = self.caught_instance(file, data.body, *caught);
                label_alternatives(resolution, file, binding)
            }
            BindingKind::With {
                context: Some(context),
            } => {
                let resolution = self.entered(file, data.body, *context);
                label_alternatives(resolution, file, binding)
            }
            other => unreachable!("{other:?} is answered above"),
        };
        self.in_progress.remove(&(file, binding, false));
        self.bindings.insert((file, binding), resolution.clone());
        resolution
    }

    /// What `except E as name` binds: an instance of `E` (or of a subclass, whose
    /// overrides method calls reach as for any instance), when `E` is a project class
    /// or a tuple of them. A class from outside the project may be the base of a
    /// project exception raised and caught through it, so it says nothing.
    fn caught_instance(&mut self, file: File, body: BodyId, caught: ExprId) -> Resolution {
        let unknown = || Resolution::Unresolved(Unresolved::Binding("except handler"));
        let hir = self.hir(file);
        let classes: Vec<ExprId> = match &hir.body(body).exprs[caught] {
            Expr::Tuple { elts, .. } => elts.to_vec(),
            _ => vec![caught],
        };
        let mut candidates = Vec::new();
        for class in classes {
            match self.resolve_expr(file, body, class) {
                Resolution::Definite(Target::Class { file, class, .. }) => {
                    candidates.push(Candidate {
                        file,
                        binding: None,
                        target: Ok(Target::Instance { file, class }),
                    });
                }
                _ => return unknown(),
            }
        }
        Resolution::combine(candidates)
    }

    /// What `with context as name` binds: what the manager's `__enter__` returns, when
    /// the manager is an instance of a project class whose `__enter__` is followed
    /// (`return self`, `return Session()`). Python looks `__enter__` up on the type, so
    /// an attribute stored on the instance does not count. Anything else (a file, a
    /// `contextlib.contextmanager` function's manager) is unknown.
    fn entered(&mut self, file: File, body: BodyId, context: ExprId) -> Resolution {
        const ENTER: &str = "__enter__";
        let unknown = || Resolution::Unresolved(Unresolved::Binding("with target"));
        let manager = self.resolve_expr(file, body, context);
        // A builtin's value or an unknown manager says nothing of what it enters.
        let manager = match manager {
            Resolution::Unresolved(_) => return unknown(),
            Resolution::Ambiguous(candidates) => Resolution::Ambiguous(
                candidates
                    .into_vec()
                    .into_iter()
                    .map(|candidate| Candidate {
                        target: candidate
                            .target
                            .map_err(|_| Unresolved::Binding("with target")),
                        ..candidate
                    })
                    .collect(),
            ),
            definite => definite,
        };
        let entered = manager.map(|target| {
            let Target::Instance {
                file: class_file,
                class,
            } = target
            else {
                return unknown();
            };
            // Another class's `__enter__` returns what awaitify does not follow here.
            let store = match self.class_store_members(class_file, class, ENTER) {
                Err(store) => Some(store),
                Ok(others) => others.first().map(|(_, store)| *store),
            };
            if let Some(store) = store {
                return Resolution::Unresolved(Unresolved::ClassAssigned {
                    file: class_file,
                    class,
                    store,
                });
            }
            match self.class_member(class_file, class, ENTER, false) {
                Some(found) => self
                    .replaceable_member(class_file, class, ENTER, found, true)
                    .map(|callee| self.method_result(callee, &target)),
                None => unknown(),
            }
        });
        if matches!(entered, Resolution::Unresolved(_)) {
            return entered;
        }
        // A subclass's `__enter__` may run instead, as for any method call.
        self.method_call_result(file, body, context, &Name::from(ENTER), entered)
    }

    /// `self` and `cls` of methods; other parameters are unknown.
    fn parameter(&mut self, file: File, function: FunctionId, index: u32) -> Resolution {
        if index != 0 {
            return Resolution::Unresolved(Unresolved::Parameter);
        }
        let symbols = self.symbols(file);
        let Some(summary) = symbols.functions.get(function) else {
            return Resolution::Unresolved(Unresolved::Parameter);
        };
        match summary.first_parameter() {
            Some((class, FirstParameter::Instance)) => {
                Resolution::Definite(Target::Instance { file, class })
            }
            Some((class, FirstParameter::Class)) => Resolution::Definite(Target::Class {
                file,
                class,
                exact: false,
            }),
            None => Resolution::Unresolved(Unresolved::Parameter),
        }
    }

    /// The target of a module named `name`: the project's module if it has one.
    pub fn module_target(&self, name: &str) -> Target {
        match resolve_module(self.db, name) {
            Some(file) => Target::ProjectModule(file),
            None => Target::External(Name::from(name)),
        }
    }

    /// What a dotted name written outside the code names, as a configuration entry
    /// spells it (`pkg.fetch`, `pkg.Client.get`): its first part is imported, and each
    /// next part is an attribute of the module before it (a global, through the module's
    /// imports and re-exports, or a submodule), or a name the body of the class before
    /// it binds itself (not one it inherits). A call's result (`make().run`) is no
    /// attribute of a project module or class; a name whose first part is no project
    /// module names the outside object `External(name)`.
    pub fn resolve_dotted_name(&mut self, name: &str) -> Resolution {
        let mut parts = name.split('.');
        let first = parts.next().unwrap_or_default();
        let mut resolution = Resolution::Definite(self.module_target(first));
        for part in parts {
            resolution = resolution.map(|base| match base {
                Target::ProjectModule(_) | Target::External(_) => self.attribute(base, part),
                Target::Class { file, class, .. } => {
                    self.own_class_member(file, class, part).unwrap_or_else(|| {
                        Resolution::Unresolved(Unresolved::NoAttribute(Name::from(part)))
                    })
                }
                _ => Resolution::Unresolved(Unresolved::NoAttribute(Name::from(part))),
            });
        }
        resolution
    }

    fn import_from(
        &mut self,
        file: File,
        module: Option<&str>,
        level: u32,
        name: &Name,
    ) -> Resolution {
        let Some(absolute) = absolute_module_name(self.db, file, module, level) else {
            return Resolution::Unresolved(Unresolved::RelativeImport);
        };
        match self.module_target(&absolute) {
            Target::ProjectModule(module_file) => {
                match self.module_member(module_file, name) {
                    // `from pkg import submodule`: Python imports the submodule when the
                    // package has no such attribute, and also when the attribute is this
                    // very import (`from . import api` in `pkg/__init__.py`, which the
                    // lookup sees as a cycle).
                    Resolution::Unresolved(unresolved) => {
                        let submodule = format!("{absolute}.{name}");
                        match resolve_module(self.db, &submodule) {
                            Some(found) => Resolution::Definite(Target::ProjectModule(found)),
                            None => Resolution::Unresolved(unresolved),
                        }
                    }
                    other => other,
                }
            }
            other => self.attribute(other, name),
        }
    }

    /// A module-level name of a project module, through its summary, as code that runs
    /// after the module has been imported reads it: another file may have replaced it
    /// as an attribute of the module by then (see [`Unresolved::Replaced`]).
    pub fn module_member(&mut self, module: File, name: &str) -> Resolution {
        let resolution = match self.submodule_import(module, name) {
            Some(import) => self.global_or_submodule(module, name, import),
            None => self.module_global(module, name),
        };
        if let Resolution::Unresolved(Unresolved::NoAttribute(_)) = resolution {
            // A name the module does not bind may still be set from outside: another
            // file's store (`pkg.fetch = f`), or one awaitify cannot list.
            let stores = self.module_stores();
            if stores.is_some_and(|stores| stores.replacement(module, name).is_some()) {
                return Resolution::Unresolved(Unresolved::Replaced {
                    module,
                    name: Name::from(name),
                });
            }
            if stores.is_some_and(|stores| stores.unlisted.contains_key(&module)) {
                return Resolution::Unresolved(Unresolved::UnlistedGlobals);
            }
            return resolution;
        }
        if !only_functions(&resolution)
            && self
                .module_stores()
                .and_then(|stores| stores.replacement(module, name))
                .is_some()
        {
            return with_replacement(resolution, module, module, name);
        }
        resolution
    }

    /// A global of a package's `__init__` that importing its submodule of that name may
    /// have replaced: each binding of `__init__`, labelled there, or the submodule,
    /// labelled at the first import of it.
    fn global_or_submodule(
        &mut self,
        module: File,
        name: &str,
        import: &crate::SubmoduleImport,
    ) -> Resolution {
        let symbols = self.symbols(module);
        let Some(summaries) = symbols.globals.get(name) else {
            return self.module_global(module, name);
        };
        let mut candidates = Vec::new();
        for (binding, summary) in summaries.iter() {
            let resolution = self.resolve_summary(module, *binding, summary, None);
            candidates.extend(resolution.candidates(module, Some(*binding)));
        }
        candidates.push(submodule_candidate(import));
        Resolution::combine(candidates)
    }

    /// A module-level name of a project module as its own bindings give it, which is
    /// what the module's code sees while it is imported.
    fn module_global(&mut self, module: File, name: &str) -> Resolution {
        let key = (module, Name::from(name));
        if let Some(cached) = self.module_members.get(&key) {
            return cached.clone();
        }
        let resolution = self.compute_module_member(module, name);
        // Results computed while a cycle was open may be partial; keep only settled ones.
        if self.in_progress.is_empty() {
            self.module_members.insert(key, resolution.clone());
        }
        resolution
    }

    fn compute_module_member(&mut self, module: File, name: &str) -> Resolution {
        let symbols = self.symbols(module);
        match symbols.globals.get(name) {
            Some(summaries) => self.resolve_summaries(module, summaries, None),
            None => {
                if let Some(own) = module_name(self.db, module)
                    && let Some(found) = resolve_module(self.db, &format!("{own}.{name}"))
                {
                    return Resolution::Definite(Target::ProjectModule(found));
                }
                // PEP 562: a module's `__getattr__` gives the names it does not bind.
                if symbols.globals.contains_key("__getattr__") {
                    return Resolution::Unresolved(Unresolved::ModuleGetattr);
                }
                let mut visited = FxHashSet::default();
                visited.insert(module);
                if let Some(star) = self.star_import_may_bind(module, name, &mut visited) {
                    return Resolution::Unresolved(Unresolved::OpaqueStar(star));
                }
                Resolution::Unresolved(Unresolved::NoAttribute(Name::from(name)))
            }
        }
    }

    /// The module of a star import of `module` that may bind `name` without awaitify
    /// seeing it (`None` inside for one whose module cannot be named): a module outside
    /// the project, whose names awaitify does not all know (`from os import *`), or a
    /// project module that would export `name` and may itself get it that way
    /// (`from .impl import *` where `impl` has `from os import *` and no `__all__`).
    fn star_import_may_bind(
        &mut self,
        module: File,
        name: &str,
        visited: &mut FxHashSet<File>,
    ) -> Option<Option<Name>> {
        let symbols = self.symbols(module);
        for (inner, level) in symbols.star_imports.iter() {
            let Some(absolute) = absolute_module_name(self.db, module, inner.as_deref(), *level)
            else {
                return Some(inner.clone());
            };
            let Some(imported) = resolve_module(self.db, &absolute) else {
                return Some(Some(Name::from(absolute.as_str())));
            };
            let exported = match &self.symbols(imported).dunder_all {
                // Its names are those of `__all__`, which the importer binds.
                crate::DunderAll::Known(_) => false,
                crate::DunderAll::Absent => !name.starts_with('_'),
                crate::DunderAll::Unknown => true,
            };
            if !exported || !visited.insert(imported) {
                continue;
            }
            let unlisted = self
                .module_stores()
                .is_some_and(|stores| stores.unlisted.contains_key(&imported));
            if unlisted {
                return Some(Some(Name::from(absolute.as_str())));
            }
            if let Some(star) = self.star_import_may_bind(imported, name, visited) {
                return Some(star);
            }
        }
        None
    }

    /// Every binding of one name in a summary (a module global or a class member),
    /// resolved and combined.
    fn resolve_summaries(
        &mut self,
        file: File,
        summaries: &[(BindingId, Summary)],
        class: Option<ClassId>,
    ) -> Resolution {
        let mut candidates = Vec::new();
        for (binding, summary) in summaries {
            let resolution = self.resolve_summary(file, *binding, summary, class);
            candidates.extend(resolution.candidates(file, Some(*binding)));
        }
        Resolution::combine(candidates)
    }

    fn resolve_summary(
        &mut self,
        file: File,
        binding: BindingId,
        summary: &Summary,
        class: Option<ClassId>,
    ) -> Resolution {
        if let Some(cached) = self.summaries.get(&(file, binding)) {
            return cached.clone();
        }
        if !self.in_progress.insert((file, binding, true)) {
            return Resolution::Unresolved(Unresolved::Cycle);
        }
        let resolution = match summary {
            Summary::Function(function) => Resolution::Definite(Target::Function {
                file,
                function: *function,
            }),
            Summary::Class(class) => self.class_name(file, *class),
            Summary::Import { module } => Resolution::Definite(self.module_target(module)),
            Summary::ImportFrom {
                module,
                level,
                name,
            } => self.import_from(file, module.as_deref(), *level, name),
            Summary::Path(path) => self.resolve_definition_path(file, path, class),
            Summary::Opaque(kind) => Resolution::Unresolved(Unresolved::Binding(kind)),
            Summary::None => Resolution::Unresolved(Unresolved::NoneValue),
        };
        self.in_progress.remove(&(file, binding, true));
        self.summaries.insert((file, binding), resolution.clone());
        resolution
    }

    /// Evaluates a summarized path in `file`'s globals (or `class`'s namespace first), as
    /// code that runs after the module has been imported does (a function's `return`, a
    /// store in a method): a global replaced from another module may have its new value.
    pub fn resolve_path(
        &mut self,
        file: File,
        path: &ExprPath,
        class: Option<ClassId>,
    ) -> Resolution {
        self.path_in(file, path, class, false)
    }

    /// [`Self::resolve_path`] for a path evaluated while its module is imported: a
    /// global's or a class attribute's value, a base class, a decorator. The module's
    /// own globals are what its bindings give them then.
    pub fn resolve_definition_path(
        &mut self,
        file: File,
        path: &ExprPath,
        class: Option<ClassId>,
    ) -> Resolution {
        self.path_in(file, path, class, true)
    }

    fn path_in(
        &mut self,
        file: File,
        path: &ExprPath,
        class: Option<ClassId>,
        on_import: bool,
    ) -> Resolution {
        match path {
            ExprPath::Name(name) => {
                if let Some(class) = class {
                    let symbols = self.symbols(file);
                    if let Some(members) = symbols
                        .classes
                        .get(class)
                        .and_then(|c| c.members.get(name.as_str()))
                    {
                        return self.resolve_summaries(file, members, Some(class));
                    }
                }
                let global = if on_import {
                    self.module_global(file, name)
                } else {
                    self.module_member(file, name)
                };
                match global {
                    Resolution::Unresolved(Unresolved::NoAttribute(_))
                        if crate::builtins::is_builtin(name) =>
                    {
                        Resolution::Definite(Target::Builtin(name.clone()))
                    }
                    Resolution::Unresolved(Unresolved::NoAttribute(_)) => {
                        Resolution::Unresolved(Unresolved::Unbound)
                    }
                    other => other,
                }
            }
            // While the module is imported, a class's attribute is what its body (or a
            // base's) bound: stores elsewhere run later, and a named class is not a
            // subclass (`class Foo(Test.LoggingTestCase)`).
            ExprPath::Attribute(value, attr) => {
                self.path_in(file, value, class, on_import)
                    .map(|base| match base {
                        Target::Class {
                            file: class_file,
                            class: owner,
                            ..
                        } if on_import => self
                            .class_member(class_file, owner, attr, false)
                            .unwrap_or_else(|| {
                                Resolution::Unresolved(Unresolved::NoAttribute(attr.clone()))
                            }),
                        base => self.attribute(base, attr),
                    })
            }
            ExprPath::Call(callee) => self
                .path_in(file, callee, class, on_import)
                .map(|callee| self.call_result(callee)),
        }
    }

    /// What calling `callee` gives: [`call_result`], and for a project function whose
    /// returns are all summarized paths, what they resolve to.
    pub fn call_result(&mut self, callee: Target) -> Resolution {
        self.call_result_on(callee, None)
    }

    /// What calling the method `callee` on `receiver` (an instance or a class found
    /// for the call) gives: a return that starts from the method's first parameter
    /// starts from the receiver, so `return self` gives an instance of the receiver's
    /// class, a subclass of the method's own.
    fn method_result(&mut self, callee: Target, receiver: &Target) -> Resolution {
        let Target::Function { file, function } = callee else {
            return self.call_result(callee);
        };
        let root = match (self.returns_from_receiver(file, function), receiver) {
            (Some(FirstParameter::Instance), Target::Instance { .. }) => receiver.clone(),
            // `cls` is the receiver's class: of an instance, which may be a subclass's.
            (Some(FirstParameter::Class), Target::Instance { file, class }) => Target::Class {
                file: *file,
                class: *class,
                exact: false,
            },
            (Some(FirstParameter::Class), Target::Class { .. }) => receiver.clone(),
            // `Class.method(obj)`: the first parameter is the argument, which may be
            // any object, so a return that starts from it is unknown.
            (Some(FirstParameter::Instance), Target::Class { .. }) => {
                return Resolution::Unresolved(Unresolved::ProjectCallResult);
            }
            _ => return self.call_result(callee),
        };
        self.call_result_on(callee, Some(Resolution::Definite(root)))
    }

    /// What the first parameter of `function` is bound to, when the function is a
    /// method some of whose returns start from it (`return self`, `return cls(...)`).
    fn returns_from_receiver(
        &mut self,
        file: File,
        function: FunctionId,
    ) -> Option<FirstParameter> {
        let summary = self.symbols(file).functions.get(function)?;
        let (_, first) = summary.first_parameter()?;
        let paths = summary.returns.as_ref()?;
        let first_name = &self.hir(file).functions[function]
            .params
            .iter()
            .next()?
            .name;
        paths
            .iter()
            .any(|path| path.root() == first_name)
            .then_some(first)
    }

    /// [`Self::call_result`], with `receiver` in place of the method's first parameter
    /// when given (not cached then: it depends on the call).
    fn call_result_on(&mut self, callee: Target, receiver: Option<Resolution>) -> Resolution {
        let (file, function) = match callee {
            Target::Function { file, function } => (file, function),
            Target::Class { file, class, exact } => return self.instance_of(file, class, exact),
            _ => return call_result(callee),
        };
        if receiver.is_none()
            && let Some(cached) = self.returns.get(&(file, function))
        {
            return cached.clone();
        }
        let symbols = self.symbols(file);
        let Some(summary) = symbols.functions.get(function) else {
            return Resolution::Unresolved(Unresolved::ProjectCallResult);
        };
        let Some(paths) = summary.returns.as_ref() else {
            return Resolution::Unresolved(Unresolved::ProjectCallResult);
        };
        // A call through a name that was replaced may run the new value, whose result is
        // unknown: `svc.get_client = FakeClient`, `Service.make_client = fake`,
        // `self.make_client = other`.
        if self.function_replaced(file, function) {
            return Resolution::Unresolved(Unresolved::ProjectCallResult);
        }
        // `def f(): return f()` and mutual recursion return what is already known: nothing.
        if !self.returns_in_progress.insert((file, function)) {
            return Resolution::Unresolved(Unresolved::ProjectCallResult);
        }
        // A path from the method's first parameter starts at its receiver: an instance
        // of the class (any subclass's overrides are candidates wherever a method of it
        // is called), or the class itself for a classmethod; a staticmethod's is unknown.
        let first_parameter = self.hir(file).functions[function]
            .params
            .iter()
            .next()
            .map(|param| param.name.clone());
        let mut candidates = Vec::new();
        for path in paths.iter() {
            let resolution = match &first_parameter {
                Some(name) if path.root() == name => {
                    let receiver = match &receiver {
                        Some(receiver) => receiver.clone(),
                        None => self.parameter(file, function, 0),
                    };
                    self.path_from_root(receiver, path)
                }
                _ => self.resolve_path(file, path, None),
            };
            candidates.extend(resolution.candidates(file, None));
        }
        self.returns_in_progress.remove(&(file, function));
        let resolution = Resolution::combine(candidates);
        // Results computed while a cycle was open may be partial; keep only settled ones.
        if receiver.is_none() && self.in_progress.is_empty() && self.returns_in_progress.is_empty()
        {
            self.returns.insert((file, function), resolution.clone());
        }
        resolution
    }

    /// What `path` gives when its first name holds `root`.
    fn path_from_root(&mut self, root: Resolution, path: &ExprPath) -> Resolution {
        match path {
            ExprPath::Name(_) => root,
            ExprPath::Attribute(inner, attr) => self
                .path_from_root(root, inner)
                .map(|base| self.attribute(base, attr)),
            ExprPath::Call(callee) => self
                .path_from_root(root, callee)
                .map(|callee| self.call_result(callee)),
        }
    }

    /// Whether the name a project function is reached by may be given another value:
    /// a module-level function replaced as an attribute of its module, a method whose
    /// name is stored on a class or an instance anywhere in the project, or on `self`
    /// (also through the namespace) by a method of a related class. A `setattr` with a
    /// computed name on an object awaitify cannot resolve does not count here, as it
    /// does not for the call graph's reassigned methods.
    fn function_replaced(&mut self, file: File, function: FunctionId) -> bool {
        let symbols = self.symbols(file);
        let Some(summary) = symbols.functions.get(function) else {
            return true;
        };
        let name = summary.name.clone();
        match summary.class {
            None => self
                .module_stores()
                .is_some_and(|stores| stores.replacement(file, &name).is_some()),
            Some(class) => {
                let stores = crate::project_attribute_stores(self.db);
                stores.elsewhere.contains(&name) || self.self_stores(file, class, &name).is_some()
            }
        }
    }

    /// What the name a `class` statement binds holds: the class, unless a decorator of
    /// the project may replace it (see [`Self::replacing_decorator`]).
    fn class_name(&mut self, file: File, class: ClassId) -> Resolution {
        match self.replacing_decorator(file, class) {
            Some(decorator) => Resolution::Unresolved(Unresolved::ReplacedClass {
                file,
                class,
                decorator,
            }),
            None => Resolution::Definite(Target::Class {
                file,
                class,
                exact: true,
            }),
        }
    }

    /// The first decorator of `class` that may bind its name to something else than the
    /// class: a function of the project other than one that returns the class it is
    /// given (`REGISTRY.append(cls); return cls`), or a factory of such functions; a
    /// project class or instance; what a project function returns when awaitify does not
    /// follow it; an expression that is no path. Decorators from outside the project
    /// (`dataclasses.dataclass`, `functools.total_ordering`) return the class.
    pub fn replacing_decorator(&mut self, file: File, class: ClassId) -> Option<u32> {
        let symbols = self.symbols(file);
        let summary = symbols.classes.get(class)?;
        if summary.decorators.is_empty() {
            return None;
        }
        if let Some(cached) = self.replacing_decorators.get(&(file, class)) {
            return *cached;
        }
        if !self.replacing_in_progress.insert((file, class)) {
            return None;
        }
        let enclosing_class = match self.hir(file).classes[class].parent {
            BodyId::Class(parent) => Some(parent),
            _ => None,
        };
        let mut found = None;
        for (position, path) in summary.decorators.iter().enumerate() {
            // A decorator from a function's locals is not followed: the summaries, all
            // other files see, resolve module globals.
            let Some(path) = path.as_ref().filter(|_| !summary.local_decorator) else {
                found = Some(position as u32);
                break;
            };
            let resolution = self.resolve_definition_path(file, path, enclosing_class);
            if self.decorator_replaces(file, path, &resolution) {
                found = Some(position as u32);
                break;
            }
        }
        self.replacing_in_progress.remove(&(file, class));
        self.replacing_decorators.insert((file, class), found);
        found
    }

    /// Whether a class decorator `path` of `file` that resolves to `resolution` may
    /// give back something other than the class (see [`Self::replacing_decorator`]).
    fn decorator_replaces(&mut self, file: File, path: &ExprPath, resolution: &Resolution) -> bool {
        let alternatives: Vec<Result<Target, Unresolved>> = resolution.clone().into_alternatives();
        for alternative in alternatives {
            let replaces = match alternative {
                Ok(Target::Function { file, function }) => {
                    !self.returns_its_argument(file, function)
                }
                Ok(Target::Class { .. } | Target::Instance { .. } | Target::Super { .. })
                | Ok(Target::ProjectModule(_)) => true,
                Ok(Target::External(_) | Target::Builtin(_)) => false,
                // `@register("name")`: a factory of the project that returns a decorator
                // that returns the class.
                Err(Unresolved::ProjectCallResult) => match path {
                    ExprPath::Call(factory) => !matches!(
                        self.resolve_definition_path(file, factory, None),
                        Resolution::Definite(Target::Function { file, function })
                            if matches!(
                                self.symbols(file).functions.get(function).and_then(|summary| summary.gives_back.as_ref()),
                                Some(GivesBack::ParameterDecorator)
                            )
                    ),
                    _ => true,
                },
                // What awaitify cannot follow otherwise (a parameter, a name from an
                // outside star import) is left as before: the class.
                Err(_) => false,
            };
            if replaces {
                return true;
            }
        }
        false
    }

    /// Whether a call of the project function as a decorator gives back what it is
    /// handed: the parameter it returns is the first one its call is given (after
    /// `self` or `cls` for a method found on an instance or a class).
    fn returns_its_argument(&mut self, file: File, function: FunctionId) -> bool {
        let Some(summary) = self.symbols(file).functions.get(function) else {
            return false;
        };
        let Some(GivesBack::Parameter(position)) = summary.gives_back else {
            return false;
        };
        let bound = u32::from(summary.first_parameter().is_some());
        position == bound
    }

    /// What a call of `class` gives: an instance of it, unless a `__new__` of its MRO or
    /// its metaclass's `__call__` may return another object (see [`Self::constructed`]).
    /// A class that may be a subclass (`cls()`, `type(self)()`) may be one whose own
    /// `__new__` returns another object: one of the project's classes that bind
    /// `__new__` to a function whose return awaitify follows (one that returns a
    /// literal gives an object with no project method either way).
    fn instance_of(&mut self, file: File, class: ClassId, exact: bool) -> Resolution {
        let made = match self.constructed(file, class) {
            Ok((file, class)) => Target::Instance { file, class },
            Err(reason) => return Resolution::Unresolved(reason),
        };
        if !exact
            && let Some(classes) = crate::project_attribute_stores(self.db)
                .class_members
                .get("__new__")
        {
            for &(sub_file, sub) in classes.iter() {
                if (sub_file, sub) != (file, class)
                    && self.mro(sub_file, sub).contains(&(file, class))
                    && let Err(reason) = self.constructed(sub_file, sub)
                {
                    return Resolution::Unresolved(reason);
                }
            }
        }
        Resolution::Definite(made)
    }

    /// The class a call of `class` gives an instance of: `class` itself when every
    /// `__new__` its MRO finds first, and its metaclass's `__call__`, give back a new
    /// object of the class called ([`GivesBack::Instance`]); the class whose `__new__`
    /// caches one on the class (`cls._instance`), which a subclass may find; or why
    /// neither is known. A base from outside the project is not looked at.
    fn constructed(&mut self, file: File, class: ClassId) -> Result<(File, ClassId), Unresolved> {
        if let Some(cached) = self.constructed.get(&(file, class)) {
            return cached.clone();
        }
        let found = self.compute_constructed(file, class);
        self.constructed.insert((file, class), found.clone());
        found
    }

    fn compute_constructed(
        &mut self,
        file: File,
        class: ClassId,
    ) -> Result<(File, ClassId), Unresolved> {
        let mro = self.mro(file, class);
        let other = |why| Unresolved::NotAnInstance { file, class, why };
        let mut made = (file, class);
        if let Some(owner) = self.first_defining(&mro, "__new__") {
            match self.gives_new_object(owner, "__new__") {
                Some(true) => made = owner,
                Some(false) => {}
                None => {
                    return Err(other(OtherObject::New {
                        file: owner.0,
                        class: owner.1,
                    }));
                }
            }
        }
        for &(class_file, mro_class) in mro.iter() {
            let symbols = self.symbols(class_file);
            let Some(Some(metaclass)) = symbols
                .classes
                .get(mro_class)
                .and_then(|summary| summary.metaclass.as_ref())
            else {
                continue;
            };
            let metaclasses = self
                .resolve_definition_path(class_file, metaclass, None)
                .into_targets();
            for target in metaclasses {
                let Target::Class {
                    file: meta_file,
                    class: meta,
                    ..
                } = target
                else {
                    continue;
                };
                let meta_mro = self.mro(meta_file, meta);
                if let Some(owner) = self.first_defining(&meta_mro, "__call__")
                    && self.gives_new_object(owner, "__call__") != Some(false)
                {
                    return Err(other(OtherObject::MetaclassCall {
                        file: owner.0,
                        class: owner.1,
                    }));
                }
            }
        }
        Ok(made)
    }

    /// The first class of `mro` whose body binds `name`.
    fn first_defining(&mut self, mro: &[(File, ClassId)], name: &str) -> Option<(File, ClassId)> {
        mro.iter().copied().find(|&(file, class)| {
            self.symbols(file)
                .classes
                .get(class)
                .is_some_and(|summary| summary.members.contains_key(name))
        })
    }

    /// Whether `method` (`__new__` or `__call__`) of `owner` gives back a new object of
    /// the class called: `Some(false)` when it does, `Some(true)` when it may be one
    /// cached on a class by an earlier call (an instance of `owner` or a subclass), and
    /// `None` when it may give back anything else.
    fn gives_new_object(&mut self, (file, class): (File, ClassId), method: &str) -> Option<bool> {
        let symbols = self.symbols(file);
        let bindings = symbols.classes.get(class)?.members.get(method)?;
        let mut cached_by_owner = false;
        for (_, summary) in bindings.iter() {
            let Summary::Function(function) = summary else {
                return None;
            };
            let Some(GivesBack::Instance {
                of_owner,
                cached_in,
            }) = symbols.functions.get(*function)?.gives_back.as_ref()
            else {
                return None;
            };
            if !self.caches_untouched(file, class, cached_in) {
                return None;
            }
            cached_by_owner |= *of_owner;
        }
        Some(cached_by_owner)
    }

    /// Whether the attributes `owner`'s `__new__` or `__call__` caches objects in
    /// (`cls._instance`) hold nothing else: no other file stores them, no class body but
    /// the owner's binds them, and the owner's binds them to no path (`_instance =
    /// None`, `_instances = {}`). Its own file was checked with its summary.
    fn caches_untouched(&mut self, file: File, owner: ClassId, cached_in: &[Name]) -> bool {
        if cached_in.is_empty() {
            return true;
        }
        let stores = crate::project_attribute_stores(self.db);
        for name in cached_in {
            if let Some(classes) = stores.class_members.get(name)
                && classes.iter().any(|entry| *entry != (file, owner))
            {
                return false;
            }
            let symbols = self.symbols(file);
            if let Some(bindings) = symbols
                .classes
                .get(owner)
                .and_then(|summary| summary.members.get(name))
                && bindings
                    .iter()
                    .any(|(_, summary)| !matches!(summary, Summary::Opaque(_) | Summary::None))
            {
                return false;
            }
        }
        let db = self.db;
        for &other in db.project().files(db).iter() {
            if other == file {
                continue;
            }
            let stored = &self.symbols(other).other_attribute_stores;
            let star = Name::from("*");
            if stored.binary_search(&star).is_ok()
                || cached_in
                    .iter()
                    .any(|name| stored.binary_search(name).is_ok())
            {
                return false;
            }
        }
        true
    }

    /// What `name` is on the classes stores to `__class__` may give an instance of
    /// `class` (see [`crate::project_class_assignments`]), besides its own: the members
    /// those classes have, each with the store (for `__class__`, the classes
    /// themselves). `Err` at a store when one of them is unknown or may have the name
    /// where awaitify cannot see it. Classes laid out unlike `class` are skipped, since
    /// CPython refuses to give them to its instances; so are those that lack the name
    /// where `object` lacks it too, since the lookup fails either way.
    fn class_store_members(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Result<Vec<(Candidate, Store)>, Store> {
        let mut found = Vec::new();
        if let Some(store) = self.class_assignments().and_then(|all| all.anything) {
            return Err(store);
        }
        let Some(changes) = self.class_changes(file, class) else {
            return Ok(found);
        };
        if let Some(store) = changes.unknown {
            return Err(store);
        }
        let dunder = name.len() > 4 && name.starts_with("__") && name.ends_with("__");
        if dunder && let Some(store) = changes.outside {
            return Err(store);
        }
        for &(to_file, to, methods_known, to_layout, store) in &changes.project {
            match self.class_member(to_file, to, name, false) {
                Some(member) => {
                    let member = self.replaceable_member(to_file, to, name, member, true);
                    found.extend(
                        member
                            .candidates(to_file, None)
                            .into_iter()
                            .map(|candidate| (candidate, store)),
                    );
                }
                None if name == "__class__" => found.push((
                    Candidate {
                        file: to_file,
                        binding: None,
                        target: Ok(Target::Class {
                            file: to_file,
                            class: to,
                            exact: false,
                        }),
                    },
                    store,
                )),
                None if !methods_known => return Err(store),
                None if dunder
                    && (to_layout != crate::Layout::Object
                        || crate::builtins::OBJECT_ATTRIBUTES.contains(&name)) =>
                {
                    return Err(store);
                }
                None => {}
            }
        }
        Ok(found)
    }

    /// The project's stores to `__class__`, when they count.
    fn class_assignments(&mut self) -> Option<&'db crate::ClassAssignments> {
        if !self.follow_class_assignments {
            return None;
        }
        let db = self.db;
        Some(
            *self
                .class_assignments
                .get_or_insert_with(|| crate::project_class_assignments(db)),
        )
    }

    /// The classes stores to `__class__` may give an instance of `class`, laid out as
    /// its own (see [`crate::project_class_assignments`]); `None` when there are none.
    fn class_changes(&mut self, file: File, class: ClassId) -> Option<std::rc::Rc<ClassChanges>> {
        use crate::AssignedClass;
        let assignments = self.class_assignments()?;
        if assignments.changes.is_empty() {
            return None;
        }
        if let Some(known) = self.class_changes.get(&(file, class)) {
            return known.clone();
        }
        // A class awaitify cannot follow may be laid out as any: no need for this one's.
        let unknown = assignments.affecting(file, class).find_map(|change| {
            change
                .to
                .iter()
                .any(|assigned| {
                    matches!(
                        assigned,
                        AssignedClass::Unknown {
                            layout: crate::Layout::Unknown
                        }
                    )
                })
                .then_some(change.store)
        });
        let mut changes = ClassChanges {
            unknown,
            ..ClassChanges::default()
        };
        if changes.unknown.is_some() {
            let changes = Some(std::rc::Rc::new(changes));
            self.class_changes.insert((file, class), changes.clone());
            return changes;
        }
        let mut any = false;
        let layout = self.layout(file, class);
        // Once it has another class, the stores that change that class's instances apply
        // too (`Waiting` -> `Running` -> `Done`).
        let mut reached: Vec<(File, ClassId)> = vec![(file, class)];
        let mut next = 0;
        while let Some(&(from_file, from)) = reached.get(next) {
            next += 1;
            for change in assignments.affecting(from_file, from) {
                for assigned in change.to.iter() {
                    if !layout.compatible(assigned.layout()) {
                        continue;
                    }
                    match *assigned {
                        AssignedClass::Unknown { .. } => {
                            changes.unknown.get_or_insert(change.store);
                        }
                        AssignedClass::Outside { .. } => {
                            changes.outside.get_or_insert(change.store);
                        }
                        AssignedClass::Project {
                            file: to_file,
                            class: to,
                            layout: to_layout,
                            methods_known,
                        } => {
                            if reached.contains(&(to_file, to)) {
                                continue;
                            }
                            reached.push((to_file, to));
                            changes.project.push((
                                to_file,
                                to,
                                methods_known,
                                to_layout,
                                change.store,
                            ));
                        }
                    }
                    any = true;
                }
            }
        }
        let changes = any.then(|| std::rc::Rc::new(changes));
        self.class_changes.insert((file, class), changes.clone());
        changes
    }

    /// What `name` is on an instance of `class` (`own` computes what its class gives),
    /// with what it may be once a store to `__class__` gave the instance another class
    /// (see [`Self::class_store_members`]).
    fn after_class_stores(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        own: impl FnOnce(&mut Self) -> Resolution,
    ) -> Resolution {
        match self.class_store_members(file, class, name) {
            Err(store) => Resolution::Unresolved(Unresolved::ClassAssigned { file, class, store }),
            Ok(others) if others.is_empty() => own(self),
            Ok(others) => {
                let mut candidates = own(self).candidates(file, None);
                candidates.extend(others.into_iter().map(|(candidate, _)| candidate));
                Resolution::combine(candidates)
            }
        }
    }

    /// `receiver.name` read where `found`, what the name gives on the receiver's class,
    /// is a getter under `@property` (or `functools.cached_property`) of an instance:
    /// the getter runs, so the read gives what it returns (`@property def db(self):
    /// ...; return self._db`), with each override's result (see
    /// [`Self::method_call_result`]). An instance attribute of that name stored anywhere
    /// (a `cached_property` may be replaced so) leaves it unknown. Anything else is
    /// `found` unchanged.
    fn property_value(
        &mut self,
        file: File,
        body: BodyId,
        receiver: ExprId,
        name: &Name,
        found: Resolution,
    ) -> Resolution {
        let Resolution::Definite(
            getter @ Target::Function {
                file: getter_file,
                function,
            },
        ) = &found
        else {
            return found;
        };
        if !self.is_property_getter(*getter_file, *function) {
            return found;
        }
        let Resolution::Definite(instance @ Target::Instance { .. }) =
            self.resolve_expr(file, body, receiver)
        else {
            return found;
        };
        let stores = crate::project_attribute_stores(self.db);
        if stores.on_self.contains_key(name)
            || stores.elsewhere.contains(name)
            || stores.elsewhere.contains("*")
        {
            return Resolution::Unresolved(Unresolved::InstanceAttribute(name.clone()));
        }
        let result = self.method_result(getter.clone(), &instance);
        if matches!(result, Resolution::Unresolved(_)) {
            return result;
        }
        self.method_call_result(file, body, receiver, name, result)
    }

    /// Whether `function` is a method whose only decorator is `property` or
    /// `functools.cached_property` (a getter with no setter or deleter after it, which
    /// would rebind the name).
    fn is_property_getter(&mut self, file: File, function: FunctionId) -> bool {
        let symbols = self.symbols(file);
        let Some(summary) = symbols.functions.get(function) else {
            return false;
        };
        let (Some(class), [Some(decorator)], []) = (
            summary.class,
            &*summary.decorators,
            &*summary.assigned_decorators,
        ) else {
            return false;
        };
        let decorator = decorator.clone();
        match self.resolve_definition_path(file, &decorator, Some(class)) {
            Resolution::Definite(Target::Builtin(name)) => name == "property",
            Resolution::Definite(Target::External(name)) => name == "functools.cached_property",
            _ => false,
        }
    }

    /// What `receiver.name()` returns when `name` is a method whose return value is
    /// followed: `self` (or `cls`) may be an instance of a subclass that overrides it, so
    /// each override's result is a candidate too (an override awaitify cannot follow, such
    /// as a lambda, an unknown one). `result` is what the method found on the receiver's
    /// class returns.
    fn method_call_result(
        &mut self,
        file: File,
        body: BodyId,
        receiver: ExprId,
        name: &Name,
        result: Resolution,
    ) -> Resolution {
        let stores = crate::project_attribute_stores(self.db);
        if is_private_name(name)
            || stores
                .class_members
                .get(name)
                .is_none_or(|classes| classes.len() < 2)
        {
            return result;
        }
        let receivers = self.resolve_expr(file, body, receiver).into_targets();
        let mut others: Vec<Candidate> = Vec::new();
        for target in receivers {
            let (Target::Instance {
                file: class_file,
                class,
            }
            | Target::Class {
                file: class_file,
                class,
                ..
            }) = target
            else {
                continue;
            };
            let own_order = self.mro(class_file, class);
            for &(other_file, other) in stores.class_members[name].iter() {
                if own_order.contains(&(other_file, other))
                    || !self.in_subclass_order(class_file, class, other_file, other)
                {
                    continue;
                }
                let Some(overriding) = self.own_class_member(other_file, other, name) else {
                    continue;
                };
                let called = overriding.map(|callee| self.call_result(callee));
                others.extend(called.candidates(other_file, None));
            }
        }
        if others.is_empty() {
            return result;
        }
        let mut candidates = result.candidates(file, None);
        candidates.extend(others);
        Resolution::combine(candidates)
    }

    /// `base.name`.
    pub fn attribute(&mut self, base: Target, name: &str) -> Resolution {
        match base {
            Target::ProjectModule(file) => self.module_member(file, name),
            Target::External(qualified) => {
                if qualified == SESSION_STATE
                    && let Some(held) = self.session_value(name)
                {
                    return held;
                }
                let joined = format!("{qualified}.{name}");
                Resolution::Definite(self.module_target(&joined))
            }
            // `Color.RED` of an enum is an instance of the enum class.
            Target::Class { file, class, .. } if self.is_enum_member(file, class, name) => {
                Resolution::Definite(Target::Instance { file, class })
            }
            Target::Class { file, class, .. } => {
                match self.class_member(file, class, name, false) {
                    Some(found) => self.replaceable_member(file, class, name, found, false),
                    None => Resolution::Unresolved(Unresolved::NoAttribute(Name::from(name))),
                }
            }
            // A store to `__class__` may have given the instance another class.
            Target::Instance { file, class } => {
                self.after_class_stores(file, class, name, |resolver| {
                    resolver.instance_member(file, class, name)
                })
            }
            Target::Super { file, class } => self
                .class_member(file, class, name, true)
                .unwrap_or_else(|| {
                    Resolution::Unresolved(Unresolved::NoAttribute(Name::from(name)))
                }),
            // `fetch.__call__` is `fetch` itself, as is a bound method's `__func__`.
            Target::Function { .. } if matches!(name, "__call__" | "__func__") => {
                Resolution::Definite(base)
            }
            Target::Function { file, function } if name == WRAPPED => {
                self.wrapped_function(file, function)
            }
            Target::Function { .. } => {
                Resolution::Unresolved(Unresolved::NoAttribute(Name::from(name)))
            }
            Target::Builtin(_) => Resolution::Unresolved(Unresolved::Builtin),
        }
    }

    /// `name` on an instance of `class`, as its class gives it.
    fn instance_member(&mut self, file: File, class: ClassId, name: &str) -> Resolution {
        match self.class_member(file, class, name, false) {
            Some(found) => self.replaceable_member(file, class, name, found, true),
            // `self.__class__` is the instance's class, which may be a subclass.
            None if name == "__class__" => Resolution::Definite(Target::Class {
                file,
                class,
                exact: false,
            }),
            None => self
                .instance_attribute(file, class, name)
                .unwrap_or_else(|| {
                    Resolution::Unresolved(Unresolved::InstanceAttribute(Name::from(name)))
                }),
        }
    }

    /// `fetch.__wrapped__` for a project function `fetch`: `functools.wraps(fn)` on the
    /// wrapper a decorator returns sets it to the function the decorator was given, so
    /// under decorators that pass coroutines through (the only ones a function that
    /// becomes async may have) it runs the function itself, as a call of `fetch`
    /// would. An undecorated function has no such attribute. It is unknown when the
    /// function's own decorators may set it to something else (`@functools.wraps(other)`
    /// on the `def`, a decorator awaitify cannot name) or code of the project stores it
    /// (`fetch.__wrapped__ = other`, `setattr` with a computed name).
    fn wrapped_function(&mut self, file: File, function: FunctionId) -> Resolution {
        let unknown = || Resolution::Unresolved(Unresolved::Wrapped);
        let symbols = self.symbols(file);
        let Some(summary) = symbols.functions.get(function) else {
            return unknown();
        };
        if summary.decorators.is_empty() && summary.assigned_decorators.is_empty() {
            return Resolution::Unresolved(Unresolved::NoAttribute(Name::from(WRAPPED)));
        }
        let wraps_other = summary
            .decorators
            .iter()
            .chain(summary.assigned_decorators.iter())
            .any(|decorator| match decorator {
                None => true,
                Some(ExprPath::Call(callee)) => matches!(&**callee,
                    ExprPath::Name(name) | ExprPath::Attribute(_, name) if name == "wraps"),
                Some(_) => false,
            });
        let stored = crate::project_attribute_stores(self.db)
            .elsewhere
            .iter()
            .any(|stored| stored == WRAPPED || stored == "*");
        if wraps_other || stored {
            return unknown();
        }
        Resolution::Definite(Target::Function { file, function })
    }

    /// Whether `name` is a member of the enum `class`: a class derived from one of
    /// `enum`'s bases binds it in its body to a value (`RED = 1`, `GREEN = auto()`),
    /// not to a function, a class or a path awaitify follows, and the name is neither
    /// `_sunder_` nor `__dunder__`.
    pub fn is_enum_member(&mut self, file: File, class: ClassId, name: &str) -> bool {
        if name.starts_with('_') && name.ends_with('_') {
            return false;
        }
        let symbols = self.symbols(file);
        let Some(summary) = symbols.classes.get(class) else {
            return false;
        };
        let Some(members) = summary.members.get(name) else {
            return false;
        };
        let values = members.iter().all(|(_, member)| {
            matches!(
                member,
                Summary::Opaque(_) | Summary::None | Summary::Path(ExprPath::Call(_))
            )
        });
        values && self.enum_base(file, class).is_some()
    }

    /// The base from `enum` (`enum.Enum`, `IntEnum`, `StrEnum`, `Flag`, `IntFlag`) that
    /// `class` derives from, directly or through project classes.
    pub fn enum_base(&mut self, file: File, class: ClassId) -> Option<Name> {
        if let Some(known) = self.enum_bases.get(&(file, class)) {
            return known.clone();
        }
        let order = self.mro(file, class);
        let mut found = None;
        'classes: for (owner_file, owner) in order.iter().copied() {
            let Some(summary) = self.symbols(owner_file).classes.get(owner) else {
                continue;
            };
            for base in summary.bases.iter().flatten() {
                if let Resolution::Definite(Target::External(name)) =
                    self.resolve_definition_path(owner_file, base, None)
                    && matches!(
                        name.as_str(),
                        "enum.Enum"
                            | "enum.IntEnum"
                            | "enum.StrEnum"
                            | "enum.Flag"
                            | "enum.IntFlag"
                    )
                {
                    found = Some(name);
                    break 'classes;
                }
            }
        }
        self.enum_bases.insert((file, class), found.clone());
        found
    }

    /// The project classes of `class`'s method resolution order, itself first, by C3
    /// linearization over the bases that resolve to project classes. A hierarchy C3
    /// rejects (Python raises `TypeError` for it) or a cyclic one gets a depth-first
    /// order instead, so a lookup still finds something.
    /// What class `owner` of `owner_file` binds to `name` in its own body; `_C__go` from
    /// outside is the private `__go` that class `C` defines.
    fn own_members(
        &mut self,
        owner_file: File,
        owner: ClassId,
        name: &str,
    ) -> Option<&'db [(BindingId, Summary)]> {
        let symbols = self.symbols(owner_file);
        let summary = symbols.classes.get(owner)?;
        summary
            .members
            .get(name)
            .or_else(|| summary.members.get(demangled(name, &summary.name)?))
            .map(|members| &**members)
    }

    pub fn mro(&mut self, file: File, class: ClassId) -> std::rc::Rc<[(File, ClassId)]> {
        if let Some(cached) = self.mros.get(&(file, class)) {
            return cached.clone();
        }
        let outer_hit_cycle = std::mem::replace(&mut self.mro_hit_cycle, false);
        let order: std::rc::Rc<[(File, ClassId)]> = self.compute_mro(file, class).into();
        // An order computed through a cycle is partial: it is not kept. Every other one
        // is, so a hierarchy full of diamonds costs one merge per class.
        if !self.mro_hit_cycle {
            self.mros.insert((file, class), order.clone());
        }
        self.mro_hit_cycle |= outer_hit_cycle;
        order
    }

    /// What an instance of `class` holds in attribute `name` that its class does not
    /// define, from what methods store on `self` (`self.client = Client()`): every store
    /// of the attribute by a method of `class`, of a base or of a subclass, must give the
    /// same target. Any other store of an attribute so named in the project
    /// (`app.client = fake`, `setattr`) leaves it unknown, as does a stored value that is
    /// not a path in its module's globals.
    fn instance_attribute(&mut self, file: File, class: ClassId, name: &str) -> Option<Resolution> {
        let stores = crate::project_attribute_stores(self.db);
        if stores.elsewhere.contains(name) || stores.elsewhere.contains("*") {
            return None;
        }
        self.self_stores(file, class, name)?
    }

    /// What the methods of `class`, of its bases and of its subclasses store on `self`
    /// as `name`: `None` when none does, `Some(None)` when the stores differ or are not
    /// paths in their module's globals, or when one of those classes stores attributes
    /// by computed names (`self.__dict__.update(values)`).
    fn self_stores(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Option<Option<Resolution>> {
        let stores = crate::project_attribute_stores(self.db);
        if let Some(computed) = stores.on_self.get("*")
            && self.any_related(file, class, computed)
        {
            return Some(None);
        }
        let storing = stores.on_self.get(name)?;
        if !self.any_related(file, class, storing) {
            return None;
        }
        let key = (file, class, Name::from(name));
        if !self.instance_attributes_in_progress.insert(key.clone()) {
            return Some(None);
        }
        let found = self.stored_on_self(file, class, name, storing);
        self.instance_attributes_in_progress.remove(&key);
        Some(found)
    }

    /// Whether one of `classes` is `class`, a base of it or a subclass of it.
    fn any_related(&mut self, file: File, class: ClassId, classes: &[(File, ClassId)]) -> bool {
        classes
            .iter()
            .any(|&(other_file, other)| self.related(file, class, other_file, other))
    }

    /// Whether an instance of `class` (of a subclass too) may find `other`'s members:
    /// `other` is in its MRO or in a subclass's.
    fn related(&mut self, file: File, class: ClassId, other_file: File, other: ClassId) -> bool {
        self.mro(file, class).contains(&(other_file, other))
            || self.in_subclass_order(file, class, other_file, other)
    }

    /// Whether `other` may be in the MRO of a subclass of `class`: `other` derives from
    /// `class`, or a class with several bases may derive from both (`class App(FastMixin,
    /// Base)` puts the mixin's members before `Base`'s for `self` in `Base`'s methods),
    /// as the names of bases tell (see [`crate::AttributeStores::joins_by_name`]).
    fn in_subclass_order(
        &mut self,
        file: File,
        class: ClassId,
        other_file: File,
        other: ClassId,
    ) -> bool {
        if self.mro(other_file, other).contains(&(file, class)) {
            return true;
        }
        let joins = &crate::project_attribute_stores(self.db).joins_by_name;
        let mut joins_of = |file: File, class: ClassId| {
            self.symbols(file)
                .classes
                .get(class)
                .and_then(|summary| joins.get(&summary.name))
        };
        let (Some(own), Some(others)) = (joins_of(file, class), joins_of(other_file, other)) else {
            return false;
        };
        // Both lists are in increasing order.
        let (mut left, mut right) = (own.iter().peekable(), others.iter().peekable());
        while let (Some(a), Some(b)) = (left.peek(), right.peek()) {
            match a.cmp(b) {
                std::cmp::Ordering::Less => {
                    left.next();
                }
                std::cmp::Ordering::Greater => {
                    right.next();
                }
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    fn stored_on_self(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        storing: &[(File, ClassId)],
    ) -> Option<Resolution> {
        let mut found: Option<Target> = None;
        // Stores of values of builtin types only (`self.cache = {}`): never a project
        // object, so a method call on it is no project method.
        let mut builtin_values = false;
        // A store of `None` (`self.conn = None` until a method connects): where one
        // may reach, the attribute resolves with `None` beside what the others store.
        let mut none = None;
        for (store_file, values) in self.related_stored_values(file, class, name, storing)? {
            for value in values.iter() {
                let path = match value {
                    StoredValue::Path(path) => path,
                    StoredValue::BuiltinValue | StoredValue::Elements(_) => {
                        builtin_values = true;
                        continue;
                    }
                    StoredValue::None => {
                        none = Some(store_file);
                        continue;
                    }
                    StoredValue::Parameter { .. } | StoredValue::Unknown => return None,
                };
                let target = match self.resolve_path(store_file, path, None) {
                    Resolution::Definite(target) => target,
                    // `self.items = list(items)`: a builtin constructor's result.
                    Resolution::Unresolved(Unresolved::BuiltinValue) => {
                        builtin_values = true;
                        continue;
                    }
                    _ => return None,
                };
                match &found {
                    Some(existing) if *existing != target => return None,
                    Some(_) => {}
                    None => found = Some(target),
                }
            }
        }
        Some(match (found, builtin_values) {
            (Some(_), true) => return None,
            // A method call on it runs only what the others store (see
            // `Resolution::has_none`).
            (Some(target), false) => match none {
                Some(none_file) => Resolution::combine(vec![
                    Candidate {
                        file,
                        binding: None,
                        target: Ok(target),
                    },
                    Candidate {
                        file: none_file,
                        binding: None,
                        target: Err(Unresolved::NoneValue),
                    },
                ]),
                None => Resolution::Definite(target),
            },
            (None, true) => Resolution::Unresolved(Unresolved::BuiltinValue),
            (None, false) if none.is_some() => Resolution::Unresolved(Unresolved::NoneValue),
            (None, false) => return None,
        })
    }

    /// Where the attribute `name` of an instance of `class` may come from, when the
    /// methods of its class family store on `self` under that name nothing but paths
    /// in their module's globals and their own parameters (`self.repo = repo` in
    /// `__init__`), as [`Resolver::attribute`] reads such stores but keeping the
    /// parameters: each store's target, or the parameter (its file, function and index)
    /// whose callers' arguments it holds. `None` under the same conditions that leave
    /// the attribute unknown there (another store elsewhere, a computed store), when a
    /// store is anything else, or when the class family finds `name` as a member.
    pub fn instance_attribute_sources(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Option<Vec<StoredSource>> {
        if self.class_member(file, class, name, false).is_some() {
            return None;
        }
        let stores = crate::project_attribute_stores(self.db);
        if stores.elsewhere.contains(name) || stores.elsewhere.contains("*") {
            return None;
        }
        if let Some(computed) = stores.on_self.get("*")
            && self.any_related(file, class, computed)
        {
            return None;
        }
        let storing = stores.on_self.get(name)?;
        let mut sources = Vec::new();
        for (store_file, values) in self.related_stored_values(file, class, name, storing)? {
            for value in values.iter() {
                let source = match value {
                    StoredValue::Parameter { function, index } => {
                        Err((store_file, *function, *index))
                    }
                    StoredValue::None => continue,
                    StoredValue::Path(path) => match self.resolve_path(store_file, path, None) {
                        Resolution::Definite(target) => Ok(target),
                        _ => return None,
                    },
                    _ => return None,
                };
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
        (!sources.is_empty()).then_some(sources)
    }

    /// What the methods of each class of `storing` that is `class`, a base or a subclass
    /// of it store on `self` as `name`, with the storing class's file: an instance of
    /// `class` may hold any of those. `None` when a storing class has no such summary.
    fn related_stored_values(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        storing: &[(File, ClassId)],
    ) -> Option<Vec<(File, &'db [StoredValue])>> {
        let mut related = Vec::new();
        for &(store_file, store_class) in storing {
            if self.related(file, class, store_file, store_class) {
                related.push((
                    store_file,
                    self.stored_values(store_file, store_class, name)?,
                ));
            }
        }
        Some(related)
    }

    /// What the methods of `class` store on `self` as `name`, each store's summary.
    fn stored_values(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Option<&'db [StoredValue]> {
        let symbols = self.symbols(file);
        symbols
            .classes
            .get(class)?
            .instance_attributes
            .get(name)
            .map(|values| &**values)
    }

    /// `found`, what `class` (an instance of it when `instance`) finds as `name` through
    /// its MRO, with whatever else may stand there when it is a known value other than a
    /// method (`client = Client()`, `pause = time.sleep`): a subclass's
    /// own binding of `name` (`self` may be an instance of it), an attribute its methods
    /// store on `self`, which an instance finds first, and a store elsewhere
    /// (`Dashboard.client = fake`, `d.client = fake`), which may replace it. Methods are
    /// left to the call graph, which adds overrides and refuses reassigned ones.
    fn replaceable_member(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        found: Resolution,
        instance: bool,
    ) -> Resolution {
        // An attribute that is not known already stays unknown, whatever replaces it.
        // `None` is known (`conn = None` until a method stores a connection on `self`).
        let none = matches!(found, Resolution::Unresolved(Unresolved::NoneValue));
        if only_functions(&found) || (matches!(found, Resolution::Unresolved(_)) && !none) {
            return found;
        }
        let key = (file, class, Name::from(name), instance);
        if let Some(cached) = self.data_members.get(&key) {
            return cached.clone();
        }
        let stores = crate::project_attribute_stores(self.db);
        let mut others: Vec<Candidate> = Vec::new();
        if !is_private_name(name)
            && let Some(classes) = stores.class_members.get(name)
        {
            let own_order = self.mro(file, class);
            for &(other_file, other) in classes.iter() {
                if own_order.contains(&(other_file, other))
                    || !self.in_subclass_order(file, class, other_file, other)
                {
                    continue;
                }
                let symbols = self.symbols(other_file);
                let Some(members) = symbols
                    .classes
                    .get(other)
                    .and_then(|summary| summary.members.get(name))
                else {
                    continue;
                };
                for (binding, summary) in members.iter() {
                    let resolution =
                        self.resolve_summary(other_file, *binding, summary, Some(other));
                    others.extend(resolution.candidates(other_file, Some(*binding)));
                }
            }
        }
        if instance {
            match self.self_stores(file, class, name) {
                None => {}
                Some(Some(stored)) => others.extend(stored.candidates(file, None)),
                Some(None) => others.push(Candidate {
                    file,
                    binding: None,
                    target: Err(Unresolved::InstanceAttribute(Name::from(name))),
                }),
            }
        }
        if stores.elsewhere.contains(name) || stores.elsewhere.contains("*") {
            others.push(Candidate {
                file,
                binding: None,
                target: Err(Unresolved::ReplacedMember(Name::from(name))),
            });
        }
        let resolution = if others.is_empty() {
            found
        } else {
            let mut candidates = self
                .member_candidates(file, class, name)
                .unwrap_or_else(|| found.candidates(file, None));
            candidates.extend(others);
            Resolution::combine(candidates)
        };
        if self.in_progress.is_empty() {
            self.data_members.insert(key, resolution.clone());
        }
        resolution
    }

    /// What `class` finds as `name` through its MRO, by binding of the class that
    /// defines it, so a diagnostic can label each.
    fn member_candidates(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Option<Vec<Candidate>> {
        let order = self.mro(file, class);
        for (owner_file, owner) in order.iter().copied() {
            let Some(members) = self.own_members(owner_file, owner, name) else {
                continue;
            };
            let mut candidates = Vec::new();
            for (binding, summary) in members.iter() {
                let resolution = self.resolve_summary(owner_file, *binding, summary, Some(owner));
                candidates.extend(resolution.candidates(owner_file, Some(*binding)));
            }
            return Some(candidates);
        }
        None
    }

    /// Whether a class in the MRO of `class` names a base that `named` accepts by its last
    /// name (`StopIteration`, `builtins.StopIteration`): a class derived from a builtin
    /// outside the project. A base that is not a path of names (`Base()`,
    /// `bases[0]`) counts as `unnamed` says.
    pub fn names_a_base(
        &mut self,
        file: File,
        class: ClassId,
        named: impl Fn(&str) -> bool,
        unnamed: bool,
    ) -> bool {
        let db = self.db;
        self.mro(file, class).iter().any(|(owner_file, owner)| {
            crate::module_symbols(db, *owner_file)
                .classes
                .get(*owner)
                .is_some_and(|summary| {
                    summary.bases.iter().any(|base| match base {
                        Some(ExprPath::Name(name) | ExprPath::Attribute(_, name)) => named(name),
                        _ => unnamed,
                    })
                })
        })
    }

    /// Whether every base of `class` is a project class, `object`, or a class from
    /// outside that defines no method by an ordinary name (`abc.ABC`, `typing.Generic`,
    /// `typing.Protocol`): only then does its MRO, as awaitify computes it, hold every
    /// class Python may find such a method in.
    pub fn has_only_project_bases(&mut self, file: File, class: ClassId) -> bool {
        let symbols = self.symbols(file);
        let Some(summary) = symbols.classes.get(class) else {
            return false;
        };
        summary.bases.iter().all(|base| {
            base.as_ref().is_some_and(
                |base| match self.resolve_definition_path(file, base, None) {
                    Resolution::Definite(Target::Class { .. }) => true,
                    Resolution::Definite(Target::Builtin(name)) => name == "object",
                    Resolution::Definite(Target::External(name)) => {
                        outside_class_without_methods(&name)
                    }
                    _ => false,
                },
            )
        })
    }

    /// Whether every class in the MRO of `class` has only project bases, `object` or
    /// outside classes defining no method by an ordinary name (see
    /// [`Self::has_only_project_bases`]): its MRO then holds every method it has.
    pub fn methods_known(&mut self, file: File, class: ClassId) -> bool {
        let order = self.mro(file, class);
        order
            .iter()
            .all(|&(owner_file, owner)| self.has_only_project_bases(owner_file, owner))
    }

    /// How instances of `class` are laid out (see [`crate::Layout`]): on a builtin type
    /// when a class of its MRO has one as a base, else unknown when one has a base
    /// awaitify cannot follow.
    pub fn layout(&mut self, file: File, class: ClassId) -> crate::Layout {
        use crate::Layout;
        if let Some(known) = self.layouts.get(&(file, class)) {
            return *known;
        }
        let mut layout = Layout::Object;
        let order = self.mro(file, class);
        for &(owner_file, owner) in order.iter() {
            let symbols = self.symbols(owner_file);
            let Some(summary) = symbols.classes.get(owner) else {
                continue;
            };
            for base in summary.bases.iter() {
                let own = match base
                    .as_ref()
                    .map(|base| self.resolve_definition_path(owner_file, base, None))
                {
                    Some(Resolution::Definite(Target::Class { .. })) => Layout::Object,
                    Some(Resolution::Definite(Target::Builtin(name))) => {
                        Layout::of_outside(&format!("builtins.{name}"))
                    }
                    Some(Resolution::Definite(Target::External(name))) => Layout::of_outside(&name),
                    _ => Layout::Unknown,
                };
                layout = match (layout, own) {
                    (Layout::BuiltinType, _) | (_, Layout::BuiltinType) => Layout::BuiltinType,
                    (Layout::Unknown, _) | (_, Layout::Unknown) => Layout::Unknown,
                    _ => Layout::Object,
                };
            }
        }
        self.layouts.insert((file, class), layout);
        layout
    }

    /// The bases of `class` that resolve to project classes, in order.
    pub fn direct_bases(&mut self, file: File, class: ClassId) -> Vec<(File, ClassId)> {
        let symbols = self.symbols(file);
        let Some(summary) = symbols.classes.get(class) else {
            return Vec::new();
        };
        let mut direct = Vec::new();
        for base in summary.bases.iter().flatten() {
            if let Resolution::Definite(Target::Class { file, class, .. }) =
                self.resolve_definition_path(file, base, None)
            {
                direct.push((file, class));
            }
        }
        direct
    }

    fn compute_mro(&mut self, file: File, class: ClassId) -> Vec<(File, ClassId)> {
        if !self.mros_in_progress.insert((file, class)) {
            self.mro_hit_cycle = true;
            return vec![(file, class)];
        }
        let bases = self.direct_bases(file, class);
        let mut sequences: Vec<Vec<(File, ClassId)>> = bases
            .iter()
            .map(|(base_file, base)| self.mro(*base_file, *base).to_vec())
            .collect();
        sequences.push(bases);
        let linearized = c3_merge(sequences);
        self.mros_in_progress.remove(&(file, class));
        let mut order = match linearized {
            Some(merged) if !merged.contains(&(file, class)) => {
                std::iter::once((file, class)).chain(merged).collect()
            }
            _ => self.depth_first_mro(file, class),
        };
        order.truncate(MAX_MRO);
        order
    }

    /// Depth-first, left to right, each class once.
    fn depth_first_mro(&mut self, file: File, class: ClassId) -> Vec<(File, ClassId)> {
        let mut order = Vec::new();
        let mut stack = vec![(file, class)];
        let mut seen = FxHashSet::default();
        while let Some((file, class)) = stack.pop() {
            if !seen.insert((file, class)) || order.len() >= MAX_MRO {
                continue;
            }
            order.push((file, class));
            let direct = self.direct_bases(file, class);
            stack.extend(direct.into_iter().rev());
        }
        order
    }

    /// `name` looked up through the MRO of `class` (after `class` itself if `skip_self`).
    pub fn class_member(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        skip_self: bool,
    ) -> Option<Resolution> {
        let key = (file, class, Name::from(name), skip_self);
        if let Some(cached) = self.members.get(&key) {
            return cached.clone();
        }
        let found = self.compute_class_member(file, class, name, skip_self);
        if self.in_progress.is_empty() {
            self.members.insert(key, found.clone());
        }
        found
    }

    /// `name` as `class`'s own body defines it, without looking at its bases.
    pub fn own_class_member(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
    ) -> Option<Resolution> {
        let symbols = self.symbols(file);
        let members = symbols.classes.get(class)?.members.get(name)?;
        Some(self.resolve_summaries(file, members, Some(class)))
    }

    fn compute_class_member(
        &mut self,
        file: File,
        class: ClassId,
        name: &str,
        skip_self: bool,
    ) -> Option<Resolution> {
        let order = self.mro(file, class);
        for (position, (owner_file, owner)) in order.iter().copied().enumerate() {
            if skip_self && position == 0 {
                continue;
            }
            let Some(members) = self.own_members(owner_file, owner, name) else {
                continue;
            };
            return Some(self.resolve_summaries(owner_file, members, Some(owner)));
        }
        None
    }
}

/// C3's merge: repeatedly takes the first head that is in no sequence's tail. `None`
/// when no head qualifies (an inconsistent hierarchy).
fn c3_merge(mut sequences: Vec<Vec<(File, ClassId)>>) -> Option<Vec<(File, ClassId)>> {
    let mut merged = Vec::new();
    for sequence in &mut sequences {
        sequence.reverse(); // Heads at the end, so taking one is a `pop`.
    }
    loop {
        sequences.retain(|sequence| !sequence.is_empty());
        if sequences.is_empty() {
            return Some(merged);
        }
        let head = sequences.iter().find_map(|candidate| {
            let head = *candidate.last()?;
            let in_a_tail = sequences
                .iter()
                .any(|sequence| sequence[..sequence.len() - 1].contains(&head));
            (!in_a_tail).then_some(head)
        })?;
        merged.push(head);
        for sequence in &mut sequences {
            if sequence.last() == Some(&head) {
                sequence.pop();
            }
        }
    }
}

/// Whether a class from outside the project, by qualified name, defines no method by an
/// ordinary name, so that looking one up on a class built on it finds the project's.
pub fn outside_class_without_methods(qualified: &str) -> bool {
    matches!(
        qualified,
        "builtins.object"
            | "abc.ABC"
            | "typing.Generic"
            | "typing.Protocol"
            | "typing_extensions.Protocol"
            | "types.ModuleType"
    )
}

/// Whether every target `resolution` may have is a project function.
fn only_functions(resolution: &Resolution) -> bool {
    match resolution {
        Resolution::Definite(target) => matches!(target, Target::Function { .. }),
        Resolution::Ambiguous(candidates) => candidates
            .iter()
            .all(|candidate| matches!(candidate.target, Ok(Target::Function { .. }))),
        Resolution::Unresolved(_) => false,
    }
}

/// The submodule an import may set as its package's attribute, labelled at the import.
fn submodule_candidate(import: &crate::SubmoduleImport) -> Candidate {
    Candidate {
        file: import.file,
        binding: import.binding,
        target: Ok(Target::ProjectModule(import.submodule)),
    }
}

/// `resolution`, or on another path the value that replaced the global `name` of
/// `module` (see [`Unresolved::Replaced`]).
fn with_replacement(resolution: Resolution, file: File, module: File, name: &str) -> Resolution {
    let mut candidates = resolution.candidates(file, None);
    candidates.push(Candidate {
        file,
        binding: None,
        target: Err(Unresolved::Replaced {
            module,
            name: Name::from(name),
        }),
    });
    Resolution::combine(candidates)
}

/// What calling `callee` gives.
pub fn call_result(callee: Target) -> Resolution {
    match callee {
        Target::Class { file, class, .. } => Resolution::Definite(Target::Instance { file, class }),
        Target::External(name) => {
            Resolution::Definite(Target::External(Name::from(format!("{name}()"))))
        }
        Target::Function { .. } => Resolution::Unresolved(Unresolved::ProjectCallResult),
        Target::Builtin(name) if returns_builtin_value(&name) => {
            Resolution::Unresolved(Unresolved::BuiltinValue)
        }
        _ => Resolution::Unresolved(Unresolved::Builtin),
    }
}

/// Builtins whose result is always of a builtin type, whatever their arguments:
/// constructors of builtin types and functions such as `sorted` or `len`. (`min`, `next`,
/// `iter`, `sum`, `type` and the like may give back a project object.)
fn returns_builtin_value(name: &str) -> bool {
    matches!(
        name,
        "dict"
            | "list"
            | "set"
            | "frozenset"
            | "tuple"
            | "str"
            | "bytes"
            | "bytearray"
            | "int"
            | "float"
            | "complex"
            | "bool"
            | "range"
            | "sorted"
            | "reversed"
            | "enumerate"
            | "zip"
            | "map"
            | "filter"
            | "len"
            | "repr"
            | "ascii"
            | "format"
            | "hex"
            | "oct"
            | "bin"
            | "ord"
            | "chr"
            | "hash"
            | "id"
            | "isinstance"
            | "issubclass"
            | "callable"
            | "open"
            | "input"
            | "memoryview"
            | "slice"
            | "globals"
            | "locals"
            | "dir"
    )
}

/// Alternatives of one binding's value (`a if c else b`, `for f in [a, b]`) carry no
/// binding of their own; they are labelled at `binding`, which chose among them.
fn label_alternatives(resolution: Resolution, file: File, binding: BindingId) -> Resolution {
    match resolution {
        Resolution::Ambiguous(candidates) => Resolution::Ambiguous(
            candidates
                .into_vec()
                .into_iter()
                .map(|candidate| match candidate.binding {
                    None if candidate.file == file => Candidate {
                        binding: Some(binding),
                        ..candidate
                    },
                    _ => candidate,
                })
                .collect(),
        ),
        other => other,
    }
}

/// A short name for an expression's kind, for diagnostics.
pub fn expr_kind(expr: &Expr) -> &'static str {
    match expr {
        Expr::Name { .. } => "name",
        Expr::Literal(_) => "literal",
        Expr::Interpolated { .. } => "f-string",
        Expr::BoolOp { .. } => "boolean",
        Expr::Named { .. } => "walrus",
        Expr::BinOp { .. } => "binary",
        Expr::UnaryOp { .. } => "unary",
        Expr::Lambda { .. } => "lambda",
        Expr::If { .. } => "conditional",
        Expr::Dict { .. } => "dict",
        Expr::Set { .. } => "set",
        Expr::List { .. } => "list",
        Expr::Tuple { .. } => "tuple",
        Expr::ListComp { .. } | Expr::SetComp { .. } | Expr::DictComp { .. } => "comprehension",
        Expr::Generator { .. } => "generator",
        Expr::Await { .. } => "await",
        Expr::Yield { .. } | Expr::YieldFrom { .. } => "yield",
        Expr::Compare { .. } => "comparison",
        Expr::Call { .. } => "call",
        Expr::Attribute { .. } => "attribute",
        Expr::Subscript { .. } => "subscript",
        Expr::Starred { .. } => "starred",
        Expr::Slice { .. } => "slice",
        Expr::Error => "invalid",
    }
}

/// The dotted name of a target, as PyCG writes it: `pkg.mod.Class.method`.
/// A target as dumps and fixtures show it: project items carry their kind (`def
/// main.f`, `module time`), so a local `time.py` is never mistaken for the stdlib.
pub fn describe_target(db: &dyn Db, target: &Target) -> String {
    match target {
        Target::ProjectModule(_) => format!("module {}", target_name(db, target)),
        Target::Function { .. } => format!("def {}", target_name(db, target)),
        Target::Class { .. } => format!("class {}", target_name(db, target)),
        Target::Super { .. } => format!("super {}", target_name(db, target)),
        Target::Instance { file, class } => {
            format!("instance {}", item_name(db, *file, BodyId::Class(*class)))
        }
        Target::External(_) | Target::Builtin(_) => target_name(db, target),
    }
}

pub fn target_name(db: &dyn Db, target: &Target) -> String {
    match target {
        Target::ProjectModule(file) => module_name(db, *file)
            .clone()
            .unwrap_or_else(|| file.path(db).display().to_string()),
        Target::Function { file, function } => item_name(db, *file, BodyId::Function(*function)),
        Target::Class { file, class, .. } | Target::Super { file, class } => {
            item_name(db, *file, BodyId::Class(*class))
        }
        Target::Instance { file, class } => {
            format!("{}()", item_name(db, *file, BodyId::Class(*class)))
        }
        Target::External(name) => name.to_string(),
        Target::Builtin(name) => format!("<builtin>.{name}"),
    }
}

/// `module.outer.Class.method` for an item of `file` (`module` alone for the module).
pub fn item_name(db: &dyn Db, file: File, item: BodyId) -> String {
    let hir = file_hir(db, file);
    let mut parts = Vec::new();
    let mut current = item;
    loop {
        match current {
            BodyId::Module => break,
            BodyId::Function(function) => {
                let data = &hir.functions[function];
                parts.push(data.name.to_string());
                current = data.parent;
            }
            BodyId::Class(class) => {
                let data = &hir.classes[class];
                parts.push(data.name.to_string());
                current = data.parent;
            }
        }
    }
    let module = module_name(db, file).clone().unwrap_or_else(|| {
        file.path(db)
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    parts.push(module);
    parts.reverse();
    parts.join(".")
}

/// `mapping[key]` (`None`), `mapping.get(key)` (`Some(None)`) or `mapping.get(key,
/// default)` (`Some(Some(default))`), without starred arguments or keywords: the
/// mapping's expression, the key's and how it is looked up.
fn mapping_lookup(body: &Body, expr: ExprId) -> Option<(ExprId, ExprId, Option<Option<ExprId>>)> {
    match &body.exprs[expr] {
        Expr::Subscript {
            value,
            slice,
            ctx: ExprContext::Load,
        } => Some((*value, *slice, None)),
        Expr::Call {
            func,
            args,
            keywords,
        } if keywords.is_empty()
            && !args
                .iter()
                .any(|arg| matches!(body.exprs[*arg], Expr::Starred { .. })) =>
        {
            match (&body.exprs[*func], &**args) {
                (Expr::Attribute { value, attr, .. }, [key]) if attr == "get" => {
                    Some((*value, *key, Some(None)))
                }
                (Expr::Attribute { value, attr, .. }, [key, default]) if attr == "get" => {
                    Some((*value, *key, Some(Some(*default))))
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// [`mapping_lookup`], or `mapping.setdefault(key, ...)`, which gives what the key holds
/// (its default is one of the key's stores).
fn keyed_lookup(body: &Body, expr: ExprId) -> Option<(ExprId, ExprId, Option<Option<ExprId>>)> {
    mapping_lookup(body, expr).or_else(|| match &body.exprs[expr] {
        Expr::Call { func, args, .. } => match (&body.exprs[*func], &**args) {
            (Expr::Attribute { value, attr, .. }, [key, ..]) if attr == "setdefault" => {
                Some((*value, *key, None))
            }
            _ => None,
        },
        _ => None,
    })
}

/// For `target`, the second name of a loop's or a comprehension's pair (`for key, value
/// in clients.items()`), the dict whose `items()` the pair unpacks: `value` takes each
/// of its values.
fn dict_items_value(body: &Body, target: ExprId) -> Option<ExprId> {
    let items_of = |pair: ExprId, iter: ExprId| -> Option<ExprId> {
        let (Expr::Tuple { elts, .. } | Expr::List { elts, .. }) = &body.exprs[pair] else {
            return None;
        };
        if elts.len() != 2 || elts[1] != target {
            return None;
        }
        let Expr::Call {
            func,
            args,
            keywords,
        } = &body.exprs[iter]
        else {
            return None;
        };
        match &body.exprs[*func] {
            Expr::Attribute { value, attr, .. }
                if attr == "items" && args.is_empty() && keywords.is_empty() =>
            {
                Some(*value)
            }
            _ => None,
        }
    };
    body.stmts
        .iter()
        .find_map(|(_, stmt)| match stmt {
            Stmt::For {
                target: pair, iter, ..
            } => items_of(*pair, *iter),
            _ => None,
        })
        .or_else(|| {
            body.exprs.iter().find_map(|(_, expr)| match expr {
                Expr::ListComp { generators, .. }
                | Expr::SetComp { generators, .. }
                | Expr::DictComp { generators, .. }
                | Expr::Generator { generators, .. } => generators
                    .iter()
                    .find_map(|generator| items_of(generator.target, generator.iter)),
                _ => None,
            })
        })
}
