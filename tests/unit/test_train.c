/* tests/unit/test_train.c: the trainer's contract.
 * Determinism (thread count, batch-mates, seeds), divergence and cancel
 * handling, the loss curve, bad specs, and the input distribution of both
 * samplers (fraction present and mean value); the many-models kernel's
 * groups (every run bit-identical to itself trained alone, on any thread
 * count and instruction set, a diverging lane failing alone). Small
 * batches and few steps: these claims do not need long training. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "dataset.h"
#include "kern.h"
#include "kern_isa.h"
#include "util.h"

static double imp20[400], dens[64][400];

static struct train_spec spec(const struct model_kind *kind, int n, int m, int k, uint64_t seed)
{
    struct train_spec s = {0};
    s.kind = kind;
    s.n = n;
    s.m = m;
    train_recipe_default(&s.recipe);
    s.recipe.steps = 300;
    s.recipe.batch = 100;
    s.recipe.log_every = 50;
    s.seed = seed;
    s.importance = imp20;
    s.density = dens[k];
    return s;
}

static int same(const struct train_result *a, const struct train_result *b)
{
    return a->kind == b->kind && a->n == b->n && a->m == b->m && a->p && b->p &&
           !memcmp(a->p, b->p, sizeof(float) * train_nparams(a)) &&
           !memcmp(&a->final_loss, &b->final_loss, sizeof(double));
}

/* Densities cover both samplers and both kernels. */
static void test_determinism(const struct model_kind *kind, int n, int m)
{
    enum { R = 12 };
    struct train_spec sp[R];
    struct train_result one[R], two[R], alone, other;
    for (int k = 0; k < R; k++)
        sp[k] = spec(kind, n, m, k * 5, util_mix64(k + 7));
    int f1 = train_batch(sp, R, 1, NULL, one);
    int f2 = train_batch(sp, R, 2, NULL, two);
    int eq = 1;
    for (int k = 0; k < R; k++)
        eq &= same(&one[k], &two[k]);
    ok(f1 == 0 && f2 == 0 && eq, "%s n=%d m=%d: 1 thread and 2 threads bit-identical",
       kind->name, n, m);
    train_batch(&sp[7], 1, 1, NULL, &alone);
    ok(same(&alone, &one[7]), "%s n=%d m=%d: run alone equals run inside a batch",
       kind->name, n, m);
    struct train_spec s2 = sp[7];
    s2.seed++;
    train_batch(&s2, 1, 1, NULL, &other);
    ok(!same(&alone, &other), "%s n=%d m=%d: a different seed gives different weights",
       kind->name, n, m);
    train_result_free(&alone);
    train_result_free(&other);
    for (int k = 0; k < R; k++) {
        train_result_free(&one[k]);
        train_result_free(&two[k]);
    }
}

static void test_divergence(void)
{
    struct train_spec sp[3];
    struct train_result res[3];
    for (int k = 0; k < 3; k++)
        sp[k] = spec(&model_relu, 20, 5, 0, k + 1);
    sp[1].recipe.lr = 1e30;
    sp[1].recipe.optim = TRAIN_SGD;
    int failed = train_batch(sp, 3, 2, NULL, res);
    is_int(failed, 1, "divergence: exactly one run failed");
    ok(res[1].failed && res[1].fail_step >= 0 &&
           (strstr(res[1].fail_reason, "nan") || strstr(res[1].fail_reason, "inf")) &&
           strstr(res[1].fail_reason, "lr=1e+30"),
       "divergence: reason names nan/inf, the step and lr (%s)", res[1].fail_reason);
    ok(!res[0].failed && !res[2].failed && isfinite(res[0].final_loss) &&
           isfinite(res[2].final_loss), "divergence: the other runs trained normally");
    for (int k = 0; k < 3; k++)
        train_result_free(&res[k]);
}

