# bench/million.mk: the million-model phase diagram benchmark (not a test):
# `make bench-million` runs bench/million.sh with the built tmsl.
EXTRA_DIST += bench/million.sh bench/million.tmsl
bench-million: tmsl
	$(SHELL) $(top_srcdir)/bench/million.sh ./tmsl
.PHONY: bench-million
