/* lang/eval.c: evaluation of setting expressions.
 * Expressions are evaluated when a statement is checked and again at every
 * grid point, so a swept let variable reaches everything that uses it. Names
 * resolve, in order, to the feature index i, a sweep axis at this point, a
 * -D override, then the setting or let variable itself; let variables are
 * evaluated lazily, and one defined through itself is an error. Every
 * non-finite intermediate result is reported at its own subexpression. */
#include <math.h>
#include <string.h>
#include "front_int.h"
#include "util.h"

#define EVAL_MAX_DEPTH 200

#define EVAL_ERR(c, sp, ...)                                        \
    do {                                                            \
        if ((c)->quiet)                                             \
            (c)->failed_quiet = 1;                                  \
        else                                                        \
            diag_error((c)->f->diag, (sp), __VA_ARGS__);            \
    } while (0)

int eval_is_axis(const struct front_state *st, const char *name)
{
    for (int k = 0; k < st->naxes; k++)
        if (strcmp(st->axes[k].name, name) == 0)
            return k;
    return -1;
}

static const struct front_let *eval_find_let(const struct front_state *st, const char *name)
{
    for (int k = st->nlets - 1; k >= 0; k--)
        if (strcmp(st->lets[k].name, name) == 0)
            return &st->lets[k];
    return NULL;
}

/* Suggest among i, n, m and the let variables. */
static void eval_unknown(struct eval_ctx *c, const char *name, const struct ast_span *sp)
{
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
        EVAL_ERR(c, sp, "unknown variable '%s'; did you mean '%s'?", name, s);
    else
        EVAL_ERR(c, sp, "unknown variable '%s'", name);
}

static int eval_guarded(struct eval_ctx *c, const char *name, const struct ast_node *e,
                        const struct ast_span *sp, double *out)
{
    for (int k = 0; k < c->nbusy; k++)
        if (strcmp(c->busy[k], name) == 0) {
            EVAL_ERR(c, sp, "'%s' is defined in terms of itself", name);
            return -1;
        }
    if (c->nbusy >= 32) {
        EVAL_ERR(c, sp, "definitions nest too deeply");
        return -1;
    }
    c->busy[c->nbusy++] = name;
    int rc = eval_expr(c, e, out);
    c->nbusy--;
    return rc;
}

