/* lang/eval.h: the one evaluator of tmsl expressions, for settings and claims.
 * A value is a vector over the grid points of a group; a plain number is a
 * one-element value that belongs to no point. Settings (`let`, `i`, model
 * and train parameters) are evaluated with no metric source, so every value
 * is a number and a mistake (division by zero, a non-finite result) is an
 * error at its subexpression. An `expect` claim is evaluated with a metric
 * source supplied by the runtime: metric calls yield one value per selected
 * point and functions, arithmetic and comparisons broadcast over them. The
 * runtime includes this header; it includes nothing from the runtime. */
#ifndef TMSL_EVAL_H
#define TMSL_EVAL_H
#include "ast.h"
#include "names.h"

/* n elements; pt[k] is the grid point of element k, or -1 when the element
 * belongs to no single point (numbers, aggregates over points). A
 * one-element value is stored inline, so numbers cost no allocation. */
struct eval_value {
    int n;
    double *v;            /* [n] when n > 1, else NULL and the value is `one` */
    int *pt;              /* [n] when n > 1, else NULL and the point is `one_pt` */
    double one;
    int one_pt;
};
void eval_value_init(struct eval_value *x, int n);   /* n elements, 0, no point */
void eval_value_scalar(struct eval_value *x, double v);
void eval_value_free(struct eval_value *x);
/* Element k, broadcasting a one-element value to every k. */
double eval_value_get(const struct eval_value *x, int k);
int eval_value_point(const struct eval_value *x, int k);
void eval_value_set(struct eval_value *x, int k, double v, int pt);

/* Comparison of two numbers as claims read it: == is "close to" (within
 * 1e-9 relative or 1e-12 absolute, since measured values carry rounding),
 * and <= and >= also accept close values. */
int eval_close(double x, double y);
int eval_compare(enum ast_op op, double x, double y);

struct eval_ctx;

/* What the runtime supplies to evaluate claims. */
struct eval_source {
    void *ctx;
    /* A metric call (call->metric set by the checker) over the points of
     * mask (one char per point, nonzero: in). Aggregates and monotone
     * checks evaluate their argument with eval_node(ev, ...). Returns 0, or
     * -1 after reporting. */
    int (*metric)(void *ctx, struct eval_ctx *ev, const struct ast_node *call,
                  const char *mask, struct eval_value *out);
    /* Told of every element at which a comparison is false, left and right
     * being its operands there, so the failure can name what was measured.
     * May be NULL. */
    void (*falsehood)(void *ctx, const struct ast_node *cmp, double left, double right, int pt);
};

struct front;
struct front_state;

/* Evaluation state. Settings fill f and st (names resolve to i, axes,
 * overrides, n, m and let variables); claims fill diag and src instead,
 * their names having been folded to numbers by the checker. */
struct eval_ctx {
    struct front *f;
    const struct front_state *st;
    const double *axis_val;           /* [st->naxes] at this grid point, or NULL */
    int have_i;
    double i;
    int have_nm;
    double n, m;
    int quiet;                        /* evaluate without reporting (probing) */
    int failed_quiet;
    int depth;
    const char *busy[32];             /* lets being evaluated: cycles */
    int nbusy;
    struct diag *diag;                /* where errors go; NULL: f's */
    const struct eval_source *src;    /* metrics; NULL: settings only */
};

/* A context for settings at check time: no grid point, no feature. */
void eval_init(struct eval_ctx *c, struct front *f, const struct front_state *st);
/* A context for claims: no settings, errors to d, metrics from src. */
void eval_init_source(struct eval_ctx *c, struct diag *d, const struct eval_source *src);
/* Evaluate e over the points of mask (NULL: settings, no points). */
int eval_node(struct eval_ctx *c, const struct ast_node *e, const char *mask, struct eval_value *out);
/* Evaluate e to one number. */
int eval_expr(struct eval_ctx *c, const struct ast_node *e, double *out);
/* Value of a setting at the context's point, honouring axes and overrides. */
int eval_lookup(struct eval_ctx *c, const char *name, const struct ast_span *sp, double *out);
int eval_is_axis(const struct front_state *st, const char *name);
/* Check a call of fn: its arity and that it has no selectors. 0, or -1
 * after reporting at the call (or the first selector). */
int eval_check_call(struct eval_ctx *c, const struct ast_node *call, const struct names_function *fn);
/* "1 argument", "0 arguments", "at least 2 arguments", "1 to 3 arguments". */
const char *eval_arity_text(int lo, int hi, char *buf, size_t size);

#endif
