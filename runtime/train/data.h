/* runtime/train/data.h: data generators as declared things.
 * Every feature i of an example is present with probability density_i; a
 * generator says what value a present feature takes and what the model's
 * target is as a function of the input. Presence and value come from ONE
 * random word (presence: its low 32 bits against density_i * 2^32; value:
 * its high 24 bits), which is how the trainer has always drawn uniform data,
 * so the "uniform" generator reproduces earlier runs bit for bit. */
#ifndef TMSL_DATA_H
#define TMSL_DATA_H
#include <stdint.h>

struct rng;

/* A generator's parameters (`data correlated sets=3;`): integers in
 * [lo, hi], each with a default that the run's settings text leaves out. */
#define DATA_MAX_ARGS 2
struct data_param {
    const char *name;
    double dflt, lo, hi;
    const char *help;
};

struct data_gen {
    const char *name;
    const char *help;
    float (*value)(uint64_t word);  /* a present feature's value from its word */
    double (*target)(double x);     /* target of one feature given its input */
    /* moments of a present value and of its target, for the statistics tests */
    double value_mean, value_var, target_mean;
    int nparams;
    struct data_param param[DATA_MAX_ARGS];
    /* Generators whose features are not independent draw a whole example:
     * x [n] from r, thr[i] = density_i * 2^32 as in the kernels' sampler,
     * arg the generator's parameters. NULL: independent features (value). */
    void (*draw)(const double *arg, struct rng *r, int n, const uint64_t *thr, float *x);
    /* Presence rate of feature i at set density p (NULL: p), for the tests. */
    double (*rate)(const double *arg, int n, int i, double p);
};

extern const struct data_gen data_uniform, data_signed, data_correlated, data_anticorrelated,
    data_unitnorm;
/* Every generator, NULL-terminated: uniform, signed, correlated, anticorrelated,
 * unitnorm. */
extern const struct data_gen *const data_gens[];

const struct data_gen *data_find(const char *name);
/* Index of g's parameter called name, or -1. */
int data_param_index(const struct data_gen *g, const char *name);
/* Every parameter at its default. */
void data_args_default(const struct data_gen *g, double *arg);
/* The set (0 .. sets-1) that feature i of n belongs to: consecutive blocks
 * of near-equal size. */
int data_set_of(int i, int n, int sets);

/* Presence thresholds density_i * 2^32 (clamped to [0, 1]) into thr [n]. */
void data_thresholds(int n, const double *density, uint64_t *thr);
/* count examples into X and their targets into T (count x n floats each),
 * from r: one Bernoulli word per element, or the generator's own draw. The
 * finite training sets and the fresh test data are drawn with this. */
void data_sample(const struct data_gen *g, const double *arg, struct rng *r, int n,
                 const uint64_t *thr, long count, float *X, float *T);

/* Reference sampler (one Bernoulli draw per element, as the trainer's
 * general draw does, or the generator's own draw): batch examples of n
 * features into X and their targets into T, both batch x n, from a fresh
 * generator seeded with seed; arg the generator's parameters (NULL: the
 * defaults). */
void data_ref_sample(const struct data_gen *g, const double *arg, uint64_t seed, int n,
                     const double *density, int batch, double *X, double *T);

#endif
