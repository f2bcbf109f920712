/* tests/unit/test_train_conv.c: training reaches the known optimum.
 * n=20, m=5, I_i = 0.7^i with the default recipe (AdamW, 10,000 steps,
 * batch 1024). The linear model's optimum keeps the 5 most important
 * features and predicts the mean p/2 for the rest, so its loss is
 *   L = sum_{i>=5} 0.7^i (p/3 - p^2/4) / n,
 * 2.3232e-3 at p = 1 and 8.596e-4 at p = 0.1; the final loss must be within
 * 2 %. The dense ReLU model represents exactly the 5 most important
 * features (||W_i|| > 0.5).
 * The untied model, n=3, m=6, dense signed data, Adam lr 1e-2: it can
 * compute |x_i| exactly as ReLU(x_i) + ReLU(-x_i) with two hidden units per
 * feature, so the best of two seeds must reach a loss near 0 (< 1e-4). */
#include <math.h>
#include <stdlib.h>

#include "../tap.h"
#include "data.h"
#include "model.h"
#include "train.h"

static void test_untied(void)
{
    enum { N = 3, M = 6, R = 2 };
    double imp[N] = {1, 1, 1}, dens[N] = {1, 1, 1}, best = INFINITY;
    struct train_spec sp[R] = {{0}};
    struct train_result res[R];
    for (int k = 0; k < R; k++) {
        sp[k].kind = &model_untied;
        sp[k].data = &data_signed;
        sp[k].n = N;
        sp[k].m = M;
        train_recipe_default(&sp[k].recipe);
        sp[k].recipe.optim = TRAIN_ADAM;
        sp[k].recipe.weight_decay = 0;
        sp[k].recipe.lr = 1e-2;
        sp[k].recipe.steps = 4000;
        sp[k].recipe.batch = 256;
        sp[k].seed = 77 + k;
        sp[k].importance = imp;
        sp[k].density = dens;
    }
    is_int(train_batch(sp, R, 2, NULL, res), 0, "untied n=3 m=6: two seeds trained");
    for (int k = 0; k < R; k++) {
        best = fmin(best, res[k].final_loss);
        train_result_free(&res[k]);
    }
    ok(best < 1e-4, "untied n=3 m=6, signed data: best final loss %.3g near 0", best);
}

int main(void)
{
    test_untied();
    enum { N = 20, M = 5 };
    double imp[N], d1[N], d01[N];
    for (int i = 0; i < N; i++) {
        imp[i] = pow(0.7, i);
        d1[i] = 1;
        d01[i] = 0.1;
    }
    struct train_spec sp[3] = {{0}};
    for (int k = 0; k < 3; k++) {
        sp[k].kind = k < 2 ? &model_linear : &model_relu;
        sp[k].n = N;
        sp[k].m = M;
        train_recipe_default(&sp[k].recipe);
        sp[k].seed = 1000 + k;
        sp[k].importance = imp;
        sp[k].density = k == 1 ? d01 : d1;
    }
    struct train_result res[3];
    is_int(train_batch(sp, 3, 2, NULL, res), 0, "three n=20 m=5 runs trained");
    double want[2];
    for (int k = 0; k < 2; k++) {
        double p = k == 0 ? 1 : 0.1, s = 0;
        for (int i = M; i < N; i++)
            s += imp[i] * (p / 3 - p * p / 4) / N;
        want[k] = s;
        near(res[k].final_loss, want[k], 0.02 * want[k],
             "linear p=%g: final loss %.5g within 2%% of closed form %.5g", p,
             res[k].final_loss, want[k]);
    }
    struct train_metrics mt;
    train_metrics_of(&res[2], &mt);
    int top = 1, count = 0;
    for (int i = 0; i < N; i++) {
        count += mt.norm[i] > 0.5;
        top &= (mt.norm[i] > 0.5) == (i < M);
    }
    ok(top, "relu p=1: exactly features 0-4 have ||W_i|| > 0.5 (%d features do)", count);
    near(mt.frob2, 5.0, 0.25, "relu p=1: ||W||_F^2 is about 5 (%.4g)", mt.frob2);
    train_metrics_free(&mt);
    for (int k = 0; k < 3; k++)
        train_result_free(&res[k]);
    return done_testing();
}
