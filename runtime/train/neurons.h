/* runtime/train/neurons.h: measures of the hidden neurons of a model with a
 * ReLU hidden layer (MODEL_CAP_NEURONS: relu-hidden and untied), where the
 * basis is privileged and one can ask which features a neuron responds to.
 * Neuron k's weights are column k of the n x m feature directions: column k
 * of the tied W, row k of the untied W1. */
#ifndef TMSL_NEURONS_H
#define TMSL_NEURONS_H
#include "train.h"

/* A neuron is monosemantic when one feature holds at least this share of
 * its squared weight (the paper's notion: it responds to one feature). */
#define NEURONS_MONO_SHARE 0.9
/* A feature "uses" a neuron (and the neuron carries the feature) when it
 * holds at least this share of the neuron's, or the feature's, squared
 * weight. */
#define NEURONS_USE_SHARE 0.1
/* A neuron is live when its norm is at least this fraction of the largest
 * neuron's: relative, since the untied kind may trade W1's scale for W2's. */
#define NEURONS_LIVE 0.1

/* The part of weight w by which a feature can excite a neuron: the tied
 * kinds train on non-negative features, so a negative weight only inhibits
 * (its part is 0); the untied kind trains on signed features, so either
 * sign excites (|w|). Every measure below is over these parts. */
double train_neuron_excite(const struct train_result *r, double w);

struct train_neurons {
    int n, m;
    double *norm2;     /* [m] squared norm of neuron k's exciting weights */
    int *top;          /* [m] the feature with the largest |weight| */
    double *share;     /* [m] that feature's share of norm2 */
    int *features;     /* [m] features holding >= NEURONS_USE_SHARE of norm2 */
    int *live;         /* [m] 1 when the neuron is live */
    int *spread;       /* [n] neurons holding >= NEURONS_USE_SHARE of feature i's weight */
};

/* Fill out from a result's feature directions; -1 without weights. */
int train_neurons_of(const struct train_result *r, struct train_neurons *out);
void train_neurons_free(struct train_neurons *nr);
/* Neuron k's weight for feature i, rescaled for the untied kind so that the
 * neuron's largest |weight| is 1 (its W2 column scaled the other way keeps
 * the function), raw for the tied kinds, whose scale is meaningful. */
double train_neuron_weight(const struct train_result *r, const float *dirs, int i, int k);

#endif
