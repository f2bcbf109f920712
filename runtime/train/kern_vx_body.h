/* runtime/train/kern_vx_body.h: the small-model kernel, compiled once per
 * instruction set. The including file sets its target, KI_W (floats per
 * vector: 4, 8 or 16, the register width) and KI_SFX (the instance's name).
 * Tiny models (the n=2 phase diagram, n=5 intro, n=20 sweeps) spend their
 * time on per-example overhead, so examples go in SIMD lanes: a block of
 * VX_L = 16 examples is VX_S = 16 / KI_W sub-blocks of one vector each.
 * The run's generator has 8 xoshiro lanes; sub-block s owns lanes
 * s*KI_W/2 .. (s+1)*KI_W/2 - 1, whose two 32-bit halves are its KI_W
 * example lanes. Each feature takes two words per example: presence
 * (Bernoulli by threshold) and value (24 bits). Lanes are independent, so
 * every instance draws the same numbers for the same examples as a single
 * 16-wide one; sums over examples are kept per example lane and folded by
 * a pairwise tree on the 16 logical lanes (vx_fold). Every multiply-add is an explicit fused one (vx_fma: the
 * FMA instruction on AVX2 and AVX-512, NEON's fused multiply-add on
 * aarch64, an exactly rounded fmaf elsewhere), never one the compiler
 * chooses to contract (ISO C: it does not), so every lane does the same
 * correctly rounded operations in every instance and all agree bit for bit.
 * Sub-blocks run one after another, so one sub-block's sums and generator
 * lanes are all that is live; the standard shapes get fixed-size arrays
 * that the compiler keeps in registers. No 64-bit multiplies or unsigned
 * compares (AVX2 has neither). */
#include <math.h>
#include <string.h>
#if defined(__x86_64__) && (KI_W > 4 || defined(__FMA__))
#include <immintrin.h>
#elif defined(__x86_64__)
#include <xmmintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

#include "kern_inst.h"

#define VX_L 16
#define VX_S (VX_L / KI_W)
#define VX_Q (KI_W / 2)
#define VX_CAT2(a, b) a##_##b
#define VX_CAT(a, b) VX_CAT2(a, b)
#define VX_FN(name) VX_CAT(name, KI_SFX)
typedef float vf __attribute__((vector_size(4 * KI_W)));
typedef int32_t vi __attribute__((vector_size(4 * KI_W)));
typedef uint32_t vu __attribute__((vector_size(4 * KI_W)));
typedef uint64_t vq __attribute__((vector_size(4 * KI_W)));
#define VX_INLINE static inline __attribute__((always_inline))
#if !(defined(__x86_64__) && (KI_W == 16 || KI_W == 8 || defined(__FMA__))) && \
    !defined(__aarch64__)
#define VX_SOFT_FMA 1   /* no FMA instruction: libm's fmaf per lane */
#endif
/* Loops over features and hidden units unroll fully for the standard shapes
 * (GCC at -O2 would not), which lets their sums and activations live in
 * registers instead of arrays in memory. Not with fmaf calls: they leave
 * nothing in registers, and unrolled they took GCC minutes to compile. */
#ifdef VX_SOFT_FMA
#define VX_UNROLL
#else
#define VX_UNROLL _Pragma("GCC unroll 24")
#endif

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

