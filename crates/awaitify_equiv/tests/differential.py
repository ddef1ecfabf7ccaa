"""Differential testing of the normalizer: a normal form must behave like its source.

    python3 differential.py generate SEED COUNT > functions.py
    python3 differential.py compare functions.py normalized.py

`generate` writes random functions over calls with visible effects (`f`, `g`, `h`,
`log`, a property, a closure that rebinds a local through `nonlocal`), globals those
calls change, walruses, conditional expressions, `and`/`or`, early returns, loops with
`break`/`continue`, `try`, and temporaries read once or more. Locals are read only where
they are assigned on every path (the normalizer assumes reading a local does not raise).

`compare` runs every function of both files on several arguments and compares the
result (or exception type), the trace of effects, and the final globals. It prints one
line per mismatch and a summary line `functions: N mismatches: M`.
"""

import random
import re
import signal
import sys
import warnings

PRELUDE = '''
G = 0
H = 0
TRACE = []

def show(x, depth=0):
    if isinstance(x, tuple):
        if depth > 2:
            return "(...)"
        return "(" + ", ".join(show(e, depth + 1) for e in x[:4]) + ")"
    return repr(x)[:20]

class Obj:
    @property
    def attr(self):
        global G
        TRACE.append(("attr", G))
        G += 3
        return G % 4

obj = Obj()

def f(x):
    global G
    TRACE.append(("f", show(x), G))
    G += 1
    return (G % 3) if G % 2 else None

def g():
    global H, G
    TRACE.append(("g", G, H))
    H += 1
    G += 2
    return H % 2

def h(x, y):
    TRACE.append(("h", show(x), show(y)))
    return (x, y)

def log(x):
    TRACE.append(("log", show(x)))
'''


class Generator:
    def __init__(self, rng):
        self.rng = rng

    def expr(self, env, depth):
        rng = self.rng
        if depth <= 0 or rng.random() < 0.25:
            choice = rng.choice(["a", "b", "G", "H", "None", "0", "1", "'s'", "True", "len"] + sorted(env))
            return "len([a])" if choice == "len" else choice
        e = lambda: self.expr(env, depth - 1)
        kind = rng.randrange(13)
        if kind == 0:
            return f"f({e()})"
        if kind == 1:
            return "g()"
        if kind == 2:
            return f"({e()} + {e()})"
        if kind == 3:
            return f"({e()} and {e()})"
        if kind == 4:
            return f"({e()} or {e()})"
        if kind == 5:
            return f"({e()} if {e()} else {e()})"
        if kind == 6:
            return f"({e()} is None)"
        if kind == 7:
            return f"(not {e()})"
        if kind == 8:
            return f"({rng.choice(['w1', 'w2', 'w3'])} := {e()})"
        if kind == 9:
            return f"({e()} == {e()})"
        if kind == 10:
            return rng.choice(["obj.attr", "bump()", "[q for q in (a, b) if (w3 := q)]",
                               "(lambda: G)()", "(lambda p=G: p)()", f'f"{{{self.expr(env, 0)}}}"'])
        if kind == 11:
            return f"{{{e()}: {e()}}}"
        return f"h({e()}, {e()})"

    def block(self, env, depth, in_loop, count):
        rng = self.rng
        out = []
        env = set(env)
        indent = lambda lines: ["    " + line for line in lines]
        for _ in range(count):
            kind = rng.randrange(10)
            if kind <= 2:
                name = rng.choice(["x", "y", "z", "u"])
                out.append(f"{name} = {self.expr(env, 2)}")
                env.add(name)
            elif kind == 3 and depth > 0:
                out.append(f"if {self.expr(env, 2)}:")
                out += indent(self.block(env, depth - 1, in_loop, rng.randrange(1, 3))[0])
                if rng.random() < 0.5:
                    out.append("else:")
                    out += indent(self.block(env, depth - 1, in_loop, rng.randrange(1, 3))[0])
            elif kind == 4:
                out.append(f"return {self.expr(env, 2)}")
            elif kind == 5:
                out.append(f"return {self.expr(env, 1)} if {self.expr(env, 1)} else {self.expr(env, 1)}")
            elif kind == 6 and depth > 0 and not in_loop:
                out.append("for i in range(2):")
                out += indent(self.block(env, depth - 1, True, rng.randrange(1, 3))[0])
            elif kind == 7 and in_loop:
                out.append(rng.choice(["continue", "break"]))
            elif kind == 8:
                shape = rng.randrange(4)
                if shape == 0:
                    out.append(f"log({self.expr(env, 2)})")
                elif shape == 1:
                    out.append("try:")
                    out += indent(self.block(env, max(depth - 1, 0), in_loop, rng.randrange(1, 3))[0])
                    out.append("except TypeError:")
                    out.append(f"    log({self.expr(env, 1)})")
                elif shape == 2:
                    out.append(f"while {self.expr(env, 1)}:")
                    out.append(f"    log({self.expr(env, 1)})")
                    out.append("    break")
                else:
                    name = rng.choice(["x", "y"])
                    out.append(f"{name} = {self.expr(env, 2)}")
                    out.append(f"return {self.expr(env | {name}, 2)}")
                    env.add(name)
            else:
                name = rng.choice(["x", "y", "z"])
                out.append(f"{name} = {self.expr(env, 1)} if {self.expr(env, 1)} else {self.expr(env, 1)}")
                env.add(name)
        return out, env


def generate(seed, count):
    rng = random.Random(seed)
    generator = Generator(rng)
    lines = []
    for index in range(count):
        lines.append(f"def fn{index}(a, b):")
        start = set()
        if rng.random() < 0.3:
            prologue = ["c = 0", "def bump():", "    nonlocal c", "    c += 1", "    return c"]
            start = {"c"}
        else:
            prologue = ["def bump():", "    return g()"]
        if rng.random() < 0.2:
            prologue = ["global G"] + prologue
        body, _ = generator.block(start, 2, False, rng.randrange(1, 6))
        lines += ["    " + line for line in prologue + body]
        lines.append("")
    print("\n".join(lines))


class Slow(Exception):
    pass


def _alarm(signum, frame):
    raise Slow()


PRELUDE_CODE = compile(PRELUDE, "<prelude>", "exec")


def run(code, name, args):
    """Runs `name(*args)` in a fresh namespace holding the module compiled as `code`."""
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(2)
    try:
        namespace = {}
        exec(PRELUDE_CODE, namespace)
        exec(code, namespace)
        try:
            result = ("ok", namespace["show"](namespace[name](*args)))
        except Slow:
            raise
        except Exception as error:
            result = ("raised", type(error).__name__)
        return result, namespace["TRACE"], namespace["G"], namespace["H"]
    except Slow:
        return "slow"
    finally:
        signal.alarm(0)


def compare(original_path, normalized_path):
    warnings.simplefilter("ignore")
    original = open(original_path).read()
    normalized = open(normalized_path).read()
    names = re.findall(r"^def (fn\d+)", original, re.M)
    original = compile(original, original_path, "exec")
    normalized = compile(normalized, normalized_path, "exec")
    mismatches = 0
    for name in names:
        for args in [(0, 1), (1, None), (None, 2), ("q", 0), (2, 2)]:
            expected = run(original, name, args)
            actual = run(normalized, name, args)
            if expected != actual:
                mismatches += 1
                print(f"MISMATCH {name}{args}:\n  source:      {expected}\n  normal form: {actual}")
                break
    print(f"functions: {len(names)} mismatches: {mismatches}")


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(int(sys.argv[2]), int(sys.argv[3]))
    else:
        compare(sys.argv[2], sys.argv[3])
