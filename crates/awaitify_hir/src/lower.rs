//! Lowering from ruff's AST to the HIR of [`crate::hir`], with positions recorded in
//! [`crate::source_map`].
//!
//! This module owns the single pass that turns a parsed `ModModule` into a [`FileHir`] and
//! its [`FileSourceMap`].
//!
//! Invariants:
//! - Functions and classes are allocated in source pre-order: an item's id is taken when
//!   its `def`/`class` statement is reached, before anything nested in it.
//! - Statements are allocated in pre-order (a compound statement before its children), so a
//!   body's statement arena is in source order; expressions and patterns in post-order.
//! - An item's header expressions go to the parent body's arenas, its statements to its
//!   own body. Lambdas and comprehensions stay in the enclosing body.
//! - Every expression, statement and pattern gets a range; recovery nodes never panic.
//! - Nesting depth is bounded only by the parser (which grows its stack), so the recursive
//!   walks here grow theirs too, through [`grow_stack`].

use la_arena::{Arena, ArenaMap, Idx, RawIdx};
use ruff_python_ast as ast;
use ruff_text_size::{Ranged, TextRange, TextSize};

use crate::hir::{
    Alias, Body, BodyId, Class, ClassId, Comprehension, DictItem, ExceptHandler, Expr, ExprContext,
    ExprId, FileHir, Function, FunctionId, InterpolatedKind, InterpolatedPart, Keyword, Literal,
    MatchCase, NameCounts, Param, Params, PatId, Pattern, Singleton, Stmt, StmtId, TypeParam,
    TypeParamKind, TypeParams, WithItem, index_of,
};
use crate::source_map::{BodySourceMap, FileSourceMap, NameSite};

/// Lowers a parsed module. `source` is the text it was parsed from.
///
/// The tree is taken mutably because lowering moves string values and names out of it
/// rather than copying them: callers drop it afterwards.
pub fn lower_module(source: &str, module: &mut ast::ModModule) -> (FileHir, FileSourceMap) {
    let mut spare = SPARE_BUILDERS.take();
    let mut lowerer = Lowerer {
        source,
        cur: spare.pop().unwrap_or_default(),
        spare,
        cur_id: BodyId::Module,
        functions: Arena::new(),
        classes: Arena::new(),
        function_maps: ArenaMap::default(),
        class_maps: ArenaMap::default(),
        text: String::new(),
        depth: 0,
    };
    let block = lowerer.lower_block(&mut module.body);
    let (module_body, module_map) = lowerer.cur.finish(block);
    lowerer.spare.push(std::mem::take(&mut lowerer.cur));
    SPARE_BUILDERS.set(std::mem::take(&mut lowerer.spare));
    let hir = FileHir {
        module: module_body,
        functions: lowerer.functions,
        classes: lowerer.classes,
    };
    let source_map = FileSourceMap {
        module: module_map,
        functions: lowerer.function_maps,
        classes: lowerer.class_maps,
    };
    (hir, source_map)
}

thread_local! {
    /// Emptied body builders, kept from file to file on each thread: their vectors have
    /// grown to the size of the largest bodies lowered so far, so the next file's bodies
    /// fill them without reallocating.
    static SPARE_BUILDERS: std::cell::Cell<Vec<BodyBuilder>> = const { std::cell::Cell::new(Vec::new()) };
}

/// How many nested calls may run between two checks of the remaining stack.
const GROW_INTERVAL: u32 = 16;
/// The stack a check asks to remain; it covers `GROW_INTERVAL` frames even in debug builds.
const RED_ZONE: usize = 256 * 1024;
/// The size of each new stack segment.
const STACK_SIZE: usize = 2 * 1024 * 1024;

/// A recursive walker that counts its own nesting depth.
trait Nesting {
    fn depth(&mut self) -> &mut u32;
}

/// Runs `f` one nesting level deeper, moving to a fresh stack segment when little is left:
/// chains like `a + b + ...` parse iteratively into trees thousands of levels deep.
#[inline]
fn grow_stack<S: Nesting, T>(state: &mut S, f: impl FnOnce(&mut S) -> T) -> T {
    *state.depth() += 1;
    let result = if state.depth().is_multiple_of(GROW_INTERVAL) {
        stacker::maybe_grow(RED_ZONE, STACK_SIZE, || f(state))
    } else {
        f(state)
    };
    *state.depth() -= 1;
    result
}

/// The body being filled and its source map. Its vectors are scratch space, reused from
/// body to body; [`BodyBuilder::finish`] copies them into arenas of exactly their size, so
/// nothing is walked twice and no arena the HIR keeps has slack.
#[derive(Default)]
struct BodyBuilder {
    exprs: Vec<Expr>,
    expr_ranges: Vec<TextRange>,
    stmts: Vec<Stmt>,
    stmt_ranges: Vec<TextRange>,
    patterns: Vec<Pattern>,
    pattern_ranges: Vec<TextRange>,
    name_counts: NameCounts,
    /// The parts of the source map that are not per-node ranges.
    map: BodySourceMap,
}

impl BodyBuilder {
    /// The finished body and its source map; the builder is left empty for reuse.
    fn finish(&mut self, block: Box<[StmtId]>) -> (Body, BodySourceMap) {
        let body = Body {
            exprs: self.exprs.drain(..).collect(),
            stmts: self.stmts.drain(..).collect(),
            patterns: self.patterns.drain(..).collect(),
            block,
            name_counts: std::mem::take(&mut self.name_counts),
        };
        let mut map = std::mem::take(&mut self.map);
        map.exprs = self.expr_ranges.drain(..).collect();
        map.stmts = self.stmt_ranges.drain(..).collect();
        map.patterns = self.pattern_ranges.drain(..).collect();
        (body, map)
    }
}

