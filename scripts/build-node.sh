#!/usr/bin/env bash
# Builds the node binary, `modelproof-node`, from chain/ and prints its path on stdout.
#
#   bash scripts/build-node.sh           # release build
#   bash scripts/build-node.sh --check   # type-check only (faster; finds compile errors)
#
# The node is built natively with rustup's toolchain and SKIP_WASM_BUILD=1: its chain specs
# carry the committed runtime wasm (runtime-spec/modelproof_runtime.compact.compressed.wasm),
# so no wasm toolchain is needed. Cargo is always run: it does nothing when the binary is up to
# date. The lock file is used as committed (--locked). Installs Debian's protobuf-compiler if
# `protoc` is missing (litep2p needs it). Cold: 60-120+ min on 2 cores.
#
# Environment:
#   MODELPROOF_NODE_TARGET_DIR  cargo target dir (default ~/.cache/modelproof/cargo-target-node;
#                               kept apart from the pallet and runtime target dirs)
#   MODELPROOF_CHAIN_DIR        the Cargo workspace to build (default <repo>/chain)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chain_dir=${MODELPROOF_CHAIN_DIR:-$root/chain}
target_dir=${MODELPROOF_NODE_TARGET_DIR:-$HOME/.cache/modelproof/cargo-target-node}

mode=build
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

log() { printf '[build-node] %s\n' "$*" >&2; }

command -v cargo >/dev/null || { log "error: cargo is not installed"; exit 1; }

# litep2p's build script compiles protobuf definitions with `protoc`.
if ! command -v protoc >/dev/null && [[ -z "${PROTOC:-}" ]]; then
  log "installing Debian's protobuf-compiler (protoc, needed by litep2p's build script)"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq protobuf-compiler >/dev/null
fi

log "cargo $mode -p modelproof-node (target dir $target_dir)"
started=$(date +%s)
(
  cd "$chain_dir"
  SKIP_WASM_BUILD=1 CARGO_TARGET_DIR="$target_dir" \
    cargo "$mode" --locked --release -p modelproof-node
)
log "done in $(( $(date +%s) - started ))s"

if [[ $mode == build ]]; then
  binary="$target_dir/release/modelproof-node"
  [[ -x "$binary" ]] || { log "error: $binary was not produced"; exit 1; }
  echo "$binary"
fi
