//! Tests of `lower_module`: snapshot dumps of the HIR for small fixtures, source-map
//! ranges and keyword offsets, id stability across body edits, and a CPython stdlib corpus
//! run that must lower every file without panicking.

use std::time::{Duration, Instant};

use awaitify_hir::dump::dump;
use awaitify_hir::hir::{Body, BodyId, Expr, FileHir, Pattern, Stmt};
use awaitify_hir::lower_module;
use awaitify_hir::source_map::{BodySourceMap, FileSourceMap, NameSite};
use expect_test::{Expect, expect};
use ruff_text_size::TextRange;

fn lower(source: &str) -> (FileHir, FileSourceMap) {
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Python);
    lower_module(source, &mut parsed.into_syntax())
}

/// Every id of every body has a range, and every body of the file has a map.
fn assert_complete(hir: &FileHir, map: &FileSourceMap) {
    for (id, body) in hir.bodies() {
        let has_map = match id {
            BodyId::Module => true,
            BodyId::Function(function) => map.functions.get(function).is_some(),
            BodyId::Class(class) => map.classes.get(class).is_some(),
        };
        assert!(has_map, "{id:?} has no source map");
        let body_map = map.body(id);
        assert_eq!(body_map.exprs.len(), body.exprs.len(), "{id:?}");
        assert_eq!(body_map.stmts.len(), body.stmts.len(), "{id:?}");
        assert_eq!(body_map.patterns.len(), body.patterns.len(), "{id:?}");
    }
}

fn check(source: &str, expect: Expect) {
    let (hir, map) = lower(source);
    assert_complete(&hir, &map);
    expect.assert_eq(&dump(&hir));
}

