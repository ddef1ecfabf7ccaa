//! The command-line contract of `docs/cli.md`, checked on the real binary.
//!
//! Every test builds a small Python project in a temporary directory, runs `awaitify`
//! on it as a user would, and asserts what the contract promises: what is printed on
//! stdout and stderr, which files are written (byte for byte) and which are not, and
//! the exit code (0 success, 1 errors or warnings with `--strict`, 2 usage errors).

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// What one run of the binary gave back.
struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }

    #[track_caller]
    fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            expected,
            "exit code\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&self.stdout),
            self.stderr
        );
        self
    }
}

/// `awaitify ARGS...` with `cwd` as the working directory, ready to run.
fn awaitify_command<I, S>(cwd: &Path, args: I) -> Command
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut command = Command::new(env!("CARGO_BIN_EXE_awaitify"));
    command.args(args).current_dir(cwd).env("NO_COLOR", "1");
    command
}

/// Runs `awaitify ARGS...` with `cwd` as the working directory.
fn awaitify<I, S>(cwd: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let output = awaitify_command(cwd, args)
        .output()
        .expect("the awaitify binary runs");
    Run {
        code: output.status.code().expect("awaitify exited normally"),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// Runs `awaitify ARGS...` with a reader that takes the first bytes of stdout and then
/// closes it, as `awaitify ... | head -c 10` does; `stdout` holds those bytes.
fn awaitify_into_closed_pipe(cwd: &Path, args: &[&str]) -> Run {
    use std::io::Read;
    let mut child = awaitify_command(cwd, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the awaitify binary runs");
    let mut first_bytes = vec![0; 10];
    let mut stdout = child.stdout.take().unwrap();
    stdout
        .read_exact(&mut first_bytes)
        .expect("awaitify prints something");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().expect("awaitify exited normally"),
        stdout: first_bytes,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// A fresh temporary directory holding `files` (relative path, contents).
fn project(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    add_files(dir.path(), files);
    dir
}

fn add_files(root: &Path, files: &[(&str, &[u8])]) {
    for (relative, contents) in files {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
}

/// Every file below `root` (relative path -> bytes), to compare a tree before and after.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_path_buf();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if root.exists() {
        walk(root, root, &mut out);
    }
    out
}

/// The relative paths of every file below `root`, sorted.
fn file_names(root: &Path) -> Vec<String> {
    snapshot(root)
        .keys()
        .map(|path| path.display().to_string())
        .collect()
}

/// A path as a command-line argument (temporary paths are UTF-8).
fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn read_string(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// True when every `\n` in `bytes` is preceded by `\r`.
fn all_crlf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .all(|(index, byte)| *byte != b'\n' || (index > 0 && bytes[index - 1] == b'\r'))
}

// ---------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------

const HELPERS: &str = "import time\n\ndef nap():\n    time.sleep(1)\n";
const HELPERS_REWRITTEN: &str =
    "import asyncio\nimport time\n\nasync def nap():\n    await asyncio.sleep(1)\n";

const MAIN: &str = "from helpers import nap\n\ndef f():\n    nap()\n    print(\"x\")\n\nf()\n";
const MAIN_REWRITTEN: &str =
    "from helpers import nap\n\nasync def f():\n    await nap()\n    print(\"x\")\n\nawait f()\n";

/// Nothing in it matches a rule, and it is full of bytes a printer could lose: tabs,
/// CRLF and LF mixed, every quote style, trailing whitespace, no final newline.
const UNTOUCHED: &[u8] = b"import time\r\nx = 1\t# tab  \r\ny = \"it's\"  \r\n\
z = '''a \"b\"\n\tc '''\r\nt = time.monotonic()\nif x:\n\tw = f\"{x!r}\" ''  \n\
q = r'\\d+'\t\nw = 2   ";

/// A sleeping helper, a caller, a package module and a file with nothing to rewrite.
fn sample_project() -> TempDir {
    project(&[
        ("helpers.py", HELPERS.as_bytes()),
        ("main.py", MAIN.as_bytes()),
        ("pkg/__init__.py", b""),
        (
            "pkg/mod.py",
            b"from helpers import nap\n\ndef g():\n    nap()\n",
        ),
        ("pkg/plain.py", UNTOUCHED),
    ])
}

const BROKEN: &[u8] = b"def f(:\n    pass\n";
const LATIN1: &[u8] = b"# caf\xe9\nimport time\ntime.sleep(1)\n";
const SLEEPS: &[u8] = b"import time\ntime.sleep(2)\n";
const SLEEPS_REWRITTEN: &[u8] = b"import asyncio\nimport time\nawait asyncio.sleep(2)\n";

const LAMBDA: &[u8] =
    b"import time\n\ndef fetch():\n    time.sleep(1)\n\ncallback = lambda: fetch()\n";

// ---------------------------------------------------------------------------------------
// 1. transform FILE
// ---------------------------------------------------------------------------------------

/// `transform FILE` prints the rewritten file on stdout, exits 0, and writes nothing.
#[test]
fn transform_file_prints_the_rewrite_on_stdout() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes())]);
    let before = snapshot(dir.path());
    let run = awaitify(dir.path(), ["transform", "helpers.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout(), HELPERS_REWRITTEN);
    assert_eq!(
        snapshot(dir.path()),
        before,
        "transform FILE writes nothing"
    );
}

/// A file with nothing to rewrite comes back byte for byte: tabs, CRLF, odd quotes,
/// trailing whitespace and the missing final newline all survive.
#[test]
fn transform_file_with_nothing_to_rewrite_is_byte_identical() {
    let dir = project(&[("plain.py", UNTOUCHED)]);
    let run = awaitify(dir.path(), ["transform", "plain.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout, UNTOUCHED);
    assert!(run.stderr.is_empty(), "no diagnostics: {}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 2. Sibling modules
// ---------------------------------------------------------------------------------------

/// `transform main.py` analyses `helpers.py` next to it: the helper turns async, so
/// main awaits it, and only main is printed.
#[test]
fn transform_file_sees_sibling_modules() {
    let dir = project(&[
        ("helpers.py", HELPERS.as_bytes()),
        ("main.py", MAIN.as_bytes()),
    ]);
    let run = awaitify(dir.path(), ["transform", "main.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout(), MAIN_REWRITTEN);
    assert_eq!(read_string(dir.path().join("helpers.py")), HELPERS);
}

/// An absolute path works the same, from any working directory.
#[test]
fn transform_file_by_absolute_path_from_elsewhere() {
    let dir = project(&[
        ("helpers.py", HELPERS.as_bytes()),
        ("main.py", MAIN.as_bytes()),
    ]);
    let elsewhere = tempfile::tempdir().unwrap();
    let run = awaitify(
        elsewhere.path(),
        ["transform", arg(&dir.path().join("main.py"))],
    );
    run.assert_code(0);
    assert_eq!(run.stdout(), MAIN_REWRITTEN);
}

/// A directory that is itself a package: its modules are named from above it, so
/// `from app.helpers import slow` and `from .helpers import slow` reach `helpers.py`,
/// and so does `import helpers`, as when the script runs from inside `app/`.
#[test]
fn a_package_directory_names_its_modules_from_above() {
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/helpers.py",
            b"import time\n\n\ndef slow():\n    time.sleep(1)\n",
        ),
        ("app/main.py", b"from app.helpers import slow\n\nslow()\n"),
        ("app/relative.py", b"from .helpers import slow\n\nslow()\n"),
        ("app/sibling.py", b"import helpers\n\nhelpers.slow()\n"),
    ]);
    let app = dir.path().join("app");
    for (file, expected) in [
        ("main.py", "from app.helpers import slow\n\nawait slow()\n"),
        ("relative.py", "from .helpers import slow\n\nawait slow()\n"),
        ("sibling.py", "import helpers\n\nawait helpers.slow()\n"),
    ] {
        let run = awaitify(&app, ["transform", file]);
        run.assert_code(0);
        assert_eq!(run.stdout(), expected, "{file}");
    }
}

/// A file in a subpackage sees the whole package it belongs to: `from ..util` and
/// `from app.util` reach `app/util.py`, which is read but, outside the target, not
/// written.
#[test]
fn a_subpackage_file_sees_its_whole_package() {
    let dir = project(&[
        ("app/__init__.py", b""),
        (
            "app/util.py",
            b"import time\n\n\ndef wait():\n    time.sleep(1)\n",
        ),
        ("app/sub/__init__.py", b""),
        (
            "app/sub/mod.py",
            b"from ..util import wait\nfrom app.util import wait as w2\n\n\ndef go():\n    wait()\n    w2()\n",
        ),
    ]);
    let sub = dir.path().join("app/sub");
    let run = awaitify(&sub, ["transform", "mod.py"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout(),
        "from ..util import wait\nfrom app.util import wait as w2\n\n\nasync def go():\n    await wait()\n    await w2()\n"
    );
    let out = tempfile::tempdir().unwrap();
    awaitify(&sub, ["transform", ".", "--out-dir", arg(out.path())]).assert_code(0);
    assert_eq!(file_names(out.path()), ["__init__.py", "mod.py"]);
}

/// Deeply nested code does not exhaust a thread's stack: a generated `elif` chain of
/// thousands of branches is as many nested `if`s, analysed on the worker threads.
#[test]
fn deeply_nested_code_is_analysed_on_every_thread() {
    let mut chain = String::from("def pick(x):\n    if x == 0:\n        return 0\n");
    for branch in 1..3000 {
        chain.push_str(&format!(
            "    elif x == {branch}:\n        return {branch}\n"
        ));
    }
    let dir = project(&[
        ("data.py", chain.as_bytes()),
        ("main.py", b"import data\nprint(data.pick(3))\n"),
        ("other.py", SLEEPS),
    ]);
    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(0);
}

/// `transform FILE --write` refuses (AW004) when the rewrite changes other files too:
/// written alone, `main.py` would await a helper that stays synchronous on disk.
#[test]
fn a_file_whose_rewrite_changes_others_is_not_written_alone() {
    let dir = project(&[
        ("helpers.py", HELPERS.as_bytes()),
        ("main.py", MAIN.as_bytes()),
    ]);
    let before = snapshot(dir.path());
    for file in ["main.py", "helpers.py"] {
        let run = awaitify(dir.path(), ["transform", file, "--write"]);
        run.assert_code(1);
        assert!(run.stderr.contains("AW004"), "{}", run.stderr);
        assert_eq!(snapshot(dir.path()), before, "{file}: nothing is written");
        let out = tempfile::tempdir().unwrap();
        awaitify(
            dir.path(),
            ["transform", file, "--out-dir", arg(out.path())],
        )
        .assert_code(1);
        assert!(file_names(out.path()).is_empty());
    }
    // On stdout the file is shown as the project's rewrite has it.
    let run = awaitify(dir.path(), ["transform", "main.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout(), MAIN_REWRITTEN);

    // A file whose rewrite is unrelated to the others' is written alone.
    let independent = project(&[("main.py", SLEEPS), ("other.py", HELPERS.as_bytes())]);
    awaitify(independent.path(), ["transform", "other.py", "--write"]).assert_code(0);
    assert_eq!(
        read_string(independent.path().join("other.py")),
        HELPERS_REWRITTEN
    );
    assert_eq!(read(independent.path().join("main.py")), SLEEPS);
}

// ---------------------------------------------------------------------------------------
// 3. transform DIR --out-dir OUT
// ---------------------------------------------------------------------------------------

/// `--out-dir` writes every Python file at its relative path (packages included),
/// rewritten or byte-identical, and leaves the input untouched.
#[test]
fn out_dir_writes_every_file_at_its_relative_path() {
    let dir = sample_project();
    let out = tempfile::tempdir().unwrap();
    let out = out.path().join("out");
    let before = snapshot(dir.path());

    let run = awaitify(dir.path(), ["transform", ".", "--out-dir", arg(&out)]);
    run.assert_code(0);
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout());

    assert_eq!(snapshot(dir.path()), before, "the input is not touched");
    assert_eq!(
        file_names(&out),
        [
            "helpers.py",
            "main.py",
            "pkg/__init__.py",
            "pkg/mod.py",
            "pkg/plain.py"
        ]
    );
    assert_eq!(read_string(out.join("helpers.py")), HELPERS_REWRITTEN);
    assert_eq!(read_string(out.join("main.py")), MAIN_REWRITTEN);
    assert_eq!(
        read_string(out.join("pkg/mod.py")),
        "from helpers import nap\n\nasync def g():\n    await nap()\n"
    );
    assert_eq!(read(out.join("pkg/__init__.py")), b"");
    assert_eq!(read(out.join("pkg/plain.py")), UNTOUCHED, "byte-identical");
}

/// Hidden directories, `__pycache__`, `node_modules`, `site-packages` and virtual
/// environments are not part of the project, so nothing of them lands in OUT.
#[test]
fn out_dir_skips_directories_outside_the_project() {
    let dir = project(&[
        ("app.py", SLEEPS),
        (".hidden/a.py", SLEEPS),
        ("__pycache__/b.py", SLEEPS),
        ("node_modules/c.py", SLEEPS),
        ("lib/site-packages/d.py", SLEEPS),
        ("venv/pyvenv.cfg", b"home = /usr/bin\n"),
        ("venv/e.py", SLEEPS),
        ("notes.txt", b"not python\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let run = awaitify(
        dir.path(),
        ["transform", arg(dir.path()), "--out-dir", arg(out.path())],
    );
    run.assert_code(0);
    assert_eq!(file_names(out.path()), ["app.py"]);
    assert_eq!(read(out.path().join("app.py")), SLEEPS_REWRITTEN);
}

/// An OUT inside DIR is not read back as part of the project, so a second run does not
/// nest `out/out/...`.
#[test]
fn out_dir_inside_the_project_is_skipped() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes())]);
    for _ in 0..2 {
        awaitify(dir.path(), ["transform", ".", "--out-dir", "out"]).assert_code(0);
    }
    assert_eq!(file_names(dir.path()), ["helpers.py", "out/helpers.py"]);
    assert_eq!(
        read_string(dir.path().join("out/helpers.py")),
        HELPERS_REWRITTEN
    );
}

/// OUT inside DIR is recognised however it is spelled, so no spelling reads an earlier
/// output back in as part of the project.
#[test]
fn out_dir_inside_the_project_is_skipped_however_it_is_spelled() {
    let dir = project(&[("app/helpers.py", HELPERS.as_bytes())]);
    std::os::unix::fs::symlink("app/out", dir.path().join("link")).unwrap();
    for out in ["app/out", "./app/out/", "app/../app/out", "link"] {
        awaitify(dir.path(), ["transform", "app", "--out-dir", out]).assert_code(0);
        assert_eq!(
            file_names(&dir.path().join("app")),
            ["helpers.py", "out/helpers.py"],
            "--out-dir {out}"
        );
    }
}

/// OUT may not be the project directory itself, whichever way it is spelled (through
/// `..` or a symbolic link too), nor a directory that holds it: the copies would be
/// written over the sources or among them. That is a usage error (exit 2) that says to
/// use `--write`, and nothing is written. For `transform FILE` the project directory is
/// the one holding FILE; `watch` refuses the same.
#[test]
fn out_dir_that_is_the_project_itself_is_a_usage_error() {
    let dir = project(&[("p/helpers.py", HELPERS.as_bytes())]);
    let absolute = dir.path().join("p");
    // Outside the project, so that its snapshot does not follow the link.
    let elsewhere = tempfile::tempdir().unwrap();
    let link = elsewhere.path().join("link");
    std::os::unix::fs::symlink(&absolute, &link).unwrap();
    let before = snapshot(dir.path());
    let cases: &[&[&str]] = &[
        &["transform", "p", "--out-dir", "p"],
        &["transform", "p", "--out-dir", "./p/"],
        &["transform", "p", "--out-dir", "p/../p"],
        &["transform", "p", "--out-dir", arg(&absolute)],
        &["transform", "p", "--out-dir", arg(&link)],
        &["transform", "p/helpers.py", "--out-dir", "p"],
        &["transform", "p", "--diff", "--out-dir", "p/../p"],
    ];
    for args in cases {
        let run = awaitify(dir.path(), *args);
        assert_eq!(run.code, 2, "awaitify {args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("is the project directory") && run.stderr.contains("--write"),
            "awaitify {args:?}: {}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "awaitify {args:?}: {}", run.stdout());
        assert_eq!(snapshot(dir.path()), before, "awaitify {args:?} wrote");
    }

    let holds = awaitify(dir.path(), ["transform", "p", "--out-dir", "."]);
    holds.assert_code(2);
    assert!(
        holds.stderr.contains("holds the project directory"),
        "{}",
        holds.stderr
    );
    assert_eq!(snapshot(dir.path()), before, "the sources are untouched");

    // `watch` runs until stopped, so a run still going has accepted its arguments.
    let mut watch = awaitify_command(dir.path(), ["watch", "p", "--out-dir", "p/../p"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("the awaitify binary runs");
    let deadline = SystemTime::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = watch.try_wait().unwrap() {
            break status;
        }
        if SystemTime::now() > deadline {
            watch.kill().unwrap();
            panic!("watch accepted its project directory as --out-dir");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(2));
    assert_eq!(snapshot(dir.path()), before, "watch wrote nothing");
}

/// A file that cannot be written (OUT lies below a regular file) is an error: exit 1,
/// with the path in the message.
#[test]
fn out_dir_that_cannot_be_written_exits_1() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes()), ("blocker", b"")]);
    let run = awaitify(
        dir.path(),
        ["transform", "helpers.py", "--out-dir", "blocker/out"],
    );
    run.assert_code(1);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    assert!(run.stderr.contains("helpers.py"), "{}", run.stderr);
}

/// A caller of `sub/helper.py`, which is in another directory.
const CALLS_SUB_HELPER: &[u8] = b"from sub.helper import nap\n\ndef f():\n    nap()\n\nf()\n";

/// `--out-dir` writes all or nothing: when one output cannot be written (a file where
/// its directory should be), each failure is reported, no other output changes (an OUT
/// filled earlier keeps outputs that fit each other), and nothing is left behind.
#[test]
fn out_dir_writes_nothing_when_one_output_cannot_be_written() {
    let dir = project(&[
        ("main.py", CALLS_SUB_HELPER),
        ("sub/helper.py", b"def nap():\n    return 1\n"),
    ]);
    let out = dir.path().join("out");
    awaitify(dir.path(), ["transform", ".", "--out-dir", "out"]).assert_code(0);
    let earlier_main = read(out.join("main.py"));
    // `helper.py` now sleeps, so `main.py` would await it; `out/sub` is in the way.
    std::fs::write(dir.path().join("sub/helper.py"), HELPERS).unwrap();
    std::fs::remove_dir_all(out.join("sub")).unwrap();
    std::fs::write(out.join("sub"), b"").unwrap();
    let before = snapshot(&out);

    let run = awaitify(dir.path(), ["transform", ".", "--out-dir", "out"]);
    run.assert_code(1);
    assert_eq!(
        read(out.join("main.py")),
        earlier_main,
        "no caller awaits it"
    );
    assert_eq!(
        snapshot(&out),
        before,
        "nothing is written, nothing left behind"
    );
    assert!(
        run.stderr
            .contains("awaitify: cannot write out/sub/helper.py: File exists"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("no file was written"), "{}", run.stderr);
}

/// An OUT spelled with `..` is written where it resolves to, and the directory the
/// spelling passes through is not created: `src/gen/../out` is `src/out`.
#[test]
fn out_dir_with_dot_dot_creates_no_directory_on_the_way() {
    let dir = project(&[("src/helpers.py", HELPERS.as_bytes())]);
    let run = awaitify(
        dir.path(),
        ["transform", "src", "--out-dir", "src/gen/../out/deep"],
    );
    run.assert_code(0);
    assert_eq!(
        file_names(dir.path()),
        ["src/helpers.py", "src/out/deep/helpers.py"]
    );
    assert!(!dir.path().join("src/gen").exists(), "src/gen was created");
}

// ---------------------------------------------------------------------------------------
// 4. --write
// ---------------------------------------------------------------------------------------

/// `--write` rewrites changed files in place with their permissions, leaves no
/// temporary file behind, and does not touch files that need no change.
#[test]
fn write_rewrites_in_place_keeping_permissions() {
    let dir = sample_project();
    let helpers = dir.path().join("helpers.py");
    let plain = dir.path().join("pkg/plain.py");
    std::fs::set_permissions(&helpers, std::fs::Permissions::from_mode(0o751)).unwrap();
    // An old modification time, so "not rewritten" is visible without sleeping.
    let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&plain)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    let plain_inode = std::fs::metadata(&plain).unwrap().ino();
    let files_before = file_names(dir.path());

    let run = awaitify(dir.path(), ["transform", ".", "--write"]);
    run.assert_code(0);
    assert!(
        run.stdout.is_empty(),
        "--write prints nothing: {}",
        run.stdout()
    );

    assert_eq!(read_string(&helpers), HELPERS_REWRITTEN);
    assert_eq!(read_string(dir.path().join("main.py")), MAIN_REWRITTEN);
    let mode = std::fs::metadata(&helpers).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o751, "permissions are kept, got {mode:o}");

    assert_eq!(
        file_names(dir.path()),
        files_before,
        "no temporary files are left behind"
    );

    let plain_after = std::fs::metadata(&plain).unwrap();
    assert_eq!(read(&plain), UNTOUCHED);
    assert_eq!(plain_after.modified().unwrap(), long_ago, "not rewritten");
    assert_eq!(plain_after.ino(), plain_inode, "not replaced either");
}

/// Runs `awaitify ARGS...` as a user whom file permissions bind: this one, or, when
/// this is root (whom they do not bind), `nobody` through `setpriv`. `None` when that is
/// not possible. Root's temporary directories are private, so `open` lists the
/// directories `nobody` must be able to enter, and `writable` those it must write to.
fn awaitify_unprivileged(
    cwd: &Path,
    args: &[&str],
    open: &[&Path],
    writable: &[&Path],
) -> Option<Run> {
    // `cwd` is a directory this process made, so it is owned by this process's user.
    let is_root = std::fs::metadata(cwd).unwrap().uid() == 0;
    let mut command = if is_root {
        let setpriv = Path::new("/usr/bin/setpriv");
        if !setpriv.exists() {
            return None;
        }
        for dir in open {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        for dir in writable {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let mut command = Command::new(setpriv);
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_awaitify"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_awaitify"))
    };
    let output = command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("awaitify runs");
    Some(Run {
        code: output.status.code().expect("awaitify exited normally"),
        stdout: output.stdout,
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    })
}

/// `--write` is all or nothing across files: when one file cannot be rewritten (its
/// directory is read-only), the failure is reported, exit 1, and no other file is
/// rewritten, since the caller would then await a function that stays synchronous.
/// No temporary file is left behind.
#[test]
fn write_rewrites_no_file_when_one_cannot_be_written() {
    let dir = project(&[
        ("p/main.py", CALLS_SUB_HELPER),
        ("p/sub/helper.py", HELPERS.as_bytes()),
    ]);
    let (p, sub) = (dir.path().join("p"), dir.path().join("p/sub"));
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = snapshot(dir.path());
    let Some(run) = awaitify_unprivileged(
        dir.path(),
        &["transform", "p", "--write"],
        &[dir.path()],
        &[&p],
    ) else {
        eprintln!("skipped: running as root without setpriv");
        return;
    };
    std::fs::set_permissions(&sub, std::fs::Permissions::from_mode(0o755)).unwrap();
    run.assert_code(1);
    assert!(
        run.stderr.contains("cannot write ")
            && run.stderr.contains("p/sub/helper.py: Permission denied"),
        "{}",
        run.stderr
    );
    assert_eq!(
        snapshot(dir.path()),
        before,
        "main.py is not rewritten, and no temporary file is left"
    );
}

// ---------------------------------------------------------------------------------------
// 5. --diff
// ---------------------------------------------------------------------------------------

/// `--diff` prints a unified diff per changed file with `a/` and `b/` headers relative
/// to the project root, and writes nothing.
#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = sample_project();
    let before = snapshot(dir.path());
    let run = awaitify(dir.path(), ["transform", arg(dir.path()), "--diff"]);
    run.assert_code(0);
    let stdout = run.stdout();
    assert_eq!(snapshot(dir.path()), before, "--diff alone writes nothing");

    let expected_mod = "\
--- a/pkg/mod.py
+++ b/pkg/mod.py
@@ -1,4 +1,4 @@
 from helpers import nap
\x20
-def g():
-    nap()
+async def g():
+    await nap()
";
    assert!(stdout.contains(expected_mod), "{stdout}");
    let expected_helpers = "\
--- a/helpers.py
+++ b/helpers.py
@@ -1,4 +1,5 @@
+import asyncio
 import time
\x20
-def nap():
-    time.sleep(1)
+async def nap():
+    await asyncio.sleep(1)
";
    assert!(stdout.contains(expected_helpers), "{stdout}");
    assert!(
        stdout.contains("--- a/main.py\n+++ b/main.py\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("plain.py"),
        "unchanged files have no diff: {stdout}"
    );
    assert!(!stdout.contains("__init__.py"), "{stdout}");
    assert!(
        !stdout.contains(&dir.path().display().to_string()),
        "paths are relative"
    );
}

/// `--diff` with `--write` prints the diff and writes the change.
#[test]
fn diff_with_write_prints_and_writes() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes())]);
    let run = awaitify(dir.path(), ["transform", "helpers.py", "--diff", "--write"]);
    run.assert_code(0);
    assert!(
        run.stdout()
            .starts_with("--- a/helpers.py\n+++ b/helpers.py\n")
    );
    assert_eq!(
        read_string(dir.path().join("helpers.py")),
        HELPERS_REWRITTEN
    );
}

