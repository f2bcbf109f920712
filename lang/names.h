/* lang/names.h: the catalogues of tmsl's names that the front end owns:
 * statements, the settings outside `train` (model shape, features, seed,
 * repeat), figures, functions and metrics. Training parameters are
 * catalogued beside the recipe they fill (runtime/train/params.h) and model
 * kinds beside their descriptors; this header re-exports what the checker
 * needs. The checker, the planner, the runtime's figure, table and claim
 * code, `--list`, `:help`, completion and the language reference's tables
 * (tested against these) all derive from the tables here. */
#ifndef TMSL_NAMES_H
#define TMSL_NAMES_H
#include <limits.h>
#include "model.h"
#include "params.h"

/* A NULL-terminated list of words. */
extern const char *const names_statements[];   /* names of names_statement_table */
struct names_statement {
    const char *name;
    const char *syntax;
    const char *help;
};
extern const struct names_statement names_statement_table[]; /* terminated by name == NULL */
extern const char *const names_functions[];  /* names of names_function_table */

/* Functions over numbers, applied element by element when their arguments
 * are values over grid points. apply() gets all nargs arguments, so a
 * variadic function is no different from a unary one. */
#define NAMES_VARIADIC INT_MAX  /* max_args of a function without an upper bound */
struct names_function {
    const char *name;
    int min_args, max_args;
    double (*apply)(const double *args, int nargs);
    const char *help;
};
extern const struct names_function names_function_table[]; /* terminated by name == NULL */
const struct names_function *names_function_find(const char *name);

/* Settings outside `train`: what they are, their range, whether a sweep may
 * vary them. */
struct names_setting {
    const char *name;
    struct params_range range;
    int sweepable;
    const char *help;
};
extern const struct names_setting names_settings[];  /* terminated by name == NULL */
const struct names_setting *names_setting_find(const char *name);

/* Figures. The enum indexes the table; the runtime's emitters are a table
 * of the same length, tied to this one at compile time. */
enum names_figure_id {
    NAMES_FIG_FEATURES2D, NAMES_FIG_WTW, NAMES_FIG_NORMS, NAMES_FIG_PHASE,
    NAMES_FIG_DIMS, NAMES_FIG_DIMENSIONALITY, NAMES_FIG_LOSS,
    NAMES_FIG_GRAPH, NAMES_FIG_VULNERABILITY, NAMES_FIG_GEOMETRY_LOSS,
    NAMES_FIG_RECOVERY, NAMES_FIG_SAE2D, NAMES_FIG_NEURONS, NAMES_FIG_DYNAMICS,
    NAMES_FIG_DOUBLE_DESCENT, NAMES_FIG_DATAPOINTS2D,
    NAMES_FIG_PHASE_COMPARE,
    NAMES_FIG_COUNT
};
struct names_figure {
    const char *name;
    const char *help;
    int m_exact;                /* the model must have this m (0: any) */
    int nshapes;                /* or one of these (n, m) shapes (0: any) */
    int shapes[4][2];
    int needs_curves;           /* draws loss curves, so runs keep them */
    int per_point;              /* one panel per grid point (else along the sweep) */
    unsigned needs_caps;        /* MODEL_CAP_* the model kind must have */
    int needs_snapshots;        /* reads weights taken during training (train snapshots=K) */
    int needs_dataset;          /* reads the training set (train dataset=T) */
    const char *versus;         /* also trains the same grid with this model kind, which
                                   the grid's own kind must not be (NULL: none) */
};
extern const struct names_figure names_figures[NAMES_FIG_COUNT];
int names_figure_find(const char *name);            /* -1 when unknown */
const char *const *names_figure_words(void);        /* NULL-terminated names */
/* Whether figure id fits a model of this kind and shape n x m; else a
 * message in why. */
int names_figure_fits(int id, const struct model_kind *k, int n, int m, char *why, size_t size);

/* Metrics. */
enum names_mkind {
    NAMES_POINT,     /* one value per grid point: loss, represented, ... */
    NAMES_FEATURE,   /* per feature, first argument the feature index: norm(i) */
    NAMES_AGGREGATE, /* over the points of a group: min(x), max(x), mean(x) */
    NAMES_MONOTONE   /* increasing(metric), decreasing(metric), optional tol=K */
};
enum names_metric_id {
    NAMES_M_REPRESENTED, NAMES_M_SUPERPOSED, NAMES_M_DEDICATED, NAMES_M_LOSS, NAMES_M_FROB2,
    NAMES_M_DIMS_PER_FEATURE, NAMES_M_SUM_DIMS, NAMES_M_NEGATIVE_BIASES,
    NAMES_M_PHASE_AGREEMENT,
    NAMES_M_SET_COSINE, NAMES_M_SET_OVERLAP, NAMES_M_CROSS_OVERLAP, NAMES_M_VULNERABILITY,
    NAMES_M_NORM, NAMES_M_BIAS, NAMES_M_SUPERPOSITION, NAMES_M_DIM,
    NAMES_M_MMCS, NAMES_M_MATCHED_COS, NAMES_M_RECOVERED, NAMES_M_DEAD_LATENTS, NAMES_M_L0,
    NAMES_M_TRUE_L0, NAMES_M_RECON_MSE, NAMES_M_EXPLAINED_VAR,
    NAMES_M_MONOSEMANTIC, NAMES_M_FEATURES_PER_NEURON, NAMES_M_NEURONS_PER_FEATURE,
    NAMES_M_RELU_PAIRS,
    NAMES_M_DIM_LEVELS, NAMES_M_DIM_JUMPS,
    NAMES_M_TEST_LOSS, NAMES_M_WNORM, NAMES_M_DIM_MEAN, NAMES_M_DX_MEAN, NAMES_M_DX_MAX,
    NAMES_M_MIN, NAMES_M_MAX, NAMES_M_MEAN, NAMES_M_INCREASING, NAMES_M_DECREASING,
    NAMES_M_COUNT
};
struct names_metric {
    const char *name;
    enum names_mkind kind;
    int min_args, max_args; /* positional arguments */
    const char *help;
    enum names_metric_id id;
    int table_default;      /* a column of a bare `table;` */
    int figure;             /* it needs what this figure needs (a names_figure_id), or -1 */
};
extern const struct names_metric names_metrics[];  /* terminated by name == NULL */
const struct names_metric *names_metric_find(const char *name);
/* Whether metric m applies to a model of this kind and shape; else why. */
int names_metric_fits(const struct names_metric *m, const struct model_kind *k, int n, int mm,
                      char *why, size_t size);
/* Names of the metrics of one kind, NULL-terminated (static storage). */
const char *const *names_metric_words(enum names_mkind kind);

/* Index of word in a NULL-terminated list, or -1. */
int names_index(const char *const *list, const char *word);
/* The closest candidate to word (edit distance <= 2, or <= 1 for short
 * words), or NULL. */
const char *names_suggest(const char *word, const char *const *list);
int names_distance(const char *a, const char *b);

/* Whether v is allowed for a setting or training parameter called name; if
 * not, the reason ("must be positive") in why. Unknown names are allowed. */
int names_value_ok(const char *name, double v, char *why, size_t size);

#endif
