#!/usr/bin/env bash
# Runs a command with Node >= 22 first on PATH (bootstrapping Node 24 into .tools/ when the
# machine's node is older), so `npm test` and `npm run demo` work as written on any machine.
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
exec "$@"