/// The id of the node about to be pushed onto `nodes`.
fn next_id<T, U>(nodes: &[U]) -> Idx<T> {
    Idx::from_raw(RawIdx::from_u32(nodes.len() as u32))
}

struct Lowerer<'a> {
    source: &'a str,
    /// The body under construction; enclosing ones are saved on the call stack while a
    /// nested `def`/`class` body is lowered.
    cur: BodyBuilder,
    /// Emptied builders, whose vectors the next nested body reuses.
    spare: Vec<BodyBuilder>,
    cur_id: BodyId,
    functions: Arena<Function>,
    classes: Arena<Class>,
    function_maps: ArenaMap<FunctionId, BodySourceMap>,
    class_maps: ArenaMap<ClassId, BodySourceMap>,
    /// Scratch buffer for the pending literal text of an interpolated string.
    text: String,
    /// Current recursion depth, for [`grow_stack`].
    depth: u32,
}

impl Nesting for Lowerer<'_> {
    fn depth(&mut self) -> &mut u32 {
        &mut self.depth
    }
}

impl Lowerer<'_> {
    // ---- allocation -------------------------------------------------------------------

    fn alloc_expr(&mut self, expr: Expr, range: TextRange) -> ExprId {
        let id = next_id(&self.cur.exprs);
        self.cur.exprs.push(expr);
        self.cur.expr_ranges.push(range);
        id
    }

    fn alloc_stmt(&mut self, stmt: Stmt, range: TextRange) -> StmtId {
        let id = next_id(&self.cur.stmts);
        self.cur.stmts.push(stmt);
        self.cur.stmt_ranges.push(range);
        id
    }

    /// Fills in a statement allocated (as a placeholder) before its children.
    fn set_stmt(&mut self, id: StmtId, stmt: Stmt) {
        self.cur.stmts[index_of(id)] = stmt;
    }

    fn alloc_pattern(&mut self, pattern: Pattern, range: TextRange) -> PatId {
        let id = next_id(&self.cur.patterns);
        self.cur.patterns.push(pattern);
        self.cur.pattern_ranges.push(range);
        id
    }

    /// Lowers `block` as the body of a new item, in a builder of its own.
    fn lower_item_body(&mut self, id: BodyId, block: &mut [ast::Stmt]) -> (Body, BodySourceMap) {
        let builder = self.spare.pop().unwrap_or_default();
        let parent = std::mem::replace(&mut self.cur, builder);
        let parent_id = std::mem::replace(&mut self.cur_id, id);
        let block = self.lower_block(block);
        let finished = self.cur.finish(block);
        let emptied = std::mem::replace(&mut self.cur, parent);
        self.spare.push(emptied);
        self.cur_id = parent_id;
        finished
    }

    fn name(&mut self, site: NameSite, range: TextRange) {
        self.cur.map.names.insert(site, range);
    }

    /// Records the offset of `keyword` found between `start` and `end`.
    fn keyword(&mut self, stmt: StmtId, start: TextSize, end: TextSize, keyword: &str) {
        if let Some(offset) = find_keyword(self.source, start, end, keyword) {
            self.cur.map.keywords.insert(stmt, offset);
        }
    }

    // ---- statements -------------------------------------------------------------------

    /// The ids of `stmts`, lowered in order, into a boxed slice or a `ThinVec`.
    fn lower_block<C: FromIterator<StmtId>>(&mut self, stmts: &mut [ast::Stmt]) -> C {
        stmts.iter_mut().map(|stmt| self.lower_stmt(stmt)).collect()
    }

    fn lower_stmt(&mut self, stmt: &mut ast::Stmt) -> StmtId {
        grow_stack(self, |lowerer| lowerer.lower_stmt_inner(stmt))
    }

    fn lower_stmt_inner(&mut self, stmt: &mut ast::Stmt) -> StmtId {
        let range = stmt.range();
        let hir = match stmt {
            ast::Stmt::FunctionDef(def) => return self.lower_function(def),
            ast::Stmt::ClassDef(def) => return self.lower_class(def),
            ast::Stmt::For(node) => return self.lower_for(node),
            ast::Stmt::While(node) => return self.lower_while(node),
            ast::Stmt::If(node) => return self.lower_if(node),
            ast::Stmt::With(node) => return self.lower_with(node),
            ast::Stmt::Match(node) => return self.lower_match(node),
            ast::Stmt::Try(node) => return self.lower_try(node),
            ast::Stmt::TypeAlias(node) => return self.lower_type_alias(node),
            ast::Stmt::Import(node) => return self.lower_import(node),
            ast::Stmt::ImportFrom(node) => return self.lower_import_from(node),
            ast::Stmt::Global(node) => {
                return self.lower_declared(range, &mut node.names, |names| Stmt::Global { names });
            }
            ast::Stmt::Nonlocal(node) => {
                return self
                    .lower_declared(range, &mut node.names, |names| Stmt::Nonlocal { names });
            }
            ast::Stmt::Return(node) => Stmt::Return {
                value: self.lower_opt_expr(node.value.as_deref_mut()),
            },
            ast::Stmt::Delete(node) => Stmt::Delete {
                targets: self.lower_exprs(&mut node.targets),
            },
            ast::Stmt::Assign(node) => Stmt::Assign {
                targets: self.lower_exprs(&mut node.targets),
                value: self.lower_expr(&mut node.value),
            },
            ast::Stmt::AugAssign(node) => Stmt::AugAssign {
                target: self.lower_expr(&mut node.target),
                op: node.op,
                value: self.lower_expr(&mut node.value),
            },
            ast::Stmt::AnnAssign(node) => Stmt::AnnAssign {
                target: self.lower_expr(&mut node.target),
                annotation: self.lower_expr(&mut node.annotation),
                value: self.lower_opt_expr(node.value.as_deref_mut()),
                simple: node.simple,
            },
            ast::Stmt::Raise(node) => Stmt::Raise {
                exc: self.lower_opt_expr(node.exc.as_deref_mut()),
                cause: self.lower_opt_expr(node.cause.as_deref_mut()),
            },
            ast::Stmt::Assert(node) => Stmt::Assert {
                test: self.lower_expr(&mut node.test),
                msg: self.lower_opt_expr(node.msg.as_deref_mut()),
            },
            ast::Stmt::Expr(node) => Stmt::Expr {
                value: self.lower_expr(&mut node.value),
            },
            ast::Stmt::Pass(_) => Stmt::Pass,
            ast::Stmt::Break(_) => Stmt::Break,
            ast::Stmt::Continue(_) => Stmt::Continue,
            ast::Stmt::IpyEscapeCommand(_) => Stmt::Error,
        };
        self.alloc_stmt(hir, range)
    }

    fn lower_function(&mut self, def: &mut ast::StmtFunctionDef) -> StmtId {
        // Take both ids before lowering anything nested, so items stay in pre-order.
        let stmt = self.alloc_stmt(Stmt::Pass, def.range);
        let function = self.functions.alloc(Function {
            name: std::mem::take(&mut def.name.id),
            is_async: def.is_async,
            parent: self.cur_id,
            stmt,
            decorators: Box::default(),
            type_params: None,
            params: Params::default(),
            returns: None,
            body: Body::default(),
        });
        self.set_stmt(stmt, Stmt::FunctionDef(function));
        self.name(NameSite::ItemName(stmt), def.name.range);
        let search_start = def
            .decorator_list
            .last()
            .map_or(def.range.start(), |decorator| decorator.range.end());
        self.keyword(
            stmt,
            search_start,
            keyword_end(def.range, def.name.range),
            "def",
        );

        // The header is evaluated in the parent body.
        let decorators = self.lower_decorators(&mut def.decorator_list);
        let type_params = def
            .type_params
            .as_deref_mut()
            .map(|type_params| self.lower_type_params(type_params, stmt));
        let params = self.lower_params(&mut def.parameters);
        let returns = self.lower_opt_expr(def.returns.as_deref_mut());

        let (body, mut map) = self.lower_item_body(BodyId::Function(function), &mut def.body);
        for (index, range) in param_name_ranges(&def.parameters).enumerate() {
            map.names.insert(NameSite::Param(index as u32), range);
        }

        let data = &mut self.functions[function];
        data.decorators = decorators;
        data.type_params = type_params;
        data.params = params;
        data.returns = returns;
        data.body = body;
        self.function_maps.insert(function, map);
        stmt
    }

    fn lower_class(&mut self, def: &mut ast::StmtClassDef) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, def.range);
        let class = self.classes.alloc(Class {
            name: std::mem::take(&mut def.name.id),
            parent: self.cur_id,
            stmt,
            decorators: Box::default(),
            type_params: None,
            bases: Box::default(),
            keywords: Box::default(),
            body: Body::default(),
        });
        self.set_stmt(stmt, Stmt::ClassDef(class));
        self.name(NameSite::ItemName(stmt), def.name.range);
        let search_start = def
            .decorator_list
            .last()
            .map_or(def.range.start(), |decorator| decorator.range.end());
        self.keyword(
            stmt,
            search_start,
            keyword_end(def.range, def.name.range),
            "class",
        );

        let decorators = self.lower_decorators(&mut def.decorator_list);
        let type_params = def
            .type_params
            .as_deref_mut()
            .map(|type_params| self.lower_type_params(type_params, stmt));
        let (bases, keywords) = match def.arguments.as_deref_mut() {
            Some(arguments) => (
                self.lower_exprs(&mut arguments.args),
                self.lower_keywords(&mut arguments.keywords),
            ),
            None => (Box::default(), Box::default()),
        };

        let (body, map) = self.lower_item_body(BodyId::Class(class), &mut def.body);

        let data = &mut self.classes[class];
        data.decorators = decorators;
        data.type_params = type_params;
        data.bases = bases;
        data.keywords = keywords;
        data.body = body;
        self.class_maps.insert(class, map);
        stmt
    }

    fn lower_decorators(&mut self, decorators: &mut [ast::Decorator]) -> Box<[ExprId]> {
        decorators
            .iter_mut()
            .map(|decorator| self.lower_expr(&mut decorator.expression))
            .collect()
    }

    fn lower_type_params(&mut self, type_params: &mut ast::TypeParams, stmt: StmtId) -> TypeParams {
        let params = type_params
            .type_params
            .iter_mut()
            .enumerate()
            .map(|(index, type_param)| {
                let (kind, name, bound, default) = match type_param {
                    ast::TypeParam::TypeVar(param) => (
                        TypeParamKind::TypeVar,
                        &mut param.name,
                        param.bound.as_deref_mut(),
                        param.default.as_deref_mut(),
                    ),
                    ast::TypeParam::ParamSpec(param) => (
                        TypeParamKind::ParamSpec,
                        &mut param.name,
                        None,
                        param.default.as_deref_mut(),
                    ),
                    ast::TypeParam::TypeVarTuple(param) => (
                        TypeParamKind::TypeVarTuple,
                        &mut param.name,
                        None,
                        param.default.as_deref_mut(),
                    ),
                };
                self.name(NameSite::TypeParam(stmt, index as u32), name.range);
                TypeParam {
                    kind,
                    name: std::mem::take(&mut name.id),
                    bound: self.lower_opt_expr(bound),
                    default: self.lower_opt_expr(default),
                }
            })
            .collect();
        TypeParams { params }
    }

    fn lower_params(&mut self, params: &mut ast::Parameters) -> Params {
        Params {
            posonly: self.lower_params_with_default(&mut params.posonlyargs),
            args: self.lower_params_with_default(&mut params.args),
            vararg: params
                .vararg
                .as_deref_mut()
                .map(|param| self.lower_param(param, None)),
            kwonly: self.lower_params_with_default(&mut params.kwonlyargs),
            kwarg: params
                .kwarg
                .as_deref_mut()
                .map(|param| self.lower_param(param, None)),
        }
    }

    fn lower_params_with_default(
        &mut self,
        params: &mut [ast::ParameterWithDefault],
    ) -> Box<[Param]> {
        params
            .iter_mut()
            .map(|param| self.lower_param(&mut param.parameter, param.default.as_deref_mut()))
            .collect()
    }

    fn lower_param(
        &mut self,
        param: &mut ast::Parameter,
        default: Option<&mut ast::Expr>,
    ) -> Param {
        // Source order: the annotation precedes the default.
        let annotation = self.lower_opt_expr(param.annotation.as_deref_mut());
        Param {
            name: std::mem::take(&mut param.name.id),
            annotation,
            default: self.lower_opt_expr(default),
        }
    }

    fn lower_for(&mut self, node: &mut ast::StmtFor) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        self.keyword(stmt, node.range.start(), node.target.start(), "for");
        let target = self.lower_expr(&mut node.target);
        let iter = self.lower_expr(&mut node.iter);
        let body = self.lower_block(&mut node.body);
        let orelse = self.lower_block(&mut node.orelse);
        self.set_stmt(
            stmt,
            Stmt::For {
                is_async: node.is_async,
                target,
                iter,
                body,
                orelse,
            },
        );
        stmt
    }

    fn lower_while(&mut self, node: &mut ast::StmtWhile) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        let test = self.lower_expr(&mut node.test);
        let body = self.lower_block(&mut node.body);
        let orelse = self.lower_block(&mut node.orelse);
        self.set_stmt(stmt, Stmt::While { test, body, orelse });
        stmt
    }

    /// Lowers an `if` and its `elif`/`else` clauses iteratively (long `elif` chains must
    /// not deepen the stack): each `elif` is patched into the previous `If`'s `orelse`.
    fn lower_if(&mut self, node: &mut ast::StmtIf) -> StmtId {
        let first = self.alloc_stmt(Stmt::Pass, node.range);
        let test = self.lower_expr(&mut node.test);
        let body = self.lower_block(&mut node.body);
        self.set_stmt(
            first,
            Stmt::If {
                test,
                body,
                orelse: Box::default(),
                is_elif: false,
            },
        );
        let mut previous = first;
        for clause in &mut node.elif_else_clauses {
            let orelse: Box<[StmtId]> = match &mut clause.test {
                Some(test) => {
                    let elif = self.alloc_stmt(Stmt::Pass, clause.range);
                    let test = self.lower_expr(test);
                    let body = self.lower_block(&mut clause.body);
                    self.set_stmt(
                        elif,
                        Stmt::If {
                            test,
                            body,
                            orelse: Box::default(),
                            is_elif: true,
                        },
                    );
                    let orelse = Box::new([elif]);
                    self.set_orelse(previous, orelse);
                    previous = elif;
                    continue;
                }
                None => self.lower_block(&mut clause.body),
            };
            self.set_orelse(previous, orelse);
        }
        first
    }

    fn set_orelse(&mut self, stmt: StmtId, new: Box<[StmtId]>) {
        if let Stmt::If { orelse, .. } = &mut self.cur.stmts[index_of(stmt)] {
            if orelse.is_empty() {
                *orelse = new;
            } else {
                // Only reachable if recovery produced clauses after an `else`: keep them all.
                *orelse = orelse.iter().chain(new.iter()).copied().collect();
            }
        }
    }

    fn lower_with(&mut self, node: &mut ast::StmtWith) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        let end = node
            .items
            .first()
            .map_or(node.range.end(), |item| item.range.start());
        self.keyword(stmt, node.range.start(), end, "with");
        let items = node
            .items
            .iter_mut()
            .map(|item| WithItem {
                context_expr: self.lower_expr(&mut item.context_expr),
                optional_vars: self.lower_opt_expr(item.optional_vars.as_deref_mut()),
            })
            .collect();
        let body = self.lower_block(&mut node.body);
        self.set_stmt(
            stmt,
            Stmt::With {
                is_async: node.is_async,
                items,
                body,
            },
        );
        stmt
    }

    fn lower_match(&mut self, node: &mut ast::StmtMatch) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        let subject = self.lower_expr(&mut node.subject);
        let cases = node
            .cases
            .iter_mut()
            .map(|case| MatchCase {
                pattern: self.lower_pattern(&mut case.pattern),
                guard: self.lower_opt_expr(case.guard.as_deref_mut()),
                body: self.lower_block(&mut case.body),
            })
            .collect();
        self.set_stmt(stmt, Stmt::Match { subject, cases });
        stmt
    }

    fn lower_try(&mut self, node: &mut ast::StmtTry) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        let body = self.lower_block(&mut node.body);
        let handlers = node
            .handlers
            .iter_mut()
            .enumerate()
            .map(|(index, handler)| {
                let ast::ExceptHandler::ExceptHandler(handler) = handler;
                if let Some(name) = &mut handler.name {
                    self.name(NameSite::Handler(stmt, index as u32), name.range);
                }
                ExceptHandler {
                    type_: self.lower_opt_expr(handler.type_.as_deref_mut()),
                    name: handler.name.as_ref().map(|name| name.id.clone()),
                    body: self.lower_block(&mut handler.body),
                }
            })
            .collect();
        let orelse = self.lower_block(&mut node.orelse);
        let finalbody = self.lower_block(&mut node.finalbody);
        self.set_stmt(
            stmt,
            Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                is_star: node.is_star,
            },
        );
        stmt
    }

    fn lower_type_alias(&mut self, node: &mut ast::StmtTypeAlias) -> StmtId {
        let stmt = self.alloc_stmt(Stmt::Pass, node.range);
        let name = self.lower_expr(&mut node.name);
        let type_params = node
            .type_params
            .as_deref_mut()
            .map(|type_params| self.lower_type_params(type_params, stmt));
        let value = self.lower_expr(&mut node.value);
        self.set_stmt(
            stmt,
            Stmt::TypeAlias {
                name,
                type_params,
                value,
            },
        );
        stmt
    }

    // `lazy import` (PEP 810) binds like a plain import; the HIR does not distinguish it.
    fn lower_import(&mut self, node: &mut ast::StmtImport) -> StmtId {
        let names = lower_aliases(&node.names);
        let stmt = self.alloc_stmt(Stmt::Import { names }, node.range);
        self.alias_names(stmt, &node.names);
        stmt
    }

    fn lower_import_from(&mut self, node: &mut ast::StmtImportFrom) -> StmtId {
        let hir = Stmt::ImportFrom {
            module: node.module.as_ref().map(|module| module.id.clone()),
            names: lower_aliases(&node.names),
            level: node.level,
        };
        let stmt = self.alloc_stmt(hir, node.range);
        self.alias_names(stmt, &node.names);
        stmt
    }

    fn alias_names(&mut self, stmt: StmtId, aliases: &[ast::Alias]) {
        for (index, alias) in aliases.iter().enumerate() {
            let bound = alias.asname.as_ref().unwrap_or(&alias.name);
            self.name(NameSite::Alias(stmt, index as u32), bound.range);
        }
    }

    fn lower_declared(
        &mut self,
        range: TextRange,
        names: &mut [ast::Identifier],
        make: impl FnOnce(Box<[crate::hir::Name]>) -> Stmt,
    ) -> StmtId {
        let hir = make(names.iter().map(|name| name.id.clone()).collect());
        let stmt = self.alloc_stmt(hir, range);
        for (index, name) in names.iter().enumerate() {
            self.name(NameSite::Declared(stmt, index as u32), name.range);
        }
        stmt
    }

    // ---- expressions ------------------------------------------------------------------

    /// The ids of `exprs`, lowered in order, into a boxed slice or a `ThinVec`.
    fn lower_exprs<C: FromIterator<ExprId>>(&mut self, exprs: &mut [ast::Expr]) -> C {
        exprs.iter_mut().map(|expr| self.lower_expr(expr)).collect()
    }

    fn lower_opt_expr(&mut self, expr: Option<&mut ast::Expr>) -> Option<ExprId> {
        expr.map(|expr| self.lower_expr(expr))
    }

    fn lower_keywords<C: FromIterator<Keyword>>(&mut self, keywords: &mut [ast::Keyword]) -> C {
        keywords
            .iter_mut()
            .map(|keyword| Keyword {
                arg: keyword.arg.as_mut().map(|arg| std::mem::take(&mut arg.id)),
                value: self.lower_expr(&mut keyword.value),
            })
            .collect()
    }

    fn lower_expr(&mut self, expr: &mut ast::Expr) -> ExprId {
        grow_stack(self, |lowerer| lowerer.lower_expr_inner(expr))
    }

    fn lower_expr_inner(&mut self, expr: &mut ast::Expr) -> ExprId {
        // Variants that record names keyed by their own id lower themselves; the rest build
        // an `Expr` here.
        let hir = match expr {
            ast::Expr::Lambda(node) => return self.lower_lambda(node),
            ast::Expr::Call(node) => return self.lower_call(node),
            ast::Expr::ListComp(node) => {
                let elt = self.lower_expr(&mut node.elt);
                let generators = self.lower_generators(&mut node.generators);
                let id = self.alloc_expr(Expr::ListComp { elt, generators }, node.range);
                return self.comprehension_fors(id, &mut node.generators);
            }
            ast::Expr::SetComp(node) => {
                let elt = self.lower_expr(&mut node.elt);
                let generators = self.lower_generators(&mut node.generators);
                let id = self.alloc_expr(Expr::SetComp { elt, generators }, node.range);
                return self.comprehension_fors(id, &mut node.generators);
            }
            ast::Expr::Generator(node) => {
                let elt = self.lower_expr(&mut node.elt);
                let generators = self.lower_generators(&mut node.generators);
                let hir = Expr::Generator {
                    elt,
                    generators,
                    parenthesized: node.parenthesized,
                };
                let id = self.alloc_expr(hir, node.range);
                return self.comprehension_fors(id, &mut node.generators);
            }
            ast::Expr::DictComp(node) => return self.lower_dict_comp(node),
            ast::Expr::FString(node) => return self.lower_fstring(node),
            ast::Expr::TString(node) => return self.lower_tstring(node),
            ast::Expr::StringLiteral(node) => {
                Expr::Literal(Literal::Str(string_value(&mut node.value)))
            }
            ast::Expr::BytesLiteral(node) => {
                Expr::Literal(Literal::Bytes(bytes_value(&mut node.value)))
            }
            ast::Expr::NumberLiteral(node) => Expr::Literal(match &mut node.value {
                ast::Number::Int(_) => Literal::Int(
                    self.source
                        .get(std::ops::Range::<usize>::from(node.range))
                        .unwrap_or_default()
                        .into(),
                ),
                ast::Number::Float(value) => Literal::Float(value.to_bits()),
                ast::Number::Complex { imag, .. } => Literal::Complex(imag.to_bits()),
            }),
            ast::Expr::BooleanLiteral(node) => Expr::Literal(Literal::Bool(node.value)),
            ast::Expr::NoneLiteral(_) => Expr::Literal(Literal::None),
            ast::Expr::EllipsisLiteral(_) => Expr::Literal(Literal::Ellipsis),
            ast::Expr::Name(node) => {
                let ctx = lower_ctx(node.ctx);
                let counts = &mut self.cur.name_counts;
                match ctx {
                    ExprContext::Load => counts.loads += 1,
                    ExprContext::Store | ExprContext::Del => counts.stores += 1,
                }
                Expr::Name {
                    id: std::mem::take(&mut node.id),
                    ctx,
                }
            }
            ast::Expr::BoolOp(node) => Expr::BoolOp {
                op: node.op,
                values: self.lower_exprs(&mut node.values),
            },
            ast::Expr::Named(node) => Expr::Named {
                target: self.lower_expr(&mut node.target),
                value: self.lower_expr(&mut node.value),
            },
            ast::Expr::BinOp(node) => Expr::BinOp {
                left: self.lower_expr(&mut node.left),
                op: node.op,
                right: self.lower_expr(&mut node.right),
            },
            ast::Expr::UnaryOp(node) => Expr::UnaryOp {
                op: node.op,
                operand: self.lower_expr(&mut node.operand),
            },
            ast::Expr::If(node) => {
                // Source order: `body if test else orelse`.
                let body = self.lower_expr(&mut node.body);
                let test = self.lower_expr(&mut node.test);
                Expr::If {
                    test,
                    body,
                    orelse: self.lower_expr(&mut node.orelse),
                }
            }
            ast::Expr::Dict(node) => Expr::Dict {
                items: node
                    .items
                    .iter_mut()
                    .map(|item| DictItem {
                        key: self.lower_opt_expr(item.key.as_mut()),
                        value: self.lower_expr(&mut item.value),
                    })
                    .collect(),
            },
            ast::Expr::Set(node) => Expr::Set {
                elts: self.lower_exprs(&mut node.elts),
            },
            ast::Expr::List(node) => Expr::List {
                elts: self.lower_exprs(&mut node.elts),
                ctx: lower_ctx(node.ctx),
            },
            ast::Expr::Tuple(node) => Expr::Tuple {
                elts: self.lower_exprs(&mut node.elts),
                ctx: lower_ctx(node.ctx),
                parenthesized: node.parenthesized,
            },
            ast::Expr::Await(node) => Expr::Await {
                value: self.lower_expr(&mut node.value),
            },
            ast::Expr::Yield(node) => Expr::Yield {
                value: self.lower_opt_expr(node.value.as_deref_mut()),
            },
            ast::Expr::YieldFrom(node) => Expr::YieldFrom {
                value: self.lower_expr(&mut node.value),
            },
            ast::Expr::Compare(node) => Expr::Compare {
                left: self.lower_expr(&mut node.left),
                ops: node.ops.iter().copied().collect(),
                comparators: self.lower_exprs(&mut node.comparators),
            },
            ast::Expr::Attribute(node) => Expr::Attribute {
                value: self.lower_expr(&mut node.value),
                attr: std::mem::take(&mut node.attr.id),
                ctx: lower_ctx(node.ctx),
            },
            ast::Expr::Subscript(node) => Expr::Subscript {
                value: self.lower_expr(&mut node.value),
                slice: self.lower_expr(&mut node.slice),
                ctx: lower_ctx(node.ctx),
            },
            ast::Expr::Starred(node) => Expr::Starred {
                value: self.lower_expr(&mut node.value),
                ctx: lower_ctx(node.ctx),
            },
            ast::Expr::Slice(node) => Expr::Slice {
                lower: self.lower_opt_expr(node.lower.as_deref_mut()),
                upper: self.lower_opt_expr(node.upper.as_deref_mut()),
                step: self.lower_opt_expr(node.step.as_deref_mut()),
            },
            ast::Expr::IpyEscapeCommand(_) => Expr::Error,
        };
        self.alloc_expr(hir, expr.range())
    }

    fn lower_lambda(&mut self, node: &mut ast::ExprLambda) -> ExprId {
        let params = match node.parameters.as_deref_mut() {
            Some(params) => self.lower_params(params),
            None => Params::default(),
        };
        let body = self.lower_expr(&mut node.body);
        let id = self.alloc_expr(
            Expr::Lambda {
                params: Box::new(params),
                body,
            },
            node.range,
        );
        if let Some(params) = node.parameters.as_deref_mut() {
            for (index, range) in param_name_ranges(params).enumerate() {
                self.name(NameSite::LambdaParam(id, index as u32), range);
            }
        }
        id
    }

    fn lower_call(&mut self, node: &mut ast::ExprCall) -> ExprId {
        let func = self.lower_expr(&mut node.func);
        let args = self.lower_exprs(&mut node.arguments.args);
        let keywords = self.lower_keywords(&mut node.arguments.keywords);
        let hir = Expr::Call {
            func,
            args,
            keywords,
        };
        let id = self.alloc_expr(hir, node.range());
        for (index, keyword) in node.arguments.keywords.iter().enumerate() {
            self.name(NameSite::Keyword(id, index as u32), keyword.range);
        }
        id
    }

    fn lower_dict_comp(&mut self, node: &mut ast::ExprDictComp) -> ExprId {
        let key = match node.key.as_deref_mut() {
            Some(key) => self.lower_expr(key),
            // `{**d for d in ds}` (PEP 798, not Python 3.13) has no key to represent; an
            // empty `Error` before the value stands in so the generators still lower.
            None => self.alloc_expr(Expr::Error, TextRange::empty(node.value.start())),
        };
        let value = self.lower_expr(&mut node.value);
        let generators = self.lower_generators(&mut node.generators);
        let hir = Expr::DictComp {
            key,
            value,
            generators,
        };
        let id = self.alloc_expr(hir, node.range);
        self.comprehension_fors(id, &mut node.generators)
    }

    fn lower_generators<C: FromIterator<Comprehension>>(
        &mut self,
        generators: &mut [ast::Comprehension],
    ) -> C {
        generators
            .iter_mut()
            .map(|generator| Comprehension {
                target: self.lower_expr(&mut generator.target),
                iter: self.lower_expr(&mut generator.iter),
                ifs: self.lower_exprs(&mut generator.ifs),
                is_async: generator.is_async,
            })
            .collect()
    }

    /// Records each generator's `for` offset, keyed by the comprehension `id`; returns `id`.
    fn comprehension_fors(&mut self, id: ExprId, generators: &mut [ast::Comprehension]) -> ExprId {
        for (index, generator) in generators.iter().enumerate() {
            if let Some(offset) = find_keyword(
                self.source,
                generator.range.start(),
                generator.target.start(),
                "for",
            ) {
                self.cur
                    .map
                    .comprehension_fors
                    .insert((id, index as u32), offset);
            }
        }
        id
    }

    fn lower_fstring(&mut self, node: &mut ast::ExprFString) -> ExprId {
        let mut parts = Vec::new();
        let mut text = std::mem::take(&mut self.text);
        for part in node.value.iter_mut() {
            match part {
                ast::FStringPart::Literal(literal) => text.push_str(&literal.value),
                ast::FStringPart::FString(fstring) => {
                    self.lower_elements(&mut fstring.elements, &mut parts, &mut text);
                }
            }
        }
        flush_text(&mut parts, &mut text);
        self.text = text;
        let hir = Expr::Interpolated {
            kind: InterpolatedKind::FString,
            parts: parts.into_boxed_slice(),
        };
        self.alloc_expr(hir, node.range)
    }

    fn lower_tstring(&mut self, node: &mut ast::ExprTString) -> ExprId {
        let mut parts = Vec::new();
        let mut text = std::mem::take(&mut self.text);
        for tstring in node.value.iter_mut() {
            self.lower_elements(&mut tstring.elements, &mut parts, &mut text);
        }
        flush_text(&mut parts, &mut text);
        self.text = text;
        let hir = Expr::Interpolated {
            kind: InterpolatedKind::TString,
            parts: parts.into_boxed_slice(),
        };
        self.alloc_expr(hir, node.range)
    }

    /// Appends `elements` to `parts`, merging adjacent literal text through `text`.
    fn lower_elements(
        &mut self,
        elements: &mut [ast::InterpolatedStringElement],
        parts: &mut Vec<InterpolatedPart>,
        text: &mut String,
    ) {
        for element in elements {
            match element {
                ast::InterpolatedStringElement::Literal(literal) => text.push_str(&literal.value),
                ast::InterpolatedStringElement::Interpolation(interpolation) => {
                    flush_text(parts, text);
                    let expr = self.lower_expr(&mut interpolation.expression);
                    let format_spec = interpolation.format_spec.as_deref_mut().map(|spec| {
                        let mut spec_parts = Vec::new();
                        let mut spec_text = String::new();
                        self.lower_elements(&mut spec.elements, &mut spec_parts, &mut spec_text);
                        flush_text(&mut spec_parts, &mut spec_text);
                        spec_parts.into_boxed_slice()
                    });
                    parts.push(InterpolatedPart::Interpolation {
                        expr,
                        debug_text: interpolation
                            .debug_text
                            .as_ref()
                            .map(|debug| debug.as_str().into()),
                        conversion: interpolation.conversion.to_char(),
                        format_spec,
                    });
                }
            }
        }
    }

    // ---- patterns ---------------------------------------------------------------------

    fn lower_patterns(&mut self, patterns: &mut [ast::Pattern]) -> Box<[PatId]> {
        patterns
            .iter_mut()
            .map(|pattern| self.lower_pattern(pattern))
            .collect()
    }

    fn lower_pattern(&mut self, pattern: &mut ast::Pattern) -> PatId {
        grow_stack(self, |lowerer| lowerer.lower_pattern_inner(pattern))
    }

    fn lower_pattern_inner(&mut self, pattern: &mut ast::Pattern) -> PatId {
        let (hir, capture) = match pattern {
            ast::Pattern::MatchValue(node) => (
                Pattern::Value {
                    value: self.lower_expr(&mut node.value),
                },
                None,
            ),
            ast::Pattern::MatchSingleton(node) => (
                Pattern::Singleton(match node.value {
                    ast::Singleton::None => Singleton::None,
                    ast::Singleton::True => Singleton::True,
                    ast::Singleton::False => Singleton::False,
                }),
                None,
            ),
            ast::Pattern::MatchSequence(node) => (
                Pattern::Sequence {
                    patterns: self.lower_patterns(&mut node.patterns),
                },
                None,
            ),
            ast::Pattern::MatchMapping(node) => (
                Pattern::Mapping {
                    keys: self.lower_exprs(&mut node.keys),
                    patterns: self.lower_patterns(&mut node.patterns),
                    rest: node.rest.as_ref().map(|rest| rest.id.clone()),
                },
                node.rest.as_ref().map(|rest| rest.range),
            ),
            ast::Pattern::MatchClass(node) => (
                Pattern::Class {
                    cls: self.lower_expr(&mut node.cls),
                    patterns: self.lower_patterns(&mut node.arguments.patterns),
                    kwd_attrs: node
                        .arguments
                        .keywords
                        .iter()
                        .map(|keyword| keyword.attr.id.clone())
                        .collect(),
                    kwd_patterns: node
                        .arguments
                        .keywords
                        .iter_mut()
                        .map(|keyword| self.lower_pattern(&mut keyword.pattern))
                        .collect(),
                },
                None,
            ),
            ast::Pattern::MatchStar(node) => (
                Pattern::Star {
                    name: node.name.as_ref().map(|name| name.id.clone()),
                },
                node.name.as_ref().map(|name| name.range),
            ),
            ast::Pattern::MatchAs(node) => (
                Pattern::As {
                    pattern: node
                        .pattern
                        .as_deref_mut()
                        .map(|pattern| self.lower_pattern(pattern)),
                    name: node.name.as_ref().map(|name| name.id.clone()),
                },
                node.name.as_ref().map(|name| name.range),
            ),
            ast::Pattern::MatchOr(node) => (
                Pattern::Or {
                    patterns: self.lower_patterns(&mut node.patterns),
                },
                None,
            ),
        };
        let id = self.alloc_pattern(hir, pattern.range());
        if let Some(range) = capture {
            self.name(NameSite::Pattern(id), range);
        }
        id
    }
}

