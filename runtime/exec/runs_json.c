/* runtime/exec/runs_json.c: OUTDIR/runs.jsonl, one JSON object per run of
 * the plan, in plan order, streamed to a temporary file and renamed: the
 * run's identity and settings, then its results (tensors, final loss,
 * metrics, loss curve) or its failure. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "model.h"
#include "util.h"

static void json_string(FILE *fp, const char *str)
{
    fputc('"', fp);
    for (const unsigned char *c = (const unsigned char *)str; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(fp, "\\%c", *c);
        else if (*c < 0x20)
            fprintf(fp, "\\u%04x", *c);
        else
            fputc(*c, fp);
    }
    fputc('"', fp);
}

/* JSON has no NaN or infinity: write null for them. */
static void json_number(FILE *fp, double v)
{
    char buf[40];
    if (!isfinite(v)) {
        fputs("null", fp);
        return;
    }
    util_fmt_double(buf, sizeof buf, v);
    fputs(buf, fp);
}

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
        json_number(fp, v[i]);
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
        json_number(fp, r->snap_loss[j]);
        json_tensors(fp, &v);
        fputc('}', fp);
    }
    fputc(']', fp);
}

/* One run as one JSON object: identity, settings, results, metrics. */
/* A run whose curve was not kept in memory is written without one. */
static void json_run(FILE *fp, const struct plan_run *run, const struct train_result *r,
                     int has_curve)
{
    fprintf(fp, "{\"id\":\"%s\",\"seed\":%llu,\"settings\":%s,\"failed\":%s", run->id,
            (unsigned long long)run->spec.seed, run->settings_json, r->failed ? "true" : "false");
    if (r->failed) {
        fprintf(fp, ",\"fail_step\":%d,\"fail_reason\":", r->fail_step);
        json_string(fp, r->fail_reason);
        fputs("}\n", fp);
        return;
    }
    fputs(",\"final_loss\":", fp);
    json_number(fp, r->final_loss);
    json_tensors(fp, r);
    struct train_metrics mt;
    if (train_metrics_of(r, &mt) == 0) {
        json_double_field(fp, "norms", mt.norm, r->n);
        json_double_field(fp, "superposition", mt.superpos, r->n);
        json_double_field(fp, "dimensionality", mt.dim, r->n);
        fputs(",\"frob2\":", fp);
        json_number(fp, mt.frob2);
        fprintf(fp, ",\"represented\":%d", mt.represented);
        train_metrics_free(&mt);
    }
    json_snapshots(fp, r);
    if (!has_curve) {
        fputs("}\n", fp);
        return;
    }
    fprintf(fp, ",\"curve\":[");
    for (int i = 0; i < r->ncurve; i++) {
        fprintf(fp, "%s[%d,", i ? "," : "", r->curve_step[i]);
        json_number(fp, r->curve_loss[i]);
        fputc(']', fp);
    }
    fputs("]}\n", fp);
}

/* runs.jsonl holds every run of the plan, in plan order, streamed. */
int exec_write_runs_jsonl(const struct xctx *x)
{
    char *path = xasprintf("%s/runs.jsonl", x->o->outdir);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        for (int i = 0; i < x->p->nruns; i++) {
            const struct store_rec *rec = store_find(x->s, x->p->runs[i].key);
            struct train_result v;
            if (!rec)
                continue;
            store_view(rec, &v);
            json_run(af.fp, &x->p->runs[i], &v, !rec->curve_dropped);
        }
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(x->d, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}
