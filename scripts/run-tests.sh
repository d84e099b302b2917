#!/usr/bin/env bash
# Runs every test once and ends with one plain summary line ("tests: N passed, N failed, N skipped")
# that CI reads; the exit code is vitest's.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .vitest
rm -f .vitest/results.json
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest/results.json "$@"
rc=$?
if [ -f .vitest/results.json ]; then
  node -e '
    const r = JSON.parse(require("node:fs").readFileSync(".vitest/results.json", "utf8"));
    console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
  '
else
  echo "tests: 0 passed, 1 failed (vitest wrote no results)"
  [ "$rc" -eq 0 ] && rc=1
fi
exit "$rc"
