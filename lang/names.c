/* lang/names.c: the front end's name catalogues and the "did you mean"
 * matcher. One table per kind of name, so a new figure or metric is one row
 * here (plus, for a figure, its emitter in the runtime's table of the same
 * length) and every message, check, listing and completion picks it up. Suggestions use the
 * Damerau-Levenshtein distance (a swap of two letters costs one), which
 * catches the usual typos ('sparsty', 'wtwt', 'modle'). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"
#include "util.h"

/* The statements, listed once: the help table and the word list (for
 * suggestions and reserved names) both expand from this list. */
#define NAMES_STATEMENT_LIST(X)                                                        \
    X(model, "model KIND n=N m=M;", "the model kind and shape")                        \
    X(importance, "importance EXPR;", "per-feature importance, in i, or a list")       \
    X(sparsity, "sparsity EXPR;", "probability a feature is zero, may use i")          \
    X(density, "density EXPR;", "1 - sparsity")                                        \
    X(train, "train NAME=VALUE ...;", "training parameters")                           \
    X(seed, "seed N;", "master seed")                                                  \
    X(sweep, "sweep NAME RANGE;", "a sweep axis: a..b lin|log K, or a list")           \
    X(unsweep, "unsweep [NAME];", "remove one sweep axis, or all")                     \
    X(repeat, "repeat K [keep best];", "K seeds per grid point")                       \
    X(let, "let NAME = EXPR;", "a variable")                                           \
    X(use, "use NAME;", "load NAME.tmsl from the search path")                         \
    X(data, "data NAME;", "the data generator")                                        \
    X(sae, "sae NAME=VALUE ...; / sae off;", "sparse autoencoders on the grid's models") \
    X(plot, "plot FIG, ...;", "figures")                                               \
    X(table, "table [COL, ...];", "a table of per-point metrics")                      \
    X(expect, "expect COND;", "a claim checked on the results")                        \
    X(experiment, "experiment NAME { ... }", "a scope whose outputs are named NAME-...")

#define NAMES_STMT_ENTRY(w, syntax, help) {#w, syntax, help},
#define NAMES_STMT_WORD(w, syntax, help) #w,
const struct names_statement names_statement_table[] = {
    NAMES_STATEMENT_LIST(NAMES_STMT_ENTRY) {NULL, NULL, NULL}};
const char *const names_statements[] = {NAMES_STATEMENT_LIST(NAMES_STMT_WORD) NULL};


/* The functions, listed once: the table and the word list (for suggestions
 * and reserved names) are both expanded from this list. */
#define NAMES_FUNCTION_LIST(X)                                  \
    X(exp, 1, 1, "e to the power x")                            \
    X(log, 1, 1, "natural logarithm")                           \
    X(sqrt, 1, 1, "square root")                                \
    X(abs, 1, 1, "absolute value")                              \
    X(min, 2, NAMES_VARIADIC, "smallest argument")              \
    X(max, 2, NAMES_VARIADIC, "largest argument")

static double names_fn_exp(const double *a, int n) { (void)n; return exp(a[0]); }
static double names_fn_log(const double *a, int n) { (void)n; return log(a[0]); }
static double names_fn_sqrt(const double *a, int n) { (void)n; return sqrt(a[0]); }
static double names_fn_abs(const double *a, int n) { (void)n; return fabs(a[0]); }

static double names_fn_min(const double *a, int n)
{
    double r = a[0];
    for (int k = 1; k < n; k++)
        r = fmin(r, a[k]);
    return r;
}

static double names_fn_max(const double *a, int n)
{
    double r = a[0];
    for (int k = 1; k < n; k++)
        r = fmax(r, a[k]);
    return r;
}

#define NAMES_FN_ENTRY(f, lo, hi, help) {#f, lo, hi, names_fn_##f, help},
#define NAMES_FN_WORD(f, lo, hi, help) #f,
const struct names_function names_function_table[] = {
    NAMES_FUNCTION_LIST(NAMES_FN_ENTRY) {NULL, 0, 0, NULL, NULL}};
