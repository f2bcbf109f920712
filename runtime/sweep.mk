# runtime/sweep.mk: sweeps at scale: the run store and cache, shards and
# merge, MPI (runtime/mpi.c is built only with --with-mpi).
libtmsl_rt_a_SOURCES += runtime/store.c runtime/store.h runtime/cache.c runtime/cache.h \
	runtime/shard.c runtime/shard.h runtime/merge.c runtime/ranks.h
if HAVE_MPI
libtmsl_rt_a_SOURCES += runtime/mpi.c
endif
EXTRA_DIST += runtime/mpi.c doc/sweeps.md
include bench/million.mk
