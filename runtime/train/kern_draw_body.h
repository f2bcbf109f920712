/* runtime/train/kern_draw_body.h: the inputs' draws, compiled per
 * instruction set (kern.c for the baseline, kern_draw_avx2.c and
 * kern_draw_avx512.c with their targets set before rng.h is read). The
 * generator's buffer refill is a loop over vectors as wide as rng.h finds
 * the translation unit's registers; built once for the baseline it runs at
 * a fraction of the machine's rate, and on large dense models the draw was
 * as costly as the arithmetic. Every instance reads the same words in the
 * same order and converts them exactly, so all draw the same examples.
 * The includer defines KD_SFX (base, avx2, avx512). */
#include <math.h>
#include <string.h>

#include "kern.h"

/* Leaving code built for a wider target, GCC does not always clear the
 * vector registers' upper halves (these draws return with them dirty), and
 * every SSE instruction of the caller then pays a penalty. */
#ifdef __AVX__
#include <immintrin.h>
#define KD_LEAVE() _mm256_zeroupper()
#else
#define KD_LEAVE() ((void)0)
#endif

#define KD_CAT2(a, b) a##_##b
#define KD_CAT(a, b) KD_CAT2(a, b)

typedef float kd_vf8 __attribute__((vector_size(32)));
typedef int32_t kd_vi8 __attribute__((vector_size(32)));
typedef uint64_t kd_vq8 __attribute__((vector_size(64)));

/* Gap to the next present element: floor(log U / log(1-p)), U in (0,1]. */
static inline uint64_t KD_CAT(kd_geom, KD_SFX)(struct kern_sampler *sp)
{
    double g = log(rng_open53(&sp->rng)) * sp->inv_log_q;
    return g < 4e18 ? (uint64_t)g : (uint64_t)4e18;
}

/* Bernoulli mode: one word per feature, 32 bits of presence, 24 of value. */
static inline int KD_CAT(kd_bernoulli, KD_SFX)(struct kern_sampler *sp, int *idx, float *val)
{
    int n = sp->n, c = 0;
    for (int i = 0; i < n; i++) {
        uint64_t r = rng_next(&sp->rng);
        if ((r & 0xffffffffu) < sp->thr[i]) {
            idx[c] = i;
            val[c++] = rng_unit24_of(r);
        }
    }
    return c;
}

static inline int KD_CAT(kd_draw, KD_SFX)(struct kern_sampler *sp, int *idx, float *val)
{
    int n = sp->n, c = 0;
    if (!sp->geometric)
        return KD_CAT(kd_bernoulli, KD_SFX)(sp, idx, val);
    if (sp->skip == UINT64_MAX)
        sp->skip = KD_CAT(kd_geom, KD_SFX)(sp);
    uint64_t pos = 0;
    while (sp->skip < (uint64_t)n - pos) {
        pos += sp->skip;
        idx[c] = (int)pos;
        val[c++] = rng_unit24(&sp->rng);
        pos++;
        sp->skip = KD_CAT(kd_geom, KD_SFX)(sp);
    }
    sp->skip -= (uint64_t)n - pos;
    return c;
}

/* Bernoulli-mode draw of one example straight into a dense row x[0..n):
 * the same words, used the same way, as kern_draw, eight at a time. The
 * count is kept as a vector and summed once per row. */
static inline int KD_CAT(kd_draw_dense, KD_SFX)(struct kern_sampler *sp, float *restrict x)
{
    struct rng *r = &sp->rng;
    const int n = sp->n;
    int i = 0, c = 0;
    kd_vi8 cnt = {0};
    while (i < n) {
        if (r->pos == RNG_BUF)
            rng_refill(r);
        int len = RNG_BUF - r->pos < n - i ? RNG_BUF - r->pos : n - i;
        const uint64_t *restrict bw = r->buf + r->pos, *restrict thr = sp->thr + i;
        float *restrict xo = x + i;
        int j = 0;
        for (; j + 8 <= len; j += 8) {
            kd_vq8 v, t;
            memcpy(&v, bw + j, sizeof v), memcpy(&t, thr + j, sizeof t);
            kd_vi8 on = __builtin_convertvector((kd_vq8)((v & 0xffffffffu) < t), kd_vi8);
            kd_vf8 f = __builtin_convertvector(__builtin_convertvector(v >> 40, kd_vi8),
                                               kd_vf8) * (1.0f / 16777216.0f);
            f = (kd_vf8)((kd_vi8)f & on);
            memcpy(xo + j, &f, sizeof f);
            cnt -= on;
        }
        for (; j < len; j++) {
            uint64_t v = bw[j];
            int on = (v & 0xffffffffu) < thr[j];
            float f = (float)(int32_t)(v >> 40) * (1.0f / 16777216.0f);
            xo[j] = on ? f : 0.0f;
            c += on;
        }
        r->pos += len;
        i += len;
    }
    for (int l = 0; l < 8; l++)
        c += cnt[l];
    return c;
}

int KD_CAT(kern_draw, KD_SFX)(struct kern_sampler *sp, int *idx, float *val)
{
    int c = KD_CAT(kd_draw, KD_SFX)(sp, idx, val);
    KD_LEAVE();
    return c;
}

int KD_CAT(kern_draw_dense, KD_SFX)(struct kern_sampler *sp, float *restrict x)
{
    int c = KD_CAT(kd_draw_dense, KD_SFX)(sp, x);
    KD_LEAVE();
    return c;
}
