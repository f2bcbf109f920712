#!/bin/sh
# tests/repl.sh: the interactive session on a pseudo-terminal (through
# script(1)): prompts, continuation of an unfinished statement, commands,
# errors that keep the session, persistent history; and piped input, which
# runs as a script without prompts.
set -u
: "${TMSL:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
t=0
say() { t=$((t + 1)); if [ "$1" -eq 0 ]; then echo "ok $t - $2"; else echo "not ok $t - $2"; fi; }

if ! command -v script >/dev/null 2>&1; then
    echo "1..0 # SKIP script(1) not installed"; exit 0
fi
export TMSL_HISTORY="$tmp/history" NO_COLOR=1
cat >input <<'IN'
model relu n=4 m=2
;
sparsity 1.5;
:show
:bogus
:quit
IN
# script(1) gives tmsl a terminal; its output mixes the echo and tmsl's output.
script -qec "$TMSL -o $tmp/out" /dev/null <input >session.txt 2>&1
st=$?
tr -d '\r' <session.txt >s.txt
say $st "the session ends with status 0 on :quit (got $st)"
grep -q 'tmsl> ' s.txt; say $? "the prompt is 'tmsl> '"
grep -q '\.\.\.> ' s.txt; say $? "an unfinished statement gets the '...> ' prompt"
grep -q "sparsity must be in \[0, 1)" s.txt; say $? "an error is reported and the session goes on"
grep -Eq 'n *= *4' s.txt; say $? ":show prints the current settings"
grep -q "unknown command ':bogus'" s.txt; say $? "an unknown command is named"
# libedit writes spaces as \040 in its history file
grep -q 'relu.*n=4' "$tmp/history" 2>/dev/null; say $? "history is saved to \$TMSL_HISTORY"

printf 'model relu n=4 m=2;\nsparsity 0.5;\ntable;\n' | "$TMSL" --dry-run >piped.txt 2>&1
st=$?
! grep -q 'tmsl> ' piped.txt; r=$?
[ $st -eq 0 ] && [ $r -eq 0 ]; say $? "piped input runs as a script, without prompts"
echo "1..$t"
