/* tests/unit/test_theory.c: the closed-form phase-diagram losses against
 * hand-derived values, their boundaries, and a Monte Carlo estimate of the
 * ReLU toy model's loss at the idealised weights (so the formulas describe
 * the model tmsl trains, not just themselves). */
#include <math.h>
#include <stdint.h>
#include "../tap.h"
#include "model.h"
#include "theory.h"

static uint64_t rng_state = 88172645463325252ULL;
static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Expected loss (summed over features) of x' = ReLU(W^T W x + b), n=2, m=1,
 * or of the linear x' = W^T W x + b when linear. */
static double mc_loss_any(const double w[2], const double b[2], double p, double r, int samples,
                          int linear)
{
    double imp[2] = { 1, r }, total = 0;
    for (int s = 0; s < samples; s++) {
        double x[2];
        for (int i = 0; i < 2; i++) {
            double v = uniform();
            x[i] = uniform() < p ? v : 0;
        }
        double h = w[0] * x[0] + w[1] * x[1];
        for (int i = 0; i < 2; i++) {
            double y = linear ? w[i] * h + b[i] : fmax(0, w[i] * h + b[i]);
            total += imp[i] * (x[i] - y) * (x[i] - y);
        }
    }
    return total / samples;
}

static double mc_loss_n2(const double w[2], const double b[2], double p, double r, int samples)
{
    return mc_loss_any(w, b, p, r, samples, 0);
}

static void check_values(void)
{
    double l[4];
    theory_n2_losses(0.3, 0.5, l);
    near(l[0], 0.03875, 1e-5, "n=2 p=0.3 r=0.5 ignored");
    near(l[1], 0.07750, 1e-5, "n=2 p=0.3 r=0.5 dedicated");
    near(l[2], 0.02250, 1e-5, "n=2 p=0.3 r=0.5 antipodal");
    theory_n2_losses(0.1, 2.0, l);
    near(l[0], 0.061667, 1e-5, "n=2 p=0.1 r=2 ignored");
    near(l[1], 0.030833, 1e-5, "n=2 p=0.1 r=2 dedicated");
    near(l[2], 0.005, 1e-6, "n=2 p=0.1 r=2 antipodal");
    theory_n2_losses(0.8, 1.5, l);
    near(l[0], 0.16, 1e-5, "n=2 p=0.8 r=1.5 ignored");
    near(l[1], 0.106667, 1e-5, "n=2 p=0.8 r=1.5 dedicated");
    near(l[2], 0.266667, 1e-5, "n=2 p=0.8 r=1.5 antipodal");
    theory_n3_losses(0.1, 2.0, l);
    near(l[0], 0.061667, 1e-5, "n=3 p=0.1 r=2 [0,0,1]");
    near(l[1], 0.030833, 1e-5, "n=3 p=0.1 r=2 [1,0,0]");
    near(l[2], 0.003333, 1e-5, "n=3 p=0.1 r=2 [1,1,0]");
    near(l[3], 0.005, 1e-6, "n=3 p=0.1 r=2 [0,1,1]");
    theory_n3_losses(0.3, 0.5, l);
    near(l[2], 0.03, 1e-6, "n=3 p=0.3 r=0.5 [1,1,0]");
    near(l[3], 0.0225, 1e-6, "n=3 p=0.3 r=0.5 [0,1,1]");
}

