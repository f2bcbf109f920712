/* runtime/train/kern.c: the general fused kernel (any n, m, model kind).
 * Each example is drawn as a list of its present features and consumed at
 * once, so the batch is never written out. The work per example follows the
 * sparsity: an all-zero example only counts (its effect on loss and bias
 * gradient is the same every time, added once per step times the count);
 * the encoder touches present features only; the backward pass skips
 * outputs whose gradient is exactly zero (a ReLU that is off). The forward
 * decoder runs over W's transpose so its inner loop is over features and
 * vectorises. Results depend only on the run's own inputs and a fixed order
 * of operations, which keeps training bit-reproducible. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"
#include "util.h"

/* Length-n and length-m loops go through kern_axpy, written with the
 * compiler's generic 16-float vectors; the per-element operations and their
 * order are those of the plain loop, so every build computes the same. */
typedef float kern_vf __attribute__((vector_size(64)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define KERN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef KERN_CLONES
#define KERN_CLONES
#endif
#define KERN_INLINE static inline __attribute__((always_inline))

/* y[j] += a * x[j] for j < len. */
KERN_INLINE void kern_axpy(float *restrict y, float a, const float *restrict x, int len)
{
    int j = 0;
    for (; j + 16 <= len; j += 16) {
        kern_vf xv, yv;
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&yv, y + j, sizeof yv);
        yv += a * xv;
        memcpy(y + j, &yv, sizeof yv);
    }
    for (; j < len; j++)
        y[j] += a * x[j];
}

void kern_sampler_init(struct kern_sampler *sp, uint64_t seed, int n, const double *density)
{
    rng_seed(&sp->rng, seed);
    sp->n = n;
    sp->thr = xmalloc(sizeof(uint64_t) * (size_t)n);
    int uniform = 1;
    for (int i = 0; i < n; i++) {
        double p = density[i];
        p = p > 1 ? 1 : p < 0 || p != p ? 0 : p;
        sp->thr[i] = (uint64_t)ldexp(p, 32);
        if (density[i] != density[0])
            uniform = 0;
    }
    double p0 = sp->thr[0] / 4294967296.0;
    sp->geometric = uniform && p0 > 0 && p0 < KERN_GEOM_MAX;
    sp->inv_log_q = sp->geometric ? 1.0 / log1p(-p0) : 0;
    sp->skip = 0;
    if (sp->geometric)
        sp->skip = UINT64_MAX; /* drawn lazily below */
}

void kern_sampler_free(struct kern_sampler *sp)
{
    free(sp->thr);
    sp->thr = NULL;
}

void kern_ws_init(struct kern_ws *ws, int n, int m)
{
    ws->n = n;
    ws->m = m;
    ws->x = xcalloc((size_t)n, sizeof(float));
    ws->y = xcalloc((size_t)n, sizeof(float));
    ws->dy = xcalloc((size_t)n, sizeof(float));
    ws->val = xcalloc((size_t)n, sizeof(float));
    ws->lossv = xcalloc((size_t)n, sizeof(float));
    ws->h = xcalloc((size_t)m, sizeof(float));
    ws->hpre = xcalloc((size_t)m, sizeof(float));
    ws->dh = xcalloc((size_t)m, sizeof(float));
    ws->idx = xcalloc((size_t)n, sizeof(int));
}

void kern_ws_free(struct kern_ws *ws)
{
    free(ws->x), free(ws->y), free(ws->dy), free(ws->val), free(ws->lossv);
    free(ws->h), free(ws->hpre), free(ws->dh), free(ws->idx);
}

/* The draws: the baseline instance here, the wider ones in kern_draw_*.c;
 * all return the same examples, so the dispatch never changes a result. */
#define KD_SFX base
#include "kern_draw_body.h"

int kern_draw(struct kern_sampler *sp, int *idx, float *val)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        return kern_draw_avx512(sp, idx, val);
    case KERN_ISA_AVX2:
        return kern_draw_avx2(sp, idx, val);
    default:
        break;
    }
#endif
    return kern_draw_base(sp, idx, val);
}

int kern_draw_dense(struct kern_sampler *sp, float *x)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        return kern_draw_dense_avx512(sp, x);
    case KERN_ISA_AVX2:
        return kern_draw_dense_avx2(sp, x);
    default:
        break;
    }
#endif
    return kern_draw_dense_base(sp, x);
}

/* The output's error: the loss terms into lossv and, in half units, the
 * gradient at the output's pre-activation into dy and the bias gradient. */
