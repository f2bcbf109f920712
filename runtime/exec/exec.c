/* runtime/exec/exec.c: the plan executor.
 * A plan names runs by identity. The runs this process owns (all of them, a
 * shard's slice, or an MPI rank's slice) are looked up in the session store,
 * then in the run cache under OUTDIR/runs; whatever is still missing is
 * trained batch by batch in chunks sized to finish every few seconds, and
 * each finished chunk is written to the cache at once, so an interrupted or
 * killed sweep loses only the chunk in flight and a later tmsl resumes it.
 * Then every output of the plan is produced in source order. Diverged runs
 * are reported with their settings and never silently reach a figure: the
 * figure code sees them marked failed. This file holds the plan's course
 * (which runs this process owns, what failed, the outputs, shards); its jobs
 * live beside it: exec_cache.c, exec_train.c, runs_json.c, exec_mpi.c. */

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "exec_int.h"
#include "figures.h"
#include "names.h"
#include "shard.h"
#include "util.h"
#ifdef HAVE_MPI
#include "ranks.h"
#endif

volatile sig_atomic_t exec_cancel;

static int report_failures(const struct xctx *x)
{
    const struct plan *p = x->p;
    int nfailed = 0;
    for (int i = 0; i < p->nruns; i++) {
        const struct store_rec *r = exec_owns(x, i) ? store_find(x->s, p->runs[i].key) : NULL;
        if (!r || !r->res.failed || x->need[i])
            continue;
        if (nfailed++ < 20) {
            char *js = plan_run_settings_json(p, i);
            diag_error(x->d, plan_run_span(p, i), "run %s failed: %s; settings %s",
                       plan_run_id(p, i).s,
                       r->res.fail_reason ? r->res.fail_reason : "", js);
            free(js);
        }
    }
    if (nfailed > 20)
        diag_error(x->d, NULL, "%d runs failed in all (the first 20 are shown)", nfailed);
    return nfailed;
}

/* Name the runs that no cache held (merge trains nothing). */
static int report_missing(const struct xctx *x)
{
    int n = 0;
    for (int i = 0; i < x->p->nruns; i++) {
        if (!x->need[i])
            continue;
        if (n++ < 20) {
            char *js = plan_run_settings_json(x->p, i);
            diag_error(x->d, NULL, "run %s is missing from every shard's runs; settings %s",
                       plan_run_id(x->p, i).s, js);
            free(js);
        }
    }
    if (n > 20)
        diag_error(x->d, NULL, "%d runs are missing in all (the first 20 are shown)", n);
    return n;
}

static void print_stats(const struct xctx *x)
{
    const struct exec_options *o = x->o;
    if (o->quiet || x->p->nruns == 0)
        return;
    if (x->cache_bad > 0)
        fprintf(o->msg, "tmsl: note: skipped %ld damaged run cache entr%s\n", x->cache_bad,
                x->cache_bad == 1 ? "y" : "ies");   /* the summary says what trained */
    if (o->shard_count > 1 && o->nranks <= 1)
        fprintf(o->msg, "tmsl: shard %d/%d: %d of %d runs: trained %ld, reused %ld", x->index,
                x->count, x->nowned, x->p->nruns, x->trained, x->reused);
    else if (o->nranks > 1)
        fprintf(o->msg, "tmsl: %d runs on %d ranks: trained %ld, reused %ld", x->p->nruns,
                o->nranks, x->trained, x->reused);
    else
        fprintf(o->msg, "tmsl: %d runs: trained %ld, reused %ld", x->p->nruns, x->trained,
                x->reused);
    if (x->failed)
        fprintf(o->msg, ", %ld failed", x->failed);
    fputc('\n', o->msg);
}

/* ---- shards ---- */

