/* tests/unit/test_model.c: the model, data and kernel catalogues.
 * 1. model_kinds: order, lookup, tensor shapes, offsets, parameter counts,
 *    feature directions (untied: W1 transposed).
 * 2. data_gens: every generator's reference sampler has the declared
 *    presence rate, value mean and variance and target mean; the trainer's
 *    general draw produces exactly the uniform reference sample.
 * 3. The kernel table: for every kernel x kind x generator, the pick (the
 *    table's own and a forced TMSL_KERNEL) never returns a kernel that does
 *    not declare the pair; undeclared pairs have no kernel.
 * 4. Results: train_tensor shapes and names for a trained untied run.
 * 5. Sets: correlated sets fire together, anticorrelated sets at most one
 *    member; the sets kernel's own draw and step equal the reference's. */
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

/* unitnorm: the uniform sample from the same seed, each non-empty example
 * scaled to length 1, empty ones left at 0. */
static void test_unitnorm(double dens)
{
    enum { N = 10, B = 2000 };
    double d[N], *X = xmalloc(sizeof(double) * N * B), *T = xmalloc(sizeof(double) * N * B);
    double *U = xmalloc(sizeof(double) * N * B), *TU = xmalloc(sizeof(double) * N * B);
    for (int i = 0; i < N; i++)
        d[i] = dens;
    data_ref_sample(&data_unitnorm, NULL, 42, N, d, B, X, T);
    data_ref_sample(&data_uniform, NULL, 42, N, d, B, U, TU);
    double worst = 0;
    int empty = 0, tgt_ok = 1;
    for (int e = 0; e < B; e++) {
        double q = 0, qu = 0;
        for (int i = 0; i < N; i++)
            q += X[e * N + i] * X[e * N + i], qu += U[e * N + i] * U[e * N + i];
        empty += qu == 0;
        worst = fmax(worst, qu == 0 ? q : fabs(sqrt(q) - 1));
        for (int i = 0; i < N && qu > 0; i++)
            worst = fmax(worst, fabs(X[e * N + i] - U[e * N + i] / sqrt(qu)));
        for (int i = 0; i < N; i++)
            tgt_ok &= T[e * N + i] == X[e * N + i];
    }
    ok(worst < 1e-6 && tgt_ok, "unitnorm data, density %g: uniform's examples scaled to length "
       "1 (worst %.2g), %d empty ones left at 0", dens, worst, empty);
    free(X), free(T), free(U), free(TU);
}

/* Statistics of one generator's reference sample at density dens. */
static void test_data_stats(const struct data_gen *g, double dens)
{
    if (g->value_var == 0) {   /* moments that depend on n and density: its own test */
        test_unitnorm(dens);
        return;
    }
    enum { N = 10, B = 20000 };
    double d[N], *X = xmalloc(sizeof(double) * N * B), *T = xmalloc(sizeof(double) * N * B);
    for (int i = 0; i < N; i++)
        d[i] = dens;
    data_ref_sample(g, NULL, 42, N, d, B, X, T);
    double cnt = 0, s = 0, s2 = 0, st = 0;
    int tgt_ok = 1;
    for (int j = 0; j < N * B; j++) {
        tgt_ok &= T[j] == g->target(X[j]);
        if (X[j] == 0)
            continue;
        cnt++, s += X[j], s2 += X[j] * X[j], st += T[j];
    }
    double want = g->rate ? g->rate(NULL, N, 0, dens) : dens;
    double rate = cnt / (N * B), mean = s / cnt, var = s2 / cnt - mean * mean, tm = st / cnt;
    double se = sqrt(g->value_var / cnt);
    ok(fabs(rate - want) < 5 * sqrt(want * (1 - want) / (N * B)) + 1e-12 &&
       fabs(mean - g->value_mean) < 5 * se && fabs(var - g->value_var) < 0.02 * g->value_var &&
       fabs(tm - g->target_mean) < 5 * se && tgt_ok,
       "%s data, density %g: presence %.4f (want %.4f), mean %.4f (want %.4f), var %.4f (want %.4f), "
       "target mean %.4f", g->name, dens, rate, want, mean, g->value_mean, var, g->value_var, tm);
    free(X), free(T);
}

/* The trainer's general (Bernoulli) draw is the uniform reference sample. */
static void test_uniform_draw(void)
{
    enum { N = 7, B = 300 };
    double d[N] = {1, 0.5, 0.3, 0.9, 0.2, 0.6, 0.4}, X[N * B], T[N * B];
    data_ref_sample(&data_uniform, NULL, 9, N, d, B, X, T);
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
                /* used where it declares the pair and fits the shape */
                forced_bad += kern_serves(kern_table[i], model_kinds[k], data_gens[d]) &&
                              (!kern_table[i]->fits || kern_table[i]->fits(&md)) &&
                              f != kern_table[i];
            }
            unsetenv("TMSL_KERNEL");
        }
    ok(bad == 0 && pairs == 19, "kernel pick: %d kind/data pairs served, never by an undeclared "
       "kernel", pairs);
    ok(forced_bad == 0, "TMSL_KERNEL: a forced kernel is used for the pairs it declares where "
       "it fits the shape, and only for those");
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

