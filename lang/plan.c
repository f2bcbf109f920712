/* lang/plan.c: from checked settings to the plan.
 * Each output statement expands the current grid (axes x repeats) into
 * resolved runs. A run's key hashes a canonical text of every resolved
 * setting, so equal settings anywhere in a program are one run and a run's
 * seed depends on nothing but its settings. Runs are stored as shared
 * pieces (plan_run.c), so that planning costs a few words per run. Outputs
 * with the same grid share a group; runs with the same model shape and
 * recipe form a training batch. plan_print gives the deterministic
 * --dry-run summary. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "front_int.h"
#include "hmap.h"
#include "sae.h"
#include "util.h"

struct plan_builder {
    struct plan p;
    int cap_runs, cap_groups, cap_outputs, cap_spans;
    struct hmap index;    /* run key -> run index */
    struct plan_intern in; /* templates and arrays by value */
    struct plan_key_memo memo; /* the hash of the text the previous run began with */
    struct hmap stems;    /* hash of an output stem -> output index (stems are unique) */
    struct hmap groups;   /* hash of a group's contents -> group index */
    int last_group;       /* the group the previous output got, and the */
    unsigned last_gen;    /* settings generation it was built from */
    struct front_point base_pt; /* the model of the SAE point being expanded */
    int have_base;
};

struct plan_builder *plan_builder_new(void)
{
    struct plan_builder *pb = xcalloc(1, sizeof *pb);
    hmap_init(&pb->index, 512);
    hmap_init(&pb->stems, 64);
    hmap_init(&pb->groups, 64);
    plan_intern_init(&pb->in);
    pb->memo.tmpl = -1;
    pb->last_group = -1;
    return pb;
}

void plan_builder_free(struct plan_builder *pb)
{
    if (!pb)
        return;
    plan_free(&pb->p);
    hmap_free(&pb->index);
    hmap_free(&pb->stems);
    hmap_free(&pb->groups);
    plan_intern_free(&pb->in);
    free(pb);
}

const struct plan_group *plan_builder_group(struct plan_builder *pb, int g)
{
    return &pb->p.groups[g];
}

int plan_builder_outputs(const struct plan_builder *pb)
{
    return pb->p.noutputs;
}

int plan_builder_read_gen(const struct plan_builder *pb, unsigned gen)
{
    return pb->last_group >= 0 && pb->last_gen == gen;
}

int plan_builder_coord(const struct plan_builder *pb, const struct plan_group *g, int p,
                       const char *name, double *x)
{
    for (int a = 0; a < g->naxes; a++)
        if (strcmp(g->axes[a].name, name) == 0) {
            *x = plan_group_coord(g, p, a);
            return 0;
        }
    const double *dens = plan_run_density(&pb->p, g->runs[(size_t)p * (size_t)g->nrepeat]);
    if (strcmp(name, "sparsity") == 0)
        *x = 1.0 - dens[0];
    else if (strcmp(name, "density") == 0)
        *x = dens[0];
    else
        return -1;
    return 0;
}

int plan_builder_snapshots(struct plan_builder *pb, const struct plan_group *g)
{
    int fewest = -1;
    for (int k = 0; k < g->npoints * g->nrepeat; k++) {
        int s = plan_tmpl_of(&pb->p, g->runs[k])->recipe.snapshots;
        fewest = fewest < 0 || s < fewest ? s : fewest;
    }
    return fewest < 0 ? 0 : fewest;
}

int plan_builder_dataset(struct plan_builder *pb, const struct plan_group *g)
{
    int fewest = -1;
    for (int k = 0; k < g->npoints * g->nrepeat; k++) {
        int s = plan_tmpl_of(&pb->p, g->runs[k])->recipe.dataset;
        fewest = fewest < 0 || s < fewest ? s : fewest;
    }
    return fewest < 0 ? 0 : fewest;
}

/* ---- runs ---- */

static void plan_num(struct sbuf *b, double v)
{
    char buf[40];
    util_fmt_double(buf, sizeof buf, v);
    sbuf_puts(b, buf);
}


/* The index of span in p->spans: runs of one statement share it. */
static int plan_span_of(struct plan_builder *pb, const struct ast_span *span)
{
    struct plan *p = &pb->p;
    if (p->nspans > 0 && !memcmp(&p->spans[p->nspans - 1], span, sizeof *span))
        return p->nspans - 1;
    plan_grow((void **)&p->spans, &pb->cap_spans, p->nspans + 1, sizeof *span);
    p->spans[p->nspans] = *span;
    return p->nspans++;
}

