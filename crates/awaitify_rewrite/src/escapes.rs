//! Methods and functions that code awaitify does not see may call synchronously: the
//! methods of project classes whose instances (or the classes themselves) escape to
//! outside code (AW211, see [`awaitify_callgraph::ObjectEscape`]), and the functions code
//! run by `eval`, `exec` or `compile` may call (AW205, see
//! [`awaitify_callgraph::Evaluation`]).

use std::collections::VecDeque;
use std::sync::Arc;

use awaitify_callgraph::{
    ClassHierarchy, EscapeKind, FileCalls, ProjectClass, class_hierarchy, file_calls,
};
use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Label};
use awaitify_hir::hir::{BodyId, Expr, ExprId, FileHir, FunctionId, Name};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::index::BindingKind;
use awaitify_semantic::resolve::item_name;
use awaitify_semantic::{Resolver, Target, Unresolved, semantic_index};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::arguments::arguments_for;
use crate::coloring::{SiteKey, UnitKey};

/// A parameter of a project function, by its index in source order.
type Parameter = (File, FunctionId, u32);

/// Where an object that outside code may call methods of escapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscapeSource {
    /// Directly: a file and an index into its `object_escapes`.
    Object(File, usize),
    /// Through a parameter (a file and an index into its `parameter_escapes`), given
    /// an instance of `class` (the class itself, unless `instance`) by the call `site`.
    Parameter {
        escape: (File, usize),
        site: SiteKey,
        class: ProjectClass,
        instance: bool,
    },
    /// Through the first parameter of a function (the escape, as for `Parameter`)
    /// applied as a decorator to a class: a file and an index into its
    /// `class_decorations`.
    Decoration {
        escape: (File, usize),
        decoration: (File, usize),
    },
}

/// The methods outside code may call on escaped objects, each with one escape.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct EscapedClasses {
    /// Classes any of whose methods may be called.
    any: FxHashMap<ProjectClass, EscapeSource>,
    /// Methods of one name that may be called (`keys` of a mapping unpacked with `**`).
    named: FxHashMap<(ProjectClass, Name), EscapeSource>,
}

impl EscapedClasses {
    /// The escape through which outside code may call the method `name` of `class`.
    pub fn find(&self, class: ProjectClass, name: &str) -> Option<EscapeSource> {
        self.any
            .get(&class)
            .or_else(|| self.named.get(&(class, Name::from(name))))
            .copied()
    }

