//! Streamlit's `st.session_state`: what the project stores under each key, so that a
//! read of a key (`st.session_state.client`, `st.session_state["client"]`,
//! `st.session_state.get("client")`) may resolve to what was stored there.
//!
//! Session state is one mapping per browser session, shared by every page and module
//! of the app and kept across reruns. A read of a key gives whatever any store of that
//! key put there, in any file, on any earlier run. So the stores are gathered for the
//! whole project, and a key is followed only when awaitify sees every store that may
//! write it:
//!
//! - stores by attribute or item (`st.session_state.client = Client()`,
//!   `st.session_state["client"] = ...`, an element of an unpacking `state.a, state.b =
//!   A(), B()`), `setdefault`, `update`, `setattr`;
//! - widgets, which store their value under their key (`st.button("Go", key="go")`, by
//!   position `st.button("Go", "go")`, or in a `**` mapping); a widget's value may be
//!   any of its options, so such a key is never followed;
//! - a private name written in a class (`st.session_state.__conn` in `App`) stores the
//!   key Python mangles it to (`_App__conn`);
//! - keys computed at run time (`st.session_state[f"row_{i}"] = ...`): an f-string or a
//!   concatenation with a literal start may write any key with that start, anything
//!   else any key.
//!
//! Where the state itself goes somewhere awaitify does not follow (handed to a
//! function, returned, a global alias other modules may import, an alias in a class
//! body, `getattr(st, "session_state")`, code run by `exec` or `eval`), any key may hold
//! anything, and none is followed.
//!
//! The scan is syntactic (the HIR and the semantic index only): it runs before name
//! resolution, which reads its result. Any attribute or name `session_state` counts as
//! Streamlit's (a star import from `streamlit` binds it); on another object that only
//! adds stores. Code outside the project is
//! taken to write no key the project stores an object under.

use awaitify_hir::hir::{
    Body, BodyId, Expr, ExprContext, ExprId, FileHir, InterpolatedPart, Literal, Name, Operator,
    Stmt,
};
use rustc_hash::FxHashSet;

use crate::index::{BindingId, BindingKind, ScopeKind, SemanticIndex};
use crate::symbols::StoredValue;

/// The keys a store may write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionKey {
    /// One key, written out (`"client"`, an attribute's name).
    Exact(Name),
    /// Any key starting with this text (`f"row_{i}"`, `"row_" + name`).
    Prefix(Box<str>),
    /// Any key.
    Any,
}

impl SessionKey {
    /// Whether a store of these keys may write `key`.
    pub fn may_write(&self, key: &str) -> bool {
        match self {
            SessionKey::Exact(name) => name == key,
            SessionKey::Prefix(prefix) => key.starts_with(&**prefix),
            SessionKey::Any => true,
        }
    }
}

/// One store into session state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionStore {
    pub key: SessionKey,
    /// A widget's `key=`: the widget stores its value there.
    pub widget: bool,
    /// What it stores, as a path in its module's globals where awaitify can say.
    pub value: StoredValue,
    pub body: BodyId,
    pub expr: ExprId,
}

/// Where in a body: an expression, or a name that is none (an import's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Expr(ExprId),
    Name(awaitify_hir::source_map::NameSite),
}

/// What one file does with session state (see the module's documentation).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileSessionState {
    pub stores: Vec<SessionStore>,
    /// The first place the state goes where awaitify does not follow it.
    pub escape: Option<(BodyId, Place)>,
    /// The first global of the module bound to the state (`state = st.session_state`),
    /// which a module importing this one may reach.
    pub global_alias: Option<(BodyId, ExprId)>,
}

/// The methods of session state that only read it or remove keys.
const READING_METHODS: &[&str] = &[
    "get",
    "keys",
    "values",
    "items",
    "to_dict",
    "pop",
    "popitem",
    "clear",
    "__contains__",
    "__getitem__",
    "__getattr__",
    "__len__",
    "__iter__",
    "__delitem__",
    "__delattr__",
];

/// Streamlit's functions that only show their arguments.
const DISPLAY_FUNCTIONS: &[&str] = &[
    "write",
    "json",
    "text",
    "markdown",
    "code",
    "caption",
    "dataframe",
    "table",
    "info",
    "success",
    "warning",
    "error",
    "help",
];

