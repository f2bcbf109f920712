/* tests/unit/test_model.c: the model, data and kernel catalogues.
 * 1. model_kinds: order, lookup, tensor shapes, offsets, parameter counts,
 *    feature directions (untied: W1 transposed).
 * 2. data_gens: every generator's reference sampler has the declared
 *    presence rate, value mean and variance and target mean; the trainer's
 *    general draw produces exactly the uniform reference sample.
 * 3. The kernel table: for every kernel x kind x generator, the pick (the
 *    table's own and a forced TMSL_KERNEL) never returns a kernel that does
 *    not declare the pair; undeclared pairs have no kernel.
 * 4. Results: train_tensor shapes and names for a trained untied run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "kern.h"
#include "sae.h"
#include "util.h"

static void test_catalogue(void)
{
    static const char *const want[] = {"linear", "relu", "relu-hidden", "untied", "sae"};
    int k = 0;
    for (; model_kinds[k]; k++)
        ok(k < 5 && !strcmp(model_kinds[k]->name, want[k]) && model_find(want[k]) == model_kinds[k],
           "model kind %d is %s and model_find finds it", k, model_kinds[k]->name);
    is_int(k, 5, "five model kinds");
    is_int((int)model_nparams(&model_sae, 5, 2), 27, "sae n=5 m=2: 27 parameters (W_enc, b_enc, W_dec, b_dec)");
    ok(model_find("relu-hiden") == NULL, "model_find: unknown name gives NULL");
    is_int((int)model_nparams(&model_relu, 5, 2), 15, "relu n=5 m=2: 15 parameters (W, b)");
    is_int((int)model_nparams(&model_untied, 3, 6), 39, "untied n=3 m=6: 39 parameters");
    int r, c;
    model_shape(&model_untied, 0, 3, 6, &r, &c);
    ok(r == 6 && c == 3, "untied W1 is m x n (%dx%d)", r, c);
    is_int((int)model_tensor_offset(&model_untied, 2, 3, 6), 36, "untied b starts after W1, W2");
    ok((model_relu.caps & MODEL_CAP_TIED) && !(model_untied.caps & MODEL_CAP_TIED),
       "tied kinds declare MODEL_CAP_TIED, untied does not");
    ok(data_find(model_untied.data) == &data_signed && data_find(model_relu.data) == &data_uniform,
       "default data: untied signed, relu uniform");
    float p[39], dirs[18];
    for (int j = 0; j < 39; j++)
        p[j] = (float)j;
    const float *d = model_feature_dirs(&model_untied, 3, 6, p, dirs);
    ok(d == dirs && d[0 * 6 + 1] == p[1 * 3 + 0] && d[2 * 6 + 5] == p[5 * 3 + 2],
       "untied feature directions are W1 transposed");
    ok(model_feature_dirs(&model_relu, 3, 6, p, dirs) == p, "tied feature directions are W");
}

/* Statistics of one generator's reference sample at density dens. */
static void test_data_stats(const struct data_gen *g, double dens)
{
    enum { N = 10, B = 20000 };
    double d[N], *X = xmalloc(sizeof(double) * N * B), *T = xmalloc(sizeof(double) * N * B);
    for (int i = 0; i < N; i++)
        d[i] = dens;
    data_ref_sample(g, 42, N, d, B, X, T);
    double cnt = 0, s = 0, s2 = 0, st = 0;
    int tgt_ok = 1;
    for (int j = 0; j < N * B; j++) {
        tgt_ok &= T[j] == g->target(X[j]);
        if (X[j] == 0)
            continue;
        cnt++, s += X[j], s2 += X[j] * X[j], st += T[j];
    }
    double rate = cnt / (N * B), mean = s / cnt, var = s2 / cnt - mean * mean, tm = st / cnt;
    double se = sqrt(g->value_var / cnt);
    ok(fabs(rate - dens) < 5 * sqrt(dens * (1 - dens) / (N * B)) + 1e-12 &&
       fabs(mean - g->value_mean) < 5 * se && fabs(var - g->value_var) < 0.02 * g->value_var &&
       fabs(tm - g->target_mean) < 5 * se && tgt_ok,
       "%s data, density %g: presence %.4f, mean %.4f (want %.4f), var %.4f (want %.4f), "
       "target mean %.4f", g->name, dens, rate, mean, g->value_mean, var, g->value_var, tm);
    free(X), free(T);
}

