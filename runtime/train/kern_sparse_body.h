/* runtime/train/kern_sparse_body.h: the sparse large-model kernel's
 * arithmetic, compiled once per instruction set after kern_vx_body.h (whose
 * vector type vf, vx_fma and vx_splat it uses). A tied ReLU model's output
 * before the ReLU is b + W W^T x, so with G = W W^T an example with k
 * present features costs k n multiply-adds instead of the decoder's n m;
 * the backward pass visits only outputs whose gradient is not zero (a ReLU
 * that is off gives none), which at low density is a handful of the n.
 * Every loop is vectorised across one index (outputs i, or hidden units
 * k) and sums over the other in a fixed sequence inside each lane, with
 * explicit fused multiply-adds, so each element sees the same operations
 * on every vector width: all instances agree bit for bit. The loss stays
 * one partial sum per output and is folded in order outside. */
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define SP_FN(name) VX_CAT(name, KI_SFX)

/* Bit l set where lane l of v is not zero (NaN counts as not zero). */
VX_INLINE unsigned sp_nzbits(vf v)
{
#if defined(__x86_64__) && KI_W == 16
    return _mm512_cmp_ps_mask((__m512)v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
#elif defined(__x86_64__) && KI_W == 8
    return (unsigned)_mm256_movemask_ps(_mm256_cmp_ps((__m256)v, _mm256_setzero_ps(),
                                                      _CMP_NEQ_UQ));
#elif defined(__x86_64__)
    return (unsigned)_mm_movemask_ps(_mm_cmpneq_ps((__m128)v, _mm_setzero_ps()));
#else
    unsigned bits = 0;
    for (int l = 0; l < KI_W; l++)
        bits |= (unsigned)(v[l] != 0) << l;
    return bits;
#endif
}

VX_INLINE vf sp_ld(const float *p)
{
    vf v;
    memcpy(&v, p, sizeof v);
    return v;
}

VX_INLINE void sp_st(float *p, vf v) { memcpy(p, &v, sizeof v); }

/* y[0..len) = a * x + y, len a multiple of 16. */
VX_INLINE void sp_axpy(float *restrict y, float a, const float *restrict x, int len)
{
    const vf av = vx_splat(a);
    for (int j = 0; j < len; j += KI_W)
        sp_st(y + j, vx_fma(av, sp_ld(x + j), sp_ld(y + j)));
}

/* Column t of G: G[i][t] = sum_k W[i][k] W[t][k], k in order. The
 * product is commutative, so the column equals row t bit for bit. */
static void SP_FN(sp_column)(struct kern_sparse_ws *w, int t)
{
    const int nq = w->nq, m = w->m;
    const float *wt = w->Wp + (size_t)t * w->mp;
    float *col = w->G + (size_t)t * nq;
    for (int j = 0; j < nq; j += 4 * KI_W) {
        vf a[4] = {{0}};
        const int nv = nq - j < 4 * KI_W ? (nq - j) / KI_W : 4;
        for (int k = 0; k < m; k++) {
            const vf s = vx_splat(wt[k]);
            const float *r = w->WTp + (size_t)k * nq + j;
            for (int v = 0; v < nv; v++)
                a[v] = vx_fma(sp_ld(r + v * KI_W), s, a[v]);
        }
        for (int v = 0; v < nv; v++)
            sp_st(col + j + v * KI_W, a[v]);
    }
    w->stamp[t] = w->epoch;
}

/* One vector of outputs j..j+KI_W: b + sum_t x_t G[.][t], then ReLU, loss
 * and output gradient d (stored); returns the lanes whose d is not zero. */
VX_INLINE unsigned sp_outputs(struct kern_sparse_ws *w, int c, int j)
{
    vf pre = sp_ld(w->bp + j);
    for (int t = 0; t < c; t++)
        pre = vx_fma(vx_splat(w->val[t]), sp_ld(w->G + (size_t)w->idx[t] * w->nq + j), pre);
    const vi on = pre > 0;
    const vf e = vx_and(pre, on) - sp_ld(w->x + j);
    const vf ie = sp_ld(w->impp + j) * e;
    const vf d = vx_and(ie, on);
    sp_st(w->lossv + j, vx_fma(ie, e, sp_ld(w->lossv + j)));
    sp_st(w->gbp + j, sp_ld(w->gbp + j) + d);
    sp_st(w->d + j, d);
    return sp_nzbits(d);
}

/* The forward pass of an example (c > 0 features in idx/val): outputs,
 * loss and bias gradient; the outputs with d != 0 into nz, their count
 * returned. */
static int SP_FN(sp_forward)(struct kern_sparse_ws *w, int c)
{
    int nnz = 0;
    for (int t = 0; t < c; t++) {
        if (w->stamp[w->idx[t]] != w->epoch)
            SP_FN(sp_column)(w, w->idx[t]);
        w->x[w->idx[t]] = w->val[t];
    }
    for (int j = 0; j < w->nq; j += KI_W)
        for (unsigned bits = sp_outputs(w, c, j); bits; bits &= bits - 1)
            w->nz[nnz++] = j + __builtin_ctz(bits);
    for (int t = 0; t < c; t++)
        w->x[w->idx[t]] = 0;
    return nnz;
}

/* Forward and backward of one example with c > 0 present features:
 * h = sum_t x_t W_t; dh = sum over d_i != 0 of d_i W_i, with gW_i += d_i h;
 * then gW_t += x_t dh. */
static void SP_FN(sp_example)(struct kern_sparse_ws *w, int c)
{
    const int mp = w->mp;
    const int nnz = SP_FN(sp_forward)(w, c);
    if (nnz == 0)
        return;
    memset(w->h, 0, sizeof(float) * (size_t)mp);
    memset(w->dh, 0, sizeof(float) * (size_t)mp);
    for (int t = 0; t < c; t++)
        sp_axpy(w->h, w->val[t], w->Wp + (size_t)w->idx[t] * mp, mp);
    for (int r = 0; r < nnz; r++) {
        const int i = w->nz[r];
        sp_axpy(w->dh, w->d[i], w->Wp + (size_t)i * mp, mp);
        sp_axpy(w->gWp + (size_t)i * mp, w->d[i], w->h, mp);
    }
    for (int t = 0; t < c; t++)
        sp_axpy(w->gWp + (size_t)w->idx[t] * mp, w->val[t], w->dh, mp);
}

/* One step's examples, drawn from sp (X == NULL) or read from the rows of
 * X; all-zero ones are only counted into nzero (the caller adds them). */
void SP_FN(kern_sparse_run)(struct kern_sparse_ws *w, struct kern_sampler *sp, const float *X,
                            int batch, long *nzero)
{
    const int n = w->n;
    for (int e = 0; e < batch; e++) {
        int c = 0;
        if (X) {
            for (int i = 0; i < n; i++)
                if (X[(size_t)e * n + i] != 0) {
                    w->idx[c] = i;
                    w->val[c++] = X[(size_t)e * n + i];
                }
        } else {
            c = kern_draw(sp, w->idx, w->val);
        }
        if (c == 0)
            ++*nzero;
        else
            SP_FN(sp_example)(w, c);
    }
#ifdef __AVX__
    /* The caller is baseline code: leave the upper halves clean. */
    _mm256_zeroupper();
#endif
}
