/* runtime/train/kern_gemm.c: the kernel for large models.
 * For models like n=400, m=30 the work per example is the n*m decoder,
 * which a per-example loop does at a fraction of the machine's speed. Here
 * the non-empty examples of a step are gathered, GEMM_ROWS at a time, into
 * a block and the decoder, its backward pass and the weight gradient become
 * matrix products. With m <= 32 on an AVX-512 CPU kern_x5.c does a block's
 * arithmetic (kern_gws.fast); this file draws, gathers and pads for it.
 * Otherwise the products are cblas_sgemm calls, and each side picks a dense
 * or sparse route by the block's own fill: inputs drawn at density >= 1/8
 * are written out and multiplied, sparser ones are consumed feature by
 * feature; the output gradient (zero wherever a ReLU is off) likewise. Examples are drawn by the
 * same sampler, in the same order, as the general kernel, so both see
 * identical batches. The route depends only on the run's own data and
 * OpenBLAS runs single-threaded (train_batch sets it), so a run's result
 * never depends on its batch-mates or the thread count. W is kept padded to
 * rows of mp (a multiple of 16) floats so the per-feature updates are whole
 * vectors; the padding is zero and never reaches the results. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "util.h"

#define GEMM_ROWS 128
#define GEMM_DENSE 8 /* a side is dense when at least 1/GEMM_DENSE of it is non-zero */

typedef float gemm_vf __attribute__((vector_size(64)));
typedef int32_t gemm_vi __attribute__((vector_size(64)));
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute) && !defined(__clang__)
#if __has_attribute(target_clones)
#define GEMM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef GEMM_CLONES
#define GEMM_CLONES
#endif
#define GEMM_INLINE static inline __attribute__((always_inline))

/* y[j] += a * x[j] for j < len, len a multiple of 16. */
GEMM_INLINE void gemm_axpy(float *restrict y, float a, const float *restrict x, int len)
{
    for (int j = 0; j < len; j += 16) {
        gemm_vf xv, yv;
        memcpy(&xv, x + j, sizeof xv);
        memcpy(&yv, y + j, sizeof yv);
        yv += a * xv;
        memcpy(y + j, &yv, sizeof yv);
    }
}

int kern_gemm_applies(const struct kern_model *md)
{
    return md->n >= 64 && md->m >= 8 && (long)md->n * md->m >= KERN_GEMM_MIN_NM;
}

void kern_gws_init_mode(struct kern_gws *w, int n, int m, int fast)
{
    w->n = n;
    w->m = m;
    w->mp = (m + 15) & ~15;
    w->nq = (n + 15) & ~15;
    w->fast = fast < 0 ? kern_x5_usable(m) : fast && kern_x5_usable(m);
    w->ld = w->fast ? w->nq : n;
    w->bnnz = 0;
    size_t np = (size_t)w->nq * w->mp, rn = (size_t)GEMM_ROWS * w->nq;
    size_t rm = (size_t)GEMM_ROWS * w->mp;
    w->Wp = xcalloc(np, sizeof(float));
    w->gWp = xcalloc(np, sizeof(float));
    w->WTp = xcalloc((size_t)m * w->nq, sizeof(float));
    w->bp = xcalloc((size_t)w->nq, sizeof(float));
    w->impp = xcalloc((size_t)w->nq, sizeof(float));
    w->gbp = xcalloc((size_t)w->nq, sizeof(float));
    w->X = xcalloc(rn, sizeof(float));
    w->Y = xcalloc(rn, sizeof(float));
    w->xrow = xcalloc((size_t)n, sizeof(float));
    w->lossv = xcalloc((size_t)w->nq, sizeof(float));
    w->H = xcalloc(rm, sizeof(float));
    w->Hpre = xcalloc(rm, sizeof(float));
    w->dH = xcalloc(rm, sizeof(float));
    w->val = xcalloc(rn + 16, sizeof(float));
    w->idx = xcalloc(rn + 16, sizeof(int));
    w->rowptr = xcalloc(GEMM_ROWS + 1, sizeof(int));
}

void kern_gws_init(struct kern_gws *w, int n, int m)
{
    kern_gws_init_mode(w, n, m, -1);
}

