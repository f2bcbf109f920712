/* lang/ast.h: the syntax tree of a tmsl text.
 * The parser builds one tree per text inside an arena: every node, name and
 * array of a text lives in that arena and is freed by one ast_arena_free().
 * Every node carries the byte span of the source it came from.
 *
 * Node layout (stable: the runtime walks expect expressions with it):
 *
 *   AST_NUM     num                         a number literal (or a folded value)
 *   AST_NAME    name                        i, n, m or a let variable
 *   AST_NEG     a                           -a
 *   AST_NOT     a                           not a
 *   AST_BINOP   op, a, b                    a op b (arithmetic, comparison, and/or)
 *   AST_CALL    name, args[nargs], sels[nsels]
 *                                           a function (exp log sqrt abs min max) or a
 *                                           metric; sels are AST_SEL nodes
 *   AST_SEL     name, op, a                 selector inside a call: name op a, e.g.
 *                                           sparsity=0 (op AST_OP_EQ), density<=0.01;
 *                                           tol=K of increasing/decreasing is a SEL
 *                                           named "tol"
 *   AST_LIST    args[nargs]                 [e0, e1, ...]
 *   AST_RANGE   a, b, name, c               a..b NAME c  (NAME "lin" or "log", c the count)
 *   AST_PARAM   name, a                     name=a inside model/train statements
 *
 * Expect expressions after checking: the front end sets `folded` on every
 * subtree that does not involve a metric and stores its value in `num`
 * (constants, n, m, let variables, feature indexes). Selector values are
 * always folded (`a->folded`, `a->num`). Bare metric names (`loss`) are
 * rewritten to AST_CALL with no arguments. A call's `metric` points at the
 * catalogue entry (names.h) for metrics, NULL for functions.
 *
 * Statements (kind AST_S_*) use:
 *   AST_S_MODEL       name (kind or NULL), args[] of AST_PARAM
 *   AST_S_IMPORTANCE  a (expression or AST_LIST)
 *   AST_S_SPARSITY, AST_S_DENSITY  a
 *   AST_S_TRAIN       args[] of AST_PARAM
 *   AST_S_SEED        a
 *   AST_S_SWEEP       name (+ name_span), a (AST_RANGE or AST_LIST)
 *   AST_S_UNSWEEP     name or NULL
 *   AST_S_REPEAT      a (count), name/name2 ("keep", "best") or NULL
 *   AST_S_LET         name, a
 *   AST_S_USE         name
 *   AST_S_DATA        name (the data generator), args[] of AST_PARAM (its parameters)
 *   AST_S_PLOT        args[] of AST_NAME (figures)
 *   AST_S_TABLE       args[] of AST_NAME (columns)
 *   AST_S_EXPECT      a
 *   AST_S_EXPERIMENT  name, body (statement list via next)
 *   AST_S_SAE         args[] of AST_PARAM, or name "off"
 *   AST_S_UNKNOWN     name (the unknown word)
 * Statements of a block are chained through `next`. */
#ifndef TMSL_AST_H
#define TMSL_AST_H
#include <stddef.h>
#include "diag.h"

enum ast_kind {
    AST_NUM, AST_NAME, AST_NEG, AST_NOT, AST_BINOP, AST_CALL, AST_SEL, AST_LIST,
    AST_RANGE, AST_PARAM,
    AST_S_MODEL, AST_S_IMPORTANCE, AST_S_SPARSITY, AST_S_DENSITY, AST_S_TRAIN,
    AST_S_SEED, AST_S_SWEEP, AST_S_UNSWEEP, AST_S_REPEAT, AST_S_LET, AST_S_USE, AST_S_DATA,
    AST_S_PLOT, AST_S_TABLE, AST_S_EXPECT, AST_S_EXPERIMENT, AST_S_UNKNOWN,
    AST_S_SAE
};

enum ast_op {
    AST_OP_ADD, AST_OP_SUB, AST_OP_MUL, AST_OP_DIV, AST_OP_POW,
    AST_OP_EQ, AST_OP_NE, AST_OP_LT, AST_OP_LE, AST_OP_GT, AST_OP_GE,
    AST_OP_AND, AST_OP_OR
};

