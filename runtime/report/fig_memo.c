/* runtime/report/fig_memo.c: the figures of finite training sets.
 * double_descent follows a sweep of the set size T (or any first axis) in
 * three panels on a log x axis: the test loss on fresh data beside the
 * training loss, the norm ||W||_F, and the mean feature dimensionality
 * beside the mean data-point dimensionality D_x with the T-gon's m/T.
 * datapoints2d draws, per grid point, the hidden vectors h_x = W x of the
 * training points beside the represented feature directions W_i (m=2), from the
 * lowest-loss run: memorising, the points spread as a T-gon; generalising,
 * the features do. Values are the ones tables read (kept run or mean). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "dataset.h"
#include "fig_impl.h"

/* Point p's x: its first axis' value, or its training set's size. */
static double memo_x(const struct fig_env *e, const struct plan_group *g, int p)
{
    if (g->naxes > 0)
        return plan_group_coord(g, p, 0);
    return plan_run_tmpl(e->plan, g->runs[(size_t)p * (size_t)g->nrepeat])->recipe.dataset;
}

static const char *memo_xname(const struct plan_group *g)
{
    return g->naxes == 0 || !strcmp(g->axes[0].name, "dataset")
        ? "training set size T (log scale)" : g->axes[0].name;
}

/* One data row per point: x, then each metric's point value. */
static void memo_rows(struct fig_env *e, const struct plan_group *g, FILE *dat)
{
    static const int cols[] = {NAMES_M_TEST_LOSS, NAMES_M_LOSS, NAMES_M_WNORM, NAMES_M_DIM_MEAN,
                               NAMES_M_DX_MEAN};
    int group = (int)(g - e->plan->groups);
    fputs("# x  test_loss  loss (training)  wnorm  dim_mean  dx_mean  m/T\n", dat);
    for (int p = 0; p < g->npoints; p++) {
        double x = memo_x(e, g, p);
        gp_num(dat, x);
        for (size_t c = 0; c < sizeof cols / sizeof *cols; c++) {
            double v = NAN;
            fig_point_value(e, group, p, cols[c], 0, &v);
            fputc(' ', dat);
            gp_num(dat, v);
        }
        fputc(' ', dat);
        int T = plan_run_tmpl(e->plan, g->runs[(size_t)p * (size_t)g->nrepeat])->recipe.dataset;
        gp_num(dat, T > 0 ? fmin(1.0, (double)g->m / T) : NAN);
        fputc('\n', dat);
    }
}

static void memo_panels(FILE *gp, const char *xname)
{
    fprintf(gp, "set logscale x\nset xlabel '%s'\nset grid lc rgb '#eeeeee'\n"
            "set key top right box opaque font ',9'\n", xname);
    fputs("set logscale y\nset format y '%.0e'\nset ylabel 'loss'\nset title 'loss'\n"
          "plot dat using 1:2 with linespoints lw 2 pt 7 lc rgb '#d43b3b' title 'test (fresh data)', \\\n"
          "     dat using 1:3 with linespoints lw 2 pt 5 lc rgb '#3b6fd4' title 'training set'\n",
          gp);
    fputs("unset logscale y\nset format y '%g'\nset ylabel '||W||_F'\nset title 'weight norm'\n"
          "set yrange [0:*]\n"
          "plot dat using 1:4 with linespoints lw 2 pt 7 lc rgb '#222222' title '||W||_F'\n", gp);
    fputs("set yrange [0:1.05]\nset ylabel 'dimensionality'\nset title 'dimensionality'\n"
          "plot dat using 1:5 with linespoints lw 2 pt 7 lc rgb '#2a9d4b' title "
          "'features: mean D_i (represented)', \\\n"
          "     dat using 1:6 with linespoints lw 2 pt 5 lc rgb '#8e44ad' title "
          "'data points: mean D_x', \\\n"
          "     dat using 1:7 with lines dt 2 lc rgb '#8e44ad' title 'm/T (a T-gon)'\n", gp);
}

int fig_emit_double_descent(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    gp_prelude(&f, 1500, 520);
    char *model = gp_model_words(g);
    fputs("set multiplot layout 1,3 title \"Finite training sets: loss, weight norm and "
          "dimensionality against the set size\\n{/*0.85 ", f.gp.fp);
    gp_puts_quoted(f.gp.fp, model);
    fputs("; ", f.gp.fp);
    gp_puts_quoted(f.gp.fp, fig_repeat_words(g));
    fputs("}\" font ',11'\n", f.gp.fp);
    memo_rows(e, g, f.dat.fp);
    memo_panels(f.gp.fp, memo_xname(g));
    fputs("unset multiplot\n", f.gp.fp);
    free(model);
    return gp_close(e, o, &f);
}

