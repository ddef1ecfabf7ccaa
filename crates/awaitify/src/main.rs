//! The `awaitify` binary: parses arguments and runs one command. Every command reads the
//! project through the salsa database; none executes user code.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use awaitify::project::{LoadedProject, load_project};
use awaitify_db::File;
use awaitify_diagnostics::{Code, Diagnostic, OutputFormat, Severity, emit_to_stderr};
use awaitify_rewrite::Settings;
use clap::{Parser, Subcommand, ValueEnum};

// mimalloc: see `awaitify::allocator`.
#[global_allocator]
static GLOBAL: awaitify::allocator::Allocator = awaitify::allocator::Allocator;

#[derive(Parser)]
#[command(
    name = "awaitify",
    version,
    about = "Rewrite synchronous Python so it runs on Pyodide's event loop"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Github,
}

impl From<FormatArg> for OutputFormat {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Human => OutputFormat::Human,
            FormatArg::Json => OutputFormat::Json,
            FormatArg::Github => OutputFormat::Github,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum CorruptionArg {
    DropAwait,
    SwapStatements,
    KeepGenerator,
    DropAsyncFor,
}

#[derive(Clone, Copy, ValueEnum)]
enum GraphFormat {
    Json,
    Dot,
}

#[derive(Subcommand)]
enum Command {
    /// Rewrite a file (to stdout) or a project (to --out-dir, or in place with --write).
    Transform {
        path: PathBuf,
        /// Write the whole project, rewritten, under this directory.
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Rewrite files in place, atomically.
        #[arg(long)]
        write: bool,
        /// Print a unified diff of every change.
        #[arg(long)]
        diff: bool,
        #[arg(long, value_enum, default_value = "human")]
        output_format: FormatArg,
        /// Exit 1 on warnings too.
        #[arg(long)]
        strict: bool,
        /// Check each rewrite: erased again, it must equal the input modulo the normal
        /// form; a file that does not verify is reported and not written.
        #[arg(long)]
        verify: bool,
        /// Test hook: corrupt each rewrite before verifying it.
        #[arg(long, hide = true, value_enum)]
        corrupt_for_testing: Option<CorruptionArg>,
    },
    /// Decide whether two functions (A.py::f B.py::g) or two files are equivalent
    /// modulo the normal form. Exit 0 when equivalent, 1 when not, 2 when a file or
    /// function is missing.
    Equiv { left: String, right: String },
    /// Re-analyse the project on every change, incrementally; with --out-dir, keep the
    /// rewritten project there up to date.
    Watch {
        dir: PathBuf,
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// How often to look for changes, in milliseconds.
        #[arg(long, default_value_t = 200)]
        interval_ms: u64,
    },
    /// Print the call graph: JSON in PyCG's format, or Graphviz dot.
    Callgraph {
        path: PathBuf,
        #[arg(long, value_enum, default_value = "json")]
        format: GraphFormat,
    },
    /// Print diagnostics only.
    Check {
        path: PathBuf,
        #[arg(long, value_enum, default_value = "human")]
        output_format: FormatArg,
        /// Exit 1 on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Print the lowered HIR of a file: scopes, bindings, and each name use with its
    /// reaching bindings and resolution.
    Hir {
        file: PathBuf,
        /// Print the HIR tree (statements and expressions) instead.
        #[arg(long)]
        tree: bool,
        /// Print the normal form that `equiv` compares, as Python.
        #[arg(long, conflicts_with = "tree")]
        normalized: bool,
    },
}

/// The stack of every thread that analyses code. The parser and each pass recurse once
/// per nesting level, and real programs nest deeply: a generated `elif` chain of
/// thousands of branches is thousands of nested `if`s. Only the pages a run touches are
/// ever committed.
const STACK_SIZE: usize = 1 << 30;

fn main() -> ExitCode {
    awaitify::allocator::disable_transparent_huge_pages();
    let cli = Cli::parse();
    // Fails only if a pool already exists, which cannot happen this early.
    let _ = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .build_global();
    let command = std::thread::Builder::new()
        .name("awaitify".into())
        .stack_size(STACK_SIZE)
        .spawn(move || run(cli))
        .expect("a thread for the command starts");
    match command.join() {
        Ok(Ok(code)) => code,
        Ok(Err(message)) => {
            eprintln!("awaitify: {message}");
            ExitCode::from(2)
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Usage problems (a missing path, ...) are `Err`, which exits 2.
fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Check {
            path,
            output_format,
            strict,
        } => {
            let mut project = load_project(&path, None)?;
            let Some(settings) = settings_for(&mut project, &path, output_format.into()) else {
                return Ok(ExitCode::from(1));
            };
            awaitify_rewrite::analyze_in_parallel(&project.db, settings);
            let diagnostics = check_diagnostics(&project, settings);
            let printed = match output_format {
                FormatArg::Human => {
                    emit_to_stderr(&project.db, &diagnostics, OutputFormat::Human);
                    Ok(())
                }
                // A report asked for in a machine format is the command's output.
                FormatArg::Json | FormatArg::Github => write_to_stdout(
                    awaitify_diagnostics::render(&project.db, &diagnostics, output_format.into())
                        .as_bytes(),
                ),
            };
            leak_at_exit(project);
            Ok(exit_code_after_printing(
                printed,
                exit_code(&diagnostics, strict),
            ))
        }
        Command::Transform {
            path,
            out_dir,
            write,
            diff,
            output_format,
            strict,
            verify,
            corrupt_for_testing,
        } => transform(
            &path,
            TransformOptions {
                out_dir: out_dir.as_deref(),
                write,
                diff,
                format: output_format.into(),
                strict,
                verify,
                corruption: corrupt_for_testing.map(|corruption| match corruption {
                    CorruptionArg::DropAwait => awaitify::verify::Corruption::DropAwait,
                    CorruptionArg::SwapStatements => awaitify::verify::Corruption::SwapStatements,
                    CorruptionArg::KeepGenerator => awaitify::verify::Corruption::KeepGenerator,
                    CorruptionArg::DropAsyncFor => awaitify::verify::Corruption::DropAsyncFor,
                }),
            },
        ),
        Command::Watch {
            dir,
            out_dir,
            interval_ms,
        } => watch(&dir, out_dir.as_deref(), interval_ms),
        Command::Callgraph { path, format } => {
            let mut project = load_project(&path, None)?;
            // The coloring follows method calls through parameters (under the default
            // rules: which functions those calls reach does not depend on them).
            let settings =
                awaitify::project::settings(&mut project.db, awaitify_rewrite::RuleSet::default());
            awaitify_rewrite::analyze_in_parallel(&project.db, settings);
            let graph = awaitify_rewrite::call_graph_with_parameters(&project.db, settings);
            let printed = write_to_stdout(
                match format {
                    GraphFormat::Json => graph.to_json(),
                    GraphFormat::Dot => graph.to_dot(),
                }
                .as_bytes(),
            );
            let diagnostics = check_syntax(&project);
            emit_to_stderr(&project.db, &diagnostics, OutputFormat::Human);
            Ok(exit_code_after_printing(
                printed,
                exit_code(&diagnostics, false),
            ))
        }
        Command::Equiv { left, right } => equiv(&left, &right),
        Command::Hir {
            file,
            tree,
            normalized,
        } => {
            // `hir` shows one file; given a directory it would pick one file silently.
            if file.is_dir() {
                return Err(format!(
                    "{} is a directory: `hir` takes one Python file",
                    file.display()
                ));
            }
            let project = load_project(&file, None)?;
            let Some(target) = project.targets.first().copied() else {
                emit_to_stderr(&project.db, &project.diagnostics, OutputFormat::Human);
                return Ok(ExitCode::from(1));
            };
            let syntax = awaitify_hir::syntax_diagnostics(&project.db, target);
            let syntax: Vec<Diagnostic> =
                project.diagnostics.iter().cloned().chain(syntax).collect();
            let output = if normalized {
                awaitify_equiv::print_normalized_file(&project.db, target)
            } else if tree {
                awaitify_hir::dump::dump(awaitify_hir::file_hir(&project.db, target))
            } else {
                awaitify_semantic::dump::dump_file(&project.db, target)
            };
            let printed = write_to_stdout(output.as_bytes());
            emit_to_stderr(&project.db, &syntax, OutputFormat::Human);
            Ok(exit_code_after_printing(printed, exit_code(&syntax, false)))
        }
    }
}

/// The rules for the project at `path`; a bad configuration is reported and `None`.
fn settings_for(
    project: &mut LoadedProject,
    path: &Path,
    format: OutputFormat,
) -> Option<Settings> {
    match awaitify_rewrite::discover_rules(path) {
        Ok(rules) => Some(awaitify::project::settings(&mut project.db, rules)),
        Err(error) => {
            let diagnostic = Diagnostic::error(Code::InvalidConfig, error.to_string())
                .with_path(error.path.clone())
                .with_note("fix the configuration; nothing was rewritten");
            emit_to_stderr(&project.db, &[diagnostic], format);
            None
        }
    }
}

/// Syntax errors of every target file, and the files that could not be read.
fn check_syntax(project: &LoadedProject) -> Vec<Diagnostic> {
    let mut diagnostics = project.diagnostics.clone();
    for file in &project.targets {
        diagnostics.extend(awaitify_hir::syntax_diagnostics(&project.db, *file));
    }
    awaitify::project::sort_diagnostics(&project.db, &mut diagnostics);
    diagnostics
}

/// Everything `check` reports for the target files: unreadable files, syntax errors and
/// the rewrite's diagnostics.
fn check_diagnostics(project: &LoadedProject, settings: Settings) -> Vec<Diagnostic> {
    awaitify::project::target_diagnostics(
        &project.db,
        settings,
        &project.targets,
        project.diagnostics.clone(),
    )
}

struct TransformOptions<'a> {
    out_dir: Option<&'a Path>,
    write: bool,
    diff: bool,
    format: OutputFormat,
    strict: bool,
    verify: bool,
    corruption: Option<awaitify::verify::Corruption>,
}

fn transform(path: &Path, options: TransformOptions) -> Result<ExitCode, String> {
    let TransformOptions {
        out_dir,
        write,
        diff,
        format,
        strict,
        verify,
        corruption,
    } = options;
    let is_dir = path.is_dir();
    if is_dir && out_dir.is_none() && !write && !diff {
        return Err(format!(
            "{} is a directory: pass --out-dir OUT, --write or --diff",
            path.display()
        ));
    }
    if write && out_dir.is_some() {
        return Err("--write and --out-dir exclude each other".to_string());
    }
    let mut project = load_project(path, out_dir)?;
    let Some(settings) = settings_for(&mut project, path, format) else {
        return Ok(ExitCode::from(1));
    };
    awaitify_rewrite::analyze_in_parallel(&project.db, settings);
    let mut diagnostics = check_diagnostics(&project, settings);
    let db = &project.db;

    // The new text of each target file (None: unchanged or not to be written).
    let mut outputs: Vec<(File, Option<String>, bool)> = Vec::new();
    for file in &project.targets {
        let rewrite = awaitify_rewrite::file_rewrite(db, *file, settings);
        // A file decoded with replacement characters is never written, not even copied.
        let broken = !rewrite.errors.is_empty() || file.decoded_lossily(db);
        let output = rewrite.output.clone().map(|output| match corruption {
            Some(corruption) => awaitify::verify::corrupt(file.text(db), &output, corruption),
            None => output,
        });
        outputs.push((*file, output, broken));
    }
    // A rewrite that failed its own check: the other files may depend on it.
    let mut failed = awaitify_rewrite::has_internal_failure(db, settings);
    if verify {
        let changed: Vec<(File, String)> = outputs
            .iter()
            .filter_map(|(file, output, _)| output.clone().map(|output| (*file, output)))
            .collect();
        let rules = settings.rules(db).clone();
        for (_, verdict) in awaitify::verify::verify_project(db, &project.root, &changed, &rules) {
            if let awaitify::verify::Verdict::Failed(diagnostic) = verdict {
                failed = true;
                diagnostics.push(diagnostic.with_note(
                    "the files of a project change together (a function made async in one \
                     is awaited in another), so no file was written",
                ));
            }
        }
    }
    // Writing one file of a rewrite that changes others too would break the project.
    let target_changes = outputs.iter().any(|(_, output, _)| output.is_some());
    if !is_dir
        && (write || out_dir.is_some())
        && target_changes
        && let Some(diagnostic) = partial_write(&project, settings)
    {
        diagnostics.push(diagnostic);
        failed = true;
    }
    if failed {
        // Writing the files that did verify could leave a caller unawaited.
        for entry in &mut outputs {
            entry.2 = true;
        }
    }

    let mut failed_writes = Vec::new();
    // Every file is staged before any is renamed into place: the files of a project
    // change together, so when one cannot be written, none is (see `write::Batch`).
    let mut batch = awaitify::write::Batch::default();
    // Where the outputs go, with `.` and `..` resolved: `src/gen/../out` is `src/out`,
    // and writing there creates no `src/gen`. Messages name it as the user spelled it.
    let resolved_out_dir = out_dir
        .map(awaitify::project::resolve_path)
        .transpose()
        .map_err(|error| format!("--out-dir: {error}"))?;
    // Bytes: a single file goes to stdout in its own encoding, as it would be written.
    let mut stdout: Vec<u8> = Vec::new();
    for (file, output, broken) in &outputs {
        let (file, broken) = (*file, *broken);
        let original = file.text(db);
        let output = output.as_deref();
        if diff
            && !broken
            && let Some(output) = output
        {
            stdout.extend_from_slice(&unified_diff(&project, file, original, output));
        }
        if let (Some(out_dir), Some(resolved)) = (out_dir, &resolved_out_dir) {
            if broken {
                continue;
            }
            let relative = file
                .path(db)
                .strip_prefix(&project.root)
                .unwrap_or(file.path(db));
            let bytes = project.encodings.bytes(file, output.unwrap_or(original));
            if let Err(error) = batch.stage(&resolved.join(relative), &bytes, Some(file.path(db))) {
                failed_writes.push(format!(
                    "cannot write {}: {error}",
                    out_dir.join(relative).display()
                ));
            }
        } else if write {
            if let (Some(output), false) = (output, broken) {
                let bytes = project.encodings.bytes(file, output);
                if let Err(error) = batch.stage(file.path(db), &bytes, None) {
                    failed_writes
                        .push(format!("cannot write {}: {error}", file.path(db).display()));
                }
            }
        } else if !is_dir && !diff && !broken {
            stdout.extend_from_slice(&project.encodings.bytes(file, output.unwrap_or(original)));
        }
    }
    if failed_writes.is_empty() {
        for (destination, error) in batch.commit() {
            failed_writes.push(format!("cannot write {}: {error}", destination.display()));
        }
    } else if !batch.is_empty() {
        // Dropping the batch removes what was staged.
        drop(batch);
        failed_writes.push(
            "no file was written: the files of a project change together, and one that \
             could not be written may be awaited by another"
                .to_string(),
        );
    }
    if let Err(failure) = write_to_stdout(&stdout) {
        failed_writes.push(failure);
    }
    emit_to_stderr(db, &diagnostics, format);
    for failure in &failed_writes {
        eprintln!("awaitify: {failure}");
    }
    let code = if failed_writes.is_empty() {
        exit_code(&diagnostics, strict)
    } else {
        ExitCode::from(1)
    };
    leak_at_exit(project);
    Ok(code)
}

/// `AW004` when the rewrite changes files other than the target, which then cannot be
/// written alone.
fn partial_write(project: &LoadedProject, settings: Settings) -> Option<Diagnostic> {
    let db = &project.db;
    let target = *project.targets.first()?;
    let coloring = awaitify_rewrite::async_coloring(db, settings);
    // Whether `caller` calls a function of `callee` that becomes async.
    let calls_into = |caller: File, callee: File| {
        awaitify_callgraph::file_calls(db, caller)
            .sites
            .iter()
            .flat_map(|site| site.targets.iter())
            .any(|target| match target {
                awaitify_semantic::Target::Function { file, function } => {
                    *file == callee
                        && coloring.becomes_async(
                            db,
                            (*file, awaitify_hir::hir::BodyId::Function(*function)),
                        )
                }
                _ => false,
            })
    };
    let others: Vec<String> = awaitify_db::Db::project(db)
        .files(db)
        .iter()
        .filter(|file| {
            !project.targets.contains(file)
                && awaitify_rewrite::file_rewrite(db, **file, settings)
                    .output
                    .is_some()
                && (calls_into(target, **file) || calls_into(**file, target))
        })
        .map(|file| format!("`{}`", file.path(db).display()))
        .collect();
    if others.is_empty() {
        return None;
    }
    Some(
        Diagnostic::error(
            Code::PartialWrite,
            format!(
                "{} cannot be written alone: the rewrite also changes {}",
                target.path(db).display(),
                others.join(", ")
            ),
        )
        .with_path(target.path(db).clone())
        .with_note(
            "a function made async in one file is awaited in another; written alone, one \
             side would call the other wrongly",
        )
        .with_note(format!(
            "nothing was written; run `awaitify transform {} --write` (or --out-dir) on the \
             whole project",
            project.root.display()
        )),
    )
}

/// Writes a command's output on stdout, the only way any command does. A reader that went
/// away (`| head`) is a failed write to report, as for a file; `print!` would panic.
fn write_to_stdout(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|error| format!("cannot write to standard output: {error}"))
}

/// `code`, unless the command's output could not be written: that is reported and exits
/// 1, as `transform` does for a file it cannot write.
fn exit_code_after_printing(printed: Result<(), String>, code: ExitCode) -> ExitCode {
    match printed {
        Ok(()) => code,
        Err(failure) => {
            eprintln!("awaitify: {failure}");
            ExitCode::from(1)
        }
    }
}

/// The process is about to exit, which frees everything at once; dropping the
/// database's hundreds of thousands of nodes one by one would only add time.
fn leak_at_exit(project: LoadedProject) {
    std::mem::forget(project);
}

/// `A.py::f` -> (`A.py`, Some(`f`)); `A.py` -> (`A.py`, None). The name follows the
/// last `::`, since a qualified name (`Class.method`) never holds one and a path may.
fn split_target(target: &str) -> Result<(PathBuf, Option<String>), String> {
    let (path, name) = match target.rsplit_once("::") {
        Some((path, name)) => (path, Some(name)),
        None => (target, None),
    };
    if path.is_empty() {
        return Err(format!("`{target}`: no file before `::` (write `A.py::f`)"));
    }
    if name.is_some_and(str::is_empty) {
        return Err(format!(
            "`{target}`: no function after `::` (write `A.py::f`, or `A.py` for the whole file)"
        ));
    }
    Ok((PathBuf::from(path), name.map(str::to_string)))
}

fn equiv(left: &str, right: &str) -> Result<ExitCode, String> {
    let (left_path, left_name) = split_target(left)?;
    let (right_path, right_name) = split_target(right)?;
    if left_name.is_some() != right_name.is_some() {
        return Err("compare two functions (A.py::f B.py::g) or two files (A.py B.py)".into());
    }
    let mut db = awaitify_db::RootDatabase::new(Vec::new());
    let mut load = |path: &Path| -> Result<File, String> {
        let absolute =
            std::path::absolute(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let source =
            awaitify::project::read_source(&absolute).map_err(|diagnostic| diagnostic.message)?;
        if let Some(lossy) = source.lossy {
            return Err(format!("cannot decode {}: {}", path.display(), lossy.why));
        }
        Ok(db.set_file(absolute, source.text))
    };
    let (a, b) = (load(&left_path)?, load(&right_path)?);
    let syntax: Vec<Diagnostic> = [a, b]
        .iter()
        .flat_map(|file| awaitify_hir::syntax_diagnostics(&db, *file))
        .collect();
    if !syntax.is_empty() {
        emit_to_stderr(&db, &syntax, OutputFormat::Human);
        return Ok(ExitCode::from(1));
    }
    let result = match (left_name, right_name) {
        (Some(f), Some(g)) => awaitify_equiv::functions_equivalent(&db, a, &f, b, &g)
            .map_err(|error| error.to_string())?,
        _ => awaitify_equiv::files_equivalent(&db, a, b),
    };
    match result {
        awaitify_equiv::Equivalence::Equivalent => Ok(exit_code_after_printing(
            write_to_stdout(b"equivalent\n"),
            ExitCode::SUCCESS,
        )),
        awaitify_equiv::Equivalence::Different(difference) => Ok(exit_code_after_printing(
            write_to_stdout(awaitify_equiv::render_difference(&db, &difference).as_bytes()),
            ExitCode::from(1),
        )),
    }
}

fn watch(dir: &Path, out_dir: Option<&Path>, interval_ms: u64) -> Result<ExitCode, String> {
    if !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let mut watcher = awaitify::watch::Watcher::discovering_config(dir, out_dir)?;
    eprintln!("awaitify: watching {} (Ctrl-C to stop)", dir.display());
    loop {
        if let Some(report) = watcher.poll() {
            // Said with every report while it lasts, not only when the file changed.
            if let Some(error) = &report.config_error {
                eprintln!("awaitify: {error}; the previous configuration stays in effect");
            }
            if report.config_reloaded {
                eprintln!("awaitify: the configuration was reloaded; its rules are in effect");
            }
            emit_to_stderr(&watcher.db, &report.diagnostics, OutputFormat::Human);
            // As `transform` reports them, after the diagnostics.
            for failure in &report.failures {
                eprintln!("awaitify: {failure}");
            }
            let mut out_dir_changes = String::new();
            if !report.written.is_empty() {
                out_dir_changes += &format!(", {} file(s) written", report.written.len());
            }
            if !report.removed.is_empty() {
                // An output goes when its source is deleted or can no longer be written
                // (a syntax error, an undecodable file): name them, since that is news.
                let names: Vec<String> = report
                    .removed
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect();
                out_dir_changes += &format!(
                    ", {} output(s) removed ({})",
                    report.removed.len(),
                    names.join(", ")
                );
            }
            if !report.failures.is_empty() {
                out_dir_changes += &if report.written.is_empty() && report.removed.is_empty() {
                    format!(
                        ", nothing written or removed: {} failure(s), tried again on every poll",
                        report.failures.len()
                    )
                } else {
                    format!(
                        ", {} failure(s), tried again on every poll",
                        report.failures.len()
                    )
                };
            }
            if report.held_back {
                out_dir_changes +=
                    ", nothing written or removed: a rewrite failed its own check (AW301)";
            }
            eprintln!(
                "awaitify: {} file(s) changed, re-analysed in {:.1} ms, {} diagnostic(s){}",
                report.changed.len(),
                report.elapsed.as_secs_f64() * 1000.0,
                report.diagnostics.len(),
                out_dir_changes
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(interval_ms));
    }
}

/// The diff of one file, its lines in the file's own bytes (a byte-order mark on the
/// first line, a declared encoding's bytes), so that `patch` and `git apply` match them
/// against the file; the `---`/`+++` names are UTF-8, as `git diff` writes them.
fn unified_diff(project: &LoadedProject, file: File, original: &str, output: &str) -> Vec<u8> {
    use awaitify::source::{self, SourceEncoding};
    let path = file.path(&project.db);
    let relative = path
        .strip_prefix(&project.root)
        .unwrap_or(path)
        .display()
        .to_string();
    let encoding = project.encodings.of(file);
    let (original, output) = match encoding {
        SourceEncoding::Utf8WithBom => (
            std::borrow::Cow::Owned(format!("\u{feff}{original}")),
            std::borrow::Cow::Owned(format!("\u{feff}{output}")),
        ),
        _ => (
            std::borrow::Cow::Borrowed(original),
            std::borrow::Cow::Borrowed(output),
        ),
    };
    let old_name = diff_header_name(&format!("a/{relative}"));
    let new_name = diff_header_name(&format!("b/{relative}"));
    let text_diff = similar::TextDiff::from_lines(original.as_ref(), output.as_ref());
    let mut diff = text_diff.unified_diff();
    diff.context_radius(3);
    let header = format!("--- {old_name}\n+++ {new_name}\n");
    let mut hunks = String::new();
    for hunk in diff.iter_hunks() {
        hunks.push_str(&hunk.to_string());
    }
    if hunks.is_empty() {
        return Vec::new();
    }
    let mut bytes = header.into_bytes();
    bytes.extend_from_slice(&source::encode(
        &hunks,
        match encoding {
            SourceEncoding::Utf8WithBom => SourceEncoding::Utf8,
            other => other,
        },
    ));
    bytes
}

/// A file name on a `---`/`+++` line, written as `git diff` writes it (non-ASCII kept as
/// is) so that `patch -p1` and `git apply` both read it back. `patch` ends a plain name at
/// its first space unless a TAB follows the name, so a name with spaces gets one; a name a
/// TAB cannot delimit (one holding a tab, a newline, a quote or a backslash) is C-quoted.
fn diff_header_name(name: &str) -> String {
    if name
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        let mut quoted = String::from('"');
        for c in name.chars() {
            match c {
                '"' => quoted.push_str("\\\""),
                '\\' => quoted.push_str("\\\\"),
                '\t' => quoted.push_str("\\t"),
                '\n' => quoted.push_str("\\n"),
                c if c.is_control() => {
                    for byte in c.encode_utf8(&mut [0; 4]).bytes() {
                        quoted.push_str(&format!("\\{byte:03o}"));
                    }
                }
                c => quoted.push(c),
            }
        }
        quoted.push('"');
        quoted
    } else if name.contains(' ') {
        format!("{name}\t")
    } else {
        name.to_string()
    }
}

fn exit_code(diagnostics: &[Diagnostic], strict: bool) -> ExitCode {
    let failing = diagnostics.iter().any(|diagnostic| {
        diagnostic.severity == Severity::Error
            || (strict && diagnostic.severity == Severity::Warning)
    });
    if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
