//! Diagnostics: what awaitify tells its users, and how it is rendered.
//!
//! A [`Diagnostic`] is a plain value returned by analyses (not a salsa accumulator, as ty
//! learned accumulators cost time and re-run readers). Each has a stable [`Code`], a
//! severity, a message, a primary [`Label`], secondary labels (for instance each binding
//! of an ambiguous name) and notes that say why.
//!
//! Rendering: `human` through codespan-reporting, `json` (one array of objects with
//! 1-based line/column), and `github` (workflow commands `::warning file=..::`).
//!
//! Depends only on `awaitify_db` (for [`File`]) and may not depend on any analysis.

use std::io::Write;

use awaitify_db::{Db, File};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term;
use codespan_reporting::term::termcolor::{
    BufferedStandardStream, ColorChoice, NoColor, WriteColor,
};
use ruff_text_size::{TextRange, TextSize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $name:literal, $severity:ident, $doc:literal;)*) => {
        /// Every diagnostic awaitify can emit. Codes are stable: tools match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $doc] $variant,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable code, e.g. `AW001`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }
            /// The kebab-case name, e.g. `syntax-error`.
            pub fn name(self) -> &'static str {
                match self { $(Code::$variant => $name,)* }
            }
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }
            /// One sentence on what the code means.
            pub fn summary(self) -> &'static str {
                match self { $(Code::$variant => $doc,)* }
            }
        }
    };
}

codes! {
    SyntaxError = "AW001", "syntax-error", Error, "The file does not parse; it is reported and never written.";
    UnreadableFile = "AW002", "unreadable-file", Error, "The file could not be read, or not decoded exactly in its encoding (UTF-8 unless a PEP 263 comment declares another).";
    InvalidConfig = "AW003", "invalid-config", Error, "The `[tool.awaitify]` table or `awaitify.toml` is malformed.";
    PartialWrite = "AW004", "partial-write", Error, "Writing only the file asked for would break the project: other files of its rewrite change too.";
    RuleNamesNothing = "AW005", "rule-names-nothing", Warning, "A user rule's `call` or `replace` goes through a project module but names nothing there, so the rule matches no call (or replaces it by nothing).";
    AmbiguousName = "AW101", "ambiguous-name", Warning, "A name that matters to a rewrite may refer to different things depending on the path taken.";
    InvalidatedName = "AW102", "invalidated-name", Warning, "A call matches a rule, or a function would become async, but the attribute it names is reassigned (`time.sleep = fake`, `helpers.fetch = fake`).";
    AsyncInLambda = "AW201", "async-in-lambda", Warning, "A lambda would need to await; lambdas cannot be async.";
    AsyncInClassBody = "AW202", "async-in-class-body", Warning, "A class body would need to await; class bodies run synchronously.";
    AsyncInSyncDunder = "AW203", "async-in-sync-dunder", Warning, "A special method that Python calls synchronously would need to become async.";
    AsyncInProperty = "AW204", "async-in-property", Warning, "A property would need to become async; attribute access cannot await.";
    FunctionUsedAsValue = "AW205", "function-used-as-value", Warning, "A function that would become async is also used as a value (a callback), whose caller would not await it.";
    BlockingDecorator = "AW206", "blocking-decorator", Warning, "A function that would become async is under a decorator that does not pass coroutines through.";
    GeneratorConsumedSynchronously = "AW207", "generator-consumed-synchronously", Warning, "A generator that would become async is consumed by code that cannot iterate asynchronously.";
    AwaitInImportedModule = "AW208", "await-in-imported-module", Warning, "Top-level code of a module that other modules import would need to await; only the main script may.";
    CallerStaysSync = "AW209", "caller-stays-sync", Warning, "A function would become async, but one of its callers cannot, so neither changes.";
    UnresolvedCallee = "AW210", "unresolved-callee", Info, "A call's target could not be resolved, so it is never rewritten.";
    UnresolvedCaller = "AW211", "unresolved-caller", Warning, "A function that would become async may be called through a receiver or a computed `getattr` awaitify cannot resolve, which would not await it.";
    ExternalBase = "AW212", "external-base-class", Warning, "A method that would become async belongs to a class with a base outside the project, which may call it synchronously.";
    AsyncInAnnotation = "AW213", "async-in-annotation", Warning, "An annotation that Python evaluates would need to await; `await` is not allowed in annotations.";
    AsyncInDebugText = "AW214", "async-in-debug-text", Warning, "A call inside an f-string's `{expr=}` would need to be awaited; the f-string prints the expression's text, which would change.";
    DroppedArguments = "AW215", "dropped-arguments", Warning, "A call a rule unwraps (`asyncio.run(main(), debug=check())`) has other arguments whose evaluation the rewrite would drop.";
    PrivateLoopWork = "AW216", "private-loop-work", Warning, "A call runs a coroutine on a loop from `asyncio.new_event_loop()` that is also given other work, which would never run once the coroutine is awaited on the page's loop.";
    AwaitHoldingThreadLock = "AW217", "await-holding-thread-lock", Warning, "A function would need to await while it holds a thread lock (`threading.Lock()` and its kin, taken by `with`, `acquire()` or `ExitStack.enter_context`), which other tasks on the same thread could then not take or would enter too.";
    EventLoopCallLeft = "AW218", "event-loop-call-left", Warning, "A call that runs an event loop (`run_until_complete`, `run_forever`, `asyncio.Runner.run`) matches no rule and is left as it is; on Pyodide it raises.";
    StopIterationInCoroutine = "AW219", "stop-iteration-in-coroutine", Warning, "A function that would become async may let `StopIteration` out to a caller's `except StopIteration`; from a coroutine Python raises `RuntimeError` instead (PEP 479).";
    ContextManagerEnteredSynchronously = "AW220", "context-manager-entered-synchronously", Warning, "A `@contextmanager` generator that would become async (`@asynccontextmanager`) is entered other than by a `with` statement that can become `async with`.";
    VerificationFailed = "AW301", "verification-failed", Error, "Erasing the rewrite from the output does not give back the input modulo the normal form.";
}

