//! User rules whose names reach nothing (AW005 `rule-names-nothing`).
//!
//! A rule's `call` or `replace` that starts with a project module is resolved through
//! the project as an import would resolve it ([`Resolver::module_member`] for each
//! module, the class's own body for each class). When one of its parts names nothing in
//! a namespace awaitify sees whole, the rule matches no call (or replaces the calls it
//! matches by a name that does not exist), and the user is told where the rule is
//! written.
//!
//! Only a definite absence counts. A namespace awaitify cannot list is never reported:
//! a module with a star import of an outside module, a module-level `__getattr__`,
//! globals set by computed names, by `exec` or from another file (`pkg.fetch = f`), a
//! class with a decorator, a metaclass, a base outside the project, or an attribute of
//! that name stored anywhere. Names of outside modules (`mylib.block`) are never
//! checked: awaitify cannot see them.

use std::sync::Arc;

use awaitify_db::{Db, File};
use awaitify_diagnostics::{Code, Diagnostic, Label};
use awaitify_hir::hir::{BodyId, ClassId, Name};
use awaitify_hir::{file_hir, file_source_map};
use awaitify_semantic::dump::binding_range;
use awaitify_semantic::resolve::target_name;
use awaitify_semantic::symbols::ExprPath;
use awaitify_semantic::{
    Resolution, Resolver, Target, Unresolved, module_symbols, project_attribute_stores,
    project_module_stores, project_modules, semantic_index,
};
use ruff_text_size::{TextRange, TextSize};

use crate::Settings;
use crate::rules::{Rule, RuleAction, RuleField, RuleSet};

/// A name of a user rule that goes through the project and reaches nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreachedName {
    pub rule: Rule,
    pub field: RuleField,
    /// The name as the rule writes it (`pkg.fetchh`).
    pub name: String,
    /// The index of the first part of `name` that names nothing (`1` for `fetchh`).
    pub part: usize,
    /// The project module or class whose namespace lacks that part.
    pub namespace: Target,
    /// The project class that defines the part, when `namespace` is a subclass that only
    /// inherits it: a rule names a method through the class whose body defines it.
    pub inherited_from: Option<Target>,
    pub suggestion: Option<Suggestion>,
}

/// What a rule's name may have meant to say: where an inherited member is defined
/// (`pkg.Client.get` for `pkg.Cached.get`), the missing name as a submodule of the
/// namespace defines it (`pkg.impl.afetch` for `pkg.afetch`), or a name of the
/// namespace at most two edits from it (`pkg.fetch` for `pkg.fetchh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// The whole name suggested.
    pub name: String,
    /// The project module or class that binds what it names, and under which name.
    pub namespace: Target,
    pub member: Name,
}

impl UnreachedName {
    /// The part of the name that names nothing.
    pub fn missing(&self) -> &str {
        missing_part(&self.name, self.part)
    }
}

fn missing_part(name: &str, part: usize) -> &str {
    let part = name.split('.').nth(part).unwrap_or_default();
    part.strip_suffix("()").unwrap_or(part)
}

/// `name` with its `part`-th part replaced by `by`, and the parts before it by
/// `namespace` when given (`pkg.impl.Client.get` for `pkg.Cached.get`).
fn replace_part(name: &str, part: usize, namespace: Option<&str>, by: &str) -> String {
    let parts: Vec<&str> = name.split('.').collect();
    let written = parts[part];
    let by = if written.ends_with("()") {
        format!("{by}()")
    } else {
        by.to_string()
    };
    let before = match namespace {
        Some(namespace) => namespace.to_string(),
        None => parts[..part].join("."),
    };
    std::iter::once(before)
        .chain(std::iter::once(by))
        .chain(parts[part + 1..].iter().map(|rest| rest.to_string()))
        .collect::<Vec<_>>()
        .join(".")
}

