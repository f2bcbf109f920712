/* runtime/report/fig_data.c: reading results through a group's grid. Figures,
 * tables and expect all ask the same questions: which runs of a grid point
 * are usable (trained, not diverged), which one is kept (the lowest loss under
 * `keep best`), what a metric is there (the kept run's value, or the mean over
 * repeats of a sign-invariant quantity), and how to name the point. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"
#include "model.h"

static const char *const fig_metric_names[] = {
    "represented", "superposed", "dedicated", "loss", "frob2", "dims_per_feature",
    "sum_dims", "negative_biases", "phase_agreement", "norm", "bias",
    "superposition", "dim", NULL
};

int fig_metric_lookup(const char *name)
{
    for (int i = 0; fig_metric_names[i]; i++)
        if (strcmp(fig_metric_names[i], name) == 0)
            return i;
    return -1;
}

int fig_metric_takes_index(int metric)
{
    return metric >= FM_NORM && metric <= FM_DIM;
}

const char *fig_kind_name(const struct model_kind *k)
{
    return k ? k->name : "?";
}

int fig_run_usable(const struct fig_env *e, int run)
{
    if (!e->results)
        return 0;
    const struct train_result *r = &e->results[run];
    return r->p != NULL && !r->failed;
}

static double count_features(const struct train_metrics *mt, int metric)
{
    int c = 0;
    for (int i = 0; i < mt->n; i++) {
        int repr = mt->norm[i] >= FIG_REPR_NORM;
        int sup = mt->superpos[i] >= FIG_SUPERPOS_CUT;
        c += metric == FM_REPRESENTED ? repr : metric == FM_SUPERPOSED ? repr && sup : repr && !sup;
    }
    return c;
}

static double metric_of(const struct train_result *r, const struct train_metrics *mt,
                        int metric, int idx)
{
    double s = 0;
    switch (metric) {
    case FM_REPRESENTED: case FM_SUPERPOSED: case FM_DEDICATED:
        return count_features(mt, metric);
    case FM_LOSS: return r->final_loss;
    case FM_FROB2: return mt->frob2;
    case FM_DIMS_PER_FEATURE: return mt->frob2 > 0 ? mt->m / mt->frob2 : INFINITY;
    case FM_SUM_DIMS:
        for (int i = 0; i < mt->n; i++)
            s += mt->dim[i];
        return s;
    case FM_NEGATIVE_BIASES:
        for (int i = 0; i < mt->n; i++)
            s += train_tensor(r, "b", NULL, NULL)[i] < FIG_NEG_BIAS;
        return s;
    case FM_NORM: return mt->norm[idx];
    case FM_BIAS: return train_tensor(r, "b", NULL, NULL)[idx];
    case FM_SUPERPOSITION: return mt->superpos[idx];
    case FM_DIM: return mt->dim[idx];
    }
    return NAN;
}

int fig_run_metric(const struct fig_env *e, int run, int metric, int idx, double *out)
{
    const struct train_result *r = &e->results[run];
    if (!fig_run_usable(e, run) || metric < 0 || metric >= FM_COUNT || metric == FM_PHASE_AGREEMENT)
        return -1;
    if (fig_metric_takes_index(metric) && (idx < 0 || idx >= r->n))
        return -1;
    if (metric == FM_LOSS || metric == FM_BIAS || metric == FM_NEGATIVE_BIASES) {
        struct train_metrics none = { .n = r->n, .m = r->m };
        *out = metric_of(r, &none, metric, idx);
        return 0;
    }
    struct train_metrics mt;
    if (train_metrics_of(r, &mt) != 0)
        return -1;
    *out = metric_of(r, &mt, metric, idx);
    train_metrics_free(&mt);
    return 0;
}

int fig_point_runs(const struct fig_env *e, const struct plan_group *g, int p, int *runs, int *nbad)
{
    int k = 0, bad = 0;
    for (int j = 0; j < g->nrepeat; j++) {
        int run = g->runs[p * g->nrepeat + j];
        if (!fig_run_usable(e, run)) {
            bad++;
            continue;
        }
        /* insertion by loss keeps the order stable for equal losses */
        int at = k;
        while (at > 0 && e->results[runs[at - 1]].final_loss > e->results[run].final_loss) {
            runs[at] = runs[at - 1];
            at--;
        }
        runs[at] = run;
        k++;
    }
    if (nbad)
        *nbad = bad;
    return k;
}

