//! `cargo xtask bench`: one run over the machine's CPython standard library.
//!
//! Prints the parse floor (ruff_python_parser alone), the analysis up to resolved names
//! (parse + lower + scopes/use-def + resolution, through the salsa queries), and the full
//! cold pipeline (parse to printed output, every file rewritten) single-threaded and on
//! every core, with their ratios to the parse floor and to CPython's `ast.parse` over the
//! same files. Each figure is the best of `--runs` (default 3); a database is dropped
//! after its clock stops, as the `awaitify` binary exits without freeing its own, and
//! the memory it frees is kept for the next run rather than zeroed again by the kernel
//! (see `awaitify::allocator::keep_freed_memory`).
//!
//! - `--stages` adds parse + lower and parse + lower + index without salsa.
//! - `--only parse|lower|resolve|pipeline|parallel` times one stage alone (`parallel`:
//!   the full pipeline on every core), for a profiler to attach to.
//! - `--only phases` runs the single-threaded pipeline one salsa stage at a time and
//!   prints each stage's time per run (the first run pays for fresh memory) and the peak
//!   resident memory.
//! - `--only parallel-stages` runs the pipeline on every core and prints, per run, when
//!   each stage of `analyze_in_parallel` ended.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use awaitify_db::RootDatabase;
use ruff_python_ast::ModModule;
use ruff_python_parser::Parsed;

/// A fresh database holding every source: each timed run starts cold.
fn load(root: &Path, sources: &[(PathBuf, String)]) -> (RootDatabase, Vec<awaitify_db::File>) {
    let mut db = RootDatabase::new(vec![root.to_path_buf()]);
    let files = sources
        .iter()
        .map(|(path, text)| db.set_file(path.clone(), text.clone()))
        .collect();
    (db, files)
}

/// The best time of `runs` calls of `f`. What `f` returns (a database, say) is dropped
/// after the clock stops: the `awaitify` binary exits without freeing its database.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let result = f();
            let elapsed = start.elapsed();
            drop(result);
            elapsed
        })
        .min()
        .unwrap_or_default()
}

