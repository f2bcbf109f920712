/* runtime/train/kern_lanes_body.h: the many-models kernel, compiled once per
 * instruction set after kern_vx_body.h (whose vector types, vx_fma and
 * unrolling it shares; KI_W and KI_SFX as there). A group's lanes are cut
 * into chunks of one vector, KI_W models; a chunk does a whole step of its
 * models, every example with the same float operations in every lane, so
 * each model gets the same bits in any chunk, group or instance. Per
 * example and feature a lane reads its own generator's next word, exactly
 * as rng_next would give it: the buffer is refilled, lane by lane, by the
 * xoshiro256** of rng.h written with shifts and adds (AVX2 has no 64-bit
 * multiply). */

/* Half a chunk's lanes in double, one register (GCC keeps wider generic
 * vectors in memory, and the loss sum then went through it every example). */
typedef double lanes_vd __attribute__((vector_size(4 * KI_W)));
typedef float lanes_vfh __attribute__((vector_size(2 * KI_W)));
#define LANES_H (KI_W / 2) /* 64-bit words per register: a chunk's lanes are two registers */

/* Refill the generator buffers of lanes c0 .. c0+KI_W-1: rng_refill's
 * arithmetic, with the lanes of many models in place of one model's; one
 * register (vq) per half of the chunk, since GCC keeps wider generic vectors
 * in memory. The two halves advance in the same loop: each xoshiro step is
 * a chain of dependent operations, and two independent chains keep the
 * vector units busy where one leaves them waiting. */
static void VX_FN(lanes_refill)(struct kern_lanes *g, int c0)
{
    const int l0 = c0, l1 = c0 + LANES_H;
    for (int c = 0; c < RNG_LANES; c++) {
        vq a0, a1, a2, a3, b0, b1, b2, b3;
        memcpy(&a0, g->s[0][c] + l0, sizeof a0), memcpy(&a1, g->s[1][c] + l0, sizeof a1);
        memcpy(&a2, g->s[2][c] + l0, sizeof a2), memcpy(&a3, g->s[3][c] + l0, sizeof a3);
        memcpy(&b0, g->s[0][c] + l1, sizeof b0), memcpy(&b1, g->s[1][c] + l1, sizeof b1);
        memcpy(&b2, g->s[2][c] + l1, sizeof b2), memcpy(&b3, g->s[3][c] + l1, sizeof b3);
        for (int it = 0; it < RNG_BUF / RNG_LANES; it++) {
            vq oa, ob;
            RNG_XOSHIRO_STEP(vq, a0, a1, a2, a3, oa);
            RNG_XOSHIRO_STEP(vq, b0, b1, b2, b3, ob);
            memcpy(g->buf[it * RNG_LANES + c] + l0, &oa, sizeof oa);
            memcpy(g->buf[it * RNG_LANES + c] + l1, &ob, sizeof ob);
        }
        memcpy(g->s[0][c] + l0, &a0, sizeof a0), memcpy(g->s[1][c] + l0, &a1, sizeof a1);
        memcpy(g->s[2][c] + l0, &a2, sizeof a2), memcpy(g->s[3][c] + l0, &a3, sizeof a3);
        memcpy(g->s[0][c] + l1, &b0, sizeof b0), memcpy(g->s[1][c] + l1, &b1, sizeof b1);
        memcpy(g->s[2][c] + l1, &b2, sizeof b2), memcpy(g->s[3][c] + l1, &b3, sizeof b3);
    }
}

/* The first and second halves of a vector's lanes; the low (even) and
 * high (odd) 32-bit halves of two registers of words. */
#if KI_W == 4
#define LANES_FIRST 0, 1
#define LANES_SECOND 2, 3
#define LANES_LO 0, 2, 4, 6
#define LANES_HI 1, 3, 5, 7
#elif KI_W == 8
#define LANES_FIRST 0, 1, 2, 3
#define LANES_SECOND 4, 5, 6, 7
#define LANES_LO 0, 2, 4, 6, 8, 10, 12, 14
#define LANES_HI 1, 3, 5, 7, 9, 11, 13, 15
#else
#define LANES_FIRST 0, 1, 2, 3, 4, 5, 6, 7
#define LANES_SECOND 8, 9, 10, 11, 12, 13, 14, 15
#define LANES_LO 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30
#define LANES_HI 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31
#endif

/* One element from each lane's word at pos: present iff the low 32 bits
 * are below the threshold, value from the high 24 bits. */
VX_INLINE vf VX_FN(lanes_draw)(const struct kern_lanes *g, int pos, int c0, vi sthr, vi always)
{
    vu a, b;
    memcpy(&a, g->buf[pos] + c0, sizeof a);
    memcpy(&b, g->buf[pos] + c0 + LANES_H, sizeof b);
    vu lo = __builtin_shufflevector(a, b, LANES_LO), hi = __builtin_shufflevector(a, b, LANES_HI);
    vi present = ((vi)(lo ^ 0x80000000u) < sthr) | always;
    vf val = __builtin_convertvector((vi)(hi >> 8), vf) * (1.0f / 16777216.0f);
    return vx_and(val, present);
}

