/* lang/eval.c: the one evaluator of expressions, for settings and claims.
 * Settings are evaluated when a statement is checked and again at every
 * grid point, so a swept let variable reaches everything that uses it. Names
 * resolve, in order, to the feature index i, a sweep axis at this point, a
 * -D override, then the setting or let variable itself; let variables are
 * evaluated lazily, and one defined through itself is an error. Without a
 * metric source every value is a number and every non-finite intermediate
 * result is reported at its own subexpression. With one (claims, at run
 * time) metric calls go to the source and yield values over points;
 * functions, arithmetic and comparisons apply element by element, a
 * one-element value broadcasting against the others. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "util.h"

#define EVAL_MAX_DEPTH 200
#define EVAL_MAX_ARGS 64

static void eval_error(struct eval_ctx *c, const struct ast_span *sp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void eval_error(struct eval_ctx *c, const struct ast_span *sp, const char *fmt, ...)
{
    if (c->quiet) {
        c->failed_quiet = 1;
        return;
    }
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(c->diag ? c->diag : c->f->diag, sp, "%s", msg);
}

/* Settings are exact inputs, so division by zero or a non-finite value is a
 * mistake to report; measured values may be anything, and a NaN simply
 * makes a claim false. */
static int eval_strict(const struct eval_ctx *c)
{
    return c->src == NULL;
}

void eval_init_source(struct eval_ctx *c, struct diag *d, const struct eval_source *src)
{
    memset(c, 0, sizeof *c);
    c->diag = d;
    c->src = src;
}

int eval_is_axis(const struct front_state *st, const char *name)
{
    for (int k = 0; k < st->naxes; k++)
        if (strcmp(st->axes[k].name, name) == 0)
            return k;
    return -1;
}

static const struct front_let *eval_find_let(const struct front_state *st, const char *name)
{
    int k = front_let_find(st, name);
    return k >= 0 ? &st->lets[k] : NULL;
}

/* Suggest among i, n, m and the let variables; a metric name is a claim's
 * word used in a setting, which deserves its own message. */
static void eval_unknown(struct eval_ctx *c, const char *name, const struct ast_span *sp)
{
    const struct names_metric *met = names_metric_find(name);
    if (met && met->kind == NAMES_POINT) {
        eval_error(c, sp, "metric '%s' can only be used in 'expect'", name);
        return;
    }
    const char *cands[64];
    int nc = 0;
    cands[nc++] = "n";
    cands[nc++] = "m";
    if (c->have_i)
        cands[nc++] = "i";
    for (int k = 0; k < c->st->nlets && nc < 63; k++)
        cands[nc++] = c->st->lets[k].name;
    cands[nc] = NULL;
    const char *s = names_suggest(name, cands);
    if (s)
        eval_error(c, sp, "unknown variable '%s'; did you mean '%s'?", name, s);
    else
        eval_error(c, sp, "unknown variable '%s'", name);
}

static int eval_guarded(struct eval_ctx *c, const char *name, const struct ast_node *e,
                        const struct ast_span *sp, double *out)
{
    for (int k = 0; k < c->nbusy; k++)
        if (strcmp(c->busy[k], name) == 0) {
            eval_error(c, sp, "'%s' is defined in terms of itself", name);
            return -1;
        }
    if (c->nbusy >= 32) {
        eval_error(c, sp, "definitions nest too deeply");
        return -1;
    }
    c->busy[c->nbusy++] = name;
    int rc = eval_expr(c, e, out);
    c->nbusy--;
    return rc;
}

/* n and m, from the point being resolved or from their expressions. */
static int eval_lookup_nm(struct eval_ctx *c, const char *name, const struct ast_span *sp,
                          double *out)
{
    int is_n = strcmp(name, "n") == 0;
    if (c->have_nm) {
        *out = is_n ? c->n : c->m;
        return 0;
    }
    const struct ast_node *e = is_n ? c->st->n : c->st->m;
    if (!e) {
        eval_error(c, sp, "'%s' is not set yet; write 'model KIND n=N m=M' first", name);
        return -1;
    }
    return eval_guarded(c, name, e, sp, out);
}

int eval_lookup(struct eval_ctx *c, const char *name, const struct ast_span *sp, double *out)
{
    if (strcmp(name, "i") == 0) {
        if (!c->have_i) {
            eval_error(c, sp, "'i' used where there is no feature");
            return -1;
        }
        *out = c->i;
        return 0;
    }
    int ax = eval_is_axis(c->st, name);
    if (ax >= 0 && c->axis_val) {
        *out = c->axis_val[ax];
        return 0;
    }
    int is_nm = strcmp(name, "n") == 0 || strcmp(name, "m") == 0;
    if (is_nm && c->have_nm)
        return eval_lookup_nm(c, name, sp, out);
    struct front_override *o = front_find_override(c->f, name);
    if (o) {
        o->used = 1;
        return eval_guarded(c, name, o->expr, sp, out);
    }
    if (is_nm)
        return eval_lookup_nm(c, name, sp, out);
    const struct front_let *l = eval_find_let(c->st, name);
    if (l)
        return eval_guarded(c, name, l->expr, sp, out);
    eval_unknown(c, name, sp);
    return -1;
}

