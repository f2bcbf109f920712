#!/bin/sh
# tests/sweep_mpi.sh: an MPI build run by mpirun on 2 ranks splits the plan
# across them, and rank 0's runs.jsonl and figure data are byte for byte
# those of a single-process run. Skipped unless tmsl was built --with-mpi
# and mpirun is on PATH ($MPIRUN overrides the launcher).
set -u
: "${TMSL:?}"
if ! grep -q '^#define HAVE_MPI 1' "${top_builddir:-.}/config.h" 2>/dev/null ||
   ! command -v mpirun >/dev/null 2>&1; then
    echo "ok 1 # SKIP tmsl was built without MPI (configure --with-mpi)"
    echo "1..1"
    exit 0
fi
MPIRUN=${MPIRUN:-mpirun --allow-run-as-root --oversubscribe -np 2}
. "${top_srcdir:?}/tests/sweep_lib.sh"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

cat >grid.tmsl <<'EOF2'
model relu n=2 m=1;
let r = 1;
importance [1, r];
train steps=300 batch=32;
sweep r [0.5, 1, 2];
sweep density [0.1, 0.5, 1];
repeat 2;
plot phase;
EOF2
OMPI_MCA_btl_vader_single_copy_mechanism=none; export OMPI_MCA_btl_vader_single_copy_mechanism
"$TMSL" --no-render -q -j 1 -o single grid.tmsl 2>err
$MPIRUN "$TMSL" --no-render -j 1 -o ranks grid.tmsl >out 2>err; st=$?
check "mpirun -np 2 tmsl succeeds" '[ $st -eq 0 ]'
check "rank 0 reports the whole plan on 2 ranks" 'grep -q "18 runs on 2 ranks: trained 18, reused 0" err'
check "runs.jsonl is bit-identical to a single process's" 'cmp -s single/runs.jsonl ranks/runs.jsonl'
check "figure data is identical too" 'cmp -s single/phase.dat ranks/phase.dat'
$MPIRUN "$TMSL" --no-render -j 1 -o ranks grid.tmsl >out 2>err; st=$?
check "a second MPI run reuses every run" '[ $st -eq 0 ] && grep -q "trained 0, reused 18" err'
echo "1..$t"
