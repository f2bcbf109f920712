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

struct data_gen {
    const char *name;
    const char *help;
    float (*value)(uint64_t word);  /* a present feature's value from its word */
    double (*target)(double x);     /* target of one feature given its input */
    /* moments of a present value and of its target, for the statistics tests */
    double value_mean, value_var, target_mean;
};

extern const struct data_gen data_uniform, data_signed;
/* Every generator, NULL-terminated: uniform, signed. */
extern const struct data_gen *const data_gens[];

const struct data_gen *data_find(const char *name);

/* Reference sampler (one Bernoulli draw per element, as the trainer's
 * general draw does): batch examples of n features into X and their
 * targets into T, both batch x n, from a fresh generator seeded with seed. */
void data_ref_sample(const struct data_gen *g, uint64_t seed, int n, const double *density,
                     int batch, double *X, double *T);

#endif
