/* runtime/report/values.c: the value of a metric for one run and at one
 * grid point. Per-run metrics are a table indexed by the catalogue's
 * enum names_metric_id (lang/names.h), so a metric is one row of the
 * catalogue plus one function here; a point's value is the kept run's under
 * keep best, else the mean over the usable repeats; phase_agreement is a
 * property of the whole grid (phase_cells.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"
#include "dataset.h"
#include "model.h"
#include "values_geom.h"
#include "sae.h"

/* What a per-run metric reads: the run and, unless it needs none, the
 * metrics of its feature directions. */
struct values_run {
    const struct train_result *r;
    const struct train_metrics *mt;
    int idx;                     /* the feature, for per-feature metrics */
    const struct train_spec *sp; /* its settings: data, density, importance */
    const struct fig_env *e;     /* SAE metrics: the plan and the base model's run */
    int run;
};

static double values_count(const struct values_run *v, int want_sup, int sup_value)
{
    int c = 0;
    for (int i = 0; i < v->mt->n; i++) {
        int repr = v->mt->norm[i] >= FIG_REPR_NORM;
        int sup = v->mt->superpos[i] >= FIG_SUPERPOS_CUT;
        c += repr && (!want_sup || sup == sup_value);
    }
    return c;
}

static double v_represented(const struct values_run *v) { return values_count(v, 0, 0); }
static double v_superposed(const struct values_run *v) { return values_count(v, 1, 1); }
static double v_dedicated(const struct values_run *v) { return values_count(v, 1, 0); }
static double v_loss(const struct values_run *v) { return v->r->final_loss; }
static double v_frob2(const struct values_run *v) { return v->mt->frob2; }
static double v_norm(const struct values_run *v) { return v->mt->norm[v->idx]; }
static double v_superposition(const struct values_run *v) { return v->mt->superpos[v->idx]; }
static double v_dim(const struct values_run *v) { return v->mt->dim[v->idx]; }

static double v_dims_per_feature(const struct values_run *v)
{
    return v->mt->frob2 > 0 ? v->mt->m / v->mt->frob2 : INFINITY;
}

static double v_sum_dims(const struct values_run *v)
{
    double s = 0;
    for (int i = 0; i < v->mt->n; i++)
        s += v->mt->dim[i];
    return s;
}

static double v_bias(const struct values_run *v)
{
    const float *b = train_tensor(v->r, "b", NULL, NULL);
    return b ? b[v->idx] : NAN;
}

static double v_negative_biases(const struct values_run *v)
{
    const float *b = train_tensor(v->r, "b", NULL, NULL);
    double s = 0;
    if (!b)
        return NAN;
    for (int i = 0; i < v->r->n; i++)
        s += b[i] < FIG_NEG_BIAS;
    return s;
}

static double v_set_cosine(const struct values_run *v)
{
    double s[3];
    values_set_cosines(v->r, v->sp, s);
    return s[0];
}

static double v_set_overlap(const struct values_run *v)
{
    double s[3];
    values_set_cosines(v->r, v->sp, s);
    return s[1];
}

static double v_cross_overlap(const struct values_run *v)
{
    double s[3];
    values_set_cosines(v->r, v->sp, s);
    return s[2];
}

static double v_vulnerability(const struct values_run *v)
{
    return values_vulnerability(v->r, v->sp);
}

/* An SAE run measured against its source (sae_eval.c); NaN for other
 * runs, or without the plan (the base model's weights come from its run,
 * or are retrained when that run is not at hand). */
static int v_sae_eval(const struct values_run *v, struct sae_eval *ev)
{
    if (!v->e || !v->e->plan || v->r->kind != &model_sae)
        return -1;
    const struct plan_run *pr = &v->e->plan->runs[v->run];
    const float *base_p = pr->base >= 0 && fig_run_usable(v->e, pr->base)
                              ? fig_result(v->e, pr->base)->p : NULL;
    struct train_spec sp, base;
    plan_run_spec(v->e->plan, v->run, &sp, &base);
    return sae_evaluate(&sp, v->r->p, base_p, ev);
}

