#!/usr/bin/env bash
# Installs what running and testing Modelproof needs, idempotently (skips what is present):
# npm packages (from package-lock.json) and the TypeScript build of the packages.
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
  # Not `npm ci`: the registry here does not serve other platforms' optional native packages
  # (@swc/core-*, jest's unrs-resolver bindings), so they are missing from the lock and `npm ci`
  # refuses it as out of sync. `npm install` installs the locked versions all the same.
  npm install --no-fund --no-audit
  sha256sum package.json package-lock.json packages/*/package.json | sha256sum | cut -d' ' -f1 >"$stamp"
fi

log "building TypeScript packages"
npm run --silent build
