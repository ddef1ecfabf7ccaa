//! The lossless printer: the rewrite as text edits on the original source.
//!
//! Architecture Invariant: every byte outside an edit's range is copied as it was, so a
//! file without edits comes back byte for byte, and comments, blank lines, quotes, tabs
//! and CRLF line endings survive around the edited spans.
//!
//! Edits are small: `await ` before a call, `async ` before `def` or `for`, a callee
//! replaced by another name, `asyncio.run(` and `)` removed around an argument, and
//! imports added once per file after the docstring and `from __future__` imports.
//! Parentheses are added only where precedence needs them: a call awaited as the value
//! of an attribute, subscript or call (`(await f())["k"]`) unless it is parenthesized
//! already, and an unwrapped argument that would otherwise lose the brackets that held
//! its lines together. A span an edit replaces keeps its comments ([`kept_comments`]).

use std::cell::OnceCell;
use std::sync::Arc;

use awaitify_db::{Db, File};
use awaitify_hir::hir::{Body, BodyId, Expr, ExprId, FileHir, Literal, Stmt};
use awaitify_hir::source_map::{BodySourceMap, FileSourceMap};
use awaitify_semantic::SemanticIndex;
use awaitify_semantic::index::BindingKind;
use ruff_python_ast::token::{Token, TokenKind};
use ruff_text_size::{TextRange, TextSize};
use rustc_hash::{FxHashMap, FxHashSet};

/// Replace `range` by `text`; an empty range inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: TextRange,
    pub text: String,
}

/// The edits that replace the first and the last character of `range` (a bracket or a
/// parenthesis each) by `open` and `close`: `(f(x) for x in xs)` to a list's brackets and
/// back.
pub fn replace_enclosing(range: TextRange, open: &str, close: &str) -> (Edit, Edit) {
    let one = TextSize::from(1);
    (
        Edit {
            range: TextRange::at(range.start(), one),
            text: open.to_string(),
        },
        Edit {
            range: TextRange::new(range.end() - one, range.end()),
            text: close.to_string(),
        },
    )
}

/// Applies `edits` to `source`. Insertions at one offset keep the order they were
/// added in and come before a replacement starting there.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, (String, TextSize)> {
    let mut out = String::with_capacity(source.len() + edits.len() * 8);
    let mut cursor = 0usize;
    for edit in in_order(edits) {
        let start = usize::from(edit.range.start());
        let end = usize::from(edit.range.end());
        if start < cursor || end > source.len() {
            return Err((
                format!("overlapping edits at offset {start}"),
                edit.range.start(),
            ));
        }
        out.push_str(&source[cursor..start]);
        out.push_str(&edit.text);
        cursor = end;
    }
    out.push_str(&source[cursor..]);
    Ok(out)
}

/// Puts a space between an edit's text and a word it would otherwise run into:
/// `return(w).step()` gains `await ` right after `return`, and `[0for x in g()]` gains
/// `async ` right after `0`; glued, they would read `returnawait` and `0async`.
pub fn keep_words_apart(source: &str, edits: &mut [Edit]) {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let order = application_order(edits);
    // The character the output holds just before the next edit's text.
    let mut cursor = 0usize;
    let mut previous: Option<char> = None;
    for (position, index) in order.iter().enumerate() {
        let start = usize::from(edits[*index].range.start());
        let end = usize::from(edits[*index].range.end());
        if start > cursor {
            previous = source[..start].chars().next_back();
        }
        let edit = &mut edits[*index];
        if edit.text.starts_with(is_word) && previous.is_some_and(is_word) {
            edit.text.insert(0, ' ');
        }
        // A word left in front of source that starts with one (by the text, or by a
        // deletion), where no later edit comes between them.
        let next_edit_here = order
            .get(position + 1)
            .is_some_and(|next| usize::from(edits[*next].range.start()) == end);
        let edit = &mut edits[*index];
        if let Some(last) = edit.text.chars().next_back() {
            previous = Some(last);
        }
        if !next_edit_here
            && previous.is_some_and(is_word)
            && source
                .get(end..)
                .is_some_and(|rest| rest.starts_with(is_word))
        {
            edit.text.push(' ');
            previous = Some(' ');
        }
        cursor = cursor.max(end);
    }
}

