/* lang/check_resolve.c: every setting evaluated at one grid point.
 * A point's value of a setting is, in order: the sweep axis at this point,
 * a -D override, the statement that set it, the catalogue's default. The
 * same range checks as at the statement run here, because a swept variable
 * can push a value out of range only at some points. */
#include <math.h>
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

static int check_resolve_features(struct eval_ctx *c, struct front_point *out)
{
    const struct front_state *st = c->st;
    const struct ast_node *imp = st->importance;
    if (imp && imp->kind == AST_LIST && imp->nargs != out->n) {
        diag_error(c->f->diag, &imp->span, "importance has %d entries but n is %d",
                   imp->nargs, out->n);
        return -1;
    }
    int sax = eval_is_axis(st, "sparsity"), dax = eval_is_axis(st, "density");
    struct front_override *so = front_find_override(c->f, "sparsity");
    struct front_override *dov = front_find_override(c->f, "density");
    for (int i = 0; i < out->n; i++) {
        c->have_i = 1;
        c->i = i;
        double v = 1;
        const struct ast_node *e = imp && imp->kind == AST_LIST ? imp->args[i] : imp;
        if (e && (eval_expr(c, e, &v) != 0 || check_value(c->f, "importance", v, &e->span)))
            return -1;
        out->importance[i] = v;
        int is_d = st->is_density;
        e = st->sparsity;
        if (so || dov) {
            e = so ? so->expr : dov->expr;
            is_d = !so;
        }
        v = 0;
        if (sax >= 0 && c->axis_val) {
            v = c->axis_val[sax];
            is_d = 0;
        } else if (dax >= 0 && c->axis_val) {
            v = c->axis_val[dax];
            is_d = 1;
        } else if (e) {
            if (eval_expr(c, e, &v) != 0 ||
                check_value(c->f, is_d ? "density" : "sparsity", v, &e->span))
                return -1;
        } else if (is_d) {
            v = 1;
        }
        out->density[i] = is_d ? v : 1 - v;
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

/* Every training parameter, in catalogue order (a default may depend on an
 * earlier one: weight decay on the optimizer). */
static int check_resolve_recipe(struct eval_ctx *c, struct front_point *out,
                                const struct ast_span *why)
{
    struct train_recipe *r = &out->recipe;
    const struct ast_span *batch_where = why, *wheres[2] = {why, why};
    int batch_set = 0;
    memset(r, 0, sizeof *r);
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *np = &params_table[k];
        const struct ast_node *e = c->st->param[k];
        if (np->type == PARAMS_CHOICE) {
            params_set(np, r, check_resolve_choice(c, np, e, r));
            continue;
        }
        double v;
        const struct ast_span *where;
        /* the row's own range first: check_value finds the same row by name,
         * dear for every parameter at every point of a big grid */
        if (check_resolve_setting(c, np->name, e, params_default(np, r), &v, &where) != 0 ||
            (!params_range_ok(&np->range, v) &&
             check_value(c->f, np->name, v, where ? where : why) != 0))
            return -1;
        params_set(np, r, v);
        if (!strcmp(np->name, "batch"))
            batch_where = where ? where : why, batch_set = where != NULL;
        if (!strcmp(np->name, "dataset") || !strcmp(np->name, "warmup"))
            wheres[np->name[0] == 'w'] = where ? where : why;
    }
    out->init_std = r->init;
    if (check_resolve_finite(c, r, batch_set ? batch_where : NULL, wheres) != 0)
        return -1;
    return check_step_work(c, out, r->dataset > 0 ? wheres[0] : batch_where);
}

int check_resolve(struct front *f, const struct front_state *st, const double *axis_val,
                  const struct ast_span *why, struct front_point *out)
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
    if (check_resolve_features(&c, out) != 0 || check_resolve_recipe(&c, out, why) != 0) {
        front_point_free(out);
        return -1;
    }
    double seed = 0;
    const struct ast_span *where;
    if (f->have_seed)
        out->seed = f->seed;
    else if (check_resolve_setting(&c, "seed", st->seed, 0, &seed, &where) != 0 ||
             check_value(f, "seed", seed, where ? where : why) != 0) {
        front_point_free(out);
        return -1;
    } else
        out->seed = (uint64_t)seed;
    return 0;
}
