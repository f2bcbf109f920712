/* runtime/report/fig_panels.c: the figures with one panel per grid point (features2d,
 * wtw, norms) and the terminal preview. A panel shows
 * the weights of one run, so with repeats it shows the lowest-loss run (the
 * kept one under keep best); averaging signed weights would mean nothing.
 * Points whose runs all diverged get an empty panel saying so. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

/* The last panel carries the colour bar, placed in the spare room to its
 * right so that it does not shrink that panel below the size of the others. */
#define LAST_COLORBOX "set colorbox user origin graph 1.06, graph 0 size graph 0.05, graph 1"

/* The run shown at point p, or -1 when none is usable. */
static int shown_run(const struct fig_env *e, const struct plan_group *g, int p)
{
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_runs(e, g, p, runs, NULL);
    int r = k > 0 ? runs[0] : -1;
    free(runs);
    return r;
}

/* The run drawn in panel p and its title (*lab, the caller frees it); when
 * the point has no usable run, an empty panel says so and -1 comes back. */
static int panel_run(struct fig_env *e, const struct plan_group *g, int p, FILE *gp, FILE *dat,
                     char **lab)
{
    *lab = fig_point_label(e, g, p, " = ");
    int run = shown_run(e, g, p);
    if (run < 0) {
        fprintf(dat, "# point %d (%s): no usable run (diverged or not trained); not drawn\n", p, *lab);
        gp_empty_panel(gp, *lab, "run diverged: nothing to draw");
        free(*lab);
        *lab = NULL;
    }
    return run;
}

static double wnorm(const float *w, int m)
{
    double s = 0;
    for (int k = 0; k < m; k++)
        s += (double)w[k] * w[k];
    return sqrt(s);
}

/* Title on two lines: what the figure is, then the model and reading notes. */
/* The page: a grid of panels with fixed gaps (in pixels of a W x H canvas)
 * for tic labels and panel titles, and a strip on the right for the colour
 * bar, so that every panel is the same size. */
static void multiplot(FILE *fp, const char *what, const char *details, int rows, int cols,
                      int W, int H, int xgap, int top)
{
    fprintf(fp, "set multiplot layout %d,%d margins %.4f,%.4f,%.4f,%.4f spacing %.4f,%.4f title \"",
            rows, cols, (xgap - 10.0) / W, 1 - 95.0 / W, 45.0 / H, 1 - (double)top / H,
            (double)xgap / W, 75.0 / H);
    gp_puts_quoted(fp, what);
    fputs("\\n{/*0.8 ", fp);
    gp_puts_quoted(fp, details);
    fputs("}\" font ',12'\n", fp);
}

static void panel_title(FILE *fp, const char *label)
{
    fputs("set title \"", fp);
    gp_puts_quoted(fp, label);
    fputs("\"\n", fp);
}

