/* runtime/report/fig_dynamics.c: the dynamics figure, for runs trained with
 * `train snapshots=K`. One panel per grid point shows the kept run's
 * feature dimensionalities D_i (thin lines, coloured by feature) and its
 * loss (thick, on a log scale at the right) against the training step on a
 * log axis, so that jumps of D_i between levels line up with drops of the
 * loss, as in the paper's learning-dynamics figure. */
#include <math.h>
#include <stdlib.h>
#include "fig_impl.h"

/* "step loss D_0 .. D_{n-1}" per snapshot. */
static void dynamics_block(FILE *dat, const struct train_result *r)
{
    for (int j = 0; j < r->nsnap; j++) {
        struct train_result v;
        struct train_metrics mt;
        train_snapshot_view(r, j, &v);
        if (train_metrics_of(&v, &mt) != 0)
            continue;
        fprintf(dat, "%d ", r->snap_step[j]);
        gp_num(dat, r->snap_loss[j]);
        for (int i = 0; i < r->n; i++) {
            fputc(' ', dat);
            gp_num(dat, mt.dim[i]);
        }
        fputc('\n', dat);
        train_metrics_free(&mt);
    }
    fputs("\n\n", dat);
}

static void dynamics_panel(struct fig_env *e, const struct plan_group *g, int p, FILE *gp,
                           FILE *dat, int *block)
{
    char *lab = fig_point_label(e, g, p, " = ");
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_runs(e, g, p, runs, NULL);
    const struct train_result *r = k > 0 ? fig_result(e, runs[0]) : NULL;
    if (!r || r->nsnap <= 0) {
        fprintf(dat, "# point %d (%s): no usable run with snapshots; not drawn\n", p, lab);
        gp_empty_panel(gp, lab, "no snapshots to draw");
    } else {
        fprintf(dat, "# block %d: point %d (%s), run %s\n# step  loss  D_0 .. D_%d\n", *block,
                p, lab, plan_run_id(e->plan, runs[0]).s, g->n - 1);
        dynamics_block(dat, r);
        fputs("set title \"", gp);
        gp_puts_quoted(gp, lab);
        fprintf(gp, "\"\nplot for [c=3:%d] dat index %d using 1:c:(c-3) with lines lw 1 lc "
                "palette, \\\n     '' index %d using 1:2 axes x1y2 with lines lw 2.5 lc rgb "
                "'#000000'\n", g->n + 2, *block, *block);
        (*block)++;
    }
    free(runs);
    free(lab);
}

int fig_emit_dynamics(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    int rows, cols;
    gp_layout(g->npoints, &rows, &cols);
    char *model = gp_model_words(g);
    gp_prelude(&f, 760 * cols, 430 * rows + 60);
    FILE *gp = f.gp.fp;
    fprintf(gp, "set multiplot layout %d,%d title \"Learning dynamics: feature dimensionalities "
            "D_i (colour: feature) and the loss (black, right axis)\\n{/*0.8 ", rows, cols);
    gp_puts_quoted(gp, model);
    fprintf(gp, "; %s}\" font ',12'\n", fig_repeat_words(g));
    fprintf(gp, "set logscale x\nset logscale y2\nset xlabel 'step' font ',9'\n"
            "set ylabel 'D_i' font ',9'\nset y2label 'loss' font ',9'\nset yrange [0:1.1]\n"
            "set autoscale y2fix\n"
            "set ytics nomirror font ',8'\nset y2tics font ',8'\nset xtics font ',8'\n"
            "set palette defined %s\nset cbrange [0:%d]\nunset colorbox\nunset key\n",
            gp_viridis, g->n > 1 ? g->n - 1 : 1);
    gp_dim_guides(gp);
    int block = 0;
    for (int p = 0; p < g->npoints; p++)
        dynamics_panel(e, g, p, gp, f.dat.fp, &block);
    free(model);
    return gp_close(e, o, &f);
}
