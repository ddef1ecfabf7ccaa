//! The canonical printer: a normal form as Python source, so a person sees exactly what
//! was compared, and the token stream [`crate::compare`] reads to find a first difference.
//!
//! Printing is deterministic: locals are printed as `<prefix><canonical index>` (`v0`,
//! `v1`, ...; the prefix is chosen per unit so it collides with no name printed as
//! written), everything else as written. Parentheses follow Python's precedence table;
//! tuples, walruses, `yield` and generator expressions are always parenthesized.
//!
//! Invariant: the output parses as Python 3.12 (f-strings may nest quotes as PEP 701
//! allows) and lowering it again gives an equal normal form. A **token** is emitted for
//! each node in pre-order with a key holding the node's own data (kind, operator, name,
//! arity), so two normal forms are equal exactly when their token keys are, and the first
//! differing token locates the first difference.

use std::fmt::Write;
use std::rc::Rc;

use awaitify_hir::hir::{BoolOp, InterpolatedKind, Operator, TypeParamKind, UnaryOp};
use ruff_text_size::TextRange;
use rustc_hash::FxHashSet;

use crate::normal_form::{
    Binding, Block, Class, CodePoint, Comprehension, Expr, ExprKind, Function, Ident,
    InterpolatedPart, Keyword, Literal, Params, Pattern, PyStr, Stmt, StmtKind, TypeParam, Unit,
};

/// A node of a normal form, for messages about a difference.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NodeRef<'a> {
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    Pattern(&'a Pattern),
    Ident(&'a Ident),
    /// The end of a block: a missing statement on this side.
    EndOfBlock,
    /// Structure without source of its own (parameters, handlers, ...).
    Structure,
}

/// One pre-order node of a printed normal form.
#[derive(Debug, Clone)]
pub(crate) struct Token<'a> {
    pub(crate) key: String,
    pub(crate) origin: TextRange,
    pub(crate) node: NodeRef<'a>,
    /// The local-name prefix in effect, to render the node as it was printed.
    pub(crate) prefix: Rc<str>,
}

/// Python's operator precedence, loosest first.
mod precedence {
    pub const LAMBDA: u8 = 1;
    pub const IFEXP: u8 = 2;
    pub const OR: u8 = 3;
    pub const AND: u8 = 4;
    pub const NOT: u8 = 5;
    pub const COMPARE: u8 = 6;
    pub const BIT_OR: u8 = 7;
    pub const BIT_XOR: u8 = 8;
    pub const BIT_AND: u8 = 9;
    pub const SHIFT: u8 = 10;
    pub const ARITH: u8 = 11;
    pub const TERM: u8 = 12;
    pub const UNARY: u8 = 13;
    pub const POWER: u8 = 14;
    pub const AWAIT: u8 = 15;
    pub const PRIMARY: u8 = 16;
    pub const ATOM: u8 = 17;
}
use precedence as p;

/// Prints `unit` as Python source.
pub(crate) fn print_unit(unit: &Unit) -> String {
    let mut printer = Printer::new(unit, false);
    printer.unit(unit);
    printer.out
}

/// The tokens of `unit`, in pre-order.
pub(crate) fn tokens(unit: &Unit) -> Vec<Token<'_>> {
    let mut printer = Printer::new(unit, true);
    printer.unit(unit);
    printer.tokens.unwrap_or_default()
}

/// A one-line rendering of `node` for a message, as the printer shows it.
pub(crate) fn render_node(node: NodeRef<'_>, prefix: &Rc<str>) -> String {
    let mut printer = Printer {
        out: String::new(),
        indent: 0,
        prefix: prefix.clone(),
        tokens: None,
        in_module_scope: false,
        fstring_quotes: Vec::new(),
    };
    let text = match node {
        NodeRef::Stmt(stmt) => {
            printer.stmt(stmt);
            printer
                .out
                .lines()
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        }
        NodeRef::Expr(expr) => printer.expr(expr, p::LAMBDA),
        NodeRef::Pattern(pattern) => printer.pattern(pattern, true),
        NodeRef::Ident(ident) => printer.ident(ident),
        NodeRef::EndOfBlock => return "the end of the block".to_string(),
        NodeRef::Structure => return "this".to_string(),
    };
    const LIMIT: usize = 80;
    if text.chars().count() > LIMIT {
        let cut: String = text.chars().take(LIMIT - 3).collect();
        format!("`{cut}...`")
    } else {
        format!("`{text}`")
    }
}

/// Names the unit prints as written, which a local's printed name must not equal.
fn printed_names(unit: &Unit) -> FxHashSet<String> {
    let mut names = FxHashSet::default();
    crate::normalize::for_each_unit_ident(&mut unit.clone(), &mut |ident| {
        let keep = match ident.binding {
            Binding::Global | Binding::ClassMember | Binding::OwnItem => true,
            Binding::Local { keep_name, .. } => keep_name,
        };
        if keep {
            names.insert(ident.name.to_string());
        }
    });
    names
}

fn choose_prefix(unit: &Unit) -> Rc<str> {
    let names = printed_names(unit);
    let collides = |prefix: &str| {
        names.iter().any(|name| {
            name.strip_prefix(prefix).is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|byte| byte.is_ascii_digit())
            })
        })
    };
    let mut prefix = String::from("v");
    while collides(&prefix) {
        prefix.insert(0, '_');
    }
    prefix.into()
}

struct Printer<'a> {
    out: String,
    indent: usize,
    prefix: Rc<str>,
    tokens: Option<Vec<Token<'a>>>,
    /// Printing statements of a module body, whose items are units of their own.
    in_module_scope: bool,
    /// The quotes of the f-strings being printed, innermost last: strings inside use the
    /// other quote, so the output also parses before Python 3.12 (one level deep).
    fstring_quotes: Vec<char>,
}

impl<'a> Printer<'a> {
    fn new(unit: &Unit, with_tokens: bool) -> Self {
        Self {
            out: String::new(),
            indent: 0,
            prefix: choose_prefix(unit),
            tokens: with_tokens.then(Vec::new),
            in_module_scope: false,
            fstring_quotes: Vec::new(),
        }
    }

