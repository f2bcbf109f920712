/* runtime/report/fig_sae.c: the sparse-autoencoder figures.
 * recovery: MMCS, matched cosine, the share of true directions recovered
 * and the share of dead latents along the grid's first sweep axis (the L1
 * coefficient or the dictionary size, typically), one value per point as a
 * table reads it. sae2d: for m=2, each point's decoder directions drawn over
 * the true directions (the model's represented features, or the synthetic
 * ones), so one sees which features the latents found. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"
#include "sae.h"

static void fig_sae_title(FILE *gp, const struct plan_group *g, const char *what)
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

int fig_emit_recovery(struct fig_env *e, const struct plan_output *o)
{
    static const int cols[] = {NAMES_M_MMCS, NAMES_M_MATCHED_COS, NAMES_M_RECOVERED,
                               NAMES_M_DEAD_LATENTS};
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    gp_prelude(&f, 900, 600);
    fig_sae_title(f.gp.fp, g, "SAE recovery of the true directions, and dead latents");
    const char *xname = g->naxes ? g->axes[0].name : "point";
    double lo = INFINITY, hi = -INFINITY;
    fputs("# x mmcs matched_cos recovered dead_share\n", f.dat.fp);
    for (int p = 0; p < g->npoints; p++) {
        double x = g->naxes ? plan_group_coord(g, p, 0) : p;
        lo = fmin(lo, x), hi = fmax(hi, x);
        gp_num(f.dat.fp, x);
        for (int c = 0; c < 4; c++) {
            double v = NAN;
            fig_point_value(e, o->group, p, cols[c], 0, &v);
            if (c == 3)
                v = g->n > 0 ? v / g->n : NAN;
            fputc(' ', f.dat.fp);
            gp_num(f.dat.fp, v);
        }
        fputc('\n', f.dat.fp);
    }
    if (lo > 0 && hi / lo >= 10)
        fputs("set logscale x\n", f.gp.fp);
    fprintf(f.gp.fp, "set xlabel '%s'\nset ylabel 'cosine / share'\nset yrange [-0.02:1.05]\n"
            "set key bottom right\nset grid\n", xname);
    fprintf(f.gp.fp, "plot '%s' u 1:2 w lp t 'MMCS', '' u 1:3 w lp t 'matched cosine', "
            "'' u 1:4 w lp t 'recovered (cos >= 0.9)', '' u 1:5 w lp t 'dead latents / latents'\n",
            f.dat_path);
    return gp_close(e, o, &f);
}

/* Rows of a d=2 matrix as arrows "0 0 x y" into dat, one block. */
static void fig_sae_arrows(FILE *dat, const float *rows, int n, const unsigned char *keep)
{
    for (int i = 0; i < n; i++)
        if (!keep || keep[i])
            fprintf(dat, "0 0 %.6g %.6g %d\n", rows[2 * i], rows[2 * i + 1], i);
    fputs("\n\n", dat);
}

int fig_emit_sae2d(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int rows, cols, *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat), block = 0;
    gp_layout(g->npoints, &rows, &cols);
    gp_prelude(&f, 320 * cols, 320 * rows + 40);
    fprintf(f.gp.fp, "set multiplot layout %d,%d title 'SAE decoder directions (red) over the "
            "true directions (grey)'\nset size ratio -1\nunset key\nset xrange [-1.6:1.6]\n"
            "set yrange [-1.6:1.6]\n", rows, cols);
    for (int p = 0; p < g->npoints; p++) {
        char *label = fig_point_label(e, g, p, " = ");
        struct sae_source src;
        const struct plan_run *pr = NULL;
        if (fig_point_kept(e, g, p, runs) > 0) {
            struct train_spec sp, base;
            pr = &e->plan->runs[runs[0]];
            plan_run_spec(e->plan, runs[0], &sp, &base);
            const float *bp = pr->base >= 0 && fig_run_usable(e, pr->base)
                                  ? fig_result(e, pr->base)->p : NULL;
            if (sae_source_init(&src, &sp, bp) != 0 || src.d != 2)
                pr = NULL;
        }
        if (!pr) {
            gp_empty_panel(f.gp.fp, label, "no usable SAE run");
            free(label);
            continue;
        }
        fig_sae_arrows(f.dat.fp, src.map, src.nfeat, src.truth);
        fig_sae_arrows(f.dat.fp, train_tensor(fig_result(e, runs[0]), "W_dec", NULL, NULL),
                       g->n, NULL);
        fputs("set title \"", f.gp.fp);
        gp_puts_quoted(f.gp.fp, label);
        fprintf(f.gp.fp, "\"\nplot '%s' index %d u 1:2:3:4 w vectors lw 3 lc rgb '#999999', "
                "'' index %d u 1:2:3:4 w vectors lw 1.5 lc rgb '#d62728'\n", f.dat_path,
                block, block + 1);
        block += 2;
        sae_source_free(&src);
        free(label);
    }
    fputs("unset multiplot\n", f.gp.fp);
    free(runs);
    return gp_close(e, o, &f);
}