/* A name in a claim was folded to a number by the checker; one left over
 * has nothing to resolve against. */
static int eval_name(struct eval_ctx *c, const struct ast_node *e, struct eval_value *out)
{
    double v;
    if (!c->st) {
        eval_error(c, &e->span, "'%s' has no value in an expectation", e->name);
        return -1;
    }
    if (eval_lookup(c, e->name, &e->span, &v) != 0)
        return -1;
    eval_value_scalar(out, v);
    return 0;
}

const char *eval_arity_text(int lo, int hi, char *buf, size_t size)
{
    if (lo == hi)
        snprintf(buf, size, "%d argument%s", lo, lo == 1 ? "" : "s");
    else if (hi == NAMES_VARIADIC)
        snprintf(buf, size, "at least %d argument%s", lo, lo == 1 ? "" : "s");
    else
        snprintf(buf, size, "%d to %d arguments", lo, hi);
    return buf;
}

int eval_check_call(struct eval_ctx *c, const struct ast_node *call, const struct names_function *fn)
{
    char words[48];
    if (call->nsels) {
        eval_error(c, &call->sels[0]->span, "'%s' takes no selectors", call->name);
        return -1;
    }
    if (call->nargs < fn->min_args || call->nargs > fn->max_args) {
        eval_error(c, &call->span, "'%s' takes %s, got %d", call->name,
                   eval_arity_text(fn->min_args, fn->max_args, words, sizeof words), call->nargs);
        return -1;
    }
    if (call->nargs > EVAL_MAX_ARGS) {
        eval_error(c, &call->span, "too many arguments to '%s'", call->name);
        return -1;
    }
    return 0;
}

static void eval_unknown_function(struct eval_ctx *c, const struct ast_node *e)
{
    if (names_metric_find(e->name)) {
        eval_error(c, &e->span, "metric '%s' can only be used in 'expect'", e->name);
        return;
    }
    const char *s = names_suggest(e->name, names_functions);
    if (s)
        eval_error(c, &e->name_span, "unknown function '%s'; did you mean '%s'?", e->name, s);
    else
        eval_error(c, &e->name_span, "unknown function '%s'", e->name);
}

/* The common length of operands that broadcast: all of one length or of
 * one element. -1 after reporting when two lengths disagree. */
static int eval_broadcast(struct eval_ctx *c, const struct ast_node *e, const char *what,
                          const char *verb, const struct eval_value *xs, int nx)
{
    int len = 1;
    for (int k = 0; k < nx; k++) {
        if (xs[k].n == 1 || xs[k].n == len)
            continue;
        if (len != 1) {
            eval_error(c, &e->span, "'%s' %s %d points with %d points", what, verb, len, xs[k].n);
            return -1;
        }
        len = xs[k].n;
    }
    return len;
}

/* The grid point of element k of a result: the first operand's that has one. */
static int eval_point_of(const struct eval_value *xs, int nx, int k)
{
    for (int j = 0; j < nx; j++) {
        int p = eval_value_point(&xs[j], k);
        if (p >= 0)
            return p;
    }
    return -1;
}

/* fn applied element by element to all the argument values. */
static int eval_apply(struct eval_ctx *c, const struct ast_node *e, const struct names_function *fn,
                      const struct eval_value *xs, struct eval_value *out)
{
    int len = eval_broadcast(c, e, e->name, "combines", xs, e->nargs);
    if (len < 0)
        return -1;
    double a[EVAL_MAX_ARGS];
    eval_value_init(out, len);
    for (int k = 0; k < len; k++) {
        for (int j = 0; j < e->nargs; j++)
            a[j] = eval_value_get(&xs[j], k);
        eval_value_set(out, k, fn->apply(a, e->nargs), eval_point_of(xs, e->nargs, k));
    }
    return 0;
}

static int eval_call(struct eval_ctx *c, const struct ast_node *e, const char *mask,
                     struct eval_value *out)
{
    if (e->metric && c->src)   /* the checker marked it; only a source can measure */
        return c->src->metric(c->src->ctx, c, e, mask, out);
    const struct names_function *fn = names_function_find(e->name);
    if (!fn) {
        eval_unknown_function(c, e);
        return -1;
    }
    if (eval_check_call(c, e, fn) != 0)
        return -1;
    struct eval_value small[4];
    struct eval_value *xs = e->nargs <= 4 ? small : xmalloc(sizeof *xs * (size_t)e->nargs);
    int got = 0, rc = 0;
    while (rc == 0 && got < e->nargs) {
        rc = eval_node(c, e->args[got], mask, &xs[got]);
        got += rc == 0;
    }
    if (rc == 0)
        rc = eval_apply(c, e, fn, xs, out);
    for (int k = 0; k < got; k++)
        eval_value_free(&xs[k]);
    if (xs != small)
        free(xs);
    return rc;
}