/// CPython's own `ast.parse` over the same files, timed inside one interpreter (reading
/// the files is not timed), best of `runs`.
fn cpython_ast_parse(sources: &[(PathBuf, String)], runs: usize) -> Result<Duration, String> {
    let list = std::env::temp_dir().join("awaitify-bench-files.txt");
    let paths: Vec<String> = sources
        .iter()
        .map(|(path, _)| path.display().to_string())
        .collect();
    std::fs::write(&list, paths.join("\n")).map_err(|error| error.to_string())?;
    let script = format!(
        "import ast, sys, time\nsources = [open(p, encoding='utf-8').read() for p in open(sys.argv[1]).read().splitlines()]\nbest = None\nfor _ in range({runs}):\n    start = time.perf_counter()\n    for source in sources:\n        try:\n            ast.parse(source)\n        except (SyntaxError, ValueError):\n            pass\n    elapsed = time.perf_counter() - start\n    best = elapsed if best is None else min(best, elapsed)\nprint(best)\n"
    );
    let output = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&list)
        .output()
        .map_err(|error| format!("python3: {error}"))?;
    let seconds: f64 = String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|_| {
            format!(
                "python3 failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    Ok(Duration::from_secs_f64(seconds))
}

pub fn run(args: &[String]) -> Result<(), String> {
    // Each run allocates a database afresh; the kernel's zeroing of the pages the
    // previous run freed is not the pipeline's work.
    awaitify::allocator::keep_freed_memory();
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
    let root = awaitify_test::try_stdlib_dir()?;
    let paths = awaitify_test::python_files(&root);
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

    let resolve = || {
        best_of(runs, || {
            let (db, files) = load(&root, &sources);
            for file in &files {
                std::hint::black_box(awaitify_semantic::file_resolutions(&db, *file));
            }
            db
        })
    };
    let pipeline = |threads: Option<usize>| {
        // Built once: starting its threads is not part of the work timed.
        let pool = threads.map(thread_pool);
        best_of(runs, || {
            let (db, files) = load(&root, &sources);
            let settings =
                awaitify_rewrite::Settings::new(&db, awaitify_rewrite::RuleSet::default());
            match &pool {
                None => {
                    for file in &files {
                        std::hint::black_box(awaitify_rewrite::file_rewrite(&db, *file, settings));
                    }
                    db
                }
                Some(pool) => pool.install(move || {
                    awaitify_rewrite::analyze_in_parallel(&db, settings);
                    db
                }),
            }
        })
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    // `--only STAGE` times one stage alone, for a profiler to attach to.
    let only = args
        .iter()
        .position(|arg| arg == "--only")
        .and_then(|index| args.get(index + 1))
        .map(String::as_str);
    if let Some(stage) = only {
        let elapsed = match stage {
            "phases" => {
                phases(&root, &sources, runs);
                return Ok(());
            }
            "parallel-stages" => {
                parallel_stages(&root, &sources, runs, cores);
                return Ok(());
            }
            "resolve" => resolve(),
            "pipeline" => pipeline(None),
            "parallel" => pipeline(Some(cores)),
            "parse" => parse_only(&sources, runs),
            "lower" => parse_and_lower(&sources, runs),
            other => {
                return Err(format!(
                    "--only: unknown stage {other} (parse, lower, resolve, pipeline, parallel, phases, parallel-stages)"
                ));
            }
        };
        println!("{stage}: {:.1} ms", elapsed.as_secs_f64() * 1000.0);
        return Ok(());
    }
    let parse = parse_only(&sources, runs);
    let use_def = best_of(runs, || {
        let (db, files) = load(&root, &sources);
        for file in &files {
            std::hint::black_box(awaitify_semantic::semantic_index(&db, *file));
        }
        db
    });
    let resolve = resolve();
    let full_single = pipeline(None);
    let full_multi = pipeline(Some(cores));
    let cpython = cpython_ast_parse(&sources, runs)?;
    let ms = |duration: Duration| duration.as_secs_f64() * 1000.0;
    if args.iter().any(|arg| arg == "--stages") {
        let lower = parse_and_lower(&sources, runs);
        let index = each_parsed(&sources, runs, |text, parsed| {
            let (hir, _) = awaitify_hir::lower_module(text, &mut parsed.into_syntax());
            let mut star =
                |_: Option<&awaitify_hir::hir::Name>, _: u32| awaitify_semantic::StarNames::Opaque;
            std::hint::black_box(awaitify_semantic::SemanticIndex::build(&hir, &mut star));
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
        "parse + lower + scopes/use-def (salsa), 1 thread:  {:>8.1} ms  ({:.2}x the parse floor)",
        ms(use_def),
        ms(use_def) / ms(parse)
    );
    println!(
        "parse + lower + resolve (salsa queries), 1 thread: {:>8.1} ms",
        ms(resolve)
    );
    println!(
        "ratio to the parse floor:                          {:>8.2}x (target <= 1.50x)",
        ms(resolve) / ms(parse)
    );
    println!(
        "full pipeline (parse to printed output), 1 thread: {:>8.1} ms  ({:.2}x the parse floor; target <= 2x)",
        ms(full_single),
        ms(full_single) / ms(parse)
    );
    println!(
        "full pipeline, {cores} threads:                        {:>8.1} ms  ({:.2}x the parse floor)",
        ms(full_multi),
        ms(full_multi) / ms(parse)
    );
    println!(
        "CPython ast.parse, same files:                     {:>8.1} ms",
        ms(cpython)
    );
    println!(
        "full pipeline / CPython ast.parse:                 {:>8.2}x (1 thread), {:.2}x ({cores} threads); target <= 0.15x",
        ms(full_single) / ms(cpython),
        ms(full_multi) / ms(cpython)
    );
    Ok(())
}

/// The best time of `runs` passes that parse every source with ruff's parser and hand
/// each parse to `each`, without salsa; whatever `each` keeps is dropped file by file.
fn each_parsed(
    sources: &[(PathBuf, String)],
    runs: usize,
    mut each: impl FnMut(&str, Parsed<ModModule>),
) -> Duration {
    best_of(runs, || {
        for (_, text) in sources {
            each(
                text,
                ruff_python_parser::parse_unchecked_source(
                    text,
                    ruff_python_ast::PySourceType::Python,
                ),
            );
        }
    })
}

/// A pool of `threads` threads, for the parallel pipeline.
fn thread_pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool")
}

/// ruff's parser alone over every source, dropping each tree: the floor.
fn parse_only(sources: &[(PathBuf, String)], runs: usize) -> Duration {
    each_parsed(sources, runs, |_, parsed| {
        std::hint::black_box(&parsed);
    })
}

/// Parsing and lowering every source without salsa, dropping each HIR.
fn parse_and_lower(sources: &[(PathBuf, String)], runs: usize) -> Duration {
    each_parsed(sources, runs, |text, parsed| {
        std::hint::black_box(awaitify_hir::lower_module(text, &mut parsed.into_syntax()));
    })
}

/// The process's minor page faults so far (first touches of fresh memory), from
/// `/proc/self/stat`; 0 where that file does not exist.
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; minflt is the 10th field overall.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.split_whitespace().nth(7))
        .and_then(|field| field.parse().ok())
        .unwrap_or(0)
}

/// The process's resident memory now, in MB, from `/proc/self/statm`; 0 elsewhere.
fn resident_mb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .unwrap_or(0);
    pages * 4096 / (1024 * 1024)
}

