//! The salsa database every other awaitify crate stands on.
//!
//! This crate owns the *inputs* of the analysis: [`File`] (a path and its text) and
//! [`Project`] (the files that make up one program and the roots module names are
//! relative to), the [`Db`] trait that every query takes, and [`RootDatabase`], the
//! concrete database that the CLI, the watcher and embedders use.
//!
//! It may not depend on any other awaitify crate: it knows nothing of Python.
//!
//! Invariants:
//! - A [`File`] is created once per path and then only has its text set; a file that
//!   disappears keeps its input (its text becomes empty) so that ids held elsewhere stay
//!   valid, as ty's `ruff_db::files` does.
//! - [`Project::files`] holds exactly the files set and not removed since: setting a
//!   removed path again (with [`RootDatabase::set_file`] or
//!   [`RootDatabase::set_file_decoded`]) puts its old [`File`] back into the project.
//! - Every module name is computed from the project roots by [`module_name`], a query, so
//!   moving a file or changing the roots invalidates exactly the resolutions that read it.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use salsa::Setter;

/// One source file: its path and its text.
#[salsa::input(debug)]
pub struct File {
    #[returns(ref)]
    pub path: PathBuf,
    #[returns(deref)]
    pub text: String,
    /// The bytes on disk could not be decoded exactly (not valid in their encoding, or
    /// an encoding awaitify cannot write back), so `text` holds replacement characters.
    /// Such a text is good enough to find the file's calls, never to write the file.
    #[returns(copy)]
    pub decoded_lossily: bool,
}

/// The program under analysis: the roots that module names are relative to (the first
/// root wins when two hold the same module) and every Python file in it.
#[salsa::input(debug)]
pub struct Project {
    #[returns(ref)]
    pub roots: Vec<PathBuf>,
    #[returns(ref)]
    pub files: Vec<File>,
}

/// The database trait every awaitify query is written against.
#[salsa::db]
pub trait Db: salsa::Database {
    /// The project this database analyses.
    fn project(&self) -> Project;
}

/// A dotted Python module name such as `pkg.helpers`.
pub type ModuleName = String;

/// The module name of `file` under the project's roots: `pkg/mod.py` is `pkg.mod`,
/// `pkg/__init__.py` is `pkg`. `None` when the file lies outside every root or its path
/// is not a valid module path.
#[salsa::tracked(returns(ref))]
pub fn module_name(db: &dyn Db, file: File) -> Option<ModuleName> {
    let project = db.project();
    let path = file.path(db);
    project
        .roots(db)
        .iter()
        .find_map(|root| module_name_under(root, path))
}

/// The module name of `path` relative to `root`, if it lies below it.
pub fn module_name_under(root: &Path, path: &Path) -> Option<ModuleName> {
    let relative = path.strip_prefix(root).ok()?;
    let mut parts: Vec<&str> = Vec::new();
    let components: Vec<_> = relative.components().collect();
    for (index, component) in components.iter().enumerate() {
        let part = component.as_os_str().to_str()?;
        if index + 1 == components.len() {
            let stem = part
                .strip_suffix(".py")
                .or_else(|| part.strip_suffix(".pyi"))?;
            if stem != "__init__" {
                parts.push(stem);
            }
        } else {
            parts.push(part);
        }
    }
    if parts.is_empty() || !parts.iter().all(|part| is_identifier(part)) {
        return None;
    }
    Some(parts.join("."))
}

/// Whether `text` is a Python identifier (ASCII approximation plus any non-ASCII letter).
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The project's files in path order: every project-wide result that lists files
/// follows it, so it is the same on every run.
pub fn files_by_path(db: &dyn Db) -> Vec<File> {
    let mut files: Vec<File> = db.project().files(db).clone();
    files.sort_by(|a, b| a.path(db).cmp(b.path(db)));
    files
}

/// Whether `file` is a package's `__init__.py`.
pub fn is_package_init(db: &dyn Db, file: File) -> bool {
    file.path(db)
        .file_stem()
        .is_some_and(|stem| stem == "__init__")
}

/// The concrete database: salsa storage, the project input, a path index and an
/// optional log of executed queries (for incrementality tests and `watch --verbose`).
#[salsa::db]
#[derive(Clone)]
pub struct RootDatabase {
    storage: salsa::Storage<Self>,
    /// Always `Some` once `new` returns; an input can only be created inside a database.
    project: Option<Project>,
    files_by_path: Arc<Mutex<indexmap_lite::PathIndex>>,
    executed: Arc<Mutex<Option<Vec<String>>>>,
    /// Whether `executed` records; checked before locking, so a database that does not
    /// log pays one atomic load per salsa event.
    logging: Arc<std::sync::atomic::AtomicBool>,
}

