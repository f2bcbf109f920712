/* runtime/report/figures.h: everything tmsl makes from trained runs: gnuplot figures
 * (a .gp script plus its data per plot statement), tables, the evaluation of
 * `expect` statements and a plain-text preview for the terminal. All of it
 * reads a plan and the results of its runs; nothing here trains. */
#ifndef TMSL_FIGURES_H
#define TMSL_FIGURES_H
#include <stdio.h>
#include "plan.h"
#include "train.h"

struct fig_env {
    const char *outdir;                  /* existing output directory */
    const struct plan *plan;
    const struct train_result *results;  /* [plan->nruns] */
    struct diag *diag;                   /* for errors at an output's span */
    const char *script;                  /* script path, for headers */
    int render;                          /* run gnuplot to render when available */
    FILE *msg;                           /* human notes (stderr), e.g. "gnuplot not found" once */
};

enum table_format { TABLE_TEXT, TABLE_CSV, TABLE_JSONL };

/* PLAN_PLOT: write OUTDIR/STEM.gp and OUTDIR/STEM.dat, render STEM.png.
 * 0 ok, -1 error (reported through e->diag). */
int fig_emit(struct fig_env *e, const struct plan_output *o);
/* PLAN_TABLE: print to out in format f and write OUTDIR/STEM.csv. 0 ok, -1 error. */
int table_emit(struct fig_env *e, const struct plan_output *o, FILE *out, enum table_format f);
/* PLAN_EXPECT: 0 holds, 1 fails (diagnosed), -1 error. */
int expect_eval(struct fig_env *e, const struct plan_output *o);
/* A plain-text look at a plot output's numbers, for terminals. 0 ok, -1 error. */
int fig_preview(struct fig_env *e, const struct plan_output *o, FILE *out);
/* gnuplot on PATH, or $GNUPLOT when set (set but empty means "none"). */
int gp_available(void);

#endif
