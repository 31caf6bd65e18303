#!/usr/bin/env bash
# Installs what running and testing Modelproof needs, idempotently (skips what is present):
# npm packages (from package-lock.json), Redis, the Kubo IPFS daemon and the TypeScript build.
# The wasm toolchain is installed only when the runtime is rebuilt (scripts/build-runtime.sh).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
log() { printf '[setup] %s\n' "$*" >&2; }

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { log "error: '$tool' is not on PATH (Node.js >= 20.19 and Rust via rustup are required)"; exit 1; }
done

stamp=node_modules/.modelproof-install-stamp
want=$(sha256sum package.json package-lock.json packages/*/package.json 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  log "npm packages up to date"
else
  log "installing npm packages"
  # onnxruntime-node (a devDependency of the model compiler's tests) ships its CPU binaries in the
  # npm tarball; its postinstall would try to download more (CUDA) and fails without internet.
  export ONNXRUNTIME_NODE_INSTALL=skip
  # Not `npm ci`: the registry here does not serve other platforms' optional native packages
  # (@swc/core-*, jest's unrs-resolver bindings), so they are missing from the lock and `npm ci`
  # refuses it as out of sync. `npm install` installs the locked versions all the same.
  npm install --no-fund --no-audit
  sha256sum package.json package-lock.json packages/*/package.json | sha256sum | cut -d' ' -f1 >"$stamp"
fi

# Redis for the worker's queues (Debian's redis-server; tests start their own on free ports).
if ! command -v redis-server >/dev/null; then
  log "installing redis-server"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  # Debian starts a system-wide instance on install; the project runs its own on free ports.
  $SUDO systemctl disable --now redis-server >/dev/null 2>&1 || true
fi

# Kubo (IPFS) for the SDK tests and the local stack: built once into ~/.cache/modelproof/bin.
bash scripts/install-kubo.sh >/dev/null

log "building TypeScript packages"
npm run --silent build
