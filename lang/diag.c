/* lang/diag.c: diagnostics with source excerpts.
 * Sources are copied in when registered, so a span stays printable for the
 * life of the context (the REPL reports run-time errors on old lines). A
 * report prints "file:line:col: level: message", the source line with its
 * number, and a caret under the span's first byte followed by tildes to its
 * end (clipped to the line). Tabs in the line are echoed as tabs under the
 * caret so the underline stays aligned whatever the tab width. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "diag.h"
#include "util.h"

struct diag_source { char *name; char *text; size_t len; };

struct diag {
    FILE *out;
    int color;
    int errors;
    int nsrc, cap;
    struct diag_source *src;
    char *last;              /* the last error, to drop exact repeats */
    struct ast_span last_span;
    int muted;               /* notes of a dropped repeat are dropped too */
};

struct diag *diag_new(FILE *out)
{
    struct diag *d = xcalloc(1, sizeof *d);
    d->out = out;
    const char *nc = getenv("NO_COLOR");
    d->color = out && isatty(fileno(out)) && !(nc && *nc);
    return d;
}

void diag_free(struct diag *d)
{
    if (!d)
        return;
    for (int k = 0; k < d->nsrc; k++) {
        free(d->src[k].name);
        free(d->src[k].text);
    }
    free(d->src);
    free(d->last);
    free(d);
}

int diag_add_source(struct diag *d, const char *name, const char *text, size_t len)
{
    if (d->nsrc == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 8;
        d->src = xrealloc(d->src, (size_t)d->cap * sizeof *d->src);
    }
    struct diag_source *s = &d->src[d->nsrc];
    s->name = xstrdup(name ? name : "<input>");
    s->text = xmalloc(len + 1);
    if (len)
        memcpy(s->text, text, len);
    s->text[len] = 0;
    s->len = len;
    return d->nsrc++;
}

const char *diag_source_text(const struct diag *d, int src, size_t *len)
{
    if (src < 0 || src >= d->nsrc)
        return NULL;
    if (len)
        *len = d->src[src].len;
    return d->src[src].text;
}

const char *diag_source_name(const struct diag *d, int src)
{
    return src >= 0 && src < d->nsrc ? d->src[src].name : NULL;
}

void diag_line_col(const struct diag *d, int src, int off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    if (src < 0 || src >= d->nsrc)
        return;
    const struct diag_source *s = &d->src[src];
    if (off < 0)
        off = 0;
    if ((size_t)off > s->len)
        off = (int)s->len;
    int ln = 1, start = 0;
    for (int k = 0; k < off; k++)
        if (s->text[k] == '\n') {
            ln++;
            start = k + 1;
        }
    *line = ln;
    *col = off - start + 1;
}

int diag_errors(const struct diag *d) { return d->errors; }
void diag_reset_count(struct diag *d) { d->errors = 0; }
void diag_set_color(struct diag *d, int on) { d->color = on; }

static const char *diag_level_name(enum diag_level lvl)
{
    return lvl == DIAG_ERROR ? "error" : lvl == DIAG_WARNING ? "warning" : "note";
}

static const char *diag_level_color(enum diag_level lvl)
{
    return lvl == DIAG_ERROR ? "\033[1;31m" : lvl == DIAG_WARNING ? "\033[1;35m" : "\033[1;36m";
}

/* A span at the very end of the input, after a final newline, is shown one
 * past the last character of the last line rather than on an empty line. */
