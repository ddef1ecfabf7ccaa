//! Thread locks held across an await (AW217, see [`Blocker::AwaitHoldingThreadLock`]).
//!
//! Where a unit awaits, other tasks run on the page's only thread. If the unit holds a
//! thread lock there, another task that reaches the same lock blocks the event loop in
//! `acquire()` (with an `RLock` it enters the critical section too), so a unit that would
//! await while it holds one stays synchronous.
//!
//! Where a unit holds a lock, each a stretch of its text with the expression that takes
//! the lock:
//! - the block of a `with` one of whose items is a lock, and the items after that one;
//! - after `stack.enter_context(lock)`: the rest of the `with` block that binds `stack`
//!   (`with ExitStack() as stack:`), or of the unit when none does;
//! - after `lock.acquire()`: the rest of the unit, unless the statement that releases it
//!   comes first thing: a `lock.release()` statement, or a `try` whose `finally` holds
//!   one, directly after the `acquire()` statement or first in the body of an
//!   `if lock.acquire(...):` or `while lock.acquire(...):`; or a `try` whose body opens
//!   with the `acquire()` and whose `finally` releases it. Then the lock is held to the
//!   end of that statement. Other `release()` calls are not followed: a lock released
//!   on one path may still be held on another.
//!
//! What is a lock ([`Locks::is_lock`]): what resolves to a lock constructor's result
//! ([`THREAD_LOCKS`]), or
//! - a name bound to a lock (an alias), or a parameter that a caller passes a lock
//!   (positionally or by keyword), whose default is one, or whose annotation names a lock
//!   type;
//! - an attribute of an instance or class that the class (or a class of its MRO) sets to
//!   a lock (`self.lock = ...` in a method, `lock = ...` in the body), annotates with a
//!   lock type (`lock: threading.Lock`), or fills with `field(default_factory=...)` of a
//!   lock constructor;
//! - an element of a container that holds a lock: a subscript (`LOCKS["a"]`) or
//!   `get`/`setdefault`/`pop` of a name or attribute bound to a display or comprehension
//!   with a lock among its elements, `defaultdict(threading.Lock)`, or one whose
//!   elements are set to locks in its file (`LOCKS[key] = threading.Lock()`,
//!   `LOCKS.append(...)`); `setdefault(key, lock)` also gives its default;
//! - what a project function returns, when one of its `return`s gives a lock.
//!
//! Each rule follows the others, to a bounded depth: a parameter whose callers pass an
//! attribute that `__init__` sets from a parameter its callers pass a lock is a lock.

use awaitify_db::File;
use awaitify_hir::file_source_map;
use awaitify_hir::hir::{Body, BodyId, ClassId, Expr, ExprId, FunctionId, Name, Stmt, StmtId};
use awaitify_hir::source_map::BodySourceMap;
use awaitify_semantic::index::BindingKind;
use awaitify_semantic::{Resolution, Resolver, Target};
use ruff_text_size::TextRange;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Blocker, Graph, IndexSet, SiteKey, UnitKey, function_targets};

/// What a thread lock is, by the qualified name of a constructor's result (`()` marks a
/// call's result); without the `()`, the names of the lock types an annotation may name.
const THREAD_LOCKS: &[&str] = &[
    "threading.Lock()",
    "threading.RLock()",
    "threading.Semaphore()",
    "threading.BoundedSemaphore()",
    "threading.Condition()",
    "threading._allocate_lock()",
    "_thread.allocate_lock()",
    "_thread.allocate()",
    "_thread.LockType()",
    "_thread.lock()",
    "_thread.RLock()",
    "multiprocessing.Lock()",
    "multiprocessing.RLock()",
    "multiprocessing.Semaphore()",
    "multiprocessing.BoundedSemaphore()",
    "multiprocessing.Condition()",
    "multiprocessing.synchronize.Lock()",
    "multiprocessing.synchronize.RLock()",
    "multiprocessing.synchronize.Semaphore()",
    "multiprocessing.synchronize.BoundedSemaphore()",
    "multiprocessing.synchronize.Condition()",
    "multiprocessing.Manager().Lock()",
    "multiprocessing.Manager().RLock()",
    "multiprocessing.Manager().Semaphore()",
    "multiprocessing.Manager().BoundedSemaphore()",
    "multiprocessing.Manager().Condition()",
];