/* A chunk's per-lane constants and sums, as arrays of the caller (sized
 * by the shape, constants for the standard ones, so that the compiler
 * keeps them in registers): W [n*m], b, imp [n], thresholds sthr, always
 * [n]; sums gW [n*m], gb [n]; x [n] the example; t scratch [3m + n]. */
struct VX_FN(lanes_ck) {
    struct vx_cst c;
    vf *gW, *gb, *x, *t;
};

/* Forward and backward of the example k->x of every lane, into the
 * chunk's sums; the operations of vx_block, with each lane's own weights.
 * Returns the example's loss (half units, summed over features). */
VX_INLINE vf VX_FN(lanes_example)(const struct VX_FN(lanes_ck) *k, enum train_kind kind, int n,
                                  int m)
{
    vf *h = k->t, *hp = k->t + m, *dh = k->t + 2 * m, *d = k->t + 3 * m;
    const vf *W = k->c.W, *x = k->x;
    vf le = (vf){0};
    VX_UNROLL
    for (int j = 0; j < m; j++)
        h[j] = (vf){0};
    VX_UNROLL
    for (int i = 0; i < n; i++)
        VX_UNROLL
        for (int j = 0; j < m; j++)
            h[j] = vx_fma(x[i], W[i * m + j], h[j]);
    VX_UNROLL
    for (int j = 0; j < m; j++) {
        hp[j] = h[j];
        if (kind == TRAIN_RELU_HIDDEN)
            h[j] = vx_and(h[j], h[j] > 0);
        dh[j] = (vf){0};
    }
    VX_UNROLL
    for (int i = 0; i < n; i++) {
        vf y = k->c.b[i];
        VX_UNROLL
        for (int j = 0; j < m; j++)
            y = vx_fma(W[i * m + j], h[j], y);
        vf o = kind != TRAIN_LINEAR ? vx_and(y, y > 0) : y;
        vf e = o - x[i];
        vf ie = k->c.imp[i] * e;
        d[i] = kind != TRAIN_LINEAR ? vx_and(ie, y > 0) : ie;
        le = vx_fma(ie, e, le);
        k->gb[i] += d[i];
        VX_UNROLL
        for (int j = 0; j < m; j++)
            dh[j] = vx_fma(d[i], W[i * m + j], dh[j]);
    }
    if (kind == TRAIN_RELU_HIDDEN)
        VX_UNROLL
        for (int j = 0; j < m; j++)
            dh[j] = vx_and(dh[j], hp[j] > 0);
    VX_UNROLL
    for (int i = 0; i < n; i++)
        VX_UNROLL
        for (int j = 0; j < m; j++)
            k->gW[i * m + j] = vx_fma(x[i], dh[j], vx_fma(d[i], h[j], k->gW[i * m + j]));
    return le;
}

VX_INLINE void VX_FN(lanes_load)(const struct VX_FN(lanes_ck) *k, const struct kern_lanes *g,
                                 int n, int m, int c0)
{
    VX_UNROLL
    for (int j = 0; j < n * m; j++) {
        memcpy(&k->c.W[j], g->W[j] + c0, sizeof(vf));
        k->gW[j] = (vf){0};
    }
    VX_UNROLL
    for (int i = 0; i < n; i++) {
        memcpy(&k->c.b[i], g->b[i] + c0, sizeof(vf));
        memcpy(&k->c.imp[i], g->imp[i] + c0, sizeof(vf));
        memcpy(&k->c.sthr[i], g->sthr[i] + c0, sizeof(vi));
        memcpy(&k->c.always[i], g->always[i] + c0, sizeof(vi));
        k->gb[i] = (vf){0};
    }
}

VX_INLINE void VX_FN(lanes_store)(const struct VX_FN(lanes_ck) *k, struct kern_lanes *g, int n,
                                  int m, int c0, lanes_vd loss0, lanes_vd loss1)
{
    VX_UNROLL
    for (int j = 0; j < n * m; j++)
        memcpy(g->gW[j] + c0, &k->gW[j], sizeof(vf));
    VX_UNROLL
    for (int i = 0; i < n; i++)
        memcpy(g->gb[i] + c0, &k->gb[i], sizeof(vf));
    memcpy(g->loss + c0, &loss0, sizeof loss0);
    memcpy(g->loss + c0 + KI_W / 2, &loss1, sizeof loss1);
}

/* A step of lanes c0 .. c0+KI_W-1; returns the buffer position after it
 * (the same for every chunk: all lanes read the same number of words). */
