//! `analyze_in_parallel` computes the rewrite in stages: every per-file query runs inside
//! a parallel stage, so none runs inside a project-wide query, where it would hold every
//! other thread waiting for that query to finish. One pair is left to be asked: what
//! each file hands on (`file_attributes_handed_on`), which only a loop over a mutable
//! container held in a global or on `self` needs, and most projects have none.

use awaitify_db::{File, RootDatabase};
use awaitify_rewrite::{RuleSet, Settings, Stage, analyze_in_parallel_with, file_rewrite};

/// A project whose files call and import each other, patch a module attribute
/// (`time.sleep = ...`, which every file's seeds must know about), loop over a list
/// stored on `self` (which asks what every file hands on, see the module's doc) and get
/// rewritten.
const PROJECT: &[(&str, &str)] = &[
    (
        "/p/helpers.py",
        "import time\n\nclass Worker:\n    def run(self):\n        time.sleep(1)\n\nclass Team:\n    def __init__(self):\n        self.workers = [Worker()]\n\n    def run(self):\n        for worker in self.workers:\n            worker.run()\n\ndef pause():\n    time.sleep(0.5)\n",
    ),
    (
        "/p/page.py",
        "from helpers import Worker, pause\n\ndef show():\n    Worker().run()\n    pause()\n",
    ),
    (
        "/p/patch.py",
        "import os\n\ndef fake(seconds):\n    pass\n\nos.getcwd = fake\n",
    ),
    (
        "/p/main.py",
        "import asyncio\nimport page\n\nasync def main():\n    page.show()\n\nif __name__ == \"__main__\":\n    asyncio.run(main())\n",
    ),
];

/// Queries computed once per file, in the order of the stages that compute them.
const PER_FILE: &[&str] = &[
    "lowered_file",
    "semantic_index",
    "module_symbols",
    "file_module_stores",
    "file_class_bases",
    "file_resolutions",
    "file_calls",
    "file_call_edges",
    "file_external_stores",
    "file_private_loop_work",
    "file_seeds",
    "file_stop_iteration",
    "file_rewrite",
];

/// Queries computed once for the whole project, each by one thread, with the first
/// per-file query of the stages that run after it, or beside it: the escape walk runs
/// while the other threads compute each file's stores and seeds.
const PROJECT_WIDE: &[(&str, &str)] = &[
    ("project_attribute_stores", "file_module_stores"),
    ("project_module_stores", "file_class_bases"),
    ("class_hierarchy", "file_resolutions"),
    ("project_function_names", "file_resolutions"),
    ("project_external_stores", "file_seeds"),
    ("project_private_loop_work", "file_seeds"),
    ("project_callers", "file_external_stores"),
    ("escaped_classes", "file_external_stores"),
    ("async_coloring", "file_rewrite"),
];

fn stage_order(query: &str) -> Option<usize> {
    PER_FILE.iter().position(|known| *known == query)
}

fn query_name(entry: &str) -> &str {
    entry.split('(').next().unwrap_or(entry)
}

#[test]
fn no_per_file_query_runs_inside_a_project_wide_one() {
    let mut db = RootDatabase::new(vec!["/p".into()]);
    let files: Vec<File> = PROJECT
        .iter()
        .map(|(path, text)| db.set_file(*path, *text))
        .collect();
    let settings = Settings::new(&db, RuleSet::default());
    db.start_logging_executions();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let parallel = db.clone();
    let stages = pool.install(move || {
        let mut stages = Vec::new();
        analyze_in_parallel_with(&parallel, settings, |stage| stages.push(stage));
        stages
    });
    let log = db.take_executions();
    assert_eq!(
        stages,
        [
            Stage::Summaries,
            Stage::BaseClasses,
            Stage::Hierarchy,
            Stage::Calls,
            Stage::CallEdges,
            Stage::Seeds,
            Stage::Coloring,
            Stage::Rewrite,
        ],
        "each stage is reported once, in order"
    );

    for (stage, first_later) in PROJECT_WIDE {
        let Some(start) = log.iter().position(|entry| query_name(entry) == *stage) else {
            panic!("{stage} did not run: {log:#?}");
        };
        // The stage runs on one thread; whatever per-file query runs after it, up to the
        // next project-wide query, ran inside it unless it belongs to a later stage.
        let later = stage_order(first_later).expect("a per-file query");
        let inside: Vec<&String> = log[start + 1..]
            .iter()
            .take_while(|entry| {
                !PROJECT_WIDE
                    .iter()
                    .any(|(other, _)| query_name(entry) == *other)
            })
            .filter(|entry| stage_order(query_name(entry)).is_some_and(|order| order < later))
            .collect();
        assert!(
            inside.is_empty(),
            "{stage} computed per-file queries itself: {inside:#?}\nwhole log: {log:#?}"
        );
    }

    // What each file hands on is computed when the loop over `self.workers` asks, by the
    // project-wide query, and by nothing before it.
    let asked = log
        .iter()
        .position(|entry| query_name(entry) == "project_attributes_handed_on")
        .unwrap_or_else(|| panic!("the loop over a container did not ask: {log:#?}"));
    let handed_on: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, entry)| query_name(entry) == "file_attributes_handed_on")
        .map(|(position, _)| position)
        .collect();
    assert_eq!(handed_on.len(), files.len(), "{log:#?}");
    assert!(
        handed_on.iter().all(|position| *position > asked),
        "{log:#?}"
    );

    // Everything the rewrite needs was computed by the stages: asking again runs nothing.
    for file in &files {
        file_rewrite(&db, *file, settings);
    }
    assert_eq!(db.take_executions(), Vec::<String>::new());
    for (file, (path, _)) in files.iter().zip(PROJECT) {
        let rewritten = file_rewrite(&db, *file, settings).output.is_some();
        assert_eq!(rewritten, *path != "/p/patch.py", "{path}");
    }
}
