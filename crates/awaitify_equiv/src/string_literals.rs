//! Values of string and bytes literals exactly as CPython computes them, where the HIR's
//! (ruff's) differ:
//! - ruff decodes a lone surrogate escape (`"\ud800"`, `"\U0000dfff"`) to U+FFFD, since a
//!   Rust string cannot hold a surrogate;
//! - CPython reads source with universal newlines, so a CRLF or CR line break inside a
//!   triple-quoted literal is an LF in the value, where ruff keeps it as written (an
//!   escaped `\r` is a CR either way).
//!
//! Both are recovered by parsing the literal's source text again with every line break
//! made LF (a raw CR inside a literal's source can only be a line break: unescaped, it
//! ends a single-quoted string): once as it is, and once with each surrogate escape
//! replaced by an escape of the same length of a private-use character. Where the first
//! reading has U+FFFD and the second that private-use character, the value holds the
//! surrogate. Everything else (prefixes, raw strings, implicit concatenation, the parts
//! of an f-string, `\N{...}`) is left to the parser and HIR lowering, so a reading has
//! the same shape as the HIR it corrects.

use std::fmt::Write;
use std::ops::RangeInclusive;

use awaitify_hir::hir::{self, FileHir};

use crate::normal_form::{CodePoint, PyStr};

/// A literal's value, read again from its source.
#[derive(Debug)]
pub(crate) enum Reread {
    Str(PyStr),
    Bytes(Box<[u8]>),
    /// An f-string's or t-string's parts, one for each part of the HIR's.
    Interpolated(Vec<RereadPart>),
}

#[derive(Debug)]
pub(crate) enum RereadPart {
    Literal(PyStr),
    Interpolation {
        debug_text: Option<Box<str>>,
        format_spec: Option<Vec<RereadPart>>,
    },
}

const SURROGATES: RangeInclusive<u32> = 0xD800..=0xDFFF;

/// Where a surrogate escape's stand-in goes: U+E000 to U+E7FF, private use, as many hex
/// digits as the surrogate.
const PLACEHOLDERS_START: u32 = 0xE000;

/// Whether the literal whose source is `source` may have a value other than the HIR's:
/// it spans a CR, or has what may be a surrogate escape.
pub(crate) fn needs_reread(source: &str) -> bool {
    source.contains('\r') || source.contains("\\u") || source.contains("\\U")
}

/// The value of the string, bytes, f-string or t-string literal whose source is `source`
/// (implicitly concatenated parts included); `None` when it does not parse on its own.
pub(crate) fn reread(source: &str) -> Option<Reread> {
    let source = source.replace("\r\n", "\n").replace('\r', "\n");
    let plain = parse_literal(&source)?;
    let marked_source = mark_surrogate_escapes(&source);
    let marked = if marked_source == source {
        None
    } else {
        Some(parse_literal(&marked_source)?)
    };
    let plain_value = literal_expr(&plain)?;
    let marked_value = match &marked {
        Some(marked) => literal_expr(marked)?,
        None => plain_value,
    };
    match (plain_value, marked_value) {
        (
            hir::Expr::Literal(hir::Literal::Str(plain)),
            hir::Expr::Literal(hir::Literal::Str(marked)),
        ) => Some(Reread::Str(with_surrogates(plain, marked)?)),
        (hir::Expr::Literal(hir::Literal::Bytes(bytes)), hir::Expr::Literal(_)) => {
            Some(Reread::Bytes(bytes.clone()))
        }
        (
            hir::Expr::Interpolated { parts: plain, .. },
            hir::Expr::Interpolated { parts: marked, .. },
        ) => Some(Reread::Interpolated(reread_parts(plain, marked)?)),
        _ => None,
    }
}

/// Whether `reread` has one part for each of `parts`, of the same kind.
pub(crate) fn same_shape(parts: &[hir::InterpolatedPart], reread: &[RereadPart]) -> bool {
    parts.len() == reread.len()
        && parts.iter().zip(reread).all(|pair| match pair {
            (hir::InterpolatedPart::Literal(_), RereadPart::Literal(_)) => true,
            (
                hir::InterpolatedPart::Interpolation {
                    debug_text,
                    format_spec,
                    ..
                },
                RereadPart::Interpolation {
                    debug_text: reread_debug_text,
                    format_spec: reread_format_spec,
                },
            ) => {
                debug_text.is_some() == reread_debug_text.is_some()
                    && match (format_spec, reread_format_spec) {
                        (Some(spec), Some(reread_spec)) => same_shape(spec, reread_spec),
                        (None, None) => true,
                        _ => false,
                    }
            }
            _ => false,
        })
}

