#!/bin/sh
# tests/fuzz/run.sh [SECONDS]: builds the front end of the committed tree
# (git archive HEAD) with clang, libFuzzer, AddressSanitizer and UBSan in _fuzz/, then fuzzes it for SECONDS (default
# 60) from a seed corpus (examples, golden inputs, stdlib) with the keyword
# dictionary tests/fuzz/tmsl.dict. Exits 0 when nothing was found, 1 on a
# crash (the input is saved as _fuzz/crash-*), 2 if it cannot build.
set -u
secs=${1:-60}
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD:-$(pwd)/_fuzz}
cc=${FUZZ_CC:-clang}
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
# Grids are capped at 10^5 runs here: a plan's memory grows with its runs,
# its distinct recipes (the master seed aside) and its distinct importance
# and density arrays. A 10^7-run lr x seed plan takes 1.2 GB under ASan, but
# one over two other recipe settings (lr x steps: a template and a batch
# per point) or over the density of many features outgrows the fuzzer's
# 2 GB. tests/scale.sh bounds the full-size planning cost.
cap="-DFRONT_MAX_RUNS=100000.0"
mkdir -p "$build/corpus" "$build/tree" || exit 2
# a pristine copy of the committed tree: the checkout itself may be configured in place
if [ ! -f "$build/tree/Makefile" ]; then
    git -C "$src" archive HEAD | tar -x -C "$build/tree" || { echo "fuzz: cannot copy the tree"; exit 2; }
    (cd "$build/tree" && autoreconf -fi >/dev/null 2>&1 && ./configure -q CC="$cc" \
        CFLAGS="-O1 -g $san $cap -fsanitize=fuzzer-no-link") || { echo "fuzz: configure failed"; exit 2; }
fi
t=$build/tree
make -C "$t" -j2 libtmsl_lang.a libtmsl_train.a >"$build/make.log" 2>&1 ||
    { tail -n 20 "$build/make.log"; echo "fuzz: build failed"; exit 2; }
libs=$(sed -n 's/^OPENBLAS_LIBS = //p' "$t/Makefile")
"$cc" -O1 -g $san -fsanitize=fuzzer -I"$t" -I"$t/lang" -I"$t/runtime/base" -I"$t/runtime/train" \
    "$src/tests/fuzz/libfuzzer.c" "$t/libtmsl_lang.a" "$t/libtmsl_train.a" $libs -lm \
    -o "$build/fuzz_front" || { echo "fuzz: link failed"; exit 2; }
cp "$src"/examples/*.tmsl "$src"/tests/golden/*.tmsl "$src"/stdlib/*.tmsl "$build/corpus/"
cd "$build" || exit 2
ASAN_OPTIONS=detect_leaks=1 ./fuzz_front -max_total_time="$secs" -max_len=65536 \
    -dict="$src/tests/fuzz/tmsl.dict" -print_final_stats=1 corpus >fuzz.log 2>&1
rc=$?
grep -E 'stat::number_of_executed_units|stat::new_units_added' fuzz.log
if [ $rc -ne 0 ]; then
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' fuzz.log | head -n 20
    echo "fuzz: FOUND a failure (status $rc); see $build/fuzz.log"
    exit 1
fi
echo "fuzz: nothing found in $secs s"
