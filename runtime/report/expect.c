/* runtime/report/expect.c: the measuring side of `expect` claims.
 * The claim itself is evaluated by the one evaluator of the front end
 * (lang/eval.h); this file is its metric source: a metric call yields one
 * value per selected grid point of the output's group (the kept run's value
 * under keep best, else the mean over repeats); selectors inside a call
 * (sparsity=0, density<=0.01, axis names) narrow the points; min/max/mean
 * of one argument reduce over points; increasing/decreasing check the order
 * along the first sweep axis; phase_agreement is the share of cells that
 * match theory. The claim holds when it holds at every point. On failure
 * the message names the measured value and where. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "eval.h"
#include "fig_impl.h"
#include "names.h"

/* The first comparison found false, for the message. */
struct expect_why {
    int set;
    const struct ast_node *node;
    double measured, other;
    int both, pt;
    char *extra;              /* monotone failures say more */
};

struct expect_ctx {
    struct fig_env *e;
    const struct plan_output *o;
    const struct plan_group *g;
    int group;
    struct expect_why why;
};

/* The coordinate a selector name reads at point p; -1 for unknown names. */
static int expect_coord(struct expect_ctx *c, const char *name, int p, double *x)
{
    const struct plan_group *g = c->g;
    for (int a = 0; a < g->naxes; a++)
        if (strcmp(g->axes[a].name, name) == 0) {
            *x = plan_group_coord(g, p, a);
            return 0;
        }
    const double *dens = plan_run_density(c->e->plan, g->runs[p * g->nrepeat]);
    if (strcmp(name, "sparsity") == 0)
        *x = 1.0 - dens[0];
    else if (strcmp(name, "density") == 0)
        *x = dens[0];
    else
        return -1;
    return 0;
}

/* Narrow mask by the call's selectors into sel (tol= is not a selector). */
static int expect_select(struct expect_ctx *c, const struct ast_node *call, const char *mask,
                         char *sel)
{
    memcpy(sel, mask, (size_t)c->g->npoints);
    for (int s = 0; s < call->nsels; s++) {
        const struct ast_node *sn = call->sels[s];
        if (strcmp(sn->name, "tol") == 0)
            continue;
        int any = 0;
        for (int p = 0; p < c->g->npoints; p++) {
            double x;
            if (expect_coord(c, sn->name, p, &x) != 0) {
                diag_error(c->e->diag, &sn->span, "cannot select on '%s': it is not an axis of this "
                           "sweep, nor sparsity or density", sn->name);
                return -1;
            }
            if (sel[p] && !eval_compare(sn->op, x, sn->a->num))
                sel[p] = 0;
            any |= sel[p];
        }
        if (!any) {
            diag_error(c->e->diag, &sn->span, "no point of the sweep has %s %s %g", sn->name,
                       sn->op == AST_OP_EQ ? "=" : ast_op_text(sn->op), sn->a->num);
            return -1;
        }
    }
    return 0;
}

/* A point whose runs cannot be read is an error, named. */
static int expect_point_usable(struct expect_ctx *c, const struct ast_node *call, int p)
{
    int *runs = xmalloc(sizeof(int) * (size_t)c->g->nrepeat), bad;
    int k = fig_point_runs(c->e, c->g, p, runs, &bad);
    free(runs);
    if (k > 0 && (bad == 0 || c->g->keep_best))
        return 1;
    char *lab = fig_point_label(c->e, c->g, p, "=");
    diag_error(c->e->diag, &call->span, "cannot evaluate '%s' at %s: %s", call->name, lab,
               k == 0 ? "its run diverged or was not trained" : "one of its repeats diverged");
    free(lab);
    return 0;
}

/* The feature index of norm(i) and friends (the checker made it a
 * constant integer; the group's n is checked again here). */
static int expect_feature(struct expect_ctx *c, const struct ast_node *n, int metric, int *idx)
{
    *idx = 0;
    if (names_metrics[metric].kind != NAMES_FEATURE)
        return 0;
    if (n->nargs < 1 || !n->args[0]->folded) {
        diag_error(c->e->diag, &n->span, "'%s' needs a feature index", n->name);
        return -1;
    }
    *idx = (int)n->args[0]->num;
    if (*idx < 0 || *idx >= c->g->n || *idx != n->args[0]->num) {
        diag_error(c->e->diag, &n->args[0]->span, "feature index %g is out of range 0..%d",
                   n->args[0]->num, c->g->n - 1);
        return -1;
    }
    return 0;
}