const char *const names_functions[] = {NAMES_FUNCTION_LIST(NAMES_FN_WORD) NULL};

#define N_INT(lo, hi) {lo, hi, 0, 0, 1}
const struct names_setting names_settings[] = {
    {"n", N_INT(1, 100000), 1, "features"},
    {"m", N_INT(1, 100000), 1, "hidden dimensions"},
    {"sparsity", {0, 1, 0, 1, 0}, 1, "probability that a feature is zero"},
    {"density", {0, 1, 1, 0, 0}, 1, "1 - sparsity"},
    {"seed", N_INT(0, 9007199254740992.0), 1, "master seed; runs derive theirs from it"},
    {"repeat", N_INT(1, 1e7), 0, "seeds per grid point"},
    {"importance", {0, INFINITY, 0, 0, 0}, 0, "per-feature weight of the loss"},
    {NULL, {0, 0, 0, 0, 0}, 0, NULL}};

const struct names_figure names_figures[NAMES_FIG_COUNT] = {
    [NAMES_FIG_FEATURES2D] = {"features2d", "each feature's embedding as an arrow (m=2)", 2, 0,
                              {{0}}, 0, 1},
    [NAMES_FIG_WTW] = {"wtw", "W^T W as a heat map, with the biases", 0, 0, {{0}}, 0, 1},
    [NAMES_FIG_NORMS] = {"norms", "feature norms coloured by superposition", 0, 0, {{0}}, 0, 1},
    [NAMES_FIG_PHASE] = {"phase", "phase diagram beside the closed form", 0, 2,
                         {{2, 1}, {3, 2}}, 0, 0, MODEL_CAP_PHASE},
    [NAMES_FIG_DIMS] = {"dims", "dimensions per feature, m/||W||_F^2, along the sweep", 0, 0,
                        {{0}}, 0, 0},
    [NAMES_FIG_DIMENSIONALITY] = {"dimensionality", "feature dimensionalities D_i along the "
                                  "sweep", 0, 0, {{0}}, 0, 0},
    [NAMES_FIG_LOSS] = {"loss", "loss curves", 0, 0, {{0}}, 1, 0},
    /* feature geometry and robustness */
    [NAMES_FIG_GRAPH] = {"graph", "features as nodes, edges weighted by |W_i.W_j|, per grid "
                         "point", 0, 0, {{0}}, 0, 1},
    [NAMES_FIG_VULNERABILITY] = {"vulnerability", "adversarial vulnerability beside features "
                                 "per dimension, along the sweep", 0, 0, {{0}}, 0, 0},
    [NAMES_FIG_GEOMETRY_LOSS] = {"geometry_loss", "lowest loss of runs representing every "
                                 "feature and of runs dropping some, along the sweep", 0, 0,
                                 {{0}}, 0, 0},
    [NAMES_FIG_RECOVERY] = {"recovery", "SAE recovery (MMCS, matched cosine, share recovered) "
                            "and dead latents along the sweep", 0, 0, {{0}}, 0, 0, MODEL_CAP_SAE},
    [NAMES_FIG_SAE2D] = {"sae2d", "an SAE's decoder directions over the model's feature "
                         "directions (m=2), per grid point", 2, 0, {{0}}, 0, 1, MODEL_CAP_SAE},
    [NAMES_FIG_NEURONS] = {"neurons", "each hidden neuron's weights as bars stacked by feature",
                           0, 0, {{0}}, 0, 1, MODEL_CAP_NEURONS},
    [NAMES_FIG_DYNAMICS] = {"dynamics", "feature dimensionalities D_i and the loss against "
                            "the training step", 0, 0, {{0}}, 0, 1, 0, 1},
    /* finite training sets */
    [NAMES_FIG_DOUBLE_DESCENT] = {"double_descent", "test and training loss, ||W||_F, and "
                                  "feature vs data-point dimensionality along the sweep "
                                  "(log x)", 0, 0, {{0}}, 0, 0, 0, 0, 1},
    [NAMES_FIG_DATAPOINTS2D] = {"datapoints2d", "the training points' hidden vectors W x "
                                "beside the feature directions (m=2), per grid point", 2, 0,
                                {{0}}, 0, 1, 0, 0, 1},
    [NAMES_FIG_PHASE_COMPARE] = {"phase_compare", "the grid's theory and empirical phase "
                                 "diagrams beside the linear model's on the same grid", 0, 1,
                                 {{2, 1}}, 0, 0, MODEL_CAP_PHASE, 0, 0, "linear"},
};

