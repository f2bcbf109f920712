/* tests/unit/test_lexer.c: tokens and their byte spans.
 * Drives the scanner directly on small texts and checks each token's kind,
 * value and [start, end) span: numbers in all their forms, '..' right after
 * a number, relu-hidden as one token while n-1 stays arithmetic, comments,
 * and bad bytes reported and skipped. */
#include <stdlib.h>
#include <string.h>
#include "ast.h"
#include "parse.h"
#include "parser.h"
#include "../tap.h"

/* the scanner's entry points (lexer.c) */
int yylex_init_extra(struct parse_state *extra, yyscan_t *scanner);
int yylex_destroy(yyscan_t scanner);
void *yy_scan_bytes(const char *bytes, int len, yyscan_t scanner);

struct tok { int kind; double num; char *str; int start, end; };

/* Tokens of the previous call are freed first: callers reuse one array. */
static int lex_all(const char *text, struct tok *out, int max, int *errors)
{
    for (int i = 0; i < max; i++) {
        free(out[i].str);
        out[i].str = NULL;
    }
    struct diag *d = diag_new(NULL);
    struct parse_state ps = {0};
    ps.arena = ast_arena_new();
    ps.diag = d;
    ps.src = diag_add_source(d, "t", text, strlen(text));
    ps.text = text;
    ps.len = strlen(text);
    yyscan_t sc;
    yylex_init_extra(&ps, &sc);
    yy_scan_bytes(text, (int)strlen(text), sc);
    int n = 0;
    for (;;) {
        YYSTYPE v;
        YYLTYPE l;
        int t = yylex(&v, &l, sc, &ps);
        if (t == 0 || n == max)
            break;
        out[n].kind = t;
        out[n].num = t == NUM ? v.num : 0;
        out[n].str = t == IDENT || t == KIND ? strdup(v.str) : NULL;
        out[n].start = l.start;
        out[n].end = l.end;
        n++;
    }
    yylex_destroy(sc);
    *errors = ps.errors;
    ast_arena_free(ps.arena);
    diag_free(d);
    return n;
}

int main(void)
{
    struct tok t[32] = {{0}};
    int e;
    int n = lex_all("model relu n=20 m=5;", t, 32, &e);
    is_int(n, 9, "model line: 9 tokens");
    ok(t[0].kind == MODEL && t[0].start == 0 && t[0].end == 5, "'model' keyword at [0,5)");
    ok(t[1].kind == IDENT && !strcmp(t[1].str, "relu") && t[1].start == 6, "'relu' is a name");
    ok(t[4].kind == NUM && t[4].num == 20 && t[4].start == 13 && t[4].end == 15, "20 at [13,15)");
    ok(t[8].kind == ';' && t[8].start == 19, "';' at 19");

    n = lex_all("0..0.999 1e-3 .5 3", t, 32, &e);
    is_int(n, 6, "range and numbers: 6 tokens");
    ok(t[0].kind == NUM && t[0].num == 0 && t[1].kind == DOTDOT && t[2].num == 0.999,
       "'0..0.999' is number, '..', number");
    ok(t[3].num == 1e-3 && t[4].num == 0.5 && t[5].num == 3, "1e-3, .5 and 3");
    ok(t[3].start == 9 && t[3].end == 13, "1e-3 span [9,13)");

    n = lex_all("relu-hidden n-1", t, 32, &e);
    is_int(n, 4, "relu-hidden n-1: 4 tokens");
    ok(t[0].kind == KIND && !strcmp(t[0].str, "relu-hidden") && t[0].end == 11,
       "relu-hidden is one token");
    ok(t[1].kind == IDENT && t[2].kind == '-' && t[3].kind == NUM, "n-1 stays arithmetic");

    n = lex_all("a <= b == c != d >= e # comment ;\nx", t, 32, &e);
    is_int(n, 10, "operators and a comment: 10 tokens");
    ok(t[1].kind == LE && t[3].kind == EQ && t[5].kind == NE && t[7].kind == GE,
       "two-character operators");
    ok(t[9].kind == IDENT && t[9].start == 34, "comment skipped to end of line");

    n = lex_all("a $ b \x01", t, 32, &e);
    is_int(n, 2, "bad bytes are skipped");
    is_int(e, 2, "and each is reported");

    n = lex_all("1e999", t, 32, &e);
    is_int(e, 1, "an overflowing number is an error");

    n = lex_all("sparsity density and or not experiment", t, 32, &e);
    ok(t[0].kind == SPARSITY && t[1].kind == DENSITY && t[2].kind == AND && t[3].kind == OR &&
           t[4].kind == NOT && t[5].kind == EXPERIMENT, "keywords");
    lex_all("", t, 32, &e);   /* frees the last tokens */
    return done_testing();
}
