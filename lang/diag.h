/* lang/diag.h: diagnostics. Every message points at a source span and prints
 * as  file:line:col: error: message  then the source line and a caret
 * underline. Sources are registered once and live as long as the diag
 * context, so spans stay valid for errors found at run time (REPL included). */
#ifndef TMSL_DIAG_H
#define TMSL_DIAG_H
#include <stdio.h>

/* A byte span [start, end) in source number `src` of a diag context. */
struct ast_span { int src; int start, end; };

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

struct diag;   /* opaque */

struct diag *diag_new(FILE *out);            /* out: usually stderr */
void diag_free(struct diag *d);
/* Register a source text (copied); returns its number for spans. */
int diag_add_source(struct diag *d, const char *name, const char *text, size_t len);
const char *diag_source_text(const struct diag *d, int src, size_t *len);
const char *diag_source_name(const struct diag *d, int src);
/* Report at a span (span == NULL: no location, just "tmsl: error: ..."). */
void diag_report(struct diag *d, enum diag_level lvl, const struct ast_span *span,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define diag_error(d, span, ...) diag_report((d), DIAG_ERROR, (span), __VA_ARGS__)
#define diag_note(d, span, ...) diag_report((d), DIAG_NOTE, (span), __VA_ARGS__)
int diag_errors(const struct diag *d);       /* errors reported so far */
void diag_reset_count(struct diag *d);
void diag_set_color(struct diag *d, int on);
/* line:col (1-based, col in bytes) of a byte offset */
void diag_line_col(const struct diag *d, int src, int off, int *line, int *col);

#endif