    fn token(&mut self, key: impl FnOnce() -> String, origin: TextRange, node: NodeRef<'a>) {
        if let Some(tokens) = &mut self.tokens {
            tokens.push(Token {
                key: key(),
                origin,
                node,
                prefix: self.prefix.clone(),
            });
        }
    }

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("    ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn unit(&mut self, unit: &'a Unit) {
        match unit {
            Unit::Function(function) => self.function(function),
            Unit::Class(class) => self.class(class),
            Unit::Module(block) => {
                self.token(|| "module".into(), TextRange::default(), NodeRef::Structure);
                self.in_module_scope = true;
                for (index, stmt) in block.iter().enumerate() {
                    let is_item = |stmt: &Stmt| {
                        matches!(stmt.kind, StmtKind::FunctionDef(_) | StmtKind::ClassDef(_))
                    };
                    if index > 0 && (is_item(stmt) || is_item(&block[index - 1])) {
                        self.out.push('\n');
                    }
                    self.stmt(stmt);
                }
                self.in_module_scope = false;
                self.token(
                    || "end of module".into(),
                    TextRange::default(),
                    NodeRef::EndOfBlock,
                );
            }
        }
    }

    /// An indented block; `owner` is the range a missing statement is reported at.
    fn block(&mut self, block: &'a Block, owner: TextRange) {
        self.token(|| "block".into(), owner, NodeRef::Structure);
        self.indent += 1;
        if block.is_empty() {
            self.line("pass");
        }
        for stmt in block {
            self.stmt(stmt);
        }
        self.indent -= 1;
        self.token(
            || "end of block".into(),
            TextRange::empty(owner.end()),
            NodeRef::EndOfBlock,
        );
    }

    // ---- items --------------------------------------------------------------------------

    fn function(&mut self, function: &'a Function) {
        self.token(
            || {
                let mut with = Vec::new();
                if !function.decorators.is_empty() {
                    with.push(plural(function.decorators.len(), "decorator"));
                }
                if function.returns.is_some() {
                    with.push("an evaluated return annotation".to_string());
                }
                let with = if with.is_empty() {
                    String::new()
                } else {
                    format!(" with {}", with.join(" and "))
                };
                format!(
                    "{} `{}def`{}",
                    if function.is_generator {
                        "a generator"
                    } else {
                        "a"
                    },
                    if function.is_async { "async " } else { "" },
                    with
                )
            },
            function.origin.0,
            NodeRef::Structure,
        );
        for decorator in &function.decorators {
            let text = self.expr(decorator, p::LAMBDA);
            self.line(&format!("@{text}"));
        }
        let name = self.ident_token(&function.name, function.origin.0);
        let type_params = self.type_params(&function.type_params, function.origin.0);
        let params = self.params(&function.params, function.origin.0, p::LAMBDA);
        let returns = match &function.returns {
            Some(returns) => format!(" -> {}", self.expr(returns, p::IFEXP)),
            None => String::new(),
        };
        let keyword = if function.is_async {
            "async def"
        } else {
            "def"
        };
        self.line(&format!(
            "{keyword} {name}{type_params}({params}){returns}:"
        ));
        self.block(&function.body, function.origin.0);
        if function.is_generator && !contains_yield(&function.body) {
            // Its `yield` was dead code; an unreachable one keeps it a generator.
            self.indent += 1;
            self.line("yield  # unreachable: keeps this function a generator");
            self.indent -= 1;
        }
    }

    fn class(&mut self, class: &'a Class) {
        self.token(
            || {
                format!(
                    "a `class`{}",
                    counted(class.decorators.len(), " with", "decorator")
                )
            },
            class.origin.0,
            NodeRef::Structure,
        );
        for decorator in &class.decorators {
            let text = self.expr(decorator, p::LAMBDA);
            self.line(&format!("@{text}"));
        }
        let name = self.ident_token(&class.name, class.origin.0);
        let type_params = self.type_params(&class.type_params, class.origin.0);
        self.token(
            || format!("a class with {}", plural(class.bases.len(), "base")),
            class.origin.0,
            NodeRef::Structure,
        );
        let mut arguments: Vec<String> = class
            .bases
            .iter()
            .map(|base| self.expr(base, p::IFEXP))
            .collect();
        arguments.extend(self.keywords(&class.keywords, class.origin.0));
        let arguments = if arguments.is_empty() {
            String::new()
        } else {
            format!("({})", arguments.join(", "))
        };
        self.line(&format!("class {name}{type_params}{arguments}:"));
        self.block(&class.body, class.origin.0);
    }

    fn type_params(&mut self, params: &'a [TypeParam], origin: TextRange) -> String {
        self.token(
            || plural(params.len(), "type parameter"),
            origin,
            NodeRef::Structure,
        );
        if params.is_empty() {
            return String::new();
        }
        let printed: Vec<String> = params
            .iter()
            .map(|param| {
                self.token(
                    || {
                        format!(
                            "type parameter {:?} `{}`{}{}",
                            param.kind,
                            param.name,
                            if param.bound.is_some() { " bound" } else { "" },
                            if param.default.is_some() {
                                " default"
                            } else {
                                ""
                            }
                        )
                    },
                    origin,
                    NodeRef::Structure,
                );
                let mut text = match param.kind {
                    TypeParamKind::TypeVar => param.name.to_string(),
                    TypeParamKind::ParamSpec => format!("**{}", param.name),
                    TypeParamKind::TypeVarTuple => format!("*{}", param.name),
                };
                if let Some(bound) = &param.bound {
                    let _ = write!(text, ": {}", self.expr(bound, p::IFEXP));
                }
                if let Some(default) = &param.default {
                    let _ = write!(text, " = {}", self.expr(default, p::IFEXP));
                }
                text
            })
            .collect();
        format!("[{}]", printed.join(", "))
    }