/* Presence pattern of sets=3 over n=7 (sets {0,1,2}, {3,4}, {5,6}). */
static void test_sets_structure(void)
{
    enum { N = 7, B = 4000 };
    double d[N], arg[DATA_MAX_ARGS] = {3, 0}, *X = xmalloc(sizeof(double) * N * B);
    double *T = xmalloc(sizeof(double) * N * B);
    for (int i = 0; i < N; i++)
        d[i] = 0.4;
    int together = 1, atmost = 1, present = 0;
    data_ref_sample(&data_correlated, arg, 3, N, d, B, X, T);
    for (int e = 0; e < B; e++)
        for (int i = 1; i < N; i++)
            if (data_set_of(i, N, 3) == data_set_of(i - 1, N, 3))
                together &= (X[e * N + i] != 0) == (X[e * N + i - 1] != 0);
    data_ref_sample(&data_anticorrelated, arg, 3, N, d, B, X, T);
    for (int e = 0; e < B; e++) {
        int cnt[3] = {0, 0, 0};
        for (int i = 0; i < N; i++)
            cnt[data_set_of(i, N, 3)] += X[e * N + i] != 0;
        atmost &= cnt[0] <= 1 && cnt[1] <= 1 && cnt[2] <= 1;
        present += cnt[0];
    }
    ok(together && data_set_of(2, N, 3) == 0 && data_set_of(3, N, 3) == 1 &&
       data_set_of(6, N, 3) == 2, "correlated sets=3, n=7: each set's features present together");
    ok(atmost && fabs(present / (double)B - 0.4) < 0.04,
       "anticorrelated: at most one member per set, set present at its density (%.3f)",
       present / (double)B);
    free(X), free(T);
}

/* The sets kernel's step draws what the reference sampler draws and
 * computes the reference's loss and gradient on it. */
static void test_sets_step(const struct data_gen *dg, const struct model_kind *kind,
                           const char *kernel)
{
    enum { N = 6, M = 2, B = 100 };
    double d[N] = {0.3, 0.3, 0.3, 0.5, 0.5, 0.5}, arg[DATA_MAX_ARGS] = {2, 0};
    double imp[N], p[N * M + N], gr[N * M + N], X[N * B], T[N * B];
    float pf[N * M + N], gf[N * M + N] = {0}, impf[N], WT[N * M];
    for (int j = 0; j < N * M + N; j++)
        p[j] = pf[j] = (float)(0.1 * ((j * 7) % 11) - 0.5);
    for (int i = 0; i < N; i++)
        imp[i] = impf[i] = (float)pow(0.9, i);
    data_ref_sample(dg, arg, 77, N, d, B, X, T);
    double loss = kind->ref(kind, N, M, p, imp, X, T, B, gr);
    struct kern_sampler sp;
    kern_sampler_init(&sp, 77, N, d);
    struct kern_grad g = {gf, gf + N * M, 0, gf};
    struct kern_run kr = {.def = kern_find(kernel), .WT = WT, .sp = &sp, .g = &g};
    kr.md = (struct kern_model){kind->act, N, M, pf, WT, pf + N * M, impf, pf, dg, arg, 0};
    kr.def->init(&kr);
    kr.def->step(&kr, B);
    kr.def->free(&kr);
    kern_sampler_free(&sp);
    double err = fabs(g.loss_sum / (B * N) - loss) / fmax(loss, 1e-3), big = 1e-3;
    for (int j = 0; j < N * M + N; j++)
        big = fmax(big, fabs(gr[j]));
    for (int j = 0; j < N * M + N; j++)
        err = fmax(err, fabs(gf[j] * 2.0 / (B * N) - gr[j]) / big);
    ok(kern_pick_table(kind, dg, &kr.md, d) == kr.def && err < 1e-4,
       "%s kernel, %s, %s data: its step matches the reference on the reference's draw "
       "(err %.2g)", kernel, kind->name, dg->name, err);
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
    test_sets_structure();
    test_sets_step(&data_correlated, &model_relu, "sets");
    test_sets_step(&data_anticorrelated, &model_linear, "sets");
    test_sets_step(&data_unitnorm, &model_relu, "unitnorm");
    test_sets_step(&data_unitnorm, &model_relu_hidden, "unitnorm");
    return done_testing();
}