void kern_gws_free(struct kern_gws *w)
{
    free(w->Wp), free(w->gWp), free(w->WTp), free(w->bp), free(w->impp), free(w->gbp);
    free(w->X), free(w->Y), free(w->xrow), free(w->lossv);
    free(w->H), free(w->Hpre), free(w->dH), free(w->val), free(w->idx), free(w->rowptr);
}

/* H = X W (+ ReLU for relu-hidden), from dense X or feature by feature.
 * dense == 2: X is already written out (no sparse lists). */
GEMM_INLINE void gemm_encode(const struct kern_model *md, struct kern_gws *w, int R, int dense)
{
    const int n = md->n, m = md->m, mp = w->mp;
    const int *rp = w->rowptr;
    if (dense == 1) {
        memset(w->X, 0, sizeof(float) * (size_t)R * n);
        for (int r = 0; r < R; r++)
            for (int t = rp[r]; t < rp[r + 1]; t++)
                w->X[(size_t)r * n + w->idx[t]] = w->val[t];
    }
    if (dense) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, m, n, 1.0f, w->X, n,
                    w->Wp, mp, 0.0f, w->H, mp);
    } else {
        for (int r = 0; r < R; r++) {
            float *h = w->H + (size_t)r * mp;
            memset(h, 0, sizeof(float) * (size_t)mp);
            for (int t = rp[r]; t < rp[r + 1]; t++)
                gemm_axpy(h, w->val[t], w->Wp + (size_t)w->idx[t] * mp, mp);
        }
    }
    if (md->kind == TRAIN_RELU_HIDDEN) {
        memcpy(w->Hpre, w->H, sizeof(float) * (size_t)R * mp);
        for (size_t j = 0; j < (size_t)R * mp; j++)
            w->H[j] = w->H[j] > 0 ? w->H[j] : 0;
    }
}

/* One output row: y (pre-bias) becomes dy; adds loss and bias gradient.
 * Written with 16-float vectors so that every build runs it at full width;
 * lane i does exactly the scalar tail's operations. Returns non-zero dy. */
GEMM_INLINE int gemm_out_row(int relu, int n, float *restrict y, const float *restrict x,
                             const float *restrict b, const float *restrict imp,
                             float *restrict lossv, float *restrict gb)
{
    gemm_vi cntv = {0};
    int i = 0, cnt = 0;
    for (; i + 16 <= n; i += 16) {
        gemm_vf yv, xv, bv, iv, lv, gv;
        memcpy(&yv, y + i, 64), memcpy(&xv, x + i, 64), memcpy(&bv, b + i, 64);
        memcpy(&iv, imp + i, 64), memcpy(&lv, lossv + i, 64), memcpy(&gv, gb + i, 64);
        gemm_vf v = yv + bv;
        gemm_vi on = relu ? v > 0 : (gemm_vi){0} - 1;
        gemm_vf e = (gemm_vf)((gemm_vi)v & on) - xv;
        lv += iv * e * e;
        gemm_vf d = (gemm_vf)((gemm_vi)(iv * e) & on);
        gv += d;
        cntv -= d != 0;
        memcpy(y + i, &d, 64), memcpy(lossv + i, &lv, 64), memcpy(gb + i, &gv, 64);
    }
    for (int l = 0; l < 16; l++)
        cnt += cntv[l];
    for (; i < n; i++) {
        float v = y[i] + b[i];
        int on = !relu || v > 0;
        float e = (on ? v : 0) - x[i];
        lossv[i] += imp[i] * e * e;
        float d = on ? imp[i] * e : 0;
        y[i] = d;
        gb[i] += d;
        cnt += d != 0;
    }
    return cnt;
}

/* Turn Y (pre-bias outputs) into the output gradient in place; adds the
 * loss and bias gradient. Returns the number of non-zero gradients. */
GEMM_INLINE long gemm_outputs(const struct kern_model *md, struct kern_gws *w, int R,
                              int dense, struct kern_grad *g)
{
    const int n = md->n, relu = md->kind != TRAIN_LINEAR;
    long nz = 0;
    for (int r = 0; r < R; r++) {
        float *y = w->Y + (size_t)r * n, *x = w->xrow;
        if (dense)
            x = w->X + (size_t)r * n;
        else
            for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++)
                x[w->idx[t]] = w->val[t];
        nz += gemm_out_row(relu, n, y, x, md->b, md->imp, w->lossv, g->gb);
        if (!dense)
            for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++)
                x[w->idx[t]] = 0;
    }
    return nz;
}

