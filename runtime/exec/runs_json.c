/* runtime/exec/runs_json.c: OUTDIR/runs.jsonl, one JSON object per run of
 * the plan, in plan order, streamed to a temporary file and renamed: the
 * run's identity and settings, then its results (tensors, final loss,
 * metrics, loss curve) or its failure. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "fig_impl.h"
#include "model.h"
#include "sae.h"
#include "util.h"

static void json_float_array(FILE *fp, const float *v, int n)
{
    fputc('[', fp);
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', fp);
        if (isfinite(v[i]))
            fprintf(fp, "%.9g", (double)v[i]);
        else
            fputs("null", fp);
    }
    fputc(']', fp);
}

static void json_double_field(FILE *fp, const char *name, const double *v, int n)
{
    fprintf(fp, ",\"%s\":[", name);
    for (int i = 0; i < n; i++) {
        if (i)
            fputc(',', fp);
        exec_json_number(fp, v[i]);
    }
    fputc(']', fp);
}

/* Every tensor of the run's kind by name, in the kind's order: a vector
 * (declared with one column) as a flat array, a matrix as rows, even when
 * m = 1 makes it a single column. */
static void json_tensors(FILE *fp, const struct train_result *r)
{
    for (int t = 0; r->kind && t < r->kind->ntensors; t++) {
        int rows, cols;
        const float *v = train_tensor(r, r->kind->tensor[t].name, &rows, &cols);
        fprintf(fp, ",\"%s\":", r->kind->tensor[t].name);
        if (r->kind->tensor[t].cols == MODEL_DIM_1) {
            json_float_array(fp, v, rows);
            continue;
        }
        fputc('[', fp);
        for (int i = 0; i < rows; i++) {
            if (i)
                fputc(',', fp);
            json_float_array(fp, v + (size_t)i * cols, cols);
        }
        fputc(']', fp);
    }
}

/* The snapshots (train snapshots=K), when there are any: per snapshot its
 * step, the loss then, and every tensor as above. */
static void json_snapshots(FILE *fp, const struct train_result *r)
{
    if (r->nsnap <= 0)
        return;
    fputs(",\"snapshots\":[", fp);
    for (int j = 0; j < r->nsnap; j++) {
        struct train_result v;
        train_snapshot_view(r, j, &v);
        fprintf(fp, "%s{\"step\":%d,\"loss\":", j ? "," : "", r->snap_step[j]);
        exec_json_number(fp, r->snap_loss[j]);
        json_tensors(fp, &v);
        fputc('}', fp);
    }
    fputc(']', fp);
}


static void json_coords(FILE *fp, const struct plan_group *g, int point)
{
    fputc('{', fp);
    for (int a = 0; a < g->naxes; a++) {
        fputs(a ? "," : "", fp);
        exec_json_string(fp, g->axes[a].name);
        fputc(':', fp);
        exec_json_number(fp, plan_group_coord(g, point, a));
    }
    fputc('}', fp);
}

/* Where a run sits: one (group, grid index) entry per grid cell that reads
 * it, runs' entries contiguous (by run index, then group order). */
struct where {
    int *start;      /* [nruns + 1] */
    int *group, *cell;
    char **outputs;  /* [ngroups] JSON array of the output names reading the group */
    /* the last point's coordinates as JSON: a point's repeats follow each
     * other, and each record writes them twice */
    int coords_group, coords_point;
    char *coords;
};

static void where_outputs(const struct xctx *x, struct where *w)
{
    const struct plan *p = x->p;
    w->outputs = xcalloc((size_t)(p->ngroups ? p->ngroups : 1), sizeof *w->outputs);
    for (int g = 0; g < p->ngroups; g++) {
        struct sbuf b;
        sbuf_init(&b);
        sbuf_puts(&b, "[");
        for (int i = 0, k = 0; i < p->noutputs; i++) {
            /* phase_compare reads a second grid, its versus group, too */
            const struct plan_output *o = &p->outputs[i];
            int versus = o->kind == PLAN_PLOT && names_figures[o->figure_id].versus &&
                         o->versus_group == g;
            if (o->group != g && !versus)
                continue;
            char *name = exec_output_name(x, i);
            sbuf_printf(&b, "%s\"%s\"", k++ ? "," : "", name);
            free(name);
        }
        sbuf_puts(&b, "]");
        w->outputs[g] = b.s;
    }
}