static void test_cancel_and_curve(void)
{
    struct train_spec sp = spec(&model_relu, 5, 2, 0, 3);
    struct train_result res;
    volatile sig_atomic_t cancel = 1;
    uint64_t done = 0;
    struct train_hooks hk = {&cancel, &done};
    ok(train_batch(&sp, 1, 1, &hk, &res) == 1 && !strcmp(res.fail_reason, "cancelled") &&
           train_tensor(&res, "W", NULL, NULL) && train_tensor(&res, "b", NULL, NULL), "cancel: run stops, marked cancelled, weights still returned");
    train_result_free(&res);
    cancel = 0;
    sp.recipe.steps = 301;
    train_batch(&sp, 1, 1, &hk, &res);
    is_int(done, 301, "progress: steps_done counts every step");
    int want[] = {0, 50, 100, 150, 200, 250, 300};
    int good = res.ncurve == 7;
    for (int j = 0; good && j < 7; j++)
        good = res.curve_step[j] == want[j] && isfinite(res.curve_loss[j]);
    ok(good, "curve: step 0, every log_every steps, and the last step");
    ok(res.curve_loss[6] < res.curve_loss[0], "curve: loss decreases (%g -> %g)",
       res.curve_loss[0], res.curve_loss[6]);
    train_result_free(&res);
    sp.recipe.batch = 0;
    ok(train_batch(&sp, 1, 1, NULL, &res) == 1 && strstr(res.fail_reason, "batch"),
       "bad spec: batch 0 is reported, not crashed on");
    train_result_free(&res);
    sp = spec(&model_relu, 0, 2, 0, 3);
    ok(train_batch(&sp, 1, 1, NULL, &res) == 1, "bad spec: n = 0 is reported");
    train_result_free(&res);
}

/* With W = 0, b = 0, importance 1 and the linear model, a step's loss sum
 * is sum x_i^2 (mean p/3 per element) and -gb_i is sum x_i (mean p/2), so
 * the kernels' gradients measure both the presence rate and the values. */
static void test_sampler(double p, int n, int vx)
{
    double d[64];
    float zero[64 * 2] = {0}, one[64], gW[128], gb[64];
    for (int i = 0; i < n; i++)
        d[i] = p, one[i] = 1;
    struct kern_sampler sp;
    struct kern_ws ws;
    kern_sampler_init(&sp, 99, n, d);
    kern_ws_init(&ws, n, 2);
    struct kern_model md = {TRAIN_LINEAR, n, 2, zero, zero, zero, one, zero, &data_uniform, NULL, 0};
    double sq = 0, sum = 0, count = 0;
    long steps = p < 0.01 ? 2000 : 200;
    for (long s = 0; s < steps; s++) {
        struct kern_grad g = {gW, gb, 0, gW};
        memset(gW, 0, sizeof gW);
        memset(gb, 0, sizeof gb);
        if (vx)
            kern_vx_step(&md, &sp, 1000, &g);
        else
            kern_step(&md, &sp, 1000, &ws, &g);
        sq += g.loss_sum;
        for (int i = 0; i < n; i++)
            sum -= gb[i];
        count += 1000.0 * n;
    }
    double sd = sqrt(p / 3 / count);  /* generous: sd of the mean of x */
    ok(fabs(sum / count - p / 2) < 5 * sd && fabs(sq / count - p / 3) < 5 * sd,
       "%s sampler p=%g: E[x] %.5g (want %.5g), E[x^2] %.5g (want %.5g)",
       vx ? "vectorised" : sp.geometric ? "geometric" : "bernoulli", p, sum / count, p / 2,
       sq / count, p / 3);
    kern_ws_free(&ws);
    kern_sampler_free(&sp);
}

/* Snapshots: log-spaced steps from 1 to steps without repeats; the last
 * one is the final weights; asking for them leaves the weights alone; a
 * snapshot differs from the one before it. */
static void test_snapshots(void)
{
    int at[40];
    int k = train_snapshot_steps(1000, 40, at), inc = at[0] == 1 && at[k - 1] == 1000;
    for (int j = 1; j < k; j++)
        inc &= at[j] > at[j - 1];
    ok(k > 20 && k <= 40 && inc, "snapshot steps rise from 1 to steps (%d of 40)", k);
    ok(train_snapshot_steps(5, 40, at) == 5, "no more snapshots than steps");
    struct train_spec sp = spec(&model_relu, 20, 5, 20, 99), plain = sp;
    sp.recipe.snapshots = 12;
    struct train_result a, b;
    train_batch(&sp, 1, 1, NULL, &a);
    train_batch(&plain, 1, 1, NULL, &b);
    size_t np = train_nparams(&a);
    ok(a.nsnap > 8 && a.snap_step[a.nsnap - 1] == sp.recipe.steps &&
       !memcmp(a.snap_p + (a.nsnap - 1) * np, a.p, sizeof(float) * np),
       "the last of %d snapshots is the final weights", a.nsnap);
    ok(same(&a, &b) && b.nsnap == 0, "snapshots leave the training untouched");
    ok(a.nsnap > 1 && memcmp(a.snap_p, a.snap_p + np, sizeof(float) * np) != 0,
       "the first two snapshots differ");
    train_result_free(&a);
    train_result_free(&b);
}

