//! Loading a project from disk into a [`RootDatabase`].
//!
//! A path names a project: a directory is its own root; a file's root is the directory
//! holding it, so sibling modules resolve. A root inside a package also names modules
//! from above the outermost package (see [`module_roots`]), and every module of that
//! package is read, though only the files under the path are targets. Every `.py` file
//! below the root is an input, except in hidden directories, `__pycache__`,
//! `node_modules`, `site-packages` and virtual environments (a directory holding
//! `pyvenv.cfg`).
//!
//! Files are decoded as CPython decodes them ([`crate::source`]). A file that cannot be
//! decoded exactly is still an input, so its calls count, but it gets an
//! `unreadable-file` diagnostic and is never written; neither is any function in it that
//! would need to become async, nor (transitively) what it calls.

use std::path::{Component, Path, PathBuf};

use awaitify_db::{File, RootDatabase};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use ruff_text_size::{TextRange, TextSize};

use crate::source::{self, Encodings, Source, Undecodable};

pub struct LoadedProject {
    pub db: RootDatabase,
    pub root: PathBuf,
    /// The files the command was asked about (the one file, or every file of a directory).
    pub targets: Vec<File>,
    /// Problems found while reading (files that could not be read or decoded).
    pub diagnostics: Vec<Diagnostic>,
    /// How each file was read, to write it back the same way.
    pub encodings: Encodings,
}

/// Where the files of the project rooted at a directory are and how its modules are
/// named. [`load_project`] and the watcher both compute it with
/// [`ProjectLayout::new`], so `watch DIR` reads and names the same project as
/// `transform DIR` and `check DIR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLayout {
    /// The directory the command was given (for a file, the directory holding it),
    /// absolute. Directory commands write and report the files below it: its targets.
    pub root: PathBuf,
    /// Where module names start (see [`module_roots`]).
    pub module_roots: Vec<PathBuf>,
    /// The directory whose Python files are read: the root, or the outermost package
    /// holding it, so that `from ..util import f` and `from app.util import f` reach
    /// the modules they name.
    pub scanned: PathBuf,
    /// The output directory, as the scan spells it, when the scan meets it.
    pub excluded: Option<PathBuf>,
}

impl ProjectLayout {
    /// The layout of the project rooted at the absolute directory `root`, whose output
    /// goes to `out_dir`. It depends on the `__init__.py` files in and above `root`, so
    /// compute it again when those may have changed. Errors as [`skipped_out_dir`].
    pub fn new(root: &Path, out_dir: Option<&Path>) -> Result<ProjectLayout, String> {
        let module_roots = module_roots(root);
        // Inside a package, the whole outermost package is read (not written).
        let scanned = match module_roots.as_slice() {
            [outer, _] => root
                .ancestors()
                .find(|dir| dir.parent() == Some(outer.as_path()))
                .unwrap_or(root)
                .to_path_buf(),
            _ => root.to_path_buf(),
        };
        let excluded = match out_dir {
            Some(out_dir) => skipped_out_dir(root, &scanned, out_dir)?,
            None => None,
        };
        Ok(ProjectLayout {
            root: root.to_path_buf(),
            module_roots,
            scanned,
            excluded,
        })
    }

    /// Every Python file of the project, sorted.
    pub fn python_files(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        collect_python_files(&self.scanned, self.excluded.as_deref(), &mut paths);
        paths.sort();
        paths
    }

    /// Whether `path` lies below the root, where a directory command writes and reports.
    pub fn is_below_root(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }
}

/// Reads the project that `path` names. `out_dir`, where `transform --out-dir` writes, is
/// not part of it, however it is spelled, and may not be its root (see
/// [`skipped_out_dir`]).
pub fn load_project(path: &Path, out_dir: Option<&Path>) -> Result<LoadedProject, String> {
    let absolute =
        std::path::absolute(path).map_err(|error| format!("{}: {error}", path.display()))?;
    let metadata =
        std::fs::metadata(&absolute).map_err(|error| format!("{}: {error}", path.display()))?;
    let root = if metadata.is_dir() {
        absolute.clone()
    } else {
        absolute
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("/"))
    };
    let layout = ProjectLayout::new(&root, out_dir)?;
    let mut paths = layout.python_files();
    if !metadata.is_dir() && !paths.contains(&absolute) {
        paths.push(absolute.clone());
        paths.sort();
    }
    let mut db = RootDatabase::new(layout.module_roots);
    let mut targets = Vec::new();
    let mut diagnostics = Vec::new();
    let mut encodings = Encodings::default();
    for file_path in paths {
        let is_target = if metadata.is_dir() {
            file_path.starts_with(&root)
        } else {
            file_path == absolute
        };
        match read_source(&file_path) {
            Ok(source) => {
                let file =
                    db.set_file_decoded(file_path.clone(), source.text, source.lossy.is_some());
                encodings.record(file, source.encoding);
                if is_target {
                    targets.push(file);
                    if let Some(lossy) = &source.lossy {
                        diagnostics.push(undecodable(file, &file_path, lossy));
                    }
                }
            }
            Err(diagnostic) => {
                if is_target {
                    diagnostics.push(*diagnostic);
                }
            }
        }
    }
    Ok(LoadedProject {
        db,
        root,
        targets,
        diagnostics,
        encodings,
    })
}