/// How deep the rules may follow one another for one question.
const MAX_DEPTH: usize = 12;

/// How many expressions one question may look at: a parameter asks every caller, whose
/// arguments may be parameters in turn.
const BUDGET: u32 = 4_000;

/// Where `unit` would await while it holds a thread lock (see the module docs): a
/// rewritten call, or a call of a function that becomes async, in its own body.
pub(super) fn await_holding_thread_lock(
    graph: &Graph,
    resolver: &mut Resolver,
    colored: &IndexSet<UnitKey>,
    seeds: &FxHashSet<SiteKey>,
    (file, body_id): UnitKey,
) -> Option<Blocker> {
    let hir = graph.hir(file);
    let body = hir.body(body_id);
    let may_hold = body
        .stmts
        .iter()
        .any(|(_, stmt)| matches!(stmt, Stmt::With { is_async: false, .. }))
        || body.exprs.iter().any(|(_, expr)| {
            matches!(expr, Expr::Attribute { attr, .. } if attr == "acquire" || attr == "enter_context")
        });
    if !may_hold {
        return None;
    }
    let map = file_source_map(graph.db, file);
    let ranges = map.body(body_id);
    let awaits: Vec<(usize, TextRange)> = graph
        .calls(file)
        .sites
        .iter()
        .enumerate()
        .filter(|(index, site)| {
            site.body == body_id
                && !site.awaited
                && site.context.in_frame()
                && (seeds.contains(&(file, *index))
                    || function_targets(site).any(|target| {
                        colored.contains(&target) && !graph.is_originally_async(target)
                    }))
        })
        .map(|(index, site)| (index, ranges.expr(site.expr)))
        .collect();
    if awaits.is_empty() {
        return None;
    }
    let held = Locks::new(graph, resolver).held(file, body_id, ranges);
    awaits.into_iter().find_map(|(index, range)| {
        held.iter()
            .find(|(_, region)| region.contains_range(range))
            .map(|(lock, _)| Blocker::AwaitHoldingThreadLock {
                site: (file, index),
                lock: *lock,
            })
    })
}

/// What a question asks of an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Question {
    /// Is it a thread lock?
    Lock,
    /// Is a thread lock among its elements?
    HoldsLock,
}

struct Locks<'g, 'r, 'db> {
    graph: &'g Graph<'g>,
    resolver: &'r mut Resolver<'db>,
    /// The questions being answered, to cut cycles; its size is the depth.
    asking: FxHashSet<(Question, File, BodyId, ExprId)>,
    budget: u32,
}

impl<'g, 'r, 'db> Locks<'g, 'r, 'db> {
    fn new(graph: &'g Graph<'g>, resolver: &'r mut Resolver<'db>) -> Self {
        Locks {
            graph,
            resolver,
            asking: FxHashSet::default(),
            budget: BUDGET,
        }
    }