/// Every name of the user rules in force that goes through a project module and reaches
/// nothing there, in the order of the rules.
#[salsa::tracked(returns(ref))]
pub fn unreached_rule_names(db: &dyn Db, settings: Settings) -> Arc<Vec<UnreachedName>> {
    let rules = settings.rules(db);
    let defaults = RuleSet::default();
    let mut resolver = Resolver::new(db);
    let mut found: Vec<UnreachedName> = Vec::new();
    for rule in rules
        .rules
        .iter()
        .filter(|rule| !defaults.rules.contains(rule))
    {
        let mut names = vec![(RuleField::Call, rule.call.as_str())];
        if let RuleAction::Replace(replacement) = &rule.action {
            names.push((RuleField::Replace, replacement.as_str()));
        }
        for &(field, name) in &names {
            if found
                .iter()
                .any(|known| known.rule == *rule && known.field == field)
            {
                continue;
            }
            let Some(mut unreached) = unreached(&mut resolver, name) else {
                continue;
            };
            unreached.rule = rule.clone();
            unreached.field = field;
            // Not the rule's other name: a replacement is no guess for the call.
            if unreached
                .suggestion
                .as_ref()
                .is_some_and(|suggestion| names.iter().any(|&(_, other)| other == suggestion.name))
            {
                unreached.suggestion = None;
            }
            found.push(unreached);
        }
    }
    Arc::new(found)
}

/// Where `name` stops reaching anything, when it starts with a project module and one of
/// its parts names nothing in a namespace awaitify sees whole.
fn unreached(resolver: &mut Resolver, name: &str) -> Option<UnreachedName> {
    let db = resolver.db();
    let parts: Vec<&str> = name.split('.').collect();
    let mut current = match resolver.module_target(parts.first()?) {
        module @ Target::ProjectModule(_) => module,
        _ => return None,
    };
    for (index, written) in parts.iter().enumerate().skip(1) {
        let (part, called) = match written.strip_suffix("()") {
            Some(part) => (part, true),
            None => (*written, false),
        };
        // Every module and class has names no body binds (`__name__`, `__dict__`).
        if part.starts_with("__") && part.ends_with("__") {
            return None;
        }
        let unreached = |namespace: Target, inherited_from, suggestion| UnreachedName {
            rule: Rule {
                call: String::new(),
                action: RuleAction::Await,
            },
            field: RuleField::Call,
            name: name.to_string(),
            part: index,
            namespace,
            inherited_from,
            suggestion,
        };
        let resolution = match current {
            Target::ProjectModule(module) => match resolver.module_member(module, part) {
                // Stored on an object awaitify cannot resolve, which may be the module
                // handed on as a value (`mod.fetch = f`).
                Resolution::Unresolved(Unresolved::NoAttribute(_))
                    if project_module_stores(db).on_unknown.contains(part) =>
                {
                    return None;
                }
                Resolution::Unresolved(Unresolved::NoAttribute(_)) => {
                    let suggestion = module_suggestion(db, module, name, index);
                    return Some(unreached(current, None, suggestion));
                }
                other => other,
            },
            Target::Class { file, class, .. } => match resolver.own_class_member(file, class, part)
            {
                Some(found) => found,
                None => {
                    let inherited_from = closed_class_lacks(resolver, file, class, part)?;
                    let suggestion = match &inherited_from {
                        Some(owner) => Some(Suggestion {
                            name: replace_part(name, index, Some(&target_name(db, owner)), part),
                            namespace: owner.clone(),
                            member: Name::from(part),
                        }),
                        None => {
                            closest(part, &class_names(db, file, class)).map(|close| Suggestion {
                                name: replace_part(name, index, None, &close),
                                namespace: current.clone(),
                                member: close,
                            })
                        }
                    };
                    return Some(unreached(current, inherited_from, suggestion));
                }
            },
            // An attribute of a function, an instance or an outside object: awaitify does
            // not list those.
            _ => return None,
        };
        match resolution {
            Resolution::Definite(target) => current = target,
            _ => return None,
        }
        // What a call returns is not followed.
        if called {
            return None;
        }
    }
    None
}

