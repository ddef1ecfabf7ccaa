//! `awaitify watch`: keep one database alive and re-analyse the project on every change.
//!
//! The watcher polls file modification times (no platform notification API, so it works
//! the same everywhere, including network mounts and containers). A change sets the
//! file's text input; salsa then re-runs only what depends on it: editing inside one
//! function body re-lowers and re-resolves that file alone, and the coloring reuses
//! every other file's call sites. A deleted file leaves the project (its input stays,
//! empty, so ids held elsewhere remain valid) and rejoins it, as the same input, when it
//! comes back. A file that is listed but cannot be read (a dangling symbolic link, no
//! permission) stays in the project's listing and is reported, as `check` reports it.
//!
//! Invariant: after every round, the watcher names, reads and writes the project as
//! `transform DIR --out-dir OUT` would on the tree it just read. The project's layout
//! (module roots, the enclosing package that is read) is computed by
//! [`ProjectLayout::new`], as for `transform`, again on every poll, since an
//! `__init__.py` that appears or goes changes it. OUT holds the outputs a fresh run
//! would write: a file that is deleted, leaves the project, or can no longer be written
//! (it stops parsing or decoding) has the output this watcher wrote for it removed. The
//! watcher keeps in memory what it wrote, and removes an output only while it still
//! holds exactly those bytes; it writes nothing into OUT but the outputs themselves. A
//! file that was in OUT before it started is treated as `transform --out-dir` treats
//! it: overwritten when the watcher writes that path, otherwise left alone, even when
//! its source is gone or broken (so only an OUT that started empty holds exactly what
//! a fresh run writes). Two exceptions follow `transform`: while a rewrite fails its own
//! check (AW301), `transform` writes no file, and the watcher leaves OUT as it was; and
//! when an output cannot be written, none is (the files of a project change together):
//! the failure is reported, OUT is left as it was, and every later poll tries again
//! until the writes succeed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use awaitify_db::{File, RootDatabase};
use awaitify_diagnostics::Diagnostic;
use awaitify_rewrite::Settings;

use crate::project::{ProjectLayout, read_source, target_diagnostics, undecodable};
use crate::source::Encodings;

/// What one round of re-analysis found.
pub struct Report {
    /// Files whose text changed, appeared or disappeared, relative to the root.
    pub changed: Vec<PathBuf>,
    /// Files written to the output directory this round, relative to it.
    pub written: Vec<PathBuf>,
    /// Outputs removed from the output directory this round, relative to it: this
    /// watcher wrote them, they still hold what it wrote, and their source was deleted,
    /// left the project, or can no longer be written (it stopped parsing or decoding), so
    /// a fresh `transform --out-dir` would not write them either.
    pub removed: Vec<PathBuf>,
    /// The output directory was left as it was because a rewrite failed its own check
    /// (AW301): `transform` writes no file then.
    pub held_back: bool,
    /// The outputs that could not be written or removed, as `transform` reports them
    /// (`cannot write OUT/sub/page.py: ...`). When one cannot be written, none is: OUT
    /// is left as it was, and each poll tries again until they all can be. A poll that
    /// finds the same failures and nothing else new reports nothing.
    pub failures: Vec<String>,
    /// While the configuration does not read: why. The previous one stays in effect, and
    /// every report says so until it reads again.
    pub config_error: Option<String>,
    /// The configuration changed, or reads again after it did not, and its rules are in
    /// effect.
    pub config_reloaded: bool,
    /// What `check DIR` would report now.
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
}

/// A file's modification time and size, by which changes are found.
type Stamp = (SystemTime, u64);

fn stamp_of(metadata: &std::fs::Metadata) -> Option<Stamp> {
    Some((metadata.modified().ok()?, metadata.len()))
}

pub struct Watcher {
    pub db: RootDatabase,
    /// Where the project's files are and where its module names start.
    layout: ProjectLayout,
    out: Option<OutDir>,
    settings: Settings,
    /// Each file's stamp when it was last read.
    seen: BTreeMap<PathBuf, Stamp>,
    /// Why each file that could not be read, or decoded exactly, was not; reported on
    /// every round while it lasts, as `check` would.
    read_errors: BTreeMap<PathBuf, Diagnostic>,
    /// How each file was read, to write it back the same way.
    encodings: Encodings,
    /// The configuration files that may apply (see [`config_stamp`]) when the rules were
    /// last discovered; `None` when the rules were given and are not reloaded.
    config: Option<ConfigStamp>,
    /// Why the configuration last read does not read, while it does not.
    config_error: Option<String>,
    /// Whether a poll has reported yet: the first one always does.
    started: bool,
}

