/* lang/check_resolve.c: every setting evaluated at one grid point.
 * A point's value of a setting is, in order: the sweep axis at this point,
 * a -D override, the statement that set it, the catalogue's default. The
 * same range checks as at the statement run here, because a swept variable
 * can push a value out of range only at some points. A grid resolves the
 * same settings at every point, so a memo keeps, from its first point, the
 * values of the settings that read no axis (most of them), and later
 * points evaluate only the rest. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "kern.h"
#include "util.h"

void front_point_free(struct front_point *p)
{
    free(p->importance);
    free(p->density);
    p->importance = p->density = NULL;
}

/* A setting's value: axis at this point, then override, then statement, then default. */
int check_resolve_setting(struct eval_ctx *c, const char *name, const struct ast_node *stmt,
                          double def, double *v, const struct ast_span **where)
{
    int ax = eval_is_axis(c->st, name);
    struct front_override *o = front_find_override(c->f, name);
    *where = NULL;
    if (ax >= 0 && c->axis_val) {
        *v = c->axis_val[ax];
        *where = &c->st->axes[ax].span;
        return 0;
    }
    const struct ast_node *e = o ? o->expr : stmt;
    if (!e) {
        *v = def;
        return 0;
    }
    *where = &e->span;
    return eval_expr(c, e, v);
}

static int check_resolve_nm(struct eval_ctx *c, struct front_point *out,
                            const struct ast_span *why)
{
    const char *nm[2] = {"n", "m"};
    double v[2];
    const struct ast_span *where = NULL;
    for (int k = 0; k < 2; k++) {
        const struct ast_node *e = k ? c->st->m : c->st->n;
        if (!e && !front_find_override(c->f, nm[k]) && eval_is_axis(c->st, nm[k]) < 0) {
            diag_error(c->f->diag, why, "no model yet; write 'model KIND n=N m=M' first");
            return -1;
        }
        if (check_resolve_setting(c, nm[k], e, 0, &v[k], &where) != 0 ||
            check_value(c->f, nm[k], v[k], where ? where : why) != 0)
            return -1;
    }
    /* W alone would take n*m*4 bytes per model, times the optimizer state */
    if (v[0] * v[1] > 1e8) {
        diag_error(c->f->diag, where ? where : why, "n*m must be at most 100000000, got n=%.0f m=%.0f",
                   v[0], v[1]);
        return -1;
    }
    out->n = (int)v[0];
    out->m = (int)v[1];
    c->have_nm = 1;
    c->n = v[0];
    c->m = v[1];
    return 0;
}

/* Feature i's importance (1 without a statement). */
static int check_feature_importance(struct eval_ctx *c, int i, double *v)
{
    const struct ast_node *imp = c->st->importance;
    const struct ast_node *e = imp && imp->kind == AST_LIST ? imp->args[i] : imp;
    *v = 1;
    return e && (eval_expr(c, e, v) != 0 || check_value(c->f, "importance", *v, &e->span))
           ? -1 : 0;
}

/* Where the features' density comes from: a sparsity or density axis,
 * else an override, else the statement (0 sparsity without one). */
struct check_dens_src {
    int axis;                         /* the axis, or -1 */
    int is_d;                         /* the value is a density, not a sparsity */
    const struct ast_node *e;         /* without an axis: the expression, or NULL */
};

static void check_density_source(struct eval_ctx *c, struct check_dens_src *src)
{
    const struct front_state *st = c->st;
    int sax = eval_is_axis(st, "sparsity"), dax = eval_is_axis(st, "density");
    struct front_override *so = front_find_override(c->f, "sparsity");
    struct front_override *dov = front_find_override(c->f, "density");
    src->axis = -1;
    src->is_d = st->is_density;
    src->e = st->sparsity;
    if (so || dov) {
        src->e = so ? so->expr : dov->expr;
        src->is_d = !so;
    }
    if (sax >= 0 && c->axis_val)
        src->axis = sax, src->is_d = 0;
    else if (dax >= 0 && c->axis_val)
        src->axis = dax, src->is_d = 1;
}

