//! `awaitify watch`: keep one database alive and re-analyse the project on every change.
//!
//! The watcher polls file modification times (no platform notification API, so it works
//! the same everywhere, including network mounts and containers). A change sets the
//! file's text input; salsa then re-runs only what depends on it: editing inside one
//! function body re-lowers and re-resolves that file alone, and the coloring reuses
//! every other file's call sites. A deleted file leaves the project (its input stays,
//! empty, so ids held elsewhere remain valid).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use awaitify_db::{File, RootDatabase};
use awaitify_diagnostics::Diagnostic;
use awaitify_rewrite::Settings;

use crate::project::{python_files, read_source, skipped_out_dir, undecodable};
use crate::source::Encodings;

/// What one round of re-analysis found.
pub struct Report {
    /// Files whose text changed, appeared or disappeared, relative to the root.
    pub changed: Vec<PathBuf>,
    /// Files written to the output directory this round.
    pub written: Vec<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
}

pub struct Watcher {
    pub db: RootDatabase,
    root: PathBuf,
    out_dir: Option<PathBuf>,
    /// `out_dir` as the scan of `root` spells it, when it lies inside the project.
    skipped: Option<PathBuf>,
    settings: Settings,
    seen: BTreeMap<PathBuf, SystemTime>,
    /// How each file was read, to write it back the same way.
    encodings: Encodings,
    /// What was last written for each output path, so unchanged outputs are not rewritten.
    written: BTreeMap<PathBuf, String>,
}

