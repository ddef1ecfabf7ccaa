//! Lowering: the HIR of one unit to the [normal form](crate::normal_form), with every name
//! resolved to a [`Binding`].
//!
//! Name resolution follows Python's block rules, computed here from the HIR alone: a name
//! is local to a function-like scope (function, lambda, comprehension) when the scope
//! binds it anywhere and does not declare it `global` or `nonlocal`; a walrus inside a
//! comprehension binds in the nearest enclosing non-comprehension scope; a class body
//! is invisible from the functions inside it, and names it binds are class members,
//! compared by name; the first iterable of a comprehension is evaluated in the enclosing
//! scope. Everything not bound inside the unit (the module, an enclosing function of a
//! nested unit, builtins) is a global of the unit.
//!
//! What lowering already erases: annotations (except in class bodies, where dataclasses
//! read them, and those a `def` or the module body evaluates that may have an effect),
//! docstrings and other literal expression statements, `pass`, the
//! difference between `v = e` and a walrus statement `(v := e)`, the
//! difference between `return` and `return None`, an implicit `return None` at the end
//! of a function (made explicit), the spelling of integer literals, nested `and`/`or` of
//! the same operator, and the `=` of f-string debug fields (spelled out). String literals
//! whose value ruff may not decode as CPython does are read again from the source
//! ([`crate::string_literals`]).
//!
//! Depends on the HIR and the source map only (and on the builtins table of
//! `awaitify_semantic`); it never changes evaluation order.

use awaitify_hir::hir::{
    self, BodyId, ClassId, ExprId, FileHir, FunctionId, Name, Operator, PatId, StmtId,
};
use awaitify_hir::source_map::{BodySourceMap, FileSourceMap};
use ruff_text_size::TextRange;
use rustc_hash::FxHashSet;

use crate::normal_form::{self as nf, Binding, Ident, LocalKey, Origin, ScopeKey, ScopeTag};
use crate::string_literals::{self, Reread, RereadPart};
use awaitify_semantic::index::Fallback;

/// Names whose call exposes the local variables of the caller by name; a unit that reads
/// one of them is compared with locals by name and never has a variable inlined.
const LOCALS_OBSERVERS: &[&str] = &["locals", "vars", "eval", "exec", "dir"];

/// Facts about the whole file that the effect analysis needs.
#[derive(Debug, Default)]
pub(crate) struct FileFacts {
    /// Every name bound in the module namespace, including through `global` anywhere.
    module_bound: FxHashSet<Name>,
    /// Code in the file may rebind any builtin name by a route other than binding it
    /// ([`crate::rebinding`]).
    builtins_mutable: bool,
    /// `from __future__ import annotations`: no annotation is evaluated.
    postponed_annotations: bool,
    /// The `Name` loads of function locals that some path reaches unassigned: reading
    /// one may raise `UnboundLocalError` ([`crate::unbound`]).
    maybe_unbound_reads: FxHashSet<TextRange>,
}

impl FileFacts {
    /// The facts of `hir`, the file at `path`.
    pub(crate) fn of(hir: &FileHir, maps: &FileSourceMap, path: &std::path::Path) -> Self {
        let mut module_bound = bound_names(hir, &hir.module, &hir.module.block);
        for (_, body) in hir.bodies() {
            for (_, stmt) in body.stmts.iter() {
                if let hir::Stmt::Global { names } = stmt {
                    module_bound.extend(names.iter().cloned());
                }
            }
        }
        // The flow model keeps every `Name` at its id, so its uses map back to `maps`.
        let model = crate::unbound::flow_model(hir);
        let index = awaitify_semantic::SemanticIndex::build(&model, &mut |_, _| {
            awaitify_semantic::StarNames::Opaque
        });
        let mut maybe_unbound_reads = FxHashSet::default();
        for (use_id, data) in index.uses.iter() {
            let name = index.use_name(&model, use_id);
            let scope = &index.scopes[data.scope];
            let local = scope.kind.is_function_like()
                && scope.symbol(name).is_some_and(|symbol| symbol.is_local());
            if local && data.fallback == Fallback::Unbound {
                maybe_unbound_reads.insert(maps.body(data.body).expr(data.expr));
            }
        }
        Self {
            module_bound,
            builtins_mutable: crate::rebinding::may_rebind_builtins(
                hir,
                &index,
                crate::rebinding::module_name(path),
            ),
            postponed_annotations: postpones_annotations(hir),
            maybe_unbound_reads,
        }
    }

    /// A builtin that nothing in this file can rebind: reading it commutes with calls
    /// (assuming other modules do not patch `builtins`).
    fn is_stable_builtin(&self, name: &str) -> bool {
        !self.builtins_mutable
            && awaitify_semantic::builtins::is_builtin(name)
            && !self.module_bound.contains(name)
    }
}

/// Whether the module has `from __future__ import annotations`.
fn postpones_annotations(hir: &FileHir) -> bool {
    hir.module.block.iter().any(|&stmt| {
        matches!(&hir.module.stmts[stmt], hir::Stmt::ImportFrom { module: Some(module), names, .. }
            if module == "__future__" && names.iter().any(|alias| alias.name == "annotations"))
    })
}

/// The names `block` of `body` binds (its own scope, not nested ones).
fn bound_names(hir: &FileHir, body: &hir::Body, block: &[StmtId]) -> FxHashSet<Name> {
    let mut names = ScopeNames::default();
    let mut collector = Collector {
        hir,
        names: &mut names,
    };
    collector.block(body, block);
    names
        .bound
        .into_iter()
        .chain(names.annotated_only)
        .collect()
}

/// What the normalizer needs to know about a lowered unit.
#[derive(Debug, Default)]
pub(crate) struct UnitFacts {
    /// Globals of the unit whose value no call can change ([`FileFacts`]).
    pub(crate) stable_globals: FxHashSet<Name>,
    /// Locals that a call may rebind: those a nested scope declares `nonlocal`, and those
    /// a walrus inside a generator expression binds (it runs when the generator is
    /// iterated, which any call may do).
    pub(crate) nonlocal_written: std::cell::RefCell<FxHashSet<LocalKey>>,
    /// Locals read somewhere while possibly unassigned: such a read may raise, so no
    /// effect moves across any read of them.
    pub(crate) maybe_unbound: std::cell::RefCell<FxHashSet<LocalKey>>,
    /// The unit calls `locals()`, `vars()`, `eval`, `exec` or `dir`.
    pub(crate) observes_locals: bool,
    /// The next unused [`ScopeKey`], for scopes copied by a rewrite.
    pub(crate) next_scope: std::cell::Cell<ScopeKey>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScopeKind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

/// The names one scope binds, before resolution.
#[derive(Debug, Default)]
struct ScopeNames {
    bound: FxHashSet<Name>,
    /// Names whose only binding is a bare annotation (`x: int`).
    annotated_only: FxHashSet<Name>,
    globals: FxHashSet<Name>,
    nonlocals: FxHashSet<Name>,
    /// Names callers can observe: keyword-passable parameters, `import a.b` roots.
    keep: FxHashSet<Name>,
}

impl ScopeNames {
    fn binds(&self, name: &str) -> bool {
        self.bound.contains(name) || self.annotated_only.contains(name)
    }
}

struct Scope {
    key: ScopeKey,
    kind: ScopeKind,
    names: ScopeNames,
    /// A `yield` was lowered directly in this scope.
    yields: bool,
    /// A generator expression's scope: its body runs later, whenever the generator is
    /// iterated, so a walrus in it writes the enclosing function's local during some
    /// later call.
    deferred: bool,
}

/// The arenas and source map of the body whose ids are being read.
#[derive(Clone, Copy)]
struct Cx<'a> {
    body: &'a hir::Body,
    map: &'a BodySourceMap,
}

