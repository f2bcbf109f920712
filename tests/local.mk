# tests/local.mk: command-line, example, REPL and trained-claim tests.
TESTS += tests/cli.sh tests/layers.sh
EXTRA_DIST += tests/cli.sh tests/layers.sh
TESTS += tests/examples.sh tests/repl.sh
EXTRA_DIST += tests/examples.sh tests/repl.sh
TESTS += tests/claims.sh tests/results.sh tests/report.sh
EXTRA_DIST += tests/claims.sh tests/results.sh tests/report.sh
# tmsl-faulty: the same program with the trainer's deliberate faults compiled
# in (-DTMSL_FAULTS, runtime/train/train.c); only tests/faults.sh runs it.
# Its own train.c object satisfies every trainer symbol, so the archive's
# faithful train.o is never linked into it.
check_PROGRAMS += tmsl-faulty
tmsl_faulty_SOURCES = $(tmsl_SOURCES) runtime/train/train.c
tmsl_faulty_CPPFLAGS = $(AM_CPPFLAGS) -DTMSL_FAULTS
tmsl_faulty_LDADD = $(TMSL_LIBS)
TESTS += tests/faults.sh
EXTRA_DIST += tests/faults.sh tests/reduced.sh