#define V_SAE(fn, expr)                                                   \
    static double fn(const struct values_run *v)                          \
    {                                                                     \
        struct sae_eval ev;                                               \
        return v_sae_eval(v, &ev) == 0 ? (double)(expr) : NAN;            \
    }
V_SAE(v_mmcs, ev.mmcs)
V_SAE(v_matched_cos, ev.matched)
V_SAE(v_recovered, ev.recovered)
V_SAE(v_dead_latents, ev.dead)
V_SAE(v_l0, ev.l0)
V_SAE(v_true_l0, ev.true_l0)
V_SAE(v_recon_mse, ev.mse)
V_SAE(v_explained_var, ev.explained)
static double v_monosemantic(const struct values_run *v) { return fig_monosemantic(v->r); }
static double v_features_per_neuron(const struct values_run *v)
{
    return fig_features_per_neuron(v->r);
}
static double v_neurons_per_feature(const struct values_run *v)
{
    return fig_neurons_per_feature(v->r);
}
static double v_relu_pairs(const struct values_run *v) { return fig_relu_pairs(v->r); }
static double v_dim_levels(const struct values_run *v) { return fig_dim_levels(v->r); }
static double v_dim_jumps(const struct values_run *v) { return fig_dim_jumps(v->r); }

/* Finite training sets (dataset.h): the loss on fresh data, the norm of
 * W, and the dimensionalities of the features and of the training points. */
static double v_test_loss(const struct values_run *v)
{
    return v->sp ? train_test_loss(v->sp, v->r->p) : NAN;
}

static double v_wnorm(const struct values_run *v) { return sqrt(v->mt->frob2); }

static double v_dim_mean(const struct values_run *v)
{
    double s = 0;
    int c = 0;
    for (int i = 0; i < v->mt->n; i++)
        if (v->mt->norm[i] >= FIG_REPR_NORM)
            s += v->mt->dim[i], c++;
    return c ? s / c : 0;
}

/* The mean (want_max 0) or largest D_x over the run's training points. */
static double values_dx(const struct values_run *v, int want_max)
{
    double *dx, *hn, r = NAN;
    int count = v->sp ? train_point_dims(v->sp, v->r->p, &dx, &hn) : 0;
    for (int a = 0; a < count; a++) {
        double d = dx[a];
        r = a == 0 ? d : want_max ? fmax(r, d) : r + d;
    }
    if (count > 0 && !want_max)
        r /= count;
    if (count > 0)
        free(dx), free(hn);
    return r;
}

static double v_dx_mean(const struct values_run *v) { return values_dx(v, 0); }
static double v_dx_max(const struct values_run *v) { return values_dx(v, 1); }

struct values_def {
    double (*of)(const struct values_run *v);
    int needs_dirs;              /* reads the metrics of the feature directions */
    int sampled;                 /* draws its own inputs: too dear for every record */
};

/* One row per per-run metric of the catalogue; the others (phase_agreement,
 * aggregates, monotone checks) are not values of a single run. */