/* Index of the run with these settings, adding it if new. The statement's
 * span goes into the template, which records the first statement asking
 * for its runs (a run found again keeps its own). */
static int plan_run_for(struct plan_builder *pb, const struct front_point *pt, int repeat,
                        const struct ast_span *span, int base)
{
    struct plan *p = &pb->p;
    struct plan_run r = {0};
    r.tmpl = plan_tmpl_intern(p, &pb->in, pt, plan_span_of(pb, span));
    r.imp = plan_vec_intern(p, &pb->in, pt->importance, pt->n);
    r.dens = plan_vec_intern(p, &pb->in, pt->density, pt->n);
    r.seed = plan_seed_intern(p, &pb->in, pt->seed);
    r.repeat = repeat;
    r.base = base;
    r.key = plan_run_key(p, &r, &pb->memo);
    int known = hmap_get_or_put(&pb->index, r.key, p->nruns);
    if (known >= 0)
        return known;
    plan_grow((void **)&p->runs, &pb->cap_runs, p->nruns + 1, sizeof *p->runs);
    p->runs[p->nruns] = r;
    return p->nruns++;
}

/* ---- groups ---- */

static int plan_figure_fits(struct front *f, const struct ast_node *fig,
                            const struct front_point *pt)
{
    char why[128];
    int id = fig ? names_figure_find(fig->name) : -1;
    if (fig && names_figures[id].needs_snapshots && pt->recipe.snapshots <= 0)
        snprintf(why, sizeof why, "'%s' reads weights taken during training: set "
                 "'train snapshots=K;'", fig->name);
    else if (fig && names_figures[id].needs_dataset && pt->recipe.dataset <= 0)
        snprintf(why, sizeof why, "'%s' reads a finite training set: set "
                 "'train dataset=T;'", fig->name);
    else if (!fig || names_figure_fits(id, pt->kind, pt->n, pt->m, why, sizeof why))
        return 0;
    diag_error(f->diag, &fig->span, "%s", why);
    return -1;
}

static void plan_point_note(struct front *f, const struct front_state *st, const double *val,
                            const struct ast_span *why)
{
    if (st->naxes == 0)
        return;
    struct sbuf b;
    sbuf_init(&b);
    for (int a = 0; a < st->naxes; a++) {
        sbuf_printf(&b, "%s%s=", a ? ", " : "", st->axes[a].name);
        plan_num(&b, val[a]);
    }
    diag_note(f->diag, why, "at the grid point %s", b.s);
    sbuf_free(&b);
}

/* With `sae` on, the point's model is kept aside as the SAE's base and
 * the point becomes the SAE's. */
static int plan_sae_point(struct front *f, const struct front_state *st, const double *val,
                          const struct ast_node *stmt, struct front_point *pt)
{
    struct front_point sae;
    if (check_resolve_sae(f, st, val, &stmt->span, pt, &sae) != 0) {
        plan_point_note(f, st, val, &stmt->span);
        front_point_free(pt);
        return -1;
    }
    f->pb->base_pt = *pt;
    f->pb->have_base = sae.recipe.sae_source == SAE_SOURCE_MODEL;
    *pt = sae;
    return 0;
}

/* The run of the model an SAE point reads at repeat k, or -1. */
static int plan_base_run(struct front *f, const struct front_point *pt, int k,
                         const struct ast_node *stmt)
{
    if (pt->kind != &model_sae || !f->pb->have_base)
        return -1;
    return plan_run_for(f->pb, &f->pb->base_pt, k, &stmt->span, -1);
}

