//! Splitting a `with` statement whose items are entered partly asynchronously.
//!
//! `with a() as x, b() as y: body` is, by the language's definition, `with a() as x:`
//! around `with b() as y: body`. When some of its items become `async with` (a
//! `@contextmanager` that becomes async) and others stay synchronous (`open(path)`), the
//! statement is split there: each run of items of one kind becomes its own statement,
//! nested in the one before, and the body is indented once per split. Only a header on
//! one line, without parentheses around its items, over a body whose statements are
//! indented under it (no form feed, no lone carriage return) is split; any other stays
//! refused (AW220), so the coloring and the rewrite ask the same question, [`layout`].

use awaitify_db::{Db, File};
use awaitify_hir::hir::{BodyId, Expr, Literal, Stmt, StmtId};
use awaitify_hir::{file_hir, file_source_map};
use ruff_python_ast::token::TokenKind;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::print::Edit;

/// Where a `with` statement's header and body lie, when it can be split.
pub(crate) struct Layout {
    /// The offset of the `with` keyword.
    keyword: TextSize,
    /// The header line's indentation.
    indent: String,
    /// One level of indentation, as the body uses it.
    unit: String,
    /// The file's line ending at the header.
    newline: &'static str,
    /// The comma after each item but the last, with the spaces after it.
    commas: Vec<TextRange>,
    /// Where each line of the body after the header's gains its indentation: after the
    /// header's own (a tab stop before it would swallow spaces put in front).
    body_lines: Vec<TextSize>,
    /// The whole statement.
    range: TextRange,
}

/// The layout of the `with` statement `stmt` of `body_id`, if it can be split.
pub(crate) fn layout(db: &dyn Db, file: File, body_id: BodyId, stmt: StmtId) -> Option<Layout> {
    let hir = file_hir(db, file);
    let body = hir.body(body_id);
    let Stmt::With {
        items,
        body: block,
        is_async: false,
    } = &body.stmts[stmt]
    else {
        return None;
    };
    let map = file_source_map(db, file).body(body_id);
    let source: &str = file.text(db);
    let keyword = *map.keywords.get(&stmt)?;
    let line_start = source[..usize::from(keyword)]
        .rfind('\n')
        .map_or(0, |newline| newline + 1);
    let indent = &source[line_start..usize::from(keyword)];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let after_keyword = usize::from(keyword) + "with".len();
    let first = usize::from(map.expr(items.first()?.context_expr).start());
    // Parentheses around the items (or the first item's own) are not split.
    if !source.get(after_keyword..first)?.trim().is_empty() {
        return None;
    }
    let item_end = |index: usize| {
        let item = &items[index];
        map.expr(item.optional_vars.unwrap_or(item.context_expr))
            .end()
    };
    let mut commas = Vec::with_capacity(items.len() - 1);
    for index in 0..items.len() - 1 {
        let end = usize::from(item_end(index));
        let next = usize::from(map.expr(items[index + 1].context_expr).start());
        let between = source.get(end..next)?;
        let comma = between.find(',')?;
        let (before, after) = (&between[..comma], &between[comma + 1..]);
        // One line, spaces only.
        let spaces = |text: &str| text.chars().all(|c| c == ' ' || c == '\t');
        if !spaces(before) || !spaces(after) {
            return None;
        }
        commas.push(TextRange::new(
            TextSize::try_from(end + comma).ok()?,
            TextSize::try_from(next).ok()?,
        ));
    }
    let last_end = usize::from(item_end(items.len() - 1));
    let colon = last_end + source.get(last_end..)?.find(':')?;
    if !source[last_end..colon].trim().is_empty() {
        return None;
    }
    let header_end = source[colon..]
        .find('\n')
        .map_or(source.len(), |at| colon + at);
    let newline = if source[..header_end].ends_with('\r') {
        "\r\n"
    } else {
        "\n"
    };
    let statement_end = usize::from(map.stmt(stmt).end());
    // A form feed resets the indentation column, and a lone carriage return ends a line
    // this does not count: neither is split.
    let text = &source[usize::from(keyword)..statement_end];
    if text.contains('\x0c') || text.replace("\r\n", "").contains('\r') {
        return None;
    }
    // Lines that start inside a string literal are the string's text, not code.
    let strings: Vec<TextRange> = hir
        .bodies()
        .flat_map(|(id, body)| {
            let map = file_source_map(db, file).body(id);
            body.exprs
                .iter()
                .filter(|(_, expr)| {
                    matches!(
                        expr,
                        Expr::Literal(Literal::Str(_) | Literal::Bytes(_))
                            | Expr::Interpolated { .. }
                    )
                })
                .map(move |(expr_id, _)| map.expr(expr_id))
        })
        .filter(|range| {
            usize::from(range.end()) > header_end && usize::from(range.start()) < statement_end
        })
        .collect();
    // Where each logical line of the body starts (a statement or a clause header, whose
    // indentation counts); comments and continuation lines may sit anywhere.
    let mut logical_starts = rustc_hash::FxHashSet::default();
    let mut after_newline = false;
    let tokens = awaitify_hir::parsed_module(db, file).parsed().tokens();
    // From the header's colon: its line ends in a `Newline` token (`\r\n` starts before
    // `header_end`).
    let from = tokens.partition_point(|token| usize::from(token.start()) <= colon);
    for token in &tokens[from..] {
        if usize::from(token.start()) >= statement_end {
            break;
        }
        match token.kind() {
            TokenKind::Newline => after_newline = true,
            TokenKind::NonLogicalNewline
            | TokenKind::Comment
            | TokenKind::Indent
            | TokenKind::Dedent => {}
            _ if after_newline => {
                logical_starts.insert(token.start());
                after_newline = false;
            }
            _ => {}
        }
    }
    let mut body_lines = Vec::new();
    let mut unit = None;
    let mut position = header_end;
    while position < statement_end {
        let start = position + 1;
        let end = source[start..]
            .find('\n')
            .map_or(source.len(), |at| start + at);
        let line = &source[start..end];
        let offset = TextSize::try_from(start).ok()?;
        let code = line.trim_start_matches([' ', '\t']);
        let in_string = strings
            .iter()
            .any(|string| string.start() < offset && offset < string.end());
        if !in_string && !code.trim_end_matches('\r').is_empty() && start < statement_end {
            let code_start = offset + TextSize::of(&line[..line.len() - code.len()]);
            let logical = logical_starts.contains(&code_start);
            match line[..line.len() - code.len()].strip_prefix(indent) {
                Some(own) => {
                    body_lines.push(offset + TextSize::of(indent));
                    if unit.is_none() && logical {
                        unit = Some(own.to_string());
                    }
                }
                // A statement of the body under less than the header's indentation.
                None if logical => return None,
                None => {}
            }
        }
        position = end;
    }
    // A body on the header's line (`with a(), b(): pass`) has no line of its own.
    let unit = match unit {
        Some(unit) if !unit.is_empty() => unit,
        Some(_) => return None,
        None if block.is_empty() => return None,
        None if indent.contains('\t') => "\t".to_string(),
        None => "    ".to_string(),
    };
    Some(Layout {
        keyword,
        indent: indent.to_string(),
        unit,
        newline,
        commas,
        body_lines,
        range: map.stmt(stmt),
    })
}