/* One value per selected point; phase_agreement is one share of them all. */
static int expect_metric(struct expect_ctx *c, const struct ast_node *n, const char *sel,
                         struct eval_value *out)
{
    int metric = (n->metric ? (int)n->metric->id : -1), idx, cnt = 0, k = 0, agree = 0;
    if (metric < 0) {
        diag_error(c->e->diag, &n->span, "unknown metric '%s'", n->name);
        return -1;
    }
    if (expect_feature(c, n, metric, &idx) != 0)
        return -1;
    for (int p = 0; p < c->g->npoints; p++)
        cnt += sel[p];
    eval_value_init(out, cnt);
    for (int p = 0; p < c->g->npoints; p++) {
        double v;
        if (!sel[p])
            continue;
        int fail = !expect_point_usable(c, n, p);
        if (!fail && fig_point_value(c->e, c->group, p, metric, idx, &v) != 0) {
            diag_error(c->e->diag, &n->span, metric == NAMES_M_PHASE_AGREEMENT
                       ? "phase_agreement needs a phase-diagram group (n=2 m=1 or n=3 m=2)"
                       : "cannot evaluate '%s' here", n->name);
            fail = 1;
        }
        if (fail) {
            eval_value_free(out);
            return -1;
        }
        agree += v != 0;
        eval_value_set(out, k++, v, p);
    }
    if (metric == NAMES_M_PHASE_AGREEMENT) {   /* a share of cells, not a value per cell */
        eval_value_free(out);
        eval_value_scalar(out, (double)agree / cnt);
    }
    return 0;
}

/* min, max or mean of one argument over its points. */
static int expect_aggregate(struct eval_ctx *ev, const struct ast_node *n, const char *sel,
                            struct eval_value *out)
{
    struct eval_value x;
    if (n->nargs != 1 || eval_node(ev, n->args[0], sel, &x) != 0)
        return -1;
    int is_min = !strcmp(n->name, "min"), is_max = !strcmp(n->name, "max");
    double r = is_min ? INFINITY : is_max ? -INFINITY : 0;
    for (int k = 0; k < x.n; k++) {
        double v = eval_value_get(&x, k);
        r = is_min ? fmin(r, v) : is_max ? fmax(r, v) : r + v / x.n;
    }
    eval_value_free(&x);
    eval_value_scalar(out, r);
    return 0;
}

/* Whether x breaks the order between elements i and j (j the next selected
 * point after i along axis 0); the first break is remembered. */
static int expect_order_holds(struct expect_ctx *c, const struct ast_node *n, const struct eval_value *x,
                              int i, int j, int up, double tol)
{
    double vi = eval_value_get(x, i), vj = eval_value_get(x, j), d = vj - vi;
    if (up ? d >= -tol : d <= tol)
        return 1;
    int pi = eval_value_point(x, i), pj = eval_value_point(x, j);
    if (!c->why.set) {
        char *a = fig_point_label(c->e, c->g, pi, "="), *b = fig_point_label(c->e, c->g, pj, "=");
        c->why = (struct expect_why){ .set = 1, .node = n, .measured = vj, .pt = pj };
        c->why.extra = xasprintf("%g at %s after %g at %s", vj, b, vi, a);
        free(a);
        free(b);
    }
    return 0;
}

/* Whether j is the next selected point after i along axis 0 (stride: the
 * number of points per step of axis 0). */
static int expect_next_along(const struct eval_value *x, int i, int j, int stride)
{
    int pi = eval_value_point(x, i), pj = eval_value_point(x, j);
    if (pi < 0 || pj < 0 || pj % stride != pi % stride)
        return 0;
    for (int k = i + 1; k < j; k++)
        if (eval_value_point(x, k) % stride == pi % stride)
            return 0;
    return 1;
}

/* increasing/decreasing along axis 0, for each setting of the other axes. */
static int expect_monotone(struct expect_ctx *c, struct eval_ctx *ev, const struct ast_node *n,
                           const char *sel, struct eval_value *out)
{
    double tol = 0;
    for (int s = 0; s < n->nsels; s++)
        if (strcmp(n->sels[s]->name, "tol") == 0)
            tol = n->sels[s]->a->num;
    struct eval_value x;
    if (n->nargs != 1 || eval_node(ev, n->args[0], sel, &x) != 0)
        return -1;
    int up = strcmp(n->name, "increasing") == 0, holds = 1, stride = 1;
    for (int a = 1; a < c->g->naxes; a++)
        stride *= c->g->axes[a].count;
    for (int i = 0; i < x.n && holds; i++)
        for (int j = i + 1; j < x.n && holds; j++)
            if (expect_next_along(&x, i, j, stride))
                holds = expect_order_holds(c, n, &x, i, j, up, tol);
    eval_value_free(&x);
    eval_value_scalar(out, holds);
    return 0;
}

/* The evaluator's metric callback: selectors first, then by metric kind. */
static int expect_source_metric(void *ctx, struct eval_ctx *ev, const struct ast_node *n,
                                const char *mask, struct eval_value *out)
{
    struct expect_ctx *c = ctx;
    char *sel = xmalloc((size_t)c->g->npoints);
    int rc = expect_select(c, n, mask, sel);
    if (rc == 0) {
        switch (n->metric->kind) {
        case NAMES_AGGREGATE: rc = expect_aggregate(ev, n, sel, out); break;
        case NAMES_MONOTONE: rc = expect_monotone(c, ev, n, sel, out); break;
        default: rc = expect_metric(c, n, sel, out); break;
        }
    }
    free(sel);
    return rc;
}