#[salsa::db]
impl salsa::Database for RootDatabase {}

#[salsa::db]
impl Db for RootDatabase {
    fn project(&self) -> Project {
        self.project
            .expect("the project input is created in RootDatabase::new")
    }
}

impl Default for RootDatabase {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl RootDatabase {
    /// A database for a project with the given roots and no files yet.
    pub fn new(roots: Vec<PathBuf>) -> Self {
        let executed: Arc<Mutex<Option<Vec<String>>>> = Arc::default();
        let logging: Arc<std::sync::atomic::AtomicBool> = Arc::default();
        let enabled = logging.clone();
        let log = executed.clone();
        let storage = salsa::Storage::new(Some(Box::new(move |event: salsa::Event| {
            if !enabled.load(std::sync::atomic::Ordering::Relaxed) {
                return;
            }
            if let salsa::EventKind::WillExecute { database_key } = event.kind
                && let Some(log) = log.lock().unwrap().as_mut()
            {
                log.push(format!("{database_key:?}"));
            }
        })));
        let mut db = Self {
            storage,
            project: None,
            files_by_path: Arc::default(),
            executed,
            logging,
        };
        db.project = Some(Project::new(&db, roots, Vec::new()));
        db
    }

    /// Adds `path` with `text`, or sets the text of the file already at `path`. A path
    /// that was removed comes back into the project, as the same [`File`].
    pub fn set_file(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> File {
        self.set_file_decoded(path, text, false)
    }

    /// As [`RootDatabase::set_file`], for a text that was decoded with replacement
    /// characters when `lossily` (see [`File::decoded_lossily`]).
    pub fn set_file_decoded(
        &mut self,
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        lossily: bool,
    ) -> File {
        let path = path.into();
        let text = text.into();
        let existing = self.files_by_path.lock().unwrap().entry(&path);
        match existing {
            Some((file, in_project)) => {
                if file.text(self) != text {
                    file.set_text(self).to(text);
                }
                if file.decoded_lossily(self) != lossily {
                    file.set_decoded_lossily(self).to(lossily);
                }
                if !in_project {
                    // Removed earlier: the same input rejoins the project, so ids held
                    // elsewhere name it again.
                    self.files_by_path
                        .lock()
                        .unwrap()
                        .set_in_project(&path, true);
                    let mut files = self.project().files(self).clone();
                    files.push(file);
                    self.project().set_files(self).to(files);
                }
                file
            }
            None => {
                let file = File::new(self, path.clone(), text, lossily);
                self.files_by_path.lock().unwrap().insert(path, file);
                let mut files = self.project().files(self).clone();
                files.push(file);
                self.project().set_files(self).to(files);
                file
            }
        }
    }

    /// Adds `path` with `text` as a file outside the project, or sets the text of the file
    /// already at `path`: a text that diagnostics may point into but that is never
    /// analysed, such as the configuration file a rule is written in. A path that is
    /// already a file of the project stays one.
    pub fn set_outside_file(&mut self, path: impl Into<PathBuf>, text: impl Into<String>) -> File {
        let path = path.into();
        let text = text.into();
        let existing = self.files_by_path.lock().unwrap().entry(&path);
        match existing {
            Some((file, _)) => {
                if file.text(self) != text {
                    file.set_text(self).to(text);
                }
                file
            }
            None => {
                let file = File::new(self, path.clone(), text, false);
                self.files_by_path
                    .lock()
                    .unwrap()
                    .insert_outside(path, file);
                file
            }
        }
    }

    /// Marks `path` as removed: its text becomes empty and it leaves the project's files
    /// until it is set again. Removing a path that is not in the project does nothing.
    pub fn remove_file(&mut self, path: &Path) {
        let Some((file, true)) = self.files_by_path.lock().unwrap().entry(path) else {
            return;
        };
        self.files_by_path
            .lock()
            .unwrap()
            .set_in_project(path, false);
        let files: Vec<File> = self
            .project()
            .files(self)
            .iter()
            .copied()
            .filter(|candidate| *candidate != file)
            .collect();
        self.project().set_files(self).to(files);
        file.set_text(self).to(String::new());
    }

    /// The file at `path`, if one was added (removed since or not).
    pub fn file(&self, path: &Path) -> Option<File> {
        self.files_by_path
            .lock()
            .unwrap()
            .entry(path)
            .map(|(file, _)| file)
    }

    /// Replaces the project roots.
    pub fn set_roots(&mut self, roots: Vec<PathBuf>) {
        self.project().set_roots(self).to(roots);
    }

    /// Starts recording which queries execute (not those merely validated).
    pub fn start_logging_executions(&self) {
        *self.executed.lock().unwrap() = Some(Vec::new());
        self.logging
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The queries executed since logging started or since the last call, as
    /// `query_name(Id(..))` strings.
    pub fn take_executions(&self) -> Vec<String> {
        self.executed
            .lock()
            .unwrap()
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }
}

/// A tiny path -> file index, which also records whether each file is in the project
/// (not removed since it was last set); kept private so the database can swap it for a
/// faster map.
mod indexmap_lite {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};

    use crate::File;

    #[derive(Default)]
    pub(crate) struct PathIndex(HashMap<PathBuf, (File, bool)>);

    impl PathIndex {
        /// The file at `path` and whether it is in the project.
        pub(crate) fn entry(&self, path: &Path) -> Option<(File, bool)> {
            self.0.get(path).copied()
        }
        /// Adds a new file, in the project.
        pub(crate) fn insert(&mut self, path: PathBuf, file: File) {
            self.0.insert(path, (file, true));
        }
        /// Adds a new file, outside the project.
        pub(crate) fn insert_outside(&mut self, path: PathBuf, file: File) {
            self.0.insert(path, (file, false));
        }
        pub(crate) fn set_in_project(&mut self, path: &Path, in_project: bool) {
            if let Some(entry) = self.0.get_mut(path) {
                entry.1 = in_project;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_the_package_layout() {
        let root = Path::new("/p");
        assert_eq!(
            module_name_under(root, Path::new("/p/a.py")).as_deref(),
            Some("a")
        );
        assert_eq!(
            module_name_under(root, Path::new("/p/pkg/__init__.py")).as_deref(),
            Some("pkg")
        );
        assert_eq!(
            module_name_under(root, Path::new("/p/pkg/sub/m.py")).as_deref(),
            Some("pkg.sub.m")
        );
        assert_eq!(module_name_under(root, Path::new("/q/a.py")), None);
        assert_eq!(module_name_under(root, Path::new("/p/my-page.py")), None);
    }

    #[test]
    fn files_are_added_once_and_updated_in_place() {
        let mut db = RootDatabase::new(vec![PathBuf::from("/p")]);
        let a = db.set_file("/p/a.py", "x = 1\n");
        let again = db.set_file("/p/a.py", "x = 2\n");
        assert_eq!(a, again);
        assert_eq!(a.text(&db), "x = 2\n");
        assert_eq!(db.project().files(&db).len(), 1);
        assert_eq!(module_name(&db, a).as_deref(), Some("a"));
    }

    /// A file outside the project (a configuration file) has a text diagnostics can
    /// point into, and is not one of the project's files.
    #[test]
    fn an_outside_file_is_not_part_of_the_project() {
        let mut db = RootDatabase::new(vec![PathBuf::from("/p")]);
        let a = db.set_file("/p/a.py", "x = 1\n");
        let config = db.set_outside_file("/p/awaitify.toml", "[[rules]]\n");
        assert_eq!(db.project().files(&db), &vec![a]);
        assert_eq!(config.text(&db), "[[rules]]\n");
        let again = db.set_outside_file("/p/awaitify.toml", "");
        assert_eq!(again, config);
        assert_eq!(config.text(&db), "");
        db.remove_file(Path::new("/p/awaitify.toml"));
        assert_eq!(db.project().files(&db), &vec![a]);
    }

    /// A file removed and then set again (`git stash` and `stash pop`, a file moved away
    /// and back) is the same input, back in the project with its new text.
    #[test]
    fn a_removed_file_that_is_set_again_rejoins_the_project() {
        let mut db = RootDatabase::new(vec![PathBuf::from("/p")]);
        let a = db.set_file("/p/a.py", "x = 1\n");
        let b = db.set_file("/p/b.py", "y = 1\n");
        db.remove_file(Path::new("/p/a.py"));
        assert_eq!(db.project().files(&db), &vec![b]);
        assert_eq!(a.text(&db), "");
        db.remove_file(Path::new("/p/a.py"));
        assert_eq!(
            db.project().files(&db),
            &vec![b],
            "removing twice is removing once"
        );
        assert_eq!(
            db.file(Path::new("/p/a.py")),
            Some(a),
            "the input outlives removal"
        );

        let again = db.set_file("/p/a.py", "x = 1\n");
        assert_eq!(again, a);
        assert_eq!(a.text(&db), "x = 1\n");
        assert_eq!(db.project().files(&db), &vec![b, a]);
        db.set_file("/p/a.py", "x = 2\n");
        assert_eq!(db.project().files(&db).len(), 2, "it is added back once");

        // Through the lossy setter too, which the watcher uses.
        db.remove_file(Path::new("/p/a.py"));
        db.set_file_decoded("/p/a.py", "x = \u{fffd}\n", true);
        assert_eq!(db.project().files(&db), &vec![b, a]);
        assert!(a.decoded_lossily(&db));
    }
}