static void check_bounds(void)
{
    static const double ps[] = { 0.5, 0.3, 0.2, 0.1 }, want_lo[] = { 2.0 / 3, 0.24, 0.4 / 3, 0.2 / 3.5 },
                        want_hi[] = { 1.5, 2.5 / 0.6, 7.5, 17.5 };
    for (int k = 0; k < 4; k++) {
        double lo, hi;
        ok(theory_n2_band(ps[k], &lo, &hi), "band exists at p=%g", ps[k]);
        near(lo, want_lo[k], 1e-9, "band low edge 2p/(4-5p) at p=%g", ps[k]);
        near(hi, want_hi[k], 1e-9, "band high edge (4-5p)/(2p) at p=%g", ps[k]);
        is_int(theory_n2_class(ps[k], lo * 0.99), THEORY_IGNORED, "ignored just below the band, p=%g", ps[k]);
        is_int(theory_n2_class(ps[k], lo * 1.01), THEORY_SUPERPOSED, "superposed inside the band, p=%g", ps[k]);
        is_int(theory_n2_class(ps[k], hi * 1.01), THEORY_DEDICATED, "dedicated above the band, p=%g", ps[k]);
    }
    double lo, hi;
    ok(!theory_n2_band(0.6, &lo, &hi), "no band above the triple point 4/7");
    is_int(theory_n2_class(0.9, 0.9), THEORY_IGNORED, "dense, r<1: ignored");
    is_int(theory_n2_class(0.9, 1.1), THEORY_DEDICATED, "dense, r>1: dedicated");
    is_int(theory_n2_class(0.01, 0.1), THEORY_SUPERPOSED, "sparse: superposed even at r=0.1");
    is_int(theory_n3_argmin(0.7, 2), 1, "n=3 dense r>1: extra dedicated, one other dropped");
    is_int(theory_n3_argmin(0.3, 2), 2, "n=3 sparse r>1: other two antipodal");
    is_int(theory_n3_class(0.3, 2), THEORY_DEDICATED, "n=3 sparse r>1 counts as dedicated");
    is_int(theory_n3_class(0.3, 0.5), THEORY_SUPERPOSED, "n=3 p=0.3 r=0.5: extra antipodal");
    is_int(theory_n3_class(0.3, 0.2), THEORY_IGNORED, "n=3 p=0.3 r=0.2: extra ignored");
    is_int(theory_n3_class(4.0 / 7 + 0.01, 3), THEORY_DEDICATED, "n=3 just above p=4/7, r>1");
    is_int(theory_n3_argmin(4.0 / 7 - 0.01, 3), 2, "n=3 just below p=4/7 the other two pair up");
}

static void check_model(void)
{
    double p = 0.3, r = 0.5, l[3];
    theory_n2_losses(p, r, l);
    const double w[3][2] = { { 1, 0 }, { 0, 1 }, { 1, -1 } }, b[3][2] = { { 0, p / 2 }, { p / 2, 0 }, { 0, 0 } };
    const char *what[3] = { "ignored", "dedicated", "antipodal" };
    for (int c = 0; c < 3; c++) {
        double mc = mc_loss_n2(w[c], b[c], p, r, 400000);
        near(mc / l[c], 1.0, 0.03, "Monte Carlo loss of the %s configuration matches (%.5f)", what[c], mc);
    }
}

/* The linear model's closed form: its candidates' losses at the weights
 * (antipodal with the bias at the means, which is what a linear readout
 * does best), the classes, and the per-kind table. */
static void check_linear(void)
{
    double p = 0.1, r = 0.5, l[4];
    theory_linear_losses(2, p, r, l);
    const double w[3][2] = { { 1, 0 }, { 0, 1 }, { 1, -1 } };
    const double b[3][2] = { { 0, p / 2 }, { p / 2, 0 }, { p / 2, p / 2 } };
    const char *what[3] = { "ignored", "dedicated", "antipodal" };
    for (int c = 0; c < 3; c++) {
        double mc = mc_loss_any(w[c], b[c], p, r, 400000, 1);
        near(mc / l[c], 1.0, 0.03, "linear: Monte Carlo loss of the %s configuration matches "
             "(%.5f vs %.5f)", what[c], mc, l[c]);
    }
    const struct theory_kind *lin = theory_of(&model_linear), *relu = theory_of(&model_relu);
    ok(lin && relu && lin != relu && !theory_of(&model_relu_hidden) && !theory_of(&model_untied),
       "theory table: relu and linear have their own closed forms, relu-hidden and untied none");
    int sup = 0, wrong = 0;
    for (int n = 2; n <= 3; n++)
        for (int a = 0; a < 30; a++)
            for (int q = 0; q < 30; q++) {
                double pp = pow(10, -2.0 * a / 29), rr = pow(10, -1 + 2.0 * q / 29);
                enum theory_class c = theory_class_of(lin, n, pp, rr);
                sup += c == THEORY_SUPERPOSED;
                wrong += c != (rr > 1 ? THEORY_DEDICATED : THEORY_IGNORED);
            }
    ok(sup == 0 && wrong == 0, "linear: never superposition, split at r = 1 at every density");
    is_int(theory_class_of(relu, 2, 0.01, 0.1), THEORY_SUPERPOSED,
           "relu through the table: sparse r=0.1 superposed");
    for (int k = 0; model_kinds[k]; k++)
        ok(!(model_kinds[k]->caps & MODEL_CAP_PHASE) == !theory_of(model_kinds[k]),
           "%s: has a closed form iff it declares MODEL_CAP_PHASE", model_kinds[k]->name);
}

int main(void)
{
    check_linear();
    check_values();
    check_bounds();
    check_model();
    return done_testing();
}
