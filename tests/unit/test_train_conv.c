/* tests/unit/test_train_conv.c: training reaches the known optimum.
 * n=20, m=5, I_i = 0.7^i with the default recipe (AdamW, 10,000 steps,
 * batch 1024). The linear model's optimum keeps the 5 most important
 * features and predicts the mean p/2 for the rest, so its loss is
 *   L = sum_{i>=5} 0.7^i (p/3 - p^2/4) / n,
 * 2.3232e-3 at p = 1 and 8.596e-4 at p = 0.1; the final loss must be within
 * 2 %. The dense ReLU model represents exactly the 5 most important
 * features (||W_i|| > 0.5). */
#include <math.h>
#include <stdlib.h>

#include "../tap.h"
#include "train.h"

int main(void)
{
    enum { N = 20, M = 5 };
    double imp[N], d1[N], d01[N];
    for (int i = 0; i < N; i++) {
        imp[i] = pow(0.7, i);
        d1[i] = 1;
        d01[i] = 0.1;
    }
    struct train_spec sp[3] = {{0}};
    for (int k = 0; k < 3; k++) {
        sp[k].kind = k < 2 ? TRAIN_LINEAR : TRAIN_RELU;
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
    train_metrics_compute(res[2].W, N, M, &mt);
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
