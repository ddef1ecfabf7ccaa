//! Methods taken as values from objects awaitify cannot follow.
//!
//! A **method value** ([`MethodValue`]) is an attribute taken off an object that may be
//! an instance of a project class awaitify did not see (a parameter, `self.api` stored
//! from one, `apis[0]`, what a library call returned), in a position that hands it on:
//! an argument, an element of a container, a branch of a conditional, an operand of
//! `and`/`or`, a lambda's body, a yielded, assigned or returned value (`fn =
//! getattr(api, "users")`, `[self.api.users]`, `partial(get_api().users)`). The bound
//! method may then be called anywhere, synchronously, so every project method of that
//! name must stay synchronous. Reads that only look (`if api.ready:`, `api.items[0]`,
//! the `api.conn` of `api.conn.close()`, an argument of a builtin that only looks at it,
//! `print(api.users)` or `callable(api.users)`) are not method values. `getattr(api, name)`
//! with a computed name, handed on so, may fetch any method whose name it can spell: it
//! is a [`DynamicLookup`] of [`LookupScope::AnyMethod`], as when it is called at once.
//!
//! The scan runs inside the collector's walk: each expression and statement looks at
//! the children it hands on. Whether an object may hold an unseen project instance is
//! [`may_hold_unseen_project_instance`], shared with the computed `getattr` of a call.

use super::*;

/// A method of the name `name` taken as a value at `expr` from an object awaitify
/// cannot follow (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodValue {
    pub body: BodyId,
    pub expr: ExprId,
    pub name: Name,
}

/// Whether an object resolved so may be an instance of a project class awaitify did not
/// see: a parameter, a name bound by a construct whose value is not followed, what a
/// project or library function returned, an instance attribute it does not follow
/// (`self.api`), an element of a container (`apis[0]`), a value that may have been
/// replaced, what Streamlit's `session_state` holds. Values of builtin types (`None`,
/// literals, displays, what `dict(...)` returns) and modules, classes and functions
/// awaitify knows never are; nor are an unbound name or a missing attribute, which raise.
pub fn may_hold_unseen_project_instance(resolution: &Resolution) -> bool {
    match resolution {
        Resolution::Definite(target) => external_may_be_project_instance(target),
        Resolution::Unresolved(reason) => unseen_reason(reason),
        Resolution::Ambiguous(candidates) => candidates
            .iter()
            .any(|candidate| may_be_unseen_project_instance(&candidate.target)),
    }
}

/// [`may_hold_unseen_project_instance`] for one alternative of a resolution.
pub fn may_be_unseen_project_instance(alternative: &Result<Target, Unresolved>) -> bool {
    match alternative {
        Ok(target) => external_may_be_project_instance(target),
        Err(reason) => unseen_reason(reason),
    }
}

fn unseen_reason(reason: &Unresolved) -> bool {
    match reason {
        Unresolved::Parameter
        | Unresolved::Binding(_)
        | Unresolved::ProjectCallResult
        | Unresolved::OpaqueStar(_)
        | Unresolved::Replaced { .. }
        | Unresolved::ReplacedMember(_)
        | Unresolved::ModuleGetattr
        | Unresolved::UnlistedGlobals
        | Unresolved::NotAnInstance { .. }
        | Unresolved::ReplacedClass { .. }
        | Unresolved::ClassAssigned { .. }
        | Unresolved::Wrapped
        | Unresolved::Cycle
        | Unresolved::InstanceAttribute(_)
        | Unresolved::Builtin => true,
        // `apis[0]`, `globals().get(name)`, `(await make())`, `(yield)`, `a + b`: what
        // an item, a computed lookup or an operator gives may be anything.
        Unresolved::Expression(kind) => matches!(
            *kind,
            "subscript" | "call" | "await" | "yield" | "binary" | "unary"
        ),
        Unresolved::Unbound
        | Unresolved::NoAttribute(_)
        | Unresolved::RelativeImport
        | Unresolved::NoneValue
        | Unresolved::BuiltinValue
        | Unresolved::BuiltinMethod => false,
    }
}

/// Whether a target outside the project may be a project instance: what an outside
/// function returned (`copy.copy(w)`, `requests.get(url)`), what Streamlit's
/// `session_state` holds, or a global of the script (`__main__.api`), which may be any
/// project module's.
fn external_may_be_project_instance(target: &Target) -> bool {
    match target {
        Target::External(name) => {
            name.contains("()")
                || name.starts_with("__main__.")
                || name
                    .strip_prefix("streamlit.session_state.")
                    .is_some_and(|held| !held.is_empty())
        }
        _ => false,
    }
}

