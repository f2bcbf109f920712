/* tests/unit/test_eval.c: the one evaluator, on its own, with a fake source.
 * Claims are parsed, their metric calls marked as the checker would, and
 * evaluated against a source whose metric `loss` measures 1, 2, 3 at three
 * points: functions must read every argument point by point, one-element
 * values broadcast, comparisons are close-to and tell the source what was
 * false. Without a source (settings) division by zero and non-finite values
 * are errors. Also the function catalogue and its arity wording. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "eval.h"
#include "names.h"
#include "parse.h"
#include "../tap.h"

static char *errbuf;
static size_t errlen;
static int nfalse;
static double false_left, false_right;
static int false_pt;
static const char *seen_mask;

/* `loss` at three points; the mask is recorded to check it is passed on. */
static int fake_metric(void *ctx, struct eval_ctx *ev, const struct ast_node *call,
                       const char *mask, struct eval_value *out)
{
    (void)ctx;
    (void)ev;
    (void)call;
    seen_mask = mask;
    eval_value_init(out, 3);
    for (int k = 0; k < 3; k++)
        eval_value_set(out, k, k + 1, k);
    return 0;
}

static void fake_false(void *ctx, const struct ast_node *cmp, double l, double r, int pt)
{
    (void)ctx;
    (void)cmp;
    if (nfalse++ == 0) {
        false_left = l;
        false_right = r;
        false_pt = pt;
    }
}

/* The checker marks metric calls; here every call named loss is one. */
static void mark(struct ast_node *e)
{
    if (!e)
        return;
    if (e->kind == AST_CALL && !strcmp(e->name, "loss"))
        e->metric = names_metric_find("loss");
    mark(e->a);
    mark(e->b);
    for (int k = 0; k < e->nargs; k++)
        mark(e->args[k]);
}

/* Evaluate "expect TEXT;" with the fake source (or none); rc of eval_node. */
static int run(const char *text, int with_source, struct eval_value *out)
{
    char src[256];
    snprintf(src, sizeof src, "expect %s;", text);
    free(errbuf);   /* the messages of a run nobody asked about */
    errbuf = NULL;
    FILE *fp = open_memstream(&errbuf, &errlen);
    struct diag *d = diag_new(fp);
    struct parse_state ps = {0};
    ps.arena = ast_arena_new();
    ps.diag = d;
    ps.src = diag_add_source(d, "t", src, strlen(src));
    ps.text = diag_source_text(d, ps.src, &ps.len);
    ps.is_file = 1;
    int rc = -2;
    nfalse = 0;
    if (parse_text(&ps) == 0 && ps.stmts->n == 1) {
        struct ast_node *e = ps.stmts->v[0]->a;
        mark(e);
        const struct eval_source fake = { NULL, fake_metric, fake_false };
        struct eval_ctx c;
        eval_init_source(&c, d, with_source ? &fake : NULL);
        static const char mask[3] = {1, 1, 1};
        rc = eval_node(&c, e, with_source ? mask : NULL, out);
    }
    ast_arena_free(ps.arena);
    diag_free(d);
    fclose(fp);
    return rc;
}

static int said(const char *what)
{
    int found = errbuf && strstr(errbuf, what) != NULL;
    free(errbuf);
    errbuf = NULL;
    return found;
}

static void test_functions_over_points(void)
{
    struct eval_value v;
    is_int(run("max(loss(), 2, 1000)", 1, &v), 0, "max over a metric and two constants");
    ok(v.n == 3 && eval_value_get(&v, 0) == 1000 && eval_value_get(&v, 2) == 1000,
       "max reads its third argument at every point");
    ok(eval_value_point(&v, 1) == 1, "the result keeps the metric's points");
    eval_value_free(&v);
    is_int(run("min(loss(), 2)", 1, &v), 0, "min of a metric and a constant");
    ok(eval_value_get(&v, 0) == 1 && eval_value_get(&v, 1) == 2 && eval_value_get(&v, 2) == 2,
       "min is point by point");
    eval_value_free(&v);
    is_int(run("exp(loss(), 7)", 1, &v), -1, "a wrong arity over a metric is an error");
    ok(said("'exp' takes 1 argument, got 2"), "and says so");
    is_int(run("loss() + 10 * -1", 1, &v), 0, "arithmetic broadcasts a number");
    ok(eval_value_get(&v, 2) == -7, "3 + 10 * -1");
    eval_value_free(&v);
    ok(seen_mask != NULL, "the mask reaches the source");
    said("");
}

static void test_comparisons(void)
{
    struct eval_value v;
    is_int(run("loss() == 2", 1, &v), 0, "a comparison over points");
    ok(eval_value_get(&v, 0) == 0 && eval_value_get(&v, 1) == 1, "false, then true");
    ok(nfalse == 2 && false_left == 1 && false_right == 2 && false_pt == 0,
       "the source is told of each false point, first at point 0");
    eval_value_free(&v);
    is_int(run("0.1 + 0.2 == 0.3 and 1 <= 1 - 1e-13 and not 1 < 1", 0, &v), 0, "numbers");
    ok(eval_value_get(&v, 0) == 1, "== and <= accept close values");
    eval_value_free(&v);
    said("");
}

static void test_settings_strictness(void)
{
    struct eval_value v;
    is_int(run("1 / (2 - 2)", 0, &v), -1, "without a source division by zero is an error");
    ok(said("division by zero"), "and says so");
    is_int(run("exp(1000)", 0, &v), -1, "without a source a non-finite value is an error");
    ok(said("result is not a finite number"), "and says so");
    is_int(run("loss() / 0 > 1", 1, &v), 0, "measured values may divide by zero");
    eval_value_free(&v);
    is_int(run("sqrt(4)", 0, &v), 0, "a number is one element");
    ok(v.n == 1 && v.v == NULL && eval_value_get(&v, 0) == 2 && eval_value_point(&v, 0) == -1,
       "stored inline, at no point");
    eval_value_free(&v);
    said("");
}

static void test_catalogue(void)
{
    int k = 0;
    for (const struct names_function *f = names_function_table; f->name; f++, k++)
        ok(names_functions[k] && !strcmp(names_functions[k], f->name), "word list has '%s'", f->name);
    ok(names_functions[k] == NULL, "word list and table have the same length");
    const struct names_function *mx = names_function_find("max");
    ok(mx && mx->min_args == 2 && mx->max_args == NAMES_VARIADIC, "max is variadic from 2");
    double a[3] = {1, 7, 3};
    ok(mx && mx->apply(a, 3) == 7, "max applies to all its arguments");
    char buf[48];
    ok(!strcmp(eval_arity_text(1, 1, buf, sizeof buf), "1 argument"), "1 argument");
    ok(!strcmp(eval_arity_text(0, 0, buf, sizeof buf), "0 arguments"), "0 arguments");
    ok(!strcmp(eval_arity_text(2, NAMES_VARIADIC, buf, sizeof buf), "at least 2 arguments"),
       "at least 2 arguments");
    ok(!strcmp(eval_arity_text(1, 3, buf, sizeof buf), "1 to 3 arguments"), "1 to 3 arguments");
}

int main(void)
{
    test_functions_over_points();
    test_comparisons();
    test_settings_strictness();
    test_catalogue();
    free(errbuf);
    return done_testing();
}
