/* runtime/report/html.c: OUTDIR/index.html, one page that shows what a run
 * of a script produced: every claim with its measured value and whether it
 * held, every figure (the rendered image inlined as a data: URI, so the page
 * is one self-contained file that works from file:// offline), every table
 * (from its CSV), the script with line numbers, the overrides, the run
 * counts and the tmsl version. The CSS is small and responsive (one column
 * on a phone). A short inline script marks the body with
 * data-figures="ok" once every image has decoded, for tests. Also the
 * record of claims that expect.c fills (fig_claim_note). */
#include <config.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fig_impl.h"

void fig_claim_note(struct fig_env *e, const struct plan_output *o, int holds, const char *what)
{
    if (!e->claims)
        return;
    struct fig_claims *c = e->claims;
    c->v = xrealloc(c->v, sizeof *c->v * (size_t)(c->n + 1));
    c->v[c->n++] = (struct fig_claim){ (int)(o - e->plan->outputs), holds, xstrdup(what) };
}

void fig_claims_free(struct fig_claims *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->v[i].measured);
    free(c->v);
    c->v = NULL;
    c->n = 0;
}

static void html_text(FILE *fp, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(s[i], fp);
        }
    }
}

static void html_puts(FILE *fp, const char *s)
{
    html_text(fp, s ? s : "", s ? strlen(s) : 0);
}

static void base64(FILE *fp, const unsigned char *d, size_t n)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        fputc(al[v >> 18 & 63], fp);
        fputc(al[v >> 12 & 63], fp);
        fputc(i + 1 < n ? al[v >> 6 & 63] : '=', fp);
        fputc(i + 2 < n ? al[v & 63] : '=', fp);
    }
}

static const char html_style[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:12px;"
    "color:#222;background:#fff}\n"
    "h1{font-size:1.35em;margin:.3em 0}h2{font-size:1.15em;border-bottom:1px solid #ddd;"
    "margin-top:1.6em}\n"
    "img{max-width:100%;height:auto;border:1px solid #eee}\n"
    "figure{margin:1em 0}figcaption{font-size:.9em;color:#555}\n"
    ".scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.9em}\n"
    "td,th{border:1px solid #ddd;padding:3px 7px;text-align:right;white-space:nowrap}\n"
    "th{background:#f4f4f4}td.l,th.l{text-align:left;white-space:normal}\n"
    ".pass{color:#fff;background:#2a7d2a;padding:1px 6px;border-radius:3px}\n"
    ".fail{color:#fff;background:#b22;padding:1px 6px;border-radius:3px}\n"
    "pre{background:#f7f7f7;padding:8px;overflow-x:auto;font-size:.85em}\n"
    ".ln{color:#999;user-select:none;display:inline-block;width:3.5em}\n"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dd{margin:0}\n"
    "@media (max-width:600px){body{font-size:14px;padding:6px}dl{grid-template-columns:1fr}"
    "dt{font-weight:bold}}\n";

/* Page head and the facts of the run. */
static void html_head(FILE *fp, struct fig_env *e, const struct report_info *in)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>tmsl: ",
          fp);
    html_puts(fp, in->script_name);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", html_style);
    html_puts(fp, in->script_name);
    fputs("</h1>\n<dl>\n<dt>made by</dt><dd>tmsl " PACKAGE_VERSION "</dd>\n<dt>overrides</dt><dd>",
          fp);
    html_puts(fp, e->overrides && *e->overrides ? e->overrides : "none");
    fprintf(fp, "</dd>\n<dt>runs</dt><dd>%ld in the plan: %ld trained, %ld reused, %ld failed</dd>\n"
            "<dt>status</dt><dd>%s</dd>\n<dt>files</dt><dd><a href=\"runs.jsonl\">runs.jsonl</a>, "
            "<a href=\"manifest.json\">manifest.json</a>, weights-G.safetensors per grid "
            "(doc/results.md)</dd>\n</dl>\n", in->runs, in->trained, in->reused, in->failed,
            in->status == 0 ? "every run trained and every claim held"
            : in->status == 1 ? "a run failed or a claim did not hold" : "errors (see stderr)");
}

static int html_line(struct fig_env *e, const struct plan_output *o)
{
    int line = 0, col = 0;
    if (e->diag)
        diag_line_col(e->diag, o->span.src, o->span.start, &line, &col);
    return line;
}

static void html_claims(FILE *fp, struct fig_env *e)
{
    if (!e->claims || e->claims->n == 0)
        return;
    fputs("<h2>Claims</h2>\n<div class=\"scroll\"><table>\n<tr><th>line</th><th class=\"l\">claim"
          "</th><th>result</th><th class=\"l\">measured</th></tr>\n", fp);
    for (int i = 0; i < e->claims->n; i++) {
        const struct fig_claim *c = &e->claims->v[i];
        const struct plan_output *o = &e->plan->outputs[c->output];
        fprintf(fp, "<tr><td>%d</td><td class=\"l\"><code>", html_line(e, o));
        html_puts(fp, o->text);
        fprintf(fp, "</code></td><td><span class=\"%s\">%s</span></td><td class=\"l\">",
                c->holds == 1 ? "pass" : "fail", c->holds == 1 ? "pass" : c->holds == 0 ? "fail"
                : "error");
        html_puts(fp, c->measured);
        fputs("</td></tr>\n", fp);
    }
    fputs("</table></div>\n", fp);
}