static double eval_arith(enum ast_op op, double x, double y)
{
    switch (op) {
    case AST_OP_ADD: return x + y;
    case AST_OP_SUB: return x - y;
    case AST_OP_MUL: return x * y;
    case AST_OP_DIV: return x / y;
    case AST_OP_POW: return pow(x, y);
    case AST_OP_AND: return x != 0 && y != 0;
    case AST_OP_OR: return x != 0 || y != 0;
    default: return eval_compare(op, x, y);
    }
}

/* a op b element by element; a false comparison is told to the source. */
static int eval_combine(struct eval_ctx *c, const struct ast_node *e, const struct eval_value *ab,
                        struct eval_value *out)
{
    int len = eval_broadcast(c, e, ast_op_text(e->op), "compares", ab, 2);
    if (len < 0)
        return -1;
    int cmp = e->op >= AST_OP_EQ && e->op <= AST_OP_GE;
    eval_value_init(out, len);
    for (int k = 0; k < len; k++) {
        double x = eval_value_get(&ab[0], k), y = eval_value_get(&ab[1], k);
        int pt = eval_point_of(ab, 2, k);
        if (e->op == AST_OP_DIV && y == 0 && eval_strict(c)) {
            eval_error(c, &e->span, "division by zero");
            return -1;
        }
        double r = eval_arith(e->op, x, y);
        eval_value_set(out, k, r, pt);
        if (cmp && r == 0 && c->src && c->src->falsehood)
            c->src->falsehood(c->src->ctx, e, x, y, pt);
    }
    return 0;
}

static int eval_binop(struct eval_ctx *c, const struct ast_node *e, const char *mask,
                      struct eval_value *out)
{
    struct eval_value ab[2];
    if (eval_node(c, e->a, mask, &ab[0]) != 0)
        return -1;
    if (eval_node(c, e->b, mask, &ab[1]) != 0) {
        eval_value_free(&ab[0]);
        return -1;
    }
    int rc = eval_combine(c, e, ab, out);
    eval_value_free(&ab[0]);
    eval_value_free(&ab[1]);
    return rc;
}

static int eval_unary(struct eval_ctx *c, const struct ast_node *e, const char *mask,
                      struct eval_value *out)
{
    if (eval_node(c, e->a, mask, out) != 0)
        return -1;
    for (int k = 0; k < out->n; k++) {
        double x = eval_value_get(out, k);
        eval_value_set(out, k, e->kind == AST_NEG ? -x : x == 0, eval_value_point(out, k));
    }
    return 0;
}

static int eval_dispatch(struct eval_ctx *c, const struct ast_node *e, const char *mask,
                         struct eval_value *out)
{
    switch (e->kind) {
    case AST_NUM: eval_value_scalar(out, e->num); return 0;
    case AST_NAME: return eval_name(c, e, out);
    case AST_NEG: case AST_NOT: return eval_unary(c, e, mask, out);
    case AST_BINOP: return eval_binop(c, e, mask, out);
    case AST_CALL: return eval_call(c, e, mask, out);
    case AST_LIST:
        eval_error(c, &e->span, "a list is not allowed here");
        return -1;
    default:
        eval_error(c, &e->span, "not an expression");
        return -1;
    }
}

/* On failure out holds nothing to free. */
int eval_node(struct eval_ctx *c, const struct ast_node *e, const char *mask, struct eval_value *out)
{
    eval_value_scalar(out, 0);
    if (!e)
        return -1;
    if (e->folded && c->src) {   /* a claim's constant part, valued by the checker */
        out->one = e->num;
        return 0;
    }
    if (c->depth > EVAL_MAX_DEPTH) {
        eval_error(c, &e->span, "expression nests too deeply");
        return -1;
    }
    c->depth++;
    int rc = eval_dispatch(c, e, mask, out);
    c->depth--;
    for (int k = 0; rc == 0 && eval_strict(c) && k < out->n; k++)
        if (!isfinite(eval_value_get(out, k))) {
            eval_error(c, &e->span, "result is not a finite number");
            rc = -1;
        }
    if (rc != 0)
        eval_value_free(out);
    return rc;
}

int eval_expr(struct eval_ctx *c, const struct ast_node *e, double *out)
{
    struct eval_value v;
    int rc = eval_node(c, e, NULL, &v);
    *out = rc == 0 ? eval_value_get(&v, 0) : 0;
    if (rc == 0 && v.n != 1) {   /* only a metric source makes values over points */
        eval_error(c, &e->span, "a value over grid points is not allowed here");
        rc = -1;
    }
    eval_value_free(&v);
    return rc;
}

void eval_init(struct eval_ctx *c, struct front *f, const struct front_state *st)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->st = st;
}
