#!/bin/sh
# tests/layers.sh: no file includes a header from a layer above its own.
# Layers, bottom up: runtime/base, runtime/train, lang, runtime/report,
# runtime/exec, runtime/cli (doc/architecture.md).
: "${top_srcdir:=.}"
cd "$top_srcdir" || exit 1
layer_of() {
    case "$1" in
    runtime/base/*) echo 1 ;; runtime/train/*) echo 2 ;; lang/*) echo 3 ;;
    runtime/report/*) echo 4 ;; runtime/exec/*) echo 5 ;; runtime/cli/*) echo 6 ;;
    *) echo 0 ;;
    esac
}
files=$(ls lang/*.c lang/*.h lang/*.y lang/*.l runtime/*/*.c runtime/*/*.h 2>/dev/null |
        grep -v -e '^lang/parser\.[ch]$' -e '^lang/lexer\.c$')
count=$(echo "$files" | wc -l)
echo "1..$count"
n=0
for f in $files; do
    n=$((n + 1))
    mine=$(layer_of "$f")
    bad=""
    for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        [ "$h" = config.h ] && continue
        [ "$h" = parser.h ] && h=parser.y
        where=$(ls lang/"$h" runtime/*/"$h" 2>/dev/null | head -n 1)
        [ -z "$where" ] && continue
        theirs=$(layer_of "$where")
        [ "$theirs" -gt "$mine" ] && bad="$bad $where"
    done
    if [ -z "$bad" ]; then
        echo "ok $n - $f includes nothing above its layer"
    else
        echo "not ok $n - $f includes from above its layer:$bad"
    fi
done
