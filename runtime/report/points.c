/* runtime/report/points.c: reading runs through a group's grid. Figures,
 * tables and claims all ask which runs of a grid point are usable (trained,
 * not diverged), which one is kept (the lowest loss under `keep best`), and
 * how to name the point. The bottom of the report layer: the values of
 * metrics (values.c), the phase cells and every emitter read points here. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

const struct train_result *fig_result(const struct fig_env *e, int run)
{
    static const struct train_result none;
    if (e->result_of)
        return e->result_of[run] ? e->result_of[run] : &none;
    return e->results ? &e->results[run] : &none;
}

int fig_has_results(const struct fig_env *e)
{
    return e->results || e->result_of;
}

int fig_run_usable(const struct fig_env *e, int run)
{
    if (!fig_has_results(e))
        return 0;
    const struct train_result *r = fig_result(e, run);
    return r->p != NULL && !r->failed;
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
        while (at > 0 && fig_result(e, runs[at - 1])->final_loss > fig_result(e, run)->final_loss) {
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
        fmt_num(num, sizeof num, plan_group_coord(g, p, a), digits);
        sbuf_printf(&b, "%s%s%s%s", a ? ", " : "", g->axes[a].name, sep, num);
    }
    if (g->naxes == 0) {
        fmt_num(num, sizeof num, plan_run_sparsity(e->plan, g->runs[p * g->nrepeat]), digits);
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
        if (!fig_has_results(e) || fig_run_usable(e, run))
            continue;
        const struct train_result *r = fig_result(e, run);
        char *lab = fig_point_label(e, g, i / g->nrepeat, "=");
        struct plan_id id = plan_run_id(e->plan, run);
        if (r->p == NULL)
            diag_report(e->diag, DIAG_WARNING, &o->span, "run %s at %s was not trained; left out",
                        id.s, lab);
        else
            diag_report(e->diag, DIAG_WARNING, &o->span, "run %s at %s diverged (%s); left out",
                        id.s, lab, r->fail_reason && r->fail_reason[0] ? r->fail_reason : "failed");
        free(lab);
    }
}
