#!/bin/sh
# tests/scale.sh: planning cost is bounded. A million-run grid plans in
# seconds and a few tens of MB (a plan stores a few words per run, not its
# settings text), and the front end stays linear in a script of many lets.
# The bounds are generous: only per-run texts, a per-run scan or a
# quadratic lookup break them, never a slow machine.
set -u
: "${TMSL:?}"
# The bounds are for a plain build: a sanitized one (CI's ASan pass) costs
# several times the memory and time by design.
if grep -aq __asan_init "$TMSL"; then echo "1..0 # SKIP a sanitized build"; exit 0; fi
t=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
if ! command -v python3 >/dev/null; then echo "1..0 # SKIP python3 missing"; exit 0; fi

# 10^6 runs: lr x sparsity, 1000 batches. Storing each run's settings text
# took 1.7 GB and two minutes; finding a run's batch by a scan was quadratic.
printf 'model relu n=20 m=5;\nsweep lr 1e-4..1 log 1000;\nsweep sparsity 0..0.9 lin 1000;\ntable;\n' >grid.tmsl
t=$((t + 1))
start=$(date +%s)
if /usr/bin/time -f %M true >/dev/null 2>&1; then   # GNU time: the peak RSS in KB
    /usr/bin/time -o rss -f %M "$TMSL" --dry-run grid.tmsl >out 2>err
    rc=$?
    kb=$(tail -n 1 rss)
else   # without it, a hard ceiling on the address space instead
    kb=0
    (ulimit -v 1000000 && "$TMSL" --dry-run grid.tmsl >out 2>err)
    rc=$?
fi
took=$(($(date +%s) - start))
if [ $rc -eq 0 ] && grep -q '^runs: 1000000 unique$' out && [ "$(grep -c '^batch ' out)" -eq 1000 ] &&
   [ $took -lt 60 ] && [ "${kb:-0}" -lt 400000 ]; then
    echo "ok $t - --dry-run of a 10^6-run grid in ${took}s (bound 60s), peak ${kb} KB (bound 400000)"
else
    echo "not ok $t - --dry-run of a 10^6-run grid in ${took}s (bound 60s), peak ${kb} KB (bound 400000), status $rc"
    head -c 600 err | sed 's/^/#   /'
fi

# many distinct lets: 40,000 experiments with a let each, then 100,000 lets
# at the top level, some reading others (6 MB). Names are hashed: seconds;
# a scan over the names seen so far per let took minutes.
python3 -c "
out = ['model relu n=5 m=2;', 'train steps=10 batch=8;']
out += ['experiment e%d {\n  sweep sparsity 0..0.9 lin 3;\n  let a%d = %d * 2 + 1;\n  table;\n}' % (k, k, k)
        for k in range(40000)]
for k in range(100000):
    out.append('let b%d = b%d + 1;' % (k, k - 1) if k % 10 == 0 and k else
               'let b%d = %d * 2 + 1;' % (k, k))
out += ['importance b99990 / b99990;', 'table;']
open('lets.tmsl', 'w').write('\n'.join(out) + '\n')"
t=$((t + 1))
start=$(date +%s)
"$TMSL" --dry-run lets.tmsl >out 2>err
rc=$? took=$(($(date +%s) - start))
if [ $rc -eq 0 ] && [ "$(grep -c '^output' out)" -eq 40001 ] && [ $took -lt 60 ]; then
    echo "ok $t - a $(wc -c <lets.tmsl) byte script of 140,000 distinct lets plans in ${took}s (bound 60s)"
else
    echo "not ok $t - a script of 140,000 distinct lets plans in ${took}s (bound 60s), status $rc"
    head -c 600 err | sed 's/^/#   /'
fi
echo "1..$t"
