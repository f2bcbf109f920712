#!/bin/sh
# tests/scale.sh: planning cost is bounded. A million-run grid, over a
# sparsity or over two recipe settings, plans in seconds and a few tens of
# MB (a plan stores a few words per run, not its settings text, and a
# template per recipe, not per seed), and the front end stays linear in a
# script of many lets.
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

# grid NAME SECS KB BATCHES: --dry-run of NAME.tmsl, a 10^6-run grid, within
# SECS seconds and a peak of KB, in BATCHES batches.
grid() {
    t=$((t + 1))
    start=$(date +%s)
    if /usr/bin/time -f %M true >/dev/null 2>&1; then   # GNU time: the peak RSS in KB
        /usr/bin/time -o rss -f %M "$TMSL" --dry-run "$1.tmsl" >out 2>err
        rc=$?
        kb=$(tail -n 1 rss)
    else   # without it, a hard ceiling on the address space instead
        kb=0
        (ulimit -v $(($3 * 5 / 2)) && "$TMSL" --dry-run "$1.tmsl" >out 2>err)
        rc=$?
    fi
    took=$(($(date +%s) - start))
    what="--dry-run of a 10^6-run $1 grid in ${took}s (bound $2s), peak ${kb} KB (bound $3)"
    if [ $rc -eq 0 ] && grep -q '^runs: 1000000 unique$' out && [ "$(grep -c '^batch ' out)" -eq "$4" ] &&
       [ "$took" -lt "$2" ] && [ "${kb:-0}" -lt "$3" ]; then
        echo "ok $t - $what"
    else
        echo "not ok $t - $what, status $rc"
        head -c 600 err | sed 's/^/#   /'
    fi
}

# lr x sparsity, 1000 batches. Storing each run's settings text took
# 1.7 GB and two minutes; finding a run's batch by a scan was quadratic.
printf 'model relu n=20 m=5;\nsweep lr 1e-4..1 log 1000;\nsweep sparsity 0..0.9 lin 1000;\ntable;\n' >lr-sparsity.tmsl
grid lr-sparsity 60 400000 1000
# lr x seed: two recipe settings, 1000 batches (the seed is not the batch's).
# A template per recipe and seed, with its text, took 20 s and 650 MB.
printf 'model relu n=20 m=5;\nsweep lr 1e-4..1 log 1000;\nsweep seed 0..999 lin 1000;\ntable loss;\n' >lr-seed.tmsl
grid lr-seed 60 300000 1000

# lr x steps over 10^7 runs: more than 10^6 distinct recipes (a template
# and a batch each) is refused at the statement, within what a 10^7-run
# plan costs anyway (its run table and index); unrefused it took 3.7 GB
# and two minutes.
printf 'model relu n=20 m=5;\nsweep lr 1e-4..1 log 10000;\nsweep steps 1..1000 lin 1000;\ntable loss;\n' >lr-steps.tmsl
t=$((t + 1))
start=$(date +%s)
if /usr/bin/time -f %M true >/dev/null 2>&1; then
    /usr/bin/time -o rss -f %M "$TMSL" --dry-run lr-steps.tmsl >out 2>err
    rc=$? kb=$(tail -n 1 rss)
else
    "$TMSL" --dry-run lr-steps.tmsl >out 2>err
    rc=$? kb=0
fi
took=$(($(date +%s) - start))
if [ $rc -eq 2 ] && grep -q '^lr-steps.tmsl:4:1: error: this plan trains more than 1000000 distinct' err &&
   [ $took -lt 60 ] && [ "${kb:-0}" -lt 900000 ]; then
    echo "ok $t - 10^7 runs of 10^7 recipes refused at the statement in ${took}s, peak ${kb} KB"
else
    echo "not ok $t - 10^7 runs of 10^7 recipes: status $rc in ${took}s, peak ${kb} KB"
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
