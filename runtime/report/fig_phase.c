/* runtime/report/fig_phase.c: the phase-diagram figure: the empirical cells
 * of the grid (phase_cells.c) beside the closed-form diagram of the grid's
 * own model kind with its boundary lines (theory.c), coloured by class. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

/* #bbbbbb grey, #3b6fd4 blue, #d43b3b red, as integers for `lc rgb variable` */
static const long class_rgb[THEORY_NCLASS] = { 0xbbbbbb, 0x3b6fd4, 0xd43b3b };

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

/* Theory boundaries of the kind's closed form as polylines, one block
 * each, clipped to the box; a kind without the superposition band (linear)
 * has the r = 1 line alone, at every density. */
static int write_bounds(FILE *dat, int n, const double *box, const struct theory_kind *th)
{
    int blocks = 0;
    double ptop = fmin(box[3], THEORY_TRIPLE_P);
    if (!th->band) {
        fprintf(dat, "# block 1: theory boundary r = 1\n1 %.9g\n1 %.9g\n\n\n", box[2], box[3]);
        return 1;
    }
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
    int nb = write_bounds(f.dat.fp, g->n, box, theory_of(g->kind));
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
    char *th = xasprintf("%s theory (argmin of the closed-form losses)", g->kind->name);
    panel(gp, th, 10, nb, 1);
    free(th);
    free(emp);
    free(title);
    free(model);
    free(cells);
    return gp_close(e, o, &f);
}