/// What the `index`-th part of `name`, which module `module` lacks, may have meant: the
/// same name in one of the module's submodules (the first by name), else a close name of
/// the module.
fn module_suggestion(db: &dyn Db, module: File, name: &str, index: usize) -> Option<Suggestion> {
    let part = missing_part(name, index);
    let own = awaitify_db::module_name(db, module).clone()?;
    let prefix = format!("{own}.");
    let mut submodules: Vec<(&String, File)> = project_modules(db)
        .iter()
        .filter(|(full, _)| {
            full.strip_prefix(&prefix)
                .is_some_and(|rest| !rest.contains('.'))
        })
        .map(|(full, file)| (full, *file))
        .collect();
    submodules.sort_by(|a, b| a.0.cmp(b.0));
    for (full, submodule) in &submodules {
        if module_symbols(db, *submodule).globals.contains_key(part) {
            return Some(Suggestion {
                name: replace_part(name, index, Some(full), part),
                namespace: Target::ProjectModule(*submodule),
                member: Name::from(part),
            });
        }
    }
    let mut names: Vec<String> = module_symbols(db, module)
        .globals
        .keys()
        .map(|name| name.to_string())
        .collect();
    names.extend(
        submodules
            .iter()
            .map(|(full, _)| full[prefix.len()..].to_string()),
    );
    let close = closest(part, &names)?;
    Some(Suggestion {
        name: replace_part(name, index, None, &close),
        namespace: Target::ProjectModule(module),
        member: close,
    })
}

/// Whether class `class` of `file` lacks `name` in a namespace awaitify sees whole:
/// `None` when it cannot tell (an attribute of that name is stored somewhere, or a class
/// of its MRO has a decorator that may add members, a metaclass, or a base outside the
/// project); `Some(Some(owner))` when a base defines it and the class only inherits it.
fn closed_class_lacks(
    resolver: &mut Resolver,
    file: File,
    class: ClassId,
    name: &str,
) -> Option<Option<Target>> {
    let db = resolver.db();
    let stores = project_attribute_stores(db);
    if stores.elsewhere.contains(name) || stores.elsewhere.contains("*") {
        return None;
    }
    let order = resolver.mro(file, class);
    for &(owner_file, owner) in order.iter() {
        let summary = module_symbols(db, owner_file).classes.get(owner)?;
        if !file_hir(db, owner_file).classes[owner].keywords.is_empty() {
            return None;
        }
        for decorator in summary.decorators.iter() {
            let resolution =
                resolver.resolve_definition_path(owner_file, decorator.as_ref()?, None);
            if !matches!(
                &resolution,
                Resolution::Definite(Target::External(name)) if ADDS_ONLY_SPECIAL_NAMES.contains(&name.as_str())
            ) {
                return None;
            }
        }
        for base in summary.bases.iter() {
            let base: &ExprPath = base.as_ref()?;
            match resolver.resolve_definition_path(owner_file, base, None) {
                Resolution::Definite(Target::Class { .. }) => {}
                Resolution::Definite(Target::Builtin(builtin)) if builtin == "object" => {}
                _ => return None,
            }
        }
    }
    if resolver.class_member(file, class, name, true).is_none() {
        return Some(None);
    }
    // A base defines it: the first one of the MRO that does.
    let owner = order.iter().skip(1).find(|&&(owner_file, owner)| {
        module_symbols(db, owner_file)
            .classes
            .get(owner)
            .is_some_and(|summary| summary.members.contains_key(name))
    });
    Some(owner.map(|&(file, class)| Target::Class {
        file,
        class,
        exact: true,
    }))
}

