/* lang/parser.y: tmsl's grammar.
 * A pure, reentrant parser whose locations are byte spans; actions only
 * build syntax nodes, and all meaning (which names exist, which values are
 * allowed) is left to the checker. Syntax errors are worded for people:
 * "expected '=' after 'n'", a missing ';' is reported just after the token
 * it should follow, and a malformed sweep range gets a hint. After an error
 * the parser skips to the next ';' so one run shows several mistakes. */
%code requires {
#include "ast.h"
#include "diag.h"
struct parse_state;
typedef void *yyscan_t;
#define YYLTYPE struct ast_span
#define YYLTYPE_IS_DECLARED 1
}

%code provides {
int yylex(YYSTYPE *yylval_param, YYLTYPE *yylloc_param, yyscan_t yyscanner,
          struct parse_state *ps);
}

%code {
#include <stdio.h>
#include <string.h>
#include "parse.h"
#include "util.h"

/* A node's span covers its first to its last token; an empty rule sits at
 * the end of the token before it. */
#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur).src = YYRHSLOC(Rhs, 1).src;                         \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                     \
            (Cur).end = YYRHSLOC(Rhs, N).end;                         \
        } else {                                                      \
            (Cur).src = YYRHSLOC(Rhs, 0).src;                         \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;           \
        }                                                             \
    } while (0)

#define A (ps->arena)
static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps, const char *msg);
}

%define api.pure full
%locations
%define parse.error custom
%define parse.lac full
%param {yyscan_t scanner} {struct parse_state *ps}

%union {
    double num;
    const char *str;
    struct ast_node *node;
    struct ast_list *list;
    int op;
}

%token <num> NUM "a number"
%token <str> IDENT "a name"
%token <str> KIND "'relu-hidden'"
%token DOTDOT "'..'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='"
%token MODEL "'model'" IMPORTANCE "'importance'" SPARSITY "'sparsity'" DENSITY "'density'"
%token TRAIN "'train'" SEED "'seed'" SWEEP "'sweep'" UNSWEEP "'unsweep'" REPEAT "'repeat'"
%token SAE "'sae'"
%token LET "'let'" USE "'use'" DATA "'data'" PLOT "'plot'" TABLE "'table'" EXPECT "'expect'"
%token EXPERIMENT "'experiment'"
%token AND "'and'" OR "'or'" NOT "'not'"
%token START_EXPR "start of an expression"

%type <node> stmt simple expr range list arg param model_stmt
%type <list> stmts params exprs args names
%type <str> name

%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE
%left '+' '-'
%left '*' '/'
%precedence NEG
%right '^'

%%

program: stmts                      { ps->stmts = $1; }
    | START_EXPR expr                   { ps->expr = $2; }
    ;

stmts: %empty                       { $$ = ast_list_new(A); }
    | stmts stmt                    { $$ = $1; ast_list_push(A, $$, $2); }
    ;

stmt: simple ';'                    { $$ = $1; }
    | EXPERIMENT IDENT '{' stmts '}'
                                    { $$ = ast_experiment(A, @$, $2, @2, $4); }
    | error ';'                     { $$ = NULL; if (ps->errors >= PARSE_MAX_ERRORS) YYABORT; }
    | error '}'                     { $$ = NULL; if (ps->errors >= PARSE_MAX_ERRORS) YYABORT; }
    ;