static void where_build(const struct xctx *x, struct where *w)
{
    const struct plan *p = x->p;
    w->start = xcalloc((size_t)p->nruns + 1, sizeof *w->start);
    int total = 0;
    for (int g = 0; g < p->ngroups; g++)
        for (int i = 0; i < p->groups[g].npoints * p->groups[g].nrepeat; i++, total++)
            w->start[p->groups[g].runs[i] + 1]++;
    for (int r = 0; r < p->nruns; r++)
        w->start[r + 1] += w->start[r];
    int *fill = xmalloc(sizeof *fill * (size_t)(p->nruns ? p->nruns : 1));
    memcpy(fill, w->start, sizeof *fill * (size_t)p->nruns);
    w->group = xmalloc(sizeof *w->group * (size_t)(total ? total : 1));
    w->cell = xmalloc(sizeof *w->cell * (size_t)(total ? total : 1));
    for (int g = 0; g < p->ngroups; g++)
        for (int i = 0; i < p->groups[g].npoints * p->groups[g].nrepeat; i++) {
            int k = fill[p->groups[g].runs[i]]++;
            w->group[k] = g;
            w->cell[k] = i;
        }
    free(fill);
    where_outputs(x, w);
    w->coords_group = -1;
    w->coords = NULL;
}

static void where_free(struct where *w, int ngroups)
{
    for (int g = 0; g < ngroups; g++)
        free(w->outputs[g]);
    free(w->outputs);
    free(w->start);
    free(w->group);
    free(w->cell);
    free(w->coords);
}

/* Write the coordinates of group g's point, formatted once per point. */
static void where_coords(FILE *fp, struct where *w, const struct plan *p, int g, int point)
{
    if (!(w->coords && w->coords_group == g && w->coords_point == point)) {
        free(w->coords);
        w->coords = NULL;
        size_t len = 0;
        FILE *ms = open_memstream(&w->coords, &len);
        if (!ms) {   /* no memory for the copy: write them directly */
            json_coords(fp, &p->groups[g], point);
            return;
        }
        json_coords(ms, &p->groups[g], point);
        fclose(ms);
        w->coords_group = g;
        w->coords_point = point;
    }
    fputs(w->coords, fp);
}

/* The grid cells reading run i: the first one as the run's own experiment,
 * point and coordinates, all of them under "reads". */
static void json_where(FILE *fp, const struct xctx *x, struct where *w, int i)
{
    const struct plan *p = x->p;
    for (int k = w->start[i]; k < w->start[i + 1]; k++) {
        const struct plan_group *g = &p->groups[w->group[k]];
        int point = w->cell[k] / g->nrepeat;
        if (k == w->start[i]) {
            fputs(",\"experiment\":", fp);
            exec_json_string(fp, g->experiment ? g->experiment : "");
            fprintf(fp, ",\"group\":%d,\"point\":%d,\"coords\":", w->group[k], point);
            where_coords(fp, w, p, w->group[k], point);
            fprintf(fp, ",\"outputs\":%s,\"reads\":[", w->outputs[w->group[k]]);
        }
        fprintf(fp, "%s{\"group\":%d,\"experiment\":", k > w->start[i] ? "," : "", w->group[k]);
        exec_json_string(fp, g->experiment ? g->experiment : "");
        fprintf(fp, ",\"point\":%d,\"coords\":", point);
        where_coords(fp, w, p, w->group[k], point);
        fprintf(fp, ",\"outputs\":%s}", w->outputs[w->group[k]]);
    }
    if (w->start[i] == w->start[i + 1])
        fputs(",\"experiment\":null,\"group\":null,\"point\":null,\"coords\":{},"
              "\"outputs\":[],\"reads\":[", fp);
    fputc(']', fp);
}

/* Every per-point metric of the catalogue that is a value of one run, but
 * those that sample inputs of their own (dear for a million records). The
 * run is read through a plan view of that run alone (and, for an SAE, its
 * model's run, whose weights are not at hand here). */