    /// What escapes in `files`, directly or through the parameters of functions that
    /// `callers` call. An object of an escaped class may be an instance of any subclass,
    /// so the methods that may run are those of every class in the method resolution
    /// order of the class and of each of its subclasses.
    ///
    /// `per_file` holds each file's calls and HIR: the walk looks at call sites by the
    /// hundred thousand, and a salsa fetch records a dependency each time.
    fn of(
        db: &dyn Db,
        files: &[File],
        callers: &FxHashMap<UnitKey, Vec<SiteKey>>,
        per_file: &FxHashMap<File, (&FileCalls, &FileHir)>,
    ) -> Self {
        let calls_of = |file: File| per_file[&file].0;
        let hir_of = |file: File| per_file[&file].1;
        let mut marker = Marker {
            hierarchy: class_hierarchy(db),
            resolver: Resolver::new(db),
            escaped: EscapedClasses::default(),
            done: FxHashSet::default(),
        };
        // Parameters that escape, with the escape they lead to, to follow to callers:
        // grouped by function, so that a function's callers are visited once for all of
        // its parameters found so far (some functions have thousands of callers).
        let mut pending = PendingParameters::default();
        for file in files {
            let calls = calls_of(*file);
            for (index, escape) in calls.object_escapes.iter().enumerate() {
                marker.mark(
                    escape.class,
                    escape.method.as_ref(),
                    EscapeSource::Object(*file, index),
                );
            }
            for (index, escape) in calls.parameter_escapes.iter().enumerate() {
                pending.push((*file, escape.function), escape.param, (*file, index));
            }
        }
        let decorations = crate::enumerations::class_decorations(files, calls_of);
        let mut seen: FxHashSet<Parameter> = FxHashSet::default();
        while let Some(((file, function), params)) = pending.pop() {
            let params: Vec<FollowedParameter> = params
                .into_iter()
                .filter(|(param, _)| seen.insert((file, function, *param)))
                .map(|(param, origin)| {
                    let escape = &calls_of(origin.0).parameter_escapes[origin.1];
                    let instances =
                        crate::enumerations::instances_escape(calls_of(origin.0), &escape.how);
                    (param, origin, escape.method.clone(), instances)
                })
                .collect();
            if params.is_empty() {
                continue;
            }
            let unit = (file, BodyId::Function(function));
            // A class decorator is called with the class as its first argument.
            for (param, origin, method, _) in &params {
                for decoration in decorations.get(&(file, function)).into_iter().flatten() {
                    if *param == 0 {
                        let decorated = &calls_of(decoration.0).class_decorations[decoration.1];
                        marker.mark(
                            (decoration.0, decorated.class),
                            method.as_ref(),
                            EscapeSource::Decoration {
                                escape: *origin,
                                decoration: *decoration,
                            },
                        );
                    }
                }
            }
            for site_key in callers.get(&unit).map(Vec::as_slice).unwrap_or_default() {
                let site = &calls_of(site_key.0).sites[site_key.1];
                let (site_file, body) = (site_key.0, site.body);
                let mut bound = None;
                for (param, origin, method, instances) in &params {
                    let arguments = arguments_for(
                        &mut marker.resolver,
                        (file, hir_of(file), function),
                        *param as usize,
                        (site_file, hir_of(site_file)),
                        (site, &mut bound),
                    );
                    for argument in arguments {
                        if !may_be_an_object(&hir_of(site_file).body(body).exprs[argument]) {
                            continue;
                        }
                        let resolution = marker.resolver.resolve_expr(site_file, body, argument);
                        let mut parameter = false;
                        for candidate in resolution.into_alternatives() {
                            match candidate {
                                Ok(Target::Instance { .. }) if !instances => {}
                                Ok(Target::Instance { file, class })
                                | Ok(Target::Class { file, class, .. }) => {
                                    let instance = matches!(candidate, Ok(Target::Instance { .. }));
                                    marker.mark(
                                        (file, class),
                                        method.as_ref(),
                                        EscapeSource::Parameter {
                                            escape: *origin,
                                            site: *site_key,
                                            class: (file, class),
                                            instance,
                                        },
                                    );
                                }
                                Err(Unresolved::Parameter) => parameter = true,
                                _ => {}
                            }
                        }
                        // Passed on from a parameter of the caller: its callers' arguments
                        // escape.
                        if parameter {
                            let index = semantic_index(db, site_file);
                            let Some(use_id) = index.use_of(body, argument) else {
                                continue;
                            };
                            for binding in index.reaching(use_id) {
                                if let BindingKind::Param { function, index } =
                                    index.bindings[*binding].kind
                                {
                                    pending.push((site_file, function), index, *origin);
                                }
                            }
                        }
                    }
                }
            }
        }
        marker.escaped
    }
}

/// The methods that outside code may call on the objects the project hands it (see
/// [`EscapedClasses`]). A query of its own, apart from the coloring, so that
/// `analyze_in_parallel` computes it on one thread while the others compute each file's
/// seeds: following escaping parameters to their callers resolves arguments at
/// hundreds of thousands of call sites in a large project.
#[salsa::tracked(returns(ref))]
pub fn escaped_classes(db: &dyn Db) -> Arc<EscapedClasses> {
    let files = awaitify_db::files_by_path(db);
    let per_file: FxHashMap<File, (&FileCalls, &FileHir)> = files
        .iter()
        .map(|file| (*file, (&**file_calls(db, *file), &**file_hir(db, *file))))
        .collect();
    // The sites that call each project function, in path and site order, as the
    // coloring's graph has them: the walk keeps the first escape it finds for a class.
    let callers = crate::coloring::project_callers(db);
    Arc::new(EscapedClasses::of(db, &files, callers, &per_file))
}

/// A parameter's index, with the escape it leads to (a file and an index into its
/// `parameter_escapes`).
type EscapingParameter = (u32, (File, usize));

/// An escaping parameter being followed to its callers: its index, the escape, the one
/// method outside code calls (`None` for any) and whether an instance passed for it
/// escapes (not when only its own `__dict__` is enumerated).
type FollowedParameter = (u32, (File, usize), Option<Name>, bool);

/// Escaping parameters not yet followed to their callers, by function, in the order
/// their functions were first found.
#[derive(Default)]
struct PendingParameters {
    order: VecDeque<(File, FunctionId)>,
    params: FxHashMap<(File, FunctionId), Vec<EscapingParameter>>,
}

impl PendingParameters {
    fn push(&mut self, function: (File, FunctionId), param: u32, origin: (File, usize)) {
        let params = self.params.entry(function).or_default();
        if params.is_empty() {
            self.order.push_back(function);
        }
        params.push((param, origin));
    }

    fn pop(&mut self) -> Option<((File, FunctionId), Vec<EscapingParameter>)> {
        let function = self.order.pop_front()?;
        let params = self.params.remove(&function).unwrap_or_default();
        Some((function, params))
    }
}

