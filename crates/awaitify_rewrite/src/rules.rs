//! Rules: which calls block, and what replaces them.
//!
//! A rule names a call by the qualified name its callee resolves to (`time.sleep`,
//! `asyncio.new_event_loop().run_until_complete`: `()` marks a call's result), and says
//! what to do: await the call, await another callable instead, or await the call's first
//! argument (`asyncio.run(c)` becomes `await c`).
//!
//! Users add rules in `awaitify.toml` (`[[rules]]`) or `pyproject.toml`
//! (`[[tool.awaitify.rules]]`), found from the target's folder upward:
//!
//! ```toml
//! [[tool.awaitify.rules]]
//! call = "mylib.block"            # await it
//!
//! [[tool.awaitify.rules]]
//! call = "mylib.fetch"
//! replace = "mylib.fetch_async"   # await this instead
//!
//! [tool.awaitify]
//! pass-through-decorators = ["mylib.traced"]
//! ```

use std::path::{Path, PathBuf};

/// What a rule does to a matching call.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RuleAction {
    /// `f(x)` becomes `await f(x)`.
    Await,
    /// `f(x)` becomes `await g(x)`, where `g` is this qualified name.
    Replace(String),
    /// `f(c)` becomes `await c`.
    AwaitArgument,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    /// The qualified name of the callee.
    pub call: String,
    pub action: RuleAction,
}

/// The rules and decorator lists in force.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    /// Decorators (qualified names) that return the function itself or a wrapper that
    /// passes a coroutine through.
    pub pass_through_decorators: Vec<String>,
    /// Where the user configuration came from, if any.
    pub config_path: Option<PathBuf>,
}

impl Default for RuleSet {
    fn default() -> Self {
        let rule = |call: &str, action: RuleAction| Rule {
            call: call.to_string(),
            action,
        };
        RuleSet {
            rules: vec![
                rule("time.sleep", RuleAction::Replace("asyncio.sleep".into())),
                rule("asyncio.run", RuleAction::AwaitArgument),
                rule(
                    "asyncio.new_event_loop().run_until_complete",
                    RuleAction::AwaitArgument,
                ),
                rule(
                    "asyncio.get_event_loop().run_until_complete",
                    RuleAction::AwaitArgument,
                ),
                rule("streamlit.write_stream", RuleAction::Await),
                rule("streamlit.navigation().run", RuleAction::Await),
            ],
            pass_through_decorators: [
                "staticmethod",
                "classmethod",
                "abc.abstractmethod",
                "typing.overload",
                "typing.final",
                "typing.override",
                "typing_extensions.override",
                "typing_extensions.final",
                // `functools.wraps(fn)` returns a decorator that gives back the function.
                "functools.wraps()",
            ]
            .iter()
            .map(|name| name.to_string())
            .collect(),
            config_path: None,
        }
    }
}

impl Rule {
    /// Whether the rule runs a coroutine on a loop from `asyncio.new_event_loop()`.
    pub fn runs_new_loop(&self) -> bool {
        self.call.starts_with("asyncio.new_event_loop().")
    }

    /// Whether the call the rule awaits iterates its stream argument asynchronously when
    /// that is an async iterable: `streamlit.write_stream`, which stlite turns into a
    /// coroutine function that consumes an async generator (or a function that returns
    /// one) with `async for`. A generator handed to it may then become async.
    pub fn streams_argument(&self) -> bool {
        self.call == "streamlit.write_stream" && self.action == RuleAction::Await
    }

    /// Whether the rule is for the callee `qualified`, named where it is defined
    /// (`asyncio.runners.run`) or by its public name (`asyncio.run`).
    pub fn matches(&self, qualified: &str) -> bool {
        self.call == qualified || self.call == public_name(qualified)
    }
}

/// `asyncio`'s own submodules whose names `asyncio` re-exports (`from .runners import
/// *`): importing from them (`from asyncio.runners import run`) gives the same object.
const ASYNCIO_SUBMODULES: &[&str] = &[
    "base_events",
    "coroutines",
    "events",
    "exceptions",
    "futures",
    "locks",
    "protocols",
    "queues",
    "runners",
    "streams",
    "subprocess",
    "taskgroups",
    "tasks",
    "threads",
    "timeouts",
    "transports",
];