/// The edits in the order they apply: by position, insertions before replacements at
/// the same offset, and otherwise in the order they were decided.
fn in_order(edits: &[Edit]) -> impl Iterator<Item = &Edit> {
    application_order(edits)
        .into_iter()
        .map(move |index| &edits[index])
}

/// The indices of [`in_order`].
fn application_order(edits: &[Edit]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|index| {
        let edit = &edits[*index];
        (edit.range.start(), !edit.range.is_empty(), *index)
    });
    order
}

/// Where `output_offset` of the text [`apply_edits`] made comes from in the source: inside
/// an edit's new text, the edit's start.
pub fn source_offset(edits: &[Edit], output_offset: TextSize) -> TextSize {
    let target = i64::from(u32::from(output_offset));
    let mut shift: i64 = 0;
    for edit in in_order(edits) {
        let start = i64::from(u32::from(edit.range.start()));
        if start + shift > target {
            break;
        }
        let inserted = edit.text.len() as i64;
        if target < start + shift + inserted {
            return edit.range.start();
        }
        shift += inserted - i64::from(u32::from(edit.range.len()));
    }
    TextSize::try_from((target - shift).max(0) as usize).unwrap_or_default()
}

/// The comments and line breaks of a file, by its tokens. The HIR keeps neither, so the
/// file is parsed again, once, the first time a span's text may hold one.
pub struct Trivia<'a> {
    db: &'a dyn Db,
    file: File,
    tokens: OnceCell<&'a [Token]>,
}

impl<'a> Trivia<'a> {
    pub fn new(db: &'a dyn Db, file: File) -> Self {
        Trivia {
            db,
            file,
            tokens: OnceCell::new(),
        }
    }

    /// The tokens that lie within `span`.
    fn tokens_in(&self, span: TextRange) -> &'a [Token] {
        let tokens: &'a [Token] = self.tokens.get_or_init(|| {
            awaitify_hir::parsed_module(self.db, self.file)
                .parsed()
                .tokens()
        });
        let first = tokens.partition_point(|token| token.as_tuple().1.start() < span.start());
        let length =
            tokens[first..].partition_point(|token| token.as_tuple().1.end() <= span.end());
        &tokens[first..first + length]
    }

    /// The comments in `span` of the file's `source`, each from its `#` to the end of its
    /// line (a `#` in a string is none).
    pub fn comments(&self, source: &str, span: TextRange) -> Vec<TextRange> {
        if !source[span].contains('#') {
            return Vec::new();
        }
        self.tokens_in(span)
            .iter()
            .filter(|token| token.kind() == TokenKind::Comment)
            .map(|token| token.as_tuple().1)
            .collect()
    }

    /// Whether the expression at `range` breaks its line outside the brackets it opens
    /// itself (`client\n    .fetch()`, not `main(\n    1)`): only the brackets around it
    /// keep such a break from ending the statement.
    pub fn breaks_line_outside_brackets(&self, source: &str, range: TextRange) -> bool {
        if !source[range].contains(['\n', '\r']) {
            return false;
        }
        let mut depth = 0usize;
        for token in self.tokens_in(range) {
            match token.kind() {
                TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => depth += 1,
                TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                    depth = depth.saturating_sub(1);
                }
                TokenKind::NonLogicalNewline | TokenKind::Newline | TokenKind::Comment
                    if depth == 0 =>
                {
                    return true;
                }
                _ => {}
            }
        }
        false
    }
}

