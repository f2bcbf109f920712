/* runtime/rng.h: the trainer's random numbers.
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

#define RNG_LANES 8
#define RNG_BUF 256

struct rng {
    uint64_t s[4][RNG_LANES];
    uint64_t buf[RNG_BUF];
    int pos;
};

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

/* Advance all lanes RNG_BUF / RNG_LANES times. Written lane-wise so that the
 * inner loop is plain element-wise integer arithmetic. */
static inline void rng_refill(struct rng *r)
{
    uint64_t *restrict s0 = r->s[0], *restrict s1 = r->s[1];
    uint64_t *restrict s2 = r->s[2], *restrict s3 = r->s[3];
    for (int it = 0; it < RNG_BUF / RNG_LANES; it++) {
        uint64_t *restrict out = r->buf + it * RNG_LANES;
        for (int l = 0; l < RNG_LANES; l++) {
            uint64_t x = s1[l] * 5;
            out[l] = ((x << 7) | (x >> 57)) * 9;
            uint64_t t = s1[l] << 17;
            s2[l] ^= s0[l];
            s3[l] ^= s1[l];
            s1[l] ^= s2[l];
            s0[l] ^= s3[l];
            s2[l] ^= t;
            s3[l] = (s3[l] << 45) | (s3[l] >> 19);
        }
    }
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
