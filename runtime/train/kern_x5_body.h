/* runtime/train/kern_x5_body.h: the large-model block, compiled per
 * instruction set (kern_avx512.c with 16-float vectors, kern_avx2.c with 8).
 * kern_gemm.c gathers a step's non-empty examples into blocks; for m <= 32
 * this does a block's arithmetic instead of BLAS. Every product has one side
 * of width mp (16 or 32 floats: XV = mp / XW registers), so register-blocked
 * loops with fused multiply-adds reach most of the machine's speed, and
 * what BLAS could not do is fused in: the decoder's tile goes straight
 * through bias, ReLU, error, loss and output gradient while still in
 * registers; inputs and output gradients are used densely or entry by entry
 * according to the block's own fill. Tile sizes follow the register count
 * (32 on AVX-512, 16 on AVX2), but every output element is summed in the
 * same order on both, so the two instances agree bit for bit. The routes
 * depend only on the run's data, so a run's result never depends on
 * threads or batch-mates. Rows are nq floats (n rounded up to 16, zero
 * padded) so no loop needs a masked tail. AVX2 has no mask registers: its
 * masks are vectors and their bits come from movemask. */
#include <immintrin.h>
#include <string.h>

#include "kern_inst.h"

#define X5 static inline __attribute__((always_inline))
#define X5_DENSE_X 5
#define X5_DENSE_Y 8
#define X5_CAT2(a, b) a##_##b
#define X5_CAT(a, b) X5_CAT2(a, b)

#if KI_W == 16
#define XW 16
typedef __m512 xv;
typedef __mmask16 xm;
#define X_LD(p) _mm512_loadu_ps(p)
#define X_ST(p, v) _mm512_storeu_ps(p, v)
#define X_SET1(a) _mm512_set1_ps(a)
#define X_ZERO() _mm512_setzero_ps()
#define X_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
#define X_ADD(a, b) _mm512_add_ps(a, b)
#define X_SUB(a, b) _mm512_sub_ps(a, b)
#define X_MUL(a, b) _mm512_mul_ps(a, b)
#define X_GT0(v) _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ)
#define X_ALL() ((xm)0xffff)
#define X_MASKZ(m, v) _mm512_maskz_mov_ps(m, v)
#define X_NZBITS(v) ((unsigned)_mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ))
#define X_RBV(V) 12 /* rows per product tile: RB * V accumulators */
#define X_RBMAX 12
#define X_RB_TAIL 4
#define X_DR 8  /* decoder tile: X_DR rows x X_DC vectors */
#define X_DC 3
#else
#define XW 8
typedef __m256 xv;
typedef __m256 xm;
#define X_LD(p) _mm256_loadu_ps(p)
#define X_ST(p, v) _mm256_storeu_ps(p, v)
#define X_SET1(a) _mm256_set1_ps(a)
#define X_ZERO() _mm256_setzero_ps()
#define X_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#define X_ADD(a, b) _mm256_add_ps(a, b)
#define X_SUB(a, b) _mm256_sub_ps(a, b)
#define X_MUL(a, b) _mm256_mul_ps(a, b)
#define X_GT0(v) _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_GT_OQ)
#define X_ALL() _mm256_castsi256_ps(_mm256_set1_epi32(-1))
#define X_MASKZ(m, v) _mm256_and_ps(m, v)
#define X_NZBITS(v) ((unsigned)_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ)))
#define X_RBV(V) ((V) == 4 ? 2 : 6)
#define X_RBMAX 6
#define X_RB_TAIL 2
#define X_DR 4
#define X_DC 3
#endif
#define X_MAXV (32 / XW)

