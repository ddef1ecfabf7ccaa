//! What iterating a container gives (`for w in workers`, `[w.step() for w in workers]`):
//! its elements, when awaitify sees every one of them.
//!
//! A list, tuple or set display, or a list or set comprehension, written where it is
//! iterated gives what its elements (or the comprehension's element) resolve to. So does
//! a name bound to one, when every binding that reaches the loop binds such a container
//! and nothing may have changed it since. A tuple cannot change. A list or set can, so
//! its assignment must name it once (not `a = b = [...]`), every use of the name that the
//! binding reaches must only read it (see [`read_only_positions`]), its file must not
//! reach names through a namespace (`locals()`, `globals()`, `vars()`, `eval`, `exec`),
//! and no module may reach other modules' variables so (`exec`, `eval`, `__globals__`,
//! `f_globals`, `f_locals`, `gc.get_objects()`).
//! The name must be a local of a function or a module's global. Once its module is
//! imported, other modules may change a global too: a loop that runs then (in a function)
//! follows it only when no module replaces it and, for a list or set, no code of the
//! project reads it other than to iterate, index, measure or test it (see
//! [`Resolver::global_kept`]). A name imported from another project module (`from
//! clients import workers`) is followed to that module's global when the module binds
//! it once, at its top level, under the same conditions there.
//!
//! An item of such a list or tuple (`workers[0]`, `workers[i]`, not a slice), or of one
//! stored on `self` (below), is any of its elements, when they are all instances.
//!
//! An instance's attribute (`for w in self.workers`) gives the elements of what its
//! class family's methods store there, when every store is such a container of
//! instances and no code may change it (see [`Resolver::stored_elements`]).
//!
//! A generator expression is never followed: it evaluates its element as it is consumed,
//! after the loop body may have rebound the names the element reads.

use super::*;
use crate::index::{BindingSite, ScopeKind};

/// An expression a container holds: its file, body and expression.
pub type Value = (File, BodyId, ExprId);