/// Lowers the items of a module body: each `def`/`class` statement becomes whatever the
/// caller makes of it (a separately normalized unit).
pub(crate) type ItemLowering<'f> = dyn FnMut(BodyId) -> nf::StmtKind + 'f;

pub(crate) struct Lowering<'a> {
    hir: &'a FileHir,
    maps: &'a FileSourceMap,
    /// The file's text, for literals whose value ruff does not decode exactly.
    source: &'a str,
    file: &'a FileFacts,
    scopes: Vec<Scope>,
    next_scope: ScopeKey,
    /// The unit's own name, for a module-level item.
    own_name: Option<Name>,
    /// The innermost class the code being lowered is in, for private-name mangling.
    enclosing_class: Option<Name>,
    /// Names bound by the functions around a nested unit: to the unit they are closure
    /// variables, never builtins, even when a builtin has the same name.
    enclosing_bound: FxHashSet<Name>,
    pub(crate) facts: UnitFacts,
}

impl<'a> Lowering<'a> {
    pub(crate) fn new(
        hir: &'a FileHir,
        maps: &'a FileSourceMap,
        source: &'a str,
        file: &'a FileFacts,
    ) -> Self {
        Self {
            hir,
            maps,
            source,
            file,
            scopes: Vec::new(),
            next_scope: 0,
            own_name: None,
            enclosing_class: None,
            enclosing_bound: FxHashSet::default(),
            facts: UnitFacts::default(),
        }
    }

