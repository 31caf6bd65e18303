#!/usr/bin/env bash
# Runs the chain/ Rust tests: pallet unit and property tests, Groth16 verifier tests and the
# benchmark test suites. The runtime wasm is not rebuilt (SKIP_WASM_BUILD=1): runtime-spec/
# holds the committed one, checked against chain/'s fingerprint by `npm run spec:check`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/modelproof/cargo-target}
cd "$root/chain"
# The node (chain/node) is left out: it only builds and runs under `npm run test:network`, and a cold
# node build would double the CI time.
SKIP_WASM_BUILD=1 cargo test --locked --workspace --exclude modelproof-node --features runtime-benchmarks "$@"