#[test]
fn nested_items_and_headers() {
    check(
        r#"
@outer_deco(1)
def f(a: int = d1, /, b=d2, *args: A, c: C = d3, **kw: K) -> R:
    x = 1
    @inner_deco
    def g(y=x):
        def h(): pass
        return y
    class Inner(Base, metaclass=Meta):
        def method(self): return self
    return g

class K(object):
    attr: int = 0
    def m(self, z=lambda q=1: q): pass

def after(): pass
"#,
        expect![[r#"
            # module [3 stmts, 12 exprs, 0 patterns]
            @outer_deco(1)
            def f#f0(a: int = d1, /, b = d2, *args: A, c: C = d3, **kw: K) -> R: [4 stmts, 7 exprs, 0 patterns]
              x = 1
              @inner_deco
              def g#f1(y = x): [2 stmts, 1 exprs, 0 patterns]
                def h#f2(): [1 stmts, 0 exprs, 0 patterns]
                  pass
                return y
              class Inner#c0(Base, metaclass=Meta): [1 stmts, 0 exprs, 0 patterns]
                def method#f3(self): [1 stmts, 1 exprs, 0 patterns]
                  return self
              return g
            class K#c1(object): [2 stmts, 6 exprs, 0 patterns]
              attr: int = 0
              def m#f4(self, z = (lambda q = 1: q)): [1 stmts, 0 exprs, 0 patterns]
                pass
            def after#f5(): [1 stmts, 0 exprs, 0 patterns]
              pass
        "#]],
    );
}

#[test]
fn control_flow() {
    check(
        r#"
if a:
    pass
elif b:
    x = 1
elif c:
    y = 2
else:
    z = 3
if d:
    pass
else:
    if e:
        pass
for i, j in pairs:
    continue
else:
    break
while cond:
    x += 1
else:
    pass
try:
    risky()
except* ValueError as err:
    raise Other() from err
except* (TypeError, KeyError):
    pass
try:
    pass
except Exception:
    pass
except:
    raise
else:
    ok()
finally:
    cleanup()
with open(p) as f, lock:
    pass
with (a as b, c as (d, e)):
    pass
assert x, "msg"
del a[0], b.c
"#,
        expect![[r##"
            # module [33 stmts, 50 exprs, 0 patterns]
            if a:
              pass
            elif b:
              x = 1
            elif c:
              y = 2
            else:
              z = 3
            if d:
              pass
            else:
              if e:
                pass
            for i, j in pairs:
              continue
            else:
              break
            while cond:
              x += 1
            else:
              pass
            try:
              risky()
            except* ValueError as err:
              raise Other() from err
            except* (TypeError, KeyError):
              pass
            try:
              pass
            except Exception:
              pass
            except:
              raise
            else:
              ok()
            finally:
              cleanup()
            with open(p) as f, lock:
              pass
            with a as b, c as (d, e):
              pass
            assert x, "msg"
            del a[0], b.c
        "##]],
    );
}

#[test]
fn match_patterns() {
    check(
        r#"
match command:
    case 1 | -2 | 3.5 | "s" | b"b":
        pass
    case None | True | False:
        pass
    case [a, *rest] | (b, *_):
        pass
    case {"k": v, 1: _, **others}:
        pass
    case Point(x, 0, y=yy, z=[1, 2]) if x > 0:
        pass
    case Color.RED as color:
        pass
    case [1, [2, inner]] as whole:
        pass
    case _:
        pass
"#,
        expect![[r##"
            # module [9 stmts, 20 exprs, 36 patterns]
            match command:
              case (1 | (-2) | 3.5 | "s" | b"b"):
                pass
              case (None | True | False):
                pass
              case ([a, *rest] | [b, *_]):
                pass
              case {"k": v, 1: _, **others}:
                pass
              case Point(x, 0, y=yy, z=[1, 2]) if (x > 0):
                pass
              case (Color.RED as color):
                pass
              case ([1, [2, inner]] as whole):
                pass
              case _:
                pass
        "##]],
    );
}

#[test]
fn expressions() {
    check(
        r#"
f = lambda a, /, b=1, *c, d, **e: a + b
g = lambda: 0
xs = [x * 2 for x in range(10) if x if x > 1 for y in x]
s = {x for x in xs}
d = {k: v for k, v in items async for z in k}
gen = (x for x in xs)
call(x for x in xs)
total = sum(x for x in xs)
if (n := len(xs)) > 10:
    pass
a, *b = c
first, = c
(p, q) = [*xs, *ys]
call(*args, key=1, **kwargs)
m = {**base, "k": 1}
v = not a and b or c
w = x if y else z
cmp = 1 < a <= 2 is not None
sl = xs[1:2, ::3, ...]
neg = -x ** 2
ints = (0x_ff, 1_000, 0o17, 0b1)
floats = (1.5, 1e10, 2j, 0.5j)
consts = (None, True, False, ...)
attr = a.b.c[0]
"#,
        expect![[r##"
            # module [24 stmts, 148 exprs, 0 patterns]
            f = (lambda a, /, b = 1, *c, d, **e: (a + b))
            g = (lambda: 0)
            xs = [(x * 2) for x in range(10) if x if (x > 1) for y in x]
            s = {x for x in xs}
            d = {k: v for k, v in items async for z in k}
            gen = (x for x in xs)
            call(x for x in xs)
            total = sum(x for x in xs)
            if ((n := len(xs)) > 10):
              pass
            a, *b = c
            first, = c
            (p, q) = [*xs, *ys]
            call(*args, key=1, **kwargs)
            m = {**base, "k": 1}
            v = (((not a) and b) or c)
            w = (x if y else z)
            cmp = (1 < a <= 2 is not None)
            sl = xs[1:2, ::3, ...]
            neg = (-(x ** 2))
            ints = (0x_ff, 1_000, 0o17, 0b1)
            floats = (1.5, 10000000000.0, 2.0j, 0.5j)
            consts = (None, True, False, ...)
            attr = a.b.c[0]
        "##]],
    );
}

#[test]
fn strings() {
    check(
        r#"
plain = "a" 'b' """c"""
raw = r"\d" "\n"
data = b"x" b"\x00"
fs = f"{x=}"
fs2 = f"{ x = !r:>{width}}"
fs3 = f"a{b!s}c" "d" f"e{f:{g}.{h}}"
fs4 = "lit" f"{y!a}"
nested = f"{f'{inner}'}"
tmpl = t"hello {name!r}" t"!"
empty = f""
"#,
        expect![[r##"
            # module [10 stmts, 31 exprs, 0 patterns]
            plain = "abc"
            raw = "\\d\n"
            data = b"x\x00"
            fs = f"{x debug="x="}"
            fs2 = f"{x debug=" x = "!r:>{width}}"
            fs3 = f"a{b!s}cde{f:{g}.{h}}"
            fs4 = f"lit{y!a}"
            nested = f"{f"{inner}"}"
            tmpl = t"hello {name!r}!"
            empty = f""
        "##]],
    );
}

#[test]
fn scopes_and_imports() {
    check(
        r#"
import os
import os.path as osp, sys
from . import sibling
from ..pkg.mod import (a as b, c)
from module import *
counter = 0
def outer():
    global counter
    value = 1
    def inner():
        nonlocal value
        value += 1
    return inner
"#,
        expect![[r#"
            # module [7 stmts, 2 exprs, 0 patterns]
            import os
            import os.path as osp, sys
            from . import sibling
            from ..pkg.mod import a as b, c
            from module import *
            counter = 0
            def outer#f0(): [4 stmts, 3 exprs, 0 patterns]
              global counter
              value = 1
              def inner#f1(): [2 stmts, 2 exprs, 0 patterns]
                nonlocal value
                value += 1
              return inner
        "#]],
    );
}

#[test]
fn generics_and_type_alias() {
    check(
        r#"
type Alias = int
type Pair[T] = tuple[T, T]
def first[T: (int, str), *Ts, **P](x: T) -> T: return x
class Box[T = int, U: Base = Derived](Generic[T]):
    def get(self) -> T: ...
"#,
        expect![[r#"
            # module [4 stmts, 19 exprs, 0 patterns]
            type Alias = int
            type Pair[T] = tuple[T, T]
            def first#f0[T: (int, str), *Ts, **P](x: T) -> T: [1 stmts, 1 exprs, 0 patterns]
              return x
            class Box#c0[T = int, U: Base = Derived](Generic[T]): [1 stmts, 1 exprs, 0 patterns]
              def get#f1(self) -> T: [1 stmts, 1 exprs, 0 patterns]
                ...
        "#]],
    );
}

#[test]
fn async_forms() {
    check(
        r#"
async def fetch(url):
    async with session() as s:
        async for chunk in s.stream():
            await process(chunk)
    data = [c async for c in aiter_()]
    yield data
    yield
    x = yield from other()
    return await s.close()
"#,
        expect![[r#"
            # module [1 stmts, 0 exprs, 0 patterns]
            async def fetch#f0(url): [8 stmts, 28 exprs, 0 patterns]
              async with session() as s:
                async for chunk in s.stream():
                  (await process(chunk))
              data = [c async for c in aiter_()]
              (yield data)
              (yield)
              x = (yield from other())
              return (await s.close())
        "#]],
    );
}

#[test]
fn error_recovery() {
    // Unparsable input must lower without panicking; recovery nodes survive as Error or
    // as empty names.
    check(
        r#"
def (x:
x = = 1
class :
    pass
for in y: pass
f(a for a in b, c)
%timeit x
lambda x: (yield)
{**d for d in ds}
"#,
        expect![[r#"
            # module [9 stmts, 19 exprs, 0 patterns]
            def #f0(x: x): [1 stmts, 1 exprs, 0 patterns]
              1
            class #c0: [1 stmts, 0 exprs, 0 patterns]
              pass
            for  in y:
              pass
            f(a for a in b, c)
            timeit
            x
            (lambda x: (yield))
            {<error>: d for d in ds}
        "#]],
    );
}

// ---- source map ---------------------------------------------------------------------

fn text(source: &str, range: TextRange) -> &str {
    &source[range]
}

fn find_stmt(body: &Body, pred: impl Fn(&Stmt) -> bool) -> la_arena::Idx<Stmt> {
    body.stmts
        .iter()
        .find(|(_, stmt)| pred(stmt))
        .map(|(id, _)| id)
        .expect("statement")
}

fn keyword_text<'a>(
    source: &'a str,
    map: &BodySourceMap,
    stmt: la_arena::Idx<Stmt>,
    len: u32,
) -> &'a str {
    let offset = map.keywords[&stmt];
    &source[TextRange::at(offset, len.into())]
}

#[test]
fn source_map_ranges() {
    let source = r#"
import os.path as osp, sys
from pkg import (thing as alias, other)

@decorator(
    arg,  # a comment with def in it
)
# def in a comment
async def fetch(url, *, retries=3):
    global counter
    result = client.get(url, timeout=5)
    try:
        pass
    except OSError as failure:
        pass
    match result:
        case {"k": [1, *tail]} | Point(x=captured) as whole:
            pass
    async for item in feed:
        pass
    async   with lock:
        pass
    for plain in items:
        pass
    with \
        lock:
        pass
    values = [a async for a in b for c in d]
    return lambda first, second=1: first

@dec
class Widget(Base):
    pass
"#;
    let (hir, map) = lower(source);
    assert_complete(&hir, &map);
    let module = &hir.module;
    let module_map = &map.module;

    // Imports: the bound name.
    let import = find_stmt(module, |s| matches!(s, Stmt::Import { .. }));
    assert_eq!(
        text(source, module_map.name(NameSite::Alias(import, 0)).unwrap()),
        "osp"
    );
    assert_eq!(
        text(source, module_map.name(NameSite::Alias(import, 1)).unwrap()),
        "sys"
    );
    let import_from = find_stmt(module, |s| matches!(s, Stmt::ImportFrom { .. }));
    assert_eq!(
        text(
            source,
            module_map.name(NameSite::Alias(import_from, 0)).unwrap()
        ),
        "alias"
    );
    assert_eq!(
        text(
            source,
            module_map.name(NameSite::Alias(import_from, 1)).unwrap()
        ),
        "other"
    );

    // The decorated async def: name, `def` keyword, whole statement.
    let (fetch_id, fetch) = hir.functions.iter().next().unwrap();
    assert_eq!(fetch.name.as_str(), "fetch");
    let fetch_stmt = fetch.stmt;
    assert_eq!(
        text(
            source,
            module_map.name(NameSite::ItemName(fetch_stmt)).unwrap()
        ),
        "fetch"
    );
    let def_offset = module_map.keywords[&fetch_stmt];
    assert_eq!(&source[usize::from(def_offset)..][..9], "def fetch");
    assert!(text(source, module_map.stmt(fetch_stmt)).starts_with("@decorator("));
    let class_stmt = find_stmt(module, |s| matches!(s, Stmt::ClassDef(_)));
    assert_eq!(keyword_text(source, module_map, class_stmt, 5), "class");
    assert_eq!(
        text(
            source,
            module_map.name(NameSite::ItemName(class_stmt)).unwrap()
        ),
        "Widget"
    );

    // Inside the function's own body map.
    let body = &fetch.body;
    let body_map = &map.functions[fetch_id];
    assert_eq!(
        text(source, body_map.name(NameSite::Param(0)).unwrap()),
        "url"
    );
    assert_eq!(
        text(source, body_map.name(NameSite::Param(1)).unwrap()),
        "retries"
    );
    let global = find_stmt(body, |s| matches!(s, Stmt::Global { .. }));
    assert_eq!(
        text(
            source,
            body_map.name(NameSite::Declared(global, 0)).unwrap()
        ),
        "counter"
    );
    // The call and its keyword.
    let (call, _) = body
        .exprs
        .iter()
        .find(|(_, e)| matches!(e, Expr::Call { .. }))
        .unwrap();
    assert_eq!(
        text(source, body_map.expr(call)),
        "client.get(url, timeout=5)"
    );
    assert_eq!(
        text(source, body_map.name(NameSite::Keyword(call, 0)).unwrap()),
        "timeout=5"
    );
    let try_stmt = find_stmt(body, |s| matches!(s, Stmt::Try { .. }));
    assert_eq!(
        text(
            source,
            body_map.name(NameSite::Handler(try_stmt, 0)).unwrap()
        ),
        "failure"
    );
    // Pattern captures.
    let mut captures: Vec<&str> = body
        .patterns
        .iter()
        .filter_map(|(id, _)| body_map.name(NameSite::Pattern(id)))
        .map(|range| text(source, range))
        .collect();
    captures.sort_unstable();
    assert_eq!(captures, ["captured", "tail", "whole"]);
    let (star, _) = body
        .patterns
        .iter()
        .find(|(_, p)| matches!(p, Pattern::Star { .. }))
        .unwrap();
    assert_eq!(text(source, body_map.pattern(star)), "*tail");

    // `for` / `with` keywords, async or not.
    let fors: Vec<_> = body
        .stmts
        .iter()
        .filter(|(_, s)| matches!(s, Stmt::For { .. }))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(fors.len(), 2);
    for stmt in fors {
        assert_eq!(keyword_text(source, body_map, stmt, 3), "for");
    }
    let withs: Vec<_> = body
        .stmts
        .iter()
        .filter(|(_, s)| matches!(s, Stmt::With { .. }))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(withs.len(), 2);
    for stmt in withs {
        assert_eq!(keyword_text(source, body_map, stmt, 4), "with");
    }
    let async_for = find_stmt(body, |s| matches!(s, Stmt::For { is_async: true, .. }));
    assert!(text(source, body_map.stmt(async_for)).starts_with("async for item"));

    // Comprehension `for`s, including `async for`.
    let (comp, _) = body
        .exprs
        .iter()
        .find(|(_, e)| matches!(e, Expr::ListComp { .. }))
        .unwrap();
    for index in 0..2 {
        let offset = body_map.comprehension_fors[&(comp, index)];
        assert_eq!(&source[TextRange::at(offset, 3.into())], "for");
    }
    let first = body_map.comprehension_fors[&(comp, 0)];
    assert_eq!(&source[usize::from(first)..][..9], "for a in ");
    let second = body_map.comprehension_fors[&(comp, 1)];
    assert_eq!(&source[usize::from(second)..][..9], "for c in ");

    // Lambda parameters.
    let (lambda, _) = body
        .exprs
        .iter()
        .find(|(_, e)| matches!(e, Expr::Lambda { .. }))
        .unwrap();
    assert_eq!(
        text(
            source,
            body_map.name(NameSite::LambdaParam(lambda, 1)).unwrap()
        ),
        "second"
    );
}

#[test]
fn type_param_and_elif_ranges() {
    let source =
        "class C[T: int, *Ts]: pass\nif a:\n    pass\nelif b:\n    pass\nelse:\n    pass\n";
    let (hir, map) = lower(source);
    let class_stmt = find_stmt(&hir.module, |s| matches!(s, Stmt::ClassDef(_)));
    assert_eq!(
        text(
            source,
            map.module.name(NameSite::TypeParam(class_stmt, 1)).unwrap()
        ),
        "Ts"
    );
    let elif = find_stmt(&hir.module, |s| matches!(s, Stmt::If { is_elif: true, .. }));
    assert_eq!(text(source, map.module.stmt(elif)), "elif b:\n    pass");
}

#[test]
fn keyword_offsets_edge_cases() {
    let source = "async def plain(): pass\n@(deco)\n\\\nasync  def  odd(): pass\n@d  # class def\nclass\\\n  K: pass\n";
    let (hir, map) = lower(source);
    let defs: Vec<_> = hir
        .module
        .stmts
        .iter()
        .filter(|(_, s)| matches!(s, Stmt::FunctionDef(_) | Stmt::ClassDef(_)))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(defs.len(), 3);
    let words: Vec<&str> = defs
        .iter()
        .map(|id| {
            let offset = usize::from(map.module.keywords[id]);
            source[offset..]
                .split(|c: char| !c.is_alphanumeric())
                .next()
                .unwrap()
        })
        .collect();
    assert_eq!(words, ["def", "def", "class"]);
    assert_eq!(usize::from(map.module.keywords[&defs[0]]), 6);
}

#[test]
fn ipython_escapes_become_errors() {
    let source = "%timeit x\ny = !ls\n";
    let parsed =
        ruff_python_parser::parse_unchecked_source(source, ruff_python_ast::PySourceType::Ipynb);
    let (hir, map) = lower_module(source, &mut parsed.into_syntax());
    assert_complete(&hir, &map);
    expect![[r#"
        # module [2 stmts, 2 exprs, 0 patterns]
        <error>
        y = <error>
    "#]]
    .assert_eq(&dump(&hir));
}

// ---- stable ids ---------------------------------------------------------------------

#[test]
fn editing_one_body_keeps_other_functions() {
    let before = r#"
def a():
    return 1

def b(x):
    def nested():
        pass
    return x

class C:
    def method(self):
        pass

def d():
    pass
"#;
    let after = r#"
def a():
    return 1

def b(x):
    y = x + 1
    if y:
        print(y, [z for z in y])
    def nested():
        pass
    return x

class C:
    def method(self):
        pass

def d():
    pass
"#;
    let (hir_before, _) = lower(before);
    let (hir_after, _) = lower(after);
    assert_eq!(hir_before.functions.len(), hir_after.functions.len());
    let mut changed = Vec::new();
    for ((id_before, f_before), (id_after, f_after)) in
        hir_before.functions.iter().zip(hir_after.functions.iter())
    {
        assert_eq!(id_before, id_after);
        assert_eq!(f_before.name, f_after.name);
        if f_before != f_after {
            changed.push(f_before.name.to_string());
        }
    }
    // `nested` lives inside the edited body: its own body is unchanged, only its `stmt`
    // back-link (an index into `b`'s arena) moved with the inserted statements.
    assert_eq!(changed, ["b", "nested"]);
    let nested_before = hir_before
        .functions
        .values()
        .find(|f| f.name == "nested")
        .unwrap();
    let nested_after = hir_after
        .functions
        .values()
        .find(|f| f.name == "nested")
        .unwrap();
    assert_eq!(nested_before.body, nested_after.body);
    assert_eq!(nested_before.params, nested_after.params);
    assert_eq!(hir_before.classes, hir_after.classes);
    assert_eq!(hir_before.module, hir_after.module);
}

// ---- corpus -------------------------------------------------------------------------

#[test]
fn lowers_cpython_stdlib() {
    let files = awaitify_test::python_files(&awaitify_test::stdlib_dir());
    // Dropping ruff's tree recurses on nesting depth (lowering grows its own stack).
    let handle = std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || {
            let start = Instant::now();
            let (mut lowered_files, mut stmts) = (0usize, 0usize);
            let (mut parsing, mut lowering) = (Duration::ZERO, Duration::ZERO);
            for path in &files {
                let Ok(source) = std::fs::read_to_string(path) else {
                    continue;
                };
                let parse_start = Instant::now();
                let parsed = ruff_python_parser::parse_unchecked_source(
                    &source,
                    ruff_python_ast::PySourceType::Python,
                );
                let lower_start = Instant::now();
                let (hir, map) = lower_module(&source, &mut parsed.into_syntax());
                lowering += lower_start.elapsed();
                parsing += lower_start - parse_start;
                assert_complete(&hir, &map);
                stmts += hir
                    .bodies()
                    .map(|(_, body)| body.stmts.len())
                    .sum::<usize>();
                lowered_files += 1;
            }
            eprintln!(
                "lowered {lowered_files} files, {stmts} statements in {:?} \
                 (parse {parsing:?}, lower {lowering:?})",
                start.elapsed()
            );
            stmts
        })
        .expect("spawn");
    let stmts = handle.join().expect("no panic while lowering the stdlib");
    assert!(stmts > 0);
}

#[test]
fn deep_nesting_does_not_overflow() {
    // The parser builds `1 + 1 + ...` iteratively into a left-nested tree; lowering recurses
    // on it and must grow its stack rather than overflow a 2 MiB test thread.
    let source = format!(
        "x = {}1\ny = {}0{}\n",
        "1 + ".repeat(10_000),
        "[".repeat(500),
        "]".repeat(500)
    );
    let parsed =
        ruff_python_parser::parse_unchecked_source(&source, ruff_python_ast::PySourceType::Python);
    let (hir, map) = lower_module(&source, &mut parsed.into_syntax());
    assert_complete(&hir, &map);
    assert_eq!(hir.module.exprs.len(), 20_002 + 502);
}