VX_INLINE int VX_FN(lanes_chunk)(struct kern_lanes *g, const struct VX_FN(lanes_ck) *k,
                                 enum train_kind kind, int n, int m, int c0, int batch,
                                 const float *X)
{
    int pos = g->pos;
    lanes_vd loss0 = (lanes_vd){0}, loss1 = (lanes_vd){0};
    VX_FN(lanes_load)(k, g, n, m, c0);
    /* the loss summed in float over blocks of 16 examples, the blocks in
     * double: long batches lose nothing, and the conversions are rare */
    for (int e0 = 0; e0 < batch; e0 += 16) {
        vf lb = (vf){0};
        for (int e = e0; e < e0 + 16 && e < batch; e++) {
            vx_pin(&k->c, n, m); /* constants in memory on 16-register paths */
            VX_UNROLL
            for (int i = 0; i < n; i++) {
                if (X) {
                    k->x[i] = vx_splat(X[(size_t)e * n + i]);
                    continue;
                }
                if (pos == RNG_BUF) {
                    VX_FN(lanes_refill)(g, c0);
                    pos = 0;
                }
                k->x[i] = VX_FN(lanes_draw)(g, pos++, c0, k->c.sthr[i], k->c.always[i]);
            }
            lb += VX_FN(lanes_example)(k, kind, n, m);
        }
        loss0 += __builtin_convertvector(__builtin_shufflevector(lb, lb, LANES_FIRST), lanes_vd);
        loss1 += __builtin_convertvector(__builtin_shufflevector(lb, lb, LANES_SECOND), lanes_vd);
    }
    VX_FN(lanes_store)(k, g, n, m, c0, loss0, loss1);
    return pos;
}

/* Every chunk in use, drawing (X NULL) or reading X. */
VX_INLINE void VX_FN(lanes_all)(struct kern_lanes *g, const struct VX_FN(lanes_ck) *k,
                                enum train_kind kind, int n, int m, int batch, const float *X)
{
    int pos = g->pos;
    /* two loops, so that the drawing one has X as a constant NULL */
    if (X)
        for (int c0 = 0; c0 < g->count; c0 += KI_W)
            pos = VX_FN(lanes_chunk)(g, k, kind, n, m, c0, batch, X);
    else
        for (int c0 = 0; c0 < g->count; c0 += KI_W)
            pos = VX_FN(lanes_chunk)(g, k, kind, n, m, c0, batch, NULL);
    g->pos = pos;
}

/* The kind as a constant, so that its branches leave the loops. */
VX_INLINE void VX_FN(lanes_kind)(struct kern_lanes *g, const struct VX_FN(lanes_ck) *k, int n,
                                 int m, int batch, const float *X)
{
    if (g->kind == TRAIN_LINEAR)
        VX_FN(lanes_all)(g, k, TRAIN_LINEAR, n, m, batch, X);
    else if (g->kind == TRAIN_RELU)
        VX_FN(lanes_all)(g, k, TRAIN_RELU, n, m, batch, X);
    else
        VX_FN(lanes_all)(g, k, TRAIN_RELU_HIDDEN, n, m, batch, X);
}

/* A shape's arrays, of constant size for the standard shapes. */
#define LANES_ARRAYS(N, M)                                                                 \
    vf W[(N) * (M)], b[N], imp[N], gW[(N) * (M)], gb[N], x[N], t[3 * (M) + (N)];           \
    vi sthr[N], always[N];                                                                 \
    struct VX_FN(lanes_ck) k = {{W, b, imp, sthr, always}, gW, gb, x, t}

#define LANES_SHAPE(N, M)                                                                  \
    static void VX_CAT(lanes_shape_##N##_##M, KI_SFX)(struct kern_lanes *g, int batch,      \
                                                      const float *X)                      \
    {                                                                                      \
        LANES_ARRAYS(N, M);                                                                \
        VX_FN(lanes_kind)(g, &k, N, M, batch, X);                                          \
    }
LANES_SHAPE(2, 1)
LANES_SHAPE(5, 2)

void VX_FN(kern_lanes_run)(struct kern_lanes *g, int batch, const float *X)
{
    const int n = g->n, m = g->m;
    if (n == 2 && m == 1)
        VX_CAT(lanes_shape_2_1, KI_SFX)(g, batch, X);
    else if (n == 5 && m == 2)
        VX_CAT(lanes_shape_5_2, KI_SFX)(g, batch, X);
    else {
        LANES_ARRAYS(n, m);
        VX_FN(lanes_kind)(g, &k, n, m, batch, X);
    }
#ifdef __AVX__
    /* see kern_vx_run: SSE code after this would pay for dirty upper halves */
    _mm256_zeroupper();
#endif
}

/* ---- the optimizer step of every lane (kern_lanes_update) ---- */

