//! The rewrite: rules, async coloring, edits and the lossless printer.
//!
//! Pipeline (each a salsa query or built from them):
//! - [`seeds::file_seeds`]: calls a rule rewrites, per file.
//! - [`async_coloring`] (project): which units become async and which cannot
//!   ([`coloring`]).
//! - [`file_rewrite`]: the new text of one file ([`rewrite`], [`print`]).
//! - [`project_diagnostics`]: every diagnostic, sorted by file and position.
//!
//! Embedders create a [`Settings`] input with the rules in force and ask for
//! [`file_rewrite`] of each file; the CLI does exactly that.
//!
//! Depends on the call graph and name resolution; may not depend on the CLI or on
//! equivalence checking.

mod arguments;
pub mod coloring;
mod decorators;
mod enumerations;
pub mod escapes;
pub mod explain;
pub mod print;
pub mod rewrite;
pub mod rule_names;
pub mod rules;
pub mod seeds;
mod stop_iteration;
mod with_split;

use std::sync::Arc;

use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use ruff_text_size::{TextRange, TextSize};

pub use coloring::Coloring;
pub use rules::{RuleAction, RuleSet, discover_rules};

/// The rules in force for a project.
#[salsa::input(debug)]
pub struct Settings {
    #[returns(ref)]
    pub rules: RuleSet,
    /// The configuration file the rules were read from, with its text, when diagnostics
    /// may point into it: a file outside the project
    /// (`RootDatabase::set_outside_file`). Without one, a diagnostic about a rule names
    /// the configuration's path alone.
    #[default]
    #[returns(copy)]
    pub config: Option<File>,
}

/// The coloring of the whole project.
#[salsa::tracked(returns(ref))]
pub fn async_coloring(db: &dyn Db, settings: Settings) -> Arc<Coloring> {
    Arc::new(coloring::color(db, settings))
}

/// The project's call graph (see [`awaitify_callgraph::call_graph`]) with the method
/// calls through parameters that the coloring follows to what every caller passes (see
/// [`coloring::parameters`]): `def show(svc): svc.get("a")` calls `Service.get` when
/// every call of `show` passes a `Service`.
pub fn call_graph_with_parameters(
    db: &dyn Db,
    settings: Settings,
) -> awaitify_callgraph::CallGraph {
    let mut graph = awaitify_callgraph::call_graph(db).as_ref().clone();
    let coloring = async_coloring(db, settings);
    let mut followed: Vec<(&coloring::SiteKey, &Box<[awaitify_semantic::Target]>)> =
        coloring.parameter_targets.iter().collect();
    followed.sort_by_key(|((file, index), _)| (file.path(db).clone(), *index));
    for ((file, index), targets) in followed {
        let site = &awaitify_callgraph::file_calls(db, *file).sites[*index];
        let caller = awaitify_callgraph::unit_name(db, *file, site.body);
        let callees = graph.edges.entry(caller).or_default();
        for target in targets.iter() {
            callees.insert(awaitify_semantic::resolve::target_name(db, target));
        }
    }
    graph
}

/// The rewrite of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRewrite {
    /// The new text, or `None` when nothing changes (or the file must not be written).
    pub output: Option<String>,
    /// Problems that concern this file alone (syntax errors, an internal failure).
    pub errors: Vec<Diagnostic>,
}

#[salsa::tracked(returns(ref))]
pub fn file_rewrite(db: &dyn Db, file: File, settings: Settings) -> FileRewrite {
    if file.decoded_lossily(db) {
        // Whoever decoded it reports why (`unreadable-file`); its syntax errors would
        // only echo the replacement characters.
        return FileRewrite {
            output: None,
            errors: Vec::new(),
        };
    }
    let syntax = awaitify_hir::syntax_diagnostics(db, file);
    if !syntax.is_empty() {
        return FileRewrite {
            output: None,
            errors: syntax,
        };
    }
    let coloring = async_coloring(db, settings);
    let edits = rewrite::file_edits(db, file, settings, coloring);
    if edits.is_empty() {
        return FileRewrite {
            output: None,
            errors: Vec::new(),
        };
    }
    let source = file.text(db);
    let failure = |message: String, at: TextSize| FileRewrite {
        output: None,
        errors: vec![
            Diagnostic::error(Code::VerificationFailed, message)
                .with_primary(Label::new(
                    file,
                    TextRange::empty(at),
                    "the rewrite went wrong here",
                ))
                .with_note(
                    "this is a bug in awaitify; the file is left unchanged, and so is every \
                     other file of the project, since they may depend on its rewrite",
                ),
        ],
    };
    match print::apply_edits(source, &edits) {
        Ok(output) => match ruff_python_parser::parse_module(&output) {
            Ok(_) => FileRewrite {
                output: (output != source).then_some(output),
                errors: Vec::new(),
            },
            Err(error) => failure(
                format!("the rewritten file would not parse: {}", error.error),
                print::source_offset(&edits, error.location.start()),
            ),
        },
        Err((message, at)) => failure(message, at),
    }
}

/// Whether the rewrite of some file of the project failed its own check (the output
/// would not parse). The files of a project change together, so then none may be written.
pub fn has_internal_failure(db: &dyn Db, settings: Settings) -> bool {
    db.project().files(db).iter().any(|file| {
        file_rewrite(db, *file, settings)
            .errors
            .iter()
            .any(|error| error.code == Code::VerificationFailed)
    })
}