/* Feature c->i's density. */
static int check_feature_density(struct eval_ctx *c, const struct check_dens_src *src,
                                 double *out)
{
    double v = 0;
    if (src->axis >= 0)
        v = c->axis_val[src->axis];
    else if (src->e) {
        if (eval_expr(c, src->e, &v) != 0 ||
            check_value(c->f, src->is_d ? "density" : "sparsity", v, &src->e->span))
            return -1;
    } else if (src->is_d)
        v = 1;
    *out = src->is_d ? v : 1 - v;
    return 0;
}

/* The importance and density arrays; either comes from the memo when it
 * reads no axis. */
static int check_resolve_features(struct eval_ctx *c, struct front_point *out,
                                  const struct check_memo *memo)
{
    const struct ast_node *imp = c->st->importance;
    if (imp && imp->kind == AST_LIST && imp->nargs != out->n) {
        diag_error(c->f->diag, &imp->span, "importance has %d entries but n is %d",
                   imp->nargs, out->n);
        return -1;
    }
    int imp_kept = memo && memo->ready && memo->imp_fixed;
    int dens_kept = memo && memo->ready && memo->dens_fixed;
    size_t bytes = (size_t)out->n * sizeof(double);
    struct check_dens_src src;
    check_density_source(c, &src);
    if (imp_kept)
        memcpy(out->importance, memo->imp, bytes);
    if (dens_kept)
        memcpy(out->density, memo->dens, bytes);
    for (int i = 0; i < out->n && !(imp_kept && dens_kept); i++) {
        c->have_i = 1;
        c->i = i;
        if ((!imp_kept && check_feature_importance(c, i, &out->importance[i]) != 0) ||
            (!dens_kept && check_feature_density(c, &src, &out->density[i]) != 0))
            return -1;
    }
    c->have_i = 0;
    return 0;
}

/* optimizer=NAME and friends: the index of the word in the row's choices. */
static int check_resolve_choice(struct eval_ctx *c, const struct params_def *np,
                                const struct ast_node *e, const struct train_recipe *r)
{
    struct front_override *o = front_find_override(c->f, np->name);
    if (o)
        e = o->expr;
    int idx = e && e->kind == AST_NAME ? names_index(np->choices, e->name) : -1;
    /* a bad word was rejected when its statement was checked */
    return idx >= 0 ? idx : (int)params_default(np, r);
}

/* One step draws n*batch values and costs about n*m*batch multiply-adds;
 * the bounds keep a step near a second at most, so that progress moves and
 * Ctrl-C (checked between steps) is honoured promptly. */
#define CHECK_MAX_DRAWS 1e8
#define CHECK_MAX_WORK 4e9

static int check_step_work(struct eval_ctx *c, const struct front_point *p,
                           const struct ast_span *where)
{
    double batch = p->recipe.batch, draws = batch * p->n, work = draws * p->m;
    if (draws > CHECK_MAX_DRAWS) {
        diag_error(c->f->diag, where, "one step would draw n*batch = %.0f values, more than "
                   "%.0f; lower batch", draws, CHECK_MAX_DRAWS);
        return -1;
    }
    if (work > CHECK_MAX_WORK) {
        diag_error(c->f->diag, where, "one step would cost n*m*batch = %.0f, more than %.0f; "
                   "lower batch", work, CHECK_MAX_WORK);
        return -1;
    }
    return 0;
}

/* A finite training set is the batch of every step: a batch set beside it
 * (batch_where, NULL when batch is at its default) is an error unless it
 * says the same, and otherwise batch becomes the set's size, which the run's
 * settings then show. Warmup must leave steps for the schedule.
 * wheres: the places of dataset and warmup. */
static int check_resolve_finite(struct eval_ctx *c, struct train_recipe *r,
                                const struct ast_span *batch_where,
                                const struct ast_span *const *wheres)
{
    if (r->dataset > 0 && batch_where && r->batch != r->dataset) {
        diag_error(c->f->diag, batch_where, "batch=%d beside dataset=%d: a finite dataset "
                   "trains full-batch on all its examples; leave batch out", r->batch,
                   r->dataset);
        return -1;
    }
    if (r->dataset > 0)
        r->batch = r->dataset;
    if (r->warmup > 0 && r->warmup >= r->steps) {
        diag_error(c->f->diag, wheres[1], "warmup=%d must be less than steps=%d", r->warmup,
                   r->steps);
        return -1;
    }
    return 0;
}

