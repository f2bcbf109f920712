#!/bin/sh
# tests/golden.sh: `tmsl --dry-run NAME.tmsl` in tests/golden must print
# NAME.out on stdout, NAME.err on stderr and exit with NAME.status.
# TMSL_REGEN=1 rewrites the expected files from the current output.
: "${top_srcdir:=.}"
dir="$top_srcdir/tests/golden"
if [ -z "$TMSL" ] || [ ! -x "$TMSL" ]; then
    echo "1..1"
    echo "ok 1 # SKIP tmsl not built"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/golden.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
NO_COLOR=1
export NO_COLOR
count=$(ls "$dir"/*.tmsl | wc -l)
echo "1..$count"
n=0
for src in "$dir"/*.tmsl; do
    n=$((n + 1))
    name=$(basename "$src" .tmsl)
    (cd "$dir" && "$TMSL" --dry-run "$name.tmsl" >"$tmp/out" 2>"$tmp/err")
    echo $? >"$tmp/status"
    if [ -n "$TMSL_REGEN" ]; then
        cp "$tmp/out" "$dir/$name.out"
        cp "$tmp/err" "$dir/$name.err"
        cp "$tmp/status" "$dir/$name.status"
    fi
    if cmp -s "$tmp/out" "$dir/$name.out" && cmp -s "$tmp/err" "$dir/$name.err" &&
       cmp -s "$tmp/status" "$dir/$name.status"; then
        echo "ok $n - $name"
    else
        echo "not ok $n - $name"
        for k in out err status; do
            diff -u "$dir/$name.$k" "$tmp/$k" 2>&1 | sed 's/^/# /'
        done
    fi
done
