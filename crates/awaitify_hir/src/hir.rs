//! The high-level IR of a Python file.
//!
//! Terms:
//! - A **body** is the code of one block that has statements of its own: the module, a
//!   `def` or a `class`. Each body owns its arenas of statements, expressions and match
//!   patterns, so ids inside one body never move when another body is edited.
//! - A **function** or **class** is an item: its header (name, decorators, parameters,
//!   bases) is evaluated in the *parent* body, so the header's expressions live in the
//!   parent's arenas while the item's own statements live in its body.
//! - Lambdas and comprehensions are expressions of the body they appear in; the semantic
//!   layer gives them scopes of their own.
//!
//! Architecture Invariant: the HIR holds no text positions. Ranges live in
//! [`crate::source_map`], so an edit that only moves text leaves the HIR equal and every
//! query that reads only the HIR is backdated.
//!
//! Architecture Invariant: items are numbered in source pre-order per file
//! ([`FunctionId`], [`ClassId`]). Editing inside a function body without adding or removing
//! `def`/`class` statements keeps every id of the file.

use la_arena::{Arena, Idx};
pub use ruff_python_ast::name::Name;
pub use ruff_python_ast::{BoolOp, CmpOp, Operator, UnaryOp};
use thin_vec::ThinVec;

pub type ExprId = Idx<Expr>;
pub type StmtId = Idx<Stmt>;
pub type PatId = Idx<Pattern>;
pub type FunctionId = Idx<Function>;
pub type ClassId = Idx<Class>;

/// Where `id` sits in its arena, as a vector index: for tables kept beside an arena and
/// indexed like it.
pub fn index_of<T>(id: Idx<T>) -> usize {
    id.into_raw().into_u32() as usize
}

/// Whether `name` is private to the class that writes it (`__go`, not a dunder such as
/// `__init__`), so Python stores it mangled.
pub fn is_private_name(name: &str) -> bool {
    name.starts_with("__") && !name.ends_with("__")
}

/// `name` as Python stores it when written inside class `class_name`: `__go` in `C` (or
/// `_C`) is `_C__go`. `None` when Python leaves it as it is: not private, or a class name
/// made only of underscores.
pub fn mangled_name(name: &str, class_name: &str) -> Option<Name> {
    let stripped = class_name.trim_start_matches('_');
    (is_private_name(name) && !stripped.is_empty()).then(|| Name::new(format!("_{stripped}{name}")))
}

/// The lowered file: the module body and every function and class, at any depth.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileHir {
    pub module: Body,
    pub functions: Arena<Function>,
    pub classes: Arena<Class>,
}

/// Which body a statement or expression belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BodyId {
    Module,
    Function(FunctionId),
    Class(ClassId),
}

impl FileHir {
    pub fn body(&self, id: BodyId) -> &Body {
        match id {
            BodyId::Module => &self.module,
            BodyId::Function(function) => &self.functions[function].body,
            BodyId::Class(class) => &self.classes[class].body,
        }
    }

    /// Every body of the file: the module first, then functions, then classes.
    pub fn bodies(&self) -> impl Iterator<Item = (BodyId, &Body)> {
        std::iter::once((BodyId::Module, &self.module))
            .chain(
                self.functions
                    .iter()
                    .map(|(id, function)| (BodyId::Function(id), &function.body)),
            )
            .chain(
                self.classes
                    .iter()
                    .map(|(id, class)| (BodyId::Class(id), &class.body)),
            )
    }

    /// The body in which `id`'s header (decorators, defaults, bases) is evaluated.
    pub fn parent_of(&self, id: BodyId) -> Option<BodyId> {
        match id {
            BodyId::Module => None,
            BodyId::Function(function) => Some(self.functions[function].parent),
            BodyId::Class(class) => Some(self.classes[class].parent),
        }
    }
}

/// The statements and expressions of one block.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Body {
    pub exprs: Arena<Expr>,
    pub stmts: Arena<Stmt>,
    pub patterns: Arena<Pattern>,
    /// The block's own statements, in order.
    pub block: Box<[StmtId]>,
    /// How many of `exprs` are `Name`s that load, and that store or delete: counted while
    /// lowering, so the semantic index can size its tables without another walk.
    pub name_counts: NameCounts,
}

impl Body {
    /// The argument the call `call` passes at `position`, or else by `keyword`.
    pub fn call_argument(&self, call: ExprId, position: usize, keyword: &str) -> Option<ExprId> {
        let Expr::Call { args, keywords, .. } = &self.exprs[call] else {
            return None;
        };
        args.get(position).copied().or_else(|| {
            keywords
                .iter()
                .find(|argument| argument.arg.as_deref() == Some(keyword))
                .map(|argument| argument.value)
        })
    }

