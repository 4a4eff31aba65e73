#!/usr/bin/env bash
# The whole test suite: installs what it needs (scripts/setup.sh), checks generated proto types for
# drift, lints (type-aware), then runs unit, emulator conformance and e2e tests in one vitest run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
log "checking generated proto types"
pnpm -s proto:check
log "checking formatting"
pnpm -s format:check
log "linting"
pnpm -s lint
log "running tests"
results="$(mktemp)"
status=0
pnpm -s vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?
# One plain closing line for whoever reads the log: "vitest: N passed, N failed". A test file that
# failed without a failed test (a hook that timed out, an import error) never ran its tests: each
# counts as one failure, so the line cannot look green while suites were lost.
node -e '
const fs = require("fs");
let r;
try { r = JSON.parse(fs.readFileSync(process.argv[1], "utf8")); } catch { console.log("vitest: 0 passed, 1 failed"); process.exit(0); }
const lost = r.testResults.filter((f) => f.status === "failed" && !f.assertionResults.some((a) => a.status === "failed"));
for (const f of lost) console.log(`suite did not run: ${f.name}: ${(f.message || "").split("\n")[0]}`);
console.log(`vitest: ${r.numPassedTests} passed, ${r.numFailedTests + lost.length} failed`);
' "$results" || true
rm -f "$results"
exit "$status"
