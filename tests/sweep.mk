# tests/sweep.mk: the run cache (unit), resume, shards, merge, failures, MPI.
check_PROGRAMS += tests/unit/test_cache
tests_unit_test_cache_SOURCES = tests/unit/test_cache.c tests/tap.h runtime/exec/cache.c
tests_unit_test_cache_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
TESTS += tests/unit/test_cache
TESTS += tests/sweep.sh tests/sweep_interrupt.sh tests/sweep_shard.sh tests/sweep_mpi.sh
EXTRA_DIST += tests/sweep.sh tests/sweep_interrupt.sh tests/sweep_shard.sh tests/sweep_mpi.sh \
	tests/sweep_lib.sh
