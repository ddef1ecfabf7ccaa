//! Scopes, symbols, bindings and the flow-sensitive use-def map of one file.
//!
//! Terms, as in ty's `use_def.rs`:
//! - A **scope** is a Python block with its own namespace: module, class, function,
//!   lambda, comprehension, or a PEP 695 type-parameter scope.
//! - A **symbol** is a name in a scope's namespace. It is *local* to a function-like
//!   scope when some binding or `del` in that scope targets it (or it is annotated there)
//!   and it is not declared `global` or `nonlocal` there.
//! - A **binding** is a place that gives a symbol a value: an assignment target, an
//!   import alias, a `def`, a parameter, a `for` target, an `except ... as` name, ...
//! - A **use** is a `Name` expression that reads a symbol.
//! - The bindings that **reach** a use are those that may be the symbol's current value
//!   when the use runs, through every path of `if`, loops (a binding late in a loop body
//!   reaches the top of the next iteration), `try`, `match`, `break`, `continue` (through
//!   every `finally` they leave) and `return`, and `with` bodies that a context manager
//!   may cut short (`Builder::may_swallow`). A use may also be reached by *no* binding
//!   (the name may be unbound there); its [`Fallback`] says what Python does then.
//!
//! Free variables of nested functions see every binding of the enclosing scope
//! (flow-insensitive), since the nested function may run at any later time; a `del` of
//! the name there (or an `except ... as` of it) may have run too, so they may also find
//! it unbound.
//!
//! How flow is tracked: each module, class, function and lambda has one `Flow`: the
//! live bindings of each symbol at the current point, plus an undo log of every write.
//! Branches are checkpoints into the log: a branch's effect is the *delta* of slots it
//! wrote, so an `if` costs what its branches bind, not the size of the namespace.
//! Loops use *header placeholders*: a symbol first touched inside loop `L` gets a marker
//! "whatever reaches `L`'s header"; when the loop ends the marker is replaced by the
//! bindings before the loop plus those reaching the back edge.
//!
//! How symbols are found while building: each distinct name of the file gets a *name
//! key*, and a scope's symbol is looked up by `(scope, name key)`, so a name's text is
//! hashed once per occurrence and never compared again. The public per-scope maps
//! ([`Scope::symbols`]) are made once, at their final size, when the walk ends.
//!
//! Architecture Invariant: this module reads only the HIR of one file and, for
//! `from m import *` of project modules, the star-import names supplied by the caller.

use la_arena::{Arena, ArenaMap, Idx, RawIdx};
use rustc_hash::{FxBuildHasher, FxHashMap};
use smallvec::SmallVec;

use crate::builtins::is_builtin;
use awaitify_hir::hir::*;
use awaitify_hir::source_map::NameSite;

pub type ScopeId = Idx<Scope>;
/// The bindings that reach a use: usually one or two, kept inline.
pub type Reaching = SmallVec<[BindingId; 2]>;
pub type BindingId = Idx<Binding>;
pub type UseId = Idx<Use>;

type IndexMap<K, V> = indexmap::IndexMap<K, V, FxBuildHasher>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
    TypeParams,
}

impl ScopeKind {
    /// Scopes whose locals are fast locals: function, lambda, comprehension, type params.
    pub fn is_function_like(self) -> bool {
        !matches!(self, ScopeKind::Module | ScopeKind::Class)
    }
}

/// The HIR node that opens a scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeNode {
    Module,
    Function(FunctionId),
    Class(ClassId),
    Lambda {
        body: BodyId,
        expr: ExprId,
    },
    Comprehension {
        body: BodyId,
        expr: ExprId,
    },
    /// The type parameters of the `def`, `class` or `type` statement `stmt` of `body`.
    TypeParams {
        body: BodyId,
        stmt: StmtId,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub kind: ScopeKind,
    pub parent: Option<ScopeId>,
    pub node: ScopeNode,
    pub symbols: IndexMap<Name, Symbol>,
    /// A `from m import *` whose names are not known statically.
    pub opaque_star: Option<BindingId>,
}

impl Scope {
    pub fn symbol(&self, name: &str) -> Option<&Symbol> {
        self.symbols.get(name)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbol {
    /// Bindings owned by this scope for this symbol, in source order; most symbols have
    /// one or two, kept inline.
    pub bindings: Reaching,
    pub flags: u8,
}

impl Symbol {
    pub const BOUND: u8 = 1;
    pub const USED: u8 = 2;
    pub const GLOBAL: u8 = 4;
    pub const NONLOCAL: u8 = 8;
    /// Annotated without a value (`x: int`): local, but not a binding.
    pub const DECLARED: u8 = 16;
    /// Unbound somewhere in the scope, by `del` or at the end of an `except ... as`
    /// handler. `del x` makes `x` local as a binding does (CPython's symbol table counts
    /// it as one), and readers that do not follow the scope's flow (free variables of
    /// nested functions) may find the name unbound.
    pub const DELETED: u8 = 32;
    /// Unbound from nested code, through `global` or `nonlocal`: any call may run it, so
    /// every use in the scope may find the name unbound.
    pub const DELETED_ELSEWHERE: u8 = 64;

    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
    /// Whether the symbol is a local of its scope (bound, deleted or declared there, and
    /// not redirected by `global`/`nonlocal`).
    pub fn is_local(&self) -> bool {
        self.has(Self::BOUND | Self::DECLARED | Self::DELETED)
            && !self.has(Self::GLOBAL | Self::NONLOCAL)
    }
}

/// Where a binding is written in the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BindingSite {
    /// A `Name` expression in store context.
    Expr(ExprId),
    /// An identifier that is not an expression.
    Name(NameSite),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingKind {
    /// `import a.b.c` binds `a` to module `a`; `import a.b as c` binds `c` to `a.b`.
    Import {
        module: Name,
    },
    /// `from module import name` (also each name of an expanded star import).
    ImportFrom {
        module: Option<Name>,
        level: u32,
        name: Name,
        star: bool,
    },
    /// `from m import *` whose names are unknown; not a binding of any symbol.
    OpaqueStar {
        module: Option<Name>,
        level: u32,
    },
    Function(FunctionId),
    Class(ClassId),
    /// `name = value`, `name: T = value`, or `(name := value)`.
    Assign {
        value: ExprId,
    },
    /// `name = decorator(name)` (or `name: T = ...`) where the argument is `function`,
    /// whose `def` is written in the same body: every binding that reaches the argument
    /// is that `def` or another such rebinding of it. The name then holds the function
    /// decorated, as `@decorator` on the `def` would give it; `decorator` is the callee
    /// expression (see [`SemanticIndex::assigned_decorators`]).
    Decoration {
        function: FunctionId,
        decorator: ExprId,
    },
    /// A target inside tuple/list unpacking or a starred target.
    Unpacked,
    AugAssign,
    /// A `for` target; `iter` is the iterable when the target is a plain name.
    For {
        iter: Option<ExprId>,
    },
    /// A `with` target; `context` is the context manager's expression when the target
    /// is a plain name of a plain `with` (it binds what the manager's `__enter__`
    /// returns; `async with` binds what `__aenter__` gives, which is not followed).
    With {
        context: Option<ExprId>,
    },
    /// `except E as name`; `caught` is `E` (not for `except*`, which binds a group).
    ExceptHandler {
        caught: Option<ExprId>,
    },
    MatchCapture,
    /// The `index`-th parameter (source order) of `function`.
    Param {
        function: FunctionId,
        index: u32,
    },
    LambdaParam,
    /// A comprehension's target; `iter` is its iterable when the target is a plain name.
    ComprehensionTarget {
        iter: Option<ExprId>,
    },
    TypeParam,
    TypeAlias,
}

impl BindingKind {
    /// The kind of a name bound inside an unpacking target (`a, *b = ...`): it no
    /// longer holds the whole value the kind records.
    fn unpacked(&self) -> BindingKind {
        match self {
            BindingKind::Assign { .. } => BindingKind::Unpacked,
            BindingKind::For { .. } => BindingKind::For { iter: None },
            BindingKind::With { .. } => BindingKind::With { context: None },
            BindingKind::ComprehensionTarget { .. } => {
                BindingKind::ComprehensionTarget { iter: None }
            }
            other => other.clone(),
        }
    }

    pub fn describe(&self) -> &'static str {
        match self {
            BindingKind::Import { .. } => "import",
            BindingKind::ImportFrom { star: true, .. } => "star import",
            BindingKind::ImportFrom { .. } => "from-import",
            BindingKind::OpaqueStar { .. } => "star import",
            BindingKind::Function(_) => "def",
            BindingKind::Class(_) => "class",
            BindingKind::Assign { .. } => "assignment",
            BindingKind::Decoration { .. } => "decoration",
            BindingKind::Unpacked => "unpacking",
            BindingKind::AugAssign => "augmented assignment",
            BindingKind::For { .. } => "for target",
            BindingKind::With { .. } => "with target",
            BindingKind::ExceptHandler { .. } => "except handler",
            BindingKind::MatchCapture => "match capture",
            BindingKind::Param { .. } => "parameter",
            BindingKind::LambdaParam => "lambda parameter",
            BindingKind::ComprehensionTarget { .. } => "comprehension target",
            BindingKind::TypeParam => "type parameter",
            BindingKind::TypeAlias => "type alias",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub name: Name,
    /// The scope whose namespace the binding writes (after `global`/`nonlocal`).
    pub scope: ScopeId,
    pub kind: BindingKind,
    /// The body in which the binding site is written.
    pub body: BodyId,
    pub site: BindingSite,
}

/// What Python does on a path where no binding reaches a use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fallback {
    /// Every path binds the name.
    None,
    /// The name falls back to a builtin.
    Builtin,
    /// `NameError` / `UnboundLocalError`.
    Unbound,
    /// It may come from a `from m import *` whose names are unknown.
    OpaqueStar(BindingId),
}

/// One read of a name: 32 bytes, since a file has one per `Name` load. Its name is the
/// HIR's ([`SemanticIndex::use_name`]) and its reaching bindings live in one pool per
/// file ([`SemanticIndex::reaching`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// The innermost scope the use appears in.
    pub scope: ScopeId,
    pub body: BodyId,
    pub expr: ExprId,
    /// Where its reaching bindings start in the pool, and how many there are.
    reaching: (u32, u32),
    pub fallback: Fallback,
}

/// A store to an attribute, such as `time.sleep = fake`; the resolver uses these to
/// invalidate qualified names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeStore {
    pub body: BodyId,
    pub expr: ExprId,
    pub scope: ScopeId,
}

/// The names a `from m import *` binds, as the caller knows them.
pub enum StarNames {
    /// Exactly these names.
    Names(Vec<Name>),
    /// Some of these names, which ones unknown (a project module whose `__all__` is
    /// computed or changed in ways awaitify does not follow): each is bound on one path
    /// and left as it was on the other, so a name bound before the import is ambiguous
    /// after it.
    Possible(Vec<Name>),
    /// Names that cannot be known (a module outside the project): not a binding of any
    /// name, only a fallback for names nothing else binds.
    Opaque,
}

/// Everything this module computes for one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SemanticIndex {
    pub scopes: Arena<Scope>,
    pub bindings: Arena<Binding>,
    pub uses: Arena<Use>,
    /// The reaching bindings of every use, one run per use.
    reaching_pool: Vec<BindingId>,
    pub function_scopes: ArenaMap<FunctionId, ScopeId>,
    pub class_scopes: ArenaMap<ClassId, ScopeId>,
    /// Lambda and comprehension scopes, keyed by body and expression.
    pub expr_scopes: FxHashMap<(BodyId, ExprId), ScopeId>,
    /// The binding made by each `def`/`class` statement.
    pub item_bindings: FxHashMap<BodyId, BindingId>,
    /// For each body (module = 0, functions = 1.., classes after), its uses by expression.
    use_of_expr: Vec<ExprMap<Use>>,
    /// For each body, its bindings by store expression.
    binding_of_expr: Vec<ExprMap<Binding>>,
    pub attribute_stores: Vec<AttributeStore>,
    /// The decorators applied to each function by rebinding its name (see
    /// [`BindingKind::Decoration`]), in the order the walk met them.
    assigned_decorators: FxHashMap<FunctionId, SmallVec<[ExprId; 1]>>,
    function_count: usize,
}