/* Learning-rate schedules: warmup rises linearly to lr, warmup_cosine then
 * falls as a half cosine to 0; without warmup the old schedules are as
 * they were. */
static void test_schedules(void)
{
    struct train_recipe r;
    train_recipe_default(&r);
    r.steps = 1000;
    r.sched = TRAIN_SCHED_COSINE;
    int old = fabs(train_lr_factor(&r, 500) - cos(0.5 * M_PI * 500 / 999)) < 1e-15 &&
              train_lr_factor(&r, 999) < 1e-15;
    r.sched = TRAIN_SCHED_WARMUP_COSINE;
    r.warmup = 100;
    double f0 = train_lr_factor(&r, 0), f49 = train_lr_factor(&r, 49);
    double f100 = train_lr_factor(&r, 100), mid = train_lr_factor(&r, 550);
    double end = train_lr_factor(&r, 999);
    ok(old && fabs(f0 - 0.01) < 1e-15 && fabs(f49 - 0.5) < 1e-15 && f100 == 1 &&
       fabs(mid - 0.5) < 1e-12 && end > 0 && end < 1e-4,
       "schedules: warmup %g, %g at steps 0, 49; warmup_cosine 1 at its start, %g halfway, "
       "%g at the end", f0, f49, mid, end);
    r.sched = TRAIN_SCHED_CONSTANT;
    ok(train_lr_factor(&r, 99) == 1 && train_lr_factor(&r, 999) == 1 &&
       fabs(train_lr_factor(&r, 9) - 0.1) < 1e-15, "schedules: warmup then constant");
}

/* A finite training set: the same set for the same seed, a different one
 * for another seed; the run is bit-identical on 1 and 3 threads; its
 * training loss is the kind's reference loss on that set (one step with a
 * negligible learning rate, so the loss measured before the update is
 * that of the final weights); the test loss is the reference on fresh
 * data, the same for a repeated call. */
static void test_dataset(void)
{
    struct train_spec s[3];
    for (int k = 0; k < 3; k++) {
        s[k] = spec(&model_relu, 20, 5, 20, 7 + (k == 2));
        s[k].data = &data_unitnorm;
        s[k].recipe.dataset = 13;
        s[k].recipe.batch = 13;
    }
    float *X0, *T0, *X1, *T1, *X2, *T2;
    int c0 = train_dataset_draw(&s[0], &X0, &T0), c1 = train_dataset_draw(&s[1], &X1, &T1);
    int c2 = train_dataset_draw(&s[2], &X2, &T2);
    size_t len = sizeof(float) * 13 * 20;
    ok(c0 == 13 && c1 == 13 && c2 == 13 && !memcmp(X0, X1, len) && memcmp(X0, X2, len) &&
       !memcmp(X0, T0, len), "dataset: the same seed draws the same set, another seed another");
    struct train_result a[3], b[3];
    train_batch(s, 3, 1, NULL, a);
    train_batch(s, 3, 3, NULL, b);
    ok(same(&a[0], &b[0]) && same(&a[2], &b[2]) && same(&a[0], &a[1]) && !same(&a[0], &a[2]),
       "dataset: bit-identical on 1 and 3 threads, different for another seed");
    s[0].recipe.steps = 1;
    s[0].recipe.lr = 1e-12;
    struct train_result one;
    train_batch(s, 1, 1, NULL, &one);
    double p[20 * 5 + 20], g[20 * 5 + 20], X[13 * 20], imp[20];
    for (int j = 0; j < 120; j++)
        p[j] = one.p[j];
    for (int j = 0; j < 13 * 20; j++)
        X[j] = X0[j];
    for (int i = 0; i < 20; i++)
        imp[i] = imp20[i];
    double ref = model_relu.ref(&model_relu, 20, 5, p, imp, X, NULL, 13, g);
    double t1 = train_test_loss(&s[0], one.p), t2 = train_test_loss(&s[0], one.p);
    ok(fabs(one.final_loss - ref) < 1e-5 * ref && t1 == t2 && t1 > 0 && isfinite(t1),
       "dataset: training loss %.6g is the reference's %.6g on the set; test loss %.6g",
       one.final_loss, ref, t1);
    for (int k = 0; k < 3; k++)
        train_result_free(&a[k]), train_result_free(&b[k]);
    train_result_free(&one);
    free(X0), free(T0), free(X1), free(T1), free(X2), free(T2);
}

