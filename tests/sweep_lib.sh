# tests/sweep_lib.sh: TAP helpers shared by the sweep tests (sourced).
# check TITLE CONDITION evaluates CONDITION and, when it fails, shows the
# last command's stderr (the file `err` in the test's directory).
t=0
pass() { t=$((t + 1)); echo "ok $t - $1"; }
fail() { t=$((t + 1)); echo "not ok $t - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() { if eval "$2"; then pass "$1"; else fail "$1" "$(sed 's/^/  /' err 2>/dev/null | head -n 20)"; fi; }
# stats FILE: "TRAINED REUSED" from the summary line tmsl prints on stderr
stats() { sed -n 's/^tmsl: [0-9]* runs: trained \([0-9]*\), reused \([0-9]*\).*/\1 \2/p' "$1" | tail -n 1; }
