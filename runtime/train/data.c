/* runtime/train/data.c: the data generators and their reference sampler.
 *   uniform: value U[0,1) (24 random bits, exact in float), target x
 *   signed:  value U[-1,1) (24 random bits), target |x|
 *   correlated: features in `sets` consecutive sets; one presence draw per
 *     set (at its first feature's density) decides all its features, whose
 *     values are independent U[0,1)
 *   anticorrelated: the same sets; a set is present at its first feature's
 *     density and then exactly one uniformly chosen member is, U[0,1)
 *   unitnorm: uniform's draw, then the example scaled to unit length (an
 *     all-zero example stays zero), as the finite-data experiments use
 * The reference sampler is plain code over the same random words the
 * kernels use; the unit tests hold both the kernels' draws and the
 * generators' statistics against it. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"
#include "train.h"

_Static_assert(sizeof ((struct train_spec *)0)->data_arg == DATA_MAX_ARGS * sizeof(double),
               "a run carries every generator parameter");

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
    uniform_value, uniform_target, 0.5, 1.0 / 12, 0.5, 0, {{0}}, NULL, NULL,
};

const struct data_gen data_signed = {
    "signed", "present features take U[-1,1) values; the target is |x|",
    signed_value, signed_target, 0.0, 1.0 / 3, 0.5, 0, {{0}}, NULL, NULL,
};

int data_set_of(int i, int n, int sets)
{
    return (int)((long long)i * sets / n);
}

/* The sets parameter, clamped to 1..n (0 in a zeroed spec means default). */
static int data_sets(const double *arg, int n)
{
    int s = arg && arg[0] >= 1 ? (int)arg[0] : 2;
    return s > n ? n : s;
}

/* Features lo..hi-1 of set s. */
static void data_set_span(int s, int n, int sets, int *lo, int *hi)
{
    *lo = (int)(((long long)s * n + sets - 1) / sets);
    *hi = (int)(((long long)(s + 1) * n + sets - 1) / sets);
}

static void correlated_draw(const double *arg, struct rng *r, int n, const uint64_t *thr,
                            float *x)
{
    int sets = data_sets(arg, n), lo, hi;
    for (int s = 0; s < sets; s++) {
        data_set_span(s, n, sets, &lo, &hi);
        int on = (rng_next(r) & 0xffffffffu) < thr[lo];
        for (int i = lo; i < hi; i++)
            x[i] = on ? rng_unit24_of(rng_next(r)) : 0.0f;
    }
}

/* The member comes from the presence word's high half, so a present set
 * costs two words whatever its size. */
static void anticorrelated_draw(const double *arg, struct rng *r, int n, const uint64_t *thr,
                                float *x)
{
    int sets = data_sets(arg, n), lo, hi;
    for (int s = 0; s < sets; s++) {
        data_set_span(s, n, sets, &lo, &hi);
        uint64_t w = rng_next(r);
        for (int i = lo; i < hi; i++)
            x[i] = 0.0f;
        if ((w & 0xffffffffu) < thr[lo])
            x[lo + (int)(((w >> 32) * (uint64_t)(hi - lo)) >> 32)] = rng_unit24_of(rng_next(r));
    }
}

static double correlated_rate(const double *arg, int n, int i, double p)
{
    (void)arg, (void)n, (void)i;
    return p;
}

static double anticorrelated_rate(const double *arg, int n, int i, double p)
{
    int sets = data_sets(arg, n), lo, hi;
    data_set_span(data_set_of(i, n, sets), n, sets, &lo, &hi);
    return p / (hi - lo);
}

#define DATA_SETS_PARAM {"sets", 2, 1, 100000, "number of sets; feature i is in set i*sets/n"}

const struct data_gen data_correlated = {
    "correlated", "sets of features present together (one draw per set); values U[0,1)",
    uniform_value, uniform_target, 0.5, 1.0 / 12, 0.5, 1, {DATA_SETS_PARAM},
    correlated_draw, correlated_rate,
};

