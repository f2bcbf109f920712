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
/* The tile's sums live in registers only if its loops are unrolled. */
#define SP_UNROLL4 _Pragma("GCC unroll 4")
#define SP_UNROLL8 _Pragma("GCC unroll 8")

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

/* Rows j .. j + V vectors of the columns ts[0..4) of G: G[i][t] = sum_k
 * W[i][k] W[t][k], k in order. Four columns share each load of W^T, and
 * the 4 V sums stay in registers. The product is commutative, so G[i][t]
 * and G[t][i] have the same bits. */
VX_INLINE void sp_col_tile(struct kern_sparse_ws *w, const int *ts, int j, const int V)
{
    const int mp = w->mp, nq = w->nq;
    const float *w0 = w->Wp + (size_t)ts[0] * mp, *w1 = w->Wp + (size_t)ts[1] * mp;
    const float *w2 = w->Wp + (size_t)ts[2] * mp, *w3 = w->Wp + (size_t)ts[3] * mp;
    vf a0[4] = {{0}}, a1[4] = {{0}}, a2[4] = {{0}}, a3[4] = {{0}};
    for (int k = 0; k < w->m; k++) {
        const vf s0 = vx_splat(w0[k]), s1 = vx_splat(w1[k]);
        const vf s2 = vx_splat(w2[k]), s3 = vx_splat(w3[k]);
        const float *r = w->WTp + (size_t)k * nq + j;
        SP_UNROLL4
        for (int v = 0; v < V; v++) {
            const vf x = sp_ld(r + v * KI_W);
            a0[v] = vx_fma(x, s0, a0[v]), a1[v] = vx_fma(x, s1, a1[v]);
            a2[v] = vx_fma(x, s2, a2[v]), a3[v] = vx_fma(x, s3, a3[v]);
        }
    }
    SP_UNROLL4
    for (int v = 0; v < V; v++) {
        sp_st(w->G + (size_t)ts[0] * nq + j + v * KI_W, a0[v]);
        sp_st(w->G + (size_t)ts[1] * nq + j + v * KI_W, a1[v]);
        sp_st(w->G + (size_t)ts[2] * nq + j + v * KI_W, a2[v]);
        sp_st(w->G + (size_t)ts[3] * nq + j + v * KI_W, a3[v]);
    }
}

/* Columns ts[0..cnt) of G, cnt <= 4 (a short list repeats its last
 * column, which computes the same values twice). */
static void SP_FN(sp_columns)(struct kern_sparse_ws *w, const int *ts, int cnt)
{
    int t4[4];
    for (int q = 0; q < 4; q++)
        t4[q] = ts[q < cnt ? q : cnt - 1];
    /* as many vectors per tile as the registers hold sums for */
    const int V = KI_W == 16 ? 4 : 2;
    int j = 0;
    for (; j + V * KI_W <= w->nq; j += V * KI_W)
        sp_col_tile(w, t4, j, V);
    for (; j < w->nq; j += KI_W)
        sp_col_tile(w, t4, j, 1);
}

/* G's columns for the features of entries [0, len) not yet computed in
 * this step (stamp[t] == epoch marks the computed ones). */
static void SP_FN(sp_need)(struct kern_sparse_ws *w, int len)
{
    int pend[4], np = 0;
    for (int e = 0; e < len; e++) {
        const int t = w->cidx[e];
        if (w->stamp[t] == w->epoch)
            continue;
        w->stamp[t] = w->epoch;
        pend[np++] = t;
        if (np == 4) {
            SP_FN(sp_columns)(w, pend, 4);
            np = 0;
        }
    }
    if (np)
        SP_FN(sp_columns)(w, pend, np);
}

/* Outputs j .. j + V vectors of an example (c > 0 features idx/val):
 * b + sum_t x_t G[.][t] (V independent sums, so the multiply-adds overlap),
 * ReLU, loss and output gradient d; the outputs with d != 0 are appended
 * to nz at *nnz. */
