//! Objects handed to code awaitify does not see, and code run from strings.
//!
//! An **object escape** ([`ObjectEscape`]) is a project class, or an instance of one,
//! that leaves for code outside the project, which may call its methods by name and
//! would not await them: an argument of a callee that is not a project function or class
//! (`print(..., file=sink)`, `contextlib.closing(conn)`, `TCPServer(addr, Handler)`, an
//! unknown callee), a value stored into an attribute or item of an outside object
//! (`sys.stdout = sink`), a mapping unpacked with `**` (which calls its `keys()`), or a
//! class under an outside decorator. Callees that use their arguments only through
//! special methods or only look at them (`print`'s positional arguments, `str`, `len`,
//! `isinstance`, `sorted`, `copy.copy`, ...) and methods that store them in a container
//! (`append`, `put`) are not escapes: a later call through the container is an
//! unresolved call of its own.
//!
//! An **evaluation** ([`Evaluation`]) is a call of `eval`, `exec` or `compile`, whose
//! code is a string awaitify does not rewrite.

use super::*;

/// Builtins that use an object passed to them only through its special methods (`len`,
/// `sorted`, `iter`), or only look at it (`isinstance`, `id`, `getattr` with a name
/// awaitify reads): handing a project instance to them is not an escape. `print` is one
/// except for its `file=` argument, and `dict` except for a mapping passed positionally
/// (it calls `keys()`).
const DUNDER_ONLY_BUILTINS: &[&str] = &[
    "abs",
    "aiter",
    "all",
    "anext",
    "any",
    "ascii",
    "bin",
    "bool",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "complex",
    "delattr",
    "dir",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "hex",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// Functions outside the project of the same kind, by qualified name, or by the prefix
/// of a module whose functions all are (ending in `.`).
const DUNDER_ONLY_EXTERNALS: &[&str] = &[
    "abc.",
    "bisect.",
    "copy.copy",
    "copy.deepcopy",
    "dataclasses.",
    "enum.",
    "functools.total_ordering",
    "heapq.",
    "inspect.",
    "itertools.",
    "math.",
    "operator.",
    "pprint.pformat",
    "pprint.pprint",
    "random.",
    "reprlib.repr",
    "sys.getrefcount",
    "sys.getsizeof",
    "typing.",
    "typing_extensions.",
    "unittest.mock.",
    "warnings.warn",
    "warnings.warn_explicit",
    "weakref.ref",
];

/// Logging calls format their arguments with `%`, through `__str__` and `__repr__`.
const LOGGING_CALLS: &[&str] = &[
    "critical",
    "debug",
    "error",
    "exception",
    "fatal",
    "info",
    "log",
    "warn",
    "warning",
];

/// Methods that store their argument in a container, or only compare or hash it, when
/// called on a container (see [`CONTAINER_TYPES`]) or on an unknown object: a later call
/// through the container is an unresolved call of its own.
const CONTAINER_METHODS: &[&str] = &[
    "add",
    "append",
    "appendleft",
    "count",
    "discard",
    "extend",
    "extendleft",
    "get",
    "index",
    "insert",
    "pop",
    "push",
    "put",
    "put_nowait",
    "remove",
    "setdefault",
];

/// Containers outside the project, whose storing methods (see [`CONTAINER_METHODS`]) hand
/// nothing on: by the prefix of their qualified names.
const CONTAINER_TYPES: &[&str] = &[
    "array.",
    "asyncio.LifoQueue",
    "asyncio.PriorityQueue",
    "asyncio.Queue",
    "collections.",
    "multiprocessing.Queue",
    "multiprocessing.SimpleQueue",
    "queue.",
    "streamlit.session_state",
    "weakref.Weak",
];

/// Whether `name`, an outside function, uses its arguments only through special methods
/// or only looks at them.
fn dunder_only_external(name: &str) -> bool {
    DUNDER_ONLY_EXTERNALS.iter().any(|entry| {
        if entry.ends_with('.') {
            name.starts_with(entry)
        } else {
            name == *entry
        }
    }) || (name.starts_with("logging.")
        && name
            .rsplit('.')
            .next()
            .is_some_and(|call| LOGGING_CALLS.contains(&call)))
}

/// What outside code may call on an object handed to a call of `callee` (whose callee
/// expression names the attribute `attr`, if it is one) as the argument `keyword`
/// (`None` for a positional one): `None` when nothing, `Some(None)` when any method,
/// `Some(Some(name))` when the one method `name` (`keys` for `dict(mapping)`).
fn handed_on(
    callee: &Resolution,
    attr: Option<&str>,
    keyword: Option<&str>,
) -> Option<Option<&'static str>> {
    // `object.__setattr__(self, ...)`, `super().__init__(...)`: special methods.
    if attr.is_some_and(|attr| attr.starts_with("__") && attr.ends_with("__")) {
        return None;
    }
    let stores = attr.is_some_and(|attr| CONTAINER_METHODS.contains(&attr));
    let of_target = |target: &Target| match target {
        Target::Function { .. }
        | Target::Class { .. }
        | Target::Instance { .. }
        | Target::Super { .. }
        | Target::ProjectModule(_) => None,
        Target::Builtin(name) => match name.as_str() {
            "print" => (keyword == Some("file")).then_some(None),
            "dict" => keyword.is_none().then_some(Some("keys")),
            name if DUNDER_ONLY_BUILTINS.contains(&name) => None,
            _ => Some(None),
        },
        // `st.session_state.update(mapping)` reads the mapping's `keys()`, as a dict's
        // `update` does, and stores its values.
        Target::External(name)
            if attr == Some("update") && name.starts_with("streamlit.session_state") =>
        {
            keyword.is_none().then_some(Some("keys"))
        }
        Target::External(name) => {
            let container = stores
                && CONTAINER_TYPES
                    .iter()
                    .any(|prefix| name.starts_with(prefix));
            (!container && !dunder_only_external(name)).then_some(None)
        }
    };
    let of_reason = |reason: &Unresolved| match reason {
        // `mapping.update(other)` calls `other.keys()`; other methods of builtin values
        // store, compare or format their arguments.
        Unresolved::BuiltinMethod => {
            (attr == Some("update") && keyword.is_none()).then_some(Some("keys"))
        }
        // An unknown receiver whose method stores its argument is most likely a
        // container; anything else it may be hands the object on.
        _ => (!stores).then_some(None),
    };
    let mut handed: Option<Option<&'static str>> = None;
    let mut join = |found: Option<Option<&'static str>>| {
        handed = match (handed, found) {
            (None, found) | (found, None) => found,
            (Some(a), Some(b)) if a == b => Some(a),
            _ => Some(None),
        };
    };
    match callee {
        Resolution::Definite(target) => join(of_target(target)),
        Resolution::Ambiguous(candidates) => {
            for candidate in candidates.iter() {
                join(match &candidate.target {
                    Ok(target) => of_target(target),
                    Err(reason) => of_reason(reason),
                });
            }
        }
        Resolution::Unresolved(reason) => join(of_reason(reason)),
    }
    handed
}