struct Marker<'db> {
    hierarchy: &'db ClassHierarchy,
    resolver: Resolver<'db>,
    escaped: EscapedClasses,
    /// Each class whose MRO has been marked for any method: the first escape wins.
    done: FxHashSet<ProjectClass>,
}

impl Marker<'_> {
    /// Marks the methods (or the one method `method`) that outside code may call on an
    /// object of `class`.
    fn mark(&mut self, class: ProjectClass, method: Option<&Name>, source: EscapeSource) {
        let family = std::iter::once(&class).chain(self.hierarchy.descendants(class.0, class.1));
        for member in family {
            if method.is_none() && !self.done.insert(*member) {
                continue;
            }
            for owner in self.resolver.mro(member.0, member.1).iter() {
                match method {
                    None => {
                        self.escaped.any.entry(*owner).or_insert(source);
                    }
                    Some(name) => {
                        self.escaped
                            .named
                            .entry((*owner, name.clone()))
                            .or_insert(source);
                    }
                }
            }
        }
    }
}

/// Whether an argument may be a project instance or class, as far as its form tells:
/// a literal, a string, an operator's result, a lambda or a container display or
/// comprehension is not (resolving each argument of every call costs more than the
/// whole rest of the coloring).
fn may_be_an_object(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Name { .. }
            | Expr::Attribute { .. }
            | Expr::Call { .. }
            | Expr::Subscript { .. }
            | Expr::Named { .. }
            | Expr::If { .. }
            | Expr::BoolOp { .. }
            | Expr::Await { .. }
            | Expr::Yield { .. }
    )
}

/// What code run from strings may call, each with one evaluation (a file and an index
/// into its `evaluations`).
#[derive(Default)]
pub(crate) struct Evaluated {
    functions: FxHashMap<UnitKey, (File, usize)>,
    /// Methods by the names a literal string uses as attributes.
    methods: FxHashMap<Name, (File, usize)>,
}

impl Evaluated {
    pub(crate) fn of(db: &dyn Db, files: &[File]) -> Self {
        let mut evaluated = Evaluated::default();
        for file in files {
            for (index, evaluation) in file_calls(db, *file).evaluations.iter().enumerate() {
                for target in evaluation.functions.iter() {
                    if let Target::Function {
                        file: target_file,
                        function,
                    } = target
                    {
                        evaluated
                            .functions
                            .entry((*target_file, BodyId::Function(*function)))
                            .or_insert((*file, index));
                    }
                }
                for method in evaluation.methods.iter() {
                    evaluated
                        .methods
                        .entry(method.clone())
                        .or_insert((*file, index));
                }
            }
        }
        evaluated
    }

    /// The evaluation that may call `unit`, a function named `name` (a method when
    /// `is_method`).
    pub(crate) fn find(&self, unit: UnitKey, name: &str, is_method: bool) -> Option<(File, usize)> {
        self.functions
            .get(&unit)
            .or_else(|| {
                is_method
                    .then(|| self.methods.get(&Name::from(name)))
                    .flatten()
            })
            .copied()
    }
}

/// The source text of `expr` of `body` in `file`.
fn text_of(db: &dyn Db, file: File, body: BodyId, expr: ExprId) -> String {
    let range = file_source_map(db, file).body(body).expr(expr);
    file.text(db)[range].to_string()
}