static void write_manifest(struct xctx *x)
{
    const struct exec_options *o = x->o;
    const struct exec_source *src = o->source;
    struct shard_manifest m = { 0 };
    m.script_hash = x->p->script_hash;
    m.index = x->index;
    m.count = x->count;
    m.name = (char *)(src && src->name ? src->name : o->script ? o->script : "");
    m.path = (char *)(src && src->path ? src->path : "");
    m.text = (char *)(src && src->text ? src->text : "");
    m.len = src && src->text ? src->len : 0;
    m.nover = src ? src->nover : 0;
    m.over_name = src ? (char **)src->over_name : NULL;
    m.over_value = src ? (char **)src->over_value : NULL;
    m.have_seed = src ? src->have_seed : 0;
    m.seed = src ? src->seed : 0;
    m.nplan = x->p->nruns;
    m.complete = exec_count_need(x) == 0;
    m.ids = xmalloc(sizeof *m.ids * (size_t)(x->nowned ? x->nowned : 1));
    for (int i = 0; i < x->p->nruns; i++)
        if (exec_owns(x, i))
            m.ids[m.nids++] = x->ids[i];
    if (shard_write(o->outdir, &m) != 0)
        diag_error(x->d, NULL, "cannot write the shard manifest in '%s': %s", o->outdir,
                   strerror(errno));
    free(m.ids);
}

/* ---- outputs ---- */

/* Produce one output; returns 0 ok, 1 expectation failed, 2 error. */
static int exec_output(struct fig_env *env, const struct plan_output *out,
                       const struct exec_options *o)
{
    switch (out->kind) {
    case PLAN_PLOT:
        return fig_emit(env, out) == 0 ? 0 : 1;
    case PLAN_TABLE:
        return table_emit(env, out, o->out, (enum table_format)o->table_format) == 0 ? 0 : 1;
    case PLAN_EXPECT: {
        int r = expect_eval(env, out);
        return r == 0 ? 0 : r == 1 ? 1 : 2;
    }
    }
    return 2;
}

/* The report page and the manifest, then one line saying where it all is. */
static void write_report(struct xctx *x, struct fig_env *env, int status)
{
    const struct exec_source *src = x->o->source;
    long failed = 0;
    for (int i = 0; i < x->p->nruns; i++) {
        const struct store_rec *r = store_find(x->s, x->p->runs[i].key);
        failed += r && r->res.failed;
    }
    struct report_info info = { x->o->script, src ? src->text : NULL, src ? src->len : 0,
                                x->p->nruns, x->trained, x->reused, failed, status };
    int bad = report_html_write(env, &info) != 0;
    bad |= exec_write_manifest(x, env->claims, status) != 0;
    if (!bad && !x->o->quiet && x->o->source)
        fprintf(x->o->msg, "tmsl: wrote %s/ (open %s/index.html)\n", x->o->outdir,
                x->o->outdir);
}

/* Every output in source order (unless training left runs missing), then
 * the report; returns the plan's status from `status` so far. */
static int produce_outputs(struct xctx *x, int status, int produce)
{
    const struct plan *p = x->p;
    const struct train_result **results = xcalloc((size_t)(p->nruns ? p->nruns : 1),
                                                  sizeof *results);
    for (int i = 0; i < p->nruns; i++) {
        const struct store_rec *rec = store_find(x->s, p->runs[i].key);
        results[i] = rec ? &rec->res : NULL;   /* the store owns them */
    }
    const struct exec_options *o = x->o;
    struct fig_claims claims = { 0 };
    char *over = exec_overrides_text(o->source);
    struct fig_env env = { o->outdir, p, NULL, x->d, o->script, o->render,
                           o->quiet ? NULL : o->msg, &claims, over, results };
    int worst = 0;
    for (int i = 0; produce && i < p->noutputs && !exec_cancel; i++) {
        int r = exec_output(&env, &p->outputs[i], o);
        if (r > worst)
            worst = r;
    }
    status = !produce ? (status > 1 ? status : 1)
           : worst == 2 || status == 2 ? 2 : (worst || status) ? 1 : 0;
    if (!exec_cancel)
        write_report(x, &env, status);
    fig_claims_free(&claims);
    free(over);
    free(results);
    return exec_cancel ? 130 : status;
}

