/* runtime/exec.c: the plan executor.
 * A plan names runs by identity; the store keeps each trained run's result
 * for the whole session so a REPL user who plots twice trains once. Missing
 * runs are trained batch by batch, in chunks (so progress is honest and a
 * cancelled sweep loses only the chunk in flight), then every output of the
 * plan is produced in source order. Diverged runs are reported with their
 * settings and never silently reach a figure: the figure code sees them
 * marked failed. */
#include "exec.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "figures.h"
#include "util.h"

volatile sig_atomic_t exec_cancel;

/* ---- the store: open addressing on the run key ---- */

struct store_entry {
    uint64_t key;
    int used;
    struct train_result res;
};

struct exec_store {
    struct store_entry *tab;
    size_t cap, count;
};

struct exec_store *exec_store_new(void)
{
    struct exec_store *s = xcalloc(1, sizeof *s);
    s->cap = 64;
    s->tab = xcalloc(s->cap, sizeof *s->tab);
    return s;
}

void exec_store_free(struct exec_store *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        if (s->tab[i].used)
            train_result_free(&s->tab[i].res);
    free(s->tab);
    free(s);
}

static struct store_entry *store_slot(const struct exec_store *s, uint64_t key)
{
    size_t i = (size_t)util_mix64(key) & (s->cap - 1);
    while (s->tab[i].used && s->tab[i].key != key)
        i = (i + 1) & (s->cap - 1);
    return &s->tab[i];
}

static void store_grow(struct exec_store *s)
{
    struct store_entry *old = s->tab;
    size_t oldcap = s->cap;
    s->cap *= 2;
    s->tab = xcalloc(s->cap, sizeof *s->tab);
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].used)
            *store_slot(s, old[i].key) = old[i];
    free(old);
}

/* Takes ownership of *res. */
static void store_put(struct exec_store *s, uint64_t key, struct train_result *res)
{
    if ((s->count + 1) * 2 > s->cap)
        store_grow(s);
    struct store_entry *e = store_slot(s, key);
    if (e->used)
        train_result_free(&e->res);
    else
        s->count++;
    e->used = 1;
    e->key = key;
    e->res = *res;
    memset(res, 0, sizeof *res);
}

const struct train_result *exec_store_get(const struct exec_store *s, const struct plan_run *r)
{
    struct store_entry *e = store_slot(s, r->key);
    return e->used ? &e->res : NULL;
}

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

/* ---- training ---- */

enum { EXEC_CHUNK = 4096 };   /* runs per train_batch call */

/* Indices of the runs of batch b that the store does not hold yet. */
static int missing_runs(const struct exec_store *s, const struct plan *p,
                        const struct plan_batch *b, int *out)
{
    int k = 0;
    for (int i = 0; i < b->nruns; i++) {
        const struct plan_run *r = &p->runs[b->runs[i]];
        if (!exec_store_get(s, r))
            out[k++] = b->runs[i];
    }
    return k;
}

/* Train runs idx[0..count) (one batch); store every finished result.
 * Returns the number of failed runs, or -1 when cancelled. */
static int train_chunk(struct exec_store *s, const struct plan *p, const int *idx, int count,
                       const struct exec_options *o, struct progress *prog)
{
    struct train_spec *specs = xcalloc((size_t)count, sizeof *specs);
    struct train_result *res = xcalloc((size_t)count, sizeof *res);
    for (int i = 0; i < count; i++)
        specs[i] = p->runs[idx[i]].spec;
    struct train_hooks hooks = { &exec_cancel, prog ? &prog->steps_done : NULL };
    if (prog)
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
    int failed = train_batch(specs, count, o->threads, &hooks, res);
    int cancelled = exec_cancel != 0;
    for (int i = 0; i < count; i++) {
        if (cancelled && res[i].failed && strstr(res[i].fail_reason, "cancel"))
            train_result_free(&res[i]);   /* in flight: not a result */
        else
            store_put(s, p->runs[idx[i]].key, &res[i]);
    }
    if (prog) {
        double steps = 0;
        for (int i = 0; i < count; i++)
            steps += specs[i].recipe.steps;
        __atomic_add_fetch(&prog->base_steps, (uint64_t)steps, __ATOMIC_RELAXED);
        __atomic_store_n(&prog->steps_done, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&prog->runs_done, count, __ATOMIC_RELAXED);
    }
    free(specs);
    free(res);
    return cancelled ? -1 : failed;
}