/* The trainer's general (Bernoulli) draw is the uniform reference sample. */
static void test_uniform_draw(void)
{
    enum { N = 7, B = 300 };
    double d[N] = {1, 0.5, 0.3, 0.9, 0.2, 0.6, 0.4}, X[N * B], T[N * B];
    data_ref_sample(&data_uniform, 9, N, d, B, X, T);
    struct kern_sampler sp;
    kern_sampler_init(&sp, 9, N, d);
    int idx[N], same = !sp.geometric;
    float val[N];
    for (int e = 0; e < B; e++) {
        int c = kern_draw(&sp, idx, val), t = 0;
        for (int i = 0; i < N; i++)
            same &= t < c && idx[t] == i ? X[e * N + i] == val[t++] : X[e * N + i] == 0;
        same &= t == c;
    }
    kern_sampler_free(&sp);
    ok(same, "uniform: the trainer's draw equals the reference sample, word for word");
}

static void test_pick(void)
{
    int bad = 0, pairs = 0, forced_bad = 0;
    double dens[64];
    for (int i = 0; i < 64; i++)
        dens[i] = 0.5;
    for (int k = 0; model_kinds[k]; k++)
        for (int d = 0; data_gens[d]; d++) {
            struct kern_model md = {.n = 20, .m = 5};
            const struct kern_def *p = kern_pick_table(model_kinds[k], data_gens[d], &md, dens);
            int declared = 0;
            for (int i = 0; kern_table[i]; i++)
                declared |= kern_serves(kern_table[i], model_kinds[k], data_gens[d]);
            bad += p ? !kern_serves(p, model_kinds[k], data_gens[d]) : declared;
            pairs += p != NULL;
            for (int i = 0; kern_table[i]; i++) {
                setenv("TMSL_KERNEL", kern_table[i]->name, 1);
                const struct kern_def *f = kern_pick(model_kinds[k], data_gens[d], &md, dens);
                forced_bad += f ? !kern_serves(f, model_kinds[k], data_gens[d]) : declared;
                forced_bad += kern_serves(kern_table[i], model_kinds[k], data_gens[d]) &&
                              f != kern_table[i];
            }
            unsetenv("TMSL_KERNEL");
        }
    ok(bad == 0 && pairs == 7, "kernel pick: %d kind/data pairs served, never by an undeclared "
       "kernel", pairs);
    ok(forced_bad == 0, "TMSL_KERNEL: a forced kernel is used only for pairs it declares");
    struct kern_model md = {.n = 20, .m = 5};
    ok(kern_pick_table(&model_relu, &data_signed, &md, dens) == NULL &&
       kern_pick_table(&model_untied, &data_uniform, &md, dens) == kern_find("untied"),
       "relu has no kernel for signed data; untied is served on uniform data");
}

static void test_result_tensors(void)
{
    double imp[3] = {1, 1, 1}, dens[3] = {1, 1, 1};
    struct train_spec sp = {.kind = &model_untied, .n = 3, .m = 6, .seed = 5,
                            .importance = imp, .density = dens};
    train_recipe_default(&sp.recipe);
    sp.recipe.steps = 20;
    struct train_result r;
    train_batch(&sp, 1, 1, NULL, &r);
    int rows[3], cols[3];
    const float *w1 = train_tensor(&r, "W1", &rows[0], &cols[0]);
    const float *w2 = train_tensor(&r, "W2", &rows[1], &cols[1]);
    const float *b = train_tensor(&r, "b", &rows[2], &cols[2]);
    ok(!r.failed && w1 == r.p && w2 == r.p + 18 && b == r.p + 36 && rows[0] == 6 && cols[0] == 3 &&
       rows[1] == 3 && cols[1] == 6 && rows[2] == 3 && cols[2] == 1,
       "untied result: W1 6x3, W2 3x6, b 3x1 by name");
    ok(train_tensor(&r, "W", NULL, NULL) == NULL && train_nparams(&r) == 39,
       "untied result: no tensor W; 39 parameters");
    struct train_metrics mt;
    ok(train_metrics_of(&r, &mt) == 0 && mt.n == 3 && mt.m == 6, "untied result: metrics of "
       "its feature directions");
    train_metrics_free(&mt);
    train_result_free(&r);
}

int main(void)
{
    test_catalogue();
    for (int g = 0; data_gens[g]; g++) {
        test_data_stats(data_gens[g], 1);
        test_data_stats(data_gens[g], 0.3);
    }
    test_uniform_draw();
    test_pick();
    test_result_tensors();
    return done_testing();
}