impl Collector<'_> {
    /// The values `expr` hands on (its arguments, elements, the elements a comprehension
    /// makes, branches, operands, lambda body, yielded value), each looked at by
    /// [`Self::method_value`].
    pub(crate) fn method_values_handed_on_by(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
    ) {
        match &body.exprs[expr] {
            Expr::Call { args, keywords, .. } => {
                for arg in args.iter() {
                    self.method_value(body_id, body, *arg);
                }
                for keyword in keywords.iter() {
                    self.method_value(body_id, body, keyword.value);
                }
            }
            Expr::List { elts, .. }
            | Expr::Tuple { elts, .. }
            | Expr::Set { elts }
            | Expr::BoolOp { values: elts, .. } => {
                for elt in elts.iter() {
                    self.method_value(body_id, body, *elt);
                }
            }
            Expr::Dict { items } => {
                for item in items.iter() {
                    self.method_value(body_id, body, item.value);
                }
            }
            Expr::If {
                body: then, orelse, ..
            } => {
                self.method_value(body_id, body, *then);
                self.method_value(body_id, body, *orelse);
            }
            // Each element a comprehension makes is handed on: `{n: getattr(obj, n) for n
            // in names}`.
            Expr::ListComp { elt, .. }
            | Expr::SetComp { elt, .. }
            | Expr::Generator { elt, .. } => self.method_value(body_id, body, *elt),
            Expr::DictComp { key, value, .. } => {
                self.method_value(body_id, body, *key);
                self.method_value(body_id, body, *value);
            }
            Expr::Lambda { body: value, .. }
            | Expr::Yield { value: Some(value) }
            | Expr::Named { value, .. }
            | Expr::Starred { value, .. } => self.method_value(body_id, body, *value),
            _ => {}
        }
    }

    /// Records `value`, an expression handed on, when it takes a method from an object
    /// that may hold an unseen project instance: `recv.name`, `getattr(recv, "name")`
    /// (with or without a default), or `getattr(recv, name)` with a computed name.
    pub(crate) fn method_value(&mut self, body_id: BodyId, body: &Body, value: ExprId) {
        let (receiver, name) = match &body.exprs[value] {
            Expr::Attribute {
                value: receiver,
                attr,
                ctx: ExprContext::Load,
            } if !attr.starts_with("__") => (*receiver, Some(attr.clone())),
            Expr::Call { .. } if may_be_getattr(body, value) => {
                let Some((object, _)) = self.resolver.getattr_call(self.file, body_id, value)
                else {
                    return;
                };
                let name = self
                    .resolver
                    .literal_getattr(self.file, body_id, value)
                    .map(|(_, name)| name);
                (object, name)
            }
            _ => return,
        };
        if let Some(name) = &name
            && (self.method_value_names.contains(name) || !self.may_name_project_function(name))
        {
            return;
        }
        // `super().users` is the base class's method, which the call graph follows.
        if self
            .resolver
            .super_call(self.file, body_id, receiver)
            .is_some()
        {
            return;
        }
        let resolution = self.resolver.resolve_expr(self.file, body_id, receiver);
        if !may_hold_unseen_project_instance(&resolution) {
            return;
        }
        match name {
            Some(name) => {
                self.method_value_names.insert(name.clone());
                self.calls.method_values.push(MethodValue {
                    body: body_id,
                    expr: value,
                    name,
                });
            }
            // `getattr(api, "on_" + kind)` handed on may fetch any method it can spell.
            None => {
                if let Some((_, key)) = self.resolver.getattr_call(self.file, body_id, value) {
                    self.push_lookup(body_id, body, value, LookupScope::AnyMethod, key);
                }
            }
        }
    }

    /// Whether `attr` may be the name of a project function: one of their names, or the
    /// mangled name of a private method (`_Api__fetch` for `__fetch`).
    fn may_name_project_function(&self, attr: &str) -> bool {
        if self.function_names.contains(attr) {
            return true;
        }
        attr.strip_prefix('_')
            .filter(|rest| !rest.starts_with('_'))
            .and_then(|rest| rest.find("__").map(|at| &rest[at..]))
            .is_some_and(|private| {
                is_private_name(private) && self.function_names.contains(private)
            })
    }
}
