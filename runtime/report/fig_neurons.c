/* runtime/report/fig_neurons.c: the neurons figure, for models with a
 * hidden ReLU layer (relu-hidden, untied). One panel per grid point shows
 * the kept (lowest-loss) run's neurons as bars: neuron k's bar stacks the
 * weights by which features excite it (train_neuron_excite: W_ik > 0 for
 * the tied kinds, |W1_ki| for the untied one), each segment coloured by its feature, as the
 * paper draws the privileged-basis and absolute-value models. Neurons are
 * ordered by their strongest feature (the most important first), so that
 * monosemantic neurons read as a staircase of single colours. For the
 * untied kind each neuron is rescaled so its largest |W1| entry is 1 (the
 * paper's footnote: the decoder absorbs the scale). */
#include <math.h>
#include <stdlib.h>
#include "fig_impl.h"
#include "neurons.h"

static const struct train_neurons *sort_nr;
/* Live before dead, then by strongest feature, then by its share. */
static int neuron_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    const struct train_neurons *n = sort_nr;
    if (n->live[x] != n->live[y])
        return n->live[y] - n->live[x];
    if (n->top[x] != n->top[y])
        return n->top[x] - n->top[y];
    return n->share[x] < n->share[y] ? 1 : n->share[x] > n->share[y] ? -1 : x - y;
}

/* Block of one panel: "position bottom top feature neuron" per segment. */
static double neuron_block(FILE *dat, const struct train_result *r, const struct train_neurons *nr)
{
    int *order = xmalloc(sizeof(int) * (size_t)r->m);
    for (int k = 0; k < r->m; k++)
        order[k] = k;
    sort_nr = nr;    /* emitters run on one thread */
    qsort(order, (size_t)r->m, sizeof(int), neuron_cmp);
    const float *D = train_dirs(r);
    double top = 0;
    for (int pos = 0; pos < r->m; pos++) {
        int k = order[pos];
        double h = 0;
        for (int i = 0; i < r->n; i++) {
            double w = train_neuron_excite(r, train_neuron_weight(r, D, i, k));
            if (w < 1e-3)
                continue;   /* invisible at any scale the figure uses */
            fprintf(dat, "%d ", pos);
            gp_num(dat, h);
            fputc(' ', dat);
            gp_num(dat, h + w);
            fprintf(dat, " %d %d\n", i, k);
            h += w;
        }
        top = fmax(top, h);
    }
    free(order);
    return top;
}

static void neuron_panel(struct fig_env *e, const struct plan_group *g, int p, FILE *gp,
                         FILE *dat, int *block)
{
    char *lab = fig_point_label(e, g, p, " = ");
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_runs(e, g, p, runs, NULL);
    struct train_neurons nr;
    if (k <= 0 || train_neurons_of(fig_result(e, runs[0]), &nr) != 0) {
        fprintf(dat, "# point %d (%s): no usable run; not drawn\n", p, lab);
        gp_empty_panel(gp, lab, "run diverged: nothing to draw");
    } else {
        const struct train_result *r = fig_result(e, runs[0]);
        fprintf(dat, "# block %d: point %d (%s), run %s\n# position  bottom  top  feature  "
                "neuron\n", *block, p, lab, plan_run_id(e->plan, runs[0]).s);
        double top = neuron_block(dat, r, &nr);
        fputs("\n\n", dat);
        fprintf(gp, "set title \"");
        gp_puts_quoted(gp, lab);
        /* white borders separate a few segments; many thin ones they would hide */
        fprintf(gp, " (%.0f monosemantic)\"\nset yrange [0:%.4f]\nplot dat index %d using "
                "1:(($2+$3)/2):($1-0.4):($1+0.4):2:3:4 with boxxyerror fs solid 1 %s fc "
                "palette\n", fig_monosemantic(r), 1.05 * fmax(top, 1e-3), *block,
                r->n <= 20 ? "border lc rgb '#ffffff'" : "noborder");
        (*block)++;
        train_neurons_free(&nr);
    }
    free(runs);
    free(lab);
}

int fig_emit_neurons(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    struct gp_files f;
    if (gp_open(e, o, &f) != 0)
        return -1;
    /* a few neurons: panels side by side; many: one wide row per point */
    int cols = g->m <= 10 ? (g->npoints < 4 ? g->npoints : 4) : 1;
    int rows = (g->npoints + cols - 1) / cols;
    int w = g->m <= 10 ? 300 * cols + 120 : 1000, h = (g->m <= 10 ? 300 : 190) * rows + 90;
    char *model = gp_model_words(g);
    gp_prelude(&f, w, h);
    FILE *gp = f.gp.fp;
    fprintf(gp, "set multiplot layout %d,%d title \"Neurons: the weights exciting each neuron, "
            "stacked and coloured by feature\\n{/*0.8 ", rows, cols);
    gp_puts_quoted(gp, model);
    fprintf(gp, "; neurons sorted by their strongest feature%s; %s}\" font ',12'\n",
            g->kind && !(g->kind->caps & MODEL_CAP_TIED) ? ", each scaled to max |W1| = 1" : "",
            fig_repeat_words(g));
    fprintf(gp, "set palette defined %s\nset cbrange [0:%d]\nset cblabel 'feature i' font ',8'\n"
            "set xrange [-0.6:%d.6]\nset xtics 1 font ',7'\nset ytics font ',8'\nunset key\n"
            "set xlabel 'neuron (sorted)' font ',8'\n", gp_viridis, g->n > 1 ? g->n - 1 : 1,
            g->m - 1);
    if (g->m > 10)
        fprintf(gp, "set xtics 5\n");
    int block = 0;
    for (int p = 0; p < g->npoints; p++)
        neuron_panel(e, g, p, gp, f.dat.fp, &block);
    free(model);
    return gp_close(e, o, &f);
}
