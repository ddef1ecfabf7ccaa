//! The normal form: a small owned tree of Python statements and expressions that two
//! functions are compared in.
//!
//! Terms:
//! - A **unit** is what one comparison normalizes: a module-level or nested `def` or
//!   `class` (with every body nested in it), or a module body. Names bound outside the
//!   unit are *global* to it.
//! - A **binding** says what an identifier refers to: a global name (module namespace,
//!   builtin, anything outside the unit), a class member, the unit's own item (a
//!   recursive call), or a **local** of one function-like scope of the unit (function,
//!   lambda, comprehension), identified by a [`ScopeKey`] and its name (a [`LocalKey`]).
//!   Names are private-name mangled (`__x` in class `C` is `_C__x`), as Python does.
//! - The **canonical index** of a local is the position of its key in first-occurrence
//!   order over the whole unit (see `normalize`). Locals are compared
//!   by canonical index, which is comparing up to consistent renaming (alpha-equivalence);
//!   a local whose name callers can observe (a parameter passable by keyword, a name bound
//!   by `import a.b`) is compared by name as well.
//! - An [`Origin`] is the source range a node came from; it is ignored by equality.
//!
//! Invariant: derived `PartialEq` on these types *is* the equivalence relation (origins
//! and scope keys never take part), so a comparison can never disagree with the
//! normalizer about what is equal. the comparison only locates the first difference.
//!
//! This module holds data only; it depends on nothing but the HIR's operator types.

use awaitify_hir::hir::{BoolOp, CmpOp, InterpolatedKind, Name, Operator, TypeParamKind, UnaryOp};
use ruff_text_size::TextRange;

/// The source range a node was normalized from. Equal to every other origin.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin(pub TextRange);

impl PartialEq for Origin {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}
impl Eq for Origin {}

/// Numbers the function-like scopes of one unit; meaningless across units.
pub type ScopeKey = u32;

/// The [`ScopeKey`] of the scope a function, lambda or comprehension introduces. Equal to every other tag, like an origin.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScopeTag(pub ScopeKey);

impl PartialEq for ScopeTag {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

/// A local variable of one scope of the unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LocalKey {
    pub scope: ScopeKey,
    pub name: Name,
}

/// What an identifier refers to.
#[derive(Debug, Clone)]
pub enum Binding {
    /// Bound outside the unit (the module, an enclosing function of a nested unit) or a
    /// builtin: compared by name.
    Global,
    /// A name bound in a class body, read or written there: an entry of the class
    /// namespace, compared by name.
    ClassMember,
    /// The module-level item being compared, named in its own body (recursion).
    OwnItem,
    /// A variable of a function-like scope of the unit.
    Local {
        scope: ScopeKey,
        /// Callers can observe the name (keyword parameter, `import a.b`), so it is
        /// compared and printed as written.
        keep_name: bool,
        /// First-occurrence index over the unit, set once normalization is done.
        canonical: u32,
    },
}

/// A name in the normal form.
#[derive(Debug, Clone)]
pub struct Ident {
    pub name: Name,
    pub binding: Binding,
}

impl Ident {
    pub fn global(name: Name) -> Self {
        Self {
            name,
            binding: Binding::Global,
        }
    }

    /// The key of a local, `None` for globals and the unit's own item.
    pub fn local_key(&self) -> Option<LocalKey> {
        match self.binding {
            Binding::Local { scope, .. } => Some(LocalKey {
                scope,
                name: self.name.clone(),
            }),
            _ => None,
        }
    }
}

impl PartialEq for Ident {
    fn eq(&self, other: &Self) -> bool {
        match (&self.binding, &other.binding) {
            (Binding::Global, Binding::Global) | (Binding::ClassMember, Binding::ClassMember) => {
                self.name == other.name
            }
            (Binding::OwnItem, Binding::OwnItem) => true,
            (
                Binding::Local {
                    keep_name: keep_a,
                    canonical: index_a,
                    ..
                },
                Binding::Local {
                    keep_name: keep_b,
                    canonical: index_b,
                    ..
                },
            ) => index_a == index_b && keep_a == keep_b && (!keep_a || self.name == other.name),
            _ => false,
        }
    }
}
impl Eq for Ident {}

pub type Block = Vec<Stmt>;