    fn params(&mut self, params: &'a Params, origin: TextRange, default_precedence: u8) -> String {
        self.token(
            || {
                format!(
                    "parameters: {} positional-only, {} positional, {}, {} keyword-only, {}",
                    params.posonly.len(),
                    params.args.len(),
                    if params.vararg.is_some() {
                        "*args"
                    } else {
                        "no *args"
                    },
                    params.kwonly.len(),
                    if params.kwarg.is_some() {
                        "**kwargs"
                    } else {
                        "no **kwargs"
                    },
                )
            },
            origin,
            NodeRef::Structure,
        );
        let mut printed = Vec::new();
        let param = |printer: &mut Self, param: &'a crate::normal_form::Param, star: &str| {
            printer.token(
                || {
                    format!(
                        "{}parameter with{} a default",
                        if param.annotation.is_some() {
                            "annotated "
                        } else {
                            ""
                        },
                        if param.default.is_some() { "" } else { "out" }
                    )
                },
                origin,
                NodeRef::Structure,
            );
            let mut text = format!("{star}{}", printer.ident_token(&param.name, origin));
            if let Some(annotation) = &param.annotation {
                let _ = write!(text, ": {}", printer.expr(annotation, p::IFEXP));
            }
            if let Some(default) = &param.default {
                let equals = if param.annotation.is_some() {
                    " = "
                } else {
                    "="
                };
                let _ = write!(
                    text,
                    "{equals}{}",
                    printer.expr(default, default_precedence)
                );
            }
            text
        };
        for each in &params.posonly {
            printed.push(param(self, each, ""));
        }
        if !params.posonly.is_empty() {
            printed.push("/".to_string());
        }
        for each in &params.args {
            printed.push(param(self, each, ""));
        }
        match &params.vararg {
            Some(vararg) => printed.push(param(self, vararg, "*")),
            None if !params.kwonly.is_empty() => printed.push("*".to_string()),
            None => {}
        }
        for each in &params.kwonly {
            printed.push(param(self, each, ""));
        }
        if let Some(kwarg) = &params.kwarg {
            printed.push(param(self, kwarg, "**"));
        }
        printed.join(", ")
    }

    // ---- statements ---------------------------------------------------------------------

    fn stmt(&mut self, stmt: &'a Stmt) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt_inner(stmt));
    }

    fn stmt_inner(&mut self, stmt: &'a Stmt) {
        let origin = stmt.origin.0;
        self.token(|| stmt_key(stmt), origin, NodeRef::Stmt(stmt));
        match &stmt.kind {
            StmtKind::FunctionDef(function) => {
                if self.in_module_scope {
                    let unit = Unit::Function(function.clone());
                    self.item_unit(&unit, |printer| printer.function(function));
                } else {
                    self.function(function);
                }
            }
            StmtKind::ClassDef(class) => {
                if self.in_module_scope {
                    let unit = Unit::Class(class.clone());
                    self.item_unit(&unit, |printer| printer.class(class));
                } else {
                    self.class(class);
                }
            }
            StmtKind::Return(value) => {
                let value = self.expr(value, p::LAMBDA);
                self.line(&format!("return {value}"));
            }
            StmtKind::Delete(targets) => {
                let targets = self.expr_list(targets, p::BIT_OR);
                self.line(&format!("del {targets}"));
            }
            StmtKind::Assign { targets, value } => {
                let mut text = String::new();
                for target in targets {
                    text.push_str(&self.expr(target, p::LAMBDA));
                    text.push_str(" = ");
                }
                text.push_str(&self.expr(value, p::LAMBDA));
                self.line(&text);
            }
            StmtKind::AugAssign { target, op, value } => {
                let target = self.expr(target, p::LAMBDA);
                let value = self.expr(value, p::LAMBDA);
                self.line(&format!("{target} {}= {value}", op.as_str()));
            }
            StmtKind::AnnAssign {
                target,
                annotation,
                value,
            } => {
                let target = self.expr(target, p::LAMBDA);
                let annotation = match annotation {
                    Some(annotation) => self.expr(annotation, p::LAMBDA),
                    None => "...".to_string(),
                };
                match value {
                    Some(value) => {
                        let value = self.expr(value, p::LAMBDA);
                        self.line(&format!("{target}: {annotation} = {value}"));
                    }
                    None => self.line(&format!("{target}: {annotation}")),
                }
            }
            StmtKind::TypeAlias {
                name,
                type_params,
                value,
            } => {
                let name = self.expr(name, p::ATOM);
                let type_params = self.type_params(type_params, origin);
                let value = self.expr(value, p::LAMBDA);
                self.line(&format!("type {name}{type_params} = {value}"));
            }
            StmtKind::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => {
                let target = self.expr(target, p::LAMBDA);
                let iter = self.expr(iter, p::LAMBDA);
                let keyword = if *is_async { "async for" } else { "for" };
                self.line(&format!("{keyword} {target} in {iter}:"));
                self.block(body, origin);
                self.else_block(orelse, origin);
            }
            StmtKind::While { test, body, orelse } => {
                let test = self.expr(test, p::LAMBDA);
                self.line(&format!("while {test}:"));
                self.block(body, origin);
                self.else_block(orelse, origin);
            }
            StmtKind::If { test, body, orelse } => self.if_chain(test, body, orelse, origin, "if"),
            StmtKind::With {
                is_async,
                items,
                body,
            } => {
                let items: Vec<String> = items
                    .iter()
                    .map(|item| {
                        self.token(
                            || {
                                if item.optional_vars.is_some() {
                                    "with item `as`".into()
                                } else {
                                    "with item".into()
                                }
                            },
                            item.context_expr.origin.0,
                            NodeRef::Expr(&item.context_expr),
                        );
                        let context = self.expr(&item.context_expr, p::IFEXP);
                        match &item.optional_vars {
                            Some(vars) => format!("{context} as {}", self.expr(vars, p::ATOM)),
                            None => context,
                        }
                    })
                    .collect();
                let keyword = if *is_async { "async with" } else { "with" };
                self.line(&format!("{keyword} {}:", items.join(", ")));
                self.block(body, origin);
            }
            StmtKind::Match { subject, cases } => {
                let subject = self.expr(subject, p::LAMBDA);
                self.line(&format!("match {subject}:"));
                self.indent += 1;
                for case in cases {
                    self.token(
                        || {
                            if case.guard.is_some() {
                                "case with a guard".into()
                            } else {
                                "case".into()
                            }
                        },
                        origin,
                        NodeRef::Pattern(&case.pattern),
                    );
                    let pattern = self.pattern(&case.pattern, true);
                    match &case.guard {
                        Some(guard) => {
                            let guard = self.expr(guard, p::LAMBDA);
                            self.line(&format!("case {pattern} if {guard}:"));
                        }
                        None => self.line(&format!("case {pattern}:")),
                    }
                    self.block(&case.body, origin);
                }
                self.indent -= 1;
            }
            StmtKind::Raise { exc, cause } => {
                let mut text = "raise".to_string();
                if let Some(exc) = exc {
                    let _ = write!(text, " {}", self.expr(exc, p::LAMBDA));
                }
                if let Some(cause) = cause {
                    let _ = write!(text, " from {}", self.expr(cause, p::LAMBDA));
                }
                self.line(&text);
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
                is_star,
            } => {
                self.line("try:");
                self.block(body, origin);
                for handler in handlers {
                    self.token(
                        || {
                            format!(
                                "except{}{}",
                                if handler.type_.is_some() { " type" } else { "" },
                                if handler.name.is_some() { " as" } else { "" }
                            )
                        },
                        handler.origin.0,
                        NodeRef::Structure,
                    );
                    let mut text = if *is_star { "except*" } else { "except" }.to_string();
                    if let Some(type_) = &handler.type_ {
                        let _ = write!(text, " {}", self.expr(type_, p::IFEXP));
                    }
                    if let Some(name) = &handler.name {
                        let _ = write!(text, " as {}", self.ident_token(name, handler.origin.0));
                    }
                    text.push(':');
                    self.line(&text);
                    self.block(&handler.body, handler.origin.0);
                }
                self.else_block(orelse, origin);
                if finalbody.is_empty() && !handlers.is_empty() {
                    self.empty_block_tokens(origin);
                } else {
                    self.line("finally:");
                    self.block(finalbody, origin);
                }
            }
            StmtKind::Assert { test, msg } => {
                let mut text = format!("assert {}", self.expr(test, p::LAMBDA));
                if let Some(msg) = msg {
                    let _ = write!(text, ", {}", self.expr(msg, p::LAMBDA));
                }
                self.line(&text);
            }
            StmtKind::Import(names) => {
                let names: Vec<String> = names
                    .iter()
                    .map(|alias| self.import_alias(alias, origin, true))
                    .collect();
                self.line(&format!("import {}", names.join(", ")));
            }
            StmtKind::ImportFrom {
                module,
                level,
                names,
            } => {
                let names: Vec<String> = names
                    .iter()
                    .map(|alias| self.import_alias(alias, origin, false))
                    .collect();
                let dots = ".".repeat(*level as usize);
                let module = module.as_ref().map(|module| module.as_str()).unwrap_or("");
                self.line(&format!("from {dots}{module} import {}", names.join(", ")));
            }
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                let keyword = if matches!(stmt.kind, StmtKind::Global(_)) {
                    "global"
                } else {
                    "nonlocal"
                };
                let names: Vec<String> = names
                    .iter()
                    .map(|name| self.ident_token(name, origin))
                    .collect();
                self.line(&format!("{keyword} {}", names.join(", ")));
            }
            StmtKind::Expr(value) => {
                let value = self.expr(value, p::LAMBDA);
                self.line(&value);
            }
            StmtKind::Break => self.line("break"),
            StmtKind::Continue => self.line("continue"),
            StmtKind::Unparsable(_) => self.line("pass  # could not be parsed"),
        }
    }

    /// Prints a module-level item, which was normalized as a unit of its own, with its
    /// own local-name prefix.
    fn item_unit(&mut self, unit: &Unit, print: impl FnOnce(&mut Self)) {
        let prefix = choose_prefix(unit);
        let outer_prefix = std::mem::replace(&mut self.prefix, prefix);
        self.in_module_scope = false;
        print(self);
        self.in_module_scope = true;
        self.prefix = outer_prefix;
    }

    fn import_alias(
        &mut self,
        alias: &'a crate::normal_form::ImportAlias,
        origin: TextRange,
        plain_import: bool,
    ) -> String {
        self.token(
            || {
                format!(
                    "import of `{}`{}",
                    alias.name,
                    if alias.binds_root {
                        " binding its root package"
                    } else {
                        ""
                    }
                )
            },
            origin,
            NodeRef::Structure,
        );
        let Some(bound) = &alias.bound else {
            return alias.name.to_string();
        };
        let bound = self.ident_token(bound, origin);
        if alias.binds_root
            || (bound == alias.name.as_str() && !(plain_import && alias.name.contains('.')))
        {
            alias.name.to_string()
        } else {
            format!("{} as {bound}", alias.name)
        }
    }

    fn else_block(&mut self, orelse: &'a Block, origin: TextRange) {
        if orelse.is_empty() {
            self.empty_block_tokens(origin);
        } else {
            self.line("else:");
            self.block(orelse, origin);
        }
    }

    /// The tokens of an empty optional block (`else`, `finally`), which is not printed.
    fn empty_block_tokens(&mut self, owner: TextRange) {
        self.token(|| "block".into(), owner, NodeRef::Structure);
        self.token(
            || "end of block".into(),
            TextRange::empty(owner.end()),
            NodeRef::EndOfBlock,
        );
    }

    fn if_chain(
        &mut self,
        test: &'a Expr,
        body: &'a Block,
        orelse: &'a Block,
        origin: TextRange,
        keyword: &str,
    ) {
        let test = self.expr(test, p::LAMBDA);
        self.line(&format!("{keyword} {test}:"));
        self.block(body, origin);
        match orelse.as_slice() {
            [] => self.empty_block_tokens(origin),
            [
                elif @ Stmt {
                    kind:
                        StmtKind::If {
                            test,
                            body: elif_body,
                            orelse: elif_orelse,
                        },
                    ..
                },
            ] => {
                // Tokens as if the `elif` were a nested `if` in the `else` block.
                self.token(|| "block".into(), origin, NodeRef::Structure);
                self.token(|| stmt_key(elif), elif.origin.0, NodeRef::Stmt(elif));
                self.if_chain(test, elif_body, elif_orelse, elif.origin.0, "elif");
                self.token(
                    || "end of block".into(),
                    TextRange::empty(origin.end()),
                    NodeRef::EndOfBlock,
                );
            }
            _ => {
                self.line("else:");
                self.block(orelse, origin);
            }
        }
    }

    // ---- expressions --------------------------------------------------------------------

    fn ident(&self, ident: &Ident) -> String {
        match ident.binding {
            Binding::Local {
                keep_name: false,
                canonical,
                ..
            } => format!("{}{canonical}", self.prefix),
            _ => ident.name.to_string(),
        }
    }

    fn ident_token(&mut self, ident: &'a Ident, origin: TextRange) -> String {
        self.token(|| ident_key(ident), origin, NodeRef::Ident(ident));
        self.ident(ident)
    }

    fn expr_list(&mut self, exprs: &'a [Expr], precedence: u8) -> String {
        let printed: Vec<String> = exprs
            .iter()
            .map(|expr| self.expr(expr, precedence))
            .collect();
        printed.join(", ")
    }

    fn keywords(&mut self, keywords: &'a [Keyword], origin: TextRange) -> Vec<String> {
        keywords
            .iter()
            .map(|keyword| {
                self.token(
                    || match &keyword.arg {
                        Some(arg) => format!("keyword argument `{arg}`"),
                        None => "`**` argument".into(),
                    },
                    origin,
                    NodeRef::Structure,
                );
                let value = self.expr(&keyword.value, p::IFEXP);
                match &keyword.arg {
                    Some(arg) => format!("{arg}={value}"),
                    None => format!("**{value}"),
                }
            })
            .collect()
    }

    /// `expr` printed so that it binds at least as tightly as `min`.
    fn expr(&mut self, expr: &'a Expr, min: u8) -> String {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.token(|| expr_key(expr), expr.origin.0, NodeRef::Expr(expr));
            let (text, own) = self.expr_inner(expr);
            if own < min { format!("({text})") } else { text }
        })
    }

    fn expr_inner(&mut self, expr: &'a Expr) -> (String, u8) {
        let origin = expr.origin.0;
        match &expr.kind {
            ExprKind::Name(ident) => (self.ident_token(ident, origin), p::ATOM),
            ExprKind::Literal(literal) => {
                let text = match (literal, self.fstring_quotes.last()) {
                    (Literal::Str(value), Some(&outer)) => {
                        let quote = other_quote(outer);
                        format!("{quote}{}{quote}", escape_str(value, quote, false))
                    }
                    _ => literal_text(literal, '\''),
                };
                (text, p::ATOM)
            }
            ExprKind::Interpolated { kind, parts } => {
                let prefix = match kind {
                    InterpolatedKind::FString => "f",
                    InterpolatedKind::TString => "t",
                };
                let quote = self
                    .fstring_quotes
                    .last()
                    .map_or('"', |&outer| other_quote(outer));
                self.fstring_quotes.push(quote);
                let body = self.interpolated(parts, quote);
                self.fstring_quotes.pop();
                (format!("{prefix}{quote}{body}{quote}"), p::ATOM)
            }
            ExprKind::BoolOp { op, values } => {
                let (own, word) = match op {
                    BoolOp::And => (p::AND, " and "),
                    BoolOp::Or => (p::OR, " or "),
                };
                let printed: Vec<String> = values
                    .iter()
                    .map(|value| self.expr(value, own + 1))
                    .collect();
                (printed.join(word), own)
            }
            ExprKind::Named { target, value } => {
                let target = self.ident_token(target, origin);
                let value = self.expr(value, p::IFEXP);
                (format!("({target} := {value})"), p::ATOM)
            }
            ExprKind::BinOp { left, op, right } => {
                let own = binary_precedence(*op);
                let (left_min, right_min) = if *op == Operator::Pow {
                    (p::AWAIT, p::UNARY)
                } else {
                    (own, own + 1)
                };
                let left = self.expr(left, left_min);
                let right = self.expr(right, right_min);
                (format!("{left} {} {right}", op.as_str()), own)
            }
            ExprKind::UnaryOp { op, operand } => match op {
                UnaryOp::Not => (format!("not {}", self.expr(operand, p::NOT)), p::NOT),
                _ => (
                    format!("{}{}", op.as_str(), self.expr(operand, p::UNARY)),
                    p::UNARY,
                ),
            },
            ExprKind::Lambda { params, body, .. } => {
                let params = self.params(params, origin, p::IFEXP);
                let body = self.expr(body, p::LAMBDA);
                if params.is_empty() {
                    (format!("lambda: {body}"), p::LAMBDA)
                } else {
                    (format!("lambda {params}: {body}"), p::LAMBDA)
                }
            }
            ExprKind::IfExp { test, body, orelse } => {
                let body = self.expr(body, p::OR);
                let test = self.expr(test, p::OR);
                let orelse = self.expr(orelse, p::IFEXP);
                (format!("{body} if {test} else {orelse}"), p::IFEXP)
            }
            ExprKind::Dict(items) => {
                let printed: Vec<String> = items
                    .iter()
                    .map(|item| match &item.key {
                        Some(key) => {
                            let key = self.expr(key, p::IFEXP);
                            let value = self.expr(&item.value, p::IFEXP);
                            format!("{key}: {value}")
                        }
                        None => format!("**{}", self.expr(&item.value, p::BIT_OR)),
                    })
                    .collect();
                (format!("{{{}}}", printed.join(", ")), p::ATOM)
            }
            ExprKind::Set(elts) => (format!("{{{}}}", self.expr_list(elts, p::IFEXP)), p::ATOM),
            ExprKind::List(elts) => (format!("[{}]", self.expr_list(elts, p::IFEXP)), p::ATOM),
            ExprKind::Tuple(elts) => {
                let text = match elts.as_slice() {
                    [single] => format!("({},)", self.expr(single, p::IFEXP)),
                    _ => format!("({})", self.expr_list(elts, p::IFEXP)),
                };
                (text, p::ATOM)
            }
            ExprKind::ListComp {
                elt, generators, ..
            } => {
                let elt = self.expr(elt, p::IFEXP);
                let generators = self.generators(generators);
                (format!("[{elt}{generators}]"), p::ATOM)
            }
            ExprKind::SetComp {
                elt, generators, ..
            } => {
                let elt = self.expr(elt, p::IFEXP);
                let generators = self.generators(generators);
                (format!("{{{elt}{generators}}}"), p::ATOM)
            }
            ExprKind::Generator {
                elt, generators, ..
            } => {
                let elt = self.expr(elt, p::IFEXP);
                let generators = self.generators(generators);
                (format!("({elt}{generators})"), p::ATOM)
            }
            ExprKind::DictComp {
                key,
                value,
                generators,
                ..
            } => {
                let key = self.expr(key, p::IFEXP);
                let value = self.expr(value, p::IFEXP);
                let generators = self.generators(generators);
                (format!("{{{key}: {value}{generators}}}"), p::ATOM)
            }
            ExprKind::Await(value) => (format!("await {}", self.expr(value, p::PRIMARY)), p::AWAIT),
            ExprKind::Yield(value) => match value {
                Some(value) => (format!("(yield {})", self.expr(value, p::IFEXP)), p::ATOM),
                None => ("(yield)".to_string(), p::ATOM),
            },
            ExprKind::YieldFrom(value) => (
                format!("(yield from {})", self.expr(value, p::IFEXP)),
                p::ATOM,
            ),
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                let mut text = self.expr(left, p::BIT_OR);
                for (op, comparator) in ops.iter().zip(comparators) {
                    let _ = write!(
                        text,
                        " {} {}",
                        op.as_str(),
                        self.expr(comparator, p::BIT_OR)
                    );
                }
                (text, p::COMPARE)
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                let func = self.expr(func, p::PRIMARY);
                let mut arguments: Vec<String> =
                    args.iter().map(|arg| self.expr(arg, p::IFEXP)).collect();
                arguments.extend(self.keywords(keywords, origin));
                (format!("{func}({})", arguments.join(", ")), p::PRIMARY)
            }
            ExprKind::Attribute { value, attr } => {
                let mut base = self.expr(value, p::PRIMARY);
                if matches!(value.kind, ExprKind::Literal(Literal::Int(_))) {
                    base = format!("({base})");
                }
                (format!("{base}.{attr}"), p::PRIMARY)
            }
            ExprKind::Subscript { value, slice } => {
                let value = self.expr(value, p::PRIMARY);
                let slice = match &slice.kind {
                    ExprKind::Tuple(elts) if !elts.is_empty() => {
                        self.token(|| expr_key(slice), slice.origin.0, NodeRef::Expr(slice));
                        let printed = self.expr_list(elts, p::IFEXP);
                        if elts.len() == 1 {
                            format!("{printed},")
                        } else {
                            printed
                        }
                    }
                    _ => self.expr(slice, p::IFEXP),
                };
                (format!("{value}[{slice}]"), p::PRIMARY)
            }
            ExprKind::Starred(value) => (format!("*{}", self.expr(value, p::BIT_OR)), p::ATOM),
            ExprKind::Slice { lower, upper, step } => {
                let mut part = |part: &'a Option<Box<Expr>>| {
                    part.as_deref()
                        .map(|part| self.expr(part, p::IFEXP))
                        .unwrap_or_default()
                };
                let lower = part(lower);
                let upper = part(upper);
                let text = match step {
                    Some(_) => format!("{lower}:{upper}:{}", part(step)),
                    None => format!("{lower}:{upper}"),
                };
                (text, p::ATOM)
            }
            ExprKind::Unparsable(_) => ("__unparsable__".to_string(), p::ATOM),
        }
    }

    fn generators(&mut self, generators: &'a [Comprehension]) -> String {
        let mut text = String::new();
        for generator in generators {
            let target = self.expr(&generator.target, p::ATOM);
            let iter = self.expr(&generator.iter, p::OR + 1);
            let keyword = if generator.is_async {
                " async for"
            } else {
                " for"
            };
            let _ = write!(text, "{keyword} {target} in {iter}");
            for condition in &generator.ifs {
                let _ = write!(text, " if {}", self.expr(condition, p::OR + 1));
            }
        }
        text
    }

    fn interpolated(&mut self, parts: &'a [InterpolatedPart], quote: char) -> String {
        let mut text = String::new();
        for part in parts {
            match part {
                InterpolatedPart::Literal(literal) => {
                    text.push_str(&escape_str(literal, quote, true));
                }
                InterpolatedPart::Interpolation {
                    expr,
                    conversion,
                    format_spec,
                } => {
                    let printed = self.expr(expr, p::IFEXP);
                    text.push('{');
                    if printed.starts_with('{') {
                        text.push(' ');
                    }
                    text.push_str(&printed);
                    if let Some(conversion) = conversion {
                        text.push('!');
                        text.push(*conversion);
                    }
                    if let Some(spec) = format_spec {
                        text.push(':');
                        text.push_str(&self.interpolated(spec, quote));
                    }
                    text.push('}');
                }
            }
        }
        text
    }

    fn pattern(&mut self, pattern: &'a Pattern, top: bool) -> String {
        self.token(
            || pattern_key(pattern),
            TextRange::default(),
            NodeRef::Pattern(pattern),
        );
        let group = |text: String| if top { text } else { format!("({text})") };
        match pattern {
            Pattern::Value(value) => self.expr(value, p::BIT_OR),
            Pattern::Singleton(literal) => literal_text(literal, '\''),
            Pattern::Sequence(patterns) => {
                let printed: Vec<String> = patterns
                    .iter()
                    .map(|pattern| self.pattern(pattern, false))
                    .collect();
                format!("[{}]", printed.join(", "))
            }
            Pattern::Mapping {
                keys,
                patterns,
                rest,
            } => {
                let mut printed: Vec<String> = keys
                    .iter()
                    .zip(patterns)
                    .map(|(key, pattern)| {
                        let key = self.expr(key, p::BIT_OR);
                        format!("{key}: {}", self.pattern(pattern, false))
                    })
                    .collect();
                if let Some(rest) = rest {
                    printed.push(format!(
                        "**{}",
                        self.ident_token(rest, TextRange::default())
                    ));
                }
                format!("{{{}}}", printed.join(", "))
            }
            Pattern::Class {
                cls,
                patterns,
                kwd_attrs,
                kwd_patterns,
            } => {
                let cls = self.expr(cls, p::PRIMARY);
                let mut printed: Vec<String> = patterns
                    .iter()
                    .map(|pattern| self.pattern(pattern, false))
                    .collect();
                for (attr, pattern) in kwd_attrs.iter().zip(kwd_patterns) {
                    printed.push(format!("{attr}={}", self.pattern(pattern, false)));
                }
                format!("{cls}({})", printed.join(", "))
            }
            Pattern::Star(name) => match name {
                Some(name) => format!("*{}", self.ident_token(name, TextRange::default())),
                None => "*_".to_string(),
            },
            Pattern::As { pattern, name } => {
                let name = match name {
                    Some(name) => self.ident_token(name, TextRange::default()),
                    None => "_".to_string(),
                };
                match pattern {
                    Some(pattern) => group(format!("{} as {name}", self.pattern(pattern, false))),
                    None => name,
                }
            }
            Pattern::Or(patterns) => {
                let printed: Vec<String> = patterns
                    .iter()
                    .map(|pattern| self.pattern(pattern, false))
                    .collect();
                group(printed.join(" | "))
            }
        }
    }
}

