//! Atomic writes: a temporary file in the same directory, then a rename, so a reader
//! never sees half a file and an interrupted run loses nothing. The original file's
//! permissions are kept.
//!
//! The files of a project change together (a function made async in one file is awaited
//! in another), so they are written as a [`Batch`]: every file is first written to a
//! temporary file beside its destination, and only when all of them could be is each
//! renamed into place. A batch dropped before [`Batch::commit`] removes its temporary
//! files and the directories it created, and has written nothing.

use std::io::Write;
use std::path::{Path, PathBuf};

pub fn write_atomically(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    write_atomically_like(path, contents, None)
}

/// As [`write_atomically`]; a file that does not exist yet gets the permissions of
/// `source` (the input file an `--out-dir` copy comes from), not the temporary file's.
pub fn write_atomically_like(
    path: &Path,
    contents: &[u8],
    source: Option<&Path>,
) -> std::io::Result<()> {
    let mut batch = Batch::default();
    batch.stage(path, contents, source)?;
    match batch.commit().into_iter().next() {
        Some((_, error)) => Err(error),
        None => Ok(()),
    }
}

/// Files written together: each is staged (written to a temporary file in its
/// destination's directory, with its permissions), then all are renamed into place by
/// [`Batch::commit`]. Staging does everything that can fail for want of room, rights or
/// a directory, so a batch whose files all staged writes them all; one that is dropped
/// instead leaves nothing behind.
#[derive(Default)]
pub struct Batch {
    /// Each staged file: its temporary file, where it goes (through a symbolic link,
    /// the file it points to), and the path it was staged for.
    staged: Vec<(tempfile::TempPath, PathBuf, PathBuf)>,
    /// The directories staging created, parents first: removed again (when empty) if
    /// the batch is dropped uncommitted.
    created_dirs: Vec<PathBuf>,
}

impl Batch {
    /// Writes `contents` to a temporary file beside `path` (through a symbolic link,
    /// beside the file it points to), creating the directories it needs. A file that
    /// does not exist yet gets the permissions of `source`, if given.
    pub fn stage(
        &mut self,
        path: &Path,
        contents: &[u8],
        source: Option<&Path>,
    ) -> std::io::Result<()> {
        // Through a symbolic link, the file it points to is what gets rewritten.
        let target = if std::fs::symlink_metadata(path)
            .is_ok_and(|metadata| metadata.file_type().is_symlink())
        {
            std::fs::canonicalize(path)?
        } else {
            path.to_path_buf()
        };
        let given = path;
        let path = target.as_path();
        // A rename onto a directory fails; say so now, before anything is renamed.
        if std::fs::metadata(path).is_ok_and(|metadata| metadata.is_dir()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "a directory is in the way",
            ));
        }
        let dir = path
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.create_dirs(dir)?;
        let permissions = std::fs::metadata(path)
            .or_else(|error| source.map_or(Err(error), std::fs::metadata))
            .ok()
            .map(|metadata| metadata.permissions());
        let mut builder = tempfile::Builder::new();
        builder.prefix(".awaitify-").suffix(".tmp");
        // A new file like any other (0666 less the umask), not a private one.
        #[cfg(unix)]
        if permissions.is_none() {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let mut temporary = builder.tempfile_in(dir)?;
        temporary.write_all(contents)?;
        temporary.as_file().sync_all()?;
        if let Some(permissions) = permissions {
            std::fs::set_permissions(temporary.path(), permissions)?;
        }
        // Closed now: a batch may hold more files than a process may keep open.
        self.staged
            .push((temporary.into_temp_path(), target, given.to_path_buf()));
        Ok(())
    }

    /// Creates `dir` and its missing parents, remembering which were created. A path
    /// in the way that is no directory gives the error `create_dir` gives for it.
    fn create_dirs(&mut self, dir: &Path) -> std::io::Result<()> {
        if dir.is_dir() {
            return Ok(());
        }
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|ancestor| {
                !ancestor.as_os_str().is_empty() && std::fs::symlink_metadata(ancestor).is_err()
            })
            .collect();
        if missing.is_empty() {
            // It exists and is no directory: let the system say why.
            std::fs::create_dir(dir)?;
        }
        for dir in missing.into_iter().rev() {
            match std::fs::create_dir(dir) {
                Ok(()) => self.created_dirs.push(dir.to_path_buf()),
                Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {
                }
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    /// Whether nothing was staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Renames every staged file into place. A rename that fails (rare, since staging
    /// created the temporary file in the same directory) does not stop the others; each
    /// failure comes back with the path it was staged for.
    pub fn commit(mut self) -> Vec<(PathBuf, std::io::Error)> {
        let mut failures = Vec::new();
        for (temporary, destination, given) in std::mem::take(&mut self.staged) {
            if let Err(error) = temporary.persist(&destination) {
                failures.push((given, error.error));
            }
        }
        // The directories now hold what was written.
        self.created_dirs.clear();
        failures
    }
}

impl Drop for Batch {
    fn drop(&mut self) {
        // The temporary files first, so the directories they were in can go.
        self.staged.clear();
        for dir in self.created_dirs.iter().rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_contents_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("script.py");
        std::fs::write(&path, "old\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o751)).unwrap();
        write_atomically(&path, b"new\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o751);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_new_file_gets_the_permissions_of_its_source() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("app.py");
        std::fs::write(&source, "old\n").unwrap();
        std::fs::set_permissions(&source, std::fs::Permissions::from_mode(0o644)).unwrap();
        let copy = dir.path().join("out").join("app.py");
        write_atomically_like(&copy, b"new\n", Some(&source)).unwrap();
        assert_eq!(std::fs::read_to_string(&copy).unwrap(), "new\n");
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    /// A batch dropped before it is committed writes nothing and leaves nothing behind:
    /// neither its temporary files nor the directories it made for them.
    #[test]
    fn an_uncommitted_batch_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("main.py");
        std::fs::write(&existing, "old\n").unwrap();
        std::fs::write(dir.path().join("blocker"), "").unwrap();
        let mut batch = Batch::default();
        batch.stage(&existing, b"new\n", None).unwrap();
        batch
            .stage(&dir.path().join("a/b/c.py"), b"new\n", None)
            .unwrap();
        batch
            .stage(&dir.path().join("a/d.py"), b"new\n", None)
            .unwrap();
        let error = batch
            .stage(&dir.path().join("blocker/e.py"), b"new\n", None)
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::AlreadyExists);
        drop(batch);
        let mut left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["blocker", "main.py"]);
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "old\n");
    }

    #[test]
    fn a_committed_batch_writes_every_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut batch = Batch::default();
        batch
            .stage(&dir.path().join("a/b.py"), b"b\n", None)
            .unwrap();
        batch.stage(&dir.path().join("c.py"), b"c\n", None).unwrap();
        assert!(batch.commit().is_empty());
        assert_eq!(std::fs::read(dir.path().join("a/b.py")).unwrap(), b"b\n");
        assert_eq!(std::fs::read(dir.path().join("c.py")).unwrap(), b"c\n");
    }

    #[test]
    fn writing_through_a_symlink_rewrites_its_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.py");
        let link = dir.path().join("link.py");
        std::fs::write(&target, "old\n").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        write_atomically(&link, b"new\n").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new\n");
    }
}
