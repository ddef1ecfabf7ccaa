//! Methods that a receiver may find in a project subclass.
//!
//! An instance of a project class may be an instance of any project subclass, and `cls`
//! in a classmethod or `type(self)` may be any subclass (a receiver of
//! [`Target::Instance`] or of an inexact [`Target::Class`]). So `receiver.attr` may be
//! an **override**: the method of that name that a subclass defines, whether or not the
//! receiver's own class has one. A call reaches each override (its targets list them);
//! a method **taken** off such a receiver, as a value (`[self.users]`,
//! `partial(cls.users)`, `getattr(self, "users")`) or through a name bound to it (`h =
//! self.users`), may be any override, so each is referenced as the method the receiver's
//! class finds is.
//!
//! Invariant: only methods (functions awaitify follows) count as overrides taken as
//! values; an attribute that no subclass defines as a method (`self.timeout`) takes
//! none.

use super::*;
use awaitify_semantic::index::BindingKind;

/// How many names bound to names [`Collector::methods_taken`] follows (`g = h` after `h =
/// self.users`); a cycle of names (`a = b` and `b = a` in a loop) stops there.
const ALIAS_DEPTH: u32 = 4;

/// What the subclasses of a class override a name with: the methods awaitify follows,
/// and the other bindings as candidates (see [`Collector::overrides_of`]).
pub(crate) type Overrides = (Vec<Target>, Vec<Candidate>);

/// A method taken off `receiver` (an expression of `body`) by the name `attr`.
#[derive(Debug, Clone)]
pub(crate) struct MethodTaken {
    pub body: BodyId,
    pub receiver: ExprId,
    pub attr: Name,
}

