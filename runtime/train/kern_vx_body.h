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
 * 16-wide one; sums over examples are kept per example lane and folded
 * lane 0 first, and the float operations per lane are the same in every
 * instance (ISO C: no contraction), so all instances agree bit for bit.
 * Vectors never exceed the registers: GCC keeps wider generic vectors in
 * memory. No 64-bit multiplies or unsigned compares (AVX2 has neither). */
#include <string.h>

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

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

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

/* a where mask is set, else 0. */
#define vx_and(a, mask) ((vf)((vi)(a) & (mask)))

/* One sub-block of examples x[0..n) (feature-major); acc holds per-lane
 * sums: gW [n*m], gb [n], loss [1]. */
VX_INLINE void vx_block(const struct vx_par *p, int n, int m, const vf *x, const vi *validp,
                        vf *acc)
{
    const vi valid = *validp;
    vf h[m], hp[m], dh[m], lossv = {0};
    const float *W = p->W;
    for (int k = 0; k < m; k++)
        h[k] = (vf){0};
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            h[k] += x[i] * W[i * m + k];
    for (int k = 0; k < m; k++) {
        hp[k] = h[k];
        if (p->kind == TRAIN_RELU_HIDDEN)
            h[k] = vx_and(h[k], h[k] > 0);
        dh[k] = (vf){0};
    }
    for (int i = 0; i < n; i++) {
        vf y = (vf){0} + p->b[i];
        for (int k = 0; k < m; k++)
            y += W[i * m + k] * h[k];
        vi on = valid;
        vf o = y;
        if (p->kind != TRAIN_LINEAR) {
            o = vx_and(y, y > 0);
            on &= y > 0;
        }
        vf e = o - x[i];
        vf d = vx_and(p->imp[i] * e, on);
        lossv += vx_and(p->imp[i] * e * e, valid);
        acc[n * m + i] += d;
        for (int k = 0; k < m; k++) {
            dh[k] += d * W[i * m + k];
            acc[i * m + k] += d * h[k];
        }
    }
    if (p->kind == TRAIN_RELU_HIDDEN)
        for (int k = 0; k < m; k++)
            dh[k] = vx_and(dh[k], hp[k] > 0);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            acc[i * m + k] += x[i] * dh[k];
    acc[n * m + n] += lossv;
}

/* Draw feature i of a sub-block: present with the feature's probability. */
VX_INLINE vf vx_draw(const struct vx_par *p, struct vx_rng *r, int i)
{
    vu mw = vx_next(r), vw = vx_next(r);
    vi present = ((vi)(mw ^ 0x80000000u) < p->sthr[i]) | ((vi){0} - p->always[i]);
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

/* Fold the per-lane sums, example lane 0 first, into the run's gradient. */
static void vx_fold(int na, vf acc[VX_S][na], struct kern_grad *g, int n, int m)
{
    for (int a = 0; a < na; a++) {
        float s = 0;
        double sd = 0;
        for (int b = 0; b < VX_S; b++)
            for (int l = 0; l < KI_W; l++) {
                s += acc[b][a][l];
                sd += acc[b][a][l];
            }
        if (a < n * m)
            g->gW[a] += s;
        else if (a < n * m + n)
            g->gb[a - n * m] += s;
        else
            g->loss_sum += sd;
    }
}

/* Sub-block s of the explicit batch rows e .. e+cnt-1 (tests). */
VX_INLINE void vx_read(const float *X, int e, int cnt, int s, int n, vf *x)
{
    for (int i = 0; i < n; i++) {
        x[i] = (vf){0};
        for (int l = 0; l < KI_W && s * KI_W + l < cnt; l++)
            x[i][l] = X[(size_t)(e + s * KI_W + l) * n + i];
    }
}

/* A step over `batch` examples, drawn from sp (X == NULL) or read from X. */
VX_INLINE void vx_impl(const struct vx_par *p, struct kern_sampler *sp, const float *X,
                       int batch, struct kern_grad *g, int n, int m)
{
    const int na = n * m + n + 1;
    vf acc[VX_S][na], x[n];
    struct vx_rng r[VX_S];
    memset(acc, 0, sizeof acc);
    for (int s = 0; !X && s < VX_S; s++)
        vx_rng_io(&r[s], sp, s, 0);
    for (int e = 0; e < batch; e += VX_L) {
        int cnt = batch - e < VX_L ? batch - e : VX_L;
        for (int s = 0; s < VX_S; s++) {
            vi valid = vx_valid(cnt - s * KI_W);
            if (X)
                vx_read(X, e, cnt, s, n, x);
            else
                for (int i = 0; i < n; i++)
                    x[i] = vx_and(vx_draw(p, &r[s], i), valid);
            vx_block(p, n, m, x, &valid, acc[s]);
        }
    }
    for (int s = 0; !X && s < VX_S; s++)
        vx_rng_io(&r[s], sp, s, 1);
    vx_fold(na, acc, g, n, m);
}

/* Shapes of the paper's standard experiments get constant-folded loops. */
void VX_FN(kern_vx_run)(const struct vx_par *p, struct kern_sampler *sp, const float *X,
                        int batch, struct kern_grad *g, int n, int m)
{
    if (n == 2 && m == 1)
        vx_impl(p, sp, X, batch, g, 2, 1);
    else if (n == 5 && m == 2)
        vx_impl(p, sp, X, batch, g, 5, 2);
    else if (n == 20 && m == 5)
        vx_impl(p, sp, X, batch, g, 20, 5);
    else
        vx_impl(p, sp, X, batch, g, n, m);
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
    return x;
}