KERN_INLINE void kern_out_grad(const struct kern_model *md, struct kern_ws *ws,
                               struct kern_grad *g)
{
    const int n = md->n;
    const float *restrict y = ws->y, *restrict x = ws->x, *restrict imp = md->imp;
    float *restrict dy = ws->dy, *restrict lossv = ws->lossv, *restrict gb = g->gb;
    if (md->kind == TRAIN_LINEAR) {
        for (int i = 0; i < n; i++) {
            float e = y[i] - x[i];
            lossv[i] += imp[i] * e * e;
            dy[i] = imp[i] * e;
            gb[i] += dy[i];
        }
        return;
    }
    for (int i = 0; i < n; i++) {
        float o = y[i] > 0 ? y[i] : 0, e = o - x[i];
        lossv[i] += imp[i] * e * e;
        dy[i] = y[i] > 0 ? imp[i] * e : 0;
        gb[i] += dy[i];
    }
}

/* Forward of one example with c > 0 present features: h, then y. */
KERN_INLINE void kern_forward(const struct kern_model *md, int c, const int *idx,
                              const float *val, struct kern_ws *ws)
{
    const int n = md->n, m = md->m;
    const float *restrict W = md->W, *restrict WT = md->WT;
    float *restrict h = ws->h, *restrict y = ws->y, *restrict x = ws->x;
    for (int k = 0; k < m; k++)
        h[k] = 0;
    for (int t = 0; t < c; t++) {
        x[idx[t]] = val[t];
        kern_axpy(h, val[t], W + (size_t)idx[t] * m, m);
    }
    if (md->kind == TRAIN_RELU_HIDDEN)
        for (int k = 0; k < m; k++) {
            ws->hpre[k] = h[k];
            h[k] = h[k] > 0 ? h[k] : 0;
        }
    memcpy(y, md->b, sizeof(float) * (size_t)n);
    for (int k = 0; k < m; k++) {
        const float hk = h[k], *restrict wt = WT + (size_t)k * n;
        if (hk != 0)
            kern_axpy(y, hk, wt, n);
    }
}

/* Forward and backward of one example with c > 0 present features. */
KERN_INLINE void kern_example(const struct kern_model *md, int c, const int *idx,
                         const float *val, struct kern_ws *ws, struct kern_grad *g)
{
    const int n = md->n, m = md->m;
    const float *restrict W = md->W, *restrict h = ws->h, *restrict dy = ws->dy;
    float *restrict dh = ws->dh, *restrict gW = g->gW;
    kern_forward(md, c, idx, val, ws);
    kern_out_grad(md, ws, g);
    for (int k = 0; k < m; k++)
        dh[k] = 0;
    for (int i = 0; i < n; i++) {
        const float d = dy[i];
        if (d == 0)
            continue;
        kern_axpy(dh, d, W + (size_t)i * m, m);
        kern_axpy(gW + (size_t)i * m, d, h, m);
    }
    if (md->kind == TRAIN_RELU_HIDDEN)
        for (int k = 0; k < m; k++)
            dh[k] = ws->hpre[k] > 0 ? dh[k] : 0;
    for (int t = 0; t < c; t++) {
        ws->x[idx[t]] = 0;
        kern_axpy(gW + (size_t)idx[t] * m, val[t], dh, m);
    }
}

/* The all-zero example's contribution, added nzero times at once. */
void kern_empty(const struct kern_model *md, long nzero, float *lossv, struct kern_grad *g)
{
    if (nzero == 0)
        return;
    const float cnt = (float)nzero;
    for (int i = 0; i < md->n; i++) {
        float y = md->b[i];
        int on = md->kind == TRAIN_LINEAR || y > 0;
        float e = on ? y : 0;
        lossv[i] += cnt * (md->imp[i] * e * e);
        g->gb[i] += on ? cnt * (md->imp[i] * e) : 0;
    }
}

void kern_loss_fold(int n, float *lossv, struct kern_grad *g)
{
    double s = 0;
    for (int i = 0; i < n; i++) {
        s += lossv[i];
        lossv[i] = 0;
    }
    g->loss_sum += s;
}

KERN_CLONES void kern_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
               struct kern_ws *ws, struct kern_grad *g)
{
    long nzero = 0;
    for (int e = 0; e < batch; e++) {
        int c = kern_draw(sp, ws->idx, ws->val);
        if (c == 0)
            nzero++;
        else
            kern_example(md, c, ws->idx, ws->val, ws, g);
    }
    kern_empty(md, nzero, ws->lossv, g);
    kern_loss_fold(md->n, ws->lossv, g);
}

KERN_CLONES void kern_batch(const struct kern_model *md, const float *X, int batch,
                struct kern_ws *ws, struct kern_grad *g)
{
    long nzero = 0;
    for (int e = 0; e < batch; e++) {
        int c = 0;
        for (int i = 0; i < md->n; i++)
            if (X[(size_t)e * md->n + i] != 0) {
                ws->idx[c] = i;
                ws->val[c++] = X[(size_t)e * md->n + i];
            }
        if (c == 0)
            nzero++;
        else
            kern_example(md, c, ws->idx, ws->val, ws, g);
    }
    kern_empty(md, nzero, ws->lossv, g);
    kern_loss_fold(md->n, ws->lossv, g);
}