/// The output directory and what the watcher knows of it.
struct OutDir {
    /// Where it is, with `.`, `..` and symbolic links resolved, so that writing to
    /// `src/gen/../out` creates no `src/gen`.
    path: PathBuf,
    /// As it was given, to name outputs in messages as `transform` names them.
    shown: PathBuf,
    /// Each output that holds what a fresh run would write there, as far as the watcher
    /// knows, by path relative to the directory: those it wrote, and those it found
    /// already there with those bytes (see [`Output::written`]).
    outputs: BTreeMap<PathBuf, Output>,
    /// The failures the last report showed; while there are any, every poll tries the
    /// output directory again.
    failures: Vec<String>,
    /// The outputs that could not be staged last time, by relative path.
    failed: BTreeSet<PathBuf>,
}

/// What one output path holds.
struct Output {
    /// The bytes, so that unchanged outputs are not written again. Bytes, not text: a
    /// byte-order mark added or removed changes only them.
    bytes: Vec<u8>,
    /// The file's stamp after it was written (or found), to notice cheaply that it
    /// changed.
    stamp: Option<Stamp>,
    /// Whether this watcher wrote it. Only such an output is removed when a fresh run
    /// would no longer write it; one that was already there with the right bytes when
    /// the watcher came to write it is left alone then, as `transform` leaves it.
    written: bool,
}

impl OutDir {
    /// The output directory at `path` (resolved), of which nothing is known yet.
    fn new(path: PathBuf, shown: PathBuf) -> OutDir {
        OutDir {
            path,
            shown,
            outputs: BTreeMap::new(),
            failures: Vec::new(),
            failed: BTreeSet::new(),
        }
    }

    /// Forgets the outputs that are no longer as they were written (removed, emptied,
    /// edited, replaced behind the watcher's back): one a fresh run would write is then
    /// written again, and one it would not is no longer the watcher's to remove. Whether
    /// there were any.
    fn forget_changed_outputs(&mut self) -> bool {
        let path = &self.path;
        let before = self.outputs.len();
        self.outputs.retain(|relative, output| {
            let destination = path.join(relative);
            let Ok(metadata) = std::fs::metadata(&destination) else {
                return false;
            };
            let stamp = stamp_of(&metadata);
            if stamp.is_some() && stamp == output.stamp {
                return true;
            }
            match std::fs::read(&destination) {
                Ok(bytes) if bytes == output.bytes => {
                    output.stamp = stamp;
                    true
                }
                _ => false,
            }
        });
        self.outputs.len() != before
    }
}

impl Output {
    /// The regular file at `destination` (through a symbolic link, the file it points
    /// to), as an output that holds what it holds now, which the watcher did not write.
    fn on_disk(destination: &Path) -> Option<Output> {
        let metadata = std::fs::metadata(destination).ok()?;
        if !metadata.is_file() {
            return None;
        }
        Some(Output {
            bytes: std::fs::read(destination).ok()?,
            stamp: stamp_of(&metadata),
            written: false,
        })
    }
}

/// Each `awaitify.toml` and `pyproject.toml` from a directory upward, with its
/// modification time and size: where [`awaitify_rewrite::discover_rules`] looks.
type ConfigStamp = Vec<(PathBuf, SystemTime, u64)>;

fn config_stamp(root: &Path) -> ConfigStamp {
    root.ancestors()
        .flat_map(|dir| ["awaitify.toml", "pyproject.toml"].map(|name| dir.join(name)))
        .filter_map(|path| {
            let metadata = std::fs::metadata(&path).ok()?;
            Some((path, metadata.modified().ok()?, metadata.len()))
        })
        .collect()
}

