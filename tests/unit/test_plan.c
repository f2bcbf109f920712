/* tests/unit/test_plan.c: expansion of settings into runs.
 * Sweeps (log over density, lin, lists), grid order, repeats, run dedup
 * across outputs, overrides, experiment scoping, let variables evaluated per
 * grid point, and seeds: different per repeat, the same on every call. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static uint64_t run_seed(const struct plan *p, int r)
{
    struct train_spec sp;
    plan_run_spec(p, r, &sp, NULL);
    return sp.seed;
}

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
    near(plan_run_density(&p, p.groups[0].runs[39])[3], 0.001, 1e-12, "last run's density is 0.001");
    plan_free(&p);
}

static void test_plan_grid_order(void)
{
    struct plan p;
    load("model linear n=3 m=2; sweep lr 1..3 lin 3; sweep n [3, 4]; plot loss;", &p, NULL);
    is_int(g0(&p)->npoints, 6, "grid of 3 x 2 points");
    const struct plan_group *g = g0(&p);
    ok(plan_group_coord(g, 0, 0) == 1 && plan_group_coord(g, 0, 1) == 3 &&
           plan_group_coord(g, 1, 0) == 1 && plan_group_coord(g, 1, 1) == 4 &&
           plan_group_coord(g, 2, 0) == 2 && plan_group_coord(g, 5, 0) == 3 &&
           plan_group_coord(g, 5, 1) == 4, "later sweeps vary fastest");
    is_int(plan_run_tmpl(&p, g0(&p)->runs[1])->n, 4, "swept n reaches the run");
    near(plan_run_tmpl(&p, g0(&p)->runs[5])->recipe.lr, 3, 0, "swept lr reaches the run");
    is_int(p.nbatches, 6, "one batch per (n, lr)");
    plan_free(&p);
}

static void test_plan_repeat_seeds(void)
{
    struct plan p;
    load("model relu n=2 m=1; repeat 3; plot wtw; table; expect loss < 1;", &p, NULL);
    is_int(p.nruns, 3, "repeat 3: 3 runs shared by three outputs");
    is_int(p.ngroups, 1, "identical snapshots share one group");
    ok(run_seed(&p, 0) != run_seed(&p, 1) && run_seed(&p, 1) != run_seed(&p, 2),
       "seeds differ across repeats");
    uint64_t s0 = run_seed(&p, 0);
    char id0[17];
    memcpy(id0, plan_run_id(&p, 0).s, 17);
    plan_free(&p);
    load("model relu n=2 m=1; repeat 3; plot wtw; table; expect loss < 1;", &p, NULL);
    ok(run_seed(&p, 0) == s0 && !strcmp(plan_run_id(&p, 0).s, id0), "seeds and ids stable across calls");
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
    is_int(plan_run_tmpl(&p, 0)->recipe.steps, 100, "-D steps=100 wins");
    near(plan_run_importance(&p, 0)[1], 2, 0, "-D r=2 pins the let variable");
    plan_free(&p);
}

static void test_plan_experiments(void)
{
    struct plan p;
    load("model relu n=2 m=1; experiment a { model n=3; plot wtw; } plot wtw; plot wtw;", &p, NULL);
    is_int(p.noutputs, 3, "three outputs");
    ok(!strcmp(p.outputs[0].stem, "a-wtw") && !strcmp(p.outputs[1].stem, "wtw") &&
           !strcmp(p.outputs[2].stem, "wtw-2"), "stems: prefix and repeat suffix");
    is_int(plan_run_tmpl(&p, p.groups[p.outputs[1].group].runs[0])->n, 2,
           "settings made in an experiment end with it");
    plan_free(&p);
}

static void test_plan_swept_let(void)
{
    struct plan p;
    load("model relu n=2 m=1; let r = 1; importance [1, r]; sweep r 0.1..10 log 3; plot phase;",
         &p, NULL);
    near(plan_run_importance(&p, g0(&p)->runs[0])[1], 0.1, 1e-15, "let re-evaluated: r=0.1");
    near(plan_run_importance(&p, g0(&p)->runs[1])[1], 1, 1e-12, "r=1");
    near(plan_run_importance(&p, g0(&p)->runs[2])[1], 10, 0, "r=10");
    plan_free(&p);
}

static void test_plan_features(void)
{
    struct plan p;
    load("model relu n=4 m=2; importance 0.5^i; sparsity 0.9; plot wtw;", &p, NULL);
    near(plan_run_importance(&p, 0)[3], 0.125, 0, "importance 0.5^i at i=3");
    near(plan_run_density(&p, 0)[2], 1 - 0.9, 1e-15, "density = 1 - sparsity");
    char *js = plan_run_settings_json(&p, 0);
    ok(strstr(js, "\"kind\":\"relu\"") != NULL, "settings_json names the kind");
    free(js);
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
