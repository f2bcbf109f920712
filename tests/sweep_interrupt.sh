#!/bin/sh
# tests/sweep_interrupt.sh: Ctrl-C in the middle of a sweep. tmsl exits 130
# keeping every run it finished; the next run trains only the rest, and the
# results equal those of a sweep that was never interrupted. The test waits
# for finished runs to appear in the cache (polling), never for a time.
set -u
: "${TMSL:?}"
. "${top_srcdir:?}/tests/sweep_lib.sh"
tmp=$(mktemp -d) || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

cat >long.tmsl <<'EOF'
model relu n=20 m=5;
train steps=3000 batch=512;
sweep sparsity 0..0.95 lin 60;
plot norms;
EOF

# One segment per finished run (-j 1, --save-every 0) makes progress visible.
"$TMSL" --no-render -j 1 --save-every 0 -o o long.tmsl 2>err &
pid=$!
segments() { ls o/runs 2>/dev/null | grep -c '\.tmr$'; }
polls=0
while [ "$(segments)" -lt 3 ] && kill -0 "$pid" 2>/dev/null && [ $polls -lt 6000 ]; do
    sleep 0.01
    polls=$((polls + 1))
done
kill -INT "$pid" 2>/dev/null
wait "$pid"; st=$?
pid=
check "SIGINT mid-sweep exits 130" '[ $st -eq 130 ]'
check "it says the finished runs are kept" 'grep -q "interrupted; finished runs are kept" err'
kept=$(segments)
check "some but not all runs were persisted" '[ "$kept" -ge 3 ] && [ "$kept" -lt 60 ]'
check "no figure is written by an interrupted run" '[ ! -f o/norms.dat ]'

"$TMSL" --no-render -o o long.tmsl 2>err; st=$?
read -r trained reused <<EOF
$(stats err)
EOF
check "the resumed run trains only the missing runs" \
    '[ $st -eq 0 ] && [ "${reused:-0}" -eq "$kept" ] && [ $((${trained:-0} + ${reused:-0})) -eq 60 ]'

"$TMSL" --no-render -q -o whole long.tmsl 2>err; st=$?
check "resumed results equal an uninterrupted sweep's" \
    '[ $st -eq 0 ] && cmp -s whole/runs.jsonl o/runs.jsonl && cmp -s whole/norms.dat o/norms.dat'
echo "1..$t"
