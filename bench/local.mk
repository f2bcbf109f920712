# bench/local.mk: build fragment, included by the top Makefile.am
# `make bench` times the trainer on the standard workloads (see bench/run).
check_PROGRAMS += bench/tmsl-bench
bench_tmsl_bench_SOURCES = bench/tmsl-bench.c
bench_tmsl_bench_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
EXTRA_DIST += bench/run bench/README.md
BENCH_FLAGS =

.PHONY: bench
bench: bench/tmsl-bench$(EXEEXT)
	TMSL_BENCH='$(abs_top_builddir)/bench/tmsl-bench$(EXEEXT)' \
	  '$(abs_top_srcdir)/bench/run' $(BENCH_FLAGS)
