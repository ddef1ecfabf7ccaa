//! Stores that may shadow or replace a method other than `obj.name = value` on an object
//! the resolver follows: a store by name through `setattr`'s other spellings
//! (`object.__setattr__(obj, "load", f)`, `type.__setattr__(Cls, "load", f)`,
//! `obj.__setattr__("load", f)`), a write into an object's namespace (`vars(obj)["load"]
//! = f`, `obj.__dict__.setdefault("load", f)`, `obj.__dict__.update(values)`,
//! `obj.__dict__ = values`, the namespace handed on or kept under another name), and
//! `obj.load = f` on an object awaitify cannot follow (a parameter), which may be an
//! instance of any class.
//!
//! A store by a literal name on an object the resolver follows replaces what that name
//! resolves to (as `obj.name = value` does: `FileCalls::reassigned`); one by a computed
//! name, or of a whole namespace, may replace any method of the object's class family it
//! can spell, and one on an object awaitify cannot follow any method so named
//! (`FileCalls::dynamic_lookups`).
//!
//! Invariant: every way a program can put a value in an instance's `__dict__` without
//! the resolver seeing `obj.name = value` leads here, except through code awaitify does
//! not see (which hands the object on, and is refused elsewhere).

use super::*;

/// What a store writes under.
pub(crate) enum WriteKey {
    /// A literal name.
    Name(Name),
    /// A computed name, by its expression.
    Computed(ExprId),
    /// Any name: a namespace updated, replaced or handed on.
    Any,
}

impl Collector<'_> {
    /// Finds the writes into namespaces of the module doc in the file, and `obj.__dict__ =
    /// values`, and records what each may replace. (`obj.name = value` and the spellings
    /// of `setattr` are found by `collect_reassignments`, which calls
    /// [`Self::attribute_write`] for them.)
    pub(crate) fn collect_other_attribute_writes(&mut self) {
        let hir = self.hir;
        for (body_id, body) in hir.bodies() {
            let mut parents: Option<Vec<Option<ExprId>>> = None;
            for (expr_id, expr) in body.exprs.iter() {
                match expr {
                    // `obj.__dict__ = values`.
                    Expr::Attribute {
                        value,
                        attr,
                        ctx: ExprContext::Store,
                    } if attr == "__dict__" => {
                        self.attribute_write(body_id, expr_id, *value, WriteKey::Any);
                    }
                    _ => {
                        let Some(owner) = self.namespace_owner(body_id, body, expr) else {
                            continue;
                        };
                        let parents = parents.get_or_insert_with(|| parent_map(body));
                        let file = self.file;
                        let resolver = &mut self.resolver;
                        let keys = namespace_writes(body, parents, expr_id, |callee| {
                            only_reads_mappings(&resolver.resolve_expr(file, body_id, callee))
                        });
                        if keys.is_empty() {
                            continue;
                        }
                        // `globals()["fetch"] = f` and the like on a module or a class are
                        // the namespace stores `collect_reassignments` follows.
                        let module_or_class = matches!(
                            owner,
                            Resolution::Definite(Target::ProjectModule(_) | Target::Class { .. })
                        );
                        if module_or_class && is_subscript_store(body, parents, expr_id) {
                            continue;
                        }
                        for key in keys {
                            self.resolved_attribute_write(body_id, expr_id, owner.clone(), key);
                        }
                    }
                }
            }
        }
    }

    /// What the namespace `expr` reads belongs to, when it is `vars(obj)`, `globals()`
    /// (the builtins) or `obj.__dict__`: the object's resolution. A namespace outside the
    /// project's is none of its concern.
    fn namespace_owner(&mut self, body_id: BodyId, body: &Body, expr: &Expr) -> Option<Resolution> {
        let owner = match expr {
            Expr::Attribute {
                value,
                attr,
                ctx: ExprContext::Load,
            } if attr == "__dict__" => self.resolver.resolve_expr(self.file, body_id, *value),
            Expr::Call {
                func,
                args,
                keywords,
            } if args.len() <= 1 && keywords.is_empty() => {
                let Expr::Name { id, .. } = &body.exprs[*func] else {
                    return None;
                };
                let builtin = match (id.as_str(), &args[..]) {
                    ("vars", [_]) => "vars",
                    ("globals", []) => "globals",
                    _ => return None,
                };
                if !matches!(
                    self.resolver.resolve_expr(self.file, body_id, *func),
                    Resolution::Definite(Target::Builtin(name)) if name == builtin
                ) {
                    return None;
                }
                match &args[..] {
                    [object] => self.resolver.resolve_expr(self.file, body_id, *object),
                    _ => Resolution::Definite(Target::ProjectModule(self.file)),
                }
            }
            _ => return None,
        };
        match owner {
            Resolution::Definite(Target::External(_) | Target::Builtin(_)) => None,
            owner => Some(owner),
        }
    }

    /// Records what a store under `key` on `object` may replace (see the module doc).
    pub(crate) fn attribute_write(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        object: ExprId,
        key: WriteKey,
    ) {
        let owner = self.resolver.resolve_expr(self.file, body_id, object);
        self.resolved_attribute_write(body_id, expr, owner, key);
    }

    /// [`Self::attribute_write`] on an object resolved to `owner`.
    fn resolved_attribute_write(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        owner: Resolution,
        key: WriteKey,
    ) {
        let (base, scope) = match owner {
            Resolution::Definite(
                Target::Instance { file, class } | Target::Super { file, class },
            ) => (
                Some(Target::Instance { file, class }),
                LookupScope::Class(file, class),
            ),
            Resolution::Definite(target @ Target::Class { file, class, .. }) => {
                (Some(target), LookupScope::Class(file, class))
            }
            Resolution::Definite(target @ Target::ProjectModule(module)) => {
                (Some(target), LookupScope::Module(module))
            }
            Resolution::Definite(
                Target::External(_) | Target::Builtin(_) | Target::Function { .. },
            ) => {
                return;
            }
            _ => (None, LookupScope::AnyMethod),
        };
        let (prefix, suffix, exact) = match key {
            WriteKey::Name(name) => {
                match base {
                    Some(base) => {
                        let targets = self.resolver.attribute(base, &name).into_targets();
                        self.push_reassigned(body_id, expr, targets);
                        return;
                    }
                    // Only a method can be shadowed on an instance awaitify cannot follow.
                    None if !self.function_names.contains(&name) => return,
                    None => (name, Name::default(), true),
                }
            }
            WriteKey::Computed(key) => {
                let (prefix, suffix) = literal_ends(self.hir.body(body_id), key);
                (
                    Name::from(prefix.as_str()),
                    Name::from(suffix.as_str()),
                    false,
                )
            }
            WriteKey::Any => (Name::default(), Name::default(), false),
        };
        self.calls.dynamic_lookups.push(DynamicLookup {
            body: body_id,
            expr,
            scope,
            prefix,
            suffix,
            exact,
        });
    }
}

