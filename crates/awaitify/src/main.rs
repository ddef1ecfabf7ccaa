//! The `awaitify` binary: parses arguments and runs one command. Every command reads the
//! project through the salsa database; none executes user code.

use std::path::PathBuf;
use std::process::ExitCode;

use awaitify::project::{LoadedProject, load_project};
use awaitify_db::File;
use awaitify_diagnostics::{Diagnostic, OutputFormat, Severity, emit_to_stderr};
use clap::{Parser, Subcommand, ValueEnum};

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

#[derive(Subcommand)]
enum Command {
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
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("awaitify: {message}");
            ExitCode::from(2)
        }
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
            let project = load_project(&path, None)?;
            let diagnostics = check_diagnostics(&project);
            emit_to_stderr(&project.db, &diagnostics, output_format.into());
            Ok(exit_code(&diagnostics, strict))
        }
        Command::Hir { file, tree } => {
            let project = load_project(&file, None)?;
            let Some(target) = project.targets.first().copied() else {
                emit_to_stderr(&project.db, &project.diagnostics, OutputFormat::Human);
                return Ok(ExitCode::from(1));
            };
            let syntax = awaitify_hir::syntax_diagnostics(&project.db, target);
            let output = if tree {
                awaitify_hir::dump::dump(awaitify_hir::file_hir(&project.db, target))
            } else {
                awaitify_semantic::dump::dump_file(&project.db, target)
            };
            print!("{output}");
            emit_to_stderr(&project.db, &syntax, OutputFormat::Human);
            Ok(exit_code(&syntax, false))
        }
    }
}

/// Syntax errors of every target file, and the files that could not be read.
fn check_diagnostics(project: &LoadedProject) -> Vec<Diagnostic> {
    let mut diagnostics = project.diagnostics.clone();
    for file in &project.targets {
        diagnostics.extend(awaitify_hir::syntax_diagnostics(&project.db, *file));
    }
    sort_diagnostics(project, &mut diagnostics);
    diagnostics
}

fn sort_diagnostics(project: &LoadedProject, diagnostics: &mut [Diagnostic]) {
    let key = |diagnostic: &Diagnostic| {
        let file: Option<File> = diagnostic.file();
        (
            file.map(|file| file.path(&project.db).clone()),
            diagnostic.primary.as_ref().map(|label| label.range.start()),
        )
    };
    diagnostics.sort_by_key(key);
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
