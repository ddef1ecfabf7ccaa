//! Markdown test suites: a test is prose plus code blocks, as in ty's `mdtest`.
//!
//! A `#`-heading starts a test (nested headings name it `Outer / Inner`). A code block is
//! a file of the test when its language is `py`; the line just before it may name it
//! (`` `pkg/helpers.py`: ``), else it is `main.py`. Blocks of other languages hold the
//! test's expectations, keyed by language (`after`, `diagnostics`, ...), and may be named
//! the same way to say which file they describe.
//!
//! This crate is for tests only; it depends on nothing but `awaitify_db`.

use std::path::{Path, PathBuf};

use awaitify_db::{File, RootDatabase};

/// The root every test file is placed under.
pub const ROOT: &str = "/src";

#[derive(Debug, Clone)]
pub struct Block {
    /// The file the block is or describes (`main.py` when not named).
    pub path: String,
    pub language: String,
    pub text: String,
    /// 1-based line of the opening fence in the markdown file.
    pub line: usize,
}

#[derive(Debug, Clone)]
pub struct TestCase {
    pub name: String,
    pub line: usize,
    pub blocks: Vec<Block>,
}

impl TestCase {
    pub fn files(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|block| block.language == "py")
    }
    pub fn expectations<'a>(&'a self, language: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks
            .iter()
            .filter(move |block| block.language == language)
    }

    /// A database holding the test's Python files under [`ROOT`].
    pub fn database(&self) -> (RootDatabase, Vec<(String, File)>) {
        let mut db = RootDatabase::new(vec![PathBuf::from(ROOT)]);
        let files = self
            .files()
            .map(|block| {
                let file = db.set_file(Path::new(ROOT).join(&block.path), block.text.clone());
                (block.path.clone(), file)
            })
            .collect();
        (db, files)
    }
}

/// Splits a markdown suite into tests. Headings without code blocks are only context.
pub fn parse_markdown(text: &str) -> Vec<TestCase> {
    let mut tests: Vec<TestCase> = Vec::new();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut current: Option<TestCase> = None;
    let mut pending_name: Option<String> = None;
    let mut lines = text.lines().enumerate().peekable();
    while let Some((number, line)) = lines.next() {
        if let Some(rest) = line.strip_prefix('#') {
            let level = 1 + rest.chars().take_while(|c| *c == '#').count();
            let title = rest.trim_start_matches('#').trim().to_string();
            headings.retain(|(depth, _)| *depth < level);
            headings.push((level, title));
            if let Some(done) = current.take()
                && !done.blocks.is_empty()
            {
                tests.push(done);
            }
            current = Some(TestCase {
                name: headings
                    .iter()
                    .map(|(_, title)| title.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                line: number + 1,
                blocks: Vec::new(),
            });
            pending_name = None;
            continue;
        }
        if let Some(language) = line.strip_prefix("```") {
            let language = language.trim().to_string();
            let mut body = String::new();
            for (_, inner) in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            let language = if language == "python" {
                "py".to_string()
            } else {
                language
            };
            let path = pending_name.take().unwrap_or_else(|| "main.py".to_string());
            let case = current.get_or_insert_with(|| TestCase {
                name: "(untitled)".into(),
                line: number + 1,
                blocks: Vec::new(),
            });
            // A second block for the same file and language would replace the first,
            // which would then go untested.
            if let Some(earlier) = case
                .blocks
                .iter()
                .find(|block| block.path == path && block.language == language)
            {
                panic!(
                    "{} (line {}): the `{language}` blocks at lines {} and {} are both `{path}`; name each file (`other.py`:) or give each its own heading",
                    case.name,
                    case.line,
                    earlier.line,
                    number + 1
                );
            }
            case.blocks.push(Block {
                path,
                language,
                text: body,
                line: number + 1,
            });
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with('`') && trimmed.ends_with("`:") && trimmed.len() > 3 {
            pending_name = Some(trimmed[1..trimmed.len() - 2].to_string());
        } else if !trimmed.is_empty() {
            pending_name = None;
        }
    }
    if let Some(done) = current
        && !done.blocks.is_empty()
    {
        tests.push(done);
    }
    tests
}

/// Every `.md` file under `dir`, sorted, with its text.
pub fn suites(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("suite is readable");
            (path, text)
        })
        .collect()
}

/// The repository's root, from a crate's manifest directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root exists")
}

/// The machine's CPython standard library, as `python3` reports it.
pub fn try_stdlib_dir() -> Result<PathBuf, String> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .map_err(|error| format!("python3 is needed to find the standard library: {error}"))?;
    let path = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if path.is_dir() {
        Ok(path)
    } else {
        Err(format!(
            "python3 reported {} as its standard library, which is not a directory",
            path.display()
        ))
    }
}

/// The standard library directory, for corpus tests: they need it, so its absence is a
/// failure with a clear message, never a silent skip.
pub fn stdlib_dir() -> PathBuf {
    try_stdlib_dir().unwrap_or_else(|message| panic!("{message}"))
}

/// Every `.py` file below `dir`, sorted, leaving out third-party `site-packages`.
pub fn python_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if file_type.is_dir() {
                if path
                    .file_name()
                    .is_some_and(|name| name != "site-packages" && name != "__pycache__")
                {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|extension| extension == "py") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_start_tests_and_named_blocks_are_files() {
        let suite = "# Imports\n\n## Alias\n\n`helpers.py`:\n\n```py\nx = 1\n```\n\n```py\nimport helpers\n```\n\n```after\nok\n```\n";
        let tests = parse_markdown(suite);
        assert_eq!(tests.len(), 1);
        assert_eq!(tests[0].name, "Imports / Alias");
        let files: Vec<_> = tests[0].files().map(|block| block.path.as_str()).collect();
        assert_eq!(files, ["helpers.py", "main.py"]);
        assert_eq!(tests[0].expectations("after").count(), 1);
    }

    #[test]
    #[should_panic(expected = "are both `main.py`")]
    fn two_blocks_of_one_file_in_one_test_are_refused() {
        parse_markdown("# T\n\n```py\nx = 1\n```\n\n```py\ny = 2\n```\n");
    }
}