/// A name with spaces ends with a TAB on the `---`/`+++` lines, and one with a quote is
/// C-quoted, as `git diff` writes them: otherwise `patch` would stop the name at its first
/// space. Both `patch -p1` and `git apply` apply the diff.
#[test]
fn diff_names_with_spaces_or_quotes_apply_with_patch_and_git_apply() {
    let files: &[(&str, &[u8])] = &[("my pages/home.py", SLEEPS), ("say \"hi\".py", SLEEPS)];
    let dir = project(files);
    let run = awaitify(dir.path(), ["transform", ".", "--diff"]);
    run.assert_code(0);
    let stdout = run.stdout();
    assert!(
        stdout.contains("--- a/my pages/home.py\t\n+++ b/my pages/home.py\t\n"),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("--- \"a/say \\\"hi\\\".py\"\n+++ \"b/say \\\"hi\\\".py\"\n"),
        "{stdout:?}"
    );

    let expected: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, _)| (*name, SLEEPS_REWRITTEN))
        .collect();
    assert_diff_applies(files, &run.stdout, &expected);
}

/// A diff's lines are the file's own bytes: a UTF-8 byte-order mark on the first line, a
/// declared encoding's bytes elsewhere, so `patch` and `git apply` match them.
#[test]
fn diff_lines_keep_the_file_bytes_a_bom_and_a_declared_encoding() {
    let bom: &[u8] = b"\xef\xbb\xbf\"\"\"Doc.\"\"\"\nimport time\ntime.sleep(1)\n";
    let bom_rewritten: &[u8] =
        b"\xef\xbb\xbf\"\"\"Doc.\"\"\"\nimport asyncio\nimport time\nawait asyncio.sleep(1)\n";
    let latin: &[u8] = b"# coding: latin-1\nimport time\ns = \"\xe9\"\ntime.sleep(1)\n";
    let latin_rewritten: &[u8] =
        b"# coding: latin-1\nimport asyncio\nimport time\ns = \"\xe9\"\nawait asyncio.sleep(1)\n";
    let files: &[(&str, &[u8])] = &[("bom.py", bom), ("latin.py", latin)];
    let dir = project(files);
    let run = awaitify(dir.path(), ["transform", ".", "--diff"]);
    run.assert_code(0);
    let needle = |bytes: &[u8]| {
        run.stdout
            .windows(bytes.len())
            .any(|window| window == bytes)
    };
    assert!(
        needle(b" \xef\xbb\xbf\"\"\"Doc."),
        "the BOM starts the first line"
    );
    assert!(needle(b" s = \"\xe9\"\n"), "latin-1 bytes, not UTF-8");
    assert_diff_applies(
        files,
        &run.stdout,
        &[("bom.py", bom_rewritten), ("latin.py", latin_rewritten)],
    );
}