/// Streamlit's widgets, each with the least position its `key` may take when it is
/// passed by position (`st.button("Go", "go")`) in Streamlit's releases: an argument
/// there or after it may be the key.
const WIDGETS: &[(&str, usize)] = &[
    ("altair_chart", 3),
    ("audio_input", 1),
    ("button", 1),
    ("camera_input", 1),
    ("chat_input", 1),
    ("checkbox", 2),
    ("color_picker", 2),
    ("data_editor", 7),
    ("dataframe", 7),
    ("date_input", 4),
    ("download_button", 4),
    ("experimental_data_editor", 7),
    ("feedback", 1),
    ("file_uploader", 3),
    ("form", 0),
    ("form_submit_button", 1),
    ("multiselect", 4),
    ("number_input", 6),
    ("pills", 3),
    ("plotly_chart", 3),
    ("pydeck_chart", 2),
    ("radio", 4),
    ("segmented_control", 3),
    ("select_slider", 4),
    ("selectbox", 4),
    ("slider", 6),
    ("text_area", 4),
    ("text_input", 3),
    ("time_input", 2),
    ("toggle", 2),
    ("vega_lite_chart", 3),
];

/// Calls whose `key=` is a function, not a widget's key.
const KEY_FUNCTION_CALLEES: &[&str] = &[
    "sorted",
    "min",
    "max",
    "sort",
    "nlargest",
    "nsmallest",
    "groupby",
    "merge",
    "bisect",
    "bisect_left",
    "bisect_right",
    "insort",
    "insort_left",
    "insort_right",
    "sort_values",
    "sort_index",
];

/// Finds what `hir` stores into session state (see the module's documentation).
pub fn scan(hir: &FileHir, index: &SemanticIndex) -> FileSessionState {
    let mut scan = Scan {
        hir,
        index,
        state: FileSessionState::default(),
        raw: Vec::new(),
        occurrences: FxHashSet::default(),
        holders: FxHashSet::default(),
        pending: Vec::new(),
        parents: Vec::new(),
    };
    for (binding_id, binding) in index.bindings.iter() {
        if let BindingKind::ImportFrom {
            module: Some(module),
            level: 0,
            name,
            ..
        } = &binding.kind
            && name == "session_state"
            && (module == "streamlit" || module.starts_with("streamlit."))
        {
            if index.scopes[binding.scope].kind == ScopeKind::Class {
                let body = binding.body;
                let place = match binding.site {
                    crate::index::BindingSite::Expr(expr) => Place::Expr(expr),
                    crate::index::BindingSite::Name(site) => Place::Name(site),
                };
                scan.state.escape.get_or_insert((body, place));
            } else {
                scan.hold(binding_id);
            }
        }
    }
    for (body_id, body) in hir.bodies() {
        for (expr_id, expr) in body.exprs.iter() {
            match expr {
                Expr::Attribute { attr, ctx, .. } if attr == "session_state" => {
                    if *ctx == ExprContext::Load {
                        scan.pending.push((body_id, expr_id));
                    } else {
                        // `st.session_state = fake`: another object takes its place.
                        scan.escape(body_id, expr_id);
                    }
                }
                // `session_state` bound by `from streamlit import *` or anything else:
                // taking it for the state only adds stores.
                Expr::Name {
                    id,
                    ctx: ExprContext::Load,
                } if id == "session_state" => scan.pending.push((body_id, expr_id)),
                // `getattr(st, "session_state")`, `vars(st)["session_state"]`.
                Expr::Literal(Literal::Str(text)) if &**text == "session_state" => {
                    scan.escape(body_id, expr_id);
                }
                Expr::Call {
                    func,
                    args,
                    keywords,
                } => {
                    if let Some(key) = keywords
                        .iter()
                        .find(|keyword| keyword.arg.as_deref() == Some("key"))
                    {
                        scan.widget_key(body_id, body, expr_id, *func, key.value);
                    }
                    scan.widget_arguments(body_id, body, expr_id, *func, args, keywords);
                }
                // Code run from a string may store anything.
                Expr::Name {
                    id,
                    ctx: ExprContext::Load,
                } if matches!(id.as_str(), "exec" | "eval") => scan.escape(body_id, expr_id),
                _ => {}
            }
        }
    }
    while let Some((body_id, expr)) = scan.pending.pop() {
        if scan.occurrences.insert((body_id, expr)) {
            scan.occurrence(body_id, expr);
        }
    }
    for raw in std::mem::take(&mut scan.raw) {
        let values = match raw.source {
            Source::Known(value) => vec![value],
            Source::Assigned(target) => {
                let body = hir.body(raw.body);
                match crate::assigned_value(body, target).or_else(|| unpacked_value(body, target)) {
                    Some(value) => scan.values(raw.body, &raw.key, value),
                    None => vec![StoredValue::Unknown],
                }
            }
            Source::Argument(value) => scan.values(raw.body, &raw.key, value),
        };
        for value in values {
            scan.state.stores.push(SessionStore {
                key: raw.key.clone(),
                widget: raw.widget,
                value,
                body: raw.body,
                expr: raw.expr,
            });
        }
    }
    scan.state
}

