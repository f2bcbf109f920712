/* runtime/exec/exec.c: the plan executor.
 * A plan names runs by identity. The runs this process owns (all of them, a
 * shard's slice, or an MPI rank's slice) are looked up in the session store,
 * then in the run cache under OUTDIR/runs; whatever is still missing is
 * trained batch by batch in chunks sized to finish every few seconds, and
 * each finished chunk is written to the cache at once, so an interrupted or
 * killed sweep loses only the chunk in flight and a later tmsl resumes it.
 * Then every output of the plan is produced in source order. Diverged runs
 * are reported with their settings and never silently reach a figure: the
 * figure code sees them marked failed. */
#include "config.h"
#include "exec.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "figures.h"
#include "shard.h"
#include "store.h"
#include "model.h"
#include "util.h"
#ifdef HAVE_MPI
#include "ranks.h"
#endif

volatile sig_atomic_t exec_cancel;

/* ---- progress ---- */

struct progress {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stop, tty;
    FILE *msg;
    uint64_t steps_done;     /* updated by the trainer */
    double total_steps;
    uint64_t base_steps;     /* model-steps finished before this chunk */
    int runs_done, runs_total;
    struct timespec t0;
};

static double now_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static void progress_line(struct progress *p, int final)
{
    double el = now_since(&p->t0);
    double done = (double)__atomic_load_n(&p->base_steps, __ATOMIC_RELAXED) +
                  (double)__atomic_load_n(&p->steps_done, __ATOMIC_RELAXED);
    double rate = el > 0 ? done / el : 0;
    double eta = rate > 0 ? (p->total_steps - done) / rate : 0;
    int runs = final ? p->runs_total : __atomic_load_n(&p->runs_done, __ATOMIC_RELAXED);
    fprintf(p->msg, "%straining: %d/%d runs, %.3g model-steps/s, %s %d:%02d%s",
            p->tty ? "\r" : "", runs, p->runs_total, rate, final ? "took" : "eta",
            (int)((final ? el : eta) / 60), (int)(final ? el : eta) % 60,
            p->tty && !final ? "\033[K" : "\n");
    fflush(p->msg);
}

static void *progress_main(void *arg)
{
    struct progress *p = arg;
    double period = p->tty ? 0.25 : 5.0;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        long ns = until.tv_nsec + (long)(period * 1e9);
        until.tv_sec += ns / 1000000000L;
        until.tv_nsec = ns % 1000000000L;
        if (pthread_cond_timedwait(&p->wake, &p->lock, &until) == ETIMEDOUT && !p->stop)
            progress_line(p, 0);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void progress_start(struct progress *p, FILE *msg, int runs_total, double total_steps)
{
    memset(p, 0, sizeof *p);
    p->msg = msg;
    p->tty = isatty(fileno(msg));
    p->runs_total = runs_total;
    p->total_steps = total_steps;
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    pthread_create(&p->thread, NULL, progress_main, p);
}

static void progress_stop(struct progress *p, int print_final)
{
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    if (print_final)
        progress_line(p, 1);
    else if (p->tty)
        fprintf(p->msg, "\r\033[K");
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->wake);
}

/* ---- one execution of a plan ---- */

struct xctx {
    struct exec_store *s;
    const struct plan *p;
    struct diag *d;
    const struct exec_options *o;
    char *runs_dir;          /* OUTDIR/runs */
    uint64_t *ids;           /* [nruns] identities, parsed from plan_run.id */
    unsigned char *need;     /* [nruns] 1: owned and still to be trained */
    int keep_curve;          /* keep loss curves in memory */
    int index, count;        /* owned slice: shard or MPI rank (1-based) */
    int nowned;
    long trained, reused, failed, cache_bad;
    int cache_warned;
};

static int xowns(const struct xctx *x, int i)
{
    return shard_owns(i, x->index, x->count);
}

/* Curves cost ~1 KB a run: keep them when a figure draws them, or when the
 * plan is small enough that runs.jsonl may as well carry them. */
static int plan_keeps_curves(const struct plan *p)
{
    if (p->nruns <= 10000)
        return 1;
    for (int i = 0; i < p->noutputs; i++)
        if (p->outputs[i].kind == PLAN_PLOT && p->outputs[i].figure &&
            strcmp(p->outputs[i].figure, "loss") == 0)
            return 1;
    return 0;
}