/// Each expression's parent expression, by index.
fn parent_map(body: &Body) -> Vec<Option<ExprId>> {
    let mut parents = vec![None; body.exprs.len()];
    for (parent, data) in body.exprs.iter() {
        data.walk_children(|child| parents[child.into_raw().into_u32() as usize] = Some(parent));
    }
    parents
}

/// The keys the namespace `namespace` (`vars(obj)`, `obj.__dict__`) may be written
/// under where it is used: one (`ns["load"] = f`, `ns.setdefault("load", f)`,
/// `ns.__setitem__(name, f)`), those an update names (`ns.update(y=2)`, `ns.update({"y":
/// 2})`), or any (`ns.update(values)`, the namespace kept under another name or handed
/// on). Reads (`ns["load"]`, `ns.get(...)`, `"load" in ns`, `len(ns)`, `dict(ns)`,
/// `{**ns}`, `f(**ns)`, `for k in ns`) write none.
fn namespace_writes(
    body: &Body,
    parents: &[Option<ExprId>],
    namespace: ExprId,
    mut only_reads: impl FnMut(ExprId) -> bool,
) -> Vec<WriteKey> {
    let parent_of = |expr: ExprId| parents[expr.into_raw().into_u32() as usize];
    let key_of = |key: ExprId| match &body.exprs[key] {
        Expr::Literal(Literal::Str(name)) => WriteKey::Name(Name::from(&**name)),
        _ => WriteKey::Computed(key),
    };
    // A statement uses it: iterated (`for k in ns`) or evaluated alone it writes nothing;
    // kept under another name (`d = ns`), returned or yielded it may be written anywhere.
    let Some(parent) = parent_of(namespace) else {
        let read = body.stmts.iter().any(|(_, stmt)| match stmt {
            Stmt::For { iter, .. } => *iter == namespace,
            Stmt::Expr { value } => *value == namespace,
            _ => false,
        });
        return if read {
            Vec::new()
        } else {
            vec![WriteKey::Any]
        };
    };
    match &body.exprs[parent] {
        Expr::Subscript {
            value,
            slice,
            ctx: ExprContext::Store,
        } if *value == namespace => vec![key_of(*slice)],
        Expr::Subscript { value, .. } if *value == namespace => Vec::new(),
        Expr::Attribute { value, attr, .. } if *value == namespace => {
            let call = parent_of(parent).filter(
                |call| matches!(&body.exprs[*call], Expr::Call { func, .. } if *func == parent),
            );
            let Some(Expr::Call { args, keywords, .. }) = call.map(|call| &body.exprs[call]) else {
                return vec![WriteKey::Any];
            };
            match attr.as_str() {
                "get" | "keys" | "values" | "items" | "copy" | "__contains__" | "__len__"
                | "__getitem__" | "pop" | "popitem" | "clear" | "__delitem__" => Vec::new(),
                "setdefault" | "__setitem__" => match args.first() {
                    Some(key) => vec![key_of(*key)],
                    None => vec![WriteKey::Any],
                },
                "update" => updated_names(body, args, keywords)
                    .map(|names| names.into_iter().map(WriteKey::Name).collect())
                    .unwrap_or_else(|| vec![WriteKey::Any]),
                _ => vec![WriteKey::Any],
            }
        }
        Expr::Compare { comparators, .. } if comparators.contains(&namespace) => Vec::new(),
        // Unpacked into a display or a call's keywords: a copy.
        Expr::Dict { items }
            if items
                .iter()
                .any(|item| item.key.is_none() && item.value == namespace) =>
        {
            Vec::new()
        }
        Expr::Call {
            func,
            args,
            keywords,
        } if keywords
            .iter()
            .any(|keyword| keyword.arg.is_none() && keyword.value == namespace)
            || (*func != namespace && args.contains(&namespace) && only_reads(*func)) =>
        {
            Vec::new()
        }
        _ => vec![WriteKey::Any],
    }
}

