//! A compact, readable, Python-like dump of a [`FileHir`], for snapshot tests and debugging.
//!
//! Each item's header is rendered from its *parent* body's arenas and its statements from
//! its own body, so a header expression allocated in the wrong body shows up as a wrong
//! (or panicking) dump. Every body's header line carries `#f<n>`/`#c<n>` ids and arena
//! sizes, which makes pre-order numbering and arena placement visible.
//!
//! Invariant: the dump is deterministic and has no text positions; it panics if an item's
//! `parent`/`stmt` back-links disagree with where its `def`/`class` statement was found.

use std::fmt::Write;

use crate::hir::{
    Body, BodyId, Comprehension, Expr, ExprId, FileHir, InterpolatedKind, InterpolatedPart,
    Keyword, Literal, Params, PatId, Pattern, Singleton, Stmt, StmtId, TypeParamKind, TypeParams,
};

/// Renders `hir` as indented pseudo-Python.
pub fn dump(hir: &FileHir) -> String {
    let mut printer = Printer {
        hir,
        out: String::new(),
    };
    printer.line(0, &format!("# module{}", stats(&hir.module)));
    printer.block(BodyId::Module, &hir.module, &hir.module.block, 0);
    printer.out
}

struct Printer<'a> {
    hir: &'a FileHir,
    out: String,
}

fn stats(body: &Body) -> String {
    format!(
        " [{} stmts, {} exprs, {} patterns]",
        body.stmts.len(),
        body.exprs.len(),
        body.patterns.len()
    )
}