#define M_POINT(id, name, help, dflt) {name, NAMES_POINT, 0, 0, help, NAMES_M_##id, dflt, -1}
#define M_SAE(id, name, help) {name, NAMES_POINT, 0, 0, help, NAMES_M_##id, 0, NAMES_FIG_RECOVERY}
#define M_FEATURE(id, name, help) {name, NAMES_FEATURE, 1, 1, help, NAMES_M_##id, 0, -1}
const struct names_metric names_metrics[] = {
    M_POINT(REPRESENTED, "represented", "features with norm >= 0.5", 1),
    M_POINT(SUPERPOSED, "superposed", "represented features sharing a direction", 1),
    M_POINT(DEDICATED, "dedicated", "represented features with a direction to themselves", 0),
    M_POINT(LOSS, "loss", "final training loss", 1),
    M_POINT(FROB2, "frob2", "squared Frobenius norm of W", 1),
    M_POINT(DIMS_PER_FEATURE, "dims_per_feature", "m / ||W||_F^2", 1),
    M_POINT(SUM_DIMS, "sum_dims", "sum of the feature dimensionalities", 0),
    M_POINT(NEGATIVE_BIASES, "negative_biases", "number of negative biases", 1),
    {"phase_agreement", NAMES_POINT, 0, 0, "share of phase cells matching theory",
     NAMES_M_PHASE_AGREEMENT, 0, NAMES_FIG_PHASE},
    /* geometry of the data's sets, and robustness */
    M_POINT(SET_COSINE, "set_cosine", "mean cosine of represented features within the data's "
            "sets (collapsed 1, antipodal -1)", 0),
    M_POINT(SET_OVERLAP, "set_overlap", "mean |cosine| of represented features within sets", 0),
    M_POINT(CROSS_OVERLAP, "cross_overlap", "mean |cosine| of represented features across "
            "sets", 0),
    M_POINT(VULNERABILITY, "vulnerability", "worst loss increase under an L2 attack along "
            "(W^T W)_i, relative to the optimal linear model", 0),
    M_FEATURE(NORM, "norm", "||W_i||"),
    M_FEATURE(BIAS, "bias", "b_i"),
    M_FEATURE(SUPERPOSITION, "superposition", "sum over j != i of (W^_i . W_j)^2"),
    M_FEATURE(DIM, "dim", "dimensionality D_i"),
    M_SAE(MMCS, "mmcs", "SAE: mean over true directions of the best |cos| to a decoder row"),
    M_SAE(MATCHED_COS, "matched_cos", "SAE: one-to-one (Hungarian) matched mean |cos|"),
    M_SAE(RECOVERED, "recovered", "SAE: share of true directions with best |cos| >= 0.9"),
    M_SAE(DEAD_LATENTS, "dead_latents", "SAE: latents never active on 4096 fresh examples"),
    M_SAE(L0, "l0", "SAE: mean number of active latents"),
    M_SAE(TRUE_L0, "true_l0", "SAE: mean number of present true directions"),
    M_SAE(RECON_MSE, "recon_mse", "SAE: mean squared reconstruction error per dimension"),
    M_SAE(EXPLAINED_VAR, "explained_var", "SAE: share of the input variance reconstructed"),
    {"monosemantic", NAMES_POINT, 0, 0, "live neurons with one feature holding >= 90% of "
     "their squared weight", NAMES_M_MONOSEMANTIC, 0, NAMES_FIG_NEURONS},
    {"features_per_neuron", NAMES_POINT, 0, 0, "mean over live neurons of the features holding "
     ">= 10% of their squared weight", NAMES_M_FEATURES_PER_NEURON, 0, NAMES_FIG_NEURONS},
    {"neurons_per_feature", NAMES_POINT, 0, 0, "mean over represented features of the neurons "
     "holding >= 10% of their squared weight", NAMES_M_NEURONS_PER_FEATURE, 0, NAMES_FIG_NEURONS},
    {"relu_pairs", NAMES_POINT, 0, 0, "features with a monosemantic neuron of each sign: "
     "ReLU(x) and ReLU(-x)", NAMES_M_RELU_PAIRS, 0, NAMES_FIG_NEURONS},
    {"dim_levels", NAMES_POINT, 0, 0, "share of the represented features' D_i in the last "
     "tenth of the snapshots within 0.03 of 1, 3/4, 2/3, 1/2, 2/5 or 1/3", NAMES_M_DIM_LEVELS, 0,
     NAMES_FIG_DYNAMICS},
    {"dim_jumps", NAMES_POINT, 0, 0, "snapshots where some D_i lands on a level other than "
     "its last one, the loss lower than when it left", NAMES_M_DIM_JUMPS, 0, NAMES_FIG_DYNAMICS},
    M_POINT(TEST_LOSS, "test_loss", "loss on 10000 fresh examples of the run's data (one "
            "fixed seed for every run)", 0),
    M_POINT(WNORM, "wnorm", "weight norm: the Frobenius norm ||W||_F of the feature "
            "directions", 0),
    M_POINT(DIM_MEAN, "dim_mean", "mean feature dimensionality D_i over represented "
            "features (0 without any)", 0),
    {"dx_mean", NAMES_POINT, 0, 0, "mean over the training points of their dimensionality "
     "D_x = ||h_x||^2 / sum_y (h^_x . h_y)^2, h_x = W x", NAMES_M_DX_MEAN, 0,
     NAMES_FIG_DOUBLE_DESCENT},
    {"dx_max", NAMES_POINT, 0, 0, "largest data-point dimensionality D_x", NAMES_M_DX_MAX, 0,
     NAMES_FIG_DOUBLE_DESCENT},
    {"min", NAMES_AGGREGATE, 1, 1, "smallest value over the points", NAMES_M_MIN, 0, -1},
    {"max", NAMES_AGGREGATE, 1, 1, "largest value over the points", NAMES_M_MAX, 0, -1},
    {"mean", NAMES_AGGREGATE, 1, 1, "mean value over the points", NAMES_M_MEAN, 0, -1},
    {"increasing", NAMES_MONOTONE, 1, 1, "non-decreasing along the sweep", NAMES_M_INCREASING, 0, -1},
    {"decreasing", NAMES_MONOTONE, 1, 1, "non-increasing along the sweep", NAMES_M_DECREASING, 0, -1},
    {NULL, NAMES_POINT, 0, 0, NULL, NAMES_M_COUNT, 0, -1}};

