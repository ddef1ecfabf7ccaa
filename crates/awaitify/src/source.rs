//! Source files as CPython reads them: UTF-8 by default, with or without a byte-order
//! mark, or in the encoding a PEP 263 comment (`# -*- coding: latin-1 -*-`) declares on
//! one of the first two lines.
//!
//! A file is decoded *exactly* when encoding its text again gives back its bytes; only
//! then may it be written, in its own encoding, so every byte outside an edit survives.
//! Otherwise (bytes invalid in the encoding, an encoding awaitify does not know, a
//! declaration CPython itself rejects) the text is decoded with replacement characters:
//! still good enough to find the file's calls, which keeps the rest of the project
//! consistent with it, but the file is never written.

use std::borrow::Cow;

use awaitify_db::File;
use encoding_rs::{Encoding, UTF_8};
use rustc_hash::FxHashMap;

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// How a file's bytes become text and back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceEncoding {
    /// UTF-8, the default.
    Utf8,
    /// UTF-8 after a byte-order mark, which is given back on output.
    Utf8WithBom,
    /// An ASCII-compatible encoding declared by a coding comment.
    Declared(&'static Encoding),
}

/// A decoded source file.
#[derive(Debug, Clone)]
pub struct Source {
    pub text: String,
    pub encoding: SourceEncoding,
    /// Why the text is not exact, when it holds replacement characters.
    pub lossy: Option<Undecodable>,
}

/// Why a file could not be decoded exactly, and where.
#[derive(Debug, Clone)]
pub struct Undecodable {
    pub why: String,
    /// The byte range in the decoded text: the first replacement character, or the
    /// line that declares the encoding.
    pub at: std::ops::Range<usize>,
}

impl Undecodable {
    fn at_declaration(why: String, text: &str, line: usize) -> Self {
        let range = awaitify_diagnostics::line_range(text, line);
        Self {
            why,
            at: range.start().into()..range.end().into(),
        }
    }

    fn at_replacement(why: String, text: &str) -> Self {
        let at = text
            .find('\u{fffd}')
            .map_or(0..0, |start| start..start + '\u{fffd}'.len_utf8());
        Self { why, at }
    }
}

/// Decodes `bytes` as CPython would.
pub fn decode(bytes: &[u8]) -> Source {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        let mut source = utf8(rest, SourceEncoding::Utf8WithBom);
        if let Some((name, line)) = declared_encoding(rest)
            && !is_utf8_name(&name)
        {
            let why = format!("it starts with a UTF-8 byte-order mark but declares `{name}`");
            source.lossy = Some(Undecodable::at_declaration(why, &source.text, line));
        }
        return source;
    }
    let Some((name, line)) = declared_encoding(bytes) else {
        return utf8(bytes, SourceEncoding::Utf8);
    };
    if is_utf8_name(&name) {
        return utf8(bytes, SourceEncoding::Utf8);
    }
    let Some(encoding) = encoding_for(&name).filter(|encoding| encoding.is_ascii_compatible())
    else {
        let mut source = utf8(bytes, SourceEncoding::Utf8);
        let why = format!("it declares the encoding `{name}`, which awaitify cannot decode");
        source.lossy = Some(Undecodable::at_declaration(why, &source.text, line));
        return source;
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    let text = text.into_owned();
    let lossy = if had_errors {
        let why = format!("it is not valid `{name}`, the encoding it declares");
        Some(Undecodable::at_replacement(why, &text))
    } else if encoding.encode(&text).0 != bytes {
        let why = format!("its `{name}` text does not encode back to the same bytes");
        Some(Undecodable::at_declaration(why, &text, line))
    } else {
        None
    };
    Source {
        text,
        encoding: SourceEncoding::Declared(encoding),
        lossy,
    }
}

