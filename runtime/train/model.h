/* runtime/train/model.h: model kinds as declared things.
 * A kind says what a run's parameters are (named tensors whose shapes are
 * functions of n and m, with their initialisation), how the naive double
 * reference computes its loss and gradient, which data it trains on by
 * default, what it is able to say about features (capabilities) and how to
 * get its n x m feature-direction matrix for the metrics. Parameters live
 * in one flat float vector, tensors in declaration order; the trainer, the
 * run cache, the store and runs.jsonl walk the tensor list instead of
 * knowing W and b. A new kind is one file plus a line in model_kinds[]. */
#ifndef TMSL_MODEL_H
#define TMSL_MODEL_H
#include <stddef.h>

#include "train.h"

/* A tensor dimension, as a function of the run's shape. */
enum model_dim { MODEL_DIM_1, MODEL_DIM_N, MODEL_DIM_M };
enum model_init { MODEL_INIT_XAVIER, MODEL_INIT_ZERO };

/* W rows are the feature embeddings (tied encoder/decoder): the geometry
 * figures and the tied-weight metrics apply directly. */
#define MODEL_CAP_TIED 1u
/* The closed-form phase diagrams (report/theory.c) are this kind's: the
 * phase figure and phase_agreement compare with them. */
#define MODEL_CAP_PHASE 2u
/* A sparse autoencoder (sae.h): the SAE figures and metrics read it. */
#define MODEL_CAP_SAE 4u
/* A ReLU hidden layer whose neurons the n x m feature directions' columns
 * are (the basis is privileged): the neuron figure and metrics apply. */
#define MODEL_CAP_NEURONS 8u
#define MODEL_MAX_TENSORS 4

struct model_kind;

struct model_tensor {
    const char *name;
    enum model_dim rows, cols;
    enum model_init init;     /* xavier: normal, std init= or sqrt(2/(n+m)) */
};

/* Naive double reference on a dense batch: X and T are batch x n inputs and
 * targets, p the flat parameters; returns the notebook loss (mean over
 * batch and features of I_i (y_i - t_i)^2) and stores its gradient in g. */
typedef double (*model_ref_fn)(const struct model_kind *k, int n, int m, const double *p,
                               const double *imp, const double *X, const double *T,
                               int batch, double *g);
/* Fill dirs [n*m] with feature i's direction as row i. */
typedef void (*model_dirs_fn)(int n, int m, const float *p, float *dirs);

struct model_kind {
    const char *name;
    const char *help;
    enum train_kind act;      /* variant the shared tied kernels branch on */
    int ntensors;
    struct model_tensor tensor[MODEL_MAX_TENSORS];
    model_ref_fn ref;
    const char *data;         /* default data generator's name */
    unsigned caps;            /* MODEL_CAP_* */
    model_dirs_fn dirs;       /* NULL: tensor 0 is already n x m by feature */
};

extern const struct model_kind model_linear, model_relu, model_relu_hidden, model_untied;
/* Every kind, NULL-terminated: linear, relu, relu-hidden, untied, sae (sae.h). */
extern const struct model_kind *const model_kinds[];

const struct model_kind *model_find(const char *name);
int model_dim(enum model_dim d, int n, int m);
/* Shape, size and offset (in floats) of tensor t for this n, m. */
void model_shape(const struct model_kind *k, int t, int n, int m, int *rows, int *cols);
size_t model_tensor_size(const struct model_kind *k, int t, int n, int m);
size_t model_tensor_offset(const struct model_kind *k, int t, int n, int m);
size_t model_nparams(const struct model_kind *k, int n, int m);
/* Index of the tensor called name, or -1. */
int model_tensor_index(const struct model_kind *k, const char *name);
/* Feature directions [n*m]: p itself for tied kinds, else written to scratch. */
const float *model_feature_dirs(const struct model_kind *k, int n, int m, const float *p,
                                float *scratch);

#endif
