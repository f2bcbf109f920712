/* lang/names.c: tmsl's name catalogues and the "did you mean" matcher.
 * One table per kind of name, so a new figure or metric is one line here and
 * every message, check and completion picks it up. Suggestions use the
 * Damerau-Levenshtein distance (a swap of two letters costs one), which
 * catches the usual typos ('sparsty', 'wtwt', 'modle'). */
#include <stdlib.h>
#include <string.h>
#include "names.h"

const char *const names_statements[] = {
    "model", "importance", "sparsity", "density", "train", "seed", "sweep", "unsweep",
    "repeat", "let", "use", "data", "plot", "table", "expect", "experiment", NULL};

const char *const names_figures[] = {
    "features2d", "wtw", "norms", "phase", "dims", "dimensionality", "loss", NULL};

const char *const names_optimizers[] = {"adamw", "adam", "sgd", NULL};
const char *const names_schedules[] = {"constant", "linear", "cosine", NULL};
const char *const names_functions[] = {"exp", "log", "sqrt", "abs", "min", "max", NULL};

const struct names_param names_params[] = {
    {"steps", NULL, NAMES_INT, 10000},
    {"batch", NULL, NAMES_INT, 1024},
    {"lr", NULL, NAMES_REAL, 1e-3},
    {"optimizer", NULL, NAMES_OPTIM, 0},
    {"schedule", NULL, NAMES_SCHED, 0},
    {"beta1", NULL, NAMES_REAL, 0.9},
    {"beta2", NULL, NAMES_REAL, 0.999},
    {"eps", NULL, NAMES_REAL, 1e-8},
    {"weight_decay", "wd", NAMES_REAL, 0.01},
    {"momentum", NULL, NAMES_REAL, 0},
    {"init", NULL, NAMES_REAL, 0},
    {"log_every", NULL, NAMES_INT, 100},
    {NULL, NULL, NAMES_INT, 0}};

const struct names_metric names_metrics[] = {
    {"represented", NAMES_POINT, 0, 0, "features with norm >= 0.5"},
    {"superposed", NAMES_POINT, 0, 0, "represented features sharing a direction"},
    {"dedicated", NAMES_POINT, 0, 0, "represented features with a direction to themselves"},
    {"loss", NAMES_POINT, 0, 0, "final training loss"},
    {"frob2", NAMES_POINT, 0, 0, "squared Frobenius norm of W"},
    {"dims_per_feature", NAMES_POINT, 0, 0, "m / ||W||_F^2"},
    {"sum_dims", NAMES_POINT, 0, 0, "sum of the feature dimensionalities"},
    {"negative_biases", NAMES_POINT, 0, 0, "number of negative biases"},
    {"phase_agreement", NAMES_POINT, 0, 0, "share of phase cells matching theory"},
    {"norm", NAMES_FEATURE, 1, 1, "||W_i||"},
    {"bias", NAMES_FEATURE, 1, 1, "b_i"},
    {"superposition", NAMES_FEATURE, 1, 1, "sum over j != i of (W^_i . W_j)^2"},
    {"dim", NAMES_FEATURE, 1, 1, "dimensionality D_i"},
    {"min", NAMES_AGGREGATE, 1, 1, "smallest value over the points"},
    {"max", NAMES_AGGREGATE, 1, 1, "largest value over the points"},
    {"mean", NAMES_AGGREGATE, 1, 1, "mean value over the points"},
    {"increasing", NAMES_MONOTONE, 1, 1, "non-decreasing along the sweep"},
    {"decreasing", NAMES_MONOTONE, 1, 1, "non-increasing along the sweep"},
    {NULL, NAMES_POINT, 0, 0, NULL}};

int names_index(const char *const *list, const char *word)
{
    for (int k = 0; list[k]; k++)
        if (strcmp(list[k], word) == 0)
            return k;
    return -1;
}

const struct names_param *names_param_find(const char *name)
{
    for (const struct names_param *p = names_params; p->name; p++)
        if (strcmp(p->name, name) == 0 || (p->alias && strcmp(p->alias, name) == 0))
            return p;
    return NULL;
}

const struct names_metric *names_metric_find(const char *name)
{
    for (const struct names_metric *m = names_metrics; m->name; m++)
        if (strcmp(m->name, name) == 0)
            return m;
    return NULL;
}

int names_distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 64 || lb > 64)
        return 99;
    int d[65][65];
    for (int i = 0; i <= la; i++)
        d[i][0] = i;
    for (int j = 0; j <= lb; j++)
        d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v)
                v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

const char *names_suggest(const char *word, const char *const *list)
{
    int len = (int)strlen(word);
    int limit = len <= 2 ? 0 : len <= 4 ? 1 : len <= 7 ? 2 : 3;
    const char *best = NULL;
    int bestd = limit + 1;
    for (int k = 0; list[k]; k++) {
        int dd = names_distance(word, list[k]);
        if (dd < bestd) {
            bestd = dd;
            best = list[k];
        }
    }
    return best;
}
