#!/usr/bin/env bash
# libFuzzer runs of the native kernels with AddressSanitizer and UndefinedBehaviorSanitizer:
# native/fuzz/fuzz_mask.cc (mask_kernels.cc), native/fuzz/fuzz_utf8.cc (utf8.cc) and
# native/fuzz/fuzz_http_head.cc (http_head_kernels.cc), built with clang
# outside the addon (the kernels have no Node-API code), every kernel this CPU has in each run.
#   bash scripts/native-fuzz.sh [seconds per target]      (default 30; .ci/run uses 20; a long run: 600)
# KROZEN_FUZZ_CORPUS=dir keeps the corpus between runs. A finding stops the run, prints the input
# (hex) and its sanitizer report, and exits 1; the input is kept as <workdir>/crash-*.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-30}"
work="$(mktemp -d /tmp/krozen-native-fuzz.XXXXXX)"
keep=0
trap '[ "$keep" = 1 ] || rm -rf "$work"' EXIT
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Inative)

# clang with its libFuzzer/sanitizer runtimes (Debian: clang + libclang-rt-dev).
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$work/probe.cc"
if ! clang++ "${flags[@]}" "$work/probe.cc" -o "$work/probe" 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "native-fuzz: installing clang and its sanitizer runtimes"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clang libclang-rt-dev >/dev/null
  else
    echo "native-fuzz: needs clang with libFuzzer (Debian: apt-get install clang libclang-rt-dev)" >&2
    exit 1
  fi
fi

total=0
for target in mask utf8 http_head; do
  case "$target" in
    mask) kernel=native/mask_kernels.cc ;;
    utf8) kernel=native/utf8.cc ;;
    http_head) kernel=native/http_head_kernels.cc ;;
  esac
  clang++ "${flags[@]}" "native/fuzz/fuzz_$target.cc" "$kernel" -o "$work/fuzz_$target"
  corpus="${KROZEN_FUZZ_CORPUS:-$work}/corpus_$target"
  mkdir -p "$corpus"
  if ! (cd "$work" && ./fuzz_$target -max_total_time="$secs" -max_len=4200 -print_final_stats=1 \
        -artifact_prefix="$work/" "$corpus" >"$work/$target.log" 2>&1); then
    keep=1
    echo "native-fuzz: $target FOUND A PROBLEM (log and input kept in $work):"
    grep -E "ERROR|SUMMARY|runtime error|deadly signal" "$work/$target.log" | head -20
    for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do [ -f "$crash" ] && od -An -tx1 "$crash" | head -20; done
    exit 1
  fi
  runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$work/$target.log" | grep -oE '[0-9]+$')
  total=$((total + runs))
  echo "native-fuzz: $target: $runs executions in ${secs} s, no finding (ASan + UBSan)"
done
echo "native-fuzz: $total executions, no finding"