static const struct values_def values_table[NAMES_M_COUNT] = {
    [NAMES_M_REPRESENTED] = {v_represented, 1},
    [NAMES_M_SUPERPOSED] = {v_superposed, 1},
    [NAMES_M_DEDICATED] = {v_dedicated, 1},
    [NAMES_M_LOSS] = {v_loss, 0},
    [NAMES_M_FROB2] = {v_frob2, 1},
    [NAMES_M_DIMS_PER_FEATURE] = {v_dims_per_feature, 1},
    [NAMES_M_SUM_DIMS] = {v_sum_dims, 1},
    [NAMES_M_NEGATIVE_BIASES] = {v_negative_biases, 0},
    [NAMES_M_NORM] = {v_norm, 1},
    [NAMES_M_BIAS] = {v_bias, 0},
    [NAMES_M_SUPERPOSITION] = {v_superposition, 1},
    [NAMES_M_DIM] = {v_dim, 1},
    [NAMES_M_SET_COSINE] = {v_set_cosine, 0},
    [NAMES_M_SET_OVERLAP] = {v_set_overlap, 0},
    [NAMES_M_CROSS_OVERLAP] = {v_cross_overlap, 0},
    [NAMES_M_VULNERABILITY] = {v_vulnerability, 0, 1},
    [NAMES_M_MMCS] = {v_mmcs, 0, 1},
    [NAMES_M_MATCHED_COS] = {v_matched_cos, 0, 1},
    [NAMES_M_RECOVERED] = {v_recovered, 0, 1},
    [NAMES_M_DEAD_LATENTS] = {v_dead_latents, 0, 1},
    [NAMES_M_L0] = {v_l0, 0, 1},
    [NAMES_M_TRUE_L0] = {v_true_l0, 0, 1},
    [NAMES_M_RECON_MSE] = {v_recon_mse, 0, 1},
    [NAMES_M_EXPLAINED_VAR] = {v_explained_var, 0, 1},
    [NAMES_M_MONOSEMANTIC] = {v_monosemantic, 0},
    [NAMES_M_FEATURES_PER_NEURON] = {v_features_per_neuron, 0},
    [NAMES_M_NEURONS_PER_FEATURE] = {v_neurons_per_feature, 0},
    [NAMES_M_RELU_PAIRS] = {v_relu_pairs, 0},
    [NAMES_M_DIM_LEVELS] = {v_dim_levels, 0},
    [NAMES_M_DIM_JUMPS] = {v_dim_jumps, 0},
    [NAMES_M_TEST_LOSS] = {v_test_loss, 0, 1},
    [NAMES_M_WNORM] = {v_wnorm, 1},
    [NAMES_M_DIM_MEAN] = {v_dim_mean, 1},
    [NAMES_M_DX_MEAN] = {v_dx_mean, 0},
    [NAMES_M_DX_MAX] = {v_dx_max, 0},
};

int fig_metric_per_run(int metric)
{
    return metric >= 0 && metric < NAMES_M_COUNT && values_table[metric].of != NULL;
}

int fig_metric_sampled(int metric)
{
    return fig_metric_per_run(metric) && values_table[metric].sampled;
}

int fig_run_metric(const struct fig_env *e, int run, int metric, int idx, double *out)
{
    const struct train_result *r = fig_result(e, run);
    if (!fig_run_usable(e, run) || !fig_metric_per_run(metric))
        return -1;
    int per_feature = names_metrics[metric].kind == NAMES_FEATURE;
    if (per_feature && (idx < 0 || idx >= r->n))
        return -1;
    struct train_metrics mt = { .n = r->n, .m = r->m };
    if (values_table[metric].needs_dirs && train_metrics_of(r, &mt) != 0)
        return -1;
    struct train_spec sp;
    if (e->plan)
        plan_run_spec(e->plan, run, &sp, NULL);
    struct values_run v = { r, &mt, idx, e->plan ? &sp : NULL, e, run };
    *out = values_table[metric].of(&v);
    if (values_table[metric].needs_dirs)
        train_metrics_free(&mt);
    return isnan(*out) && names_metrics[metric].figure == NAMES_FIG_RECOVERY ? -1 : 0;
}

/* The share of the grid's phase cells whose empirical class is the theory's,
 * at point p: 1 or 0. */
static int values_phase(const struct fig_env *e, const struct plan_group *g, int p, double *out)
{
    struct fig_cell *cells = xcalloc((size_t)g->npoints, sizeof *cells);
    const char *why;
    int rc = fig_phase_cells(e, g, cells, &why);
    if (rc == 0 && cells[p].cls >= 0)
        *out = cells[p].cls == cells[p].theory;
    else
        rc = -1;
    free(cells);
    return rc;
}

int fig_point_value(const struct fig_env *e, int group, int p, int metric, int idx, double *out)
{
    const struct plan_group *g = &e->plan->groups[group];
    if (metric == NAMES_M_PHASE_AGREEMENT)
        return values_phase(e, g, p, out);
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_kept(e, g, p, runs);
    double sum = 0;
    int rc = k > 0 ? 0 : -1;
    for (int j = 0; j < k && rc == 0; j++) {
        double v;
        rc = fig_run_metric(e, runs[j], metric, idx, &v);
        sum += v;
    }
    free(runs);
    if (rc == 0)
        *out = sum / k;
    return rc;
}