impl SemanticIndex {
    pub const MODULE_SCOPE: fn() -> ScopeId = || ScopeId::from_raw(la_arena::RawIdx::from_u32(0));

    pub fn module_scope(&self) -> ScopeId {
        Self::MODULE_SCOPE()
    }

    fn body_ordinal(&self, body: BodyId) -> usize {
        body_ordinal(body, self.function_count)
    }

    /// The bindings that may reach `use_id` (empty when none does; see its fallback).
    pub fn reaching(&self, use_id: UseId) -> &[BindingId] {
        let (start, length) = self.uses[use_id].reaching;
        &self.reaching_pool[start as usize..(start + length) as usize]
    }

    /// Whether a binding of the module's own scope (a global) may reach `use_id`.
    pub fn reaches_global(&self, use_id: UseId) -> bool {
        let module_scope = self.module_scope();
        self.reaching(use_id)
            .iter()
            .any(|binding| self.bindings[*binding].scope == module_scope)
    }

    /// The name `use_id` reads, from the HIR the index was built from.
    pub fn use_name<'hir>(&self, hir: &'hir FileHir, use_id: UseId) -> &'hir Name {
        let data = &self.uses[use_id];
        match &hir.body(data.body).exprs[data.expr] {
            Expr::Name { id, .. } => id,
            other => unreachable!("a use is a `Name` expression, not {other:?}"),
        }
    }

    /// The use recorded for the `Name` expression `expr` of `body`, if it reads a name.
    pub fn use_of(&self, body: BodyId, expr: ExprId) -> Option<UseId> {
        self.use_of_expr
            .get(self.body_ordinal(body))
            .and_then(|map| map.get(expr))
    }

    /// Whether the name read at `expr` of `body` is the builtin of that name: no binding
    /// reaches it and the lookup falls back to the builtins.
    pub fn reads_builtin(&self, body: BodyId, expr: ExprId) -> bool {
        self.use_of(body, expr).is_some_and(|use_id| {
            self.reaching(use_id).is_empty() && self.uses[use_id].fallback == Fallback::Builtin
        })
    }

    /// The binding made by the store `Name` expression `expr` of `body`.
    pub fn binding_of(&self, body: BodyId, expr: ExprId) -> Option<BindingId> {
        self.binding_of_expr
            .get(self.body_ordinal(body))
            .and_then(|map| map.get(expr))
    }

    /// The callee expressions of the rebindings `name = decorator(name)` that decorate
    /// `function` (see [`BindingKind::Decoration`]), in the body around its `def`.
    pub fn assigned_decorators(&self, function: FunctionId) -> &[ExprId] {
        self.assigned_decorators
            .get(&function)
            .map_or(&[], |decorators| decorators.as_slice())
    }

    /// The scope of a function, class, lambda or comprehension.
    pub fn scope_of_body(&self, body: BodyId) -> ScopeId {
        match body {
            BodyId::Module => self.module_scope(),
            BodyId::Function(function) => self.function_scopes[function],
            BodyId::Class(class) => self.class_scopes[class],
        }
    }

    /// All bindings of `name` owned by `scope`.
    pub fn bindings_of(&self, scope: ScopeId, name: &str) -> &[BindingId] {
        self.scopes[scope]
            .symbol(name)
            .map_or(&[], |symbol| symbol.bindings.as_slice())
    }

    /// Builds the index of `hir`. `star_names` says which names a star import binds.
    pub fn build(
        hir: &FileHir,
        star_names: &mut dyn FnMut(Option<&Name>, u32) -> StarNames,
    ) -> SemanticIndex {
        Builder::new(hir, star_names).build()
    }
}

/// A map from the expressions of one body to ids: one `u32` per expression, allocated
/// only for bodies that have an entry (half the size of an `ArenaMap` of optional ids).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ExprMap<T> {
    ids: Vec<u32>,
    marker: std::marker::PhantomData<fn() -> T>,
}

impl<T> ExprMap<T> {
    const NONE: u32 = u32::MAX;

    /// A map for a body of `exprs` expressions, `entries` of which will have an id.
    fn sized(entries: usize, exprs: usize) -> Self {
        let ids = match entries {
            0 => Vec::new(),
            _ => vec![Self::NONE; exprs],
        };
        ExprMap {
            ids,
            marker: std::marker::PhantomData,
        }
    }

    fn insert(&mut self, expr: ExprId, id: Idx<T>) {
        let index = index_of(expr);
        if index >= self.ids.len() {
            self.ids.resize(index + 1, Self::NONE);
        }
        self.ids[index] = id.into_raw().into_u32();
    }

    fn get(&self, expr: ExprId) -> Option<Idx<T>> {
        let raw = *self.ids.get(index_of(expr))?;
        (raw != Self::NONE).then(|| Idx::from_raw(la_arena::RawIdx::from_u32(raw)))
    }
}

fn body_ordinal(body: BodyId, function_count: usize) -> usize {
    match body {
        BodyId::Module => 0,
        BodyId::Function(function) => 1 + index_of(function),
        BodyId::Class(class) => 1 + function_count + index_of(class),
    }
}

// ---------------------------------------------------------------------------------------
// Flow state.

/// A "definition" in flow state: a binding id, or (high bit set) the header placeholder
/// of the loop with that serial.
type Def = u32;
const HEADER: u32 = 1 << 31;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Live {
    defs: SmallVec<[Def; 2]>,
    unbound: bool,
}

impl Live {
    fn unbound() -> Self {
        Live {
            defs: SmallVec::new(),
            unbound: true,
        }
    }
    fn single(def: Def) -> Self {
        let mut defs = SmallVec::new();
        defs.push(def);
        Live {
            defs,
            unbound: false,
        }
    }
    fn union_with(&mut self, other: &Live) {
        self.unbound |= other.unbound;
        for def in &other.defs {
            if let Err(position) = self.defs.binary_search(def) {
                self.defs.insert(position, *def);
            }
        }
    }
    fn add(&mut self, def: Def) {
        if let Err(position) = self.defs.binary_search(&def) {
            self.defs.insert(position, def);
        }
    }
    fn contains(&self, def: Def) -> bool {
        self.defs.binary_search(&def).is_ok()
    }
    fn remove(&mut self, def: Def) {
        if let Ok(position) = self.defs.binary_search(&def) {
            self.defs.remove(position);
        }
    }
    /// Replaces the placeholder `header` by `replacement`.
    fn substitute(&mut self, header: Def, replacement: &Live) {
        if self.contains(header) {
            self.remove(header);
            self.union_with(replacement);
        }
    }
}

/// Slot values a branch wrote, sorted by slot.
type Delta = Vec<(u32, Live)>;

/// `delta` with the slots of `later` set to their values there (both sorted by slot).
fn overwrite(delta: Delta, later: &Delta) -> Delta {
    if later.is_empty() {
        return delta;
    }
    let mut merged = Vec::with_capacity(delta.len() + later.len());
    let mut later = later.iter().peekable();
    for (slot, live) in delta {
        while let Some(earlier) = later.next_if(|(key, _)| *key < slot) {
            merged.push(earlier.clone());
        }
        match later.next_if(|(key, _)| *key == slot) {
            Some((_, later_live)) => merged.push((slot, later_live.clone())),
            None => merged.push((slot, live)),
        }
    }
    merged.extend(later.cloned());
    merged
}

fn delta_get(delta: &Delta, slot: u32) -> Option<&Live> {
    delta
        .binary_search_by_key(&slot, |(key, _)| *key)
        .ok()
        .map(|index| &delta[index].1)
}

struct LoopFrame {
    serial: u32,
    checkpoint: usize,
    use_start: usize,
    breaks: Vec<Delta>,
    continues: Vec<Delta>,
}

/// A `try` with a `finally` being walked (its body, handlers and `else`). A `break` or
/// `continue` there that leaves the `try` (its loop encloses the `try`) runs the
/// `finally` on the way out, so it waits here until the `finally` is walked.
struct FinallyFrame {
    /// How many loops enclose the `try`: a jump leaves it when its loop is one of them.
    loop_depth: usize,
    /// Each waiting jump: whether it is a `break`, and the state it left with, as a
    /// delta since its loop's checkpoint.
    jumps: Vec<(bool, Delta)>,
}

/// The flow state of one module, class, function or lambda scope.
struct Flow {
    scope: ScopeId,
    slots: Vec<Live>,
    stamps: Vec<u32>,
    reachable: bool,
    log: Vec<(u32, Live)>,
    loops: Vec<LoopFrame>,
    finallies: Vec<FinallyFrame>,
    tries: Vec<FxHashMap<u32, Live>>,
    /// Nesting depth of constructs holding checkpoints; the log is cleared at zero.
    open_checkpoints: u32,
    seen: Vec<u32>,
    seen_generation: u32,
}

impl Flow {
    fn new(scope: ScopeId) -> Self {
        Flow {
            scope,
            slots: Vec::new(),
            stamps: Vec::new(),
            reachable: true,
            log: Vec::new(),
            loops: Vec::new(),
            finallies: Vec::new(),
            tries: Vec::new(),
            open_checkpoints: 0,
            seen: Vec::new(),
            seen_generation: 0,
        }
    }

    /// Empties the flow for reuse by `scope`, keeping its buffers.
    fn reset(&mut self, scope: ScopeId) {
        self.scope = scope;
        self.slots.clear();
        self.stamps.clear();
        self.reachable = true;
        self.log.clear();
        self.loops.clear();
        self.finallies.clear();
        self.tries.clear();
        self.open_checkpoints = 0;
        self.seen.clear();
        self.seen_generation = 0;
    }

    fn ensure(&mut self, slot: u32) {
        let slot = slot as usize;
        if slot >= self.slots.len() {
            self.slots.resize(slot + 1, Live::unbound());
            self.stamps.resize(slot + 1, 0);
            self.seen.resize(slot + 1, 0);
        }
    }

    /// Adds the header placeholder of every enclosing loop the slot has not met yet.
    fn stamp(&mut self, slot: u32) {
        self.ensure(slot);
        let index = slot as usize;
        let stamp = self.stamps[index];
        let Some(innermost) = self.loops.last() else {
            return;
        };
        if innermost.serial <= stamp {
            return;
        }
        let innermost = innermost.serial;
        for frame in self.loops.iter().rev() {
            if frame.serial <= stamp {
                break;
            }
            self.slots[index].add(HEADER | frame.serial);
        }
        self.stamps[index] = innermost;
    }

    fn read(&mut self, slot: u32) -> Live {
        self.stamp(slot);
        self.slots[slot as usize].clone()
    }

    fn write(&mut self, slot: u32, live: Live) {
        self.stamp(slot);
        if !self.reachable {
            return;
        }
        let index = slot as usize;
        for accumulator in &mut self.tries {
            accumulator
                .entry(slot)
                .and_modify(|existing| existing.union_with(&live))
                .or_insert_with(|| live.clone());
        }
        let old = std::mem::replace(&mut self.slots[index], live);
        if self.open_checkpoints > 0 {
            self.log.push((slot, old));
        }
    }

    fn checkpoint(&mut self) -> usize {
        self.open_checkpoints += 1;
        self.log.len()
    }

    fn release(&mut self) {
        self.open_checkpoints -= 1;
        if self.open_checkpoints == 0 {
            self.log.clear();
        }
    }

    /// Distinct slots written since `checkpoint`, in ascending order.
    fn written_since(&mut self, checkpoint: usize) -> Vec<u32> {
        self.seen_generation += 1;
        let generation = self.seen_generation;
        let mut slots = Vec::new();
        for (slot, _) in &self.log[checkpoint..] {
            let seen = &mut self.seen[*slot as usize];
            if *seen != generation {
                *seen = generation;
                slots.push(*slot);
            }
        }
        slots.sort_unstable();
        slots
    }

    fn delta_since(&mut self, checkpoint: usize) -> Delta {
        self.written_since(checkpoint)
            .into_iter()
            .map(|slot| (slot, self.slots[slot as usize].clone()))
            .collect()
    }

