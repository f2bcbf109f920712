/* lang/names.h: the catalogues of tmsl's names: statements, settings and
 * training parameters, figures, model kinds, optimizers, schedules and the
 * metrics that `table` and `expect` may name. The front end checks scripts
 * against these tables; the runtime reuses them (metric kinds, arities). */
#ifndef TMSL_NAMES_H
#define TMSL_NAMES_H

/* A NULL-terminated list of words. */
extern const char *const names_statements[];
extern const char *const names_figures[];
extern const char *const names_optimizers[]; /* index = enum train_optim */
extern const char *const names_schedules[];  /* index = enum train_sched */
extern const char *const names_functions[];  /* exp log sqrt abs min max */

/* Training parameters of `train` (and -D). */
enum names_ptype { NAMES_INT, NAMES_REAL, NAMES_OPTIM, NAMES_SCHED };
struct names_param {
    const char *name;
    const char *alias;      /* e.g. "wd" for weight_decay, or NULL */
    enum names_ptype type;
    double def;             /* default (enum index for OPTIM/SCHED) */
};
extern const struct names_param names_params[];   /* terminated by name == NULL */
const struct names_param *names_param_find(const char *name);

/* Metrics. */
enum names_mkind {
    NAMES_POINT,     /* one value per grid point: loss, represented, ... */
    NAMES_FEATURE,   /* per feature, first argument the feature index: norm(i) */
    NAMES_AGGREGATE, /* over the points of a group: min(x), max(x), mean(x) */
    NAMES_MONOTONE   /* increasing(metric), decreasing(metric), optional tol=K */
};
struct names_metric {
    const char *name;
    enum names_mkind kind;
    int min_args, max_args; /* positional arguments */
    const char *help;
};
extern const struct names_metric names_metrics[];  /* terminated by name == NULL */
const struct names_metric *names_metric_find(const char *name);

/* Index of word in a NULL-terminated list, or -1. */
int names_index(const char *const *list, const char *word);
/* The closest candidate to word (edit distance <= 2, or <= 1 for short
 * words), or NULL. */
const char *names_suggest(const char *word, const char *const *list);
int names_distance(const char *a, const char *b);

#endif