/// `--only phases`: each salsa stage of the single-threaded pipeline in turn, per run,
/// with the process's peak resident memory at the end.
fn phases(root: &Path, sources: &[(PathBuf, String)], runs: usize) {
    for run in 1..=runs {
        let (db, files) = load(root, sources);
        let settings = awaitify_rewrite::Settings::new(&db, awaitify_rewrite::RuleSet::default());
        let faults_before = minor_faults();
        let mut clock = Instant::now();
        let mut line = format!("run {run}:");
        let mut lap = |phase: &str, line: &mut String| {
            line.push_str(&format!(
                " {phase} {:.0} ms ({} MB),",
                clock.elapsed().as_secs_f64() * 1000.0,
                resident_mb()
            ));
            clock = Instant::now();
        };
        for file in &files {
            std::hint::black_box(awaitify_hir::lowered_file(&db, *file));
        }
        lap("parse+lower", &mut line);
        for file in &files {
            std::hint::black_box(awaitify_semantic::semantic_index(&db, *file));
        }
        lap("index", &mut line);
        for file in &files {
            std::hint::black_box(awaitify_semantic::file_resolutions(&db, *file));
        }
        lap("resolve", &mut line);
        for file in &files {
            std::hint::black_box(awaitify_callgraph::file_calls(&db, *file));
        }
        lap("calls", &mut line);
        std::hint::black_box(awaitify_rewrite::async_coloring(&db, settings));
        lap("coloring", &mut line);
        for file in &files {
            std::hint::black_box(awaitify_rewrite::file_rewrite(&db, *file, settings));
        }
        lap("print", &mut line);
        drop(db);
        lap("drop", &mut line);
        line.push_str(&format!(
            " page faults {}",
            minor_faults().saturating_sub(faults_before)
        ));
        println!("{line}");
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(peak) = status.lines().find(|line| line.starts_with("VmHWM")) {
        println!("peak resident memory: {}", peak["VmHWM:".len()..].trim());
    }
}

/// `--only parallel-stages`: the pipeline on `threads` threads, with the time at which
/// each stage of `analyze_in_parallel` ended, per run.
fn parallel_stages(root: &Path, sources: &[(PathBuf, String)], runs: usize, threads: usize) {
    let pool = thread_pool(threads);
    for run in 1..=runs {
        let (db, _) = load(root, sources);
        let settings = awaitify_rewrite::Settings::new(&db, awaitify_rewrite::RuleSet::default());
        let (line, db) = pool.install(move || {
            let start = Instant::now();
            let mut line = format!("run {run} ({threads} threads), ms at the end of:");
            awaitify_rewrite::analyze_in_parallel_with(&db, settings, |stage| {
                line.push_str(&format!(
                    " {} {:.0},",
                    stage.name(),
                    start.elapsed().as_secs_f64() * 1000.0
                ));
            });
            (line, db)
        });
        println!("{}", line.trim_end_matches(','));
        drop(db);
    }
}
