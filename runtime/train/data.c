/* runtime/train/data.c: the data generators and their reference sampler.
 *   uniform: value U[0,1) (24 random bits, exact in float), target x
 *   signed:  value U[-1,1) (24 random bits), target |x|
 * The reference sampler is plain code over the same random words the
 * kernels use; the unit tests hold both the kernels' draws and the
 * generators' statistics against it. */
#include <math.h>
#include <string.h>

#include "data.h"
#include "rng.h"

static float uniform_value(uint64_t w)
{
    return rng_unit24_of(w);
}

static double uniform_target(double x)
{
    return x;
}

/* 2u - 1 for u = k / 2^24 is (k - 2^23) / 2^23: exact in float. */
static float signed_value(uint64_t w)
{
    return (float)((int32_t)(w >> 40) - (1 << 23)) * (1.0f / 8388608.0f);
}

static double signed_target(double x)
{
    return fabs(x);
}

const struct data_gen data_uniform = {
    "uniform", "present features take U[0,1) values; the target is the input",
    uniform_value, uniform_target, 0.5, 1.0 / 12, 0.5,
};

const struct data_gen data_signed = {
    "signed", "present features take U[-1,1) values; the target is |x|",
    signed_value, signed_target, 0.0, 1.0 / 3, 0.5,
};

const struct data_gen *const data_gens[] = {&data_uniform, &data_signed, NULL};

const struct data_gen *data_find(const char *name)
{
    for (int k = 0; name && data_gens[k]; k++)
        if (strcmp(data_gens[k]->name, name) == 0)
            return data_gens[k];
    return NULL;
}

void data_ref_sample(const struct data_gen *g, uint64_t seed, int n, const double *density,
                     int batch, double *X, double *T)
{
    struct rng r;
    rng_seed(&r, seed);
    for (int e = 0; e < batch; e++)
        for (int i = 0; i < n; i++) {
            double p = density[i] > 1 ? 1 : density[i] < 0 || density[i] != density[i] ? 0
                                                                                      : density[i];
            uint64_t thr = (uint64_t)ldexp(p, 32), w = rng_next(&r);
            double x = (w & 0xffffffffu) < thr ? g->value(w) : 0;
            X[(size_t)e * n + i] = x;
            T[(size_t)e * n + i] = g->target(x);
        }
}
