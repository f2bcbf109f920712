/* tests/unit/test_sae.c: the sparse autoencoder's pieces.
 * 1. The Hungarian matching equals brute force over every permutation on
 *    random rectangular matrices.
 * 2. A trained SAE (synthetic data, dictionary as large as the truth)
 *    keeps unit decoder rows and recovers the directions; the same run with
 *    its decoder scaled by 2 or its b_dec dropped measures worse: the
 *    metrics see a wrong SAE, not only a crash. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "sae.h"
#include "util.h"

static double brute(const double *w, int r, int c, int i, unsigned used)
{
    if (i == r)
        return 0;
    double best = brute(w, r, c, i + 1, used);   /* row i unmatched */
    for (int j = 0; j < c; j++)
        if (!(used & (1u << j)))
            best = fmax(best, w[i * c + j] + brute(w, r, c, i + 1, used | (1u << j)));
    return best;
}

static void test_match(void)
{
    uint64_t s = 7;
    double worst = 0;
    for (int t = 0; t < 200; t++) {
        int r = 1 + t % 6, c = 1 + (t / 6) % 6, assign[6];
        double w[36];
        for (int k = 0; k < r * c; k++)
            w[k] = (double)((s = util_mix64(s)) >> 11) / 9007199254740992.0;
        worst = fmax(worst, fabs(sae_match(w, r, c, assign) - brute(w, r, c, 0, 0)));
    }
    ok(worst < 1e-12, "Hungarian matching equals brute force on 200 matrices (worst %.2g)", worst);
}

static void test_trained(void)
{
    struct train_spec sp = {0};
    double imp[24], dens[24];
    sp.kind = &model_sae, sp.data = &data_uniform, sp.n = 24, sp.m = 12, sp.seed = 3;
    train_recipe_default(&sp.recipe);
    sp.recipe.optim = TRAIN_ADAM, sp.recipe.weight_decay = 0, sp.recipe.lr = 3e-3;
    sp.recipe.steps = 2500, sp.recipe.batch = 256, sp.recipe.sae_source = SAE_SOURCE_SYNTHETIC;
    sp.recipe.sae_dims = 12, sp.recipe.sae_features = 24, sp.recipe.sae_active = 2;
    sp.recipe.sae_window = 500, sp.truth_seed = 11;
    for (int j = 0; j < 24; j++)
        imp[j] = 0.02, dens[j] = 1;
    sp.importance = imp, sp.density = dens;
    struct train_result r;
    train_batch(&sp, 1, 1, NULL, &r);
    int rows, cols;
    float *W_dec = (float *)train_tensor(&r, "W_dec", &rows, &cols);
    double worst = 0;
    for (int j = 0; j < rows; j++) {
        double q = 0;
        for (int k = 0; k < cols; k++)
            q += (double)W_dec[j * cols + k] * W_dec[j * cols + k];
        worst = fmax(worst, fabs(sqrt(q) - 1));
    }
    ok(!r.failed && worst < 1e-5, "decoder rows stay unit-norm (worst %.2g)", worst);
    struct sae_eval good, bad;
    sae_evaluate(&sp, r.p, NULL, &good);
    ok(good.mmcs > 0.9 && good.explained > 0.8, "trained SAE: MMCS %.3f, explained %.3f",
       good.mmcs, good.explained);
    for (int k = 0; k < rows * cols; k++)
        W_dec[k] *= 2;
    sae_evaluate(&sp, r.p, NULL, &bad);
    ok(bad.explained < good.explained - 0.2, "a decoder scaled by 2 explains less (%.3f < %.3f)",
       bad.explained, good.explained);
    for (int k = 0; k < rows * cols; k++)
        W_dec[k] /= 2;
    float *b_dec = (float *)train_tensor(&r, "b_dec", NULL, NULL);
    for (int k = 0; k < cols; k++)
        b_dec[k] = 0;
    sae_evaluate(&sp, r.p, NULL, &bad);
    ok(bad.mse > good.mse, "without its b_dec the SAE reconstructs worse (mse %.3g > %.3g)",
       bad.mse, good.mse);
    train_result_free(&r);
}

int main(void)
{
    test_match();
    test_trained();
    return done_testing();
}
