/* runtime/report/fig_phase.c: the phase diagrams (n=2, m=1 with importance [1, r] and
 * n=3, m=2 with [1, 1, r]). Each grid point becomes a cell at (r, density),
 * r = I[n-1]/I[0]. The empirical class comes from sign-invariant quantities
 * (weights themselves flip sign and rotate freely) averaged over the repeats
 * with the highest-loss one dropped, as the paper does; under `keep best`
 * the lowest-loss run alone decides. The theoretical class is the argmin of
 * the closed-form candidate losses (theory.c) at the same cell. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

int fig_emit_phase(struct fig_env *e, const struct plan_output *o);

/* #bbbbbb grey, #3b6fd4 blue, #d43b3b red, as integers for `lc rgb variable` */
static const long class_rgb[THEORY_NCLASS] = { 0xbbbbbb, 0x3b6fd4, 0xd43b3b };

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
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    for (int p = 0; p < g->npoints; p++) {
        struct fig_cell *c = &cells[p];
        const struct plan_run *pr = &e->plan->runs[g->runs[p * g->nrepeat]];
        c->r = pr->importance[0] != 0 ? pr->importance[g->n - 1] / pr->importance[0] : NAN;
        c->p = pr->density[g->n - 1];
        c->theory = g->n == 2 ? theory_n2_class(c->p, c->r) : theory_n3_class(c->p, c->r);
        int k = fig_point_runs(e, g, p, runs, NULL);
        int use = g->keep_best ? (k > 0) : (k > 1 ? k - 1 : k);   /* drop the worst */
        c->nused = use;
        c->q[0] = c->q[1] = c->q[2] = 0;
        for (int j = 0; j < use; j++) {
            double q[3];
            quantities(&e->results[runs[j]], q);
            for (int t = 0; t < 3; t++)
                c->q[t] += q[t] / use;
        }
        c->cls = use > 0 ? classify(g->n, c->q) : -1;
    }
    free(runs);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorted distinct values of v (relative tolerance 1e-9). */
static int distinct(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    int k = 0;
    for (int i = 0; i < n; i++)
        if (k == 0 || fabs(v[i] - v[k - 1]) > 1e-9 * fabs(v[i]))
            v[k++] = v[i];
    return k;
}

/* Geometric cell edges around value x among the distinct values u[0..k). */
static void edges(const double *u, int k, double x, double *lo, double *hi)
{
    int i = 0;
    while (i < k - 1 && fabs(u[i] - x) > 1e-9 * fabs(x))
        i++;
    double left = i > 0 ? sqrt(u[i - 1] * u[i]) : 0, right = i < k - 1 ? sqrt(u[i] * u[i + 1]) : 0;
    if (k == 1) {
        left = x / 1.25;
        right = x * 1.25;
    } else {
        if (i == 0)
            left = x * x / right;
        if (i == k - 1)
            right = x * x / left;
    }
    *lo = left;
    *hi = right;
}

static void write_cells(FILE *dat, const struct fig_cell *cells, int n, double *box)
{
    double *rs = xmalloc(sizeof(double) * (size_t)n), *ps = xmalloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {
        rs[i] = cells[i].r;
        ps[i] = cells[i].p;
    }
    int kr = distinct(rs, n), kp = distinct(ps, n);
    box[0] = box[2] = INFINITY;
    box[1] = box[3] = -INFINITY;
    fputs("# block 0: cells: r density r_lo r_hi density_lo density_hi empirical theory "
          "empirical_rgb theory_rgb q0 q1 q2 runs_used\n# classes: 0 not represented, 1 dedicated, "
          "2 superposition, -1 no usable run (diverged; drawn white)\n", dat);
    for (int i = 0; i < n; i++) {
        const struct fig_cell *c = &cells[i];
        double e4[4];
        edges(rs, kr, c->r, &e4[0], &e4[1]);
        edges(ps, kp, c->p, &e4[2], &e4[3]);
        if (c->p <= 1 && e4[3] > 1)   /* no density above 1 */
            e4[3] = 1;
        box[0] = fmin(box[0], e4[0]);
        box[1] = fmax(box[1], e4[1]);
        box[2] = fmin(box[2], e4[2]);
        box[3] = fmax(box[3], e4[3]);
        double row[6] = { c->r, c->p, e4[0], e4[1], e4[2], e4[3] };
        for (int t = 0; t < 6; t++) {
            gp_num(dat, row[t]);
            fputc(' ', dat);
        }
        fprintf(dat, "%d %d %ld %ld", c->cls, c->theory, c->cls >= 0 ? class_rgb[c->cls] : 0xffffffL,
                class_rgb[c->theory]);
        for (int t = 0; t < 3; t++) {
            fputc(' ', dat);
            gp_num(dat, c->q[t]);
        }
        fprintf(dat, " %d\n", c->nused);
    }
    fputs("\n\n", dat);
    free(rs);
    free(ps);
}