/* Train every missing run of the plan. Returns failed count, -1 if cancelled. */
static int train_missing(struct exec_store *s, const struct plan *p, const struct exec_options *o)
{
    int *idx = xmalloc(sizeof(int) * (size_t)(p->nruns ? p->nruns : 1));
    int total = 0;
    double total_steps = 0;
    for (int b = 0; b < p->nbatches; b++) {
        int k = missing_runs(s, p, &p->batches[b], idx);
        total += k;
        for (int i = 0; i < k; i++)
            total_steps += p->runs[idx[i]].spec.recipe.steps;
    }
    struct progress prog, *pp = NULL;
    if (total > 0 && !o->quiet) {
        progress_start(&prog, o->msg, total, total_steps);
        pp = &prog;
    }
    int failed = 0;
    for (int b = 0; b < p->nbatches && failed >= 0; b++) {
        int k = missing_runs(s, p, &p->batches[b], idx);
        for (int off = 0; off < k; off += EXEC_CHUNK) {
            int n = k - off < EXEC_CHUNK ? k - off : EXEC_CHUNK;
            int f = train_chunk(s, p, idx + off, n, o, pp);
            if (f < 0) {
                failed = -1;
                break;
            }
            failed += f;
            if (f > 0 && o->fail_fast)
                break;
        }
        if (failed > 0 && o->fail_fast)
            break;
    }
    if (pp)
        progress_stop(pp, failed >= 0 && total > 0);
    free(idx);
    return failed;
}

/* Name every failed run of the plan, with its settings, at its statement. */
static int report_failures(const struct exec_store *s, const struct plan *p, struct diag *d)
{
    int nfailed = 0;
    for (int i = 0; i < p->nruns; i++) {
        const struct train_result *r = exec_store_get(s, &p->runs[i]);
        if (!r || !r->failed)
            continue;
        if (nfailed++ < 20)
            diag_error(d, &p->runs[i].span, "run %s failed: %s; settings %s", p->runs[i].id,
                       r->fail_reason, p->runs[i].settings_json);
    }
    if (nfailed > 20)
        diag_error(d, NULL, "%d runs failed in all (the first 20 are shown)", nfailed);
    return nfailed;
}

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

/* One run as one JSON object: identity, settings, results, metrics. */
static void json_run(FILE *fp, const struct plan_run *run, const struct train_result *r)
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
    fputs(",\"W\":[", fp);
    for (int i = 0; i < r->n; i++) {
        if (i)
            fputc(',', fp);
        json_float_array(fp, r->W + (size_t)i * r->m, r->m);
    }
    fputs("],\"b\":", fp);
    json_float_array(fp, r->b, r->n);
    struct train_metrics mt;
    if (train_metrics_compute(r->W, r->n, r->m, &mt) == 0) {
        json_double_field(fp, "norms", mt.norm, r->n);
        json_double_field(fp, "superposition", mt.superpos, r->n);
        json_double_field(fp, "dimensionality", mt.dim, r->n);
        fputs(",\"frob2\":", fp);
        json_number(fp, mt.frob2);
        fprintf(fp, ",\"represented\":%d", mt.represented);
        train_metrics_free(&mt);
    }
    fprintf(fp, ",\"curve\":[");
    for (int i = 0; i < r->ncurve; i++) {
        fprintf(fp, "%s[%d,", i ? "," : "", r->curve_step[i]);
        json_number(fp, r->curve_loss[i]);
        fputc(']', fp);
    }
    fputs("]}\n", fp);
}

/* runs.jsonl holds every run this plan reads, in plan order. */
static int write_runs_jsonl(const struct exec_store *s, const struct plan *p, const char *outdir,
                            struct diag *d)
{
    char *path = xasprintf("%s/runs.jsonl", outdir);
    struct afile af;
    int rc = util_afopen(&af, path);
    if (rc == 0) {
        for (int i = 0; i < p->nruns; i++) {
            const struct train_result *r = exec_store_get(s, &p->runs[i]);
            if (r)
                json_run(af.fp, &p->runs[i], r);
        }
        rc = util_afclose(&af, 1);
    }
    if (rc != 0)
        diag_error(d, NULL, "cannot write '%s': %s", path, strerror(errno));
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

static int produce_outputs(struct exec_store *s, const struct plan *p, struct diag *d,
                           const struct exec_options *o)
{
    const struct train_result **view = xcalloc((size_t)(p->nruns ? p->nruns : 1), sizeof *view);
    struct train_result *results = xcalloc((size_t)(p->nruns ? p->nruns : 1), sizeof *results);
    for (int i = 0; i < p->nruns; i++) {
        view[i] = exec_store_get(s, &p->runs[i]);
        if (view[i])
            results[i] = *view[i];   /* shallow: the store owns the arrays */
    }
    struct fig_env env = { o->outdir, p, results, d, o->script, o->render,
                           o->quiet ? NULL : o->msg };
    int status = 0;
    for (int i = 0; i < p->noutputs && !exec_cancel; i++) {
        int r = exec_output(&env, &p->outputs[i], o);
        if (r > status)
            status = r;
    }
    free(results);
    free(view);
    return status;
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
    int failed = train_missing(s, p, o);
    if (failed < 0 || exec_cancel) {
        if (!o->quiet)
            fprintf(o->msg, "tmsl: interrupted; finished runs are kept\n");
        return 130;
    }
    int status = 0;
    if (report_failures(s, p, d) > 0)
        status = 1;
    if (write_runs_jsonl(s, p, o->outdir, d) != 0)
        status = 1;
    if (failed > 0 && o->fail_fast)
        return 1;
    int r = produce_outputs(s, p, d, o);
    if (exec_cancel)
        return 130;
    return r == 2 ? 2 : (r || status) ? 1 : 0;
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
