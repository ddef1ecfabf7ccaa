//! Method calls through parameters, followed to what every caller passes.
//!
//! Resolution leaves a parameter unknown (`Unresolved::Parameter`): its value is chosen
//! by each caller. So `def show(svc): svc.get("a")` is a call awaitify cannot follow,
//! and it keeps every project method named `get` synchronous (AW211). Once every file's
//! call sites are known, the coloring follows such calls here, before it colors
//! anything: the value of a parameter of a project function is the union of what each
//! of its call sites passes at that position (by position or keyword, or the default
//! when a call passes nothing), **provided every call site of the function is known**.
//!
//! Terms:
//! - A **followed receiver** is the receiver of a method call that is a name some of
//!   whose reaching bindings are parameters (or an assignment of an `or` of such names,
//!   `repo = repo or Repo()`), or an attribute of `self` (`self.repo`), which methods of
//!   the class store from their parameters (`self.repo = repo` in `__init__`,
//!   [`StoredValue::Parameter`](awaitify_semantic::symbols::StoredValue::Parameter)).
//! - A function's **callers are known** when nothing awaitify cannot see may call it:
//!   it is not used as a value, not decorated (but by `staticmethod` or `classmethod`),
//!   not a special method other than `__init__`, not reached by a call on an object
//!   awaitify cannot follow (a method's name), nor by a method of its name taken as a
//!   value, a lookup by a computed name, code run from a string, outside code given its
//!   object or class, an enumerated namespace, or a base class outside the project; its
//!   module is not imported under another name, nor, for a module-level function,
//!   handed on as a value. An `__init__` also needs its class, and each class related
//!   to it, never handed on as a value nor constructed through a class that may be a
//!   subclass (`cls(...)`). A function with no call site in the project at all has
//!   callers awaitify does not see (it may be a library's entry point).
//! - A **value** is a set of project instances, classes, functions and modules, or
//!   unknown. `None` (a default, say) adds nothing: a method call on it raises
//!   `AttributeError` before and after the rewrite alike. An argument that is anything
//!   else (a literal, an outside object, a parameter of a function whose callers are not
//!   known) makes it unknown, and the call through it stays unresolved, labelled at that
//!   argument.
//!
//! The values are a least fixed point over the call graph and the calls followed: each
//! round evaluates every followed call with the parameter values found so far, adds the
//! functions it reaches as callers, then recomputes each parameter asked about from all
//! of its callers. Values only grow (unknown is the top), and a name whose call stays
//! unresolved keeps the methods of that name from having known callers, so the rounds
//! end; past [`MAX_ROUNDS`] every followed call is left unresolved.
//!
//! Architecture Invariant: this runs inside the coloring, on the project-wide call
//! sites; it reads per-file queries and never feeds into them, so it makes no cycle.

use awaitify_callgraph::class_hierarchy;
use awaitify_hir::hir::ClassId;
use awaitify_semantic::index::{BindingKind, Fallback};
use awaitify_semantic::symbols::FirstParameter;

use super::*;

/// A parameter of a project function: its file, the function, its index in source
/// order.
pub(crate) type Parameter = (File, FunctionId, u32);

/// An argument (or a default) whose object awaitify cannot follow.
pub type Place = (File, BodyId, ExprId);

/// Rounds of the fixed point before every followed call is given up.
const MAX_ROUNDS: usize = 32;

/// Targets a value may hold before it counts as unknown.
const MAX_TARGETS: usize = 16;

/// How deep an expression's value is followed through `or` and names.
const MAX_DEPTH: u32 = 8;

/// What a parameter, a receiver or an argument may hold.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Values {
    /// One of these project objects (none: `None` only, or nothing passed yet), or, when
    /// `builtin`, also a value of a builtin type (a literal, a display, what `dict(...)`
    /// returns), whose methods are no project methods.
    Known { targets: Vec<Target>, builtin: bool },
    /// Something awaitify cannot follow, passed at `Place` when one is known.
    Unknown(Option<Place>),
}

