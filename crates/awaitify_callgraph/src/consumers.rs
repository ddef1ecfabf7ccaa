//! Who consumes a generator expression, and whether it drains it into a list first.
//!
//! Terms:
//! - A generator expression is **materialized** by its consumer when the consumer turns
//!   the whole iterable into a list before it does anything else with the items, and
//!   nothing else runs between the generator's creation and that: `list(g)`,
//!   `tuple(g)`, `sorted(g, key=len)` (`PySequence_List`, then the sort), and
//!   `"sep".join(g)` or `b"sep".join(g)` (`PySequence_Fast`). Then `[... for ...]`
//!   in its place means the same, and a list comprehension runs in its unit's frame, so
//!   it may await: `",".join(fetch(k) for k in keys)` can become
//!   `",".join([await fetch(k) for k in keys])` ([`Context::Materialized`]). So may its
//!   `for` clauses iterate an async generator with `async for`:
//!   `",".join(str(t) for t in ticks())` can become
//!   `",".join([str(t) async for t in ticks()])` ([`FileCalls::materialized_iteration`]).
//! - Every other consumer keeps the generator expression lazy, and an `await` in it
//!   would make it an async generator, which the consumer cannot iterate: `any`, `all`
//!   and `next` may stop early; `sum`, `min`, `max`, `set`, `frozenset`, `dict`,
//!   `bytes` and `bytearray` run the items' special methods (`__add__`, `__lt__`,
//!   `__hash__`, `__eq__`, `__index__`) as each item arrives, between the calls;
//!   `enumerate`, `zip`, `map`, `filter` and `iter` iterate it only as their own result
//!   is iterated. Each gets a [`Consumption`] that says which.
//!
//! The consumer is resolved, never spelled: `sorted` must resolve to the builtin (not a
//! local function of that name), and `.join` must be called on a `str` or `bytes`
//! literal. Two more conditions keep the list comprehension equivalent: the other
//! arguments (`key=`, `reverse=`), which Python evaluates after the generator is made
//! but before it runs, must neither have effects nor read anything the calls may
//! change (literals, lambdas without defaults, names of builtins, outside or project
//! functions and classes); and no handler of the unit around the call may catch
//! `StopIteration` or `RuntimeError` by name (`except StopIteration:`,
//! `contextlib.suppress(RuntimeError)`), since a `StopIteration` raised inside a
//! generator expression leaves it as a `RuntimeError` (PEP 479) but leaves a list
//! comprehension as itself.

use super::*;

