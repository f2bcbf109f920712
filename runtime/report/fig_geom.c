/* runtime/report/fig_geom.c: figures of feature geometry and robustness.
 *   graph: per grid point, the features as nodes on a circle (importance
 *     order), an edge between two represented features whose colour
 *     deepens with |W_i . W_j| (red positive, blue negative), so pairs, polygons and
 *     sets read as cliques;
 *   vulnerability: adversarial vulnerability (values_geom.c) along the
 *     sweep beside features per dimension ||W||_F^2 / m, which it tracks;
 *   geometry_loss: along the sweep, the lowest loss of the runs that
 *     represent every feature and of those that drop some, so two
 *     geometries' loss curves can be seen crossing (the runs are the
 *     point's repeats: several seeds land in each). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

#define GRAPH_EDGE_MIN 0.05   /* |W_i . W_j| below this draws no edge */

static void title2(FILE *gp, const char *what, const struct plan_group *g)
{
    char *model = gp_model_words(g);
    fputs("set title \"", gp);
    gp_puts_quoted(gp, what);
    fputs("\\n{/*0.85 ", gp);
    gp_puts_quoted(gp, model);
    fputs("; ", gp);
    gp_puts_quoted(gp, fig_repeat_words(g));
    fputs("}\" font ',11'\n", gp);
    free(model);
}

/* Edge colour: red (positive) or blue (negative), faded towards white as
 * |d| falls, since gnuplot has no variable line width for vectors. */
static long graph_rgb(double d)
{
    static const int hot[3] = {0xd4, 0x3b, 0x3b}, cold[3] = {0x3b, 0x6f, 0xd4};
    const int *c = d > 0 ? hot : cold;
    double t = fmin(fabs(d), 1), ch[3];
    for (int k = 0; k < 3; k++)
        ch[k] = 255 - t * (255 - c[k]);
    return ((long)ch[0] << 16) | ((long)ch[1] << 8) | (long)ch[2];
}

/* Nodes then edges of one run, as data blocks 2p and 2p+1. */
static void graph_blocks(FILE *dat, const struct train_result *r, int p)
{
    const float *W = train_dirs(r);
    int n = r->n, m = r->m;
    struct train_metrics mt;
    train_metrics_compute(W, n, m, &mt);
    fprintf(dat, "# block %d: nodes: x y feature rgb\n", 2 * p);
    for (int i = 0; i < n; i++)
        fprintf(dat, "%.6f %.6f %d %ld\n", cos(M_PI / 2 - 2 * M_PI * i / n),
                sin(M_PI / 2 - 2 * M_PI * i / n), i,
                mt.norm[i] >= FIG_REPR_NORM ? 0x222222L : 0xcccccc);
    fprintf(dat, "\n\n# block %d: edges: x y dx dy width rgb |W_i.W_j|\n", 2 * p + 1);
    int edges = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double d = 0;
            for (int k = 0; k < m; k++)
                d += (double)W[i * m + k] * W[j * m + k];
            if (fabs(d) < GRAPH_EDGE_MIN || mt.norm[i] < FIG_REPR_NORM || mt.norm[j] < FIG_REPR_NORM)
                continue;
            double a = M_PI / 2 - 2 * M_PI * i / n, b = M_PI / 2 - 2 * M_PI * j / n;
            fprintf(dat, "%.6f %.6f %.6f %.6f %.3f %ld %.4f\n", cos(a), sin(a), cos(b) - cos(a),
                    sin(b) - sin(a), fmin(fabs(d), 1), graph_rgb(d), fabs(d));
            edges++;
        }
    if (!edges)   /* gnuplot refuses an empty block */
        fputs("0 0 0 0 0 16777215 0\n", dat);
    fputs("\n\n", dat);
    train_metrics_free(&mt);
}

int fig_emit_graph(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int rows, cols, *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    gp_layout(g->npoints, &rows, &cols);
    gp_prelude(&f, cols == 1 ? 640 : 60 + 300 * cols, 80 + 300 * rows);
    FILE *gp = f.gp.fp;
    char *model = gp_model_words(g);
    fprintf(gp, "set multiplot layout %d,%d title \"Feature geometry: edges |W_i.W_j| "
            "(red +, blue -), grey nodes not represented\\n{/*0.85 ", rows, cols);
    gp_puts_quoted(gp, model);
    fputs("}\" font ',11'\nunset key\nunset border\nunset tics\nset size ratio -1\n"
          "set xrange [-1.3:1.3]\nset yrange [-1.3:1.3]\n", gp);
    for (int p = 0; p < g->npoints; p++) {
        char *lab = fig_point_label(e, g, p, " = ");
        int k = fig_point_runs(e, g, p, runs, NULL);
        if (k == 0) {
            gp_empty_panel(gp, lab, "no usable run");
            fprintf(f.dat.fp, "# point %d: no usable run\n0 0 0 16777215\n\n\n0 0 0 0 0 16777215 0\n\n\n", p);
        } else {
            graph_blocks(f.dat.fp, fig_result(e, runs[0]), p);
            fputs("set title \"", gp);
            gp_puts_quoted(gp, lab);
            fprintf(gp, "\" font ',9'\nplot dat index %d using 1:2:3:4:6 with vectors nohead "
                    "lw 2.5 lc rgb variable, \\\n     dat index %d using 1:2:4 with points "
                    "pt 7 ps 1.6 lc rgb variable, \\\n     dat index %d using (1.17*$1):(1.17*$2):3 "
                    "with labels font ',8'\n", 2 * p + 1, 2 * p, 2 * p);
        }
        free(lab);
    }
    fputs("unset multiplot\n", gp);
    free(model);
    free(runs);
    return gp_close(e, o, &f);
}