int fig_point_kept(const struct fig_env *e, const struct plan_group *g, int p, int *runs)
{
    int k = fig_point_runs(e, g, p, runs, NULL);
    return g->keep_best && k > 1 ? 1 : k;
}

int fig_point_value(const struct fig_env *e, int group, int p, int metric, int idx, double *out)
{
    const struct plan_group *g = &e->plan->groups[group];
    if (metric == FM_PHASE_AGREEMENT) {
        struct fig_cell *cells = xcalloc((size_t)g->npoints, sizeof *cells);
        const char *why;
        int rc = fig_phase_cells(e, g, cells, &why);
        if (rc == 0 && cells[p].cls >= 0)
            *out = cells[p].cls == cells[p].theory;
        else
            rc = -1;
        free(cells);
        return rc;
    }
    int *runs = xmalloc(sizeof(int) * (size_t)g->nrepeat);
    int k = fig_point_kept(e, g, p, runs);
    double sum = 0;
    int rc = k > 0 ? 0 : -1;
    for (int j = 0; j < k && rc == 0; j++) {
        double v;
        rc = fig_run_metric(e, runs[j], metric, idx, &v);
        sum += v;
    }
    free(runs);
    if (rc == 0)
        *out = sum / k;
    return rc;
}

static void fmt_num(char *buf, size_t size, double v, int digits)
{
    snprintf(buf, size, "%.*g", digits, v);
    for (char *c = buf; *c; c++)   /* data never depends on the locale */
        if (*c == ',')
            *c = '.';
}

char *fig_point_label(const struct fig_env *e, const struct plan_group *g, int p, const char *sep)
{
    struct sbuf b;
    char num[64];
    /* titles (" = ") read at a glance with 3 significant digits; messages
     * ("=") keep 6 to tell neighbouring points apart */
    int digits = strcmp(sep, " = ") == 0 ? 3 : 6;
    sbuf_init(&b);
    sbuf_puts(&b, "");
    for (int a = 0; a < g->naxes; a++) {
        fmt_num(num, sizeof num, g->coords[p * g->naxes + a], digits);
        sbuf_printf(&b, "%s%s%s%s", a ? ", " : "", g->axes[a].name, sep, num);
    }
    if (g->naxes == 0) {
        fmt_num(num, sizeof num, e->plan->runs[g->runs[p * g->nrepeat]].sparsity, digits);
        sbuf_printf(&b, "sparsity%s%s", sep, num);
    }
    return b.s;
}

const char *fig_repeat_words(const struct plan_group *g)
{
    if (g->nrepeat <= 1)
        return "one run per point";
    return g->keep_best ? "lowest-loss run of the repeats per point"
                        : "mean over the repeats per point";
}

void fig_report_bad(struct fig_env *e, const struct plan_output *o)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    for (int i = 0; i < g->npoints * g->nrepeat; i++) {
        int run = g->runs[i];
        if (!e->results || fig_run_usable(e, run))
            continue;
        const struct train_result *r = &e->results[run];
        char *lab = fig_point_label(e, g, i / g->nrepeat, "=");
        if (r->p == NULL)
            diag_report(e->diag, DIAG_WARNING, &o->span, "run %s at %s was not trained; left out",
                        e->plan->runs[run].id, lab);
        else
            diag_report(e->diag, DIAG_WARNING, &o->span, "run %s at %s diverged (%s); left out",
                        e->plan->runs[run].id, lab, r->fail_reason[0] ? r->fail_reason : "failed");
        free(lab);
    }
}

void gp_num(FILE *fp, double v)
{
    char buf[64];
    if (isnan(v)) {
        fputs("NaN", fp);
        return;
    }
    snprintf(buf, sizeof buf, "%.9g", v);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
    fputs(buf, fp);
}
