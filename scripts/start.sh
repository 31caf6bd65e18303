#!/usr/bin/env bash
# The project's main command (`npm start`): installs what is missing, then runs the local
# stack on embedded defaults until Ctrl-C. Today: the dev chain on ws://127.0.0.1:9944.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
exec node packages/devnet/bin/modelproof-devnet.js --port "${MODELPROOF_DEVNET_PORT:-9944}" "$@"