    /// The value each slot had at `checkpoint` (for slots written since).
    fn base_value(&self, checkpoint: usize, slot: u32) -> Live {
        self.log[checkpoint..]
            .iter()
            .find(|(written, _)| *written == slot)
            .map_or_else(|| self.slots[slot as usize].clone(), |(_, old)| old.clone())
    }

    /// Puts every slot written since `checkpoint` back to its value then.
    fn restore(&mut self, checkpoint: usize) {
        for index in (checkpoint..self.log.len()).rev() {
            let (slot, old) = self.log[index].clone();
            self.slots[slot as usize] = old;
        }
    }

    /// Sends a `break` or `continue` that left with state `delta` (since its loop's
    /// checkpoint) on: to the innermost `finally` it runs on the way out, else to its loop.
    fn route_jump(&mut self, is_break: bool, delta: Delta) {
        if let Some(finally) = self.finallies.last_mut()
            && finally.loop_depth == self.loops.len()
        {
            finally.jumps.push((is_break, delta));
            return;
        }
        let frame = self.loops.last_mut().expect("a jump is inside a loop");
        if is_break {
            frame.breaks.push(delta);
        } else {
            frame.continues.push(delta);
        }
    }

    /// After `restore(checkpoint)`, makes the state the union of the branches.
    fn merge(&mut self, branches: &[(bool, Delta)]) {
        let live: Vec<&Delta> = branches
            .iter()
            .filter(|(reachable, _)| *reachable)
            .map(|(_, delta)| delta)
            .collect();
        if live.is_empty() {
            self.reachable = false;
            return;
        }
        self.reachable = true;
        let mut slots: Vec<u32> = live
            .iter()
            .flat_map(|delta| delta.iter().map(|(slot, _)| *slot))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        for slot in slots {
            let base = self.slots[slot as usize].clone();
            let mut merged: Option<Live> = None;
            for delta in &live {
                let value = delta_get(delta, slot).unwrap_or(&base);
                match &mut merged {
                    Some(merged) => merged.union_with(value),
                    None => merged = Some(value.clone()),
                }
            }
            if let Some(merged) = merged
                && merged != base
            {
                self.write(slot, merged);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// The builder.

/// How a use was found while walking; turned into a [`Use`] once all scopes are known.
enum PendingLookup {
    /// Looked up in the flow of `scope`, with the live bindings there.
    Flow {
        scope: ScopeId,
        slot: u32,
        live: Live,
    },
    /// A comprehension target used inside its comprehension.
    ComprehensionLocal { scope: ScopeId },
    /// Not visible in the flow that contains it: resolve as a free variable of `from`.
    Free { from: ScopeId },
}

struct PendingUse {
    key: NameKey,
    scope: ScopeId,
    body: BodyId,
    expr: ExprId,
    lookup: PendingLookup,
}

enum Deferred {
    Function {
        function: FunctionId,
        scope: ScopeId,
    },
    Lambda {
        body: BodyId,
        expr: ExprId,
        scope: ScopeId,
    },
}

/// A name interned for the file being indexed: equal names share one key, so a symbol is
/// found by an integer lookup instead of hashing and comparing its text once per scope.
type NameKey = u32;

/// A name of at most 16 bytes as integers: its bytes, zero-padded, and its length. Two
/// such names are equal exactly when their keys are.
fn short_name(text: &str) -> Option<(u128, u8)> {
    let bytes = text.as_bytes();
    (bytes.len() <= 16).then(|| {
        let mut buffer = [0u8; 16];
        buffer[..bytes.len()].copy_from_slice(bytes);
        (u128::from_le_bytes(buffer), bytes.len() as u8)
    })
}

/// The key of symbol table entry `(scope, name)` in [`Builder::slots`].
fn slot_key(scope: ScopeId, key: NameKey) -> u64 {
    (u64::from(scope.into_raw().into_u32()) << 32) | u64::from(key)
}

struct Builder<'a> {
    hir: &'a FileHir,
    /// Every distinct name of the file longer than 16 bytes, by text.
    name_keys: FxHashMap<Name, NameKey>,
    /// Every other distinct name, by [`short_name`].
    short_name_keys: FxHashMap<(u128, u8), NameKey>,
    /// For each name key, the scope it was last given a slot in, and that slot.
    last_slots: Vec<(ScopeId, u32)>,
    /// The names by key.
    key_names: Vec<Name>,
    /// Each scope's symbol slots (its index in [`Scope::symbols`]), by name key.
    slots: FxHashMap<u64, u32>,
    /// Each scope's symbols in slot order, moved into [`Scope::symbols`] at the end, so
    /// those maps are made once at their final size.
    symbols: Vec<Vec<(NameKey, Symbol)>>,
    /// What a name looked up as a free variable of a scope gives, by [`slot_key`].
    free_lookups: FxHashMap<u64, (Reaching, Fallback)>,
    star_names: &'a mut dyn FnMut(Option<&Name>, u32) -> StarNames,
    index: SemanticIndex,
    pending: Vec<PendingUse>,
    flows: Vec<Flow>,
    /// Finished flows, whose buffers the next scope reuses.
    spare_flows: Vec<Flow>,
    /// Innermost scope last; comprehension and type-param scopes sit above their flow.
    scope_stack: Vec<ScopeId>,
    deferred: std::collections::VecDeque<Deferred>,
    loop_serial: u32,
    /// The context managers of this file that may swallow exceptions, found at the first
    /// `with` that needs them.
    swallowing_managers: Option<Vec<Name>>,
    /// How many `if TYPE_CHECKING:` bodies enclose the statement being visited: the
    /// bindings made there never run, so no reader outside the flow sees them.
    type_only: u32,
    /// Assignments shaped as `name = decorator(name)`, decided once every use's reaching
    /// bindings are known (see [`Builder::mark_decorations`]).
    decoration_candidates: Vec<DecorationCandidate>,
}

/// An assignment `name = decorator(name)` with one target.
struct DecorationCandidate {
    binding: BindingId,
    body: BodyId,
    argument: ExprId,
    decorator: ExprId,
}

impl<'a> Builder<'a> {
    fn new(
        hir: &'a FileHir,
        star_names: &'a mut dyn FnMut(Option<&Name>, u32) -> StarNames,
    ) -> Self {
        let function_count = hir.functions.len();
        let body_count = 1 + function_count + hir.classes.len();
        // Sized up front from the HIR's `Name` expressions: growing these by doubling
        // would copy them into fresh memory several times over.
        let mut use_of_expr = Vec::with_capacity(body_count);
        let mut binding_of_expr = Vec::with_capacity(body_count);
        let (mut loads, mut stores) = (0, 0);
        for (_, body) in hir.bodies() {
            let counts = body.name_counts;
            let (body_loads, body_stores) = (counts.loads as usize, counts.stores as usize);
            // An augmented assignment's target is both a use and a binding.
            let names = body_loads + body_stores;
            use_of_expr.push(ExprMap::sized(names, body.exprs.len()));
            binding_of_expr.push(ExprMap::sized(names, body.exprs.len()));
            loads += body_loads;
            stores += body_stores;
        }
        // Deleted and augmented names are uses too.
        let uses = loads + stores;
        let index = SemanticIndex {
            uses: Arena::with_capacity(uses),
            bindings: Arena::with_capacity(stores + function_count + hir.classes.len()),
            use_of_expr,
            binding_of_expr,
            function_count,
            ..SemanticIndex::default()
        };
        Builder {
            hir,
            star_names,
            index,
            pending: Vec::with_capacity(uses),
            // Names longer than 16 bytes are rare.
            name_keys: FxHashMap::default(),
            // Sized from the number of names the file loads and stores (an upper bound of
            // its symbols and distinct names), so that the tables rarely grow.
            short_name_keys: FxHashMap::with_capacity_and_hasher(uses / 4 + 16, FxBuildHasher),
            last_slots: Vec::with_capacity(uses / 4 + 16),
            key_names: Vec::with_capacity(uses / 4 + 16),
            slots: FxHashMap::with_capacity_and_hasher(uses / 2 + 16, FxBuildHasher),
            symbols: Vec::new(),
            free_lookups: FxHashMap::with_capacity_and_hasher(uses / 8 + 16, FxBuildHasher),
            flows: Vec::new(),
            spare_flows: Vec::new(),
            scope_stack: Vec::new(),
            deferred: Default::default(),
            loop_serial: 0,
            swallowing_managers: None,
            type_only: 0,
            decoration_candidates: Vec::new(),
        }
    }

    fn build(mut self) -> SemanticIndex {
        let module = self.new_scope(ScopeKind::Module, None, ScopeNode::Module);
        self.scope_stack.push(module);
        self.push_flow(module);
        let hir = self.hir;
        self.visit_block(BodyId::Module, &hir.module, &hir.module.block);
        self.pop_flow();
        self.scope_stack.pop();
        while let Some(deferred) = self.deferred.pop_front() {
            self.visit_deferred(deferred);
        }
        self.finish_uses();
        self.mark_decorations();
        let symbols = std::mem::take(&mut self.symbols);
        for ((_, scope), symbols) in self.index.scopes.iter_mut().zip(symbols) {
            scope.symbols = IndexMap::with_capacity_and_hasher(symbols.len(), FxBuildHasher);
            for (key, symbol) in symbols {
                scope
                    .symbols
                    .insert(self.key_names[key as usize].clone(), symbol);
            }
        }
        self.index
    }

    fn new_scope(&mut self, kind: ScopeKind, parent: Option<ScopeId>, node: ScopeNode) -> ScopeId {
        self.symbols.push(Vec::new());
        self.index.scopes.alloc(Scope {
            kind,
            parent,
            node,
            symbols: IndexMap::default(),
            opaque_star: None,
        })
    }

    fn current_scope(&self) -> ScopeId {
        *self.scope_stack.last().expect("a scope is open")
    }

    /// Opens the flow of `scope`, reusing the buffers of a finished one.
    fn push_flow(&mut self, scope: ScopeId) {
        let flow = match self.spare_flows.pop() {
            Some(mut flow) => {
                flow.reset(scope);
                flow
            }
            None => Flow::new(scope),
        };
        self.flows.push(flow);
    }

    fn pop_flow(&mut self) {
        let flow = self.flows.pop().expect("a flow is open");
        self.spare_flows.push(flow);
    }

    fn flow(&mut self) -> &mut Flow {
        self.flows.last_mut().expect("a flow is open")
    }

    fn name_key(&mut self, name: &Name) -> NameKey {
        let text = name.as_str();
        // Most names fit in 16 bytes: those are keyed by their bytes, with no string
        // hashing or comparison.
        if let Some(short) = short_name(text) {
            if let Some(key) = self.short_name_keys.get(&short) {
                return *key;
            }
            let key = self.new_name_key(name);
            self.short_name_keys.insert(short, key);
            return key;
        }
        if let Some(key) = self.name_keys.get(text) {
            return *key;
        }
        let key = self.new_name_key(name);
        self.name_keys.insert(name.clone(), key);
        key
    }

    fn new_name_key(&mut self, name: &Name) -> NameKey {
        let key = self.key_names.len() as NameKey;
        self.key_names.push(name.clone());
        self.last_slots
            .push((ScopeId::from_raw(RawIdx::from_u32(u32::MAX)), 0));
        key
    }

    /// The slot of symbol `key` in `scope`, if the scope has one.
    fn find_slot(&self, scope: ScopeId, key: NameKey) -> Option<u32> {
        let (last_scope, slot) = self.last_slots[key as usize];
        if last_scope == scope {
            return Some(slot);
        }
        self.slots.get(&slot_key(scope, key)).copied()
    }

    /// The symbol `key` of `scope`, if the scope has one.
    fn find_symbol(&self, scope: ScopeId, key: NameKey) -> Option<&Symbol> {
        let slot = self.find_slot(scope, key)?;
        Some(&self.symbols[index_of(scope)][slot as usize].1)
    }

    /// The bindings `scope` owns for symbol `key` (none if it has no such symbol).
    fn bindings_of(&self, scope: ScopeId, key: NameKey) -> &[BindingId] {
        self.find_symbol(scope, key)
            .map_or(&[], |symbol| symbol.bindings.as_slice())
    }

    /// The slot of symbol `key` in `scope`, made if the scope has none yet.
    fn symbol_slot(&mut self, scope: ScopeId, key: NameKey) -> u32 {
        let (last_scope, slot) = self.last_slots[key as usize];
        if last_scope == scope {
            return slot;
        }
        let symbols = &mut self.symbols[index_of(scope)];
        let slot = *self.slots.entry(slot_key(scope, key)).or_insert_with(|| {
            symbols.push((key, Symbol::default()));
            symbols.len() as u32 - 1
        });
        // A body is walked in one piece, so the next lookup of this name is most often
        // in the same scope.
        self.last_slots[key as usize] = (scope, slot);
        slot
    }

    fn symbol_mut(&mut self, scope: ScopeId, slot: u32) -> &mut Symbol {
        &mut self.symbols[index_of(scope)][slot as usize].1
    }

    fn set_flag(&mut self, scope: ScopeId, key: NameKey, flag: u8) -> u32 {
        let slot = self.symbol_slot(scope, key);
        self.symbol_mut(scope, slot).flags |= flag;
        slot
    }

    fn set_name_flag(&mut self, scope: ScopeId, name: &Name, flag: u8) -> u32 {
        let key = self.name_key(name);
        self.set_flag(scope, key, flag)
    }

    fn visit_deferred(&mut self, deferred: Deferred) {
        let hir = self.hir;
        match deferred {
            Deferred::Function { function, scope } => {
                let data = &hir.functions[function];
                let body_id = BodyId::Function(function);
                self.scope_stack.push(scope);
                self.push_flow(scope);
                for (index, param) in data.params.iter().enumerate() {
                    self.bind(
                        &param.name,
                        BindingKind::Param {
                            function,
                            index: index as u32,
                        },
                        body_id,
                        BindingSite::Name(NameSite::Param(index as u32)),
                    );
                }
                self.visit_block(body_id, &data.body, &data.body.block);
                self.pop_flow();
                self.scope_stack.pop();
            }
            Deferred::Lambda { body, expr, scope } => {
                let body_data = hir.body(body);
                let Expr::Lambda {
                    params,
                    body: lambda_body,
                } = &body_data.exprs[expr]
                else {
                    return;
                };
                self.scope_stack.push(scope);
                self.push_flow(scope);
                for (index, param) in params.iter().enumerate() {
                    self.bind(
                        &param.name,
                        BindingKind::LambdaParam,
                        body,
                        BindingSite::Name(NameSite::LambdaParam(expr, index as u32)),
                    );
                }
                self.visit_expr(body, body_data, *lambda_body);
                self.pop_flow();
                self.scope_stack.pop();
            }
        }
    }

    // -- bindings ---------------------------------------------------------------------

    /// The scope a binding of `name` made in the current scope writes to.
    fn binding_owner(&mut self, key: NameKey) -> ScopeId {
        let scope = self.current_scope();
        let flags = self
            .find_symbol(scope, key)
            .map_or(0, |symbol| symbol.flags);
        if flags & Symbol::GLOBAL != 0 {
            return self.index.module_scope();
        }
        if flags & Symbol::NONLOCAL != 0 {
            let mut parent = self.index.scopes[scope].parent;
            while let Some(candidate) = parent {
                let data = &self.index.scopes[candidate];
                if data.kind.is_function_like()
                    && data.kind != ScopeKind::Comprehension
                    && self
                        .find_symbol(candidate, key)
                        .is_some_and(Symbol::is_local)
                {
                    return candidate;
                }
                parent = data.parent;
            }
        }
        scope
    }

    /// Records a binding of `name` in the current scope and updates the flow.
    fn bind(
        &mut self,
        name: &Name,
        kind: BindingKind,
        body: BodyId,
        site: BindingSite,
    ) -> BindingId {
        let key = self.name_key(name);
        let owner = self.binding_owner(key);
        self.bind_in_keyed(owner, name, key, kind, body, site)
    }

    fn bind_in(
        &mut self,
        owner: ScopeId,
        name: &Name,
        kind: BindingKind,
        body: BodyId,
        site: BindingSite,
    ) -> BindingId {
        let key = self.name_key(name);
        self.bind_in_keyed(owner, name, key, kind, body, site)
    }

    fn bind_in_keyed(
        &mut self,
        owner: ScopeId,
        name: &Name,
        key: NameKey,
        kind: BindingKind,
        body: BodyId,
        site: BindingSite,
    ) -> BindingId {
        let binding = self.index.bindings.alloc(Binding {
            name: name.clone(),
            scope: owner,
            kind,
            body,
            site,
        });
        let slot = self.set_flag(owner, key, Symbol::BOUND);
        if self.type_only == 0 {
            self.symbol_mut(owner, slot).bindings.push(binding);
        }
        if let BindingSite::Expr(expr) = site {
            let ordinal = self.index.body_ordinal(body);
            self.index.binding_of_expr[ordinal].insert(expr, binding);
        }
        // Only the flow that owns the symbol tracks it; `global`/`nonlocal` writes are
        // seen by readers flow-insensitively.
        let flow = self.flow();
        if flow.scope == owner {
            flow.write(slot, Live::single(binding.into_raw().into_u32()));
        }
        binding
    }

    /// `del name`, or the implicit unbinding at the end of an `except ... as` handler.
    /// Like a binding, it makes the name local to the scope it writes, and only the flow
    /// that owns the symbol follows it; other readers see the flag.
    fn unbind(&mut self, name: &Name) {
        let key = self.name_key(name);
        let owner = self.binding_owner(key);
        let own_flow = self.flow().scope == owner;
        let flag = if own_flow {
            Symbol::DELETED
        } else {
            Symbol::DELETED | Symbol::DELETED_ELSEWHERE
        };
        let slot = self.set_flag(owner, key, flag);
        if own_flow {
            self.flow().write(slot, Live::unbound());
        }
    }

    /// The target of a `del` statement: each name it unbinds is read first (`del x`
    /// raises when `x` is unbound); attributes and subscripts are evaluated.
    fn visit_del_target(&mut self, body_id: BodyId, body: &'a Body, target: ExprId) {
        match &body.exprs[target] {
            Expr::Name { id, .. } => {
                self.record_use(body_id, target, id);
                self.unbind(id);
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                for element in elts.iter() {
                    self.visit_del_target(body_id, body, *element);
                }
            }
            _ => self.visit_target(body_id, body, target, &BindingKind::Unpacked),
        }
    }

    /// Binds every name in an assignment target. `value` is the assigned expression
    /// when the target is a plain name.
    fn visit_target(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        target: ExprId,
        kind: &BindingKind,
    ) {
        match &body.exprs[target] {
            Expr::Name { id, .. } => {
                self.bind(id, kind.clone(), body_id, BindingSite::Expr(target));
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                let inner = kind.unpacked();
                for element in elts.iter() {
                    self.visit_target(body_id, body, *element, &inner);
                }
            }
            Expr::Starred { value, .. } => {
                let inner = kind.unpacked();
                self.visit_target(body_id, body, *value, &inner);
            }
            Expr::Attribute { value, .. } => {
                self.visit_expr(body_id, body, *value);
                self.index.attribute_stores.push(AttributeStore {
                    body: body_id,
                    expr: target,
                    scope: self.current_scope(),
                });
            }
            Expr::Subscript { value, slice, .. } => {
                self.visit_expr(body_id, body, *value);
                self.visit_expr(body_id, body, *slice);
            }
            _ => self.visit_expr(body_id, body, target),
        }
    }

    /// Keeps the assignment of `value` to the one `target` for [`Self::mark_decorations`]
    /// when it reads `name = decorator(name)`.
    fn note_decoration(&mut self, body_id: BodyId, body: &Body, target: ExprId, value: ExprId) {
        // Under `if TYPE_CHECKING:` it never runs.
        if self.type_only > 0 {
            return;
        }
        let Expr::Name { id: name, .. } = &body.exprs[target] else {
            return;
        };
        let Expr::Call {
            func,
            args,
            keywords,
        } = &body.exprs[value]
        else {
            return;
        };
        let ([argument], true) = (&**args, keywords.is_empty()) else {
            return;
        };
        if !matches!(&body.exprs[*argument], Expr::Name { id, .. } if id == name) {
            return;
        }
        if let Some(binding) = self.index.binding_of(body_id, target) {
            self.decoration_candidates.push(DecorationCandidate {
                binding,
                body: body_id,
                argument: *argument,
                decorator: *func,
            });
        }
    }

    /// Makes each candidate `name = decorator(name)` a [`BindingKind::Decoration`] of the
    /// function whose `def`, written in the same body, is what every binding reaching the
    /// argument holds, directly or through earlier decorations (`f = a(f); f = b(f)`, or
    /// one in a loop that reaches itself). A name that may hold anything else (another
    /// assignment, an import, nothing) keeps its assignment.
    fn mark_decorations(&mut self) {
        let candidates = std::mem::take(&mut self.decoration_candidates);
        if candidates.is_empty() {
            return;
        }
        let index = &self.index;
        let def_in = |binding: BindingId, body: BodyId| match index.bindings[binding].kind {
            BindingKind::Function(function) if index.bindings[binding].body == body => {
                Some(function)
            }
            _ => None,
        };
        let reaching = |candidate: &DecorationCandidate| {
            let use_id = index.use_of(candidate.body, candidate.argument)?;
            (index.uses[use_id].fallback == Fallback::None).then(|| index.reaching(use_id))
        };
        // First what each may decorate, through the candidates it is reached by; then
        // drop those reached by anything else, until none is dropped.
        let mut decorates: FxHashMap<BindingId, FunctionId> = FxHashMap::default();
        loop {
            let before = decorates.len();
            for candidate in &candidates {
                if decorates.contains_key(&candidate.binding) {
                    continue;
                }
                let found = reaching(candidate)
                    .into_iter()
                    .flatten()
                    .find_map(|binding| {
                        def_in(*binding, candidate.body).or_else(|| decorates.get(binding).copied())
                    });
                if let Some(function) = found {
                    decorates.insert(candidate.binding, function);
                }
            }
            if decorates.len() == before {
                break;
            }
        }
        loop {
            let before = decorates.len();
            for candidate in &candidates {
                let Some(function) = decorates.get(&candidate.binding).copied() else {
                    continue;
                };
                let only_the_function = reaching(candidate).is_some_and(|reaching| {
                    !reaching.is_empty()
                        && reaching.iter().all(|binding| {
                            def_in(*binding, candidate.body) == Some(function)
                                || decorates.get(binding) == Some(&function)
                        })
                });
                if !only_the_function {
                    decorates.remove(&candidate.binding);
                }
            }
            if decorates.len() == before {
                break;
            }
        }
        for candidate in candidates {
            if let Some(function) = decorates.get(&candidate.binding).copied() {
                self.index.bindings[candidate.binding].kind = BindingKind::Decoration {
                    function,
                    decorator: candidate.decorator,
                };
                self.index
                    .assigned_decorators
                    .entry(function)
                    .or_default()
                    .push(candidate.decorator);
            }
        }
    }

    // -- uses ---------------------------------------------------------------------------

    fn record_use(&mut self, body: BodyId, expr: ExprId, name: &Name) {
        let scope = self.current_scope();
        let key = self.name_key(name);
        let lookup = self.lookup(scope, key);
        self.pending.push(PendingUse {
            key,
            scope,
            body,
            expr,
            lookup,
        });
    }

    fn lookup(&mut self, scope: ScopeId, key: NameKey) -> PendingLookup {
        // Comprehension and type-parameter scopes between the use and its flow.
        let flow_scope = self.flows.last().expect("a flow is open").scope;
        let mut current = scope;
        let mut crossed_comprehension = false;
        while current != flow_scope {
            if self
                .find_symbol(current, key)
                .is_some_and(|symbol| symbol.has(Symbol::BOUND))
            {
                return PendingLookup::ComprehensionLocal { scope: current };
            }
            let data = &self.index.scopes[current];
            crossed_comprehension |= data.kind == ScopeKind::Comprehension;
            match data.parent {
                Some(parent) => current = parent,
                None => break,
            }
        }
        let flow_kind = self.index.scopes[flow_scope].kind;
        if crossed_comprehension && flow_kind == ScopeKind::Class {
            // Comprehensions in a class body do not see the class namespace.
            return PendingLookup::Free { from: flow_scope };
        }
        let slot = self.symbol_slot(flow_scope, key);
        let symbol = self.symbol_mut(flow_scope, slot);
        if symbol.has(Symbol::GLOBAL | Symbol::NONLOCAL) {
            return PendingLookup::Free { from: flow_scope };
        }
        symbol.flags |= Symbol::USED;
        let live = self.flow().read(slot);
        PendingLookup::Flow {
            scope: flow_scope,
            slot,
            live,
        }
    }

    /// Turns pending lookups into uses, now that every scope's symbols are known.
    fn finish_uses(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        // Bindings of a symbol made from nested code, by `slot_key(scope, slot)`.
        let mut foreign_bindings: FxHashMap<u64, Reaching> = FxHashMap::default();
        for pending_use in pending {
            let key = pending_use.key;
            let (reaching, fallback) = match pending_use.lookup {
                PendingLookup::ComprehensionLocal { scope } => (
                    Reaching::from_slice(self.bindings_of(scope, key)),
                    Fallback::None,
                ),
                PendingLookup::Free { from } => self.free_lookup(from, key),
                PendingLookup::Flow { scope, slot, live } => {
                    let data = &self.index.scopes[scope];
                    // The slot was looked up when the use was recorded.
                    let symbol = &self.symbols[index_of(scope)][slot as usize].1;
                    if data.kind.is_function_like() && !symbol.is_local() {
                        self.free_lookup(scope, key)
                    } else {
                        let mut reaching: Reaching = live
                            .defs
                            .iter()
                            .filter(|def| **def & HEADER == 0)
                            .map(|def| BindingId::from_raw(la_arena::RawIdx::from_u32(*def)))
                            .collect();
                        // Bindings made from nested code through `global` or `nonlocal`
                        // (`def init(): global client; client = Client()`): any call
                        // may run them, so they may reach every use, flow-insensitively.
                        let own_body = crate::body_of_scope(&self.index, scope);
                        let before = reaching.len();
                        if let Some(own_body) = own_body
                            && symbol.bindings.len() > reaching.len()
                        {
                            let bindings = &self.index.bindings;
                            let foreign = foreign_bindings
                                .entry(slot_key(scope, slot))
                                .or_insert_with(|| {
                                    symbol
                                        .bindings
                                        .iter()
                                        .copied()
                                        .filter(|binding| bindings[*binding].body != own_body)
                                        .collect()
                                });
                            for binding in foreign.iter() {
                                if !reaching.contains(binding) {
                                    reaching.push(*binding);
                                }
                            }
                        }
                        // Nested code may as well unbind it (`global client; del client`).
                        let bound_elsewhere =
                            reaching.len() > before && !symbol.has(Symbol::DELETED_ELSEWHERE);
                        let unbound = live.unbound || symbol.has(Symbol::DELETED_ELSEWHERE);
                        let fallback = if !unbound || bound_elsewhere {
                            Fallback::None
                        } else {
                            match data.kind {
                                ScopeKind::Module => self.global_fallback(key),
                                ScopeKind::Class => {
                                    let (more, fallback) = self.free_lookup(scope, key);
                                    reaching.extend(more);
                                    fallback
                                }
                                _ => Fallback::Unbound,
                            }
                        };
                        (reaching, fallback)
                    }
                }
            };
            let start = self.index.reaching_pool.len() as u32;
            self.index.reaching_pool.extend_from_slice(&reaching);
            let use_id = self.index.uses.alloc(Use {
                scope: pending_use.scope,
                body: pending_use.body,
                expr: pending_use.expr,
                reaching: (start, reaching.len() as u32),
                fallback,
            });
            let ordinal = self.index.body_ordinal(pending_use.body);
            self.index.use_of_expr[ordinal].insert(pending_use.expr, use_id);
        }
    }

    /// What a name not bound in any enclosing function falls back to at module level.
    fn global_fallback(&self, key: NameKey) -> Fallback {
        if is_builtin(&self.key_names[key as usize]) {
            Fallback::Builtin
        } else if let Some(star) = self.index.scopes[self.index.module_scope()].opaque_star {
            Fallback::OpaqueStar(star)
        } else {
            Fallback::Unbound
        }
    }

    /// Resolves a name as a free variable of `from`: the nearest enclosing function-like
    /// scope where it is local (every binding there), else the module's bindings, else a
    /// builtin. Class scopes are skipped. Each `(from, name)` is resolved once.
    fn free_lookup(&mut self, from: ScopeId, key: NameKey) -> (Reaching, Fallback) {
        let cache_key = slot_key(from, key);
        if let Some(found) = self.free_lookups.get(&cache_key) {
            return found.clone();
        }
        let found = self.compute_free_lookup(from, key);
        self.free_lookups.insert(cache_key, found.clone());
        found
    }

    fn compute_free_lookup(&self, from: ScopeId, key: NameKey) -> (Reaching, Fallback) {
        let scopes = &self.index.scopes;
        let global = self
            .find_symbol(from, key)
            .is_some_and(|symbol| symbol.has(Symbol::GLOBAL));
        let mut current = if global { None } else { scopes[from].parent };
        while let Some(scope) = current {
            let data = &scopes[scope];
            match data.kind {
                ScopeKind::Module => break,
                ScopeKind::Class => {}
                _ => {
                    if let Some(symbol) = self.find_symbol(scope, key) {
                        if symbol.has(Symbol::GLOBAL) {
                            break;
                        }
                        if symbol.is_local() {
                            // A `del` anywhere in the scope may run before the call.
                            let fallback =
                                if symbol.bindings.is_empty() || symbol.has(Symbol::DELETED) {
                                    Fallback::Unbound
                                } else {
                                    Fallback::None
                                };
                            return (Reaching::from_slice(&symbol.bindings), fallback);
                        }
                    }
                }
            }
            current = data.parent;
        }
        let symbol = self.find_symbol(self.index.module_scope(), key);
        let bindings = symbol.map_or_else(Reaching::new, |symbol| {
            Reaching::from_slice(&symbol.bindings)
        });
        // A `del` at module level may run before the call.
        let deleted = symbol.is_some_and(|symbol| symbol.has(Symbol::DELETED));
        if bindings.is_empty() || deleted {
            (bindings, self.global_fallback(key))
        } else {
            (bindings, Fallback::None)
        }
    }

    // -- statements ---------------------------------------------------------------------

    fn visit_block(&mut self, body_id: BodyId, body: &'a Body, block: &[StmtId]) {
        for stmt in block {
            self.visit_stmt(body_id, body, *stmt);
        }
    }

    fn visit_opt(&mut self, body_id: BodyId, body: &'a Body, expr: Option<ExprId>) {
        if let Some(expr) = expr {
            self.visit_expr(body_id, body, expr);
        }
    }

    fn visit_stmt(&mut self, body_id: BodyId, body: &'a Body, stmt: StmtId) {
        match &body.stmts[stmt] {
            Stmt::FunctionDef(function) => self.visit_function_def(body_id, body, stmt, *function),
            Stmt::ClassDef(class) => self.visit_class_def(body_id, body, stmt, *class),
            Stmt::Return { value } => {
                self.visit_opt(body_id, body, *value);
                self.flow().reachable = false;
            }
            Stmt::Delete { targets } => {
                for target in targets.iter() {
                    self.visit_del_target(body_id, body, *target);
                }
            }
            Stmt::Assign { targets, value } => {
                self.visit_expr(body_id, body, *value);
                let kind = BindingKind::Assign { value: *value };
                for target in targets.iter() {
                    self.visit_target(body_id, body, *target, &kind);
                }
                if let [target] = **targets {
                    self.note_decoration(body_id, body, target, *value);
                }
            }
            Stmt::AugAssign { target, value, .. } => {
                self.visit_expr(body_id, body, *value);
                match &body.exprs[*target] {
                    Expr::Name { id, .. } => {
                        self.record_use(body_id, *target, id);
                        self.bind(
                            id,
                            BindingKind::AugAssign,
                            body_id,
                            BindingSite::Expr(*target),
                        );
                    }
                    _ => self.visit_target(body_id, body, *target, &BindingKind::AugAssign),
                }
            }
            Stmt::AnnAssign {
                target,
                annotation,
                value,
                ..
            } => {
                self.visit_expr(body_id, body, *annotation);
                match value {
                    Some(value) => {
                        self.visit_expr(body_id, body, *value);
                        self.visit_target(
                            body_id,
                            body,
                            *target,
                            &BindingKind::Assign { value: *value },
                        );
                        self.note_decoration(body_id, body, *target, *value);
                    }
                    None => match &body.exprs[*target] {
                        Expr::Name { id, .. } => {
                            let scope = self.current_scope();
                            self.set_name_flag(scope, id, Symbol::DECLARED);
                        }
                        _ => self.visit_target(body_id, body, *target, &BindingKind::Unpacked),
                    },
                }
            }
            Stmt::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.push_type_params_scope(body_id, stmt);
                if let Some(params) = type_params {
                    self.visit_type_params(body_id, body, stmt, params);
                }
                self.visit_expr(body_id, body, *value);
                self.scope_stack.pop();
                self.visit_target(body_id, body, *name, &BindingKind::TypeAlias);
            }
            Stmt::For {
                target,
                iter,
                body: loop_body,
                orelse,
                ..
            } => {
                self.visit_expr(body_id, body, *iter);
                self.visit_loop(
                    body_id,
                    body,
                    None,
                    Some((*target, *iter)),
                    loop_body,
                    orelse,
                );
            }
            Stmt::While {
                test,
                body: loop_body,
                orelse,
            } => {
                self.visit_loop(body_id, body, Some(*test), None, loop_body, orelse);
            }
            Stmt::If {
                test,
                body: then,
                orelse,
                ..
            } => {
                self.visit_expr(body_id, body, *test);
                let checkpoint = self.flow().checkpoint();
                let type_only = is_type_checking(body, *test);
                self.type_only += u32::from(type_only);
                self.visit_block(body_id, body, then);
                self.type_only -= u32::from(type_only);
                let then_branch = self.take_branch(checkpoint);
                self.visit_block(body_id, body, orelse);
                let else_branch = self.take_branch(checkpoint);
                let flow = self.flow();
                // `if TYPE_CHECKING:` holds what only type checkers read: at run time
                // its body never runs, so nothing it binds reaches past it.
                if type_only {
                    flow.merge(&[else_branch]);
                } else {
                    flow.merge(&[then_branch, else_branch]);
                }
                flow.release();
            }
            Stmt::With {
                items,
                body: with_body,
                is_async,
            } => self.visit_with(body_id, body, items, with_body, *is_async),
            Stmt::Match { subject, cases } => {
                self.visit_expr(body_id, body, *subject);
                let checkpoint = self.flow().checkpoint();
                let mut branches = Vec::with_capacity(cases.len() + 1);
                let mut exhaustive = false;
                for case in cases.iter() {
                    self.visit_pattern(body_id, body, case.pattern);
                    self.visit_opt(body_id, body, case.guard);
                    self.visit_block(body_id, body, &case.body);
                    branches.push(self.take_branch(checkpoint));
                    if case.guard.is_none() && is_irrefutable(body, case.pattern) {
                        exhaustive = true;
                        break;
                    }
                }
                if !exhaustive {
                    branches.push((true, Vec::new()));
                }
                let flow = self.flow();
                flow.merge(&branches);
                flow.release();
            }
            Stmt::Raise { exc, cause } => {
                self.visit_opt(body_id, body, *exc);
                self.visit_opt(body_id, body, *cause);
                self.flow().reachable = false;
            }
            Stmt::Try {
                body: try_body,
                handlers,
                orelse,
                finalbody,
                ..
            } => self.visit_try(body_id, body, stmt, try_body, handlers, orelse, finalbody),
            Stmt::Assert { test, msg } => {
                self.visit_expr(body_id, body, *test);
                self.visit_opt(body_id, body, *msg);
            }
            Stmt::Import { names } => {
                for (index, alias) in names.iter().enumerate() {
                    let site = BindingSite::Name(NameSite::Alias(stmt, index as u32));
                    match &alias.asname {
                        Some(asname) => {
                            let kind = BindingKind::Import {
                                module: alias.name.clone(),
                            };
                            self.bind(asname, kind, body_id, site);
                        }
                        None => {
                            let top = alias.name.split('.').next().unwrap_or_default();
                            let top = Name::from(top);
                            let kind = BindingKind::Import {
                                module: top.clone(),
                            };
                            self.bind(&top, kind, body_id, site);
                        }
                    }
                }
            }
            Stmt::ImportFrom {
                module,
                names,
                level,
            } => {
                for (index, alias) in names.iter().enumerate() {
                    let site = BindingSite::Name(NameSite::Alias(stmt, index as u32));
                    if alias.name.as_str() == "*" {
                        self.visit_star_import(body_id, module.as_ref(), *level, site);
                        continue;
                    }
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name);
                    let kind = BindingKind::ImportFrom {
                        module: module.clone(),
                        level: *level,
                        name: alias.name.clone(),
                        star: false,
                    };
                    self.bind(bound, kind, body_id, site);
                }
            }
            Stmt::Global { names } | Stmt::Nonlocal { names } => {
                let flag = if matches!(body.stmts[stmt], Stmt::Global { .. }) {
                    Symbol::GLOBAL
                } else {
                    Symbol::NONLOCAL
                };
                let scope = self.current_scope();
                for name in names.iter() {
                    self.set_name_flag(scope, name, flag);
                }
            }
            Stmt::Expr { value } => self.visit_expr(body_id, body, *value),
            Stmt::Break => self.jump(true),
            Stmt::Continue => self.jump(false),
            Stmt::Pass | Stmt::Error => {}
        }
    }

    fn visit_star_import(
        &mut self,
        body_id: BodyId,
        module: Option<&Name>,
        level: u32,
        site: BindingSite,
    ) {
        match (self.star_names)(module, level) {
            StarNames::Names(names) => self.bind_star_names(body_id, module, level, site, names),
            StarNames::Possible(names) => {
                let reachable = self.flow().reachable;
                let checkpoint = self.flow().checkpoint();
                self.bind_star_names(body_id, module, level, site, names);
                let bound = self.take_branch(checkpoint);
                let untouched = self.take_branch(checkpoint);
                let flow = self.flow();
                flow.merge(&[bound, untouched]);
                flow.release();
                flow.reachable = reachable;
            }
            StarNames::Opaque => {
                let scope = self.current_scope();
                let binding = self.index.bindings.alloc(Binding {
                    name: Name::from("*"),
                    scope,
                    kind: BindingKind::OpaqueStar {
                        module: module.cloned(),
                        level,
                    },
                    body: body_id,
                    site,
                });
                self.index.scopes[scope].opaque_star.get_or_insert(binding);
            }
        }
    }

    fn bind_star_names(
        &mut self,
        body_id: BodyId,
        module: Option<&Name>,
        level: u32,
        site: BindingSite,
        names: Vec<Name>,
    ) {
        for name in names {
            let kind = BindingKind::ImportFrom {
                module: module.cloned(),
                level,
                name: name.clone(),
                star: true,
            };
            self.bind(&name, kind, body_id, site);
        }
    }

    /// Ends the current branch: its reachability and what it wrote since `checkpoint`,
    /// then puts the state back to the checkpoint for the next branch.
    fn take_branch(&mut self, checkpoint: usize) -> (bool, Delta) {
        let flow = self.flow();
        let branch = (flow.reachable, flow.delta_since(checkpoint));
        flow.restore(checkpoint);
        flow.reachable = true;
        branch
    }

    fn jump(&mut self, is_break: bool) {
        let flow = self.flow();
        if flow.reachable
            && let Some(checkpoint) = flow.loops.last().map(|frame| frame.checkpoint)
        {
            let delta = flow.delta_since(checkpoint);
            flow.route_jump(is_break, delta);
        }
        flow.reachable = false;
    }

    /// `while test: body else: orelse` or (with `target`) the loop part of a `for`.
    fn visit_loop(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        test: Option<ExprId>,
        target: Option<(ExprId, ExprId)>,
        loop_body: &[StmtId],
        orelse: &[StmtId],
    ) {
        self.loop_serial += 1;
        let serial = self.loop_serial;
        let use_start = self.pending.len();
        let flow = self.flow();
        let checkpoint = flow.checkpoint();
        flow.loops.push(LoopFrame {
            serial,
            checkpoint,
            use_start,
            breaks: Vec::new(),
            continues: Vec::new(),
        });
        let always_true = test.is_some_and(|test| is_always_true(body, test));
        if let Some(test) = test {
            self.visit_expr(body_id, body, test);
        }
        if let Some((target, loop_iter)) = target {
            self.visit_target(
                body_id,
                body,
                target,
                &BindingKind::For {
                    iter: Some(loop_iter),
                },
            );
        }
        self.visit_block(body_id, body, loop_body);

        // The back edge: the end of the body and every `continue`.
        let flow = self.flows.last_mut().expect("a flow is open");
        let frame = flow.loops.pop().expect("pushed above");
        let header = HEADER | serial;
        let written = flow.written_since(checkpoint);
        let mut replacements: Vec<(u32, Live)> = Vec::with_capacity(written.len());
        for slot in written {
            let base = flow.base_value(checkpoint, slot);
            let mut back_edge = base.clone();
            if flow.reachable {
                back_edge.union_with(&flow.slots[slot as usize]);
            }
            for delta in &frame.continues {
                back_edge.union_with(delta_get(delta, slot).unwrap_or(&base));
            }
            back_edge.remove(header);
            replacements.push((slot, back_edge));
        }
        let replacement_of = |slot: u32| -> Option<&Live> {
            replacements
                .binary_search_by_key(&slot, |(key, _)| *key)
                .ok()
                .map(|index| &replacements[index].1)
        };
        // Slots only read in the loop still carry the marker; it stands for "as before".
        let substitute = |live: &mut Live, slot: u32| {
            if live.contains(header) {
                match replacement_of(slot) {
                    Some(replacement) => live.substitute(header, replacement),
                    None => live.remove(header),
                }
            }
        };
        let scope = flow.scope;
        for pending_use in &mut self.pending[frame.use_start..] {
            if let PendingLookup::Flow {
                scope: use_scope,
                slot,
                live,
            } = &mut pending_use.lookup
                && *use_scope == scope
            {
                substitute(live, *slot);
            }
        }
        let flow = self.flows.last_mut().expect("a flow is open");
        for accumulator in &mut flow.tries {
            for (slot, live) in accumulator.iter_mut() {
                substitute(live, *slot);
            }
        }
        let mut breaks = frame.breaks;
        for delta in &mut breaks {
            for (slot, live) in delta.iter_mut() {
                substitute(live, *slot);
            }
        }
        // The state at the header, reached when the loop condition is false.
        flow.restore(checkpoint);
        flow.reachable = true;
        for slot in 0..flow.slots.len() {
            if flow.stamps[slot] >= serial {
                substitute(&mut flow.slots[slot], slot as u32);
            }
        }
        if always_true {
            flow.reachable = false;
        }
        self.visit_block(body_id, body, orelse);
        let flow = self.flows.last_mut().expect("a flow is open");
        let normal_exit = (flow.reachable, flow.delta_since(checkpoint));
        flow.restore(checkpoint);
        let mut branches = vec![normal_exit];
        branches.extend(breaks.into_iter().map(|delta| (true, delta)));
        // `restore` brought back the markers; the merge below rewrites every slot the
        // loop wrote, and the others are cleaned here.
        for slot in 0..flow.slots.len() {
            if flow.stamps[slot] >= serial {
                substitute(&mut flow.slots[slot], slot as u32);
            }
        }
        flow.merge(&branches);
        flow.release();
    }

    /// `with items: body`. The body runs to its end, or, when a context manager may
    /// swallow an exception ([`Builder::may_swallow`]), may stop at any point after that
    /// manager's `__enter__`, and the statements after the `with` run. As the equivalence
    /// checker's flow model spells it (`awaitify_equiv`'s `unbound.rs`), that part is a
    /// `try` whose handler is `except: pass`: its target, the items after it and the
    /// body, each of which may be cut short; the exception still reaches every enclosing
    /// handler. A plain name target is bound before that part, since storing a name
    /// cannot raise.
    fn visit_with(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        items: &[WithItem],
        with_body: &[StmtId],
        is_async: bool,
    ) {
        let swallowing = items
            .iter()
            .position(|item| self.may_swallow(body, item.context_expr));
        let Some(first) = swallowing else {
            for item in items.iter() {
                self.visit_with_item(body_id, body, item, is_async);
            }
            self.visit_block(body_id, body, with_body);
            return;
        };
        for item in &items[..first] {
            self.visit_with_item(body_id, body, item, is_async);
        }
        let item = &items[first];
        self.visit_expr(body_id, body, item.context_expr);
        let mut protected_target = item.optional_vars;
        if let Some(vars) = item.optional_vars
            && matches!(body.exprs[vars], Expr::Name { .. })
        {
            let kind = BindingKind::With {
                context: (!is_async).then_some(item.context_expr),
            };
            self.visit_target(body_id, body, vars, &kind);
            protected_target = None;
        }
        let flow = self.flow();
        let reachable = flow.reachable;
        let checkpoint = flow.checkpoint();
        flow.tries.push(FxHashMap::default());
        if let Some(vars) = protected_target {
            let kind = BindingKind::With { context: None };
            self.visit_target(body_id, body, vars, &kind);
        }
        for item in &items[first + 1..] {
            self.visit_with_item(body_id, body, item, is_async);
        }
        self.visit_block(body_id, body, with_body);
        let flow = self.flow();
        let raised = flow.tries.pop().expect("pushed above");
        if raised.is_empty() {
            // Nothing was bound in it (`with self.assertRaises(E): f()`), so both ways
            // out leave the state as it was before.
            flow.reachable |= reachable;
            flow.release();
            return;
        }
        let finished = self.take_branch(checkpoint);
        // Swallowed: the state before the `with` plus every binding made in it.
        let flow = self.flow();
        for (slot, live) in &raised {
            let mut entry = flow.slots[*slot as usize].clone();
            entry.union_with(live);
            flow.write(*slot, entry);
        }
        let mut swallowed = self.take_branch(checkpoint);
        swallowed.0 = reachable;
        let flow = self.flow();
        flow.merge(&[finished, swallowed]);
        flow.release();
    }

    fn visit_with_item(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        item: &WithItem,
        is_async: bool,
    ) {
        self.visit_expr(body_id, body, item.context_expr);
        if let Some(vars) = item.optional_vars {
            let kind = BindingKind::With {
                context: (!is_async).then_some(item.context_expr),
            };
            self.visit_target(body_id, body, vars, &kind);
        }
    }

    /// Whether the context manager `expr` of a `with` may swallow an exception raised in
    /// its body (its `__exit__` returns a true value), decided from the syntax alone, since
    /// the index is built before names are resolved. The rule: the manager is named (as a
    /// name, an attribute, or the callee of a call: `suppress(E)`, `contextlib.suppress(E)`,
    /// `self.assertRaises(E)`; in a conditional expression, by either arm) by
    /// - a name [`is_swallowing_manager`] lists, the standard and common ones that do; or
    /// - a class of this file whose `__exit__` or `__aexit__` may return something other
    ///   than `None` or `False`, or a function of this file under `contextmanager` or
    ///   `asynccontextmanager` (with `@`, or by `name = contextmanager(name)`) that yields
    ///   inside a `try` with an `except` handler that does not end in `raise`, or inside a
    ///   `with` over one of those names.
    ///
    /// Every other `with` (a file, a lock, `st.spinner()`) runs its body to the end, as
    /// nearly all do. Not seen: a manager held in a variable (`cm = suppress(E)`, then
    /// `with cm:`), one defined in another file, or one that inherits such an `__exit__`.
    /// The equivalence checker, which must never call a read bound when it may not be,
    /// treats every `with` as swallowing instead.
    fn may_swallow(&mut self, body: &Body, expr: ExprId) -> bool {
        let Some(name) = manager_name(body, expr) else {
            return match &body.exprs[expr] {
                Expr::If {
                    body: then, orelse, ..
                } => self.may_swallow(body, *then) || self.may_swallow(body, *orelse),
                _ => false,
            };
        };
        if is_swallowing_manager(name) {
            return true;
        }
        let hir = self.hir;
        self.swallowing_managers
            .get_or_insert_with(|| swallowing_managers_of(hir))
            .contains(name)
    }

    #[allow(clippy::too_many_arguments)]
    fn visit_try(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        stmt: StmtId,
        try_body: &[StmtId],
        handlers: &[ExceptHandler],
        orelse: &[StmtId],
        finalbody: &[StmtId],
    ) {
        let flow = self.flow();
        let checkpoint = flow.checkpoint();
        if !finalbody.is_empty() {
            let loop_depth = flow.loops.len();
            flow.finallies.push(FinallyFrame {
                loop_depth,
                jumps: Vec::new(),
            });
        }
        flow.tries.push(FxHashMap::default());
        self.visit_block(body_id, body, try_body);
        let flow = self.flow();
        let raised_in_body = flow.tries.pop().expect("pushed above");
        // Everything a handler or `else` writes may also be cut short by an exception
        // that reaches `finally`.
        flow.tries.push(raised_in_body.clone());
        self.visit_block(body_id, body, orelse);
        let mut branches = vec![self.take_branch(checkpoint)];
        for (handler_index, handler) in handlers.iter().enumerate() {
            let flow = self.flow();
            for (slot, live) in &raised_in_body {
                let mut entry = flow.slots[*slot as usize].clone();
                entry.union_with(live);
                flow.write(*slot, entry);
            }
            self.visit_opt(body_id, body, handler.type_);
            if let Some(name) = &handler.name {
                let is_star = matches!(body.stmts[stmt], Stmt::Try { is_star: true, .. });
                let caught = if is_star { None } else { handler.type_ };
                self.bind(
                    name,
                    BindingKind::ExceptHandler { caught },
                    body_id,
                    BindingSite::Name(NameSite::Handler(stmt, handler_index as u32)),
                );
            }
            self.visit_block(body_id, body, &handler.body);
            if let Some(name) = &handler.name {
                self.unbind(name);
            }
            branches.push(self.take_branch(checkpoint));
        }
        let flow = self.flow();
        let raised_anywhere = flow.tries.pop().expect("pushed above");
        if finalbody.is_empty() {
            flow.merge(&branches);
            flow.release();
            return;
        }
        // `finally` runs after normal exits, after exceptions from anywhere above, and
        // after the jumps out of the loop that encloses the `try`. A jump leaves with
        // its own state, which the state entering `finally` covers: that holds every
        // binding made since the `try` began, and the bindings from before it.
        let jumps = flow.finallies.pop().expect("pushed above").jumps;
        flow.merge(&branches);
        let normal = (flow.reachable, flow.delta_since(checkpoint));
        flow.reachable = true;
        for (slot, live) in &raised_anywhere {
            let mut entry = flow.slots[*slot as usize].clone();
            entry.union_with(live);
            entry.union_with(&flow.base_value(checkpoint, *slot));
            flow.write(*slot, entry);
        }
        let finally_checkpoint = flow.checkpoint();
        self.visit_block(body_id, body, finalbody);
        let flow = self.flow();
        let finally_end = (flow.reachable, flow.delta_since(finally_checkpoint));
        flow.release();
        // Each jump goes on with what `finally` wrote over what it left with (none goes
        // on when `finally` itself cannot finish).
        if finally_end.0 {
            for (is_break, delta) in jumps {
                flow.route_jump(is_break, overwrite(delta, &finally_end.1));
            }
        }
        // After the statement: what `finally` wrote, else what the normal paths left.
        flow.restore(checkpoint);
        flow.reachable = normal.0 && finally_end.0;
        if flow.reachable {
            for (slot, live) in normal.1 {
                if delta_get(&finally_end.1, slot).is_none() {
                    flow.write(slot, live);
                }
            }
            for (slot, live) in finally_end.1 {
                flow.write(slot, live);
            }
        }
        flow.release();
    }

    fn visit_type_params(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        stmt: StmtId,
        params: &TypeParams,
    ) {
        for (index, param) in params.params.iter().enumerate() {
            let scope = self.current_scope();
            self.bind_in(
                scope,
                &param.name,
                BindingKind::TypeParam,
                body_id,
                BindingSite::Name(NameSite::TypeParam(stmt, index as u32)),
            );
        }
        for param in params.params.iter() {
            self.visit_opt(body_id, body, param.bound);
            self.visit_opt(body_id, body, param.default);
        }
    }

    /// Opens the PEP 695 scope of a `def` or `class` header with type parameters and binds
    /// them (the caller pops it after the header); returns the scope the item nests in.
    fn open_type_params(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        stmt: StmtId,
        type_params: Option<&TypeParams>,
    ) -> ScopeId {
        let Some(type_params) = type_params else {
            return self.current_scope();
        };
        let scope = self.push_type_params_scope(body_id, stmt);
        self.visit_type_params(body_id, body, stmt, type_params);
        scope
    }

    /// Opens the annotation scope of the type parameters of statement `stmt`.
    fn push_type_params_scope(&mut self, body_id: BodyId, stmt: StmtId) -> ScopeId {
        let outer = self.current_scope();
        let scope = self.new_scope(
            ScopeKind::TypeParams,
            Some(outer),
            ScopeNode::TypeParams {
                body: body_id,
                stmt,
            },
        );
        self.scope_stack.push(scope);
        scope
    }

    fn visit_function_def(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        stmt: StmtId,
        function: FunctionId,
    ) {
        let data = &self.hir.functions[function];
        for decorator in data.decorators.iter() {
            self.visit_expr(body_id, body, *decorator);
        }
        for param in data.params.iter() {
            self.visit_opt(body_id, body, param.default);
        }
        let parent = self.open_type_params(body_id, body, stmt, data.type_params.as_ref());
        for param in data.params.iter() {
            self.visit_opt(body_id, body, param.annotation);
        }
        self.visit_opt(body_id, body, data.returns);
        if data.type_params.is_some() {
            self.scope_stack.pop();
        }
        let scope = self.new_scope(
            ScopeKind::Function,
            Some(parent),
            ScopeNode::Function(function),
        );
        self.index.function_scopes.insert(function, scope);
        self.deferred
            .push_back(Deferred::Function { function, scope });
        let binding = self.bind(
            &data.name,
            BindingKind::Function(function),
            body_id,
            BindingSite::Name(NameSite::ItemName(stmt)),
        );
        self.index
            .item_bindings
            .insert(BodyId::Function(function), binding);
    }

    fn visit_class_def(&mut self, body_id: BodyId, body: &'a Body, stmt: StmtId, class: ClassId) {
        let data = &self.hir.classes[class];
        for decorator in data.decorators.iter() {
            self.visit_expr(body_id, body, *decorator);
        }
        let parent = self.open_type_params(body_id, body, stmt, data.type_params.as_ref());
        for base in data.bases.iter() {
            self.visit_expr(body_id, body, *base);
        }
        for keyword in data.keywords.iter() {
            self.visit_expr(body_id, body, keyword.value);
        }
        let scope = self.new_scope(ScopeKind::Class, Some(parent), ScopeNode::Class(class));
        self.index.class_scopes.insert(class, scope);
        self.scope_stack.push(scope);
        self.push_flow(scope);
        let class_body = BodyId::Class(class);
        self.visit_block(class_body, &data.body, &data.body.block);
        self.pop_flow();
        self.scope_stack.pop();
        if data.type_params.is_some() {
            self.scope_stack.pop();
        }
        let binding = self.bind(
            &data.name,
            BindingKind::Class(class),
            body_id,
            BindingSite::Name(NameSite::ItemName(stmt)),
        );
        self.index.item_bindings.insert(class_body, binding);
    }

    fn visit_pattern(&mut self, body_id: BodyId, body: &'a Body, pattern: PatId) {
        match &body.patterns[pattern] {
            Pattern::Value { value } => self.visit_expr(body_id, body, *value),
            Pattern::Singleton(_) => {}
            Pattern::Sequence { patterns } | Pattern::Or { patterns } => {
                for inner in patterns.iter() {
                    self.visit_pattern(body_id, body, *inner);
                }
            }
            Pattern::Mapping {
                keys,
                patterns,
                rest,
            } => {
                for key in keys.iter() {
                    self.visit_expr(body_id, body, *key);
                }
                for inner in patterns.iter() {
                    self.visit_pattern(body_id, body, *inner);
                }
                if let Some(rest) = rest {
                    self.bind(
                        rest,
                        BindingKind::MatchCapture,
                        body_id,
                        BindingSite::Name(NameSite::Pattern(pattern)),
                    );
                }
            }
            Pattern::Class {
                cls,
                patterns,
                kwd_patterns,
                ..
            } => {
                self.visit_expr(body_id, body, *cls);
                for inner in patterns.iter().chain(kwd_patterns.iter()) {
                    self.visit_pattern(body_id, body, *inner);
                }
            }
            Pattern::Star { name } => {
                if let Some(name) = name {
                    self.bind(
                        name,
                        BindingKind::MatchCapture,
                        body_id,
                        BindingSite::Name(NameSite::Pattern(pattern)),
                    );
                }
            }
            Pattern::As {
                pattern: inner,
                name,
            } => {
                if let Some(inner) = inner {
                    self.visit_pattern(body_id, body, *inner);
                }
                if let Some(name) = name {
                    self.bind(
                        name,
                        BindingKind::MatchCapture,
                        body_id,
                        BindingSite::Name(NameSite::Pattern(pattern)),
                    );
                }
            }
        }
    }

    // -- expressions --------------------------------------------------------------------

    fn visit_expr(&mut self, body_id: BodyId, body: &'a Body, expr: ExprId) {
        match &body.exprs[expr] {
            Expr::Name { id, ctx } => match ctx {
                ExprContext::Load => self.record_use(body_id, expr, id),
                // Stores and deletes outside statement targets (recovery nodes).
                ExprContext::Store => {
                    self.bind(id, BindingKind::Unpacked, body_id, BindingSite::Expr(expr));
                }
                ExprContext::Del => self.record_use(body_id, expr, id),
            },
            Expr::Named { target, value } => {
                self.visit_expr(body_id, body, *value);
                if let Expr::Name { id, .. } = &body.exprs[*target] {
                    self.bind_walrus(id, *value, body_id, *target);
                }
            }
            Expr::BoolOp { values, .. } => {
                let (first, rest) = values
                    .split_first()
                    .expect("a boolean operation has operands");
                self.visit_expr(body_id, body, *first);
                let checkpoint = self.flow().checkpoint();
                for value in rest {
                    self.visit_expr(body_id, body, *value);
                }
                let evaluated = self.take_branch(checkpoint);
                let flow = self.flow();
                flow.merge(&[evaluated, (true, Vec::new())]);
                flow.release();
            }
            Expr::If {
                test,
                body: then,
                orelse,
            } => {
                self.visit_expr(body_id, body, *test);
                let checkpoint = self.flow().checkpoint();
                self.visit_expr(body_id, body, *then);
                let then_branch = self.take_branch(checkpoint);
                self.visit_expr(body_id, body, *orelse);
                let else_branch = self.take_branch(checkpoint);
                let flow = self.flow();
                flow.merge(&[then_branch, else_branch]);
                flow.release();
            }
            Expr::Lambda { params, .. } => {
                for param in params.iter() {
                    self.visit_opt(body_id, body, param.default);
                }
                let outer = self.current_scope();
                let scope = self.new_scope(
                    ScopeKind::Lambda,
                    Some(outer),
                    ScopeNode::Lambda {
                        body: body_id,
                        expr,
                    },
                );
                self.index.expr_scopes.insert((body_id, expr), scope);
                self.deferred.push_back(Deferred::Lambda {
                    body: body_id,
                    expr,
                    scope,
                });
            }
            Expr::ListComp { elt, generators }
            | Expr::SetComp { elt, generators }
            | Expr::Generator {
                elt, generators, ..
            } => {
                self.visit_comprehension(body_id, body, expr, generators, &[*elt]);
            }
            Expr::DictComp {
                key,
                value,
                generators,
            } => {
                self.visit_comprehension(body_id, body, expr, generators, &[*key, *value]);
            }
            Expr::Attribute { value, ctx, .. } => {
                self.visit_expr(body_id, body, *value);
                if *ctx == ExprContext::Store {
                    self.index.attribute_stores.push(AttributeStore {
                        body: body_id,
                        expr,
                        scope: self.current_scope(),
                    });
                }
            }
            other => other.walk_children(|child| self.visit_expr(body_id, body, child)),
        }
    }

    /// A walrus binds in the nearest enclosing scope that is not a comprehension.
    fn bind_walrus(&mut self, name: &Name, value: ExprId, body_id: BodyId, target: ExprId) {
        let mut scope = self.current_scope();
        while self.index.scopes[scope].kind == ScopeKind::Comprehension {
            match self.index.scopes[scope].parent {
                Some(parent) => scope = parent,
                None => break,
            }
        }
        let saved = std::mem::take(&mut self.scope_stack);
        self.scope_stack.push(scope);
        self.bind(
            name,
            BindingKind::Assign { value },
            body_id,
            BindingSite::Expr(target),
        );
        self.scope_stack = saved;
    }

    fn visit_comprehension(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        expr: ExprId,
        generators: &[Comprehension],
        elements: &[ExprId],
    ) {
        let Some((first, _)) = generators.split_first() else {
            return;
        };
        // The first iterable is evaluated in the enclosing scope.
        self.visit_expr(body_id, body, first.iter);
        let outer = self.current_scope();
        let scope = self.new_scope(
            ScopeKind::Comprehension,
            Some(outer),
            ScopeNode::Comprehension {
                body: body_id,
                expr,
            },
        );
        self.index.expr_scopes.insert((body_id, expr), scope);
        // Targets are local to the comprehension wherever they appear in it.
        for generator in generators {
            collect_target_names(body, generator.target, &mut |name| {
                self.set_name_flag(scope, name, Symbol::BOUND);
            });
        }
        self.scope_stack.push(scope);
        // The body may run zero times: what it binds outside (walrus) is conditional.
        let checkpoint = self.flow().checkpoint();
        for (index, generator) in generators.iter().enumerate() {
            if index > 0 {
                self.visit_expr(body_id, body, generator.iter);
            }
            // A generator expression evaluates its later iterables as it is consumed,
            // when their names may have been rebound: only its first is followed.
            let deferred = index > 0 && matches!(body.exprs[expr], Expr::Generator { .. });
            let iter = (matches!(body.exprs[generator.target], Expr::Name { .. }) && !deferred)
                .then_some(generator.iter);
            self.visit_comprehension_target(
                body_id,
                body,
                scope,
                generator.target,
                &BindingKind::ComprehensionTarget { iter },
            );
            for condition in generator.ifs.iter() {
                self.visit_expr(body_id, body, *condition);
            }
        }
        for element in elements {
            self.visit_expr(body_id, body, *element);
        }
        self.scope_stack.pop();
        let ran = self.take_branch(checkpoint);
        let flow = self.flow();
        flow.merge(&[ran, (true, Vec::new())]);
        flow.release();
    }

    fn visit_comprehension_target(
        &mut self,
        body_id: BodyId,
        body: &'a Body,
        scope: ScopeId,
        target: ExprId,
        kind: &BindingKind,
    ) {
        match &body.exprs[target] {
            Expr::Name { id, .. } => {
                self.bind_in(scope, id, kind.clone(), body_id, BindingSite::Expr(target));
            }
            Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
                for element in elts.iter() {
                    self.visit_comprehension_target(
                        body_id,
                        body,
                        scope,
                        *element,
                        &kind.unpacked(),
                    );
                }
            }
            Expr::Starred { value, .. } => {
                self.visit_comprehension_target(body_id, body, scope, *value, &kind.unpacked())
            }
            _ => self.visit_target(body_id, body, target, kind),
        }
    }
}

