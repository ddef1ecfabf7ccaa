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

use std::path::{Path, PathBuf};

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

/// Reads the project that `path` names.
pub fn load_project(path: &Path, exclude: Option<&Path>) -> Result<LoadedProject, String> {
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
    let mut paths = Vec::new();
    let exclude = exclude.and_then(|exclude| std::path::absolute(exclude).ok());
    let roots = module_roots(&root);
    // Inside a package, the whole outermost package is read (not written), so that
    // `from ..util import f` and `from app.util import f` reach the modules they name.
    let scanned = match roots.as_slice() {
        [outer, _] => root
            .ancestors()
            .find(|dir| dir.parent() == Some(outer.as_path()))
            .unwrap_or(&root)
            .to_path_buf(),
        _ => root.clone(),
    };
    collect_python_files(&scanned, exclude.as_deref(), &mut paths);
    if !metadata.is_dir() && !paths.contains(&absolute) {
        paths.push(absolute.clone());
    }
    paths.sort();
    let mut db = RootDatabase::new(roots);
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

/// Every Python file of the project rooted at `dir`, sorted.
pub fn python_files(dir: &Path, exclude: Option<&Path>) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    collect_python_files(dir, exclude, &mut paths);
    paths.sort();
    paths
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
