/* runtime/base/rng.h: the trainer's random numbers.
 * Every run owns one generator: eight interleaved xoshiro256** lanes whose
 * states come from splitmix64 applied to the run's seed. The lanes are
 * advanced together into a small buffer (a loop the compiler turns into
 * vector code) and consumers read the buffer in order, so the sequence a run
 * sees depends on its seed alone, never on threads or batch-mates.
 * Conversions: rng_unit24() is U[0,1) with 24 random bits (exact in float),
 * rng_open53() is U(0,1] with 53 bits (safe for log), rng_normal() uses
 * Box-Muller in double precision. */
#ifndef TMSL_RNG_H
#define TMSL_RNG_H
#include <math.h>
#include <stdint.h>
#include <string.h>

#define RNG_LANES 8
#define RNG_BUF 256

struct rng {
    uint64_t s[4][RNG_LANES];
    uint64_t buf[RNG_BUF];
    int pos;
};

/* One xoshiro256** step on vectors of T (64-bit lanes): out gets the
 * output, the state advances. * 5 and * 9 as shifts: no 64-bit multiply
 * needed (AVX2 has none). Shared by every lane-parallel generator. */
#define RNG_XOSHIRO_STEP(T, s0, s1, s2, s3, out)                            \
    do {                                                                     \
        T x_ = (s1) + ((s1) << 2), rot_ = (x_ << 7) | (x_ >> 57);            \
        T t_ = (s1) << 17;                                                   \
        (out) = rot_ + (rot_ << 3);                                          \
        (s2) ^= (s0), (s3) ^= (s1), (s1) ^= (s2), (s0) ^= (s3), (s2) ^= t_; \
        (s3) = ((s3) << 45) | ((s3) >> 19);                                  \
    } while (0)

static inline uint64_t rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int k = 0; k < 4; k++)
        for (int l = 0; l < RNG_LANES; l++)
            r->s[k][l] = rng_splitmix(&x);
    r->pos = RNG_BUF;
}

/* Advance all lanes RNG_BUF / RNG_LANES times. The lanes are independent,
 * so they are advanced as vectors of the compiler's generic type, RNG_CHUNK
 * lanes each, sized to the registers the translation unit is built for (a
 * generic vector wider than the registers is kept in memory by GCC, at a
 * fraction of the speed). Where the lanes make more than one vector, two
 * advance in the same loop (RNG_CHAINS): a xoshiro step is a chain of
 * dependent operations, and two independent chains keep the vector units
 * busy where one leaves them waiting (+13-15% words/s on AVX2 and SSE2;
 * AVX-512's one 8-lane vector beats two 4-lane ones). Every build does the
 * same element-wise integer arithmetic and writes the same buffer. */
#if defined(__AVX512F__)
#define RNG_CHUNK 8
#define RNG_CHAINS 1
#elif defined(__AVX2__)
#define RNG_CHUNK 4
#define RNG_CHAINS 2
#else
#define RNG_CHUNK 2
#define RNG_CHAINS 2
#endif
typedef uint64_t rng_vq __attribute__((vector_size(8 * RNG_CHUNK)));
/* Advance lanes c .. c+RNG_CHUNK-1 and, if two, the next RNG_CHUNK too,
 * through the whole buffer (two is a constant: its branches fold away). */
static inline __attribute__((always_inline)) void rng_chains(struct rng *r, int c, int two)
{
    const int d = c + RNG_CHUNK;
    rng_vq a0, a1, a2, a3, b0 = {0}, b1 = {0}, b2 = {0}, b3 = {0};
    memcpy(&a0, r->s[0] + c, sizeof a0), memcpy(&a1, r->s[1] + c, sizeof a1);
    memcpy(&a2, r->s[2] + c, sizeof a2), memcpy(&a3, r->s[3] + c, sizeof a3);
    if (two) {
        memcpy(&b0, r->s[0] + d, sizeof b0), memcpy(&b1, r->s[1] + d, sizeof b1);
        memcpy(&b2, r->s[2] + d, sizeof b2), memcpy(&b3, r->s[3] + d, sizeof b3);
    }
    for (int it = 0; it < RNG_BUF / RNG_LANES; it++) {
        rng_vq oa, ob;
        RNG_XOSHIRO_STEP(rng_vq, a0, a1, a2, a3, oa);
        memcpy(r->buf + it * RNG_LANES + c, &oa, sizeof oa);
        if (two) {
            RNG_XOSHIRO_STEP(rng_vq, b0, b1, b2, b3, ob);
            memcpy(r->buf + it * RNG_LANES + d, &ob, sizeof ob);
        }
    }
    memcpy(r->s[0] + c, &a0, sizeof a0), memcpy(r->s[1] + c, &a1, sizeof a1);
    memcpy(r->s[2] + c, &a2, sizeof a2), memcpy(r->s[3] + c, &a3, sizeof a3);
    if (two) {
        memcpy(r->s[0] + d, &b0, sizeof b0), memcpy(r->s[1] + d, &b1, sizeof b1);
        memcpy(r->s[2] + d, &b2, sizeof b2), memcpy(r->s[3] + d, &b3, sizeof b3);
    }
}

static inline __attribute__((always_inline)) void rng_refill(struct rng *r)
{
    for (int c = 0; c < RNG_LANES; c += RNG_CHAINS * RNG_CHUNK)
        rng_chains(r, c, RNG_CHAINS == 2);
    r->pos = 0;
}

static inline uint64_t rng_next(struct rng *r)
{
    if (r->pos == RNG_BUF)
        rng_refill(r);
    return r->buf[r->pos++];
}

static inline float rng_unit24_of(uint64_t v)
{
    return (float)(v >> 40) * (1.0f / 16777216.0f);
}

static inline float rng_unit24(struct rng *r)
{
    return rng_unit24_of(rng_next(r));
}

static inline double rng_open53(struct rng *r)
{
    return (double)((rng_next(r) >> 11) + 1) * (1.0 / 9007199254740992.0);
}

static inline double rng_normal(struct rng *r)
{
    double u = rng_open53(r), v = rng_open53(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