impl Watcher {
    /// Starts watching `root`; nothing is analysed until the first [`Watcher::poll`].
    /// An `out_dir` that is `root` or holds it is refused (`InvalidInput`), as for
    /// `transform`. Files already in `out_dir` are never removed by this watcher, only
    /// overwritten when it writes their path.
    pub fn new(
        root: &Path,
        out_dir: Option<&Path>,
        rules: awaitify_rewrite::RuleSet,
    ) -> std::io::Result<Watcher> {
        let root = std::path::absolute(root)?;
        let resolved = out_dir.map(crate::project::resolve_path).transpose()?;
        let layout = ProjectLayout::new(&root, resolved.as_deref())
            .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let mut db = RootDatabase::new(layout.module_roots.clone());
        let settings = crate::project::settings(&mut db, rules);
        let out = resolved
            .zip(out_dir)
            .map(|(path, shown)| OutDir::new(path, shown.to_path_buf()));
        Ok(Watcher {
            db,
            layout,
            out,
            settings,
            seen: BTreeMap::new(),
            read_errors: BTreeMap::new(),
            encodings: Encodings::default(),
            config: None,
            config_error: None,
            started: false,
        })
    }

    /// [`Watcher::new`] with the rules `transform` would find for `root` (the defaults
    /// plus the first `awaitify.toml` or `[tool.awaitify]` from `root` upward), found
    /// again whenever one of those files changes, appears or goes. A configuration that
    /// does not read at the start is an error; later, the previous one stays in effect
    /// and every report says why until it reads again.
    pub fn discovering_config(root: &Path, out_dir: Option<&Path>) -> Result<Watcher, String> {
        let absolute = std::path::absolute(root).map_err(|error| error.to_string())?;
        let stamp = config_stamp(&absolute);
        let rules =
            awaitify_rewrite::discover_rules(&absolute).map_err(|error| error.to_string())?;
        let mut watcher = Watcher::new(root, out_dir, rules).map_err(|error| error.to_string())?;
        watcher.config = Some(stamp);
        Ok(watcher)
    }

    /// Rediscovers the rules when a configuration file changed, appeared or went.
    /// Whether that is news to report (the configuration changed, stopped reading, or
    /// reads again), and whether new rules (or, after an error, the configuration's
    /// rules again) are in effect.
    fn reload_config(&mut self) -> (bool, bool) {
        let Some(previous) = &self.config else {
            return (false, false);
        };
        let stamp = config_stamp(&self.layout.root);
        if &stamp == previous {
            return (false, false);
        }
        self.config = Some(stamp);
        match awaitify_rewrite::discover_rules(&self.layout.root) {
            Ok(rules) => {
                use salsa::Setter;
                let was_broken = self.config_error.take().is_some();
                // Its text, which diagnostics about the rules point into, may have moved.
                let config = crate::project::config_file(&mut self.db, &rules);
                if self.settings.config(&self.db) != config {
                    self.settings.set_config(&mut self.db).to(config);
                }
                let changed = &rules != self.settings.rules(&self.db);
                if changed {
                    self.settings.set_rules(&mut self.db).to(rules);
                }
                (changed || was_broken, changed || was_broken)
            }
            Err(error) => {
                // Said again even when the error is the same: the file was saved.
                self.config_error = Some(error.to_string());
                (true, false)
            }
        }
    }

