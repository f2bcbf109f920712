/* lang/value.c: values over grid points, and how claims compare numbers.
 * Settings evaluate one number per node at every grid point and feature, so
 * a one-element value lives inside the struct and costs no allocation; only
 * metric values over several points use the heap. The comparison tolerances
 * are here so that claims, selectors and settings all read `==` alike. */
#include <math.h>
#include <stdlib.h>
#include "eval.h"
#include "util.h"

void eval_value_init(struct eval_value *x, int n)
{
    x->n = n;
    x->one = 0;
    x->one_pt = -1;
    x->v = NULL;
    x->pt = NULL;
    if (n > 1) {
        x->v = xcalloc((size_t)n, sizeof *x->v);
        x->pt = xmalloc((size_t)n * sizeof *x->pt);
        for (int k = 0; k < n; k++)
            x->pt[k] = -1;
    }
}

void eval_value_scalar(struct eval_value *x, double v)
{
    eval_value_init(x, 1);
    x->one = v;
}

void eval_value_free(struct eval_value *x)
{
    free(x->v);
    free(x->pt);
    x->v = NULL;
    x->pt = NULL;
    x->n = 0;
}

double eval_value_get(const struct eval_value *x, int k)
{
    return x->v ? x->v[k] : x->one;
}

int eval_value_point(const struct eval_value *x, int k)
{
    return x->pt ? x->pt[k] : x->one_pt;
}

void eval_value_set(struct eval_value *x, int k, double v, int pt)
{
    if (x->v) {
        x->v[k] = v;
        x->pt[k] = pt;
    } else {
        x->one = v;
        x->one_pt = pt;
    }
}

int eval_close(double x, double y)
{
    return fabs(x - y) <= 1e-9 * fmax(fabs(x), fabs(y)) || fabs(x - y) < 1e-12;
}

int eval_compare(enum ast_op op, double x, double y)
{
    switch (op) {
    case AST_OP_EQ: return eval_close(x, y);
    case AST_OP_NE: return !eval_close(x, y);
    case AST_OP_LT: return x < y;
    case AST_OP_LE: return x <= y || eval_close(x, y);
    case AST_OP_GT: return x > y;
    case AST_OP_GE: return x >= y || eval_close(x, y);
    default: return 0;
    }
}