/// The text that replaces `span` of `source` and keeps its `comments` (in order): one on
/// the span's first line follows the replacement, two spaces after it; a later one keeps
/// a line of its own with its line's indentation. A comment ends its line, so after the
/// last one the text breaks the line again and indents as the line `span` ends on; with
/// `keep_end_line` it does that too when `span` ends on a line of its own (only
/// indentation before its end), so an argument or a closing parenthesis keeps its line.
pub fn kept_comments(
    source: &str,
    span: TextRange,
    comments: &[TextRange],
    keep_end_line: bool,
) -> String {
    let start = usize::from(span.start());
    let end = usize::from(span.end());
    let newline = line_ending(&source[start..]);
    let mut text = String::new();
    let mut previous = start;
    for comment in comments {
        let comment_start = usize::from(comment.start());
        if text.is_empty() && !source[previous..comment_start].contains(['\n', '\r']) {
            text.push_str("  ");
        } else {
            text.push_str(newline);
            text.push_str(indentation(source, comment_start));
        }
        text.push_str(&source[*comment]);
        previous = usize::from(comment.end());
    }
    let end_line = line_start_at(source, end);
    let on_own_line = end_line > start
        && source[end_line..end]
            .chars()
            .all(|c| matches!(c, ' ' | '\t' | '\x0c'));
    if !text.is_empty() || (keep_end_line && on_own_line) {
        text.push_str(newline);
        text.push_str(indentation(source, end));
    }
    text
}

/// The start of the line holding `offset`, after a `\n`, `\r\n` or `\r`.
fn line_start_at(source: &str, offset: usize) -> usize {
    source[..offset]
        .rfind(['\n', '\r'])
        .map_or(0, |index| index + 1)
}

/// The whitespace that starts the line holding `offset`, up to `offset`.
fn indentation(source: &str, offset: usize) -> &str {
    let line = &source[line_start_at(source, offset)..offset];
    &line[..line.len() - line.trim_start_matches([' ', '\t', '\x0c']).len()]
}

/// The identifiers a dotted name is written with (`time` and `sleep` in
/// `time  # c\n .sleep`), where the source writes them; `None` for any other expression,
/// or for a name the source spells otherwise (an NFKC variant).
pub fn dotted_parts(
    body: &Body,
    map: &BodySourceMap,
    source: &str,
    expr: ExprId,
) -> Option<Vec<TextRange>> {
    let range = map.expr(expr);
    let written =
        |range: TextRange| source.get(usize::from(range.start())..usize::from(range.end()));
    match &body.exprs[expr] {
        Expr::Name { id, .. } => (written(range)? == id.as_str()).then(|| vec![range]),
        Expr::Attribute { value, attr, .. } => {
            let mut parts = dotted_parts(body, map, source, *value)?;
            let attr_range = TextRange::new(
                range.end().checked_sub(TextSize::of(attr.as_str()))?,
                range.end(),
            );
            if written(attr_range)? != attr.as_str() {
                return None;
            }
            parts.push(attr_range);
            Some(parts)
        }
        _ => None,
    }
}

/// The edits that make callee `func` name `reference` (`asyncio.sleep`). Its comments
/// stay where they are: when the callee is a dotted name, each identifier is replaced
/// where it is written (leading ones the new name has no room for go with its first,
/// and the new name's extra parts join its last); a comment inside a span replaced
/// whole, or anywhere in another callee, follows the new text.
pub fn rename_callee(
    body: &Body,
    map: &BodySourceMap,
    source: &str,
    trivia: &Trivia,
    func: ExprId,
    reference: &str,
) -> Vec<Edit> {
    let range = map.expr(func);
    let comments = trivia.comments(source, range);
    let replace = |range: TextRange, text: String| {
        let inside: Vec<TextRange> = comments
            .iter()
            .filter(|comment| range.contains_range(**comment))
            .copied()
            .collect();
        let text = format!("{text}{}", kept_comments(source, range, &inside, false));
        (source[range] != text).then_some(Edit { range, text })
    };
    let parts = match dotted_parts(body, map, source, func) {
        Some(parts) if !comments.is_empty() => parts,
        _ => return replace(range, reference.to_string()).into_iter().collect(),
    };
    let names: Vec<&str> = reference.split('.').collect();
    let mut groups: Vec<(TextRange, String)> = Vec::new();
    if parts.len() >= names.len() {
        let merged = parts.len() - names.len();
        groups.push((
            TextRange::new(parts[0].start(), parts[merged].end()),
            names[0].to_string(),
        ));
        for (part, name) in parts[merged + 1..].iter().zip(&names[1..]) {
            groups.push((*part, name.to_string()));
        }
    } else {
        let last = parts.len() - 1;
        for (part, name) in parts[..last].iter().zip(&names) {
            groups.push((*part, name.to_string()));
        }
        groups.push((parts[last], names[last..].join(".")));
    }
    groups
        .into_iter()
        .filter_map(|(range, text)| replace(range, text))
        .collect()
}

