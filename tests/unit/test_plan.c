/* tests/unit/test_plan.c: expansion of settings into runs.
 * Sweeps (log over density, lin, lists), grid order, repeats, run dedup
 * across outputs, overrides, experiment scoping, let variables evaluated per
 * grid point, and seeds: different per repeat, the same on every call. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "front.h"
#include "../tap.h"

static struct diag *d;

static int load(const char *text, struct plan *p, const struct front_options *o)
{
    struct front *f = front_new(d, o);
    int rc = front_load(f, "t.tmsl", text, strlen(text), 1, p);
    front_free(f);
    return rc;
}

static const struct plan_group *g0(const struct plan *p) { return &p->groups[0]; }

static void test_plan_log_sweep(void)
{
    struct plan p;
    is_int(load("model relu n=20 m=5; sweep sparsity 0..0.999 log 40; plot wtw;", &p, NULL), 0,
           "log sparsity sweep loads");
    const struct plan_axis *ax = &g0(&p)->axes[0];
    is_int(ax->count, 40, "40 values");
    ok(ax->values[0] == 0 && ax->values[39] == 0.999, "endpoints exactly 0 and 0.999");
    double r0 = (1 - ax->values[1]) / (1 - ax->values[0]), worst = 0;
    for (int k = 1; k < 39; k++)
        worst = fmax(worst, fabs((1 - ax->values[k + 1]) / (1 - ax->values[k]) - r0));
    ok(worst < 1e-9, "densities are geometric (constant ratio)");
    is_int(p.nruns, 40, "40 runs");
    is_int(p.nbatches, 1, "one batch");
    near(p.model_steps, 400000, 0, "model-steps = 40 x 10000");
    near(p.runs[p.groups[0].runs[39]].density[3], 0.001, 1e-12, "last run's density is 0.001");
    plan_free(&p);
}

static void test_plan_grid_order(void)
{
    struct plan p;
    load("model linear n=3 m=2; sweep lr 1..3 lin 3; sweep n [3, 4]; plot loss;", &p, NULL);
    is_int(g0(&p)->npoints, 6, "grid of 3 x 2 points");
    ok(g0(&p)->coords[0] == 1 && g0(&p)->coords[1] == 3 && g0(&p)->coords[2] == 1 &&
           g0(&p)->coords[3] == 4 && g0(&p)->coords[4] == 2, "later sweeps vary fastest");
    is_int(p.runs[g0(&p)->runs[1]].spec.n, 4, "swept n reaches the run");
    near(p.runs[g0(&p)->runs[5]].spec.recipe.lr, 3, 0, "swept lr reaches the run");
    is_int(p.nbatches, 6, "one batch per (n, lr)");
    plan_free(&p);
}

static void test_plan_repeat_seeds(void)
{
    struct plan p;
    load("model relu n=2 m=1; repeat 3; plot wtw; table; expect loss < 1;", &p, NULL);
    is_int(p.nruns, 3, "repeat 3: 3 runs shared by three outputs");
    is_int(p.ngroups, 1, "identical snapshots share one group");
    ok(p.runs[0].spec.seed != p.runs[1].spec.seed && p.runs[1].spec.seed != p.runs[2].spec.seed,
       "seeds differ across repeats");
    uint64_t s0 = p.runs[0].spec.seed;
    char id0[17];
    memcpy(id0, p.runs[0].id, 17);
    plan_free(&p);
    load("model relu n=2 m=1; repeat 3; plot wtw; table; expect loss < 1;", &p, NULL);
    ok(p.runs[0].spec.seed == s0 && !strcmp(p.runs[0].id, id0), "seeds and ids stable across calls");
    plan_free(&p);
}

static void test_plan_dedup_groups(void)
{
    struct plan p;
    load("model relu n=2 m=1; sweep density [1, 0.5]; plot wtw; unsweep; density 0.5; plot norms;",
         &p, NULL);
    is_int(p.nruns, 2, "runs deduplicated across groups");
    is_int(p.ngroups, 2, "but the groups differ");
    plan_free(&p);
}

static void test_plan_overrides(void)
{
    struct plan p;
    const char *names[] = {"steps", "r"}, *vals[] = {"100", "2"};
    struct front_options o = {2, names, vals, 0, 0, NULL};
    load("model relu n=2 m=1; let r = 1; importance [1, r]; train steps=5000; sweep steps [1, 2];"
         " plot wtw;", &p, &o);
    is_int(p.nruns, 1, "overridden names ignore statements and sweeps");
    is_int(p.runs[0].spec.recipe.steps, 100, "-D steps=100 wins");
    near(p.runs[0].importance[1], 2, 0, "-D r=2 pins the let variable");
    plan_free(&p);
}

static void test_plan_experiments(void)
{
    struct plan p;
    load("model relu n=2 m=1; experiment a { model n=3; plot wtw; } plot wtw; plot wtw;", &p, NULL);
    is_int(p.noutputs, 3, "three outputs");
    ok(!strcmp(p.outputs[0].stem, "a-wtw") && !strcmp(p.outputs[1].stem, "wtw") &&
           !strcmp(p.outputs[2].stem, "wtw-2"), "stems: prefix and repeat suffix");
    is_int(p.runs[p.groups[p.outputs[1].group].runs[0]].spec.n, 2,
           "settings made in an experiment end with it");
    plan_free(&p);
}

static void test_plan_swept_let(void)
{
    struct plan p;
    load("model relu n=2 m=1; let r = 1; importance [1, r]; sweep r 0.1..10 log 3; plot phase;",
         &p, NULL);
    near(p.runs[g0(&p)->runs[0]].importance[1], 0.1, 1e-15, "let re-evaluated: r=0.1");
    near(p.runs[g0(&p)->runs[1]].importance[1], 1, 1e-12, "r=1");
    near(p.runs[g0(&p)->runs[2]].importance[1], 10, 0, "r=10");
    plan_free(&p);
}

static void test_plan_features(void)
{
    struct plan p;
    load("model relu n=4 m=2; importance 0.5^i; sparsity 0.9; plot wtw;", &p, NULL);
    near(p.runs[0].importance[3], 0.125, 0, "importance 0.5^i at i=3");
    near(p.runs[0].density[2], 1 - 0.9, 1e-15, "density = 1 - sparsity");
    ok(strstr(p.runs[0].settings_json, "\"kind\":\"relu\"") != NULL, "settings_json names the kind");
    plan_free(&p);
}

static void test_plan_seed_flags(void)
{
    struct plan p;
    const char *sn[] = {"seed"}, *sv[] = {"7"};
    struct front_options o2 = {0, NULL, NULL, 1, 7, NULL}, o3 = {1, sn, sv, 0, 0, NULL};
    struct plan p2;
    load("model relu n=2 m=1; seed 3; plot wtw;", &p, &o2);
    load("model relu n=2 m=1; plot wtw;", &p2, &o3);
    ok(p.runs[0].key == p2.runs[0].key, "--seed 7 and -D seed=7 give the same run");
    plan_free(&p);
    plan_free(&p2);
}

int main(void)
{
    d = diag_new(stderr);
    test_plan_log_sweep();
    test_plan_grid_order();
    test_plan_repeat_seeds();
    test_plan_dedup_groups();
    test_plan_overrides();
    test_plan_experiments();
    test_plan_swept_let();
    test_plan_features();
    test_plan_seed_flags();
    diag_free(d);
    return done_testing();
}
