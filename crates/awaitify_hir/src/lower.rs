//! Lowering from ruff's AST to the HIR (to be filled in).
use crate::hir::FileHir;
use crate::source_map::FileSourceMap;
use ruff_python_ast::ModModule;

/// Lowers a parsed module. `source` is the text it was parsed from.
pub fn lower_module(_source: &str, _module: &ModModule) -> (FileHir, FileSourceMap) {
    (FileHir::default(), FileSourceMap::default())
}