/* Theory boundaries as polylines, one block each, clipped to the box. */
static int write_bounds(FILE *dat, int n, const double *box)
{
    int blocks = 0;
    double ptop = fmin(box[3], THEORY_TRIPLE_P);
    for (int side = 0; side < (n == 2 ? 2 : 1) && box[2] < ptop; side++) {
        fprintf(dat, "# block %d: theory boundary r = %s\n", 1 + blocks,
                side ? "(4-5p)/(2p)" : "2p/(4-5p)");
        for (int s = 0; s <= 200; s++) {
            double p = exp(log(box[2]) + (log(ptop) - log(box[2])) * s / 200.0), lo, hi;
            if (!theory_n2_band(p, &lo, &hi))
                lo = hi = 1;
            double r = side ? hi : lo;
            gp_num(dat, r);
            fputc(' ', dat);
            gp_num(dat, p);
            fputc('\n', dat);
        }
        fputs("\n\n", dat);
        blocks++;
    }
    double from = n == 2 ? fmax(box[2], THEORY_TRIPLE_P) : box[2];
    fprintf(dat, "# block %d: theory boundary r = 1\n1 %.9g\n1 %.9g\n\n\n", 1 + blocks, from, box[3]);
    blocks++;
    if (n == 3) {
        fprintf(dat, "# block %d: theory boundary density = 4/7 (r > 1)\n1 %.9g\n%.9g %.9g\n\n\n",
                1 + blocks, THEORY_TRIPLE_P, box[1], THEORY_TRIPLE_P);
        blocks++;
    }
    return blocks;
}

static void panel(FILE *gp, const char *title, int colour_col, int nbounds, int legend)
{
    fputs("set title \"", gp);
    gp_puts_quoted(gp, title);
    fprintf(gp, "\"\nplot dat index 0 using 1:2:3:4:5:6:%d with boxxyerror fs solid 1 noborder "
            "lc rgb variable notitle", colour_col);
    for (int b = 0; b < nbounds; b++)
        fprintf(gp, ", \\\n     dat index %d using 1:2 with lines lw 1.5 lc rgb '#000000' %s", b + 1,
                b == 0 && legend ? "title 'theory boundaries'" : "notitle");
    if (legend)
        fputs(", \\\n     keyentry with boxes fs solid 1 lc rgb '#bbbbbb' title 'extra feature not represented', \\\n"
              "     keyentry with boxes fs solid 1 lc rgb '#3b6fd4' title 'extra feature dedicated', \\\n"
              "     keyentry with boxes fs solid 1 lc rgb '#d43b3b' title 'superposition'", gp);
    fputc('\n', gp);
}

int fig_emit_phase(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct fig_cell *cells = xcalloc((size_t)g->npoints, sizeof *cells);
    const char *why = NULL;
    if (fig_phase_cells(e, g, cells, &why) != 0) {
        diag_error(e->diag, &o->span, "%s; this group has n=%d m=%d", why, g->n, g->m);
        free(cells);
        return -1;
    }
    struct gp_files f;
    if (gp_open(e, o, &f) != 0) {
        free(cells);
        return -1;
    }
    int agree = 0, known = 0;
    for (int p = 0; p < g->npoints; p++)
        if (cells[p].cls >= 0) {
            known++;
            agree += cells[p].cls == cells[p].theory;
        }
    double box[4];
    write_cells(f.dat.fp, cells, g->npoints, box);
    int nb = write_bounds(f.dat.fp, g->n, box);
    gp_prelude(&f, 1300, 640);
    FILE *gp = f.gp.fp;
    char *model = gp_model_words(g);
    char *title = xasprintf("Phase diagram (%s, importance %s): empirical and theory agree in "
                            "%.0f%% of cells (%d/%d)", model, g->n == 2 ? "[1, r]" : "[1, 1, r]",
                            known ? 100.0 * agree / known : 0.0, agree, known);
    fprintf(gp, "set multiplot layout 1,2 title \"");
    gp_puts_quoted(gp, title);
    fprintf(gp, "\" font ',12'\nset logscale xy\nset xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n"
            "set xlabel 'relative importance of the extra feature r = I_%d / I_1'\n"
            "set ylabel 'feature density 1-S'\nset key outside bottom center horizontal font ',9'\n"
            "set tics out\n", box[0], box[1], box[2], box[3], g->n);
    char *emp = g->nrepeat > 1 ? xasprintf("empirical (%s of %d runs per cell)",
                                           g->keep_best ? "lowest-loss" : "mean, worst dropped,",
                                           g->nrepeat)
                               : xstrdup("empirical (one run per cell)");
    panel(gp, emp, 9, nb, 1);
    panel(gp, "theory (argmin of the closed-form losses)", 10, nb, 1);
    free(emp);
    free(title);
    free(model);
    free(cells);
    return gp_close(e, o, &f);
}