int eval_lookup(struct eval_ctx *c, const char *name, const struct ast_span *sp, double *out)
{
    if (strcmp(name, "i") == 0) {
        if (!c->have_i) {
            EVAL_ERR(c, sp, "'i' used where there is no feature");
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
    int is_n = strcmp(name, "n") == 0, is_m = strcmp(name, "m") == 0;
    if ((is_n || is_m) && c->have_nm) {
        *out = is_n ? c->n : c->m;
        return 0;
    }
    struct front_override *o = front_find_override(c->f, name);
    if (o) {
        o->used = 1;
        return eval_guarded(c, name, o->expr, sp, out);
    }
    if (is_n || is_m) {
        const struct ast_node *e = is_n ? c->st->n : c->st->m;
        if (!e) {
            EVAL_ERR(c, sp, "'%s' is not set yet; write 'model KIND n=N m=M' first", name);
            return -1;
        }
        return eval_guarded(c, name, e, sp, out);
    }
    const struct front_let *l = eval_find_let(c->st, name);
    if (l)
        return eval_guarded(c, name, l->expr, sp, out);
    eval_unknown(c, name, sp);
    return -1;
}

static int eval_call(struct eval_ctx *c, const struct ast_node *e, double *out)
{
    int fn = names_index(names_functions, e->name);
    if (fn < 0) {
        if (names_metric_find(e->name))
            EVAL_ERR(c, &e->span, "metric '%s' can only be used in 'expect'", e->name);
        else {
            const char *s = names_suggest(e->name, names_functions);
            if (s)
                EVAL_ERR(c, &e->name_span, "unknown function '%s'; did you mean '%s'?", e->name, s);
            else
                EVAL_ERR(c, &e->name_span, "unknown function '%s'", e->name);
        }
        return -1;
    }
    int two = fn >= 4;   /* min and max take two or more arguments */
    if (e->nsels) {
        EVAL_ERR(c, &e->sels[0]->span, "'%s' takes no selectors", e->name);
        return -1;
    }
    if ((!two && e->nargs != 1) || (two && e->nargs < 2)) {
        EVAL_ERR(c, &e->span, "'%s' takes %s, got %d", e->name,
                 two ? "at least 2 arguments" : "1 argument", e->nargs);
        return -1;
    }
    double v[64];
    if (e->nargs > 64) {
        EVAL_ERR(c, &e->span, "too many arguments to '%s'", e->name);
        return -1;
    }
    for (int k = 0; k < e->nargs; k++)
        if (eval_expr(c, e->args[k], &v[k]) != 0)
            return -1;
    double r = v[0];
    switch (fn) {
    case 0: r = exp(v[0]); break;
    case 1: r = log(v[0]); break;
    case 2: r = sqrt(v[0]); break;
    case 3: r = fabs(v[0]); break;
    default:
        for (int k = 1; k < e->nargs; k++)
            r = fn == 4 ? fmin(r, v[k]) : fmax(r, v[k]);
    }
    *out = r;
    return 0;
}

static int eval_binop(struct eval_ctx *c, const struct ast_node *e, double *out)
{
    double a, b;
    if (eval_expr(c, e->a, &a) != 0 || eval_expr(c, e->b, &b) != 0)
        return -1;
    switch (e->op) {
    case AST_OP_ADD: *out = a + b; break;
    case AST_OP_SUB: *out = a - b; break;
    case AST_OP_MUL: *out = a * b; break;
    case AST_OP_DIV:
        if (b == 0) {
            EVAL_ERR(c, &e->span, "division by zero");
            return -1;
        }
        *out = a / b;
        break;
    case AST_OP_POW: *out = pow(a, b); break;
    case AST_OP_EQ: *out = a == b; break;
    case AST_OP_NE: *out = a != b; break;
    case AST_OP_LT: *out = a < b; break;
    case AST_OP_LE: *out = a <= b; break;
    case AST_OP_GT: *out = a > b; break;
    case AST_OP_GE: *out = a >= b; break;
    case AST_OP_AND: *out = a != 0 && b != 0; break;
    case AST_OP_OR: *out = a != 0 || b != 0; break;
    }
    return 0;
}

int eval_expr(struct eval_ctx *c, const struct ast_node *e, double *out)
{
    if (!e) {
        *out = 0;
        return -1;
    }
    if (c->depth > EVAL_MAX_DEPTH) {
        EVAL_ERR(c, &e->span, "expression nests too deeply");
        return -1;
    }
    c->depth++;
    int rc = 0;
    switch (e->kind) {
    case AST_NUM: *out = e->num; break;
    case AST_NAME: rc = eval_lookup(c, e->name, &e->span, out); break;
    case AST_NEG: rc = eval_expr(c, e->a, out); *out = -*out; break;
    case AST_NOT: rc = eval_expr(c, e->a, out); *out = *out == 0; break;
    case AST_BINOP: rc = eval_binop(c, e, out); break;
    case AST_CALL: rc = eval_call(c, e, out); break;
    case AST_LIST:
        EVAL_ERR(c, &e->span, "a list is not allowed here");
        rc = -1;
        break;
    default:
        EVAL_ERR(c, &e->span, "not an expression");
        rc = -1;
    }
    c->depth--;
    if (rc == 0 && !isfinite(*out)) {
        EVAL_ERR(c, &e->span, "result is not a finite number");
        rc = -1;
    }
    return rc;
}

void eval_init(struct eval_ctx *c, struct front *f, const struct front_state *st)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->st = st;
}
