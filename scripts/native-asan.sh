#!/usr/bin/env bash
# Builds the addon with AddressSanitizer and runs the native checks (test/native/memcheck.js)
# with the ASan runtime preloaded.
#
# The ASan build goes into a scratch copy of the native sources, never into ./build: an ASan
# .node in build/Release makes every process that loads the package exit during require (the
# ASan runtime must come first), and build/ is shared with everyone working in this checkout.
# node-gyp-build finds the scratch build through KROZEN_PREBUILD. The trap removes the scratch
# copy whatever happens, and checks that build/Release holds no ASan build.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
scratch="$(mktemp -d /tmp/krozen-asan.XXXXXX)"
cleanup() {
  rm -rf "$scratch"
  if [ -f build/Release/krozen.node ] && nm -D build/Release/krozen.node 2>/dev/null | grep -c __asan_ >/dev/null; then
    echo "native-asan: build/Release holds an ASan build; rebuilding normally" >&2
    npx node-gyp rebuild >/dev/null
  fi
}
trap cleanup EXIT

cp -r binding.gyp package.json native "$scratch/"
ln -s "$root/node_modules" "$scratch/node_modules"
(cd "$scratch" && CXXFLAGS="-fsanitize=address -fno-omit-frame-pointer -g" LDFLAGS="-fsanitize=address" \
  npx node-gyp rebuild >"$scratch/build.log" 2>&1) || { cat "$scratch/build.log"; exit 1; }
nm -D "$scratch/build/Release/krozen.node" | grep -c __asan_ >/dev/null || { echo "native-asan: the build has no ASan" >&2; exit 1; }

[ -f dist/backend/load.js ] || npm run build:ts
# detect_leaks=0: LeakSanitizer reports node's own start-up allocations, not the addon's.
KROZEN_PREBUILD="$scratch" LD_PRELOAD="$(g++ -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
  node test/native/memcheck.js
echo "native-asan: clean (addon built with -fsanitize=address from $scratch)"