/* Fill g's points and runs from the current settings. */
static int plan_expand(struct front *f, struct plan_group *g, const struct ast_node *stmt,
                       const struct ast_node *fig)
{
    const struct front_state *st = &f->st;
    double *val = xcalloc((size_t)st->naxes + 1, sizeof(double));
    struct check_memo memo = {0};   /* the settings no axis moves, from the first point */
    int rc = 0;
    for (int p = 0; p < g->npoints && rc == 0; p++) {
        int rest = p;
        for (int a = st->naxes - 1; a >= 0; a--) {   /* the last axis varies fastest */
            val[a] = st->axes[a].values[rest % st->axes[a].count];
            rest /= st->axes[a].count;
        }
        struct front_point pt;
        if (check_resolve_memo(f, st, val, &stmt->span, &memo, &pt) != 0) {
            plan_point_note(f, st, val, &stmt->span);
            rc = -1;
            break;
        }
        if (f->st.sae_on && plan_sae_point(f, st, val, stmt, &pt) != 0) {
            rc = -1;
            break;
        }
        if (p == 0) {
            g->kind = pt.kind;
            g->n = pt.n;
            g->m = pt.m;
        } else if (g->n != pt.n || g->m != pt.m) {
            g->n = g->n == pt.n ? g->n : -1;   /* -1: varies across the grid */
            g->m = g->m == pt.m ? g->m : -1;
        }
        rc = plan_figure_fits(f, fig, &pt);
        for (int k = 0; k < g->nrepeat && rc == 0; k++)
            g->runs[(size_t)p * (size_t)g->nrepeat + (size_t)k] =
                plan_run_for(f->pb, &pt, k, &stmt->span, plan_base_run(f, &pt, k, stmt));
        if (rc == 0 && f->pb->p.ntmpls > FRONT_MAX_TMPLS) {
            diag_error(f->diag, &stmt->span, "this plan trains more than %d distinct "
                       "combinations of model, shape and training settings; sweep fewer "
                       "training settings together (a seed sweep does not count)",
                       FRONT_MAX_TMPLS);
            plan_point_note(f, st, val, &stmt->span);
            rc = -1;
        }
        front_point_free(&pt);
        front_point_free(&f->pb->base_pt);
    }
    check_memo_free(&memo);
    free(val);
    return rc;
}

static void plan_group_free(struct plan_group *g)
{
    for (int a = 0; a < g->naxes; a++) {
        free(g->axes[a].name);
        free(g->axes[a].values);
    }
    free(g->axes);
    free(g->runs);
    free(g->experiment);
}

static int plan_group_same(const struct plan_group *a, const struct plan_group *b)
{
    if (strcmp(a->experiment, b->experiment) || a->naxes != b->naxes ||
        a->npoints != b->npoints || a->nrepeat != b->nrepeat || a->keep_best != b->keep_best)
        return 0;
    /* equal axes give equal coordinates at every point, and back */
    for (int k = 0; k < a->naxes; k++)
        if (strcmp(a->axes[k].name, b->axes[k].name) || a->axes[k].count != b->axes[k].count ||
            memcmp(a->axes[k].values, b->axes[k].values,
                   (size_t)a->axes[k].count * sizeof(double)))
            return 0;
    size_t nr = (size_t)a->npoints * (size_t)a->nrepeat;
    return memcmp(a->runs, b->runs, nr * sizeof(int)) == 0;
}

/* What plan_group_same compares, hashed: equal groups hash equal. */
static uint64_t plan_group_hash(const struct plan_group *g)
{
    uint64_t h = util_hash64(g->experiment, strlen(g->experiment), UTIL_HASH_INIT);
    int head[4] = {g->naxes, g->npoints, g->nrepeat, g->keep_best};
    h = util_hash64(head, sizeof head, h);
    for (int k = 0; k < g->naxes; k++) {
        h = util_hash64(g->axes[k].name, strlen(g->axes[k].name), h);
        h = util_hash64(g->axes[k].values, (size_t)g->axes[k].count * sizeof(double), h);
    }
    return util_hash64(g->runs, (size_t)g->npoints * (size_t)g->nrepeat * sizeof(int), h);
}

static int plan_build_group(struct front *f, const struct ast_node *stmt,
                            const struct ast_node *fig);

/* The group of the current settings; -1 on error, else its index. */
static int plan_make_group(struct front *f, const struct ast_node *stmt, const struct ast_node *fig)
{
    struct plan_builder *pb = f->pb;
    /* Outputs in a row over unchanged settings read the same grid; only the
     * figure's shape check remains to be made. */
    if (pb->last_group >= 0 && pb->last_gen == f->gen) {
        const struct plan_group *lg = &pb->p.groups[pb->last_group];
        struct front_point pt = {0};
        pt.kind = lg->kind;
        pt.n = lg->n;
        pt.m = lg->m;
        /* what the figure may need of every run of the grid */
        pt.recipe.snapshots = plan_builder_snapshots(pb, lg);
        pt.recipe.dataset = plan_builder_dataset(pb, lg);
        if (lg->n > 0 && lg->m > 0 && plan_figure_fits(f, fig, &pt) == 0)
            return pb->last_group;
        if (lg->n > 0 && lg->m > 0)
            return -1;
    }
    int g = plan_build_group(f, stmt, fig);
    pb->last_group = g;
    pb->last_gen = f->gen;
    return g;
}

