#!/usr/bin/env bash
# Builds every prebuild this machine can build into prebuilds/ (what `npm pack` ships):
#   linux-x64    glibc, with this machine's g++;
#   linux-arm64  glibc, cross-compiled with Debian's aarch64-linux-gnu-g++ (tested under qemu by
#                test/release/pack.release.ts).
# The other targets (darwin x64/arm64, win32 x64, linux-x64 musl) are built by .github/workflows/prebuild.yml.
# prebuildify --napi: one Node-API build per platform serves every Node line. The builds run in a scratch
# copy of the native sources, so build/Release (the developer's own build) is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
bash scripts/ensure-test-tools.sh --only g++-aarch64-linux-gnu >/dev/null

scratch="$(mktemp -d /tmp/krozen-prebuild.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
cp -r binding.gyp package.json native "$scratch/"
ln -s "$root/node_modules" "$scratch/node_modules"
cd "$scratch"

# Runs through npm (npx), which hands node-gyp the npm config (nodedir: the Node headers on this machine).
npx --no-install prebuildify --napi --strip >build-x64.log 2>&1 || { cat build-x64.log; exit 1; }
CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ \
  PREBUILD_STRIP_BIN=aarch64-linux-gnu-strip \
  npx --no-install prebuildify --napi --strip --arch arm64 >build-arm64.log 2>&1 || { cat build-arm64.log; exit 1; }

# Each file must be a shared object for its machine (a cross build that silently used the host
# compiler would pass everything else).
check_machine() {
  local file="$1" want="$2" got
  got="$(readelf -h "$file" | sed -n 's/^ *Machine: *//p')"
  [ "$got" = "$want" ] || { echo "prebuild-all: $file is for '$got', expected '$want'" >&2; exit 1; }
}
check_machine prebuilds/linux-x64/krozen.node 'Advanced Micro Devices X86-64'
check_machine prebuilds/linux-arm64/krozen.node 'AArch64'

mkdir -p "$root/prebuilds"
for target in linux-x64 linux-arm64; do
  rm -rf "${root:?}/prebuilds/$target"
  cp -r "prebuilds/$target" "$root/prebuilds/$target"
done
cd "$root"
ls -l prebuilds/linux-x64/ prebuilds/linux-arm64/
