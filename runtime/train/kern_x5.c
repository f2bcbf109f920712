/* runtime/train/kern_x5.c: the large-model block written for AVX-512.
 * kern_gemm.c gathers a step's non-empty examples into blocks; for m <= 32
 * on a CPU with AVX-512 this file does a block's arithmetic instead of BLAS.
 * Every product has one side of width mp (16 or 32 floats: one or two
 * registers), so register-blocked loops with fused multiply-adds reach most
 * of the machine's speed, and what BLAS could not do is fused in: the
 * decoder's tile goes straight through bias, ReLU, error, loss and output
 * gradient while still in registers; inputs and output gradients are used
 * densely or entry by entry according to the block's own fill. The routes
 * and the order of every sum depend only on the run's data, so a run's
 * result never depends on threads or batch-mates. Rows are nq floats (n
 * rounded up to 16, zero padded) so no loop needs a masked tail. */
#include <stdint.h>
#include <string.h>

#include "kern.h"
#include "kern_isa.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

#define X5 static inline __attribute__((always_inline, target("avx512f")))
#define X5_FN __attribute__((target("avx512f")))
/* Fill at which a side is multiplied densely rather than entry by entry: a
 * dense product costs about as much per cell as the sparse route per
 * non-zero entry divided by these. */
#define X5_DENSE_X 5
#define X5_DENSE_Y 8

int kern_x5_usable(int m)
{
    __builtin_cpu_init();
    return m <= 32 && kern_isa() == KERN_ISA_AVX512;
}