static void xctx_init(struct xctx *x, struct exec_store *s, const struct plan *p, struct diag *d,
                      const struct exec_options *o)
{
    memset(x, 0, sizeof *x);
    x->s = s;
    x->p = p;
    x->d = d;
    x->o = o;
    x->runs_dir = xasprintf("%s/runs", o->outdir);
    x->keep_curve = plan_keeps_curves(p);
    x->index = 1;
    x->count = 1;
    if (o->nranks > 1) {
        x->index = o->rank + 1;
        x->count = o->nranks;
    } else if (o->shard_count > 1) {
        x->index = o->shard_index;
        x->count = o->shard_count;
    }
    size_t n = (size_t)(p->nruns ? p->nruns : 1);
    x->ids = xcalloc(n, sizeof *x->ids);
    x->need = xcalloc(n, 1);
    for (int i = 0; i < p->nruns; i++) {
        if (cache_parse_id(p->runs[i].id, &x->ids[i]) != 0)
            x->ids[i] = p->runs[i].key;   /* never happens with a well-formed plan */
        if (!xowns(x, i))
            continue;
        x->nowned++;
        const struct store_rec *r = store_find(s, p->runs[i].key);
        x->need[i] = o->force || !r || (x->keep_curve && r->curve_dropped);
        x->reused += !x->need[i];
    }
}

static void xctx_free(struct xctx *x)
{
    free(x->runs_dir);
    free(x->ids);
    free(x->need);
}

static int count_need(const struct xctx *x)
{
    int k = 0;
    for (int i = 0; i < x->p->nruns; i++)
        k += x->need[i];
    return k;
}

/* ---- identities to run indices ---- */

struct idmap {
    uint64_t *keys;
    int *vals;
    size_t cap;
};

static void idmap_init(struct idmap *m, int n)
{
    m->cap = 16;
    while (m->cap < (size_t)n * 2)
        m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof *m->keys);
    m->vals = xmalloc(m->cap * sizeof *m->vals);
    for (size_t i = 0; i < m->cap; i++)
        m->vals[i] = -1;
}