VX_INLINE void sp_out_tile(struct kern_sparse_ws *w, int c, const int *idx, const float *val,
                           int j, const int V, int *nnz)
{
    const int nq = w->nq;
    const float *restrict G = w->G;
    vf pre[4];
    SP_UNROLL4
    for (int v = 0; v < V; v++)
        pre[v] = sp_ld(w->bp + j + v * KI_W);
    for (int t = 0; t < c; t++) {
        const vf s = vx_splat(val[t]);
        const float *col = G + (size_t)idx[t] * nq + j;
        SP_UNROLL4
        for (int v = 0; v < V; v++)
            pre[v] = vx_fma(s, sp_ld(col + v * KI_W), pre[v]);
    }
    SP_UNROLL4
    for (int v = 0; v < V; v++) {
        const int o = j + v * KI_W;
        const vi on = pre[v] > 0;
        const vf e = vx_and(pre[v], on) - sp_ld(w->x + o);
        const vf ie = sp_ld(w->impp + o) * e;
        const vf d = vx_and(ie, on);
        sp_st(w->lossv + o, vx_fma(ie, e, sp_ld(w->lossv + o)));
        sp_st(w->gbp + o, sp_ld(w->gbp + o) + d);
        sp_st(w->d + o, d);
        for (unsigned bits = sp_nzbits(d); bits; bits &= bits - 1)
            w->nz[(*nnz)++] = o + __builtin_ctz(bits);
    }
}

/* One example's forward pass (c > 0 features idx/val): outputs, loss and
 * bias gradient; the outputs with d != 0 into nz, their count returned. */
static int SP_FN(sp_forward)(struct kern_sparse_ws *w, int c, const int *idx,
                             const float *val)
{
    int nnz = 0, j = 0;
    for (int t = 0; t < c; t++)
        w->x[idx[t]] = val[t];
    for (; j + 4 * KI_W <= w->nq; j += 4 * KI_W)
        sp_out_tile(w, c, idx, val, j, 4, &nnz);
    for (; j < w->nq; j += KI_W)
        sp_out_tile(w, c, idx, val, j, 1, &nnz);
    for (int t = 0; t < c; t++)
        w->x[idx[t]] = 0;
    return nnz;
}

/* The backward pass of an example with nnz outputs in nz, for rows of
 * NV = mp / KI_W vectors known at compile time, so that h and dh stay in
 * registers instead of a chain of loads and stores through memory. */
VX_INLINE void sp_back_fixed(struct kern_sparse_ws *w, int c, const int *idx, const float *val,
                             int nnz, const int NV)
{
    const int mp = NV * KI_W;
    const float *restrict Wp = w->Wp, *restrict d = w->d;
    float *restrict gW = w->gWp;
    vf h[32 / KI_W], dh[32 / KI_W];
    SP_UNROLL8
    for (int v = 0; v < NV; v++)
        h[v] = dh[v] = (vf){0};
    for (int t = 0; t < c; t++) {
        const vf s = vx_splat(val[t]);
        SP_UNROLL8
        for (int v = 0; v < NV; v++)
            h[v] = vx_fma(s, sp_ld(Wp + (size_t)idx[t] * mp + v * KI_W), h[v]);
    }
    for (int r = 0; r < nnz; r++) {
        const int i = w->nz[r];
        const vf s = vx_splat(d[i]);
        float *g = gW + (size_t)i * mp;
        SP_UNROLL8
        for (int v = 0; v < NV; v++) {
            dh[v] = vx_fma(s, sp_ld(Wp + (size_t)i * mp + v * KI_W), dh[v]);
            sp_st(g + v * KI_W, vx_fma(s, h[v], sp_ld(g + v * KI_W)));
        }
    }
    for (int t = 0; t < c; t++) {
        const vf s = vx_splat(val[t]);
        float *g = gW + (size_t)idx[t] * mp;
        SP_UNROLL8
        for (int v = 0; v < NV; v++)
            sp_st(g + v * KI_W, vx_fma(s, dh[v], sp_ld(g + v * KI_W)));
    }
}