impl Values {
    fn empty() -> Self {
        Values::Known {
            targets: Vec::new(),
            builtin: false,
        }
    }

    /// Adds `other`; returns whether anything changed.
    fn join(&mut self, other: Values) -> bool {
        match (&mut *self, other) {
            (Values::Unknown(_), _) => false,
            (_, unknown @ Values::Unknown(_)) => {
                *self = unknown;
                true
            }
            (
                Values::Known { targets, builtin },
                Values::Known {
                    targets: more,
                    builtin: more_builtin,
                },
            ) => {
                let mut changed = more_builtin && !*builtin;
                *builtin |= more_builtin;
                for target in more {
                    if !targets.contains(&target) {
                        targets.push(target);
                        changed = true;
                    }
                }
                if targets.len() > MAX_TARGETS {
                    *self = Values::Unknown(None);
                }
                changed
            }
        }
    }
}

/// A project function a followed call reaches, with how many leading parameters the
/// call binds itself (the receiver).
type Reached = (Target, usize);

/// What a followed call reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    Reaches(Vec<Reached>),
    Unknown(Option<Place>),
}

/// The method calls through parameters that the coloring follows, and those it could
/// not.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ParameterCalls {
    /// Each call followed to every function it may run.
    pub targets: FxHashMap<SiteKey, Box<[Target]>>,
    /// Each call through a parameter left unresolved because a caller passes an object
    /// awaitify cannot follow: where it passes it.
    pub unknown_arguments: FxHashMap<SiteKey, Place>,
    /// Each function with callers only these calls find, with those calls.
    pub(crate) callers: FxHashMap<UnitKey, Vec<SiteKey>>,
}

/// The receiver of the method call `site` when it is one the coloring follows (see the
/// module's doc), with the method's name.
pub(super) fn followed_receiver(
    hir: &FileHir,
    index: &SemanticIndex,
    site: &CallSite,
) -> Option<(ExprId, Name)> {
    let exprs = &hir.body(site.body).exprs;
    let Expr::Call { func, .. } = &exprs[site.expr] else {
        return None;
    };
    let Expr::Attribute { value, attr, .. } = &exprs[*func] else {
        return None;
    };
    let names_parameter = |body: BodyId, name: ExprId, first: bool| {
        let Some(use_id) = index.use_of(body, name) else {
            return false;
        };
        index.reaching(use_id).iter().any(|binding| {
            let data = &index.bindings[*binding];
            match data.kind {
                BindingKind::Param { function, index } => {
                    !first
                        || (index == 0
                            && matches!(hir.functions[function].parent, BodyId::Class(_)))
                }
                BindingKind::Assign { value } if !first => matches!(
                    hir.body(data.body).exprs[value],
                    Expr::BoolOp {
                        op: awaitify_hir::hir::BoolOp::Or,
                        ..
                    }
                ),
                _ => false,
            }
        })
    };
    let followed = match &exprs[*value] {
        Expr::Name { .. } => names_parameter(site.body, *value, false),
        Expr::Attribute { value: object, .. } => {
            matches!(exprs[*object], Expr::Name { .. }) && names_parameter(site.body, *object, true)
        }
        _ => false,
    };
    followed.then(|| (*value, attr.clone()))
}