fn collect_target_names(body: &Body, target: ExprId, f: &mut impl FnMut(&Name)) {
    match &body.exprs[target] {
        Expr::Name { id, .. } => f(id),
        Expr::Tuple { elts, .. } | Expr::List { elts, .. } => {
            for element in elts.iter() {
                collect_target_names(body, *element, f);
            }
        }
        Expr::Starred { value, .. } => collect_target_names(body, *value, f),
        _ => {}
    }
}

/// Whether `name` is that of a context manager that may swallow an exception raised in
/// its body, written as its last name (see [`Builder::may_swallow`]): `contextlib.suppress`;
/// `contextlib.ExitStack` and `AsyncExitStack`, whose callbacks may; `pytest.raises`;
/// `unittest`'s `assertRaises`, `assertRaisesRegex` (and its old alias) and `subTest`
/// (which records a failure and goes on); trio's and anyio's cancel scopes.
fn is_swallowing_manager(name: &str) -> bool {
    matches!(
        name,
        "suppress"
            | "ExitStack"
            | "AsyncExitStack"
            | "raises"
            | "assertRaises"
            | "assertRaisesRegex"
            | "assertRaisesRegexp"
            | "subTest"
            | "CancelScope"
            | "move_on_after"
            | "move_on_at"
    )
}