impl Watcher {
    /// Starts watching `root`; nothing is analysed until the first [`Watcher::poll`].
    /// An `out_dir` that is `root` or holds it is refused (`InvalidInput`), as for
    /// `transform`.
    pub fn new(
        root: &Path,
        out_dir: Option<&Path>,
        rules: awaitify_rewrite::RuleSet,
    ) -> std::io::Result<Watcher> {
        let root = std::path::absolute(root)?;
        let skipped = match out_dir {
            Some(out_dir) => skipped_out_dir(&root, &root, out_dir).map_err(|message| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
            })?,
            None => None,
        };
        let out_dir = out_dir.map(std::path::absolute).transpose()?;
        let db = RootDatabase::new(vec![root.clone()]);
        let settings = Settings::new(&db, rules);
        Ok(Watcher {
            db,
            root,
            out_dir,
            skipped,
            settings,
            seen: BTreeMap::new(),
            encodings: Encodings::default(),
            written: BTreeMap::new(),
        })
    }

    /// Looks for changes; when there are any, feeds them to the database, re-analyses,
    /// writes changed outputs, and reports. `None` when nothing changed.
    pub fn poll(&mut self) -> Option<Report> {
        let start = Instant::now();
        let current: BTreeMap<PathBuf, SystemTime> =
            python_files(&self.root, self.skipped.as_deref())
                .into_iter()
                .filter_map(|path| {
                    let modified = std::fs::metadata(&path)
                        .and_then(|metadata| metadata.modified())
                        .ok()?;
                    Some((path, modified))
                })
                .collect();
        let mut changed = Vec::new();
        let mut read_errors = Vec::new();
        for (path, modified) in &current {
            if self.seen.get(path) == Some(modified) {
                continue;
            }
            match read_source(path) {
                Ok(source) => {
                    let file =
                        self.db
                            .set_file_decoded(path.clone(), source.text, source.lossy.is_some());
                    self.encodings.record(file, source.encoding);
                    if let Some(lossy) = &source.lossy {
                        read_errors.push(undecodable(file, path, lossy));
                    }
                }
                Err(diagnostic) => {
                    self.db.remove_file(path);
                    read_errors.push(*diagnostic);
                }
            }
            changed.push(path.clone());
        }
        for path in self.seen.keys() {
            if !current.contains_key(path) {
                self.db.remove_file(path);
                changed.push(path.clone());
                // Its output would be a stale module that others may still import.
                if let Some(out_dir) = &self.out_dir
                    && let Ok(relative) = path.strip_prefix(&self.root)
                {
                    let destination = out_dir.join(relative);
                    if self.written.remove(&destination).is_some() {
                        let _ = std::fs::remove_file(&destination);
                    }
                }
            }
        }
        self.seen = current;
        if changed.is_empty() {
            return None;
        }
        let mut diagnostics = read_errors;
        diagnostics.extend(awaitify_rewrite::project_diagnostics(
            &self.db,
            self.settings,
        ));
        let written = self.write_outputs();
        Some(Report {
            changed: changed
                .into_iter()
                .map(|path| {
                    path.strip_prefix(&self.root)
                        .map(Path::to_path_buf)
                        .unwrap_or(path)
                })
                .collect(),
            written,
            diagnostics,
            elapsed: start.elapsed(),
        })
    }

    fn write_outputs(&mut self) -> Vec<PathBuf> {
        let Some(out_dir) = self.out_dir.clone() else {
            return Vec::new();
        };
        let mut written = Vec::new();
        if awaitify_rewrite::has_internal_failure(&self.db, self.settings) {
            // The files of a project change together; see the AW301 diagnostic.
            return written;
        }
        let files: Vec<File> = awaitify_db::Db::project(&self.db).files(&self.db).clone();
        for file in files {
            let rewrite = awaitify_rewrite::file_rewrite(&self.db, file, self.settings);
            if !rewrite.errors.is_empty() || file.decoded_lossily(&self.db) {
                continue;
            }
            let path = file.path(&self.db).clone();
            let relative = path.strip_prefix(&self.root).unwrap_or(&path).to_path_buf();
            let text = rewrite
                .output
                .clone()
                .unwrap_or_else(|| file.text(&self.db).to_string());
            let destination = out_dir.join(&relative);
            if self.written.get(&destination) == Some(&text) {
                continue;
            }
            let bytes = self.encodings.bytes(file, &text);
            if crate::write::write_atomically_like(&destination, &bytes, Some(&path)).is_ok() {
                self.written.insert(destination, text);
                written.push(relative);
            }
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(path: &Path, text: &str) {
        std::fs::write(path, text).unwrap();
        // Modification times can be coarse; make every write visible.
        let later = SystemTime::now() + Duration::from_secs(1);
        let file = std::fs::File::options().write(true).open(path).unwrap();
        file.set_modified(later).unwrap();
    }

    #[test]
    fn edits_are_picked_up_and_only_the_edited_file_is_reanalysed() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        touch(
            &dir.path().join("helpers.py"),
            "import time\n\ndef slow():\n    time.sleep(1)\n\ndef fast():\n    return 1\n",
        );
        touch(
            &dir.path().join("main.py"),
            "from helpers import slow, fast\nslow()\nfast()\n",
        );
        let mut watcher = Watcher::new(dir.path(), Some(out.path()), Default::default()).unwrap();
        let first = watcher.poll().expect("the first poll sees every file");
        assert_eq!(first.changed.len(), 2);
        assert_eq!(first.written.len(), 2);
        assert!(
            std::fs::read_to_string(out.path().join("main.py"))
                .unwrap()
                .contains("await slow()")
        );
        assert!(watcher.poll().is_none(), "nothing changed");

        // An edit inside `fast`'s body: only helpers.py is re-analysed.
        watcher.db.start_logging_executions();
        touch(
            &dir.path().join("helpers.py"),
            "import time\n\ndef slow():\n    time.sleep(1)\n\ndef fast():\n    x = 2\n    return x\n",
        );
        let report = watcher.poll().expect("the edit is seen");
        assert_eq!(report.changed, vec![PathBuf::from("helpers.py")]);
        let main = watcher
            .db
            .file(
                &dir.path()
                    .join("main.py")
                    .canonicalize()
                    .unwrap_or(dir.path().join("main.py")),
            )
            .or_else(|| {
                watcher
                    .db
                    .file(&std::path::absolute(dir.path().join("main.py")).unwrap())
            })
            .unwrap();
        let id = format!("({:?})", salsa::plumbing::AsId::as_id(&main));
        let reran: Vec<String> = watcher
            .db
            .take_executions()
            .into_iter()
            .filter(|entry| entry.ends_with(&id))
            .collect();
        let analysis: Vec<&String> = reran
            .iter()
            .filter(|entry| {
                [
                    "lowered_file",
                    "semantic_index",
                    "file_resolutions",
                    "file_calls",
                ]
                .iter()
                .any(|query| entry.starts_with(query))
            })
            .collect();
        assert!(analysis.is_empty(), "main.py was re-analysed: {reran:?}");

        // A new blocking call in main.py is rewritten on the next poll.
        touch(
            &dir.path().join("main.py"),
            "import time\nfrom helpers import slow, fast\nslow()\ntime.sleep(2)\n",
        );
        let report = watcher.poll().expect("the edit is seen");
        assert_eq!(report.written, vec![PathBuf::from("main.py")]);
        assert!(
            std::fs::read_to_string(out.path().join("main.py"))
                .unwrap()
                .contains("await asyncio.sleep(2)")
        );

        // A deleted file leaves the project, and its output goes too: a stale module
        // left in OUT could still be imported.
        std::fs::remove_file(dir.path().join("main.py")).unwrap();
        let report = watcher.poll().expect("the deletion is seen");
        assert_eq!(report.changed, vec![PathBuf::from("main.py")]);
        assert!(!out.path().join("main.py").exists());
        assert!(out.path().join("helpers.py").exists());
    }
}
