//! Parsing and lowering: Python source to the HIR of [`hir`], with positions in
//! [`source_map`].
//!
//! This crate owns the `parsed_module`, `lowered_file`, `file_hir` and `file_source_map`
//! queries. It depends on `awaitify_db` for inputs and `awaitify_diagnostics` for syntax
//! errors; it may not depend on name resolution or anything later in the pipeline.
//!
//! Invariants:
//! - Every statement and expression the parser produces is lowered; syntax error
//!   recovery nodes become `Stmt::Error` / `Expr::Error`, never a panic.
//! - [`file_hir`] is position-free and compared by value, so an edit that only moves
//!   text (or changes one function body) backdates every query that reads other bodies.

pub mod dump;
pub mod hir;
mod lower;
pub mod source_map;

use std::sync::Arc;

use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;

pub use lower::lower_module;

/// The parse of a file: ruff's tree and its syntax errors. Never compared (`no_eq`):
/// a re-parse always counts as a change, and [`file_hir`] is where backdating happens.
#[derive(Clone)]
pub struct ParsedModule(Arc<Parsed<ModModule>>);

impl ParsedModule {
    pub fn parsed(&self) -> &Parsed<ModModule> {
        &self.0
    }
    pub fn syntax(&self) -> &ModModule {
        self.0.syntax()
    }
}

impl PartialEq for ParsedModule {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for ParsedModule {}

impl std::fmt::Debug for ParsedModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParsedModule").finish_non_exhaustive()
    }
}

/// Parses `file` with ruff's parser, recovering from errors. For tools that want ruff's
/// tree; the pipeline itself goes through [`lowered_file`]. Only a few trees are kept.
#[salsa::tracked(returns(ref), no_eq, lru = 16)]
pub fn parsed_module(db: &dyn Db, file: File) -> ParsedModule {
    let parsed = ruff_python_parser::parse_unchecked_source(
        file.text(db),
        ruff_python_ast::PySourceType::Python,
    );
    ParsedModule(Arc::new(parsed))
}

/// A syntax error: its message and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub range: ruff_text_size::TextRange,
}

/// The syntax errors of `file` as diagnostics (code `AW001`).
pub fn syntax_diagnostics(db: &dyn Db, file: File) -> Vec<Diagnostic> {
    lowered_file(db, file)
        .errors
        .iter()
        .map(|error| {
            Diagnostic::error(Code::SyntaxError, error.message.clone())
                .with_primary(Label::new(file, error.range, "here"))
                .with_note("awaitify never writes a file that fails to parse")
        })
        .collect()
}

/// Whether `file` has at least one syntax error.
pub fn has_syntax_errors(db: &dyn Db, file: File) -> bool {
    !lowered_file(db, file).errors.is_empty()
}

/// Whether awaitify may write `file`: its text was decoded exactly and it parses.
/// The calls of a file that may not be written still count; its own code never changes.
pub fn is_rewritable(db: &dyn Db, file: File) -> bool {
    !file.decoded_lossily(db) && !has_syntax_errors(db, file)
}

/// What one lowering produces. Never compared: [`file_hir`] is where backdating happens.
#[derive(Debug, Clone)]
pub struct LoweredFile {
    pub hir: Arc<hir::FileHir>,
    pub source_map: Arc<source_map::FileSourceMap>,
    pub errors: Arc<[SyntaxError]>,
}

impl PartialEq for LoweredFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.hir, &other.hir)
    }
}
impl Eq for LoweredFile {}

/// Parses and lowers `file`. The parse tree is dropped here rather than memoized: the
/// HIR and source map carry everything later stages need, and keeping every file's tree
/// alive would cost more memory than re-parsing the rare file a tool asks it of.
#[salsa::tracked(returns(ref), no_eq)]
pub fn lowered_file(db: &dyn Db, file: File) -> LoweredFile {
    let text = file.text(db);
    let parsed =
        ruff_python_parser::parse_unchecked_source(text, ruff_python_ast::PySourceType::Python);
    let errors = parsed
        .errors()
        .iter()
        .map(|error| SyntaxError {
            message: error.error.to_string(),
            range: error.location,
        })
        .collect();
    let (hir, source_map) = lower_module(text, &mut parsed.into_syntax());
    LoweredFile {
        hir: Arc::new(hir),
        source_map: Arc::new(source_map),
        errors,
    }
}

/// The position-free HIR of `file`. Compared by value: equal HIR backdates dependants.
#[salsa::tracked(returns(ref))]
pub fn file_hir(db: &dyn Db, file: File) -> Arc<hir::FileHir> {
    lowered_file(db, file).hir.clone()
}

/// The source map of `file`.
#[salsa::tracked(returns(ref))]
pub fn file_source_map(db: &dyn Db, file: File) -> Arc<source_map::FileSourceMap> {
    lowered_file(db, file).source_map.clone()
}