simple: model_stmt
    | IMPORTANCE expr               { $$ = ast_stmt(A, @$, AST_S_IMPORTANCE, NULL, @1, $2, NULL); }
    | IMPORTANCE list               { $$ = ast_stmt(A, @$, AST_S_IMPORTANCE, NULL, @1, $2, NULL); }
    | SPARSITY expr                 { $$ = ast_stmt(A, @$, AST_S_SPARSITY, NULL, @1, $2, NULL); }
    | DENSITY expr                  { $$ = ast_stmt(A, @$, AST_S_DENSITY, NULL, @1, $2, NULL); }
    | TRAIN params                  { $$ = ast_stmt(A, @$, AST_S_TRAIN, NULL, @1, NULL, $2); }
    | SEED expr                     { $$ = ast_stmt(A, @$, AST_S_SEED, NULL, @1, $2, NULL); }
    | SWEEP name range              { $$ = ast_stmt(A, @$, AST_S_SWEEP, $2, @2, $3, NULL); }
    | SWEEP name list               { $$ = ast_stmt(A, @$, AST_S_SWEEP, $2, @2, $3, NULL); }
    | UNSWEEP                       { $$ = ast_stmt(A, @$, AST_S_UNSWEEP, NULL, @1, NULL, NULL); }
    | UNSWEEP name                  { $$ = ast_stmt(A, @$, AST_S_UNSWEEP, $2, @2, NULL, NULL); }
    | REPEAT expr                   { $$ = ast_repeat(A, @$, $2, NULL, @1, NULL, @1); }
    | REPEAT expr IDENT IDENT       { $$ = ast_repeat(A, @$, $2, $3, @3, $4, @4); }
    | LET IDENT '=' expr            { $$ = ast_stmt(A, @$, AST_S_LET, $2, @2, $4, NULL); }
    | USE IDENT                     { $$ = ast_stmt(A, @$, AST_S_USE, $2, @2, NULL, NULL); }
    | DATA IDENT                    { $$ = ast_stmt(A, @$, AST_S_DATA, $2, @2, NULL, NULL); }
    | DATA IDENT params             { $$ = ast_stmt(A, @$, AST_S_DATA, $2, @2, NULL, $3); }
    | SAE                           { $$ = ast_stmt(A, @$, AST_S_SAE, NULL, @1, NULL, NULL); }
    | SAE params                    { $$ = ast_stmt(A, @$, AST_S_SAE, NULL, @1, NULL, $2); }
    | SAE IDENT                     { $$ = ast_stmt(A, @$, AST_S_SAE, $2, @2, NULL, NULL); }
    | PLOT names                    { $$ = ast_stmt(A, @$, AST_S_PLOT, NULL, @1, NULL, $2); }
    | TABLE                         { $$ = ast_stmt(A, @$, AST_S_TABLE, NULL, @1, NULL, NULL); }
    | TABLE names                   { $$ = ast_stmt(A, @$, AST_S_TABLE, NULL, @1, NULL, $2); }
    | EXPECT expr                   { $$ = ast_stmt(A, @$, AST_S_EXPECT, NULL, @1, $2, NULL); }
    | IDENT junk                    { $$ = ast_stmt(A, @$, AST_S_UNKNOWN, $1, @1, NULL, NULL); }
    ;

model_stmt: MODEL                   { $$ = ast_stmt(A, @$, AST_S_MODEL, NULL, @1, NULL, NULL); }
    | MODEL params                  { $$ = ast_stmt(A, @$, AST_S_MODEL, NULL, @1, NULL, $2); }
    | MODEL IDENT                   { $$ = ast_stmt(A, @$, AST_S_MODEL, $2, @2, NULL, NULL); }
    | MODEL IDENT params            { $$ = ast_stmt(A, @$, AST_S_MODEL, $2, @2, NULL, $3); }
    | MODEL KIND                    { $$ = ast_stmt(A, @$, AST_S_MODEL, $2, @2, NULL, NULL); }
    | MODEL KIND params             { $$ = ast_stmt(A, @$, AST_S_MODEL, $2, @2, NULL, $3); }
    ;

/* Anything up to the ';' of a statement whose first word is unknown. */
junk: %empty
    | junk tok
    ;
