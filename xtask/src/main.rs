//! `cargo xtask`: the project's own automation.
//!
//! - `cargo xtask test`: everything CI runs: formatting, clippy, the Rust tests, the
//!   release binary, and the Pyodide suite under Node.
//! - `cargo xtask bench`: timings over the machine's CPython standard library.
//! - `cargo xtask corpus`: the release binary over the standard library with `--verify`.
//! - `cargo xtask tidy`: source hygiene (also run by `cargo test` through `tests/tidy.rs`).
//!
//! Benchmarks live here and never in tests: tests assert behaviour, not time.

mod bench;
mod corpus;
mod tidy;

// The same allocator as the `awaitify` binary, so benchmarks measure what users run. The
// binary also turns transparent huge pages off, which suits its one cold run; the bench's
// warm best-of runs keep them (see `docs/performance.md`).
#[global_allocator]
static GLOBAL: awaitify::allocator::Allocator = awaitify::allocator::Allocator;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bench") => bench::run(&args[1..]),
        Some("corpus") => corpus::run(),
        Some("tidy") => {
            tidy::check(&repo_root()).map(|count| println!("tidy: {count} files checked"))
        }
        _ => Err("usage: cargo xtask <test|bench|corpus|tidy>".to_string()),
    };
    if let Err(message) = result {
        eprintln!("xtask: {message}");
        std::process::exit(1);
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

fn step(name: &str, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("==> {name}: {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(repo_root())
        .status()
        .map_err(|error| format!("{name}: cannot run {program}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{name} failed ({status})"))
    }
}

fn test() -> Result<(), String> {
    step("format", "cargo", &["fmt", "--all", "--check"])?;
    step(
        "clippy",
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    step("rust tests", "cargo", &["test", "--workspace"])?;
    step(
        "release binary",
        "cargo",
        &["build", "--release", "-p", "awaitify"],
    )?;
    step("pyodide suite", "bash", &["tests/pyodide/run.sh"])?;
    eprintln!("==> all checks passed");
    Ok(())
}