/// Parent links of one body's expressions, to decide where parentheses are needed.
pub struct Parents {
    parent: FxHashMap<ExprId, ExprId>,
}

impl Parents {
    pub fn of(body: &Body) -> Parents {
        let mut parent = FxHashMap::default();
        for (id, expr) in body.exprs.iter() {
            expr.walk_children(|child| {
                parent.insert(child, id);
            });
        }
        Parents { parent }
    }

    pub fn get(&self, expr: ExprId) -> Option<ExprId> {
        self.parent.get(&expr).copied()
    }
}

/// Whether `expr`, once prefixed by `await`, must be parenthesized: it is the value of an
/// attribute, subscript or call (a primary position, which binds tighter than `await`)
/// and is not parenthesized already.
pub fn needs_parentheses(
    body: &Body,
    map: &BodySourceMap,
    parents: &Parents,
    expr: ExprId,
) -> bool {
    let Some(parent) = parents.get(expr) else {
        return false;
    };
    let primary = match &body.exprs[parent] {
        Expr::Attribute { value, .. } | Expr::Subscript { value, .. } => *value == expr,
        Expr::Call { func, .. } => *func == expr,
        _ => false,
    };
    // A parenthesized child starts after its parent does.
    primary && map.expr(parent).start() == map.expr(expr).start()
}

/// Whether `await <expr>` parses as awaiting all of `expr`.
pub fn binds_as_primary(body: &Body, expr: ExprId) -> bool {
    matches!(
        body.exprs[expr],
        Expr::Name { .. }
            | Expr::Literal(_)
            | Expr::Interpolated { .. }
            | Expr::Attribute { .. }
            | Expr::Subscript { .. }
            | Expr::Call { .. }
            | Expr::List { .. }
            | Expr::Dict { .. }
            | Expr::Set { .. }
            | Expr::ListComp { .. }
            | Expr::SetComp { .. }
            | Expr::DictComp { .. }
            | Expr::Generator {
                parenthesized: true,
                ..
            }
            | Expr::Tuple {
                parenthesized: true,
                ..
            }
    )
}

/// Decides how a file refers to the modules its new calls need (`asyncio`), adding
/// imports only when no existing one can be reused.
pub struct ImportPlanner<'a> {
    db: &'a dyn Db,
    file: File,
    hir: &'a FileHir,
    index: &'a SemanticIndex,
    map: &'a FileSourceMap,
    /// Modules to import, with the alias (if any), in the order first needed.
    pub new_imports: Vec<(String, Option<String>)>,
    chosen: FxHashMap<String, String>,
    /// Whether a new public global of the file would reach other modules through
    /// `from file import *` (see [`exports_new_globals`]); computed when first needed.
    exports_new_globals: OnceCell<bool>,
}

impl<'a> ImportPlanner<'a> {
    pub fn new(
        db: &'a dyn Db,
        file: File,
        hir: &'a FileHir,
        index: &'a SemanticIndex,
        map: &'a FileSourceMap,
    ) -> Self {
        ImportPlanner {
            db,
            file,
            hir,
            index,
            map,
            new_imports: Vec::new(),
            chosen: FxHashMap::default(),
            exports_new_globals: OnceCell::new(),
        }
    }