/// How the consumer of a generator expression treats it (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consumption {
    /// The consumer materializes it first: a list comprehension in its place is the
    /// same.
    Materialized,
    /// It is not the argument of a call: kept as a value, returned, or iterated later.
    NotAnArgument,
    /// The argument of a call awaitify does not know to materialize it first.
    UnknownConsumer,
    /// `any`, `all`, `next`: the builtin may stop before the generator is exhausted.
    StopsEarly(&'static str),
    /// `sum`, `min`, `max`, `set`, ...: the builtin runs the items' special methods as
    /// each item arrives, between the calls.
    Interleaves(&'static str),
    /// `enumerate`, `zip`, `map`, ...: the builtin iterates it only as its own result is
    /// iterated.
    Lazy(&'static str),
    /// `.join(...)` on a receiver awaitify cannot tell is a `str` or `bytes`.
    UnknownJoin,
    /// A materializing builtin, with another argument that runs before the generator
    /// (or may be changed by its calls).
    OtherArguments(&'static str),
    /// It awaits or iterates asynchronously already: an async generator.
    AlreadyAsync,
    /// A materializing builtin, inside a `try` (or `contextlib.suppress`) of its unit
    /// whose handler may catch `StopIteration` or `RuntimeError` by name.
    CaughtStopIteration,
}

impl Consumption {
    /// Why an `await` in the generator expression cannot be had by turning it into a
    /// list comprehension; `None` when it can.
    pub fn refusal(self) -> Option<String> {
        self.refusal_for(&Cause::Await)
    }

    /// Why a generator that becomes an async generator cannot be iterated by one of the
    /// generator expression's `for` clauses, as `async for` in a list comprehension in
    /// its place; `None` when it can.
    pub fn iteration_refusal(self) -> Option<String> {
        self.refusal_for(&Cause::AsyncFor)
    }

    fn refusal_for(self, cause: &Cause) -> Option<String> {
        let lazy = match cause {
            Cause::Await => {
                "awaiting inside a generator expression makes it an async generator, which"
            }
            Cause::AsyncFor => {
                "iterating an async generator with `async for` makes a generator expression an async generator, which"
            }
        };
        // What a list comprehension in its place would do before its consumer goes on.
        let (every, its, between, changer) = match cause {
            Cause::Await => (
                "every call would run",
                "its calls would run",
                "the calls",
                "the calls change",
            ),
            Cause::AsyncFor => (
                "the generator would be exhausted",
                "the generator would be exhausted",
                "the items",
                "the generator changes",
            ),
        };
        Some(match self {
            Consumption::Materialized => return None,
            Consumption::NotAnArgument => format!(
                "{lazy} the code that iterates it later cannot iterate; only a generator expression handed straight to `list`, `tuple`, `sorted` or `str.join` can become a list comprehension"
            ),
            Consumption::UnknownConsumer => format!(
                "{lazy} its consumer cannot iterate; awaitify turns it into a list comprehension only when it is handed straight to `list`, `tuple`, `sorted` or `str.join`, which read every item before doing anything else"
            ),
            Consumption::StopsEarly(name) => format!(
                "{lazy} `{name}()` cannot iterate; and as a list comprehension {every}, while `{name}()` may stop at an item before the generator is exhausted"
            ),
            Consumption::Interleaves(name) => {
                let methods = match name {
                    "sum" => "`__add__`",
                    "min" | "max" => "`__lt__` or `__gt__`",
                    "bytes" | "bytearray" => "`__index__`",
                    _ => "`__hash__` and `__eq__`",
                };
                format!(
                    "{lazy} `{name}()` cannot iterate; and as a list comprehension {every} first, while `{name}()` handles each item as it arrives, running the items' {methods} between {between}"
                )
            }
            Consumption::Lazy(name) => format!(
                "{lazy} `{name}()` cannot iterate; and as a list comprehension {every} at once, while `{name}()` iterates the generator only as its own result is iterated"
            ),
            Consumption::UnknownJoin => format!(
                "{lazy} `.join()` cannot iterate; awaitify turns it into a list comprehension only for the `join` of a `str` or `bytes` literal, which reads every item first, and cannot tell what this receiver is"
            ),
            Consumption::OtherArguments(name) => format!(
                "{lazy} `{name}()` cannot iterate; as a list comprehension {its} before the other arguments are evaluated, which may do something or read what {changer} (only literals, lambdas without defaults and names of functions and classes are left in place)"
            ),
            Consumption::AlreadyAsync => {
                "the generator expression awaits already: it is an async generator".to_string()
            }
            Consumption::CaughtStopIteration => format!(
                "{lazy} its consumer cannot iterate; and as a list comprehension a `StopIteration` raised by a call would leave it unchanged, not as the `RuntimeError` a generator expression raises (PEP 479), and a handler around it here names one of the two"
            ),
        })
    }
}

/// What would make a generator expression an async generator.
enum Cause {
    /// An `await` in it.
    Await,
    /// `async for` in one of its `for` clauses, over a generator that becomes async.
    AsyncFor,
}

impl Collector<'_> {
    /// How the call `call`, whose first positional argument is a generator expression
    /// (or a list comprehension, which may await), consumes it.
    pub(crate) fn generator_consumption(
        &mut self,
        body_id: BodyId,
        body: &Body,
        call: ExprId,
        callee: &Resolution,
    ) -> Consumption {
        let Expr::Call {
            func,
            args,
            keywords,
        } = &body.exprs[call]
        else {
            return Consumption::UnknownConsumer;
        };
        if matches!(body.exprs[args[0]], Expr::Generator { .. })
            && is_async_generator_expression(body, args[0])
        {
            return Consumption::AlreadyAsync;
        }
        let only_argument = args.len() == 1 && keywords.is_empty();
        let builtin = match callee {
            Resolution::Definite(Target::Builtin(name)) => Some(name.as_str()),
            Resolution::Definite(Target::External(name)) => name.strip_prefix("builtins."),
            _ => None,
        };
        let consumption = match builtin {
            Some("list") if only_argument => Consumption::Materialized,
            Some("tuple") if only_argument => Consumption::Materialized,
            Some("sorted") if args.len() == 1 => {
                let quiet = keywords.iter().all(|keyword| {
                    keyword.arg.is_some() && self.evaluates_quietly(body_id, body, keyword.value)
                });
                if quiet {
                    Consumption::Materialized
                } else {
                    Consumption::OtherArguments("sorted")
                }
            }
            Some(name) => match builtin_name(name) {
                Some(name @ ("any" | "all" | "next")) => Consumption::StopsEarly(name),
                Some(
                    name @ ("sum" | "min" | "max" | "set" | "frozenset" | "dict" | "bytes"
                    | "bytearray"),
                ) => Consumption::Interleaves(name),
                Some(name @ ("enumerate" | "zip" | "map" | "filter" | "iter")) => {
                    Consumption::Lazy(name)
                }
                _ => Consumption::UnknownConsumer,
            },
            None => match &body.exprs[*func] {
                Expr::Attribute { value, attr, .. } if attr.as_str() == "join" => {
                    if only_argument && self.is_text_or_bytes(body_id, body, *value) {
                        Consumption::Materialized
                    } else {
                        Consumption::UnknownJoin
                    }
                }
                _ => Consumption::UnknownConsumer,
            },
        };
        if consumption == Consumption::Materialized && self.catching_stop_iteration > 0 {
            return Consumption::CaughtStopIteration;
        }
        consumption
    }

    /// Whether `expr` is certainly a `str` or `bytes`: a literal, or a local of a
    /// function that every binding of the function assigns such a literal (unbound, it
    /// raises before the generator is made, either way).
    fn is_text_or_bytes(&mut self, body_id: BodyId, body: &Body, expr: ExprId) -> bool {
        let is_literal = |body: &Body, expr: ExprId| {
            matches!(
                body.exprs[expr],
                Expr::Literal(Literal::Str(_) | Literal::Bytes(_))
            )
        };
        match &body.exprs[expr] {
            _ if is_literal(body, expr) => true,
            Expr::Name { id, .. } if matches!(body_id, BodyId::Function(_)) => {
                let index = self.resolver.index(self.file);
                let scope = index.scope_of_body(body_id);
                let Some(use_id) = index.use_of(body_id, expr) else {
                    return false;
                };
                let bindings = index.bindings_of(scope, id);
                !index.reaching(use_id).is_empty()
                    && index
                        .reaching(use_id)
                        .iter()
                        .all(|binding| index.bindings[*binding].scope == scope)
                    && !bindings.is_empty()
                    && bindings.iter().all(|binding| {
                        let binding = &index.bindings[*binding];
                        binding.body == body_id
                            && matches!(binding.kind, awaitify_semantic::index::BindingKind::Assign { value } if is_literal(body, value))
                    })
            }
            _ => false,
        }
    }

    /// Whether evaluating `expr` has no effect and reads nothing a call may change: a
    /// literal, a lambda without defaults (its body runs only when called), or a name
    /// or attribute that resolves to a builtin, an outside name, or a project function
    /// or class.
    fn evaluates_quietly(&mut self, body_id: BodyId, body: &Body, expr: ExprId) -> bool {
        match &body.exprs[expr] {
            Expr::Literal(_) => true,
            Expr::Lambda { params, .. } => params.iter().all(|param| param.default.is_none()),
            Expr::Name { .. } | Expr::Attribute { .. } => matches!(
                self.resolver.resolve_expr(self.file, body_id, expr),
                Resolution::Definite(
                    Target::Builtin(_)
                        | Target::External(_)
                        | Target::Function { .. }
                        | Target::Class { .. }
                )
            ),
            _ => false,
        }
    }

    /// Whether a handler type (or an argument of `contextlib.suppress`) may catch
    /// `StopIteration` or `RuntimeError` by name: those builtins, a project class that
    /// derives from one, or something awaitify cannot tell. `Exception` and
    /// `BaseException` catch both alike and do not count.
    pub(crate) fn may_catch_stop_iteration(
        &mut self,
        body_id: BodyId,
        body: &Body,
        kind: ExprId,
    ) -> bool {
        let caught = |name: &str| matches!(name, "StopIteration" | "RuntimeError");
        match &body.exprs[kind] {
            Expr::Tuple { elts, .. } => elts
                .iter()
                .any(|element| self.may_catch_stop_iteration(body_id, body, *element)),
            Expr::Name { .. } | Expr::Attribute { .. } => {
                let resolution = self.resolver.resolve_expr(self.file, body_id, kind);
                resolution
                    .into_alternatives()
                    .iter()
                    .any(|alternative| match alternative {
                        Ok(Target::Builtin(name)) => caught(name),
                        Ok(Target::External(name)) => {
                            caught(name.rsplit('.').next().unwrap_or_default())
                        }
                        Ok(Target::Class { file, class, .. }) => {
                            self.derives_from_stop_iteration(*file, *class)
                        }
                        Ok(_) => false,
                        Err(_) => true,
                    })
            }
            _ => true,
        }
    }

    /// A base awaitify cannot name may be either.
    fn derives_from_stop_iteration(&mut self, file: File, class: ClassId) -> bool {
        self.resolver.names_a_base(
            file,
            class,
            |name| matches!(name, "StopIteration" | "RuntimeError"),
            true,
        )
    }

    /// Whether the `with` items or the `try` handlers of `stmt` may catch `StopIteration`
    /// or `RuntimeError` by name from their protected body.
    pub(crate) fn protects_from_stop_iteration(
        &mut self,
        body_id: BodyId,
        body: &Body,
        stmt: StmtId,
    ) -> bool {
        match &body.stmts[stmt] {
            Stmt::Try { handlers, .. } => handlers.iter().any(|handler| {
                handler
                    .type_
                    .is_some_and(|kind| self.may_catch_stop_iteration(body_id, body, kind))
            }),
            Stmt::With { items, .. } => items.iter().any(|item| {
                self.resolver
                    .suppressed_types(self.file, body_id, item.context_expr)
                    .is_some_and(|types| {
                        types
                            .iter()
                            .any(|kind| self.may_catch_stop_iteration(body_id, body, *kind))
                    })
            }),
            _ => false,
        }
    }
}

/// The builtin's name as a `'static` string, for the names [`Consumption`] tells apart.
fn builtin_name(name: &str) -> Option<&'static str> {
    [
        "any",
        "all",
        "next",
        "sum",
        "min",
        "max",
        "set",
        "frozenset",
        "dict",
        "bytes",
        "bytearray",
        "enumerate",
        "zip",
        "map",
        "filter",
        "iter",
    ]
    .into_iter()
    .find(|known| *known == name)
}

/// Whether the generator expression `expr` awaits or iterates asynchronously anywhere
/// inside it, which makes it (or a generator expression in it) an async generator.
fn is_async_generator_expression(body: &Body, expr: ExprId) -> bool {
    let mut found = false;
    let mut stack = vec![expr];
    while let Some(next) = stack.pop() {
        match &body.exprs[next] {
            Expr::Await { .. } => found = true,
            Expr::ListComp { generators, .. }
            | Expr::SetComp { generators, .. }
            | Expr::DictComp { generators, .. }
            | Expr::Generator { generators, .. }
                if generators.iter().any(|generator| generator.is_async) =>
            {
                found = true;
            }
            // A lambda cannot await.
            Expr::Lambda { .. } => continue,
            _ => {}
        }
        if found {
            return true;
        }
        body.exprs[next].walk_children(|child| stack.push(child));
    }
    false
}