tok: NUM | IDENT | KIND | DOTDOT | EQ | NE | LE | GE | MODEL | IMPORTANCE | SPARSITY
    | DENSITY | TRAIN | SEED | SWEEP | UNSWEEP | REPEAT | LET | USE | DATA | SAE | PLOT | TABLE
    | EXPECT | EXPERIMENT | AND | OR | NOT | '+' | '-' | '*' | '/' | '^' | '(' | ')'
    | '[' | ']' | ',' | '=' | '<' | '>'
    ;

name: IDENT                         { $$ = $1; }
    | SPARSITY                      { $$ = "sparsity"; }
    | DENSITY                       { $$ = "density"; }
    | SEED                          { $$ = "seed"; }
    ;

names: IDENT                        { $$ = ast_list_new(A); ast_list_push(A, $$, ast_name(A, @1, $1)); }
    | names ',' IDENT               { $$ = $1; ast_list_push(A, $$, ast_name(A, @3, $3)); }
    ;

params: param                       { $$ = ast_list_new(A); ast_list_push(A, $$, $1); }
    | params param                  { $$ = $1; ast_list_push(A, $$, $2); }
    | params ',' param              { $$ = $1; ast_list_push(A, $$, $3); }
    ;

param: IDENT '=' expr               { $$ = ast_param(A, @$, $1, @1, $3); }
    ;

range: expr DOTDOT expr IDENT expr  { $$ = ast_range(A, @$, $1, $3, $4, @4, $5); }
    ;

list: '[' exprs ']'                 { $$ = ast_list_node(A, @$, $2); }
    | '[' ']'                       { $$ = ast_list_node(A, @$, NULL); }
    ;

exprs: expr                         { $$ = ast_list_new(A); ast_list_push(A, $$, $1); }
    | exprs ',' expr                { $$ = $1; ast_list_push(A, $$, $3); }
    ;

expr: NUM                           { $$ = ast_num(A, @$, $1); }
    | name                          { $$ = ast_name(A, @$, $1); }
    | IDENT '(' ')'                 { $$ = ast_call(A, @$, $1, NULL); }
    | IDENT '(' args ')'            { $$ = ast_call(A, @$, $1, $3); }
    | '(' expr ')'                  { $$ = $2; }
    | '-' expr %prec NEG            { $$ = ast_unary(A, @$, AST_NEG, $2); }
    | '+' expr %prec NEG            { $$ = $2; }
    | NOT expr                      { $$ = ast_unary(A, @$, AST_NOT, $2); }
    | expr '+' expr                 { $$ = ast_binop(A, @$, AST_OP_ADD, $1, $3); }
    | expr '-' expr                 { $$ = ast_binop(A, @$, AST_OP_SUB, $1, $3); }
    | expr '*' expr                 { $$ = ast_binop(A, @$, AST_OP_MUL, $1, $3); }
    | expr '/' expr                 { $$ = ast_binop(A, @$, AST_OP_DIV, $1, $3); }
    | expr '^' expr                 { $$ = ast_binop(A, @$, AST_OP_POW, $1, $3); }
    | expr EQ expr                  { $$ = ast_binop(A, @$, AST_OP_EQ, $1, $3); }
    | expr NE expr                  { $$ = ast_binop(A, @$, AST_OP_NE, $1, $3); }
    | expr '<' expr                 { $$ = ast_binop(A, @$, AST_OP_LT, $1, $3); }
    | expr LE expr                  { $$ = ast_binop(A, @$, AST_OP_LE, $1, $3); }
    | expr '>' expr                 { $$ = ast_binop(A, @$, AST_OP_GT, $1, $3); }
    | expr GE expr                  { $$ = ast_binop(A, @$, AST_OP_GE, $1, $3); }
    | expr AND expr                 { $$ = ast_binop(A, @$, AST_OP_AND, $1, $3); }
    | expr OR expr                  { $$ = ast_binop(A, @$, AST_OP_OR, $1, $3); }
    ;

args: arg                           { $$ = ast_list_new(A); ast_list_push(A, $$, $1); }
    | args ',' arg                  { $$ = $1; ast_list_push(A, $$, $3); }
    ;

