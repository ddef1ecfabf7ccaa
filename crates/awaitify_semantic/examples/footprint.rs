//! Counts HIR nodes, uses and bindings over a directory, to size data structures.
fn main() {
    let dir = std::env::args().nth(1).expect("a directory");
    let mut paths = Vec::new();
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if !path.ends_with("site-packages") {
                    walk(&path, out)
                }
            } else if path.extension().is_some_and(|e| e == "py") {
                out.push(path)
            }
        }
    }
    walk(std::path::Path::new(&dir), &mut paths);
    let mut db = awaitify_db::RootDatabase::new(vec![dir.clone().into()]);
    let files: Vec<_> = paths
        .iter()
        .filter_map(|p| {
            std::fs::read_to_string(p)
                .ok()
                .map(|t| db.set_file(p.clone(), t))
        })
        .collect();
    let (mut exprs, mut stmts, mut uses, mut bindings, mut bodies) = (0, 0, 0, 0, 0);
    for f in &files {
        let hir = awaitify_hir::file_hir(&db, *f);
        for (_, b) in hir.bodies() {
            exprs += b.exprs.len();
            stmts += b.stmts.len();
            bodies += 1;
        }
        let index = awaitify_semantic::semantic_index(&db, *f);
        uses += index.uses.len();
        bindings += index.bindings.len();
    }
    println!("exprs {exprs} stmts {stmts} bodies {bodies} uses {uses} bindings {bindings}");
    println!(
        "sizes: Expr {} Stmt {} Use {} Binding {}",
        std::mem::size_of::<awaitify_hir::hir::Expr>(),
        std::mem::size_of::<awaitify_hir::hir::Stmt>(),
        std::mem::size_of::<awaitify_semantic::index::Use>(),
        std::mem::size_of::<awaitify_semantic::index::Binding>()
    );
}
