#!/bin/sh
# tests/doc_catalog.sh: the tables of doc/language.md name exactly what the
# catalogues hold. For each table below a heading, the words in backticks of
# its first column (the first word of each, so `norm(i)` is norm) must equal
# the names `tmsl --list SECTION` prints, aliases included.
: "${top_srcdir:=.}"
doc="$top_srcdir/doc/language.md"
if [ -z "$TMSL" ] || [ ! -x "$TMSL" ]; then
    echo "1..1"
    echo "ok 1 # SKIP tmsl not built"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/doccat.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

# The names in the first column of the first table under the heading that
# starts with $1 (a fixed string), one per line, sorted.
doc_names() {
    awk -v head="$1" '
        index($0, head) == 1 { found = 1; next }
        found && /^\|/ { intable = 1; rows++; if (rows > 2) print; next }
        found && intable { exit }
    ' "$doc" | cut -d'|' -f2 | grep -o '`[^`]*`' | tr -d '`' |
        sed 's/^\([a-z0-9_-]*\).*/\1/' | grep . | sort -u
}

list_names() {
    "$TMSL" --list "$1" | awk '{print $1}' | sort -u
}

checks="## Statements:statements
### Settings:settings
### Training parameters:params
### Model kinds and data:kinds
| data |:data
### Metrics:metrics
| figure |:figures
| function |:functions"
echo "1..8"
n=0
echo "$checks" | while IFS=: read -r head section; do
    n=$((n + 1))
    case "$head" in
    "| "*)  # a table found by its header row
        awk -v head="$head" 'index($0, head) == 1 { found = 1 } found && /^\|/ { print; next }
                             found { exit }' "$doc" | tail -n +3 | cut -d'|' -f2 |
            grep -o '`[^`]*`' | tr -d '`' | sed 's/^\([a-z0-9_-]*\).*/\1/' | grep . |
            sort -u > "$tmp/doc" ;;
    *) doc_names "$head" > "$tmp/doc" ;;
    esac
    list_names "$section" > "$tmp/list"
    if [ -s "$tmp/list" ] && cmp -s "$tmp/doc" "$tmp/list"; then
        echo "ok $n - doc/language.md lists exactly the $section of the catalogue"
    else
        echo "not ok $n - doc/language.md and the $section catalogue differ"
        diff "$tmp/doc" "$tmp/list" | sed 's/^/# /'
    fi
done