    /// Where the unit `body` of `file` holds a lock, with the expression that takes it.
    fn held(
        &mut self,
        file: File,
        body_id: BodyId,
        ranges: &BodySourceMap,
    ) -> Vec<(ExprId, TextRange)> {
        let body = self.graph.hir(file).body(body_id);
        let unit_end = ranges.block(&body.block).unwrap_or_default().end();
        let mut held = Vec::new();
        for (_, stmt) in body.stmts.iter() {
            if let Stmt::With {
                is_async: false,
                items,
                body: block,
            } = stmt
                && !block.is_empty()
                && let Some(item) = items
                    .iter()
                    .find(|item| self.takes_lock(file, body_id, item.context_expr))
            {
                // Held from the item on: the items after it are entered under the lock
                // (an `async with` split off them awaits there).
                let block_end = ranges.block(block).unwrap_or_default().end();
                let start = ranges
                    .expr(item.optional_vars.unwrap_or(item.context_expr))
                    .end();
                held.push((
                    item.context_expr,
                    TextRange::new(start, block_end.max(start)),
                ));
            }
        }
        let released = released_at(body);
        for (call, expr) in body.exprs.iter() {
            let Expr::Call { func, args, .. } = expr else {
                continue;
            };
            let Expr::Attribute {
                value: receiver,
                attr,
                ..
            } = &body.exprs[*func]
            else {
                continue;
            };
            let end = match attr.as_str() {
                "acquire" if self.takes_lock(file, body_id, *receiver) => released
                    .get(&call)
                    .map_or(unit_end, |try_stmt| ranges.stmt(*try_stmt).end()),
                "enter_context"
                    if args
                        .first()
                        .is_some_and(|lock| self.takes_lock(file, body_id, *lock)) =>
                {
                    let start = ranges.expr(call).start();
                    stack_block(body, ranges, *receiver, start).map_or(unit_end, TextRange::end)
                }
                _ => continue,
            };
            let start = ranges.expr(call).end();
            held.push((call, TextRange::new(start, end.max(start))));
        }
        held
    }

    /// Whether `expr` of `body`, which the unit takes (a `with` item, what it acquires or
    /// enters), is a lock: a question of its own, with a fresh budget.
    fn takes_lock(&mut self, file: File, body: BodyId, expr: ExprId) -> bool {
        self.budget = BUDGET;
        self.ask(Question::Lock, file, body, expr)
    }

    /// The answer to `question` about `expr` of `body`, within the depth and budget.
    fn ask(&mut self, question: Question, file: File, body: BodyId, expr: ExprId) -> bool {
        if self.budget == 0
            || self.asking.len() >= MAX_DEPTH
            || !self.asking.insert((question, file, body, expr))
        {
            return false;
        }
        self.budget -= 1;
        let answer = match question {
            Question::Lock => self.is_lock(file, body, expr),
            Question::HoldsLock => self.holds_lock(file, body, expr),
        };
        self.asking.remove(&(question, file, body, expr));
        answer
    }

    /// Whether `expr` of `body` may be a thread lock (see the module docs).
    fn is_lock(&mut self, file: File, body: BodyId, expr: ExprId) -> bool {
        if is_lock_resolution(&self.resolver.resolve_expr(file, body, expr)) {
            return true;
        }
        let exprs = &self.graph.hir(file).body(body).exprs;
        match &exprs[expr] {
            Expr::Name { .. } => self.name_is(Question::Lock, file, body, expr),
            Expr::Attribute { value, attr, .. } => {
                self.attribute_is(Question::Lock, file, body, *value, attr)
            }
            Expr::Subscript { value, .. } => self.ask(Question::HoldsLock, file, body, *value),
            Expr::Call { func, args, .. } => {
                if let Expr::Attribute {
                    value: container,
                    attr,
                    ..
                } = &exprs[*func]
                    && matches!(attr.as_str(), "get" | "setdefault" | "pop")
                    && (self.ask(Question::HoldsLock, file, body, *container)
                        || args
                            .get(1)
                            .is_some_and(|default| self.ask(Question::Lock, file, body, *default)))
                {
                    return true;
                }
                self.returns(Question::Lock, file, body, *func)
            }
            Expr::Named { value, .. } => self.ask(Question::Lock, file, body, *value),
            Expr::If {
                body: then, orelse, ..
            } => {
                let (then, orelse) = (*then, *orelse);
                self.ask(Question::Lock, file, body, then)
                    || self.ask(Question::Lock, file, body, orelse)
            }
            Expr::BoolOp { values, .. } => values
                .iter()
                .any(|value| self.ask(Question::Lock, file, body, *value)),
            _ => false,
        }
    }

