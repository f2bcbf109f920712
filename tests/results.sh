#!/bin/sh
# tests/results.sh: the results of a run read back as an analyst would:
# runs.jsonl with Python's standard library (schema, grid coordinates equal
# to the swept values, seeds as strings, tensor shapes, the failure of a
# diverging run), the safetensors weights with numpy (equal to runs.jsonl's
# tensors, bit for bit), manifest.json, and the output directory of a run
# with overrides (its own, never the full run's).
set -u
: "${TMSL:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
t=0
say() { t=$((t + 1)); if [ "$1" -eq 0 ]; then echo "ok $t - $2"; else echo "not ok $t - $2"; fi; }
# the first python3 that has numpy (a virtualenv's may lack it), else any
PY=
for p in python3 /usr/bin/python3; do
    command -v "$p" >/dev/null 2>&1 || continue
    [ -z "$PY" ] && PY=$p
    if "$p" -c 'import numpy' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then echo "1..0 # SKIP python3 not installed"; exit 0; fi

cat >grid.tmsl <<'EOF'
model relu n=5 m=2;
train steps=60 batch=16;
sweep sparsity [0, 0.5, 0.9];
let r = 1;
sweep r [1, 2];
importance [1, 1, 1, 1, r];
repeat 2;
plot norms;
table;
expect represented(sparsity=0) >= 0;
experiment bad { unsweep; repeat 1; train lr=1e6; plot norms; }
experiment wide { unsweep; repeat 1; model untied n=4 m=3; importance 1; plot loss; }
EOF
"$TMSL" -q -o o grid.tmsl >/dev/null 2>err; st=$?
say $([ $st -eq 1 ] && echo 0 || echo 1) "a diverging run makes the status 1 (got $st)"

"$PY" - o/runs.jsonl >py.txt 2>&1 <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
check(all(r["schema"] == 1 for r in recs), "every record has schema 1")
grid = [r for r in recs if r["experiment"] == ""]
check(len(grid) == 12, "12 runs in the top-level grid (got %d)" % len(grid))
pts = sorted({(r["coords"]["sparsity"], r["coords"]["r"]) for r in grid})
check(pts == [(0, 1), (0, 2), (0.5, 1), (0.5, 2), (0.9, 1), (0.9, 2)], "coordinates are the swept values: %r" % pts)
check(sorted({r["repeat"] for r in grid}) == [0, 1], "repeat indices 0 and 1")
check(all(isinstance(r["run_seed"], str) and int(r["run_seed"]) > 2**53 for r in recs), "run seeds are strings above 2^53")
check(all(r["master_seed"] == "0" for r in recs), "the master seed is a string")
check(all(r["outputs"] == ["norms", "table", "expect:10"] for r in grid), "grid runs name their outputs")
check(all(len(r["W"]) == 5 and all(len(row) == 2 for row in r["W"]) and len(r["b"]) == 5 and r["tensors"] == {"W": [5, 2], "b": [5]} for r in grid), "W is 5x2 and b has 5 entries")
check(all(set(r["metrics"]) >= {"represented", "loss", "frob2", "sum_dims"} for r in grid), "metrics are present")
bad = [r for r in recs if r["experiment"] == "bad"]
check(len(bad) == 1 and bad[0]["failed"] is True and bad[0]["final_loss"] is None and "reason" in bad[0]["failure"] and bad[0]["failure"]["step"] >= 0, "the diverging run has failed, final_loss null and a failure")
check(all(r["failure"] is None for r in grid), "runs that trained have failure null")
wide = [r for r in recs if r["experiment"] == "wide"]
check(len(wide) == 1 and wide[0]["tensors"] == {"W1": [3, 4], "W2": [4, 3], "b": [4]}, "the untied kind's tensors W1, W2, b: %r" % (wide[0]["tensors"] if wide else None))
EOF
grep -q FAIL py.txt; r=$?; [ $r -ne 0 ] && [ "$(grep -c '^ok' py.txt)" -eq 12 ]
say $? "runs.jsonl reads back with json: schema, coordinates, seeds, shapes, failure"
grep FAIL py.txt | sed 's/^/#   /'

