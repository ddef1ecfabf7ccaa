// Owns running Python projects on Pyodide (and, for comparison, on CPython).
// `runOnPyodide` hands a project to a Pyodide instance living in a worker
// thread (pyodide-worker.mjs), with a real timeout: a worker stuck in a
// blocking loop is terminated. An instance is reused while it stays healthy
// (its event loop intact, nothing left running) and thrown away otherwise; a
// spare instance is kept loaded so a fresh one is usually ready.
import { Worker } from "node:worker_threads";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const STANDINS_DIR = path.join(HERE, "standins");
const WORKER_FILE = path.join(HERE, "pyodide-worker.mjs");

/** Reads every .py file under `dir` into {relative/posix/path: source}. */
export function readProject(dir, prefix = "") {
  const files = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "__pycache__") Object.assign(files, readProject(full, rel));
    } else if (entry.name.endsWith(".py")) {
      files[rel] = fs.readFileSync(full, "utf8");
    }
  }
  return files;
}

class PyodideWorker {
  constructor() {
    this.worker = new Worker(WORKER_FILE, {
      workerData: { standinsDir: STANDINS_DIR, hideStackSwitching: true },
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.pending = new Map();
    this.dead = false;
    this.ready = new Promise((resolve, reject) => {
      this.worker.on("message", (msg) => {
        if (msg.type === "ready") {
          this.info = { version: msg.version, canRunSync: msg.canRunSync };
          resolve(this.info);
        } else if (msg.type === "result") {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          p?.resolve(msg.result);
        }
      });
      const fail = (err) => {
        this.dead = true;
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      this.worker.on("error", fail);
      this.worker.on("exit", (code) => fail(new Error(`Pyodide worker exited (code ${code})`)));
    });
    this.ready.catch(() => {});
  }

  run(job, id) {
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ type: "run", id, ...job });
    });
  }

  terminate() {
    this.dead = true;
    return this.worker.terminate();
  }
}

let current = null; // instance to use next (may still be loading)
let spare = null; // fresh instance loading in the background
let runCounter = 0;

function takeWorker() {
  if (!current || current.dead) {
    current = spare && !spare.dead ? spare : new PyodideWorker();
    spare = null;
  }
  if (!spare) {
    // Load the spare once the current one is up, not alongside it.
    const base = current;
    base.ready.then(
      () => {
        if (!spare && current === base) spare = new PyodideWorker();
      },
      () => {},
    );
  }
  return current;
}

function discard(worker) {
  worker.terminate();
  if (current === worker) current = null;
}

// Workers are unref'd so a crashed test file cannot hang on them; while we
// wait for one, a timer keeps the process alive.
async function keepAlive(promise) {
  const timer = setInterval(() => {}, 1 << 30);
  try {
    return await promise;
  } finally {
    clearInterval(timer);
  }
}

/** Version and stack-switching support of the Pyodide instances in use. */
export async function pyodideInfo() {
  return keepAlive(takeWorker().ready);
}

/**
 * Runs a project on Pyodide.
 *
 * @param {object} opts
 * @param {Record<string,string>} opts.files  relative path -> source
 * @param {string} [opts.name]      label used in the case directory name
 * @param {string} [opts.main]      entry file (default "main.py")
 * @param {number} [opts.timeoutMs] per-run limit (default 30000)
 * @returns {Promise<{stdout: string, stderr: string,
 *   error: null | {type: string, message: string},
 *   timedOut: boolean, internalError: string | null,
 *   dirty: string[], ms: number}>}
 *   `error` is the exception the program raised; `dirty` says why the
 *   instance was thrown away afterwards (empty if it is reused).
 *
 * The files are written to /case/<n>-<name>/ in Pyodide's file system; that
 * folder and the stand-ins folder go first on sys.path; the entry file runs in
 * a fresh globals dict with __name__ == "__main__" and top-level await allowed.
 */
export function runOnPyodide(opts) {
  // One run at a time: an instance captures one program's output at a time.
  const run = lastRun.then(() => runNow(opts));
  lastRun = run.catch(() => {});
  return run;
}

let lastRun = Promise.resolve();

async function runNow({ files, name = "case", main = "main.py", timeoutMs = 30000 }) {
  const id = ++runCounter;
  const caseDir = `/case/${id}-${name.replace(/[^A-Za-z0-9_.-]/g, "_")}`;
  const worker = takeWorker();
  await keepAlive(worker.ready);
  const started = Date.now();
  let timer;
  const timeout = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  let result;
  try {
    result = await Promise.race([worker.run({ caseDir, files, main }, id), timeout]);
  } catch (e) {
    result = {
      stdout: "",
      stderr: "",
      error: null,
      internalError: String(e && e.stack ? e.stack : e),
      dirty: ["worker failed"],
    };
  } finally {
    clearTimeout(timer);
  }
  const ms = Date.now() - started;
  if (result === null) {
    discard(worker);
    return { stdout: "", stderr: "", error: null, timedOut: true, internalError: null, dirty: ["timed out"], ms };
  }
  if (result.dirty.length) discard(worker);
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    error: result.error,
    timedOut: false,
    internalError: result.internalError,
    dirty: result.dirty,
    ms,
  };
}

/** Stops every Pyodide worker (call from an `after` hook). */
export async function shutdownPyodide() {
  const all = [current, spare].filter(Boolean);
  current = spare = null;
  await Promise.all(all.map((w) => w.terminate()));
}

/**
 * Runs `python3 <main>` with cwd = `dir` and the stand-ins first on PYTHONPATH.
 * The interpreter is $PYTHON if set, else python3.
 * @returns {Promise<{python: string, stdout: string, stderr: string,
 *   status: number | null, signal: string | null, spawnError: string | null}>}
 */
export function runOnCPython(dir, { main = "main.py", timeoutMs = 30000 } = {}) {
  const python = process.env.PYTHON || "python3";
  const env = {
    ...process.env,
    PYTHONPATH: [STANDINS_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter),
    PYTHONDONTWRITEBYTECODE: "1",
    PYTHONIOENCODING: "utf-8",
  };
  return new Promise((resolve) => {
    const child = spawn(python, [main], { cwd: dir, env, timeout: timeoutMs });
    const out = [];
    const err = [];
    let spawnError = null;
    child.stdout.on("data", (b) => out.push(b));
    child.stderr.on("data", (b) => err.push(b));
    child.on("error", (e) => {
      spawnError = String(e.message ?? e);
    });
    child.on("close", (status, signal) => {
      resolve({
        python,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        status,
        signal,
        spawnError,
      });
    });
  });
}