/// A range of a file, with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub file: File,
    pub range: TextRange,
    pub message: String,
}

impl Label {
    pub fn new(file: File, range: TextRange, message: impl Into<String>) -> Self {
        Self {
            file,
            range,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    /// The file a diagnostic concerns when it has no text to point into (a file that
    /// cannot be read, a configuration file).
    pub path: Option<std::path::PathBuf>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.default_severity(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            path: None,
        }
    }
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, message).with_severity(Severity::Error)
    }
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    pub fn with_primary(mut self, label: Label) -> Self {
        self.primary = Some(label);
        self
    }
    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }
    /// Names the file of a diagnostic that has no primary label.
    pub fn with_path(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    pub fn file(&self) -> Option<File> {
        self.primary.as_ref().map(|label| label.file)
    }
}

/// How diagnostics are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Human,
    Json,
    Github,
}

/// Where each line of one text starts, for many [`line_column`] lookups in it: a lookup
/// costs a binary search and the length of its line, not a scan of the text before it.
pub struct LineIndex {
    /// Byte offset of each line's first character; the first is 0.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(index, _)| index + 1),
        );
        LineIndex { starts }
    }

    /// [`line_column`] of `offset` in `text`, the text this index was built from.
    pub fn line_column(&self, text: &str, offset: TextSize) -> (usize, usize) {
        let offset = floor_char_boundary(text, usize::from(offset).min(text.len()));
        let line = self.starts.partition_point(|start| *start <= offset);
        let column = text[self.starts[line - 1]..offset].chars().count() + 1;
        (line, column)
    }
}

/// A [`LineIndex`] per file, built the first time a file is asked about.
struct Locator<'db> {
    db: &'db dyn Db,
    indexes: std::collections::HashMap<File, LineIndex>,
}