/// Every diagnostic about the project under `settings`, sorted by file and position.
pub fn project_diagnostics(db: &dyn Db, settings: Settings) -> Vec<Diagnostic> {
    let files = awaitify_db::files_by_path(db);
    let mut diagnostics = Vec::new();
    for file in &files {
        let rewrite = file_rewrite(db, *file, settings);
        diagnostics.extend(rewrite.errors.iter().cloned());
        if awaitify_hir::is_rewritable(db, *file) {
            diagnostics.extend(explain::seed_diagnostics(db, *file, settings));
        }
    }
    diagnostics.extend(explain::coloring_diagnostics(
        db,
        settings,
        async_coloring(db, settings),
    ));
    diagnostics.extend(rule_names::rule_diagnostics(db, settings));
    sort_diagnostics(db, &mut diagnostics);
    diagnostics
}

/// Sorts by file path, then position, then code.
pub fn sort_diagnostics(db: &dyn Db, diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |diagnostic: &Diagnostic| {
            (
                diagnostic.file().map(|file| file.path(db).clone()),
                diagnostic.primary.as_ref().map(|label| label.range.start()),
                diagnostic.code,
            )
        };
        key(a).cmp(&key(b))
    });
}

/// A stage of [`analyze_in_parallel`], in the order they run. The per-file stages run on
/// every core; the others are one query for the whole project, on one thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Each file parsed, lowered, indexed and summarised (`module_symbols`).
    Summaries,
    /// Each file's base classes resolved (`file_class_bases`).
    BaseClasses,
    /// The class hierarchy and the names of the project's functions.
    Hierarchy,
    /// Each file's call sites (`file_calls`, with every name use resolved).
    Calls,
    /// Each file's calls of project functions, by callee (`file_call_edges`): computed
    /// with each file's call sites, so it ends with [`Stage::Calls`].
    CallEdges,
    /// Each file's stores to attributes of outside modules, its seeds and where
    /// `StopIteration` may leave its functions; meanwhile one thread follows the objects
    /// handed to outside code (`escaped_classes`).
    Seeds,
    /// The coloring of the whole project.
    Coloring,
    /// Each file's rewrite.
    Rewrite,
}

impl Stage {
    pub fn name(self) -> &'static str {
        match self {
            Stage::Summaries => "summaries",
            Stage::BaseClasses => "bases",
            Stage::Hierarchy => "hierarchy",
            Stage::Calls => "calls",
            Stage::CallEdges => "edges",
            Stage::Seeds => "seeds",
            Stage::Coloring => "coloring",
            Stage::Rewrite => "rewrite",
        }
    }
}

/// Computes the whole rewrite on every core, in stages that do not wait on each other
/// (see [`Stage`]). A project-wide query runs on one thread while the others wait, so
/// each runs only once every per-file query it reads is computed. Afterwards every query
/// above answers from memory.
///
/// It runs on rayon's global pool, whose threads get a 2 MB stack by default: deeply
/// nested code (thousands of `elif`s) needs more. The `awaitify` binary builds the pool
/// with a 1 GB stack (reserved, not committed); an embedder should do the same.
pub fn analyze_in_parallel<D>(db: &D, settings: Settings)
where
    D: Db + Clone + Send + 'static,
{
    analyze_in_parallel_with(db, settings, |_| {});
}

/// [`analyze_in_parallel`], calling `finished` as each stage ends: for progress reports,
/// or to time the stages (`cargo xtask bench --only parallel-stages`).
pub fn analyze_in_parallel_with<D>(db: &D, settings: Settings, mut finished: impl FnMut(Stage))
where
    D: Db + Clone + Send + 'static,
{
    use awaitify_callgraph::CallsStage;
    use rayon::prelude::*;
    // Each file's call edges (read by the escape walk, which starts next on one thread)
    // right after its call sites, while they are in the caches.
    awaitify_callgraph::calls_in_parallel_then(
        db,
        |stage| {
            finished(match stage {
                CallsStage::Summaries => Stage::Summaries,
                CallsStage::BaseClasses => Stage::BaseClasses,
                CallsStage::Hierarchy => Stage::Hierarchy,
                CallsStage::Calls => Stage::Calls,
            })
        },
        |db, file| {
            coloring::file_call_edges(db, file);
        },
    );
    let files: Vec<File> = db.project().files(db).clone();
    finished(Stage::CallEdges);
    // The methods outside code may call are found by one thread, from every file's
    // calls, while the others compute each file's stores and seeds; the thread joins
    // them when it is done.
    let escapes_db = db.clone();
    let seeds_db = db.clone();
    let seeds_files = &files;
    rayon::join(
        move || {
            escapes::escaped_classes(&escapes_db);
        },
        move || {
            // A file's seeds need every file's attribute stores (`time.sleep = fake`
            // anywhere in the project). Without a pass of their own, the first file to
            // ask would compute every other file's stores on its thread alone.
            seeds_files
                .par_iter()
                .for_each_with(seeds_db.clone(), |db, file| {
                    seeds::file_external_stores(db, *file);
                    seeds::file_private_loop_work(db, *file);
                });
            seeds::project_external_stores(&seeds_db);
            seeds::project_private_loop_work(&seeds_db);
            seeds_files.par_iter().for_each_with(seeds_db, |db, file| {
                seeds::file_seeds(db, *file, settings);
                stop_iteration::file_stop_iteration(db, *file);
            });
        },
    );
    finished(Stage::Seeds);
    async_coloring(db, settings);
    print::star_imported_modules(db);
    finished(Stage::Coloring);
    files.par_iter().for_each_with(db.clone(), |db, file| {
        file_rewrite(db, *file, settings);
    });
    finished(Stage::Rewrite);
}