    /// The value of `expr` when it is a string literal.
    pub fn string_literal(&self, expr: ExprId) -> Option<&str> {
        match &self.exprs[expr] {
            Expr::Literal(Literal::Str(text)) => Some(text),
            _ => None,
        }
    }
}

/// See [`Body::name_counts`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NameCounts {
    pub loads: u32,
    pub stores: u32,
}

/// A `def` or `async def`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    pub name: Name,
    pub is_async: bool,
    /// The body whose arenas hold the header expressions below.
    pub parent: BodyId,
    /// The statement in `parent` that defines this function.
    pub stmt: StmtId,
    pub decorators: Box<[ExprId]>,
    pub type_params: Option<TypeParams>,
    pub params: Params,
    pub returns: Option<ExprId>,
    pub body: Body,
}

/// A `class`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub name: Name,
    pub parent: BodyId,
    pub stmt: StmtId,
    pub decorators: Box<[ExprId]>,
    pub type_params: Option<TypeParams>,
    /// Positional arguments of the class header (bases, possibly starred).
    pub bases: Box<[ExprId]>,
    pub keywords: Box<[Keyword]>,
    pub body: Body,
}

/// Parameters of a function or lambda. Defaults and annotations are expressions of the
/// body that evaluates the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params {
    pub posonly: Box<[Param]>,
    pub args: Box<[Param]>,
    pub vararg: Option<Param>,
    pub kwonly: Box<[Param]>,
    pub kwarg: Option<Param>,
}

impl Params {
    /// Every parameter in source order.
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.posonly
            .iter()
            .chain(self.args.iter())
            .chain(self.vararg.iter())
            .chain(self.kwonly.iter())
            .chain(self.kwarg.iter())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: Name,
    pub annotation: Option<ExprId>,
    pub default: Option<ExprId>,
}

