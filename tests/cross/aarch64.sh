#!/usr/bin/env bash
# tests/cross/aarch64.sh: build the trainer's kernel, trainer and model unit
# tests for aarch64 (NEON) with the Debian cross compiler and run them under
# qemu-aarch64. Not timed. BLAS comes from tests/cross/cblas_naive.c.
#   tests/cross/aarch64.sh [OUTDIR]
# Writes OUTDIR/test-suite.log with automake-style "# PASS:" / "# FAIL:"
# counts (one per test program) and exits non-zero if any failed.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$src/_cross}
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
qemu=${QEMU:-qemu-aarch64}
mkdir -p "$out"
log=$out/test-suite.log
: > "$log"
lib=(runtime/base/util.c runtime/base/hmap.c)
for f in "$src"/runtime/train/*.c; do lib+=("runtime/train/$(basename "$f")"); done
cflags=(-std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -pthread
        -I"$src/tests/cross" -I"$src/runtime/base" -I"$src/runtime/train")
pass=0 fail=0
objs=()
mkdir -p "$out/obj"
for f in "${lib[@]}"; do
    o=$out/obj/$(basename "$f" .c).o
    (cd "$src" && "$cc" "${cflags[@]}" -c -o "$o" "$f") >>"$log" 2>&1 || o=
    objs+=("$o")
done
(cd "$src" && "$cc" "${cflags[@]}" -c -o "$out/obj/cblas_naive.o" tests/cross/cblas_naive.c) \
    >>"$log" 2>&1
# The tests at -O1: Debian 12's aarch64 gcc 12 crashes vectorising one of them.
for t in ${CROSS_TESTS:-test_train_kern test_train test_model}; do
    if ! (cd "$src" && "$cc" "${cflags[@]}" -O1 -o "$out/$t" "tests/unit/$t.c" "${objs[@]}" \
          "$out/obj/cblas_naive.o" -lm) >>"$log" 2>&1; then
        echo "FAIL: $t (cross build)" | tee -a "$log"
        fail=$((fail + 1))
        continue
    fi
    if "$qemu" -L /usr/aarch64-linux-gnu "$out/$t" > "$out/$t.log" 2>&1 \
        && ! grep -q '^not ok' "$out/$t.log" && grep -q '^1\.\.[1-9]' "$out/$t.log"; then
        echo "PASS: $t (aarch64, $(grep -c '^ok' "$out/$t.log") checks)" | tee -a "$log"
        pass=$((pass + 1))
    else
        grep '^not ok' "$out/$t.log" | head -n 20
        echo "FAIL: $t (aarch64)" | tee -a "$log"
        fail=$((fail + 1))
    fi
done
{ echo "# PASS: $pass"; echo "# FAIL: $fail"; } >> "$log"
[ "$fail" -eq 0 ]
