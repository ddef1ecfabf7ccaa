//! Namespaces that project code enumerates, and project functions applied as class
//! decorators.
//!
//! An **enumeration** ([`Enumeration`]) reads a class's or an object's namespace as a
//! whole: `vars(x)` or `x.__dict__` used other than by key (`vars(x)["name"]` is a
//! lookup, `x.__dict__.update(...)` a store, `for name in vars(x)` and `"name" in
//! vars(x)` see only names), or `inspect.getmembers(x, ...)`. Every method found there is
//! a value its finder may call, synchronously: `for name, fn in vars(cls).items():
//! setattr(cls, name, wrap(fn))` wraps each method in a function that calls it without
//! awaiting. So the enumerated object escapes as an object handed to outside code does
//! ([`EscapeKind::Enumerated`]): when awaitify follows it to a project class, an instance
//! or a parameter (followed to its callers), the methods of that class, of its bases and
//! of its subclasses stay synchronous. An instance's own `__dict__` (`vars(self)`) holds
//! no methods, so enumerating it takes none. When the object may be a project class or
//! instance awaitify does not follow otherwise (a loop variable, what a call returned),
//! the enumeration is [`Enumeration::unknown`]: it may take any method.
//!
//! `dir(x)` is not an enumeration: it gives names only, and whatever fetches by them
//! (`getattr(x, name)`) is a lookup by a computed name of its own.
//!
//! A **class decoration** ([`ClassDecoration`]) is a project function applied as a
//! decorator to a class (`@traced class Api:`): Python calls it with the class as its
//! first argument, so what escapes through that parameter is the class.

use super::*;

/// A class's or an object's namespace read as a whole (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enumeration {
    pub body: BodyId,
    /// What enumerates: the `vars(x)` or `inspect.getmembers(x, ...)` call, or `x.__dict__`.
    pub expr: ExprId,
    /// The object whose namespace is enumerated.
    pub object: ExprId,
    /// Only the object's own `__dict__` is read (`vars(x)`, `x.__dict__`), which holds no
    /// methods when the object is an instance.
    pub own_namespace: bool,
    /// The object may be a project class or instance that awaitify does not follow to a
    /// class or to a parameter: any method may be taken.
    pub unknown: bool,
}

/// A project function applied as a decorator to a class of this file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDecoration {
    /// The body holding the `class` statement.
    pub body: BodyId,
    pub decorator: ExprId,
    pub class: ClassId,
    /// The function the decorator may be.
    pub function: (File, FunctionId),
}

/// Builtins that, given a namespace, read only its names or compare or print it
/// (`list(vars(x))`, `len(x.__dict__)`), never taking a value out of it to call.
const NAMES_ONLY_BUILTINS: &[&str] = &[
    "all",
    "any",
    "bool",
    "enumerate",
    "format",
    "frozenset",
    "hash",
    "id",
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
    "tuple",
];

/// Methods of a namespace that give no value out of it: its names, a store, a test.
/// (`get` is a lookup by key, see `Collector::namespace_lookup`.)
const NAMES_ONLY_METHODS: &[&str] = &["__contains__", "clear", "get", "keys", "update"];