if "$PY" -c 'import numpy' 2>/dev/null; then
"$PY" - o >st.txt 2>&1 <<'EOF'
import json, struct, sys, glob
import numpy as np
DT = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "U8": "u1"}
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    head = json.loads(raw[8:8 + n])
    meta = head.pop("__metadata__")
    data = raw[8 + n:]
    out = {}
    end = 0
    for name, t in head.items():
        b, e = t["data_offsets"]
        out[name] = np.frombuffer(data[b:e], dtype=DT[t["dtype"]]).reshape(t["shape"])
        end = max(end, e)
    assert end == len(data), "tensors cover the data"
    return out, meta
recs = {}
for l in open(sys.argv[1] + "/runs.jsonl"):
    r = json.loads(l)
    recs[r["id"]] = r
files = sorted(glob.glob(sys.argv[1] + "/weights-*.safetensors"))
print("ok" if len(files) == 3 else "FAIL", "3 weight files:", files)
seen = 0
for f in files:
    ts, meta = load(f)
    ids = json.loads(meta["run_ids"])
    axes = json.loads(meta["axes"])
    K = int(meta["repeats"])
    names = [k for k in ts if k in ("W", "b", "W1", "W2")]
    for cell, rid in enumerate(ids):
        r = recs[rid]
        idx = np.unravel_index(cell, ts["final_loss"].shape)
        for name in names:
            if not np.array_equal(ts[name][idx], np.array(r[name], dtype=np.float32), equal_nan=True):
                print("FAIL", f, rid, name, "differs from runs.jsonl")
        for a, ax in enumerate(axes):
            if ts["axis/" + ax][idx[a]] != r["coords"][ax]:
                print("FAIL", f, rid, "axis", ax)
        if bool(ts["failed"][idx]) != r["failed"]:
            print("FAIL", f, rid, "failed flag")
        if not r["failed"] and ts["final_loss"][idx] != r["final_loss"]:
            print("FAIL", f, rid, "final_loss")
        if "curve" in r and "curve_loss" in ts:
            c = np.array([p[1] for p in r["curve"]], dtype=np.float64)
            if not np.array_equal(ts["curve_loss"][idx][:len(c)], c):
                print("FAIL", f, rid, "curve")
        seen += 1
    if meta["experiment"] == "" and ts["W"].shape != (3, 2, 2, 5, 2):
        print("FAIL grid W shape", ts["W"].shape)
print("ok" if seen == 14 else "FAIL", "cells compared:", seen)
EOF
grep -q FAIL st.txt; r=$?; [ $r -ne 0 ] && grep -q '^ok cells compared: 14' st.txt
say $? "the safetensors weights equal runs.jsonl's tensors, shaped like the grid"
grep FAIL st.txt | sed 's/^/#   /'
else
    t=$((t + 1)); echo "ok $t # SKIP numpy not installed (apt-get install python3-numpy)"
fi

"$PY" -c '
import json, sys
m = json.load(open("o/manifest.json"))
ok = m["schema"] == 1 and m["runs"]["total"] == 14 and m["runs"]["failed"] == 1 and m["overrides"] == {}
ok = ok and m["script"] == "grid.tmsl" and m["script_hash"].startswith("fnv1a64:")
c = [o for o in m["outputs"] if o["kind"] == "expect"]
ok = ok and len(c) == 1 and c[0]["holds"] is True and c[0]["measured"].startswith("measured")
sys.exit(0 if ok else 1)'
say $? "manifest.json records the script, run counts and claims"

# browsing: ls lists every run with its coordinates; show prints one by prefix
"$TMSL" ls o >ls.txt 2>&1
[ "$(grep -c '^[0-9a-f]\{16\} ' ls.txt)" -eq 14 ] && grep -q 'sparsity=0.9 r=2$' ls.txt \
    && grep -q '^o: grid.tmsl' ls.txt && grep -q ' failed ' ls.txt
