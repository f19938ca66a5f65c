#!/usr/bin/env bash
# Compiles the native sources with every compiler family this machine can imitate, warnings as errors:
#   - g++ and clang++ (x86-64 Linux): every file, against Node's headers and node-addon-api;
#   - aarch64-linux-gnu-g++: every file (the NEON kernel; the arm64 prebuild is built by prebuild-all.sh);
#   - clang++ --target=x86_64-pc-windows-msvc: the Node-API-free kernel files (cpu.h, dispatch.h,
#     mask_kernels.cc, utf8.cc, http_head_kernels.cc), twice: as clang-cl compiles them (per-function target attributes, MSVC
#     intrinsics __cpuidex/_xgetbv), and with __clang__ undefined, the spelling real MSVC (cl.exe) reads
#     (no target attributes; AVX2 intrinsics allowed in any function, imitated with -mavx2).
# Windows has no C++ standard library here, so the MSVC-mode checks use a few stub headers (below) for
# the four standard headers the kernels include. This is a compile check of our code paths, not a build
# of a loadable Windows addon: that is the win32 job of .github/workflows/prebuild.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-test-tools.sh --only clang g++-aarch64-linux-gnu >/dev/null

node_include="$(node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")"
addon_api="$(node -p "require('node-addon-api').include_dir")"
common=(-std=c++17 -O2 -Wall -Wextra -Werror -DNAPI_VERSION=8 -DNODE_ADDON_API_DISABLE_CPP_EXCEPTIONS
  -isystem "$node_include" -isystem "$addon_api")
sources=(native/*.cc)

for cxx in g++ clang++ aarch64-linux-gnu-g++; do
  for f in "${sources[@]}"; do "$cxx" "${common[@]}" -c -o /dev/null "$f"; done
  echo "native-compilers: $cxx: ${#sources[@]} files compile cleanly"
done

stubs="$(mktemp -d /tmp/krozen-msvc-stubs.XXXXXX)"
trap 'rm -rf "$stubs"' EXIT
cat >"$stubs/cstddef" <<'EOF'
#pragma once
namespace std { using size_t = decltype(sizeof(0)); }
using std::size_t;
EOF
cat >"$stubs/cstdint" <<'EOF'
#pragma once
typedef unsigned char uint8_t; typedef unsigned short uint16_t; typedef unsigned int uint32_t;
typedef unsigned long long uint64_t; typedef long long int64_t; typedef unsigned long long uintptr_t; typedef int int32_t;
#define UINT32_MAX 0xffffffffu
namespace std { using ::uint8_t; using ::uint16_t; using ::uint32_t; using ::uint64_t; using ::int64_t; using ::uintptr_t; using ::int32_t; }
EOF
cat >"$stubs/cstring" <<'EOF'
#pragma once
#include <cstddef>
extern "C" void* memcpy(void*, const void*, size_t); extern "C" int strcmp(const char*, const char*);
extern "C" const void* memchr(const void*, int, size_t); extern "C" int memcmp(const void*, const void*, size_t);
namespace std { using ::memcpy; using ::strcmp; using ::memchr; using ::memcmp; }
EOF
cat >"$stubs/atomic" <<'EOF'
#pragma once
namespace std {
enum memory_order { memory_order_relaxed, memory_order_seq_cst };
template <typename T> struct atomic {
  T v; constexpr atomic(T x) : v(x) {}
  T load(memory_order = memory_order_seq_cst) const { return v; }
  T exchange(T x, memory_order = memory_order_seq_cst) { T o = v; v = x; return o; }
};
}
EOF
printf '#pragma once\n#include <cstddef>\nextern "C" void* malloc(size_t); extern "C" void free(void*);\n' >"$stubs/stdlib.h"
printf '#pragma once\n#include <cstddef>\nextern "C" void* _aligned_malloc(size_t, size_t); extern "C" void _aligned_free(void*);\n' >"$stubs/malloc.h"
printf '#pragma once\ntypedef int jmp_buf[16];\n' >"$stubs/setjmp.h"

msvc=(--target=x86_64-pc-windows-msvc -fms-extensions -fms-compatibility -std=c++17 -O2 -Wall -Wextra -Werror
  -nostdinc++ -nostdlibinc -isystem "$stubs")
for f in native/mask_kernels.cc native/utf8.cc native/http_head_kernels.cc; do
  clang++ "${msvc[@]}" -c -o "$stubs/clang-cl.obj" "$f"
  clang++ "${msvc[@]}" -Wno-builtin-macro-redefined -U__clang__ -mavx2 -mpopcnt -c -o "$stubs/msvc.obj" "$f"
done
echo "native-compilers: MSVC mode (clang-cl spelling and cl.exe spelling): kernel files compile cleanly"