/// Whether `block` still yields (outside nested functions and lambdas).
fn contains_yield(block: &Block) -> bool {
    fn in_expr(expr: &mut Expr) -> bool {
        match &mut expr.kind {
            ExprKind::Yield(_) | ExprKind::YieldFrom(_) => true,
            ExprKind::Lambda { .. } => false,
            _ => crate::visit::expr_children_mut(expr)
                .into_iter()
                .any(in_expr),
        }
    }
    fn in_block(block: &mut Block) -> bool {
        block.iter_mut().any(|stmt| {
            crate::visit::stmt_exprs_mut(stmt).into_iter().any(in_expr)
                || crate::visit::blocks_mut(stmt, false)
                    .into_iter()
                    .any(in_block)
        })
    }
    in_block(&mut block.clone())
}

fn other_quote(quote: char) -> char {
    if quote == '"' { '\'' } else { '"' }
}

fn binary_precedence(op: Operator) -> u8 {
    match op {
        Operator::BitOr => p::BIT_OR,
        Operator::BitXor => p::BIT_XOR,
        Operator::BitAnd => p::BIT_AND,
        Operator::LShift | Operator::RShift => p::SHIFT,
        Operator::Add | Operator::Sub => p::ARITH,
        Operator::Mult | Operator::MatMult | Operator::Div | Operator::Mod | Operator::FloorDiv => {
            p::TERM
        }
        Operator::Pow => p::POWER,
    }
}

