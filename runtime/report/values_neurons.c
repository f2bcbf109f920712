/* runtime/report/values_neurons.c: the per-run values of the neuron metrics
 * (monosemantic, features_per_neuron, neurons_per_feature, relu_pairs) and of the
 * learning-dynamics metrics (dim_levels, dim_jumps), which values.c's table
 * points at. They read the hidden neurons (train/neurons.h) or the weights
 * taken during training (train snapshots=K). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"
#include "neurons.h"

double fig_monosemantic(const struct train_result *r)
{
    struct train_neurons nr;
    if (train_neurons_of(r, &nr) != 0)
        return NAN;
    int c = 0;
    for (int k = 0; k < r->m; k++)
        c += nr.live[k] && nr.share[k] >= NEURONS_MONO_SHARE;
    train_neurons_free(&nr);
    return c;
}

double fig_features_per_neuron(const struct train_result *r)
{
    struct train_neurons nr;
    if (train_neurons_of(r, &nr) != 0)
        return NAN;
    double s = 0;
    int live = 0;
    for (int k = 0; k < r->m; k++)
        if (nr.live[k])
            s += nr.features[k], live++;
    train_neurons_free(&nr);
    return live ? s / live : 0;
}

double fig_neurons_per_feature(const struct train_result *r)
{
    struct train_neurons nr;
    struct train_metrics mt;
    if (train_neurons_of(r, &nr) != 0)
        return NAN;
    if (train_metrics_of(r, &mt) != 0) {
        train_neurons_free(&nr);
        return NAN;
    }
    double s = 0;
    int repr = 0;
    for (int i = 0; i < r->n; i++)
        if (mt.norm[i] >= FIG_REPR_NORM)
            s += nr.spread[i], repr++;
    train_metrics_free(&mt);
    train_neurons_free(&nr);
    return repr ? s / repr : 0;
}

/* Features computed as |x| = ReLU(x) + ReLU(-x): a monosemantic neuron of
 * theirs with a positive weight and another with a negative one. */
double fig_relu_pairs(const struct train_result *r)
{
    struct train_neurons nr;
    if (train_neurons_of(r, &nr) != 0)
        return NAN;
    const float *D = train_dirs(r);
    int c = 0;
    for (int i = 0; i < r->n; i++) {
        int pos = 0, neg = 0;
        for (int k = 0; k < r->m; k++)
            if (nr.live[k] && nr.share[k] >= NEURONS_MONO_SHARE && nr.top[k] == i) {
                pos |= D[(size_t)i * r->m + k] > 0;
                neg |= D[(size_t)i * r->m + k] < 0;
            }
        c += pos && neg;
    }
    train_neurons_free(&nr);
    return c;
}

/* The levels feature dimensionalities stick at: a dedicated dimension, the
 * tetrahedron's 3/4, the triangle's 2/3, an antipodal pair, the pentagon's
 * 2/5 and 1/3. */
static const double dim_levels[] = { 1.0, 0.75, 2.0 / 3, 0.5, 0.4, 1.0 / 3 };
#define DIM_LEVEL_TOL 0.03

/* The index of the level d sits on, or -1. */
static int dim_level_of(double d)
{
    for (size_t l = 0; l < sizeof dim_levels / sizeof *dim_levels; l++)
        if (fabs(d - dim_levels[l]) <= DIM_LEVEL_TOL)
            return (int)l;
    return -1;
}

/* D_i and ||W_i|| of every snapshot, [nsnap * n] each; -1 without snapshots. */
static int snap_dims(const struct train_result *r, double **dim, double **norm)
{
    if (r->nsnap <= 0 || !r->snap_p)
        return -1;
    *dim = xcalloc((size_t)r->nsnap * r->n, sizeof(double));
    *norm = xcalloc((size_t)r->nsnap * r->n, sizeof(double));
    for (int j = 0; j < r->nsnap; j++) {
        struct train_result v;
        struct train_metrics mt;
        train_snapshot_view(r, j, &v);
        if (train_metrics_of(&v, &mt) != 0)
            continue;
        memcpy(*dim + (size_t)j * r->n, mt.dim, sizeof(double) * (size_t)r->n);
        memcpy(*norm + (size_t)j * r->n, mt.norm, sizeof(double) * (size_t)r->n);
        train_metrics_free(&mt);
    }
    return 0;
}

double fig_dim_levels(const struct train_result *r)
{
    double *dim, *norm;
    if (snap_dims(r, &dim, &norm) != 0)
        return NAN;
    int on = 0, all = 0;
    int tail = r->nsnap / 10 > 1 ? r->nsnap / 10 : 1;   /* the last tenth: the end */
    for (int j = r->nsnap - tail; j < r->nsnap; j++)
        for (int i = 0; i < r->n; i++)
            if (norm[(size_t)j * r->n + i] >= FIG_REPR_NORM) {
                all++;
                on += dim_level_of(dim[(size_t)j * r->n + i]) >= 0;
            }
    free(dim), free(norm);
    return all ? (double)on / all : 0;
}

/* Snapshots at which some represented feature lands on a level other than
 * the one it last sat on, with the loss lower than when it left that one:
 * passing between levels may take several snapshots, off every level. */
double fig_dim_jumps(const struct train_result *r)
{
    double *dim, *norm;
    if (snap_dims(r, &dim, &norm) != 0)
        return NAN;
    int *last = xmalloc(sizeof(int) * (size_t)r->n), *left = xmalloc(sizeof(int) * (size_t)r->n);
    for (int i = 0; i < r->n; i++)
        last[i] = -1, left[i] = 0;
    int c = 0;
    for (int j = 0; j < r->nsnap; j++) {
        int landed = 0;
        for (int i = 0; i < r->n; i++) {
            size_t a = (size_t)j * r->n + i;
            int l = norm[a] >= FIG_REPR_NORM ? dim_level_of(dim[a]) : -1;
            if (l < 0)
                continue;
            landed |= last[i] >= 0 && l != last[i] && r->snap_loss[j] < r->snap_loss[left[i]];
            last[i] = l, left[i] = j;
        }
        c += landed;
    }
    free(last), free(left), free(dim), free(norm);
    return c;
}
