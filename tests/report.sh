#!/bin/sh
# tests/report.sh: OUTDIR/index.html, the report page: one self-contained
# file (images inlined, no external links to load) with every figure, table
# and claim (measured value, pass or fail), the script with line numbers and
# the overrides; headless Chromium opens it from file:// and every image
# must decode (skipped with a message when chromium is not installed).
set -u
: "${TMSL:?}"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
t=0
say() { t=$((t + 1)); if [ "$1" -eq 0 ]; then echo "ok $t - $2"; else echo "not ok $t - $2"; fi; }

cat >rep.tmsl <<'EOF'
model relu n=5 m=2;
train steps=80 batch=16;
sweep sparsity [0, 0.9];
plot wtw, norms;
table;
expect represented(sparsity=0) >= 1;
expect represented(sparsity=0) >= 99;
EOF
"$TMSL" -q -o o -D steps=60 rep.tmsl >/dev/null 2>err; st=$?
h=o/index.html
say $([ $st -eq 1 ] && [ -f $h ] && echo 0 || echo 1) "a failed claim still writes index.html (status $st)"
grep -q '<meta name="viewport" content="width=device-width, initial-scale=1">' $h && grep -q '@media' $h
say $? "the page has a viewport and responsive CSS"
grep -q '<span class="pass">pass</span>' $h && grep -q '<span class="fail">fail</span>' $h \
    && grep -q 'measured 2 at sparsity=0\|measured [0-9.]* at sparsity=0' $h
say $? "claims show pass, fail and the measured value"
grep -q '<span class="ln">7</span>expect represented(sparsity=0) &gt;= 99;' $h
say $? "the script is shown with line numbers, escaped"
grep -q -- '-D steps=60' $h && grep -q 'tmsl [0-9]' $h && grep -q '2 in the plan: 2 trained' $h
say $? "the overrides, the tmsl version and the run counts are shown"
grep -q '<th>sparsity</th><th>represented</th>' $h
say $? "the table is shown"
! grep -Eq '(src|href)="https?:' $h
say $? "nothing is loaded from the network"

# titles print grid values to 3 significant digits; unrepresented features
# are not labelled in features2d (their labels would pile up at the origin)
printf 'model relu n=4 m=2; train steps=30 batch=16; sweep density 0.0697475..1 log 2; plot features2d;\n' >f2.tmsl
"$TMSL" -q -o f2 --no-render f2.tmsl >/dev/null 2>&1
grep -q 'set title "density = 0.0697"' f2/features2d.gp && grep -q '"coords":{"density":0.0697475}' f2/runs.jsonl \
    && grep -q "(\$5 >= 0.1 ? sprintf('%d', \$1) : '')" f2/features2d.gp
say $? "titles use 3 significant digits, runs.jsonl stays exact, weak features are unlabelled"

# the progress line: a bar, a percentage and human units
"$TMSL" -o p --no-render -D steps=50 rep.tmsl >/dev/null 2>perr
grep -Eq '^training \[#{20}\] 100% 2/2 runs, [0-9.]+[kMG]? model-steps/s, took [0-9]+:[0-9]{2}$' perr
say $? "the progress line has a bar, a percentage and human units"
grep -q "^tmsl: wrote p/ (open p/index.html)" perr
say $? "tmsl says where it wrote"

nimg=$(grep -c '<img ' $h)
if [ ! -f o/wtw.png ] && [ ! -f o/wtw.svg ]; then
    t=$((t + 1)); echo "ok $t # SKIP gnuplot did not render the figures"
elif ! command -v chromium >/dev/null 2>&1; then
    t=$((t + 1)); echo "ok $t # SKIP chromium not installed (apt-get install chromium)"
else
    timeout 120 chromium --headless --disable-gpu --no-sandbox --user-data-dir="$tmp/chr" \
        --dump-dom "file://$tmp/$h" >dom.html 2>chromium.err
    grep -q "data-figures=\"ok\" data-images=\"$nimg\"" dom.html && [ "$nimg" -eq 2 ]
    say $? "headless Chromium loads the page and both figures decode ($nimg images)"
fi
echo "1..$t"