/// The name a context manager or a decorator is written with: `name`, `a.name`,
/// `name(...)` or `a.name(...)`.
fn manager_name(body: &Body, expr: ExprId) -> Option<&Name> {
    let expr = match &body.exprs[expr] {
        Expr::Call { func, .. } => *func,
        _ => expr,
    };
    match &body.exprs[expr] {
        Expr::Name { id, .. } => Some(id),
        Expr::Attribute { attr, .. } => Some(attr),
        _ => None,
    }
}

/// The classes and functions of `hir` that may swallow an exception as context managers
/// (see [`Builder::may_swallow`]), by name.
fn swallowing_managers_of(hir: &FileHir) -> Vec<Name> {
    let mut names = Vec::new();
    for (_, class) in hir.classes.iter() {
        let swallows = class.body.block.iter().any(|stmt| {
            let Stmt::FunctionDef(function) = &class.body.stmts[*stmt] else {
                return false;
            };
            let function = &hir.functions[*function];
            matches!(function.name.as_str(), "__exit__" | "__aexit__")
                && function.body.stmts.iter().any(|(_, stmt)| match stmt {
                    Stmt::Return { value: Some(value) } => !matches!(
                        function.body.exprs[*value],
                        Expr::Literal(Literal::None | Literal::Bool(false))
                    ),
                    _ => false,
                })
        });
        if swallows {
            names.push(class.name.clone());
        }
    }
    for (_, function) in hir.functions.iter() {
        let parent = hir.body(function.parent);
        // Under `@contextmanager`, or rebound by `name = contextmanager(name)`.
        let is_manager = function
            .decorators
            .iter()
            .copied()
            .chain(rebinding_callees(parent, &function.name))
            .any(|decorator| {
                manager_name(parent, decorator).is_some_and(|name| {
                    matches!(name.as_str(), "contextmanager" | "asynccontextmanager")
                })
            });
        if is_manager && yields_where_swallowed(&function.body, &function.body.block, false) {
            names.push(function.name.clone());
        }
    }
    names
}