/// PEP 695 type parameters; their expressions live in the same body as the header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeParams {
    pub params: Box<[TypeParam]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeParam {
    pub kind: TypeParamKind,
    pub name: Name,
    pub bound: Option<ExprId>,
    pub default: Option<ExprId>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeParamKind {
    TypeVar,
    ParamSpec,
    TypeVarTuple,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    FunctionDef(FunctionId),
    ClassDef(ClassId),
    Return {
        value: Option<ExprId>,
    },
    Delete {
        targets: Box<[ExprId]>,
    },
    Assign {
        targets: Box<[ExprId]>,
        value: ExprId,
    },
    AugAssign {
        target: ExprId,
        op: Operator,
        value: ExprId,
    },
    AnnAssign {
        target: ExprId,
        annotation: ExprId,
        value: Option<ExprId>,
        /// A bare name target without parentheses.
        simple: bool,
    },
    TypeAlias {
        name: ExprId,
        type_params: Option<TypeParams>,
        value: ExprId,
    },
    For {
        is_async: bool,
        target: ExprId,
        iter: ExprId,
        body: Box<[StmtId]>,
        orelse: Box<[StmtId]>,
    },
    While {
        test: ExprId,
        body: Box<[StmtId]>,
        orelse: Box<[StmtId]>,
    },
    /// `elif` is an `If` alone in `orelse`, marked `is_elif` so printers can keep it.
    If {
        test: ExprId,
        body: Box<[StmtId]>,
        orelse: Box<[StmtId]>,
        is_elif: bool,
    },
    With {
        is_async: bool,
        items: Box<[WithItem]>,
        body: Box<[StmtId]>,
    },
    Match {
        subject: ExprId,
        cases: Box<[MatchCase]>,
    },
    Raise {
        exc: Option<ExprId>,
        cause: Option<ExprId>,
    },
    /// Its lists are `ThinVec`s for the reason given on [`Expr`]: with four boxed
    /// slices, `try` would make every `Stmt` 72 bytes instead of 48.
    Try {
        body: ThinVec<StmtId>,
        handlers: ThinVec<ExceptHandler>,
        orelse: ThinVec<StmtId>,
        finalbody: ThinVec<StmtId>,
        is_star: bool,
    },
    Assert {
        test: ExprId,
        msg: Option<ExprId>,
    },
    Import {
        names: Box<[Alias]>,
    },
    ImportFrom {
        /// `None` for `from . import x`.
        module: Option<Name>,
        names: Box<[Alias]>,
        /// The number of leading dots.
        level: u32,
    },
    Global {
        names: Box<[Name]>,
    },
    Nonlocal {
        names: Box<[Name]>,
    },
    Expr {
        value: ExprId,
    },
    Pass,
    Break,
    Continue,
    /// A statement the parser could not make sense of (syntax error recovery) or an
    /// IPython escape; it binds and uses nothing.
    Error,
}

/// `name as asname` in an import; `name` is `*` for a star import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: Name,
    pub asname: Option<Name>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithItem {
    pub context_expr: ExprId,
    pub optional_vars: Option<ExprId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchCase {
    pub pattern: PatId,
    pub guard: Option<ExprId>,
    pub body: Box<[StmtId]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptHandler {
    pub type_: Option<ExprId>,
    pub name: Option<Name>,
    pub body: Box<[StmtId]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// `None` for `**kwargs`.
    pub arg: Option<Name>,
    pub value: ExprId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comprehension {
    pub target: ExprId,
    pub iter: ExprId,
    pub ifs: Box<[ExprId]>,
    pub is_async: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExprContext {
    Load,
    Store,
    Del,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    None,
    Bool(bool),
    Ellipsis,
    /// An integer as written, e.g. `0x_ff`.
    Int(Box<str>),
    /// A float's bits, so the HIR stays `Eq`.
    Float(u64),
    /// The imaginary part's bits of a complex literal such as `2j`.
    Complex(u64),
    /// The value of a (possibly implicitly concatenated) string literal.
    Str(Box<str>),
    Bytes(Box<[u8]>),
}

/// Whether an interpolated string is an f-string or a PEP 750 t-string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InterpolatedKind {
    FString,
    TString,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InterpolatedPart {
    Literal(Box<str>),
    Interpolation {
        expr: ExprId,
        /// The `=` of `f"{x=}"`, with the text it repeats.
        debug_text: Option<Box<str>>,
        /// `s`, `r` or `a`.
        conversion: Option<char>,
        format_spec: Option<Box<[InterpolatedPart]>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictItem {
    /// `None` for `**mapping`.
    pub key: Option<ExprId>,
    pub value: ExprId,
}

/// Every `Expr` is as big as its largest variant, and a file has tens of thousands: the
/// lists of the two-list variants (calls, comparisons) and of comprehensions are
/// `ThinVec`s, one pointer each with the length behind it, which keeps an `Expr` at 32
/// bytes instead of 40.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Name {
        id: Name,
        ctx: ExprContext,
    },
    Literal(Literal),
    Interpolated {
        kind: InterpolatedKind,
        parts: Box<[InterpolatedPart]>,
    },
    BoolOp {
        op: BoolOp,
        values: Box<[ExprId]>,
    },
    /// `target := value`.
    Named {
        target: ExprId,
        value: ExprId,
    },
    BinOp {
        left: ExprId,
        op: Operator,
        right: ExprId,
    },
    UnaryOp {
        op: UnaryOp,
        operand: ExprId,
    },
    /// Parameters are boxed: lambdas are rare and `Params` is large, and every `Expr`
    /// is as big as its largest variant.
    Lambda {
        params: Box<Params>,
        body: ExprId,
    },
    /// `body if test else orelse`.
    If {
        test: ExprId,
        body: ExprId,
        orelse: ExprId,
    },
    Dict {
        items: Box<[DictItem]>,
    },
    Set {
        elts: Box<[ExprId]>,
    },
    List {
        elts: Box<[ExprId]>,
        ctx: ExprContext,
    },
    Tuple {
        elts: Box<[ExprId]>,
        ctx: ExprContext,
        parenthesized: bool,
    },
    ListComp {
        elt: ExprId,
        generators: ThinVec<Comprehension>,
    },
    SetComp {
        elt: ExprId,
        generators: ThinVec<Comprehension>,
    },
    DictComp {
        key: ExprId,
        value: ExprId,
        generators: ThinVec<Comprehension>,
    },
    Generator {
        elt: ExprId,
        generators: ThinVec<Comprehension>,
        parenthesized: bool,
    },
    Await {
        value: ExprId,
    },
    Yield {
        value: Option<ExprId>,
    },
    YieldFrom {
        value: ExprId,
    },
    Compare {
        left: ExprId,
        ops: ThinVec<CmpOp>,
        comparators: ThinVec<ExprId>,
    },
    Call {
        func: ExprId,
        /// Positional arguments, `*args` as `Starred`.
        args: ThinVec<ExprId>,
        keywords: ThinVec<Keyword>,
    },
    Attribute {
        value: ExprId,
        attr: Name,
        ctx: ExprContext,
    },
    Subscript {
        value: ExprId,
        slice: ExprId,
        ctx: ExprContext,
    },
    Starred {
        value: ExprId,
        ctx: ExprContext,
    },
    Slice {
        lower: Option<ExprId>,
        upper: Option<ExprId>,
        step: Option<ExprId>,
    },
    /// An expression the parser could not make sense of, or an IPython escape.
    Error,
}

// The sizes the comments on `Expr` and `Stmt::Try` promise, on 64-bit targets.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Expr>() == 32 && std::mem::size_of::<Stmt>() == 48);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Singleton {
    None,
    True,
    False,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    Value {
        value: ExprId,
    },
    Singleton(Singleton),
    Sequence {
        patterns: Box<[PatId]>,
    },
    Mapping {
        keys: Box<[ExprId]>,
        patterns: Box<[PatId]>,
        rest: Option<Name>,
    },
    Class {
        cls: ExprId,
        patterns: Box<[PatId]>,
        kwd_attrs: Box<[Name]>,
        kwd_patterns: Box<[PatId]>,
    },
    /// `*name` or `*_` (`name` is `None`).
    Star {
        name: Option<Name>,
    },
    /// `pattern as name`, a bare capture `name` (no pattern) or `_` (neither).
    As {
        pattern: Option<PatId>,
        name: Option<Name>,
    },
    Or {
        patterns: Box<[PatId]>,
    },
}

impl Expr {
    /// The `for` clauses of a comprehension or generator expression; none for any other
    /// expression.
    pub fn generators(&self) -> &[Comprehension] {
        match self {
            Expr::ListComp { generators, .. }
            | Expr::SetComp { generators, .. }
            | Expr::DictComp { generators, .. }
            | Expr::Generator { generators, .. } => generators,
            _ => &[],
        }
    }

    /// Calls `f` on each direct child expression, in evaluation order where Python
    /// defines one. Lambda parameters' defaults are children; its body is too.
    pub fn walk_children(&self, mut f: impl FnMut(ExprId)) {
        match self {
            Expr::Name { .. } | Expr::Literal(_) | Expr::Error => {}
            Expr::Interpolated { parts, .. } => walk_interpolated(parts, &mut f),
            Expr::BoolOp { values, .. } => values.iter().copied().for_each(f),
            Expr::Named { target, value } => {
                f(*value);
                f(*target);
            }
            Expr::BinOp { left, right, .. } => {
                f(*left);
                f(*right);
            }
            Expr::UnaryOp { operand, .. } => f(*operand),
            Expr::Lambda { params, body } => {
                for param in params.iter() {
                    if let Some(default) = param.default {
                        f(default);
                    }
                }
                f(*body);
            }
            Expr::If { test, body, orelse } => {
                f(*test);
                f(*body);
                f(*orelse);
            }
            Expr::Dict { items } => {
                for item in items.iter() {
                    if let Some(key) = item.key {
                        f(key);
                    }
                    f(item.value);
                }
            }
            Expr::Set { elts } | Expr::List { elts, .. } | Expr::Tuple { elts, .. } => {
                elts.iter().copied().for_each(f)
            }
            Expr::ListComp { elt, generators }
            | Expr::SetComp { elt, generators }
            | Expr::Generator {
                elt, generators, ..
            } => {
                walk_generators(generators, &mut f);
                f(*elt);
            }
            Expr::DictComp {
                key,
                value,
                generators,
            } => {
                walk_generators(generators, &mut f);
                f(*key);
                f(*value);
            }
            Expr::Await { value } | Expr::YieldFrom { value } => f(*value),
            Expr::Yield { value } => {
                if let Some(value) = value {
                    f(*value);
                }
            }
            Expr::Compare {
                left, comparators, ..
            } => {
                f(*left);
                comparators.iter().copied().for_each(f);
            }
            Expr::Call {
                func,
                args,
                keywords,
            } => {
                f(*func);
                args.iter().copied().for_each(&mut f);
                keywords.iter().for_each(|keyword| f(keyword.value));
            }
            Expr::Attribute { value, .. } | Expr::Starred { value, .. } => f(*value),
            Expr::Subscript { value, slice, .. } => {
                f(*value);
                f(*slice);
            }
            Expr::Slice { lower, upper, step } => {
                for part in [lower, upper, step].into_iter().flatten() {
                    f(*part);
                }
            }
        }
    }
}

fn walk_generators(generators: &[Comprehension], f: &mut impl FnMut(ExprId)) {
    for generator in generators {
        f(generator.iter);
        f(generator.target);
        generator.ifs.iter().copied().for_each(&mut *f);
    }
}

fn walk_interpolated(parts: &[InterpolatedPart], f: &mut impl FnMut(ExprId)) {
    for part in parts {
        if let InterpolatedPart::Interpolation {
            expr, format_spec, ..
        } = part
        {
            f(*expr);
            if let Some(spec) = format_spec {
                walk_interpolated(spec, f);
            }
        }
    }
}