say $? "tmsl ls lists the 14 runs with coordinates, failures and the manifest's line"
id=$(grep 'sparsity=0.5 r=2$' ls.txt | head -n1 | cut -c1-16)
pre=$(printf %s "$id" | cut -c1-7)
"$TMSL" show o "$pre" >show.txt 2>&1; st=$?
[ $st -eq 0 ] && grep -q "^run $id" show.txt && grep -q '^tensor W \[5, 2\]' show.txt \
    && grep -q 'sparsity = 0.5 r = 2' show.txt && grep -q '^  lr  *0.001' show.txt
say $? "tmsl show DIR PREFIX prints the run's coordinates, settings and weights"
"$TMSL" show o "" >/dev/null 2>amb.txt; st=$?
[ $st -eq 2 ] && grep -q 'names more than one run' amb.txt
say $? "an ambiguous prefix is an error"

# a run with overrides writes to its own directory and says so
mkdir -p out
cp grid.tmsl out.tmsl
"$TMSL" -o out/full --no-render -D steps=30 out.tmsl >/dev/null 2>&1
"$TMSL" --no-render -D steps=20 --seed 7 out.tmsl >/dev/null 2>err2
d="out/out+steps=20+seed=7"
[ -f "$d/runs.jsonl" ] && [ -f "$d/index.html" ] && grep -q "wrote $d/" err2
say $? "-D and --seed write to out/NAME+steps=20+seed=7 and say so on stderr"
grep -q '^# overrides: -D steps=20 --seed 7' "$d/norms.gp" && grep -q '(-D steps=20 --seed 7)' "$d/norms.gp"
say $? "the overrides are in the .gp header and the figure title"
"$PY" -c '
import json, sys
m = json.load(open(sys.argv[1]))
sys.exit(0 if m["overrides"] == {"steps": "20"} and m["seed_override"] == "7" else 1)' "$d/manifest.json"
say $? "the manifest records the overrides"
"$TMSL" --no-render -D 'steps=2*10' out.tmsl >/dev/null 2>err3
ls -d out/out+steps=2_10-* >/dev/null 2>&1
say $? "an override value with odd characters gets a safe directory name with a hash"
# merged shards keep the overrides they ran with
"$TMSL" -q --no-render --shard 1/2 -D steps=20 -o sh out.tmsl >/dev/null 2>&1
"$TMSL" -q --no-render --shard 2/2 -D steps=20 -o sh out.tmsl >/dev/null 2>&1
"$TMSL" merge -q --no-render sh >/dev/null 2>&1
grep -q '^# overrides: -D steps=20$' sh/norms.gp && grep -q '"override_args":"-D steps=20"' sh/manifest.json
say $? "tmsl merge records the shards' overrides in headers and the manifest"

# each run names its kernel; a forced kernel, and gemm's two arithmetics
# (AVX blocks, BLAS), are part of the identity, portable kernels are not
printf 'model relu n=5 m=2;\ntrain steps=2 batch=16;\ntable loss;\n' >k.tmsl
printf 'model relu n=400 m=30;\ntrain steps=2 batch=16;\nsparsity 0.99;\ntable loss;\n' >g.tmsl
"$TMSL" -q --no-render -o k1 k.tmsl >/dev/null 2>&1
TMSL_ISA=base "$TMSL" -q --no-render -o k2 k.tmsl >/dev/null 2>&1
TMSL_KERNEL=fused "$TMSL" -q --no-render -o k3 k.tmsl >/dev/null 2>&1
TMSL_ISA=base "$TMSL" -q --no-render -o g1 g.tmsl >/dev/null 2>&1
kid() { "$PY" -c 'import json,sys; r=json.loads(open(sys.argv[1]).readline()); print(r["id"], r["kernel"])' "$1/runs.jsonl"; }
a=$(kid k1) b=$(kid k2) c=$(kid k3) g=$(kid g1)
[ "$a" = "$b" ] && [ "${a#* }" = lanes ] && [ "${c#* }" = fused ] && [ "${a% *}" != "${c% *}" ] &&
    [ "${g#* }" = gemm/blas ]
say $? "runs.jsonl names the kernel; a forced kernel changes the id, the instruction set does not ($a, $b, $c, $g)"
echo "1..$t"