/// The public name of what an outside package defines in a submodule and re-exports:
/// `asyncio.runners.run` is `asyncio.run`, `asyncio.events.new_event_loop()` is
/// `asyncio.new_event_loop()`.
pub fn public_name(qualified: &str) -> std::borrow::Cow<'_, str> {
    if let Some(rest) = qualified.strip_prefix("asyncio.")
        && let Some((submodule, name)) = rest.split_once('.')
        && ASYNCIO_SUBMODULES.contains(&submodule)
    {
        return format!("asyncio.{name}").into();
    }
    qualified.into()
}

impl RuleSet {
    /// The rule for a callee's qualified name.
    pub fn matching(&self, qualified: &str) -> Option<&Rule> {
        self.rules.iter().find(|rule| rule.matches(qualified))
    }

    /// The first rule whose target is an attribute of the module (or attribute of a
    /// module) `qualified`: `time` reaches `time.sleep`. Call results (`loop()`) are
    /// not modules.
    pub fn reachable_through(&self, qualified: &str) -> Option<&Rule> {
        if qualified.contains('(') {
            return None;
        }
        let prefix = format!("{qualified}.");
        self.rules
            .iter()
            .find(|rule| rule.call.starts_with(&prefix))
    }

    pub fn is_pass_through(&self, qualified: &str) -> bool {
        let qualified = qualified.strip_prefix("<builtin>.").unwrap_or(qualified);
        self.pass_through_decorators
            .iter()
            .any(|name| name == qualified)
    }
}

/// A configuration problem, with the file it is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// The rule set for a project at `start`: the defaults plus the first `awaitify.toml`,
/// or `pyproject.toml` with a `[tool.awaitify]` table, found from `start` upward.
pub fn discover_rules(start: &Path) -> Result<RuleSet, ConfigError> {
    // `.` or `app.py` have no parent to walk up to; their absolute form does.
    let absolute = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if absolute.is_dir() {
        Some(absolute.as_path())
    } else {
        absolute.parent()
    };
    while let Some(current) = dir {
        let dedicated = current.join("awaitify.toml");
        if dedicated.is_file() {
            return load(&dedicated, false);
        }
        let pyproject = current.join("pyproject.toml");
        if pyproject.is_file() {
            let text = read(&pyproject)?;
            if let Ok(value) = text.parse::<toml::Table>()
                && value
                    .get("tool")
                    .and_then(|tool| tool.get("awaitify"))
                    .is_some()
            {
                return parse(&pyproject, &text, true);
            }
        }
        dir = current.parent();
    }
    Ok(RuleSet::default())
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|error| ConfigError {
        path: path.to_path_buf(),
        message: error.to_string(),
    })
}

fn load(path: &Path, in_pyproject: bool) -> Result<RuleSet, ConfigError> {
    parse(path, &read(path)?, in_pyproject)
}

