/* runtime/exec.h: the plan executor.
 * Trains whatever runs of a plan are not yet trained (in batches, on the
 * trainer's threads), keeps their results in a store that outlives one plan
 * (the REPL trains a run once per session), writes runs.jsonl, and produces
 * the plan's outputs in order: figures, tables, checked expectations. */
#ifndef TMSL_EXEC_H
#define TMSL_EXEC_H
#include <signal.h>
#include <stdio.h>
#include "diag.h"
#include "plan.h"
#include "train.h"

struct exec_store;   /* trained runs by identity */

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
};

/* The one cancel flag: set by SIGINT, read by the trainer between steps. */
extern volatile sig_atomic_t exec_cancel;

struct exec_store *exec_store_new(void);
void exec_store_free(struct exec_store *s);
/* The trained result of a run, or NULL. */
const struct train_result *exec_store_get(const struct exec_store *s, const struct plan_run *r);

/* Run a plan. Returns 0 when everything trained and every expectation held,
 * 1 when a run failed or an expectation did not hold, 2 on a script error
 * found at run time, 130 when cancelled. */
int exec_plan(struct exec_store *s, const struct plan *p, struct diag *d,
              const struct exec_options *o);

void exec_install_sigint(void);

#endif
