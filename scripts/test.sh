#!/usr/bin/env bash
# The whole test suite: installs what it needs (scripts/setup.sh), checks generated proto types for
# drift, lints (type-aware), then runs unit, emulator conformance and e2e tests in one vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
log "checking generated proto types"
pnpm -s proto:check
log "linting"
pnpm -s lint
log "running tests"
results="$(mktemp)"
status=0
pnpm -s vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line for whoever reads the log: "vitest: N passed, N failed".
node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results" || true
rm -f "$results"
exit "$status"