/* dH = dY W and gW += dY^T H, dense or over the non-zero dY only. */
GEMM_INLINE void gemm_back_out(const struct kern_model *md, struct kern_gws *w, int R, int dense)
{
    const int n = md->n, m = md->m, mp = w->mp;
    if (dense) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, R, m, n, 1.0f, w->Y, n,
                    w->Wp, mp, 0.0f, w->dH, mp);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, m, R, 1.0f, w->Y, n,
                    w->H, mp, 1.0f, w->gWp, mp);
        return;
    }
    for (int r = 0; r < R; r++) {
        float *dh = w->dH + (size_t)r * mp;
        const float *dy = w->Y + (size_t)r * n, *h = w->H + (size_t)r * mp;
        memset(dh, 0, sizeof(float) * (size_t)mp);
        for (int i = 0; i < n; i++)
            if (dy[i] != 0) {
                gemm_axpy(dh, dy[i], w->Wp + (size_t)i * mp, mp);
                gemm_axpy(w->gWp + (size_t)i * mp, dy[i], h, mp);
            }
    }
}

/* gW += X^T dH (after the hidden ReLU's mask, for relu-hidden). */
GEMM_INLINE void gemm_back_in(const struct kern_model *md, struct kern_gws *w, int R, int dense)
{
    const int n = md->n, m = md->m, mp = w->mp;
    if (md->kind == TRAIN_RELU_HIDDEN)
        for (size_t j = 0; j < (size_t)R * mp; j++)
            w->dH[j] = w->Hpre[j] > 0 ? w->dH[j] : 0;
    if (dense) {
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, m, R, 1.0f, w->X, n,
                    w->dH, mp, 1.0f, w->gWp, mp);
        return;
    }
    for (int r = 0; r < R; r++)
        for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++)
            gemm_axpy(w->gWp + (size_t)w->idx[t] * mp, w->val[t], w->dH + (size_t)r * mp, mp);
}

/* Forward and backward of R gathered non-empty examples; have_x: the
 * block's inputs are in X (dense draw) rather than in the sparse lists. */
GEMM_CLONES static void gemm_blas_block(const struct kern_model *md, struct kern_gws *w,
                                        int R, int have_x, struct kern_grad *g)
{
    if (R == 0)
        return;
    const long cells = (long)R * md->n;
    const int dense_x = have_x ? 2 : (long)w->rowptr[R] * GEMM_DENSE >= cells;
    gemm_encode(md, w, R, dense_x);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, R, md->n, md->m, 1.0f, w->H, w->mp,
                w->Wp, w->mp, 0.0f, w->Y, md->n);
    long nz = gemm_outputs(md, w, R, dense_x, g);
    gemm_back_out(md, w, R, nz * GEMM_DENSE >= cells);
    gemm_back_in(md, w, R, dense_x);
}

static void gemm_block(const struct kern_model *md, struct kern_gws *w, int R, int have_x,
                       struct kern_grad *g)
{
    if (w->fast)
        kern_x5_block(md, w, R, have_x);
    else
        gemm_blas_block(md, w, R, have_x, g);
    w->bnnz = 0;
}

static void gemm_begin(const struct kern_model *md, struct kern_gws *w)
{
    const int n = md->n, m = md->m;
    for (int i = 0; i < n; i++)
        memcpy(w->Wp + (size_t)i * w->mp, md->W + (size_t)i * m, sizeof(float) * m);
    memset(w->gWp, 0, sizeof(float) * (size_t)n * w->mp);
    w->rowptr[0] = 0;
    w->bnnz = 0;
    if (!w->fast)
        return;
    for (int k = 0; k < m; k++)
        memcpy(w->WTp + (size_t)k * w->nq, md->WT + (size_t)k * n, sizeof(float) * n);
    memcpy(w->bp, md->b, sizeof(float) * n);
    memcpy(w->impp, md->imp, sizeof(float) * n);
    memset(w->gbp, 0, sizeof(float) * n);
}