/* Data-point dimensionality: a training set whose hidden vectors form a
 * regular T-gon gives D_x = 2/T for every point. */
static void test_point_dims(void)
{
    struct train_spec s = spec(&model_linear, 3, 2, 0, 5);
    s.recipe.dataset = 3;
    float *X, *T;
    int c = train_dataset_draw(&s, &X, &T);   /* density 1: every feature present */
    /* W maps example e to the e-th vertex of a triangle: W = R X^-1 */
    double A[9], R[6], inv[9];
    for (int j = 0; j < 9; j++)
        A[j] = X[j];
    for (int e = 0; e < 3; e++)
        R[2 * e] = cos(2 * M_PI * e / 3), R[2 * e + 1] = sin(2 * M_PI * e / 3);
    double det = A[0] * (A[4] * A[8] - A[5] * A[7]) - A[1] * (A[3] * A[8] - A[5] * A[6]) +
                 A[2] * (A[3] * A[7] - A[4] * A[6]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i * 3 + j] = (A[r0 * 3 + c0] * A[r1 * 3 + c1] - A[r0 * 3 + c1] * A[r1 * 3 + c0]) / det;
        }
    float W[3 * 2 + 3] = {0};
    for (int i = 0; i < 3; i++)   /* h_e = sum_i X[e][i] W_i = R_e: W = X^-1 R */
        for (int k = 0; k < 2; k++)
            for (int e = 0; e < 3; e++)
                W[i * 2 + k] += (float)(inv[i * 3 + e] * R[e * 2 + k]);
    double *dx, *hn;
    int c2 = train_point_dims(&s, W, &dx, &hn);
    double worst = 0;
    for (int e = 0; e < c2; e++)
        worst = fmax(worst, fmax(fabs(dx[e] - 2.0 / 3), fabs(hn[e] - 1)));
    ok(c == 3 && c2 == 3 && worst < 1e-5, "data-point dimensionality: a triangle of training "
       "points gives D_x = 2/3 (worst %.2g)", worst);
    free(X), free(T), free(dx), free(hn);
}


/* Every bit a run produced: parameters, tail loss, curve, failure. */
static int same_all(const struct train_result *a, const struct train_result *b)
{
    int eq = a->failed == b->failed && a->fail_step == b->fail_step && a->ncurve == b->ncurve &&
             !memcmp(&a->final_loss, &b->final_loss, sizeof(double)) && a->p && b->p &&
             !memcmp(a->p, b->p, sizeof(float) * train_nparams(a)) &&
             !memcmp(a->curve_loss, b->curve_loss, sizeof(double) * (size_t)a->ncurve) &&
             !memcmp(a->curve_step, b->curve_step, sizeof(int) * (size_t)a->ncurve);
    if (a->failed && b->failed)
        eq &= !strcmp(a->fail_reason, b->fail_reason);
    return eq;
}

enum { LR = KERN_LANES_MAX + 5 }; /* a full group and a partial one */
static double lane_imp[LR][8], lane_dens[LR][8];

/* Runs that differ in everything a lane holds: lr, seed, importance,
 * density (some always present, some very sparse); run `bad` diverges. */
static void lane_specs(struct train_spec *sp, const struct model_kind *kind, int n, int m,
                       int bad)
{
    for (int k = 0; k < LR; k++) {
        sp[k] = spec(kind, n, m, 0, util_mix64(k + 101));
        sp[k].recipe.optim = TRAIN_ADAM;
        sp[k].recipe.lr = 1e-3 * (1 + k % 7);
        sp[k].recipe.steps = 200;
        sp[k].recipe.batch = 37; /* the buffers refill mid-example */
        sp[k].recipe.log_every = 40;
        for (int i = 0; i < n; i++) {
            lane_imp[k][i] = pow(0.5 + 0.04 * k, i);
            lane_dens[k][i] = k % 5 == 0 ? 1 : pow(0.002, (double)((k + i) % 9) / 8);
        }
        sp[k].importance = lane_imp[k];
        sp[k].density = lane_dens[k];
    }
    if (bad >= 0)
        sp[bad].recipe.lr = 1e30;
}

/* The many-models kernel: each run of a group trains bit for bit as it
 * does alone, with 1 and 2 threads; a diverging lane fails alone with the
 * reason and step it has alone. */