/* a * b + c rounded once, the same bits on every instance. */
VX_INLINE vf vx_fma(vf a, vf b, vf c)
{
#if defined(__x86_64__) && KI_W == 16
    return (vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__x86_64__) && KI_W == 8
    return (vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#elif defined(__x86_64__) && defined(__FMA__)
    return (vf)_mm_fmadd_ps((__m128)a, (__m128)b, (__m128)c);
#elif defined(__aarch64__)
    return (vf)vfmaq_f32((float32x4_t)c, (float32x4_t)a, (float32x4_t)b);
#else
    /* Baseline x86 has no FMA instruction: libm's fmaf is exact but slow
     * (glibc picks the instruction at run time where the CPU has it). */
    vf r;
    for (int l = 0; l < KI_W; l++)
        r[l] = fmaf(a[l], b[l], c[l]);
    return r;
#endif
}

/* s in every lane (sign of zero kept). */
VX_INLINE vf vx_splat(float s)
{
    vf v;
    for (int l = 0; l < KI_W; l++)
        v[l] = s;
    return v;
}

/* VX_Q lanes of the run's xoshiro256**. */
struct vx_rng {
    vq s0, s1, s2, s3;
};

/* Advance the lanes; the 64-bit outputs read as KI_W 32-bit words. */
VX_INLINE vu vx_next(struct vx_rng *r)
{
    vq x = r->s1 + (r->s1 << 2);
    vq rot = (x << 7) | (x >> 57);
    vq out = rot + (rot << 3);
    vq t = r->s1 << 17;
    r->s2 ^= r->s0;
    r->s3 ^= r->s1;
    r->s1 ^= r->s2;
    r->s0 ^= r->s3;
    r->s2 ^= t;
    r->s3 = (r->s3 << 45) | (r->s3 >> 19);
    return (vu)out;
}

/* Sub-block s's lanes to or from the run's generator state. */
static void vx_rng_io(struct vx_rng *r, struct kern_sampler *sp, int s, int save)
{
    vq *v[4] = {&r->s0, &r->s1, &r->s2, &r->s3};
    for (int k = 0; k < 4; k++) {
        if (save)
            memcpy(sp->rng.s[k] + s * VX_Q, v[k], sizeof(vq));
        else
            memcpy(v[k], sp->rng.s[k] + s * VX_Q, sizeof(vq));
    }
}

/* A run's constants as vectors, the same in every lane: weights W [n*m],
 * bias b and importance imp [n], presence thresholds sthr and always [n]
 * (-1: density 1). Arrays of the caller, filled once per step. */
struct vx_cst {
    vf *W, *b, *imp;
    vi *sthr, *always;
};

VX_INLINE void vx_cst_fill(const struct vx_par *p, const struct vx_cst *c, int n, int m)
{
    for (int j = 0; j < n * m; j++)
        c->W[j] = vx_splat(p->W[j]);
    for (int i = 0; i < n; i++) {
        c->b[i] = vx_splat(p->b[i]);
        c->imp[i] = vx_splat(p->imp[i]);
        for (int l = 0; l < KI_W; l++) {
            c->sthr[i][l] = p->sthr[i];
            c->always[i][l] = -p->always[i];
        }
    }
}

/* With 16 vector registers (AVX2, SSE2; NEON has 32) a sub-block's
 * constants, sums and generator (or a lanes chunk's) do not all fit: GCC
 * then spilled sums, and every block waited on a store and its reload.
 * Marking the constants as possibly changed before each block keeps them
 * in memory, read as instruction operands, and leaves the registers to
 * the sums. No instruction is emitted; the
 * arithmetic is unchanged. */
VX_INLINE void vx_pin(const struct vx_cst *c, int n, int m)
{
#if KI_W < 16 && !defined(__aarch64__)
    VX_UNROLL
    for (int j = 0; j < n * m; j++)
        __asm__("" : "+m"(c->W[j]));
    VX_UNROLL
    for (int i = 0; i < n; i++)
        __asm__("" : "+m"(c->b[i]), "+m"(c->imp[i]), "+m"(c->sthr[i]), "+m"(c->always[i]));
#else
    (void)c, (void)n, (void)m;
#endif
}

/* a where mask is set, else 0. */
#define vx_and(a, mask) ((vf)((vi)(a) & (mask)))

/* One vector of examples x[0..n) (feature-major) into the per-lane sums
 * acc: gW [n*m], gb [n], loss [1]. t is scratch of 3m + n vectors. Each
 * weight's two gradient terms go in one pass (d h, then x dh), so its sum
 * is read and written once per vector. */
VX_INLINE void vx_block(const struct vx_cst *c, enum train_kind kind, int n, int m, const vf *x,
                        vi valid, vf *acc, vf *t)
{
    vf *h = t, *hp = t + m, *dh = t + 2 * m, *d = t + 3 * m, lossv = acc[n * m + n];
    const vf *W = c->W;
    VX_UNROLL
    for (int k = 0; k < m; k++)
        h[k] = (vf){0};
    VX_UNROLL
    for (int i = 0; i < n; i++)
        VX_UNROLL
        for (int k = 0; k < m; k++)
            h[k] = vx_fma(x[i], W[i * m + k], h[k]);
    VX_UNROLL
    for (int k = 0; k < m; k++) {
        hp[k] = h[k];
        if (kind == TRAIN_RELU_HIDDEN)
            h[k] = vx_and(h[k], h[k] > 0);
        dh[k] = (vf){0};
    }
    VX_UNROLL
    for (int i = 0; i < n; i++) {
        vf y = c->b[i];
        VX_UNROLL
        for (int k = 0; k < m; k++)
            y = vx_fma(W[i * m + k], h[k], y);
        vi on = valid;
        vf o = y;
        if (kind != TRAIN_LINEAR) {
            o = vx_and(y, y > 0);
            on &= y > 0;
        }
        vf e = o - x[i];
        vf ie = c->imp[i] * e;
        d[i] = vx_and(ie, on);
        lossv = vx_fma(vx_and(ie, valid), e, lossv);
        acc[n * m + i] += d[i];
        VX_UNROLL
        for (int k = 0; k < m; k++)
            dh[k] = vx_fma(d[i], W[i * m + k], dh[k]);
    }
    if (kind == TRAIN_RELU_HIDDEN)
        VX_UNROLL
        for (int k = 0; k < m; k++)
            dh[k] = vx_and(dh[k], hp[k] > 0);
    VX_UNROLL
    for (int i = 0; i < n; i++)
        VX_UNROLL
        for (int k = 0; k < m; k++)
            acc[i * m + k] = vx_fma(x[i], dh[k], vx_fma(d[i], h[k], acc[i * m + k]));
    acc[n * m + n] = lossv;
}

/* Draw feature i of a sub-block: present with the feature's probability. */
VX_INLINE vf vx_draw(const struct vx_cst *c, struct vx_rng *r, int i)
{
    vu mw = vx_next(r), vw = vx_next(r);
    vi present = ((vi)(mw ^ 0x80000000u) < c->sthr[i]) | c->always[i];
    vf val = __builtin_convertvector((vi)(vw >> 8), vf) * (1.0f / 16777216.0f);
    return vx_and(val, present);
}

/* Lanes below cnt (which may be <= 0 or > KI_W) set. */
VX_INLINE vi vx_valid(int cnt)
{
    vi v;
    for (int l = 0; l < KI_W; l++)
        v[l] = l < cnt ? -1 : 0;
    return v;
}

/* v with lanes l + h moved down to lane l (h a power of two below KI_W).
 * GCC's variable-index shuffle has no clang spelling (clang's
 * __builtin_shufflevector wants constant indices), so clang builds move
 * the lanes one by one: the same permutation, the same bits. */
VX_INLINE vf vx_down(vf v, int h)
{
#if defined(__clang__)
    vf r;
    for (int l = 0; l < KI_W; l++)
        r[l] = v[(l + h) & (KI_W - 1)];
    return r;
#else
    vi idx;
    for (int l = 0; l < KI_W; l++)
        idx[l] = (l + h) & (KI_W - 1);
    return __builtin_shuffle(v, idx);
#endif
}

/* Fold the per-lane sums into the run's gradient by a pairwise tree on
 * the 16 logical example lanes (sub-block s's lane l is logical lane
 * s*KI_W + l): lanes l and l+8 first, then l+4, l+2, l+1. Pairs of
 * sub-blocks give the first levels where vectors are narrower than 16, so
 * every instance adds the same pairs in the same order and all agree bit
 * for bit, at a depth of 4 adds instead of 15 in a chain. The loss goes
 * through the same tree in double. */
VX_INLINE void vx_fold(int na, const vf *acc, struct kern_grad *g, int n, int m)
{
    VX_UNROLL
    for (int a = 0; a < na - 1; a++) {
        vf v[VX_S];
        for (int s = 0; s < VX_S; s++)
            v[s] = acc[s * na + a];
        for (int c = VX_S; c > 1; c /= 2)
            for (int s = 0; s < c / 2; s++)
                v[s] += v[s + c / 2];
        for (int h = KI_W / 2; h >= 1; h /= 2)
            v[0] += vx_down(v[0], h);
        if (a < n * m)
            g->gW[a] += v[0][0];
        else
            g->gb[a - n * m] += v[0][0];
    }
    double d[VX_L];
    for (int s = 0; s < VX_S; s++)
        for (int l = 0; l < KI_W; l++)
            d[s * KI_W + l] = acc[s * na + na - 1][l];
    for (int h = VX_L / 2; h >= 1; h /= 2)
        for (int l = 0; l < h; l++)
            d[l] += d[l + h];
    g->loss_sum += d[0];
}

/* Sub-block s of the explicit batch rows e .. e+cnt-1 (tests). */
VX_INLINE void vx_read(const float *X, int e, int cnt, int s, int n, vf *x)
{
    VX_UNROLL
    for (int i = 0; i < n; i++) {
        x[i] = (vf){0};
        for (int l = 0; l < KI_W && s * KI_W + l < cnt; l++)
            x[i][l] = X[(size_t)(e + s * KI_W + l) * n + i];
    }
}

/* Sub-block s of every block of a step into its sums a[na]: drawn from
 * r (X == NULL) or read from X. Full blocks need no lane mask. */
VX_INLINE void vx_sub(const struct vx_cst *c, enum train_kind kind, struct vx_rng *r,
                      const float *X, int batch, int s, int n, int m, vf *a, vf *x, vf *t)
{
    const vi all = vx_valid(KI_W);
    int e = 0;
    for (; e + VX_L <= batch; e += VX_L) {
        vx_pin(c, n, m);
        if (X)
            vx_read(X, e, VX_L, s, n, x);
        else
            VX_UNROLL
            for (int i = 0; i < n; i++)
                x[i] = vx_draw(c, r, i);
        vx_block(c, kind, n, m, x, all, a, t);
    }
    if (e < batch) {
        int cnt = batch - e;
        vi valid = vx_valid(cnt - s * KI_W);
        if (X)
            vx_read(X, e, cnt, s, n, x);
        else
            VX_UNROLL
            for (int i = 0; i < n; i++)
                x[i] = vx_and(vx_draw(c, r, i), valid);
        vx_block(c, kind, n, m, x, valid, a, t);
    }
}

/* A step over `batch` examples, drawn from sp (X == NULL) or read from X.
 * a (na vectors), x (n) and t (3m + n) are the caller's scratch; acc holds
 * every sub-block's sums for the fold. */
VX_INLINE void vx_kind(const struct vx_par *p, const struct vx_cst *c, enum train_kind kind,
                       struct kern_sampler *sp, const float *X, int batch, struct kern_grad *g,
                       int n, int m, vf *a, vf *x, vf *t, vf *acc)
{
    const int na = n * m + n + 1;
    vx_cst_fill(p, c, n, m);
    for (int s = 0; s < VX_S; s++) {
        struct vx_rng r;
        VX_UNROLL
        for (int k = 0; k < na; k++)
            a[k] = (vf){0};
        if (!X)
            vx_rng_io(&r, sp, s, 0);
        vx_sub(c, kind, &r, X, batch, s, n, m, a, x, t);
        if (!X)
            vx_rng_io(&r, sp, s, 1);
        memcpy(acc + s * na, a, (size_t)na * sizeof *a);
    }
    vx_fold(na, acc, g, n, m);
}

/* The model kind as a constant, so its branches leave the inner loops. */
VX_INLINE void vx_impl(const struct vx_par *p, const struct vx_cst *c, struct kern_sampler *sp,
                       const float *X, int batch, struct kern_grad *g, int n, int m, vf *a,
                       vf *x, vf *t, vf *acc)
{
    if (p->kind == TRAIN_LINEAR)
        vx_kind(p, c, TRAIN_LINEAR, sp, X, batch, g, n, m, a, x, t, acc);
    else if (p->kind == TRAIN_RELU)
        vx_kind(p, c, TRAIN_RELU, sp, X, batch, g, n, m, a, x, t, acc);
    else
        vx_kind(p, c, TRAIN_RELU_HIDDEN, sp, X, batch, g, n, m, a, x, t, acc);
}

/* A shape's scratch and constants, of constant size for the standard shapes. */
#define VX_ARRAYS(N, M)                                                                  \
    vf a[(N) * (M) + (N) + 1], x[N], t[3 * (M) + (N)], acc[VX_S * ((N) * (M) + (N) + 1)]; \
    vf cW[(N) * (M)], cb[N], cimp[N];                                                    \
    vi csthr[N], calways[N];                                                             \
    struct vx_cst c = {cW, cb, cimp, csthr, calways}

/* A standard shape with its sizes known at compile time. */
#define VX_SHAPE(N, M)                                                                   \
    static void VX_CAT(vx_shape_##N##_##M, KI_SFX)(const struct vx_par *p,               \
                                                   struct kern_sampler *sp,              \
                                                   const float *X, int batch,            \
                                                   struct kern_grad *g)                  \
    {                                                                                    \
        VX_ARRAYS(N, M);                                                                 \
        vx_impl(p, &c, sp, X, batch, g, N, M, a, x, t, acc);                             \
    }
VX_SHAPE(2, 1)
VX_SHAPE(5, 2)
VX_SHAPE(20, 5)

/* Shapes of the paper's standard experiments get constant-folded loops. */
void VX_FN(kern_vx_run)(const struct vx_par *p, struct kern_sampler *sp, const float *X,
                        int batch, struct kern_grad *g, int n, int m)
{
    if (n == 2 && m == 1)
        VX_CAT(vx_shape_2_1, KI_SFX)(p, sp, X, batch, g);
    else if (n == 5 && m == 2)
        VX_CAT(vx_shape_5_2, KI_SFX)(p, sp, X, batch, g);
    else if (n == 20 && m == 5)
        VX_CAT(vx_shape_20_5, KI_SFX)(p, sp, X, batch, g);
    else {
        VX_ARRAYS(n, m);
        vx_impl(p, &c, sp, X, batch, g, n, m, a, x, t, acc);
    }
#ifdef __AVX__
    /* GCC leaves the vector registers' upper halves dirty here (the fold's
     * call hides them from its vzeroupper pass), and every SSE instruction
     * of the trainer that runs next then pays a penalty: it made a step of
     * an n=2 model twice as slow. */
    _mm256_zeroupper();
#endif
}

/* The trainer's generator refilled `refills` times (kern_isa_rng_rate). */
uint64_t VX_FN(kern_rng_probe)(int refills)
{
    struct rng r;
    uint64_t x = 0;
    rng_seed(&r, 1);
    for (int k = 0; k < refills; k++) {
        rng_refill(&r);
        x ^= r.buf[k & (RNG_BUF - 1)];
    }
#ifdef __AVX__
    _mm256_zeroupper();
#endif
    return x;
}