impl Resolver<'_> {
    /// The expressions whose values iterating `iter` of `body` gives, each with the body
    /// it is written in, when awaitify sees them all (see the module's documentation).
    pub fn iterated_values(
        &mut self,
        file: File,
        body: BodyId,
        iter: ExprId,
    ) -> Option<Vec<Value>> {
        let exprs = &self.hir(file).body(body).exprs;
        match &exprs[iter] {
            Expr::List { elts, .. } | Expr::Tuple { elts, .. } | Expr::Set { elts } => {
                let starred = elts
                    .iter()
                    .any(|element| matches!(exprs[*element], Expr::Starred { .. }));
                (!elts.is_empty() && !starred)
                    .then(|| elts.iter().map(|element| (file, body, *element)).collect())
            }
            Expr::ListComp { elt, .. } | Expr::SetComp { elt, .. } => {
                Some(vec![(file, body, *elt)])
            }
            Expr::Name { .. } => self.named_container_values(file, body, iter),
            // `clients.values()` of a dict awaitify sees whole.
            Expr::Call {
                func,
                args,
                keywords,
            } if args.is_empty() && keywords.is_empty() => match &exprs[*func] {
                Expr::Attribute { value, attr, .. } if attr == "values" => {
                    let value = *value;
                    self.dict_values(file, body, value)
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// What an item of a list or tuple awaitify sees whole gives (`POOL[0]`, `pool[i]`,
    /// `self.workers[0]`): any of its elements, when they are all instances. A slice
    /// (`POOL[1:]`) gives a list, not an element.
    pub(super) fn sequence_item(
        &mut self,
        file: File,
        body: BodyId,
        expr: ExprId,
    ) -> Option<Resolution> {
        let exprs = &self.hir(file).body(body).exprs;
        let Expr::Subscript {
            value,
            slice,
            ctx: ExprContext::Load,
        } = &exprs[expr]
        else {
            return None;
        };
        if matches!(exprs[*slice], Expr::Slice { .. } | Expr::Tuple { .. }) {
            return None;
        }
        let value = *value;
        let found = match exprs[value] {
            Expr::Name { .. } => {
                let values = self.named_container_values(file, body, value)?;
                self.any_of_values(values)
            }
            // `self.workers[0]`: an element of what the class family stores there.
            Expr::Attribute { .. } => self.attribute_elements(file, body, value, "subscript"),
            _ => return None,
        };
        found.only_instances().then_some(found)
    }

    /// What iterating `iter` gives, element by element: each value's resolution is a
    /// candidate. Unknown, as a binding of `kind`, when the values are not all seen.
    pub(super) fn element_of(
        &mut self,
        file: File,
        body: BodyId,
        iter: ExprId,
        kind: &'static str,
    ) -> Resolution {
        let Some(values) = self.iterated_values(file, body, iter) else {
            // `for color in Color:` over an enum gives its members, instances of it.
            if let Some(members) = self.enum_members(file, body, iter) {
                return members;
            }
            return self.attribute_elements(file, body, iter, kind);
        };
        self.any_of_values(values)
    }

    /// Any of `values` (each expression with the body it is written in), each one's
    /// resolution a candidate.
    pub(super) fn any_of_values(&mut self, values: Vec<Value>) -> Resolution {
        let mut candidates = Vec::new();
        for (value_file, value_body, value) in values {
            candidates.extend(
                self.resolve_expr(value_file, value_body, value)
                    .candidates(value_file, None),
            );
        }
        Resolution::combine(candidates)
    }

    /// What iterating `iter` gives when it names project enum classes (`for color in
    /// Color:`), or looking one up by name (`Color["RED"]`): their members, each an
    /// instance of its class.
    pub(super) fn enum_members(
        &mut self,
        file: File,
        body: BodyId,
        iter: ExprId,
    ) -> Option<Resolution> {
        if !matches!(
            self.hir(file).body(body).exprs[iter],
            Expr::Name { .. } | Expr::Attribute { .. }
        ) {
            return None;
        }
        let classes = self.resolve_expr(file, body, iter);
        if matches!(classes, Resolution::Unresolved(_)) {
            return None;
        }
        for alternative in classes.clone().into_alternatives() {
            match alternative {
                Ok(Target::Class { file, class, .. }) if self.enum_base(file, class).is_some() => {}
                _ => return None,
            }
        }
        Some(classes.map(|class| match class {
            Target::Class { file, class, .. } => {
                Resolution::Definite(Target::Instance { file, class })
            }
            other => Resolution::Definite(other),
        }))
    }

    /// What iterating `iter` gives when it is an instance's attribute (`for w in
    /// self.workers`): the elements of what the methods store there.
    fn attribute_elements(
        &mut self,
        file: File,
        body: BodyId,
        iter: ExprId,
        kind: &'static str,
    ) -> Resolution {
        let unknown = || Resolution::Unresolved(Unresolved::Binding(kind));
        let Expr::Attribute { value, attr, .. } = &self.hir(file).body(body).exprs[iter] else {
            return unknown();
        };
        let owners = self.resolve_expr(file, body, *value);
        if matches!(owners, Resolution::Unresolved(_)) {
            return unknown();
        }
        owners.map(|owner| match owner {
            Target::Instance { file, class } => self
                .stored_elements(file, class, attr)
                .unwrap_or_else(unknown),
            _ => unknown(),
        })
    }

    /// What the elements of an instance's attribute `name` may be, when the methods of
    /// its class, its bases and its subclasses store there only containers of paths to
    /// instances (`self.workers = [Worker(n) for n in names]`), no class body of theirs
    /// binds it, nothing else stores it or may change it (see
    /// [`crate::project_attributes_handed_on`]), and no class involved inherits from
    /// outside the project, whose code may change it too.
    fn stored_elements(&mut self, file: File, class: ClassId, name: &str) -> Option<Resolution> {
        let stores = crate::project_attribute_stores(self.db);
        if !stores.containers.contains(name)
            || stores.namespaces_reached
            || stores.elsewhere.contains(name)
            || stores.elsewhere.contains("*")
            || self.class_member(file, class, name, false).is_some()
        {
            return None;
        }
        let handed_on = crate::project_attributes_handed_on(self.db);
        if handed_on.contains(name) || handed_on.contains("*") {
            return None;
        }
        if let Some(computed) = stores.on_self.get("*")
            && self.any_related(file, class, computed)
        {
            return None;
        }
        // A subclass body's own value (`workers = []`) is what its instances find when its
        // `__init__` does not store one.
        if let Some(binding_classes) = stores.class_members.get(name)
            && self.any_related(file, class, binding_classes)
        {
            return None;
        }
        if !self.inherits_from_project_only(file, class) {
            return None;
        }
        let mut candidates = Vec::new();
        for &(store_file, store_class) in stores.on_self.get(name)? {
            if !self.related(file, class, store_file, store_class) {
                continue;
            }
            if !self.inherits_from_project_only(store_file, store_class) {
                return None;
            }
            let values = self.stored_values(store_file, store_class, name)?;
            for value in values.iter() {
                let paths = match value {
                    StoredValue::Elements(paths) => paths,
                    // A loop over `None` raises before and after the rewrite alike.
                    StoredValue::None => continue,
                    _ => return None,
                };
                for path in paths.iter() {
                    let element = self.resolve_path(store_file, path, None);
                    if !element.only_instances() {
                        return None;
                    }
                    candidates.extend(element.candidates(store_file, None));
                }
            }
        }
        (!candidates.is_empty()).then(|| Resolution::combine(candidates))
    }

    /// Whether every class in the MRO of `class` has only project classes (or `object`)
    /// as bases.
    fn inherits_from_project_only(&mut self, file: File, class: ClassId) -> bool {
        let order = self.mro(file, class);
        order
            .iter()
            .all(|&(owner_file, owner)| self.has_only_project_bases(owner_file, owner))
    }

    /// The values of the containers the name `name` of `body` is bound to, when every
    /// binding that reaches it binds one that cannot have changed.
    fn named_container_values(
        &mut self,
        file: File,
        body: BodyId,
        name: ExprId,
    ) -> Option<Vec<Value>> {
        self.named_display_values(file, body, name, |resolver, file, bound_body, value| {
            let mutable = match resolver.hir(file).body(bound_body).exprs[value] {
                Expr::Tuple { .. } => false,
                Expr::List { .. }
                | Expr::Set { .. }
                | Expr::ListComp { .. }
                | Expr::SetComp { .. } => true,
                _ => return None,
            };
            Some((mutable, resolver.iterated_values(file, bound_body, value)?))
        })
    }

    /// The values a dict bound to the name `name` holds, when awaitify sees them all: a
    /// dict display whose every item has a key (`{"live": Client(), "test": Fake()}`), or
    /// a dict comprehension's value, under the conditions a list's elements are followed
    /// (see the module's documentation): `clients[kind]` and `clients.get(kind)` give
    /// one of them.
    pub(crate) fn dict_values(
        &mut self,
        file: File,
        body: BodyId,
        name: ExprId,
    ) -> Option<Vec<Value>> {
        if !matches!(self.hir(file).body(body).exprs[name], Expr::Name { .. }) {
            return None;
        }
        self.named_display_values(file, body, name, |resolver, file, bound_body, value| {
            match &resolver.hir(file).body(bound_body).exprs[value] {
                Expr::Dict { items }
                    if !items.is_empty() && items.iter().all(|item| item.key.is_some()) =>
                {
                    Some((
                        true,
                        items
                            .iter()
                            .map(|item| (file, bound_body, item.value))
                            .collect(),
                    ))
                }
                Expr::DictComp { value, .. } => Some((true, vec![(file, bound_body, *value)])),
                _ => None,
            }
        })
    }

    /// What the containers bound to the name `name` hold, as `elements` reads each
    /// binding's display (whether it may change, and its values), when every binding
    /// that reaches the use binds one and nothing may have changed it since.
    fn named_display_values(
        &mut self,
        file: File,
        body: BodyId,
        name: ExprId,
        elements: impl Fn(&mut Self, File, BodyId, ExprId) -> Option<(bool, Vec<Value>)>,
    ) -> Option<Vec<Value>> {
        // Code that reaches variables through a frame or a module's namespace may rebind
        // the name, a function's local included (`f_locals` writes through since 3.13).
        if crate::project_attribute_stores(self.db).namespaces_reached {
            return None;
        }
        let index = self.index(file);
        let use_id = index.use_of(body, name)?;
        let use_data = &index.uses[use_id];
        if use_data.fallback != Fallback::None {
            return None;
        }
        let mut values = Vec::new();
        for &binding in index.reaching(use_id) {
            let bound = &index.bindings[binding];
            let value = match &bound.kind {
                BindingKind::Assign { value } => *value,
                // `from clients import CLIENTS`: the global the other module binds.
                BindingKind::ImportFrom {
                    module,
                    level,
                    name: imported,
                    ..
                } => {
                    let (module_file, module_binding, value) =
                        self.imported_global(file, module.as_deref(), *level, imported)?;
                    let (mutable, elements) = elements(self, module_file, BodyId::Module, value)?;
                    if mutable && !self.only_read(module_file, module_binding)
                        || !self.global_kept(module_file, imported, mutable)
                    {
                        return None;
                    }
                    values.extend(elements);
                    continue;
                }
                _ => return None,
            };
            let global = match index.scopes[bound.scope].kind {
                ScopeKind::Function => false,
                ScopeKind::Module => true,
                _ => return None,
            };
            let (mutable, elements) = elements(self, file, bound.body, value)?;
            if mutable && !self.only_read(file, binding) {
                return None;
            }
            // Code that runs once the module is imported may find the global changed
            // by other modules.
            if global
                && !self.runs_on_import(file, index, use_data.scope)
                && !self.global_kept(file, &bound.name, mutable)
            {
                return None;
            }
            values.extend(elements);
        }
        (!values.is_empty()).then_some(values)
    }

    /// The one binding of the global `name` of the project module a `from module import
    /// name` of `file` imports, when it is an assignment at the module's top level (and
    /// its value).
    fn imported_global(
        &mut self,
        file: File,
        module: Option<&str>,
        level: u32,
        name: &Name,
    ) -> Option<(File, BindingId, ExprId)> {
        let absolute = crate::absolute_module_name(self.db, file, module, level)?;
        let Target::ProjectModule(module_file) = self.module_target(&absolute) else {
            return None;
        };
        let index = self.index(module_file);
        let symbol = index.scopes[index.module_scope()].symbol(name)?;
        let [binding] = symbol.bindings[..] else {
            return None;
        };
        let bound = &index.bindings[binding];
        match bound.kind {
            BindingKind::Assign { value } if bound.body == BodyId::Module => {
                Some((module_file, binding, value))
            }
            _ => None,
        }
    }

    /// Whether the global `name` of `file` still holds, after its module is imported, a
    /// container its own bindings gave it: no other module replaces it (`app.workers =
    /// ...`, a store on an object awaitify cannot resolve, globals it cannot list), and,
    /// for a `mutable` one, no code of the project reads it other than to iterate,
    /// index, measure or test it (`app.workers.append(w)`, `from app import workers`
    /// handed on; see [`crate::project_attributes_handed_on`]).
    fn global_kept(&mut self, file: File, name: &str, mutable: bool) -> bool {
        if !self.follow_module_stores {
            return false;
        }
        if let Some(stores) = self.module_stores()
            && (stores.replacement(file, name).is_some()
                || stores.on_unknown.contains(name)
                || stores.on_unknown.contains("*")
                || stores.unlisted.contains_key(&file))
        {
            return false;
        }
        let handed_on = crate::project_attributes_handed_on(self.db);
        !mutable || !(handed_on.contains(name) || handed_on.contains("*"))
    }

    /// Whether the container the assignment `binding` binds can be reached only through
    /// its name, and every use of the name that the binding reaches only reads it.
    fn only_read(&mut self, file: File, binding: BindingId) -> bool {
        if let Some(&known) = self.only_read.get(&(file, binding)) {
            return known;
        }
        let found = self.compute_only_read(file, binding);
        self.only_read.insert((file, binding), found);
        found
    }

    fn compute_only_read(&mut self, file: File, binding: BindingId) -> bool {
        let index = self.index(file);
        let hir = self.hir(file);
        let bound = &index.bindings[binding];
        let (BindingSite::Expr(target), BindingKind::Assign { value }) = (bound.site, &bound.kind)
        else {
            return false;
        };
        // Not `a = b = [...]` nor `f(a := [...])`, which give the container another way in.
        let sole_target = hir
            .body(bound.body)
            .stmts
            .iter()
            .any(|(_, stmt)| match stmt {
                Stmt::Assign {
                    targets,
                    value: assigned,
                } => assigned == value && **targets == [target],
                Stmt::AnnAssign {
                    target: annotated,
                    value: Some(assigned),
                    ..
                } => assigned == value && *annotated == target,
                _ => false,
            });
        if !sole_target || self.reads_namespaces(file) {
            return false;
        }
        for &use_id in self.binding_uses(file).of(binding) {
            let data = &index.uses[use_id];
            if !self
                .read_only_positions(file, data.body)
                .contains(data.expr)
            {
                return false;
            }
        }
        true
    }

    /// The uses each binding of `file` reaches, built once per resolver: the checks of
    /// how a name is used after its binding (a container only read, a dispatch table
    /// only looked up, `it = rows()` only iterated) ask it for one binding at a time.
    pub fn binding_uses(&mut self, file: File) -> std::rc::Rc<BindingUses> {
        if let Some(known) = self.binding_uses.get(&file) {
            return known.clone();
        }
        let uses = std::rc::Rc::new(BindingUses::build(self.index(file)));
        self.binding_uses.insert(file, uses.clone());
        uses
    }

    /// [`read_only_positions`] of `body`, computed once per resolver.
    fn read_only_positions(&mut self, file: File, body: BodyId) -> std::rc::Rc<ExprSet> {
        if let Some(known) = self.read_only.get(&(file, body)) {
            return known.clone();
        }
        let index = self.index(file);
        let hir = self.hir(file);
        let positions = std::rc::Rc::new(read_only_positions(index, body, hir.body(body)));
        self.read_only.insert((file, body), positions.clone());
        positions
    }

    /// Whether code in `file` may reach a variable through a namespace rather than its
    /// name: `locals()`, `globals()`, `vars()` without an argument, `eval` and `exec`.
    pub fn reads_namespaces(&mut self, file: File) -> bool {
        if let Some(&known) = self.namespaces_read.get(&file) {
            return known;
        }
        let hir = self.hir(file);
        let found = hir.bodies().any(|(_, body)| {
            body.exprs.iter().any(|(_, expr)| match expr {
                Expr::Name { id, .. } => {
                    matches!(id.as_str(), "locals" | "globals" | "eval" | "exec")
                }
                Expr::Call { func, args, .. } => {
                    args.len() != 1
                        && matches!(&body.exprs[*func], Expr::Name { id, .. } if id == "vars")
                }
                _ => false,
            })
        });
        self.namespaces_read.insert(file, found);
        found
    }
}

/// The uses of a file that each of its bindings reaches, in the order of the uses.
#[derive(Debug)]
pub struct BindingUses {
    /// Where each binding's uses start in `uses`, one more entry than bindings.
    starts: Vec<u32>,
    uses: Vec<UseId>,
}

impl BindingUses {
    fn build(index: &SemanticIndex) -> Self {
        let slot = |binding: &BindingId| binding.into_raw().into_u32() as usize;
        let mut starts = vec![0u32; index.bindings.len() + 1];
        for (use_id, _) in index.uses.iter() {
            for binding in index.reaching(use_id) {
                starts[slot(binding) + 1] += 1;
            }
        }
        for position in 1..starts.len() {
            starts[position] += starts[position - 1];
        }
        let mut next = starts.clone();
        let mut uses = vec![
            UseId::from_raw(la_arena::RawIdx::from_u32(0));
            next[index.bindings.len()] as usize
        ];
        for (use_id, _) in index.uses.iter() {
            for binding in index.reaching(use_id) {
                let position = &mut next[slot(binding)];
                uses[*position as usize] = use_id;
                *position += 1;
            }
        }
        BindingUses { starts, uses }
    }

    /// The uses `binding` reaches.
    pub fn of(&self, binding: BindingId) -> &[UseId] {
        let slot = binding.into_raw().into_u32() as usize;
        &self.uses[self.starts[slot] as usize..self.starts[slot + 1] as usize]
    }
}

/// A set of one body's expressions, a bit each: every body is asked about, and most
/// have few members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExprSet {
    bits: Vec<u64>,
}

impl ExprSet {
    fn for_body(body: &Body) -> Self {
        ExprSet {
            bits: vec![0; body.exprs.len().div_ceil(64)],
        }
    }

    fn insert(&mut self, expr: ExprId) {
        let index = expr.into_raw().into_u32() as usize;
        self.bits[index / 64] |= 1 << (index % 64);
    }

    pub(crate) fn contains(&self, expr: ExprId) -> bool {
        let index = expr.into_raw().into_u32() as usize;
        self.bits
            .get(index / 64)
            .is_some_and(|word| word & (1 << (index % 64)) != 0)
    }
}

/// The expressions of `body` whose value is only read where they stand: iterated by a
/// `for` or a comprehension, indexed (`xs[0]`), measured by the builtin `len`, or tested
/// for membership (`x in xs`) or truth (`if xs:`, `not xs`, an operand of `and` or `or`
/// tested so). A container read there is neither changed nor handed on.
pub(crate) fn read_only_positions(index: &SemanticIndex, body_id: BodyId, body: &Body) -> ExprSet {
    let mut positions = ExprSet::for_body(body);
    // `if a and not b:` tests each operand for truth; elsewhere `a or b` is `a` itself.
    fn tested(body: &Body, expr: ExprId, positions: &mut ExprSet) {
        positions.insert(expr);
        match &body.exprs[expr] {
            Expr::BoolOp { values, .. } => {
                for value in values.iter() {
                    tested(body, *value, positions);
                }
            }
            Expr::UnaryOp {
                op: UnaryOp::Not,
                operand,
            } => tested(body, *operand, positions),
            _ => {}
        }
    }
    for (_, stmt) in body.stmts.iter() {
        match stmt {
            Stmt::For { iter, .. } => {
                positions.insert(*iter);
            }
            Stmt::If { test, .. } | Stmt::While { test, .. } | Stmt::Assert { test, .. } => {
                tested(body, *test, &mut positions);
            }
            _ => {}
        }
    }
    // A builtin that only reads its arguments (`len`, `print`, `sorted`, `list`, ...):
    // no binding of the name reaches the call.
    let is_reading_builtin = |func: ExprId| {
        matches!(&body.exprs[func], Expr::Name { id, .. } if crate::READING_BUILTINS.contains(&id.as_str()))
            && index.reads_builtin(body_id, func)
    };
    for (_, expr) in body.exprs.iter() {
        match expr {
            Expr::ListComp { generators, .. }
            | Expr::SetComp { generators, .. }
            | Expr::DictComp { generators, .. }
            | Expr::Generator { generators, .. } => {
                for generator in generators.iter() {
                    positions.insert(generator.iter);
                    for condition in generator.ifs.iter() {
                        tested(body, *condition, &mut positions);
                    }
                }
            }
            Expr::If { test, .. } => tested(body, *test, &mut positions),
            Expr::UnaryOp {
                op: UnaryOp::Not,
                operand,
            } => tested(body, *operand, &mut positions),
            Expr::Subscript {
                value,
                ctx: ExprContext::Load,
                ..
            } => {
                positions.insert(*value);
            }
            Expr::Compare {
                ops, comparators, ..
            } => {
                for (op, comparator) in ops.iter().zip(comparators.iter()) {
                    if matches!(op, CmpOp::In | CmpOp::NotIn) {
                        positions.insert(*comparator);
                    }
                }
            }
            Expr::Call { func, args, .. } if is_reading_builtin(*func) => {
                for arg in args.iter() {
                    positions.insert(*arg);
                }
            }
            // A mapping's methods that only read it: `clients.get(kind)`,
            // `clients.values()`, `.items()`, `.keys()`.
            Expr::Call { func, .. } => {
                if let Expr::Attribute { value, attr, .. } = &body.exprs[*func]
                    && matches!(attr.as_str(), "get" | "values" | "items" | "keys")
                {
                    positions.insert(*value);
                }
            }
            _ => {}
        }
    }
    positions
}

/// The attribute names whose values code of `hir` may change or hand on, so that a
/// container stored under one may hold what awaitify did not see: each attribute read
/// other than at a read-only position (`pool.workers.append(w)`, `run(self.workers)`,
/// `ws = self.workers`), and so each module attribute imported by name and used so
/// (`from app import workers`, then `workers.append(w)`), each name fetched by a literal (`getattr(obj, "workers")`,
/// `operator.attrgetter`, `__getattribute__`) or bound by a class pattern's keyword
/// (`case Pool(workers=ws)`), and `*` where any attribute may be reached that way: a
/// computed name, a namespace read (`obj.__dict__`, `vars(obj)`,
/// `inspect.getmembers(obj)`) or a class pattern's positional sub-patterns. Sorted, each
/// once.
pub(crate) fn attributes_handed_on(hir: &FileHir, index: &SemanticIndex) -> Box<[Name]> {
    let mut names = AttributeNames::default();
    let positions: FxHashMap<BodyId, ExprSet> = hir
        .bodies()
        .map(|(body_id, body)| (body_id, read_only_positions(index, body_id, body)))
        .collect();
    // `from app import workers` reads the module's attribute `workers`. Most reads are of
    // other names, so the positions are looked at only for an import's.
    for (use_id, data) in index.uses.iter() {
        for binding in index.reaching(use_id) {
            if let BindingKind::ImportFrom { name, .. } = &index.bindings[*binding].kind
                && !positions[&data.body].contains(data.expr)
            {
                names.push(name);
            }
        }
    }
    for (body_id, body) in hir.bodies() {
        let positions = &positions[&body_id];
        for (expr_id, expr) in body.exprs.iter() {
            match expr {
                Expr::Attribute {
                    attr,
                    ctx: ExprContext::Load,
                    ..
                } => {
                    if attr == "__dict__" {
                        names.push_any();
                    } else if !positions.contains(expr_id) {
                        names.push(attr);
                    }
                }
                Expr::Call { func, args, .. } => {
                    let callee = match &body.exprs[*func] {
                        Expr::Name { id, .. } => id,
                        Expr::Attribute { attr, .. } => attr,
                        _ => continue,
                    };
                    // The arguments that name what the call fetches.
                    let named: &[ExprId] = match (callee.as_str(), &args[..]) {
                        ("getattr", [_, name, ..]) => std::slice::from_ref(name),
                        ("__getattribute__", [.., name]) => std::slice::from_ref(name),
                        ("attrgetter", names) => names,
                        ("vars", [_]) | ("getmembers", _) => {
                            names.push_any();
                            continue;
                        }
                        _ => continue,
                    };
                    for name in named {
                        match &body.exprs[*name] {
                            Expr::Literal(Literal::Str(text)) => {
                                for part in text.split('.') {
                                    names.push(part);
                                }
                            }
                            _ => names.push_any(),
                        }
                    }
                }
                _ => {}
            }
        }
        for (_, pattern) in body.patterns.iter() {
            if let Pattern::Class {
                patterns,
                kwd_attrs,
                ..
            } = pattern
            {
                for attr in kwd_attrs.iter() {
                    names.push(attr);
                }
                if !patterns.is_empty() {
                    names.push_any();
                }
            }
        }
    }
    names.finish()
}

/// The attribute names [`attributes_handed_on`] collects: each name read once, though a
/// file reads most of them many times.
#[derive(Default)]
struct AttributeNames<'hir> {
    seen: FxHashSet<&'hir str>,
    names: Vec<Name>,
}

impl<'hir> AttributeNames<'hir> {
    fn push(&mut self, name: &'hir str) {
        if self.seen.insert(name) {
            push_attribute(&mut self.names, name);
        }
    }

    /// Any name: an attribute fetched by a computed name, or every attribute at once.
    fn push_any(&mut self) {
        self.push("*");
    }

    fn finish(mut self) -> Box<[Name]> {
        self.names.sort();
        self.names.dedup();
        self.names.into_boxed_slice()
    }
}

/// Adds `name`, and, when it may spell a private name from outside its class
/// (`_Team__workers`), the private names it may spell (`__workers`), which is how the
/// class's own methods write it.
fn push_attribute(names: &mut Vec<Name>, name: &str) {
    names.push(Name::from(name));
    if !name.starts_with('_') || name.starts_with("__") {
        return;
    }
    for (position, _) in name
        .match_indices("__")
        .filter(|(position, _)| *position > 1)
    {
        let private = &name[position..];
        if !private.ends_with("__") {
            names.push(Name::from(private));
        }
    }
}