    fn cx(&self, body: BodyId) -> Cx<'a> {
        Cx {
            body: self.hir.body(body),
            map: self.maps.body(body),
        }
    }

    /// The innermost class whose body (at any depth) holds `body`.
    fn class_around(&self, mut body: BodyId) -> Option<Name> {
        loop {
            match body {
                BodyId::Module => return None,
                BodyId::Class(class) => return Some(self.hir.classes[class].name.clone()),
                BodyId::Function(function) => body = self.hir.functions[function].parent,
            }
        }
    }

    /// `name` as Python stores it inside the enclosing class: `__x` becomes `_C__x`.
    fn mangle(&self, name: &Name) -> Name {
        self.enclosing_class
            .as_ref()
            .and_then(|class| awaitify_hir::hir::mangled_name(name, class))
            .unwrap_or_else(|| name.clone())
    }

    fn item_origin(&self, item: BodyId) -> Origin {
        Origin(self.maps.item_stmt(self.hir, item).unwrap_or_default())
    }

    /// Lowers a `def` as a unit of its own.
    pub(crate) fn function_unit(mut self, function: FunctionId) -> (nf::Function, UnitFacts) {
        let data = &self.hir.functions[function];
        if data.parent == BodyId::Module {
            self.own_name = Some(data.name.clone());
        }
        self.enclosing_class = self.class_around(data.parent);
        self.enclosing_bound = self.bound_around(data.parent);
        let name = Ident {
            name: data.name.clone(),
            binding: Binding::OwnItem,
        };
        let origin = self.item_origin(BodyId::Function(function));
        let lowered = self.function(function, name, origin);
        self.facts.next_scope.set(self.next_scope);
        (lowered, self.facts)
    }

    /// The names bound by every function around `parent` (the body a unit is defined
    /// in), with their parameters.
    fn bound_around(&self, mut parent: BodyId) -> FxHashSet<Name> {
        let mut names = FxHashSet::default();
        loop {
            match parent {
                BodyId::Module => return names,
                BodyId::Class(class) => parent = self.hir.classes[class].parent,
                BodyId::Function(function) => {
                    let data = &self.hir.functions[function];
                    names.extend(bound_names(self.hir, &data.body, &data.body.block));
                    names.extend(data.params.iter().map(|param| param.name.clone()));
                    parent = data.parent;
                }
            }
        }
    }

    /// Lowers a `class` as a unit of its own.
    pub(crate) fn class_unit(mut self, class: ClassId) -> (nf::Class, UnitFacts) {
        let data = &self.hir.classes[class];
        if data.parent == BodyId::Module {
            self.own_name = Some(data.name.clone());
        }
        self.enclosing_class = self.class_around(data.parent);
        self.enclosing_bound = self.bound_around(data.parent);
        let name = Ident {
            name: data.name.clone(),
            binding: Binding::OwnItem,
        };
        let origin = self.item_origin(BodyId::Class(class));
        let lowered = self.class(class, name, origin);
        self.facts.next_scope.set(self.next_scope);
        (lowered, self.facts)
    }

    /// Lowers the module body; `items` lowers each `def`/`class` at module scope.
    pub(crate) fn module_unit(mut self, items: &mut ItemLowering<'_>) -> (nf::Block, UnitFacts) {
        let cx = self.cx(BodyId::Module);
        let mut names = ScopeNames::default();
        Collector {
            hir: self.hir,
            names: &mut names,
        }
        .block(cx.body, &cx.body.block);
        self.push_scope(ScopeKind::Module, names);
        let mut block = Vec::new();
        let module = &self.hir.module;
        self.block_with_items(cx, &module.block, &mut block, Some(items));
        self.scopes.pop();
        self.facts.next_scope.set(self.next_scope);
        (block, self.facts)
    }

    fn push_scope(&mut self, kind: ScopeKind, names: ScopeNames) -> ScopeKey {
        let key = self.next_scope;
        self.next_scope += 1;
        self.scopes.push(Scope {
            key,
            kind,
            names,
            yields: false,
            deferred: false,
        });
        key
    }

    // ---- names --------------------------------------------------------------------------

    /// What `name` refers to from the innermost scope; `walrus` for a `:=` target, which
    /// skips comprehension scopes.
    fn resolve(&mut self, name: &Name, walrus: bool) -> Ident {
        let binding = self.resolve_binding(name, walrus);
        let name = self.mangle(name);
        if matches!(binding, Binding::Global) {
            if LOCALS_OBSERVERS.contains(&name.as_str()) {
                self.facts.observes_locals = true;
            }
            if self.file.is_stable_builtin(&name) && !self.enclosing_bound.contains(&name) {
                self.facts.stable_globals.insert(name.clone());
            }
        }
        Ident { name, binding }
    }

    fn resolve_binding(&self, name: &Name, walrus: bool) -> Binding {
        let mut innermost = true;
        for scope in self.scopes.iter().rev() {
            if walrus && scope.kind == ScopeKind::Comprehension {
                continue;
            }
            match scope.kind {
                ScopeKind::Module => return Binding::Global,
                ScopeKind::Class => {
                    if innermost && scope.names.globals.contains(name) {
                        return Binding::Global;
                    }
                    if innermost && scope.names.binds(name) {
                        return Binding::ClassMember;
                    }
                }
                ScopeKind::Function | ScopeKind::Lambda | ScopeKind::Comprehension => {
                    if scope.names.globals.contains(name) {
                        return Binding::Global;
                    }
                    if !scope.names.nonlocals.contains(name) && scope.names.binds(name) {
                        return Binding::Local {
                            scope: scope.key,
                            keep_name: scope.names.keep.contains(name),
                            canonical: 0,
                        };
                    }
                }
            }
            innermost = false;
        }
        match &self.own_name {
            Some(own) if own == name && !self.scopes.is_empty() => Binding::OwnItem,
            _ => Binding::Global,
        }
    }

    // ---- items --------------------------------------------------------------------------

    fn function(&mut self, function: FunctionId, name: Ident, origin: Origin) -> nf::Function {
        let hir = self.hir;
        let data = &hir.functions[function];
        let parent = self.cx(data.parent);
        let decorators = self.exprs(parent, &data.decorators);
        let type_params = self.type_params(parent, data.type_params.as_ref());
        let defaults = self.param_defaults(parent, &data.params);
        let annotations: Vec<Option<nf::Expr>> = data
            .params
            .iter()
            .map(|param| {
                param
                    .annotation
                    .and_then(|annotation| self.evaluated_annotation(parent, annotation))
            })
            .collect();
        let returns = data
            .returns
            .and_then(|returns| self.evaluated_annotation(parent, returns));

        let own = self.cx(BodyId::Function(function));
        let mut names = ScopeNames::default();
        add_params(&mut names, &data.params);
        Collector {
            hir,
            names: &mut names,
        }
        .block(own.body, &own.body.block);
        let key = self.push_scope(ScopeKind::Function, names);
        let params = self.params(&data.params, defaults, annotations);
        let mut body = Vec::new();
        self.block(own, &own.body.block, &mut body);
        if !crate::normalize::terminates(&body) {
            let end = TextRange::empty(origin.0.end());
            body.push(nf::Stmt {
                kind: nf::StmtKind::Return(nf::Expr::none(Origin(end))),
                origin: Origin(end),
            });
        }
        let scope = self.scopes.pop().expect("the function scope was pushed");
        nf::Function {
            name,
            is_async: data.is_async,
            is_generator: scope.yields,
            decorators,
            type_params,
            params,
            returns,
            body,
            origin,
            scope: ScopeTag(key),
        }
    }

    fn class(&mut self, class: ClassId, name: Ident, origin: Origin) -> nf::Class {
        let hir = self.hir;
        let data = &hir.classes[class];
        let parent = self.cx(data.parent);
        let decorators = self.exprs(parent, &data.decorators);
        let type_params = self.type_params(parent, data.type_params.as_ref());
        let bases = self.exprs(parent, &data.bases);
        let keywords = self.keywords(parent, &data.keywords);
        let own = self.cx(BodyId::Class(class));
        let mut names = ScopeNames::default();
        Collector {
            hir,
            names: &mut names,
        }
        .block(own.body, &own.body.block);
        self.push_scope(ScopeKind::Class, names);
        let outer_class = self.enclosing_class.replace(data.name.clone());
        let mut body = Vec::new();
        self.block(own, &own.body.block, &mut body);
        self.enclosing_class = outer_class;
        self.scopes.pop();
        nf::Class {
            name,
            decorators,
            type_params,
            bases,
            keywords,
            body,
            origin,
        }
    }

    fn param_defaults(&mut self, cx: Cx<'_>, params: &hir::Params) -> Vec<Option<nf::Expr>> {
        params
            .iter()
            .map(|param| param.default.map(|default| self.expr(cx, default)))
            .collect()
    }

    /// The annotation `id` of a `def`'s parameter or return, or of a module-level
    /// annotated assignment, lowered when its statement evaluates it (the file does not
    /// postpone annotations) and evaluating it may have an effect.
    fn evaluated_annotation(&mut self, cx: Cx<'_>, id: ExprId) -> Option<nf::Expr> {
        (!self.file.postponed_annotations && annotation_may_have_effects(cx.body, id))
            .then(|| self.expr(cx, id))
    }

    /// The parameters, resolved in the scope just pushed, with defaults and annotations
    /// (none for a lambda) lowered before, in the order of [`hir::Params::iter`].
    fn params(
        &mut self,
        params: &hir::Params,
        defaults: Vec<Option<nf::Expr>>,
        annotations: Vec<Option<nf::Expr>>,
    ) -> nf::Params {
        let mut defaults = defaults.into_iter();
        let mut annotations = annotations.into_iter();
        let mut lower = |lowering: &mut Self, param: &hir::Param| nf::Param {
            name: lowering.resolve(&param.name, false),
            annotation: annotations.next().flatten(),
            default: defaults.next().flatten(),
        };
        nf::Params {
            posonly: params.posonly.iter().map(|p| lower(self, p)).collect(),
            args: params.args.iter().map(|p| lower(self, p)).collect(),
            vararg: params.vararg.as_ref().map(|p| lower(self, p)),
            kwonly: params.kwonly.iter().map(|p| lower(self, p)).collect(),
            kwarg: params.kwarg.as_ref().map(|p| lower(self, p)),
        }
    }

    fn type_params(&mut self, cx: Cx<'_>, params: Option<&hir::TypeParams>) -> Vec<nf::TypeParam> {
        let Some(params) = params else {
            return Vec::new();
        };
        params
            .params
            .iter()
            .map(|param| nf::TypeParam {
                kind: param.kind,
                name: param.name.clone(),
                bound: param.bound.map(|bound| self.expr(cx, bound)),
                default: param.default.map(|default| self.expr(cx, default)),
            })
            .collect()
    }

    // ---- statements ---------------------------------------------------------------------

    fn block(&mut self, cx: Cx<'_>, stmts: &[StmtId], out: &mut nf::Block) {
        self.block_with_items(cx, stmts, out, None);
    }

    fn block_with_items(
        &mut self,
        cx: Cx<'_>,
        stmts: &[StmtId],
        out: &mut nf::Block,
        mut items: Option<&mut ItemLowering<'_>>,
    ) {
        for &stmt in stmts {
            let origin = Origin(cx.map.stmt(stmt));
            let kind = stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                self.stmt(cx, stmt, origin, items.as_deref_mut())
            });
            if let Some(kind) = kind {
                out.push(nf::Stmt { kind, origin });
            }
        }
    }

    fn nested_block(
        &mut self,
        cx: Cx<'_>,
        stmts: &[StmtId],
        items: Option<&mut ItemLowering<'_>>,
    ) -> nf::Block {
        let mut out = Vec::new();
        self.block_with_items(cx, stmts, &mut out, items);
        out
    }

    fn current_kind(&self) -> ScopeKind {
        self.scopes
            .last()
            .map_or(ScopeKind::Module, |scope| scope.kind)
    }

    fn stmt(
        &mut self,
        cx: Cx<'_>,
        id: StmtId,
        origin: Origin,
        mut items: Option<&mut ItemLowering<'_>>,
    ) -> Option<nf::StmtKind> {
        use nf::StmtKind as K;
        let kind = match &cx.body.stmts[id] {
            hir::Stmt::FunctionDef(function) => {
                if let Some(items) = items {
                    return Some(items(BodyId::Function(*function)));
                }
                let hir = self.hir;
                let name = self.resolve(&hir.functions[*function].name, false);
                K::FunctionDef(Box::new(self.function(*function, name, origin)))
            }
            hir::Stmt::ClassDef(class) => {
                if let Some(items) = items {
                    return Some(items(BodyId::Class(*class)));
                }
                let hir = self.hir;
                let name = self.resolve(&hir.classes[*class].name, false);
                K::ClassDef(Box::new(self.class(*class, name, origin)))
            }
            hir::Stmt::Return { value } => K::Return(match value {
                Some(value) => self.expr(cx, *value),
                None => nf::Expr::none(origin),
            }),
            hir::Stmt::Delete { targets } => K::Delete(self.exprs(cx, targets)),
            hir::Stmt::Assign { targets, value } => K::Assign {
                value: self.expr(cx, *value),
                targets: self.exprs(cx, targets),
            },
            hir::Stmt::AugAssign { target, op, value } => K::AugAssign {
                target: self.expr(cx, *target),
                op: *op,
                value: self.expr(cx, *value),
            },
            hir::Stmt::AnnAssign {
                target,
                annotation,
                value,
                simple,
            } => return self.annotated(cx, *target, *annotation, *value, *simple),
            hir::Stmt::TypeAlias {
                name,
                type_params,
                value,
            } => K::TypeAlias {
                name: self.expr(cx, *name),
                type_params: self.type_params(cx, type_params.as_ref()),
                value: self.expr(cx, *value),
            },
            hir::Stmt::For {
                is_async,
                target,
                iter,
                body,
                orelse,
            } => K::For {
                is_async: *is_async,
                iter: self.expr(cx, *iter),
                target: self.expr(cx, *target),
                body: self.nested_block(cx, body, items.as_deref_mut()),
                orelse: self.nested_block(cx, orelse, items),
            },
            hir::Stmt::While { test, body, orelse } => K::While {
                test: self.expr(cx, *test),
                body: self.nested_block(cx, body, items.as_deref_mut()),
                orelse: self.nested_block(cx, orelse, items),
            },
            hir::Stmt::If {
                test, body, orelse, ..
            } => K::If {
                test: self.expr(cx, *test),
                body: self.nested_block(cx, body, items.as_deref_mut()),
                orelse: self.nested_block(cx, orelse, items),
            },
            hir::Stmt::With {
                is_async,
                items: with_items,
                body,
            } => {
                let mut lowered: Vec<nf::WithItem> = with_items
                    .iter()
                    .map(|item| nf::WithItem {
                        context_expr: self.expr(cx, item.context_expr),
                        optional_vars: item.optional_vars.map(|vars| self.expr(cx, vars)),
                    })
                    .collect();
                // `with a, b:` is `with a: with b:`; one item per statement.
                let mut body = self.nested_block(cx, body, items);
                while lowered.len() > 1 {
                    let last = lowered.pop().expect("more than one item");
                    body = vec![nf::Stmt {
                        kind: K::With {
                            is_async: *is_async,
                            items: vec![last],
                            body,
                        },
                        origin,
                    }];
                }
                K::With {
                    is_async: *is_async,
                    items: lowered,
                    body,
                }
            }
            hir::Stmt::Match { subject, cases } => {
                let subject = self.expr(cx, *subject);
                let mut lowered = Vec::with_capacity(cases.len());
                for case in cases.iter() {
                    lowered.push(nf::MatchCase {
                        pattern: self.pattern(cx, case.pattern),
                        guard: case.guard.map(|guard| self.expr(cx, guard)),
                        body: self.nested_block(cx, &case.body, items.as_deref_mut()),
                    });
                }
                K::Match {
                    subject,
                    cases: lowered,
                }
            }
            hir::Stmt::Raise { exc, cause } => K::Raise {
                exc: exc.map(|exc| self.expr(cx, exc)),
                cause: cause.map(|cause| self.expr(cx, cause)),
            },
            hir::Stmt::Try {
                body,
                handlers,
                orelse,
                finalbody,
                is_star,
            } => {
                let body = self.nested_block(cx, body, items.as_deref_mut());
                let mut lowered = Vec::with_capacity(handlers.len());
                for handler in handlers.iter() {
                    let type_ = handler.type_.map(|type_| self.expr(cx, type_));
                    let handler_origin = type_.as_ref().map_or(origin, |type_| type_.origin);
                    lowered.push(nf::ExceptHandler {
                        type_,
                        name: handler.name.as_ref().map(|name| self.resolve(name, false)),
                        body: self.nested_block(cx, &handler.body, items.as_deref_mut()),
                        origin: handler_origin,
                    });
                }
                K::Try {
                    body,
                    handlers: lowered,
                    orelse: self.nested_block(cx, orelse, items.as_deref_mut()),
                    finalbody: self.nested_block(cx, finalbody, items),
                    is_star: *is_star,
                }
            }
            hir::Stmt::Assert { test, msg } => K::Assert {
                test: self.expr(cx, *test),
                msg: msg.map(|msg| self.expr(cx, msg)),
            },
            hir::Stmt::Import { names } => K::Import(
                names
                    .iter()
                    .map(|alias| {
                        let bound = match &alias.asname {
                            Some(asname) => asname.clone(),
                            None => Name::new(alias.name.split('.').next().unwrap_or_default()),
                        };
                        nf::ImportAlias {
                            name: alias.name.clone(),
                            bound: Some(self.resolve(&bound, false)),
                            binds_root: alias.asname.is_none() && alias.name.contains('.'),
                        }
                    })
                    .collect(),
            ),
            hir::Stmt::ImportFrom {
                module,
                names,
                level,
            } => K::ImportFrom {
                module: module.clone(),
                level: *level,
                names: names
                    .iter()
                    .map(|alias| nf::ImportAlias {
                        name: alias.name.clone(),
                        bound: (alias.name.as_str() != "*").then(|| {
                            self.resolve(alias.asname.as_ref().unwrap_or(&alias.name), false)
                        }),
                        binds_root: false,
                    })
                    .collect(),
            },
            hir::Stmt::Global { names } => {
                K::Global(names.iter().cloned().map(Ident::global).collect())
            }
            hir::Stmt::Nonlocal { names } => K::Nonlocal(
                names
                    .iter()
                    .map(|name| {
                        let ident = self.resolve(name, false);
                        if let Some(key) = ident.local_key() {
                            self.facts.nonlocal_written.get_mut().insert(key);
                        }
                        ident
                    })
                    .collect(),
            ),
            hir::Stmt::Expr { value } => {
                if matches!(cx.body.exprs[*value], hir::Expr::Literal(_)) {
                    return None;
                }
                // `(v := e)` as a statement stores `v` and drops the value: `v = e`.
                let lowered = self.expr(cx, *value);
                match lowered.kind {
                    nf::ExprKind::Named { target, value } => K::Assign {
                        targets: vec![nf::Expr::name(target, lowered.origin)],
                        value: *value,
                    },
                    kind => K::Expr(nf::Expr::new(kind, lowered.origin)),
                }
            }
            hir::Stmt::Pass => return None,
            hir::Stmt::Break => K::Break,
            hir::Stmt::Continue => K::Continue,
            hir::Stmt::Error => K::Unparsable(nf::UnparsableMarker),
        };
        Some(kind)
    }

    /// An annotated assignment: a plain assignment outside class bodies; a declaration
    /// without a value only where it changes meaning. At module level the annotation is
    /// evaluated after the assignment, and kept when that may have an effect; a function
    /// never evaluates its variables' annotations.
    fn annotated(
        &mut self,
        cx: Cx<'_>,
        target: ExprId,
        annotation: ExprId,
        value: Option<ExprId>,
        simple: bool,
    ) -> Option<nf::StmtKind> {
        let kind = self.current_kind();
        if kind == ScopeKind::Class {
            return Some(nf::StmtKind::AnnAssign {
                target: self.expr(cx, target),
                annotation: Some(self.expr(cx, annotation)),
                value: value.map(|value| self.expr(cx, value)),
            });
        }
        let annotation = match kind {
            ScopeKind::Module => self.evaluated_annotation(cx, annotation),
            _ => None,
        };
        if let Some(value) = value {
            let value = self.expr(cx, value);
            let target = self.expr(cx, target);
            return Some(match annotation {
                Some(annotation) => nf::StmtKind::AnnAssign {
                    target,
                    annotation: Some(annotation),
                    value: Some(value),
                },
                None => nf::StmtKind::Assign {
                    value,
                    targets: vec![target],
                },
            });
        }
        let redundant = annotation.is_none()
            && match &cx.body.exprs[target] {
                hir::Expr::Name { id, .. } if simple => {
                    kind == ScopeKind::Module
                        || self
                            .scopes
                            .last()
                            .is_some_and(|scope| scope.names.bound.contains(id))
                }
                _ => false,
            };
        (!redundant).then(|| nf::StmtKind::AnnAssign {
            target: self.expr(cx, target),
            annotation,
            value: None,
        })
    }

    // ---- expressions --------------------------------------------------------------------

    fn exprs(&mut self, cx: Cx<'_>, ids: &[ExprId]) -> Vec<nf::Expr> {
        ids.iter().map(|&id| self.expr(cx, id)).collect()
    }

    fn boxed(&mut self, cx: Cx<'_>, id: ExprId) -> Box<nf::Expr> {
        Box::new(self.expr(cx, id))
    }

    fn keywords(&mut self, cx: Cx<'_>, keywords: &[hir::Keyword]) -> Vec<nf::Keyword> {
        keywords
            .iter()
            .map(|keyword| nf::Keyword {
                arg: keyword.arg.clone(),
                value: self.expr(cx, keyword.value),
            })
            .collect()
    }

    fn expr(&mut self, cx: Cx<'_>, id: ExprId) -> nf::Expr {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            let origin = Origin(cx.map.expr(id));
            nf::Expr::new(self.expr_kind(cx, id), origin)
        })
    }

    fn expr_kind(&mut self, cx: Cx<'_>, id: ExprId) -> nf::ExprKind {
        use nf::ExprKind as K;
        match &cx.body.exprs[id] {
            hir::Expr::Name { id: name, .. } => {
                if name.is_empty() {
                    K::Unparsable(nf::UnparsableMarker)
                } else {
                    let ident = self.resolve(name, false);
                    if let Some(key) = ident.local_key()
                        && self.file.maybe_unbound_reads.contains(&cx.map.expr(id))
                    {
                        self.facts.maybe_unbound.borrow_mut().insert(key);
                    }
                    K::Name(ident)
                }
            }
            hir::Expr::Literal(literal) => self.literal(cx, id, literal),
            hir::Expr::Interpolated { kind, parts } => {
                let source = self.source_text(cx, id);
                let reread = if string_literals::needs_reread(source) {
                    match string_literals::reread(source) {
                        Some(Reread::Interpolated(reread))
                            if string_literals::same_shape(parts, &reread) =>
                        {
                            Some(reread)
                        }
                        _ => return K::Unparsable(nf::UnparsableMarker),
                    }
                } else {
                    None
                };
                K::Interpolated {
                    kind: *kind,
                    parts: self.interpolated(cx, parts, reread.as_deref()),
                }
            }
            hir::Expr::BoolOp { op, values } => {
                let mut flat = Vec::with_capacity(values.len());
                for &value in values.iter() {
                    let lowered = self.expr(cx, value);
                    match lowered.kind {
                        K::BoolOp {
                            op: inner,
                            values: inner_values,
                        } if inner == *op => flat.extend(inner_values),
                        kind => flat.push(nf::Expr::new(kind, lowered.origin)),
                    }
                }
                K::BoolOp {
                    op: *op,
                    values: flat,
                }
            }
            hir::Expr::Named { target, value } => {
                let value = self.boxed(cx, *value);
                match &cx.body.exprs[*target] {
                    hir::Expr::Name { id, .. } if !id.is_empty() => {
                        let target = self.resolve(id, true);
                        if let Some(key) = target.local_key()
                            && self.written_later(key.scope)
                        {
                            self.facts.nonlocal_written.get_mut().insert(key);
                        }
                        K::Named { target, value }
                    }
                    _ => K::Unparsable(nf::UnparsableMarker),
                }
            }
            hir::Expr::BinOp { left, op, right } => K::BinOp {
                left: self.boxed(cx, *left),
                op: *op,
                right: self.boxed(cx, *right),
            },
            hir::Expr::UnaryOp { op, operand } => K::UnaryOp {
                op: *op,
                operand: self.boxed(cx, *operand),
            },
            hir::Expr::Lambda { params, body } => {
                let params: &hir::Params = params;
                let defaults = self.param_defaults(cx, params);
                let mut names = ScopeNames::default();
                add_params(&mut names, params);
                Collector {
                    hir: self.hir,
                    names: &mut names,
                }
                .scan(cx.body, *body);
                let key = self.push_scope(ScopeKind::Lambda, names);
                let params = self.params(params, defaults, Vec::new());
                let body = self.boxed(cx, *body);
                self.scopes.pop();
                K::Lambda {
                    params: Box::new(params),
                    body,
                    scope: ScopeTag(key),
                }
            }
            hir::Expr::If { test, body, orelse } => K::IfExp {
                test: self.boxed(cx, *test),
                body: self.boxed(cx, *body),
                orelse: self.boxed(cx, *orelse),
            },
            hir::Expr::Dict { items } => K::Dict(
                items
                    .iter()
                    .map(|item| nf::DictItem {
                        key: item.key.map(|key| self.expr(cx, key)),
                        value: self.expr(cx, item.value),
                    })
                    .collect(),
            ),
            hir::Expr::Set { elts } => K::Set(self.exprs(cx, elts)),
            hir::Expr::List { elts, .. } => K::List(self.exprs(cx, elts)),
            hir::Expr::Tuple { elts, .. } => K::Tuple(self.exprs(cx, elts)),
            hir::Expr::ListComp { elt, generators } => {
                let (generators, elts, scope) = self.comprehension(cx, generators, &[*elt], false);
                K::ListComp {
                    elt: Box::new(only(elts)),
                    generators,
                    scope,
                }
            }
            hir::Expr::SetComp { elt, generators } => {
                let (generators, elts, scope) = self.comprehension(cx, generators, &[*elt], false);
                K::SetComp {
                    elt: Box::new(only(elts)),
                    generators,
                    scope,
                }
            }
            hir::Expr::Generator {
                elt, generators, ..
            } => {
                let (generators, elts, scope) = self.comprehension(cx, generators, &[*elt], true);
                K::Generator {
                    elt: Box::new(only(elts)),
                    generators,
                    scope,
                }
            }
            hir::Expr::DictComp {
                key,
                value,
                generators,
            } => {
                let (generators, mut elts, scope) =
                    self.comprehension(cx, generators, &[*key, *value], false);
                let value = elts.pop().expect("two elements were lowered");
                let key = elts.pop().expect("two elements were lowered");
                K::DictComp {
                    key: Box::new(key),
                    value: Box::new(value),
                    generators,
                    scope,
                }
            }
            hir::Expr::Await { value } => K::Await(self.boxed(cx, *value)),
            hir::Expr::Yield { value } => {
                self.note_yield();
                K::Yield(value.map(|value| self.boxed(cx, value)))
            }
            hir::Expr::YieldFrom { value } => {
                self.note_yield();
                K::YieldFrom(self.boxed(cx, *value))
            }
            hir::Expr::Compare {
                left,
                ops,
                comparators,
            } => K::Compare {
                left: self.boxed(cx, *left),
                ops: ops.to_vec(),
                comparators: self.exprs(cx, comparators),
            },
            hir::Expr::Call {
                func,
                args,
                keywords,
            } => K::Call {
                func: self.boxed(cx, *func),
                args: self.exprs(cx, args),
                keywords: self.keywords(cx, keywords),
            },
            hir::Expr::Attribute { value, attr, .. } => K::Attribute {
                value: self.boxed(cx, *value),
                attr: self.mangle(attr),
            },
            hir::Expr::Subscript { value, slice, .. } => K::Subscript {
                value: self.boxed(cx, *value),
                slice: self.boxed(cx, *slice),
            },
            hir::Expr::Starred { value, .. } => K::Starred(self.boxed(cx, *value)),
            hir::Expr::Slice { lower, upper, step } => K::Slice {
                lower: lower.map(|lower| self.boxed(cx, lower)),
                upper: upper.map(|upper| self.boxed(cx, upper)),
                step: step.map(|step| self.boxed(cx, step)),
            },
            hir::Expr::Error => K::Unparsable(nf::UnparsableMarker),
        }
    }

    /// The source text of expression `id`.
    fn source_text(&self, cx: Cx<'_>, id: ExprId) -> &'a str {
        self.source
            .get(std::ops::Range::<usize>::from(cx.map.expr(id)))
            .unwrap_or_default()
    }

    /// A literal's value: the HIR's, or the value of its source read again when ruff may
    /// not have decoded a string or bytes literal as CPython does ([`string_literals`]).
    fn literal(&self, cx: Cx<'_>, id: ExprId, literal: &hir::Literal) -> nf::ExprKind {
        let is_text = matches!(literal, hir::Literal::Str(_) | hir::Literal::Bytes(_));
        let source = self.source_text(cx, id);
        if !is_text || !string_literals::needs_reread(source) {
            return nf::ExprKind::Literal(lower_literal(literal));
        }
        match (literal, string_literals::reread(source)) {
            (hir::Literal::Str(_), Some(Reread::Str(value))) => {
                nf::ExprKind::Literal(nf::Literal::Str(value))
            }
            (hir::Literal::Bytes(_), Some(Reread::Bytes(value))) => {
                nf::ExprKind::Literal(nf::Literal::Bytes(value))
            }
            _ => nf::ExprKind::Unparsable(nf::UnparsableMarker),
        }
    }

    fn note_yield(&mut self) {
        if let Some(scope) = self
            .scopes
            .iter_mut()
            .rev()
            .find(|scope| scope.kind != ScopeKind::Comprehension)
        {
            scope.yields = true;
        }
    }

    /// Whether a walrus lowered here that binds a local of `scope` runs only later, when
    /// a generator expression between here and `scope` is iterated.
    fn written_later(&self, scope: ScopeKey) -> bool {
        self.scopes
            .iter()
            .rev()
            .take_while(|inner| inner.key != scope)
            .any(|inner| inner.deferred)
    }

    /// Lowers a comprehension's generators and its element expressions: the first
    /// iterable in the enclosing scope, everything else in the comprehension's own, which
    /// is `deferred` for a generator expression.
    fn comprehension(
        &mut self,
        cx: Cx<'_>,
        generators: &[hir::Comprehension],
        elts: &[ExprId],
        deferred: bool,
    ) -> (Vec<nf::Comprehension>, Vec<nf::Expr>, ScopeTag) {
        let first_iter = generators
            .first()
            .map(|generator| self.expr(cx, generator.iter));
        let mut names = ScopeNames::default();
        for generator in generators {
            Collector {
                hir: self.hir,
                names: &mut names,
            }
            .target(cx.body, generator.target);
        }
        let key = self.push_scope(ScopeKind::Comprehension, names);
        if let Some(scope) = self.scopes.last_mut() {
            scope.deferred = deferred;
        }
        let mut first_iter = first_iter;
        let lowered = generators
            .iter()
            .map(|generator| {
                let iter = match first_iter.take() {
                    Some(iter) => iter,
                    None => self.expr(cx, generator.iter),
                };
                nf::Comprehension {
                    target: self.expr(cx, generator.target),
                    iter,
                    ifs: self.exprs(cx, &generator.ifs),
                    is_async: generator.is_async,
                }
            })
            .collect();
        let elts = self.exprs(cx, elts);
        self.scopes.pop();
        (lowered, elts, ScopeTag(key))
    }

    /// The parts of an f-string or t-string; `reread`, when given, holds the exact text of
    /// each literal part and debug field (one for each of `parts`).
    fn interpolated(
        &mut self,
        cx: Cx<'_>,
        parts: &[hir::InterpolatedPart],
        reread: Option<&[RereadPart]>,
    ) -> Vec<nf::InterpolatedPart> {
        let mut out: Vec<nf::InterpolatedPart> = Vec::new();
        for (index, part) in parts.iter().enumerate() {
            let reread = reread.map(|reread| &reread[index]);
            match part {
                hir::InterpolatedPart::Literal(text) => match reread {
                    Some(RereadPart::Literal(value)) => push_literal(&mut out, value.clone()),
                    _ => push_literal(&mut out, nf::PyStr::from(&**text)),
                },
                hir::InterpolatedPart::Interpolation {
                    expr,
                    debug_text,
                    conversion,
                    format_spec,
                } => {
                    let (debug_text, spec_reread) = match reread {
                        Some(RereadPart::Interpolation {
                            debug_text,
                            format_spec,
                        }) => (debug_text.as_deref(), format_spec.as_deref()),
                        _ => (debug_text.as_deref(), None),
                    };
                    if let Some(debug_text) = debug_text {
                        push_literal(&mut out, nf::PyStr::from(debug_text));
                    }
                    let conversion = match (debug_text, conversion, format_spec) {
                        (Some(_), None, None) => Some('r'),
                        _ => *conversion,
                    };
                    out.push(nf::InterpolatedPart::Interpolation {
                        expr: self.expr(cx, *expr),
                        conversion,
                        format_spec: format_spec
                            .as_ref()
                            .map(|spec| self.interpolated(cx, spec, spec_reread)),
                    });
                }
            }
        }
        out
    }

    fn pattern(&mut self, cx: Cx<'_>, id: PatId) -> nf::Pattern {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.pattern_inner(cx, id))
    }

    fn patterns(&mut self, cx: Cx<'_>, ids: &[PatId]) -> Vec<nf::Pattern> {
        ids.iter().map(|&id| self.pattern(cx, id)).collect()
    }

    fn pattern_inner(&mut self, cx: Cx<'_>, id: PatId) -> nf::Pattern {
        match &cx.body.patterns[id] {
            hir::Pattern::Value { value } => nf::Pattern::Value(self.expr(cx, *value)),
            hir::Pattern::Singleton(singleton) => nf::Pattern::Singleton(match singleton {
                hir::Singleton::None => nf::Literal::None,
                hir::Singleton::True => nf::Literal::Bool(true),
                hir::Singleton::False => nf::Literal::Bool(false),
            }),
            hir::Pattern::Sequence { patterns } => {
                nf::Pattern::Sequence(self.patterns(cx, patterns))
            }
            hir::Pattern::Mapping {
                keys,
                patterns,
                rest,
            } => nf::Pattern::Mapping {
                keys: self.exprs(cx, keys),
                patterns: self.patterns(cx, patterns),
                rest: rest.as_ref().map(|rest| self.resolve(rest, false)),
            },
            hir::Pattern::Class {
                cls,
                patterns,
                kwd_attrs,
                kwd_patterns,
            } => nf::Pattern::Class {
                cls: self.expr(cx, *cls),
                patterns: self.patterns(cx, patterns),
                kwd_attrs: kwd_attrs.to_vec(),
                kwd_patterns: self.patterns(cx, kwd_patterns),
            },
            hir::Pattern::Star { name } => {
                nf::Pattern::Star(name.as_ref().map(|name| self.resolve(name, false)))
            }
            hir::Pattern::As { pattern, name } => nf::Pattern::As {
                pattern: pattern.map(|pattern| Box::new(self.pattern(cx, pattern))),
                name: name.as_ref().map(|name| self.resolve(name, false)),
            },
            hir::Pattern::Or { patterns } => nf::Pattern::Or(self.patterns(cx, patterns)),
        }
    }
}

