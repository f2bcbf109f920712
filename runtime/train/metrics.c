/* runtime/train/metrics.c: per-feature measures of a trained W, in double.
 * W is the run's n x m feature-direction matrix: the tied kinds' W itself,
 * or what the kind's descriptor gives (the untied kind: W1 transposed).
 * With W_i row i of W and W^_i = W_i / max(||W_i||, 1e-6):
 *   norm_i     = ||W_i||
 *   superpos_i = sum_{j != i} (W^_i . W_j)^2
 *   dim_i      = ||W_i||^2 / sum_j (W^_i . W_j)^2   (j = i included; 0 when
 *                ||W_i|| < 1e-6, where the direction is meaningless)
 *   frob2      = ||W||_F^2,  represented = #{i : ||W_i|| >= 0.5}.
 * The 1e-6 clamp keeps a dead feature's superposition finite (it is then
 * about 1e6 * |W_i| times its overlaps, i.e. near 0), matching the
 * notebook's clamped dimensionality. */
#include <math.h>
#include <stdlib.h>

#include "model.h"
#include "train.h"
#include "util.h"

#define METRICS_CLAMP 1e-6

static double row_dot(const float *W, int m, int i, int j)
{
    double s = 0;
    for (int k = 0; k < m; k++)
        s += (double)W[(size_t)i * m + k] * W[(size_t)j * m + k];
    return s;
}

int train_metrics_compute(const float *W, int n, int m, struct train_metrics *out)
{
    out->n = n;
    out->m = m;
    out->norm = out->superpos = out->dim = NULL;
    out->frob2 = 0;
    out->represented = 0;
    if (!W || n <= 0 || m <= 0)
        return -1;
    out->norm = xcalloc((size_t)n, sizeof(double));
    out->superpos = xcalloc((size_t)n, sizeof(double));
    out->dim = xcalloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        double sq = row_dot(W, m, i, i);
        out->norm[i] = sqrt(sq);
        out->frob2 += sq;
        out->represented += out->norm[i] >= 0.5;
    }
    for (int i = 0; i < n; i++) {
        double inv = 1.0 / fmax(out->norm[i], METRICS_CLAMP), others = 0, self;
        for (int j = 0; j < n; j++) {
            if (j == i)
                continue;
            double d = row_dot(W, m, i, j) * inv;
            others += d * d;
        }
        self = out->norm[i] * out->norm[i] * inv * inv * out->norm[i] * out->norm[i];
        out->superpos[i] = others;
        out->dim[i] = out->norm[i] < METRICS_CLAMP ? 0
                    : out->norm[i] * out->norm[i] / (self + others);
    }
    return 0;
}

void train_metrics_free(struct train_metrics *mt)
{
    free(mt->norm), free(mt->superpos), free(mt->dim);
    mt->norm = mt->superpos = mt->dim = NULL;
}

int train_metrics_of(const struct train_result *r, struct train_metrics *out)
{
    if (!r->kind || !r->p)
        return train_metrics_compute(NULL, r->n, r->m, out);
    float *scratch = r->kind->dirs ? xmalloc(sizeof(float) * (size_t)r->n * r->m) : NULL;
    const float *dirs = model_feature_dirs(r->kind, r->n, r->m, r->p, scratch);
    int rc = train_metrics_compute(dirs, r->n, r->m, out);
    free(scratch);
    return rc;
}

/* A per-thread buffer keeps the figures' loops free of allocation; one
 * direction matrix at a time is all they read. */
const float *train_dirs(const struct train_result *r)
{
    static _Thread_local float *buf;
    static _Thread_local size_t cap;
    if (!r->kind || !r->p)
        return NULL;
    if (!r->kind->dirs)
        return r->p;
    size_t need = (size_t)r->n * (size_t)r->m;
    if (need > cap) {
        free(buf);
        buf = xmalloc(sizeof(float) * need);
        cap = need;
    }
    return model_feature_dirs(r->kind, r->n, r->m, r->p, buf);
}
