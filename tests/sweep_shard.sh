#!/bin/sh
# tests/sweep_shard.sh: --shard I/N and `tmsl merge`. Two shards merged
# give byte for byte the runs.jsonl and figure data of one whole run; shards
# may share a directory; Slurm array variables pick the shard; merge refuses
# a missing shard, a different script and different overrides.
set -u
: "${TMSL:?}"
. "${top_srcdir:?}/tests/sweep_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
T="$TMSL --no-render -j 2"

cat >grid.tmsl <<'EOF'
model relu n=2 m=1;
let r = 1;
importance [1, r];
train steps=300 batch=32;
sweep r [0.5, 1, 2];
sweep density [0.1, 0.5, 1];
plot phase;
table loss;
EOF
$T -q -o whole grid.tmsl >whole.txt 2>err

# 1-4: two shards, then merge
$T -o s1 --shard 1/2 grid.tmsl >/dev/null 2>err; a=$?
$T -o s2 --shard 2/2 grid.tmsl >/dev/null 2>>err; b=$?
check "both shards succeed" '[ $a -eq 0 ] && [ $b -eq 0 ]'
check "each trains its slice and writes a manifest, no figure" \
    'grep -q "shard 1/2: 5 of 9 runs: trained 5" err && grep -q "shard 2/2: 4 of 9 runs: trained 4" err &&
     [ -f s1/shard-1-of-2.manifest ] && [ -f s2/shard-2-of-2.manifest ] && [ ! -f s1/phase.dat ]'
$TMSL merge --no-render s1 s2 -o m >merged.txt 2>err; st=$?
check "merge succeeds without training" '[ $st -eq 0 ] && grep -q "9 runs: trained 0, reused 9" err'
check "merged runs.jsonl, figure data and table equal one whole run's" \
    'cmp -s whole/runs.jsonl m/runs.jsonl && cmp -s whole/phase.dat m/phase.dat && cmp -s whole.txt merged.txt'

# 5: the merged directory stands alone: the script reuses all of it
$T -o m grid.tmsl >/dev/null 2>err; st=$?
check "the merged output holds every run" '[ $st -eq 0 ] && grep -q "trained 0, reused 9" err'

# 6-7: shards sharing one directory; merge into it
$T -q -o both --shard 2/2 grid.tmsl >/dev/null 2>err
$T -q -o both --shard 1/2 grid.tmsl >/dev/null 2>>err
$TMSL merge --no-render both >/dev/null 2>err; st=$?
check "shards may share a directory and merge in place" \
    '[ $st -eq 0 ] && cmp -s whole/runs.jsonl both/runs.jsonl'

# Slurm array task 5 of tasks 4..5 is shard 2/2
SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_MIN=4 SLURM_ARRAY_TASK_COUNT=2 \
    $T -o slurm grid.tmsl >/dev/null 2>err; st=$?
check "Slurm array variables choose the shard" \
    '[ $st -eq 0 ] && [ -f slurm/shard-2-of-2.manifest ] && grep -q "shard 2/2 (from SLURM" err'
check "--shard overrides Slurm" \
    'SLURM_ARRAY_TASK_ID=5 SLURM_ARRAY_TASK_COUNT=9 $T -q -o s1b --shard 1/2 grid.tmsl >/dev/null 2>err &&
     [ -f s1b/shard-1-of-2.manifest ]'
$TMSL merge --no-render -o m2 s1 slurm >/dev/null 2>err; st=$?
check "a Slurm shard merges with a --shard one" '[ $st -eq 0 ] && cmp -s whole/runs.jsonl m2/runs.jsonl'

# refusals
$TMSL merge --no-render -o m3 s1 >/dev/null 2>err; st=$?
check "merge refuses a missing shard and names it" '[ $st -eq 1 ] && grep -q "shard 2/2 is missing" err && [ ! -f m3/runs.jsonl ]'
sed 's/steps=300/steps=301/' grid.tmsl >other.tmsl
$T -q -o o2 --shard 2/2 other.tmsl >/dev/null 2>err
$TMSL merge --no-render -o m4 s1 o2 >/dev/null 2>err; st=$?
check "merge refuses shards of a different script" '[ $st -eq 2 ] && grep -q "a different script" err'
$T -q -o d2 --shard 2/2 -D steps=300 grid.tmsl >/dev/null 2>err
$TMSL merge --no-render -o m5 s1 d2 >/dev/null 2>err; st=$?
check "merge refuses shards run with other -D overrides" '[ $st -eq 2 ] && grep -q "overrides" err'
rm -f s2/runs/*.tmr
$TMSL merge --no-render -o m6 s1 s2 >/dev/null 2>err; st=$?
check "merge refuses when a shard's runs are gone, naming them" \
    '[ $st -eq 1 ] && grep -q "run [0-9a-f]* is missing from every shard" err'
$TMSL merge --no-render -o m7 nowhere >/dev/null 2>err; st=$?
check "merge of a directory that is not there is an error" '[ $st -eq 2 ] && grep -q "nowhere" err'
$TMSL merge -D steps=3 s1 >/dev/null 2>err; st=$?
check "merge rejects options it cannot honour" '[ $st -eq 2 ]'
$TMSL --shard 3/2 grid.tmsl >/dev/null 2>err; st=$?
check "--shard rejects I > N" '[ $st -eq 2 ] && grep -q "expects I/N" err'
echo "1..$t"