fn float_text(bits: u64) -> String {
    let value = f64::from_bits(bits);
    if value.is_infinite() {
        "1e999".to_string()
    } else if value.is_nan() {
        "float('nan')".to_string()
    } else {
        format!("{value:?}")
    }
}

/// A literal as Python source; strings prefer the `quote` character.
pub(crate) fn literal_text(literal: &Literal, quote: char) -> String {
    match literal {
        Literal::None => "None".to_string(),
        Literal::Bool(true) => "True".to_string(),
        Literal::Bool(false) => "False".to_string(),
        Literal::Ellipsis => "...".to_string(),
        Literal::Int(value) => value.to_string(),
        Literal::Float(bits) => float_text(*bits),
        Literal::Complex(bits) => format!("{}j", float_text(*bits)),
        Literal::Str(value) => {
            let other = if quote == '\'' { '"' } else { '\'' };
            let chosen = if value.contains(quote) && !value.contains(other) {
                other
            } else {
                quote
            };
            format!("{chosen}{}{chosen}", escape_str(value, chosen, false))
        }
        Literal::Bytes(bytes) => {
            let mut text = String::from("b'");
            for &byte in bytes.iter() {
                match byte {
                    b'\\' => text.push_str("\\\\"),
                    b'\'' => text.push_str("\\'"),
                    b'\n' => text.push_str("\\n"),
                    b'\r' => text.push_str("\\r"),
                    b'\t' => text.push_str("\\t"),
                    0x20..=0x7e => text.push(byte as char),
                    _ => {
                        let _ = write!(text, "\\x{byte:02x}");
                    }
                }
            }
            text.push('\'');
            text
        }
    }
}