/* The lowest-loss usable run of point p, or -1. */
static int memo_run(const struct fig_env *e, const struct plan_group *g, int p)
{
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_runs(e, g, p, runs, NULL), r = k > 0 ? runs[0] : -1;
    free(runs);
    return r;
}

/* Block 2p: the training points' h_x; block 2p+1: the represented feature
 * directions (norm >= 0.5; the many small ones of a memorising model would
 * hide the points). Returns the largest length written. */
static double memo_vectors(const struct fig_env *e, int run, FILE *dat)
{
    const struct train_result *r = fig_result(e, run);
    struct train_spec sp;
    plan_run_spec(e->plan, run, &sp, NULL);
    double *H, lim = 0;
    int count = train_point_hidden(&sp, r->p, &H);
    fprintf(dat, "# run %s: training point  h_x[0]  h_x[1]\n", plan_run_id(e->plan, run).s);
    for (int a = 0; a < count; a++) {
        fprintf(dat, "%d ", a);
        gp_num(dat, H[2 * a]);
        fputc(' ', dat);
        gp_num(dat, H[2 * a + 1]);
        fputc('\n', dat);
        lim = fmax(lim, hypot(H[2 * a], H[2 * a + 1]));
    }
    fputs(count ? "\n\n# feature  W_i[0]  W_i[1]\n" : "NaN NaN NaN\n\n\n# feature  W_i[0]  W_i[1]\n",
          dat);
    const float *w = train_dirs(r);
    int any = 0;
    for (int i = 0; w && i < r->n; i++) {
        double len = hypot(w[2 * i], w[2 * i + 1]);
        if (len < FIG_REPR_NORM)
            continue;
        fprintf(dat, "%d ", i);
        gp_num(dat, w[2 * i]);
        fputc(' ', dat);
        gp_num(dat, w[2 * i + 1]);
        fputc('\n', dat);
        lim = fmax(lim, len);
        any = 1;
    }
    fputs(any ? "\n\n" : "NaN NaN NaN\n\n\n", dat);
    free(H);
    return lim;
}

int fig_emit_datapoints2d(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int rows, cols;
    gp_layout(g->npoints, &rows, &cols);
    gp_prelude(&f, 300 * cols + 60, 300 * rows + 90);
    FILE *gp = f.gp.fp, *dat = f.dat.fp;
    char *model = gp_model_words(g);
    fprintf(gp, "set multiplot layout %d,%d title \"Hidden vectors of the training points "
            "(blue, W x) and represented feature directions (red, ||W_i|| >= 0.5)\\n{/*0.85 ", rows, cols);
    gp_puts_quoted(gp, model);
    fputs("; lowest-loss run per point}\" font ',11'\n"
          "set size ratio -1\nunset key\nset tics font ',7'\n"
          "set xzeroaxis lc rgb '#aaaaaa'; set yzeroaxis lc rgb '#aaaaaa'\n", gp);
    for (int p = 0, block = 0; p < g->npoints; p++) {
        char *lab = fig_point_label(e, g, p, " = ");
        int run = memo_run(e, g, p);
        if (run < 0) {
            fprintf(dat, "# point %d (%s): no usable run; not drawn\n", p, lab);
            gp_empty_panel(gp, lab, "run diverged: nothing to draw");
            free(lab);
            continue;
        }
        double lim = 1.15 * fmax(memo_vectors(e, run, dat), 0.1);
        fprintf(gp, "set title \"");
        gp_puts_quoted(gp, lab);
        fprintf(gp, "\" font ',9'\nset xrange [%.4g:%.4g]; set yrange [%.4g:%.4g]\n"
                "plot dat index %d using (0):(0):2:3 with vectors nohead lw 1 lc rgb '#3b6fd4', \\\n"
                "     '' index %d using 2:3 with points pt 7 ps 0.5 lc rgb '#3b6fd4', \\\n"
                "     '' index %d using (0):(0):2:3 with vectors head filled size graph 0.03,20 "
                "lw 2 lc rgb '#d43b3b'\n", -lim, lim, -lim, lim, block, block, block + 1);
        block += 2;
        free(lab);
    }
    fputs("unset multiplot\n", gp);
    free(model);
    return gp_close(e, o, &f);
}