impl Collector<'_> {
    /// The methods `expr` takes off a receiver: `recv.attr` or `getattr(recv, "attr")`
    /// itself, or, for a name, what each assignment reaching it binds (`h = self.users`),
    /// or each value a loop or comprehension over a container gives it (`for h in
    /// [self.users, self.groups]`, see `Resolver::iterated_values`), through names bound
    /// to names (`g = h`).
    pub(crate) fn methods_taken(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
    ) -> Vec<MethodTaken> {
        self.methods_taken_within(body_id, body, expr, ALIAS_DEPTH)
    }

    fn methods_taken_within(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
        depth: u32,
    ) -> Vec<MethodTaken> {
        match &body.exprs[expr] {
            Expr::Name { .. } if depth == 0 => Vec::new(),
            Expr::Name { .. } => {
                let index = self.resolver.index(self.file);
                let Some(use_id) = index.use_of(body_id, expr) else {
                    return Vec::new();
                };
                let mut taken = Vec::new();
                for binding in index.reaching(use_id) {
                    let data = &index.bindings[*binding];
                    // Values written in other modules are looked at there.
                    let values: Vec<(BodyId, ExprId)> = match &data.kind {
                        BindingKind::Assign { value } => vec![(data.body, *value)],
                        BindingKind::For { iter: Some(iter) }
                        | BindingKind::ComprehensionTarget { iter: Some(iter) } => self
                            .resolver
                            .iterated_values(self.file, data.body, *iter)
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|(file, _, _)| *file == self.file)
                            .map(|(_, body, value)| (body, value))
                            .collect(),
                        _ => Vec::new(),
                    };
                    for (value_body_id, value) in values {
                        let value_body = self.hir.body(value_body_id);
                        if let Expr::Name { .. } = value_body.exprs[value] {
                            taken.extend(self.methods_taken_within(
                                value_body_id,
                                value_body,
                                value,
                                depth - 1,
                            ));
                        } else {
                            taken.extend(self.method_taken_at(value_body_id, value_body, value));
                        }
                    }
                }
                taken
            }
            _ => self
                .method_taken_at(body_id, body, expr)
                .into_iter()
                .collect(),
        }
    }

    /// `recv.attr` or `getattr(recv, "attr")` at `expr`, when a subclass may override
    /// `attr` (not a private name, which Python mangles per class).
    fn method_taken_at(
        &mut self,
        body_id: BodyId,
        body: &Body,
        expr: ExprId,
    ) -> Option<MethodTaken> {
        let (receiver, attr) = match &body.exprs[expr] {
            Expr::Attribute {
                value,
                attr,
                ctx: ExprContext::Load,
            } => (*value, attr.clone()),
            Expr::Call { .. } => self.resolver.literal_getattr(self.file, body_id, expr)?,
            _ => return None,
        };
        (!is_private_name(&attr)).then_some(MethodTaken {
            body: body_id,
            receiver,
            attr,
        })
    }

    /// The classes whose subclasses may override what `receiver` finds: the class of an
    /// instance, or a class that may be a subclass (`cls`, `type(self)`), for each way
    /// `receiver` resolves.
    pub(crate) fn overridable_classes(
        &mut self,
        body_id: BodyId,
        receiver: ExprId,
    ) -> Vec<(File, ClassId)> {
        let of = |target: &Target| match target {
            Target::Instance { file, class }
            | Target::Class {
                file,
                class,
                exact: false,
            } => Some((*file, *class)),
            _ => None,
        };
        let mut classes: Vec<(File, ClassId)> =
            match self.resolver.resolve_expr(self.file, body_id, receiver) {
                Resolution::Definite(target) => of(&target).into_iter().collect(),
                Resolution::Ambiguous(candidates) => candidates
                    .iter()
                    .filter_map(|candidate| candidate.target.as_ref().ok().and_then(of))
                    .collect(),
                Resolution::Unresolved(_) => Vec::new(),
            };
        classes.dedup();
        classes
    }

    /// What `attr` is in each project subclass of `class` that may find something else
    /// than `class` does: the methods awaitify follows, and, as candidates labelled at the
    /// subclass's binding of the name, what is not one (`load = lambda self: ...`).
    pub(crate) fn overrides_of(&mut self, file: File, class: ClassId, attr: &Name) -> Overrides {
        if self.hierarchy.descendants(file, class).is_empty() {
            return (Vec::new(), Vec::new());
        }
        let key = (file, class, attr.clone());
        if let Some(known) = self.overrides.get(&key) {
            return known.clone();
        }
        let found = self.compute_overrides_of(file, class, attr);
        self.overrides.insert(key, found.clone());
        found
    }

    fn compute_overrides_of(&mut self, file: File, class: ClassId, attr: &Name) -> Overrides {
        let mut methods = Vec::new();
        let mut others = Vec::new();
        for &(sub_file, sub_class) in self.hierarchy.descendants(file, class) {
            let Some(found) = self.override_in(sub_file, sub_class, attr) else {
                continue;
            };
            for candidate in found.into_alternatives() {
                match candidate {
                    Ok(target @ Target::Function { .. }) => {
                        if !methods.contains(&target) {
                            methods.push(target);
                        }
                    }
                    other => {
                        let binding = self
                            .resolver
                            .symbols(sub_file)
                            .classes
                            .get(sub_class)
                            .and_then(|summary| summary.members.get(attr))
                            .and_then(|bindings| bindings.first())
                            .map(|(binding, _)| *binding);
                        others.push(Candidate {
                            file: sub_file,
                            binding,
                            target: other
                                .and(Err(Unresolved::Binding("override that is not a method"))),
                        });
                    }
                }
            }
        }
        (methods, others)
    }

    /// `expr`, used as a value, takes a method off an instance or a class that may be a
    /// subclass: each project subclass's method of that name may be the one taken, and
    /// is referenced there.
    pub(crate) fn record_override_references(
        &mut self,
        body_id: BodyId,
        expr: ExprId,
        decorator: bool,
    ) {
        let body = self.hir.body(body_id);
        for taken in self.methods_taken(body_id, body, expr) {
            if !self.function_names.contains(&taken.attr) {
                continue;
            }
            for (file, class) in self.overridable_classes(taken.body, taken.receiver) {
                let (methods, _) = self.overrides_of(file, class, &taken.attr);
                for target in methods {
                    let reference = Reference {
                        body: body_id,
                        expr,
                        target,
                        decorator,
                    };
                    // The references of one expression are pushed together.
                    let known = self
                        .calls
                        .references
                        .iter()
                        .rev()
                        .take_while(|known| known.body == body_id && known.expr == expr)
                        .any(|known| known.target == reference.target);
                    if !known {
                        self.calls.references.push(reference);
                    }
                }
            }
        }
    }
}