impl Printer<'_> {
    fn line(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    fn block(&mut self, body_id: BodyId, body: &Body, block: &[StmtId], indent: usize) {
        for &stmt in block {
            self.stmt(body_id, body, stmt, indent);
        }
    }

    fn stmt(&mut self, body_id: BodyId, body: &Body, id: StmtId, indent: usize) {
        let e = |expr: ExprId| render_expr(body, expr);
        let opt = |expr: Option<ExprId>| expr.map(|expr| render_expr(body, expr));
        match &body.stmts[id] {
            Stmt::FunctionDef(function_id) => {
                let function = &self.hir.functions[*function_id];
                assert_eq!(function.parent, body_id, "function parent");
                assert_eq!(function.stmt, id, "function stmt");
                for &decorator in function.decorators.iter() {
                    self.line(indent, &format!("@{}", e(decorator)));
                }
                let mut header = String::new();
                if function.is_async {
                    header.push_str("async ");
                }
                let _ = write!(
                    header,
                    "def {}#f{}{}({})",
                    function.name,
                    function_id.into_raw(),
                    render_type_params(body, function.type_params.as_ref()),
                    render_params(body, &function.params),
                );
                if let Some(returns) = function.returns {
                    let _ = write!(header, " -> {}", e(returns));
                }
                let _ = write!(header, ":{}", stats(&function.body));
                self.line(indent, &header);
                self.block(
                    BodyId::Function(*function_id),
                    &function.body,
                    &function.body.block,
                    indent + 1,
                );
            }
            Stmt::ClassDef(class_id) => {
                let class = &self.hir.classes[*class_id];
                assert_eq!(class.parent, body_id, "class parent");
                assert_eq!(class.stmt, id, "class stmt");
                for &decorator in class.decorators.iter() {
                    self.line(indent, &format!("@{}", e(decorator)));
                }
                let mut args: Vec<String> = class.bases.iter().map(|&base| e(base)).collect();
                args.extend(class.keywords.iter().map(|kw| render_keyword(body, kw)));
                let args = if args.is_empty() {
                    String::new()
                } else {
                    format!("({})", args.join(", "))
                };
                self.line(
                    indent,
                    &format!(
                        "class {}#c{}{}{}:{}",
                        class.name,
                        class_id.into_raw(),
                        render_type_params(body, class.type_params.as_ref()),
                        args,
                        stats(&class.body)
                    ),
                );
                self.block(
                    BodyId::Class(*class_id),
                    &class.body,
                    &class.body.block,
                    indent + 1,
                );
            }
            Stmt::Return { value } => match opt(*value) {
                Some(value) => self.line(indent, &format!("return {value}")),
                None => self.line(indent, "return"),
            },
            Stmt::Delete { targets } => {
                self.line(indent, &format!("del {}", join(body, targets)));
            }
            Stmt::Assign { targets, value } => {
                let mut text = String::new();
                for &target in targets.iter() {
                    let _ = write!(text, "{} = ", e(target));
                }
                text.push_str(&e(*value));
                self.line(indent, &text);
            }
            Stmt::AugAssign { target, op, value } => {
                self.line(indent, &format!("{} {op}= {}", e(*target), e(*value)));
            }
            Stmt::AnnAssign {
                target,
                annotation,
                value,
                simple,
            } => {
                let mut text = format!("{}: {}", e(*target), e(*annotation));
                if let Some(value) = opt(*value) {
                    let _ = write!(text, " = {value}");
                }
                if !simple {
                    text.push_str("  # not simple");
                }
                self.line(indent, &text);
            }
            Stmt::TypeAlias {
                name,
                type_params,
                value,
            } => {
                self.line(
                    indent,
                    &format!(
                        "type {}{} = {}",
                        e(*name),
                        render_type_params(body, type_params.as_ref()),
                        e(*value)
                    ),
                );
            }
            Stmt::For {
                is_async,
                target,
                iter,
                body: block,
                orelse,
            } => {
                let prefix = if *is_async { "async " } else { "" };
                self.line(
                    indent,
                    &format!("{prefix}for {} in {}:", e(*target), e(*iter)),
                );
                self.block(body_id, body, block, indent + 1);
                self.else_block(body_id, body, "else:", orelse, indent);
            }
            Stmt::While {
                test,
                body: block,
                orelse,
            } => {
                self.line(indent, &format!("while {}:", e(*test)));
                self.block(body_id, body, block, indent + 1);
                self.else_block(body_id, body, "else:", orelse, indent);
            }
            Stmt::If {
                test,
                body: block,
                orelse,
                is_elif,
            } => {
                let keyword = if *is_elif { "elif" } else { "if" };
                self.line(indent, &format!("{keyword} {}:", e(*test)));
                self.block(body_id, body, block, indent + 1);
                // An `elif` continues at this indentation instead of nesting under `else:`.
                match orelse.as_ref() {
                    [single] if matches!(body.stmts[*single], Stmt::If { is_elif: true, .. }) => {
                        self.stmt(body_id, body, *single, indent);
                    }
                    _ => self.else_block(body_id, body, "else:", orelse, indent),
                }
            }
            Stmt::With {
                is_async,
                items,
                body: block,
            } => {
                let items: Vec<String> = items
                    .iter()
                    .map(|item| match item.optional_vars {
                        Some(vars) => format!("{} as {}", e(item.context_expr), e(vars)),
                        None => e(item.context_expr),
                    })
                    .collect();
                let prefix = if *is_async { "async " } else { "" };
                self.line(indent, &format!("{prefix}with {}:", items.join(", ")));
                self.block(body_id, body, block, indent + 1);
            }
            Stmt::Match { subject, cases } => {
                self.line(indent, &format!("match {}:", e(*subject)));
                for case in cases.iter() {
                    let mut text = format!("case {}", render_pattern(body, case.pattern));
                    if let Some(guard) = opt(case.guard) {
                        let _ = write!(text, " if {guard}");
                    }
                    text.push(':');
                    self.line(indent + 1, &text);
                    self.block(body_id, body, &case.body, indent + 2);
                }
            }
            Stmt::Raise { exc, cause } => {
                let mut text = String::from("raise");
                if let Some(exc) = opt(*exc) {
                    let _ = write!(text, " {exc}");
                }
                if let Some(cause) = opt(*cause) {
                    let _ = write!(text, " from {cause}");
                }
                self.line(indent, &text);
            }
            Stmt::Try {
                body: block,
                handlers,
                orelse,
                finalbody,
                is_star,
            } => {
                self.line(indent, "try:");
                self.block(body_id, body, block, indent + 1);
                let except = if *is_star { "except*" } else { "except" };
                for handler in handlers.iter() {
                    let mut text = String::from(except);
                    if let Some(type_) = opt(handler.type_) {
                        let _ = write!(text, " {type_}");
                    }
                    if let Some(name) = &handler.name {
                        let _ = write!(text, " as {name}");
                    }
                    text.push(':');
                    self.line(indent, &text);
                    self.block(body_id, body, &handler.body, indent + 1);
                }
                self.else_block(body_id, body, "else:", orelse, indent);
                self.else_block(body_id, body, "finally:", finalbody, indent);
            }
            Stmt::Assert { test, msg } => match opt(*msg) {
                Some(msg) => self.line(indent, &format!("assert {}, {msg}", e(*test))),
                None => self.line(indent, &format!("assert {}", e(*test))),
            },
            Stmt::Import { names } => {
                let names: Vec<String> = names.iter().map(render_alias).collect();
                self.line(indent, &format!("import {}", names.join(", ")));
            }
            Stmt::ImportFrom {
                module,
                names,
                level,
            } => {
                let names: Vec<String> = names.iter().map(render_alias).collect();
                let dots = ".".repeat(*level as usize);
                let module = module.as_ref().map_or("", |module| module.as_str());
                self.line(
                    indent,
                    &format!("from {dots}{module} import {}", names.join(", ")),
                );
            }
            Stmt::Global { names } => {
                let names: Vec<&str> = names.iter().map(|name| name.as_str()).collect();
                self.line(indent, &format!("global {}", names.join(", ")));
            }
            Stmt::Nonlocal { names } => {
                let names: Vec<&str> = names.iter().map(|name| name.as_str()).collect();
                self.line(indent, &format!("nonlocal {}", names.join(", ")));
            }
            Stmt::Expr { value } => self.line(indent, &e(*value)),
            Stmt::Pass => self.line(indent, "pass"),
            Stmt::Break => self.line(indent, "break"),
            Stmt::Continue => self.line(indent, "continue"),
            Stmt::Error => self.line(indent, "<error>"),
        }
    }

    fn else_block(
        &mut self,
        body_id: BodyId,
        body: &Body,
        keyword: &str,
        block: &[StmtId],
        indent: usize,
    ) {
        if !block.is_empty() {
            self.line(indent, keyword);
            self.block(body_id, body, block, indent + 1);
        }
    }
}

