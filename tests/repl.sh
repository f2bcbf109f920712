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

# a researcher's session: Tab completion, words without the colon, a command
# at the continuation prompt, :show with sweep values and defaults, numbered
# figures that do not replace each other, printed paths, :save
printf 'model relu n=4 m=2;\ntrain steps=40 batch=16;\nsweep sparsity [0, 0.5];\nplo\t wtw;\nplot wtw\n:show\n;\n:preview\nhelp\n:save %s/saved.tmsl\nquit\n' "$tmp" >input2
script -qec "$TMSL -o $tmp/out2" /dev/null <input2 >session2.txt 2>&1
st=$?
tr -d '\r' <session2.txt >s2.txt
say $st "quit without a colon ends the session with status 0 (got $st)"
grep -q '^plot  *wtw;' "$tmp/saved.tmsl"; say $? "Tab completes 'plo' to 'plot'"
[ -f out2/001-wtw.gp ] && [ -f out2/002-wtw.gp ]; say $? "each input's figure gets its own numbered file"
grep -q "wrote $tmp/out2/001-wtw\.\(png\|gp\)" s2.txt && grep -q "wrote $tmp/out2/002-wtw" s2.txt
say $? "every output path is printed"
grep -q '^sweep sparsity \[0, 0.5\] (2 values)' s2.txt && grep -q '^train lr = 1e-3 (default)' s2.txt
say $? ":show prints sweep values and every training setting with its default"
grep -q '^\.\.\.> :show' s2.txt && grep -q 'train steps = 40' s2.txt
say $? "a command works at the continuation prompt"
grep -q '^usage: :preview on|off' s2.txt; say $? "a bare :preview prints its usage"
grep -q '^Type tmsl statements' s2.txt; say $? "help without a colon prints the help"
"$TMSL" --dry-run "$tmp/saved.tmsl" >dry.txt 2>&1 && grep -q '2 unique runs\|2 runs' dry.txt
say $? ":save writes a script that plans the session's runs"

printf 'model relu n=4 m=2;\nsparsity 0.5;\ntable;\n' | "$TMSL" --dry-run >piped.txt 2>&1
st=$?
! grep -q 'tmsl> ' piped.txt; r=$?
[ $st -eq 0 ] && [ $r -eq 0 ]; say $? "piped input runs as a script, without prompts"
echo "1..$t"
