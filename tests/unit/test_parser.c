/* tests/unit/test_parser.c: the grammar, syntax errors and the checks.
 * Expressions are parsed and dumped as S-expressions to pin precedence;
 * whole texts go through front_load to count the errors each mistake gives,
 * and REPL-style loads check that an unfinished statement asks for more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "front.h"
#include "parse.h"
#include "../tap.h"

static char dumped[512];

/* Parse "expect EXPR;" and dump EXPR. */
static const char *dump_expr(const char *expr)
{
    char text[256];
    snprintf(text, sizeof text, "expect %s;", expr);
    struct diag *d = diag_new(NULL);
    struct parse_state ps = {0};
    ps.arena = ast_arena_new();
    ps.diag = d;
    ps.src = diag_add_source(d, "t", text, strlen(text));
    ps.text = diag_source_text(d, ps.src, &ps.len);
    ps.is_file = 1;
    if (parse_text(&ps) == 0 && ps.stmts->n == 1)
        ast_dump(ps.stmts->v[0]->a, dumped, sizeof dumped);
    else
        snprintf(dumped, sizeof dumped, "<error>");
    ast_arena_free(ps.arena);
    diag_free(d);
    return dumped;
}

/* Errors reported when loading text as a file (0 = fine). */
static int load_errors(const char *text)
{
    FILE *sink = fopen("/dev/null", "w");
    struct diag *d = diag_new(sink);
    struct front *f = front_new(d, NULL);
    struct plan p;
    front_load(f, "t.tmsl", text, strlen(text), 1, &p);
    int e = diag_errors(d);
    plan_free(&p);
    front_free(f);
    diag_free(d);
    fclose(sink);
    return e;
}

static int repl_status(const char *text)
{
    FILE *sink = fopen("/dev/null", "w");
    struct diag *d = diag_new(sink);
    struct front *f = front_new(d, NULL);
    struct plan p;
    int rc = front_load(f, "<stdin>", text, strlen(text), 0, &p);
    plan_free(&p);
    front_free(f);
    diag_free(d);
    fclose(sink);
    return rc;
}

int main(void)
{
    ok(!strcmp(dump_expr("1 + 2 * 3"), "(+ 1 (* 2 3))"), "* binds tighter than +");
    ok(!strcmp(dump_expr("-2^2"), "(neg (^ 2 2))"), "-2^2 is -(2^2)");
    ok(!strcmp(dump_expr("2^3^2"), "(^ 2 (^ 3 2))"), "^ is right associative");
    ok(!strcmp(dump_expr("a - b - c"), "(- (- a b) c)"), "- is left associative");
    ok(!strcmp(dump_expr("x < 1 and not y or z"), "(or (and (< x 1) (not y)) z)"),
       "and binds tighter than or, comparisons tighter than and");
    ok(!strcmp(dump_expr("represented(sparsity=0) == 5"), "(== (represented [sparsity == 0]) 5)"),
       "name=value in a call is a selector");
    ok(!strcmp(dump_expr("negative_biases(density<=0.01)"),
               "(negative_biases [density <= 0.01])"), "a comparison on a name is a selector");
    ok(!strcmp(dump_expr("norm(0, sparsity=0.9)"), "(norm 0 [sparsity == 0.9])"),
       "positional arguments then selectors");
    ok(!strcmp(dump_expr("1 < 2 < 3"), "<error>"), "comparisons do not chain");

    is_int(load_errors("model relu n=20 m=5; sweep sparsity 0..0.999 log 40; plot wtw;"), 0,
           "the card's line is accepted");
    is_int(load_errors("model relu-hidden n=10 m=5; importance 0.75^i; plot wtw;"), 0,
           "relu-hidden and an importance expression");
    is_int(load_errors("model relu n 20;"), 1, "n 20 is one error");
    is_int(load_errors("model relu n=20 m=5\nplot wtw;"), 1, "a missing ';' is one error");
    is_int(load_errors("model relu n 20;\nmodel linear m 3;\nplot x y;"), 3,
           "errors resynchronise at ';'");
    is_int(load_errors("x x x;"), 1, "unknown statement");
    is_int(load_errors("model relu n=20 m=5; experiment a { plot wtw; } experiment a { }"), 1,
           "duplicate experiment name");
    is_int(load_errors("model relu n=2 m=1; plot phase; model n=3 m=2; plot phase;"), 0,
           "phase accepts n=2 m=1 and n=3 m=2");
    is_int(load_errors("model relu n=20 m=2; plot features2d;"), 0, "features2d with m=2");
    is_int(load_errors("model relu n=20 m=5; sweep n [1, 2]; sweep m [1, 2]; sweep lr 1e-4..1e-2 "
                       "log 100; sweep seed 0..999 lin 1000; repeat 100; plot wtw;"), 1,
           "grids over 10,000,000 runs are refused");
    char many[4000] = "";
    for (int k = 0; k < 40; k++)
        strcat(many, "model n 1;\n");
    is_int(load_errors(many), 20, "syntax errors stop at 20");

    is_int(repl_status("model relu n=20"), 1, "REPL: missing ';' asks for more");
    is_int(repl_status("experiment a { model relu n=2 m=1;"), 1, "REPL: unclosed '{' asks for more");
    is_int(repl_status("expect max(loss"), 1, "REPL: unclosed '(' asks for more");
    is_int(repl_status("importance [1, 2"), 1, "REPL: unclosed '[' asks for more");
    is_int(repl_status("model relu n 20"), -1, "REPL: a real error is still an error");
    is_int(repl_status("model relu n=3 m=2;"), 0, "REPL: a complete statement loads");
    return done_testing();
}