/// The body of a string literal delimited by `quote`; `braces` doubles `{` and `}` for
/// the literal parts of an f-string.
fn escape_str(value: &PyStr, quote: char, braces: bool) -> String {
    let mut text = String::new();
    for point in value.code_points() {
        let c = match point {
            CodePoint::Char(c) => c,
            CodePoint::Surrogate(surrogate) => {
                let _ = write!(text, "\\u{surrogate:04x}");
                continue;
            }
        };
        match c {
            '\\' => text.push_str("\\\\"),
            '\n' => text.push_str("\\n"),
            '\r' => text.push_str("\\r"),
            '\t' => text.push_str("\\t"),
            '{' | '}' if braces => {
                text.push(c);
                text.push(c);
            }
            c if c == quote => {
                text.push('\\');
                text.push(c);
            }
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                let code = c as u32;
                if code < 0x100 {
                    let _ = write!(text, "\\x{code:02x}");
                } else {
                    let _ = write!(text, "\\u{code:04x}");
                }
            }
            c => text.push(c),
        }
    }
    text
}

/// `1 item`, `2 items`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// ` with 2 decorators`, or nothing for none.
fn counted(count: usize, before: &str, noun: &str) -> String {
    if count == 0 {
        String::new()
    } else {
        format!("{before} {}", plural(count, noun))
    }
}