fn only(mut elts: Vec<nf::Expr>) -> nf::Expr {
    elts.pop().expect("one element was lowered")
}

fn push_literal(out: &mut Vec<nf::InterpolatedPart>, text: nf::PyStr) {
    if text.is_empty() {
        return;
    }
    if let Some(nf::InterpolatedPart::Literal(previous)) = out.last_mut() {
        previous.push_str(&text);
    } else {
        out.push(nf::InterpolatedPart::Literal(text));
    }
}

fn lower_literal(literal: &hir::Literal) -> nf::Literal {
    match literal {
        hir::Literal::None => nf::Literal::None,
        hir::Literal::Bool(value) => nf::Literal::Bool(*value),
        hir::Literal::Ellipsis => nf::Literal::Ellipsis,
        hir::Literal::Int(text) => nf::Literal::Int(normalize_int(text)),
        hir::Literal::Float(bits) => nf::Literal::Float(*bits),
        hir::Literal::Complex(bits) => nf::Literal::Complex(*bits),
        hir::Literal::Str(text) => nf::Literal::Str(nf::PyStr::from(&**text)),
        hir::Literal::Bytes(bytes) => nf::Literal::Bytes(bytes.clone()),
    }
}

/// An integer literal's value in decimal when it fits in 128 bits, else its digits
/// without underscores.
pub(crate) fn normalize_int(text: &str) -> Box<str> {
    let cleaned: String = text
        .chars()
        .filter(|c| *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    let (digits, radix) = if let Some(rest) = cleaned.strip_prefix("0x") {
        (rest, 16)
    } else if let Some(rest) = cleaned.strip_prefix("0o") {
        (rest, 8)
    } else if let Some(rest) = cleaned.strip_prefix("0b") {
        (rest, 2)
    } else {
        (cleaned.as_str(), 10)
    };
    match u128::from_str_radix(digits, radix) {
        Ok(value) => value.to_string().into(),
        Err(_) => cleaned.into(),
    }
}

/// Whether evaluating the annotation `id` may have an effect. Names, attributes,
/// subscripts and constants, and tuples, lists and `|` of them, spell types and are
/// assumed to have none (nor to raise).
fn annotation_may_have_effects(body: &hir::Body, id: ExprId) -> bool {
    let any = |ids: &[ExprId]| ids.iter().any(|&id| annotation_may_have_effects(body, id));
    match &body.exprs[id] {
        hir::Expr::Name { .. } | hir::Expr::Literal(_) => false,
        hir::Expr::Attribute { value, .. } => any(&[*value]),
        hir::Expr::Subscript { value, slice, .. } => any(&[*value, *slice]),
        hir::Expr::BinOp {
            left,
            op: Operator::BitOr,
            right,
        } => any(&[*left, *right]),
        hir::Expr::Tuple { elts, .. } | hir::Expr::List { elts, .. } => any(elts),
        _ => true,
    }
}

/// Registers a function's or lambda's parameters as bindings of its scope; those a caller
/// can pass by keyword keep their names.
fn add_params(names: &mut ScopeNames, params: &hir::Params) {
    for param in params.iter() {
        names.bound.insert(param.name.clone());
    }
    for param in params.args.iter().chain(params.kwonly.iter()) {
        names.keep.insert(param.name.clone());
    }
}

/// Collects the names a scope binds from its statements, without entering nested
/// function or class bodies or lambda bodies.
struct Collector<'a, 'n> {
    hir: &'a FileHir,
    names: &'n mut ScopeNames,
}

impl Collector<'_, '_> {
    fn bind(&mut self, name: &Name) {
        if !name.is_empty() {
            self.names.annotated_only.remove(name);
            self.names.bound.insert(name.clone());
        }
    }

    fn block(&mut self, body: &hir::Body, stmts: &[StmtId]) {
        for &stmt in stmts {
            stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.stmt(body, stmt));
        }
    }

    fn scan_all(&mut self, body: &hir::Body, exprs: &[ExprId]) {
        for &expr in exprs {
            self.scan(body, expr);
        }
    }

    fn stmt(&mut self, body: &hir::Body, id: StmtId) {
        match &body.stmts[id] {
            hir::Stmt::FunctionDef(function) => {
                let data = &self.hir.functions[*function];
                self.bind(&data.name);
                self.scan_all(body, &data.decorators);
                for param in data.params.iter() {
                    for expr in [param.default, param.annotation].into_iter().flatten() {
                        self.scan(body, expr);
                    }
                }
                if let Some(returns) = data.returns {
                    self.scan(body, returns);
                }
            }
            hir::Stmt::ClassDef(class) => {
                let data = &self.hir.classes[*class];
                self.bind(&data.name);
                self.scan_all(body, &data.decorators);
                self.scan_all(body, &data.bases);
                for keyword in data.keywords.iter() {
                    self.scan(body, keyword.value);
                }
            }
            hir::Stmt::Return { value } => {
                if let Some(value) = value {
                    self.scan(body, *value);
                }
            }
            hir::Stmt::Delete { targets } => {
                for &target in targets.iter() {
                    self.target(body, target);
                }
            }
            hir::Stmt::Assign { targets, value } => {
                self.scan(body, *value);
                for &target in targets.iter() {
                    self.target(body, target);
                }
            }
            hir::Stmt::AugAssign { target, value, .. } => {
                self.scan(body, *value);
                self.target(body, *target);
            }
            hir::Stmt::AnnAssign {
                target,
                annotation,
                value,
                simple,
            } => {
                // A walrus in an annotation binds here even where the annotation never
                // runs (in a function), as CPython's symbol table does.
                self.scan(body, *annotation);
                match (value, &body.exprs[*target]) {
                    (None, hir::Expr::Name { id, .. }) if *simple => {
                        if !self.names.bound.contains(id) {
                            self.names.annotated_only.insert(id.clone());
                        }
                    }
                    _ => {
                        if let Some(value) = value {
                            self.scan(body, *value);
                        }
                        self.target(body, *target);
                    }
                }
            }
            hir::Stmt::TypeAlias { name, .. } => self.target(body, *name),
            hir::Stmt::For {
                target,
                iter,
                body: block,
                orelse,
                ..
            } => {
                self.scan(body, *iter);
                self.target(body, *target);
                self.block(body, block);
                self.block(body, orelse);
            }
            hir::Stmt::While {
                test,
                body: block,
                orelse,
            }
            | hir::Stmt::If {
                test,
                body: block,
                orelse,
                ..
            } => {
                self.scan(body, *test);
                self.block(body, block);
                self.block(body, orelse);
            }
            hir::Stmt::With {
                items, body: block, ..
            } => {
                for item in items.iter() {
                    self.scan(body, item.context_expr);
                    if let Some(vars) = item.optional_vars {
                        self.target(body, vars);
                    }
                }
                self.block(body, block);
            }
            hir::Stmt::Match { subject, cases } => {
                self.scan(body, *subject);
                for case in cases.iter() {
                    self.pattern(body, case.pattern);
                    if let Some(guard) = case.guard {
                        self.scan(body, guard);
                    }
                    self.block(body, &case.body);
                }
            }
            hir::Stmt::Raise { exc, cause } => {
                for expr in [exc, cause].into_iter().flatten() {
                    self.scan(body, *expr);
                }
            }
            hir::Stmt::Try {
                body: block,
                handlers,
                orelse,
                finalbody,
                ..
            } => {
                self.block(body, block);
                for handler in handlers.iter() {
                    if let Some(type_) = handler.type_ {
                        self.scan(body, type_);
                    }
                    if let Some(name) = &handler.name {
                        self.bind(name);
                    }
                    self.block(body, &handler.body);
                }
                self.block(body, orelse);
                self.block(body, finalbody);
            }
            hir::Stmt::Assert { test, msg } => {
                self.scan(body, *test);
                if let Some(msg) = msg {
                    self.scan(body, *msg);
                }
            }
            hir::Stmt::Import { names } => {
                for alias in names.iter() {
                    match &alias.asname {
                        Some(asname) => self.bind(asname),
                        None => {
                            let root = Name::new(alias.name.split('.').next().unwrap_or_default());
                            if alias.name.contains('.') {
                                self.names.keep.insert(root.clone());
                            }
                            self.bind(&root);
                        }
                    }
                }
            }
            hir::Stmt::ImportFrom { names, .. } => {
                for alias in names.iter() {
                    if alias.name.as_str() != "*" {
                        self.bind(alias.asname.as_ref().unwrap_or(&alias.name));
                    }
                }
            }
            hir::Stmt::Global { names } => self.names.globals.extend(names.iter().cloned()),
            hir::Stmt::Nonlocal { names } => self.names.nonlocals.extend(names.iter().cloned()),
            hir::Stmt::Expr { value } => self.scan(body, *value),
            hir::Stmt::Pass | hir::Stmt::Break | hir::Stmt::Continue | hir::Stmt::Error => {}
        }
    }

    /// Binds the names of an assignment target; scans the rest for walruses.
    fn target(&mut self, body: &hir::Body, id: ExprId) {
        match &body.exprs[id] {
            hir::Expr::Name { id, .. } => self.bind(id),
            hir::Expr::Tuple { elts, .. } | hir::Expr::List { elts, .. } => {
                for &elt in elts.iter() {
                    self.target(body, elt);
                }
            }
            hir::Expr::Starred { value, .. } => self.target(body, *value),
            _ => self.scan(body, id),
        }
    }

    fn pattern(&mut self, body: &hir::Body, id: PatId) {
        match &body.patterns[id] {
            hir::Pattern::Value { value } => self.scan(body, *value),
            hir::Pattern::Singleton(_) => {}
            hir::Pattern::Sequence { patterns } | hir::Pattern::Or { patterns } => {
                for &pattern in patterns.iter() {
                    self.pattern(body, pattern);
                }
            }
            hir::Pattern::Mapping {
                keys,
                patterns,
                rest,
            } => {
                self.scan_all(body, keys);
                for &pattern in patterns.iter() {
                    self.pattern(body, pattern);
                }
                if let Some(rest) = rest {
                    self.bind(rest);
                }
            }
            hir::Pattern::Class {
                cls,
                patterns,
                kwd_patterns,
                ..
            } => {
                self.scan(body, *cls);
                for &pattern in patterns.iter().chain(kwd_patterns.iter()) {
                    self.pattern(body, pattern);
                }
            }
            hir::Pattern::Star { name } => {
                if let Some(name) = name {
                    self.bind(name);
                }
            }
            hir::Pattern::As { pattern, name } => {
                if let Some(pattern) = pattern {
                    self.pattern(body, *pattern);
                }
                if let Some(name) = name {
                    self.bind(name);
                }
            }
        }
    }

    /// Binds the targets of walruses in `id`, which bind in this scope even from inside a
    /// comprehension; a lambda's body is its own scope (its defaults are not).
    fn scan(&mut self, body: &hir::Body, id: ExprId) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || match &body.exprs[id] {
            hir::Expr::Named { target, value } => {
                if let hir::Expr::Name { id, .. } = &body.exprs[*target] {
                    self.bind(id);
                }
                self.scan(body, *value);
            }
            hir::Expr::Lambda { params, .. } => {
                let params: &hir::Params = params;
                for param in params.iter() {
                    if let Some(default) = param.default {
                        self.scan(body, default);
                    }
                }
            }
            expr => expr.walk_children(|child| self.scan(body, child)),
        });
    }
}