static void json_metrics(FILE *fp, const struct plan *p, int i, const struct train_result *r)
{
    struct plan one = *p;
    struct plan_run two[2] = { p->runs[i], p->runs[i] };
    struct train_result res[2] = { *r };
    if (two[0].base >= 0) {
        two[1] = p->runs[two[0].base];
        two[0].base = 1;
    }
    one.runs = two;
    one.nruns = 1;
    const struct fig_env e = { .plan = &one, .results = res };
    int first = 1;
    fputs(",\"metrics\":{", fp);
    for (const struct names_metric *m = names_metrics; m->name; m++) {
        if (m->kind != NAMES_POINT || !fig_metric_per_run((int)m->id) ||
            fig_metric_sampled((int)m->id))
            continue;
        double v = NAN;
        fig_run_metric(&e, 0, (int)m->id, 0, &v);
        fprintf(fp, "%s\"%s\":", first ? "" : ",", m->name);
        exec_json_number(fp, v);
        first = 0;
    }
    fputc('}', fp);
}

static void json_shapes(FILE *fp, const struct train_result *r)
{
    fputs(",\"tensors\":{", fp);
    for (int t = 0; r->kind && t < r->kind->ntensors; t++) {
        int rows, cols;
        model_shape(r->kind, t, r->n, r->m, &rows, &cols);
        fprintf(fp, "%s\"%s\":", t ? "," : "", r->kind->tensor[t].name);
        if (r->kind->tensor[t].cols == MODEL_DIM_1)
            fprintf(fp, "[%d]", rows);
        else
            fprintf(fp, "[%d,%d]", rows, cols);
    }
    fputc('}', fp);
}

static void json_curve(FILE *fp, const struct train_result *r)
{
    fprintf(fp, ",\"curve\":[");
    for (int i = 0; i < r->ncurve; i++) {
        fprintf(fp, "%s[%d,", i ? "," : "", r->curve_step[i]);
        exec_json_number(fp, r->curve_loss[i]);
        fputc(']', fp);
    }
    fputc(']', fp);
}

/* One run as one JSON object (doc/results.md): identity and place in the
 * grids, seeds as strings (they exceed 2^53), settings, failure, tensors,
 * metrics, curve. A run whose curve was not kept in memory has none. */
static void json_run(FILE *fp, const struct xctx *x, struct where *w, int i,
                     const struct train_result *r, int has_curve)
{
    const struct plan_run *run = &x->p->runs[i];
    char *settings = plan_run_settings_json(x->p, i);
    fprintf(fp, "{\"schema\":%d,\"id\":\"%s\"", EXEC_RUNS_SCHEMA, plan_run_id(x->p, i).s);
    json_where(fp, x, w, i);
    fprintf(fp, ",\"repeat\":%d,\"run_seed\":\"%llu\",\"master_seed\":\"%llu\",\"settings\":%s",
            run->repeat, (unsigned long long)util_mix64(run->key),
            (unsigned long long)plan_run_tmpl(x->p, i)->seed, settings);
    free(settings);
    char kernel[32];
    plan_run_kernel(x->p, i, kernel, sizeof kernel);
    fprintf(fp, ",\"kernel\":\"%s\"", kernel);
    fprintf(fp, ",\"failed\":%s,\"failure\":", r->failed ? "true" : "false");
    if (r->failed) {
        fprintf(fp, "{\"step\":%d,\"reason\":", r->fail_step);
        exec_json_string(fp, r->fail_reason ? r->fail_reason : "");
        fputc('}', fp);
    } else
        fputs("null", fp);
    fputs(",\"final_loss\":", fp);
    exec_json_number(fp, r->failed ? NAN : r->final_loss);
    json_shapes(fp, r);
    json_tensors(fp, r);
    struct train_metrics mt;
    if (!r->failed && train_metrics_of(r, &mt) == 0) {
        json_metrics(fp, x->p, i, r);
        json_double_field(fp, "norms", mt.norm, r->n);
        json_double_field(fp, "superposition", mt.superpos, r->n);
        json_double_field(fp, "dimensionality", mt.dim, r->n);
        train_metrics_free(&mt);
    }
    json_snapshots(fp, r);
    if (has_curve)
        json_curve(fp, r);
    fputs("}\n", fp);
}

/* runs.jsonl holds every run of the plan, in plan order, streamed. */
int exec_write_runs_jsonl(const struct xctx *x)
{
    char *path = xasprintf("%s/runs.jsonl", x->o->outdir);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        struct where w;
        where_build(x, &w);
        for (int i = 0; i < x->p->nruns; i++) {
            const struct store_rec *rec = store_find(x->s, x->p->runs[i].key);
            struct train_result v;
            if (!rec)
                continue;
            store_view(rec, &v);
            json_run(af.fp, x, &w, i, &v, !rec->curve_dropped);
        }
        where_free(&w, x->p->ngroups);
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(x->d, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}
