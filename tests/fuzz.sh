#!/bin/sh
# tests/fuzz.sh: feeds mutated scripts (golden inputs, examples, stdlib)
# through the front end in-process; see tests/fuzz_front.c.
: "${top_srcdir:=.}" "${top_builddir:=.}"
driver="$top_builddir/tests/fuzz_front"
if [ ! -x "$driver" ]; then
    echo "1..1"
    echo "ok 1 # SKIP fuzz driver not built"
    exit 0
fi
set -- "$top_srcdir"/tests/golden/*.tmsl "$top_srcdir"/examples/*.tmsl "$top_srcdir"/stdlib/*.tmsl
files=""
for f in "$@"; do [ -f "$f" ] && files="$files $f"; done
# shellcheck disable=SC2086
exec "$driver" 150 $files
