/* runtime/train/kern_sparse.c: the kernel for large tied ReLU models at high
 * sparsity. With k present features per example the output before the ReLU
 * is b + sum_t x_t G[.][t], G = W W^T, and the backward pass needs only the
 * outputs whose ReLU is on and whose error is not zero, so an example costs
 * about k n + (2 nnz + k) m multiply-adds instead of the n m of a dense
 * decoder; G's columns are computed once per step, for the features that
 * occur. The arithmetic is kern_sparse_body.h, compiled per instruction set
 * (kern_base.c, kern_avx2.c, kern_avx512.c) with the same operations in the
 * same order, so every instance gives the same bits. This file prepares a
 * step (padded copies of the parameters), picks the instance and adds the
 * all-zero examples and the padded sums to the run's gradient. Examples are
 * drawn by the shared sampler, so a step sees the same batch as under the
 * other kernels. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"
#include "util.h"

int kern_sparse_fits(const struct kern_model *md)
{
    return md->n <= KERN_SPARSE_MAXN;
}

int kern_sparse_applies(const struct kern_model *md, const double *density)
{
    if (!kern_sparse_fits(md))
        return 0;
    double nnz = 0;
    for (int i = 0; i < md->n; i++)
        nnz += density[i];
    if (!kern_gemm_applies(md))
        return nnz < KERN_SPARSE_SMALL_NNZ_PER_M * md->m;
    return md->m >= KERN_SPARSE_MIN_M && nnz < KERN_SPARSE_NNZ_PER_M * md->m;
}

void kern_sparse_init(struct kern_sparse_ws *w, int n, int m)
{
    w->n = n;
    w->m = m;
    w->nq = (n + 15) & ~15;
    w->mp = (m + 15) & ~15;
    w->epoch = 0;
    const size_t nq = (size_t)w->nq, mp = (size_t)w->mp;
    w->stamp = xcalloc((size_t)n, sizeof(unsigned));
    w->G = xcalloc((size_t)n * nq, sizeof(float));
    w->Wp = xcalloc((size_t)n * mp, sizeof(float));
    w->gWp = xcalloc((size_t)n * mp, sizeof(float));
    w->WTp = xcalloc((size_t)m * nq, sizeof(float));
    w->bp = xcalloc(nq, sizeof(float));
    w->impp = xcalloc(nq, sizeof(float));
    w->gbp = xcalloc(nq, sizeof(float));
    w->lossv = xcalloc(nq, sizeof(float));
    w->x = xcalloc(nq, sizeof(float));
    w->d = xcalloc(nq, sizeof(float));
    w->h = xcalloc(mp, sizeof(float));
    w->dh = xcalloc(mp, sizeof(float));
    w->cap = n + KERN_SPARSE_CHUNK * 16;
    w->cidx = xcalloc((size_t)w->cap, sizeof(int));
    w->cval = xcalloc((size_t)w->cap, sizeof(float));
    w->rowptr = xcalloc(KERN_SPARSE_CHUNK + 1, sizeof(int));
    w->nz = xcalloc(nq, sizeof(int));
}

void kern_sparse_free(struct kern_sparse_ws *w)
{
    free(w->stamp), free(w->G), free(w->Wp), free(w->gWp), free(w->WTp);
    free(w->bp), free(w->impp), free(w->gbp), free(w->lossv), free(w->x), free(w->d);
    free(w->h), free(w->dh), free(w->cidx), free(w->cval), free(w->rowptr);
    free(w->nz);
}

/* Padded copies of this step's parameters; a new epoch invalidates G. */
static void sparse_begin(const struct kern_model *md, struct kern_sparse_ws *w)
{
    const int n = md->n, m = md->m;
    for (int i = 0; i < n; i++)
        memcpy(w->Wp + (size_t)i * w->mp, md->W + (size_t)i * m, sizeof(float) * m);
    for (int k = 0; k < m; k++)
        for (int i = 0; i < n; i++)
            w->WTp[(size_t)k * w->nq + i] = md->W[(size_t)i * m + k];
    memset(w->gWp, 0, sizeof(float) * (size_t)n * w->mp);
    memcpy(w->bp, md->b, sizeof(float) * n);
    memcpy(w->impp, md->imp, sizeof(float) * n);
    memset(w->gbp, 0, sizeof(float) * n);
    if (++w->epoch == 0) { /* wrapped: no stamp may look current */
        memset(w->stamp, 0, sizeof(unsigned) * (size_t)n);
        w->epoch = 1;
    }
}

static void sparse_end(const struct kern_model *md, struct kern_sparse_ws *w, long nzero,
                       struct kern_grad *g)
{
    for (int i = 0; i < md->n; i++) {
        for (int k = 0; k < md->m; k++)
            g->gW[(size_t)i * md->m + k] += w->gWp[(size_t)i * w->mp + k];
        g->gb[i] += w->gbp[i];
    }
    kern_empty(md, nzero, w->lossv, g);
    kern_loss_fold(md->n, w->lossv, g);
}

static void sparse_run(const struct kern_model *md, struct kern_sparse_ws *w,
                       struct kern_sampler *sp, const float *X, int batch, struct kern_grad *g)
{
    long nzero = 0;
    sparse_begin(md, w);
    switch (kern_isa()) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    case KERN_ISA_AVX512:
        kern_sparse_run_avx512(w, sp, X, batch, &nzero);
        break;
    case KERN_ISA_AVX2:
        kern_sparse_run_avx2(w, sp, X, batch, &nzero);
        break;
#endif
    default:
        kern_sparse_run_base(w, sp, X, batch, &nzero);
        break;
    }
    sparse_end(md, w, nzero, g);
}

void kern_sparse_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                      struct kern_sparse_ws *w, struct kern_grad *g)
{
    sparse_run(md, w, sp, NULL, batch, g);
}

void kern_sparse_batch(const struct kern_model *md, const float *X, int batch,
                       struct kern_sparse_ws *w, struct kern_grad *g)
{
    sparse_run(md, w, NULL, X, batch, g);
}

