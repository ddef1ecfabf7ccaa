#!/usr/bin/env bash
# Runs the Pyodide end-to-end suite: installs the pinned pyodide npm package
# (npm ci) and runs pyodide.test.mjs with Node's built-in test runner.
# Extra arguments go to `node --test` (e.g. --test-name-pattern=streamlit).
# Needs node (>= 20), npm and python3 ($PYTHON overrides python3); a missing
# one is an error, never a skip. Exits with the test runner's status.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "tests/pyodide/run.sh: ERROR: $*" >&2
  exit 1
}

command -v node >/dev/null 2>&1 || die "node is not installed or not on PATH (Node.js >= 20 is required)"
command -v npm >/dev/null 2>&1 || die "npm is not installed or not on PATH (it comes with Node.js >= 20)"
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "$python is not installed or not on PATH (a CPython 3 interpreter is required; set \$PYTHON to choose one)"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required, found $(node --version)"

npm ci --prefix "$here" --no-audit --no-fund --loglevel=error >/dev/null \
  || die "npm ci failed in $here"

status=0
node --test "$@" "$here/pyodide.test.mjs" || status=$?
exit "$status"
