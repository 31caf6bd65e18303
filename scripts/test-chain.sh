#!/usr/bin/env bash
# Runs the chain/ Rust tests: pallet unit and property tests, Groth16 verifier tests and the
# benchmark test suites. The runtime wasm is not rebuilt (SKIP_WASM_BUILD=1): runtime-spec/
# holds the committed one, checked against chain/'s fingerprint by `npm run spec:check`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/modelproof/cargo-target}
cd "$root/chain"
SKIP_WASM_BUILD=1 cargo test --locked --workspace --features runtime-benchmarks "$@"