impl Collector<'_> {
    /// Records each enumeration in `body` (see [`Enumeration`]), and the escapes of the
    /// objects whose namespaces it reads.
    pub(crate) fn collect_enumerations(&mut self, body_id: BodyId, body: &Body) {
        // A syntactic pass first: most bodies have none.
        let candidates: Vec<(ExprId, ExprId, bool)> = body
            .exprs
            .iter()
            .filter_map(|(expr, _)| enumeration_candidate(body, expr))
            .collect();
        if candidates.is_empty() {
            return;
        }
        let names_only = self.names_only_uses(body_id, body);
        for (expr, object, own_namespace) in candidates {
            if own_namespace && names_only.contains(&expr) {
                continue;
            }
            if !self.is_enumerating_call(body_id, body, expr) {
                continue;
            }
            self.record_enumeration(body_id, expr, object, own_namespace);
        }
    }

    /// Whether `expr`, a candidate of [`enumeration_candidate`], calls what it seems to
    /// (the builtin `vars`, `inspect.getmembers`); an attribute `__dict__` always reads
    /// the namespace.
    fn is_enumerating_call(&mut self, body_id: BodyId, body: &Body, expr: ExprId) -> bool {
        let Expr::Call { func, .. } = &body.exprs[expr] else {
            return true;
        };
        match self.resolver.resolve_expr(self.file, body_id, *func) {
            Resolution::Definite(Target::Builtin(name)) => name == "vars",
            Resolution::Definite(Target::External(name)) => {
                matches!(
                    name.as_str(),
                    "inspect.getmembers" | "inspect.getmembers_static"
                )
            }
            _ => false,
        }
    }

    /// The expressions of `body` in a place where a namespace gives only its names, or
    /// is only stored into, compared or printed: the value of a subscript, the receiver
    /// of [`NAMES_ONLY_METHODS`], an argument of [`NAMES_ONLY_BUILTINS`], an operand of a
    /// comparison, the iterable of a `for` or a comprehension (a dict iterates its keys).
    fn names_only_uses(&mut self, body_id: BodyId, body: &Body) -> FxHashSet<ExprId> {
        let mut uses = FxHashSet::default();
        for (_, expr) in body.exprs.iter() {
            match expr {
                Expr::Subscript { value, .. } => {
                    uses.insert(*value);
                }
                Expr::Attribute { value, attr, .. }
                    if NAMES_ONLY_METHODS.contains(&attr.as_str()) =>
                {
                    uses.insert(*value);
                }
                Expr::Compare {
                    left, comparators, ..
                } => {
                    uses.insert(*left);
                    uses.extend(comparators.iter().copied());
                }
                Expr::ListComp { generators, .. }
                | Expr::SetComp { generators, .. }
                | Expr::DictComp { generators, .. }
                | Expr::Generator { generators, .. } => {
                    uses.extend(generators.iter().map(|generator| generator.iter));
                }
                Expr::Call { func, args, .. } if !args.is_empty() => {
                    let named = matches!(&body.exprs[*func], Expr::Name { id, .. }
                        if NAMES_ONLY_BUILTINS.contains(&id.as_str()));
                    if named
                        && matches!(
                            self.resolver.resolve_expr(self.file, body_id, *func),
                            Resolution::Definite(Target::Builtin(_))
                        )
                    {
                        uses.extend(args.iter().copied());
                    }
                }
                _ => {}
            }
        }
        for (_, stmt) in body.stmts.iter() {
            if let Stmt::For { iter, .. } = stmt {
                uses.insert(*iter);
            }
        }
        uses
    }

    /// Records the enumeration `expr` of `object`'s namespace: each project class it may
    /// be, or instance (unless only its own `__dict__` is read), escapes; a parameter is
    /// followed to its callers; anything else that may hold a project object makes the
    /// enumeration unknown.
    fn record_enumeration(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        object: ExprId,
        own_namespace: bool,
    ) {
        let how = EscapeKind::Enumerated {
            enumeration: self.calls.enumerations.len(),
        };
        let mut unknown = false;
        let mut parameter = false;
        let mut seen: Vec<(ProjectClass, bool)> = Vec::new();
        let resolution = self.resolver.resolve_expr(self.file, body_id, object);
        for alternative in resolution.into_alternatives().iter() {
            match alternative {
                Ok(Target::Class { file, class, .. }) => seen.push(((*file, *class), false)),
                Ok(Target::Instance { file, class }) if !own_namespace => {
                    seen.push(((*file, *class), true));
                }
                Err(Unresolved::Parameter) => parameter = true,
                // A module's namespace hands on its classes (`vars(models).values()`).
                Ok(Target::ProjectModule(_)) => {
                    self.calls.class_value.get_or_insert((body_id, expr));
                    self.calls.classes_handed_on.1 = true;
                }
                other => unknown |= crate::method_values::may_be_unseen_project_instance(other),
            }
        }
        for (index, (class, instance)) in seen.iter().copied().enumerate() {
            if seen[..index].contains(&(class, instance)) {
                continue;
            }
            self.calls.object_escapes.push(ObjectEscape {
                body: body_id,
                expr: object,
                class,
                instance,
                how: how.clone(),
                method: None,
            });
        }
        if parameter {
            self.parameter_escape(body_id, object, &how, None);
        }
        self.calls.enumerations.push(Enumeration {
            body: body_id,
            expr,
            object,
            own_namespace,
            unknown,
        });
    }

    /// Records each project function that a decorator of `class` may be (see
    /// [`ClassDecoration`]). A decorator that is a call (`@traced(level=1)`) is not: what
    /// that call returns receives the class.
    pub(crate) fn record_class_decorations(&mut self, body_id: BodyId, class: ClassId) {
        let hir = self.hir;
        for decorator in hir.classes[class].decorators.iter() {
            if !matches!(
                hir.body(body_id).exprs[*decorator],
                Expr::Name { .. } | Expr::Attribute { .. }
            ) {
                continue;
            }
            let resolution = self.resolver.resolve_expr(self.file, body_id, *decorator);
            for target in resolution.into_targets() {
                if let Target::Function { file, function } = target {
                    self.calls.class_decorations.push(ClassDecoration {
                        body: body_id,
                        decorator: *decorator,
                        class,
                        function: (file, function),
                    });
                }
            }
        }
    }
}

/// Whether `expr` looks like an enumeration: a call of a name `vars` with one argument,
/// of `getmembers` or `getmembers_static` (a name or an attribute) with an object, or an
/// attribute `__dict__` read. Gives the expression, the object and whether only its own
/// `__dict__` is read.
fn enumeration_candidate(body: &Body, expr: ExprId) -> Option<(ExprId, ExprId, bool)> {
    match &body.exprs[expr] {
        Expr::Call {
            func,
            args,
            keywords,
        } => {
            let name = match &body.exprs[*func] {
                Expr::Name { id, .. } => id.as_str(),
                Expr::Attribute { attr, .. } => attr.as_str(),
                _ => return None,
            };
            match name {
                "vars" if args.len() == 1 && keywords.is_empty() => {
                    matches!(body.exprs[*func], Expr::Name { .. }).then_some((expr, args[0], true))
                }
                "getmembers" | "getmembers_static" => {
                    let object = args.first().copied().or_else(|| {
                        keywords
                            .iter()
                            .find(|keyword| keyword.arg.as_deref() == Some("object"))
                            .map(|keyword| keyword.value)
                    })?;
                    Some((expr, object, false))
                }
                _ => None,
            }
        }
        Expr::Attribute {
            value,
            attr,
            ctx: ExprContext::Load,
        } if attr == "__dict__" => Some((expr, *value, true)),
        _ => None,
    }
}