/// Follows every call through a parameter among `candidates` (sites with the method
/// name they call), given the coloring's graph before any is followed. `unfollowed`
/// names the calls through parameters left out, which count as calls awaitify cannot
/// follow. `known_callers` keeps, from one call to the next, whether each function's
/// callers are known but for the names of unresolved calls, which does not depend on
/// the candidates.
pub(super) fn follow<'db>(
    graph: &Graph<'db>,
    resolver: &mut Resolver<'db>,
    candidates: &[(SiteKey, Name)],
    unfollowed: FxHashSet<Name>,
    known_callers: &mut FxHashMap<UnitKey, bool>,
) -> ParameterCalls {
    if candidates.is_empty() {
        return ParameterCalls::default();
    }
    let mut unknown_names: FxHashSet<Name> =
        graph.unresolved_method_calls.keys().cloned().collect();
    unknown_names.extend(unfollowed);
    let mut follower = Follower {
        graph,
        resolver,
        params: IndexMap::default(),
        outcomes: FxHashMap::default(),
        unknown_names,
        extra_callers: FxHashMap::default(),
        known_callers: std::mem::take(known_callers),
        forced: FxHashSet::default(),
        constructed_subclasses: None,
        hierarchy: class_hierarchy(graph.db),
    };
    let mut rounds = 0;
    loop {
        let mut changed = follower.round(candidates);
        if !changed {
            // A parameter of a function no call of the project reaches holds whatever
            // its callers elsewhere pass.
            let uncalled: Vec<Parameter> = follower
                .params
                .keys()
                .filter(|param| !follower.forced.contains(*param))
                .filter(|(file, function, _)| {
                    let unit = (*file, BodyId::Function(*function));
                    graph.callers.get(&unit).is_none_or(Vec::is_empty)
                        && follower.extra_callers.get(&unit).is_none_or(Vec::is_empty)
                })
                .copied()
                .collect();
            for param in uncalled {
                follower.forced.insert(param);
                changed = true;
            }
        }
        if !changed {
            break;
        }
        rounds += 1;
        if rounds > MAX_ROUNDS {
            *known_callers = follower.known_callers;
            return ParameterCalls::default();
        }
    }
    *known_callers = std::mem::take(&mut follower.known_callers);
    follower.finish(candidates)
}

struct Follower<'g, 'db, 'r> {
    graph: &'g Graph<'db>,
    resolver: &'r mut Resolver<'db>,
    /// The parameters asked about so far, with their values.
    params: IndexMap<Parameter, Values>,
    outcomes: FxHashMap<SiteKey, Outcome>,
    /// Names of method calls awaitify cannot follow, followed calls that failed among
    /// them.
    unknown_names: FxHashSet<Name>,
    /// Each function the followed calls reach, with those calls and the receiver each
    /// binds.
    extra_callers: FxHashMap<UnitKey, Vec<(SiteKey, usize)>>,
    /// Whether each function's callers are known, but for calls by names awaitify
    /// cannot follow (see [`Follower::callers_known`]).
    known_callers: FxHashMap<UnitKey, bool>,
    /// Parameters of functions no call in the project reaches: unknown.
    forced: FxHashSet<Parameter>,
    /// Classes constructed through a class that may be a subclass (`cls(...)`), found
    /// the first time an `__init__` asks.
    constructed_subclasses: Option<FxHashSet<(File, ClassId)>>,
    hierarchy: &'db awaitify_callgraph::ClassHierarchy,
}

