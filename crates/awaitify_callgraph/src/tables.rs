//! Dispatch tables: a dict display of project functions bound to a name and looked up
//! by key, `COMMANDS = {"load": load, "save": save}` then `COMMANDS[name](arg)` or
//! `handler = COMMANDS.get(name)` (see [`Resolver::table_lookup`]).
//!
//! A lookup gives any of the table's functions: a call through it reaches each, and
//! one taken as a value references each. The functions in the display are not used as
//! values themselves when the table is **contained**: every use of its name in the file
//! looks it up by key, asks for its keys or its length, or tests membership, and
//! nothing reads the file's namespaces by name (`globals()`, `vars()`, `locals()`, code
//! run by `eval` or `exec`).
//! A table bound in a function is then wholly known; one bound at module level may
//! also be read by other modules, so its functions are referenced as usual and listed
//! in [`FileCalls::table_references`], which the coloring drops only for a module no
//! other module imports and none hands on.
//!
//! Invariant: a display's functions go unreferenced only if every use of the table is
//! one of those forms and reaches this binding alone.

use super::*;

/// What the file does with a dispatch table bound by an assignment.
pub(crate) enum TableUse {
    /// Not a contained table: its functions are used as values.
    Escapes,
    /// A contained table bound in a function: no other code can reach it.
    Local,
    /// A contained table bound at module level: other modules may import it.
    Global,
}

impl Collector<'_> {
    /// How the dict display `value`, assigned to the name `target` in `body_id`, is used
    /// (see the module docs).
    pub(crate) fn table_use(
        &mut self,
        body_id: BodyId,
        body: &Body,
        target: ExprId,
        value: ExprId,
    ) -> TableUse {
        let Expr::Dict { items } = &body.exprs[value] else {
            return TableUse::Escapes;
        };
        // Most dict displays hold data: no need to look at their uses.
        if !matches!(body.exprs[target], Expr::Name { .. })
            || matches!(body_id, BodyId::Class(_))
            || items.is_empty()
            || !items.iter().all(|item| {
                item.key.is_some()
                    && matches!(
                        body.exprs[item.value],
                        Expr::Name { .. } | Expr::Attribute { .. }
                    )
            })
        {
            return TableUse::Escapes;
        }
        let index = self.resolver.index(self.file);
        let Some(binding) = index.binding_of(body_id, target) else {
            return TableUse::Escapes;
        };
        let mut found = false;
        for &use_id in self.resolver.binding_uses(self.file).of(binding) {
            let data = &index.uses[use_id];
            // Another binding may reach this use: it may be anything.
            if index.reaching(use_id).len() != 1 {
                return TableUse::Escapes;
            }
            let use_body = self.hir.body(data.body);
            match looks_up_only(use_body, data.expr) {
                Lookup::Direct => {}
                // `len`, `sorted` and the like, unless the file binds the name to
                // something else.
                Lookup::Through(builtin) => {
                    if !matches!(
                        self.resolver.resolve_expr(self.file, data.body, builtin),
                        Resolution::Definite(Target::Builtin(_))
                    ) {
                        return TableUse::Escapes;
                    }
                }
                Lookup::Other => return TableUse::Escapes,
            }
            // The lookups the resolver follows: the same table as seen from the use.
            if self
                .resolver
                .dispatch_table(self.file, data.body, data.expr)
                .is_none()
            {
                return TableUse::Escapes;
            }
            found = true;
        }
        if !found || self.resolver.reads_namespaces(self.file) || self.calls_vars() {
            return TableUse::Escapes;
        }
        match body_id {
            BodyId::Module => TableUse::Global,
            _ => TableUse::Local,
        }
    }

    /// Whether the file names `vars` at all: given a module (`vars(sys.modules[__name__])`),
    /// it reads that module's namespace by key, where uses of its names cannot be seen.
    /// ([`Resolver::reads_namespaces`] counts `vars()` without an argument, `globals()`,
    /// `locals()`, `eval` and `exec`.)
    fn calls_vars(&self) -> bool {
        self.hir.bodies().any(|(_, body)| {
            body.exprs
                .iter()
                .any(|(_, expr)| matches!(expr, Expr::Name { id, .. } if id == "vars"))
        })
    }
}

/// How a use of a table's name reads it.
enum Lookup {
    /// By key (`t[k]`, `t.get(k)`), for its keys or size (`t.keys()`, `for k in t`), or
    /// to test membership (`k in t`).
    Direct,
    /// Handed to the builtin this expression names, which reads its keys or size
    /// (`len(t)`, `sorted(t)`).
    Through(ExprId),
    /// Any other way.
    Other,
}

fn looks_up_only(body: &Body, name: ExprId) -> Lookup {
    let direct = |yes: bool| if yes { Lookup::Direct } else { Lookup::Other };
    let parent = parent_of(body, name);
    match parent.map(|parent| (parent, &body.exprs[parent])) {
        Some((
            _,
            Expr::Subscript {
                value,
                ctx: ExprContext::Load,
                ..
            },
        )) => direct(*value == name),
        // `t.get(k)` and `t.get(k, fallback)` as the resolver follows them: a spread or a
        // keyword could hide a fallback.
        Some((attribute, Expr::Attribute { value, attr, .. })) => direct(
            *value == name
                && matches!(attr.as_str(), "get" | "keys" | "__contains__" | "__len__")
                && parent_of(body, attribute).is_some_and(|call| {
                    matches!(&body.exprs[call], Expr::Call { func, args, keywords }
                    if *func == attribute
                        && (attr != "get"
                            || (matches!(args.len(), 1 | 2)
                                && keywords.is_empty()
                                && !args.iter().any(|arg| {
                                    matches!(body.exprs[*arg], Expr::Starred { .. })
                                }))))
                }),
        ),
        Some((
            _,
            Expr::Compare {
                left,
                ops,
                comparators,
            },
        )) => direct(
            *left != name
                && comparators.contains(&name)
                && ops.iter().all(|op| matches!(op, CmpOp::In | CmpOp::NotIn)),
        ),
        Some((
            _,
            Expr::Call {
                func,
                args,
                keywords,
            },
        )) if **args == [name]
            && keywords.is_empty()
            && matches!(&body.exprs[*func], Expr::Name { id, .. }
                if matches!(id.as_str(), "len" | "list" | "sorted" | "set" | "tuple" | "iter")) =>
        {
            Lookup::Through(*func)
        }
        Some((_, comprehension)) if !comprehension.generators().is_empty() => direct(
            comprehension
                .generators()
                .iter()
                .any(|generator| generator.iter == name),
        ),
        Some(_) => Lookup::Other,
        None => direct(
            body.stmts
                .iter()
                .any(|(_, stmt)| matches!(stmt, Stmt::For { iter, .. } if *iter == name)),
        ),
    }
}

/// The expression that holds `expr` directly, if an expression does.
fn parent_of(body: &Body, expr: ExprId) -> Option<ExprId> {
    body.exprs.iter().find_map(|(parent, data)| {
        let mut holds = false;
        data.walk_children(|child| holds |= child == expr);
        holds.then_some(parent)
    })
}