impl Collector<'_> {
    /// The objects a call hands to code awaitify does not see: its arguments when its
    /// callee is outside the project, and any `**mapping`.
    pub(crate) fn call_escapes(&mut self, body_id: BodyId, body: &Body, expr: ExprId, site: usize) {
        let Expr::Call {
            func,
            args,
            keywords,
        } = &body.exprs[expr]
        else {
            return;
        };
        let callee = self.calls.sites[site].callee.clone();
        let attr = match &body.exprs[*func] {
            Expr::Attribute { attr, .. } => Some(attr.as_str()),
            _ => None,
        };
        let how = EscapeKind::Argument { site };
        if let Some(method) = handed_on(&callee, attr, None) {
            for arg in args.iter() {
                self.push_escapes(body_id, body, *arg, how.clone(), method);
            }
        }
        // `setattr(sys, "stdout", sink)` stores as `sys.stdout = sink` does.
        if let Some((object, _)) = setattr_arguments(body, &self.calls.sites[site])
            && let Some(value) = args.get(2)
            && self.is_outside_object(body_id, object)
        {
            self.push_escapes(
                body_id,
                body,
                *value,
                EscapeKind::Stored { target: object },
                None,
            );
        }
        for keyword in keywords.iter() {
            match (&keyword.arg, &body.exprs[keyword.value]) {
                // `f(**{"file": sink})` passes each value by its key.
                // (A `**` inside it is the display's own, see `Collector::expr`.)
                (None, Expr::Dict { items }) => {
                    for item in items.iter() {
                        let Some(key) = item.key else {
                            continue;
                        };
                        let name = match &body.exprs[key] {
                            Expr::Literal(Literal::Str(text)) => text,
                            _ => "",
                        };
                        if let Some(method) = handed_on(&callee, attr, Some(name)) {
                            self.push_escapes(body_id, body, item.value, how.clone(), method);
                        }
                    }
                }
                (None, _) => {
                    self.push_escapes(
                        body_id,
                        body,
                        keyword.value,
                        EscapeKind::Unpacked,
                        Some("keys"),
                    );
                }
                (Some(name), _) => {
                    if let Some(method) = handed_on(&callee, attr, Some(name.as_str())) {
                        self.push_escapes(body_id, body, keyword.value, how.clone(), method);
                    }
                }
            }
        }
    }

    /// `sys.stdout = sink`, `sys.modules["fake"] = module_like`: a value stored into an
    /// attribute or item of an object outside the project.
    pub(crate) fn store_escapes(
        &mut self,
        body_id: BodyId,
        body: &Body,
        targets: &[ExprId],
        value: ExprId,
    ) {
        for target in targets {
            let object = match &body.exprs[*target] {
                Expr::Attribute { value: object, .. } | Expr::Subscript { value: object, .. } => {
                    *object
                }
                _ => continue,
            };
            if self.is_outside_object(body_id, object) {
                self.push_escapes(
                    body_id,
                    body,
                    value,
                    EscapeKind::Stored { target: *target },
                    None,
                );
            }
        }
    }

    /// A class under a decorator outside the project (`@app.register`), which receives
    /// the class; `@dataclass` and its kin only add special methods.
    pub(crate) fn decorator_escapes(&mut self, body_id: BodyId, class: ClassId) {
        let hir = self.hir;
        for decorator in hir.classes[class].decorators.iter() {
            let outside_target = |target: &Target| match target {
                Target::External(name) => !dunder_only_external(name.trim_end_matches("()")),
                _ => false,
            };
            // What a project function returns, unfollowed, is most likely project code.
            let outside_reason =
                |reason: &Unresolved| !matches!(reason, Unresolved::ProjectCallResult);
            let outside = match self.resolver.resolve_expr(self.file, body_id, *decorator) {
                Resolution::Definite(target) => outside_target(&target),
                Resolution::Ambiguous(candidates) => {
                    candidates.iter().any(|candidate| match &candidate.target {
                        Ok(target) => outside_target(target),
                        Err(reason) => outside_reason(reason),
                    })
                }
                Resolution::Unresolved(reason) => outside_reason(&reason),
            };
            if outside {
                self.calls.object_escapes.push(ObjectEscape {
                    body: body_id,
                    expr: *decorator,
                    class: (self.file, class),
                    instance: false,
                    how: EscapeKind::Decorated,
                    method: None,
                });
            }
        }
    }

    /// Whether `object` is a module or object outside the project (`sys`,
    /// `logging.getLogger()`) other than a container (Streamlit's `session_state`, whose
    /// values a later call reaches as an unresolved call of its own).
    fn is_outside_object(&mut self, body_id: BodyId, object: ExprId) -> bool {
        let outside = |target: &Target| {
            matches!(target, Target::External(name)
                if !CONTAINER_TYPES.iter().any(|prefix| name.starts_with(prefix)))
        };
        match self.resolver.resolve_expr(self.file, body_id, object) {
            Resolution::Definite(target) => outside(&target),
            Resolution::Ambiguous(candidates) => candidates
                .iter()
                .any(|candidate| candidate.target.as_ref().is_ok_and(outside)),
            Resolution::Unresolved(_) => false,
        }
    }

    /// Records each project class or instance that `expr` is or holds (the elements of a
    /// list, tuple, set or dict display, either branch of a conditional expression) as
    /// escaping `how`.
    pub(crate) fn push_escapes(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        how: EscapeKind,
        method: Option<&str>,
    ) {
        let container = matches!(
            body.exprs[expr],
            Expr::List { .. }
                | Expr::Tuple { .. }
                | Expr::Set { .. }
                | Expr::Dict { .. }
                | Expr::Starred { .. }
        );
        // `dict([("k", obj)])` copies pairs, not a mapping: only a mapping's `keys()`
        // is called.
        if container && method.is_some() {
            return;
        }
        match &body.exprs[expr] {
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } | Expr::Set { elts } => {
                for element in elts.iter() {
                    self.push_escapes(body_id, body, *element, how.clone(), method);
                }
            }
            // `f(*[sink])` passes the elements; `f(*sinks)` those of an iterable awaitify
            // does not follow.
            Expr::Starred { value, .. } => {
                if matches!(
                    body.exprs[*value],
                    Expr::List { .. } | Expr::Tuple { .. } | Expr::Set { .. }
                ) {
                    self.push_escapes(body_id, body, *value, how, method);
                }
            }
            Expr::Dict { items } => {
                for item in items.iter().filter(|item| item.key.is_some()) {
                    self.push_escapes(body_id, body, item.value, how.clone(), method);
                }
            }
            Expr::If {
                body: then, orelse, ..
            } => {
                self.push_escapes(body_id, body, *then, how.clone(), method);
                self.push_escapes(body_id, body, *orelse, how, method);
            }
            Expr::Named { value, .. } => self.push_escapes(body_id, body, *value, how, method),
            Expr::Name { .. }
            | Expr::Attribute { .. }
            | Expr::Call { .. }
            | Expr::Subscript { .. } => {
                let resolution = self.resolver.resolve_expr(self.file, body_id, expr);
                let parameter = match &resolution {
                    Resolution::Unresolved(Unresolved::Parameter) => true,
                    Resolution::Ambiguous(candidates) => candidates
                        .iter()
                        .any(|candidate| candidate.target == Err(Unresolved::Parameter)),
                    _ => false,
                };
                if parameter {
                    self.parameter_escape(body_id, expr, &how, method);
                }
                let mut seen: Vec<ProjectClass> = Vec::new();
                for target in resolution.into_targets() {
                    let instance = matches!(target, Target::Instance { .. });
                    if let Target::Instance { file, class } | Target::Class { file, class, .. } =
                        target
                        && !seen.contains(&(file, class))
                    {
                        seen.push((file, class));
                        self.calls.object_escapes.push(ObjectEscape {
                            body: body_id,
                            expr,
                            class: (file, class),
                            instance,
                            how: how.clone(),
                            method: method.map(Name::from),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// A name that a parameter of a function binds, escaping `how`.
    pub(crate) fn parameter_escape(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        how: &EscapeKind,
        method: Option<&str>,
    ) {
        let index = self.resolver.index(self.file);
        let Some(use_id) = index.use_of(body_id, expr) else {
            return;
        };
        for binding in index.reaching(use_id) {
            if let awaitify_semantic::index::BindingKind::Param { function, index } =
                index.bindings[*binding].kind
            {
                self.calls.parameter_escapes.push(ParameterEscape {
                    body: body_id,
                    expr,
                    function,
                    param: index,
                    how: how.clone(),
                    method: method.map(Name::from),
                });
            }
        }
    }

    /// `eval(source)`, `exec(source)`, `compile(source, ...)`: what the code may call.
    pub(crate) fn record_evaluation(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        site: usize,
    ) {
        let name = match &self.calls.sites[site].callee {
            Resolution::Definite(Target::Builtin(name))
                if matches!(name.as_str(), "eval" | "exec" | "compile") =>
            {
                name.clone()
            }
            _ => return,
        };
        let Expr::Call { args, keywords, .. } = &body.exprs[expr] else {
            return;
        };
        let keyword = |wanted: &str| {
            keywords
                .iter()
                .find(|keyword| keyword.arg.as_deref() == Some(wanted))
                .map(|keyword| keyword.value)
        };
        let Some(source) = args.first().copied().or_else(|| keyword("source")) else {
            return;
        };
        // The globals the code runs in: the caller's, or those given. A dict display is a
        // namespace of its own, whose values are already used as values.
        let compile = name == "compile";
        // A code object runs in the namespace of whoever runs it, later: a computed one
        // is an `exec(code)` of a computed value there, which counts on its own.
        if compile && !matches!(body.exprs[source], Expr::Literal(Literal::Str(_))) {
            return;
        }
        let globals = match compile {
            true => None,
            false => args.get(1).copied().or_else(|| keyword("globals")),
        };
        let module = match globals {
            None => Some(self.file),
            Some(globals) => match &body.exprs[globals] {
                Expr::Dict { .. } => None,
                _ => match self.resolver.namespace_kind(self.file, body_id, globals) {
                    Some(Namespace::Module(module)) => Some(module),
                    _ => Some(self.file),
                },
            },
        };
        // Without globals given, the code also sees the caller's local definitions.
        let locals = globals.is_none().then_some(body_id);
        let hir = self.hir;
        let local_functions = |name: Option<&str>| -> Vec<Target> {
            let Some(locals) = locals else {
                return Vec::new();
            };
            hir.functions
                .iter()
                .filter(|(_, function)| {
                    function.parent == locals && name.is_none_or(|name| function.name == name)
                })
                .map(|(function, _)| Target::Function {
                    file: self.file,
                    function,
                })
                .collect()
        };
        let mut functions: Vec<Target> = Vec::new();
        let mut methods: Vec<Name> = Vec::new();
        let computed = match &body.exprs[source] {
            Expr::Literal(Literal::Str(text)) => {
                for path in dotted_names(text) {
                    let (first, rest) = path.split_first().expect("a path has a first name");
                    let mut current = local_functions(Some(first));
                    if let Some(module) = module {
                        current.extend(
                            self.resolver
                                .attribute(Target::ProjectModule(module), first)
                                .into_targets(),
                        );
                    }
                    for attr in rest {
                        if !methods.iter().any(|method| method == attr) {
                            methods.push(Name::from(*attr));
                        }
                        functions.extend(
                            current
                                .iter()
                                .filter(|target| matches!(target, Target::Function { .. }))
                                .cloned(),
                        );
                        let mut next = Vec::new();
                        for target in current {
                            if !matches!(target, Target::Function { .. }) {
                                next.extend(self.resolver.attribute(target, attr).into_targets());
                            }
                        }
                        current = next;
                    }
                    functions.extend(
                        current
                            .into_iter()
                            .filter(|target| matches!(target, Target::Function { .. })),
                    );
                }
                false
            }
            _ => {
                functions.extend(local_functions(None));
                if let Some(module) = module {
                    let symbols = awaitify_semantic::module_symbols(self.db, module);
                    for global in symbols.globals.keys() {
                        functions.extend(
                            self.resolver
                                .attribute(Target::ProjectModule(module), global)
                                .into_targets()
                                .into_iter()
                                .filter(|target| matches!(target, Target::Function { .. })),
                        );
                    }
                }
                true
            }
        };
        let mut unique: Vec<Target> = Vec::with_capacity(functions.len());
        for function in functions {
            if !unique.contains(&function) {
                unique.push(function);
            }
        }
        self.calls.evaluations.push(Evaluation {
            body: body_id,
            expr,
            functions: unique.into_boxed_slice(),
            methods: methods.into_boxed_slice(),
            computed,
        });
    }
}

/// The dotted names a piece of source code uses (`helpers.slow` in `helpers.slow(1)` is
/// `["helpers", "slow"]`), read as words: every identifier counts, even one inside a
/// string or a comment, so nothing the code may call is missed.
fn dotted_names(source: &str) -> Vec<Vec<&str>> {
    let mut paths: Vec<Vec<&str>> = Vec::new();
    let mut after_dot = false;
    let mut chars = source.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c == '_' || c.is_alphabetic() {
            let mut end = start + c.len_utf8();
            while let Some(&(index, next)) = chars.peek() {
                if next == '_' || next.is_alphanumeric() {
                    end = index + next.len_utf8();
                    chars.next();
                } else {
                    break;
                }
            }
            let word = &source[start..end];
            match paths.last_mut() {
                Some(path) if after_dot => path.push(word),
                _ => paths.push(vec![word]),
            }
            after_dot = false;
        } else if c.is_ascii_digit() {
            // A number's digits and suffixes (`1e5`, `0x1f`) are not names.
            while let Some(&(_, next)) = chars.peek() {
                if next == '_' || next.is_alphanumeric() || next == '.' {
                    chars.next();
                } else {
                    break;
                }
            }
            after_dot = false;
        } else if c == '.' {
            after_dot = true;
        } else if !c.is_whitespace() && c != ')' && c != ']' {
            after_dot = false;
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::dotted_names;

    #[test]
    fn dotted_names_of_source() {
        assert_eq!(
            dotted_names("helpers.slow(1) + w.step() + 2.5e3 + obj().run"),
            vec![
                vec!["helpers", "slow"],
                vec!["w", "step"],
                vec!["obj", "run"],
            ]
        );
        assert_eq!(dotted_names("x . y"), vec![vec!["x", "y"]]);
    }
}
