/* runtime/report/phase_cells.c: the phase-diagram cells of a grid (n=2,
 * m=1 with importance [1, r] and n=3, m=2 with [1, 1, r]). Each grid point
 * becomes a cell at (r, density), r = I[n-1]/I[0]. The empirical class comes
 * from sign-invariant quantities (weights themselves flip sign and rotate
 * freely) averaged over the repeats with the highest-loss one dropped, as
 * the paper does; under `keep best` the lowest-loss run alone decides. The
 * theoretical class is the argmin of the closed-form losses of the grid's
 * own model kind (theory.c). The
 * phase figure draws these cells; phase_agreement counts them. */
#include <math.h>
#include <stdlib.h>
#include "fig_impl.h"

/* n=2: q = { |w1|, |w2|, w1*w2 }. n=3: q = { ||W_3||, d, |d| } with d the dot
 * product of the extra feature with the other feature it overlaps most. */
static void quantities(const struct train_result *r, double q[3])
{
    const float *W = train_dirs(r);
    if (r->n == 2) {
        q[0] = fabs(W[0]);
        q[1] = fabs(W[1]);
        q[2] = (double)W[0] * W[1];
        return;
    }
    const float *x = W + 2 * r->m;
    double nx = 0, d = 0;
    for (int k = 0; k < r->m; k++)
        nx += (double)x[k] * x[k];
    for (int j = 0; j < 2; j++) {
        double s = 0;
        for (int k = 0; k < r->m; k++)
            s += (double)x[k] * W[j * r->m + k];
        if (fabs(s) > fabs(d))
            d = s;
    }
    q[0] = sqrt(nx);
    q[1] = d;
    q[2] = fabs(d);
}

static int classify(int n, const double q[3])
{
    if (n == 2)
        return q[1] < FIG_REPR_NORM ? THEORY_IGNORED : q[0] < FIG_REPR_NORM ? THEORY_DEDICATED
                                                                             : THEORY_SUPERPOSED;
    return q[0] < FIG_REPR_NORM ? THEORY_IGNORED : q[2] >= 0.5 ? THEORY_SUPERPOSED : THEORY_DEDICATED;
}

int fig_phase_cells(const struct fig_env *e, const struct plan_group *g, struct fig_cell *cells,
                    const char **why)
{
    if (!((g->n == 2 && g->m == 1) || (g->n == 3 && g->m == 2))) {
        *why = "the phase diagram needs a model with n=2 m=1 (importance [1, r]) or n=3 m=2 "
               "(importance [1, 1, r])";
        return -1;
    }
    const struct theory_kind *th = theory_of(g->kind);
    if (!th) {
        *why = "the phase diagram has no closed form for this model kind";
        return -1;
    }
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    for (int p = 0; p < g->npoints; p++) {
        struct fig_cell *c = &cells[p];
        const double *imp = plan_run_importance(e->plan, g->runs[p * g->nrepeat]);
        c->r = imp[0] != 0 ? imp[g->n - 1] / imp[0] : NAN;
        c->p = plan_run_density(e->plan, g->runs[p * g->nrepeat])[g->n - 1];
        c->theory = theory_class_of(th, g->n, c->p, c->r);
        int k = fig_point_runs(e, g, p, runs, NULL);
        int use = g->keep_best ? (k > 0) : (k > 1 ? k - 1 : k);   /* drop the worst */
        c->nused = use;
        c->q[0] = c->q[1] = c->q[2] = 0;
        for (int j = 0; j < use; j++) {
            double q[3];
            quantities(fig_result(e, runs[j]), q);
            for (int t = 0; t < 3; t++)
                c->q[t] += q[t] / use;
        }
        c->cls = use > 0 ? classify(g->n, c->q) : -1;
    }
    free(runs);
    return 0;
}
