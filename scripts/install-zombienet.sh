#!/usr/bin/env bash
# Installs a pinned @zombienet/cli from npm into ~/.cache/modelproof/zombienet (outside the
# repository's node_modules) and prints the path of its `zombienet` executable on stdout.
#
#   bash scripts/install-zombienet.sh
#
# Idempotent: does nothing but print the path when the pinned version is already installed.
# The install needs `"overrides": { "toml": "3.0.0" }` (one of zombienet's dependencies points
# `toml` at a git URL, which cannot be fetched here). `zombienet setup` (which downloads
# polkadot binaries) is never used: the networks run the node built from chain/.
#
# Environment:
#   MODELPROOF_ZOMBIENET_DIR  install directory (default ~/.cache/modelproof/zombienet)
set -euo pipefail

ZOMBIENET_VERSION=1.3.138
install_dir=${MODELPROOF_ZOMBIENET_DIR:-$HOME/.cache/modelproof/zombienet}
bin="$install_dir/node_modules/.bin/zombienet"

log() { printf '[install-zombienet] %s\n' "$*" >&2; }

command -v node >/dev/null || { log "error: node is not installed"; exit 1; }
command -v npm >/dev/null || { log "error: npm is not installed"; exit 1; }

installed_version() {
  node -e 'try { process.stdout.write(require(process.argv[1]).version) } catch { }' \
    "$install_dir/node_modules/@zombienet/cli/package.json" 2>/dev/null || true
}

if [[ -x "$bin" && "$(installed_version)" == "$ZOMBIENET_VERSION" ]]; then
  log "@zombienet/cli $ZOMBIENET_VERSION already installed in $install_dir"
  echo "$bin"
  exit 0
fi

log "installing @zombienet/cli $ZOMBIENET_VERSION into $install_dir"
mkdir -p "$install_dir"
cat >"$install_dir/package.json" <<EOF
{
  "name": "modelproof-zombienet",
  "private": true,
  "description": "zombienet for Modelproof's local networks; written by scripts/install-zombienet.sh",
  "dependencies": {
    "@zombienet/cli": "$ZOMBIENET_VERSION"
  },
  "overrides": {
    "toml": "3.0.0"
  }
}
EOF
rm -f "$install_dir/package-lock.json"
started=$(date +%s)
(
  cd "$install_dir"
  npm install --no-audit --no-fund --loglevel=error >&2
)

[[ -x "$bin" ]] || { log "error: $bin was not installed"; exit 1; }
version=$(installed_version)
[[ "$version" == "$ZOMBIENET_VERSION" ]] || { log "error: expected @zombienet/cli $ZOMBIENET_VERSION, found '${version:-none}'"; exit 1; }
# the CLI must start on this Node.js
"$bin" version >/dev/null 2>&1 || "$bin" --help >/dev/null || { log "error: $bin does not run on node $(node --version)"; exit 1; }
log "installed @zombienet/cli $version in $(( $(date +%s) - started ))s"
echo "$bin"