    /// Looks for changes; when there are any, feeds them to the database, re-analyses,
    /// brings the output directory up to date, and reports. `None` when nothing changed
    /// (a write that keeps failing as before is no news either).
    pub fn poll(&mut self) -> Option<Report> {
        let start = Instant::now();
        // An `__init__.py` in or above the root that appeared or went moves the module
        // roots and the enclosing package that is read. Its layout cannot become invalid
        // once accepted (the root and OUT stay where they are); if it does, keep the last.
        let mut layout_changed = false;
        let out_path = self.out.as_ref().map(|out| out.path.clone());
        if let Ok(layout) = ProjectLayout::new(&self.layout.root, out_path.as_deref())
            && layout != self.layout
        {
            if layout.module_roots != self.layout.module_roots {
                self.db.set_roots(layout.module_roots.clone());
            }
            self.layout = layout;
            layout_changed = true;
        }
        // The size too: an edit within the file system's timestamp resolution keeps the
        // modification time, and most edits change the length. A listed file whose
        // metadata cannot be read (a dangling symbolic link) is stamped by the link
        // itself: it is part of the project, and reading it fails as for `check`.
        let current: BTreeMap<PathBuf, Stamp> = self
            .layout
            .python_files()
            .into_iter()
            .filter_map(|path| {
                let metadata = std::fs::metadata(&path)
                    .or_else(|_| std::fs::symlink_metadata(&path))
                    .ok()?;
                Some((path, stamp_of(&metadata)?))
            })
            .collect();
        let mut changed = Vec::new();
        for (path, modified) in &current {
            if self.seen.get(path) == Some(modified) {
                continue;
            }
            self.read_errors.remove(path);
            match read_source(path) {
                Ok(source) => {
                    let file =
                        self.db
                            .set_file_decoded(path.clone(), source.text, source.lossy.is_some());
                    self.encodings.record(file, source.encoding);
                    if let Some(lossy) = &source.lossy {
                        self.read_errors
                            .insert(path.clone(), undecodable(file, path, lossy));
                    }
                }
                Err(diagnostic) => {
                    self.db.remove_file(path);
                    self.read_errors.insert(path.clone(), *diagnostic);
                }
            }
            changed.push(path.clone());
        }
        for path in self.seen.keys() {
            if !current.contains_key(path) {
                self.db.remove_file(path);
                self.read_errors.remove(path);
                changed.push(path.clone());
            }
        }
        self.seen = current;
        let outputs_lost = self
            .out
            .as_mut()
            .is_some_and(OutDir::forget_changed_outputs);
        let (config_news, config_reloaded) = self.reload_config();
        let first = !self.started;
        let news = first || !changed.is_empty() || layout_changed || outputs_lost || config_news;
        // A write that failed is tried again on every poll.
        let retrying = self
            .out
            .as_ref()
            .is_some_and(|out| !out.failures.is_empty());
        if !news && !retrying {
            return None;
        }
        // The files below the root, as `transform DIR` and `check DIR` take them.
        let mut targets: Vec<File> = awaitify_db::Db::project(&self.db)
            .files(&self.db)
            .iter()
            .copied()
            .filter(|file| self.layout.is_below_root(file.path(&self.db)))
            .collect();
        targets.sort_by(|a, b| a.path(&self.db).cmp(b.path(&self.db)));
        let outputs = self.update_out_dir(&targets, !news);
        if let Some(out) = &mut self.out {
            let same_failures = outputs.failures == out.failures;
            out.failures.clone_from(&outputs.failures);
            if !news && same_failures && outputs.written.is_empty() && outputs.removed.is_empty() {
                return None;
            }
        }
        self.started = true;
        let read_errors = self
            .read_errors
            .iter()
            .filter(|(path, _)| self.layout.is_below_root(path))
            .map(|(_, diagnostic)| diagnostic.clone())
            .collect();
        let diagnostics = target_diagnostics(&self.db, self.settings, &targets, read_errors);
        Some(Report {
            changed: changed
                .into_iter()
                .map(|path| {
                    path.strip_prefix(&self.layout.root)
                        .map(Path::to_path_buf)
                        .unwrap_or(path)
                })
                .collect(),
            written: outputs.written,
            removed: outputs.removed,
            held_back: outputs.held_back,
            failures: outputs.failures,
            config_error: self.config_error.clone(),
            config_reloaded,
            diagnostics,
            elapsed: start.elapsed(),
        })
    }