static size_t idmap_slot(const struct idmap *m, uint64_t id)
{
    size_t i = (size_t)util_mix64(id) & (m->cap - 1);
    while (m->vals[i] >= 0 && m->keys[i] != id)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void idmap_put(struct idmap *m, uint64_t id, int v)
{
    size_t i = idmap_slot(m, id);
    m->keys[i] = id;
    m->vals[i] = v;
}

static int idmap_get(const struct idmap *m, uint64_t id)
{
    return m->vals[idmap_slot(m, id)];
}

static void idmap_free(struct idmap *m)
{
    free(m->keys);
    free(m->vals);
}

/* ---- the run cache ---- */

struct load_ctx {
    struct xctx *x;
    struct idmap map;
    int *loaded;     /* run indices filled from this cache */
    int nloaded;
};

static int load_visit(void *arg, const struct cache_rec *rec)
{
    struct load_ctx *lc = arg;
    int i = idmap_get(&lc->map, rec->id);
    if (i < 0 || !lc->x->need[i])
        return 0;
    store_put_cache(lc->x->s, lc->x->p->runs[i].key, rec, lc->x->keep_curve);
    lc->x->need[i] = 0;
    lc->x->reused++;
    lc->loaded[lc->nloaded++] = i;
    return 0;
}

/* Fill what is needed from the cache in dir; returns how many runs it gave
 * and their indices in *loaded (free it). */
static int load_cache(struct xctx *x, const char *dir, int **loaded)
{
    int k = count_need(x);
    *loaded = NULL;
    if (k == 0)
        return 0;
    struct load_ctx lc = { x, { 0 }, xmalloc(sizeof(int) * (size_t)k), 0 };
    idmap_init(&lc.map, k);
    for (int i = 0; i < x->p->nruns; i++)
        if (x->need[i])
            idmap_put(&lc.map, x->ids[i], i);
    struct cache_stats st = { 0 };
    if (cache_scan(dir, load_visit, &lc, &st) < 0 && !x->o->quiet)
        fprintf(x->o->msg, "tmsl: warning: cannot read the run cache '%s': %s\n", dir,
                strerror(errno));
    x->cache_bad += st.bad;
    idmap_free(&lc.map);
    *loaded = lc.loaded;
    return lc.nloaded;
}

/* Write finished runs idx[0..n) to this output's cache, in pieces that keep
 * every segment a few megabytes. */
static void persist_runs(struct xctx *x, const int *idx, int n)
{
    enum { PIECE_RUNS = 65536 };
    for (int off = 0; off < n; off += PIECE_RUNS) {
        int k = n - off < PIECE_RUNS ? n - off : PIECE_RUNS;
        uint64_t *ids = xmalloc(sizeof *ids * (size_t)k);
        struct train_result *views = xmalloc(sizeof *views * (size_t)k);
        const struct train_result **ptr = xmalloc(sizeof *ptr * (size_t)k);
        for (int j = 0; j < k; j++) {
            int i = idx[off + j];
            ids[j] = x->ids[i];
            store_view(store_find(x->s, x->p->runs[i].key), &views[j]);
            ptr[j] = &views[j];
        }
        if (cache_write_segment(x->runs_dir, k, ids, ptr, 1) != 0 && !x->cache_warned) {
            x->cache_warned = 1;
            fprintf(x->o->msg, "tmsl: warning: cannot write the run cache '%s': %s\n",
                    x->runs_dir, strerror(errno));
        }
        free(ids);
        free(views);
        free(ptr);
    }
}

/* Look every needed run up in this output's cache, then (merge) in the
 * shards' caches, copying what those give into this output's cache. */
static void load_all_caches(struct xctx *x)
{
    int *loaded;
    if (x->o->force)
        return;
    load_cache(x, x->runs_dir, &loaded);
    free(loaded);
    for (int c = 0; c < x->o->ncache_dirs; c++) {
        int n = load_cache(x, x->o->cache_dirs[c], &loaded);
        if (n > 0)
            persist_runs(x, loaded, n);
        free(loaded);
    }
}

/* ---- training ---- */

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Train runs idx[0..count) (one batch); store and persist every finished
 * result. Returns the number of failed runs, or -1 when cancelled. */
static int train_chunk(struct xctx *x, const int *idx, int count, struct progress *prog)
{
    const struct plan *p = x->p;
    struct train_spec *specs = xcalloc((size_t)count, sizeof *specs);
    struct train_result *res = xcalloc((size_t)count, sizeof *res);
    int *done = xmalloc(sizeof(int) * (size_t)count);
    for (int i = 0; i < count; i++)
        specs[i] = p->runs[idx[i]].spec;
    struct train_hooks hooks = { &exec_cancel, prog ? &prog->steps_done : NULL };
    if (prog)
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
    train_batch(specs, count, x->o->threads, &hooks, res);
    int cancelled = exec_cancel != 0, ndone = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
        /* A run stopped by the cancel flag is not a result: train it next time. */
        if (!(cancelled && res[i].failed && strstr(res[i].fail_reason, "cancel"))) {
            store_put_result(x->s, p->runs[idx[i]].key, &res[i], x->keep_curve);
            x->need[idx[i]] = 0;
            done[ndone++] = idx[i];
            failed += res[i].failed != 0;
        }
        train_result_free(&res[i]);
    }
    x->trained += ndone;
    x->failed += failed;
    persist_runs(x, done, ndone);
    if (prog) {
        double steps = 0;
        for (int i = 0; i < count; i++)
            steps += specs[i].recipe.steps;
        __atomic_add_fetch(&prog->base_steps, (uint64_t)steps, __ATOMIC_RELAXED);
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&prog->runs_done, ndone, __ATOMIC_RELAXED);
    }
    free(specs);
    free(res);
    free(done);
    return cancelled ? -1 : failed;
}

/* How many runs the next chunk takes: enough to last about save_every
 * seconds at the speed of the last chunk, growing at most 4-fold a time,
 * always a whole round of threads. */
static int next_chunk(const struct exec_options *o, int last, double secs)
{
    int t = o->threads > 0 ? o->threads : 1;
    if (o->save_every <= 0)
        return t;
    double want = secs > 0 ? o->save_every * last / secs : 4.0 * last;
    if (want > 4.0 * last)
        want = 4.0 * last;
    if (want > 65536)
        want = 65536;
    int k = (int)want < t ? t : (int)want;
    return (k + t - 1) / t * t;
}