fn lower_ctx(ctx: ast::ExprContext) -> ExprContext {
    match ctx {
        ast::ExprContext::Store => ExprContext::Store,
        ast::ExprContext::Del => ExprContext::Del,
        // `Invalid` marks recovery names (e.g. a missing identifier); they are only read.
        ast::ExprContext::Load | ast::ExprContext::Invalid => ExprContext::Load,
    }
}

fn lower_aliases(aliases: &[ast::Alias]) -> Box<[Alias]> {
    aliases
        .iter()
        .map(|alias| Alias {
            name: alias.name.id.clone(),
            asname: alias.asname.as_ref().map(|asname| asname.id.clone()),
        })
        .collect()
}

/// The value of a string literal, taken out of ruff's tree (which is dropped after
/// lowering) instead of copied.
fn string_value(value: &mut ast::StringLiteralValue) -> Box<str> {
    let mut parts = value.iter_mut();
    match (parts.next(), parts.next()) {
        (Some(single), None) => std::mem::take(&mut single.value),
        _ => {
            let mut text = String::with_capacity(value.len());
            for part in value.iter() {
                text.push_str(&part.value);
            }
            text.into_boxed_str()
        }
    }
}

/// The value of a bytes literal, taken as [`string_value`] takes a string's.
fn bytes_value(value: &mut ast::BytesLiteralValue) -> Box<[u8]> {
    let mut parts = value.iter_mut();
    match (parts.next(), parts.next()) {
        (Some(single), None) => std::mem::take(&mut single.value),
        _ => {
            let mut bytes = Vec::with_capacity(value.len());
            for part in value.iter() {
                bytes.extend_from_slice(&part.value);
            }
            bytes.into_boxed_slice()
        }
    }
}

