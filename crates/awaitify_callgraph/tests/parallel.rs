//! `calls_in_parallel` computes every per-file query the call graph reads in parallel
//! stages, so building the graph afterwards analyses nothing again.

use awaitify_callgraph::{CallsStage, call_graph, calls_in_parallel};
use awaitify_db::RootDatabase;

#[test]
fn the_graph_only_merges_what_the_stages_computed() {
    let mut db = RootDatabase::new(vec!["/p".into()]);
    db.set_file(
        "/p/shapes.py",
        "class Shape:\n    def area(self):\n        return 0\n\nclass Square(Shape):\n    def area(self):\n        return side()\n\ndef side():\n    return 2\n\nclass Canvas:\n    def __init__(self):\n        self.shapes = [Square()]\n\n    def total(self):\n        return sum(s.area() for s in self.shapes)\n",
    );
    db.set_file(
        "/p/main.py",
        "from shapes import Square\n\ndef total(shapes):\n    return sum(s.area() for s in shapes)\n\nprint(Square().area())\n",
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("thread pool");
    let parallel = db.clone();
    let stages = pool.install(move || {
        let mut stages = Vec::new();
        calls_in_parallel(&parallel, |stage| stages.push(stage));
        stages
    });
    assert_eq!(
        stages,
        [
            CallsStage::Summaries,
            CallsStage::BaseClasses,
            CallsStage::Hierarchy,
            CallsStage::Calls,
        ]
    );
    db.start_logging_executions();
    let graph = call_graph(&db);
    let executed = db.take_executions();
    // The graph names units by module (`module_name`, a lookup of the path); the
    // analysis of every file comes from the stages.
    let analysis = [
        "lowered_file",
        "semantic_index",
        "module_symbols",
        "file_attributes_handed_on",
        "project_attributes_handed_on",
        "file_resolutions",
        "file_class_bases",
        "class_hierarchy",
        "file_calls",
    ];
    let recomputed: Vec<&String> = executed
        .iter()
        .filter(|entry| analysis.iter().any(|query| entry.starts_with(query)))
        .collect();
    assert!(
        recomputed.is_empty(),
        "the graph computed analysis queries itself: {recomputed:#?}"
    );
    assert_eq!(
        graph.edges["shapes.Square.area"].iter().collect::<Vec<_>>(),
        ["shapes.side"]
    );
    // The loop over `self.shapes` takes its `Square`s.
    assert!(graph.edges["shapes.Canvas.total"].contains("shapes.Square.area"));
}
