#!/usr/bin/env bash
# The project's test command (`npm test`): installs what is missing, checks that runtime-spec/
# matches chain/ and the compiled demo model (packages/stack/demo-model) its sources, type-checks
# the tests, runs the Rust tests, then the jest suites on real parts.
# Ends with one line "tests: N passed, M failed" over both runners.
set -uo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

bash scripts/setup.sh || exit 1
node scripts/runtime-spec.mjs check || exit 1
node scripts/demo-model.mjs check || exit 1
# jest runs TypeScript through SWC, which strips types: type-check the tests themselves first
for config in tsconfig.test.json packages/*/tsconfig.test.json; do
  node node_modules/typescript/bin/tsc -p "$config" || { echo "type errors in the tests ($config)" >&2; exit 1; }
done

status=0
bash scripts/test-chain.sh 2>&1 | tee "$logs/cargo.log"
[[ ${PIPESTATUS[0]} -eq 0 ]] || status=1

npm run --silent test:js -- --ci --json --outputFile="$logs/jest.json"
[[ $? -eq 0 ]] || status=1

node scripts/test-tally.mjs "$logs/cargo.log" "$logs/jest.json" || status=1
exit $status
