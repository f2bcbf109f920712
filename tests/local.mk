# tests/local.mk: command-line, example and REPL tests.
TESTS += tests/cli.sh
EXTRA_DIST += tests/cli.sh
TESTS += tests/examples.sh tests/repl.sh
EXTRA_DIST += tests/examples.sh tests/repl.sh
