/* runtime/exec/xctx.c: one execution of a plan as data: which runs this
 * process owns (all, a shard's slice or an MPI rank's), their identities,
 * which are still needed after the session store, and whether loss curves
 * are kept. The executor's jobs (cache, training, MPI, runs.jsonl) read it. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "exec_int.h"
#include "names.h"
#include "shard.h"
#include "util.h"

int exec_owns(const struct xctx *x, int i)
{
    return shard_owns(i, x->index, x->count);
}

/* Curves cost ~1 KB a run: keep them when a figure draws them, or when the
 * plan is small enough that runs.jsonl may as well carry them. */
static int plan_keeps_curves(const struct plan *p)
{
    if (p->nruns <= 10000)
        return 1;
    for (int i = 0; i < p->noutputs; i++)
        if (p->outputs[i].kind == PLAN_PLOT && names_figures[p->outputs[i].figure_id].needs_curves)
            return 1;
    return 0;
}

void exec_xctx_init(struct xctx *x, struct exec_store *s, const struct plan *p, struct diag *d,
                     const struct exec_options *o)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    x->p = p;
    x->d = d;
    x->o = o;
    x->runs_dir = xasprintf("%s/runs", o->outdir);
    x->keep_curve = plan_keeps_curves(p);
    x->index = 1;
    x->count = 1;
    if (o->nranks > 1) {
        x->index = o->rank + 1;
        x->count = o->nranks;
    } else if (o->shard_count > 1) {
        x->index = o->shard_index;
        x->count = o->shard_count;
    }
    /* the plan's runs at most: a store that doubles would hold twice that */
    store_reserve(s, store_count(s) + p->nruns);
    size_t n = (size_t)(p->nruns ? p->nruns : 1);
    x->ids = xcalloc(n, sizeof *x->ids);
    x->need = xcalloc(n, 1);
    for (int i = 0; i < p->nruns; i++) {
        x->ids[i] = plan_run_idhash(p, i);
        if (!exec_owns(x, i))
            continue;
        x->nowned++;
        const struct store_rec *r = store_find(s, p->runs[i].key);
        x->need[i] = o->force || !r || (x->keep_curve && r->curve_dropped);
        x->reused += !x->need[i];
    }
}

void exec_xctx_free(struct xctx *x)
{
    free(x->runs_dir);
    free(x->ids);
    free(x->need);
}

int exec_count_need(const struct xctx *x)
{
    int k = 0;
    for (int i = 0; i < x->p->nruns; i++)
        k += x->need[i];
    return k;
}
