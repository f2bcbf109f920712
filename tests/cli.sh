#!/bin/sh
# tests/cli.sh: the command line's contract: help, version, usage errors
# (exit 2 with a message on stderr), scripts from stdin, missing files.
set -u
: "${TMSL:?}"
t=0 failed=0
check() {   # check TITLE EXPECTED_STATUS EXPECTED_STDERR_PATTERN -- command...
    title=$1 want=$2 pat=$3; shift 4
    out=$("$@" 2>"$tmp/err" </dev/null); got=$?
    t=$((t + 1))
    if [ "$pat" = EMPTY ]; then [ ! -s "$tmp/err" ]; else grep -Eq -- "$pat" "$tmp/err"; fi
    matched=$?
    if [ "$got" -eq "$want" ] && [ $matched -eq 0 ]; then
        echo "ok $t - $title"
    else
        echo "not ok $t - $title"
        echo "#   status $got (want $want), stderr:"; sed 's/^/#   /' "$tmp/err"
        failed=1
    fi
}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

"$TMSL" --help >help.txt; t=$((t + 1))
if [ $? -eq 0 ] && grep -q -- '--dry-run' help.txt && grep -q '^usage: tmsl' help.txt; then
    echo "ok $t - --help prints usage on stdout and exits 0"
else echo "not ok $t - --help prints usage on stdout and exits 0"; fi
v=$("$TMSL" --version); t=$((t + 1))
case "$v" in "tmsl "[0-9]*) echo "ok $t - --version prints 'tmsl VERSION'";;
    *) echo "not ok $t - --version prints 'tmsl VERSION' (got '$v')";; esac

check "unknown option is a usage error" 2 "unknown option '--bogus'" -- "$TMSL" --bogus x.tmsl
check "-j needs a positive count" 2 "-j expects a thread count" -- "$TMSL" -j 0 x.tmsl
check "-j rejects words" 2 "-j expects a thread count" -- "$TMSL" -j many x.tmsl
check "--seed rejects negatives" 2 "--seed expects a non-negative integer" -- "$TMSL" --seed -3 x.tmsl
check "-D needs NAME=VALUE" 2 "-D expects NAME=VALUE" -- "$TMSL" -D steps x.tmsl
check "--format rejects unknown formats" 2 "--format expects text, csv or jsonl" -- "$TMSL" --format xml x.tmsl
check "-o needs a value" 2 "needs a value" -- "$TMSL" -o
check "missing file is a script error" 2 "cannot read 'nope.tmsl'" -- "$TMSL" --dry-run nope.tmsl

printf 'model relu n=20 m=5; sweep sparsity 0..0.999 log 40; plot wtw;\n' >card.tmsl
check "the design card's line plans" 0 EMPTY -- "$TMSL" --dry-run card.tmsl
"$TMSL" --dry-run card.tmsl >plan.txt 2>&1; t=$((t + 1))
if grep -q '40' plan.txt; then echo "ok $t - the plan mentions the 40 runs"
else echo "not ok $t - the plan mentions the 40 runs"; sed 's/^/#   /' plan.txt; fi

out=$(printf 'model relu n=4 m=2;\nsparsity 1.5;\n' | "$TMSL" --dry-run 2>&1 >/dev/null); st=$?
t=$((t + 1))
if [ $st -eq 2 ] && printf '%s' "$out" | grep -q '^<stdin>:2:'; then
    echo "ok $t - piped stdin runs as a script with '<stdin>' locations"
else echo "not ok $t - piped stdin runs as a script with '<stdin>' locations"
    printf '%s\n' "$out" | sed 's/^/#   /'; fi

check "an unknown -D name is an error" 2 "stepz" -- "$TMSL" --dry-run -D stepz=10 card.tmsl
check "a -D value that is not an expression is an error" 2 "error" -- "$TMSL" --dry-run -D 'steps=1..' card.tmsl
# without gnuplot: scripts and data are written, no image, one note
printf 'model relu n=4 m=2; train steps=20 batch=16; sweep sparsity [0, 0.5]; plot wtw, norms;\n' >ng.tmsl
GNUPLOT=/nonexistent/gnuplot "$TMSL" -o ng ng.tmsl >/dev/null 2>ng.err; st=$?
notes=$(grep -c 'gnuplot not found' ng.err)
[ $st -eq 0 ] && [ "$notes" -eq 1 ] && [ -s ng/wtw.gp ] && [ -s ng/wtw.dat ] && [ -s ng/norms.gp ] \
    && [ ! -e ng/wtw.png ]; r=$?
t=$((t + 1)); [ $r -eq 0 ] && echo "ok $t - without gnuplot: scripts and data, no image, the note once" \
    || { echo "not ok $t - without gnuplot: scripts and data, no image, the note once"; sed 's/^/#   /' ng.err; }

# Adam and SGD decay weights only when asked to; AdamW defaults to 0.01
for opt in adam:0 sgd:0 adamw:0.01; do
    printf 'model relu n=3 m=1; train optimizer=%s steps=5 batch=8; table;\n' "${opt%%:*}" >wd.tmsl
    "$TMSL" -q -o wd wd.tmsl >/dev/null 2>&1
    grep -q "\"weight_decay\":${opt#*:}," wd/runs.jsonl 2>/dev/null; r=$?
    t=$((t + 1)); [ $r -eq 0 ] && echo "ok $t - ${opt%%:*}: weight decay ${opt#*:} by default" \
        || echo "not ok $t - ${opt%%:*}: weight decay ${opt#*:} by default"
done
echo "1..$t"