/* The evaluator's report of a false comparison: the first one is the
 * measured value named in the message (the side that is not a constant). */
static void expect_source_false(void *ctx, const struct ast_node *cmp, double x, double y, int pt)
{
    struct expect_ctx *c = ctx;
    if (c->why.set)
        return;
    int left = !cmp->a->folded || cmp->b->folded;
    c->why = (struct expect_why){ .set = 1, .node = cmp, .pt = pt, .measured = left ? x : y,
                                  .other = left ? y : x, .both = !cmp->a->folded && !cmp->b->folded };
}

static char *expect_span_text(struct fig_env *e, const struct ast_span *sp)
{
    size_t len = 0;
    const char *src = e->diag ? diag_source_text(e->diag, sp->src, &len) : NULL;
    if (!src || sp->start < 0 || sp->end > (int)len || sp->end < sp->start)
        return xstrdup("condition");
    return xasprintf("%.*s", sp->end - sp->start, src + sp->start);
}

static void expect_report(struct expect_ctx *c, const struct eval_value *res)
{
    char *text = expect_span_text(c->e, &c->o->expr->span), *where = NULL, *what;
    int pt = c->why.set ? c->why.pt : -1;
    for (int k = 0; pt < 0 && k < res->n; k++)
        if (eval_value_get(res, k) == 0)
            pt = eval_value_point(res, k);
    if (pt >= 0) {
        char *lab = fig_point_label(c->e, c->g, pt, "=");
        where = xasprintf(" at %s", lab);
        free(lab);
    }
    if (c->why.extra)
        what = xasprintf("measured %s", c->why.extra);
    else if (c->why.set && c->why.both)
        what = xasprintf("measured %g and %g%s", c->why.measured, c->why.other, where ? where : "");
    else if (c->why.set)
        what = xasprintf("measured %g%s", c->why.measured, where ? where : "");
    else
        what = xasprintf("the condition is false%s", where ? where : "");
    diag_error(c->e->diag, &c->o->span, "expectation failed: %s: %s", text, what);
    fig_claim_note(c->e, c->o, 0, what);
    free(what);
    free(where);
    free(text);
}

/* A claim that holds is recorded with the value of its measured side (the
 * side of the comparison that is not a constant), so a report shows how
 * close it came; a claim of another shape is recorded as holding. */
static void expect_note_holds(struct expect_ctx *c, struct eval_ctx *ev, const char *mask)
{
    const struct ast_node *x = c->o->expr;
    struct eval_value v;
    if (!c->e->claims || x->kind != AST_BINOP || x->op < AST_OP_EQ || x->op > AST_OP_GE ||
        eval_node(ev, x->a->folded ? x->b : x->a, mask, &v) != 0) {
        fig_claim_note(c->e, c->o, 1, "holds");
        return;
    }
    double lo = INFINITY, hi = -INFINITY;
    for (int k = 0; k < v.n; k++) {
        lo = fmin(lo, eval_value_get(&v, k));
        hi = fmax(hi, eval_value_get(&v, k));
    }
    char *what = v.n == 0 ? xstrdup("holds") : lo == hi ? xasprintf("measured %g", lo)
               : xasprintf("measured %g to %g over %d points", lo, hi, v.n);
    fig_claim_note(c->e, c->o, 1, what);
    free(what);
    eval_value_free(&v);
}

int expect_eval(struct fig_env *e, const struct plan_output *o)
{
    if (!o->expr || o->group < 0 || o->group >= e->plan->ngroups) {
        diag_error(e->diag, &o->span, "internal: expectation without a condition");
        return -1;
    }
    struct expect_ctx c = { .e = e, .o = o, .g = &e->plan->groups[o->group], .group = o->group };
    const struct eval_source src = { &c, expect_source_metric, expect_source_false };
    struct eval_ctx ev;
    eval_init_source(&ev, e->diag, &src);
    char *mask = xmalloc((size_t)c.g->npoints);
    memset(mask, 1, (size_t)c.g->npoints);
    struct eval_value res;
    int rc = eval_node(&ev, o->expr, mask, &res);
    if (rc == 0) {
        int holds = 1;
        for (int k = 0; k < res.n; k++)
            holds &= eval_value_get(&res, k) != 0 && !isnan(eval_value_get(&res, k));
        if (!holds)
            expect_report(&c, &res);
        else
            expect_note_holds(&c, &ev, mask);
        rc = holds ? 0 : 1;
        eval_value_free(&res);
    }
    if (rc < 0)
        fig_claim_note(e, o, -1, "could not be evaluated (see the error)");
    free(c.why.extra);
    free(mask);
    return rc;
}
