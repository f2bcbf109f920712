/* runtime/report/figures.h: everything tmsl makes from trained runs: gnuplot figures
 * (a .gp script plus its data per plot statement), tables, the evaluation of
 * `expect` statements and a plain-text preview for the terminal. All of it
 * reads a plan and the results of its runs; nothing here trains. */
#ifndef TMSL_FIGURES_H
#define TMSL_FIGURES_H
#include <stdio.h>
#include "plan.h"
#include "train.h"

/* What one `expect` measured, kept for the report page and the manifest. */
struct fig_claim {
    int output;          /* index of the PLAN_EXPECT output */
    int holds;           /* 1 holds, 0 fails, -1 could not be evaluated */
    char *measured;      /* "measured 5" or the failure's words */
};
struct fig_claims { int n; struct fig_claim *v; };
void fig_claims_free(struct fig_claims *c);

struct fig_env {
    const char *outdir;                  /* existing output directory */
    const struct plan *plan;
    const struct train_result *results;  /* [plan->nruns], or NULL: see result_of */
    struct diag *diag;                   /* for errors at an output's span */
    const char *script;                  /* script path, for headers */
    int render;                          /* run gnuplot to render when available */
    FILE *msg;                           /* human notes (stderr), e.g. "gnuplot not found" once */
    struct fig_claims *claims;           /* expect results are appended here (may be NULL) */
    const char *overrides;               /* "-D steps=500 --seed 3", or NULL: headers, titles */
    /* [plan->nruns] pointers (NULL: not trained) instead of results: the
     * executor points into its store rather than copy a million results */
    const struct train_result *const *result_of;
};

/* Run `run`'s result (an empty one, no weights, if it has none). */
const struct train_result *fig_result(const struct fig_env *e, int run);
/* Whether e holds results at all (a preview may have none). */
int fig_has_results(const struct fig_env *e);

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
/* Record a claim's result in e->claims (no-op when NULL). */
void fig_claim_note(struct fig_env *e, const struct plan_output *o, int holds, const char *what);

/* What the report page shows beside the outputs. */
struct report_info {
    const char *script_name;     /* as given */
    const char *script_text;     /* may be NULL */
    size_t script_len;
    long runs, trained, reused, failed;
    int status;                  /* the plan's exit status so far */
};
/* OUTDIR/index.html: figures, tables, claims, script, overrides. 0 ok, -1 error. */
int report_html_write(struct fig_env *e, const struct report_info *info);

/* gnuplot on PATH, or $GNUPLOT when set (set but empty means "none"). */
int gp_available(void);

#endif