fn flush_text(parts: &mut Vec<InterpolatedPart>, text: &mut String) {
    if !text.is_empty() {
        parts.push(InterpolatedPart::Literal(text.as_str().into()));
        text.clear();
    }
}

/// Parameter name ranges in [`Params::iter`] order.
fn param_name_ranges(params: &ast::Parameters) -> impl Iterator<Item = TextRange> + '_ {
    let with_default = |param: &ast::ParameterWithDefault| param.parameter.name.range;
    params
        .posonlyargs
        .iter()
        .map(with_default)
        .chain(params.args.iter().map(with_default))
        .chain(params.vararg.iter().map(|param| param.name.range))
        .chain(params.kwonlyargs.iter().map(with_default))
        .chain(params.kwarg.iter().map(|param| param.name.range))
}

/// Where to stop looking for an item's keyword: its name, unless recovery left the name
/// before the keyword could be (an empty identifier), then the end of the statement.
fn keyword_end(stmt: TextRange, name: TextRange) -> TextSize {
    if name.is_empty() {
        stmt.end()
    } else {
        name.start()
    }
}

/// The offset of the first token `keyword` in `source[start..end]`, skipping comments,
/// other words (`async`) and punctuation (a decorator's closing parenthesis).
fn find_keyword(source: &str, start: TextSize, end: TextSize, keyword: &str) -> Option<TextSize> {
    let bytes = source.as_bytes();
    let end = usize::from(end).min(bytes.len());
    let mut index = usize::from(start);
    while index < end {
        let byte = bytes[index];
        if byte == b'#' {
            while index < end && bytes[index] != b'\n' && bytes[index] != b'\r' {
                index += 1;
            }
        } else if byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80 {
            let word_start = index;
            while index < end
                && (bytes[index].is_ascii_alphanumeric()
                    || bytes[index] == b'_'
                    || bytes[index] >= 0x80)
            {
                index += 1;
            }
            if &bytes[word_start..index] == keyword.as_bytes() {
                return Some(TextSize::try_from(word_start).unwrap_or_default());
            }
        } else {
            index += 1;
        }
    }
    None
}
