/* lang/plan.h: the plan, the contract between the front end and the runtime.
 * Checking a program yields a plan: the set of unique runs (one per grid point
 * and repeat, deduplicated by identity), the grids ("groups") that outputs
 * read them through, the outputs themselves (plot, table, expect) and the
 * training batches (runs sharing kind, n, m and recipe). The runtime trains
 * the batches and then produces the outputs in order. */
#ifndef TMSL_PLAN_H
#define TMSL_PLAN_H
#include <stdint.h>
#include "diag.h"
#include "train.h"

struct ast_node;

/* One run: a fully resolved training job. */
struct plan_run {
    struct train_spec spec;   /* importance/density point into run-owned arrays below */
    double *importance;       /* [n] */
    double *density;          /* [n] */
    double sparsity;          /* 1 - density[0], for labels */
    int repeat;               /* repeat index 0..K-1 */
    uint64_t key;             /* hash of resolved settings + repeat + master seed */
    char id[17];              /* 16 hex digits of the identity hash (key + tmsl version) */
    char *settings_json;      /* resolved settings as one JSON object (no W), for runs.jsonl */
    struct ast_span span;     /* the statement that first asked for it */
    int base;                 /* an SAE run: the run of the model it reads; else -1 */
};

/* One sweep axis of a group. */
struct plan_axis {
    char *name;               /* "sparsity", "density", "r", "lr", ... */
    int count;
    double *values;
    struct ast_span span;     /* the sweep statement */
};

/* A grid of runs read by outputs: product of axes (last axis fastest) x repeats. */
struct plan_group {
    char *experiment;         /* experiment name, "" at top level */
    int naxes;
    struct plan_axis *axes;
    int npoints;              /* product of axis counts (1 without sweeps) */
    int nrepeat;              /* repeat K (1 by default) */
    int keep_best;            /* repeat K keep best: outputs read the lowest-loss run */
    double *coords;           /* [npoints * naxes] axis values of each point */
    int *runs;                /* [npoints * nrepeat]: run index of (point p, repeat k) at p*nrepeat+k */
    const struct model_kind *kind;
    int n, m;
};

enum plan_output_kind { PLAN_PLOT, PLAN_TABLE, PLAN_EXPECT };

struct plan_output {
    enum plan_output_kind kind;
    struct ast_span span;     /* the whole statement */
    int group;
    int versus_group;         /* PLAN_PLOT of a figure with a `versus` kind (phase_compare):
                                 the same grid trained with that kind; else -1 */
    char *figure;             /* PLAN_PLOT: canonical figure name ("wtw", "phase", ...) */
    int figure_id;            /* PLAN_PLOT: its row of names_figures (enum names_figure_id) */
    char *stem;               /* output file stem: figure or "table", prefixed "EXP-" in an experiment,
                                 suffixed "-2", "-3" when the same stem repeats */
    int ncolumns;             /* PLAN_TABLE: metric names, none = defaults */
    char **columns;
    const struct ast_node *expr;   /* PLAN_EXPECT: the condition; owned by the program */
    char *text;               /* the statement's source text, for figure headers */
};

struct plan_batch {
    int nruns;
    int *runs;                /* run indices, all sharing kind, n, m, recipe */
};

struct plan {
    int nruns;            struct plan_run *runs;
    int ngroups;          struct plan_group *groups;
    int noutputs;         struct plan_output *outputs;
    int nbatches;         struct plan_batch *batches;
    double model_steps;   /* sum over runs of steps */
    uint64_t script_hash; /* hash of the program's resolved settings, for shard/merge checks */
};

void plan_free(struct plan *p);
/* Human-readable summary for --dry-run and :plan. */
void plan_print(const struct plan *p, FILE *out);

#endif
