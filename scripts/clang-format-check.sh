#!/usr/bin/env bash
# npm run lint's native part: native/ (and native/fuzz/) as .clang-format formats it. With --fix, formats them.
# clang-format is Debian's package (bash scripts/ensure-test-tools.sh clang-format installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "clang-format-check: clang-format is not installed (Debian: apt-get install clang-format, or" >&2
  echo "  bash scripts/ensure-test-tools.sh --only clang-format); native/ was not checked." >&2
  exit 1
fi
mapfile -t files < <(find native -name '*.cc' -o -name '*.h' | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}"; then
  echo "clang-format-check: native/ is not formatted ($(clang-format --version)); run npm run format." >&2
  exit 1
fi
echo "clang-format-check: ${#files[@]} native files formatted"