/* The same for any row length, h and dh in memory. */
static void SP_FN(sp_back_any)(struct kern_sparse_ws *w, int c, const int *idx,
                               const float *val, int nnz)
{
    const int mp = w->mp;
    float *restrict h = w->h, *restrict dh = w->dh, *restrict gW = w->gWp;
    const float *restrict Wp = w->Wp, *restrict d = w->d;
    memset(h, 0, sizeof(float) * (size_t)mp);
    memset(dh, 0, sizeof(float) * (size_t)mp);
    for (int t = 0; t < c; t++)
        sp_axpy(h, val[t], Wp + (size_t)idx[t] * mp, mp);
    for (int r = 0; r < nnz; r++) {
        const int i = w->nz[r];
        sp_axpy(dh, d[i], Wp + (size_t)i * mp, mp);
        sp_axpy(gW + (size_t)i * mp, d[i], h, mp);
    }
    for (int t = 0; t < c; t++)
        sp_axpy(gW + (size_t)idx[t] * mp, val[t], dh, mp);
}

/* Forward and backward of one example with c > 0 present features:
 * h = sum_t x_t W_t; dh = sum over d_i != 0 of d_i W_i, with gW_i += d_i h;
 * then gW_t += x_t dh. Every path does these sums in this order. */
static void SP_FN(sp_example)(struct kern_sparse_ws *w, int c, const int *idx,
                              const float *val)
{
    const int nnz = SP_FN(sp_forward)(w, c, idx, val);
    if (nnz == 0)
        return;
    if (w->mp == 16)
        sp_back_fixed(w, c, idx, val, nnz, 16 / KI_W);
    else if (w->mp == 32)
        sp_back_fixed(w, c, idx, val, nnz, 32 / KI_W);
    else
        SP_FN(sp_back_any)(w, c, idx, val, nnz);
}

/* G's columns for entries [a, b) towards the cache: G does not fit in the
 * nearest ones, and an example reads only 64 bytes of a column at a time,
 * too little for the hardware to see a stream. */
static void SP_FN(sp_prefetch)(const struct kern_sparse_ws *w, int a, int b)
{
    for (int e = a; e < b; e++) {
        const char *col = (const char *)(w->G + (size_t)w->cidx[e] * w->nq);
        for (int j = 0; j < w->nq * 4; j += 64)
            __builtin_prefetch(col + j);
    }
}

/* Example e's present features from row e of X into cidx/cval at `at`. */
static int SP_FN(sp_read)(struct kern_sparse_ws *w, const float *X, int e, int at)
{
    const int n = w->n;
    int c = 0;
    for (int i = 0; i < n; i++)
        if (X[(size_t)e * n + i] != 0) {
            w->cidx[at + c] = i;
            w->cval[at + c++] = X[(size_t)e * n + i];
        }
    return c;
}

/* One step's examples, drawn from sp (X == NULL) or read from the rows of
 * X, in chunks of up to KERN_SPARSE_CHUNK non-empty ones: the chunk's new
 * columns of G first, four at a time, then its examples. All-zero examples
 * are only counted into nzero (the caller adds them). */
void SP_FN(kern_sparse_run)(struct kern_sparse_ws *w, struct kern_sampler *sp, const float *X,
                            int batch, long *nzero)
{
    int e = 0;
    while (e < batch) {
        int R = 0, at = 0;
        for (; e < batch && R < KERN_SPARSE_CHUNK && at + w->n <= w->cap; e++) {
            int c = X ? SP_FN(sp_read)(w, X, e, at) : kern_draw(sp, w->cidx + at, w->cval + at);
            if (c == 0) {
                ++*nzero;
                continue;
            }
            at += c;
            w->rowptr[++R] = at;
        }
        SP_FN(sp_need)(w, at);
        for (int r = 0; r < R; r++) {
            const int a = w->rowptr[r];
            if (r + 1 < R)
                SP_FN(sp_prefetch)(w, w->rowptr[r + 1], w->rowptr[r + 2]);
            SP_FN(sp_example)(w, w->rowptr[r + 1] - a, w->cidx + a, w->cval + a);
        }
    }
#ifdef __AVX__
    /* The caller is baseline code: leave the upper halves clean. */
    _mm256_zeroupper();
#endif
}