/* Room for a grid of `more` new runs at once: growing by doubling would
 * hold up to twice the runs, and a growing map both its old and new table.
 * Only the first grid sizes the map: a later one may well repeat runs, and
 * a map's slots, unlike unused room in an array, are written at once. */
static void plan_reserve(struct plan_builder *pb, int more)
{
    struct plan *p = &pb->p;
    int need = p->nruns + more;
    if (need > pb->cap_runs) {   /* at least doubling: many small grids stay linear */
        int cap = need > 2 * pb->cap_runs ? need : 2 * pb->cap_runs;
        p->runs = xrealloc(p->runs, (size_t)cap * sizeof *p->runs);
        pb->cap_runs = cap;
    }
    if (p->nruns == 0)
        hmap_reserve(&pb->index, (size_t)need);
}

static int plan_build_group(struct front *f, const struct ast_node *stmt,
                            const struct ast_node *fig)
{
    const struct front_state *st = &f->st;
    double total = st->repeat;
    for (int a = 0; a < st->naxes; a++)
        total *= st->axes[a].count;
    if (total > FRONT_MAX_RUNS) {
        diag_error(f->diag, &stmt->span, "this grid has %.0f runs, more than %.0f",
                   total, FRONT_MAX_RUNS);
        return -1;
    }
    struct plan_group g = {0};
    g.experiment = xstrdup(st->experiment);
    g.naxes = st->naxes;
    g.axes = xcalloc((size_t)st->naxes + 1, sizeof *g.axes);
    g.npoints = (int)(total / st->repeat);
    for (int a = 0; a < st->naxes; a++) {
        g.axes[a].name = xstrdup(st->axes[a].name);
        g.axes[a].count = st->axes[a].count;
        g.axes[a].values = xmalloc((size_t)st->axes[a].count * sizeof(double));
        memcpy(g.axes[a].values, st->axes[a].values, (size_t)st->axes[a].count * sizeof(double));
        g.axes[a].span = st->axes[a].span;
    }
    g.nrepeat = st->repeat;
    g.keep_best = st->keep_best;
    g.runs = xcalloc((size_t)g.npoints * (size_t)g.nrepeat, sizeof(int));
    plan_reserve(f->pb, (int)total);
    if (plan_expand(f, &g, stmt, fig) != 0) {
        plan_group_free(&g);
        return -1;
    }
    struct plan_builder *pb = f->pb;
    uint64_t h = plan_group_hash(&g);
    int k = hmap_get(&pb->groups, h);
    if (k >= 0 && plan_group_same(&pb->p.groups[k], &g)) {
        plan_group_free(&g);
        return k;
    }
    hmap_put(&pb->groups, h, pb->p.ngroups);
    plan_grow((void **)&pb->p.groups, &pb->cap_groups, pb->p.ngroups + 1, sizeof g);
    pb->p.groups[pb->p.ngroups] = g;
    return pb->p.ngroups++;
}

/* ---- outputs ---- */

static char *plan_source_text(struct front *f, const struct ast_span *sp)
{
    size_t len;
    const char *text = diag_source_text(f->diag, sp->src, &len);
    if (!text || sp->start < 0 || sp->end > (int)len || sp->end < sp->start)
        return xstrdup("");
    return xasprintf("%.*s", sp->end - sp->start, text + sp->start);
}

/* The grid of the current settings trained with the figure's `versus`
 * kind instead of the grid's own. Its runs are resolved exactly as that
 * kind's own statements would resolve them, so they are the same runs
 * (same identity) as an experiment of that kind on the same settings. */
static int plan_versus_group(struct front *f, const struct ast_node *stmt, int figure_id)
{
    const struct model_kind *own = f->st.kind;
    f->st.kind = model_find(names_figures[figure_id].versus);
    int g = plan_build_group(f, stmt, NULL);
    f->st.kind = own;
    return g;
}

