/* runtime/train/dataset.h: finite training sets (train dataset=T), the
 * test loss on fresh data, and the training points' hidden vectors. */
#ifndef TMSL_DATASET_H
#define TMSL_DATASET_H
#include <stdint.h>

#include "data.h"
#include "model.h"
#include "train.h"

/* Fresh examples the test loss reads (one fixed seed for every run). */
#define TRAIN_TEST_EXAMPLES 10000

/* The seed of a run's training set: the run's seed mixed with a fixed tag. */
uint64_t train_dataset_seed(uint64_t run_seed);
/* The run's training set: recipe.dataset examples into *X and their
 * targets into *T (each count x n, free both); returns the count, 0 (and
 * NULL) without a set. */
int train_dataset_draw(const struct train_spec *sp, float **X, float **T);
/* The notebook loss of parameters p (the kind's flat tensors) on
 * TRAIN_TEST_EXAMPLES fresh examples of the run's generator, by the kind's
 * double reference; NaN for SAE runs or without weights. */
double train_test_loss(const struct train_spec *sp, const float *p);
/* The training points' hidden vectors h_x = sum_i x_i W_i over the
 * feature directions W_i (W x for the tied kinds, before any hidden ReLU),
 * count x m into *H (malloc'd). Returns the count (0 without a set). */
int train_point_hidden(const struct train_spec *sp, const float *p, double **H);
/* For each training example x of the run's set: h_x = sum_i x_i W_i over
 * the feature directions W_i, its norm into (*hnorm)[x] and its
 * dimensionality D_x = ||h_x||^2 / sum_y (h^_x . h_y)^2 (0 when h_x is 0)
 * into (*dx)[x]; both malloc'd. Returns the count (0 without a set). */
int train_point_dims(const struct train_spec *sp, const float *p, double **dx, double **hnorm);

#endif
