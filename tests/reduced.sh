# tests/reduced.sh: the reduced size each example runs at in the tests
# (sourced by tests/examples.sh and tests/faults.sh), small enough for CI
# and large enough that a faithful trainer meets every claim with margin.
# reduced_args NAME: the -D overrides for examples/NAME.tmsl, one per line.
reduced_args() {
    case $1 in
    intro) echo "-D repeats=3" ;;
    section3) echo "-D points=10 -D repeats=4 -D steps=4000" ;;
    section4) echo "-D features=200 -D dims=20 -D points=20 -D steps=4000" ;;
    section4-nonuniform) echo "-D repeats=4 -D steps=4000" ;;
    section4-correlated) echo "-D repeats=2 -D steps=4000" ;;
    section5) echo "-D features=50 -D dims=5 -D steps=4000" ;;
    section6) echo "-D points=6 -D repeats=2 -D steps=3000" ;;
    section7) echo "-D repeats=10 -D steps=4000" ;;
    section8) echo "-D features=20 -D neurons=8 -D steps=3000" ;;
    double-descent) echo "-D seeds=1" ;;
    sae) echo "-D syn_len=1500" ;;
    *) echo "" ;;
    esac
}
