// Owns one Pyodide instance inside a worker thread: loads it from the local
// `pyodide` npm package (no network), installs the stand-in libraries, and runs
// one project at a time on request from harness.mjs, reporting stdout, stderr,
// the exception (if any) and whether the instance is still clean enough to reuse.
import { parentPort, workerData } from "node:worker_threads";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const { standinsDir, hideStackSwitching } = workerData;

if (hideStackSwitching) {
  // When the JS runtime has WebAssembly stack switching (JSPI), Pyodide makes
  // `asyncio.run()` / `loop.run_until_complete()` block and `time.sleep()` yield
  // to the event loop. Node 20 has no JSPI; newer runtimes may. Hiding it pins
  // the behaviour of a runtime without JSPI (the case awaitify exists for), so
  // the suite gives the same verdicts on every Node version.
  delete WebAssembly.Suspending;
  delete WebAssembly.Suspender;
}

const require = createRequire(import.meta.url);
const pyodideDir = path.dirname(require.resolve("pyodide/package.json"));
const { loadPyodide } = await import("pyodide");

const STANDINS_MOUNT = "/standins";

const pyodide = await loadPyodide({ indexURL: pyodideDir + path.sep });

let stdoutDecoder = new TextDecoder();
let stderrDecoder = new TextDecoder();
let stdout = "";
let stderr = "";
pyodide.setStdout({
  write(buf) {
    stdout += stdoutDecoder.decode(buf, { stream: true });
    return buf.length;
  },
});
pyodide.setStderr({
  write(buf) {
    stderr += stderrDecoder.decode(buf, { stream: true });
    return buf.length;
  },
});

function writeTree(root, files) {
  for (const [rel, content] of Object.entries(files)) {
    const full = path.posix.join(root, rel);
    pyodide.FS.mkdirTree(path.posix.dirname(full));
    pyodide.FS.writeFile(full, content, { encoding: "utf8" });
  }
}

function readTree(dir, prefix = "") {
  const files = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") Object.assign(files, readTree(full, rel));
    } else if (entry.name.endsWith(".py")) {
      files[rel] = fs.readFileSync(full, "utf8");
    }
  }
  return files;
}

writeTree(STANDINS_MOUNT, readTree(standinsDir));

const CAN_RUN_SYNC = pyodide.runPython("from pyodide.ffi import can_run_sync; can_run_sync()");

// The driver runs the entry file the way stlite runs a script: compiled with
// ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, evaluated in a fresh globals dict whose
// __name__ is "__main__", and awaited on Pyodide's event loop if it awaits.
// (Not runPythonAsync itself: that returns the value of a trailing bare
// expression to JS, which awaits it if it is a coroutine, so a final
// un-awaited `st.navigation(...).run()` would silently work there and nowhere else.)
pyodide.runPython(`
import ast as _ast
import asyncio as _asyncio
import gc as _gc
import inspect as _inspect
import os as _os
import sys as _sys

_HOME_LOOP = _asyncio.get_event_loop()


class _CaseRunner:
    def __init__(self, case_dir, standins):
        self.case_dir = case_dir
        self.standins = standins

    def enter(self):
        self.saved_path = list(_sys.path)
        self.saved_cwd = _os.getcwd()
        self.saved_modules = set(_sys.modules)
        _sys.path[0:0] = [self.case_dir, self.standins]
        _os.chdir(self.case_dir)

    async def run(self, main_file):
        with open(main_file, encoding="utf-8") as f:
            source = f.read()
        globals_ = {"__name__": "__main__", "__file__": main_file}
        try:
            code = compile(source, main_file, "exec",
                           flags=_ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            result = eval(code, globals_)
            if _inspect.iscoroutine(result):
                await result
        except BaseException as e:
            return [type(e).__name__, str(e)]
        finally:
            _sys.stdout.flush()
            _sys.stderr.flush()
        return None

    async def leave(self):
        """Undo the run's effects; return a list of reasons the instance is dirty."""
        dirty = []
        if _asyncio.get_event_loop() is not _HOME_LOOP:
            dirty.append("the program replaced the event loop")
        current = _asyncio.current_task()
        leftover = [t for t in _asyncio.all_tasks() if t is not current and not t.done()]
        for t in leftover:
            t.cancel()
        if leftover:
            dirty.append(f"{len(leftover)} task(s) still pending")
        for _ in range(3):
            await _asyncio.sleep(0)
        _gc.collect()  # "never awaited" warnings belong to this run's stderr
        _sys.path[:] = self.saved_path
        _os.chdir(self.saved_cwd)
        for name in list(_sys.modules):
            if name in self.saved_modules:
                continue
            file = getattr(_sys.modules[name], "__file__", None) or ""
            if file.startswith((self.case_dir + "/", self.standins + "/")):
                del _sys.modules[name]
        _sys.stdout.flush()
        _sys.stderr.flush()
        return dirty

    async def probe(self):
        """Check the event loop still schedules tasks and timers normally."""
        async def one(i):
            await _asyncio.sleep(0.001)
            return i

        got = await _asyncio.gather(one(1), _asyncio.ensure_future(one(2)))
        await _asyncio.sleep(0.01)
        ok = got == [1, 2] and _asyncio.get_event_loop() is _HOME_LOOP
        _sys.stdout.flush()
        _sys.stderr.flush()
        return ok
`);
const CaseRunner = pyodide.globals.get("_CaseRunner");

function errorText(e) {
  return String(e && e.stack ? e.stack : e);
}

async function runCase({ caseDir, files, main }) {
  stdout = "";
  stderr = "";
  stdoutDecoder = new TextDecoder();
  stderrDecoder = new TextDecoder();
  writeTree(caseDir, files);
  const runner = CaseRunner(caseDir, STANDINS_MOUNT);
  let error = null;
  let internalError = null;
  const dirty = [];
  try {
    runner.enter();
    const pyError = await runner.run(path.posix.join(caseDir, main));
    if (pyError) {
      const [type, message] = pyError.toJs();
      pyError.destroy();
      error = { type, message };
    }
    const reasons = await runner.leave();
    dirty.push(...reasons.toJs());
    reasons.destroy();
    // Anything printed while the probe runs came from callbacks the program
    // left behind: it is part of the run's output, and the instance is dirty.
    const before = stdout.length + stderr.length;
    if (!(await runner.probe())) dirty.push("the event loop failed the probe");
    if (stdout.length + stderr.length !== before) dirty.push("output after the program ended");
  } catch (e) {
    internalError = errorText(e);
  } finally {
    runner.destroy();
  }
  stdout += stdoutDecoder.decode();
  stderr += stderrDecoder.decode();
  if (internalError) dirty.push("internal error");
  // A Python exception raised by the program does not by itself spoil the
  // interpreter; a damaged event loop or stray callbacks do.
  return { stdout, stderr, error, internalError, dirty };
}

parentPort.on("message", async (msg) => {
  if (msg.type !== "run") return;
  let result;
  try {
    result = await runCase(msg);
  } catch (e) {
    result = { stdout, stderr, error: null, internalError: errorText(e), dirty: ["internal error"] };
  }
  parentPort.postMessage({ type: "result", id: msg.id, result });
});

parentPort.postMessage({ type: "ready", version: pyodide.version, canRunSync: CAN_RUN_SYNC });
