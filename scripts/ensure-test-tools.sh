#!/usr/bin/env bash
# The system tools the test suite drives: wrk (the benchmark smoke test), Debian's Chromium (the browser
# test), curl (a non-Node HTTP client), openssl (certificates the TLS tests make), redis-server (the pub/sub
# tests start their own, on a free port), nginx (the trust-proxy test starts its own, by PID) and h2load from
# nghttp2-client (the HTTP/2 load smoke test and bench), plus any extra
# package named as an argument (.ci/run adds valgrind and the cross-compilers).
# Installs what is missing with apt-get when it can (root); otherwise says what to install and fails, so no
# test is silently skipped.
set -euo pipefail
# The command that shows each package is installed (one line each, so helpers can add theirs).
declare -A probe=(
  [wrk]=wrk
  [chromium]=/usr/bin/chromium
  [valgrind]=valgrind
  [curl]=curl
  [openssl]=openssl
  [clang]=clang++
  [g++-aarch64-linux-gnu]=aarch64-linux-gnu-g++
  [qemu-user]=qemu-aarch64
  [redis-server]=redis-server
  [nginx]=nginx
  [nghttp2-client]=h2load
)
# `--only pkg...` checks just the packages named (release and native scripts that need none of the others).
defaults=(wrk chromium curl openssl redis-server nginx nghttp2-client)
if [ "${1:-}" = "--only" ]; then
  shift
  defaults=()
fi
missing=()
for pkg in "${defaults[@]}" "$@"; do
  command -v "${probe[$pkg]:-$pkg}" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test tools: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need: ${missing[*]} — install them (Debian: sudo apt-get install ${missing[*]}) and run again." >&2
  exit 1
fi
