/* runtime/report/fig_sweep.c: figures that follow a quantity along the sweep in one
 * panel: dims (m/||W||_F^2 against 1/(1-S), with every feature's D_i
 * scattered over it), dimensionality (D_i per feature across the sweep) and
 * loss (training curves). With repeats, dims reads the same value a table
 * would (kept run or mean), and the scatters show every kept run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

/* 1/(1-S) of point p, from its first run. */
static double inv_density(const struct fig_env *e, const struct plan_group *g, int p)
{
    const double *dens = plan_run_density(e->plan, g->runs[p * g->nrepeat]);
    return dens[0] > 0 ? 1.0 / dens[0] : NAN;
}

/* The x of point p for dimensionality: 1/(1-S) for sparsity sweeps (and
 * without sweeps), the first axis' value otherwise. */
static double sweep_x(const struct fig_env *e, const struct plan_group *g, int p, const char **name)
{
    if (g->naxes == 0 || strcmp(g->axes[0].name, "sparsity") == 0) {
        *name = "1/(1-S)  (1/density; log scale)";
        return inv_density(e, g, p);
    }
    *name = g->axes[0].name;
    return plan_group_coord(g, p, 0);
}

/* x range (and log scale when the values span a decade) for xs[0..n). */
static void x_axis(FILE *gp, const double *xs, int n, int force_log)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(xs[i])) {
            lo = fmin(lo, xs[i]);
            hi = fmax(hi, xs[i]);
        }
    if (!isfinite(lo)) {
        lo = 1;
        hi = 10;
    }
    int logx = lo > 0 && (force_log || hi / lo >= 10);
    if (logx)
        fprintf(gp, "set logscale x\nset xrange [%.6g:%.6g]\n", lo / 1.25, hi * 1.25);
    else {
        double pad = hi > lo ? 0.05 * (hi - lo) : fmax(0.1 * fabs(lo), 0.5);
        fprintf(gp, "unset logscale x\nset xrange [%.6g:%.6g]\n", lo - pad, hi + pad);
    }
}

static double golden_frac(int i)
{
    double v = i * 0.6180339887498949;
    return v - floor(v);
}

/* D_i of every feature of the kept runs of every point, as "x D_i feature". */
static void dim_scatter(struct fig_env *e, const struct plan_group *g, FILE *dat, const double *xs,
                        double jitter_log)
{
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    for (int p = 0; p < g->npoints; p++) {
        int k = fig_point_kept(e, g, p, runs);
        for (int j = 0; j < k; j++) {
            struct train_metrics mt;
            if (train_metrics_of(fig_result(e, runs[j]), &mt) != 0)
                continue;
            fprintf(dat, "# point %d run %s\n", p, plan_run_id(e->plan, runs[j]).s);
            for (int i = 0; i < g->n; i++) {
                double x = xs[p] * exp(jitter_log * (golden_frac(i + j * g->n) - 0.5));
                gp_num(dat, x);
                fputc(' ', dat);
                gp_num(dat, mt.dim[i]);
                fprintf(dat, " %d\n", i);
            }
            train_metrics_free(&mt);
        }
    }
    free(runs);
}

static double log_spacing(const double *xs, int n)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(xs[i]) && xs[i] > 0) {
            lo = fmin(lo, log(xs[i]));
            hi = fmax(hi, log(xs[i]));
        }
    return n > 1 && hi > lo ? (hi - lo) / (n - 1) : 0.1;
}

static void dims(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    double *xs = xmalloc(sizeof(double) * (size_t)g->npoints);
    fputs("# block 0: per point: 1/(1-S)  m/||W||_F^2  ||W||_F^2  (NaN: no usable run)\n", dat);
    for (int p = 0; p < g->npoints; p++) {
        double ds = NAN, fr = NAN;
        xs[p] = inv_density(e, g, p);
        if (fig_point_value(e, (int)(g - e->plan->groups), p, NAMES_M_DIMS_PER_FEATURE, 0, &ds) != 0)
            fprintf(dat, "# point %d: no usable run (diverged or not trained)\n", p);
        fig_point_value(e, (int)(g - e->plan->groups), p, NAMES_M_FROB2, 0, &fr);
        gp_num(dat, xs[p]);
        fputc(' ', dat);
        gp_num(dat, ds);
        fputc(' ', dat);
        gp_num(dat, fr);
        fputc('\n', dat);
    }
    fputs("\n\n# block 1: every feature's dimensionality D_i: x (jittered)  D_i  feature\n", dat);
    dim_scatter(e, g, dat, xs, 0.2 * log_spacing(xs, g->npoints));
    x_axis(gp, xs, g->npoints, 1);
    gp_dim_guides(gp);
    fputs("set yrange [0:1.1]\nset xlabel '1/(1-S)  (1/feature density, log scale)'\n"
          "set ylabel 'dimensions per feature'\nset key top center box opaque\nset grid xtics lc rgb '#eeeeee'\n"
          "plot dat index 1 using 1:2 with points pt 7 ps 0.4 lc rgb '#000000' title "
          "'D_i of each feature (jittered)', \\\n"
          "     dat index 0 using 1:2 with linespoints lw 2 pt 7 lc rgb '#d43b3b' title 'm/||W||_F^2'\n",
          gp);
    free(xs);
}

