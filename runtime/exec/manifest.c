/* runtime/exec/manifest.c: OUTDIR/manifest.json, the provenance of an
 * output directory: which tmsl made it, from which script (path and hash of
 * its text), with which overrides (-D, --seed), when, how many runs were
 * trained, reused or failed, which outputs it holds and what every claim
 * measured. `tmsl ls` and the report page read the same facts; the format
 * is in doc/results.md. Also the shared names of outputs and overrides. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_int.h"
#include "figures.h"
#include "util.h"

char *exec_output_name(const struct xctx *x, int output)
{
    const struct plan_output *o = &x->p->outputs[output];
    if (o->kind != PLAN_EXPECT)
        return xstrdup(o->stem);
    int line = 0, col = 0;
    diag_line_col(x->d, o->span.src, o->span.start, &line, &col);
    return xasprintf("expect:%d", line);
}

char *exec_overrides_text(const struct exec_source *src)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "");
    for (int i = 0; src && i < src->nover; i++)
        sbuf_printf(&b, "%s-D %s=%s", b.len ? " " : "", src->over_name[i], src->over_value[i]);
    if (src && src->have_seed)
        sbuf_printf(&b, "%s--seed %llu", b.len ? " " : "", (unsigned long long)src->seed);
    return b.s;
}

static void manifest_source(FILE *fp, const struct exec_options *o)
{
    const struct exec_source *src = o->source;
    fputs(",\"script\":", fp);
    exec_json_string(fp, src && src->name ? src->name : o->script ? o->script : "");
    fputs(",\"script_path\":", fp);
    exec_json_string(fp, src && src->path ? src->path : "");
    uint64_t h = util_hash64(src && src->text ? src->text : "", src && src->text ? src->len : 0,
                             UTIL_HASH_INIT);
    fprintf(fp, ",\"script_hash\":\"fnv1a64:%016llx\",\"overrides\":{", (unsigned long long)h);
    for (int i = 0; src && i < src->nover; i++) {
        fputs(i ? "," : "", fp);
        exec_json_string(fp, src->over_name[i]);
        fputc(':', fp);
        exec_json_string(fp, src->over_value[i]);
    }
    fputs("},\"seed_override\":", fp);
    if (src && src->have_seed)
        fprintf(fp, "\"%llu\"", (unsigned long long)src->seed);
    else
        fputs("null", fp);
    char *cmd = exec_overrides_text(src);
    fputs(",\"override_args\":", fp);
    exec_json_string(fp, cmd);
    free(cmd);
}

static void manifest_outputs(FILE *fp, const struct xctx *x, const struct fig_claims *claims)
{
    static const char *const kinds[] = { "plot", "table", "expect" };
    fputs(",\"outputs\":[", fp);
    for (int i = 0; i < x->p->noutputs; i++) {
        const struct plan_output *o = &x->p->outputs[i];
        char *name = exec_output_name(x, i);
        fprintf(fp, "%s{\"name\":", i ? "," : "");
        exec_json_string(fp, name);
        fprintf(fp, ",\"kind\":\"%s\",\"group\":%d,\"statement\":", kinds[o->kind], o->group);
        exec_json_string(fp, o->text ? o->text : "");
        for (int c = 0; claims && c < claims->n; c++) {
            if (claims->v[c].output != i)
                continue;
            fprintf(fp, ",\"holds\":%s,\"measured\":", claims->v[c].holds == 1 ? "true"
                    : claims->v[c].holds == 0 ? "false" : "null");
            exec_json_string(fp, claims->v[c].measured);
        }
        fputc('}', fp);
        free(name);
    }
    fputc(']', fp);
}

int exec_write_manifest(const struct xctx *x, const struct fig_claims *claims, int status)
{
    char *path = xasprintf("%s/manifest.json", x->o->outdir);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        char when[32];
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        fprintf(af.fp, "{\"schema\":%d,\"tmsl_version\":\"%s\",\"time\":\"%s\"", EXEC_RUNS_SCHEMA,
                PACKAGE_VERSION, when);
        manifest_source(af.fp, x->o);
        fputs(",\"outdir\":", af.fp);
        exec_json_string(af.fp, x->o->outdir);
        fprintf(af.fp, ",\"runs\":{\"total\":%d,\"trained\":%ld,\"reused\":%ld,\"failed\":%ld},"
                "\"groups\":%d,\"status\":%d", x->p->nruns, x->trained, x->reused, x->failed,
                x->p->ngroups, status);
        manifest_outputs(af.fp, x, claims);
        fputs("}\n", af.fp);
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(x->d, NULL, "cannot write '%s': %s", path, strerror(errno));
    free(path);
    return rc;
}