static void test_lanes_groups(const struct model_kind *kind, int n, int m, int bad)
{
    struct train_spec sp[LR];
    struct train_result one[LR], two[LR], alone;
    lane_specs(sp, kind, n, m, bad);
    int f1 = train_batch(sp, LR, 1, NULL, one), f2 = train_batch(sp, LR, 2, NULL, two);
    int eq = 1, lanes = 1, solo = 1;
    for (int k = 0; k < LR; k++) {
        eq &= same_all(&one[k], &two[k]);
        lanes &= one[k].kernel && !strcmp(one[k].kernel, "lanes");
        train_batch(&sp[k], 1, 1, NULL, &alone);
        solo &= same_all(&alone, &one[k]);
        train_result_free(&alone);
    }
    ok(lanes && eq, "lanes %s n=%d m=%d: %d runs in groups, 1 and 2 threads bit-identical",
       kind->name, n, m, LR);
    ok(solo, "lanes %s n=%d m=%d: every run in a group bit-identical to it trained alone "
       "(weights, tail loss, curve)", kind->name, n, m);
    if (bad >= 0)
        ok(f1 == 1 && f2 == 1 && one[bad].failed && strstr(one[bad].fail_reason, "lr=1e+30") &&
               one[bad].fail_step >= 0,
           "lanes %s: the diverging lane alone failed, at step %d (%s)", kind->name,
           one[bad].fail_step, one[bad].fail_reason);
    else
        ok(f1 == 0 && f2 == 0, "lanes %s n=%d m=%d: no run failed", kind->name, n, m);
    for (int k = 0; k < LR; k++)
        train_result_free(&one[k]), train_result_free(&two[k]);
}

/* The same group on every instruction-set path this CPU has: the same bits. */
static void test_lanes_paths(const struct model_kind *kind, int n, int m)
{
    struct train_spec sp[LR];
    struct train_result ref[LR], got[LR];
    lane_specs(sp, kind, n, m, 3);
    kern_isa_set(KERN_ISA_BASE);
    train_batch(sp, LR, 2, NULL, ref);
    for (int isa = 1; isa < KERN_ISA_COUNT; isa++) {
        if (kern_isa_set((enum kern_isa)isa) != 0) {
            ok(1, "# SKIP lanes on %s: this CPU lacks it", kern_isa_name((enum kern_isa)isa));
            continue;
        }
        train_batch(sp, LR, 2, NULL, got);
        int eq = 1;
        for (int k = 0; k < LR; k++)
            eq &= same_all(&ref[k], &got[k]), train_result_free(&got[k]);
        ok(eq, "lanes %s n=%d m=%d on %s: every run bit-identical to the base path", kind->name,
           n, m, kern_isa_name((enum kern_isa)isa));
    }
    for (int k = 0; k < LR; k++)
        train_result_free(&ref[k]);
}

int main(void)
{
    for (int i = 0; i < 400; i++)
        imp20[i] = pow(0.7, i % 20);
    for (int k = 0; k < 64; k++)
        for (int i = 0; i < 400; i++)
            dens[k][i] = pow(0.001, k / 63.0);
    test_determinism(&model_relu, 20, 5);
    test_determinism(&model_linear, 2, 1);
    test_determinism(&model_relu_hidden, 10, 5);
    test_determinism(&model_relu, 100, 10);
    test_determinism(&model_relu, 100, 24);       /* large-model kernel */
    test_determinism(&model_relu_hidden, 64, 32); /* large-model kernel */
    test_determinism(&model_untied, 10, 5);
    test_lanes_groups(&model_relu, 2, 1, 6);
    test_lanes_groups(&model_linear, 5, 2, -1);
    test_lanes_groups(&model_relu_hidden, 3, 4, 17);
    test_lanes_groups(&model_relu, 8, 2, -1);
    test_lanes_paths(&model_relu, 2, 1);
    test_lanes_paths(&model_relu_hidden, 5, 2);
    test_lanes_paths(&model_linear, 1, 16);
    test_divergence();
    test_cancel_and_curve();
    test_snapshots();
    test_schedules();
    test_dataset();
    test_point_dims();
    test_sampler(1, 20, 0);
    test_sampler(0.3, 20, 0);
    test_sampler(0.02, 20, 0);
    test_sampler(0.001, 20, 0);
    test_sampler(1, 5, 1);
    test_sampler(0.3, 5, 1);
    test_sampler(0.01, 2, 1);
    return done_testing();
}