static void dimensionality(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    double *xs = xmalloc(sizeof(double) * (size_t)g->npoints);
    const char *xname = "";
    for (int p = 0; p < g->npoints; p++)
        xs[p] = sweep_x(e, g, p, &xname);
    int logx = g->naxes == 0 || !strcmp(g->axes[0].name, "sparsity") || !strcmp(g->axes[0].name, "density");
    fputs("# x  D_i  feature (x jittered a little to keep points apart)\n", dat);
    dim_scatter(e, g, dat, xs, logx ? 0.2 * log_spacing(xs, g->npoints) : 0);
    x_axis(gp, xs, g->npoints, logx);
    gp_dim_guides(gp);
    fprintf(gp, "set yrange [0:1.1]\nset xlabel '");
    gp_puts_quoted(gp, xname);
    fprintf(gp, "'\nset ylabel 'dimensionality D_i'\nset palette defined %s\nset cbrange [0:%d]\n"
            "set cblabel 'feature index i (importance order)'\nunset key\n"
            "plot dat using 1:2:3 with points pt 7 ps 0.6 lc palette\n", gp_viridis, g->n > 1 ? g->n - 1 : 1);
    free(xs);
}

static void loss(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat), block = 0, any = 0;
    struct sbuf cmd;
    sbuf_init(&cmd);
    sbuf_puts(&cmd, "plot ");
    for (int p = 0; p < g->npoints; p++) {
        char col[8], *lab = fig_point_label(e, g, p, " = ");
        gp_viridis_rgb(g->npoints > 1 ? 0.9 * p / (g->npoints - 1) : 0, col);
        int k = fig_point_kept(e, g, p, runs);
        if (k == 0)
            fprintf(dat, "# point %d (%s): no usable run (diverged or not trained); not drawn\n", p, lab);
        for (int j = 0; j < k; j++) {
            const struct train_result *r = fig_result(e, runs[j]);
            fprintf(dat, "# block %d: point %d (%s), run %s: step loss\n", block, p, lab,
                    plan_run_id(e->plan, runs[j]).s);
            for (int s = 0; s < r->ncurve; s++) {
                fprintf(dat, "%d ", r->curve_step[s]);
                gp_num(dat, r->curve_loss[s] > 0 ? r->curve_loss[s] : NAN);
                fputc('\n', dat);
            }
            if (r->ncurve == 0)
                fputs("NaN NaN\n", dat);
            any += r->ncurve;
            fputs("\n\n", dat);
            sbuf_printf(&cmd, "%sdat index %d using 1:2 with lines lw 1.5 lc rgb '%s' ",
                        block ? ", \\\n     " : "", block, col);
            if (j == 0) {
                sbuf_puts(&cmd, "title \"");
                for (const char *c = lab; *c; c++)
                    sbuf_printf(&cmd, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
                sbuf_puts(&cmd, "\"");
            } else
                sbuf_puts(&cmd, "notitle");
            block++;
        }
        free(lab);
    }
    fprintf(gp, "set logscale y\nset format y '%%.0e'\nset xlabel 'training step'\n"
            "set ylabel 'loss (mean over batch and features)'\nset grid lc rgb '#eeeeee'\n"
            "set key outside right top font ',8'\n");
    if (block == 0 || !any)
        gp_empty_panel(gp, "", "no loss curves were recorded");
    else
        fprintf(gp, "%s\n", cmd.s);
    sbuf_free(&cmd);
    free(runs);
}

static int emit_sweep(struct fig_env *e, const struct plan_output *o, int fig)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int wide = fig == NAMES_FIG_LOSS && g->npoints > 1;
    gp_prelude(&f, wide ? 1100 : 900, 600);
    char *model = gp_model_words(g);
    const char *title = fig == NAMES_FIG_DIMS
        ? "Dimensions per feature m/||W||_F^2 against sparsity, with each feature's D_i"
        : fig == NAMES_FIG_DIMENSIONALITY
        ? "Feature dimensionality D_i = ||W_i||^2 / Σ_j (Ŵ_i·W_j)^2 across the sweep"
        : "Training loss";
    const char *how = fig != NAMES_FIG_LOSS ? fig_repeat_words(g)
        : g->keep_best ? "lowest-loss run per point" : "every repeat, one colour per point";
    /* two lines: what the figure shows, then the model and how repeats are read */
    fputs("set title \"", f.gp.fp);
    gp_puts_quoted(f.gp.fp, title);
    fputs("\\n{/*0.85 ", f.gp.fp);
    gp_puts_quoted(f.gp.fp, model);
    fputs("; ", f.gp.fp);
    gp_puts_quoted(f.gp.fp, how);
    fputs("}\" font ',11'\n", f.gp.fp);
    if (fig == NAMES_FIG_DIMS)
        dims(e, g, &f);
    else if (fig == NAMES_FIG_DIMENSIONALITY)
        dimensionality(e, g, &f);
    else
        loss(e, g, &f);
    free(model);
    return gp_close(e, o, &f);
}

int fig_emit_dims(struct fig_env *e, const struct plan_output *o)
{
    return emit_sweep(e, o, NAMES_FIG_DIMS);
}

int fig_emit_dimensionality(struct fig_env *e, const struct plan_output *o)
{
    return emit_sweep(e, o, NAMES_FIG_DIMENSIONALITY);
}

int fig_emit_loss(struct fig_env *e, const struct plan_output *o)
{
    return emit_sweep(e, o, NAMES_FIG_LOSS);
}
