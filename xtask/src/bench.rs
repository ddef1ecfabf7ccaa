//! `cargo xtask bench`: one run over the machine's CPython standard library.
//!
//! Prints the parse floor (ruff_python_parser alone) and the analysis up to resolved
//! names (parse + lower + scopes/use-def + resolution, through the salsa queries), both
//! single-threaded, with their ratio. Each figure is the best of `--runs` (default 3).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awaitify_db::RootDatabase;

pub fn stdlib_dir() -> Result<PathBuf, String> {
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['stdlib'])",
        ])
        .output()
        .map_err(|error| format!("python3 is needed to find the standard library: {error}"))?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

pub fn python_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "site-packages" && name != "__pycache__" {
                python_files(&path, out);
            }
        } else if name.ends_with(".py") {
            out.push(path);
        }
    }
}

fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

pub fn run(args: &[String]) -> Result<(), String> {
    let runs = args
        .iter()
        .position(|arg| arg == "--runs")
        .and_then(|index| args.get(index + 1))
        .map(|value| {
            value
                .parse::<usize>()
                .map_err(|error| format!("--runs: {error}"))
        })
        .transpose()?
        .unwrap_or(3);
    let root = stdlib_dir()?;
    let mut paths = Vec::new();
    python_files(&root, &mut paths);
    paths.sort();
    let sources: Vec<(PathBuf, String)> = paths
        .into_iter()
        .filter_map(|path| std::fs::read_to_string(&path).ok().map(|text| (path, text)))
        .collect();
    let lines: usize = sources.iter().map(|(_, text)| text.lines().count()).sum();
    println!(
        "corpus: {} ({} files, {} lines)",
        root.display(),
        sources.len(),
        lines
    );

    let parse = best_of(runs, || {
        for (_, text) in &sources {
            let parsed = ruff_python_parser::parse_unchecked_source(
                text,
                ruff_python_ast::PySourceType::Python,
            );
            std::hint::black_box(&parsed);
        }
    });
    let resolve = best_of(runs, || {
        let mut db = RootDatabase::new(vec![root.clone()]);
        let files: Vec<_> = sources
            .iter()
            .map(|(path, text)| db.set_file(path.clone(), text.clone()))
            .collect();
        for file in &files {
            std::hint::black_box(awaitify_semantic::file_resolutions(&db, *file));
        }
    });
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    if args.iter().any(|arg| arg == "--stages") {
        let lower = best_of(runs, || {
            for (_, text) in &sources {
                let parsed = ruff_python_parser::parse_unchecked_source(
                    text,
                    ruff_python_ast::PySourceType::Python,
                );
                std::hint::black_box(awaitify_hir::lower_module(text, parsed.syntax()));
            }
        });
        let index = best_of(runs, || {
            for (_, text) in &sources {
                let parsed = ruff_python_parser::parse_unchecked_source(
                    text,
                    ruff_python_ast::PySourceType::Python,
                );
                let (hir, _) = awaitify_hir::lower_module(text, parsed.syntax());
                drop(parsed);
                let mut star = |_: Option<&awaitify_hir::hir::Name>, _: u32| {
                    awaitify_semantic::StarNames::Opaque
                };
                std::hint::black_box(awaitify_semantic::SemanticIndex::build(&hir, &mut star));
            }
        });
        println!(
            "stage: parse + lower (no salsa):                   {:>8.1} ms",
            ms(lower)
        );
        println!(
            "stage: parse + lower + index (no salsa):           {:>8.1} ms",
            ms(index)
        );
    }
    println!(
        "parse only (ruff_python_parser), 1 thread:        {:>8.1} ms",
        ms(parse)
    );
    println!(
        "parse + lower + resolve (salsa queries), 1 thread: {:>8.1} ms",
        ms(resolve)
    );
    println!(
        "ratio to the parse floor:                          {:>8.2}x (target <= 1.50x)",
        ms(resolve) / ms(parse)
    );
    Ok(())
}