arg: expr                           { $$ = $1; }
    | name '=' expr                 { $$ = ast_sel(A, @$, $1, AST_OP_EQ, $3); }
    ;

%%

/* Human names of tokens, for "expected ..." lists. */
static const char *parse_token_desc(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_YYEOF: return "end of input";
    case YYSYMBOL_NUM: return "a number";
    case YYSYMBOL_IDENT: return "a name";
    default: return yysymbol_name(k);
    }
}

/* The text of the offending token, for "got ..." (clipped, quoted). */
static void parse_token_text(const struct parse_state *ps, const YYLTYPE *loc,
                             yysymbol_kind_t k, char *buf, size_t size)
{
    int len = loc->end - loc->start;
    if (k == YYSYMBOL_YYEOF || len <= 0 || loc->start < 0 || (size_t)loc->end > ps->len) {
        snprintf(buf, size, "end of input");
        return;
    }
    if (len > 24)
        len = 24;
    snprintf(buf, size, "'%.*s'", len, ps->text + loc->start);
}

static int parse_sym_is(yysymbol_kind_t k, const char *name)
{
    return strcmp(yysymbol_name(k), name) == 0;
}

/* Is there a line break between two offsets? */
static int parse_newline_between(const struct parse_state *ps, int from, int to)
{
    for (int k = from; k < to && (size_t)k < ps->len; k++)
        if (ps->text[k] == '\n')
            return 1;
    return 0;
}

