#!/bin/sh
# tests/doc_examples.sh: every ```tmsl block of README.md and doc/*.md must
# pass `tmsl --dry-run`.
: "${top_srcdir:=.}"
if [ -z "$TMSL" ] || [ ! -x "$TMSL" ]; then
    echo "1..1"
    echo "ok 1 # SKIP tmsl not built"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/docex.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
for doc in "$top_srcdir/README.md" "$top_srcdir"/doc/*.md; do
    base=$(basename "$doc" .md)
    awk -v dir="$tmp" -v base="$base" '
        /^```tmsl$/ { n++; file = sprintf("%s/%s-block%02d.tmsl", dir, base, n); inblock = 1; next }
        /^```/ { inblock = 0; next }
        inblock { print > file }
    ' "$doc"
done
count=$(ls "$tmp"/*-block*.tmsl 2>/dev/null | wc -l)
if [ "$count" -eq 0 ]; then
    echo "1..1"
    echo "not ok 1 - no tmsl blocks found in the docs"
    exit 0
fi
echo "1..$count"
n=0
for f in "$tmp"/*-block*.tmsl; do
    n=$((n + 1))
    what=$(basename "$f" .tmsl | sed 's/-block0*/.md block /')
    if "$TMSL" --dry-run "$f" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        sed 's/^/# /' "$tmp/err"
    fi
done
