//! Text ranges of HIR nodes, kept apart from the HIR itself.
//!
//! The HIR is compared by salsa to decide whether dependants re-run; positions would make
//! every edit look like a change. So each body has a [`BodySourceMap`] from its ids to the
//! [`TextRange`]s they came from, and identifiers that are not expressions (a `def`'s
//! name, an import alias, an `except ... as` name, a capture pattern's name, a
//! parameter) are keyed by [`NameSite`].
//!
//! Ranges are those of the parser: an expression's range excludes any parentheses
//! around it.

use la_arena::ArenaMap;
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::FxHashMap;

use crate::hir::{BodyId, ClassId, ExprId, FileHir, FunctionId, PatId, StmtId, index_of};

/// An identifier in the source that is not an `Expr::Name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameSite {
    /// The name of the `def` or `class` statement.
    ItemName(StmtId),
    /// The bound name of the `index`-th alias of an import statement (`asname` if
    /// present, else the imported name).
    Alias(StmtId, u32),
    /// The `as` name of the `index`-th handler of a `try` statement.
    Handler(StmtId, u32),
    /// The `index`-th name of a `global` or `nonlocal` statement.
    Declared(StmtId, u32),
    /// The capture name of a pattern (`as` name, star name, or mapping rest).
    Pattern(PatId),
    /// The `index`-th parameter (source order) of the function owning this body's map.
    Param(u32),
    /// The `index`-th parameter of a lambda expression.
    LambdaParam(ExprId, u32),
    /// The `index`-th type parameter of the item or alias defined by a statement.
    TypeParam(StmtId, u32),
    /// The `index`-th keyword of a call or class header.
    Keyword(ExprId, u32),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodySourceMap {
    /// The range of each expression, statement and pattern, indexed by its id: every
    /// node has one, so these are plain slices of exactly the body's size.
    pub exprs: Box<[TextRange]>,
    pub stmts: Box<[TextRange]>,
    pub patterns: Box<[TextRange]>,
    pub names: FxHashMap<NameSite, TextRange>,
    /// For each `def`/`class` statement and compound statement of this body, the offset of
    /// its keyword (`def`, `for`, `with`), so printers can insert `async ` before it.
    pub keywords: FxHashMap<StmtId, TextSize>,
    /// For each comprehension generator `(expr, index)`, the offset of its `for` keyword.
    pub comprehension_fors: FxHashMap<(ExprId, u32), TextSize>,
}

impl BodySourceMap {
    pub fn expr(&self, id: ExprId) -> TextRange {
        range_of(&self.exprs, id)
    }
    pub fn stmt(&self, id: StmtId) -> TextRange {
        range_of(&self.stmts, id)
    }
    pub fn pattern(&self, id: PatId) -> TextRange {
        range_of(&self.patterns, id)
    }
    pub fn name(&self, site: NameSite) -> Option<TextRange> {
        self.names.get(&site).copied()
    }
    /// The range a block of statements covers, from its first to its last; `None` for
    /// an empty one.
    pub fn block(&self, block: &[StmtId]) -> Option<TextRange> {
        Some(self.stmt(*block.first()?).cover(self.stmt(*block.last()?)))
    }
}

/// The range of node `id` in `ranges`; empty for an id of another body.
fn range_of<T>(ranges: &[TextRange], id: la_arena::Idx<T>) -> TextRange {
    ranges.get(index_of(id)).copied().unwrap_or_default()
}

/// Source maps of every body of a file, mirroring [`FileHir`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSourceMap {
    pub module: BodySourceMap,
    pub functions: ArenaMap<FunctionId, BodySourceMap>,
    pub classes: ArenaMap<ClassId, BodySourceMap>,
}

impl FileSourceMap {
    pub fn body(&self, id: BodyId) -> &BodySourceMap {
        static EMPTY: std::sync::OnceLock<BodySourceMap> = std::sync::OnceLock::new();
        let found = match id {
            BodyId::Module => Some(&self.module),
            BodyId::Function(function) => self.functions.get(function),
            BodyId::Class(class) => self.classes.get(class),
        };
        found.unwrap_or_else(|| EMPTY.get_or_init(BodySourceMap::default))
    }

    /// The range of the statement that defines `item`'s body (its `def`/`class`).
    pub fn item_stmt(&self, hir: &FileHir, item: BodyId) -> Option<TextRange> {
        let (parent, stmt) = match item {
            BodyId::Module => return None,
            BodyId::Function(function) => {
                let data = &hir.functions[function];
                (data.parent, data.stmt)
            }
            BodyId::Class(class) => {
                let data = &hir.classes[class];
                (data.parent, data.stmt)
            }
        };
        Some(self.body(parent).stmt(stmt))
    }

    /// The range of the name of `item`'s `def`/`class` statement.
    pub fn item_name(&self, hir: &FileHir, item: BodyId) -> Option<TextRange> {
        let (parent, stmt) = match item {
            BodyId::Module => return None,
            BodyId::Function(function) => {
                let data = &hir.functions[function];
                (data.parent, data.stmt)
            }
            BodyId::Class(class) => {
                let data = &hir.classes[class];
                (data.parent, data.stmt)
            }
        };
        self.body(parent).name(NameSite::ItemName(stmt))
    }
}
