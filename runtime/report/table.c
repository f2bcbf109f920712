/* runtime/report/table.c: `table [cols];` — one row per grid point of the output's
 * group: the axis coordinates, then the metric columns (default represented,
 * superposed, frob2, dims_per_feature, negative_biases, loss). With repeats a
 * row reads the kept run under keep best, else the mean over the repeats of
 * each (sign-invariant) metric; the text format says which. Printed as
 * aligned text, CSV or JSON lines, and always written to OUTDIR/STEM.csv. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"

static const char *const default_cols[] = {
    "represented", "superposed", "frob2", "dims_per_feature", "negative_biases", "loss"
};

struct tcol { char *title; int metric, idx, axis; };

/* "norm(3)" -> metric norm, idx 3. */
static int parse_col(const char *s, struct tcol *c)
{
    char name[64];
    int idx = 0, used = 0;
    const char *paren = strchr(s, '(');
    size_t len = paren ? (size_t)(paren - s) : strlen(s);
    if (len >= sizeof name)
        return -1;
    memcpy(name, s, len);
    name[len] = 0;
    const struct names_metric *m = names_metric_find(name);
    if (!m)
        return -1;
    c->metric = (int)m->id;
    if (paren && (sscanf(paren, "(%d)%n", &idx, &used) != 1 || paren[used] != 0))
        return -1;
    if ((m->kind == NAMES_FEATURE) != (paren != NULL))
        return -1;
    c->idx = idx;
    c->axis = -1;
    c->title = xstrdup(s);
    return 0;
}

static char *fmt_cell(double v)
{
    char buf[64];
    if (isnan(v))
        return xstrdup("");
    snprintf(buf, sizeof buf, "%.6g", v);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
    return xstrdup(buf);
}

static void put_csv(FILE *fp, char **cells, int rows, int cols)
{
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            fprintf(fp, "%s%s", cells[r * cols + c], c == cols - 1 ? "\n" : ",");
}

static void put_text(FILE *fp, char **cells, int rows, int cols, const struct plan_group *g, int naxes)
{
    int *w = xcalloc((size_t)cols, sizeof *w);
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            int l = (int)strlen(cells[r * cols + c]);
            w[c] = l > w[c] ? l : w[c];
        }
    if (g->nrepeat > 1)
        fprintf(fp, "# %d repeats per point: %s\n", g->nrepeat,
                g->keep_best ? "values of the lowest-loss run (keep best)"
                             : "metrics averaged over the repeats");
    for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
            const char *s = cells[r * cols + c];
            if (r > 0 && !*s)
                s = "-";
            fprintf(fp, "%s%*s", c ? "  " : "", c < naxes ? -w[c] : w[c], s);
        }
        fputc('\n', fp);
    }
    free(w);
}

static void put_jsonl(FILE *fp, char **cells, int rows, int cols)
{
    for (int r = 1; r < rows; r++) {
        fputc('{', fp);
        for (int c = 0; c < cols; c++) {
            const char *s = cells[r * cols + c];
            fprintf(fp, "%s\"%s\":%s", c ? "," : "", cells[c], *s ? s : "null");
        }
        fputs("}\n", fp);
    }
}

/* Fill the header row and one row per point; -1 on a bad column. */
static int build(struct fig_env *e, const struct plan_output *o, struct tcol *cols, int ncol,
                 int naxes, char **cells)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    int width = naxes + ncol;
    for (int c = 0; c < width; c++)
        cells[c] = xstrdup(c < naxes ? (g->naxes ? g->axes[c].name : "sparsity") : cols[c - naxes].title);
    for (int p = 0; p < g->npoints; p++) {
        char **row = cells + (size_t)(p + 1) * width;
        for (int a = 0; a < naxes; a++)
            row[a] = fmt_cell(g->naxes ? plan_group_coord(g, p, a)
                                       : plan_run_sparsity(e->plan, g->runs[p * g->nrepeat]));
        for (int c = 0; c < ncol; c++) {
            double v = NAN;
            if (fig_point_value(e, o->group, p, cols[c].metric, cols[c].idx, &v) != 0)
                v = NAN;
            row[naxes + c] = fmt_cell(v);
        }
    }
    return 0;
}

int table_emit(struct fig_env *e, const struct plan_output *o, FILE *out, enum table_format f)
{
    const struct plan_group *g = &e->plan->groups[o->group];
    int ncol = o->ncolumns > 0 ? o->ncolumns : (int)(sizeof default_cols / sizeof *default_cols);
    struct tcol *cols = xcalloc((size_t)ncol, sizeof *cols);
    int rc = 0;
    for (int c = 0; c < ncol && rc == 0; c++) {
        const char *name = o->ncolumns > 0 ? o->columns[c] : default_cols[c];
        if (parse_col(name, &cols[c]) != 0) {
            diag_error(e->diag, &o->span, "unknown table column '%s'", name);
            rc = -1;
        } else if (cols[c].metric == NAMES_M_PHASE_AGREEMENT) {
            diag_error(e->diag, &o->span, "'phase_agreement' is not a per-point column; use expect");
            rc = -1;
        }
    }
    int naxes = g->naxes ? g->naxes : 1, width = naxes + ncol, rows = g->npoints + 1;
    char **cells = xcalloc((size_t)rows * width, sizeof *cells);
    if (rc == 0) {
        fig_report_bad(e, o);
        build(e, o, cols, ncol, naxes, cells);
        char *path = xasprintf("%s/%s.csv", e->outdir, o->stem);
        struct afile af;
        if (util_afopen(&af, path) != 0) {
            diag_error(e->diag, &o->span, "cannot write '%s': %s", path, strerror(errno));
            rc = -1;
        } else {
            put_csv(af.fp, cells, rows, width);
            if (util_afclose(&af, 1) != 0) {
                diag_error(e->diag, &o->span, "cannot write '%s': %s", path, strerror(errno));
                rc = -1;
            }
        }
        free(path);
        if (out && f == TABLE_TEXT)
            put_text(out, cells, rows, width, g, naxes);
        else if (out && f == TABLE_CSV)
            put_csv(out, cells, rows, width);
        else if (out)
            put_jsonl(out, cells, rows, width);
    }
    for (int i = 0; i < rows * width; i++)
        free(cells[i]);
    free(cells);
    for (int c = 0; c < ncol; c++)
        free(cols[c].title);
    free(cols);
    return rc;
}