/* "wtw", "relu-wtw", then "wtw-2", "wtw-3" when a stem repeats. */
static char *plan_stem(struct plan_builder *pb, const char *prefix, const char *base)
{
    char *stem = xasprintf("%s%s", prefix, base);
    for (int n = 2;; n++) {
        /* a hash set, not a scan: thousands of outputs stay linear */
        int k = hmap_get(&pb->stems, util_hash64(stem, strlen(stem), UTIL_HASH_INIT));
        int taken = k >= 0 && k < pb->p.noutputs && !strcmp(pb->p.outputs[k].stem, stem);
        if (!taken)
            return stem;
        free(stem);
        stem = xasprintf("%s%s-%d", prefix, base, n);
    }
}

int plan_add_output(struct front *f, const struct ast_node *stmt, enum plan_output_kind kind,
                    const struct ast_node *figure, struct ast_node *const *cols, int ncols,
                    const struct ast_node *expr, int *group_out)
{
    int g = plan_make_group(f, stmt, figure);
    if (g < 0)
        return -1;
    int fid = kind == PLAN_PLOT ? names_figure_find(figure->name) : -1, vg = -1;
    if (fid >= 0 && names_figures[fid].versus && (vg = plan_versus_group(f, stmt, fid)) < 0)
        return -1;
    struct plan_builder *pb = f->pb;
    plan_grow((void **)&pb->p.outputs, &pb->cap_outputs, pb->p.noutputs + 1,
              sizeof *pb->p.outputs);
    struct plan_output *o = &pb->p.outputs[pb->p.noutputs];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->span = stmt->span;
    o->group = g;
    const char *base = kind == PLAN_PLOT ? figure->name : kind == PLAN_TABLE ? "table" : "expect";
    o->versus_group = vg;
    if (kind == PLAN_PLOT) {
        o->figure = xstrdup(figure->name);
        o->figure_id = names_figure_find(figure->name);
    }
    o->stem = plan_stem(pb, f->st.prefix, base);
    hmap_put(&pb->stems, util_hash64(o->stem, strlen(o->stem), UTIL_HASH_INIT), pb->p.noutputs);
    o->ncolumns = ncols;
    o->columns = xcalloc((size_t)ncols + 1, sizeof *o->columns);
    for (int k = 0; k < ncols; k++)
        o->columns[k] = xstrdup(cols[k]->name);
    o->expr = expr;
    o->text = plan_source_text(f, &stmt->span);
    pb->p.noutputs++;
    *group_out = g;
    return 0;
}

static void plan_output_free(struct plan_output *o)
{
    free(o->figure);
    free(o->stem);
    for (int k = 0; k < o->ncolumns; k++)
        free(o->columns[k]);
    free(o->columns);
    free(o->text);
}

void plan_drop_last_output(struct plan_builder *pb)
{
    if (pb->p.noutputs > 0)
        plan_output_free(&pb->p.outputs[--pb->p.noutputs]);
}

/* ---- finishing ---- */

/* Runs sharing the batch's part of their text (kind, shape, recipe, data)
 * train together; batches stand in the order of their first run, runs in
 * plan order inside a batch (shards and ranks split work by this order). */
static void plan_make_batches(struct plan *p)
{
    struct hmap by_key;
    hmap_init(&by_key, 64);
    int *of = xcalloc((size_t)p->nruns + 1, sizeof *of);
    int *count = NULL, cap = 0, nb = 0;
    for (int r = 0; r < p->nruns; r++) {
        uint64_t k = p->tmpls[p->runs[r].tmpl].head_hash;
        int b = hmap_get(&by_key, k);
        if (b < 0) {
            plan_grow((void **)&count, &cap, nb + 1, sizeof *count);
            count[nb] = 0;
            hmap_put(&by_key, k, b = nb++);
        }
        count[b]++;
        of[r] = b;
    }
    p->nbatches = nb;
    p->batches = xcalloc((size_t)nb + 1, sizeof *p->batches);
    for (int b = 0; b < nb; b++)
        p->batches[b].runs = xmalloc((size_t)count[b] * sizeof(int));
    for (int r = 0; r < p->nruns; r++) {
        struct plan_batch *b = &p->batches[of[r]];
        b->runs[b->nruns++] = r;
    }
    hmap_free(&by_key);
    free(count);
    free(of);
}

