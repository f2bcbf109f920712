/* runtime/exec/safetensors.c: the trained tensors of every grid as
 * safetensors files, OUTDIR/weights-G.safetensors for plan group G, so that
 * numpy (or any safetensors reader) loads a sweep's weights as arrays shaped
 * like the grid: each of the kind's tensors stacked as [axis counts...,
 * repeats, rows(, cols)], the final losses, the loss curves (NaN-padded),
 * which runs failed, and every axis's values. The metadata names the group's
 * experiment, axes, outputs and the run id of every cell, so a tensor entry
 * links back to its record in runs.jsonl. The layout is in doc/results.md.
 * Format: 8-byte little-endian header length, the JSON header (padded with
 * spaces to a multiple of 8), then the tensors' little-endian bytes in
 * header order, contiguous. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exec_int.h"
#include "model.h"
#include "util.h"

/* One tensor of the file: name, dtype, shape; bytes come from a writer. */
struct st_tensor {
    char *name;
    const char *dtype;     /* "F32", "F64", "I32", "U8" */
    int size;              /* bytes per element */
    int rank;
    long shape[8];
    long count;            /* elements */
};

struct st_file {
    const struct xctx *x;
    const struct plan_group *g;
    int group, ncurve;
    struct st_tensor t[MODEL_MAX_TENSORS + 16];
    int nt;
};

static void sb_json_string(struct sbuf *b, const char *s)
{
    sbuf_puts(b, "\"");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            sbuf_printf(b, "\\%c", *c);
        else if (*c < 0x20)
            sbuf_printf(b, "\\u%04x", *c);
        else
            sbuf_add(b, (const char *)c, 1);
    }
    sbuf_puts(b, "\"");
}

/* Little-endian bytes whatever the host's order. */
static void put_le(FILE *fp, const void *v, int size)
{
    const unsigned char *c = v;
    static const union { uint16_t u; unsigned char b[2]; } probe = { 1 };
    for (int i = 0; i < size; i++)
        fputc(c[probe.b[0] ? i : size - 1 - i], fp);
}

/* Add a tensor shaped [grid axes..., repeats, extra...]. */
static void st_add(struct st_file *f, char *name, const char *dtype, int size, int nextra,
                   const long *extra)
{
    struct st_tensor *t = &f->t[f->nt++];
    *t = (struct st_tensor){ name, dtype, size, 0, { 0 }, 1 };
    if (f->g->naxes > 4)   /* more axes than the shape has room for: one flat axis */
        t->shape[t->rank++] = f->g->npoints;
    else
        for (int a = 0; a < f->g->naxes; a++)
            t->shape[t->rank++] = f->g->axes[a].count;
    t->shape[t->rank++] = f->g->nrepeat;
    for (int k = 0; k < nextra; k++)
        t->shape[t->rank++] = extra[k];
    for (int k = 0; k < t->rank; k++)
        t->count *= t->shape[k];
}

static const struct train_result *st_run(const struct st_file *f, int cell,
                                         struct train_result *v)
{
    const struct store_rec *rec = store_find(f->x->s, f->x->p->runs[f->g->runs[cell]].key);
    if (!rec)
        return NULL;
    store_view(rec, v);
    return v;
}

/* The tensors of the file, from the group's kind and its runs' curves. */
static void st_plan(struct st_file *f)
{
    const struct model_kind *k = f->g->kind;
    for (int t = 0; k && t < k->ntensors; t++) {
        int rows, cols;
        model_shape(k, t, f->g->n, f->g->m, &rows, &cols);
        long extra[2] = { rows, cols };
        st_add(f, xstrdup(k->tensor[t].name), "F32", 4, k->tensor[t].cols == MODEL_DIM_1 ? 1 : 2,
               extra);
    }
    st_add(f, xstrdup("final_loss"), "F64", 8, 0, NULL);
    st_add(f, xstrdup("failed"), "U8", 1, 0, NULL);
    f->ncurve = 0;
    for (int c = 0; c < f->g->npoints * f->g->nrepeat; c++) {
        struct train_result v;
        if (st_run(f, c, &v) && v.ncurve > f->ncurve)
            f->ncurve = v.ncurve;
    }
    if (f->ncurve > 0) {
        long extra[1] = { f->ncurve };
        st_add(f, xstrdup("curve_step"), "I32", 4, 1, extra);
        st_add(f, xstrdup("curve_loss"), "F64", 8, 1, extra);
    }
    for (int a = 0; a < f->g->naxes && f->nt < (int)(sizeof f->t / sizeof f->t[0]); a++)
        f->t[f->nt++] = (struct st_tensor){ xasprintf("axis/%s", f->g->axes[a].name), "F64", 8, 1,
                                            { f->g->axes[a].count }, f->g->axes[a].count };
}