    /// Makes the output directory hold what `transform --out-dir` would write for
    /// `targets`: writes the outputs whose bytes changed, and removes every output this
    /// watcher wrote that a fresh run would not write (its file is gone, or cannot be
    /// written), while it still holds what was written. Every output is staged before any
    /// is written; when one cannot be, nothing is written or removed, and the failures
    /// are reported.
    ///
    /// `retrying`: nothing changed since the last poll, whose writes failed.
    fn update_out_dir(&mut self, targets: &[File], retrying: bool) -> OutDirChanges {
        let mut changes = OutDirChanges::default();
        let Some(out) = &mut self.out else {
            return changes;
        };
        if awaitify_rewrite::has_internal_failure(&self.db, self.settings) {
            // The files of a project change together; see the AW301 diagnostic.
            changes.held_back = true;
            return changes;
        }
        let mut failed_now = BTreeSet::new();
        let mut expected = BTreeSet::new();
        // What to write: (relative path, bytes, source).
        let mut plan = Vec::new();
        for &file in targets {
            let rewrite = awaitify_rewrite::file_rewrite(&self.db, file, self.settings);
            // Never written, not even copied, as by `transform`.
            if !rewrite.errors.is_empty() || file.decoded_lossily(&self.db) {
                continue;
            }
            let path = file.path(&self.db);
            let relative = path
                .strip_prefix(&self.layout.root)
                .unwrap_or(path)
                .to_path_buf();
            let text = rewrite.output.as_deref().unwrap_or(file.text(&self.db));
            let bytes = self.encodings.bytes(file, text).into_owned();
            expected.insert(relative.clone());
            if out
                .outputs
                .get(&relative)
                .is_some_and(|output| output.bytes == bytes)
            {
                continue;
            }
            // Already there (an earlier run wrote it): nothing to write. Not written by
            // this watcher, so it is left alone should its source break or go.
            if !out.outputs.contains_key(&relative)
                && let Some(output) = Output::on_disk(&out.path.join(&relative))
                && output.bytes == bytes
            {
                out.outputs.insert(relative, output);
                continue;
            }
            plan.push((relative, bytes, path.clone()));
        }
        // The outputs that failed last time are tried first: while one still fails as
        // it did, the others need not be staged (and synced) again on every poll.
        plan.sort_by_key(|(relative, _, _)| !out.failed.contains(relative));
        let mut batch = crate::write::Batch::default();
        let mut staged = Vec::new();
        for (relative, bytes, source) in plan {
            let destination = out.path.join(&relative);
            match batch.stage(&destination, &bytes, Some(&source)) {
                Ok(()) => staged.push((relative, bytes)),
                Err(error) => {
                    let failure = format!(
                        "cannot write {}: {error}",
                        out.shown.join(&relative).display()
                    );
                    if retrying && out.failures.contains(&failure) {
                        changes.failures.clone_from(&out.failures);
                        return changes;
                    }
                    changes.failures.push(failure);
                    failed_now.insert(relative);
                }
            }
        }
        out.failed = failed_now;
        if !changes.failures.is_empty() {
            // Dropping the batch removes what was staged: OUT is left as it was.
            return changes;
        }
        let failed: BTreeSet<PathBuf> = batch
            .commit()
            .into_iter()
            .map(|(destination, error)| {
                let relative = destination
                    .strip_prefix(&out.path)
                    .unwrap_or(&destination)
                    .to_path_buf();
                changes.failures.push(format!(
                    "cannot write {}: {error}",
                    out.shown.join(&relative).display()
                ));
                relative
            })
            .collect();
        for (relative, bytes) in staged {
            if failed.contains(&relative) {
                continue;
            }
            let stamp = std::fs::metadata(out.path.join(&relative))
                .ok()
                .and_then(|metadata| stamp_of(&metadata));
            out.outputs.insert(
                relative.clone(),
                Output {
                    bytes,
                    stamp,
                    written: true,
                },
            );
            changes.written.push(relative);
        }
        // A stale module left in OUT could still be imported, and a stale output of a file
        // that stopped parsing would no longer fit the outputs rewritten around it.
        let stale: Vec<PathBuf> = out
            .outputs
            .keys()
            .filter(|relative| !expected.contains(*relative))
            .cloned()
            .collect();
        for relative in stale {
            let destination = out.path.join(&relative);
            // Only a file that this watcher wrote and that still holds what it wrote is
            // removed; one that was there before it, or a symbolic link someone put
            // there, is left alone.
            let output = &out.outputs[&relative];
            let ours = output.written
                && std::fs::symlink_metadata(&destination).is_ok_and(|metadata| metadata.is_file())
                && std::fs::read(&destination).is_ok_and(|bytes| bytes == output.bytes);
            if ours
                && let Err(error) = std::fs::remove_file(&destination)
                && error.kind() != std::io::ErrorKind::NotFound
            {
                // Kept, so that the next poll tries again.
                changes.failures.push(format!(
                    "cannot remove {}: {error}",
                    out.shown.join(&relative).display()
                ));
                continue;
            }
            out.outputs.remove(&relative);
            if !ours {
                continue;
            }
            // A directory left empty would still import, as a namespace package.
            for dir in destination
                .ancestors()
                .skip(1)
                .take_while(|dir| *dir != out.path)
            {
                if std::fs::remove_dir(dir).is_err() {
                    break;
                }
            }
            changes.removed.push(relative);
        }
        changes
    }
}

/// What [`Watcher::update_out_dir`] did; see the fields of [`Report`].
#[derive(Default)]
struct OutDirChanges {
    written: Vec<PathBuf>,
    removed: Vec<PathBuf>,
    held_back: bool,
    failures: Vec<String>,
}