/* Training parameter k at this point: the memo's when it reads no axis,
 * else resolved and range-checked. *where gets the span it came from. */
static int check_resolve_param(struct eval_ctx *c, int k, const struct train_recipe *r,
                               struct check_memo *memo, double *v,
                               const struct ast_span **where, const struct ast_span *why)
{
    const struct params_def *np = &params_table[k];
    if (memo && memo->ready && memo->param_fixed[k]) {
        *v = memo->param_val[k];
        *where = memo->param_where[k];
        return 0;
    }
    /* the row's own range first: check_value finds the same row by name,
     * dear for every parameter at every point of a big grid */
    if (check_resolve_setting(c, np->name, c->st->param[k], params_default(np, r), v, where) != 0 ||
        (!params_range_ok(&np->range, *v) &&
         check_value(c->f, np->name, *v, *where ? *where : why) != 0))
        return -1;
    if (memo && !memo->ready) {   /* the first point: kept for the memo */
        memo->param_val[k] = *v;
        memo->param_where[k] = *where;
    }
    return 0;
}

/* Every training parameter, in catalogue order (a default may depend on an
 * earlier one: weight decay on the optimizer). */
static int check_resolve_recipe(struct eval_ctx *c, struct front_point *out,
                                const struct ast_span *why, struct check_memo *memo)
{
    struct train_recipe *r = &out->recipe;
    const struct ast_span *batch_where = why, *wheres[2] = {why, why};
    int batch_set = 0;
    memset(r, 0, sizeof *r);
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *np = &params_table[k];
        if (np->type == PARAMS_CHOICE) {
            params_set(np, r, check_resolve_choice(c, np, c->st->param[k], r));
            continue;
        }
        double v;
        const struct ast_span *where;
        if (check_resolve_param(c, k, r, memo, &v, &where, why) != 0)
            return -1;
        params_set(np, r, v);
        /* found by field, not by name: this runs for every parameter at every point */
        if (np->offset == offsetof(struct train_recipe, batch))
            batch_where = where ? where : why, batch_set = where != NULL;
        if (np->offset == offsetof(struct train_recipe, dataset) ||
            np->offset == offsetof(struct train_recipe, warmup))
            wheres[np->offset == offsetof(struct train_recipe, warmup)] = where ? where : why;
    }
    out->init_std = r->init;
    if (check_resolve_finite(c, r, batch_set ? batch_where : NULL, wheres) != 0)
        return -1;
    return check_step_work(c, out, r->dataset > 0 ? wheres[0] : batch_where);
}

/* ---- what varies across a grid ---- */

static int check_expr_varies(const struct front *f, const struct front_state *st,
                             const struct ast_node *e, int depth);

/* Whether the value of name may differ between points: it is an axis, or
 * what it resolves to (override, n or m, let variable) mentions one. Too
 * deep a chain (or a cycle, an error at every point alike) counts as
 * varying. */
static int check_name_varies(const struct front *f, const struct front_state *st,
                             const char *name, int depth)
{
    if (depth > 32 || eval_is_axis(st, name) >= 0)
        return 1;
    if (!strcmp(name, "i"))
        return 0;   /* the feature index: the same at every point */
    struct front_override *o = front_find_override((struct front *)f, name);
    if (o)
        return check_expr_varies(f, st, o->expr, depth + 1);
    if (!strcmp(name, "n") || !strcmp(name, "m"))
        return check_expr_varies(f, st, name[0] == 'n' ? st->n : st->m, depth + 1);
    int l = front_let_find(st, name);
    return l >= 0 && check_expr_varies(f, st, st->lets[l].expr, depth + 1);
}

/* Whether expression e may evaluate differently at different points. Node
 * kinds a setting does not hold count as varying. */
static int check_expr_varies(const struct front *f, const struct front_state *st,
                             const struct ast_node *e, int depth)
{
    if (!e)
        return 0;
    if (depth > 32)
        return 1;
    switch (e->kind) {
    case AST_NUM:
        return 0;
    case AST_NAME:
        return check_name_varies(f, st, e->name, depth);
    case AST_NEG:
    case AST_NOT:
        return check_expr_varies(f, st, e->a, depth + 1);
    case AST_BINOP:
        return check_expr_varies(f, st, e->a, depth + 1) ||
               check_expr_varies(f, st, e->b, depth + 1);
    case AST_CALL:
    case AST_LIST:
        if (e->kind == AST_CALL && (e->nsels || e->metric))
            return 1;
        for (int k = 0; k < e->nargs; k++)
            if (check_expr_varies(f, st, e->args[k], depth + 1))
                return 1;
        return 0;
    default:
        return 1;
    }
}