/* features2d: arrows from the origin, coloured by importance. */
static void features2d(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    double lim = 1.2, imin = INFINITY, imax = -INFINITY;
    for (int p = 0; p < g->npoints; p++) {
        int run = shown_run(e, g, p);
        if (run < 0)
            continue;
        for (int i = 0; i < g->n; i++) {
            double nv = wnorm(train_dirs(fig_result(e, run)) + i * g->m, g->m);
            double imp = plan_run_importance(e->plan, run)[i];
            lim = fmax(lim, 1.15 * nv);
            imin = fmin(imin, imp);
            imax = fmax(imax, imp);
        }
    }
    if (!(imax > imin))
        imax = imin + 1;
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    fprintf(gp, "set size ratio -1\nset xrange [%.4f:%.4f]\nset yrange [%.4f:%.4f]\n"
            "set palette defined %s\nset cbrange [%.6g:%.6g]\nset cblabel 'importance I_i'\n"
            "set xzeroaxis lc rgb '#aaaaaa'; set yzeroaxis lc rgb '#aaaaaa'\n"
            "set tics font ',8'\nunset key\n", -lim, lim, -lim, lim, gp_viridis, imin, imax);
    int block = 0;
    for (int p = 0; p < g->npoints; p++) {
        char *lab;
        int run = panel_run(e, g, p, gp, dat, &lab);
        if (run < 0)
            continue;
        fprintf(dat, "# block %d: point %d (%s), run %s\n# feature  W_i[0]  W_i[1]  importance  norm\n",
                block, p, lab, plan_run_id(e->plan, run).s);
        for (int i = 0; i < g->n; i++) {
            const float *w = train_dirs(fig_result(e, run)) + i * g->m;
            fprintf(dat, "%d ", i);
            gp_num(dat, w[0]);
            fputc(' ', dat);
            gp_num(dat, g->m > 1 ? w[1] : 0.0);
            fputc(' ', dat);
            gp_num(dat, plan_run_importance(e->plan, run)[i]);
            fputc(' ', dat);
            gp_num(dat, wnorm(w, g->m));
            fputc('\n', dat);
        }
        fputs("\n\n", dat);
        panel_title(gp, lab);
        /* features of norm < 0.1 are unrepresented: their labels would pile
         * up at the origin, so they are left unlabelled */
        fprintf(gp, "set border; set tics; %s\n"
                "plot dat index %d using (0):(0):2:3:4 with vectors head filled size graph 0.03,20 "
                "lw 2 lc palette, \\\n     '' index %d using 2:3:($5 >= 0.1 ? sprintf('%%d', $1) : '') with labels "
                "offset char 0.7,0.7 font ',8'\n",
                p == g->npoints - 1 ? LAST_COLORBOX : "unset colorbox", block, block);
        block++;
        free(lab);
    }
}

/* wtw: the n x n matrix of W_i . W_j, with the bias as a column at x = n+1. */
static void wtw(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    int n = g->n, m = g->m, step = n <= 20 ? (n <= 10 ? 1 : 2) : (n + 9) / 10;
    fprintf(gp, "set size ratio -1\nset xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n"
            "set palette defined (-1 '#3b4cc0', 0 '#f7f7f7', 1 '#b40426')\nset cbrange [-1:1]\n"
            "set cblabel 'W_i·W_j  (bias b_i in column b)'\nset xtics 0,%d,%d font ',8'\n"
            "set xtics add ('b' %d)\nset ytics 0,%d,%d font ',8'\nunset key\nunset arrow\n",
            n + 1, n - 1, step, n - 1, n + 1, step, n - 1);
    if (m < n)
        fprintf(gp, "set arrow from %d.5, -0.5 to %d.5, %d.5 nohead front lc rgb '#000000'\n"
                "set arrow from -0.5, %d.5 to %d.5, %d.5 nohead front lc rgb '#000000'\n",
                m - 1, m - 1, n - 1, m - 1, n - 1, m - 1);
    int block = 0;
    for (int p = 0; p < g->npoints; p++) {
        char *lab;
        int run = panel_run(e, g, p, gp, dat, &lab);
        if (run < 0)
            continue;
        const struct train_result *r = fig_result(e, run);
        const float *W = train_dirs(r), *bias = train_tensor(r, "b", NULL, NULL);
        fprintf(dat, "# block %d: point %d (%s), run %s: W_i . W_j, row i, column j\n",
                block, p, lab, plan_run_id(e->plan, run).s);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < m; k++)
                    s += (double)W[i * m + k] * W[j * m + k];
                if (j)
                    fputc(' ', dat);
                gp_num(dat, s);
            }
            fputc('\n', dat);
        }
        fprintf(dat, "\n\n# block %d: point %d bias: feature b_i\n", block + 1, p);
        for (int i = 0; i < n; i++) {
            fprintf(dat, "%d ", i);
            gp_num(dat, bias[i]);
            fputc('\n', dat);
        }
        fputs("\n\n", dat);
        panel_title(gp, lab);
        fprintf(gp, "set border; set tics; %s\nplot dat index %d matrix with image, \\\n"
                "     '' index %d using (%d):1:(0.5):(0.5):2 with boxxyerror fs solid 1 noborder fc palette\n",
                p == g->npoints - 1 ? LAST_COLORBOX : "unset colorbox", block, block + 1, n + 1);
        block += 2;
        free(lab);
    }
}