const struct data_gen data_anticorrelated = {
    "anticorrelated", "sets of which at most one feature is present; values U[0,1)",
    uniform_value, uniform_target, 0.5, 1.0 / 12, 0.5, 1, {DATA_SETS_PARAM},
    anticorrelated_draw, anticorrelated_rate,
};

/* The same words as uniform's draw, then x / ||x||; the norm is summed in
 * double in feature order, so the example depends on its words alone. */
static void unitnorm_draw(const double *arg, struct rng *r, int n, const uint64_t *thr, float *x)
{
    (void)arg;
    double q = 0;
    for (int i = 0; i < n; i++) {
        uint64_t w = rng_next(r);
        x[i] = (w & 0xffffffffu) < thr[i] ? rng_unit24_of(w) : 0.0f;
        q += (double)x[i] * x[i];
    }
    if (q > 0)
        for (int i = 0; i < n; i++)
            x[i] = (float)(x[i] / sqrt(q));
}

/* Its values' moments depend on n and the density: value_var 0 says so,
 * and the statistics test checks the norm instead. */
const struct data_gen data_unitnorm = {
    "unitnorm", "uniform's draw, each example then scaled to unit length (zero stays zero)",
    uniform_value, uniform_target, 0, 0, 0, 0, {{0}}, unitnorm_draw, NULL,
};

const struct data_gen *const data_gens[] = {&data_uniform, &data_signed, &data_correlated,
                                            &data_anticorrelated, &data_unitnorm, NULL};

int data_param_index(const struct data_gen *g, const char *name)
{
    for (int k = 0; k < g->nparams; k++)
        if (strcmp(g->param[k].name, name) == 0)
            return k;
    return -1;
}

void data_args_default(const struct data_gen *g, double *arg)
{
    for (int k = 0; k < DATA_MAX_ARGS; k++)
        arg[k] = g && k < g->nparams ? g->param[k].dflt : 0;
}

const struct data_gen *data_find(const char *name)
{
    for (int k = 0; name && data_gens[k]; k++)
        if (strcmp(data_gens[k]->name, name) == 0)
            return data_gens[k];
    return NULL;
}

void data_thresholds(int n, const double *density, uint64_t *thr)
{
    for (int i = 0; i < n; i++) {
        double p = density[i] > 1 ? 1 : density[i] < 0 || density[i] != density[i] ? 0
                                                                                  : density[i];
        thr[i] = (uint64_t)ldexp(p, 32);
    }
}

void data_sample(const struct data_gen *g, const double *arg, struct rng *r, int n,
                 const uint64_t *thr, long count, float *X, float *T)
{
    for (long e = 0; e < count; e++) {
        float *x = X + (size_t)e * n, *t = T + (size_t)e * n;
        if (g->draw)
            g->draw(arg, r, n, thr, x);
        else
            for (int i = 0; i < n; i++) {
                uint64_t w = rng_next(r);
                x[i] = (w & 0xffffffffu) < thr[i] ? g->value(w) : 0.0f;
            }
        for (int i = 0; i < n; i++)
            t[i] = (float)g->target(x[i]);
    }
}

/* A whole-example generator: thresholds as the kernels' sampler computes them. */
static void data_ref_draws(const struct data_gen *g, const double *arg, struct rng *r, int n,
                           const double *density, int batch, double *X, double *T)
{
    uint64_t *thr = malloc(sizeof(uint64_t) * (size_t)n);
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++) {
        double p = density[i] > 1 ? 1 : density[i] < 0 || density[i] != density[i] ? 0
                                                                                  : density[i];
        thr[i] = (uint64_t)ldexp(p, 32);
    }
    for (int e = 0; e < batch; e++) {
        g->draw(arg, r, n, thr, x);
        for (int i = 0; i < n; i++) {
            X[(size_t)e * n + i] = x[i];
            T[(size_t)e * n + i] = g->target(x[i]);
        }
    }
    free(thr), free(x);
}

void data_ref_sample(const struct data_gen *g, const double *arg, uint64_t seed, int n,
                     const double *density, int batch, double *X, double *T)
{
    struct rng r;
    rng_seed(&r, seed);
    if (g->draw) {
        data_ref_draws(g, arg, &r, n, density, batch, X, T);
        return;
    }
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
