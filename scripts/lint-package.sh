#!/usr/bin/env bash
# Lints the package as npm would publish it: dist/ built, packed (scripts off: the prebuilds do not change
# what these tools check), then publint (--strict: warnings fail too) and @arethetypeswrong/cli (types for
# require and import, under node10, node16 and bundler resolution; krozen/client under node16 and bundler)
# on that tarball.
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${1:-}" = "--no-build" ] || npm run build:ts --silent
out="$(mktemp -d /tmp/krozen-lint.XXXXXX)"
trap 'rm -rf "$out"' EXIT
npm pack --ignore-scripts --silent --pack-destination "$out" >/dev/null
tarball="$(ls "$out"/*.tgz)"
npx --no-install publint run "$tarball" --strict
npx --no-install attw "$tarball" --format ascii --exclude-entrypoints ./client
# krozen/client exists only through the exports map, which TypeScript's node10 resolution cannot read.
npx --no-install attw "$tarball" --format ascii --entrypoints ./client --profile node16
