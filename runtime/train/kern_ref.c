/* runtime/train/kern_ref.c: the naive reference forward and backward pass.
 * Straight double-precision loops over a dense batch, written to mirror the
 * model equations one line at a time; nothing here is fast on purpose. The
 * unit tests check the fast kernels against these functions, and these
 * functions against central finite differences. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "util.h"

/* One example: forward, then accumulate d(loss)/d(params) scaled by scale. */
static double ref_example(enum train_kind kind, int n, int m, const double *W,
                          const double *b, const double *imp, const double *x,
                          double scale, double *gW, double *gb, double *buf)
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
        double err = out - x[i];
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

double kern_ref_loss_grad(enum train_kind kind, int n, int m, const double *W,
                          const double *b, const double *imp, const double *X,
                          int batch, double *gW, double *gb)
{
    double *buf = xmalloc(sizeof(double) * (size_t)(3 * m + 2 * n));
    double scale = 1.0 / ((double)batch * n), total = 0;
    memset(gW, 0, sizeof(double) * (size_t)n * m);
    memset(gb, 0, sizeof(double) * (size_t)n);
    for (int e = 0; e < batch; e++)
        total += ref_example(kind, n, m, W, b, imp, X + (size_t)e * n, scale, gW, gb, buf);
    free(buf);
    return total * scale;
}