    /// Whether `name` is bound in any scope of the file, or is a builtin.
    fn is_taken(&self, name: &str) -> bool {
        awaitify_semantic::builtins::is_builtin(name)
            || self.index.scopes.iter().any(|(_, scope)| {
                scope
                    .symbols
                    .get(name)
                    .is_some_and(|symbol| !symbol.bindings.is_empty() || symbol.flags != 0)
            })
            || self.new_imports.iter().any(|(module, alias)| {
                alias
                    .as_deref()
                    .unwrap_or(module.split('.').next().unwrap_or_default())
                    == name
            })
    }

    /// An existing `import module [as name]` at module level that precedes `before`, whose
    /// name no other binding in the file reuses.
    fn existing(&self, module: &str, before: TextSize) -> Option<String> {
        let module_scope = self.index.module_scope();
        for (name, symbol) in &self.index.scopes[module_scope].symbols {
            let [binding] = symbol.bindings.as_slice() else {
                continue;
            };
            let data = &self.index.bindings[*binding];
            let BindingKind::Import { module: imported } = &data.kind else {
                continue;
            };
            let exact = imported == module
                && (name != module.split('.').next().unwrap_or_default() || !module.contains('.'));
            // Only an import every path runs: not one under `if TYPE_CHECKING:`, in a
            // `try`, or in a loop.
            let unconditional = matches!(
                data.site,
                awaitify_semantic::index::BindingSite::Name(
                    awaitify_hir::source_map::NameSite::Alias(stmt, _)
                ) if self.hir.module.block.contains(&stmt)
            );
            if !exact || data.body != BodyId::Module || !unconditional {
                continue;
            }
            let rebound_elsewhere = self.index.scopes.iter().any(|(scope, data)| {
                scope != module_scope
                    && data
                        .symbols
                        .get(name.as_str())
                        .is_some_and(|symbol| !symbol.bindings.is_empty())
            });
            let position = match data.site {
                awaitify_semantic::index::BindingSite::Name(site) => {
                    self.map.module.name(site).map(|range| range.end())
                }
                awaitify_semantic::index::BindingSite::Expr(expr) => {
                    Some(self.map.module.expr(expr).end())
                }
            };
            // `del asyncio` anywhere unbinds it for whatever runs afterwards.
            let deletes_name = |body: &Body, stmt: &Stmt| match stmt {
                Stmt::Delete { targets } => targets.iter().any(
                    |target| matches!(&body.exprs[*target], Expr::Name { id, .. } if id == name),
                ),
                _ => false,
            };
            let deleted = self
                .hir
                .bodies()
                .any(|(_, body)| body.stmts.iter().any(|(_, stmt)| deletes_name(body, stmt)));
            if !rebound_elsewhere && !deleted && position.is_some_and(|position| position <= before)
            {
                return Some(name.to_string());
            }
        }
        None
    }

    /// The expression that names `qualified` (`asyncio.sleep`) at a site at `position`
    /// (module-level sites must come after a reused import).
    pub fn reference(&mut self, qualified: &str, module: &str, position: TextSize) -> String {
        let attribute = qualified
            .strip_prefix(module)
            .unwrap_or(qualified)
            .trim_start_matches('.');
        let prefix = if let Some(chosen) = self.chosen.get(module) {
            chosen.clone()
        } else if let Some(existing) = self.existing(module, position) {
            self.chosen.insert(module.to_string(), existing.clone());
            existing
        } else {
            let top = module.split('.').next().unwrap_or(module).to_string();
            // A public name would also be bound in every module that star-imports this
            // one, over that module's own `asyncio`: a private alias is not exported.
            let exported = *self
                .exports_new_globals
                .get_or_init(|| exports_new_globals(self.db, self.file));
            let prefix = if !exported && !self.is_taken(&top) {
                self.new_imports.push((module.to_string(), None));
                module.to_string()
            } else {
                let base = format!("_{}", module.replace('.', "_"));
                let mut alias = base.clone();
                let mut counter = 1;
                while self.is_taken(&alias) {
                    alias = format!("{base}_{counter}");
                    counter += 1;
                }
                self.new_imports
                    .push((module.to_string(), Some(alias.clone())));
                alias
            };
            self.chosen.insert(module.to_string(), prefix.clone());
            prefix
        };
        if attribute.is_empty() {
            prefix
        } else {
            format!("{prefix}.{attribute}")
        }
    }

