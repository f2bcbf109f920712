/* runtime/exec/exec_train.c: training the runs a plan still needs, batch
 * by batch, in chunks sized to finish every few seconds (save_every), each
 * chunk stored and persisted at once; with the progress line and Ctrl-C. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec_int.h"
#include "progress.h"
#include "util.h"

static double now_sec(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* An SAE run reads its model's weights from the store when they are there
 * (its batch trains after the model's); else the trainer retrains the
 * model, bit-identically (a shard that does not own it). */
static void base_weights(const struct xctx *x, int run, struct train_spec *sp)
{
    int b = x->p->runs[run].base;
    const struct store_rec *rec = b >= 0 ? store_find(x->s, x->p->runs[b].key) : NULL;
    sp->base_p = rec && !rec->res.failed ? rec->res.p : NULL;
}

/* Train runs idx[0..count) (one batch); store and persist every finished
 * result. Returns the number of failed runs, or -1 when cancelled. */
static int train_chunk(struct xctx *x, const int *idx, int count, struct progress *prog)
{
    const struct plan *p = x->p;
    struct train_spec *specs = xcalloc((size_t)count, sizeof *specs);
    struct train_spec *bases = xcalloc((size_t)count, sizeof *bases);
    struct train_result *res = xcalloc((size_t)count, sizeof *res);
    int *done = xmalloc(sizeof(int) * (size_t)count);
    for (int i = 0; i < count; i++) {
        plan_run_spec(p, idx[i], &specs[i], &bases[i]);
        base_weights(x, idx[i], &specs[i]);
    }
    struct train_hooks hooks = { &exec_cancel, prog ? &prog->steps_done : NULL };
    if (prog)
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
    train_batch(specs, count, x->o->threads, &hooks, res);
    int cancelled = exec_cancel != 0, ndone = 0;
    int failed = 0;
    for (int i = 0; i < count; i++) {
        /* A run stopped by the cancel flag is not a result: train it next time. */
        if (!(cancelled && res[i].failed && res[i].fail_reason &&
              strstr(res[i].fail_reason, "cancel"))) {
            store_put_result(x->s, p->runs[idx[i]].key, &res[i], x->keep_curve);
            x->need[idx[i]] = 0;
            done[ndone++] = idx[i];
            failed += res[i].failed != 0;
        }
        train_result_free(&res[i]);
    }
    x->trained += ndone;
    x->failed += failed;
    exec_persist_runs(x, done, ndone);
    if (prog) {
        double steps = 0;
        for (int i = 0; i < count; i++)
            steps += specs[i].recipe.steps;
        __atomic_add_fetch(&prog->base_steps, (uint64_t)steps, __ATOMIC_RELAXED);
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&prog->runs_done, ndone, __ATOMIC_RELAXED);
    }
    free(specs);
    free(bases);
    free(res);
    free(done);
    return cancelled ? -1 : failed;
}

/* How many runs the next chunk takes: enough to last about save_every
 * seconds at the speed of the last chunk, growing at most 4-fold a time,
 * always a whole round of threads. The cap bounds a chunk's specs and
 * results (about 0.5 KB a run) when runs take microseconds. */
static int next_chunk(const struct exec_options *o, int last, double secs)
{
    int t = o->threads > 0 ? o->threads : 1;
    if (o->save_every <= 0)
        return t;
    double want = secs > 0 ? o->save_every * last / secs : 4.0 * last;
    if (want > 4.0 * last)
        want = 4.0 * last;
    if (want > 16384)
        want = 16384;
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

/* Train batch b under its lock, after reading what other processes stored.
 * Returns the failed count, -1 if cancelled, -2 if another process holds
 * it and wait is 0. */
static int train_locked_batch(struct xctx *x, const struct plan_batch *b, int wait, int *idx,
                              int *chunk, struct progress *pp)
{
    int before = batch_need(x, b, idx);
    if (before == 0)
        return 0;
    int fd = exec_lock_batch(x, b, wait);
    if (fd == -1)
        return wait ? -1 : -2;   /* busy, or Ctrl-C while waiting */
    exec_refresh_cache(x);
    int k = batch_need(x, b, idx);
    if (pp && k < before)   /* another process trained them: no longer ours to count */
        progress_drop(pp, before - k, (double)(before - k) *
                      plan_run_tmpl(x->p, idx[0])->recipe.steps);
    int f = train_batch_runs(x, idx, k, chunk, pp);
    exec_unlock_batch(fd);
    return f;
}

/* Train every needed run. Returns failed count, -1 if cancelled. */
int exec_train_missing(struct xctx *x)
{
    const struct plan *p = x->p;
    int *idx = xmalloc(sizeof(int) * (size_t)(p->nruns ? p->nruns : 1));
    int total = 0;
    double total_steps = 0;
    for (int i = 0; i < p->nruns; i++)
        if (x->need[i]) {
            total++;
            total_steps += plan_run_tmpl(p, i)->recipe.steps;
        }
    struct progress prog, *pp = NULL;
    if (total > 0 && !x->o->quiet) {
        progress_start(&prog, x->o->msg, total, total_steps);
        pp = &prog;
    }
    int failed = 0, chunk = x->o->threads > 0 ? x->o->threads : 1;
    unsigned char *later = xcalloc((size_t)p->nbatches + 1, 1);
    /* first every batch no other process holds, then wait for the rest */
    for (int pass = 0; pass < 2 && failed >= 0; pass++)
        for (int b = 0; b < p->nbatches && failed >= 0; b++) {
            if (pass == 1 && !later[b])
                continue;
            int f = train_locked_batch(x, &p->batches[b], pass, idx, &chunk, pp);
            later[b] = f == -2;
            failed = f == -2 ? failed : f < 0 ? -1 : failed + f;
            if (failed > 0 && x->o->fail_fast)
                break;
        }
    free(later);
    if (pp)
        progress_stop(pp, failed >= 0 && total > 0);
    free(idx);
    return failed;
}

/* Name every failed run this process reports, with its settings. */