/// The bytes to write for `text` in `encoding`. The rewrite only adds ASCII, which
/// every encoding [`decode`] accepts can represent.
pub fn encode(text: &str, encoding: SourceEncoding) -> Cow<'_, [u8]> {
    match encoding {
        SourceEncoding::Utf8 => Cow::Borrowed(text.as_bytes()),
        SourceEncoding::Utf8WithBom => {
            let mut bytes = UTF8_BOM.to_vec();
            bytes.extend_from_slice(text.as_bytes());
            Cow::Owned(bytes)
        }
        SourceEncoding::Declared(encoding) => encoding.encode(text).0,
    }
}

/// The encoding of each file of a project that is not plain UTF-8, to write it back.
#[derive(Debug, Clone, Default)]
pub struct Encodings(FxHashMap<File, SourceEncoding>);

impl Encodings {
    /// Remembers how `file` was read.
    pub fn record(&mut self, file: File, encoding: SourceEncoding) {
        if encoding == SourceEncoding::Utf8 {
            self.0.remove(&file);
        } else {
            self.0.insert(file, encoding);
        }
    }

    pub fn of(&self, file: File) -> SourceEncoding {
        self.0.get(&file).copied().unwrap_or(SourceEncoding::Utf8)
    }

    /// The bytes to write for `file`'s new `text`, in the file's own encoding.
    pub fn bytes<'a>(&self, file: File, text: &'a str) -> Cow<'a, [u8]> {
        encode(text, self.of(file))
    }
}

fn utf8(bytes: &[u8], encoding: SourceEncoding) -> Source {
    match std::str::from_utf8(bytes) {
        Ok(text) => Source {
            text: text.to_string(),
            encoding,
            lossy: None,
        },
        Err(error) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let why = format!("it is not valid UTF-8 ({error})");
            Source {
                lossy: Some(Undecodable::at_replacement(why, &text)),
                text,
                encoding,
            }
        }
    }
}

/// The encoding a PEP 263 comment declares: on the first line, or on the second when
/// the first holds only a comment or whitespace. Also gives the line (0 or 1).
fn declared_encoding(bytes: &[u8]) -> Option<(String, usize)> {
    let mut lines = bytes.split_inclusive(|byte| *byte == b'\n');
    let first = lines.next()?;
    if let Some(name) = coding_comment(first) {
        return Some((name, 0));
    }
    let blank_or_comment = first
        .iter()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\x0c'))
        .is_none_or(|byte| matches!(byte, b'#' | b'\r' | b'\n'));
    if blank_or_comment {
        return lines.next().and_then(coding_comment).map(|name| (name, 1));
    }
    None
}

