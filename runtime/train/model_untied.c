/* runtime/train/model_untied.c: the untied two-layer model and its kernel.
 *   h = ReLU(W1 x),  y = ReLU(W2 h + b)
 * with W1 m x n (encoder), W2 n x m (decoder), b n values, no hidden bias;
 * it trains on signed data by default, where it can learn |x| per feature
 * as ReLU(x) + ReLU(-x). Feature i's direction is column i of W1.
 * Here: the descriptor, the naive double reference, and a plain float32
 * per-example kernel (the only one that declares this kind). */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "util.h"

/* One example of the reference: forward, then the gradient scaled by scale. */
static double untied_example(int n, int m, const double *p, const double *imp,
                             const double *x, const double *t, double scale, double *g,
                             double *buf)
{
    const double *W1 = p, *W2 = p + (size_t)m * n, *b = W2 + (size_t)n * m;
    double *gW1 = g, *gW2 = g + (size_t)m * n, *gb = gW2 + (size_t)n * m;
    double *hpre = buf, *h = buf + m, *dh = buf + 2 * m, *dy = buf + 3 * m, loss = 0;
    for (int k = 0; k < m; k++) {
        hpre[k] = 0;
        for (int j = 0; j < n; j++)
            hpre[k] += W1[k * n + j] * x[j];
        h[k] = hpre[k] > 0 ? hpre[k] : 0;
        dh[k] = 0;
    }
    for (int i = 0; i < n; i++) {
        double ypre = b[i];
        for (int k = 0; k < m; k++)
            ypre += W2[i * m + k] * h[k];
        double err = (ypre > 0 ? ypre : 0) - t[i];
        loss += imp[i] * err * err;
        dy[i] = ypre > 0 ? 2 * imp[i] * err * scale : 0;
        gb[i] += dy[i];
        for (int k = 0; k < m; k++) {
            gW2[i * m + k] += dy[i] * h[k];
            dh[k] += dy[i] * W2[i * m + k];
        }
    }
    for (int k = 0; k < m; k++)
        for (int j = 0; j < n; j++)
            gW1[k * n + j] += (hpre[k] > 0 ? dh[k] : 0) * x[j];
    return loss;
}

static double untied_ref(const struct model_kind *k, int n, int m, const double *p,
                         const double *imp, const double *X, const double *T, int batch,
                         double *g)
{
    double *buf = xmalloc(sizeof(double) * (size_t)(3 * m + n));
    double scale = 1.0 / ((double)batch * n), total = 0;
    memset(g, 0, sizeof(double) * model_nparams(k, n, m));
    for (int e = 0; e < batch; e++)
        total += untied_example(n, m, p, imp, X + (size_t)e * n, T + (size_t)e * n, scale, g,
                                buf);
    free(buf);
    return total * scale;
}

/* Feature i's direction is W1's column i: W1 transposed. */
static void untied_dirs(int n, int m, const float *p, float *dirs)
{
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            dirs[(size_t)i * m + k] = p[(size_t)k * n + i];
}

const struct model_kind model_untied = {
    "untied", "h = ReLU(W1 x), y = ReLU(W2 h + b) (separate encoder and decoder)",
    TRAIN_RELU, 3,
    { {"W1", MODEL_DIM_M, MODEL_DIM_N, MODEL_INIT_XAVIER},
      {"W2", MODEL_DIM_N, MODEL_DIM_M, MODEL_INIT_XAVIER},
      {"b", MODEL_DIM_N, MODEL_DIM_1, MODEL_INIT_ZERO} },
    untied_ref, "signed", MODEL_CAP_NEURONS, untied_dirs,
};

/* ---- float32 kernel, in the kernels' half units (see kern.h) ---- */

/* One example with input x and target t (both [n]) into the accumulators. */
static void untied_kexample(const struct kern_model *md, const float *x, const float *t,
                            struct kern_ws *ws, struct kern_grad *g)
{
    const int n = md->n, m = md->m;
    const float *W1 = md->p, *W2 = W1 + (size_t)m * n, *b = W2 + (size_t)n * m;
    float *gW1 = g->gp, *gW2 = gW1 + (size_t)m * n, *gb = gW2 + (size_t)n * m;
    float *h = ws->h, *dh = ws->dh, *dy = ws->dy;
    for (int k = 0; k < m; k++) {
        const float *w = W1 + (size_t)k * n;
        float s = 0;
        for (int j = 0; j < n; j++)
            s += w[j] * x[j];
        h[k] = s > 0 ? s : 0;
        dh[k] = 0;
    }
    for (int i = 0; i < n; i++) {
        const float *w = W2 + (size_t)i * m;
        float y = b[i];
        for (int k = 0; k < m; k++)
            y += w[k] * h[k];
        float e = (y > 0 ? y : 0) - t[i];
        ws->lossv[i] += md->imp[i] * e * e;
        dy[i] = y > 0 ? md->imp[i] * e : 0;
    }
    for (int i = 0; i < n; i++) {
        const float d = dy[i], *w = W2 + (size_t)i * m;
        float *gw = gW2 + (size_t)i * m;
        if (d == 0)
            continue;
        gb[i] += d;
        for (int k = 0; k < m; k++) {
            gw[k] += d * h[k];
            dh[k] += d * w[k];
        }
    }
    for (int k = 0; k < m; k++) {
        float d = h[k] > 0 ? dh[k] : 0, *gw = gW1 + (size_t)k * n;
        if (d != 0)
            for (int j = 0; j < n; j++)
                gw[j] += d * x[j];
    }
}

static void untied_init(struct kern_run *kr) { kern_ws_init(&kr->ws, kr->md.n, kr->md.m); }
static void untied_free(struct kern_run *kr) { kern_ws_free(&kr->ws); }
static int untied_applies(const struct kern_model *md, const double *density)
{
    (void)md, (void)density;
    return 1;
}

/* One Bernoulli draw per element (the sampler's geometric mode is the
 * tied kernels' business), value and target from the run's generator. */
static void untied_step(struct kern_run *kr, int batch)
{
    const struct data_gen *dg = kr->md.data;
    struct kern_sampler *sp = kr->sp;
    float *x = kr->ws.x, *t = kr->ws.val;
    for (int e = 0; e < batch; e++) {
        for (int i = 0; i < kr->md.n; i++) {
            uint64_t w = rng_next(&sp->rng);
            x[i] = (w & 0xffffffffu) < sp->thr[i] ? dg->value(w) : 0.0f;
            t[i] = (float)dg->target(x[i]);
        }
        untied_kexample(&kr->md, x, t, &kr->ws, kr->g);
    }
    kern_loss_fold(kr->md.n, kr->ws.lossv, kr->g);
}

static void untied_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    for (int e = 0; e < batch; e++)
        untied_kexample(&kr->md, X + (size_t)e * kr->md.n, T + (size_t)e * kr->md.n, &kr->ws,
                        kr->g);
    kern_loss_fold(kr->md.n, kr->ws.lossv, kr->g);
}

static const struct model_kind *const untied_kinds[] = {&model_untied, NULL};
/* Independent features only: its draw is one Bernoulli per element. */
static const struct data_gen *const untied_data[] = {&data_uniform, &data_signed, NULL};

const struct kern_def kern_untied = {
    "untied", "untied model: plain per-example float32 forward and backward",
    untied_kinds, untied_data, untied_applies, NULL, untied_init, untied_step, untied_batch,
    untied_free, NULL,
};
