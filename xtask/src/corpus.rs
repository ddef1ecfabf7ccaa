//! `cargo xtask corpus`: the release binary over the machine's CPython standard library,
//! as one project, with `--verify`. Prints how many files were rewritten, how many
//! verified, the diagnostics by code, and whether every rewritten file compiles under
//! CPython with top-level await allowed. Exits 1 when a rewrite does not verify or
//! compile.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn run() -> Result<(), String> {
    let root = crate::repo_root();
    let status = Command::new("cargo")
        .args(["build", "--release", "-q", "-p", "awaitify"])
        .current_dir(&root)
        .status()
        .map_err(|error| format!("cargo: {error}"))?;
    if !status.success() {
        return Err("building the release binary failed".into());
    }
    let binary = root.join("target/release/awaitify");
    let stdlib = awaitify_test::try_stdlib_dir()?;
    let work = std::env::temp_dir().join(format!("awaitify-corpus-{}", std::process::id()));
    let input = work.join("input");
    let output = work.join("output");
    let files = awaitify_test::python_files(&stdlib);
    for file in &files {
        let relative = file
            .strip_prefix(&stdlib)
            .map_err(|error| error.to_string())?;
        let destination = input.join(relative);
        std::fs::create_dir_all(destination.parent().expect("a file has a parent"))
            .map_err(|error| error.to_string())?;
        std::fs::copy(file, &destination).map_err(|error| error.to_string())?;
    }
    let started = std::time::Instant::now();
    let run = Command::new(&binary)
        .arg("transform")
        .arg(&input)
        .arg("--out-dir")
        .arg(&output)
        .args(["--verify", "--output-format", "json"])
        .output()
        .map_err(|error| format!("awaitify: {error}"))?;
    let elapsed = started.elapsed();
    let parsed: serde_json::Value = serde_json::from_slice(&run.stderr)
        .map_err(|error| format!("awaitify did not print a JSON array of diagnostics: {error}"))?;
    let diagnostics: Vec<(String, String)> = parsed
        .as_array()
        .into_iter()
        .flatten()
        .map(|diagnostic| {
            let field = |key: &str| diagnostic[key].as_str().unwrap_or_default().to_string();
            (field("code"), field("name"))
        })
        .collect();
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    for (code, name) in &diagnostics {
        *by_code.entry(format!("{code} {name}")).or_default() += 1;
    }
    let mut written = Vec::new();
    collect(&output, &mut written);
    let rewritten: Vec<PathBuf> = written
        .iter()
        .filter(|path| {
            let relative = path.strip_prefix(&output).expect("under output");
            std::fs::read(path).ok() != std::fs::read(input.join(relative)).ok()
        })
        .cloned()
        .collect();
    let script = "import ast, sys\nbad = 0\nfor path in sys.argv[1:]:\n    try:\n        compile(open(path, encoding='utf-8').read(), path, 'exec', flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)\n    except SyntaxError as error:\n        bad += 1\n        print(path, error)\nprint(bad)\n";
    let compiled = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&rewritten)
        .output()
        .map_err(|error| format!("python3: {error}"))?;
    let compile_failures: usize = String::from_utf8_lossy(&compiled.stdout)
        .lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .unwrap_or(usize::MAX);
    let unverified = diagnostics
        .iter()
        .filter(|(code, _)| code == "AW301")
        .count();
    println!("corpus: {} ({} files)", stdlib.display(), files.len());
    println!(
        "transform --verify: {:.2} s, exit {}",
        elapsed.as_secs_f64(),
        run.status.code().unwrap_or(-1)
    );
    println!(
        "written: {}, rewritten: {}, rewrites that do not verify: {unverified}, that do not compile: {compile_failures}",
        written.len(),
        rewritten.len()
    );
    println!("diagnostics by code:");
    for (code, count) in &by_code {
        println!("  {count:>6}  {code}");
    }
    let _ = std::fs::remove_dir_all(&work);
    if unverified > 0 || compile_failures > 0 {
        return Err("the corpus run found rewrites that do not verify or compile".into());
    }
    Ok(())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path);
        }
    }
}