/// Where a store's value comes from, read once every use of the state is known.
enum Source {
    /// The value assigned to this target (`st.session_state.client = Client()`).
    Assigned(ExprId),
    /// This argument of the storing call (`st.session_state.setdefault("k", value)`).
    Argument(ExprId),
    /// A value known without reading one (a widget's, `setdefault("k")`'s `None`).
    Known(StoredValue),
}

/// A store found while the uses of the state are gathered; its value is read once they
/// all are, since a read of the key in it adds nothing (see [`Scan::values`]).
struct RawStore {
    key: SessionKey,
    widget: bool,
    body: BodyId,
    expr: ExprId,
    source: Source,
}

struct Scan<'a> {
    hir: &'a FileHir,
    index: &'a SemanticIndex,
    state: FileSessionState,
    raw: Vec<RawStore>,
    /// Every expression that is the state.
    occurrences: FxHashSet<(BodyId, ExprId)>,
    /// Bindings that hold the state itself (`from streamlit import session_state`,
    /// `state = st.session_state`).
    holders: FxHashSet<BindingId>,
    /// Expressions that are the state, still to be looked at.
    pending: Vec<(BodyId, ExprId)>,
    /// Each body's parent expressions, built for the bodies that use the state.
    parents: Vec<(BodyId, Vec<Option<ExprId>>)>,
}