_Static_assert(sizeof names_metrics / sizeof *names_metrics == NAMES_M_COUNT + 1,
               "one metric row per enum names_metric_id");

int names_figure_find(const char *name)
{
    for (int k = 0; k < NAMES_FIG_COUNT; k++)
        if (strcmp(names_figures[k].name, name) == 0)
            return k;
    return -1;
}

const char *const *names_figure_words(void)
{
    static const char *words[NAMES_FIG_COUNT + 1];
    for (int k = 0; k < NAMES_FIG_COUNT; k++)
        words[k] = names_figures[k].name;
    return words;
}

int names_figure_fits(int id, const struct model_kind *k, int n, int m, char *why, size_t size)
{
    const struct names_figure *f = &names_figures[id];
    if (k && f->versus && strcmp(k->name, f->versus) == 0) {
        snprintf(why, size, "'%s' draws the grid beside model '%s' on the same grid; "
                 "this grid is '%s' already (use 'phase')", f->name, f->versus, f->versus);
        return 0;
    }
    if (k && (f->needs_caps & MODEL_CAP_SAE) && !(k->caps & MODEL_CAP_SAE)) {
        snprintf(why, size, "'%s' reads sparse autoencoders; write 'sae ...;' first", f->name);
        return 0;
    }
    if (k && (k->caps & f->needs_caps) != f->needs_caps) {
        if (f->needs_caps & MODEL_CAP_NEURONS)
            snprintf(why, size, "'%s' needs a hidden ReLU layer (relu-hidden or untied), "
                     "not model '%s'", f->name, k->name);
        else
            snprintf(why, size, "'%s' has no closed form for model '%s'", f->name, k->name);
        return 0;
    }
    if (f->m_exact && m != f->m_exact) {
        snprintf(why, size, "'%s' needs m=%d, got m=%d", f->name, f->m_exact, m);
        return 0;
    }
    if (f->nshapes == 0)
        return 1;
    struct sbuf b;
    sbuf_init(&b);
    for (int k = 0; k < f->nshapes; k++) {
        if (f->shapes[k][0] == n && f->shapes[k][1] == m) {
            sbuf_free(&b);
            return 1;
        }
        sbuf_printf(&b, "%sn=%d, m=%d", k == 0 ? "" : k == f->nshapes - 1 ? " or " : ", ",
                    f->shapes[k][0], f->shapes[k][1]);
    }
    snprintf(why, size, "'%s' needs %s, got n=%d, m=%d", f->name, b.s, n, m);
    sbuf_free(&b);
    return 0;
}