    /// The edit that adds the planned imports, if any.
    pub fn import_edit(&self, source: &str) -> Option<Edit> {
        if self.new_imports.is_empty() {
            return None;
        }
        let newline = line_ending(source);
        let statements: Vec<String> = self
            .new_imports
            .iter()
            .map(|(module, alias)| match alias {
                Some(alias) => format!("import {module} as {alias}"),
                None => format!("import {module}"),
            })
            .collect();
        let edit = match import_position(self.hir, &self.map.module, source) {
            ImportPosition::LineStart(position) => {
                let mut text: String = statements
                    .iter()
                    .map(|statement| format!("{statement}{newline}"))
                    .collect();
                if usize::from(position) == source.len()
                    && !source.is_empty()
                    && !source.ends_with('\n')
                {
                    text.insert_str(0, newline);
                }
                Edit {
                    range: TextRange::empty(position),
                    text,
                }
            }
            ImportPosition::SameLine(position) => Edit {
                range: TextRange::empty(position),
                text: statements
                    .iter()
                    .map(|statement| format!("; {statement}"))
                    .collect(),
            },
        };
        Some(edit)
    }
}

/// Whether a new public global of `file` would be bound in another module: some project
/// module star-imports it (see [`star_imported_modules`]) and it has no literal
/// `__all__`, so the star import may take every public name. Each module that
/// re-exports it further does so through that first star import, so a direct one is
/// what matters.
fn exports_new_globals(db: &dyn Db, file: File) -> bool {
    // A computed `__all__` (`[n for n in dir() if not n.startswith("_")]`) may take a
    // public name as well; only a literal one surely leaves it out.
    !matches!(
        awaitify_semantic::module_exports(db, file).all,
        awaitify_semantic::DunderAll::Known(_)
    ) && star_imported_modules(db).contains(&file)
}

/// The project modules some project module star-imports (`from helpers import *`,
/// possibly inside an `if` or a `try`). A star import the project resolves only as a
/// tail of a module's name (`helpers` for `src/helpers.py` on `sys.path`) counts for
/// each module it may be.
#[salsa::tracked(returns(ref))]
pub fn star_imported_modules(db: &dyn Db) -> Arc<FxHashSet<File>> {
    let mut imported = FxHashSet::default();
    for importer in db.project().files(db).iter() {
        for (module, level) in awaitify_semantic::module_exports(db, *importer)
            .star_imports
            .iter()
        {
            let Some(absolute) =
                awaitify_semantic::absolute_module_name(db, *importer, module.as_deref(), *level)
            else {
                continue;
            };
            match awaitify_semantic::resolve_module(db, &absolute) {
                Some(target) => {
                    imported.insert(target);
                }
                None => {
                    if let Some(files) = awaitify_semantic::project_module_tails(db).get(&absolute)
                    {
                        imported.extend(files.iter().copied());
                    }
                }
            }
        }
    }
    Arc::new(imported)
}

/// Where new imports go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportPosition {
    /// On lines of their own, starting here.
    LineStart(TextSize),
    /// Right after a statement that another statement follows on the same logical line
    /// (`"""Doc."""; import time`): the imports join that line, separated by `;`.
    SameLine(TextSize),
}

/// After the module docstring and any `from __future__` imports (the start of the next
/// logical line), else at the start of the first statement's line.
pub fn import_position(hir: &FileHir, map: &BodySourceMap, source: &str) -> ImportPosition {
    let body = &hir.module;
    let mut last_prefix_end: Option<TextSize> = None;
    for (position, stmt) in body.block.iter().enumerate() {
        let is_docstring = position == 0
            && matches!(&body.stmts[*stmt], Stmt::Expr { value } if matches!(body.exprs[*value], Expr::Literal(Literal::Str(_))));
        let is_future = matches!(&body.stmts[*stmt], Stmt::ImportFrom { module: Some(module), level: 0, .. } if module == "__future__");
        if is_docstring || is_future {
            last_prefix_end = Some(map.stmt(*stmt).end());
        } else {
            break;
        }
    }
    match last_prefix_end {
        Some(end) => match next_logical_line(source, end) {
            Some(next) => ImportPosition::LineStart(next),
            None => ImportPosition::SameLine(end),
        },
        None => ImportPosition::LineStart(match body.block.first() {
            Some(first) => line_start(source, map.stmt(*first).start()),
            None => TextSize::from(0),
        }),
    }
}