#[derive(Debug, Clone, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StmtKind {
    FunctionDef(Box<Function>),
    ClassDef(Box<Class>),
    /// Always with a value: a bare `return` is `return None`.
    Return(Expr),
    Delete(Vec<Expr>),
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: Operator,
        value: Expr,
    },
    /// An annotated statement kept because it means something: a declaration without a
    /// value (`x: ...`, the annotation erased), any annotation in a class body, where
    /// dataclasses read it, or a module-level annotation that may have an effect.
    AnnAssign {
        target: Expr,
        annotation: Option<Expr>,
        value: Option<Expr>,
    },
    TypeAlias {
        name: Expr,
        type_params: Vec<TypeParam>,
        value: Expr,
    },
    For {
        is_async: bool,
        target: Expr,
        iter: Expr,
        body: Block,
        orelse: Block,
    },
    While {
        test: Expr,
        body: Block,
        orelse: Block,
    },
    If {
        test: Expr,
        body: Block,
        orelse: Block,
    },
    With {
        is_async: bool,
        items: Vec<WithItem>,
        body: Block,
    },
    Match {
        subject: Expr,
        cases: Vec<MatchCase>,
    },
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Try {
        body: Block,
        handlers: Vec<ExceptHandler>,
        orelse: Block,
        finalbody: Block,
        is_star: bool,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    Import(Vec<ImportAlias>),
    ImportFrom {
        module: Option<Name>,
        level: u32,
        names: Vec<ImportAlias>,
    },
    Global(Vec<Ident>),
    Nonlocal(Vec<Ident>),
    Expr(Expr),
    Break,
    Continue,
    /// Code that did not parse. Never equal to anything, itself included.
    Unparsable(UnparsableMarker),
}

/// Makes [`StmtKind::Unparsable`] and [`ExprKind::Unparsable`] unequal to themselves, so
/// two files with syntax errors are never called equivalent.
#[derive(Debug, Clone, Copy, Default)]
pub struct UnparsableMarker;

impl PartialEq for UnparsableMarker {
    fn eq(&self, _other: &Self) -> bool {
        false
    }
}

/// A `def` (or `async def`). Of its annotations, only those whose evaluation may have an
/// effect are kept (see [`Param::annotation`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    pub name: Ident,
    pub is_async: bool,
    /// Whether the body yields (dead code included): it decides what a call returns.
    pub is_generator: bool,
    pub decorators: Vec<Expr>,
    pub type_params: Vec<TypeParam>,
    pub params: Params,
    /// The return annotation, when kept as a parameter's annotation is.
    pub returns: Option<Expr>,
    pub body: Block,
    pub origin: Origin,
    pub scope: ScopeTag,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Class {
    pub name: Ident,
    pub decorators: Vec<Expr>,
    pub type_params: Vec<TypeParam>,
    pub bases: Vec<Expr>,
    pub keywords: Vec<Keyword>,
    pub body: Block,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    pub posonly: Vec<Param>,
    pub args: Vec<Param>,
    pub vararg: Option<Param>,
    pub kwonly: Vec<Param>,
    pub kwarg: Option<Param>,
}

