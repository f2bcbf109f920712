/* lang/ast.c: arena allocation and constructors of the syntax tree.
 * A text's nodes, strings and arrays come from one arena made of large
 * chunks, so a whole tree is released at once and no node needs its own
 * free. Constructors zero every field, so optional parts read as NULL. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "util.h"

struct ast_chunk { struct ast_chunk *next; size_t used, size; };
struct ast_arena {
    struct ast_chunk *head;
    int too_deep;               /* a constructor hit AST_MAX_DEPTH */
    struct ast_span deep_span;  /* the first node that did */
};

#define AST_CHUNK 16384

struct ast_arena *ast_arena_new(void)
{
    return xcalloc(1, sizeof(struct ast_arena));
}

void ast_arena_free(struct ast_arena *a)
{
    if (!a)
        return;
    struct ast_chunk *c = a->head;
    while (c) {
        struct ast_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(a);
}

void *ast_alloc(struct ast_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;   /* keep every block aligned for doubles and pointers */
    struct ast_chunk *c = a->head;
    if (!c || c->size - c->used < n) {
        size_t size = n > AST_CHUNK ? n : AST_CHUNK;
        c = xmalloc(sizeof(struct ast_chunk) + 16 + size);
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    char *base = (char *)(c + 1);
    base += (16 - (uintptr_t)base % 16) % 16;
    void *p = base + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

char *ast_strndup(struct ast_arena *a, const char *s, size_t n)
{
    char *p = ast_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

int ast_arena_too_deep(const struct ast_arena *a, struct ast_span *where)
{
    if (a->too_deep && where)
        *where = a->deep_span;
    return a->too_deep;
}

static int ast_height(const struct ast_node *n)
{
    return n ? n->height : 0;
}

/* Set n's height from its children; a node that would nest too deeply
 * becomes a leaf (the text is in error anyway), so every later walk of the
 * tree stays within AST_MAX_DEPTH frames. */
static struct ast_node *ast_bound(struct ast_arena *a, struct ast_node *n)
{
    int h = ast_height(n->a);
    if (ast_height(n->b) > h)
        h = ast_height(n->b);
    if (ast_height(n->c) > h)
        h = ast_height(n->c);
    for (int k = 0; k < n->nargs; k++)
        if (ast_height(n->args[k]) > h)
            h = ast_height(n->args[k]);
    for (int k = 0; k < n->nsels; k++)
        if (ast_height(n->sels[k]) > h)
            h = ast_height(n->sels[k]);
    n->height = h + 1;
    if (n->height <= AST_MAX_DEPTH)
        return n;
    if (!a->too_deep) {
        a->too_deep = 1;
        a->deep_span = n->span;
    }
    n->kind = AST_NUM;
    n->num = 0;
    n->folded = 1;
    n->a = n->b = n->c = NULL;
    n->nargs = n->nsels = 0;
    n->height = 1;
    return n;
}

static struct ast_node *ast_new(struct ast_arena *a, enum ast_kind k, struct ast_span sp)
{
    struct ast_node *n = ast_alloc(a, sizeof *n);
    n->kind = k;
    n->span = sp;
    n->name_span = sp;
    n->height = 1;
    return n;
}

struct ast_list *ast_list_new(struct ast_arena *a)
{
    return ast_alloc(a, sizeof(struct ast_list));
}

void ast_list_push(struct ast_arena *a, struct ast_list *l, struct ast_node *n)
{
    if (!n)
        return;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 4;
        struct ast_node **v = ast_alloc(a, (size_t)cap * sizeof *v);
        if (l->n)
            memcpy(v, l->v, (size_t)l->n * sizeof *v);
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = n;
}

struct ast_node *ast_num(struct ast_arena *a, struct ast_span sp, double v)
{
    struct ast_node *n = ast_new(a, AST_NUM, sp);
    n->num = v;
    n->folded = 1;
    return n;
}

struct ast_node *ast_name(struct ast_arena *a, struct ast_span sp, const char *name)
{
    struct ast_node *n = ast_new(a, AST_NAME, sp);
    n->name = name;
    return n;
}

struct ast_node *ast_unary(struct ast_arena *a, struct ast_span sp, enum ast_kind k,
                           struct ast_node *x)
{
    struct ast_node *n = ast_new(a, k, sp);
    n->a = x;
    return ast_bound(a, n);
}

struct ast_node *ast_binop(struct ast_arena *a, struct ast_span sp, enum ast_op op,
                           struct ast_node *x, struct ast_node *y)
{
    struct ast_node *n = ast_new(a, AST_BINOP, sp);
    n->op = op;
    n->a = x;
    n->b = y;
    return ast_bound(a, n);
}

struct ast_node *ast_sel(struct ast_arena *a, struct ast_span sp, const char *name,
                         enum ast_op op, struct ast_node *val)
{
    struct ast_node *n = ast_new(a, AST_SEL, sp);
    n->name = name;
    n->op = op;
    n->a = val;
    return ast_bound(a, n);
}

static int ast_is_cmp(enum ast_op op)
{
    return op >= AST_OP_EQ && op <= AST_OP_GE;
}

struct ast_node *ast_call(struct ast_arena *a, struct ast_span sp, const char *name,
                          struct ast_list *args)
{
    struct ast_node *n = ast_new(a, AST_CALL, sp);
    n->name = name;
    n->name_span.end = sp.start + (int)strlen(name);
    int count = args ? args->n : 0;
    n->args = ast_alloc(a, (size_t)(count + 1) * sizeof *n->args);
    n->sels = ast_alloc(a, (size_t)(count + 1) * sizeof *n->sels);
    for (int k = 0; k < count; k++) {
        struct ast_node *x = args->v[k];
        if (x->kind == AST_BINOP && ast_is_cmp(x->op) && x->a->kind == AST_NAME) {
            struct ast_node *s = ast_sel(a, x->span, x->a->name, x->op, x->b);
            s->name_span = x->a->span;
            n->sels[n->nsels++] = s;
        } else if (x->kind == AST_SEL) {
            n->sels[n->nsels++] = x;
        } else {
            n->args[n->nargs++] = x;
        }
    }
    return ast_bound(a, n);
}

struct ast_node *ast_list_node(struct ast_arena *a, struct ast_span sp, struct ast_list *items)
{
    struct ast_node *n = ast_new(a, AST_LIST, sp);
    if (items) {
        n->nargs = items->n;
        n->args = items->v;
    }
    return ast_bound(a, n);
}

struct ast_node *ast_range(struct ast_arena *a, struct ast_span sp, struct ast_node *lo,
                           struct ast_node *hi, const char *spacing, struct ast_span spacing_sp,
                           struct ast_node *count)
{
    struct ast_node *n = ast_new(a, AST_RANGE, sp);
    n->a = lo;
    n->b = hi;
    n->c = count;
    n->name = spacing;
    n->name_span = spacing_sp;
    return ast_bound(a, n);
}

struct ast_node *ast_param(struct ast_arena *a, struct ast_span sp, const char *name,
                           struct ast_span name_sp, struct ast_node *val)
{
    struct ast_node *n = ast_new(a, AST_PARAM, sp);
    n->name = name;
    n->name_span = name_sp;
    n->a = val;
    return ast_bound(a, n);
}

struct ast_node *ast_stmt(struct ast_arena *a, struct ast_span sp, enum ast_kind k,
                          const char *name, struct ast_span name_sp, struct ast_node *x,
                          struct ast_list *items)
{
    struct ast_node *n = ast_new(a, k, sp);
    n->name = name;
    n->name_span = name_sp;
    n->a = x;
    if (items) {
        n->nargs = items->n;
        n->args = items->v;
    }
    return n;
}

struct ast_node *ast_repeat(struct ast_arena *a, struct ast_span sp, struct ast_node *count,
                            const char *w1, struct ast_span w1_sp, const char *w2,
                            struct ast_span w2_sp)
{
    struct ast_node *n = ast_new(a, AST_S_REPEAT, sp);
    n->a = count;
    n->name = w1;
    n->name_span = w1_sp;
    n->name2 = w2;
    if (w2) {
        /* the second word's span rides on a name node so errors can point at it */
        n->b = ast_name(a, w2_sp, w2);
    }
    return n;
}

struct ast_node *ast_experiment(struct ast_arena *a, struct ast_span sp, const char *name,
                                struct ast_span name_sp, struct ast_list *body)
{
    struct ast_node *n = ast_new(a, AST_S_EXPERIMENT, sp);
    n->name = name;
    n->name_span = name_sp;
    struct ast_node **link = &n->body;
    for (int k = 0; body && k < body->n; k++) {
        *link = body->v[k];
        link = &body->v[k]->next;
    }
    return n;
}

const char *ast_op_text(enum ast_op op)
{
    static const char *const text[] = {"+", "-", "*", "/", "^", "==", "!=", "<", "<=",
                                       ">", ">=", "and", "or"};
    return (unsigned)op < sizeof text / sizeof *text ? text[op] : "?";
}

static void ast_dump_to(const struct ast_node *n, struct sbuf *b)
{
    if (!n) {
        sbuf_puts(b, "nil");
        return;
    }
    switch (n->kind) {
    case AST_NUM: sbuf_printf(b, "%g", n->num); return;
    case AST_NAME: sbuf_puts(b, n->name); return;
    case AST_NEG: sbuf_puts(b, "(neg "); ast_dump_to(n->a, b); sbuf_puts(b, ")"); return;
    case AST_NOT: sbuf_puts(b, "(not "); ast_dump_to(n->a, b); sbuf_puts(b, ")"); return;
    case AST_BINOP:
        sbuf_printf(b, "(%s ", ast_op_text(n->op));
        ast_dump_to(n->a, b);
        sbuf_puts(b, " ");
        ast_dump_to(n->b, b);
        sbuf_puts(b, ")");
        return;
    case AST_SEL:
        sbuf_printf(b, "[%s %s ", n->name, ast_op_text(n->op));
        ast_dump_to(n->a, b);
        sbuf_puts(b, "]");
        return;
    case AST_CALL:
        sbuf_printf(b, "(%s", n->name);
        for (int k = 0; k < n->nargs; k++) { sbuf_puts(b, " "); ast_dump_to(n->args[k], b); }
        for (int k = 0; k < n->nsels; k++) { sbuf_puts(b, " "); ast_dump_to(n->sels[k], b); }
        sbuf_puts(b, ")");
        return;
    case AST_LIST:
        sbuf_puts(b, "[");
        for (int k = 0; k < n->nargs; k++) {
            if (k) sbuf_puts(b, " ");
            ast_dump_to(n->args[k], b);
        }
        sbuf_puts(b, "]");
        return;
    case AST_RANGE:
        sbuf_puts(b, "(range ");
        ast_dump_to(n->a, b);
        sbuf_puts(b, " ");
        ast_dump_to(n->b, b);
        sbuf_printf(b, " %s ", n->name ? n->name : "?");
        ast_dump_to(n->c, b);
        sbuf_puts(b, ")");
        return;
    case AST_PARAM:
        sbuf_printf(b, "%s=", n->name);
        ast_dump_to(n->a, b);
        return;
    default:
        sbuf_printf(b, "(stmt%d", (int)n->kind);
        if (n->name) sbuf_printf(b, " %s", n->name);
        if (n->a) { sbuf_puts(b, " "); ast_dump_to(n->a, b); }
        for (int k = 0; k < n->nargs; k++) { sbuf_puts(b, " "); ast_dump_to(n->args[k], b); }
        sbuf_puts(b, ")");
        return;
    }
}

void ast_dump(const struct ast_node *n, char *buf, size_t size)
{
    struct sbuf b;
    sbuf_init(&b);
    ast_dump_to(n, &b);
    snprintf(buf, size, "%s", b.s ? b.s : "");
    sbuf_free(&b);
}