fn line_start(source: &str, offset: TextSize) -> TextSize {
    let offset = usize::from(offset);
    TextSize::try_from(source[..offset].rfind('\n').map_or(0, |index| index + 1))
        .unwrap_or_default()
}

/// The start of the logical line after a statement ending at `offset`: trailing
/// whitespace, a comment and backslash continuations belong to the statement's line.
/// `None` when another statement follows on the same line (after `;`).
fn next_logical_line(source: &str, offset: TextSize) -> Option<TextSize> {
    let bytes = source.as_bytes();
    let mut index = usize::from(offset);
    while index < bytes.len() {
        match bytes[index] {
            b' ' | b'\t' | b'\x0c' => index += 1,
            b'\\' => {
                // A continuation: the backslash, then the line break.
                index += 1;
                if bytes.get(index) == Some(&b'\r') {
                    index += 1;
                }
                if bytes.get(index) == Some(&b'\n') {
                    index += 1;
                }
            }
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' {
                    index += 1;
                }
            }
            b'\r' if bytes.get(index + 1) == Some(&b'\n') => {
                return TextSize::try_from(index + 2).ok();
            }
            b'\n' | b'\r' => return TextSize::try_from(index + 1).ok(),
            b';' => return None,
            _ => return None,
        }
    }
    TextSize::try_from(bytes.len()).ok()
}

/// The line ending `text` uses, by its first line break: `\r\n`, `\r` (old Mac files,
/// which Python reads too) or `\n` (also for text with none).
pub fn line_ending(text: &str) -> &'static str {
    match text.find(['\r', '\n']) {
        Some(index) if text[index..].starts_with("\r\n") => "\r\n",
        Some(index) if text[index..].starts_with('\r') => "\r",
        _ => "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_order_and_insertions_precede_replacements() {
        let source = "x = f(1)\n";
        let edits = [
            Edit {
                range: TextRange::new(4.into(), 5.into()),
                text: "g".into(),
            },
            Edit {
                range: TextRange::empty(4.into()),
                text: "await ".into(),
            },
        ];
        assert_eq!(apply_edits(source, &edits).unwrap(), "x = await g(1)\n");
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let edits = [
            Edit {
                range: TextRange::new(0.into(), 3.into()),
                text: "a".into(),
            },
            Edit {
                range: TextRange::new(2.into(), 4.into()),
                text: "b".into(),
            },
        ];
        assert_eq!(
            apply_edits("abcdef", &edits).unwrap_err().1,
            TextSize::from(2)
        );
    }

    #[test]
    fn output_offsets_map_back_to_the_source() {
        let source = "x = f(1)\ny = 2\n";
        let edits = [
            Edit {
                range: TextRange::empty(4.into()),
                text: "await ".into(),
            },
            Edit {
                range: TextRange::new(4.into(), 5.into()),
                text: "gg".into(),
            },
        ];
        let output = apply_edits(source, &edits).unwrap();
        assert_eq!(output, "x = await gg(1)\ny = 2\n");
        // `y` moved by the 7 inserted bytes; `(` by them too; `await` came from an edit.
        let y = TextSize::try_from(output.find('y').unwrap()).unwrap();
        assert_eq!(source_offset(&edits, y), TextSize::from(9));
        let paren = TextSize::try_from(output.find('(').unwrap()).unwrap();
        assert_eq!(source_offset(&edits, paren), TextSize::from(5));
        assert_eq!(source_offset(&edits, TextSize::from(6)), TextSize::from(4));
    }
}