impl Params {
    pub fn iter(&self) -> impl Iterator<Item = &Param> {
        self.posonly
            .iter()
            .chain(self.args.iter())
            .chain(self.vararg.iter())
            .chain(self.kwonly.iter())
            .chain(self.kwarg.iter())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Param> {
        self.posonly
            .iter_mut()
            .chain(self.args.iter_mut())
            .chain(self.vararg.iter_mut())
            .chain(self.kwonly.iter_mut())
            .chain(self.kwarg.iter_mut())
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: Ident,
    /// A `def`'s parameter annotation when the `def` statement evaluates it and it may
    /// have an effect (a call, an operator other than `|`, ...); `None` otherwise and
    /// always for a lambda. Annotations made of names, attributes, subscripts, constants
    /// and `|` are assumed to have none.
    pub annotation: Option<Expr>,
    pub default: Option<Expr>,
}

/// A PEP 695 type parameter; compared by name.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeParam {
    pub kind: TypeParamKind,
    pub name: Name,
    pub bound: Option<Expr>,
    pub default: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WithItem {
    pub context_expr: Expr,
    pub optional_vars: Option<Expr>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatchCase {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Block,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExceptHandler {
    pub type_: Option<Expr>,
    pub name: Option<Ident>,
    pub body: Block,
    pub origin: Origin,
}

/// `import name as bound`; `bound` is what the statement binds (`None` for `*`).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportAlias {
    pub name: Name,
    pub bound: Option<Ident>,
    /// `import a.b` without `as`: binds the root package `a` (kept by name), not `a.b`.
    pub binds_root: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Keyword {
    /// `None` for `**mapping`.
    pub arg: Option<Name>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
    pub is_async: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DictItem {
    /// `None` for `**mapping`.
    pub key: Option<Expr>,
    pub value: Expr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    None,
    Bool(bool),
    Ellipsis,
    /// An integer's value in decimal (`0xff` and `255` are equal).
    Int(Box<str>),
    Float(u64),
    Complex(u64),
    Str(PyStr),
    Bytes(Box<[u8]>),
}

/// A Python `str` value. Python strings may hold lone surrogates (`"\ud800"`), which a
/// Rust `str` cannot: `text` has U+FFFD in their place and `surrogates` says which of its
/// chars they are, so two values are equal exactly when their `PyStr`s are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PyStr {
    text: Box<str>,
    /// The index (in chars of `text`) and the code point of each lone surrogate, in order.
    surrogates: Box<[(usize, u16)]>,
}

/// One code point of a [`PyStr`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePoint {
    Char(char),
    /// A lone surrogate, U+D800 to U+DFFF.
    Surrogate(u16),
}

impl PyStr {
    pub fn code_points(&self) -> impl Iterator<Item = CodePoint> + '_ {
        let mut surrogates = self.surrogates.iter().peekable();
        self.text.chars().enumerate().map(move |(index, c)| {
            match surrogates.next_if(|(at, _)| *at == index) {
                Some(&(_, surrogate)) => CodePoint::Surrogate(surrogate),
                None => CodePoint::Char(c),
            }
        })
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn contains(&self, c: char) -> bool {
        self.code_points().any(|point| point == CodePoint::Char(c))
    }

    pub fn push_str(&mut self, other: &PyStr) {
        *self = self.code_points().chain(other.code_points()).collect();
    }
}

impl From<&str> for PyStr {
    fn from(text: &str) -> Self {
        Self {
            text: text.into(),
            surrogates: Box::default(),
        }
    }
}

impl FromIterator<CodePoint> for PyStr {
    fn from_iter<I: IntoIterator<Item = CodePoint>>(points: I) -> Self {
        let mut text = String::new();
        let mut surrogates = Vec::new();
        for (index, point) in points.into_iter().enumerate() {
            match point {
                CodePoint::Char(c) => text.push(c),
                CodePoint::Surrogate(surrogate) => {
                    text.push(char::REPLACEMENT_CHARACTER);
                    surrogates.push((index, surrogate));
                }
            }
        }
        Self {
            text: text.into(),
            surrogates: surrogates.into(),
        }
    }
}

/// A piece of an f-string or t-string. The `=` of `f"{x=}"` is spelled out as literal
/// text plus `!r`, so renaming `x` keeps the printed text the program produces.
#[derive(Debug, Clone, PartialEq)]
pub enum InterpolatedPart {
    Literal(PyStr),
    Interpolation {
        expr: Expr,
        conversion: Option<char>,
        format_spec: Option<Vec<InterpolatedPart>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub origin: Origin,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Name(Ident),
    Literal(Literal),
    Interpolated {
        kind: InterpolatedKind,
        parts: Vec<InterpolatedPart>,
    },
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    /// `target := value`; the target is always a name.
    Named {
        target: Ident,
        value: Box<Expr>,
    },
    BinOp {
        left: Box<Expr>,
        op: Operator,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Lambda {
        params: Box<Params>,
        body: Box<Expr>,
        scope: ScopeTag,
    },
    /// `body if test else orelse`.
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    Dict(Vec<DictItem>),
    Set(Vec<Expr>),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    ListComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
        scope: ScopeTag,
    },
    SetComp {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
        scope: ScopeTag,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        generators: Vec<Comprehension>,
        scope: ScopeTag,
    },
    Generator {
        elt: Box<Expr>,
        generators: Vec<Comprehension>,
        scope: ScopeTag,
    },
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    Attribute {
        value: Box<Expr>,
        attr: Name,
    },
    Subscript {
        value: Box<Expr>,
        slice: Box<Expr>,
    },
    Starred(Box<Expr>),
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    /// An expression that did not parse. Never equal to anything.
    Unparsable(UnparsableMarker),
}

impl Expr {
    pub fn new(kind: ExprKind, origin: Origin) -> Self {
        Self { kind, origin }
    }

    pub fn none(origin: Origin) -> Self {
        Self::new(ExprKind::Literal(Literal::None), origin)
    }

    pub fn name(ident: Ident, origin: Origin) -> Self {
        Self::new(ExprKind::Name(ident), origin)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Pattern {
    Value(Expr),
    Singleton(Literal),
    Sequence(Vec<Pattern>),
    Mapping {
        keys: Vec<Expr>,
        patterns: Vec<Pattern>,
        rest: Option<Ident>,
    },
    Class {
        cls: Expr,
        patterns: Vec<Pattern>,
        kwd_attrs: Vec<Name>,
        kwd_patterns: Vec<Pattern>,
    },
    Star(Option<Ident>),
    As {
        pattern: Option<Box<Pattern>>,
        name: Option<Ident>,
    },
    Or(Vec<Pattern>),
}

/// What one comparison normalizes: a function, a class, or a module body.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    Function(Box<Function>),
    Class(Box<Class>),
    Module(Block),
}

impl Unit {
    /// The range of the item's `def`/`class` statement (empty for a module).
    pub fn origin(&self) -> Origin {
        match self {
            Unit::Function(function) => function.origin,
            Unit::Class(class) => class.origin,
            Unit::Module(_) => Origin::default(),
        }
    }
}