fn render_alias(alias: &crate::hir::Alias) -> String {
    match &alias.asname {
        Some(asname) => format!("{} as {asname}", alias.name),
        None => alias.name.to_string(),
    }
}

fn join(body: &Body, exprs: &[ExprId]) -> String {
    let parts: Vec<String> = exprs.iter().map(|&expr| render_expr(body, expr)).collect();
    parts.join(", ")
}

fn render_keyword(body: &Body, keyword: &Keyword) -> String {
    match &keyword.arg {
        Some(arg) => format!("{arg}={}", render_expr(body, keyword.value)),
        None => format!("**{}", render_expr(body, keyword.value)),
    }
}

fn render_params(body: &Body, params: &Params) -> String {
    let mut parts = Vec::new();
    let param = |param: &crate::hir::Param, prefix: &str| {
        let mut text = format!("{prefix}{}", param.name);
        if let Some(annotation) = param.annotation {
            let _ = write!(text, ": {}", render_expr(body, annotation));
        }
        if let Some(default) = param.default {
            let _ = write!(text, " = {}", render_expr(body, default));
        }
        text
    };
    parts.extend(params.posonly.iter().map(|p| param(p, "")));
    if !params.posonly.is_empty() {
        parts.push("/".to_owned());
    }
    parts.extend(params.args.iter().map(|p| param(p, "")));
    match &params.vararg {
        Some(vararg) => parts.push(param(vararg, "*")),
        None if !params.kwonly.is_empty() => parts.push("*".to_owned()),
        None => {}
    }
    parts.extend(params.kwonly.iter().map(|p| param(p, "")));
    if let Some(kwarg) = &params.kwarg {
        parts.push(param(kwarg, "**"));
    }
    parts.join(", ")
}

