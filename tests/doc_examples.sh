#!/bin/sh
# tests/doc_examples.sh: every ```tmsl block of doc/language.md must pass
# `tmsl --dry-run`.
: "${top_srcdir:=.}"
doc="$top_srcdir/doc/language.md"
if [ -z "$TMSL" ] || [ ! -x "$TMSL" ]; then
    echo "1..1"
    echo "ok 1 # SKIP tmsl not built"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/docex.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '
    /^```tmsl$/ { n++; file = sprintf("%s/block%02d.tmsl", dir, n); inblock = 1; next }
    /^```/ { inblock = 0; next }
    inblock { print > file }
' "$doc"
count=$(ls "$tmp"/block*.tmsl 2>/dev/null | wc -l)
if [ "$count" -eq 0 ]; then
    echo "1..1"
    echo "not ok 1 - no tmsl blocks found in language.md"
    exit 0
fi
echo "1..$count"
n=0
for f in "$tmp"/block*.tmsl; do
    n=$((n + 1))
    if "$TMSL" --dry-run "$f" >"$tmp/out" 2>"$tmp/err"; then
        echo "ok $n - language.md block $n"
    else
        echo "not ok $n - language.md block $n"
        sed 's/^/# /' "$tmp/err"
    fi
done