impl Scan<'_> {
    fn escape(&mut self, body: BodyId, expr: ExprId) {
        self.state.escape.get_or_insert((body, Place::Expr(expr)));
    }

    fn store(&mut self, key: SessionKey, source: Source, body: BodyId, expr: ExprId) {
        self.raw.push(RawStore {
            key,
            widget: false,
            body,
            expr,
            source,
        });
    }

    /// What storing `value` under `key` may store: each alternative of `value` (`a or
    /// b`, `a if c else b`), but a read of the key itself (`st.session_state.get("k")
    /// or Client()`), which gives what a store gave before.
    fn values(&self, body_id: BodyId, key: &SessionKey, value: ExprId) -> Vec<StoredValue> {
        let body = self.hir.body(body_id);
        let mut alternatives = Vec::new();
        crate::symbols::value_alternatives(body, value, value, 0, &mut alternatives);
        let mut values = Vec::new();
        while let Some(alternative) = alternatives.pop() {
            match self.read_of(body_id, body, key, alternative) {
                // `get("k", default)`: the default when the key is missing.
                Some(Some(default)) => {
                    crate::symbols::value_alternatives(body, default, default, 0, &mut alternatives)
                }
                Some(None) => {}
                None => {
                    let stored =
                        crate::symbols::stored_value(self.index, body_id, body, alternative);
                    values.push(self.checked(body_id, alternative, stored));
                }
            }
        }
        values
    }

    /// Whether `expr` reads the one key `key` of the state: `Some(None)` for
    /// `state.k`, `state["k"]` and `state.get("k")`, `Some(Some(default))` for
    /// `state.get("k", default)`.
    fn read_of(
        &self,
        body_id: BodyId,
        body: &Body,
        key: &SessionKey,
        expr: ExprId,
    ) -> Option<Option<ExprId>> {
        let SessionKey::Exact(key) = key else {
            return None;
        };
        let is_state = |expr: ExprId| self.occurrences.contains(&(body_id, expr));
        let is_key = |expr: ExprId| body.string_literal(expr) == Some(key.as_str());
        match &body.exprs[expr] {
            Expr::Attribute {
                value,
                attr,
                ctx: ExprContext::Load,
            } if attr == key && is_state(*value) => Some(None),
            Expr::Subscript {
                value,
                slice,
                ctx: ExprContext::Load,
            } if is_key(*slice) && is_state(*value) => Some(None),
            Expr::Call { func, args, .. } => match (&body.exprs[*func], &**args) {
                (Expr::Attribute { value, attr, .. }, [read, rest @ ..])
                    if attr == "get" && rest.len() <= 1 && is_key(*read) && is_state(*value) =>
                {
                    Some(rest.first().copied())
                }
                _ => None,
            },
            _ => None,
        }
    }

    /// Takes every use `binding` reaches as the state.
    fn hold(&mut self, binding: BindingId) {
        if !self.holders.insert(binding) {
            return;
        }
        for (use_id, data) in self.index.uses.iter() {
            if self.index.reaching(use_id).contains(&binding) {
                self.pending.push((data.body, data.expr));
            }
        }
    }

    fn parent(&mut self, body_id: BodyId, expr: ExprId) -> Option<ExprId> {
        let position = match self.parents.iter().position(|(known, _)| *known == body_id) {
            Some(position) => position,
            None => {
                let body = self.hir.body(body_id);
                let mut parents = vec![None; body.exprs.len()];
                for (parent, data) in body.exprs.iter() {
                    data.walk_children(|child| {
                        parents[child.into_raw().into_u32() as usize] = Some(parent);
                    });
                }
                self.parents.push((body_id, parents));
                self.parents.len() - 1
            }
        };
        self.parents[position].1[expr.into_raw().into_u32() as usize]
    }

    /// `expr` of `body_id` is the state: what is done with it.
    fn occurrence(&mut self, body_id: BodyId, expr: ExprId) {
        let body = self.hir.body(body_id);
        let Some(parent) = self.parent(body_id, expr) else {
            self.statement_occurrence(body_id, body, expr);
            return;
        };
        match &body.exprs[parent] {
            Expr::Attribute { value, attr, ctx } if *value == expr => match ctx {
                ExprContext::Load => {
                    let called = self.parent(body_id, parent).filter(|&call| {
                        matches!(&body.exprs[call], Expr::Call { func, .. } if *func == parent)
                    });
                    match called {
                        Some(call) => self.method_call(body_id, body, call, attr),
                        // A read of a key; a method taken as a value may store later.
                        None if READING_METHODS.contains(&attr.as_str())
                            || !is_method_name(attr) => {}
                        None => self.escape(body_id, parent),
                    }
                }
                ExprContext::Store => self.store(
                    SessionKey::Exact(self.mangled(body_id, attr)),
                    Source::Assigned(parent),
                    body_id,
                    parent,
                ),
                ExprContext::Del => {}
            },
            Expr::Subscript {
                value, slice, ctx, ..
            } if *value == expr => match ctx {
                ExprContext::Load | ExprContext::Del => {}
                ExprContext::Store => {
                    self.store(
                        key_of(body, *slice),
                        Source::Assigned(parent),
                        body_id,
                        parent,
                    );
                }
            },
            // `"client" in st.session_state`, `st.session_state == {}`.
            Expr::Compare { .. } => {}
            Expr::Call { func, args, .. } if *func != expr => {
                let callee = match &body.exprs[*func] {
                    Expr::Name { id, .. } if self.index.reads_builtin(body_id, *func) => {
                        id.as_str()
                    }
                    // `st.write(st.session_state)` only shows it.
                    Expr::Attribute { value, attr, .. }
                        if DISPLAY_FUNCTIONS.contains(&attr.as_str())
                            && self.is_streamlit(body_id, *value) =>
                    {
                        "print"
                    }
                    _ => "",
                };
                match callee {
                    "setattr" if args.first() == Some(&expr) => {
                        let (Some(&key), Some(&value)) = (args.get(1), args.get(2)) else {
                            self.escape(body_id, parent);
                            return;
                        };
                        self.store(key_of(body, key), Source::Argument(value), body_id, parent);
                    }
                    // `getattr(st.session_state, "client")`; a computed name may fetch
                    // a method that stores.
                    "getattr" | "hasattr" if args.first() == Some(&expr) => {
                        let literal = args
                            .get(1)
                            .and_then(|name| body.string_literal(*name))
                            .is_some_and(|name| !is_method_name(name));
                        if !literal {
                            self.escape(body_id, parent);
                        }
                    }
                    name if crate::READING_BUILTINS.contains(&name) => {}
                    _ => self.escape(body_id, expr),
                }
            }
            _ => self.escape(body_id, expr),
        }
    }

    /// The state used as a whole statement's expression or value.
    fn statement_occurrence(&mut self, body_id: BodyId, body: &Body, expr: ExprId) {
        for (_, stmt) in body.stmts.iter() {
            match stmt {
                Stmt::Expr { value } if *value == expr => return,
                Stmt::For { iter, .. } if *iter == expr => return,
                Stmt::If { test, .. } | Stmt::While { test, .. } | Stmt::Assert { test, .. }
                    if *test == expr =>
                {
                    return;
                }
                Stmt::Assign { targets, value } if *value == expr => {
                    if let [target] = **targets
                        && let Some(binding) = self.index.binding_of(body_id, target)
                    {
                        self.alias(binding, body_id, target);
                    } else {
                        self.escape(body_id, expr);
                    }
                    return;
                }
                Stmt::AnnAssign {
                    target,
                    value: Some(value),
                    ..
                } if *value == expr => {
                    match self.index.binding_of(body_id, *target) {
                        Some(binding) => self.alias(binding, body_id, *target),
                        None => self.escape(body_id, expr),
                    }
                    return;
                }
                _ => {}
            }
        }
        self.escape(body_id, expr);
    }

    /// `name = st.session_state`: `name` holds the state too. In a class body it is a
    /// class attribute, reached as `Cfg.state` or `self.state`, which are not followed.
    fn alias(&mut self, binding: BindingId, body_id: BodyId, target: ExprId) {
        let scope = self.index.bindings[binding].scope;
        if scope == self.index.module_scope() {
            self.state.global_alias.get_or_insert((body_id, target));
        }
        if self.index.scopes[scope].kind == ScopeKind::Class {
            self.escape(body_id, target);
            return;
        }
        self.hold(binding);
    }

    /// The key an attribute name of the state names in `body_id`: `__conn` written in
    /// class `App` (its body, a method, a function nested in one) is `_App__conn`.
    fn mangled(&self, body_id: BodyId, attr: &Name) -> Name {
        let mut body = body_id;
        loop {
            match body {
                BodyId::Module => return attr.clone(),
                BodyId::Class(class) => {
                    return awaitify_hir::hir::mangled_name(attr, &self.hir.classes[class].name)
                        .unwrap_or_else(|| attr.clone());
                }
                BodyId::Function(function) => body = self.hir.functions[function].parent,
            }
        }
    }

    /// `st.session_state.<method>(...)`.
    fn method_call(&mut self, body_id: BodyId, body: &Body, call: ExprId, method: &str) {
        let Expr::Call { args, keywords, .. } = &body.exprs[call] else {
            return;
        };
        match method {
            _ if READING_METHODS.contains(&method) => {}
            "setdefault" | "__setitem__" | "__setattr__" => {
                let Some(&key) = args.first() else {
                    self.escape(body_id, call);
                    return;
                };
                let key = key_of(body, key);
                match args.get(1) {
                    Some(&value) => self.store(key, Source::Argument(value), body_id, call),
                    None if method == "setdefault" => {
                        self.store(key, Source::Known(StoredValue::None), body_id, call);
                    }
                    None => self.escape(body_id, call),
                }
            }
            "update" => {
                for &arg in args.iter() {
                    match &body.exprs[arg] {
                        Expr::Dict { items } => {
                            for item in items.iter() {
                                let (key, source) = match item.key {
                                    Some(key) => (key_of(body, key), Source::Argument(item.value)),
                                    // `{**values}`: the mapping's values.
                                    None => (SessionKey::Any, Source::Known(StoredValue::Unknown)),
                                };
                                self.store(key, source, body_id, call);
                            }
                        }
                        _ => self.store(
                            SessionKey::Any,
                            Source::Known(StoredValue::Unknown),
                            body_id,
                            call,
                        ),
                    }
                }
                for keyword in keywords.iter() {
                    match &keyword.arg {
                        Some(name) => self.store(
                            SessionKey::Exact(name.clone()),
                            Source::Argument(keyword.value),
                            body_id,
                            call,
                        ),
                        // `update(**values)`: the mapping's values, not the mapping.
                        None => self.store(
                            SessionKey::Any,
                            Source::Known(StoredValue::Unknown),
                            body_id,
                            call,
                        ),
                    }
                }
            }
            _ => self.escape(body_id, call),
        }
    }

    /// `stored`, or unknown where its path would not be read in the module's globals:
    /// in a class body, and in a nested function, a lambda or a comprehension (whose
    /// names may be an outer function's locals or their own) unless the value's first
    /// name is a global or a builtin there.
    fn checked(&self, body_id: BodyId, at: ExprId, stored: StoredValue) -> StoredValue {
        if !matches!(stored, StoredValue::Path(_) | StoredValue::Elements(_)) {
            return stored;
        }
        let nested_function = match body_id {
            BodyId::Module => false,
            BodyId::Function(function) => {
                matches!(self.hir.functions[function].parent, BodyId::Function(_))
            }
            BodyId::Class(_) => return StoredValue::Unknown,
        };
        let mut in_scope_expr = false;
        let mut node = Some(at);
        while let Some(expr) = node {
            if self.index.expr_scopes.contains_key(&(body_id, expr)) {
                in_scope_expr = true;
                break;
            }
            node = self.parent_of_known(body_id, expr);
        }
        if !nested_function && !in_scope_expr {
            return stored;
        }
        if !matches!(stored, StoredValue::Path(_)) {
            return StoredValue::Unknown;
        }
        let body = self.hir.body(body_id);
        let mut root = at;
        while let Expr::Attribute { value: inner, .. } | Expr::Call { func: inner, .. } =
            &body.exprs[root]
        {
            root = *inner;
        }
        let module_scope = self.index.module_scope();
        let global = self.index.use_of(body_id, root).is_some_and(|use_id| {
            matches!(
                self.index.uses[use_id].fallback,
                crate::index::Fallback::None | crate::index::Fallback::Builtin
            ) && self
                .index
                .reaching(use_id)
                .iter()
                .all(|binding| self.index.bindings[*binding].scope == module_scope)
        });
        if global { stored } else { StoredValue::Unknown }
    }

    fn parent_of_known(&self, body_id: BodyId, expr: ExprId) -> Option<ExprId> {
        self.parents
            .iter()
            .find(|(known, _)| *known == body_id)
            .and_then(|(_, parents)| parents[expr.into_raw().into_u32() as usize])
    }

    /// `key=` of a call: a widget stores its value under it.
    fn widget_key(
        &mut self,
        body_id: BodyId,
        body: &Body,
        call: ExprId,
        func: ExprId,
        key: ExprId,
    ) {
        let callee = match &body.exprs[func] {
            Expr::Name { id, .. } => Some(id),
            Expr::Attribute { attr, .. } => Some(attr),
            _ => None,
        };
        if callee.is_some_and(|name| KEY_FUNCTION_CALLEES.contains(&name.as_str()))
            || matches!(
                body.exprs[key],
                Expr::Lambda { .. } | Expr::Literal(Literal::None)
            )
        {
            return;
        }
        self.raw.push(RawStore {
            key: key_of(body, key),
            widget: true,
            body: body_id,
            expr: call,
            source: Source::Known(StoredValue::Unknown),
        });
    }

    /// A widget's key given by position (`st.button("Go", "go")`), or by what a `*`
    /// or `**` argument holds (`st.text_input(**options)`).
    fn widget_arguments(
        &mut self,
        body_id: BodyId,
        body: &Body,
        call: ExprId,
        func: ExprId,
        args: &[ExprId],
        keywords: &[awaitify_hir::hir::Keyword],
    ) {
        let callee = match &body.exprs[func] {
            Expr::Name { id, .. } => id,
            Expr::Attribute { attr, .. } => attr,
            _ => return,
        };
        let Some(&(_, position)) = WIDGETS.iter().find(|(name, _)| *name == callee.as_str()) else {
            return;
        };
        let mut keys: Vec<SessionKey> = args
            .iter()
            .skip(position)
            .map(|&arg| match &body.exprs[arg] {
                Expr::Starred { .. } => SessionKey::Any,
                _ => key_of(body, arg),
            })
            .collect();
        if args
            .iter()
            .take(position)
            .any(|&arg| matches!(body.exprs[arg], Expr::Starred { .. }))
            || keywords.iter().any(|keyword| keyword.arg.is_none())
        {
            keys.push(SessionKey::Any);
        }
        for key in keys {
            self.raw.push(RawStore {
                key,
                widget: true,
                body: body_id,
                expr: call,
                source: Source::Known(StoredValue::Unknown),
            });
        }
    }

    /// Whether `expr` is a name only `import streamlit` (or `import streamlit as st`)
    /// binds.
    fn is_streamlit(&self, body_id: BodyId, expr: ExprId) -> bool {
        let Some(use_id) = self.index.use_of(body_id, expr) else {
            return false;
        };
        let reaching = self.index.reaching(use_id);
        self.index.uses[use_id].fallback == crate::index::Fallback::None
            && !reaching.is_empty()
            && reaching.iter().all(|binding| {
                matches!(&self.index.bindings[*binding].kind,
                    BindingKind::Import { module } if module == "streamlit")
            })
    }
}

