/* lang/plan.h: the plan, the contract between the front end and the runtime.
 * Checking a program yields a plan: the set of unique runs (one per grid point
 * and repeat, deduplicated by identity), the grids ("groups") that outputs
 * read them through, the outputs themselves (plot, table, expect) and the
 * training batches (runs sharing kind, n, m and recipe). The runtime trains
 * the batches and then produces the outputs in order. A plan costs a few
 * words per run: runs point into shared pieces, read through the accessors
 * (plan_run.c), and no run's text is kept. */
#ifndef TMSL_PLAN_H
#define TMSL_PLAN_H
#include <stdint.h>
#include "diag.h"
#include "data.h"
#include "train.h"

struct ast_node;

/* One run: a fully resolved training job, kept to 32 bytes (a plan may
 * hold ten million). Its settings are shared pieces: a template (kind, data,
 * shape, recipe), an importance and a density array, its master seed (in
 * plan.seeds), the repeat index and, for an SAE, its model's run. The
 * accessors below derive the rest, settings text included, on demand. */
struct plan_run {
    uint64_t key;             /* hash of the settings text: the run's identity */
    int tmpl;                 /* its struct plan_tmpl */
    int imp, dens;            /* its importance and density (struct plan_vec) */
    int repeat;               /* repeat index 0..K-1 */
    int base;                 /* an SAE run: the run of the model it reads; else -1 */
    int seed;                 /* its master seed, in plan.seeds */
};

/* What runs of one grid share: every setting but importance, density,
 * master seed, repeat and base, and the statement that first asked for
 * them. No text: the settings text is formatted when asked for, and the
 * key continues from head_hash. */
struct plan_tmpl {
    const struct model_kind *kind;
    const struct data_gen *data;      /* as written: NULL for the kind's default */
    double data_arg[DATA_MAX_ARGS];
    int n, m;
    int span;                         /* the statement that first asked for its runs, in plan.spans */
    struct train_recipe recipe;
    double init_std;                  /* as resolved; the spec takes max(0, it) */
    uint64_t head_hash;               /* FNV-1a of the text's batch part ("{" kind, shape,
                                         recipe, data): the batch key, and where a key's
                                         hash continues from */
};

/* An array of n doubles and its JSON text "[...]", stored once per value. */
struct plan_vec {
    int n;
    double *v;
    char *text;
    size_t text_len;
};

/* One sweep axis of a group. */
struct plan_axis {
    char *name;               /* "sparsity", "density", "r", "lr", ... */
    int count;
    double *values;
    struct ast_span span;     /* the sweep statement */
};

/* A grid of runs read by outputs: product of axes (last axis fastest) x
 * repeats. A point's axis values follow from its index (plan_group_coord). */
struct plan_group {
    char *experiment;         /* experiment name, "" at top level */
    int naxes;
    struct plan_axis *axes;
    int npoints;              /* product of axis counts (1 without sweeps) */
    int nrepeat;              /* repeat K (1 by default) */
    int keep_best;            /* repeat K keep best: outputs read the lowest-loss run */
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
    int ntmpls;           struct plan_tmpl *tmpls;
    int nvecs;            struct plan_vec *vecs;
    int nspans;           struct ast_span *spans;
    int nseeds;           uint64_t *seeds;  /* master seeds, each stored once */
    double model_steps;   /* sum over runs of steps */
    uint64_t script_hash; /* hash of the program's resolved settings, for shard/merge checks */
};

void plan_free(struct plan *p);

/* ---- a run's settings, derived from its pieces ---- */

/* The training job of run r. An SAE run reading a model needs that model's
 * spec too: it is written to *base (when not NULL) and out->base points at
 * it; otherwise out->base is NULL. importance and density point into p. */
void plan_run_spec(const struct plan *p, int r, struct train_spec *out, struct train_spec *base);
/* The run's settings as one JSON object (its identity's text); malloc'd. */
char *plan_run_settings_json(const struct plan *p, int r);
/* The kernel that trains run r on this machine ("vx", "gemm/x5", ...,
 * train_kernel_label); 1 when its arithmetic is not the same everywhere,
 * and then the label is part of the run's identity. */
int plan_run_kernel(const struct plan *p, int r, char *buf, size_t size);
/* The identity hash (key, tmsl version and, see above, the kernel label)
 * and its 16 hex digits (the struct lets a caller print it in place:
 * plan_run_id(p, r).s). */
uint64_t plan_run_idhash(const struct plan *p, int r);
struct plan_id { char s[17]; };
struct plan_id plan_run_id(const struct plan *p, int r);
/* Run r's template, shared with the other runs of its settings. */
const struct plan_tmpl *plan_run_tmpl(const struct plan *p, int r);
/* The master seed the run's settings name (not the run's own seed, which
 * hashes all its settings: plan_run_spec). */
uint64_t plan_run_seed(const struct plan *p, int r);
const double *plan_run_importance(const struct plan *p, int r);
const double *plan_run_density(const struct plan *p, int r);
/* 1 - density[0], for labels. */
double plan_run_sparsity(const struct plan *p, int r);
const struct ast_span *plan_run_span(const struct plan *p, int r);
/* The value of axis a at point pt of group g (the last axis varies fastest). */
double plan_group_coord(const struct plan_group *g, int pt, int a);
/* Human-readable summary for --dry-run and :plan. */
void plan_print(const struct plan *p, FILE *out);

#endif