/* x of point p: the first axis' value, or 1/density without sweeps. */
static double geom_x(const struct fig_env *e, const struct plan_group *g, int p, const char **name)
{
    if (g->naxes == 0) {
        const double *dens = plan_run_density(e->plan, g->runs[p * g->nrepeat]);
        *name = "1/(1-S)";
        return dens[0] > 0 ? 1.0 / dens[0] : NAN;
    }
    *name = g->axes[0].name;
    return plan_group_coord(g, p, 0);
}

static void geom_xlabel(FILE *gp, const char *name)
{
    fputs("set xlabel '", gp);
    for (const char *c = name; *c; c++)
        fputc(*c == '\'' ? '"' : *c, gp);
    fputs("'\nset grid lc rgb '#eeeeee'\n", gp);
}

int fig_emit_vulnerability(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    gp_prelude(&f, 900, 600);
    const char *xname = "";
    fputs("# x  vulnerability  ||W||_F^2/m  (NaN: no usable run)\n", f.dat.fp);
    for (int p = 0; p < g->npoints; p++) {
        double x = geom_x(e, g, p, &xname), v = NAN, fr = NAN;
        fig_point_value(e, o->group, p, NAMES_M_VULNERABILITY, 0, &v);
        if (fig_point_value(e, o->group, p, NAMES_M_FROB2, 0, &fr) == 0)
            fr /= g->m;
        gp_num(f.dat.fp, x);
        fputc(' ', f.dat.fp);
        gp_num(f.dat.fp, v);
        fputc(' ', f.dat.fp);
        gp_num(f.dat.fp, fr);
        fputc('\n', f.dat.fp);
    }
    title2(f.gp.fp, "Adversarial vulnerability (relative to the optimal linear model) and "
           "features per dimension", g);
    geom_xlabel(f.gp.fp, xname);
    fputs("set ylabel 'vulnerability (worst feature, L2 budget 0.1 x mean ||x||)'\n"
          "set y2label 'features per dimension ||W||_F^2 / m'\nset ytics nomirror\nset y2tics\n"
          "set yrange [0:*]\nset y2range [0:*]\nset key top left box opaque\n"
          "plot dat using 1:2 with linespoints lw 2 pt 7 lc rgb '#d43b3b' title 'vulnerability', \\\n"
          "     dat using 1:3 axes x1y2 with linespoints lw 2 pt 5 lc rgb '#3b6fd4' title "
          "'features per dimension'\n", f.gp.fp);
    return gp_close(e, o, &f);
}

/* Lowest loss at point p among runs representing all features (full = 1)
 * or fewer (full = 0); NaN when no repeat landed there. */
static double geom_best(const struct fig_env *e, const struct plan_group *g, int p, int full,
                        int *runs)
{
    int k = fig_point_runs(e, g, p, runs, NULL);
    for (int j = 0; j < k; j++) {   /* lowest loss first */
        double rep;
        if (fig_run_metric(e, runs[j], NAMES_M_REPRESENTED, 0, &rep) == 0 &&
            (rep >= g->n) == full)
            return fig_result(e, runs[j])->final_loss;
    }
    return NAN;
}

int fig_emit_geometry_loss(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    gp_prelude(&f, 900, 600);
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    const char *xname = "";
    fputs("# x  lowest loss with every feature represented  lowest loss with some dropped\n",
          f.dat.fp);
    for (int p = 0; p < g->npoints; p++) {
        double x = geom_x(e, g, p, &xname);
        gp_num(f.dat.fp, x);
        fputc(' ', f.dat.fp);
        gp_num(f.dat.fp, geom_best(e, g, p, 1, runs));
        fputc(' ', f.dat.fp);
        gp_num(f.dat.fp, geom_best(e, g, p, 0, runs));
        fputc('\n', f.dat.fp);
    }
    free(runs);
    char *what = xasprintf("Loss of two geometries: all %d features represented, or some "
                           "dropped (best repeat of each)", g->n);
    title2(f.gp.fp, what, g);
    free(what);
    geom_xlabel(f.gp.fp, xname);
    fputs("set logscale x\nset ylabel 'final loss'\nset key top left box opaque\n"
          "plot dat using 1:2 with linespoints lw 2 pt 7 lc rgb '#d43b3b' title 'every feature "
          "represented', \\\n     dat using 1:3 with linespoints lw 2 pt 5 lc rgb '#3b6fd4' "
          "title 'some features dropped'\n", f.gp.fp);
    return gp_close(e, o, &f);
}