/* Correctly rounded square roots, lane by lane (IEEE: the same bits as
 * sqrtf on every path). */
VX_INLINE vf VX_FN(lanes_sqrt)(vf v)
{
#if defined(__x86_64__) && KI_W == 16
    return (vf)_mm512_sqrt_ps((__m512)v);
#elif defined(__x86_64__) && KI_W == 8
    return (vf)_mm256_sqrt_ps((__m256)v);
#elif defined(__x86_64__)
    return (vf)_mm_sqrt_ps((__m128)v);
#elif defined(__aarch64__)
    return (vf)vsqrtq_f32((float32x4_t)v);
#else
    vf r;
    for (int l = 0; l < KI_W; l++)
        r[l] = sqrtf(v[l]);
    return r;
#endif
}

VX_INLINE vf VX_FN(lanes_ld)(const float *a) { vf v; memcpy(&v, a, sizeof v); return v; }
VX_INLINE void VX_FN(lanes_st)(float *a, vf v) { memcpy(a, &v, sizeof v); }

/* KI_W parameters at p, m1, m2 with gradient g: optim_apply's operations
 * in its order, step and decay per lane; returns p * 0 (0, or NaN where p
 * is not finite). */
VX_INLINE vf VX_FN(opt_vec)(const struct optim_k *k, vf step, vf decay, vf g, float *p, float *m1,
                            float *m2)
{
    vf pv = VX_FN(lanes_ld)(p), a = VX_FN(lanes_ld)(m1);
    if (k->sgd) {
        vf d = g + k->wd * pv;
        if (k->mom != 0) {
            d = k->first ? d : k->mom * a + d;
            VX_FN(lanes_st)(m1, d);
        }
        pv -= step * d;
    } else {
        vf b = VX_FN(lanes_ld)(m2);
        vf gi = g + k->l2 * pv;
        pv *= decay;
        a = k->b1 * a + (1 - k->b1) * gi;
        b = k->b2 * b + (1 - k->b2) * gi * gi;
        pv -= step * (a / (VX_FN(lanes_sqrt)(b) / k->bc2 + k->eps));
        VX_FN(lanes_st)(m1, a), VX_FN(lanes_st)(m2, b);
    }
    VX_FN(lanes_st)(p, pv);
    return pv * 0.0f;
}

/* One parameter row's lanes c0 .. c0+KI_W-1, the gradient formed from the
 * row's sums as the single-run trainer forms it: (0 + sum) * scale. */
VX_INLINE vf VX_FN(lanes_opt_row)(const struct kern_lanes_opt *o, float *p, const float *sum,
                                  float *m1, float *m2, int c0)
{
    vf g = ((vf){0} + VX_FN(lanes_ld)(sum + c0)) * o->scale;
    return VX_FN(opt_vec)(&o->k, VX_FN(lanes_ld)(o->step + c0), VX_FN(lanes_ld)(o->decay + c0),
                          g, p + c0, m1 + c0, m2 + c0);
}

/* One run's optimizer step (kern_optim_apply): KI_W parameters at a time,
 * the rest by optim_apply itself; 1 when every parameter is finite after. */
int VX_FN(kern_optim_apply)(const struct optim_k *k, float *p, const float *g, float *m1,
                            float *m2, int np)
{
    const vf step = vx_splat(k->step), decay = vx_splat(k->decay);
    vf fin = (vf){0};
    int i = 0;
    for (; i + KI_W <= np; i += KI_W)
        fin += VX_FN(opt_vec)(k, step, decay, VX_FN(lanes_ld)(g + i), p + i, m1 + i, m2 + i);
    optim_apply(k, p + i, g + i, m1 + i, m2 + i, np - i);
    float tail = 0.0f;
    for (; i < np; i++)
        tail += p[i] * 0.0f;
    int ok = tail == 0;
    for (int l = 0; l < KI_W; l++)
        ok &= fin[l] == 0;
#ifdef __AVX__
    _mm256_zeroupper();
#endif
    return ok;
}

void VX_FN(kern_lanes_update)(struct kern_lanes *g, const struct kern_lanes_opt *o)
{
    const int nm = g->n * g->m;
    for (int c0 = 0; c0 < g->count; c0 += KI_W) {
        vf fin = (vf){0};
        for (int j = 0; j < nm; j++)
            fin += VX_FN(lanes_opt_row)(o, g->W[j], g->gW[j], g->m1W[j], g->m2W[j], c0);
        for (int i = 0; i < g->n; i++)
            fin += VX_FN(lanes_opt_row)(o, g->b[i], g->gb[i], g->m1b[i], g->m2b[i], c0);
        vi bad = fin != 0;
        memcpy(g->bad + c0, &bad, sizeof bad);
    }
#ifdef __AVX__
    _mm256_zeroupper();
#endif
}