/* norms: bars of ||W_i|| coloured by superposition (represented features only:
 * for a feature near zero its direction is noise). */
static void norms(struct fig_env *e, const struct plan_group *g, struct gp_files *f)
{
    FILE *gp = f->gp.fp, *dat = f->dat.fp;
    int n = g->n, step = n <= 20 ? (n <= 10 ? 1 : 2) : (n + 9) / 10;
    double top = 1.2;
    for (int p = 0; p < g->npoints; p++) {
        int run = shown_run(e, g, p);
        for (int i = 0; run >= 0 && i < n; i++)
            top = fmax(top, 1.1 * wnorm(train_dirs(fig_result(e, run)) + i * g->m, g->m));
    }
    fprintf(gp, "set xrange [-0.5:%d.5]\nset yrange [0:%.3f]\nset palette defined %s\n"
            "set cbrange [0:1]\nset cblabel 'superposition Σ_{j≠i}(Ŵ_i·W_j)^2'\n"
            "set boxwidth 0.8\nset style fill solid 1 border lc rgb '#333333'\n"
            "set xtics %d font ',8'\nset ytics font ',8'\nset xlabel 'feature i' font ',8'\n"
            "set ylabel '||W_i||' font ',8'\nset arrow from -0.5, 0.5 to %d.5, 0.5 nohead dt 3 "
            "lc rgb '#999999'\nunset key\n", n - 1, top, gp_viridis, step, n - 1);
    int block = 0;
    for (int p = 0; p < g->npoints; p++) {
        char *lab;
        int run = panel_run(e, g, p, gp, dat, &lab);
        if (run < 0)
            continue;
        struct train_metrics mt;
        if (train_metrics_of(fig_result(e, run), &mt) != 0) {
            free(lab);
            continue;
        }
        fprintf(dat, "# block %d: point %d (%s), run %s\n# feature  norm  superposition  "
                "colour (superposition if norm >= 0.5, else 0)\n", block, p, lab, plan_run_id(e->plan, run).s);
        for (int i = 0; i < n; i++) {
            fprintf(dat, "%d ", i);
            gp_num(dat, mt.norm[i]);
            fputc(' ', dat);
            gp_num(dat, mt.superpos[i]);
            fputc(' ', dat);
            gp_num(dat, mt.norm[i] >= FIG_REPR_NORM ? fmin(mt.superpos[i], 1.0) : 0.0);
            fputc('\n', dat);
        }
        fputs("\n\n", dat);
        train_metrics_free(&mt);
        panel_title(gp, lab);
        fprintf(gp, "set border; set tics; %s\nplot dat index %d using 1:2:4 with boxes lc palette\n",
                p == g->npoints - 1 ? LAST_COLORBOX : "unset colorbox", block);
        block++;
        free(lab);
    }
}

static int emit_panels(struct fig_env *e, const struct plan_output *o, int fig)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    if (fig == NAMES_FIG_FEATURES2D && g->m > 2) {
        diag_error(e->diag, &o->span, "figure 'features2d' draws 2-d embeddings, but this model "
                   "has m=%d (use wtw or norms)", g->m);
        return -1;
    }
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int rows, cols;
    gp_layout(g->npoints, &rows, &cols);
    int side = fig == NAMES_FIG_NORMS ? 280 : 320;
    int w = cols * side, h = rows * (fig == NAMES_FIG_NORMS ? 235 : side) + 60;
    char *model = gp_model_words(g), *details;
    const char *what;
    if (fig == NAMES_FIG_FEATURES2D) {
        what = "Features as directions W_i in the hidden space";
        details = xasprintf("%s; colour = importance I_i; %s", model, fig_repeat_words(g));
    } else if (fig == NAMES_FIG_WTW) {
        what = "W^TW: overlaps W_i·W_j of features ordered by importance, and the bias b";
        details = xasprintf("%s; blue -1, white 0, red +1; lines after feature m-1; %s", model,
                            fig_repeat_words(g));
    } else {
        what = "Feature norms ||W_i|| coloured by superposition";
        details = xasprintf("%s; dark = orthogonal to the others, bright = shared (>= 1); "
                            "dotted: 0.5 = represented; %s", model, fig_repeat_words(g));
    }
    int text_w = 7 * (int)strlen(details);   /* keep the subtitle on the canvas */
    w = w > text_w ? w : text_w;
    w = w < 720 ? 720 : w > 3200 ? 3200 : w;
    gp_prelude(&f, w, h + 30);
    int bars = fig == NAMES_FIG_NORMS;   /* these panels carry a y label too */
    multiplot(f.gp.fp, what, details, rows, cols, w, h + 30, bars ? 80 : 60, bars ? 95 : 80);
    if (fig == NAMES_FIG_FEATURES2D)
        features2d(e, g, &f);
    else if (fig == NAMES_FIG_WTW)
        wtw(e, g, &f);
    else
        norms(e, g, &f);
    free(details);
    free(model);
    return gp_close(e, o, &f);
}

