#!/bin/sh
# tests/sweep.sh: the run cache from the command line: a second run reuses
# every run, a widened sweep trains only its new points, --force retrains,
# a damaged or truncated cache entry is retrained (never read), two tmsl
# processes share one output directory, and failed runs are reported (the
# sweep goes on) or stop it (--fail-fast).
set -u
: "${TMSL:?}"
. "${top_srcdir:?}/tests/sweep_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
T="$TMSL --no-render -j 2"

cat >four.tmsl <<'EOF'
model relu n=5 m=2;
train steps=200 batch=32;
sweep sparsity [0, 0.3, 0.6, 0.9];
plot wtw;
EOF
sed 's/\[0, 0.3, 0.6, 0.9\]/[0, 0.15, 0.3, 0.45, 0.6, 0.75, 0.9, 0.95]/' four.tmsl >eight.tmsl

# 1-3: a second run trains nothing and writes the same runs.jsonl
$T -o o four.tmsl 2>err; st=$?
check "a first run trains every run" '[ $st -eq 0 ] && [ "$(stats err)" = "4 0" ]'
cp o/runs.jsonl first.jsonl
$T -o o four.tmsl 2>err; st=$?
check "a second run reuses every run" '[ $st -eq 0 ] && [ "$(stats err)" = "0 4" ]'
check "reused runs give the same runs.jsonl" 'cmp -s first.jsonl o/runs.jsonl'

# 4-5: widening 4 -> 8 points trains the 4 new ones
$T -o o eight.tmsl 2>err; st=$?
check "widening the sweep trains only the new points" '[ $st -eq 0 ] && [ "$(stats err)" = "4 4" ]'
same=1
# a run's place in the grid ("point") moves when the grid widens; the rest is the same
nopoint() { sed 's/"point":[0-9]*//g' "$1"; }
nopoint o/runs.jsonl >wide.np
while IFS= read -r line; do grep -qxF "$line" wide.np || same=0; done <<EOF2
$(nopoint first.jsonl)
EOF2
check "the old points are unchanged in the wider runs.jsonl" '[ $same -eq 1 ] && [ "$(wc -l <o/runs.jsonl)" -eq 8 ]'
cp o/runs.jsonl eight.jsonl

# 6-7: --force retrains everything, bit for bit
$T -o o --force eight.tmsl 2>err; st=$?
check "--force retrains every run" '[ $st -eq 0 ] && [ "$(stats err)" = "8 0" ]'
check "retrained runs are bit-identical" 'cmp -s eight.jsonl o/runs.jsonl'

# 8-10: a flipped byte and a cut tail each cost exactly one run
rm -rf c && $T -o c --save-every 0 -j 1 four.tmsl 2>err
seg=$(ls c/runs/*.tmr | head -n 1)
printf '\377' | dd of="$seg" bs=1 seek=100 conv=notrunc 2>/dev/null
$T -o c four.tmsl 2>err; st=$?
check "a corrupt cache entry is detected and retrained" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "1 3" ] && grep -q "damaged" err'
check "the retrained run equals the original" 'cmp -s first.jsonl c/runs.jsonl'
seg=$(ls c/runs/*.tmr | tail -n 1)
size=$(wc -c <"$seg")
head -c $((size - 9)) "$seg" >cut && mv cut "$seg"
$T -o c four.tmsl 2>err; st=$?
check "a truncated cache entry is detected and retrained" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "1 3" ] && cmp -s first.jsonl c/runs.jsonl'
$T -o c four.tmsl 2>err; st=$?
check "damage is reported once: the next run reuses every run, with no note" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "0 4" ] && ! grep -q damaged err'

# 11-13: two processes on one output directory at once
cat >many.tmsl <<'EOF'
model relu n=6 m=3;
train steps=300 batch=32;
sweep sparsity 0..0.95 lin 24;
plot norms;
EOF
$T -o ref many.tmsl 2>/dev/null
$T -o shared --save-every 0 many.tmsl 2>err1 & p1=$!
$T -o shared --save-every 0 many.tmsl 2>err2 & p2=$!
wait $p1; s1=$?
wait $p2; s2=$?
check "two concurrent runs both succeed" '[ $s1 -eq 0 ] && [ $s2 -eq 0 ]'
tr1=$(stats err1 | cut -d' ' -f1) tr2=$(stats err2 | cut -d' ' -f1)
check "they share the work: each run trains once (trained $tr1 + $tr2 = 24)" \
    '[ -n "$tr1" ] && [ -n "$tr2" ] && [ $((tr1 + tr2)) -eq 24 ]'
$T -o shared many.tmsl 2>err; st=$?
check "after them every run is cached and none is damaged" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "0 24" ] && ! grep -q damaged err'
check "their shared results equal a lone run's" 'cmp -s ref/runs.jsonl shared/runs.jsonl'

# an empty segment and appended garbage are counted, and nothing is said to be retrained
rm -rf g && $T -o g four.tmsl 2>/dev/null
seg=$(ls g/runs/s*.tmr | tail -n 1)
printf 'garbage that is no record at all' >>"$seg"
: >g/runs/sempty.tmr
$T -o g four.tmsl 2>err; st=$?
check "an empty segment and appended garbage: 'skipped 2 damaged', all reused" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "0 4" ] && grep -q "skipped 2 damaged run cache entries$" err && ! grep -q "trained again" err'
rm -f g/runs/s*.tmr
: >g/runs/sempty.tmr
$T -o g four.tmsl 2>err; st=$?
check "a zero-length segment is noted, and its runs retrained" \
    '[ $st -eq 0 ] && [ "$(stats err)" = "4 0" ] && grep -q "skipped 1 damaged run cache entry$" err'

# a file that cannot be written: exit 3, and no figure script without its data
rm -rf w && mkdir -p w/runs.jsonl w/wtw.dat
$T -o w four.tmsl 2>err; st=$?
check "an unwritable output file exits 3 and is named" \
    '[ $st -eq 3 ] && grep -q "cannot write .w/runs.jsonl" err && grep -q "cannot write .w/wtw.dat" err'
check "no figure script is left without its data" '[ ! -e w/wtw.gp ]'

# 14-18: a diverging run is reported with its settings; --fail-fast stops
cat >fails.tmsl <<'EOF'
model relu n=5 m=2;
train steps=200 batch=32;
experiment bad { train lr=1e6; plot norms; }
experiment good { sweep sparsity [0, 0.5, 0.9]; plot norms; }
EOF
$T -o f fails.tmsl 2>err; st=$?
check "a failed run makes the exit status 1" '[ $st -eq 1 ]'
check "the summary names the failed run and its settings" \
    'grep -q "run [0-9a-f]* failed: .*settings {.*\"lr\":1e+06" err'
check "the other runs still train and their figures are written" \
    '[ "$(stats err)" = "4 0" ] && [ -f f/good-norms.dat ] && [ "$(wc -l <f/runs.jsonl)" -eq 4 ]'
$T -o ff --fail-fast --save-every 0 -j 1 fails.tmsl 2>err; st=$?
check "--fail-fast exits 1 at the first failure" '[ $st -eq 1 ] && grep -q "failed:" err'
check "--fail-fast trains nothing after it and writes no figure" \
    '[ "$(stats err)" = "1 0" ] && [ ! -f ff/good-norms.dat ]'
echo "1..$t"
