#!/bin/sh
# bench/million.sh: time the million-model phase diagram (bench/million.tmsl)
# and report wall time, CPU time and peak memory (GNU time's -v output).
# usage: bench/million.sh [TMSL] [tmsl options...]   e.g.
#        bench/million.sh ./tmsl -D rpoints=40 -D dpoints=25   (a 10,000-run taste)
# The output directory (default out/million-bench) is emptied first so every
# model is trained; set MILLION_OUT to put it elsewhere.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmsl=${1:-tmsl}
[ $# -gt 0 ] && shift
out=${MILLION_OUT:-out/million-bench}
command -v /usr/bin/time >/dev/null 2>&1 || { echo "million.sh: needs GNU time (/usr/bin/time)"; exit 2; }
rm -rf "$out"
log=$(mktemp) || exit 2
echo "million.sh: $tmsl $* -o $out $here/million.tmsl"
"$tmsl" --dry-run "$@" "$here/million.tmsl" | grep -E '^(runs|model-steps):'
/usr/bin/time -v "$tmsl" --no-render "$@" -o "$out" "$here/million.tmsl" 2>"$log"
st=$?
grep -E '^tmsl: [0-9]+ runs' "$log"
sed -n 's/^[[:space:]]*Elapsed (wall clock) time.*: /wall: /p;
        s/^[[:space:]]*User time (seconds): /user s: /p;
        s/^[[:space:]]*Maximum resident set size (kbytes): /peak RSS KiB: /p' "$log"
echo "cache: $(du -sh "$out/runs" 2>/dev/null | cut -f1), runs.jsonl: $(du -sh "$out/runs.jsonl" 2>/dev/null | cut -f1)"
[ $st -eq 0 ] || { echo "million.sh: tmsl exited $st"; tail -n 20 "$log"; }
rm -f "$log"
exit $st