fn ident_key(ident: &Ident) -> String {
    match &ident.binding {
        Binding::Global => format!("the global `{}`", ident.name),
        Binding::ClassMember => format!("the class member `{}`", ident.name),
        Binding::OwnItem => "the item's own name".to_string(),
        Binding::Local {
            keep_name: true,
            canonical,
            ..
        } => format!("local #{canonical} `{}`", ident.name),
        Binding::Local { canonical, .. } => format!("local #{canonical}"),
    }
}

fn stmt_key(stmt: &Stmt) -> String {
    match &stmt.kind {
        StmtKind::FunctionDef(_) => "a `def`".into(),
        StmtKind::ClassDef(_) => "a `class`".into(),
        StmtKind::Return(_) => "a `return`".into(),
        StmtKind::Delete(targets) => format!("a `del` of {}", plural(targets.len(), "target")),
        StmtKind::Assign { targets, .. } => match targets.len() {
            1 => "an assignment".into(),
            count => format!("an assignment to {count} targets"),
        },
        StmtKind::AugAssign { op, .. } => format!("an augmented assignment `{}=`", op.as_str()),
        StmtKind::AnnAssign {
            annotation, value, ..
        } => format!(
            "an annotated assignment{}{}",
            if annotation.is_some() {
                ""
            } else {
                " (declaration)"
            },
            if value.is_some() { " with a value" } else { "" }
        ),
        StmtKind::TypeAlias { .. } => "a `type` alias".into(),
        StmtKind::For { is_async, .. } => {
            format!("{}`for` loop", if *is_async { "an async " } else { "a " })
        }
        StmtKind::While { .. } => "a `while` loop".into(),
        StmtKind::If { .. } => "an `if`".into(),
        StmtKind::With {
            is_async, items, ..
        } => format!(
            "{}`with` of {} items",
            if *is_async { "an async " } else { "a " },
            items.len()
        ),
        StmtKind::Match { cases, .. } => format!("a `match` with {} cases", cases.len()),
        StmtKind::Raise { exc, cause } => format!(
            "a `raise`{}{}",
            if exc.is_some() {
                " with an exception"
            } else {
                ""
            },
            if cause.is_some() { " and a cause" } else { "" }
        ),
        StmtKind::Try {
            handlers, is_star, ..
        } => format!(
            "a `try` with {} `except{}`",
            plural(handlers.len(), "handler"),
            if *is_star { "*" } else { "" }
        ),
        StmtKind::Assert { msg, .. } => format!(
            "an `assert`{}",
            if msg.is_some() { " with a message" } else { "" }
        ),
        StmtKind::Import(names) => format!("an `import` of {}", plural(names.len(), "name")),
        StmtKind::ImportFrom {
            module,
            level,
            names,
        } => format!(
            "a `from {}{} import` of {}",
            ".".repeat(*level as usize),
            module.as_ref().map(|module| module.as_str()).unwrap_or(""),
            plural(names.len(), "name")
        ),
        StmtKind::Global(names) => format!("a `global` of {}", plural(names.len(), "name")),
        StmtKind::Nonlocal(names) => format!("a `nonlocal` of {}", plural(names.len(), "name")),
        StmtKind::Expr(_) => "an expression statement".into(),
        StmtKind::Break => "a `break`".into(),
        StmtKind::Continue => "a `continue`".into(),
        StmtKind::Unparsable(_) => "code that does not parse".into(),
    }
}