/* Indices of the runs of batch b still to train. */
static int batch_need(const struct xctx *x, const struct plan_batch *b, int *out)
{
    int k = 0;
    for (int i = 0; i < b->nruns; i++)
        if (x->need[b->runs[i]])
            out[k++] = b->runs[i];
    return k;
}

/* Train one batch's needed runs chunk by chunk; failed count or -1. */
static int train_batch_runs(struct xctx *x, const int *idx, int k, int *chunk,
                            struct progress *pp)
{
    int failed = 0;
    for (int off = 0; off < k;) {
        int n = k - off < *chunk ? k - off : *chunk;
        double t0 = now_sec();
        int f = train_chunk(x, idx + off, n, pp);
        if (f < 0)
            return -1;
        *chunk = next_chunk(x->o, n, now_sec() - t0);
        off += n;
        failed += f;
        if (f > 0 && x->o->fail_fast)
            break;
    }
    return failed;
}

/* Train every needed run. Returns failed count, -1 if cancelled. */
static int train_missing(struct xctx *x)
{
    const struct plan *p = x->p;
    int *idx = xmalloc(sizeof(int) * (size_t)(p->nruns ? p->nruns : 1));
    int total = 0;
    double total_steps = 0;
    for (int i = 0; i < p->nruns; i++)
        if (x->need[i]) {
            total++;
            total_steps += p->runs[i].spec.recipe.steps;
        }
    struct progress prog, *pp = NULL;
    if (total > 0 && !x->o->quiet) {
        progress_start(&prog, x->o->msg, total, total_steps);
        pp = &prog;
    }
    int failed = 0, chunk = x->o->threads > 0 ? x->o->threads : 1;
    for (int b = 0; b < p->nbatches && failed >= 0; b++) {
        int k = batch_need(x, &p->batches[b], idx);
        int f = train_batch_runs(x, idx, k, &chunk, pp);
        failed = f < 0 ? -1 : failed + f;
        if (failed > 0 && x->o->fail_fast)
            break;
    }
    if (pp)
        progress_stop(pp, failed >= 0 && total > 0);
    free(idx);
    return failed;
}

