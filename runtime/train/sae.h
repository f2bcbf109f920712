/* runtime/train/sae.h: sparse autoencoders as a model kind.
 * An SAE run is a run like any other: kind `sae`, n = latents (dictionary
 * size), m = input dimensions, tensors W_enc (m x n), b_enc (n), W_dec
 * (n x m, rows kept unit-norm), b_dec (m). Its "importance" is the L1
 * coefficient of each latent, so the reference and the kernel test treat it
 * like every kind. Its data are the hidden activations of a trained model
 * (spec.base) or synthetic sparse mixtures of known random unit directions
 * (spec.truth_seed); its data generator is that of the underlying features.
 *   h_cent = h - b_dec,  a = ReLU(W_encᵀ h_cent + b_enc)  (or its top K),
 *   ĥ = W_decᵀ a + b_dec,  loss = mean_d (ĥ - h)² + Σ_j l1_j a_j,
 * averaged over the batch, trained with Adam; dead latents are resampled on
 * a schedule. This header also holds what the report layer measures: the
 * ground truth, recovery (max and matched cosine) and the latents' use. */
#ifndef TMSL_SAE_H
#define TMSL_SAE_H
#include <stdint.h>

#include "data.h"
#include "model.h"
#include "rng.h"
#include "train.h"

enum sae_source_kind { SAE_SOURCE_MODEL, SAE_SOURCE_SYNTHETIC };
extern const char *const sae_sources[];   /* index = enum sae_source_kind */

extern const struct model_kind model_sae;

/* Where an SAE's inputs come from: F features, each present with its
 * density and a value from gen, mapped to d dimensions by map's rows
 * (a model's feature directions, or the synthetic truth), then ReLU'd when
 * the model's hidden layer is. truth[i] says whether row i is a ground-truth
 * direction (a model's represented features: ||W_i|| > 0.5). */
struct sae_source {
    int nfeat, d, relu;
    float *map;                   /* [nfeat * d] */
    double *density;              /* [nfeat] */
    uint64_t *thr;                /* [nfeat] presence thresholds */
    unsigned char *truth;         /* [nfeat] */
    const struct data_gen *gen;
};

/* Build the source of an SAE spec; base_p: the base model's parameters,
 * or NULL to train it here (deterministic, so the same weights). 0 or -1. */
int sae_source_init(struct sae_source *s, const struct train_spec *sp, const float *base_p);
void sae_source_free(struct sae_source *s);
/* One example: h [d] from the stream r; returns how many truth features
 * are present. x is scratch of nfeat floats. */
int sae_source_draw(const struct sae_source *s, struct rng *r, float *x, float *h);

/* What the report measures of a trained SAE (the decoder against the
 * source's ground truth, and the latents on fresh data). */
struct sae_eval {
    int ntrue;                    /* ground-truth directions */
    double mmcs;                  /* mean over truth of the best |cos| to a decoder row */
    double matched;               /* one-to-one (Hungarian) mean |cos|, unmatched = 0 */
    double recovered;             /* share of truth with best |cos| >= SAE_RECOVERED_COS */
    double dead;                  /* latents never active on the evaluation batch */
    double l0, true_l0;           /* mean active latents; mean present truth features */
    double mse;                   /* mean over examples and dims of (ĥ - h)² */
    double explained;             /* 1 - Σ|h - ĥ|² / Σ|h - mean h|² */
};
#define SAE_RECOVERED_COS 0.9
#define SAE_EVAL_EXAMPLES 4096
int sae_evaluate(const struct train_spec *sp, const float *p, const float *base_p,
                 struct sae_eval *out);

/* Maximum-weight one-to-one assignment on a rows x cols matrix w (row
 * major): assign[i] = the column of row i or -1; returns the total weight.
 * Hungarian algorithm, O(k³) for k = max(rows, cols). */
double sae_match(const double *w, int rows, int cols, int *assign);

#endif