fn render_type_params(body: &Body, type_params: Option<&TypeParams>) -> String {
    let Some(type_params) = type_params else {
        return String::new();
    };
    let parts: Vec<String> = type_params
        .params
        .iter()
        .map(|param| {
            let prefix = match param.kind {
                TypeParamKind::TypeVar => "",
                TypeParamKind::TypeVarTuple => "*",
                TypeParamKind::ParamSpec => "**",
            };
            let mut text = format!("{prefix}{}", param.name);
            if let Some(bound) = param.bound {
                let _ = write!(text, ": {}", render_expr(body, bound));
            }
            if let Some(default) = param.default {
                let _ = write!(text, " = {}", render_expr(body, default));
            }
            text
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

fn render_generators(body: &Body, generators: &[Comprehension]) -> String {
    let mut text = String::new();
    for generator in generators {
        let prefix = if generator.is_async { " async" } else { "" };
        let _ = write!(
            text,
            "{prefix} for {} in {}",
            render_expr(body, generator.target),
            render_expr(body, generator.iter)
        );
        for &condition in generator.ifs.iter() {
            let _ = write!(text, " if {}", render_expr(body, condition));
        }
    }
    text
}

fn render_parts(body: &Body, parts: &[InterpolatedPart], out: &mut String) {
    for part in parts {
        match part {
            InterpolatedPart::Literal(text) => {
                out.push_str(&text.escape_debug().to_string().replace('{', "{{"));
            }
            InterpolatedPart::Interpolation {
                expr,
                debug_text,
                conversion,
                format_spec,
            } => {
                let _ = write!(out, "{{{}", render_expr(body, *expr));
                if let Some(debug) = debug_text {
                    let _ = write!(out, " debug={debug:?}");
                }
                if let Some(conversion) = conversion {
                    let _ = write!(out, "!{conversion}");
                }
                if let Some(spec) = format_spec {
                    out.push(':');
                    render_parts(body, spec, out);
                }
                out.push('}');
            }
        }
    }
}

/// Renders an expression; compound operators are parenthesised so structure is explicit.
pub fn render_expr(body: &Body, id: ExprId) -> String {
    let e = |expr: ExprId| render_expr(body, expr);
    match &body.exprs[id] {
        Expr::Name { id, .. } => id.to_string(),
        Expr::Literal(literal) => match literal {
            Literal::None => "None".to_owned(),
            Literal::Bool(value) => if *value { "True" } else { "False" }.to_owned(),
            Literal::Ellipsis => "...".to_owned(),
            Literal::Int(text) => text.to_string(),
            Literal::Float(bits) => format!("{:?}", f64::from_bits(*bits)),
            Literal::Complex(bits) => format!("{:?}j", f64::from_bits(*bits)),
            Literal::Str(text) => format!("{text:?}"),
            Literal::Bytes(bytes) => format!("b\"{}\"", bytes.escape_ascii()),
        },
        Expr::Interpolated { kind, parts } => {
            let mut out = String::from(match kind {
                InterpolatedKind::FString => "f\"",
                InterpolatedKind::TString => "t\"",
            });
            render_parts(body, parts, &mut out);
            out.push('"');
            out
        }
        Expr::BoolOp { op, values } => {
            let values: Vec<String> = values.iter().map(|&value| e(value)).collect();
            format!("({})", values.join(&format!(" {op} ")))
        }
        Expr::Named { target, value } => format!("({} := {})", e(*target), e(*value)),
        Expr::BinOp { left, op, right } => format!("({} {op} {})", e(*left), e(*right)),
        Expr::UnaryOp { op, operand } => match op {
            crate::hir::UnaryOp::Not => format!("(not {})", e(*operand)),
            _ => format!("({op}{})", e(*operand)),
        },
        Expr::Lambda {
            params,
            body: value,
        } => {
            let params = render_params(body, params);
            if params.is_empty() {
                format!("(lambda: {})", e(*value))
            } else {
                format!("(lambda {params}: {})", e(*value))
            }
        }
        Expr::If {
            test,
            body: then,
            orelse,
        } => {
            format!("({} if {} else {})", e(*then), e(*test), e(*orelse))
        }
        Expr::Dict { items } => {
            let items: Vec<String> = items
                .iter()
                .map(|item| match item.key {
                    Some(key) => format!("{}: {}", e(key), e(item.value)),
                    None => format!("**{}", e(item.value)),
                })
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Expr::Set { elts } => format!("{{{}}}", join(body, elts)),
        Expr::List { elts, .. } => format!("[{}]", join(body, elts)),
        Expr::Tuple {
            elts,
            parenthesized,
            ..
        } => {
            let trailing = if elts.len() == 1 { "," } else { "" };
            if *parenthesized {
                format!("({}{trailing})", join(body, elts))
            } else {
                format!("{}{trailing}", join(body, elts))
            }
        }
        Expr::ListComp { elt, generators } => {
            format!("[{}{}]", e(*elt), render_generators(body, generators))
        }
        Expr::SetComp { elt, generators } => {
            format!("{{{}{}}}", e(*elt), render_generators(body, generators))
        }
        Expr::DictComp {
            key,
            value,
            generators,
        } => format!(
            "{{{}: {}{}}}",
            e(*key),
            e(*value),
            render_generators(body, generators)
        ),
        Expr::Generator {
            elt,
            generators,
            parenthesized,
        } => {
            let inner = format!("{}{}", e(*elt), render_generators(body, generators));
            if *parenthesized {
                format!("({inner})")
            } else {
                inner
            }
        }
        Expr::Await { value } => format!("(await {})", e(*value)),
        Expr::Yield { value } => match value {
            Some(value) => format!("(yield {})", e(*value)),
            None => "(yield)".to_owned(),
        },
        Expr::YieldFrom { value } => format!("(yield from {})", e(*value)),
        Expr::Compare {
            left,
            ops,
            comparators,
        } => {
            let mut text = format!("({}", e(*left));
            for (op, &comparator) in ops.iter().zip(comparators.iter()) {
                let _ = write!(text, " {op} {}", e(comparator));
            }
            text.push(')');
            text
        }
        Expr::Call {
            func,
            args,
            keywords,
        } => {
            let mut parts: Vec<String> = args.iter().map(|&arg| e(arg)).collect();
            parts.extend(keywords.iter().map(|kw| render_keyword(body, kw)));
            format!("{}({})", e(*func), parts.join(", "))
        }
        Expr::Attribute { value, attr, .. } => format!("{}.{attr}", e(*value)),
        Expr::Subscript { value, slice, .. } => format!("{}[{}]", e(*value), e(*slice)),
        Expr::Starred { value, .. } => format!("*{}", e(*value)),
        Expr::Slice { lower, upper, step } => {
            let part = |part: &Option<ExprId>| part.map(e).unwrap_or_default();
            match step {
                Some(_) => format!("{}:{}:{}", part(lower), part(upper), part(step)),
                None => format!("{}:{}", part(lower), part(upper)),
            }
        }
        Expr::Error => "<error>".to_owned(),
    }
}

/// Renders a match pattern.
pub fn render_pattern(body: &Body, id: PatId) -> String {
    let p = |pattern: PatId| render_pattern(body, pattern);
    let ps = |patterns: &[PatId]| -> Vec<String> { patterns.iter().map(|&x| p(x)).collect() };
    match &body.patterns[id] {
        Pattern::Value { value } => render_expr(body, *value),
        Pattern::Singleton(singleton) => match singleton {
            Singleton::None => "None",
            Singleton::True => "True",
            Singleton::False => "False",
        }
        .to_owned(),
        Pattern::Sequence { patterns } => format!("[{}]", ps(patterns).join(", ")),
        Pattern::Mapping {
            keys,
            patterns,
            rest,
        } => {
            let mut parts: Vec<String> = keys
                .iter()
                .zip(patterns.iter())
                .map(|(&key, &pattern)| format!("{}: {}", render_expr(body, key), p(pattern)))
                .collect();
            if let Some(rest) = rest {
                parts.push(format!("**{rest}"));
            }
            format!("{{{}}}", parts.join(", "))
        }
        Pattern::Class {
            cls,
            patterns,
            kwd_attrs,
            kwd_patterns,
        } => {
            let mut parts = ps(patterns);
            parts.extend(
                kwd_attrs
                    .iter()
                    .zip(kwd_patterns.iter())
                    .map(|(attr, &pattern)| format!("{attr}={}", p(pattern))),
            );
            format!("{}({})", render_expr(body, *cls), parts.join(", "))
        }
        Pattern::Star { name } => match name {
            Some(name) => format!("*{name}"),
            None => "*_".to_owned(),
        },
        Pattern::As { pattern, name } => match (pattern, name) {
            (Some(pattern), Some(name)) => format!("({} as {name})", p(*pattern)),
            (Some(pattern), None) => format!("({} as _)", p(*pattern)),
            (None, Some(name)) => name.to_string(),
            (None, None) => "_".to_owned(),
        },
        Pattern::Or { patterns } => format!("({})", ps(patterns).join(" | ")),
    }
}