/// `^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`, the pattern CPython's tokenizer uses.
fn coding_comment(line: &[u8]) -> Option<String> {
    let start = line
        .iter()
        .position(|byte| !matches!(byte, b' ' | b'\t' | b'\x0c'))?;
    let comment = line[start..].strip_prefix(b"#")?;
    let at = comment
        .windows(7)
        .position(|window| window[..6] == *b"coding" && matches!(window[6], b':' | b'='))?;
    let rest = &comment[at + 7..];
    let rest = &rest[rest
        .iter()
        .position(|byte| !matches!(byte, b' ' | b'\t'))
        .unwrap_or(rest.len())..];
    let length = rest
        .iter()
        .position(|byte| !(byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')))
        .unwrap_or(rest.len());
    (length > 0).then(|| String::from_utf8_lossy(&rest[..length]).into_owned())
}

/// CPython's own shortcut: `utf-8`, `utf_8` and names starting `utf-8-` are UTF-8.
fn is_utf8_name(name: &str) -> bool {
    let name = normalize(name);
    name == "utf-8" || name.starts_with("utf-8-") || name == "utf8"
}

/// A Python codec name as encoding_rs knows it. CPython's `latin-1` and `ascii` decode
/// differently from WHATWG's `windows-1252`, which those labels map to, but only above
/// 0x7f: the structure of the code is the same and every byte round-trips.
fn encoding_for(name: &str) -> Option<&'static Encoding> {
    let normalized = normalize(name);
    let alias = match normalized.as_str() {
        "latin-1" | "iso-latin-1" | "iso8859-1" | "8859" | "cp819" | "latin" | "l1" => {
            "windows-1252"
        }
        "latin-9" | "iso8859-15" => "iso-8859-15",
        "cp932" | "ms932" | "mskanji" | "ms-kanji" | "shift-jis" | "sjis" => "shift_jis",
        other => other,
    };
    Encoding::for_label(alias.as_bytes())
        .or_else(|| Encoding::for_label(name.as_bytes()))
        .filter(|encoding| *encoding != UTF_8)
}

fn normalize(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_without_a_declaration_is_exact() {
        let source = decode("x = 'é'\n".as_bytes());
        assert_eq!(source.text, "x = 'é'\n");
        assert_eq!(source.encoding, SourceEncoding::Utf8);
        assert!(source.lossy.is_none());
    }

    #[test]
    fn a_byte_order_mark_is_dropped_and_given_back() {
        let source = decode(b"\xef\xbb\xbfx = 1\n");
        assert_eq!(source.text, "x = 1\n");
        assert_eq!(
            encode("await f()\n", source.encoding).as_ref(),
            b"\xef\xbb\xbfawait f()\n"
        );
    }

    #[test]
    fn a_latin1_declaration_decodes_and_encodes_back() {
        let bytes = b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\n";
        let source = decode(bytes);
        assert!(source.lossy.is_none(), "{:?}", source.lossy);
        assert_eq!(source.text, "# -*- coding: latin-1 -*-\nname = 'été'\n");
        let rewritten = source.text.replace("name", "await name");
        assert_eq!(
            encode(&rewritten, source.encoding).as_ref(),
            b"# -*- coding: latin-1 -*-\nawait name = '\xe9t\xe9'\n"
        );
    }

    #[test]
    fn the_declaration_may_be_on_the_second_line_after_a_comment() {
        let source =
            decode(b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n");
        assert!(source.lossy.is_none());
        assert!(source.text.ends_with("s = '€'\n"));
    }

    #[test]
    fn a_declaration_after_code_does_not_count() {
        let source = decode(b"x = 1\n# coding: latin-1\ns = '\xe9'\n");
        assert_eq!(source.encoding, SourceEncoding::Utf8);
        let lossy = source.lossy.unwrap();
        assert!(lossy.why.contains("not valid UTF-8"));
        assert_eq!(lossy.at, 29..32);
    }

    #[test]
    fn undecodable_files_are_lossy_and_say_why() {
        let unknown = decode(b"#!python\n# coding: klingon\nx = 1\n")
            .lossy
            .unwrap();
        assert!(unknown.why.contains("`klingon`"));
        assert_eq!(unknown.at, 9..26, "the declaring line");
        let invalid = decode(b"s = '\xff'\n");
        assert_eq!(invalid.text, "s = '\u{fffd}'\n");
        let invalid = invalid.lossy.unwrap();
        assert!(invalid.why.contains("not valid UTF-8"));
        assert_eq!(invalid.at, 5..8, "the replacement character");
        let bom_and_latin = decode(b"\xef\xbb\xbf# coding: latin-1\n").lossy.unwrap();
        assert!(bom_and_latin.why.contains("byte-order mark"));
        let bad_shift_jis = decode(b"# coding: shift_jis\ns = '\x83'\n").lossy.unwrap();
        assert!(bad_shift_jis.why.contains("not valid `shift_jis`"));
    }

    #[test]
    fn multibyte_encodings_keep_their_backslash_bytes() {
        // 0x5c is a backslash in ASCII but the second byte of this Shift_JIS character.
        let bytes = b"# coding: shift_jis\ns = '\x83\x5c'\n";
        let source = decode(bytes);
        assert!(source.lossy.is_none(), "{:?}", source.lossy);
        assert_eq!(source.text, "# coding: shift_jis\ns = 'ソ'\n");
        assert_eq!(encode(&source.text, source.encoding).as_ref(), bytes);
    }
}