    /// Whether a thread lock may be among the elements of the container `expr` of `body`.
    fn holds_lock(&mut self, file: File, body: BodyId, expr: ExprId) -> bool {
        let exprs = &self.graph.hir(file).body(body).exprs;
        match &exprs[expr] {
            Expr::Name { id, .. } => {
                self.name_is(Question::HoldsLock, file, body, expr)
                    || self.element_stored(file, None, |exprs, target| {
                        matches!(&exprs[target], Expr::Name { id: stored, .. } if stored == id)
                    })
            }
            Expr::Attribute { value, attr, .. } => {
                self.attribute_is(Question::HoldsLock, file, body, *value, attr)
            }
            Expr::Dict { items } => items.iter().any(|item| match item.key {
                Some(_) => self.ask(Question::Lock, file, body, item.value),
                None => self.ask(Question::HoldsLock, file, body, item.value),
            }),
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } | Expr::Set { elts } => {
                elts.iter().any(|element| match &exprs[*element] {
                    Expr::Starred { value, .. } => self.ask(Question::HoldsLock, file, body, *value),
                    _ => self.ask(Question::Lock, file, body, *element),
                })
            }
            Expr::ListComp { elt, .. }
            | Expr::SetComp { elt, .. }
            | Expr::Generator { elt, .. }
            | Expr::DictComp { value: elt, .. } => self.ask(Question::Lock, file, body, *elt),
            Expr::BinOp { left, right, .. } => {
                let (left, right) = (*left, *right);
                self.ask(Question::HoldsLock, file, body, left)
                    || self.ask(Question::HoldsLock, file, body, right)
            }
            Expr::Call {
                func,
                args,
                keywords,
            } => {
                let name = match self.resolver.resolve_expr(file, body, *func) {
                    Resolution::Definite(Target::External(name) | Target::Builtin(name)) => {
                        Some(name)
                    }
                    _ => None,
                };
                match name.as_deref() {
                    Some("collections.defaultdict") => args
                        .first()
                        .is_some_and(|factory| self.is_lock_constructor(file, body, *factory)),
                    Some(
                        "dict" | "list" | "tuple" | "set" | "frozenset" | "collections.OrderedDict"
                        | "collections.deque",
                    ) => {
                        args.first()
                            .is_some_and(|from| self.ask(Question::HoldsLock, file, body, *from))
                            || keywords.iter().any(|keyword| {
                                keyword.arg.is_some()
                                    && self.ask(Question::Lock, file, body, keyword.value)
                            })
                    }
                    _ => self.returns(Question::HoldsLock, file, body, *func),
                }
            }
            Expr::Named { value, .. } => self.ask(Question::HoldsLock, file, body, *value),
            _ => false,
        }
    }

    /// `question` about the name `expr` of `body`, through the bindings that reach it: an
    /// assignment's value, or a parameter.
    fn name_is(&mut self, question: Question, file: File, body: BodyId, expr: ExprId) -> bool {
        let index = self.resolver.index(file);
        let Some(use_id) = index.use_of(body, expr) else {
            return false;
        };
        index.reaching(use_id).iter().any(|binding| {
            let data = &index.bindings[*binding];
            match data.kind {
                BindingKind::Assign { value } => self.ask(question, file, data.body, value),
                BindingKind::Param { function, index } => {
                    self.parameter_is(question, file, function, index as usize)
                }
                _ => false,
            }
        })
    }

    /// `question` about the parameter at `position` (in source order) of `function`: its
    /// default, its annotation, and what each call of the function passes for it.
    fn parameter_is(
        &mut self,
        question: Question,
        file: File,
        function: FunctionId,
        position: usize,
    ) -> bool {
        let graph = self.graph;
        let data = &graph.hir(file).functions[function];
        let params = &data.params;
        let Some(param) = params.iter().nth(position) else {
            return false;
        };
        if param
            .default
            .is_some_and(|default| self.ask(question, file, data.parent, default))
            || (question == Question::Lock
                && param.annotation.is_some_and(|annotation| {
                    self.annotation_names_lock(file, data.parent, annotation)
                }))
        {
            return true;
        }
        for site_key in graph.callers_of(&(file, BodyId::Function(function))) {
            let site = graph.site(*site_key);
            let caller = site_key.0;
            let arguments = crate::arguments::arguments_for(
                self.resolver,
                (file, graph.hir(file), function),
                position,
                (caller, graph.hir(caller)),
                (site, &mut None),
            );
            for argument in arguments {
                if self.ask(question, caller, site.body, argument) {
                    return true;
                }
            }
        }
        false
    }

    /// `question` about what a call of `func` of `body` returns, when it is a project
    /// function: any of its `return` values.
    fn returns(&mut self, question: Question, file: File, body: BodyId, func: ExprId) -> bool {
        let functions: Vec<(File, FunctionId)> = self
            .resolver
            .resolve_expr(file, body, func)
            .into_targets()
            .into_iter()
            .filter_map(|target| match target {
                Target::Function { file, function } => Some((file, function)),
                _ => None,
            })
            .collect();
        functions.into_iter().any(|(callee_file, function)| {
            let returned: Vec<ExprId> = self.graph.hir(callee_file).functions[function]
                .body
                .stmts
                .iter()
                .filter_map(|(_, stmt)| match stmt {
                    Stmt::Return { value } => *value,
                    _ => None,
                })
                .collect();
            returned
                .into_iter()
                .any(|value| self.ask(question, callee_file, BodyId::Function(function), value))
        })
    }

    /// `question` about the attribute `attr` of the object `object` of `body`, when the
    /// object is an instance or a class of the project.
    fn attribute_is(
        &mut self,
        question: Question,
        file: File,
        body: BodyId,
        object: ExprId,
        attr: &Name,
    ) -> bool {
        let owners: Vec<(File, ClassId, bool)> = self
            .resolver
            .resolve_expr(file, body, object)
            .into_targets()
            .into_iter()
            .filter_map(|target| match target {
                Target::Instance { file, class } => Some((file, class, true)),
                Target::Class { file, class, .. } => Some((file, class, false)),
                _ => None,
            })
            .collect();
        owners
            .into_iter()
            .any(|(file, class, instance)| self.member_is(question, file, class, attr, instance))
    }

    /// `question` about the member `attr` of `class` (or of an instance of it when
    /// `instance`), through what the classes of its MRO bind to it.
    fn member_is(
        &mut self,
        question: Question,
        file: File,
        class: ClassId,
        attr: &Name,
        instance: bool,
    ) -> bool {
        let graph = self.graph;
        let mro = self.resolver.mro(file, class);
        for &(class_file, class) in mro.iter() {
            let hir = graph.hir(class_file);
            let class_body = BodyId::Class(class);
            let is_attr = |exprs: &la_arena::Arena<Expr>, target: ExprId| matches!(&exprs[target], Expr::Name { id, .. } if id == attr);
            let body = hir.body(class_body);
            for (_, stmt) in body.stmts.iter() {
                let (value, annotation) = match stmt {
                    Stmt::Assign { targets, value }
                        if targets.iter().any(|target| is_attr(&body.exprs, *target)) =>
                    {
                        (Some(*value), None)
                    }
                    Stmt::AnnAssign {
                        target,
                        annotation,
                        value,
                        ..
                    } if is_attr(&body.exprs, *target) => (*value, Some(*annotation)),
                    _ => continue,
                };
                if self.bound_value_is(question, class_file, class_body, value, annotation) {
                    return true;
                }
            }
            if !instance {
                continue;
            }
            // Every `self.<attr> = value` in the methods of the class.
            for (function_id, function) in hir.functions.iter() {
                if function.parent != class_body {
                    continue;
                }
                let Some(receiver) = function.params.iter().next() else {
                    continue;
                };
                let method = BodyId::Function(function_id);
                let exprs = &function.body.exprs;
                for (_, stmt) in function.body.stmts.iter() {
                    let (value, annotation) = match stmt {
                        Stmt::Assign { targets, value }
                            if targets.iter().any(|target| {
                                is_self_attribute(exprs, *target, &receiver.name, attr)
                            }) =>
                        {
                            (Some(*value), None)
                        }
                        Stmt::AnnAssign {
                            target,
                            annotation,
                            value,
                            ..
                        } if is_self_attribute(exprs, *target, &receiver.name, attr) => {
                            (*value, Some(*annotation))
                        }
                        _ => continue,
                    };
                    if self.bound_value_is(question, class_file, method, value, annotation) {
                        return true;
                    }
                }
                if question == Question::HoldsLock
                    && self.element_stored(class_file, Some(function_id), |exprs, target| {
                        is_self_attribute(exprs, target, &receiver.name, attr)
                    })
                {
                    return true;
                }
            }
        }
        false
    }

    /// `question` about a binding of `value` (if any) annotated with `annotation` (if
    /// any), in `body`: the value, a lock type in the annotation, or a dataclass field
    /// whose factory makes locks (`field(default_factory=threading.Lock)`).
    fn bound_value_is(
        &mut self,
        question: Question,
        file: File,
        body: BodyId,
        value: Option<ExprId>,
        annotation: Option<ExprId>,
    ) -> bool {
        if let Some(value) = value
            && self.ask(question, file, body, value)
        {
            return true;
        }
        if question != Question::Lock {
            return false;
        }
        if annotation.is_some_and(|annotation| self.annotation_names_lock(file, body, annotation)) {
            return true;
        }
        let Some(value) = value else {
            return false;
        };
        let Expr::Call { keywords, .. } = &self.graph.hir(file).body(body).exprs[value] else {
            return false;
        };
        keywords.iter().any(|keyword| {
            matches!(keyword.arg.as_deref(), Some("default_factory" | "factory"))
                && self.is_lock_constructor(file, body, keyword.value)
        })
    }

    /// Whether `expr` of `body` makes a lock when called: a lock constructor
    /// (`threading.Lock`), a lambda or project function that returns a lock.
    fn is_lock_constructor(&mut self, file: File, body: BodyId, expr: ExprId) -> bool {
        let constructs = |target: &Target| match target {
            Target::External(name) => THREAD_LOCKS
                .iter()
                .any(|lock| lock.strip_suffix("()") == Some(name.as_str())),
            _ => false,
        };
        let resolution = self.resolver.resolve_expr(file, body, expr);
        let found = match &resolution {
            Resolution::Definite(target) => constructs(target),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .any(|candidate| candidate.target.as_ref().is_ok_and(constructs)),
            Resolution::Unresolved(_) => false,
        };
        if found {
            return true;
        }
        match &self.graph.hir(file).body(body).exprs[expr] {
            Expr::Lambda { body: returned, .. } => self.ask(Question::Lock, file, body, *returned),
            _ => self.returns(Question::Lock, file, body, expr),
        }
    }

    /// Whether an annotation names a lock type (`threading.Lock`,
    /// `Optional[threading.Lock]`, `threading.Lock | None`).
    fn annotation_names_lock(&mut self, file: File, body: BodyId, annotation: ExprId) -> bool {
        match &self.graph.hir(file).body(body).exprs[annotation] {
            Expr::Name { .. } | Expr::Attribute { .. } => {
                self.is_lock_constructor(file, body, annotation)
            }
            Expr::Subscript { value, slice, .. } => {
                let (value, slice) = (*value, *slice);
                self.annotation_names_lock(file, body, value)
                    || self.annotation_names_lock(file, body, slice)
            }
            Expr::BinOp { left, right, .. } => {
                let (left, right) = (*left, *right);
                self.annotation_names_lock(file, body, left)
                    || self.annotation_names_lock(file, body, right)
            }
            Expr::Tuple { elts, .. } => elts
                .iter()
                .any(|element| self.annotation_names_lock(file, body, *element)),
            _ => false,
        }
    }

    /// Whether some statement of `file` (of `function` only, when given) stores a lock as
    /// an element of the container `is_container` recognizes: `c[key] = lock`,
    /// `c.append(lock)`, `c.insert(i, lock)`, `c.setdefault(key, lock)`.
    fn element_stored(
        &mut self,
        file: File,
        function: Option<FunctionId>,
        is_container: impl Fn(&la_arena::Arena<Expr>, ExprId) -> bool,
    ) -> bool {
        let hir = self.graph.hir(file);
        let bodies: Vec<(BodyId, &Body)> = match function {
            Some(function) => vec![(BodyId::Function(function), &hir.functions[function].body)],
            None => hir.bodies().collect(),
        };
        for (body_id, body) in bodies {
            let mut stored: Vec<ExprId> = Vec::new();
            for (_, stmt) in body.stmts.iter() {
                if let Stmt::Assign { targets, value } = stmt
                    && targets.iter().any(|target| {
                        matches!(&body.exprs[*target], Expr::Subscript { value: container, .. }
                            if is_container(&body.exprs, *container))
                    })
                {
                    stored.push(*value);
                }
            }
            for (_, expr) in body.exprs.iter() {
                if let Expr::Call { func, args, .. } = expr
                    && let Expr::Attribute {
                        value: container,
                        attr,
                        ..
                    } = &body.exprs[*func]
                    && is_container(&body.exprs, *container)
                {
                    let element = match attr.as_str() {
                        "append" | "add" | "appendleft" => args.first(),
                        "insert" | "setdefault" => args.get(1),
                        _ => None,
                    };
                    stored.extend(element);
                }
            }
            if stored
                .into_iter()
                .any(|value| self.ask(Question::Lock, file, body_id, value))
            {
                return true;
            }
        }
        false
    }
}