/// Parses a configuration file's text; `in_pyproject` selects `[tool.awaitify]`.
pub fn parse(path: &Path, text: &str, in_pyproject: bool) -> Result<RuleSet, ConfigError> {
    let error = |message: String| ConfigError {
        path: path.to_path_buf(),
        message,
    };
    let document: toml::Table = text
        .parse()
        .map_err(|parse_error: toml::de::Error| error(parse_error.to_string()))?;
    let table = if in_pyproject {
        match document.get("tool").and_then(|tool| tool.get("awaitify")) {
            Some(toml::Value::Table(table)) => table.clone(),
            Some(_) => return Err(error("`tool.awaitify` must be a table".into())),
            None => toml::Table::new(),
        }
    } else {
        document
    };
    let mut rules = RuleSet {
        config_path: Some(path.to_path_buf()),
        ..RuleSet::default()
    };
    for (key, value) in &table {
        match key.as_str() {
            "rules" => {
                let toml::Value::Array(entries) = value else {
                    return Err(error("`rules` must be an array of tables".into()));
                };
                for (index, entry) in entries.iter().enumerate() {
                    let toml::Value::Table(entry) = entry else {
                        return Err(error(format!("rules[{index}] must be a table")));
                    };
                    rules.rules.insert(
                        0,
                        parse_rule(entry)
                            .map_err(|message| error(format!("rules[{index}]: {message}")))?,
                    );
                }
            }
            "pass-through-decorators" => {
                let names = value
                    .as_array()
                    .and_then(|names| {
                        names
                            .iter()
                            .map(|name| name.as_str().map(str::to_string))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| {
                        error("`pass-through-decorators` must be an array of strings".into())
                    })?;
                rules.pass_through_decorators.extend(names);
            }
            other => return Err(error(format!("unknown key `{other}`"))),
        }
    }
    Ok(rules)
}

fn parse_rule(entry: &toml::Table) -> Result<Rule, String> {
    let mut call = None;
    let mut replace = None;
    let mut await_what = None;
    for (key, value) in entry {
        let slot = match key.as_str() {
            "call" => &mut call,
            "replace" => &mut replace,
            "await" => &mut await_what,
            other => {
                return Err(format!(
                    "unknown key `{other}` (expected `call`, `replace`, `await`)"
                ));
            }
        };
        let text = value
            .as_str()
            .ok_or_else(|| format!("`{key}` must be a string"))?;
        *slot = Some(text.to_string());
    }
    let call = call.ok_or("a rule needs `call`, the qualified name of the blocking callable")?;
    if !is_qualified_name(&call) {
        return Err(format!("`{call}` is not a dotted name"));
    }
    let action = match (replace, await_what.as_deref()) {
        (Some(_), Some("argument")) => {
            return Err("`replace` and `await = \"argument\"` exclude each other".into());
        }
        (Some(replace), _) => {
            if !is_qualified_name(&replace) || replace.contains("()") {
                return Err(format!("`{replace}` is not a dotted name"));
            }
            RuleAction::Replace(replace)
        }
        (None, None | Some("call")) => RuleAction::Await,
        (None, Some("argument")) => RuleAction::AwaitArgument,
        (None, Some(other)) => {
            return Err(format!(
                "`await` must be \"call\" or \"argument\", not \"{other}\""
            ));
        }
    };
    Ok(Rule { call, action })
}

/// One of the names a rule is written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleField {
    /// `call`: the callable the rule is for.
    Call,
    /// `replace`: what replaces it.
    Replace,
}

impl RuleField {
    /// The key the configuration writes it under.
    pub fn key(self) -> &'static str {
        match self {
            RuleField::Call => "call",
            RuleField::Replace => "replace",
        }
    }
}

/// A `[[rules]]` entry with where its names are written.
#[derive(serde::Deserialize)]
struct LocatedRule {
    call: Option<toml::Spanned<String>>,
    replace: Option<toml::Spanned<String>>,
    #[serde(rename = "await")]
    await_what: Option<String>,
}

#[derive(serde::Deserialize)]
struct LocatedRules {
    #[serde(default)]
    rules: Vec<LocatedRule>,
}

#[derive(serde::Deserialize)]
struct LocatedTool {
    awaitify: Option<LocatedRules>,
}

#[derive(serde::Deserialize)]
struct LocatedPyproject {
    tool: Option<LocatedTool>,
}

impl LocatedRule {
    fn is(&self, rule: &Rule) -> bool {
        let action = match (&self.replace, self.await_what.as_deref()) {
            (Some(replace), _) => RuleAction::Replace(replace.get_ref().clone()),
            (None, Some("argument")) => RuleAction::AwaitArgument,
            (None, _) => RuleAction::Await,
        };
        self.call.as_ref().map(toml::Spanned::get_ref) == Some(&rule.call) && action == rule.action
    }
}

/// Where `field` of `rule` is written in the configuration `text` (a `pyproject.toml`
/// when `in_pyproject`): the byte range of its string, quotes included, in the first
/// entry of the rules that is `rule`. `None` when the text holds no such entry.
pub fn locate(
    text: &str,
    in_pyproject: bool,
    rule: &Rule,
    field: RuleField,
) -> Option<std::ops::Range<usize>> {
    let entries = if in_pyproject {
        toml::from_str::<LocatedPyproject>(text)
            .ok()?
            .tool?
            .awaitify?
            .rules
    } else {
        toml::from_str::<LocatedRules>(text).ok()?.rules
    };
    let entry = entries.into_iter().find(|entry| entry.is(rule))?;
    match field {
        RuleField::Call => entry.call,
        RuleField::Replace => entry.replace,
    }
    .map(|name| name.span())
}

