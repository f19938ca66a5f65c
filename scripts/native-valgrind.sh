#!/usr/bin/env bash
# Runs the native differential/bad-input checks (plain node, no jest) under valgrind's memcheck.
set -euo pipefail
cd "$(dirname "$0")/.."
valgrind --error-exitcode=1 --errors-for-leak-kinds=definite --leak-check=full -q \
  node --jitless test/native/memcheck.js