static void st_meta(struct st_file *f, struct sbuf *b)
{
    const struct plan_group *g = f->g;
    struct sbuf v;
    sbuf_init(&v);
    sbuf_printf(&v, "[");
    for (int a = 0; a < g->naxes; a++) {
        sbuf_puts(&v, a ? "," : "");
        sb_json_string(&v, g->axes[a].name);
    }
    sbuf_printf(b, "\"__metadata__\":{\"format\":\"tmsl\",\"schema\":\"%d\",\"group\":\"%d\","
                "\"experiment\":", EXEC_RUNS_SCHEMA, f->group);
    sb_json_string(b, g->experiment ? g->experiment : "");
    sbuf_printf(b, ",\"kind\":\"%s\",\"n\":\"%d\",\"m\":\"%d\",\"repeats\":\"%d\",\"axes\":",
                g->kind ? g->kind->name : "", g->n, g->m, g->nrepeat);
    sbuf_puts(&v, "]");
    sb_json_string(b, v.s);
    sbuf_free(&v);
    sbuf_init(&v);
    sbuf_puts(&v, "[");
    for (int c = 0; c < g->npoints * g->nrepeat; c++)
        sbuf_printf(&v, "%s\"%s\"", c ? "," : "", plan_run_id(f->x->p, g->runs[c]).s);
    sbuf_puts(&v, "]");
    sbuf_puts(b, ",\"run_ids\":");
    sb_json_string(b, v.s);
    sbuf_free(&v);
    sbuf_init(&v);
    sbuf_puts(&v, "[");
    for (int i = 0, k = 0; i < f->x->p->noutputs; i++)
        if (f->x->p->outputs[i].group == f->group) {
            char *name = exec_output_name(f->x, i);
            sbuf_puts(&v, k++ ? "," : "");
            sb_json_string(&v, name);
            free(name);
        }
    sbuf_puts(&v, "]");
    sbuf_puts(b, ",\"outputs\":");
    sb_json_string(b, v.s);
    sbuf_puts(b, "}");
    sbuf_free(&v);
}

/* The header: every tensor with contiguous offsets, then the metadata. */
static char *st_header(struct st_file *f, size_t *len)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "{");
    long off = 0;
    for (int i = 0; i < f->nt; i++) {
        struct st_tensor *t = &f->t[i];
        sb_json_string(&b, t->name);
        sbuf_printf(&b, ":{\"dtype\":\"%s\",\"shape\":[", t->dtype);
        for (int k = 0; k < t->rank; k++)
            sbuf_printf(&b, "%s%ld", k ? "," : "", t->shape[k]);
        sbuf_printf(&b, "],\"data_offsets\":[%ld,%ld]},", off, off + t->count * t->size);
        off += t->count * t->size;
    }
    st_meta(f, &b);
    sbuf_puts(&b, "}");
    while (b.len % 8)
        sbuf_puts(&b, " ");
    *len = b.len;
    return b.s;
}

/* The bytes of tensor i for every cell of the grid, in cell order. */
static void st_data(struct st_file *f, int i, FILE *fp)
{
    const struct st_tensor *t = &f->t[i];
    long per = t->count / (f->g->npoints * f->g->nrepeat);
    const struct model_kind *k = f->g->kind;
    int is_param = k && i < k->ntensors;
    if (!strncmp(t->name, "axis/", 5)) {
        for (int a = 0; a < f->g->naxes; a++)
            if (!strcmp(t->name + 5, f->g->axes[a].name))
                for (int v = 0; v < f->g->axes[a].count; v++)
                    put_le(fp, &f->g->axes[a].values[v], 8);
        return;
    }
    for (int c = 0; c < f->g->npoints * f->g->nrepeat; c++) {
        struct train_result v;
        const struct train_result *r = st_run(f, c, &v);
        const float *w = r && is_param ? train_tensor(r, t->name, NULL, NULL) : NULL;
        for (long e = 0; e < per; e++) {
            float x = w ? w[e] : NAN;
            double d = !r || r->failed ? NAN : r->final_loss;
            unsigned char u = !r || r->failed;
            int32_t s = r && e < r->ncurve ? r->curve_step[e] : -1;
            if (!strcmp(t->name, "curve_loss"))
                d = r && e < r->ncurve ? r->curve_loss[e] : NAN;
            put_le(fp, is_param ? (void *)&x : t->size == 8 ? (void *)&d
                   : t->size == 4 ? (void *)&s : (void *)&u, t->size);
        }
    }
}

static int st_write_group(const struct xctx *x, int group)
{
    struct st_file f = { x, &x->p->groups[group], group, 0, { { 0 } }, 0 };
    st_plan(&f);
    size_t hlen;
    char *header = st_header(&f, &hlen);
    char *path = xasprintf("%s/weights-%d.safetensors", x->o->outdir, group);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        uint64_t n = hlen;
        put_le(af.fp, &n, 8);
        fwrite(header, 1, hlen, af.fp);
        for (int i = 0; i < f.nt; i++)
            st_data(&f, i, af.fp);
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(x->d, NULL, "cannot write '%s': %s", path, strerror(errno));
    for (int i = 0; i < f.nt; i++)
        free(f.t[i].name);
    free(header);
    free(path);
    return rc;
}

int exec_write_safetensors(const struct xctx *x)
{
    int rc = 0;
    for (int g = 0; g < x->p->ngroups; g++)
        if (st_write_group(x, g) != 0)
            rc = -1;
    return rc;
}