impl Layout {
    /// How many levels the split adds to the body.
    pub(crate) fn levels(&self, entered_async: &[bool]) -> usize {
        entered_async
            .windows(2)
            .filter(|pair| pair[0] != pair[1])
            .count()
    }

    /// Whether this statement's body holds `other`'s header.
    pub(crate) fn encloses(&self, other: &Layout) -> bool {
        self.range.contains_range(other.range) && self.range != other.range
    }

    /// The edits that enter the items marked `true` in `entered_async` with `async with`
    /// and the others with `with`, each run of one kind a statement of its own.
    /// `enclosing` are the splits around this statement, with the levels each adds: its
    /// new header lines get their indentation too.
    pub(crate) fn edits(
        &self,
        entered_async: &[bool],
        enclosing: &[(&Layout, usize)],
    ) -> Vec<Edit> {
        // The header's indentation as the splits around it leave it: the innermost first,
        // so that each insertion leaves the place of the outer ones where it was.
        let mut indent = self.indent.clone();
        let mut around: Vec<&(&Layout, usize)> = enclosing.iter().collect();
        around.sort_by_key(|(layout, _)| std::cmp::Reverse(layout.indent.len()));
        for (layout, levels) in around {
            indent.insert_str(layout.indent.len(), &layout.unit.repeat(*levels));
        }
        let mut edits = Vec::new();
        if entered_async.first() == Some(&true) {
            edits.push(Edit {
                range: TextRange::empty(self.keyword),
                text: "async ".into(),
            });
        }
        let mut level = 0;
        for (index, comma) in self.commas.iter().enumerate() {
            let next = entered_async[index + 1];
            if next == entered_async[index] {
                continue;
            }
            level += 1;
            let keyword = if next { "async with" } else { "with" };
            edits.push(Edit {
                range: *comma,
                text: format!(
                    ":{}{indent}{}{keyword} ",
                    self.newline,
                    self.unit.repeat(level)
                ),
            });
        }
        if level > 0 {
            let deeper = self.unit.repeat(level);
            edits.extend(self.body_lines.iter().map(|line| Edit {
                range: TextRange::empty(*line),
                text: deeper.clone(),
            }));
        }
        edits
    }
}