/* A setting's expression (an override before the statement's) varies. */
static int check_setting_varies(const struct front *f, const struct front_state *st,
                                const char *name, const struct ast_node *stmt)
{
    if (eval_is_axis(st, name) >= 0)
        return 1;
    struct front_override *o = front_find_override((struct front *)f, name);
    return check_expr_varies(f, st, o ? o->expr : stmt, 0);
}

/* After the grid's first point: what later points may take from it. */
static void check_memo_fill(const struct front *f, const struct front_state *st,
                            const struct front_point *pt, struct check_memo *memo)
{
    int nm_fixed = !check_setting_varies(f, st, "n", st->n) &&
                   !check_setting_varies(f, st, "m", st->m);
    memo->imp_fixed = nm_fixed && !check_expr_varies(f, st, st->importance, 0);
    memo->dens_fixed = nm_fixed && !check_setting_varies(f, st, "sparsity", st->sparsity) &&
                       !check_setting_varies(f, st, "density", NULL);
    size_t bytes = (size_t)pt->n * sizeof(double);
    memo->imp = xmalloc(bytes + 1);
    memo->dens = xmalloc(bytes + 1);
    memcpy(memo->imp, pt->importance, bytes);
    memcpy(memo->dens, pt->density, bytes);
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *np = &params_table[k];
        /* a default may follow earlier parameters: resolved every time */
        int dflt = !st->param[k] && !front_find_override((struct front *)f, np->name);
        memo->param_fixed[k] = np->type != PARAMS_CHOICE && !(dflt && np->def_for) &&
                               !check_setting_varies(f, st, np->name, st->param[k]);
    }
    memo->ready = 1;
}

void check_memo_free(struct check_memo *memo)
{
    free(memo->imp);
    free(memo->dens);
    memset(memo, 0, sizeof *memo);
}

int check_resolve(struct front *f, const struct front_state *st, const double *axis_val,
                  const struct ast_span *why, struct front_point *out)
{
    return check_resolve_memo(f, st, axis_val, why, NULL, out);
}

/* The master seed: --seed, else the setting. */
static int check_resolve_seed(struct eval_ctx *c, const struct ast_span *why,
                              struct front_point *out)
{
    double seed = 0;
    const struct ast_span *where;
    if (c->f->have_seed) {
        out->seed = c->f->seed;
        return 0;
    }
    if (check_resolve_setting(c, "seed", c->st->seed, 0, &seed, &where) != 0 ||
        check_value(c->f, "seed", seed, where ? where : why) != 0)
        return -1;
    out->seed = (uint64_t)seed;
    return 0;
}

int check_resolve_memo(struct front *f, const struct front_state *st, const double *axis_val,
                       const struct ast_span *why, struct check_memo *memo,
                       struct front_point *out)
{
    struct eval_ctx c;
    eval_init(&c, f, st);
    c.axis_val = axis_val;
    memset(out, 0, sizeof *out);
    out->kind = st->kind;
    out->data = st->data;
    memcpy(out->data_arg, st->data_arg, sizeof out->data_arg);
    const struct data_gen *g = st->data ? st->data : data_find(st->kind->data);
    if (!kern_any_serves(st->kind, g)) {
        diag_error(f->diag, why, "model '%s' cannot train on data '%s'; write 'data %s;'",
                   st->kind->name, g->name, st->kind->data);
        return -1;
    }
    if (check_resolve_nm(&c, out, why) != 0)
        return -1;
    out->importance = xcalloc((size_t)out->n, sizeof(double));
    out->density = xcalloc((size_t)out->n, sizeof(double));
    if (check_resolve_features(&c, out, memo) != 0 || check_resolve_recipe(&c, out, why, memo) != 0 ||
        check_resolve_seed(&c, why, out) != 0) {
        front_point_free(out);
        return -1;
    }
    if (memo && !memo->ready)
        check_memo_fill(f, st, out, memo);
    return 0;
}
