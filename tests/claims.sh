#!/bin/sh
# tests/claims.sh: `expect` claims on tiny trained models. Functions apply
# to all their arguments point by point, so a claim that a wrong reading of
# the arguments would let through fails with the measured value; a function
# given the wrong number of arguments is a script error before training.
set -u
: "${TMSL:?}"
t=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
NO_COLOR=1
export NO_COLOR

# claim TITLE STATUS PATTERN CLAIM [SWEEP]: run a tiny model with one claim
claim() {
    title=$1 want=$2 pat=$3 text=$4 sweep=${5:-}
    printf 'model relu n=2 m=1; train steps=50 batch=16;\n%s\nexpect %s;\n' "$sweep" "$text" >c.tmsl
    "$TMSL" -q -o out c.tmsl >/dev/null 2>err; got=$?
    t=$((t + 1))
    if [ $got -eq "$want" ] && { [ "$pat" = EMPTY ] && [ ! -s err ] || grep -Fq -- "$pat" err; }; then
        echo "ok $t - $title"
    else
        echo "not ok $t - $title"
        echo "#   status $got (want $want), stderr:"; sed 's/^/#   /' err
    fi
}

claim "max reads all its arguments" 1 \
    "expectation failed: max(loss, 2, 1000) < 100: measured 1000 at sparsity=0" "max(loss, 2, 1000) < 100"
claim "max of a metric and a constant holds" 0 EMPTY "max(loss, 2) < 100"
claim "min reads all its arguments" 1 "measured -1 at sparsity=0" "min(loss, 2, -1) > -0.5"
claim "functions of metrics" 0 EMPTY "exp(-loss) > 0 and sqrt(abs(loss)) >= 0"
claim "max of one argument is over the points" 0 EMPTY "max(loss) >= min(loss)" \
    "sweep sparsity [0, 0.5, 0.9];"
claim "functions broadcast a point against the sweep" 0 EMPTY \
    "max(loss, loss(sparsity=0)) >= loss(sparsity=0)" "sweep sparsity [0, 0.5, 0.9];"
claim "functions refuse values over different points" 2 "'max' combines 2 points with 3 points" \
    "max(loss(sparsity<=0.5), loss) > 0" "sweep sparsity [0, 0.5, 0.9];"

rm -rf out
claim "a wrong arity is a script error" 2 "c.tmsl:3:8: error: 'exp' takes 1 argument, got 2" "exp(loss, 7) > 0"
t=$((t + 1))
if [ ! -e out/runs.jsonl ]; then echo "ok $t - nothing trains after a wrong arity"
else echo "not ok $t - nothing trains after a wrong arity"; fi
echo "1..$t"
