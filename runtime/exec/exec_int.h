/* runtime/exec/exec_int.h: what the executor's files share: one execution
 * of a plan (struct xctx) and the jobs it is split into, one file each:
 * the run cache, training, runs.jsonl, MPI. Internal to runtime/exec. */
#ifndef TMSL_EXEC_INT_H
#define TMSL_EXEC_INT_H
#include "config.h"
#include "exec.h"
#include "store.h"

struct xctx {
    struct exec_store *s;
    const struct plan *p;
    struct diag *d;
    const struct exec_options *o;
    char *runs_dir;          /* OUTDIR/runs */
    uint64_t *ids;           /* [nruns] identities (plan_run_idhash) */
    unsigned char *need;     /* [nruns] 1: owned and still to be trained */
    int keep_curve;          /* keep loss curves in memory */
    int index, count;        /* owned slice: shard or MPI rank (1-based) */
    int nowned;
    long trained, reused, failed, cache_bad;
    int cache_warned;
    struct timespec scanned; /* mtime of runs_dir when this process last read it */
};


/* xctx.c: set up and free one execution; ownership and what is needed. */
void exec_xctx_init(struct xctx *x, struct exec_store *s, const struct plan *p, struct diag *d,
                    const struct exec_options *o);
void exec_xctx_free(struct xctx *x);
int exec_owns(const struct xctx *x, int i);
int exec_count_need(const struct xctx *x);
/* exec_cache.c: fill needed runs from the caches; write finished ones. */
void exec_load_caches(struct xctx *x);
void exec_persist_runs(struct xctx *x, const int *idx, int n);
/* Processes sharing OUTDIR take turns per training batch: an flock on
 * runs/lock-KEY (KEY: the runs of the batch this process owns). Returns the
 * lock's descriptor, -1 if busy (wait=0) or interrupted, -2 if locking is
 * not possible here (train anyway). Then exec_refresh_cache() reads what
 * the others stored meanwhile. */
int exec_lock_batch(struct xctx *x, const struct plan_batch *b, int wait);
void exec_unlock_batch(int fd);
void exec_refresh_cache(struct xctx *x);
/* exec_train.c: train every needed run; failed count, -1 if cancelled. */
int exec_train_missing(struct xctx *x);
/* runs_json.c: OUTDIR/runs.jsonl, every run of the plan in plan order
 * (schema in doc/results.md); JSON strings and numbers (null for NaN). */
#define EXEC_RUNS_SCHEMA 1
int exec_write_runs_jsonl(const struct xctx *x);
void exec_json_string(FILE *fp, const char *str);
void exec_json_number(FILE *fp, double v);
/* safetensors.c: OUTDIR/weights-G.safetensors, one file per group. */
int exec_write_safetensors(const struct xctx *x);
/* manifest.c: the names of outputs ("relu-wtw", "expect:12"), the
 * overrides as a command line ("-D steps=500 --seed 3", "" without), and
 * OUTDIR/manifest.json. */
char *exec_output_name(const struct xctx *x, int output);
char *exec_overrides_text(const struct exec_source *src);
struct fig_claims;
int exec_write_manifest(const struct xctx *x, const struct fig_claims *claims, int status);
#ifdef HAVE_MPI
/* exec_mpi.c: a rank sends its slice; rank 0 gathers every slice. */
void exec_mpi_send_slice(struct xctx *x, int status);
int exec_mpi_gather(struct xctx *x, int status);
#endif

#endif