/* SAE runs read their model's run: train SAE batches after every other batch. */
static void plan_order_bases(struct plan *p)
{
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int b = k; b < p->nbatches; b++) {
            int sae = plan_tmpl_of(p, p->batches[b].runs[0])->kind == &model_sae;
            if (sae == pass) {
                struct plan_batch t = p->batches[b];
                memmove(&p->batches[k + 1], &p->batches[k], (size_t)(b - k) * sizeof t);
                p->batches[k++] = t;
            }
        }
}

void plan_builder_finish(struct plan_builder *pb, struct plan *out)
{
    struct plan *p = &pb->p;
    hmap_free(&pb->index);   /* done with; the batches need room */
    plan_make_batches(p);
    plan_order_bases(p);
    uint64_t h = UTIL_HASH_INIT;
    p->model_steps = 0;
    for (int r = 0; r < p->nruns; r++) {
        p->model_steps += plan_tmpl_of(p, r)->recipe.steps;
        h = util_hash64(&p->runs[r].key, sizeof p->runs[r].key, h);
    }
    for (int g = 0; g < p->ngroups; g++)
        h = util_hash64(p->groups[g].runs,
                        (size_t)p->groups[g].npoints * (size_t)p->groups[g].nrepeat * sizeof(int), h);
    for (int o = 0; o < p->noutputs; o++)
        h = util_hash64(p->outputs[o].stem, strlen(p->outputs[o].stem), h);
    p->script_hash = h;
    *out = *p;
    memset(p, 0, sizeof *p);
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    free(p->runs);
    free(p->tmpls);
    free(p->seeds);
    for (int v = 0; v < p->nvecs; v++) {
        free(p->vecs[v].v);
        free(p->vecs[v].text);
    }
    free(p->vecs);
    free(p->spans);
    for (int g = 0; g < p->ngroups; g++)
        plan_group_free(&p->groups[g]);
    free(p->groups);
    for (int o = 0; o < p->noutputs; o++)
        plan_output_free(&p->outputs[o]);
    free(p->outputs);
    for (int b = 0; b < p->nbatches; b++)
        free(p->batches[b].runs);
    free(p->batches);
    memset(p, 0, sizeof *p);
}

/* ---- printing ---- */

static const char *plan_kind_word(enum plan_output_kind k)
{
    return k == PLAN_PLOT ? "plot" : k == PLAN_TABLE ? "table" : "expect";
}

void plan_print(const struct plan *p, FILE *out)
{
    for (int o = 0; o < p->noutputs; o++) {
        const struct plan_output *po = &p->outputs[o];
        fprintf(out, "output %d: %s %s (group %d", o + 1, plan_kind_word(po->kind), po->stem,
                po->group + 1);
        if (po->versus_group >= 0)
            fprintf(out, " beside group %d", po->versus_group + 1);
        fprintf(out, "): %s\n", po->text);
    }
    for (int g = 0; g < p->ngroups; g++) {
        const struct plan_group *pg = &p->groups[g];
        fprintf(out, "group %d:", g + 1);
        if (*pg->experiment)
            fprintf(out, " experiment %s,", pg->experiment);
        fprintf(out, " %s n=%d m=%d,", pg->kind->name, pg->n, pg->m);
        for (int a = 0; a < pg->naxes; a++) {
            char lo[40], hi[40];
            util_fmt_double(lo, sizeof lo, pg->axes[a].values[0]);
            util_fmt_double(hi, sizeof hi, pg->axes[a].values[pg->axes[a].count - 1]);
            fprintf(out, " %s %d (%s .. %s) x", pg->axes[a].name, pg->axes[a].count, lo, hi);
        }
        fprintf(out, " repeat %d%s = %d runs\n", pg->nrepeat, pg->keep_best ? " keep best" : "",
                pg->npoints * pg->nrepeat);
    }
    fprintf(out, "runs: %d unique\n", p->nruns);
    for (int b = 0; b < p->nbatches; b++) {
        const struct plan_tmpl *t = plan_tmpl_of(p, p->batches[b].runs[0]);
        fprintf(out, "batch %d: %s n=%d m=%d steps=%d batch=%d runs=%d\n", b + 1,
                t->kind->name, t->n, t->m, t->recipe.steps, t->recipe.batch,
                p->batches[b].nruns);
    }
    fprintf(out, "model-steps: %.0f\n", p->model_steps);
}