fn expr_key(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Name(_) => "a name".into(),
        ExprKind::Literal(literal) => format!("the constant `{}`", literal_text(literal, '\'')),
        ExprKind::Interpolated { kind, parts } => {
            let shape: Vec<String> = parts.iter().map(part_key).collect();
            format!(
                "{} [{}]",
                match kind {
                    InterpolatedKind::FString => "an f-string",
                    InterpolatedKind::TString => "a t-string",
                },
                shape.join(", ")
            )
        }
        ExprKind::BoolOp { op, values } => {
            format!("`{}` of {} operands", op.as_str(), values.len())
        }
        ExprKind::Named { .. } => "a walrus `:=`".into(),
        ExprKind::BinOp { op, .. } => format!("the operator `{}`", op.as_str()),
        ExprKind::UnaryOp { op, .. } => format!("the unary operator `{}`", op.as_str()),
        ExprKind::Lambda { .. } => "a lambda".into(),
        ExprKind::IfExp { .. } => "a conditional expression".into(),
        ExprKind::Dict(items) => {
            let shape: Vec<&str> = items
                .iter()
                .map(|item| if item.key.is_some() { "k" } else { "**" })
                .collect();
            format!("a dict display [{}]", shape.join(", "))
        }
        ExprKind::Set(elts) => format!("a set of {}", plural(elts.len(), "element")),
        ExprKind::List(elts) => format!("a list of {}", plural(elts.len(), "element")),
        ExprKind::Tuple(elts) => format!("a tuple of {}", plural(elts.len(), "element")),
        ExprKind::ListComp { generators, .. } => {
            format!("a list comprehension{}", generators_key(generators))
        }
        ExprKind::SetComp { generators, .. } => {
            format!("a set comprehension{}", generators_key(generators))
        }
        ExprKind::DictComp { generators, .. } => {
            format!("a dict comprehension{}", generators_key(generators))
        }
        ExprKind::Generator { generators, .. } => {
            format!("a generator expression{}", generators_key(generators))
        }
        ExprKind::Await(_) => "an `await`".into(),
        ExprKind::Yield(value) => format!(
            "a `yield`{}",
            if value.is_some() { " with a value" } else { "" }
        ),
        ExprKind::YieldFrom(_) => "a `yield from`".into(),
        ExprKind::Compare { ops, .. } => {
            let ops: Vec<&str> = ops.iter().map(|op| op.as_str()).collect();
            format!("the comparison `{}`", ops.join("`, `"))
        }
        ExprKind::Call { args, keywords, .. } => format!(
            "a call with {} and {}",
            plural(args.len(), "positional argument"),
            plural(keywords.len(), "keyword argument")
        ),
        ExprKind::Attribute { attr, .. } => format!("the attribute `.{attr}`"),
        ExprKind::Subscript { .. } => "a subscript".into(),
        ExprKind::Starred(_) => "a starred expression".into(),
        ExprKind::Slice { lower, upper, step } => format!(
            "a slice{}{}{}",
            if lower.is_some() { " with a start" } else { "" },
            if upper.is_some() { " with a stop" } else { "" },
            if step.is_some() { " with a step" } else { "" }
        ),
        ExprKind::Unparsable(_) => "code that does not parse".into(),
    }
}

fn part_key(part: &InterpolatedPart) -> String {
    match part {
        InterpolatedPart::Literal(text) => format!("'{}'", escape_str(text, '\'', false)),
        InterpolatedPart::Interpolation {
            conversion,
            format_spec,
            ..
        } => format!(
            "{{{}{}}}",
            conversion.map(|c| format!("!{c}")).unwrap_or_default(),
            match format_spec {
                Some(spec) => {
                    let shape: Vec<String> = spec.iter().map(part_key).collect();
                    format!(":{}", shape.join(""))
                }
                None => String::new(),
            }
        ),
    }
}

fn generators_key(generators: &[Comprehension]) -> String {
    let shape: Vec<String> = generators
        .iter()
        .map(|generator| {
            format!(
                "{}for with {} conditions",
                if generator.is_async { "async " } else { "" },
                generator.ifs.len()
            )
        })
        .collect();
    format!(" ({})", shape.join(", "))
}

fn pattern_key(pattern: &Pattern) -> String {
    match pattern {
        Pattern::Value(_) => "a value pattern".into(),
        Pattern::Singleton(literal) => format!("the pattern `{}`", literal_text(literal, '\'')),
        Pattern::Sequence(patterns) => format!("a sequence pattern of {}", patterns.len()),
        Pattern::Mapping { keys, rest, .. } => format!(
            "a mapping pattern of {}{}",
            keys.len(),
            if rest.is_some() { " with a rest" } else { "" }
        ),
        Pattern::Class {
            patterns,
            kwd_attrs,
            ..
        } => {
            let attrs: Vec<&str> = kwd_attrs.iter().map(|attr| attr.as_str()).collect();
            format!(
                "a class pattern of {} positional and keywords [{}]",
                patterns.len(),
                attrs.join(", ")
            )
        }
        Pattern::Star(name) => format!(
            "a star pattern{}",
            if name.is_some() { "" } else { " `*_`" }
        ),
        Pattern::As { pattern, name } => format!(
            "an `as` pattern{}{}",
            if pattern.is_some() {
                " with a pattern"
            } else {
                ""
            },
            if name.is_some() { "" } else { " `_`" }
        ),
        Pattern::Or(patterns) => format!("an or-pattern of {}", patterns.len()),
    }
}