fn reread_parts(
    plain: &[hir::InterpolatedPart],
    marked: &[hir::InterpolatedPart],
) -> Option<Vec<RereadPart>> {
    if plain.len() != marked.len() {
        return None;
    }
    plain
        .iter()
        .zip(marked)
        .map(|pair| match pair {
            (hir::InterpolatedPart::Literal(plain), hir::InterpolatedPart::Literal(marked)) => {
                Some(RereadPart::Literal(with_surrogates(plain, marked)?))
            }
            (
                hir::InterpolatedPart::Interpolation {
                    debug_text,
                    format_spec,
                    ..
                },
                hir::InterpolatedPart::Interpolation {
                    format_spec: marked_spec,
                    ..
                },
            ) => {
                let format_spec = match (format_spec, marked_spec) {
                    (Some(plain), Some(marked)) => Some(reread_parts(plain, marked)?),
                    (None, None) => None,
                    _ => return None,
                };
                Some(RereadPart::Interpolation {
                    debug_text: debug_text.clone(),
                    format_spec,
                })
            }
            _ => None,
        })
        .collect()
}

/// `plain`, with a surrogate wherever it has U+FFFD and `marked` (the same text read with
/// surrogate escapes marked) has a placeholder.
fn with_surrogates(plain: &str, marked: &str) -> Option<PyStr> {
    if plain.chars().count() != marked.chars().count() {
        return None;
    }
    let placeholders =
        PLACEHOLDERS_START..=PLACEHOLDERS_START + (SURROGATES.end() - SURROGATES.start());
    Some(
        plain
            .chars()
            .zip(marked.chars())
            .map(|(plain, marked)| {
                let code = u32::from(marked);
                if plain == char::REPLACEMENT_CHARACTER && placeholders.contains(&code) {
                    let surrogate = code - PLACEHOLDERS_START + SURROGATES.start();
                    CodePoint::Surrogate(u16::try_from(surrogate).expect("a surrogate fits"))
                } else {
                    CodePoint::Char(plain)
                }
            })
            .collect(),
    )
}

/// `source` with the digits of each `\u` or `\U` escape of a surrogate (after an odd run
/// of backslashes) replaced by its placeholder's, of the same length. Inside a raw string
/// or bytes this changes text instead of a code point, which [`with_surrogates`] ignores.
fn mark_surrogate_escapes(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    let mut escaping = false;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        out.push(c);
        if escaping && matches!(c, 'u' | 'U') {
            let digits = if c == 'u' { 4 } else { 8 };
            let surrogate = rest
                .get(..digits)
                .filter(|hex| hex.bytes().all(|byte| byte.is_ascii_hexdigit()))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .filter(|code| SURROGATES.contains(code));
            if let Some(surrogate) = surrogate {
                let placeholder = surrogate - SURROGATES.start() + PLACEHOLDERS_START;
                let _ = write!(out, "{placeholder:0digits$x}");
                rest = &rest[digits..];
            }
        }
        escaping = c == '\\' && !escaping;
    }
    out
}

/// The HIR of `source` parsed as a parenthesized expression (implicitly concatenated
/// parts may be on separate lines).
fn parse_literal(source: &str) -> Option<FileHir> {
    let text = format!("({source})");
    let mut module = ruff_python_parser::parse_module(&text).ok()?.into_syntax();
    Some(awaitify_hir::lower_module(&text, &mut module).0)
}

/// The one expression statement of `hir`.
fn literal_expr(hir: &FileHir) -> Option<&hir::Expr> {
    let [stmt] = &*hir.module.block else {
        return None;
    };
    match &hir.module.stmts[*stmt] {
        hir::Stmt::Expr { value } => Some(&hir.module.exprs[*value]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn str_value(source: &str) -> Vec<CodePoint> {
        match reread(source) {
            Some(Reread::Str(value)) => value.code_points().collect(),
            other => panic!("{source} reads as {other:?}"),
        }
    }

    fn chars(text: &str) -> Vec<CodePoint> {
        text.chars().map(CodePoint::Char).collect()
    }

    #[test]
    fn surrogate_escapes_are_surrogates() {
        assert_eq!(
            str_value(r#""a\ud800\U0000DFFF\ufffd""#),
            vec![
                CodePoint::Char('a'),
                CodePoint::Surrogate(0xD800),
                CodePoint::Surrogate(0xDFFF),
                CodePoint::Char('\u{fffd}'),
            ]
        );
    }

    #[test]
    fn escaped_backslashes_and_raw_strings_are_text() {
        assert_eq!(str_value(r#""\\ud800""#), chars(r"\ud800"));
        assert_eq!(
            str_value(r#"r"\ud800" "\ud800""#)[..6],
            chars(r"\ud800")[..]
        );
        assert_eq!(
            str_value(r#"r"\ud800" "\ud800""#)[6],
            CodePoint::Surrogate(0xD800)
        );
        assert_eq!(str_value("\"\\uE000\""), chars("\u{e000}"));
    }

    #[test]
    fn line_breaks_are_lf_and_escaped_cr_stays() {
        assert_eq!(str_value("\"\"\"a\r\nb\rc\\r\"\"\""), chars("a\nb\nc\r"));
        assert_eq!(str_value("\"a\\\r\nb\""), chars("ab"));
        assert_eq!(str_value("r\"\"\"\\\r\nq\"\"\""), chars("\\\nq"));
        match reread("b\"\"\"a\r\nb\"\"\"") {
            Some(Reread::Bytes(bytes)) => assert_eq!(&*bytes, b"a\nb"),
            other => panic!("{other:?}"),
        }
    }
}