/// The callees of the assignments `name = callee(name)` anywhere in `body`, read before
/// the flow that tells which of them decorate a function (see
/// [`BindingKind::Decoration`]).
fn rebinding_callees<'a>(body: &'a Body, name: &'a Name) -> impl Iterator<Item = ExprId> + 'a {
    let is_name =
        move |expr: ExprId| matches!(&body.exprs[expr], Expr::Name { id, .. } if id == name);
    body.stmts.iter().filter_map(move |(_, stmt)| {
        let Stmt::Assign { targets, value } = stmt else {
            return None;
        };
        let (
            [target],
            Expr::Call {
                func,
                args,
                keywords,
            },
        ) = (&**targets, &body.exprs[*value])
        else {
            return None;
        };
        (is_name(*target)
            && matches!(**args, [argument] if is_name(argument))
            && keywords.is_empty())
        .then_some(*func)
    })
}

/// Whether a statement of `block` (`protected`: inside a part whose exceptions may be
/// swallowed) yields inside a `try` with an `except` handler that does not end in `raise`,
/// or inside a `with` over a manager [`is_swallowing_manager`] names: a generator that
/// does, made a context manager, swallows what the `with` body raises.
fn yields_where_swallowed(body: &Body, block: &[StmtId], protected: bool) -> bool {
    block.iter().any(|stmt| match &body.stmts[*stmt] {
        Stmt::Try {
            body: try_body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            let swallows = handlers.iter().any(|handler| {
                !matches!(
                    handler.body.last().map(|last| &body.stmts[*last]),
                    Some(Stmt::Raise { .. })
                )
            });
            yields_where_swallowed(body, try_body, protected || swallows)
                || handlers
                    .iter()
                    .any(|handler| yields_where_swallowed(body, &handler.body, protected))
                || yields_where_swallowed(body, orelse, protected)
                || yields_where_swallowed(body, finalbody, protected)
        }
        Stmt::With {
            items, body: inner, ..
        } => {
            let swallows = items.iter().any(|item| {
                manager_name(body, item.context_expr)
                    .is_some_and(|name| is_swallowing_manager(name))
            });
            yields_where_swallowed(body, inner, protected || swallows)
        }
        Stmt::If {
            body: then, orelse, ..
        }
        | Stmt::For {
            body: then, orelse, ..
        }
        | Stmt::While {
            body: then, orelse, ..
        } => {
            yields_where_swallowed(body, then, protected)
                || yields_where_swallowed(body, orelse, protected)
        }
        Stmt::Match { cases, .. } => cases
            .iter()
            .any(|case| yields_where_swallowed(body, &case.body, protected)),
        Stmt::Expr { value }
        | Stmt::Assign { value, .. }
        | Stmt::AugAssign { value, .. }
        | Stmt::AnnAssign {
            value: Some(value), ..
        }
        | Stmt::Return { value: Some(value) } => protected && has_yield(body, *value),
        _ => false,
    })
}