int fig_emit_features2d(struct fig_env *e, const struct plan_output *o)
{
    return emit_panels(e, o, NAMES_FIG_FEATURES2D);
}

int fig_emit_wtw(struct fig_env *e, const struct plan_output *o)
{
    return emit_panels(e, o, NAMES_FIG_WTW);
}

int fig_emit_norms(struct fig_env *e, const struct plan_output *o)
{
    return emit_panels(e, o, NAMES_FIG_NORMS);
}

/* The preview: per point the headline metrics, and for wtw a character map
 * of W^TW ('#' > 0.5, '+' > 0.1, '-' < -0.1, '=' < -0.5). */
static void preview_wtw(const struct train_result *r, FILE *out)
{
    const float *W = train_dirs(r), *bias = train_tensor(r, "b", NULL, NULL);
    for (int i = 0; i < r->n && i < 40; i++) {
        fputs("    ", out);
        for (int j = 0; j < r->n && j < 40; j++) {
            double s = 0;
            for (int k = 0; k < r->m; k++)
                s += (double)W[i * r->m + k] * W[j * r->m + k];
            fputc(s > 0.5 ? '#' : s > 0.1 ? '+' : s < -0.5 ? '=' : s < -0.1 ? '-' : '.', out);
        }
        fprintf(out, "  b=%+.2f\n", bias[i]);
    }
}

int fig_preview(struct fig_env *e, const struct plan_output *o, FILE *out)
{
    if (o->group < 0 || o->group >= e->plan->ngroups)
        return -1;
    const struct plan_group *g = &e->plan->groups[o->group];
    char *model = gp_model_words(g);
    fprintf(out, "%s: %s (%s)\n", o->figure ? o->figure : o->stem, model, fig_repeat_words(g));
    free(model);
    gp_preview(e, o, out);
    if (!fig_has_results(e)) {   /* nothing in memory: point at the files instead */
        fprintf(out, "  see %s/%s.gp and %s.dat\n", e->outdir ? e->outdir : ".", o->stem, o->stem);
        return 0;
    }
    for (int p = 0; p < g->npoints; p++) {
        char *lab = fig_point_label(e, g, p, "=");
        double v[5];
        static const int ms[5] = { NAMES_M_REPRESENTED, NAMES_M_SUPERPOSED, NAMES_M_FROB2,
                                   NAMES_M_DIMS_PER_FEATURE, NAMES_M_LOSS };
        int okv = 1;
        for (int k = 0; k < 5; k++)
            okv = okv && fig_point_value(e, o->group, p, ms[k], 0, &v[k]) == 0;
        if (okv)
            fprintf(out, "  %-28s represented %-5.4g superposed %-5.4g frob2 %-7.4g m/frob2 %-7.4g loss %.4g\n",
                    lab, v[0], v[1], v[2], v[3], v[4]);
        else
            fprintf(out, "  %-28s no usable run (diverged or not trained)\n", lab);
        int run = shown_run(e, g, p);
        if (run >= 0 && o->kind == PLAN_PLOT && o->figure_id == NAMES_FIG_WTW)
            preview_wtw(fig_result(e, run), out);
        free(lab);
    }
    return 0;
}