struct names_metric;

struct ast_node {
    enum ast_kind kind;
    struct ast_span span;
    double num;                 /* AST_NUM; folded value when folded != 0 */
    int folded;
    const char *name;           /* names, functions, metrics, statement words */
    const char *name2;          /* AST_S_REPEAT: "best" */
    struct ast_span name_span;  /* span of `name` where it matters for errors */
    enum ast_op op;
    struct ast_node *a, *b, *c;
    int nargs;
    struct ast_node **args;
    int nsels;
    struct ast_node **sels;
    struct ast_node *body;      /* AST_S_EXPERIMENT */
    struct ast_node *next;      /* next statement of a block */
    const struct names_metric *metric; /* AST_CALL of a metric, set by the checker */
    int height;                 /* 1 for a leaf, else 1 + the tallest child's */
};

/* How deeply expressions and blocks may nest. Every walk of the tree
 * recurses, so the bound is what keeps any input from exhausting the stack;
 * a constructor that would exceed it marks its arena (ast_arena_too_deep)
 * and yields a leaf instead, so no tree is ever taller than this. */
#define AST_MAX_DEPTH 200

/* A growable list used while parsing. */
struct ast_list { int n, cap; struct ast_node **v; };

struct ast_arena;
struct ast_arena *ast_arena_new(void);
void ast_arena_free(struct ast_arena *a);
void *ast_alloc(struct ast_arena *a, size_t n);
char *ast_strndup(struct ast_arena *a, const char *s, size_t n);
/* 1 if a constructor refused to nest deeper than AST_MAX_DEPTH; *where is
 * the first such node's span. */
int ast_arena_too_deep(const struct ast_arena *a, struct ast_span *where);

/* Constructors (the only thing grammar actions call). */
struct ast_node *ast_num(struct ast_arena *a, struct ast_span sp, double v);
struct ast_node *ast_name(struct ast_arena *a, struct ast_span sp, const char *name);
struct ast_node *ast_unary(struct ast_arena *a, struct ast_span sp, enum ast_kind k,
                           struct ast_node *x);
struct ast_node *ast_binop(struct ast_arena *a, struct ast_span sp, enum ast_op op,
                           struct ast_node *x, struct ast_node *y);
/* Call: comparison arguments whose left side is a bare name (and name=value
 * arguments) become selectors. */
struct ast_node *ast_call(struct ast_arena *a, struct ast_span sp, const char *name,
                          struct ast_list *args);
struct ast_node *ast_sel(struct ast_arena *a, struct ast_span sp, const char *name,
                         enum ast_op op, struct ast_node *val);
struct ast_node *ast_list_node(struct ast_arena *a, struct ast_span sp, struct ast_list *items);
struct ast_node *ast_range(struct ast_arena *a, struct ast_span sp, struct ast_node *lo,
                           struct ast_node *hi, const char *spacing, struct ast_span spacing_sp,
                           struct ast_node *count);
struct ast_node *ast_param(struct ast_arena *a, struct ast_span sp, const char *name,
                           struct ast_span name_sp, struct ast_node *val);
/* A statement: kind plus the optional parts it uses (see the table above). */
struct ast_node *ast_stmt(struct ast_arena *a, struct ast_span sp, enum ast_kind k,
                          const char *name, struct ast_span name_sp, struct ast_node *x,
                          struct ast_list *items);
struct ast_node *ast_repeat(struct ast_arena *a, struct ast_span sp, struct ast_node *count,
                            const char *w1, struct ast_span w1_sp, const char *w2,
                            struct ast_span w2_sp);
struct ast_node *ast_experiment(struct ast_arena *a, struct ast_span sp, const char *name,
                                struct ast_span name_sp, struct ast_list *body);

void ast_list_push(struct ast_arena *a, struct ast_list *l, struct ast_node *n);
struct ast_list *ast_list_new(struct ast_arena *a);

const char *ast_op_text(enum ast_op op);
/* Debug/test dump as an S-expression, e.g. (+ 1 (* 2 3)). */
void ast_dump(const struct ast_node *n, char *buf, size_t size);

#endif