/// The directory the scan of `scanned` must skip because it is `out_dir`, the output
/// directory of the project rooted at `root`. It is spelled as the scan spells the
/// directories it walks, so it is recognised however it was written: `out`, `./out/`,
/// `app/../app/out`, or a symbolic link to it. `None` when the scan never meets it.
///
/// It is a usage error for `out_dir` to be `root`, where every copy would be written over
/// its own source, or a directory that holds `root`, where the copies would land among
/// the sources (and skipping it would skip them all).
pub fn skipped_out_dir(
    root: &Path,
    scanned: &Path,
    out_dir: &Path,
) -> Result<Option<PathBuf>, String> {
    let resolve =
        |path: &Path| resolve_path(path).map_err(|error| format!("{}: {error}", path.display()));
    let (resolved, resolved_root) = (resolve(out_dir)?, resolve(root)?);
    if resolved == resolved_root {
        return Err(format!(
            "--out-dir {} is the project directory {}: the output would overwrite the \
             sources (`transform --write` rewrites them in place)",
            out_dir.display(),
            root.display()
        ));
    }
    if resolved_root.starts_with(&resolved) {
        return Err(format!(
            "--out-dir {} holds the project directory {}: the output would be written \
             among the sources; choose a directory outside it",
            out_dir.display(),
            root.display()
        ));
    }
    Ok(resolved
        .strip_prefix(resolve(scanned)?)
        .ok()
        .map(|below| scanned.join(below)))
}

/// `path` made absolute with `.`, `..` and symbolic links resolved, even where it does
/// not exist yet: its nearest existing ancestor is canonicalized and the rest appended.
/// Every spelling of one directory (`p`, `./p/`, `p/../p`, a link to `p`) comes out equal.
/// Output directories are written through it, so creating `src/gen/../out` creates no
/// `src/gen`.
pub fn resolve_path(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut last_error = None;
    for existing in absolute.ancestors() {
        let mut resolved = match std::fs::canonicalize(existing) {
            Ok(resolved) => resolved,
            Err(error) => {
                last_error = Some(error);
                continue;
            }
        };
        let missing = absolute
            .strip_prefix(existing)
            .expect("an ancestor is a prefix of its path");
        for component in missing.components() {
            match component {
                // Nothing missing is a link, so `..` just drops the name before it.
                Component::ParentDir => {
                    resolved.pop();
                }
                Component::Normal(name) => resolved.push(name),
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        return Ok(resolved);
    }
    Err(last_error.unwrap_or_else(|| std::io::ErrorKind::NotFound.into()))
}

/// Where module names start. A root that is itself a package (it holds `__init__.py`)
/// is also reached from the directory above its outermost package, so `app/main.py`
/// is `app.main`: `from app.helpers import x` and relative imports resolve, and so does
/// `import helpers`, as when the script runs from inside `app/`.
fn module_roots(root: &Path) -> Vec<PathBuf> {
    let mut outer = root;
    while outer.join("__init__.py").is_file() {
        match outer.parent() {
            Some(parent) => outer = parent,
            None => break,
        }
    }
    if outer == root {
        vec![root.to_path_buf()]
    } else {
        vec![outer.to_path_buf(), root.to_path_buf()]
    }
}

fn unreadable(path: &Path, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::UnreadableFile,
        format!("cannot read {}: {why}", path.display()),
    )
    .with_path(path.to_path_buf())
    .with_note("awaitify leaves the file untouched")
}

/// A file that was read but cannot be decoded exactly.
pub fn undecodable(file: File, path: &Path, lossy: &Undecodable) -> Diagnostic {
    let range = TextRange::new(
        TextSize::try_from(lossy.at.start).unwrap_or_default(),
        TextSize::try_from(lossy.at.end).unwrap_or_default(),
    );
    Diagnostic::error(
        Code::UnreadableFile,
        format!("cannot decode {}: {}", path.display(), lossy.why),
    )
    .with_primary(Label::new(file, range, "here"))
    .with_note("awaitify still reads the file's calls, so the rest of the project stays consistent with it, but never writes it")
    .with_note("CPython decodes source as UTF-8 unless a `# -*- coding: NAME -*-` comment on one of the first two lines says otherwise (PEP 263)")
}

/// Reads and decodes a source file. Only a file that cannot be read at all is an error;
/// one that cannot be decoded exactly comes back with [`Source::lossy`] set.
pub fn read_source(path: &Path) -> Result<Source, Box<Diagnostic>> {
    let bytes =
        std::fs::read(path).map_err(|error| Box::new(unreadable(path, &error.to_string())))?;
    Ok(source::decode(&bytes))
}

fn collect_python_files(dir: &Path, exclude: Option<&Path>, out: &mut Vec<PathBuf>) {
    if exclude.is_some_and(|exclude| dir == exclude) || dir.join("pyvenv.cfg").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if name.starts_with('.')
                || matches!(
                    name.as_ref(),
                    "__pycache__" | "node_modules" | "site-packages"
                )
            {
                continue;
            }
            collect_python_files(&path, exclude, out);
        } else if name.ends_with(".py") && (file_type.is_file() || file_type.is_symlink()) {
            out.push(path);
        }
    }
}