/* A figure's rendered image inlined, or a note on how to render it. */
static void html_figure(FILE *fp, struct fig_env *e, const struct plan_output *o)
{
    static const char *const ext[] = { "png", "svg" };
    static const char *const mime[] = { "image/png", "image/svg+xml" };
    fputs("<figure>\n", fp);
    int shown = 0;
    for (int k = 0; k < 2 && !shown; k++) {
        char *path = xasprintf("%s/%s.%s", e->outdir, o->stem, ext[k]);
        size_t len = 0;
        unsigned char *img = (unsigned char *)util_read_file(path, &len);
        if (img && len > 0) {
            /* the link opens the full-size file beside the page, when there is one */
            fprintf(fp, "<a href=\"%s.%s\"><img alt=\"%s\" src=\"data:%s;base64,", o->stem,
                    ext[k], o->stem, mime[k]);
            base64(fp, img, len);
            fputs("\"></a>\n", fp);
            shown = 1;
        }
        free(img);
        free(path);
    }
    if (!shown)
        fprintf(fp, "<p>(not rendered: run <code>gnuplot %s.gp</code>)</p>\n", o->stem);
    fprintf(fp, "<figcaption>line %d: <code>", html_line(e, o));
    html_puts(fp, o->text);
    fprintf(fp, "</code> &mdash; <a href=\"%s.gp\">%s.gp</a>, <a href=\"%s.dat\">%s.dat</a>"
            "</figcaption>\n</figure>\n", o->stem, o->stem, o->stem, o->stem);
}

/* A table from its CSV (plain cells: tmsl writes numbers and names only). */
static void html_table(FILE *fp, struct fig_env *e, const struct plan_output *o)
{
    char *path = xasprintf("%s/%s.csv", e->outdir, o->stem);
    char *csv = util_read_file(path, NULL);
    fprintf(fp, "<h3>%s <small>(line %d, <a href=\"%s.csv\">%s.csv</a>)</small></h3>\n", o->stem,
            html_line(e, o), o->stem, o->stem);
    if (csv) {
        fputs("<div class=\"scroll\"><table>\n", fp);
        int row = 0;
        for (char *save = NULL, *l = strtok_r(csv, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
            const char *cell = row ? "td" : "th";
            fputs("<tr>", fp);
            for (char *s2 = NULL, *c = strtok_r(l, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
                fprintf(fp, "<%s>", cell);
                html_puts(fp, c);
                fprintf(fp, "</%s>", cell);
            }
            fputs("</tr>\n", fp);
            row++;
        }
        fputs("</table></div>\n", fp);
    }
    free(csv);
    free(path);
}

static void html_script(FILE *fp, const struct report_info *in)
{
    if (!in->script_text)
        return;
    fputs("<h2>Script</h2>\n<pre><code>", fp);
    const char *s = in->script_text, *end = s + in->script_len;
    for (int line = 1; s < end; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
        fprintf(fp, "<span class=\"ln\">%d</span>", line);
        html_text(fp, s, n);
        fputc('\n', fp);
        s += n + (nl != NULL);
    }
    fputs("</code></pre>\n", fp);
}

/* Marks the body once every image decoded (or failed to), for tests and
 * for anyone checking that the page is whole. */
static const char html_check[] =
    "<script>\nwindow.addEventListener('load', function () {\n"
    "  var imgs = document.images, bad = 0;\n"
    "  for (var i = 0; i < imgs.length; i++)\n"
    "    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad++;\n"
    "  document.body.setAttribute('data-figures', bad ? 'broken ' + bad : 'ok');\n"
    "  document.body.setAttribute('data-images', String(imgs.length));\n"
    "});\n</script>\n";

static void html_body(FILE *fp, struct fig_env *e, const struct report_info *in)
{
    html_head(fp, e, in);
    html_claims(fp, e);
    int nfig = 0, ntab = 0;
    for (int i = 0; i < e->plan->noutputs; i++)
        nfig += e->plan->outputs[i].kind == PLAN_PLOT, ntab += e->plan->outputs[i].kind == PLAN_TABLE;
    if (nfig)
        fputs("<h2>Figures</h2>\n", fp);
    for (int i = 0; i < e->plan->noutputs; i++)
        if (e->plan->outputs[i].kind == PLAN_PLOT)
            html_figure(fp, e, &e->plan->outputs[i]);
    if (ntab)
        fputs("<h2>Tables</h2>\n", fp);
    for (int i = 0; i < e->plan->noutputs; i++)
        if (e->plan->outputs[i].kind == PLAN_TABLE)
            html_table(fp, e, &e->plan->outputs[i]);
    html_script(fp, in);
    fprintf(fp, "%s</body>\n</html>\n", html_check);
}

int report_html_write(struct fig_env *e, const struct report_info *info)
{
    char *path = xasprintf("%s/index.html", e->outdir);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        html_body(af.fp, e, info);
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(e->diag, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}