int names_metric_fits(const struct names_metric *m, const struct model_kind *k, int n, int mm,
                      char *why, size_t size)
{
    if (m->figure < 0 || names_figure_fits(m->figure, k, n, mm, why, size))
        return 1;
    char inner[160];
    snprintf(inner, sizeof inner, "%s", why);
    snprintf(why, size, m->figure == NAMES_FIG_PHASE ? "metric '%s' reads the '%s' figure's "
             "cells: %s" : "metric '%s' applies where figure '%s' does: %s", m->name,
             names_figures[m->figure].name, inner);
    return 0;
}

const char *const *names_metric_words(enum names_mkind kind)
{
    static const char *words[4][NAMES_M_COUNT + 1];
    int k = 0;
    for (const struct names_metric *m = names_metrics; m->name; m++)
        if (m->kind == kind)
            words[kind][k++] = m->name;
    words[kind][k] = NULL;
    return words[kind];
}

const struct names_setting *names_setting_find(const char *name)
{
    for (const struct names_setting *s = names_settings; s->name; s++)
        if (strcmp(s->name, name) == 0)
            return s;
    return NULL;
}

int names_value_ok(const char *name, double v, char *why, size_t size)
{
    const struct names_setting *s = names_setting_find(name);
    const struct params_def *p = s ? NULL : params_find_any(name);
    const struct params_range *rg = s ? &s->range : p && p->type != PARAMS_CHOICE ? &p->range
                                                                                 : NULL;
    if (!rg || params_range_ok(rg, v))
        return 1;
    params_range_why(rg, v, why, size);
    return 0;
}

int names_index(const char *const *list, const char *word)
{
    for (int k = 0; list[k]; k++)
        if (strcmp(list[k], word) == 0)
            return k;
    return -1;
}

const struct names_function *names_function_find(const char *name)
{
    for (const struct names_function *f = names_function_table; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
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