static int parse_is_word(const struct parse_state *ps, const YYLTYPE *sp)
{
    if (sp->start < 0 || (size_t)sp->start >= ps->len)
        return 0;
    char c = ps->text[sp->start];
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int parse_expects(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k)
{
    for (int j = 0; j < n; j++)
        if (exp[j] == k)
            return 1;
    return 0;
}

static int parse_expects_sym(const yysymbol_kind_t *exp, int n, const char *name)
{
    for (int j = 0; j < n; j++)
        if (parse_sym_is(exp[j], name))
            return 1;
    return 0;
}

/* "a, b or c" from the expected tokens; an expression's many starters read
 * as "an expression", a statement's as "a statement". */
static void parse_expected_list(const yysymbol_kind_t *exp, int n, char *buf, size_t size)
{
    struct sbuf b;
    sbuf_init(&b);
    int is_expr = parse_expects(exp, n, YYSYMBOL_NUM) && parse_expects(exp, n, YYSYMBOL_NOT);
    int is_stmt = parse_expects(exp, n, YYSYMBOL_MODEL);
    const char *items[16];
    int count = 0;
    /* after a complete operand, every binary operator is possible: say so once */
    int is_op = parse_expects_sym(exp, n, "'+'") && parse_expects_sym(exp, n, "'*'");
    if (is_op)
        items[count++] = "an operator";
    if (is_stmt)
        items[count++] = "a statement";
    if (is_expr)
        items[count++] = "an expression";
    for (int j = 0; j < n && count < 16; j++) {
        yysymbol_kind_t k = exp[j];
        if (is_stmt && (k == YYSYMBOL_IDENT || (k >= YYSYMBOL_MODEL && k <= YYSYMBOL_EXPERIMENT)))
            continue;
        if (is_expr && (k == YYSYMBOL_NUM || k == YYSYMBOL_IDENT || k == YYSYMBOL_NOT ||
                        k == YYSYMBOL_SPARSITY || k == YYSYMBOL_DENSITY || k == YYSYMBOL_SEED ||
                        parse_sym_is(k, "'('") || parse_sym_is(k, "'-'") ||
                        parse_sym_is(k, "'+'")))
            continue;
        if (k == YYSYMBOL_YYerror)
            continue;
        if (is_op && (k == YYSYMBOL_EQ || k == YYSYMBOL_NE || k == YYSYMBOL_LE ||
                      k == YYSYMBOL_GE || k == YYSYMBOL_AND || k == YYSYMBOL_OR ||
                      parse_sym_is(k, "'+'") || parse_sym_is(k, "'-'") ||
                      parse_sym_is(k, "'*'") || parse_sym_is(k, "'/'") ||
                      parse_sym_is(k, "'^'") || parse_sym_is(k, "'<'") ||
                      parse_sym_is(k, "'>'")))
            continue;
        items[count++] = parse_token_desc(k);
    }
    for (int j = 0; j < count; j++) {
        if (j)
            sbuf_puts(&b, j == count - 1 ? " or " : ", ");
        sbuf_puts(&b, items[j]);
    }
    snprintf(buf, size, "%s", b.s ? b.s : "something else");
    sbuf_free(&b);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner,
                                 struct parse_state *ps)
{
    (void)scanner;
    if (ps->stopped)
        return 0;   /* the parse ended early on purpose; that is reported */
    yysymbol_kind_t tok = yypcontext_token(ctx);
    const YYLTYPE *loc = yypcontext_location(ctx);
    if (tok == YYSYMBOL_YYEOF && !ps->is_file && ps->errors == 0) {
        ps->incomplete = 1;   /* the REPL will read another line */
        ps->errors++;
        return 0;
    }
    ps->errors++;
    if (ps->errors > PARSE_MAX_ERRORS)
        return 0;
    yysymbol_kind_t exp[YYNTOKENS];
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    if (n < 0)
        n = 0;
    char got[64], prev[64], want[512];
    parse_token_text(ps, loc, tok, got, sizeof got);
    parse_token_text(ps, &ps->prev, YYSYMBOL_NUM, prev, sizeof prev);
    int have_prev = ps->prev.end > ps->prev.start && ps->prev.end <= loc->start;
    struct ast_span after = {ps->src, ps->prev.end, ps->prev.end};
    if (have_prev && parse_expects(exp, n, YYSYMBOL_DOTDOT)) {
        diag_error(ps->diag, loc, "expected '..' after %s, got %s", prev, got);
        diag_note(ps->diag, loc, "write a range as 'a..b lin N' or 'a..b log N'");
    } else if (have_prev && parse_expects_sym(exp, n, "'='") && parse_is_word(ps, &ps->prev)) {
        diag_error(ps->diag, loc, "expected '=' after %s, got %s", prev, got);
    } else if (have_prev && parse_expects_sym(exp, n, "';'") &&
               (tok == YYSYMBOL_YYEOF || parse_sym_is(tok, "'}'") ||
                parse_newline_between(ps, ps->prev.end, loc->start))) {
        diag_error(ps->diag, &after, "expected ';' after %s", prev);
    } else {
        parse_expected_list(exp, n, want, sizeof want);
        if (have_prev)
            diag_error(ps->diag, loc, "expected %s after %s, got %s", want, prev, got);
        else
            diag_error(ps->diag, loc, "expected %s, got %s", want, got);
    }
    return 0;
}

void parse_too_deep(struct parse_state *ps, const struct ast_span *loc)
{
    if (ps->stopped)
        return;
    ps->stopped = 1;
    ps->errors++;
    diag_error(ps->diag, loc, "this nests too deeply (more than %d levels)", AST_MAX_DEPTH);
}

/* Bison's only own message is "memory exhausted", when its stack (up to
 * YYMAXDEPTH entries) fills: unclosed prefixes such as '- - - ...' or a long
 * '^' chain, which is nesting too. */
static void yyerror(YYLTYPE *loc, yyscan_t scanner, struct parse_state *ps, const char *msg)
{
    (void)scanner;
    if (strstr(msg, "memory exhausted")) {
        parse_too_deep(ps, loc);
        return;
    }
    if (ps->stopped)
        return;
    ps->errors++;
    diag_error(ps->diag, loc, "%s", msg);
}