/// `patch -p1` and `git apply` each apply `diff` to a fresh copy of `files`, which then
/// holds `expected`.
#[track_caller]
fn assert_diff_applies(files: &[(&str, &[u8])], diff: &[u8], expected: &[(&str, &[u8])]) {
    let applications: [&[&str]; 2] = [&["patch", "-p1"], &["git", "apply"]];
    for tool in applications {
        let copy = project(files);
        // `git apply` applies paths from the top of the repository it runs in, so the
        // copy is made one rather than left inside whatever holds the temporary directory.
        let init = Command::new("git")
            .args(["init", "--quiet"])
            .current_dir(copy.path())
            .status()
            .expect("git runs");
        assert!(init.success());
        let mut child = Command::new(tool[0])
            .args(&tool[1..])
            .current_dir(copy.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{tool:?} runs: {error}"));
        {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(diff).unwrap();
        }
        assert!(child.wait().unwrap().success(), "{tool:?} applies the diff");
        for (name, bytes) in expected {
            assert_eq!(read(copy.path().join(name)), *bytes, "{tool:?} {name}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// 6. Syntax errors
// ---------------------------------------------------------------------------------------

/// `check` reports a syntax error as AW001 at `file:line:column` and exits 1.
#[test]
fn check_reports_a_syntax_error_with_its_location() {
    let dir = project(&[("bad.py", BROKEN), ("good.py", SLEEPS)]);
    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW001"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.py:1:7"), "{}", run.stderr);

    let run = awaitify(dir.path(), ["check", ".", "--output-format", "json"]);
    run.assert_code(1);
    assert!(
        run.stderr.is_empty(),
        "the report goes to stdout: {}",
        run.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let first = &json[0];
    assert_eq!(first["code"], "AW001");
    assert_eq!(first["name"], "syntax-error");
    assert_eq!(first["severity"], "error");
    assert!(
        first["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("bad.py")
    );
    assert_eq!(first["location"]["line"], 1);
    assert_eq!(first["location"]["column"], 7);
}

/// `transform FILE` on a file that does not parse prints nothing on stdout, reports
/// AW001 with its location, and exits 1.
#[test]
fn transform_file_with_a_syntax_error_prints_nothing() {
    let dir = project(&[("bad.py", BROKEN)]);
    let run = awaitify(dir.path(), ["transform", "bad.py"]);
    run.assert_code(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout());
    assert!(run.stderr.contains("AW001"), "{}", run.stderr);
    assert!(run.stderr.contains("bad.py:1:7"), "{}", run.stderr);
}

/// With `--write`, a file that does not parse is never written while the rest of the
/// project is still rewritten; the run exits 1.
#[test]
fn write_never_writes_a_file_with_a_syntax_error() {
    let dir = project(&[("bad.py", BROKEN), ("good.py", SLEEPS)]);
    let run = awaitify(dir.path(), ["transform", ".", "--write"]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW001"), "{}", run.stderr);
    assert_eq!(read(dir.path().join("bad.py")), BROKEN);
    assert_eq!(read(dir.path().join("good.py")), SLEEPS_REWRITTEN);
    assert_eq!(file_names(dir.path()), ["bad.py", "good.py"]);
}

/// With `--out-dir`, a file that does not parse is not even copied; the others are.
#[test]
fn out_dir_never_receives_a_file_with_a_syntax_error() {
    let dir = project(&[("bad.py", BROKEN), ("good.py", SLEEPS)]);
    let out = tempfile::tempdir().unwrap();
    let run = awaitify(dir.path(), ["transform", ".", "--out-dir", arg(out.path())]);
    run.assert_code(1);
    assert!(run.stderr.contains("bad.py:1:7"), "{}", run.stderr);
    assert_eq!(file_names(out.path()), ["good.py"]);
    assert_eq!(read(out.path().join("good.py")), SLEEPS_REWRITTEN);
}

/// `--diff` shows the other files' changes, none for the broken file, and exits 1.
#[test]
fn diff_skips_a_file_with_a_syntax_error() {
    let dir = project(&[("bad.py", BROKEN), ("good.py", SLEEPS)]);
    let run = awaitify(dir.path(), ["transform", ".", "--diff"]);
    run.assert_code(1);
    let stdout = run.stdout();
    assert!(stdout.contains("--- a/good.py"), "{stdout}");
    assert!(!stdout.contains("bad.py"), "{stdout}");
}

/// Functions of a file that does not parse never become async, so callers in other
/// files do not change to follow them.
#[test]
fn functions_of_a_broken_file_never_become_async() {
    let dir = project(&[
        (
            "broken.py",
            b"import time\n\ndef nap():\n    time.sleep(1)\n\nx = (\n",
        ),
        (
            "main.py",
            b"from broken import nap\n\ndef f():\n    nap()\n",
        ),
    ]);
    let out = tempfile::tempdir().unwrap();
    let run = awaitify(dir.path(), ["transform", ".", "--out-dir", arg(out.path())]);
    run.assert_code(1);
    assert_eq!(file_names(out.path()), ["main.py"]);
    assert_eq!(
        read(out.path().join("main.py")),
        read(dir.path().join("main.py"))
    );
}

/// Line and column are 1-based and the column counts characters, not bytes.
#[test]
fn columns_count_characters() {
    let dir = project(&[("a.py", "x = \"é€😀\" + )\n".as_bytes())]);
    let run = awaitify(dir.path(), ["check", "a.py", "--output-format", "json"]);
    run.assert_code(1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json[0]["location"]["line"], 1);
    assert_eq!(json[0]["location"]["column"], 13, "{}", run.stdout());
    let run = awaitify(dir.path(), ["check", "a.py"]);
    assert!(run.stderr.contains("a.py:1:13"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 7. Files that are not UTF-8
// ---------------------------------------------------------------------------------------

/// A file that is not UTF-8 is reported as AW002 naming the file, exit 1.
#[test]
fn check_reports_a_file_that_is_not_utf8() {
    let dir = project(&[("latin.py", LATIN1), ("good.py", SLEEPS)]);
    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW002"), "{}", run.stderr);
    assert!(run.stderr.contains("latin.py"), "{}", run.stderr);
}

/// A file that is not UTF-8 is never written, by `--write` or into `--out-dir`, and the
/// other files are still processed.
#[test]
fn a_file_that_is_not_utf8_is_never_written() {
    let dir = project(&[("latin.py", LATIN1), ("good.py", SLEEPS)]);
    let out = tempfile::tempdir().unwrap();
    let run = awaitify(dir.path(), ["transform", ".", "--out-dir", arg(out.path())]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW002"), "{}", run.stderr);
    assert_eq!(file_names(out.path()), ["good.py"]);
    assert_eq!(read(out.path().join("good.py")), SLEEPS_REWRITTEN);

    let run = awaitify(dir.path(), ["transform", ".", "--write"]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW002"), "{}", run.stderr);
    assert_eq!(read(dir.path().join("latin.py")), LATIN1);
    assert_eq!(read(dir.path().join("good.py")), SLEEPS_REWRITTEN);

    let run = awaitify(dir.path(), ["transform", "latin.py"]);
    run.assert_code(1);
    assert!(run.stdout.is_empty());
}

/// A file that declares its encoding (PEP 263) is read in it, rewritten, and written
/// back in the same encoding: every byte outside the edits is kept.
#[test]
fn a_declared_encoding_is_read_and_written_back() {
    let latin = b"# -*- coding: latin-1 -*-\nimport time\n\ndef caf\xe9():\n    print('\xe9t\xe9')\n    time.sleep(1)\n\ncaf\xe9()\n";
    let expected = b"# -*- coding: latin-1 -*-\nimport asyncio\nimport time\n\nasync def caf\xe9():\n    print('\xe9t\xe9')\n    await asyncio.sleep(1)\n\nawait caf\xe9()\n";
    let dir = project(&[("latin.py", latin)]);

    let run = awaitify(dir.path(), ["transform", "latin.py"]);
    run.assert_code(0);
    assert_eq!(
        run.stdout,
        expected,
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );

    let out = tempfile::tempdir().unwrap();
    awaitify(dir.path(), ["transform", ".", "--out-dir", arg(out.path())]).assert_code(0);
    assert_eq!(read(out.path().join("latin.py")), expected);

    awaitify(dir.path(), ["transform", ".", "--write"]).assert_code(0);
    assert_eq!(read(dir.path().join("latin.py")), expected);
}

/// A file that cannot be decoded is still read for its calls: a helper it calls does
/// not become async (AW209), so the project stays consistent with the file that is
/// never written. The AW002 points at the first undecodable byte.
#[test]
fn an_undecodable_caller_keeps_its_callees_synchronous() {
    let legacy = b"from helpers import nap\n\ndef run():\n    nap()  # caf\xe9\n\nrun()\n";
    let dir = project(&[("helpers.py", HELPERS.as_bytes()), ("legacy.py", legacy)]);
    let before = snapshot(dir.path());

    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(1);
    assert!(run.stderr.contains("legacy.py:4:17"), "{}", run.stderr);
    assert!(run.stderr.contains("AW002"), "{}", run.stderr);
    assert!(
        run.stderr.contains("AW209") && run.stderr.contains("cannot be decoded exactly"),
        "{}",
        run.stderr
    );

    awaitify(dir.path(), ["transform", ".", "--write"]).assert_code(1);
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
}

/// When one file's rewrite fails verification, no file of the project is written: the
/// others may await functions that the failing file was to make async.
#[test]
fn a_rewrite_that_fails_verification_writes_no_file() {
    let dir = sample_project();
    let before = snapshot(dir.path());
    let corrupt = ["--verify", "--corrupt-for-testing", "drop-await"];

    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["transform", ".", "--out-dir", arg(out.path())];
    args.extend(corrupt);
    let run = awaitify(dir.path(), &args);
    run.assert_code(1);
    assert!(run.stderr.contains("AW301"), "{}", run.stderr);
    assert!(run.stderr.contains("no file was written"), "{}", run.stderr);
    assert!(
        file_names(out.path()).is_empty(),
        "{:?}",
        file_names(out.path())
    );

    let mut args = vec!["transform", ".", "--write"];
    args.extend(corrupt);
    awaitify(dir.path(), &args).assert_code(1);
    assert_eq!(snapshot(dir.path()), before);

    // Without the corruption the same rewrite verifies and is written.
    awaitify(dir.path(), ["transform", ".", "--write", "--verify"]).assert_code(0);
    assert_eq!(read_string(dir.path().join("main.py")), MAIN_REWRITTEN);
}

// ---------------------------------------------------------------------------------------
// 8. Byte-order marks
// ---------------------------------------------------------------------------------------

/// A UTF-8 byte-order mark is kept by `--write`, `--out-dir` and on stdout.
#[test]
fn a_byte_order_mark_is_kept() {
    let with_bom = [b"\xef\xbb\xbf".as_slice(), SLEEPS].concat();
    let expected = [b"\xef\xbb\xbf".as_slice(), SLEEPS_REWRITTEN].concat();
    let untouched = [b"\xef\xbb\xbf".as_slice(), b"x = 1\n"].concat();
    let dir = project(&[("bom.py", &with_bom), ("same.py", &untouched)]);

    let out = tempfile::tempdir().unwrap();
    awaitify(dir.path(), ["transform", ".", "--out-dir", arg(out.path())]).assert_code(0);
    assert_eq!(read(out.path().join("bom.py")), expected);
    assert_eq!(read(out.path().join("same.py")), untouched);

    let run = awaitify(dir.path(), ["transform", "bom.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout, expected);

    awaitify(dir.path(), ["transform", ".", "--write"]).assert_code(0);
    assert_eq!(read(dir.path().join("bom.py")), expected);
    assert_eq!(read(dir.path().join("same.py")), untouched);
}

// ---------------------------------------------------------------------------------------
// 9. CRLF
// ---------------------------------------------------------------------------------------

/// A CRLF file that is rewritten stays CRLF on every line, the inserted
/// `import asyncio` included (after a docstring and a `__future__` import).
#[test]
fn crlf_files_keep_crlf_everywhere() {
    let source = b"\"\"\"Doc.\"\"\"\r\nfrom __future__ import annotations\r\nimport time\r\n\r\n\
def nap():\r\n    time.sleep(1)\r\n\r\nnap()\r\n";
    let expected = b"\"\"\"Doc.\"\"\"\r\nfrom __future__ import annotations\r\n\
import asyncio\r\nimport time\r\n\r\nasync def nap():\r\n    await asyncio.sleep(1)\r\n\r\n\
await nap()\r\n";
    let dir = project(&[("crlf.py", source)]);

    let run = awaitify(dir.path(), ["transform", "crlf.py"]);
    run.assert_code(0);
    assert!(all_crlf(&run.stdout), "{:?}", run.stdout());
    assert_eq!(run.stdout, expected);

    awaitify(dir.path(), ["transform", ".", "--write"]).assert_code(0);
    let written = read(dir.path().join("crlf.py"));
    assert!(all_crlf(&written));
    assert_eq!(written, expected);
}

/// A `with` statement split in a CRLF file (an `async with` for the context manager
/// that becomes async, a `with` for `open`) keeps CRLF on its new line, and the body's
/// own indentation of two spaces.
#[test]
fn crlf_files_keep_crlf_in_a_split_with() {
    let source = b"import contextlib\r\nimport time\r\n\r\n\r\n@contextlib.contextmanager\r\n\
def step():\r\n  time.sleep(0)\r\n  yield\r\n\r\n\r\nwith open(__file__), step():\r\n  print(1)\r\n";
    let expected = b"import asyncio\r\nimport contextlib\r\nimport time\r\n\r\n\r\n\
@contextlib.asynccontextmanager\r\nasync def step():\r\n  await asyncio.sleep(0)\r\n  yield\r\n\r\n\r\n\
with open(__file__):\r\n  async with step():\r\n    print(1)\r\n";
    let dir = project(&[("split.py", source)]);

    let run = awaitify(dir.path(), ["transform", "split.py"]);
    run.assert_code(0);
    assert!(all_crlf(&run.stdout), "{:?}", run.stdout());
    assert_eq!(run.stdout, expected, "{}", run.stdout());
}

/// A form feed in the body of a `with` that would be split resets the indentation
/// column: the statement is not split, and the context manager stays synchronous.
#[test]
fn a_form_feed_keeps_a_with_from_being_split() {
    let source = b"import contextlib\nimport time\n\n\n@contextlib.contextmanager\n\
def step():\n    time.sleep(0)\n    yield\n\n\nwith open(__file__), step():\n    print(1)\n\x0c    print(2)\n";
    let dir = project(&[("split.py", source)]);

    let run = awaitify(dir.path(), ["transform", "split.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout, source, "{}", run.stdout());
    assert!(run.stderr.contains("AW220"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 10. Output formats
// ---------------------------------------------------------------------------------------

/// `check --output-format json` prints a JSON array of diagnostics with code, name,
/// severity, message and a 1-based location.
#[test]
fn check_json_output() {
    let dir = project(&[("app.py", LAMBDA)]);
    let run = awaitify(dir.path(), ["check", ".", "--output-format", "json"]);
    run.assert_code(0);
    let json: serde_json::Value =
        serde_json::from_str(&run.stdout()).expect("the diagnostics are JSON");
    let diagnostics = json.as_array().expect("an array");
    assert_eq!(diagnostics.len(), 1, "{json:#}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "AW201");
    assert_eq!(diagnostic["name"], "async-in-lambda");
    assert_eq!(diagnostic["severity"], "warning");
    assert!(diagnostic["message"].as_str().unwrap().contains("lambda"));
    let location = &diagnostic["location"];
    assert_eq!(
        Path::new(location["file"].as_str().unwrap()),
        dir.path().join("app.py")
    );
    assert_eq!(location["line"], 6);
    assert_eq!(location["column"], 12);
    assert_eq!(location["end_line"], 6);
    assert!(diagnostic["related"].is_array());
    assert!(diagnostic["notes"].is_array());
}

/// With no diagnostics, `--output-format json` still prints valid JSON: an empty array.
#[test]
fn check_json_output_without_diagnostics_is_an_empty_array() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes())]);
    let run = awaitify(dir.path(), ["check", ".", "--output-format", "json"]);
    run.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(json, serde_json::json!([]));
}

/// `--output-format github` prints workflow commands: `::warning ` or `::error `, then
/// `file=`, `line=` and `col=`.
#[test]
fn check_github_output() {
    let dir = project(&[("app.py", LAMBDA), ("bad.py", BROKEN)]);
    let run = awaitify(dir.path(), ["check", ".", "--output-format", "github"]);
    run.assert_code(1);
    let stdout = run.stdout();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            line.starts_with("::warning ") || line.starts_with("::error "),
            "{line}"
        );
        assert!(line.contains("file="), "{line}");
        assert!(line.contains("line="), "{line}");
        assert!(line.contains("col="), "{line}");
    }
    let app = dir.path().join("app.py").display().to_string();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("::warning title=AW201,")
                && line.contains(&format!("file={app},line=6,col=12"))),
        "{}",
        run.stderr
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("::error title=AW001,") && line.contains("line=1,col=7")),
        "{}",
        run.stderr
    );
}

/// A reader that stops early (`| head`, a `less` that is quit) closes stdout while a
/// command is still printing. Every command then reports it as it would any output it
/// cannot write, and exits 1; none panics.
#[test]
fn a_closed_stdout_is_reported_and_exits_1() {
    // Each command prints well over a pipe's 64 KiB, so it is still printing when the
    // reader goes away.
    let functions: String = (0..3000)
        .map(|i| format!("def f{i}():\n    time.sleep(1)\nf{i}()\n"))
        .collect();
    let ambiguous_calls = "p(1)\n".repeat(1000);
    let dir = project(&[
        ("big.py", format!("import time\n{functions}").as_bytes()),
        (
            "ambiguous.py",
            format!(
                "import os, time\nif os.environ:\n    p = time.sleep\nelse:\n    p = print\n\
                 {ambiguous_calls}"
            )
            .as_bytes(),
        ),
    ]);
    let commands: &[&[&str]] = &[
        &["transform", "big.py"],
        &["hir", "big.py"],
        &["callgraph", ".", "--format", "json"],
        &["callgraph", ".", "--format", "dot"],
        &["check", ".", "--output-format", "json"],
        &["check", ".", "--output-format", "github"],
    ];
    for args in commands {
        let run = awaitify_into_closed_pipe(dir.path(), args);
        assert_eq!(run.code, 1, "awaitify {args:?}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("awaitify: cannot write to standard output: Broken pipe"),
            "awaitify {args:?}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
}

// ---------------------------------------------------------------------------------------
// 11. Warnings and --strict
// ---------------------------------------------------------------------------------------

/// A warning (AW201, a lambda calling a sleeping function) is printed but the exit code
/// stays 0; `--strict` makes it 1, for `check` and `transform` alike.
#[test]
fn warnings_exit_0_unless_strict() {
    let dir = project(&[("app.py", LAMBDA)]);

    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(0);
    assert!(run.stderr.contains("AW201"), "{}", run.stderr);
    awaitify(dir.path(), ["check", ".", "--strict"]).assert_code(1);

    let run = awaitify(dir.path(), ["transform", "app.py"]);
    run.assert_code(0);
    assert!(run.stderr.contains("AW201"), "{}", run.stderr);
    assert_eq!(
        run.stdout, LAMBDA,
        "what cannot be made async is left alone"
    );
    awaitify(dir.path(), ["transform", "app.py", "--strict"]).assert_code(1);
}

// ---------------------------------------------------------------------------------------
// 12. Usage errors
// ---------------------------------------------------------------------------------------

/// Usage errors exit 2 with a message on stderr and write nothing: an unknown flag or
/// command, a missing or nonexistent path, a directory with nowhere to write, and
/// `--write` together with `--out-dir`.
#[test]
fn usage_errors_exit_2() {
    let dir = project(&[("helpers.py", HELPERS.as_bytes())]);
    let before = snapshot(dir.path());
    let cases: &[&[&str]] = &[
        &["transform", "helpers.py", "--no-such-flag"],
        &["check", ".", "--output-format", "xml"],
        &["frobnicate", "."],
        &["transform"],
        &["check"],
        &["transform", "missing.py"],
        &["check", "missing_dir"],
        &["transform", "."],
        &["transform", ".", "--write", "--out-dir", "out"],
        &["transform", "helpers.py", "--write", "--out-dir", "out"],
    ];
    for args in cases {
        let run = awaitify(dir.path(), *args);
        assert_eq!(run.code, 2, "awaitify {args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "awaitify {args:?} says why");
        assert!(run.stdout.is_empty(), "awaitify {args:?}: {}", run.stdout());
        assert_eq!(snapshot(dir.path()), before, "awaitify {args:?} wrote");
    }
}

// ---------------------------------------------------------------------------------------
// 13. Configuration
// ---------------------------------------------------------------------------------------

const MYLIB_APP: &[u8] = b"import mylib\n\ndef go():\n    mylib.block(1)\n\ngo()\n";
const MYLIB_APP_REWRITTEN: &[u8] =
    b"import mylib\n\nasync def go():\n    await mylib.block_async(1)\n\nawait go()\n";
const MYLIB_RULE: &[u8] = b"[[rules]]\ncall = \"mylib.block\"\nreplace = \"mylib.block_async\"\n";

/// An invalid `awaitify.toml` (a rule without `call`) is AW003 naming the file, exit 1,
/// and nothing is written, with `--write` or `--out-dir`.
#[test]
fn an_invalid_config_is_an_error_and_nothing_is_written() {
    let dir = project(&[
        ("awaitify.toml", b"[[rules]]\nreplace = \"x.y\"\n"),
        ("app.py", SLEEPS),
    ]);
    let before = snapshot(dir.path());

    let run = awaitify(dir.path(), ["check", arg(dir.path())]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW003"), "{}", run.stderr);
    assert!(run.stderr.contains("awaitify.toml"), "{}", run.stderr);

    let run = awaitify(dir.path(), ["transform", arg(dir.path()), "--write"]);
    run.assert_code(1);
    assert!(run.stderr.contains("awaitify.toml"), "{}", run.stderr);
    assert_eq!(snapshot(dir.path()), before);

    let out = tempfile::tempdir().unwrap();
    let run = awaitify(
        dir.path(),
        ["transform", arg(dir.path()), "--out-dir", arg(out.path())],
    );
    run.assert_code(1);
    assert!(
        file_names(out.path()).is_empty(),
        "{:?}",
        file_names(out.path())
    );

    let run = awaitify(dir.path(), ["transform", arg(&dir.path().join("app.py"))]);
    run.assert_code(1);
    assert!(run.stdout.is_empty());
}

/// A user rule (`call = "mylib.block"`, `replace = "mylib.block_async"`) is applied.
#[test]
fn a_user_rule_is_applied() {
    let dir = project(&[("awaitify.toml", MYLIB_RULE), ("app.py", MYLIB_APP)]);
    let run = awaitify(dir.path(), ["transform", arg(&dir.path().join("app.py"))]);
    run.assert_code(0);
    assert_eq!(run.stdout, MYLIB_APP_REWRITTEN);
}

/// An `awaitify.toml` in a parent directory of the target is found.
#[test]
fn a_config_in_a_parent_directory_is_discovered() {
    let dir = project(&[
        ("awaitify.toml", MYLIB_RULE),
        ("proj/sub/app.py", MYLIB_APP),
    ]);
    let app = dir.path().join("proj/sub/app.py");
    let run = awaitify(dir.path(), ["transform", arg(&app)]);
    run.assert_code(0);
    assert_eq!(run.stdout, MYLIB_APP_REWRITTEN);

    let proj = dir.path().join("proj");
    let run = awaitify(dir.path(), ["transform", arg(&proj), "--write"]);
    run.assert_code(0);
    assert_eq!(read(&app), MYLIB_APP_REWRITTEN);
}

/// A `pyproject.toml` with a `[tool.awaitify]` table is a configuration; one without
/// that table is passed over on the way up.
#[test]
fn pyproject_tool_awaitify_is_a_configuration() {
    let pyproject = b"[project]\nname = \"demo\"\n\n[[tool.awaitify.rules]]\n\
call = \"mylib.block\"\nreplace = \"mylib.block_async\"\n";
    let dir = project(&[
        ("pyproject.toml", pyproject),
        ("inner/pyproject.toml", b"[project]\nname = \"inner\"\n"),
        ("inner/app.py", MYLIB_APP),
    ]);
    let run = awaitify(
        dir.path(),
        ["transform", arg(&dir.path().join("inner/app.py"))],
    );
    run.assert_code(0);
    assert_eq!(run.stdout, MYLIB_APP_REWRITTEN);
}

/// A rule whose name goes through a project module and reaches nothing there is AW005, a
/// warning located at the name in the configuration in every output format, from `check`
/// and `transform` alike; only `--strict` makes it fail the run.
#[test]
fn a_rule_that_names_nothing_is_located_in_the_configuration() {
    let dir = project(&[
        ("awaitify.toml", b"[[rules]]\ncall = \"helpers.fetchh\"\n"),
        ("helpers.py", b"def fetch(x):\n    return x\n"),
        ("app.py", b"import helpers\n\nprint(helpers.fetch(1))\n"),
    ]);
    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(0);
    for expected in [
        "warning[AW005/rule-names-nothing]: `helpers.fetchh` names nothing in the project",
        "awaitify.toml:2:17",
        "`helpers` has no `fetchh`",
        "helpers.py:1:5",
        "did you mean `helpers.fetch`?",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    awaitify(dir.path(), ["check", ".", "--strict"]).assert_code(1);

    let run = awaitify(dir.path(), ["check", ".", "--output-format", "json"]);
    run.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    let warning = &json[0];
    assert_eq!(warning["name"], "rule-names-nothing", "{json:#}");
    let location = &warning["location"];
    assert!(
        location["file"]
            .as_str()
            .is_some_and(|file| file.ends_with("awaitify.toml")),
        "{json:#}"
    );
    assert_eq!(
        (&location["line"], &location["column"]),
        (&2.into(), &17.into())
    );
    assert_eq!(location["end_column"], 23, "{json:#}");

    let run = awaitify(dir.path(), ["check", ".", "--output-format", "github"]);
    assert!(
        run.stdout()
            .contains("awaitify.toml,line=2,col=17,endLine=2,endColumn=23::AW005"),
        "{}",
        run.stdout()
    );

    // A single file's run reports it too, and the file is unchanged.
    let run = awaitify(dir.path(), ["transform", "app.py"]);
    run.assert_code(0);
    assert_eq!(run.stdout, b"import helpers\n\nprint(helpers.fetch(1))\n");
    assert!(run.stderr.contains("AW005"), "{}", run.stderr);
    awaitify(dir.path(), ["transform", "app.py", "--strict"]).assert_code(1);
}

/// In `pyproject.toml`, the name is located under `[tool.awaitify]`.
#[test]
fn a_rule_that_names_nothing_is_located_in_pyproject() {
    let pyproject = b"[project]\nname = \"demo\"\n\n[[tool.awaitify.rules]]\n\
call = \"mylib.fetch\"\nreplace = \"helpers.afetch\"\n";
    let dir = project(&[
        ("pyproject.toml", pyproject),
        ("helpers.py", b"async def fetch_async(x):\n    return x\n"),
        ("app.py", b"import helpers\n"),
    ]);
    let run = awaitify(dir.path(), ["check", "."]);
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("the replacement `helpers.afetch` names nothing in the project"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("pyproject.toml:6:20"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------------------
// 14. callgraph
// ---------------------------------------------------------------------------------------

/// `callgraph --format json` prints PyCG's format: an object from each unit to the
/// targets it may call, in source order; externals by qualified name, builtins as
/// `<builtin>.name`.
#[test]
fn callgraph_json_is_pycg_format() {
    let dir = project(&[(
        "main.py",
        b"import time\n\ndef f():\n    time.sleep(1)\n    print(len([]))\n\ndef g():\n    f()\n\ng()\n",
    )]);
    let run = awaitify(dir.path(), ["callgraph", ".", "--format", "json"]);
    run.assert_code(0);
    let graph: BTreeMap<String, Vec<String>> =
        serde_json::from_slice(&run.stdout).expect("an object of string -> [string]");
    assert_eq!(
        graph["main.f"],
        ["time.sleep", "<builtin>.print", "<builtin>.len"]
    );
    assert_eq!(graph["main.g"], ["main.f"]);
    assert_eq!(graph["main"], ["main.g"]);

    let default = awaitify(dir.path(), ["callgraph", "."]);
    default.assert_code(0);
    assert_eq!(default.stdout, run.stdout, "json is the default");
}

/// The call graph spans modules: a call through an import names the callee by its
/// module path (`pkg.helpers.nap`).
#[test]
fn callgraph_spans_modules() {
    let dir = project(&[
        ("pkg/__init__.py", b""),
        ("pkg/helpers.py", HELPERS.as_bytes()),
        (
            "app.py",
            b"from pkg.helpers import nap\n\ndef run():\n    nap()\n",
        ),
    ]);
    let run = awaitify(dir.path(), ["callgraph", ".", "--format", "json"]);
    run.assert_code(0);
    let graph: BTreeMap<String, Vec<String>> = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(graph["app.run"], ["pkg.helpers.nap"]);
    assert_eq!(graph["pkg.helpers.nap"], ["time.sleep"]);
}

/// A method call through a parameter whose callers are all known reaches what they pass:
/// through a constructor's parameter stored on `self` (`self.repo.load`), and through a
/// function's (`svc.get`).
#[test]
fn callgraph_follows_objects_passed_to_parameters() {
    let dir = project(&[
        (
            "repo.py",
            b"import time\n\nclass Repo:\n    def load(self, key):\n        time.sleep(0)\n        return key\n",
        ),
        (
            "service.py",
            b"class Service:\n    def __init__(self, repo):\n        self.repo = repo\n\n    def get(self, key):\n        return self.repo.load(key)\n",
        ),
        (
            "main.py",
            b"from repo import Repo\nfrom service import Service\n\ndef show(svc):\n    print(svc.get(\"a\"))\n\nshow(Service(Repo()))\n",
        ),
    ]);
    let run = awaitify(dir.path(), ["callgraph", ".", "--format", "json"]);
    run.assert_code(0);
    let graph: BTreeMap<String, Vec<String>> = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(graph["service.Service.get"], ["repo.Repo.load"]);
    assert_eq!(
        graph["main.show"],
        ["<builtin>.print", "service.Service.get"]
    );
}

/// A store to `__class__` of a value awaitify cannot follow leaves method calls on
/// instances unresolved for the rewrite, but the call graph still lists the method the
/// instance's own class gives; a store of a known class adds that class's method.
#[test]
fn callgraph_keeps_methods_of_instances_whose_class_may_change() {
    let source = |stored: &str| {
        format!(
            "class Svc:\n    def step(self):\n        return 1\n\nclass Fake:\n    def step(self):\n        return 2\n\ndef swap(obj, kind):\n    obj.__class__ = {stored}\n\ndef run():\n    return Svc().step()\n\nswap(object(), Fake)\nprint(run())\n"
        )
    };
    for (stored, expected) in [
        ("kind", &["main.Svc.step"][..]),
        ("Fake", &["main.Svc.step", "main.Fake.step"][..]),
    ] {
        let dir = project(&[("main.py", source(stored).as_bytes())]);
        let run = awaitify(dir.path(), ["callgraph", ".", "--format", "json"]);
        run.assert_code(0);
        let graph: BTreeMap<String, Vec<String>> = serde_json::from_slice(&run.stdout).unwrap();
        assert_eq!(graph["main.run"], expected, "{stored}");
    }
}

/// A call through a parameter that one caller hands an object awaitify cannot follow
/// stays refused, and the refusal labels that argument.
#[test]
fn check_labels_the_argument_a_parameter_cannot_follow() {
    let dir = project(&[(
        "main.py",
        b"import random\nimport time\n\nclass Car:\n    def move(self):\n        time.sleep(0)\n\ndef travel(vehicle):\n    vehicle.move()\n\ntravel(Car())\ntravel(random.choice([Car()]))\n",
    )]);
    let run = awaitify(dir.path(), ["check", "."]);
    let stderr = &run.stderr;
    assert!(stderr.contains("AW211"), "{stderr}");
    assert!(
        stderr.contains("12 │ travel(random.choice([Car()]))"),
        "{stderr}"
    );
    assert!(
        stderr.contains("this call passes an object awaitify cannot follow"),
        "{stderr}"
    );
}

/// A call on what session state holds under a key a widget writes stays refused, and the
/// refusal labels the widget; one where the state is handed on labels that place.
#[test]
fn check_labels_what_keeps_a_session_state_key_unknown() {
    let header = "import time\nimport streamlit as st\n\nclass Client:\n    def fetch(self):\n        time.sleep(0)\n\nst.session_state.client = Client()\n";
    let widget = format!(
        "{header}st.selectbox(\"c\", [None], key=\"client\")\nst.session_state.client.fetch()\n"
    );
    let dir = project(&[("main.py", widget.as_bytes())]);
    let run = awaitify(dir.path(), ["check", "."]);
    let stderr = &run.stderr;
    assert!(
        stderr.contains("this call's receiver is unknown: what session state holds under `client`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("this widget stores its value under `client`"),
        "{stderr}"
    );
    let handed = format!(
        "{header}print(repr(st.session_state), st.session_state)\nst.session_state[\"client\"].fetch()\nkeep(st.session_state)\n"
    );
    let dir = project(&[("main.py", handed.as_bytes())]);
    let run = awaitify(dir.path(), ["check", "."]);
    let stderr = &run.stderr;
    assert!(stderr.contains("11 │ keep(st.session_state)"), "{stderr}");
    assert!(
        stderr.contains("session state goes here where awaitify does not follow it"),
        "{stderr}"
    );
}

/// `callgraph --format dot` prints a Graphviz digraph.
#[test]
fn callgraph_dot() {
    let dir = project(&[
        ("main.py", MAIN.as_bytes()),
        ("helpers.py", HELPERS.as_bytes()),
    ]);
    let run = awaitify(dir.path(), ["callgraph", ".", "--format", "dot"]);
    run.assert_code(0);
    let stdout = run.stdout();
    assert!(stdout.starts_with("digraph"), "{stdout}");
    assert!(stdout.trim_end().ends_with('}'), "{stdout}");
    assert!(stdout.contains("\"helpers.nap\""), "{stdout}");
    assert!(stdout.contains("\"time.sleep\""), "{stdout}");
}

// ---------------------------------------------------------------------------------------
// 15. hir
// ---------------------------------------------------------------------------------------

/// `hir FILE` prints scopes, bindings and each use with what it resolves to: `wait`
/// from `from time import sleep as wait` is `time.sleep`.
#[test]
fn hir_shows_resolutions() {
    let dir = project(&[("example.py", b"from time import sleep as wait\nwait(1)\n")]);
    let run = awaitify(dir.path(), ["hir", "example.py"]);
    run.assert_code(0);
    let stdout = run.stdout();
    assert_eq!(
        stdout,
        "scope module\n  symbol wait\n    binding 0 from-import at 1:27\nuses\n  \
2:1 wait <- [0] => time.sleep\n"
    );
}

/// `hir` on a file that does not parse reports AW001 and exits 1.
#[test]
fn hir_reports_syntax_errors() {
    let dir = project(&[("bad.py", BROKEN)]);
    let run = awaitify(dir.path(), ["hir", "bad.py"]);
    run.assert_code(1);
    assert!(run.stderr.contains("AW001"), "{}", run.stderr);
}

/// `hir` takes one file. A directory, with Python files or without, is a usage error
/// that says so, rather than one file of it printed without its name.
#[test]
fn hir_on_a_directory_is_a_usage_error() {
    let dir = project(&[("app/a_helpers.py", b"x = 1\n"), ("app/main.py", SLEEPS)]);
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for directory in ["app", "empty"] {
        let run = awaitify(dir.path(), ["hir", directory]);
        run.assert_code(2);
        assert!(run.stdout.is_empty(), "{}", run.stdout());
        assert!(
            run.stderr.contains(&format!(
                "{directory} is a directory: `hir` takes one Python file"
            )),
            "{}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------
// 16. Idempotence
// ---------------------------------------------------------------------------------------

/// Transforming the output of a transform changes nothing, for a multi-file project
/// with packages, classes, `super()`, aliases and `asyncio.run`.
#[test]
fn transform_is_idempotent() {
    let client = b"import time


class DataClient:
    def _get(self, path):
        time.sleep(0.1)
        return {\"path\": path}

    def stations(self):
        return self._get(\"/s\")[\"path\"]


class CachedClient(DataClient):
    def _get(self, path):
        return super()._get(path)
";
    let app = b"import asyncio
from time import sleep as pause

from pkg.client import CachedClient, DataClient


async def tick():
    await asyncio.sleep(0)


def load():
    pause(0.5)
    return DataClient().stations()


def main():
    print(load())
    print(CachedClient().stations())
    asyncio.run(tick())


if __name__ == \"__main__\":
    main()
";
    let dir = project(&[
        ("pkg/__init__.py", b""),
        ("pkg/client.py", client),
        ("app.py", app),
        ("helpers.py", HELPERS.as_bytes()),
        ("main.py", MAIN.as_bytes()),
        ("plain.py", UNTOUCHED),
    ]);
    let scratch = tempfile::tempdir().unwrap();
    let first = scratch.path().join("first");
    let second = scratch.path().join("second");

    awaitify(
        dir.path(),
        ["transform", arg(dir.path()), "--out-dir", arg(&first)],
    )
    .assert_code(0);
    let once = snapshot(&first);
    assert_ne!(
        once,
        snapshot(dir.path()),
        "the first pass changes something"
    );
    let app_once = String::from_utf8(once[Path::new("app.py")].clone()).unwrap();
    assert!(app_once.contains("async def main():"), "{app_once}");
    assert!(app_once.contains("    await main()"), "{app_once}");

    let run = awaitify(
        dir.path(),
        ["transform", arg(&first), "--out-dir", arg(&second)],
    );
    run.assert_code(0);
    assert_eq!(snapshot(&second), once, "the second pass changes nothing");

    let run = awaitify(dir.path(), ["transform", arg(&first), "--diff"]);
    run.assert_code(0);
    assert!(run.stdout.is_empty(), "no diff: {}", run.stdout());
}

/// A configuration in a parent directory is found from a relative path too (`.` or
/// `app.py` run from inside the project), and an invalid one there still stops the run.
#[test]
fn config_discovery_walks_up_from_a_relative_path() {
    let dir = project(&[
        (
            "awaitify.toml",
            b"[[rules]]\ncall = \"mylib.block\"\nreplace = \"mylib.block_async\"\n",
        ),
        ("proj/sub/app.py", b"import mylib\n\nmylib.block(1)\n"),
    ]);
    let sub = dir.path().join("proj/sub");
    let run = awaitify(&sub, ["transform", "app.py"]);
    run.assert_code(0);
    assert!(
        run.stdout().contains("await mylib.block_async(1)"),
        "{}",
        run.stdout()
    );

    std::fs::write(
        dir.path().join("awaitify.toml"),
        "[[rules]]\nreplace = \"x\"\n",
    )
    .unwrap();
    let before = snapshot(dir.path());
    let run = awaitify(&dir.path().join("proj"), ["transform", ".", "--write"]);
    run.assert_code(1);
    assert!(run.stderr.contains("awaitify.toml"), "{}", run.stderr);
    assert_eq!(snapshot(dir.path()), before, "nothing is written");
}

const HANDLERS: &str = r#"def guarded_handler(event: dict[str, str]) -> int | None:
    if (payload := event.get("payload")) is None:
        return None
    return len(payload)


def ternary_handler(event: dict) -> int | None:
    return None if (payload := event.get("payload")) is None else len(payload)


def handler(event: dict) -> int | None:
    payload = event.get("payload")
    if payload is None:
        output = None
    else:
        output = len(payload)
    return output


def careless(event):
    payload = event.get("payload")
    if payload == None:
        return None
    return len(payload)
"#;

/// `equiv` exits 0 for the three equivalent handlers, 1 with both locations for a
/// difference a careless normalizer would miss, and 2 for a missing function or file.
#[test]
fn equiv_exit_codes() {
    let dir = project(&[
        ("handlers.py", HANDLERS.as_bytes()),
        ("copy.py", HANDLERS.as_bytes()),
    ]);
    for (a, b) in [
        ("guarded_handler", "ternary_handler"),
        ("guarded_handler", "handler"),
        ("ternary_handler", "handler"),
    ] {
        let run = awaitify(
            dir.path(),
            [
                "equiv",
                &format!("handlers.py::{a}"),
                &format!("handlers.py::{b}"),
            ],
        );
        run.assert_code(0);
        assert_eq!(run.stdout().trim(), "equivalent");
    }
    let run = awaitify(
        dir.path(),
        ["equiv", "handlers.py::handler", "handlers.py::careless"],
    );
    run.assert_code(1);
    let stdout = run.stdout();
    assert!(
        stdout.contains("handlers.py:13:8") && stdout.contains("payload == None"),
        "{stdout}"
    );
    awaitify(dir.path(), ["equiv", "handlers.py", "copy.py"]).assert_code(0);
    awaitify(
        dir.path(),
        ["equiv", "handlers.py::handler", "handlers.py::nowhere"],
    )
    .assert_code(2);
    awaitify(
        dir.path(),
        ["equiv", "missing.py::f", "handlers.py::handler"],
    )
    .assert_code(2);
    awaitify(dir.path(), ["equiv", "handlers.py::handler", "copy.py"]).assert_code(2);
}

/// The function's name follows the last `::`, so a path may hold `::`; a target with
/// nothing before or after it is a usage error that says what to write.
#[test]
fn equiv_targets_split_at_the_last_double_colon() {
    let dir = project(&[
        ("d::x/handlers.py", HANDLERS.as_bytes()),
        ("handlers.py", HANDLERS.as_bytes()),
    ]);
    let run = awaitify(
        dir.path(),
        ["equiv", "d::x/handlers.py::handler", "handlers.py::handler"],
    );
    run.assert_code(0);
    for target in ["::handler", "handlers.py::"] {
        let run = awaitify(dir.path(), ["equiv", target, "handlers.py::handler"]);
        run.assert_code(2);
        assert!(
            run.stderr.contains(&format!("`{target}`: no ")),
            "{}",
            run.stderr
        );
    }
}

/// `hir --normalized` prints the normal form `equiv` compares, as valid Python.
#[test]
fn hir_normalized_prints_the_normal_form() {
    let dir = project(&[("handlers.py", HANDLERS.as_bytes())]);
    let run = awaitify(dir.path(), ["hir", "--normalized", "handlers.py"]);
    run.assert_code(0);
    let stdout = run.stdout();
    assert!(stdout.contains("def handler(event):"), "{stdout}");
    assert!(
        !stdout.contains("dict[str, str]"),
        "annotations are dropped: {stdout}"
    );
    let compiled = Command::new("python3")
        .args([
            "-c",
            "import sys; compile(sys.stdin.read(), 'normal.py', 'exec')",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(stdout.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(compiled.success(), "the normal form parses:\n{stdout}");
}

#[test]
fn a_caller_kept_synchronous_by_its_own_caller_names_the_refusal_that_started_it() {
    // `middle` has no diagnostic of its own: it stays synchronous because `top`, under a
    // decorator that does not pass coroutines through, cannot become async.
    let dir = project(&[(
        "main.py",
        b"import functools\nimport time\n\ndef inner():\n    time.sleep(1)\n\ndef middle():\n    inner()\n\n@functools.lru_cache\ndef top():\n    middle()\n\ntop()\n",
    )]);
    let run = awaitify(dir.path(), ["check", "main.py"]);
    assert!(
        run.stderr.contains(
            "`main.middle` stays synchronous because `main.top` cannot become async (see its diagnostic)"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("AW206"), "{}", run.stderr);
}

#[test]
fn an_ambiguous_call_of_a_project_function_labels_each_binding() {
    let dir = project(&[(
        "main.py",
        b"import time\n\ntry:\n    from fastlib import nap\nexcept ImportError:\n    def nap():\n        time.sleep(1)\n\nnap()\n",
    )]);
    let run = awaitify(dir.path(), ["check", "main.py"]);
    assert!(run.stderr.contains("AW101"), "{}", run.stderr);
    assert!(
        run.stderr.contains("bound to `fastlib.nap` here"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bound to `main.nap` here"),
        "{}",
        run.stderr
    );
}

/// `import pkg.tools` sets the package's attribute `tools` to the submodule, over what
/// `pkg/__init__.py` binds: the call may run either, and the refusal labels both.
#[test]
fn a_call_through_a_package_attribute_a_submodule_import_replaces_labels_both() {
    let dir = project(&[
        (
            "main.py",
            b"import pkg.tools

print(pkg.tools.run())
",
        ),
        (
            "pkg/__init__.py",
            b"import random

tools = random.Random()
",
        ),
        (
            "pkg/tools.py",
            b"import time


def run():
    time.sleep(0)
    return 1
",
        ),
    ]);
    let run = awaitify(dir.path(), ["check", "."]);
    assert!(run.stderr.contains("AW101"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("imports `pkg.tools` here, which replaces the package's `tools`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("bound to `random.Random()` here"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_old_mac_file_gets_its_own_line_ending_on_the_added_import() {
    let dir = project(&[("main.py", b"import time\r\rtime.sleep(1)\r")]);
    let run = awaitify(dir.path(), ["transform", "main.py"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        String::from_utf8(run.stdout).unwrap(),
        "import asyncio\rimport time\r\rawait asyncio.sleep(1)\r"
    );
}

#[test]
fn a_refusal_located_in_another_file_is_reported_for_the_file_it_leaves_blocking() {
    // `other.py` calls `step` on an unknown object, which keeps `Worker.step` in
    // `main.py` synchronous: `check main.py` must say so.
    let dir = project(&[
        (
            "main.py",
            b"import time\n\nclass Worker:\n    def step(self):\n        time.sleep(1)\n\nWorker().step()\n",
        ),
        ("other.py", b"def drive(w):\n    return w.step()\n"),
    ]);
    let run = awaitify(dir.path(), ["check", "main.py", "--strict"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("AW211"), "{}", run.stderr);
    assert!(run.stderr.contains("other.py"), "{}", run.stderr);
}

/// `main.py` calls `helpers.nap`, which cannot become async because `worker.py` hands it
/// to a thread: no label of that refusal is in `main.py`, yet `main.py`'s call keeps
/// blocking. Asked about `main.py` alone, `check` reports the refusal with that call
/// labelled, directly and through a helper that stays synchronous because of it; the
/// report of the whole project is unchanged.
#[test]
fn a_refusal_elsewhere_labels_the_calls_of_the_file_asked_about_that_keep_blocking() {
    let dir = project(&[
        (
            "helpers.py",
            b"import time\n\n\ndef nap():\n    time.sleep(1)\n\n\ndef rest():\n    nap()\n",
        ),
        (
            "worker.py",
            b"import threading\n\nfrom helpers import nap\n\nthreading.Thread(target=nap).start()\n",
        ),
        ("main.py", b"from helpers import nap, rest\n\nnap()\nrest()\n"),
        ("quiet.py", b"print('nothing blocks here')\n"),
    ]);
    let run = awaitify(
        dir.path(),
        ["check", "main.py", "--strict", "--output-format", "json"],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let report = report.as_array().unwrap();
    assert_eq!(report.len(), 1, "{report:#?}");
    assert_eq!(report[0]["code"], "AW205");
    let labelled: Vec<(String, u64)> = report[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|label| label["message"] == "this call keeps blocking")
        .map(|label| {
            (
                label["file"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                label["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        labelled,
        [("main.py".to_string(), 3)],
        "the first call of the file"
    );

    awaitify(dir.path(), ["check", "quiet.py", "--strict"]).assert_code(0);
    let whole = awaitify(dir.path(), ["check", ".", "--output-format", "json"]);
    assert!(
        !String::from_utf8(whole.stdout)
            .unwrap()
            .contains("this call keeps blocking"),
        "the project's own report names no extra calls"
    );
}

// ---------------------------------------------------------------------------------------
// 17. watch
// ---------------------------------------------------------------------------------------

/// A running `awaitify watch`, whose stderr is read line by line.
struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    /// Everything it printed so far, for failure messages.
    log: String,
}

impl Watching {
    fn start(cwd: &Path, args: &[&str]) -> Watching {
        use std::io::BufRead;
        let mut child = awaitify_command(cwd, args)
            .args(["--interval-ms", "20"])
            .stderr(Stdio::piped())
            .spawn()
            .expect("the awaitify binary runs");
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Watching {
            child,
            lines,
            log: String::new(),
        }
    }

    /// Waits for the next round of re-analysis and gives back what it printed: its
    /// diagnostics, then its summary line (`awaitify: N file(s) changed, ...`).
    #[track_caller]
    fn next_round(&mut self) -> (String, String) {
        let deadline = SystemTime::now() + Duration::from_secs(20);
        let mut diagnostics = String::new();
        loop {
            let left = deadline
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            let Ok(line) = self.lines.recv_timeout(left) else {
                panic!("no round of re-analysis; watch printed:\n{}", self.log);
            };
            self.log += &line;
            self.log.push('\n');
            if line.starts_with("awaitify: watching ") {
                continue;
            }
            if line.starts_with("awaitify: ") && line.contains(" file(s) changed, ") {
                return (diagnostics, line);
            }
            diagnostics += &line;
            diagnostics.push('\n');
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Replaces `path` in one step (a temporary file, then a rename), with a modification
/// time later than any before it, so a poll sees either the old file or the new one.
fn replace_file(path: &Path, contents: &[u8]) {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, contents).unwrap();
    let later = SystemTime::now() + Duration::from_secs(1);
    let file = std::fs::File::options()
        .write(true)
        .open(&temporary)
        .unwrap();
    file.set_modified(later).unwrap();
    std::fs::rename(&temporary, path).unwrap();
}

/// After every change, what `watch DIR --out-dir OUT` keeps in OUT is what a fresh
/// `transform DIR --out-dir FRESH` writes, byte for byte, and the diagnostics it prints
/// are what `check DIR` prints: for a package directory (named from above it) and a
/// subpackage of it (the rest of the package is read, not written); when a file is
/// deleted and put back; when a file stops parsing or decoding (its output goes, and
/// the summary says so) and is fixed; when a byte-order mark is added; and when an
/// `__init__.py` appears and goes.
#[test]
fn watch_out_dir_matches_a_fresh_transform_after_every_change() {
    let dir = project(&[
        ("app/__init__.py", b""),
        ("app/util.py", b"import time\n\ndef slow():\n    time.sleep(1)\n"),
        (
            "app/other.py",
            b"from app.util import slow\n\ndef go():\n    slow()\n",
        ),
        ("app/sub/__init__.py", b""),
        (
            "app/sub/page.py",
            b"from ..util import slow\nfrom app.other import go\n\ndef page():\n    slow()\n    go()\n",
        ),
        ("app/sub/plain.py", b"print('hi')\n"),
    ]);
    for watched in ["app", "app/sub"] {
        let out = dir
            .path()
            .join(format!("out-{}", watched.replace('/', "-")));
        let mut watch = Watching::start(dir.path(), &["watch", watched, "--out-dir", arg(&out)]);
        let mut step = 0;
        let mut round = |label: &str, watch: &mut Watching| -> String {
            let (diagnostics, summary) = watch.next_round();
            step += 1;
            let fresh = dir.path().join(format!("fresh-{step}"));
            let transform = awaitify(dir.path(), ["transform", watched, "--out-dir", arg(&fresh)]);
            let (watched_out, fresh_out) = (snapshot(&out), snapshot(&fresh));
            let readable = |tree: &BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, String> {
                tree.iter()
                    .map(|(path, bytes)| (path.clone(), String::from_utf8_lossy(bytes).into()))
                    .collect()
            };
            assert!(
                watched_out == fresh_out,
                "watch {watched}, {label}: OUT differs from a fresh transform\n\
                 OUT: {:#?}\nfresh: {:#?}\n{}",
                readable(&watched_out),
                readable(&fresh_out),
                transform.stderr
            );
            std::fs::remove_dir_all(&fresh).ok();
            let check = awaitify(dir.path(), ["check", watched]);
            assert_eq!(
                diagnostics, check.stderr,
                "watch {watched}, {label}: the diagnostics differ from check's"
            );
            summary
        };

        round("first analysis", &mut watch);
        assert!(
            read_string(out.join(if watched == "app" {
                "sub/page.py"
            } else {
                "page.py"
            }))
            .contains("    await slow()\n    await go()\n"),
            "watch {watched}: `..util` and `app.other` resolve"
        );

        let util = dir.path().join("app/util.py");
        let util_text = read(&util);
        std::fs::remove_file(&util).unwrap();
        round("util.py deleted", &mut watch);
        replace_file(&util, &util_text);
        round("util.py put back", &mut watch);

        let page = dir.path().join("app/sub/page.py");
        let page_text = read(&page);
        replace_file(&page, b"def broken(:\n");
        let summary = round("page.py stops parsing", &mut watch);
        assert!(
            summary.contains("1 output(s) removed (") && summary.contains("page.py)"),
            "watch {watched}: {summary}"
        );
        replace_file(&page, &page_text);
        round("page.py fixed", &mut watch);
        replace_file(&page, &[&page_text[..], b"# caf\xe9\n"].concat());
        round("page.py stops decoding", &mut watch);
        replace_file(&page, &page_text);
        round("page.py fixed again", &mut watch);

        let plain = dir.path().join("app/sub/plain.py");
        replace_file(&plain, b"\xef\xbb\xbfprint('hi')\n");
        round("a byte-order mark added", &mut watch);
        replace_file(&plain, b"print('hi')\n");
        round("the byte-order mark removed", &mut watch);

        // Without `app/__init__.py`, `app` is no package: `app.util` names nothing.
        let init = dir.path().join("app/__init__.py");
        std::fs::remove_file(&init).unwrap();
        round("app/__init__.py deleted", &mut watch);
        replace_file(&init, b"");
        round("app/__init__.py put back", &mut watch);
    }
}

/// The lines of `stderr` that report a file that could not be written.
fn write_failures(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|line| line.starts_with("awaitify: cannot write "))
        .collect()
}

/// An output that cannot be written is reported on the poll that fails, as `transform`
/// reports it, and nothing is written (the files of a project change together). Each
/// later poll tries again, quietly while it fails the same way: once the obstacle is
/// gone (a file where a directory should be, an OUT that is a file), the outputs are
/// written with no source change.
#[test]
fn watch_reports_an_output_it_cannot_write_and_tries_again() {
    let dir = project(&[
        ("src/main.py", b"from sub.slow import slow\n\nslow()\n"),
        ("src/sub/slow.py", HELPERS.as_bytes()),
    ]);
    std::fs::create_dir(dir.path().join("out")).unwrap();
    let obstacles = [("out", "out/sub"), ("outfile", "outfile")];
    for (out, obstacle) in obstacles {
        let obstacle = dir.path().join(obstacle);
        std::fs::write(&obstacle, b"").unwrap();
        let cold = awaitify(dir.path(), ["transform", "src", "--out-dir", out]);
        cold.assert_code(1);
        assert!(!write_failures(&cold.stderr).is_empty(), "{}", cold.stderr);

        let mut watch = Watching::start(dir.path(), &["watch", "src", "--out-dir", out]);
        let (printed, summary) = watch.next_round();
        assert_eq!(
            write_failures(&printed),
            write_failures(&cold.stderr),
            "--out-dir {out}: reported as `transform` reports it"
        );
        assert!(
            summary.contains("nothing written or removed"),
            "--out-dir {out}: {summary}"
        );
        assert!(
            !dir.path().join("out/main.py").exists(),
            "--out-dir {out}: nothing is written"
        );

        // Many polls fail again meanwhile, and print nothing.
        std::thread::sleep(Duration::from_millis(300));
        std::fs::remove_file(&obstacle).unwrap();
        let (printed, summary) = watch.next_round();
        assert!(write_failures(&printed).is_empty(), "{printed}");
        assert!(
            summary.contains("0 file(s) changed") && summary.contains("2 file(s) written"),
            "--out-dir {out}: {summary}\n{}",
            watch.log
        );
        let fresh = dir.path().join("fresh");
        awaitify(dir.path(), ["transform", "src", "--out-dir", "fresh"]).assert_code(0);
        assert_eq!(snapshot(&dir.path().join(out)), snapshot(&fresh));
        std::fs::remove_dir_all(&fresh).unwrap();
        drop(watch);
        std::fs::remove_dir_all(dir.path().join(out)).unwrap();
        std::fs::create_dir(dir.path().join("out")).ok();
    }
}

/// `watch` started on an OUT that `transform` filled earlier treats the files already
/// there as `transform` does: it overwrites those it writes and leaves the others, even
/// the outputs of a file deleted since or that stopped parsing. It removes only outputs
/// that it wrote itself, once their source breaks or goes; an output that was already
/// as it should be is not written again, so it is not its own; and a file someone else
/// put in OUT is never removed. Nothing but the outputs is written into OUT.
#[test]
fn watch_on_a_filled_out_dir_removes_only_its_own_stale_outputs() {
    let dir = project(&[
        ("src/helpers.py", HELPERS.as_bytes()),
        ("src/main.py", MAIN.as_bytes()),
        ("src/old.py", b"import helpers\n\nhelpers.nap()\n"),
        ("src/edited.py", b"x = 1\n"),
        ("src/kept.py", b"y = 2\n"),
    ]);
    awaitify(dir.path(), ["transform", "src", "--out-dir", "out"]).assert_code(0);
    let out = dir.path().join("out");
    assert_eq!(
        file_names(&out),
        ["edited.py", "helpers.py", "kept.py", "main.py", "old.py"],
        "transform writes nothing but the outputs"
    );
    let earlier_main = read(out.join("main.py"));
    let earlier_old = read(out.join("old.py"));
    std::fs::write(out.join("notes.py"), b"# mine\n").unwrap();
    std::fs::write(out.join("edited.py"), b"x = 1\n# changed in OUT\n").unwrap();
    let helpers_inode = std::fs::metadata(out.join("helpers.py")).unwrap().ino();
    std::fs::remove_file(dir.path().join("src/old.py")).unwrap();
    std::fs::write(dir.path().join("src/main.py"), BROKEN).unwrap();

    let mut watch = Watching::start(dir.path(), &["watch", "src", "--out-dir", "out"]);
    let (_, summary) = watch.next_round();
    assert!(
        summary.contains(", 1 file(s) written") && !summary.contains("removed"),
        "{summary}"
    );
    assert_eq!(
        read(out.join("edited.py")),
        b"x = 1\n",
        "overwritten, as `transform` overwrites it"
    );
    assert_eq!(
        read(out.join("main.py")),
        earlier_main,
        "the output of a file that stopped parsing before watch started stays"
    );
    assert_eq!(
        read(out.join("old.py")),
        earlier_old,
        "the output of a file deleted before watch started stays"
    );
    assert_eq!(
        std::fs::metadata(out.join("helpers.py")).unwrap().ino(),
        helpers_inode,
        "not written again"
    );

    // An output this run wrote goes when its source stops parsing...
    replace_file(&dir.path().join("src/edited.py"), BROKEN);
    let (_, summary) = watch.next_round();
    assert!(
        summary.contains(", 1 output(s) removed (edited.py)"),
        "{summary}"
    );
    assert!(!out.join("edited.py").exists());
    // ... or is deleted.
    replace_file(&dir.path().join("src/new.py"), b"z = 3\n");
    let (_, summary) = watch.next_round();
    assert!(summary.contains(", 1 file(s) written"), "{summary}");
    assert_eq!(read(out.join("new.py")), b"z = 3\n");
    std::fs::remove_file(dir.path().join("src/new.py")).unwrap();
    let (_, summary) = watch.next_round();
    assert!(
        summary.contains(", 1 output(s) removed (new.py)"),
        "{summary}"
    );
    assert!(!out.join("new.py").exists());

    // An output that was already there, and that this run did not write, stays.
    std::fs::remove_file(dir.path().join("src/kept.py")).unwrap();
    let (_, summary) = watch.next_round();
    assert!(
        summary.contains("1 file(s) changed") && !summary.contains("removed"),
        "{summary}"
    );
    assert_eq!(read(out.join("kept.py")), b"y = 2\n");

    assert_eq!(
        read(out.join("notes.py")),
        b"# mine\n",
        "a file awaitify did not write stays"
    );
    assert_eq!(
        file_names(&out),
        ["helpers.py", "kept.py", "main.py", "notes.py", "old.py"],
        "nothing else is written into OUT"
    );
}

/// A `.py` file that cannot be read, such as a dangling symbolic link, is reported by
/// `watch` as `check` reports it (AW002), not taken for a deleted file; once its target
/// appears it is read.
#[test]
fn watch_reports_a_dangling_symbolic_link_as_check_does() {
    let dir = project(&[("src/main.py", SLEEPS)]);
    std::os::unix::fs::symlink("target.py", dir.path().join("src/link.py")).unwrap();
    let mut watch = Watching::start(dir.path(), &["watch", "src", "--out-dir", "out"]);
    let (printed, _) = watch.next_round();
    let check = awaitify(dir.path(), ["check", "src"]);
    check.assert_code(1);
    assert!(check.stderr.contains("AW002"), "{}", check.stderr);
    assert_eq!(printed, check.stderr);

    replace_file(&dir.path().join("src/target.py"), b"x = 1\n");
    let (printed, _) = watch.next_round();
    assert_eq!(printed, "", "the link reads now");
    assert_eq!(read(dir.path().join("out/link.py")), b"x = 1\n");
}

/// A configuration that stops reading is reported with every report while it does not
/// read (after an edit to a source file too), and when it reads again, even with the
/// rules it had, `watch` says it was reloaded.
#[test]
fn watch_reports_an_invalid_configuration_until_it_is_fixed() {
    let config = b"[[rules]]\ncall = \"mylib.block\"\n";
    let dir = project(&[
        (
            "src/main.py",
            b"import mylib\n\ndef run():\n    mylib.block(1)\n\nrun()\n",
        ),
        ("src/awaitify.toml", config),
    ]);
    let mut watch = Watching::start(dir.path(), &["watch", "src", "--out-dir", "out"]);
    watch.next_round();
    let error = "unknown key `cal`";

    replace_file(
        &dir.path().join("src/awaitify.toml"),
        b"[[rules]]\ncal = \"mylib.block\"\n",
    );
    let (printed, _) = watch.next_round();
    assert!(printed.contains(error), "{printed}");

    replace_file(
        &dir.path().join("src/main.py"),
        b"import mylib\n\ndef run():\n    mylib.block(2)\n\nrun()\n",
    );
    let (printed, _) = watch.next_round();
    assert!(printed.contains(error), "still invalid: {printed}");
    assert!(read_string(dir.path().join("out/main.py")).contains("await mylib.block(2)"));

    replace_file(&dir.path().join("src/awaitify.toml"), config);
    let (printed, _) = watch.next_round();
    assert!(!printed.contains(error), "{printed}");
    assert!(
        printed.contains("the configuration was reloaded"),
        "{printed}"
    );
}

/// Diagnostics that share a file, a position and a code (three AW211 refusals on one
/// call) come in the same order from `watch` after an edit as from a fresh `check`.
#[test]
fn watch_prints_diagnostics_in_the_order_check_prints_them() {
    let lines = |lines: &[&str]| -> Vec<u8> {
        lines
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>()
            .into_bytes()
    };
    let subclass = [
        "    def run(self):",
        "        return self.step()",
        "    def step(self):",
        "        return f0()",
    ];
    let a = [
        &b"\xef\xbb\xbf"[..],
        &lines(&[
            "import time",
            "import asyncio",
            "from b import *",
            "import c",
            "",
        ]),
        &lines(&[
            "def (f0():",
            "    time.sleep(0.01)",
            "    c.f1()",
            "    f0()",
            "",
        ]),
        &lines(&["class C(c.C):"]),
        &lines(&subclass),
        &lines(&[
            "",
            "async def main():",
            "    f0()",
            "    C().run()",
            "    pass",
            "",
        ]),
        &lines(&["if __name__ == \"__main__\":", "    asyncio.run(main())"]),
    ]
    .concat();
    let b = [
        lines(&[
            "import time",
            "import asyncio",
            "from a import C",
            "import pkg.d",
            "",
        ]),
        lines(&["def f0():", "    return 0", ""]),
        lines(&["def f1():", "    time.sleep(0.01)", "    pkg.d.f0()", ""]),
        lines(&["def f2():", "    time.sleep(0.01)", "", "class C(C):"]),
        lines(&subclass),
    ]
    .concat();
    let c = [
        lines(&["import time", "import asyncio", "from pkg.e import *", ""]),
        lines(&["def f0():", "    time.sleep(0.01)", "", "class C(C):"]),
        lines(&subclass),
    ]
    .concat();
    let d = [
        lines(&[
            "import time",
            "import asyncio",
            "from b import *",
            "from c import *",
            "",
        ]),
        lines(&["def f0():", "    return 0", ""]),
        lines(&["def f1():", "    time.sleep(0.01)", "    f1()"]),
    ]
    .concat();
    let e = [
        lines(&["import time", "import asyncio", "import c as z_c", ""]),
        lines(&["def f0():", "    z_c.f0()", "", "class C:"]),
        lines(&subclass),
    ]
    .concat();
    let dir = project(&[
        ("src/a.py", &a),
        ("src/b.py", &b),
        ("src/c.py", &c),
        ("src/pkg/__init__.py", b""),
        ("src/pkg/d.py", &d),
        ("src/pkg/e.py", &e),
    ]);
    let mut watch = Watching::start(dir.path(), &["watch", "src"]);
    let (printed, _) = watch.next_round();
    assert_eq!(printed, awaitify(dir.path(), ["check", "src"]).stderr);

    replace_file(
        &dir.path().join("src/pkg/d.py"),
        &[&d[..], b"    f0()\n"].concat(),
    );
    let (printed, _) = watch.next_round();
    let check = awaitify(dir.path(), ["check", "src"]).stderr;
    assert_eq!(
        printed.matches("warning[AW211/").count(),
        3,
        "three refusals share a location: {printed}"
    );
    assert_eq!(printed, check);
}
