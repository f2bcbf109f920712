# tests/local.mk: command-line, example, REPL and trained-claim tests.
TESTS += tests/cli.sh tests/layers.sh
EXTRA_DIST += tests/cli.sh tests/layers.sh
TESTS += tests/examples.sh tests/repl.sh
EXTRA_DIST += tests/examples.sh tests/repl.sh
TESTS += tests/claims.sh tests/results.sh tests/report.sh
EXTRA_DIST += tests/claims.sh tests/results.sh tests/report.sh