/* Name every failed run this process reports, with its settings. */
static int report_failures(const struct xctx *x)
{
    const struct plan *p = x->p;
    int nfailed = 0;
    for (int i = 0; i < p->nruns; i++) {
        const struct store_rec *r = xowns(x, i) ? store_find(x->s, p->runs[i].key) : NULL;
        if (!r || !r->failed || x->need[i])
            continue;
        if (nfailed++ < 20)
            diag_error(x->d, &p->runs[i].span, "run %s failed: %s; settings %s", p->runs[i].id,
                       r->reason, p->runs[i].settings_json);
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
        if (n++ < 20)
            diag_error(x->d, NULL, "run %s is missing from every shard's runs; settings %s",
                       x->p->runs[i].id, x->p->runs[i].settings_json);
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
        fprintf(o->msg, "tmsl: note: skipped %ld damaged run cache entr%s; their runs were "
                "trained again\n", x->cache_bad, x->cache_bad == 1 ? "y" : "ies");
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
    m.complete = count_need(x) == 0;
    m.ids = xmalloc(sizeof *m.ids * (size_t)(x->nowned ? x->nowned : 1));
    for (int i = 0; i < x->p->nruns; i++)
        if (xowns(x, i))
            m.ids[m.nids++] = x->ids[i];
    if (shard_write(o->outdir, &m) != 0)
        diag_error(x->d, NULL, "cannot write the shard manifest in '%s': %s", o->outdir,
                   strerror(errno));
    free(m.ids);
}

/* ---- MPI: rank 0 gathers every rank's slice ---- */

#ifdef HAVE_MPI
/* A rank's message: status, trained, reused (int64 each), then cache records. */
static void mpi_send_slice(struct xctx *x, int status)
{
    size_t len = 24;
    struct train_result v;
    for (int i = 0; i < x->p->nruns; i++) {
        const struct store_rec *r = xowns(x, i) ? store_find(x->s, x->p->runs[i].key) : NULL;
        if (r && !x->need[i]) {
            store_view(r, &v);
            len += cache_record_size(&v, x->keep_curve);
        }
    }
    unsigned char *buf = xmalloc(len);
    int64_t head[3] = { status, x->trained, x->reused };
    memcpy(buf, head, 24);
    size_t off = 24;
    for (int i = 0; i < x->p->nruns; i++) {
        const struct store_rec *r = xowns(x, i) ? store_find(x->s, x->p->runs[i].key) : NULL;
        if (r && !x->need[i]) {
            store_view(r, &v);
            off += cache_encode(buf + off, x->ids[i], &v, x->keep_curve);
        }
    }
    mpi_send_bytes(0, buf, len);
    free(buf);
}

struct gather_ctx {
    struct xctx *x;
    struct idmap map;
};

static int gather_visit(void *arg, const struct cache_rec *rec)
{
    struct gather_ctx *g = arg;
    int i = idmap_get(&g->map, rec->id);
    if (i >= 0)
        store_put_cache(g->x->s, g->x->p->runs[i].key, rec, g->x->keep_curve);
    return 0;
}

/* Rank 0: take every other rank's runs; returns the worst rank status. */
static int mpi_gather(struct xctx *x, int status)
{
    struct gather_ctx g = { x, { 0 } };
    idmap_init(&g.map, x->p->nruns);
    for (int i = 0; i < x->p->nruns; i++)
        idmap_put(&g.map, x->ids[i], i);
    for (int r = 1; r < x->o->nranks; r++) {
        size_t len = 0;
        unsigned char *buf = mpi_recv_bytes(r, &len);
        if (!buf || len < 24) {
            diag_error(x->d, NULL, "lost the results of MPI rank %d", r);
            status = status > 1 ? status : 1;
            free(buf);
            continue;
        }
        int64_t head[3];
        memcpy(head, buf, 24);
        if (head[0] == 130 || status == 130)
            status = 130;
        x->trained += head[1];
        x->reused += head[2];
        cache_scan_buffer(buf + 24, len - 24, gather_visit, &g, NULL);
        free(buf);
    }
    idmap_free(&g.map);
    /* From here on rank 0 answers for the whole plan. */
    for (int i = 0; i < x->p->nruns; i++)
        x->need[i] = store_find(x->s, x->p->runs[i].key) == NULL;
    x->index = x->count = 1;
    return status;
}
#endif

/* ---- runs.jsonl ---- */

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
static int write_runs_jsonl(const struct xctx *x)
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

static int produce_outputs(struct xctx *x)
{
    const struct plan *p = x->p;
    struct train_result *results = xcalloc((size_t)(p->nruns ? p->nruns : 1), sizeof *results);
    for (int i = 0; i < p->nruns; i++) {
        const struct store_rec *rec = store_find(x->s, p->runs[i].key);
        if (rec)
            store_view(rec, &results[i]);   /* shallow: the store owns the arrays */
    }
    const struct exec_options *o = x->o;
    struct fig_env env = { o->outdir, p, results, x->d, o->script, o->render,
                           o->quiet ? NULL : o->msg };
    int status = 0;
    for (int i = 0; i < p->noutputs && !exec_cancel; i++) {
        int r = exec_output(&env, &p->outputs[i], o);
        if (r > status)
            status = r;
    }
    free(results);
    return status;
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
    if (write_runs_jsonl(x) != 0)
        status = status > 1 ? status : 1;
    if ((failed > 0 && x->o->fail_fast) || count_need(x) > 0)
        return status > 1 ? status : 1;
    int r = produce_outputs(x);
    if (exec_cancel)
        return 130;
    return r == 2 || status == 2 ? 2 : (r || status) ? 1 : 0;
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

int exec_plan(struct exec_store *s, const struct plan *p, struct diag *d,
              const struct exec_options *o)
{
    if (p->noutputs == 0)
        return 0;
    if (util_mkdirs(o->outdir) != 0) {
        diag_error(d, NULL, "cannot create output directory '%s': %s", o->outdir, strerror(errno));
        return 1;
    }
    struct xctx x;
    xctx_init(&x, s, p, d, o);
    load_all_caches(&x);
    int failed = o->no_train ? 0 : train_missing(&x);
    int status;
    if (o->nranks > 1) {
#ifdef HAVE_MPI
        int mine = failed < 0 || exec_cancel ? 130 : 0;
        if (o->rank != 0) {
            mpi_send_slice(&x, mine);
            status = mpi_bcast_int(0);
        } else {
            status = mpi_gather(&x, mine);
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
    xctx_free(&x);
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