/// Class decorators that add only special names (`__init__`, `__eq__`), which a rule does
/// not name through the class.
const ADDS_ONLY_SPECIAL_NAMES: &[&str] = &[
    "dataclasses.dataclass",
    "dataclasses.dataclass()",
    "functools.total_ordering",
    "typing.final",
    "typing_extensions.final",
];

/// The names the body of class `class` binds.
fn class_names(db: &dyn Db, file: File, class: ClassId) -> Vec<String> {
    module_symbols(db, file)
        .classes
        .get(class)
        .map(|summary| {
            summary
                .members
                .keys()
                .map(|name| name.to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The name of `names` closest to `missing`, at most two edits away (and fewer than
/// `missing` has characters); the first in alphabetical order among the closest.
fn closest(missing: &str, names: &[String]) -> Option<Name> {
    let limit = 2.min(missing.chars().count().saturating_sub(1));
    names
        .iter()
        .filter(|name| !(name.starts_with("__") && name.ends_with("__")))
        .map(|name| (edit_distance(missing, name), name))
        .filter(|(distance, _)| *distance <= limit)
        .min()
        .map(|(_, name)| Name::from(name.as_str()))
}

/// The optimal string alignment distance: insertions, deletions, substitutions and
/// transpositions of adjacent characters (`fecth` is one edit from `fetch`).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The AW005 diagnostics of the user rules in force: each located where the rule is
/// written when the settings carry the configuration file (else it names the
/// configuration's path), with the namespace that lacks the name and what the rule may
/// have meant, if awaitify has a guess.
pub fn rule_diagnostics(db: &dyn Db, settings: Settings) -> Vec<Diagnostic> {
    let rules = settings.rules(db);
    let config = settings.config(db);
    unreached_rule_names(db, settings)
        .iter()
        .map(|unreached| {
            let missing = unreached.missing();
            let namespace = target_name(db, &unreached.namespace);
            let message = match unreached.field {
                RuleField::Call => format!("`{}` names nothing in the project", unreached.name),
                RuleField::Replace => format!(
                    "the replacement `{}` names nothing in the project",
                    unreached.name
                ),
            };
            let why = match &unreached.inherited_from {
                Some(owner) => format!(
                    "`{namespace}` inherits `{missing}` from `{}`, and a rule names a method \
                     through the class whose body defines it",
                    target_name(db, owner)
                ),
                None => format!("`{namespace}` defines no `{missing}`"),
            };
            let label = match &unreached.inherited_from {
                Some(_) => format!("`{namespace}` only inherits `{missing}`"),
                None => format!("`{namespace}` has no `{missing}`"),
            };
            let mut diagnostic =
                Diagnostic::new(Code::RuleNamesNothing, message).with_note(match unreached.field {
                    RuleField::Call => format!("the rule matches no call: {why}"),
                    RuleField::Replace => format!(
                        "a call the rule rewrites would raise `AttributeError` on the page: {why}"
                    ),
                });
            if let Some(suggestion) = &unreached.suggestion {
                diagnostic = diagnostic.with_note(format!("did you mean `{}`?", suggestion.name));
            }
            let located = config.and_then(|config| {
                let text = config.text(db);
                let in_pyproject = config
                    .path(db)
                    .file_name()
                    .is_some_and(|name| name == "pyproject.toml");
                let range =
                    crate::rules::locate(text, in_pyproject, &unreached.rule, unreached.field)?;
                Some(Label::new(
                    config,
                    part_range(text, range, unreached),
                    label,
                ))
            });
            diagnostic = match located {
                Some(primary) => diagnostic.with_primary(primary),
                None => {
                    let diagnostic = diagnostic.with_note(format!(
                        "it is written as `{} = \"{}\"` in a rule",
                        unreached.field.key(),
                        unreached.name
                    ));
                    match &rules.config_path {
                        Some(path) => diagnostic.with_path(path.clone()),
                        None => diagnostic,
                    }
                }
            };
            match namespace_label(db, unreached, &namespace) {
                Some(secondary) => diagnostic.with_secondary(secondary),
                None => diagnostic,
            }
        })
        .collect()
}

/// Within the range of the quoted name, the missing part when the string is written
/// without escapes; else the whole string.
fn part_range(text: &str, range: std::ops::Range<usize>, unreached: &UnreachedName) -> TextRange {
    let to_size = |offset: usize| TextSize::try_from(offset).unwrap_or_default();
    let whole = &text[range.clone()];
    let plain = [
        format!("\"{}\"", unreached.name),
        format!("'{}'", unreached.name),
    ];
    if !plain.iter().any(|quoted| quoted == whole) {
        return TextRange::new(to_size(range.start), to_size(range.end));
    }
    let before: usize = unreached
        .name
        .split('.')
        .take(unreached.part)
        .map(|part| part.len() + 1)
        .sum();
    let start = range.start + 1 + before;
    TextRange::new(to_size(start), to_size(start + unreached.missing().len()))
}

/// A label in the project: where what the suggestion names is defined, else at the
/// class that lacks the name, else at the top of the module that does.
fn namespace_label(db: &dyn Db, unreached: &UnreachedName, namespace: &str) -> Option<Label> {
    if let Some(suggestion) = &unreached.suggestion
        && let Some((file, binding)) = member_binding(db, &suggestion.namespace, &suggestion.member)
    {
        let range = binding_range(db, file, semantic_index(db, file), binding);
        let message = match unreached.inherited_from {
            Some(_) => format!("`{}` is defined here", suggestion.name),
            None => format!("`{}` is defined here", suggestion.member),
        };
        return Some(Label::new(file, range, message));
    }
    let missing = unreached.missing();
    match unreached.namespace {
        Target::Class { file, class, .. } => {
            let hir = file_hir(db, file);
            let range = file_source_map(db, file).item_name(hir, BodyId::Class(class))?;
            Some(Label::new(
                file,
                range,
                format!("`{namespace}` defines no `{missing}`"),
            ))
        }
        Target::ProjectModule(file) => Some(Label::new(
            file,
            TextRange::empty(TextSize::from(0)),
            format!("module `{namespace}` defines no `{missing}`"),
        )),
        _ => None,
    }
}

/// The first binding of `member` in the module or class `namespace`.
fn member_binding(
    db: &dyn Db,
    namespace: &Target,
    member: &str,
) -> Option<(File, awaitify_semantic::index::BindingId)> {
    let (file, members) = match namespace {
        Target::ProjectModule(file) => (*file, &module_symbols(db, *file).globals),
        Target::Class { file, class, .. } => (
            *file,
            &module_symbols(db, *file).classes.get(*class)?.members,
        ),
        _ => return None,
    };
    let (binding, _) = members.get(member)?.first()?;
    Some((file, *binding))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_is_replaced_in_place() {
        assert_eq!(replace_part("pkg.fetchh", 1, None, "fetch"), "pkg.fetch");
        assert_eq!(
            replace_part("pkg.Cached.get", 2, Some("pkg.impl.Client"), "get"),
            "pkg.impl.Client.get"
        );
        assert_eq!(
            replace_part("pkg.mak().run", 1, None, "make"),
            "pkg.make().run"
        );
    }

    #[test]
    fn close_names_are_at_most_two_edits_away() {
        assert_eq!(edit_distance("fetchh", "fetch"), 1);
        assert_eq!(edit_distance("fecth", "fetch"), 1);
        assert_eq!(edit_distance("afetch", "fetch_async"), 7);
        let names = [
            "fetch".to_string(),
            "fetch_all".to_string(),
            "__init__".to_string(),
        ];
        assert_eq!(closest("fetchh", &names).as_deref(), Some("fetch"));
        assert_eq!(
            closest("init", &names),
            None,
            "special names are not suggested"
        );
        assert_eq!(
            closest("x", &["y".to_string()]),
            None,
            "a one-letter name is no hint"
        );
    }
}
