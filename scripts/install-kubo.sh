#!/usr/bin/env bash
# Installs the Kubo IPFS daemon, built from the Go module proxy, idempotently.
# Prints the path of the `ipfs` binary on stdout. Needs Go >= 1.26.5 (Kubo 0.43's requirement).
#
# Environment: MODELPROOF_BIN_DIR (default ~/.cache/modelproof/bin), KUBO_VERSION (default below).
set -euo pipefail
# v0.43.1 replaces go-libp2p with a fork the module proxy does not serve; v0.43.0 builds as published.
KUBO_VERSION=${KUBO_VERSION:-v0.43.0}
bin_dir=${MODELPROOF_BIN_DIR:-$HOME/.cache/modelproof/bin}
ipfs="$bin_dir/ipfs"
log() { printf '[kubo] %s\n' "$*" >&2; }

if [[ -x "$ipfs" ]] && "$ipfs" version 2>/dev/null | grep -q "${KUBO_VERSION#v}"; then
  log "kubo ${KUBO_VERSION} present at $ipfs"
  echo "$ipfs"
  exit 0
fi

command -v go >/dev/null || { log "error: Go is not installed; Kubo is built from source and needs Go >= 1.26.5"; exit 1; }
go_version=$(go env GOVERSION | sed 's/^go//')
if [[ "$(printf '%s\n1.26.5\n' "$go_version" | sort -V | head -n 1)" != "1.26.5" ]]; then
  log "error: Go $go_version is too old; Kubo ${KUBO_VERSION} needs Go >= 1.26.5"
  exit 1
fi

log "building kubo ${KUBO_VERSION} with Go $go_version (several minutes on 2 cores)"
mkdir -p "$bin_dir"
# `go install pkg@version` looks up the module's version list for deprecation notices, which the
# module proxy here refuses; `go get` of an exact version in a throwaway module does not need it.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  go mod init modelproof-kubo-build >/dev/null 2>&1
  go get "github.com/ipfs/kubo/cmd/ipfs@${KUBO_VERSION}" 2>&1 | grep -v "^go: \(downloading\|added\|upgraded\)" >&2 || true
  GOFLAGS=-buildvcs=false go build -trimpath -o "$ipfs.partial" github.com/ipfs/kubo/cmd/ipfs
)
mv "$ipfs.partial" "$ipfs"
"$ipfs" version >&2
echo "$ipfs"