/* C[r] = sum_k A[r][k] B[k] for rows r0 .. r0+RB, B rows of V vectors. */
X5 void x5_nn_tile(const int RB, const int V, int K, const float *A, int lda,
                   const float *B, float *C, int ldc)
{
    __m512 acc[12][2];
#pragma GCC unroll 12
    for (int r = 0; r < RB; r++)
        acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        __m512 b0 = _mm512_loadu_ps(B + (size_t)k * 16 * V), b1 = b0;
        if (V == 2)
            b1 = _mm512_loadu_ps(B + (size_t)k * 32 + 16);
#pragma GCC unroll 12
        for (int r = 0; r < RB; r++) {
            __m512 a = _mm512_set1_ps(A[(size_t)r * lda + k]);
            acc[r][0] = _mm512_fmadd_ps(a, b0, acc[r][0]);
            if (V == 2)
                acc[r][1] = _mm512_fmadd_ps(a, b1, acc[r][1]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 2
        for (int v = 0; v < V; v++)
            _mm512_storeu_ps(C + (size_t)r * ldc + 16 * v, acc[r][v]);
}

/* C[R x 16V] = A[R x K] B[K x 16V]. */
X5 void x5_nn(const int V, int R, int K, const float *A, int lda, const float *B, float *C)
{
    int r = 0;
    for (; r + 12 <= R; r += 12)
        x5_nn_tile(12, V, K, A + (size_t)r * lda, lda, B, C + (size_t)r * 16 * V, 16 * V);
    for (; r < R; r++)
        x5_nn_tile(1, V, K, A + (size_t)r * lda, lda, B, C + (size_t)r * 16 * V, 16 * V);
}

/* G[i] += sum_r A[r][i] B[r] for features i0 .. i0+IB. */
X5 void x5_tn_tile(const int IB, const int V, int R, const float *A, int lda,
                   const float *B, float *G)
{
    __m512 acc[12][2];
#pragma GCC unroll 12
    for (int i = 0; i < IB; i++) {
        acc[i][0] = _mm512_loadu_ps(G + (size_t)i * 16 * V);
        acc[i][1] = V == 2 ? _mm512_loadu_ps(G + (size_t)i * 32 + 16) : acc[i][0];
    }
    for (int r = 0; r < R; r++) {
        __m512 b0 = _mm512_loadu_ps(B + (size_t)r * 16 * V), b1 = b0;
        if (V == 2)
            b1 = _mm512_loadu_ps(B + (size_t)r * 32 + 16);
#pragma GCC unroll 12
        for (int i = 0; i < IB; i++) {
            __m512 a = _mm512_set1_ps(A[(size_t)r * lda + i]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            if (V == 2)
                acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < IB; i++)
#pragma GCC unroll 2
        for (int v = 0; v < V; v++)
            _mm512_storeu_ps(G + (size_t)i * 16 * V + 16 * v, acc[i][v]);
}

/* G[nq x 16V] += A[R x nq]^T B[R x 16V] (nq a multiple of 16). */
X5 void x5_tn(const int V, int R, int nq, const float *A, const float *B, float *G)
{
    int i = 0;
    for (; i + 12 <= nq; i += 12)
        x5_tn_tile(12, V, R, A + i, nq, B, G + (size_t)i * 16 * V);
    for (; i < nq; i += 4)
        x5_tn_tile(4, V, R, A + i, nq, B, G + (size_t)i * 16 * V);
}

/* One decoder tile, RB rows by CB vectors of features from column c0:
 * y = H WT + b, then the output gradient, loss and bias gradient in place.
 * Returns the number of non-zero output gradients. */
X5 long x5_dec_tile(const int RB, const int CB, const struct kern_gws *w, int m, int relu,
                    const float *H, const float *X, float *Y, int c0, float *gb)
{
    const int nq = w->nq, mp = w->mp;
    __m512 acc[8][3];
#pragma GCC unroll 8
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 3
        for (int c = 0; c < CB; c++)
            acc[r][c] = _mm512_setzero_ps();
    for (int k = 0; k < m; k++) {
        __m512 wt[3];
#pragma GCC unroll 3
        for (int c = 0; c < CB; c++)
            wt[c] = _mm512_loadu_ps(w->WTp + (size_t)k * nq + c0 + 16 * c);
#pragma GCC unroll 8
        for (int r = 0; r < RB; r++) {
            __m512 h = _mm512_set1_ps(H[(size_t)r * mp + k]);
#pragma GCC unroll 3
            for (int c = 0; c < CB; c++)
                acc[r][c] = _mm512_fmadd_ps(h, wt[c], acc[r][c]);
        }
    }
    long nz = 0;
#pragma GCC unroll 3
    for (int c = 0; c < CB; c++) {
        const int i = c0 + 16 * c;
        __m512 b = _mm512_loadu_ps(w->bp + i), imp = _mm512_loadu_ps(w->impp + i);
        __m512 lv = _mm512_loadu_ps(w->lossv + i), gv = _mm512_loadu_ps(gb + i);
#pragma GCC unroll 8
        for (int r = 0; r < RB; r++) {
            __m512 v = _mm512_add_ps(acc[r][c], b);
            __mmask16 on = relu ? _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ)
                                : (__mmask16)0xffff;
            __m512 e = _mm512_sub_ps(_mm512_maskz_mov_ps(on, v),
                                     _mm512_loadu_ps(X + (size_t)r * nq + i));
            __m512 ie = _mm512_mul_ps(imp, e);
            lv = _mm512_add_ps(lv, _mm512_mul_ps(ie, e));
            __m512 d = _mm512_maskz_mov_ps(on, ie);
            gv = _mm512_add_ps(gv, d);
            nz += __builtin_popcount(_mm512_cmp_ps_mask(d, _mm512_setzero_ps(), _CMP_NEQ_UQ));
            _mm512_storeu_ps(Y + (size_t)r * nq + i, d);
        }
        _mm512_storeu_ps(w->lossv + i, lv);
        _mm512_storeu_ps(gb + i, gv);
    }
    return nz;
}

/* The decoder and output pass over R rows; returns the non-zero count. */
X5 long x5_decode(const struct kern_gws *w, int R, int m, int relu, float *gb)
{
    const int nq = w->nq, mp = w->mp;
    long nz = 0;
    int r = 0;
    for (; r + 8 <= R; r += 8) {
        const float *H = w->H + (size_t)r * mp, *X = w->X + (size_t)r * nq;
        float *Y = w->Y + (size_t)r * nq;
        int c0 = 0;
        for (; c0 + 48 <= nq; c0 += 48)
            nz += x5_dec_tile(8, 3, w, m, relu, H, X, Y, c0, gb);
        for (; c0 < nq; c0 += 16)
            nz += x5_dec_tile(8, 1, w, m, relu, H, X, Y, c0, gb);
    }
    for (; r < R; r++) {
        const float *H = w->H + (size_t)r * mp, *X = w->X + (size_t)r * nq;
        for (int c0 = 0; c0 < nq; c0 += 16)
            nz += x5_dec_tile(1, 1, w, m, relu, H, X, w->Y + (size_t)r * nq, c0, gb);
    }
    return nz;
}

/* h = sum over the row's list of val * Wp[idx] (two partial sums so that
 * consecutive entries do not wait on each other). */
X5 void x5_enc_sparse(const int V, const struct kern_gws *w, int R)
{
    const int mp = w->mp;
    for (int r = 0; r < R; r++) {
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, c0 = a0, c1 = a0;
        int t = w->rowptr[r];
        const int end = w->rowptr[r + 1];
        for (; t + 2 <= end; t += 2) {
            const float *p = w->Wp + (size_t)w->idx[t] * mp;
            const float *q = w->Wp + (size_t)w->idx[t + 1] * mp;
            __m512 s = _mm512_set1_ps(w->val[t]), u = _mm512_set1_ps(w->val[t + 1]);
            a0 = _mm512_fmadd_ps(s, _mm512_loadu_ps(p), a0);
            c0 = _mm512_fmadd_ps(u, _mm512_loadu_ps(q), c0);
            if (V == 2) {
                a1 = _mm512_fmadd_ps(s, _mm512_loadu_ps(p + 16), a1);
                c1 = _mm512_fmadd_ps(u, _mm512_loadu_ps(q + 16), c1);
            }
        }
        if (t < end) {
            const float *p = w->Wp + (size_t)w->idx[t] * mp;
            __m512 s = _mm512_set1_ps(w->val[t]);
            a0 = _mm512_fmadd_ps(s, _mm512_loadu_ps(p), a0);
            if (V == 2)
                a1 = _mm512_fmadd_ps(s, _mm512_loadu_ps(p + 16), a1);
        }
        _mm512_storeu_ps(w->H + (size_t)r * mp, _mm512_add_ps(a0, c0));
        if (V == 2)
            _mm512_storeu_ps(w->H + (size_t)r * mp + 16, _mm512_add_ps(a1, c1));
    }
}

/* gWp[idx] += val * dH[r] over the rows' lists. */
X5 void x5_back_in_sparse(const int V, struct kern_gws *w, int R)
{
    const int mp = w->mp;
    for (int r = 0; r < R; r++) {
        const float *dh = w->dH + (size_t)r * mp;
        __m512 d0 = _mm512_loadu_ps(dh), d1 = d0;
        if (V == 2)
            d1 = _mm512_loadu_ps(dh + 16);
        for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++) {
            float *g = w->gWp + (size_t)w->idx[t] * mp;
            __m512 s = _mm512_set1_ps(w->val[t]);
            _mm512_storeu_ps(g, _mm512_fmadd_ps(s, d0, _mm512_loadu_ps(g)));
            if (V == 2)
                _mm512_storeu_ps(g + 16, _mm512_fmadd_ps(s, d1, _mm512_loadu_ps(g + 16)));
        }
    }
}

/* dH[r] = sum_i dY[r][i] Wp[i] and gWp[i] += dY[r][i] H[r], over the
 * non-zero dY only, found sixteen at a time by a vector compare. */
X5 void x5_back_out_sparse(const int V, struct kern_gws *w, int R)
{
    const int nq = w->nq, mp = w->mp;
    for (int r = 0; r < R; r++) {
        const float *dy = w->Y + (size_t)r * nq, *h = w->H + (size_t)r * mp;
        __m512 h0 = _mm512_loadu_ps(h), h1 = h0, a0 = _mm512_setzero_ps(), a1 = a0;
        if (V == 2)
            h1 = _mm512_loadu_ps(h + 16);
        for (int c0 = 0; c0 < nq; c0 += 16) {
            unsigned msk = _mm512_cmp_ps_mask(_mm512_loadu_ps(dy + c0), _mm512_setzero_ps(),
                                              _CMP_NEQ_UQ);
            while (msk) {
                const int i = c0 + __builtin_ctz(msk);
                msk &= msk - 1;
                const float *wr = w->Wp + (size_t)i * mp;
                float *g = w->gWp + (size_t)i * mp;
                __m512 s = _mm512_set1_ps(dy[i]);
                a0 = _mm512_fmadd_ps(s, _mm512_loadu_ps(wr), a0);
                _mm512_storeu_ps(g, _mm512_fmadd_ps(s, h0, _mm512_loadu_ps(g)));
                if (V == 2) {
                    a1 = _mm512_fmadd_ps(s, _mm512_loadu_ps(wr + 16), a1);
                    _mm512_storeu_ps(g + 16, _mm512_fmadd_ps(s, h1, _mm512_loadu_ps(g + 16)));
                }
            }
        }
        _mm512_storeu_ps(w->dH + (size_t)r * mp, a0);
        if (V == 2)
            _mm512_storeu_ps(w->dH + (size_t)r * mp + 16, a1);
    }
}

/* Lists of the non-zero entries of the dense rows X (for sparse use),
 * sixteen entries at a time by compressing under the non-zero mask; each
 * store may write up to 15 entries past the list's end (room is reserved). */
X5 void x5_lists(struct kern_gws *w, int R)
{
    const int nq = w->nq;
    const __m512i step = _mm512_set1_epi32(16);
    int c = 0;
    for (int r = 0; r < R; r++) {
        const float *x = w->X + (size_t)r * nq;
        __m512i col = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        w->rowptr[r] = c;
        for (int c0 = 0; c0 < nq; c0 += 16) {
            __m512 v = _mm512_loadu_ps(x + c0);
            __mmask16 msk = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
            _mm512_storeu_ps(w->val + c, _mm512_maskz_compress_ps(msk, v));
            _mm512_storeu_si512(w->idx + c, _mm512_maskz_compress_epi32(msk, col));
            c += __builtin_popcount(msk);
            col = _mm512_add_epi32(col, step);
        }
    }
    w->rowptr[R] = c;
}

/* Scatter the lists into the (all-zero) dense rows, or zero them again. */
static void x5_scatter(struct kern_gws *w, int R, int clear)
{
    for (int r = 0; r < R; r++)
        for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++)
            w->X[(size_t)r * w->nq + w->idx[t]] = clear ? 0.0f : w->val[t];
}

X5 void x5_block_v(const int V, const struct kern_model *md, struct kern_gws *w, int R,
                   int have_x)
{
    const long cells = (long)R * md->n;
    const int mp = w->mp, nq = w->nq, hidden = md->kind == TRAIN_RELU_HIDDEN;
    if (!have_x)
        x5_scatter(w, R, 0);
    const int dense_x = have_x && w->bnnz * X5_DENSE_X >= cells;
    if (have_x && !dense_x)
        x5_lists(w, R);
    if (dense_x)
        x5_nn(V, R, nq, w->X, nq, w->Wp, w->H);
    else
        x5_enc_sparse(V, w, R);
    if (hidden) {
        memcpy(w->Hpre, w->H, sizeof(float) * (size_t)R * mp);
        for (size_t j = 0; j < (size_t)R * mp; j++)
            w->H[j] = w->H[j] > 0 ? w->H[j] : 0;
    }
    long nz = x5_decode(w, R, md->m, md->kind != TRAIN_LINEAR, w->gbp);
    if (nz * X5_DENSE_Y >= cells) {
        x5_nn(V, R, nq, w->Y, nq, w->Wp, w->dH);
        x5_tn(V, R, nq, w->Y, w->H, w->gWp);
    } else
        x5_back_out_sparse(V, w, R);
    if (hidden)
        for (size_t j = 0; j < (size_t)R * mp; j++)
            w->dH[j] = w->Hpre[j] > 0 ? w->dH[j] : 0;
    if (dense_x)
        x5_tn(V, R, nq, w->X, w->dH, w->gWp);
    else
        x5_back_in_sparse(V, w, R);
    if (!have_x)
        x5_scatter(w, R, 1);
}

X5_FN void kern_x5_block(const struct kern_model *md, struct kern_gws *w, int R, int have_x)
{
    if (R == 0)
        return;
    if (w->mp == 16)
        x5_block_v(1, md, w, R, have_x);
    else
        x5_block_v(2, md, w, R, have_x);
}

#else

int kern_x5_usable(int m)
{
    (void)m;
    return 0;
}

void kern_x5_block(const struct kern_model *md, struct kern_gws *w, int R, int have_x)
{
    (void)md, (void)w, (void)R, (void)have_x;
}

#endif