static void gemm_end(const struct kern_model *md, struct kern_gws *w, long nzero,
                     struct kern_grad *g)
{
    for (int i = 0; i < md->n; i++)
        for (int k = 0; k < md->m; k++)
            g->gW[(size_t)i * md->m + k] += w->gWp[(size_t)i * w->mp + k];
    if (w->fast)
        for (int i = 0; i < md->n; i++)
            g->gb[i] += w->gbp[i];
    kern_empty(md, nzero, w->lossv, g);
    kern_loss_fold(md->n, w->lossv, g);
}

/* Bernoulli-mode inputs (density >= KERN_GEOM_MAX, or mixed densities)
 * are drawn straight into X: the vectorised draw plus the product beats
 * sparse lists there. Geometric-mode inputs are sparse enough for lists. */
static int gemm_draws_dense(const struct kern_sampler *sp)
{
    return !sp->geometric;
}

static void gemm_step_dense(const struct kern_model *md, struct kern_sampler *sp, int batch,
                            struct kern_gws *w, struct kern_grad *g)
{
    long nzero = 0;
    int R = 0;
    gemm_begin(md, w);
    for (int e = 0; e < batch; e++) {
        int c = kern_draw_dense(sp, w->X + (size_t)R * w->ld);
        if (c == 0) {
            nzero++;
            continue;
        }
        w->bnnz += c;
        if (++R == GEMM_ROWS) {
            gemm_block(md, w, R, 1, g);
            R = 0;
        }
    }
    gemm_block(md, w, R, 1, g);
    gemm_end(md, w, nzero, g);
}

void kern_gemm_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                    struct kern_gws *w, struct kern_grad *g)
{
    long nzero = 0;
    int R = 0;
    if (gemm_draws_dense(sp)) {
        gemm_step_dense(md, sp, batch, w, g);
        return;
    }
    gemm_begin(md, w);
    for (int e = 0; e < batch; e++) {
        int at = w->rowptr[R];
        int c = kern_draw(sp, w->idx + at, w->val + at);
        if (c == 0) {
            nzero++;
            continue;
        }
        w->rowptr[++R] = at + c;
        if (R == GEMM_ROWS) {
            gemm_block(md, w, R, 0, g);
            R = 0;
        }
    }
    gemm_block(md, w, R, 0, g);
    gemm_end(md, w, nzero, g);
}

/* Explicit-batch twin of kern_gemm_step (tests): batches at density >=
 * 1/GEMM_DENSE take the dense-draw route, sparser ones the sparse lists. */
void kern_gemm_batch(const struct kern_model *md, const float *X, int batch,
                     struct kern_gws *w, struct kern_grad *g)
{
    const size_t n = (size_t)md->n;
    long nzero = 0, nnz = 0;
    int R = 0;
    for (size_t j = 0; j < (size_t)batch * n; j++)
        nnz += X[j] != 0;
    gemm_begin(md, w);
    int have_x = nnz * GEMM_DENSE >= (long)batch * md->n;
    for (int e = 0; have_x && e < batch; e++) {
        memcpy(w->X + (size_t)R * w->ld, X + e * n, sizeof(float) * n);
        int c = 0;
        for (size_t i = 0; i < n; i++)
            c += X[e * n + i] != 0;
        if (c == 0) {
            nzero++;
            continue;
        }
        w->bnnz += c;
        if (++R == GEMM_ROWS) {
            gemm_block(md, w, R, 1, g);
            R = 0;
        }
    }
    for (int e = 0; !have_x && e < batch; e++) {
        int at = w->rowptr[R], c = 0;
        for (int i = 0; i < md->n; i++)
            if (X[(size_t)e * md->n + i] != 0) {
                w->idx[at + c] = i;
                w->val[at + c++] = X[(size_t)e * md->n + i];
            }
        if (c == 0) {
            nzero++;
            continue;
        }
        w->rowptr[++R] = at + c;
        if (R == GEMM_ROWS) {
            gemm_block(md, w, R, 0, g);
            R = 0;
        }
    }
    gemm_block(md, w, R, have_x, g);
    gemm_end(md, w, nzero, g);
}