impl Follower<'_, '_, '_> {
    /// One round: every followed call, then every parameter asked about. Returns
    /// whether anything grew.
    fn round(&mut self, candidates: &[(SiteKey, Name)]) -> bool {
        let mut changed = false;
        for (site_key, attr) in candidates {
            // Unknown is as far as it goes.
            if let Some(Outcome::Unknown(_)) = self.outcomes.get(site_key) {
                continue;
            }
            let outcome = self.evaluate_call(*site_key, attr);
            changed |= self.record(*site_key, attr, outcome);
        }
        let mut position = 0;
        while let Some((param, known)) = self.params.get_index(position) {
            let param = *param;
            position += 1;
            if let Values::Unknown(_) = known {
                continue;
            }
            let value = self.compute_parameter(param);
            if let Some(known) = self.params.get_mut(&param) {
                changed |= known.join(value);
            }
        }
        changed
    }

    /// Joins `outcome` into what the call `site_key` reached before.
    fn record(&mut self, site_key: SiteKey, attr: &Name, outcome: Outcome) -> bool {
        let previous = self.outcomes.get(&site_key).cloned();
        let joined = match (previous.clone(), outcome) {
            (Some(Outcome::Unknown(place)), _) => Outcome::Unknown(place),
            (_, Outcome::Unknown(place)) => Outcome::Unknown(place),
            (Some(Outcome::Reaches(mut reached)), Outcome::Reaches(more)) => {
                for item in more {
                    if !reached.contains(&item) {
                        reached.push(item);
                    }
                }
                Outcome::Reaches(reached)
            }
            (None, outcome) => outcome,
        };
        if previous.as_ref() == Some(&joined) {
            return false;
        }
        match &joined {
            Outcome::Unknown(_) => {
                self.unknown_names.insert(attr.clone());
            }
            Outcome::Reaches(reached) => {
                for (target, bound) in reached {
                    if let Target::Function { file, function } = target {
                        let callers = self
                            .extra_callers
                            .entry((*file, BodyId::Function(*function)))
                            .or_default();
                        if !callers.contains(&(site_key, *bound)) {
                            callers.push((site_key, *bound));
                        }
                    }
                }
            }
        }
        self.outcomes.insert(site_key, joined);
        true
    }

    fn finish(self, candidates: &[(SiteKey, Name)]) -> ParameterCalls {
        let mut calls = ParameterCalls::default();
        for (site_key, _) in candidates {
            match self.outcomes.get(site_key) {
                Some(Outcome::Reaches(reached)) => {
                    let targets: Box<[Target]> =
                        reached.iter().map(|(target, _)| target.clone()).collect();
                    calls.targets.insert(*site_key, targets);
                }
                Some(Outcome::Unknown(Some(place))) => {
                    calls.unknown_arguments.insert(*site_key, *place);
                }
                _ => {}
            }
        }
        for (unit, sites) in self.extra_callers {
            let sites: Vec<SiteKey> = sites
                .into_iter()
                .map(|(site, _)| site)
                .filter(|site| calls.targets.contains_key(site))
                .collect();
            calls.callers.insert(unit, sites);
        }
        calls
    }

    /// What the method call `site_key` (of the method `attr`) may run, from the value of
    /// its receiver.
    fn evaluate_call(&mut self, (file, index): SiteKey, attr: &Name) -> Outcome {
        let site = self.graph.site((file, index));
        let hir = self.graph.hir(file);
        let semantic = semantic_index(self.graph.db, file);
        let Some((receiver, _)) = followed_receiver(hir, semantic, site) else {
            return Outcome::Unknown(None);
        };
        let receivers = match self.value_of(file, site.body, receiver, 0) {
            Values::Unknown(place) => return Outcome::Unknown(place),
            // A method of a builtin value and one of a project object: one call cannot
            // both be awaited and not.
            Values::Known {
                targets,
                builtin: true,
            } if !targets.is_empty() => return Outcome::Unknown(None),
            Values::Known { targets, .. } => targets,
        };
        let mut reached = Vec::new();
        for receiver in receivers {
            match self.method_targets(&receiver, attr) {
                Some(found) => reached.extend(found),
                None => return Outcome::Unknown(None),
            }
        }
        Outcome::Reaches(reached)
    }

    /// The project functions `receiver.attr` may be, each with how many leading
    /// parameters the call binds; `None` when it may be anything else.
    fn method_targets(&mut self, receiver: &Target, attr: &Name) -> Option<Vec<Reached>> {
        let (file, class, instance, exact) = match receiver {
            Target::Instance { file, class } => (*file, *class, true, false),
            Target::Class { file, class, exact } => (*file, *class, false, *exact),
            Target::ProjectModule(module) => {
                return match self.resolver.module_member(*module, attr) {
                    Resolution::Definite(target @ Target::Function { .. }) => {
                        Some(vec![(target, 0)])
                    }
                    _ => None,
                };
            }
            _ => return None,
        };
        let mut functions: Vec<Target> = Vec::new();
        let found = self.resolver.attribute(receiver.clone(), attr);
        for alternative in found.into_alternatives() {
            match alternative {
                Ok(target @ Target::Function { .. }) => functions.push(target),
                _ => return None,
            }
        }
        // An instance, or a class that may be a subclass, may find a subclass's override.
        if !exact {
            for &(sub_file, sub_class) in self.hierarchy.descendants(file, class) {
                let symbols = self.resolver.symbols(sub_file);
                let Some(summary) = symbols.classes.get(sub_class) else {
                    continue;
                };
                let found = if summary.members.contains_key(attr) {
                    self.resolver.own_class_member(sub_file, sub_class, attr)
                } else if summary.bases.len() > 1 {
                    self.resolver.class_member(sub_file, sub_class, attr, false)
                } else {
                    None
                };
                for alternative in found.map(Resolution::into_alternatives).unwrap_or_default() {
                    match alternative {
                        Ok(target @ Target::Function { .. }) => {
                            if !functions.contains(&target) {
                                functions.push(target);
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
        let reached = functions
            .into_iter()
            .map(|target| {
                let first = match &target {
                    Target::Function { file, function } => self
                        .resolver
                        .symbols(*file)
                        .functions
                        .get(*function)
                        .and_then(|summary| summary.first_parameter())
                        .map(|(_, first)| first),
                    _ => None,
                };
                let bound = match first {
                    None => 0,
                    Some(FirstParameter::Class) => 1,
                    // `Class.method(obj)` passes the instance itself.
                    Some(FirstParameter::Instance) => usize::from(instance),
                };
                (target, bound)
            })
            .collect();
        Some(reached)
    }

    /// The value of the parameter `param`, asked about: what it holds so far (nothing
    /// the first time), computed in each round from then on.
    fn parameter_value(&mut self, param: Parameter) -> Values {
        if self.forced.contains(&param) {
            return Values::Unknown(None);
        }
        self.params
            .entry(param)
            .or_insert_with(Values::empty)
            .clone()
    }

    /// What every caller of `param`'s function passes for it.
    fn compute_parameter(&mut self, param @ (file, function, position): Parameter) -> Values {
        if self.forced.contains(&param) {
            return Values::Unknown(None);
        }
        let unit = (file, BodyId::Function(function));
        if !self.callers_known(unit) {
            return Values::Unknown(None);
        }
        let graph = self.graph;
        let callee_hir = graph.hir(file);
        let data = &callee_hir.functions[function];
        let mut value = Values::empty();
        let first = self
            .resolver
            .symbols(file)
            .functions
            .get(function)
            .and_then(|summary| summary.first_parameter())
            .map(|(_, first)| first);
        let static_callers = graph
            .callers
            .get(&unit)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let extra: Vec<(SiteKey, usize)> =
            self.extra_callers.get(&unit).cloned().unwrap_or_default();
        let mut calls: Vec<(SiteKey, &'static [usize])> = Vec::new();
        for site_key in static_callers {
            let site = graph.site(*site_key);
            let caller_hir = graph.hir(site_key.0);
            let Expr::Call { func, .. } = &caller_hir.body(site.body).exprs[site.expr] else {
                continue;
            };
            let offsets = crate::arguments::bound_arguments(
                self.resolver,
                (site_key.0, caller_hir),
                site,
                *func,
                first,
            );
            calls.push((*site_key, offsets));
        }
        for (site_key, bound) in extra {
            calls.push((site_key, if bound == 0 { &[0] } else { &[1] }));
        }
        for (site_key, offsets) in calls {
            let site = graph.site(site_key);
            let caller_hir = graph.hir(site_key.0);
            let place = (site_key.0, site.body, site.expr);
            let Some(arguments) = arguments_for_parameter(
                &data.params,
                position as usize,
                caller_hir.body(site.body),
                site.expr,
                offsets,
            ) else {
                return Values::Unknown(Some(place));
            };
            for argument in arguments {
                // Labelled at the argument, unless a call further up passes what it
                // cannot follow.
                let argument_value = match argument {
                    Argument::Passed(expr) => match self.value_of(site_key.0, site.body, expr, 0) {
                        Values::Unknown(None) => {
                            Values::Unknown(Some((site_key.0, site.body, expr)))
                        }
                        known => known,
                    },
                    Argument::Default(expr) => self.value_of(file, data.parent, expr, 0),
                };
                value.join(argument_value);
                if let Values::Unknown(_) = value {
                    return value;
                }
            }
        }
        value
    }

    /// Whether every call of `unit` is a call site of the project (see the module's
    /// doc).
    fn callers_known(&mut self, unit: UnitKey) -> bool {
        // Whether it is known apart from the names of calls left unresolved, which
        // only grow: kept for every round.
        let known = match self.known_callers.get(&unit) {
            Some(known) => *known,
            None => {
                let known = self.compute_callers_known(unit);
                self.known_callers.insert(unit, known);
                known
            }
        };
        known && !self.called_by_unknown_name(unit)
    }

    /// Whether a call awaitify cannot follow names the function: a method's name (or
    /// its mangled one), or a module-level function's once its module escapes.
    fn called_by_unknown_name(&mut self, (file, body): UnitKey) -> bool {
        let BodyId::Function(function) = body else {
            return true;
        };
        let hir = self.graph.hir(file);
        let data = &hir.functions[function];
        let name = data.name.as_str();
        match data.parent {
            BodyId::Class(class) => {
                let mangled = awaitify_hir::hir::mangled_name(name, &hir.classes[class].name);
                self.unknown_names.contains(name)
                    || mangled
                        .as_deref()
                        .is_some_and(|mangled| self.unknown_names.contains(mangled))
            }
            _ => self.unknown_names.contains(name) && self.graph.module_escape(file).is_some(),
        }
    }

    fn compute_callers_known(&mut self, unit @ (file, body): UnitKey) -> bool {
        let BodyId::Function(function) = body else {
            return false;
        };
        let graph = self.graph;
        let db = graph.db;
        let hir = graph.hir(file);
        let data = &hir.functions[function];
        let name = data.name.as_str();
        let class = match data.parent {
            BodyId::Class(class) => Some(class),
            _ => None,
        };
        let dunder = name.starts_with("__") && name.ends_with("__");
        if dunder && !(class.is_some() && name == "__init__") {
            return false;
        }
        // Only `staticmethod` and `classmethod` leave the function as it is called.
        let symbols = module_symbols(db, file);
        let Some(summary) = symbols.functions.get(function) else {
            return false;
        };
        let plain = |decorator: &Option<ExprPath>| matches!(decorator, Some(ExprPath::Name(id)) if id == "staticmethod" || id == "classmethod");
        if !summary.decorators.iter().all(plain) || !summary.assigned_decorators.iter().all(plain) {
            return false;
        }
        if graph.references.contains_key(&unit)
            || graph.imported_under_other_names.contains_key(&file)
            || graph.evaluated.find(unit, name, class.is_some()).is_some()
        {
            return false;
        }
        if let Some(class) = class {
            let mangled = awaitify_hir::hir::mangled_name(name, &hir.classes[class].name);
            let taken = |name: &str| graph.methods_taken_as_values.contains_key(name);
            if graph.unknown_enumeration.is_some()
                || taken(name)
                || mangled.as_deref().is_some_and(taken)
                || graph.escaped_classes.find((file, class), name).is_some()
                || external_base(self.resolver, file, class).is_some()
                || (name == "__init__" && !self.constructed_only_by_calls(file, class))
            {
                return false;
            }
        }
        dynamic_lookup_reaching(graph, self.resolver, file, function).is_none()
    }

    /// Whether every construction of `class`, and of each class that may run its
    /// `__init__`, is a call site awaitify resolves: none of those classes (nor a base
    /// whose `cls` may be one) is handed on as a value, and none is constructed through
    /// a class that may be a subclass (`cls(...)`, `type(self)(...)`).
    fn constructed_only_by_calls(&mut self, file: File, class: ClassId) -> bool {
        let graph = self.graph;
        if graph.class_values.any {
            return false;
        }
        let related = |resolver: &mut Resolver, other: (File, ClassId)| {
            resolver.mro(other.0, other.1).contains(&(file, class))
                || resolver.mro(file, class).contains(&other)
        };
        for other in graph.class_values.classes.iter() {
            if related(self.resolver, *other) {
                return false;
            }
        }
        if self.constructed_subclasses.is_none() {
            let mut constructed = FxHashSet::default();
            for file in &graph.files {
                for site in &graph.calls(*file).sites {
                    for target in site.targets.iter() {
                        if let Target::Class {
                            file,
                            class,
                            exact: false,
                        } = target
                        {
                            constructed.insert((*file, *class));
                        }
                    }
                }
            }
            self.constructed_subclasses = Some(constructed);
        }
        let constructed: Vec<(File, ClassId)> = self
            .constructed_subclasses
            .iter()
            .flatten()
            .copied()
            .collect();
        !constructed
            .into_iter()
            .any(|other| related(self.resolver, other))
    }

    /// What `expr` of `body` may hold, as far as the followed values go. What it cannot
    /// follow here is unknown without a place: the argument that hands it on is labelled
    /// (see [`Follower::compute_parameter`]).
    fn value_of(&mut self, file: File, body: BodyId, expr: ExprId, depth: u32) -> Values {
        let place = None;
        if depth > MAX_DEPTH {
            return Values::Unknown(place);
        }
        let hir = self.graph.hir(file);
        match &hir.body(body).exprs[expr] {
            Expr::Name { .. } => {
                let index = semantic_index(self.graph.db, file);
                let Some(use_id) = index.use_of(body, expr) else {
                    return Values::Unknown(place);
                };
                if matches!(
                    index.uses[use_id].fallback,
                    Fallback::Builtin | Fallback::OpaqueStar(_)
                ) {
                    return Values::Unknown(place);
                }
                let mut value = Values::empty();
                for binding in index.reaching(use_id) {
                    let data = &index.bindings[*binding];
                    let found = match data.kind {
                        BindingKind::Param {
                            function,
                            index: position,
                        } if !self.is_receiver_parameter(file, function, position) => {
                            self.parameter_value((file, function, position))
                        }
                        BindingKind::Assign { value: assigned }
                            if matches!(
                                hir.body(data.body).exprs[assigned],
                                Expr::BoolOp {
                                    op: awaitify_hir::hir::BoolOp::Or,
                                    ..
                                }
                            ) =>
                        {
                            self.value_of(file, data.body, assigned, depth + 1)
                        }
                        _ => {
                            let resolution = self.resolver.resolve_binding(file, *binding);
                            values_of(resolution, place)
                        }
                    };
                    value.join(found);
                    if let Values::Unknown(_) = value {
                        break;
                    }
                }
                value
            }
            // `repo or Repo()`: any operand but a falsy one, which `None` always is.
            Expr::BoolOp {
                op: awaitify_hir::hir::BoolOp::Or,
                values,
            } => {
                let mut value = Values::empty();
                for operand in values.iter() {
                    value.join(self.value_of(file, body, *operand, depth + 1));
                    if let Values::Unknown(_) = value {
                        break;
                    }
                }
                value
            }
            Expr::Attribute {
                value: object,
                attr,
                ..
            } => {
                let resolution = self.resolver.resolve_expr(file, body, expr);
                if !matches!(
                    resolution,
                    Resolution::Unresolved(Unresolved::InstanceAttribute(_))
                ) {
                    return values_of(resolution, place);
                }
                let Resolution::Definite(Target::Instance {
                    file: class_file,
                    class,
                }) = self.resolver.resolve_expr(file, body, *object)
                else {
                    return Values::Unknown(place);
                };
                self.attribute_value(class_file, class, attr, place)
            }
            _ => {
                let resolution = self.resolver.resolve_expr(file, body, expr);
                values_of(resolution, place)
            }
        }
    }

    /// What the attribute `attr` of an instance of `class` may hold, from what the
    /// methods of its class family store on `self` (see
    /// `Resolver::instance_attribute_sources`), when no subclass's body binds it.
    fn attribute_value(
        &mut self,
        file: File,
        class: ClassId,
        attr: &Name,
        place: Option<Place>,
    ) -> Values {
        let Some(sources) = self.resolver.instance_attribute_sources(file, class, attr) else {
            return Values::Unknown(place);
        };
        for &(sub_file, sub_class) in self.hierarchy.descendants(file, class) {
            if self
                .resolver
                .symbols(sub_file)
                .classes
                .get(sub_class)
                .is_some_and(|summary| summary.members.contains_key(attr))
            {
                return Values::Unknown(place);
            }
        }
        let mut value = Values::empty();
        for source in sources {
            let found = match source {
                Ok(target) => values_of(Resolution::Definite(target), place),
                Err(param) => self.parameter_value(param),
            };
            value.join(found);
            if let Values::Unknown(_) = value {
                break;
            }
        }
        value
    }

    /// Whether the parameter is the first of a method, which Python binds to the
    /// instance or class (resolution follows it).
    fn is_receiver_parameter(&mut self, file: File, function: FunctionId, position: u32) -> bool {
        position == 0
            && self
                .resolver
                .symbols(file)
                .functions
                .get(function)
                .is_some_and(|summary| summary.first_parameter().is_some())
    }
}

/// The value a resolution gives: project objects, `None` (nothing), or unknown.
fn values_of(resolution: Resolution, place: Option<Place>) -> Values {
    let mut targets = Vec::new();
    let mut builtin = false;
    for alternative in resolution.into_alternatives() {
        match alternative {
            Ok(
                target @ (Target::Instance { .. }
                | Target::Class { .. }
                | Target::Function { .. }
                | Target::ProjectModule(_)),
            ) => {
                if !targets.contains(&target) {
                    targets.push(target);
                }
            }
            Err(Unresolved::NoneValue) => {}
            Err(reason) if reason.is_builtin_value() => builtin = true,
            _ => return Values::Unknown(place),
        }
    }
    Values::Known { targets, builtin }
}

/// An argument a call passes for a parameter.
enum Argument {
    /// An expression of the call.
    Passed(ExprId),
    /// The parameter's default, an expression of the body around the `def`: the call
    /// passes nothing for it.
    Default(ExprId),
}

/// What the call `call` of `body` passes for the parameter at `position` (source order)
/// of a function with `params`, once for each way it may bind its leading parameters
/// (`offsets`, see `arguments::bound_arguments`). `None` when it cannot tell: the
/// parameter is `*args` or `**kwargs`, or a starred argument or a `**` mapping may
/// pass it.
fn arguments_for_parameter(
    params: &awaitify_hir::hir::Params,
    position: usize,
    body: &Body,
    call: ExprId,
    offsets: &[usize],
) -> Option<Vec<Argument>> {
    let Expr::Call { args, keywords, .. } = &body.exprs[call] else {
        return None;
    };
    let (by_position, by_keyword) = crate::arguments::passing(params, position)?;
    let param = params.iter().nth(position)?;
    if by_keyword && keywords.iter().any(|keyword| keyword.arg.is_none()) {
        return None;
    }
    let starred = args
        .iter()
        .position(|arg| matches!(body.exprs[*arg], Expr::Starred { .. }));
    let mut found = Vec::new();
    for offset in offsets {
        let index = position.checked_sub(*offset)?;
        if by_position {
            if starred.is_some_and(|star| star <= index) {
                return None;
            }
            if let Some(arg) = args.get(index) {
                found.push(Argument::Passed(*arg));
                continue;
            }
            // A starred argument may stand for this position.
            if starred.is_some() {
                return None;
            }
        }
        if by_keyword
            && let Some(keyword) = keywords
                .iter()
                .find(|keyword| keyword.arg.as_ref() == Some(&param.name))
        {
            found.push(Argument::Passed(keyword.value));
            continue;
        }
        // Without a default the call raises `TypeError`.
        found.extend(param.default.map(Argument::Default));
    }
    Some(found)
}
