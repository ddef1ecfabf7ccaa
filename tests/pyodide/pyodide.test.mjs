// Owns the end-to-end proof on real Pyodide: for every program under
// programs/, checks the original on CPython and on Pyodide against its
// case.json, then transforms it with the awaitify binary and checks that the
// rewritten program prints exactly the expected output on Pyodide.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pyodideInfo, readProject, runOnCPython, runOnPyodide, shutdownPyodide } from "./harness.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, "..", "..");
const PROGRAMS = path.join(HERE, "programs");
const RUN_TIMEOUT_MS = 30_000;
const TRANSFORM_TIMEOUT_MS = 120_000;

// Developer aid, not for CI: with AWAITIFY_REWRITTEN_DIR set, step 3 takes the
// rewritten project from $AWAITIFY_REWRITTEN_DIR/<program>/ (written by hand)
// instead of running the awaitify binary. It lets the corpus and harness be
// checked before the tool exists.
const REWRITTEN_DIR = process.env.AWAITIFY_REWRITTEN_DIR || null;

after(() => shutdownPyodide());

function findAwaitify() {
  const fromEnv = process.env.AWAITIFY_BIN;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) {
      return { error: `AWAITIFY_BIN is set to ${fromEnv}, which does not exist` };
    }
    return { bin: fromEnv };
  }
  const candidates = [
    path.join(REPO, "target", "release", "awaitify"),
    path.join(REPO, "target", "debug", "awaitify"),
  ];
  const bin = candidates.find((p) => fs.existsSync(p));
  if (bin) return { bin };
  return {
    error:
      "the awaitify binary was not found (looked for AWAITIFY_BIN, " +
      candidates.map((p) => path.relative(REPO, p)).join(", ") +
      "). Build it first: cargo build --release -p awaitify",
  };
}

function loadCase(dir) {
  const file = path.join(dir, "case.json");
  assert.ok(fs.existsSync(file), `${file} is missing`);
  assert.ok(fs.existsSync(path.join(dir, "main.py")), `${dir}/main.py is missing`);
  const c = JSON.parse(fs.readFileSync(file, "utf8"));
  const where = path.relative(REPO, file);
  assert.equal(typeof c.expected, "string", `${where}: "expected" must be a string`);
  const cp = c.original_on_cpython;
  assert.ok(
    cp === "expected" || (cp && typeof cp.differs === "string" && cp.differs.length > 0),
    `${where}: "original_on_cpython" must be "expected" or {"differs": "<why>"}`,
  );
  const py = c.original_on_pyodide;
  assert.ok(
    py &&
      ((typeof py.raises === "string" && py.raises.length > 0) ||
        (typeof py.differs === "string" && py.differs.length > 0)),
    `${where}: "original_on_pyodide" must be {"raises": "<substring>"} or {"differs": "<why>"}`,
  );
  assert.ok(
    c.diagnostics === undefined ||
      (Array.isArray(c.diagnostics) && c.diagnostics.every((code) => /^AW\d{3}$/.test(code))),
    `${where}: "diagnostics" must be a list of codes such as "AW217"`,
  );
  return c;
}

function describeRun(r) {
  const lines = [];
  if (r.timedOut) lines.push(`timed out after ${RUN_TIMEOUT_MS} ms`);
  if (r.error) lines.push(`raised ${r.error.type}: ${r.error.message}`);
  if (r.internalError) lines.push(`harness error: ${r.internalError}`);
  lines.push(`stdout:\n${r.stdout}`);
  if (r.stderr) lines.push(`stderr:\n${r.stderr}`);
  return lines.join("\n");
}

/**
 * Produces the rewritten project as {relative path: source}, or throws with a
 * readable message. The binary's output folder is removed when the test passes.
 * Each code in `diagnostics` must be among those the binary reports.
 */
