#!/usr/bin/env bash
# The project's main command (`npm start`): installs what is missing, then runs the local
# stack on embedded defaults until Ctrl-C: the dev chain on ws://127.0.0.1:9944, plus a Redis
# and a Kubo IPFS node on free 127.0.0.1 ports (their endpoints are printed). Workers and the
# demo join this stack as the worker daemon lands.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
exec node packages/devnet/bin/modelproof-devnet.js --port "${MODELPROOF_DEVNET_PORT:-9944}" --ipfs --redis "$@"