/// The code, primary label, message and note of a refusal because an object escapes
/// (`name` is the method, as messages name it).
pub(crate) fn explain_escape(
    db: &dyn Db,
    source: EscapeSource,
    name: &str,
) -> (Code, Label, String, String) {
    let (file, body, expr, how, method, (class_file, class), instance) = match source {
        EscapeSource::Object(file, index) => {
            let escape = &file_calls(db, file).object_escapes[index];
            let (body, expr, how, method) = (escape.body, escape.expr, &escape.how, &escape.method);
            (file, body, expr, how, method, escape.class, escape.instance)
        }
        EscapeSource::Parameter {
            escape: (file, index),
            class,
            instance,
            ..
        } => {
            let escape = &file_calls(db, file).parameter_escapes[index];
            let (body, expr, how, method) = (escape.body, escape.expr, &escape.how, &escape.method);
            (file, body, expr, how, method, class, instance)
        }
        EscapeSource::Decoration {
            escape: (file, index),
            decoration: (decorated_file, decoration),
        } => {
            let escape = &file_calls(db, file).parameter_escapes[index];
            let (body, expr, how, method) = (escape.body, escape.expr, &escape.how, &escape.method);
            let class = file_calls(db, decorated_file).class_decorations[decoration].class;
            (
                file,
                body,
                expr,
                how,
                method,
                (decorated_file, class),
                false,
            )
        }
    };
    let mut range = file_source_map(db, file).body(body).expr(expr);
    let class_name = item_name(db, class_file, BodyId::Class(class));
    let what = if instance {
        format!("an instance of `{class_name}`")
    } else {
        format!("the class `{class_name}`")
    };
    let label = match (how, method) {
        (EscapeKind::Argument { site }, method) => {
            let call = &file_calls(db, file).sites[*site];
            let callee = match &file_hir(db, file).body(call.body).exprs[call.expr] {
                Expr::Call { func, .. } => text_of(db, file, call.body, *func),
                _ => "the callee".to_string(),
            };
            match method {
                Some(method) => format!("handed to `{callee}` here, which calls its `{method}()`"),
                None => format!(
                    "handed to `{callee}` here, outside the project, which may call its methods"
                ),
            }
        }
        (EscapeKind::Stored { target }, _) => format!(
            "stored into `{}` here, outside the project, whose users may call its methods",
            text_of(db, file, body, *target)
        ),
        (EscapeKind::Unpacked, _) => "unpacked with `**` here, which calls its `keys()`".into(),
        (EscapeKind::Decorated, _) => {
            "handed to this decorator from outside the project, which may call its methods".into()
        }
        (EscapeKind::Enumerated { enumeration }, _) => {
            let (enumerating, label) =
                crate::enumerations::enumeration_label(db, file, *enumeration);
            range = enumerating;
            label
        }
    };
    let escape = (how, method);
    let note = match escape.1 {
        Some(method) => format!(
            "Python calls `{method}()` of a mapping it copies or unpacks, synchronously, and would get a coroutine it never awaits"
        ),
        None => format!(
            "code awaitify does not see may call {name} on it by name, synchronously, and would get a coroutine it never awaits; so no method of `{class_name}`, of its bases or of its subclasses becomes async"
        ),
    };
    let note = match escape.0 {
        EscapeKind::Enumerated { .. } => crate::enumerations::enumeration_note(&class_name),
        _ => note,
    };
    let message = match escape.0 {
        EscapeKind::Unpacked => {
            format!("{name} would need to become async, but {what} is unpacked with `**`")
        }
        EscapeKind::Enumerated { .. } => {
            format!("{name} would need to become async, but the namespace of {what} is enumerated")
        }
        _ => format!(
            "{name} would need to become async, but {what} is handed to code outside the project"
        ),
    };
    (
        Code::UnresolvedCaller,
        Label::new(file, range, label),
        message,
        note,
    )
}

/// Where an object that escapes through a parameter is passed to it, or the decorator
/// that receives a class.
pub(crate) fn escape_secondary(db: &dyn Db, source: EscapeSource) -> Option<Label> {
    if let EscapeSource::Decoration { decoration, .. } = source {
        return Some(crate::enumerations::decoration_label(db, decoration));
    }
    let EscapeSource::Parameter {
        escape: (file, index),
        site,
        ..
    } = source
    else {
        return None;
    };
    let escape = &file_calls(db, file).parameter_escapes[index];
    let function = &file_hir(db, file).functions[escape.function];
    let param = function.params.iter().nth(escape.param as usize)?;
    let call = &file_calls(db, site.0).sites[site.1];
    let range = file_source_map(db, site.0).body(call.body).expr(call.expr);
    Some(Label::new(
        site.0,
        range,
        format!(
            "passed here as `{}` of `{}`",
            param.name,
            item_name(db, file, BodyId::Function(escape.function))
        ),
    ))
}

/// The code, primary label, message and note of a refusal because code run from a
/// string may call the function `name`.
pub(crate) fn explain_evaluation(
    db: &dyn Db,
    (file, index): (File, usize),
    name: &str,
) -> (Code, Label, String, String) {
    let evaluation = &file_calls(db, file).evaluations[index];
    let range = file_source_map(db, file)
        .body(evaluation.body)
        .expr(evaluation.expr);
    let runner = match &file_hir(db, file).body(evaluation.body).exprs[evaluation.expr] {
        Expr::Call { func, .. } => text_of(db, file, evaluation.body, *func),
        _ => "eval".to_string(),
    };
    let (label, note) = if evaluation.computed {
        (
            format!("`{runner}` runs a computed string here, which may call any function of the module"),
            "awaitify does not rewrite code in strings, and cannot tell what a computed one calls: every function among the globals it runs in (and the calling function's own definitions) stays synchronous, since a call there would get a coroutine and not await it".to_string(),
        )
    } else {
        (
            format!("`{runner}` runs code here that names it"),
            "awaitify does not rewrite code in strings: the call there would get a coroutine and not await it".to_string(),
        )
    };
    (
        Code::FunctionUsedAsValue,
        Label::new(file, range, label),
        format!("{name} would need to become async, but code run by `{runner}` may call it"),
        note,
    )
}
