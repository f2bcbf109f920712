/* runtime/report/fig_phase.c: the phase-diagram figures: `phase`, the
 * empirical cells of the grid (phase_cells.c) beside the closed-form diagram
 * of the grid's own model kind with its boundary lines (theory.c), coloured
 * by class; and `phase_compare`, the paper's section 3 figure: the grid's
 * theory and empirical cells beside the linear model's empirical cells on
 * the same grid (the output's versus group). */
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

/* Data block `block`: one row per cell; box gets the cells' extent. */
static void write_cells(FILE *dat, int block, const struct fig_cell *cells, int n, double *box)
{
    double *rs = xmalloc(sizeof(double) * (size_t)n), *ps = xmalloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {
        rs[i] = cells[i].r;
        ps[i] = cells[i].p;
    }
    int kr = distinct(rs, n), kp = distinct(ps, n);
    box[0] = box[2] = INFINITY;
    box[1] = box[3] = -INFINITY;
    fprintf(dat, "# block %d: cells: r density r_lo r_hi density_lo density_hi empirical theory "
          "empirical_rgb theory_rgb q0 q1 q2 runs_used\n# classes: 0 not represented, 1 dedicated, "
          "2 superposition, -1 no usable run (diverged; drawn white)\n", block);
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
static int write_bounds(FILE *dat, int first, int n, const double *box,
                        const struct theory_kind *th)
{
    int blocks = first - 1;   /* blocks are numbered 1 + blocks below */
    double ptop = fmin(box[3], THEORY_TRIPLE_P);
    if (!th->band) {
        fprintf(dat, "# block %d: theory boundary r = 1\n1 %.9g\n1 %.9g\n\n\n", first, box[2],
                box[3]);
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
    return blocks - (first - 1);
}

/* One panel: the cells of data block `cells` coloured by column colour_col
 * (9 empirical, 10 theory), then nbounds boundary blocks from `first`. */
struct phase_panel { int cells, colour_col, first, nbounds; };

static void panel(FILE *gp, const char *title, struct phase_panel pp, int legend)
{
    fputs("set title \"", gp);
    gp_puts_quoted(gp, title);
    fprintf(gp, "\"\nplot dat index %d using 1:2:3:4:5:6:%d with boxxyerror fs solid 1 noborder "
            "lc rgb variable notitle", pp.cells, pp.colour_col);
    for (int b = 0; b < pp.nbounds; b++)
        fprintf(gp, ", \\\n     dat index %d using 1:2 with lines lw 1.5 lc rgb '#000000' %s",
                pp.first + b, b == 0 && legend ? "title 'theory boundaries'" : "notitle");
    if (legend)
        fputs(", \\\n     keyentry with boxes fs solid 1 lc rgb '#bbbbbb' title 'extra feature not represented', \\\n"
              "     keyentry with boxes fs solid 1 lc rgb '#3b6fd4' title 'extra feature dedicated', \\\n"
              "     keyentry with boxes fs solid 1 lc rgb '#d43b3b' title 'superposition'", gp);
    fputc('\n', gp);
}

/* The cells of group g, or NULL after an error at the output. */
static struct fig_cell *cells_of(struct fig_env *e, const struct plan_output *o,
                                 const struct plan_group *g)
{
    struct fig_cell *cells = xcalloc((size_t)g->npoints, sizeof *cells);
    const char *why = NULL;
    if (fig_phase_cells(e, g, cells, &why) == 0)
        return cells;
    diag_error(e->diag, &o->span, "%s; this group has n=%d m=%d", why, g->n, g->m);
    free(cells);
    return NULL;
}

/* Cells with a usable run, into *known; returns how many agree with theory
 * (with want >= 0: how many have the empirical class want instead). */
static int count_cells(const struct fig_cell *cells, int n, int want, int *known)
{
    int hits = 0;
    *known = 0;
    for (int p = 0; p < n; p++)
        if (cells[p].cls >= 0) {
            ++*known;
            hits += cells[p].cls == (want >= 0 ? want : cells[p].theory);
        }
    return hits;
}

/* The multiplot and the axes every panel shares. */
static void phase_axes(FILE *gp, const char *title, int panels, const double *box, int n)
{
    fprintf(gp, "set multiplot layout 1,%d title \"", panels);
    gp_puts_quoted(gp, title);
    fprintf(gp, "\" font ',12'\nset logscale xy\nset xrange [%.6g:%.6g]\nset yrange [%.6g:%.6g]\n"
            "set xlabel 'relative importance of the extra feature r = I_%d / I_1'\n"
            "set ylabel 'feature density 1-S'\nset key outside bottom center horizontal font ',9'\n"
            "set tics out\n", box[0], box[1], box[2], box[3], n);
}

/* "empirical (lowest-loss of 4 runs per cell)" and the like. */
static char *empirical_words(const char *who, const struct plan_group *g)
{
    if (g->nrepeat <= 1)
        return xasprintf("%s%sempirical (one run per cell)", who, *who ? " " : "");
    return xasprintf("%s%sempirical (%s of %d runs per cell)", who, *who ? " " : "",
                     g->keep_best ? "lowest-loss" : "mean, worst dropped,", g->nrepeat);
}

int fig_emit_phase(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct fig_cell *cells = cells_of(e, o, g);
    struct gp_files f;
    if (!cells || gp_open(e, o, &f) != 0) {
        free(cells);
        return -1;
    }
    int known, agree = count_cells(cells, g->npoints, -1, &known);
    double box[4];
    write_cells(f.dat.fp, 0, cells, g->npoints, box);
    int nb = write_bounds(f.dat.fp, 1, g->n, box, theory_of(g->kind));
    gp_prelude(&f, 1300, 640);
    char *model = gp_model_words(g);
    char *title = xasprintf("Phase diagram (%s, importance %s): empirical and theory agree in "
                            "%.0f%% of cells (%d/%d)", model, g->n == 2 ? "[1, r]" : "[1, 1, r]",
                            known ? 100.0 * agree / known : 0.0, agree, known);
    phase_axes(f.gp.fp, title, 2, box, g->n);
    char *emp = empirical_words("", g);
    panel(f.gp.fp, emp, (struct phase_panel){0, 9, 1, nb}, 1);
    char *th = xasprintf("%s theory (argmin of the closed-form losses)", g->kind->name);
    panel(f.gp.fp, th, (struct phase_panel){0, 10, 1, nb}, 1);
    free(th);
    free(emp);
    free(title);
    free(model);
    free(cells);
    return gp_close(e, o, &f);
}

/* The three panels of phase_compare: the grid's theory, its empirical
 * cells (both with its kind's boundaries), the versus kind's empirical
 * cells (with that kind's boundary). */
static void compare_panels(FILE *gp, const struct plan_group *g, const struct plan_group *v,
                           int nb, int nbv)
{
    char *th = xasprintf("%s theory (argmin of the closed-form losses)", g->kind->name);
    panel(gp, th, (struct phase_panel){0, 10, 2, nb}, 1);
    char *emp = empirical_words(g->kind->name, g);
    panel(gp, emp, (struct phase_panel){0, 9, 2, nb}, 1);
    char *empv = empirical_words(v->kind->name, v);
    panel(gp, empv, (struct phase_panel){1, 9, 2 + nb, nbv}, 1);
    free(empv);
    free(emp);
    free(th);
}

int fig_emit_phase_compare(struct fig_env *e, const struct plan_output *o)
{
    if (o->versus_group < 0 || o->versus_group >= e->plan->ngroups) {
        diag_error(e->diag, &o->span, "internal: phase_compare without its second grid");
        return -1;
    }
    const struct plan_group *g = &e->plan->groups[o->group];
    const struct plan_group *v = &e->plan->groups[o->versus_group];
    struct fig_cell *cells = cells_of(e, o, g), *vcells = cells ? cells_of(e, o, v) : NULL;
    struct gp_files f;
    if (!vcells || gp_open(e, o, &f) != 0) {
        free(cells);
        free(vcells);
        return -1;
    }
    int known, agree = count_cells(cells, g->npoints, -1, &known);
    int vknown, vsup = count_cells(vcells, v->npoints, THEORY_SUPERPOSED, &vknown);
    double box[4], vbox[4];
    write_cells(f.dat.fp, 0, cells, g->npoints, box);
    write_cells(f.dat.fp, 1, vcells, v->npoints, vbox);
    int nb = write_bounds(f.dat.fp, 2, g->n, box, theory_of(g->kind));
    int nbv = write_bounds(f.dat.fp, 2 + nb, v->n, box, theory_of(v->kind));
    gp_prelude(&f, 1900, 640);
    char *model = gp_model_words(g);
    char *title = xasprintf("Phase diagrams (%s, importance [1, r]): %s empirical and theory "
                            "agree in %.0f%% of cells (%d/%d); %s superposes in %d of %d",
                            model, g->kind->name, known ? 100.0 * agree / known : 0.0, agree,
                            known, v->kind->name, vsup, vknown);
    phase_axes(f.gp.fp, title, 3, box, g->n);
    compare_panels(f.gp.fp, g, v, nb, nbv);
    free(title);
    free(model);
    free(cells);
    free(vcells);
    return gp_close(e, o, &f);
}
