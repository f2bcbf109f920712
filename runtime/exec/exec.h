/* runtime/exec/exec.h: the plan executor.
 * Trains whatever runs of a plan are not yet trained (in batches, on the
 * trainer's threads), keeps their results in a store that outlives one plan
 * (the REPL trains a run once per session) and in the run cache under
 * OUTDIR/runs (a later tmsl trains only what is missing), writes runs.jsonl,
 * and produces the plan's outputs in order: figures, tables, checked
 * expectations. A plan may also be split: shard i of N trains its slice and
 * writes a manifest for `tmsl merge`; under MPI every rank trains its slice
 * and rank 0 gathers the results and produces the outputs. */
#ifndef TMSL_EXEC_H
#define TMSL_EXEC_H
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include "diag.h"
#include "plan.h"
#include "train.h"

struct exec_store;   /* trained runs by identity */

/* The script a plan came from, recorded in shard manifests. */
struct exec_source {
    const char *name;            /* as given on the command line */
    const char *path;            /* absolute path, "" for standard input */
    const char *text;
    size_t len;
    int nover;                   /* -D overrides */
    const char *const *over_name, *const *over_value;
    int have_seed;               /* --seed */
    uint64_t seed;
};

struct exec_options {
    const char *outdir;      /* created if missing */
    const char *script;      /* script name for figure headers */
    int threads;             /* trainer threads */
    int quiet;               /* no progress, no notes */
    int render;              /* render figures when gnuplot exists */
    int table_format;        /* enum table_format */
    int fail_fast;           /* stop at the first failed run */
    FILE *out;               /* tables go here (stdout) */
    FILE *msg;               /* progress and notes (stderr) */
    /* sweeps at scale; zero is the plain single-process behaviour */
    int force;               /* retrain runs even when stored or cached */
    double save_every;       /* seconds of training between cache writes; 0: after
                                every round of `threads` runs */
    int shard_index, shard_count;   /* train only shard index/count (1-based) */
    const struct exec_source *source;   /* for the shard manifest */
    int no_train;            /* merge: every run must come from a cache */
    int ncache_dirs;         /* merge: further run caches to read */
    const char *const *cache_dirs;
    int rank, nranks;        /* MPI: this process's rank of nranks (nranks <= 1: none) */
};

/* The one cancel flag: set by SIGINT, read by the trainer between steps. */
extern volatile sig_atomic_t exec_cancel;

struct exec_store *exec_store_new(void);
void exec_store_free(struct exec_store *s);
/* The trained result of a run, or NULL; valid until the next run is stored. */
const struct train_result *exec_store_get(const struct exec_store *s, const struct plan_run *r);

/* Run a plan. Returns 0 when everything trained and every expectation held,
 * 1 when a run failed or an expectation did not hold, 2 on a script error
 * found at run time, 130 when cancelled. */
int exec_plan(struct exec_store *s, const struct plan *p, struct diag *d,
              const struct exec_options *o);
/* Before anything trains: OUTDIR and OUTDIR/runs exist (made if need be)
 * and take a new file. 0, or 2 after reporting why not. */
int exec_check_outdir(const char *outdir, struct diag *d);

void exec_install_sigint(void);

/* `tmsl merge DIR...`: check the shard manifests under dirs belong to one
 * script and cover every shard, re-plan the script from its manifest, and
 * produce its outputs in o->outdir (default dirs[0]) from the shards' run
 * caches, training nothing. Exit status as exec_plan's. */
int exec_merge(int ndirs, char *const *dirs, const char *exe_dir, struct diag *d,
               const struct exec_options *o);

#endif