/* C[r] = sum_k A[r][k] B[k] for RB rows, B rows of V vectors. */
X5 void x5_nn_tile(const int RB, const int V, int K, const float *A, int lda,
                   const float *B, float *C, int ldc)
{
    xv acc[X_RBMAX][X_MAXV];
#pragma GCC unroll 12
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            acc[r][v] = X_ZERO();
    for (int k = 0; k < K; k++) {
        xv b[X_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            b[v] = X_LD(B + (size_t)k * XW * V + XW * v);
#pragma GCC unroll 12
        for (int r = 0; r < RB; r++) {
            xv a = X_SET1(A[(size_t)r * lda + k]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++)
                acc[r][v] = X_FMA(a, b[v], acc[r][v]);
        }
    }
#pragma GCC unroll 12
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            X_ST(C + (size_t)r * ldc + XW * v, acc[r][v]);
}

/* C[R x XW V] = A[R x K] B[K x XW V]. */
X5 void x5_nn(const int V, int R, int K, const float *A, int lda, const float *B, float *C)
{
    int r = 0;
    for (; r + X_RBV(V) <= R; r += X_RBV(V))
        x5_nn_tile(X_RBV(V), V, K, A + (size_t)r * lda, lda, B, C + (size_t)r * XW * V, XW * V);
    for (; r < R; r++)
        x5_nn_tile(1, V, K, A + (size_t)r * lda, lda, B, C + (size_t)r * XW * V, XW * V);
}

/* G[i] += sum_r A[r][i] B[r] for IB features. */
X5 void x5_tn_tile(const int IB, const int V, int R, const float *A, int lda,
                   const float *B, float *G)
{
    xv acc[X_RBMAX][X_MAXV];
#pragma GCC unroll 12
    for (int i = 0; i < IB; i++)
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            acc[i][v] = X_LD(G + (size_t)i * XW * V + XW * v);
    for (int r = 0; r < R; r++) {
        xv b[X_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            b[v] = X_LD(B + (size_t)r * XW * V + XW * v);
#pragma GCC unroll 12
        for (int i = 0; i < IB; i++) {
            xv a = X_SET1(A[(size_t)r * lda + i]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++)
                acc[i][v] = X_FMA(a, b[v], acc[i][v]);
        }
    }
#pragma GCC unroll 12
    for (int i = 0; i < IB; i++)
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            X_ST(G + (size_t)i * XW * V + XW * v, acc[i][v]);
}

/* G[nq x XW V] += A[R x nq]^T B[R x XW V] (nq a multiple of 16). */
X5 void x5_tn(const int V, int R, int nq, const float *A, const float *B, float *G)
{
    int i = 0;
    for (; i + X_RBV(V) <= nq; i += X_RBV(V))
        x5_tn_tile(X_RBV(V), V, R, A + i, nq, B, G + (size_t)i * XW * V);
    for (; i < nq; i += X_RB_TAIL)
        x5_tn_tile(X_RB_TAIL, V, R, A + i, nq, B, G + (size_t)i * XW * V);
}

/* One decoder tile, RB rows by CB vectors of features from column c0:
 * y = H WT + b, then the output gradient, loss and bias gradient in place.
 * Returns the number of non-zero output gradients. */
X5 long x5_dec_tile(const int RB, const int CB, const struct kern_gws *w, int m, int relu,
                    const float *H, const float *X, float *Y, int c0, float *gb)
{
    const int nq = w->nq, mp = w->mp;
    xv acc[X_DR][X_DC];
#pragma GCC unroll 8
    for (int r = 0; r < RB; r++)
#pragma GCC unroll 3
        for (int c = 0; c < CB; c++)
            acc[r][c] = X_ZERO();
    for (int k = 0; k < m; k++) {
        xv wt[X_DC];
#pragma GCC unroll 3
        for (int c = 0; c < CB; c++)
            wt[c] = X_LD(w->WTp + (size_t)k * nq + c0 + XW * c);
#pragma GCC unroll 8
        for (int r = 0; r < RB; r++) {
            xv h = X_SET1(H[(size_t)r * mp + k]);
#pragma GCC unroll 3
            for (int c = 0; c < CB; c++)
                acc[r][c] = X_FMA(h, wt[c], acc[r][c]);
        }
    }
    long nz = 0;
#pragma GCC unroll 3
    for (int c = 0; c < CB; c++) {
        const int i = c0 + XW * c;
        xv b = X_LD(w->bp + i), imp = X_LD(w->impp + i);
        xv lv = X_LD(w->lossv + i), gv = X_LD(gb + i);
#pragma GCC unroll 8
        for (int r = 0; r < RB; r++) {
            xv v = X_ADD(acc[r][c], b);
            xm on = relu ? X_GT0(v) : X_ALL();
            xv e = X_SUB(X_MASKZ(on, v), X_LD(X + (size_t)r * nq + i));
            xv ie = X_MUL(imp, e);
            lv = X_ADD(lv, X_MUL(ie, e));
            xv d = X_MASKZ(on, ie);
            gv = X_ADD(gv, d);
            nz += __builtin_popcount(X_NZBITS(d));
            X_ST(Y + (size_t)r * nq + i, d);
        }
        X_ST(w->lossv + i, lv);
        X_ST(gb + i, gv);
    }
    return nz;
}

/* The decoder and output pass over R rows; returns the non-zero count. */
X5 long x5_decode(const struct kern_gws *w, int R, int m, int relu, float *gb)
{
    const int nq = w->nq, mp = w->mp;
    long nz = 0;
    int r = 0;
    for (; r + X_DR <= R; r += X_DR) {
        const float *H = w->H + (size_t)r * mp, *X = w->X + (size_t)r * nq;
        float *Y = w->Y + (size_t)r * nq;
        int c0 = 0;
        for (; c0 + X_DC * XW <= nq; c0 += X_DC * XW)
            nz += x5_dec_tile(X_DR, X_DC, w, m, relu, H, X, Y, c0, gb);
        for (; c0 < nq; c0 += XW)
            nz += x5_dec_tile(X_DR, 1, w, m, relu, H, X, Y, c0, gb);
    }
    for (; r < R; r++) {
        const float *H = w->H + (size_t)r * mp, *X = w->X + (size_t)r * nq;
        for (int c0 = 0; c0 < nq; c0 += XW)
            nz += x5_dec_tile(1, 1, w, m, relu, H, X, w->Y + (size_t)r * nq, c0, gb);
    }
    return nz;
}

/* h = sum over the row's list of val * Wp[idx] (two partial sums, even and
 * odd entries, so that consecutive entries do not wait on each other). */
X5 void x5_enc_sparse(const int V, const struct kern_gws *w, int R)
{
    const int mp = w->mp;
    for (int r = 0; r < R; r++) {
        xv a[X_MAXV], c[X_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            a[v] = c[v] = X_ZERO();
        int t = w->rowptr[r];
        const int end = w->rowptr[r + 1];
        for (; t + 2 <= end; t += 2) {
            const float *p = w->Wp + (size_t)w->idx[t] * mp;
            const float *q = w->Wp + (size_t)w->idx[t + 1] * mp;
            xv s = X_SET1(w->val[t]), u = X_SET1(w->val[t + 1]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++) {
                a[v] = X_FMA(s, X_LD(p + XW * v), a[v]);
                c[v] = X_FMA(u, X_LD(q + XW * v), c[v]);
            }
        }
        if (t < end) {
            const float *p = w->Wp + (size_t)w->idx[t] * mp;
            xv s = X_SET1(w->val[t]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++)
                a[v] = X_FMA(s, X_LD(p + XW * v), a[v]);
        }
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            X_ST(w->H + (size_t)r * mp + XW * v, X_ADD(a[v], c[v]));
    }
}

/* gWp[idx] += val * dH[r] over the rows' lists. */
X5 void x5_back_in_sparse(const int V, struct kern_gws *w, int R)
{
    const int mp = w->mp;
    for (int r = 0; r < R; r++) {
        xv d[X_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            d[v] = X_LD(w->dH + (size_t)r * mp + XW * v);
        for (int t = w->rowptr[r]; t < w->rowptr[r + 1]; t++) {
            float *g = w->gWp + (size_t)w->idx[t] * mp;
            xv s = X_SET1(w->val[t]);
#pragma GCC unroll 4
            for (int v = 0; v < V; v++)
                X_ST(g + XW * v, X_FMA(s, d[v], X_LD(g + XW * v)));
        }
    }
}

/* dH[r] = sum_i dY[r][i] Wp[i] and gWp[i] += dY[r][i] H[r], over the
 * non-zero dY only, found a vector at a time by a compare. */
X5 void x5_back_out_sparse(const int V, struct kern_gws *w, int R)
{
    const int nq = w->nq, mp = w->mp;
    for (int r = 0; r < R; r++) {
        const float *dy = w->Y + (size_t)r * nq, *h = w->H + (size_t)r * mp;
        xv hv[X_MAXV], a[X_MAXV];
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            hv[v] = X_LD(h + XW * v), a[v] = X_ZERO();
        for (int c0 = 0; c0 < nq; c0 += XW) {
            unsigned msk = X_NZBITS(X_LD(dy + c0));
            while (msk) {
                const int i = c0 + __builtin_ctz(msk);
                msk &= msk - 1;
                const float *wr = w->Wp + (size_t)i * mp;
                float *g = w->gWp + (size_t)i * mp;
                xv s = X_SET1(dy[i]);
#pragma GCC unroll 4
                for (int v = 0; v < V; v++) {
                    a[v] = X_FMA(s, X_LD(wr + XW * v), a[v]);
                    X_ST(g + XW * v, X_FMA(s, hv[v], X_LD(g + XW * v)));
                }
            }
        }
#pragma GCC unroll 4
        for (int v = 0; v < V; v++)
            X_ST(w->dH + (size_t)r * mp + XW * v, a[v]);
    }
}

/* Lists of the non-zero entries of the dense rows X (for sparse use), in
 * column order: AVX-512 compresses sixteen at a time (each store may write
 * up to 15 entries past the list's end; room is reserved), AVX2 walks the
 * compare's bits. */
X5 void x5_lists(struct kern_gws *w, int R)
{
    const int nq = w->nq;
    int c = 0;
    for (int r = 0; r < R; r++) {
        const float *x = w->X + (size_t)r * nq;
        w->rowptr[r] = c;
#if XW == 16
        const __m512i step = _mm512_set1_epi32(16);
        __m512i col = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        for (int c0 = 0; c0 < nq; c0 += 16) {
            __m512 v = _mm512_loadu_ps(x + c0);
            __mmask16 msk = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ);
            _mm512_storeu_ps(w->val + c, _mm512_maskz_compress_ps(msk, v));
            _mm512_storeu_si512(w->idx + c, _mm512_maskz_compress_epi32(msk, col));
            c += __builtin_popcount(msk);
            col = _mm512_add_epi32(col, step);
        }
#else
        for (int c0 = 0; c0 < nq; c0 += XW)
            for (unsigned msk = X_NZBITS(X_LD(x + c0)); msk; msk &= msk - 1) {
                const int i = c0 + __builtin_ctz(msk);
                w->idx[c] = i;
                w->val[c++] = x[i];
            }
#endif
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

/* The hidden ReLU (relu-hidden): keep H's pre-activation, or mask dH by it. */
static void x5_hidden(struct kern_gws *w, int R, int backward)
{
    const size_t len = (size_t)R * w->mp;
    if (!backward) {
        memcpy(w->Hpre, w->H, sizeof(float) * len);
        for (size_t j = 0; j < len; j++)
            w->H[j] = w->H[j] > 0 ? w->H[j] : 0;
    } else
        for (size_t j = 0; j < len; j++)
            w->dH[j] = w->Hpre[j] > 0 ? w->dH[j] : 0;
}

X5 void x5_block_v(const int V, const struct kern_model *md, struct kern_gws *w, int R,
                   int have_x)
{
    const long cells = (long)R * md->n;
    const int nq = w->nq, hidden = md->kind == TRAIN_RELU_HIDDEN;
    if (!have_x)
        x5_scatter(w, R, 0);
    const int dense_x = have_x && w->bnnz * X5_DENSE_X >= cells;
    if (have_x && !dense_x)
        x5_lists(w, R);
    if (dense_x)
        x5_nn(V, R, nq, w->X, nq, w->Wp, w->H);
    else
        x5_enc_sparse(V, w, R);
    if (hidden)
        x5_hidden(w, R, 0);
    long nz = x5_decode(w, R, md->m, md->kind != TRAIN_LINEAR, w->gbp);
    if (nz * X5_DENSE_Y >= cells) {
        x5_nn(V, R, nq, w->Y, nq, w->Wp, w->dH);
        x5_tn(V, R, nq, w->Y, w->H, w->gWp);
    } else
        x5_back_out_sparse(V, w, R);
    if (hidden)
        x5_hidden(w, R, 1);
    if (dense_x)
        x5_tn(V, R, nq, w->X, w->dH, w->gWp);
    else
        x5_back_in_sparse(V, w, R);
    if (!have_x)
        x5_scatter(w, R, 1);
}

void X5_CAT(kern_x5_block, KI_SFX)(const struct kern_model *md, struct kern_gws *w, int R,
                                    int have_x)
{
    if (R == 0)
        return;
    if (w->mp == 16)
        x5_block_v(16 / XW, md, w, R, have_x);
    else
        x5_block_v(32 / XW, md, w, R, have_x);
}
