# runtime/exec/local.mk: the executor: the run store and cache, training
# chunks and progress, runs.jsonl, shards and merge, MPI (runtime/exec/mpi.c
# is built only with --with-mpi).
libtmsl_rt_a_SOURCES += runtime/exec/exec.c runtime/exec/exec.h \
	runtime/exec/store.c runtime/exec/store.h runtime/exec/cache.c runtime/exec/cache.h \
	runtime/exec/exec_int.h runtime/exec/xctx.c runtime/exec/exec_cache.c runtime/exec/exec_train.c \
	runtime/exec/runs_json.c runtime/exec/json_out.c runtime/exec/safetensors.c runtime/exec/manifest.c runtime/exec/progress.c runtime/exec/progress.h \
	runtime/exec/shard.c runtime/exec/shard.h runtime/exec/merge.c runtime/exec/ranks.h
if HAVE_MPI
libtmsl_rt_a_SOURCES += runtime/exec/mpi.c runtime/exec/exec_mpi.c
endif
EXTRA_DIST += runtime/exec/mpi.c runtime/exec/exec_mpi.c doc/sweeps.md
include bench/million.mk
