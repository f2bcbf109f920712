/* runtime/report/expect.c: evaluating `expect` conditions against trained runs.
 * A metric call yields one value per selected grid point of the output's
 * group (the kept run's value under keep best, else the mean over repeats);
 * selectors inside a call (sparsity=0, density<=0.01, axis names) narrow the
 * points. Arithmetic and comparisons work point by point, with single values
 * broadcast; min/max/mean reduce over points; increasing/decreasing check the
 * order along the first sweep axis. The condition holds when it holds at
 * every point. On failure the message names the measured value and where. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "fig_impl.h"
#include "names.h"

/* Values over points: pt[k] is the grid point of v[k], or -1 for a value
 * that belongs to no single point (constants, aggregates). */
struct val { int n; double *v; int *pt; };

/* The first comparison found false, for the message. */
struct why {
    int set;
    const struct ast_node *node;
    double measured, other;
    int both, pt;
    char *extra;              /* monotone failures say more */
};

struct ectx {
    struct fig_env *e;
    const struct plan_output *o;
    const struct plan_group *g;
    int group;
    struct why why;
};

static void val_make(struct val *x, int n)
{
    x->n = n;
    x->v = xcalloc((size_t)(n ? n : 1), sizeof *x->v);
    x->pt = xcalloc((size_t)(n ? n : 1), sizeof *x->pt);
}

static void val_scalar(struct val *x, double v)
{
    val_make(x, 1);
    x->v[0] = v;
    x->pt[0] = -1;
}

static void val_free(struct val *x)
{
    free(x->v);
    free(x->pt);
    x->v = NULL;
    x->pt = NULL;
}

static int eval(struct ectx *c, const struct ast_node *n, const char *mask, struct val *out);

static int close_to(double x, double v)
{
    return fabs(x - v) <= 1e-9 * fmax(fabs(x), fabs(v)) || fabs(x - v) < 1e-12;
}

static int compare(enum ast_op op, double x, double v)
{
    switch (op) {
    case AST_OP_EQ: return close_to(x, v);
    case AST_OP_NE: return !close_to(x, v);
    case AST_OP_LT: return x < v;
    case AST_OP_LE: return x <= v || close_to(x, v);
    case AST_OP_GT: return x > v;
    case AST_OP_GE: return x >= v || close_to(x, v);
    default: return 0;
    }
}

/* The coordinate a selector name reads at point p; -1 for unknown names. */
static int coord(struct ectx *c, const char *name, int p, double *x)
{
    const struct plan_group *g = c->g;
    for (int a = 0; a < g->naxes; a++)
        if (strcmp(g->axes[a].name, name) == 0) {
            *x = g->coords[p * g->naxes + a];
            return 0;
        }
    const struct plan_run *r = &c->e->plan->runs[g->runs[p * g->nrepeat]];
    if (strcmp(name, "sparsity") == 0)
        *x = 1.0 - r->density[0];
    else if (strcmp(name, "density") == 0)
        *x = r->density[0];
    else
        return -1;
    return 0;
}