/// The element of a tuple or list display assigned to `target` when `target` is an
/// element of a tuple or list target of the same length, with no starred element on
/// either side: `state.a, state.b = A(), B()`.
fn unpacked_value(body: &Body, target: ExprId) -> Option<ExprId> {
    let elements = |expr: ExprId| match &body.exprs[expr] {
        Expr::Tuple { elts, .. } | Expr::List { elts, .. }
            if !elts
                .iter()
                .any(|element| matches!(body.exprs[*element], Expr::Starred { .. })) =>
        {
            Some(elts)
        }
        _ => None,
    };
    body.stmts.iter().find_map(|(_, stmt)| {
        let Stmt::Assign { targets, value } = stmt else {
            return None;
        };
        let values = elements(*value)?;
        targets.iter().find_map(|&outer| {
            let position = elements(outer)?
                .iter()
                .position(|&element| element == target)?;
            (elements(outer)?.len() == values.len()).then(|| values[position])
        })
    })
}

/// The keys a key expression may give.
fn key_of(body: &Body, key: ExprId) -> SessionKey {
    match &body.exprs[key] {
        Expr::Literal(Literal::Str(text)) => SessionKey::Exact(Name::from(&**text)),
        Expr::Literal(Literal::Int(text)) => SessionKey::Exact(Name::from(&**text)),
        Expr::Interpolated { parts, .. } => match &**parts {
            // `f"client"`: no placeholder.
            [InterpolatedPart::Literal(text)] => SessionKey::Exact(Name::from(&**text)),
            [InterpolatedPart::Literal(text), ..] if !text.is_empty() => {
                SessionKey::Prefix(text.clone())
            }
            _ => SessionKey::Any,
        },
        Expr::BinOp {
            left,
            op: Operator::Add,
            ..
        } => match key_of(body, *left) {
            SessionKey::Exact(text) if !text.is_empty() => SessionKey::Prefix(text.as_str().into()),
            SessionKey::Prefix(text) => SessionKey::Prefix(text),
            _ => SessionKey::Any,
        },
        _ => SessionKey::Any,
    }
}

/// Whether an attribute read of `name` on session state finds one of its own methods
/// rather than a key.
pub fn is_method(name: &str) -> bool {
    READING_METHODS.contains(&name) || is_method_name(name)
}

/// Whether `name` is a method of session state other than those that only read it
/// (`update`, `setdefault`, `__setitem__`): taken as a value, it may store later.
fn is_method_name(name: &str) -> bool {
    matches!(
        name,
        "update" | "setdefault" | "__setitem__" | "__setattr__"
    ) || (name.starts_with("__") && name.ends_with("__"))
}

/// Why a key of session state is not followed (see
/// [`Resolver::session_key_blocker`](crate::Resolver::session_key_blocker)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionBlocker {
    /// The state goes here where awaitify does not follow it.
    Escape(awaitify_db::File, BodyId, Place),
    /// A widget stores its value under the key here.
    Widget(awaitify_db::File, BodyId, ExprId),
    /// A store of the key whose value is not a project instance awaitify can name.
    Store(awaitify_db::File, BodyId, ExprId),
    /// Nothing in the project stores the key.
    NoStore,
}
