/* runtime/train/sae_params.c: the catalogue of sparse-autoencoder settings,
 * what `sae NAME=VALUE ...;` accepts. Rows are struct params_def over the
 * same struct train_recipe as training parameters, so the checker, -D,
 * sweeps and the settings text treat both alike. A row's name is how a sweep
 * or -D names it; its alias is how the statement may write it when the name
 * would collide with a training parameter (`steps` in `sae steps=...` is
 * sae_steps). Only SAE runs write these into their settings text. */
#include <math.h>
#include <string.h>

#include "params.h"
#include "sae.h"

#define P_OFF(field) offsetof(struct train_recipe, field)
#define P_INT(lo, hi) {lo, hi, 0, 0, 1}
#define P_POS {0, INFINITY, 1, 0, 0}
#define P_NONNEG {0, INFINITY, 0, 0, 0}

const struct params_def sae_params_table[SAE_PARAMS_COUNT] = {
    {"latents", NULL, PARAMS_INT, 0, P_INT(0, 100000), NULL, P_OFF(sae_latents), "0",
     "dictionary size; 0 means the source's feature count", NULL, 0},
    {"l1", NULL, PARAMS_REAL, 0.2, P_NONNEG, NULL, P_OFF(sae_l1), "0.2",
     "L1 coefficient on the latents (loss: mean_d squared error + l1 * sum |a|)", NULL, 0},
    {"sae_steps", "steps", PARAMS_INT, 20000, P_INT(1, 1e9), NULL, P_OFF(steps), "20000",
     "the SAE's Adam steps", NULL, 0},
    {"sae_lr", "lr", PARAMS_REAL, 1e-3, P_POS, NULL, P_OFF(lr), "1e-3",
     "the SAE's learning rate", NULL, 0},
    {"sae_batch", "batch", PARAMS_INT, 1024, P_INT(1, 1e9), NULL, P_OFF(batch), "1024",
     "the SAE's examples per step", NULL, 0},
    {"resample", NULL, PARAMS_INT, 0, P_INT(0, 1e9), NULL, P_OFF(sae_resample), "0",
     "resample dead latents every K steps; 0 never", NULL, 0},
    {"window", NULL, PARAMS_INT, 500, P_INT(1, 1e9), NULL, P_OFF(sae_window), "500",
     "a latent silent for this many steps is dead", NULL, 0},
    {"topk", NULL, PARAMS_INT, 0, P_INT(0, 100000), NULL, P_OFF(sae_topk), "0",
     "keep the K largest latents (TopK SAE); 0: ReLU only", NULL, 0},
    {"source", NULL, PARAMS_CHOICE, SAE_SOURCE_MODEL, {0, 0, 0, 0, 0}, sae_sources,
     P_OFF(sae_source), "model", "model: the hidden layer of the current model; synthetic: "
     "sparse mixtures of random unit directions", NULL, 0},
    {"sae_dims", "dims", PARAMS_INT, 256, P_INT(1, 100000), NULL, P_OFF(sae_dims), "256",
     "synthetic: input dimensions", NULL, 0},
    {"sae_features", "features", PARAMS_INT, 512, P_INT(1, 100000), NULL, P_OFF(sae_features), "512",
     "synthetic: ground-truth directions", NULL, 0},
    {"sae_active", "active", PARAMS_REAL, 5, P_POS, NULL, P_OFF(sae_active), "5",
     "synthetic: expected active directions per example", NULL, 0},
};

const struct params_def *sae_params_find(const char *name)
{
    for (int k = 0; k < SAE_PARAMS_COUNT; k++) {
        const struct params_def *p = &sae_params_table[k];
        if (strcmp(p->name, name) == 0 || (p->alias && strcmp(p->alias, name) == 0))
            return p;
    }
    return NULL;
}

const struct params_def *params_find_any(const char *name)
{
    const struct params_def *p = params_find(name);
    for (int k = 0; !p && k < SAE_PARAMS_COUNT; k++)
        if (strcmp(sae_params_table[k].name, name) == 0)
            p = &sae_params_table[k];
    return p;
}