/// Whether a resolution may be a lock constructor's result.
fn is_lock_resolution(resolution: &Resolution) -> bool {
    let is_lock = |target: &Target| matches!(target, Target::External(name) if THREAD_LOCKS.contains(&name.as_str()));
    match resolution {
        Resolution::Definite(target) => is_lock(target),
        Resolution::Ambiguous(candidates) => candidates
            .iter()
            .any(|candidate| candidate.target.as_ref().is_ok_and(is_lock)),
        Resolution::Unresolved(_) => false,
    }
}

/// Whether `target` is `<receiver>.<attr>`, with `receiver` the method's first parameter.
fn is_self_attribute(
    exprs: &la_arena::Arena<Expr>,
    target: ExprId,
    receiver: &Name,
    attr: &Name,
) -> bool {
    matches!(&exprs[target], Expr::Attribute { value: object, attr: set, .. }
        if set == attr && matches!(&exprs[*object], Expr::Name { id, .. } if id == receiver))
}

/// The innermost `with` block of `body` that binds the name `stack` (`with ExitStack() as
/// stack:`) and holds the offset `at`.
fn stack_block(
    body: &Body,
    ranges: &BodySourceMap,
    stack: ExprId,
    at: ruff_text_size::TextSize,
) -> Option<TextRange> {
    let Expr::Name { id: stack, .. } = &body.exprs[stack] else {
        return None;
    };
    body.stmts
        .iter()
        .filter_map(|(_, stmt)| match stmt {
            Stmt::With {
                items, body: block, ..
            } if items.iter().any(|item| {
                item.optional_vars.is_some_and(
                    |bound| matches!(&body.exprs[bound], Expr::Name { id, .. } if id == stack),
                )
            }) =>
            {
                Some(ranges.block(block).unwrap_or_default())
            }
            _ => None,
        })
        .filter(|block| block.contains(at))
        .min_by_key(|block| block.len())
}

