//! Loading a project from disk into a [`RootDatabase`].
//!
//! A path names a project: a directory is its own root; a file's root is the directory
//! holding it, so sibling modules resolve. A root inside a package also names modules
//! from above the outermost package (see [`module_roots`]). Every `.py` file below the root is an input,
//! except in hidden directories, `__pycache__`, `node_modules`, `site-packages` and
//! virtual environments (a directory holding `pyvenv.cfg`).
//!
//! A file that is not valid UTF-8 is not an input: it gets an `unreadable-file`
//! diagnostic and is never written. A UTF-8 byte-order mark is remembered and given back
//! on output.

use std::path::{Path, PathBuf};

use awaitify_db::{File, RootDatabase};
use awaitify_diagnostics::{Code, Diagnostic};

pub struct LoadedProject {
    pub db: RootDatabase,
    pub root: PathBuf,
    /// The files the command was asked about (the one file, or every file of a directory).
    pub targets: Vec<File>,
    /// Problems found while reading (files that could not be read or decoded).
    pub diagnostics: Vec<Diagnostic>,
    /// Files whose text began with a byte-order mark.
    pub boms: Vec<File>,
}

const UTF8_BOM: &str = "\u{feff}";

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
    collect_python_files(&root, exclude.as_deref(), &mut paths);
    if !metadata.is_dir() && !paths.contains(&absolute) {
        paths.push(absolute.clone());
    }
    paths.sort();
    let mut db = RootDatabase::new(module_roots(&root));
    let mut targets = Vec::new();
    let mut diagnostics = Vec::new();
    let mut boms = Vec::new();
    for file_path in paths {
        let is_target = metadata.is_dir() || file_path == absolute;
        match std::fs::read(&file_path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(mut text) => {
                    let has_bom = text.starts_with(UTF8_BOM);
                    if has_bom {
                        text.drain(..UTF8_BOM.len());
                    }
                    let file = db.set_file(file_path.clone(), text);
                    if has_bom {
                        boms.push(file);
                    }
                    if is_target {
                        targets.push(file);
                    }
                }
                Err(error) => {
                    if is_target {
                        diagnostics.push(unreadable(
                            &file_path,
                            &format!("it is not valid UTF-8 ({})", error.utf8_error()),
                        ));
                    }
                }
            },
            Err(error) => {
                if is_target {
                    diagnostics.push(unreadable(&file_path, &error.to_string()));
                }
            }
        }
    }
    Ok(LoadedProject {
        db,
        root,
        targets,
        diagnostics,
        boms,
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
    .with_note("awaitify leaves the file untouched")
}

/// Reads a source file: its text without a byte-order mark, and whether it had one.
pub fn read_source(path: &Path) -> Result<(String, bool), Box<Diagnostic>> {
    let bytes =
        std::fs::read(path).map_err(|error| Box::new(unreadable(path, &error.to_string())))?;
    let mut text = String::from_utf8(bytes).map_err(|error| {
        Box::new(unreadable(
            path,
            &format!("it is not valid UTF-8 ({})", error.utf8_error()),
        ))
    })?;
    let has_bom = text.starts_with(UTF8_BOM);
    if has_bom {
        text.drain(..UTF8_BOM.len());
    }
    Ok((text, has_bom))
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

impl LoadedProject {
    /// The text to write for `file`: its byte-order mark, if it had one, restored.
    pub fn output_text(&self, file: File, text: &str) -> String {
        if self.boms.contains(&file) {
            format!("{UTF8_BOM}{text}")
        } else {
            text.to_string()
        }
    }
}