/// Whether `expr` is or holds a `yield` or `yield from`.
fn has_yield(body: &Body, expr: ExprId) -> bool {
    let mut found = false;
    match &body.exprs[expr] {
        Expr::Yield { .. } | Expr::YieldFrom { .. } => return true,
        Expr::Lambda { .. } => return false,
        other => other.walk_children(|child| found = found || has_yield(body, child)),
    }
    found
}

/// `while True:` and `while 1:` never exit through their condition.
fn is_always_true(body: &Body, test: ExprId) -> bool {
    match &body.exprs[test] {
        Expr::Literal(Literal::Bool(true)) => true,
        Expr::Literal(Literal::Int(text)) => text.chars().any(|c| c.is_ascii_digit() && c != '0'),
        _ => false,
    }
}

/// Whether a test is `typing.TYPE_CHECKING`, which is false at run time: the name
/// `TYPE_CHECKING` (as `from typing import TYPE_CHECKING` binds it) or that attribute
/// of `typing` or `typing_extensions`.
fn is_type_checking(body: &Body, test: ExprId) -> bool {
    match &body.exprs[test] {
        Expr::Name { id, .. } => id == "TYPE_CHECKING",
        Expr::Attribute { value, attr, .. } => {
            attr == "TYPE_CHECKING"
                && matches!(&body.exprs[*value], Expr::Name { id, .. }
                    if matches!(id.as_str(), "typing" | "typing_extensions" | "t"))
        }
        _ => false,
    }
}

/// A pattern that matches every subject: a capture or `_`, possibly in an or-pattern.
fn is_irrefutable(body: &Body, pattern: PatId) -> bool {
    match &body.patterns[pattern] {
        Pattern::As { pattern: None, .. } => true,
        Pattern::As {
            pattern: Some(inner),
            ..
        } => is_irrefutable(body, *inner),
        Pattern::Or { patterns } => patterns.iter().any(|inner| is_irrefutable(body, *inner)),
        _ => false,
    }
}