/// The `acquire()` calls whose lock is surely released before anything else runs, with
/// the statement that releases it: a `lock.release()` statement or a `try` whose
/// `finally` holds one, when that statement directly follows a `lock.acquire()`
/// statement, or opens the body of an `if lock.acquire(...):` or
/// `while lock.acquire(...):`; or a `try` whose body opens with `lock.acquire()` and
/// whose `finally` releases it.
fn released_at(body: &Body) -> FxHashMap<ExprId, StmtId> {
    let mut released = FxHashMap::default();
    // The lock an `acquire()` call takes.
    let acquired = |call: ExprId| match &body.exprs[call] {
        Expr::Call { func, .. } => match &body.exprs[*func] {
            Expr::Attribute {
                value: receiver,
                attr,
                ..
            } if attr == "acquire" => Some(*receiver),
            _ => None,
        },
        _ => None,
    };
    let acquire_statement = |stmt: StmtId| match &body.stmts[stmt] {
        Stmt::Expr { value } => acquired(*value).map(|receiver| (*value, receiver)),
        _ => None,
    };
    let is_release = |stmt: StmtId, receiver: ExprId| match &body.stmts[stmt] {
        Stmt::Expr { value } => matches!(&body.exprs[*value], Expr::Call { func, .. }
            if matches!(&body.exprs[*func], Expr::Attribute { value: released, attr, .. }
                if attr == "release" && same_place(body, *released, receiver))),
        _ => false,
    };
    let finally_releases = |stmt: StmtId, receiver: ExprId| match &body.stmts[stmt] {
        Stmt::Try { finalbody, .. } => finalbody.iter().any(|inner| is_release(*inner, receiver)),
        _ => false,
    };
    let releases = |stmt: StmtId, receiver: ExprId| {
        is_release(stmt, receiver) || finally_releases(stmt, receiver)
    };
    let mut blocks: Vec<&[StmtId]> = vec![&body.block];
    for (_, stmt) in body.stmts.iter() {
        child_blocks(stmt, &mut blocks);
    }
    for block in blocks {
        for (index, stmt) in block.iter().enumerate() {
            if let Some((call, receiver)) = acquire_statement(*stmt)
                && let Some(next) = block.get(index + 1)
                && releases(*next, receiver)
            {
                released.insert(call, *next);
            }
            match &body.stmts[*stmt] {
                Stmt::Try { body: tried, .. } => {
                    if let Some((call, receiver)) =
                        tried.first().and_then(|first| acquire_statement(*first))
                        && finally_releases(*stmt, receiver)
                    {
                        released.insert(call, *stmt);
                    }
                }
                Stmt::If {
                    test, body: then, ..
                }
                | Stmt::While {
                    test, body: then, ..
                } => {
                    if let Some(receiver) = acquired(*test)
                        && let Some(first) = then.first()
                        && releases(*first, receiver)
                    {
                        released.insert(*test, *first);
                    }
                }
                _ => {}
            }
        }
    }
    released
}