/// Whether `callee` only reads a mapping handed to it: a builtin such as `len`, `dict`
/// or `print`, or a function outside the project known to (`json.dumps`, `st.write`).
fn only_reads_mappings(callee: &Resolution) -> bool {
    match callee {
        Resolution::Definite(Target::Builtin(name)) => READING_BUILTINS.contains(&name.as_str()),
        Resolution::Definite(Target::External(name)) => READING_OUTSIDE.contains(&name.as_str()),
        _ => false,
    }
}

/// Builtins that only read a mapping handed to them.
const READING_BUILTINS: &[&str] = &[
    "len",
    "list",
    "sorted",
    "set",
    "frozenset",
    "tuple",
    "iter",
    "print",
    "repr",
    "str",
    "dict",
    "any",
    "all",
    "bool",
    "format",
    "hash",
    "id",
    "isinstance",
];

/// Functions outside the project that only read a mapping handed to them.
const READING_OUTSIDE: &[&str] = &[
    "json.dumps",
    "json.dump",
    "pprint.pprint",
    "pprint.pformat",
    "copy.copy",
    "copy.deepcopy",
    "streamlit.write",
    "streamlit.json",
    "streamlit.table",
    "streamlit.dataframe",
];

/// The names `ns.update(...)` writes when it spells them all: keywords
/// (`ns.update(y=2)`) or a dict display with literal keys (`ns.update({"y": 2})`).
fn updated_names(body: &Body, args: &[ExprId], keywords: &[Keyword]) -> Option<Vec<Name>> {
    let mut names: Vec<Name> = Vec::new();
    for keyword in keywords {
        names.push(keyword.arg.clone()?);
    }
    match args {
        [] => {}
        [display] => {
            let Expr::Dict { items } = &body.exprs[*display] else {
                return None;
            };
            for item in items.iter() {
                match item.key.map(|key| &body.exprs[key]) {
                    Some(Expr::Literal(Literal::Str(name))) => names.push(Name::from(&**name)),
                    _ => return None,
                }
            }
        }
        _ => return None,
    }
    Some(names)
}

/// Whether the namespace `namespace` is written by a subscript, `ns[key] = value`.
fn is_subscript_store(body: &Body, parents: &[Option<ExprId>], namespace: ExprId) -> bool {
    parents[namespace.into_raw().into_u32() as usize].is_some_and(|parent| {
        matches!(&body.exprs[parent], Expr::Subscript { value, ctx: ExprContext::Store, .. }
            if *value == namespace)
    })
}

/// Whether `name` is the name parameter of the `__setattr__` (or `__delattr__`) whose body
/// `body` is: `super().__setattr__(name, value)` there performs the store being made
/// (`obj.mode = "x"`, `setattr(obj, key, v)`), which is followed where it is written.
pub(crate) fn forwards_own_store(
    hir: &FileHir,
    body_id: BodyId,
    body: &Body,
    name: ExprId,
) -> bool {
    let BodyId::Function(function) = body_id else {
        return false;
    };
    let function = &hir.functions[function];
    if !matches!(function.name.as_str(), "__setattr__" | "__delattr__") {
        return false;
    }
    let Expr::Name { id, .. } = &body.exprs[name] else {
        return false;
    };
    function
        .params
        .iter()
        .nth(1)
        .is_some_and(|param| param.name == *id)
}