static int diag_clamp_off(const struct diag_source *s, int off)
{
    if (off < 0)
        off = 0;
    if ((size_t)off > s->len)
        off = (int)s->len;
    while ((size_t)off == s->len && off > 0 && s->text[off - 1] == '\n')
        off--;
    return off;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if none. */
static int diag_utf8_len(const unsigned char *p, int n)
{
    int len = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
    if (p[0] >= 0xf5 || len > n)
        return 0;
    for (int k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Source text as shown: control bytes and invalid UTF-8 print as '?', so a
 * binary file never sends raw bytes to the terminal. */
static void diag_put_text(FILE *out, const char *text, int n)
{
    const unsigned char *p = (const unsigned char *)text;
    for (int k = 0; k < n; k++) {
        if (p[k] >= 0x80) {
            int len = diag_utf8_len(p + k, n - k);
            if (len) {
                fwrite(p + k, 1, (size_t)len, out);
                k += len - 1;
                continue;
            }
        }
        fputc((p[k] < 0x20 && p[k] != '\t') || p[k] == 0x7f || p[k] >= 0x80 ? '?' : p[k], out);
    }
}

#define DIAG_WIDTH 120   /* a longer line is shown as a window around the span */

/* The excerpt: "  LINE | text" then "     | ^~~~" under the span. */
static void diag_excerpt(struct diag *d, const struct diag_source *s, const struct ast_span *sp,
                         int line, enum diag_level lvl)
{
    int off = diag_clamp_off(s, sp->start);
    int bol = off;
    while (bol > 0 && s->text[bol - 1] != '\n' && off - bol < DIAG_WIDTH / 2)
        bol--;
    int eol = off;
    while ((size_t)eol < s->len && s->text[eol] != '\n' && eol - bol < DIAG_WIDTH)
        eol++;
    int cut_left = bol > 0 && s->text[bol - 1] != '\n';
    int cut_right = (size_t)eol < s->len && s->text[eol] != '\n';
    fprintf(d->out, "%5d | %s", line, cut_left ? "..." : "");
    diag_put_text(d->out, s->text + bol, eol - bol);
    fprintf(d->out, "%s\n%5s | %s", cut_right ? "..." : "", "", cut_left ? "   " : "");
    for (int k = bol; k < off; k++)
        fputc(s->text[k] == '\t' ? '\t' : ' ', d->out);
    int end = sp->end > eol ? eol : sp->end;
    if (d->color)
        fputs(diag_level_color(lvl), d->out);
    fputc('^', d->out);
    for (int k = off + 1; k < end; k++)
        fputc('~', d->out);
    if (d->color)
        fputs("\033[0m", d->out);
    fputc('\n', d->out);
}

void diag_report(struct diag *d, enum diag_level lvl, const struct ast_span *span,
                 const char *fmt, ...)
{
    if (lvl == DIAG_ERROR)
        d->errors++;
    if (!d->out)
        return;
    va_list ap;
    va_start(ap, fmt);
    /* Several outputs can hit the same bad setting: say it once. */
    if (lvl == DIAG_ERROR) {
        char *msg = xmalloc(1024);
        vsnprintf(msg, 1024, fmt, ap);
        va_end(ap);
        va_start(ap, fmt);
        struct ast_span none = {-1, -1, -1}, sp = span ? *span : none;
        d->muted = d->last && !strcmp(d->last, msg) && sp.src == d->last_span.src &&
                   sp.start == d->last_span.start && sp.end == d->last_span.end;
        free(d->last);
        d->last = msg;
        d->last_span = sp;
    } else if (lvl == DIAG_WARNING) {
        d->muted = 0;
    }
    if (d->muted) {
        va_end(ap);
        return;
    }
    const struct diag_source *s = NULL;
    if (span && span->src >= 0 && span->src < d->nsrc)
        s = &d->src[span->src];
    int line = 0, col = 0;
    if (s) {
        diag_line_col(d, span->src, diag_clamp_off(s, span->start), &line, &col);
        fprintf(d->out, "%s%s:%d:%d:%s ", d->color ? "\033[1m" : "", s->name, line, col,
                d->color ? "\033[0m" : "");
    } else {
        fprintf(d->out, "%stmsl:%s ", d->color ? "\033[1m" : "", d->color ? "\033[0m" : "");
    }
    if (d->color)
        fprintf(d->out, "%s%s:\033[0m ", diag_level_color(lvl), diag_level_name(lvl));
    else
        fprintf(d->out, "%s: ", diag_level_name(lvl));
    vfprintf(d->out, fmt, ap);
    fputc('\n', d->out);
    va_end(ap);
    if (s)
        diag_excerpt(d, s, span, line, lvl);
    fflush(d->out);
}
