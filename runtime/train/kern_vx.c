/* runtime/train/kern_vx.c: the kernel for small models, vectorised across examples.
 * Tiny models (the n=2 phase diagram, n=5 intro, n=20 sweeps) spend their
 * time on per-example overhead, so this kernel processes VX_L = 16 examples
 * at once, one per SIMD lane, using the compiler's generic vector types.
 * Each feature of a block of 16 examples takes two 16 x 32-bit random
 * vectors from the run's xoshiro lanes: one for presence (Bernoulli by
 * threshold), one for the value (24 bits). Every sum over examples is kept
 * per lane and folded in a fixed order at the end of the step, so the
 * arithmetic never depends on anything but the run itself. The hot function
 * is compiled for several instruction sets (target_clones) when the
 * toolchain supports it; all variants do the same operations in the same
 * order (no -ffast-math, no contraction in ISO C mode). */
#include <stdlib.h>
#include <string.h>

#include "kern.h"

#define VX_L 16
#define VX_MAXNM 1024
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
typedef uint32_t vu __attribute__((vector_size(64)));
typedef uint64_t vq __attribute__((vector_size(64)));

#if defined(__x86_64__) && defined(__linux__) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define VX_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef VX_CLONES
#define VX_CLONES
#endif
#define VX_INLINE static inline __attribute__((always_inline))

/* GCC notes that 64-byte vector arguments change the ABI when AVX-512 is
 * off, even for inlined static functions and despite this pragma, so no
 * function here takes a vector by value (pointers and a macro instead);
 * the pragma covers the vector return values, which are all inlined. */
#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

struct vx_rng {
    vq s0, s1, s2, s3;
};

/* xoshiro256** on 8 lanes at once; the 64-bit outputs read as 16 words. */
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

/* a where mask is set, else 0 (a macro: GCC warns about 64-byte vector
 * parameters even in inlined functions). */
#define vx_and(a, mask) ((vf)((vi)(a) & (mask)))

struct vx_par {
    const float *W, *b, *imp;
    uint32_t thr[KERN_VX_MAXN];
    int always[KERN_VX_MAXN];
    enum train_kind kind;
};

/* One block of 16 examples x[0..n) (feature-major); acc holds per-lane sums:
 * gW [n*m], gb [n], loss [1]. */
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

/* Draw feature i of a block: present with the feature's probability. */
VX_INLINE vf vx_draw(const struct vx_par *p, struct vx_rng *r, int i)
{
    vu mw = vx_next(r), vw = vx_next(r);
    vi present = (mw < p->thr[i]) | ((vi){0} - p->always[i]);
    vf val = __builtin_convertvector((vi)(vw >> 8), vf) * (1.0f / 16777216.0f);
    return vx_and(val, present);
}

VX_INLINE vi vx_valid(int cnt)
{
    vi v;
    for (int l = 0; l < VX_L; l++)
        v[l] = l < cnt ? -1 : 0;
    return v;
}

/* Fold the per-lane sums, lane 0 first, into the run's gradient. */
static void vx_fold(const vf *acc, int na, struct kern_grad *g, int n, int m)
{
    for (int a = 0; a < na; a++) {
        float s = 0;
        double sd = 0;
        for (int l = 0; l < VX_L; l++) {
            s += acc[a][l];
            sd += acc[a][l];
        }
        if (a < n * m)
            g->gW[a] += s;
        else if (a < n * m + n)
            g->gb[a - n * m] += s;
        else
            g->loss_sum += sd;
    }
}

/* A step over `batch` examples, drawn from sp (X == NULL) or read from X. */
VX_INLINE void vx_impl(const struct vx_par *p, struct kern_sampler *sp, const float *X,
                       int batch, struct kern_grad *g, int n, int m)
{
    const int na = n * m + n + 1;
    vf acc[na], x[n];
    struct vx_rng r;
    for (int a = 0; a < na; a++)
        acc[a] = (vf){0};
    if (!X)
        memcpy(&r, sp->rng.s, sizeof r);
    for (int e = 0; e < batch; e += VX_L) {
        int cnt = batch - e < VX_L ? batch - e : VX_L;
        vi valid = vx_valid(cnt);
        for (int i = 0; i < n; i++) {
            if (X) {
                x[i] = (vf){0};
                for (int l = 0; l < cnt; l++)
                    x[i][l] = X[(size_t)(e + l) * n + i];
            } else
                x[i] = vx_and(vx_draw(p, &r, i), valid);
        }
        vx_block(p, n, m, x, &valid, acc);
    }
    if (!X)
        memcpy(sp->rng.s, &r, sizeof r);
    vx_fold(acc, na, g, n, m);
}

/* Shapes of the paper's standard experiments get constant-folded loops. */
VX_CLONES static void vx_dispatch(const struct vx_par *p, struct kern_sampler *sp,
                                  const float *X, int batch, struct kern_grad *g, int n, int m)
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

int kern_vx_applies(const struct kern_model *md, const double *density)
{
    if (md->n > KERN_VX_MAXN || md->n * md->m > VX_MAXNM)
        return 0;
    double nnz = 0;
    for (int i = 0; i < md->n; i++)
        nnz += density[i];
    /* The sparse per-example kernel wins once most examples are empty. */
    return nnz >= KERN_VX_MIN_NNZ || md->n <= 4;
}

static void vx_params(const struct kern_model *md, const struct kern_sampler *sp,
                      struct vx_par *p)
{
    p->W = md->W;
    p->b = md->b;
    p->imp = md->imp;
    p->kind = md->kind;
    for (int i = 0; sp && i < md->n; i++) {
        p->always[i] = sp->thr[i] > 0xffffffffu;
        p->thr[i] = p->always[i] ? 0xffffffffu : (uint32_t)sp->thr[i];
    }
}

void kern_vx_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                  struct kern_grad *g)
{
    struct vx_par p;
    vx_params(md, sp, &p);
    vx_dispatch(&p, sp, NULL, batch, g, md->n, md->m);
}

void kern_vx_batch(const struct kern_model *md, const float *X, int batch,
                   struct kern_grad *g)
{
    struct vx_par p;
    vx_params(md, NULL, &p);
    vx_dispatch(&p, NULL, X, batch, g, md->n, md->m);
}
