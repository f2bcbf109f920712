/* runtime/train/model_tied.c: the paper's tied-weight kinds (§3).
 *   linear:      y = W^T W x + b
 *   relu:        y = ReLU(W^T W x + b)
 *   relu-hidden: y = ReLU(W^T ReLU(W x) + b)
 * with W stored n x m (row i is feature i's embedding) and b of n values.
 * The reference pass below is straight double-precision loops over a dense
 * batch, written to mirror the equations one line at a time; nothing here
 * is fast on purpose. The unit tests check the fast kernels against it, and
 * it against central finite differences. */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

/* One example: forward, then accumulate d(loss)/d(params) scaled by scale. */
static double tied_example(enum train_kind kind, int n, int m, const double *W,
                           const double *b, const double *imp, const double *x,
                           const double *t, double scale, double *gW, double *gb,
                           double *buf)
{
    double *hpre = buf, *h = buf + m, *y = buf + 2 * m, *dy = buf + 2 * m + n;
    double *dh = buf + 2 * m + 2 * n;
    for (int k = 0; k < m; k++) {
        hpre[k] = 0;
        for (int i = 0; i < n; i++)
            hpre[k] += x[i] * W[i * m + k];
        h[k] = (kind == TRAIN_RELU_HIDDEN && hpre[k] < 0) ? 0 : hpre[k];
    }
    double loss = 0;
    for (int i = 0; i < n; i++) {
        y[i] = b[i];
        for (int k = 0; k < m; k++)
            y[i] += W[i * m + k] * h[k];
        double out = (kind != TRAIN_LINEAR && y[i] < 0) ? 0 : y[i];
        double err = out - t[i];
        loss += imp[i] * err * err;
        dy[i] = 2 * imp[i] * err * scale;
        if (kind != TRAIN_LINEAR && !(y[i] > 0))
            dy[i] = 0;
        gb[i] += dy[i];
    }
    for (int k = 0; k < m; k++) {
        dh[k] = 0;
        for (int i = 0; i < n; i++) {
            gW[i * m + k] += dy[i] * h[k];
            dh[k] += dy[i] * W[i * m + k];
        }
        if (kind == TRAIN_RELU_HIDDEN && !(hpre[k] > 0))
            dh[k] = 0;
        for (int i = 0; i < n; i++)
            gW[i * m + k] += x[i] * dh[k];
    }
    return loss;
}

static double tied_ref(const struct model_kind *k, int n, int m, const double *p,
                       const double *imp, const double *X, const double *T, int batch,
                       double *g)
{
    double *buf = xmalloc(sizeof(double) * (size_t)(3 * m + 2 * n));
    double scale = 1.0 / ((double)batch * n), total = 0;
    memset(g, 0, sizeof(double) * (size_t)(n * m + n));
    for (int e = 0; e < batch; e++) {
        const double *x = X + (size_t)e * n, *t = T ? T + (size_t)e * n : x;
        total += tied_example(k->act, n, m, p, p + (size_t)n * m, imp, x, t, scale, g,
                              g + (size_t)n * m, buf);
    }
    free(buf);
    return total * scale;
}

#define TIED_TENSORS 2, { {"W", MODEL_DIM_N, MODEL_DIM_M, MODEL_INIT_XAVIER}, \
                          {"b", MODEL_DIM_N, MODEL_DIM_1, MODEL_INIT_ZERO} }

const struct model_kind model_linear = {
    "linear", "y = W^T W x + b (tied weights, no ReLU)", TRAIN_LINEAR, TIED_TENSORS,
    tied_ref, "uniform", MODEL_CAP_TIED | MODEL_CAP_PHASE, NULL,
};

const struct model_kind model_relu = {
    "relu", "y = ReLU(W^T W x + b) (tied weights)", TRAIN_RELU, TIED_TENSORS,
    tied_ref, "uniform", MODEL_CAP_TIED | MODEL_CAP_PHASE, NULL,
};

const struct model_kind model_relu_hidden = {
    "relu-hidden", "y = ReLU(W^T ReLU(W x) + b) (tied weights, ReLU hidden layer)",
    TRAIN_RELU_HIDDEN, TIED_TENSORS, tied_ref, "uniform", MODEL_CAP_TIED | MODEL_CAP_NEURONS,
    NULL,
};
