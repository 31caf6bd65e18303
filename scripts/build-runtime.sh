#!/usr/bin/env bash
# Rebuilds the runtime wasm from chain/ and regenerates runtime-spec/ from it.
#
#   npm run chain:build            # or: bash scripts/build-runtime.sh
#
# Installs the wasm toolchain first if it is missing (scripts/install-wasm-toolchain.sh).
# The wasm is built by substrate-wasm-builder with Debian's Rust (it has the wasm32v1-none
# target), while the outer crate is only type-checked: `cargo check` still runs build scripts.
# Cold: 25–45 min on 2 cores; after a pallet edit: a few minutes.
#
# Environment:
#   MODELPROOF_RUNTIME_TARGET_DIR  cargo target dir (default ~/.cache/modelproof/cargo-target-runtime)
#   MODELPROOF_CHAIN_DIR           the Cargo workspace to build (default <repo>/chain)
#   MODELPROOF_SKIP_SPEC=1         build the wasm only, do not touch runtime-spec/
#   MODELPROOF_RUNTIME_FEATURES    cargo features of modelproof-runtime for this build, e.g.
#                                  `runtime-benchmarks` (the wasm builder builds the wasm with
#                                  them); default: none. The wasm is written to the same path
#                                  either way: copy it before the next build.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chain_dir=${MODELPROOF_CHAIN_DIR:-$root/chain}
target_dir=${MODELPROOF_RUNTIME_TARGET_DIR:-$HOME/.cache/modelproof/cargo-target-runtime}
features=()
if [[ -n "${MODELPROOF_RUNTIME_FEATURES:-}" ]]; then
  features=(--features "$MODELPROOF_RUNTIME_FEATURES")
fi

bash "$root/scripts/install-wasm-toolchain.sh"

echo "[build-runtime] building the runtime wasm (target dir $target_dir${MODELPROOF_RUNTIME_FEATURES:+, features $MODELPROOF_RUNTIME_FEATURES})" >&2
started=$(date +%s)
(
  cd "$chain_dir"
  # Debian's toolchain first on PATH so the wasm builder and rustc agree (1.96 with wasm32v1-none).
  # Rust 1.96 stopped passing --allow-undefined to wasm-ld; the runtime imports host functions.
  PATH="/usr/bin:$PATH" RUSTC=/usr/bin/rustc WASM_BUILD_WORKSPACE_HINT="$chain_dir" \
    WASM_BUILD_RUSTFLAGS="-C link-arg=--allow-undefined" \
    WASM_BUILD_TYPE=release \
    CARGO_TARGET_DIR="$target_dir" \
    /usr/bin/cargo check --locked -p modelproof-runtime ${features[@]+"${features[@]}"}
)
wasm="$target_dir/debug/wbuild/modelproof-runtime/modelproof_runtime.compact.compressed.wasm"
[[ -f "$wasm" ]] || { echo "[build-runtime] error: $wasm was not produced" >&2; exit 1; }
echo "[build-runtime] wasm built in $(( $(date +%s) - started )) s: $wasm ($(stat -c %s "$wasm") bytes)" >&2

if [[ "${MODELPROOF_SKIP_SPEC:-}" != "1" ]]; then
  node "$root/scripts/runtime-spec.mjs" generate "$wasm"
fi