function rewrite(name, dir, t, diagnostics = []) {
  if (REWRITTEN_DIR) {
    const handDir = path.join(REWRITTEN_DIR, name);
    t.diagnostic(`AWAITIFY_REWRITTEN_DIR is set: using hand-written rewrite ${handDir}, not the binary`);
    assert.ok(fs.existsSync(path.join(handDir, "main.py")), `${handDir}/main.py is missing`);
    return readProject(handDir);
  }
  const found = findAwaitify();
  assert.ok(found.bin, found.error);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "awaitify-pyodide-"));
  const outDir = path.join(tmp, "out");
  t.after(() => {
    if (t.passed) fs.rmSync(tmp, { recursive: true, force: true });
  });
  const r = spawnSync(found.bin, ["transform", dir, "--out-dir", outDir], {
    encoding: "utf8",
    timeout: TRANSFORM_TIMEOUT_MS,
  });
  assert.ok(!r.error, `could not run ${found.bin}: ${r.error?.message}`);
  assert.equal(
    r.status,
    0,
    `${found.bin} transform ${dir} --out-dir ${outDir} exited with ${r.status ?? r.signal}\n` +
      `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
  );
  assert.ok(
    fs.existsSync(path.join(outDir, "main.py")),
    `${found.bin} transform wrote no main.py into ${outDir}; it contains: ` +
      JSON.stringify(fs.existsSync(outDir) ? Object.keys(readProject(outDir)) : []),
  );
  for (const code of diagnostics) {
    assert.ok(
      r.stderr.includes(`[${code}/`),
      `${found.bin} transform ${dir} should report ${code}, but reported:\n${r.stderr}`,
    );
  }
  // Files the tool did not write (e.g. modules it left unchanged) keep their
  // original text.
  const written = readProject(outDir);
  t.diagnostic(`rewritten files: ${Object.keys(written).sort().join(", ")} (in ${outDir})`);
  return { ...readProject(dir), ...written };
}

const programNames = fs
  .readdirSync(PROGRAMS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

// The CPython runs are independent of everything else: start them all up front
// (a few at a time) so they overlap with Pyodide loading and running.
const cpythonRuns = new Map();
const cpythonQueue = [...programNames];
function cpythonRun(name) {
  if (!cpythonRuns.has(name)) {
    const i = cpythonQueue.indexOf(name);
    if (i >= 0) cpythonQueue.splice(i, 1);
    const run = runOnCPython(path.join(PROGRAMS, name), { timeoutMs: RUN_TIMEOUT_MS });
    cpythonRuns.set(name, run);
    run.then(() => cpythonQueue.length && cpythonRun(cpythonQueue[0]));
  }
  return cpythonRuns.get(name);
}
for (const name of programNames.slice(0, 4)) cpythonRun(name);

test("the corpus has at least 20 programs", () => {
  assert.ok(programNames.length >= 20, `only ${programNames.length} programs under ${PROGRAMS}`);
});

test("Pyodide loads from the npm package, without stack switching", async (t) => {
  const info = await pyodideInfo();
  t.diagnostic(`Pyodide ${info.version}`);
  assert.equal(info.canRunSync, false, "stack switching (JSPI) should be hidden from Pyodide; see README.md");
});

for (const name of programNames) {
  const dir = path.join(PROGRAMS, name);

  test(name, { timeout: 5 * RUN_TIMEOUT_MS }, async (t) => {
    const c = loadCase(dir);

    await t.test("original on CPython", async () => {
      const r = await cpythonRun(name);
      assert.ok(
        !r.spawnError,
        `could not run ${r.python} (set $PYTHON to a CPython 3 interpreter): ${r.spawnError}`,
      );
      const shown = `exit ${r.status ?? r.signal}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
      assert.equal(r.status, 0, `the original failed on CPython:\n${shown}`);
      if (c.original_on_cpython === "expected") {
        assert.equal(
          r.stdout,
          c.expected,
          `the original should print exactly the expected output on CPython.\nexpected stdout:\n${c.expected}\ngot ${shown}`,
        );
      } else {
        assert.notEqual(
          r.stdout,
          c.expected,
          `case.json says the original misbehaves on CPython (${c.original_on_cpython.differs}), ` +
            `but it printed exactly the expected output`,
        );
      }
    });

    await t.test("original on Pyodide", async () => {
      const r = await runOnPyodide({ files: readProject(dir), name, timeoutMs: RUN_TIMEOUT_MS });
      assert.ok(!r.timedOut && !r.internalError, describeRun(r));
      const want = c.original_on_pyodide;
      if (want.raises !== undefined) {
        assert.ok(r.error, `the original should raise (${want.raises}) on Pyodide, but did not:\n${describeRun(r)}`);
        const text = `${r.error.type}: ${r.error.message}`;
        assert.ok(
          text.includes(want.raises),
          `the original raised on Pyodide, but not with ${JSON.stringify(want.raises)}:\n${describeRun(r)}`,
        );
      } else {
        assert.equal(r.error, null, `the original raised on Pyodide; case.json says it only misbehaves:\n${describeRun(r)}`);
        assert.notEqual(
          r.stdout,
          c.expected,
          `case.json says the original misbehaves on Pyodide (${want.differs}), ` +
            `but it printed exactly the expected output`,
        );
      }
    });

    await t.test("rewritten on Pyodide", async (t) => {
      const files = rewrite(name, dir, t, c.diagnostics);
      const r = await runOnPyodide({ files, name: `${name}-rewritten`, timeoutMs: RUN_TIMEOUT_MS });
      const original = readProject(dir);
      const report = () =>
        describeRun(r) +
        Object.entries(files)
          .filter(([rel, text]) => rel === "main.py" || original[rel] !== text)
          .map(([rel, text]) => `\nrewritten ${rel}:\n${text}`)
          .join("");
      assert.ok(!r.timedOut && !r.internalError && !r.error, `the rewritten program failed on Pyodide:\n${report()}`);
      assert.equal(
        r.stdout,
        c.expected,
        `the rewritten program printed the wrong output on Pyodide.\nexpected stdout:\n${c.expected}\n${report()}`,
      );
      assert.equal(r.stderr, "", `the rewritten program wrote to stderr on Pyodide:\n${report()}`);
    });
  });
}