/* Narrow mask by the call's selectors into sel (tol= is not a selector). */
static int select_points(struct ectx *c, const struct ast_node *call, const char *mask, char *sel)
{
    memcpy(sel, mask, (size_t)c->g->npoints);
    for (int s = 0; s < call->nsels; s++) {
        const struct ast_node *sn = call->sels[s];
        if (strcmp(sn->name, "tol") == 0)
            continue;
        int any = 0;
        for (int p = 0; p < c->g->npoints; p++) {
            double x;
            if (coord(c, sn->name, p, &x) != 0) {
                diag_error(c->e->diag, &sn->span, "cannot select on '%s': it is not an axis of this "
                           "sweep, nor sparsity or density", sn->name);
                return -1;
            }
            if (sel[p] && !compare(sn->op, x, sn->a->num))
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
static int point_usable(struct ectx *c, const struct ast_node *call, int p)
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

static int eval_metric(struct ectx *c, const struct ast_node *n, const char *sel, struct val *out)
{
    int metric = fig_metric_lookup(n->name), idx = 0, cnt = 0;
    if (metric < 0) {
        diag_error(c->e->diag, &n->span, "unknown metric '%s'", n->name);
        return -1;
    }
    if (fig_metric_takes_index(metric)) {
        if (n->nargs < 1 || !n->args[0]->folded) {
            diag_error(c->e->diag, &n->span, "'%s' needs a feature index", n->name);
            return -1;
        }
        idx = (int)n->args[0]->num;
        if (idx < 0 || idx >= c->g->n || idx != n->args[0]->num) {
            diag_error(c->e->diag, &n->args[0]->span, "feature index %g is out of range 0..%d",
                       n->args[0]->num, c->g->n - 1);
            return -1;
        }
    }
    for (int p = 0; p < c->g->npoints; p++)
        cnt += sel[p];
    val_make(out, cnt);
    int k = 0, agree = 0;
    for (int p = 0; p < c->g->npoints; p++) {
        if (!sel[p])
            continue;
        int fail = !point_usable(c, n, p);
        if (!fail && fig_point_value(c->e, c->group, p, metric, idx, &out->v[k]) != 0) {
            diag_error(c->e->diag, &n->span, metric == FM_PHASE_AGREEMENT
                       ? "phase_agreement needs a phase-diagram group (n=2 m=1 or n=3 m=2)"
                       : "cannot evaluate '%s' here", n->name);
            fail = 1;
        }
        if (fail) {
            val_free(out);
            return -1;
        }
        agree += out->v[k] != 0;
        out->pt[k++] = p;
    }
    if (metric == FM_PHASE_AGREEMENT) {   /* a share of cells, not a value per cell */
        val_free(out);
        val_scalar(out, (double)agree / cnt);
    }
    return 0;
}

static int eval_aggregate(struct ectx *c, const struct ast_node *n, const char *sel, struct val *out)
{
    struct val x;
    if (n->nargs != 1 || eval(c, n->args[0], sel, &x) != 0)
        return -1;
    double r = n->name[1] == 'i' ? INFINITY : n->name[1] == 'a' ? -INFINITY : 0;
    for (int k = 0; k < x.n; k++) {
        if (n->name[1] == 'i')
            r = fmin(r, x.v[k]);
        else if (n->name[1] == 'a')
            r = fmax(r, x.v[k]);
        else
            r += x.v[k] / x.n;
    }
    val_free(&x);
    val_scalar(out, r);
    return 0;
}

/* increasing/decreasing along axis 0, for each setting of the other axes. */
static int eval_monotone(struct ectx *c, const struct ast_node *n, const char *sel, struct val *out)
{
    double tol = 0;
    for (int s = 0; s < n->nsels; s++)
        if (strcmp(n->sels[s]->name, "tol") == 0)
            tol = n->sels[s]->a->num;
    struct val x;
    if (n->nargs != 1 || eval(c, n->args[0], sel, &x) != 0)
        return -1;
    int up = strcmp(n->name, "increasing") == 0, holds = 1;
    int stride = 1;
    for (int a = 1; a < c->g->naxes; a++)
        stride *= c->g->axes[a].count;
    for (int i = 0; i < x.n && holds; i++)
        for (int j = i + 1; j < x.n && holds; j++) {
            if (x.pt[i] < 0 || x.pt[j] < 0 || x.pt[j] % stride != x.pt[i] % stride)
                continue;
            /* j is the next selected point after i along axis 0 */
            int between = 0;
            for (int k = i + 1; k < j; k++)
                between |= x.pt[k] % stride == x.pt[i] % stride;
            if (between)
                continue;
            double d = x.v[j] - x.v[i];
            if (up ? d < -tol : d > tol) {
                holds = 0;
                char *a = fig_point_label(c->e, c->g, x.pt[i], "="), *b = fig_point_label(c->e, c->g, x.pt[j], "=");
                if (!c->why.set) {
                    c->why = (struct why){ .set = 1, .node = n, .measured = x.v[j], .pt = x.pt[j] };
                    c->why.extra = xasprintf("%g at %s after %g at %s", x.v[j], b, x.v[i], a);
                }
                free(a);
                free(b);
            }
        }
    val_free(&x);
    val_scalar(out, holds);
    return 0;
}

static int eval_function(struct ectx *c, const struct ast_node *n, const char *mask, struct val *out)
{
    struct val a, b = { 0 };
    if (n->nargs < 1 || eval(c, n->args[0], mask, &a) != 0)
        return -1;
    if (n->nargs > 1 && eval(c, n->args[1], mask, &b) != 0) {
        val_free(&a);
        return -1;
    }
    if (b.n > 1 && a.n == 1) {   /* broadcast: keep the longer one's points */
        struct val t = a;
        a = b;
        b = t;
    }
    const char *f = n->name;
    for (int k = 0; k < a.n; k++) {
        double x = a.v[k], y = b.n ? b.v[b.n == 1 ? 0 : k] : 0;
        a.v[k] = !strcmp(f, "exp") ? exp(x) : !strcmp(f, "log") ? log(x) : !strcmp(f, "sqrt") ? sqrt(x)
               : !strcmp(f, "abs") ? fabs(x) : !strcmp(f, "min") ? fmin(x, y) : fmax(x, y);
    }
    val_free(&b);
    *out = a;
    return 0;
}

static int eval_call(struct ectx *c, const struct ast_node *n, const char *mask, struct val *out)
{
    if (!n->metric)
        return eval_function(c, n, mask, out);
    char *sel = xmalloc((size_t)c->g->npoints);
    int rc = select_points(c, n, mask, sel);
    if (rc == 0) {
        switch (n->metric->kind) {
        case NAMES_AGGREGATE: rc = eval_aggregate(c, n, sel, out); break;
        case NAMES_MONOTONE: rc = eval_monotone(c, n, sel, out); break;
        default: rc = eval_metric(c, n, sel, out); break;
        }
    }
    free(sel);
    return rc;
}

static double arith(enum ast_op op, double x, double y)
{
    switch (op) {
    case AST_OP_ADD: return x + y;
    case AST_OP_SUB: return x - y;
    case AST_OP_MUL: return x * y;
    case AST_OP_DIV: return x / y;
    case AST_OP_POW: return pow(x, y);
    case AST_OP_AND: return x != 0 && y != 0;
    case AST_OP_OR: return x != 0 || y != 0;
    default: return compare(op, x, y);
    }
}

static int eval_binop(struct ectx *c, const struct ast_node *n, const char *mask, struct val *out)
{
    struct val a, b;
    if (eval(c, n->a, mask, &a) != 0)
        return -1;
    if (eval(c, n->b, mask, &b) != 0) {
        val_free(&a);
        return -1;
    }
    if (a.n != b.n && a.n != 1 && b.n != 1) {
        diag_error(c->e->diag, &n->span, "'%s' compares %d points with %d points", ast_op_text(n->op),
                   a.n, b.n);
        val_free(&a);
        val_free(&b);
        return -1;
    }
    int len = a.n > b.n ? a.n : b.n, cmp = n->op >= AST_OP_EQ && n->op <= AST_OP_GE;
    val_make(out, len);
    for (int k = 0; k < len; k++) {
        int ia = a.n == 1 ? 0 : k, ib = b.n == 1 ? 0 : k;
        out->v[k] = arith(n->op, a.v[ia], b.v[ib]);
        out->pt[k] = a.pt[ia] >= 0 ? a.pt[ia] : b.pt[ib];
        if (cmp && out->v[k] == 0 && !c->why.set) {
            int left = !n->a->folded || n->b->folded;
            c->why = (struct why){ .set = 1, .node = n, .pt = out->pt[k],
                                   .measured = left ? a.v[ia] : b.v[ib], .other = left ? b.v[ib] : a.v[ia],
                                   .both = !n->a->folded && !n->b->folded };
        }
    }
    val_free(&a);
    val_free(&b);
    return 0;
}

static int eval(struct ectx *c, const struct ast_node *n, const char *mask, struct val *out)
{
    if (n->folded || n->kind == AST_NUM) {
        val_scalar(out, n->num);
        return 0;
    }
    switch (n->kind) {
    case AST_NEG: case AST_NOT:
        if (eval(c, n->a, mask, out) != 0)
            return -1;
        for (int k = 0; k < out->n; k++)
            out->v[k] = n->kind == AST_NEG ? -out->v[k] : out->v[k] == 0;
        return 0;
    case AST_BINOP: return eval_binop(c, n, mask, out);
    case AST_CALL: return eval_call(c, n, mask, out);
    default:
        diag_error(c->e->diag, &n->span, "'%s' has no value in an expectation", n->name ? n->name : "this");
        return -1;
    }
}

static char *span_text(struct fig_env *e, const struct ast_span *sp)
{
    size_t len = 0;
    const char *src = e->diag ? diag_source_text(e->diag, sp->src, &len) : NULL;
    if (!src || sp->start < 0 || sp->end > (int)len || sp->end < sp->start)
        return xstrdup("condition");
    return xasprintf("%.*s", sp->end - sp->start, src + sp->start);
}

static void report(struct ectx *c, const struct val *res)
{
    char *text = span_text(c->e, &c->o->expr->span), *where = NULL, *what;
    int pt = c->why.set ? c->why.pt : -1;
    for (int k = 0; pt < 0 && k < res->n; k++)
        if (res->v[k] == 0)
            pt = res->pt[k];
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
    free(what);
    free(where);
    free(text);
}

int expect_eval(struct fig_env *e, const struct plan_output *o)
{
    if (!o->expr || o->group < 0 || o->group >= e->plan->ngroups) {
        diag_error(e->diag, &o->span, "internal: expectation without a condition");
        return -1;
    }
    struct ectx c = { .e = e, .o = o, .g = &e->plan->groups[o->group], .group = o->group };
    char *mask = xmalloc((size_t)c.g->npoints);
    memset(mask, 1, (size_t)c.g->npoints);
    struct val res;
    int rc = eval(&c, o->expr, mask, &res);
    if (rc == 0) {
        int holds = 1;
        for (int k = 0; k < res.n; k++)
            holds &= res.v[k] != 0 && !isnan(res.v[k]);
        if (!holds)
            report(&c, &res);
        rc = holds ? 0 : 1;
        val_free(&res);
    }
    free(c.why.extra);
    free(mask);
    return rc;
}