/// The statement lists directly inside `stmt`.
fn child_blocks<'a>(stmt: &'a Stmt, blocks: &mut Vec<&'a [StmtId]>) {
    match stmt {
        Stmt::For { body, orelse, .. }
        | Stmt::While { body, orelse, .. }
        | Stmt::If { body, orelse, .. } => {
            blocks.push(body);
            blocks.push(orelse);
        }
        Stmt::With { body, .. } => blocks.push(body),
        Stmt::Try {
            body,
            handlers,
            orelse,
            finalbody,
            ..
        } => {
            blocks.push(body);
            blocks.extend(handlers.iter().map(|handler| &*handler.body));
            blocks.push(orelse);
            blocks.push(finalbody);
        }
        Stmt::Match { cases, .. } => blocks.extend(cases.iter().map(|case| &*case.body)),
        _ => {}
    }
}

/// Whether two expressions name the same place: the same name, or the same attribute of
/// the same place (`self.lock`).
fn same_place(body: &Body, a: ExprId, b: ExprId) -> bool {
    match (&body.exprs[a], &body.exprs[b]) {
        (Expr::Name { id: a, .. }, Expr::Name { id: b, .. }) => a == b,
        (
            Expr::Attribute {
                value: a, attr: x, ..
            },
            Expr::Attribute {
                value: b, attr: y, ..
            },
        ) => x == y && same_place(body, *a, *b),
        _ => false,
    }
}
