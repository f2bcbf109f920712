/* runtime/train/kern_sets.c: the kernels for generators that draw whole
 * examples: sets of features that are not independent (correlated and
 * anticorrelated) and examples scaled to unit length (unitnorm). The fast
 * kernels draw one feature at a time, which cannot express "these features
 * fire together" or "divide by the example's norm"; these draw whole
 * examples with the generator's own sampler (data.h draw, the same words
 * the reference sampler uses) into a dense block and run the general fused
 * kernel's explicit-batch path on it. Two rows, so that each serves the
 * tied kinds on its own generators only. */
#include <stdlib.h>

#include "kern.h"
#include "util.h"

#define SETS_BLOCK 64   /* examples drawn per call of the explicit-batch path */

static void sets_init(struct kern_run *kr)
{
    kern_ws_init(&kr->ws, kr->md.n, kr->md.m);
    kr->xbuf = xmalloc(sizeof(float) * (size_t)SETS_BLOCK * (size_t)kr->md.n);
}

static void sets_free(struct kern_run *kr)
{
    kern_ws_free(&kr->ws);
    free(kr->xbuf);
    kr->xbuf = NULL;
}

static int sets_applies(const struct kern_model *md, const double *density)
{
    (void)md, (void)density;
    return 1;
}

/* The tied kernels read W's transpose. */
static void sets_wt(struct kern_run *kr)
{
    const int n = kr->md.n, m = kr->md.m;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            kr->WT[(size_t)k * n + i] = kr->md.W[(size_t)i * m + k];
}

static void sets_step(struct kern_run *kr, int batch)
{
    const int n = kr->md.n;
    const struct data_gen *dg = kr->md.data;
    sets_wt(kr);
    for (int e0 = 0; e0 < batch; e0 += SETS_BLOCK) {
        int rows = batch - e0 < SETS_BLOCK ? batch - e0 : SETS_BLOCK;
        for (int e = 0; e < rows; e++)
            dg->draw(kr->md.data_arg, &kr->sp->rng, n, kr->sp->thr, kr->xbuf + (size_t)e * n);
        kern_batch(&kr->md, kr->xbuf, rows, &kr->ws, kr->g);
    }
}

static void sets_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T; /* these generators' target is the input */
    sets_wt(kr);
    kern_batch(&kr->md, X, batch, &kr->ws, kr->g);
}

static const struct model_kind *const sets_kinds[] = {
    &model_linear, &model_relu, &model_relu_hidden, NULL,
};
static const struct data_gen *const sets_data[] = {&data_correlated, &data_anticorrelated, NULL};

const struct kern_def kern_sets = {
    "sets", "correlated or anticorrelated sets: whole examples drawn densely, fused kernel",
    sets_kinds, sets_data, sets_applies, NULL, sets_init, sets_step, sets_batch, sets_free,
    NULL,
};

static const struct data_gen *const unitnorm_data[] = {&data_unitnorm, NULL};

const struct kern_def kern_unitnorm = {
    "unitnorm", "unit-length examples: whole examples drawn densely and scaled, fused kernel",
    sets_kinds, unitnorm_data, sets_applies, NULL, sets_init, sets_step, sets_batch, sets_free,
    NULL,
};
