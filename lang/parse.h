/* lang/parse.h: what the lexer and the parser share while reading one text:
 * where tokens go (the arena), where errors go (diag), the byte offset the
 * lexer has reached, the previous token (for "expected ';' after ..."), and
 * the statements read. Nothing here is global, so several texts can be read
 * at once (a `use`d file while its user is being checked). */
#ifndef TMSL_PARSE_H
#define TMSL_PARSE_H
#include <stddef.h>
#include "ast.h"
#include "diag.h"

struct parse_state {
    struct ast_arena *arena;
    struct diag *diag;
    int src;                  /* diag source number of the text */
    const char *text;
    size_t len;
    int base;                 /* where in text to start reading */
    int offset;               /* lexer position (bytes) */
    struct ast_span prev;     /* span of the last token handed to the parser */
    struct ast_span cur;      /* span of the token being handed over */
    int is_file;              /* 0: REPL input, end of input may just be "incomplete" */
    int incomplete;           /* set when the only problem is an early end of input */
    int errors;               /* syntax and lexical errors so far */
    int start_token;          /* START_EXPR: read one expression (for -D values) */
    int nest;                 /* open ( [ { not yet closed */
    int stopped;              /* nesting too deep or a binary byte: reported, the text ends */
    struct ast_list *stmts;   /* the result: statements */
    struct ast_node *expr;    /* or the expression */
};

#define PARSE_MAX_ERRORS 20

/* Report once that the text nests deeper than AST_MAX_DEPTH at loc. */
void parse_too_deep(struct parse_state *ps, const struct ast_span *loc);

/* Parse text into ps->stmts. Returns the number of errors (0 on success). */
int parse_text(struct parse_state *ps);

#endif