/// The settings for `rules` in `db`, with the configuration file they were read from as
/// a file outside the project, whose text diagnostics about the rules point into (none
/// for the defaults, or for a file that no longer reads).
pub fn settings(
    db: &mut RootDatabase,
    rules: awaitify_rewrite::RuleSet,
) -> awaitify_rewrite::Settings {
    let config = config_file(db, &rules);
    awaitify_rewrite::Settings::builder(rules)
        .config(config)
        .new(db)
}

/// Reads the configuration file of `rules` into `db` again (see [`settings`]).
pub fn config_file(db: &mut RootDatabase, rules: &awaitify_rewrite::RuleSet) -> Option<File> {
    let path = rules.config_path.as_ref()?;
    let text = std::fs::read_to_string(path).ok()?;
    Some(db.set_outside_file(path.clone(), text))
}

/// What `check` reports about `targets`, some or all of the files of the project in `db`:
/// `read` (the problems found while reading them), then the rewrite's diagnostics that
/// concern them (`check`, `transform` and `watch` alike): those located in a target or
/// labelling one, a rewrite that failed its own check anywhere (it keeps every file
/// unwritten), a user rule that names nothing, and a refusal located elsewhere that
/// leaves a target's call blocking, with that call labelled.
pub fn target_diagnostics(
    db: &RootDatabase,
    settings: awaitify_rewrite::Settings,
    targets: &[File],
    read: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let mut diagnostics = read;
    diagnostics.extend(
        awaitify_rewrite::project_diagnostics(db, settings)
            .into_iter()
            .filter(|diagnostic| {
                // A rule that names nothing concerns every run that uses the rules.
                matches!(
                    diagnostic.code,
                    Code::VerificationFailed | Code::RuleNamesNothing
                ) || diagnostic.file().is_none_or(|file| targets.contains(&file))
                    || diagnostic
                        .secondary
                        .iter()
                        .any(|label| targets.contains(&label.file))
            }),
    );
    if targets.len() < awaitify_db::Db::project(db).files(db).len() {
        for refusal in awaitify_rewrite::explain::refusals_blocking_calls_in(db, settings, targets)
        {
            let reported = diagnostics.iter().position(|diagnostic| {
                diagnostic.code == refusal.code && diagnostic.primary == refusal.primary
            });
            match reported {
                Some(index) => diagnostics[index] = refusal,
                None => diagnostics.push(refusal),
            }
        }
    }
    sort_diagnostics(db, &mut diagnostics);
    diagnostics
}

/// Puts diagnostics in the one order every command prints them in: by the file and
/// position of the primary label (those without one first), then by code, severity and
/// message, and so on through every field, so that no two different diagnostics tie and the
/// order never depends on how they were found (a fresh `check`, or `watch` after an
/// edit, finds them in different orders).
pub fn sort_diagnostics(db: &dyn awaitify_db::Db, diagnostics: &mut [Diagnostic]) {
    let label_key = |label: &Label| {
        (
            label.file.path(db).clone(),
            label.range.start(),
            label.range.end(),
            label.message.clone(),
        )
    };
    let key = |diagnostic: &Diagnostic| {
        (
            diagnostic
                .primary
                .as_ref()
                .map(|label| (label.file.path(db).clone(), label.range.start())),
            diagnostic.code,
            diagnostic.severity,
            diagnostic.message.clone(),
            diagnostic.primary.as_ref().map(label_key),
            diagnostic.path.clone(),
            diagnostic
                .secondary
                .iter()
                .map(label_key)
                .collect::<Vec<_>>(),
            diagnostic.notes.clone(),
        )
    };
    diagnostics.sort_by_cached_key(key);
}
