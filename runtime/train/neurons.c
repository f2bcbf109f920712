/* runtime/train/neurons.c: per-neuron measures of a model with a hidden
 * ReLU layer (see neurons.h), over the weights that excite the neuron:
 * each neuron's squared norm, its strongest
 * feature and that feature's share, how many features it carries, whether
 * it is live, and per feature over how many neurons it is spread. The
 * monosemantic count, features per neuron and the neurons figure read them. */
#include <math.h>
#include <stdlib.h>

#include "model.h"
#include "neurons.h"
#include "util.h"

void train_neurons_free(struct train_neurons *nr)
{
    free(nr->norm2), free(nr->top), free(nr->share), free(nr->features), free(nr->live);
    free(nr->spread);
    nr->norm2 = NULL, nr->top = NULL, nr->share = NULL, nr->features = NULL, nr->live = NULL;
    nr->spread = NULL;
}

double train_neuron_excite(const struct train_result *r, double w)
{
    return r->kind->caps & MODEL_CAP_TIED ? (w > 0 ? w : 0) : fabs(w);
}

/* Neuron k: squared norm, strongest feature, its share and the features
 * that hold a real part of it. */
static void neuron_one(const struct train_result *r, const float *D, int k,
                       struct train_neurons *o)
{
    int n = r->n, m = r->m;
    double s = 0, best = -1;
    for (int i = 0; i < n; i++) {
        double w = train_neuron_excite(r, D[(size_t)i * m + k]), w2 = w * w;
        s += w2;
        if (w2 > best)
            best = w2, o->top[k] = i;
    }
    o->norm2[k] = s;
    o->share[k] = s > 0 ? best / s : 0;
    o->features[k] = 0;
    for (int i = 0; i < n && s > 0; i++) {
        double w = train_neuron_excite(r, D[(size_t)i * m + k]);
        o->features[k] += w * w >= NEURONS_USE_SHARE * s;
    }
}

/* Feature i: the neurons holding a real part of its squared weight. */
static int feature_spread(const struct train_result *r, const float *D, int i)
{
    int m = r->m, c = 0;
    double s = 0;
    for (int k = 0; k < m; k++)
        s += pow(train_neuron_excite(r, D[(size_t)i * m + k]), 2);
    for (int k = 0; k < m && s > 0; k++)
        c += pow(train_neuron_excite(r, D[(size_t)i * m + k]), 2) >= NEURONS_USE_SHARE * s;
    return c;
}

int train_neurons_of(const struct train_result *r, struct train_neurons *out)
{
    const float *D = train_dirs(r);
    int n = r->n, m = r->m;
    out->n = n, out->m = m;
    if (!D)
        return -1;
    out->norm2 = xcalloc((size_t)m, sizeof(double));
    out->share = xcalloc((size_t)m, sizeof(double));
    out->top = xcalloc((size_t)m, sizeof(int));
    out->features = xcalloc((size_t)m, sizeof(int));
    out->live = xcalloc((size_t)m, sizeof(int));
    out->spread = xcalloc((size_t)n, sizeof(int));
    double most = 0;
    for (int k = 0; k < m; k++) {
        neuron_one(r, D, k, out);
        most = fmax(most, out->norm2[k]);
    }
    for (int k = 0; k < m; k++)
        out->live[k] = most > 0 && out->norm2[k] >= NEURONS_LIVE * NEURONS_LIVE * most;
    for (int i = 0; i < n; i++)
        out->spread[i] = feature_spread(r, D, i);
    return 0;
}

double train_neuron_weight(const struct train_result *r, const float *dirs, int i, int k)
{
    int m = r->m;
    double w = dirs[(size_t)i * m + k];
    if (r->kind->caps & MODEL_CAP_TIED)
        return w;
    double top = 0;
    for (int j = 0; j < r->n; j++)
        top = fmax(top, fabs((double)dirs[(size_t)j * m + k]));
    return top > 0 ? w / top : 0;
}