impl<'db> Locator<'db> {
    fn new(db: &'db dyn Db) -> Self {
        Locator {
            db,
            indexes: std::collections::HashMap::new(),
        }
    }

    fn line_column(&mut self, file: File, offset: TextSize) -> (usize, usize) {
        let text = file.text(self.db);
        self.indexes
            .entry(file)
            .or_insert_with(|| LineIndex::new(text))
            .line_column(text, offset)
    }
}

/// A 1-based line and column (in characters) of an offset in `text`. For many lookups in
/// one text, a [`LineIndex`] answers the same faster.
pub fn line_column(text: &str, offset: TextSize) -> (usize, usize) {
    let offset = usize::from(offset).min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The range of line `line` (0-based) of `text`, without its line ending; an empty range
/// at the end of the text for a line past the last.
pub fn line_range(text: &str, line: usize) -> TextRange {
    let start = text
        .split_inclusive('\n')
        .take(line)
        .map(str::len)
        .sum::<usize>()
        .min(text.len());
    let end = text[start..]
        .find(['\r', '\n'])
        .map_or(text.len(), |length| start + length);
    TextRange::new(
        TextSize::try_from(start).unwrap_or_default(),
        TextSize::try_from(end).unwrap_or_default(),
    )
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Renders `diagnostics` in `format` into a string (no colors).
pub fn render(db: &dyn Db, diagnostics: &[Diagnostic], format: OutputFormat) -> String {
    match format {
        OutputFormat::Human => {
            let mut out = NoColor::new(Vec::new());
            emit_human(db, diagnostics, &mut out);
            String::from_utf8_lossy(&out.into_inner()).into_owned()
        }
        OutputFormat::Json => render_json(db, diagnostics),
        OutputFormat::Github => render_github(db, diagnostics),
    }
}

/// Prints `diagnostics` to standard error, in color when it is a terminal.
pub fn emit_to_stderr(db: &dyn Db, diagnostics: &[Diagnostic], format: OutputFormat) {
    match format {
        OutputFormat::Human => {
            let choice = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            };
            // One write per buffer's worth, not one per styled fragment: a project's
            // report can run to thousands of diagnostics.
            let mut stream = BufferedStandardStream::stderr(choice);
            emit_human(db, diagnostics, &mut stream);
            let _ = stream.flush();
        }
        _ => {
            let _ = std::io::stderr().write_all(render(db, diagnostics, format).as_bytes());
        }
    }
}

fn emit_human<'db>(db: &'db dyn Db, diagnostics: &[Diagnostic], out: &mut dyn WriteColor) {
    let mut files = SimpleFiles::new();
    let mut ids: std::collections::HashMap<File, usize> = std::collections::HashMap::new();
    let mut file_id = |file: File, files: &mut SimpleFiles<String, &'db str>| -> usize {
        *ids.entry(file)
            .or_insert_with(|| files.add(file.path(db).display().to_string(), file.text(db)))
    };
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let mut rendered = match diagnostic.severity {
            Severity::Error => cs::Diagnostic::error(),
            Severity::Warning => cs::Diagnostic::warning(),
            Severity::Info => cs::Diagnostic::note(),
        }
        .with_code(format!(
            "{}/{}",
            diagnostic.code.as_str(),
            diagnostic.code.name()
        ))
        .with_message(&diagnostic.message)
        .with_notes(diagnostic.notes.clone());
        let mut labels = Vec::new();
        if let Some(primary) = &diagnostic.primary {
            let id = file_id(primary.file, &mut files);
            labels.push(cs::Label::primary(id, clamp(primary, db)).with_message(&primary.message));
        }
        for secondary in &diagnostic.secondary {
            let id = file_id(secondary.file, &mut files);
            labels.push(
                cs::Label::secondary(id, clamp(secondary, db)).with_message(&secondary.message),
            );
        }
        rendered = rendered.with_labels(labels);
        let _ = term::emit(out, &config, &files, &rendered);
    }
}

