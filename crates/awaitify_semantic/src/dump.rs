//! The text `awaitify hir FILE` prints: scopes as a tree, each symbol's bindings, and
//! each name use with the bindings that reach it and what it resolves to.
//!
//! Positions are `line:column`, 1-based, so the dump can be read next to the source.

use std::fmt::Write;

use awaitify_db::{Db, File};
use awaitify_diagnostics::LineIndex;
use awaitify_hir::hir::index_of;
use awaitify_hir::{file_hir, file_source_map};
use ruff_text_size::TextRange;

use crate::index::{
    BindingId, BindingSite, Fallback, ScopeId, ScopeKind, ScopeNode, SemanticIndex,
};
use crate::resolve::{Candidate, Resolution, Target, describe_target};
use crate::{file_resolutions, semantic_index};

/// The source range of a binding's site.
pub fn binding_range(
    db: &dyn Db,
    file: File,
    index: &SemanticIndex,
    binding: BindingId,
) -> TextRange {
    let data = &index.bindings[binding];
    let map = file_source_map(db, file);
    let body = map.body(data.body);
    match data.site {
        BindingSite::Expr(expr) => body.expr(expr),
        BindingSite::Name(site) => body.name(site).unwrap_or_default(),
    }
}

/// A target or reason, as dumps and fixtures write it.
pub fn describe_resolution(db: &dyn Db, resolution: &Resolution) -> String {
    match resolution {
        Resolution::Definite(target) => describe_target(db, target),
        Resolution::Unresolved(reason) => format!("unresolved ({reason})"),
        Resolution::Ambiguous(candidates) => {
            let mut names: Vec<String> = candidates
                .iter()
                .map(|candidate| describe_candidate(db, candidate))
                .collect();
            names.sort();
            names.dedup();
            format!("ambiguous [{}]", names.join(", "))
        }
    }
}

fn describe_candidate(db: &dyn Db, candidate: &Candidate) -> String {
    match &candidate.target {
        Ok(target) => describe_target(db, target),
        Err(reason) => format!("unresolved ({reason})"),
    }
}

/// Whether a target lies outside the project (for the dump's legend).
pub fn is_external(target: &Target) -> bool {
    matches!(target, Target::External(_) | Target::Builtin(_))
}

pub fn dump_file(db: &dyn Db, file: File) -> String {
    let index = semantic_index(db, file);
    let hir = file_hir(db, file);
    let resolutions = file_resolutions(db, file);
    let text = file.text(db);
    let lines = LineIndex::new(text);
    let position = |range: TextRange| {
        let (line, column) = lines.line_column(text, range.start());
        format!("{line}:{column}")
    };
    let mut out = String::new();
    let mut children: Vec<Vec<ScopeId>> = vec![Vec::new(); index.scopes.len()];
    for (scope, data) in index.scopes.iter() {
        if let Some(parent) = data.parent {
            children[index_of(parent)].push(scope);
        }
    }
    let mut stack = vec![(index.module_scope(), 0usize)];
    while let Some((scope, depth)) = stack.pop() {
        let data = &index.scopes[scope];
        let indent = "  ".repeat(depth);
        let title = match data.node {
            ScopeNode::Module => "module".to_string(),
            ScopeNode::Function(function) => format!("function {}", hir.functions[function].name),
            ScopeNode::Class(class) => format!("class {}", hir.classes[class].name),
            ScopeNode::Lambda { .. } => "lambda".to_string(),
            ScopeNode::Comprehension { .. } => "comprehension".to_string(),
            ScopeNode::TypeParams { .. } => "type parameters".to_string(),
        };
        let _ = writeln!(out, "{indent}scope {title}");
        for (name, symbol) in &data.symbols {
            let mut flags = Vec::new();
            if symbol.has(crate::index::Symbol::GLOBAL) {
                flags.push("global");
            }
            if symbol.has(crate::index::Symbol::NONLOCAL) {
                flags.push("nonlocal");
            }
            if data.kind.is_function_like() && symbol.is_local() {
                flags.push("local");
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" ({})", flags.join(", "))
            };
            if symbol.bindings.is_empty() && flags.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{indent}  symbol {name}{flags}");
            for binding in &symbol.bindings {
                let range = binding_range(db, file, index, *binding);
                let kind = index.bindings[*binding].kind.describe();
                let _ = writeln!(
                    out,
                    "{indent}    binding {} {kind} at {}",
                    binding.into_raw().into_u32(),
                    position(range)
                );
            }
        }
        if data.kind == ScopeKind::Module
            && let Some(star) = data.opaque_star
        {
            let range = binding_range(db, file, index, star);
            let _ = writeln!(out, "{indent}  opaque star import at {}", position(range));
        }
        for child in children[index_of(scope)].iter().rev() {
            stack.push((*child, depth + 1));
        }
    }
    let _ = writeln!(out, "uses");
    let map = file_source_map(db, file);
    let mut uses: Vec<_> = index
        .uses
        .iter()
        .map(|(id, data)| (map.body(data.body).expr(data.expr), id))
        .collect();
    uses.sort_by_key(|(range, _)| range.start());
    for (range, use_id) in uses {
        let data = &index.uses[use_id];
        let mut reaching: Vec<String> = index
            .reaching(use_id)
            .iter()
            .map(|binding| binding.into_raw().into_u32().to_string())
            .collect();
        match data.fallback {
            Fallback::None => {}
            Fallback::Builtin => reaching.push("builtin".into()),
            Fallback::Unbound => reaching.push("unbound".into()),
            Fallback::OpaqueStar(_) => reaching.push("star".into()),
        }
        let _ = writeln!(
            out,
            "  {} {} <- [{}] => {}",
            position(range),
            index.use_name(hir, use_id),
            reaching.join(", "),
            describe_resolution(db, resolutions.of(use_id))
        );
    }
    out
}