fn is_qualified_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .split('.')
            .all(|part| awaitify_db::is_identifier(part.strip_suffix("()").unwrap_or(part)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pyproject_rules_come_before_the_defaults() {
        let text = "[tool.awaitify]\npass-through-decorators = [\"mylib.traced\"]\n\n[[tool.awaitify.rules]]\ncall = \"mylib.block\"\nreplace = \"mylib.block_async\"\n\n[[tool.awaitify.rules]]\ncall = \"mylib.wait\"\n";
        let rules = parse(Path::new("pyproject.toml"), text, true).unwrap();
        assert_eq!(
            rules.matching("mylib.block").map(|rule| &rule.action),
            Some(&RuleAction::Replace("mylib.block_async".into()))
        );
        assert_eq!(
            rules.matching("mylib.wait").map(|rule| &rule.action),
            Some(&RuleAction::Await)
        );
        assert!(rules.matching("time.sleep").is_some());
        // Defined in a submodule `asyncio` re-exports: the same object.
        assert!(rules.matching("asyncio.runners.run").is_some());
        assert!(
            rules
                .matching("asyncio.events.new_event_loop().run_until_complete")
                .is_some()
        );
        assert!(rules.matching("asyncio.unknown.run").is_none());
        assert!(rules.is_pass_through("mylib.traced"));
        assert!(rules.is_pass_through("<builtin>.staticmethod"));
    }

    /// A rule's names are found where the configuration writes them, in `awaitify.toml`
    /// and under `[tool.awaitify]` of `pyproject.toml`.
    #[test]
    fn a_rule_is_located_in_its_configuration() {
        let text = "[[rules]]\ncall = \"a.x\"\n\n[[rules]]\ncall = 'pkg.fetch'\nreplace = \"pkg.afetch\"\n";
        let rules = parse(Path::new("awaitify.toml"), text, false).unwrap();
        let rule = rules.matching("pkg.fetch").unwrap();
        let at = |field| locate(text, false, rule, field).map(|range| &text[range]);
        assert_eq!(at(RuleField::Call), Some("'pkg.fetch'"));
        assert_eq!(at(RuleField::Replace), Some("\"pkg.afetch\""));
        let other = Rule {
            call: "pkg.fetch".into(),
            action: RuleAction::Await,
        };
        assert_eq!(locate(text, false, &other, RuleField::Call), None);

        let pyproject = "[project]\nname = \"demo\"\n\n[tool.black]\nline-length = 88\n\n[[tool.awaitify.rules]]\ncall = \"lib.run\"\nawait = \"argument\"\n";
        let rules = parse(Path::new("pyproject.toml"), pyproject, true).unwrap();
        let rule = rules.matching("lib.run").unwrap();
        let range = locate(pyproject, true, rule, RuleField::Call).unwrap();
        assert_eq!(&pyproject[range], "\"lib.run\"");
    }

    #[test]
    fn bad_configuration_is_a_located_error() {
        let error = parse(
            Path::new("awaitify.toml"),
            "[[rules]]\nreplace = \"x\"\n",
            false,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("awaitify.toml: rules[0]: a rule needs `call`"),
            "{error}"
        );
        let error = parse(
            Path::new("awaitify.toml"),
            "[[rules]]\ncall = \"a b\"\n",
            false,
        )
        .unwrap_err();
        assert!(error.message.contains("not a dotted name"));
        let error = parse(Path::new("awaitify.toml"), "colour = 1\n", false).unwrap_err();
        assert!(error.message.contains("unknown key `colour`"));
        // An unknown key is named as such, whatever its value.
        let error = parse(
            Path::new("awaitify.toml"),
            "[[rules]]\ncall = \"m.f\"\nbogus = 1\n",
            false,
        )
        .unwrap_err();
        assert!(
            error.message.contains("unknown key `bogus`"),
            "{}",
            error.message
        );
    }
}
