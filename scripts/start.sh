#!/usr/bin/env bash
# The project's main command (`npm start`): installs what is missing, then runs the local stack
# on embedded defaults until Ctrl-C: the dev chain on ws://127.0.0.1:9944, Redis and a Kubo IPFS
# node on free 127.0.0.1 ports, three worker daemons (keys generated, funded, registered), and
# the demo once (a verified inference job and a secure aggregation). Options: see
# `node packages/stack/bin/modelproof-stack.js --help` (e.g. `npm start -- --no-demo`).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/setup.sh
exec node packages/stack/bin/modelproof-stack.js --port "${MODELPROOF_DEVNET_PORT:-9944}" "$@"