#[cfg(test)]
mod tests {
    use awaitify_diagnostics::Code;

    use super::*;

    fn touch(path: &Path, text: &str) {
        touch_bytes(path, text.as_bytes());
    }

    fn touch_bytes(path: &Path, bytes: &[u8]) {
        std::fs::write(path, bytes).unwrap();
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

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap()
    }

    /// Every file below `dir`, relative to it, sorted.
    fn files_below(dir: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    const HELPERS: &str = "import time\n\ndef nap():\n    time.sleep(1)\n";
    const MAIN: &str = "from helpers import nap\n\ndef page():\n    nap()\n\npage()\n";
    const MAIN_REWRITTEN: &str =
        "from helpers import nap\n\nasync def page():\n    await nap()\n\nawait page()\n";

    /// A file deleted and then put back (`git stash` and `stash pop`, `mv` away and back)
    /// rejoins the project: its callers await it again, its output is written again, and
    /// its later edits are seen.
    #[test]
    fn a_deleted_file_that_comes_back_rejoins_the_project() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        touch(&dir.path().join("helpers.py"), HELPERS);
        touch(&dir.path().join("main.py"), MAIN);
        let mut watcher = Watcher::new(dir.path(), Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert_eq!(read(&out.path().join("main.py")), MAIN_REWRITTEN);

        std::fs::remove_file(dir.path().join("helpers.py")).unwrap();
        let report = watcher.poll().expect("the deletion is seen");
        assert_eq!(report.removed, vec![PathBuf::from("helpers.py")]);
        assert_eq!(
            read(&out.path().join("main.py")),
            MAIN,
            "`nap` is unknown now"
        );

        touch(&dir.path().join("helpers.py"), HELPERS);
        let report = watcher.poll().expect("the return is seen");
        assert_eq!(report.changed, vec![PathBuf::from("helpers.py")]);
        assert_eq!(read(&out.path().join("main.py")), MAIN_REWRITTEN);
        assert!(read(&out.path().join("helpers.py")).contains("async def nap():"));

        touch(&dir.path().join("helpers.py"), "def nap():\n    return 1\n");
        watcher.poll().expect("an edit after the return is seen");
        assert_eq!(read(&out.path().join("main.py")), MAIN);
        assert_eq!(
            read(&out.path().join("helpers.py")),
            "def nap():\n    return 1\n"
        );
    }

    /// `watch app`, where `app` is a package, names modules from above it as `transform
    /// app` does, so `from app.util import slow` resolves; `watch app/sub` also reads the
    /// rest of the package for `from ..util import slow`, but writes and reports only
    /// what lies below `app/sub`.
    #[test]
    fn a_package_directory_is_named_from_above_as_transform_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir_all(app.join("sub")).unwrap();
        touch(&app.join("__init__.py"), "");
        touch(&app.join("sub/__init__.py"), "");
        touch(
            &app.join("util.py"),
            "import time\n\ndef slow():\n    time.sleep(1)\n",
        );
        touch(
            &app.join("other.py"),
            "from app.util import slow\n\ndef go():\n    slow()\n",
        );
        touch(
            &app.join("sub/page.py"),
            "from ..util import slow\n\ndef page():\n    slow()\n",
        );

        let out = tempfile::tempdir().unwrap();
        let mut watcher = Watcher::new(&app, Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert_eq!(
            read(&out.path().join("other.py")),
            "from app.util import slow\n\nasync def go():\n    await slow()\n"
        );
        assert!(read(&out.path().join("sub/page.py")).contains("await slow()"));

        let out = tempfile::tempdir().unwrap();
        let mut watcher =
            Watcher::new(&app.join("sub"), Some(out.path()), Default::default()).unwrap();
        let report = watcher.poll().expect("the first poll sees every file");
        assert_eq!(files_below(out.path()), ["__init__.py", "page.py"]);
        assert_eq!(
            read(&out.path().join("page.py")),
            "from ..util import slow\n\nasync def page():\n    await slow()\n"
        );
        assert!(report.diagnostics.is_empty(), "nothing is refused");

        // An edit to the package outside `app/sub` is seen too.
        touch(&app.join("util.py"), "def slow():\n    return 1\n");
        watcher.poll().expect("the edit is seen");
        assert_eq!(
            read(&out.path().join("page.py")),
            "from ..util import slow\n\ndef page():\n    slow()\n"
        );
        assert_eq!(files_below(out.path()), ["__init__.py", "page.py"]);
    }

    /// An `__init__.py` added while watching makes the directory a package, which moves
    /// where module names start, as it would for a fresh `transform`; removing it moves
    /// them back.
    #[test]
    fn an_init_file_added_while_watching_moves_the_module_roots() {
        let dir = tempfile::tempdir().unwrap();
        let proj = dir.path().join("proj");
        std::fs::create_dir(&proj).unwrap();
        touch(
            &proj.join("util.py"),
            "import time\n\ndef slow():\n    time.sleep(1)\n",
        );
        let main = "from proj.util import slow\n\ndef page():\n    slow()\n\npage()\n";
        touch(&proj.join("main.py"), main);
        let out = tempfile::tempdir().unwrap();
        let mut watcher = Watcher::new(&proj, Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert_eq!(
            read(&out.path().join("main.py")),
            main,
            "`proj` is no package yet"
        );

        touch(&proj.join("__init__.py"), "");
        watcher.poll().expect("the new file is seen");
        assert_eq!(
            read(&out.path().join("main.py")),
            "from proj.util import slow\n\nasync def page():\n    await slow()\n\nawait page()\n"
        );

        std::fs::remove_file(proj.join("__init__.py")).unwrap();
        let report = watcher.poll().expect("the deletion is seen");
        assert_eq!(report.removed, vec![PathBuf::from("__init__.py")]);
        assert_eq!(read(&out.path().join("main.py")), main);
    }

    /// A file that stops parsing, or decoding, is never written, and its earlier output
    /// is removed: a fresh `transform --out-dir` writes none, and the old one was written
    /// for a coloring the outputs rewritten around it no longer follow (its callees stay
    /// synchronous, AW209). Once it is fixed, it is written again.
    #[test]
    fn a_file_that_stops_parsing_or_decoding_loses_its_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let page = "from helpers import nap\n\ndef render():\n    nap()\n";
        touch(&dir.path().join("helpers.py"), HELPERS);
        touch(&dir.path().join("page.py"), page);
        touch(
            &dir.path().join("main.py"),
            "import page\n\npage.render()\n",
        );
        let mut watcher = Watcher::new(dir.path(), Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert!(read(&out.path().join("page.py")).contains("async def render():"));

        let broken: [(&[u8], Code); 2] = [
            (
                b"from helpers import nap\n\ndef render():\n    nap()\ndef broken(:\n",
                Code::SyntaxError,
            ),
            (
                b"from helpers import nap\n\ndef render():\n    nap()\n# caf\xe9\n",
                Code::UnreadableFile,
            ),
        ];
        for (bytes, code) in broken {
            touch_bytes(&dir.path().join("page.py"), bytes);
            let report = watcher.poll().expect("the edit is seen");
            assert_eq!(report.removed, vec![PathBuf::from("page.py")]);
            assert!(!out.path().join("page.py").exists());
            assert_eq!(
                read(&out.path().join("main.py")),
                "import page\n\npage.render()\n"
            );
            assert!(read(&out.path().join("helpers.py")).contains("    time.sleep(1)"));
            assert!(
                report
                    .diagnostics
                    .iter()
                    .any(|diagnostic| diagnostic.code == code),
                "the error is reported"
            );

            // Another edit while it is broken reports it again, and does not bring it back.
            touch(
                &dir.path().join("helpers.py"),
                &format!("{HELPERS}# edited\n"),
            );
            let report = watcher.poll().expect("the edit is seen");
            assert!(!out.path().join("page.py").exists());
            assert!(report.removed.is_empty(), "nothing left to remove");
            assert!(
                report
                    .diagnostics
                    .iter()
                    .any(|diagnostic| diagnostic.code == code),
                "the error is still reported"
            );

            touch(&dir.path().join("page.py"), page);
            let report = watcher.poll().expect("the fix is seen");
            assert!(report.written.contains(&PathBuf::from("page.py")));
            assert!(read(&out.path().join("page.py")).contains("async def render():"));
        }
    }

    /// Adding or removing a UTF-8 byte-order mark leaves the text as it was but changes
    /// the bytes `transform` writes, so the output is written again.
    #[test]
    fn a_byte_order_mark_added_or_removed_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        touch(&dir.path().join("plain.py"), "print(1)\n");
        let mut watcher = Watcher::new(dir.path(), Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");

        touch_bytes(&dir.path().join("plain.py"), b"\xef\xbb\xbfprint(1)\n");
        let report = watcher.poll().expect("the edit is seen");
        assert_eq!(report.written, vec![PathBuf::from("plain.py")]);
        assert_eq!(
            std::fs::read(out.path().join("plain.py")).unwrap(),
            b"\xef\xbb\xbfprint(1)\n"
        );

        touch(&dir.path().join("plain.py"), "print(1)\n");
        let report = watcher.poll().expect("the edit is seen");
        assert_eq!(report.written, vec![PathBuf::from("plain.py")]);
        assert_eq!(read(&out.path().join("plain.py")), "print(1)\n");
    }

    /// Outputs removed from OUT behind the watcher's back (`rm -rf OUT`) are written
    /// again on the next poll, with no source change.
    #[test]
    fn outputs_removed_from_the_output_directory_are_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let out_dir = out.path().join("out");
        touch(&dir.path().join("main.py"), "import time\ntime.sleep(1)\n");
        touch(&dir.path().join("pkg_a.py"), "x = 1\n");
        let mut watcher = Watcher::new(dir.path(), Some(&out_dir), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert!(watcher.poll().is_none(), "nothing changed");

        std::fs::remove_dir_all(&out_dir).unwrap();
        let report = watcher.poll().expect("the lost outputs are seen");
        assert!(report.changed.is_empty());
        assert_eq!(
            report.written,
            vec![PathBuf::from("main.py"), PathBuf::from("pkg_a.py")]
        );
        assert!(read(&out_dir.join("main.py")).contains("await asyncio.sleep(1)"));
        assert!(watcher.poll().is_none(), "nothing changed since");
    }

    /// An edit that keeps the modification time (within the file system's resolution)
    /// but changes the size is seen.
    #[test]
    fn an_edit_that_keeps_the_modification_time_is_seen_by_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let main = dir.path().join("main.py");
        touch(&main, "print(1)\n");
        let modified = std::fs::metadata(&main).unwrap().modified().unwrap();
        let mut watcher = Watcher::new(dir.path(), Some(out.path()), Default::default()).unwrap();
        watcher.poll().expect("the first poll sees every file");

        std::fs::write(&main, "import time\ntime.sleep(1)\n").unwrap();
        let file = std::fs::File::options().write(true).open(&main).unwrap();
        file.set_modified(modified).unwrap();
        let report = watcher.poll().expect("the edit is seen");
        assert_eq!(report.changed, vec![PathBuf::from("main.py")]);
        assert!(read(&out.path().join("main.py")).contains("await asyncio.sleep(1)"));
    }

    /// A configuration written, broken and fixed while watching: its rules take effect
    /// on the next poll; while it does not read, the previous rules stay and each report
    /// says why.
    #[test]
    fn a_configuration_change_takes_effect_on_the_next_poll() {
        let dir = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        touch(
            &dir.path().join("main.py"),
            "import mylib\n\ndef run():\n    mylib.block(1)\n\nrun()\n",
        );
        let mut watcher = Watcher::discovering_config(dir.path(), Some(out.path())).unwrap();
        watcher.poll().expect("the first poll sees every file");
        assert!(!read(&out.path().join("main.py")).contains("await"));

        let config = dir.path().join("awaitify.toml");
        touch(&config, "[[rules]]\ncall = \"mylib.block\"\n");
        let report = watcher.poll().expect("the new configuration is seen");
        assert!(report.config_reloaded && report.config_error.is_none());
        assert!(report.changed.is_empty());
        assert_eq!(report.written, vec![PathBuf::from("main.py")]);
        assert!(read(&out.path().join("main.py")).contains("await mylib.block(1)"));
        assert!(watcher.poll().is_none(), "nothing changed since");

        touch(&config, "[[rules]]\ncal = \"mylib.block\"\n");
        let report = watcher
            .poll()
            .expect("the broken configuration is reported");
        assert!(
            report
                .config_error
                .as_deref()
                .unwrap()
                .contains("awaitify.toml")
        );
        assert!(
            report.written.is_empty(),
            "the previous rules stay in effect"
        );

        std::fs::remove_file(&config).unwrap();
        let report = watcher.poll().expect("the removal is seen");
        assert!(report.config_reloaded);
        assert!(!read(&out.path().join("main.py")).contains("await"));
    }
}