/* Everything after training, on the process that answers for the plan. */
static int finish_plan(struct xctx *x, int failed, int status)
{
    if (failed < 0 || exec_cancel || status == 130) {
        if (!x->o->quiet)
            fprintf(x->o->msg, "tmsl: interrupted; finished runs are kept in '%s'\n",
                    x->runs_dir);
        return 130;
    }
    if (x->o->no_train && report_missing(x) > 0)
        return 1;
    if (report_failures(x) > 0)
        status = status > 1 ? status : 1;
    if (exec_write_runs_jsonl(x) != 0 || exec_write_safetensors(x) != 0)
        status = status > 1 ? status : 1;
    int produce = !((failed > 0 && x->o->fail_fast) || exec_count_need(x) > 0);
    return produce_outputs(x, status, produce);
}

/* A shard trains its slice, records it in its manifest, and stops there. */
static int finish_shard(struct xctx *x, int failed)
{
    write_manifest(x);
    if (failed < 0 || exec_cancel) {
        if (!x->o->quiet)
            fprintf(x->o->msg, "tmsl: interrupted; finished runs are kept in '%s'\n",
                    x->runs_dir);
        return 130;
    }
    return report_failures(x) > 0 ? 1 : 0;
}

/* Make dir and leave a file there and take it away again: the only sure
 * test of writability (permissions, read-only mounts, a full inode table). */
static int exec_probe_dir(const char *dir, struct diag *d)
{
    if (util_mkdirs(dir) != 0) {
        diag_error(d, NULL, "cannot create output directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    char *probe = xasprintf("%s/.tmsl-probe-%ld", dir, (long)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0600);
    int err = errno;
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    free(probe);
    if (fd < 0) {
        diag_error(d, NULL, "cannot write in output directory '%s': %s", dir, strerror(err));
        return -1;
    }
    return 0;
}

int exec_check_outdir(const char *outdir, struct diag *d)
{
    if (exec_probe_dir(outdir, d) != 0)
        return 2;
    char *runs = xasprintf("%s/runs", outdir);
    int rc = exec_probe_dir(runs, d);
    free(runs);
    return rc != 0 ? 2 : 0;
}

int exec_plan(struct exec_store *s, const struct plan *p, struct diag *d,
              const struct exec_options *o)
{
    if (p->noutputs == 0)
        return 0;
    if (util_mkdirs(o->outdir) != 0) {
        diag_error(d, NULL, "cannot create output directory '%s': %s", o->outdir, strerror(errno));
        return 1;
    }
    int write_errors = util_write_failures();
    struct xctx x;
    exec_xctx_init(&x, s, p, d, o);
    exec_load_caches(&x);
    int failed = o->no_train ? 0 : exec_train_missing(&x);
    int status;
    if (o->nranks > 1) {
#ifdef HAVE_MPI
        int mine = failed < 0 || exec_cancel ? 130 : 0;
        if (o->rank != 0) {
            exec_mpi_send_slice(&x, mine);
            status = mpi_bcast_int(0);
        } else {
            status = exec_mpi_gather(&x, mine);
            print_stats(&x);
            status = finish_plan(&x, failed, status);
            status = mpi_bcast_int(status);
        }
#else
        status = 2;
#endif
    } else if (o->shard_count > 1) {
        print_stats(&x);
        status = finish_shard(&x, failed);
    } else {
        print_stats(&x);
        status = finish_plan(&x, failed, 0);
    }
    exec_xctx_free(&x);
    /* a file that could not be written is its own failure, not a run's */
    if (status != 130 && util_write_failures() > write_errors)
        status = 3;
    return status;
}

static void exec_on_sigint(int sig)
{
    (void)sig;
    exec_cancel = 1;
}

void exec_install_sigint(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = exec_on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
}