/// The label's range as a `usize` range that lies within the file's text.
fn clamp(label: &Label, db: &dyn Db) -> std::ops::Range<usize> {
    let len = label.file.text(db).len();
    let start = usize::from(label.range.start()).min(len);
    let end = usize::from(label.range.end()).clamp(start, len);
    start..end
}

fn location_json(db: &dyn Db, locator: &mut Locator, label: &Label) -> serde_json::Value {
    let (line, column) = locator.line_column(label.file, label.range.start());
    let (end_line, end_column) = locator.line_column(label.file, label.range.end());
    serde_json::json!({
        "file": label.file.path(db).display().to_string(),
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "message": label.message,
    })
}

fn render_json(db: &dyn Db, diagnostics: &[Diagnostic]) -> String {
    let mut locator = Locator::new(db);
    let values: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            serde_json::json!({
                "code": diagnostic.code.as_str(),
                "name": diagnostic.code.name(),
                "severity": diagnostic.severity.as_str(),
                "message": diagnostic.message,
                "location": match (&diagnostic.primary, &diagnostic.path) {
                    (Some(label), _) => location_json(db, &mut locator, label),
                    (None, Some(path)) => serde_json::json!({
                        "file": path.display().to_string(),
                        "line": 1,
                        "column": 1,
                        "end_line": 1,
                        "end_column": 1,
                        "message": "",
                    }),
                    (None, None) => serde_json::Value::Null,
                },
                "related": diagnostic.secondary.iter().map(|label| location_json(db, &mut locator, label)).collect::<Vec<_>>(),
                "notes": diagnostic.notes,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&values).unwrap_or_default();
    text.push('\n');
    text
}

/// GitHub workflow commands; `%`, CR and LF are escaped as the runner requires.
fn render_github(db: &dyn Db, diagnostics: &[Diagnostic]) -> String {
    fn escape(text: &str) -> String {
        text.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    }
    // Property values (`file=...`) must also escape the separators `:` and `,`.
    fn escape_property(text: &str) -> String {
        escape(text).replace(':', "%3A").replace(',', "%2C")
    }
    let mut locator = Locator::new(db);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let level = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut message = format!("{} {}", diagnostic.code.as_str(), diagnostic.message);
        for note in &diagnostic.notes {
            message.push('\n');
            message.push_str(note);
        }
        match &diagnostic.primary {
            Some(label) => {
                let (line, column) = locator.line_column(label.file, label.range.start());
                let (end_line, end_column) = locator.line_column(label.file, label.range.end());
                out.push_str(&format!(
                    "::{level} title={},file={},line={line},col={column},endLine={end_line},endColumn={end_column}::{}\n",
                    diagnostic.code.as_str(),
                    escape_property(&label.file.path(db).display().to_string()),
                    escape(&message)
                ));
            }
            None => match &diagnostic.path {
                Some(path) => out.push_str(&format!(
                    "::{level} title={},file={}::{}\n",
                    diagnostic.code.as_str(),
                    escape_property(&path.display().to_string()),
                    escape(&message)
                )),
                None => out.push_str(&format!(
                    "::{level} title={}::{}\n",
                    diagnostic.code.as_str(),
                    escape(&message)
                )),
            },
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use awaitify_db::RootDatabase;

    #[test]
    fn codes_are_unique_and_stable() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(
                seen.insert(code.as_str()),
                "duplicate code {}",
                code.as_str()
            );
            assert!(code.as_str().starts_with("AW") && code.as_str().len() == 5);
        }
        assert_eq!(Code::SyntaxError.as_str(), "AW001");
    }

    #[test]
    fn line_columns_are_one_based_and_count_characters() {
        let text = "a = 1\nb = 'é'x\n";
        assert_eq!(line_column(text, TextSize::from(0)), (1, 1));
        assert_eq!(line_column(text, TextSize::from(6)), (2, 1));
        assert_eq!(line_column(text, TextSize::from(13)), (2, 7));
    }

    /// A line index answers as `line_column` does at every offset, including inside a
    /// multi-byte character, at a CRLF and past the end.
    #[test]
    fn line_index_agrees_with_line_column() {
        for text in [
            "",
            "\n",
            "a = 1\nb = 'é'x\n",
            "one\r\ntwo\n\nthré€\n😀 end",
            "no newline",
        ] {
            let index = LineIndex::new(text);
            for offset in 0..=text.len() + 2 {
                let offset = TextSize::try_from(offset).unwrap();
                assert_eq!(
                    index.line_column(text, offset),
                    line_column(text, offset),
                    "{text:?} at {offset:?}"
                );
            }
        }
    }

    #[test]
    fn line_ranges_leave_out_the_line_ending() {
        let text = "one\r\ntwo\nthree";
        let range = |line| {
            let range = line_range(text, line);
            &text[usize::from(range.start())..usize::from(range.end())]
        };
        assert_eq!(
            [range(0), range(1), range(2), range(3)],
            ["one", "two", "three", ""]
        );
    }

    #[test]
    fn every_format_names_the_file_line_and_code() {
        let mut db = RootDatabase::new(vec!["/p".into()]);
        let file = db.set_file("/p/a.py", "x = 1\ny = (\n");
        let diagnostic = Diagnostic::error(Code::SyntaxError, "unexpected end of file")
            .with_primary(Label::new(
                file,
                TextRange::new(10.into(), 11.into()),
                "here",
            ))
            .with_note("why");
        let human = render(&db, std::slice::from_ref(&diagnostic), OutputFormat::Human);
        assert!(
            human.contains("error[AW001/syntax-error]: unexpected end of file"),
            "{human}"
        );
        assert!(human.contains("/p/a.py:2:5"), "{human}");
        let json = render(&db, std::slice::from_ref(&diagnostic), OutputFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed[0]["location"]["line"], 2);
        assert_eq!(parsed[0]["location"]["column"], 5);
        let github = render(&db, &[diagnostic], OutputFormat::Github);
        assert!(
            github.starts_with("::error title=AW001,file=/p/a.py,line=2,col=5"),
            "{github}"
        );
    }

    #[test]
    fn github_property_values_escape_separators() {
        let mut db = RootDatabase::new(vec!["/p".into()]);
        let file = db.set_file("/p/g,h:1/a.py", "x = (\n");
        let diagnostic = Diagnostic::error(Code::SyntaxError, "bad").with_primary(Label::new(
            file,
            TextRange::new(4.into(), 5.into()),
            "here",
        ));
        let github = render(&db, &[diagnostic], OutputFormat::Github);
        assert!(github.contains("file=/p/g%2Ch%3A1/a.py,line=1"), "{github}");
    }

    #[test]
    fn file_level_diagnostics_carry_their_path() {
        let db = RootDatabase::new(vec!["/p".into()]);
        let diagnostic =
            Diagnostic::error(Code::UnreadableFile, "cannot read").with_path("/p/latin.py");
        let json: serde_json::Value = serde_json::from_str(&render(
            &db,
            std::slice::from_ref(&diagnostic),
            OutputFormat::Json,
        ))
        .unwrap();
        assert_eq!(json[0]["location"]["file"], "/p/latin.py");
        assert_eq!(json[0]["location"]["line"], 1);
        let github = render(&db, &[diagnostic], OutputFormat::Github);
        assert!(
            github.starts_with("::error title=AW002,file=/p/latin.py::"),
            "{github}"
        );
    }
}

#[cfg(test)]
mod documentation {
    use super::Code;

    /// `docs/diagnostics.md` lists every code with its name, so users can look them up.
    #[test]
    fn every_code_is_documented() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/diagnostics.md");
        let docs = std::fs::read_to_string(&path).expect("docs/diagnostics.md exists");
        for code in Code::ALL {
            let row = format!("| {} | `{}` |", code.as_str(), code.name());
            assert!(
                docs.contains(&row),
                "docs/diagnostics.md lacks the row for {}",
                code.as_str()
            );
        }
    }
}
