/* runtime/train/train.c: trains a batch of independent toy models.
 * Each run is trained start to finish by exactly one thread, with its own
 * random stream, buffers and optimizer state, and a fixed order of floating
 * point operations; threads only share a counter that hands out runs. So a
 * run's weights are bit-identical whatever the thread count or batch-mates.
 * The optimizers follow torch.optim (AdamW, Adam, SGD) step for step, in
 * float32 like the notebook. Divergence (non-finite loss or weights) stops
 * that run only and is reported in its result. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#define TRAIN_HAVE_MXCSR 1
#endif

#include <cblas.h>

#include "kern.h"
#include "train.h"
#include "util.h"

const char *train_kind_name(enum train_kind k)
{
    switch (k) {
    case TRAIN_LINEAR: return "linear";
    case TRAIN_RELU: return "relu";
    case TRAIN_RELU_HIDDEN: return "relu-hidden";
    }
    return "?";
}

void train_result_free(struct train_result *r)
{
    free(r->W), free(r->b), free(r->curve_step), free(r->curve_loss);
    memset(r, 0, sizeof *r);
}

/* Parameters and optimizer state, laid out as one vector: W then b. */
struct train_state {
    int n, m, np;
    float *p, *g, *m1, *m2, *WT, *imp;
};

static void state_init(struct train_state *st, const struct train_spec *sp, struct rng *r)
{
    st->n = sp->n;
    st->m = sp->m;
    st->np = sp->n * sp->m + sp->n;
    st->p = xcalloc((size_t)st->np, sizeof(float));
    st->g = xcalloc((size_t)st->np, sizeof(float));
    st->m1 = xcalloc((size_t)st->np, sizeof(float));
    st->m2 = xcalloc((size_t)st->np, sizeof(float));
    st->WT = xcalloc((size_t)sp->n * sp->m, sizeof(float));
    st->imp = xcalloc((size_t)sp->n, sizeof(float));
    double std = sp->init_std > 0 ? sp->init_std : sqrt(2.0 / (sp->n + sp->m));
    for (int i = 0; i < sp->n * sp->m; i++)
        st->p[i] = (float)(std * rng_normal(r));
    for (int i = 0; i < sp->n; i++)
        st->imp[i] = (float)sp->importance[i];
}

static void state_free(struct train_state *st)
{
    free(st->p), free(st->g), free(st->m1), free(st->m2), free(st->WT), free(st->imp);
}

static double sched_factor(const struct train_recipe *rc, int step)
{
    switch (rc->sched) {
    case TRAIN_SCHED_LINEAR:
        return 1.0 - (double)step / rc->steps;
    case TRAIN_SCHED_COSINE:
        return rc->steps > 1 ? cos(0.5 * M_PI * step / (rc->steps - 1)) : 1.0;
    default:
        return 1.0;
    }
}

/* One optimizer step (t counts from 1), as torch.optim does it. */
static void optim_step(struct train_state *st, const struct train_recipe *rc, double lr, int t)
{
    float *restrict p = st->p, *restrict g = st->g, *restrict m1 = st->m1, *restrict m2 = st->m2;
    const int np = st->np;
    if (rc->optim == TRAIN_SGD) {
        const float wd = (float)rc->weight_decay, mom = (float)rc->momentum, a = (float)lr;
        for (int i = 0; i < np; i++) {
            float d = g[i] + wd * p[i];
            if (mom != 0)
                d = m1[i] = t == 1 ? d : mom * m1[i] + d;
            p[i] -= a * d;
        }
        return;
    }
    const float b1 = (float)rc->beta1, b2 = (float)rc->beta2, eps = (float)rc->eps;
    const float step = (float)(lr / (1 - pow(rc->beta1, t)));
    const float bc2 = (float)sqrt(1 - pow(rc->beta2, t));
    const float decay = rc->optim == TRAIN_ADAMW ? (float)(1 - lr * rc->weight_decay) : 1.0f;
    const float l2 = rc->optim == TRAIN_ADAM ? (float)rc->weight_decay : 0.0f;
    for (int i = 0; i < np; i++) {
        float gi = g[i] + l2 * p[i];
        p[i] *= decay;
        m1[i] = b1 * m1[i] + (1 - b1) * gi;
        m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
        p[i] -= step * (m1[i] / (sqrtf(m2[i]) / bc2 + eps));
    }
}

static int params_finite(const struct train_state *st)
{
    float s = 0;
    for (int i = 0; i < st->np; i++)
        s += st->p[i] * 0.0f;
    return s == 0;
}

static void run_fail(struct train_result *out, int step, const char *what, double lr)
{
    out->failed = 1;
    out->fail_step = step;
    snprintf(out->fail_reason, sizeof out->fail_reason, "%s at step %d (lr=%g)", what, step, lr);
}

/* Reject what cannot be trained, instead of crashing on it. */
static int spec_invalid(const struct train_spec *sp, struct train_result *out)
{
    const char *why = NULL;
    if (sp->n <= 0 || sp->m <= 0 || sp->n > 1000000 || sp->m > 1000000)
        why = "n and m must be positive";
    else if ((long long)sp->n * sp->m > 100000000LL)
        why = "model too large (n*m > 1e8)";
    else if (sp->recipe.batch <= 0)
        why = "batch must be positive";
    else if (!sp->importance || !sp->density)
        why = "importance and density are required";
    else if (sp->recipe.steps < 0)
        why = "steps must not be negative";
    if (!why)
        return 0;
    out->failed = 1;
    snprintf(out->fail_reason, sizeof out->fail_reason, "%s", why);
    return 1;
}

static void result_init(struct train_result *out, const struct train_spec *sp)
{
    memset(out, 0, sizeof *out);
    out->n = sp->n > 0 ? sp->n : 0;
    out->m = sp->m > 0 ? sp->m : 0;
    out->final_loss = NAN;
    out->fail_step = -1;
}

struct run_ctx {
    const struct train_spec *sp;
    const struct train_hooks *hk;
    struct train_result *out;
    struct train_state st;
    struct kern_sampler smp;
    struct kern_ws ws;
    struct kern_model md;
    struct kern_grad g;
    double tail_sum;
    int tail_n;
    struct kern_gws gws;
    int vx;                  /* use the vectorised small-model kernel */
    int gemm;                /* use the BLAS kernel for large models */
};

/* Forward/backward of one step; returns the notebook loss. */
static double run_grad(struct run_ctx *c)
{
    const int n = c->st.n, m = c->st.m, batch = c->sp->recipe.batch;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            c->st.WT[(size_t)k * n + i] = c->st.p[(size_t)i * m + k];
    memset(c->st.g, 0, sizeof(float) * (size_t)c->st.np);
    c->g.loss_sum = 0;
    if (c->vx)
        kern_vx_step(&c->md, &c->smp, batch, &c->g);
    else if (c->gemm)
        kern_gemm_step(&c->md, &c->smp, batch, &c->gws, &c->g);
    else
        kern_step(&c->md, &c->smp, batch, &c->ws, &c->g);
    const float scale = (float)(2.0 / ((double)batch * n));
    for (int i = 0; i < c->st.np; i++)
        c->st.g[i] *= scale;
    return c->g.loss_sum / ((double)batch * n);
}

static void run_record(struct run_ctx *c, int step, double loss)
{
    const struct train_recipe *rc = &c->sp->recipe;
    struct train_result *out = c->out;
    if (rc->log_every > 0 && (step % rc->log_every == 0 || step == rc->steps - 1)) {
        out->curve_step[out->ncurve] = step;
        out->curve_loss[out->ncurve++] = loss;
    }
    int window = rc->steps < 100 ? rc->steps : 100;
    if (step >= rc->steps - window) {
        c->tail_sum += loss;
        c->tail_n++;
    }
}

/* Returns 0 to go on, 1 when the run stopped (diverged or cancelled). */
static int run_step(struct run_ctx *c, int step)
{
    const struct train_recipe *rc = &c->sp->recipe;
    if (c->hk && c->hk->cancel && *c->hk->cancel) {
        c->out->failed = 1;
        c->out->fail_step = step;
        snprintf(c->out->fail_reason, sizeof c->out->fail_reason, "cancelled");
        return 1;
    }
    double lr = rc->lr * sched_factor(rc, step);
    double loss = run_grad(c);
    if (!isfinite(loss)) {
        run_fail(c->out, step, isnan(loss) ? "loss became nan" : "loss became inf", rc->lr);
        return 1;
    }
    run_record(c, step, loss);
    optim_step(&c->st, rc, lr, step + 1);
    if (!params_finite(&c->st)) {
        run_fail(c->out, step, "weights became nan/inf", rc->lr);
        return 1;
    }
    return 0;
}

/* Subnormal floats (below 1.2e-38) turn up in the vanishing gradients of
 * unused features and cost x86 cores a microcode assist per operation, up
 * to halving the speed of sparse runs. Training flushes them to zero (FTZ
 * and DAZ); the mode is the same for every run and thread, so results stay
 * reproducible, and the caller's mode is restored afterwards. */
static unsigned train_flush_begin(void)
{
#ifdef TRAIN_HAVE_MXCSR
    unsigned old = _mm_getcsr();
    _mm_setcsr(old | 0x8040u);
    return old;
#else
    return 0;
#endif
}

static void train_flush_end(unsigned old)
{
#ifdef TRAIN_HAVE_MXCSR
    _mm_setcsr(old);
#else
    (void)old;
#endif
}

static void run_train(const struct train_spec *sp, const struct train_hooks *hk,
                      struct train_result *out)
{
    result_init(out, sp);
    if (spec_invalid(sp, out))
        return;
    struct run_ctx c = {.sp = sp, .hk = hk, .out = out};
    const struct train_recipe *rc = &sp->recipe;
    kern_sampler_init(&c.smp, sp->seed, sp->n, sp->density);
    state_init(&c.st, sp, &c.smp.rng);
    kern_ws_init(&c.ws, sp->n, sp->m);
    c.md = (struct kern_model){sp->kind, sp->n, sp->m, c.st.p, c.st.WT,
                               c.st.p + (size_t)sp->n * sp->m, c.st.imp};
    c.g = (struct kern_grad){c.st.g, c.st.g + (size_t)sp->n * sp->m, 0};
    c.vx = kern_vx_applies(&c.md, sp->density);
    c.gemm = !c.vx && kern_gemm_applies(&c.md);
    if (c.gemm)
        kern_gws_init(&c.gws, sp->n, sp->m);
    int cap = rc->log_every > 0 ? rc->steps / rc->log_every + 2 : 0;
    out->curve_step = xcalloc((size_t)cap, sizeof(int));
    out->curve_loss = xcalloc((size_t)cap, sizeof(double));
    int step, chunk = 0;
    for (step = 0; step < rc->steps; step++) {
        if (run_step(&c, step))
            break;
        if (hk && hk->steps_done && ++chunk == 256) {
            __atomic_fetch_add(hk->steps_done, (uint64_t)chunk, __ATOMIC_RELAXED);
            chunk = 0;
        }
    }
    if (hk && hk->steps_done && chunk)
        __atomic_fetch_add(hk->steps_done, (uint64_t)chunk, __ATOMIC_RELAXED);
    if (!out->failed && c.tail_n > 0)
        out->final_loss = c.tail_sum / c.tail_n;
    out->W = xmalloc(sizeof(float) * (size_t)sp->n * sp->m);
    out->b = xmalloc(sizeof(float) * (size_t)sp->n);
    memcpy(out->W, c.st.p, sizeof(float) * (size_t)sp->n * sp->m);
    memcpy(out->b, c.st.p + (size_t)sp->n * sp->m, sizeof(float) * (size_t)sp->n);
    kern_ws_free(&c.ws);
    if (c.gemm)
        kern_gws_free(&c.gws);
    kern_sampler_free(&c.smp);
    state_free(&c.st);
}

/* Threads take runs from a shared counter, most expensive first. */
struct pool {
    const struct train_spec *specs;
    const struct train_hooks *hk;
    struct train_result *out;
    int *order, count, next;
};

static void *pool_worker(void *arg)
{
    struct pool *pl = arg;
    for (;;) {
        int k = __atomic_fetch_add(&pl->next, 1, __ATOMIC_RELAXED);
        if (k >= pl->count)
            return NULL;
        int r = pl->order[k];
        unsigned mode = train_flush_begin();
        run_train(&pl->specs[r], pl->hk, &pl->out[r]);
        train_flush_end(mode);
    }
}

static double run_cost(const struct train_spec *sp)
{
    double c = 1;
    if (sp->density && sp->n > 0)
        for (int i = 0; i < sp->n; i++)
            c += sp->density[i] > 0 ? sp->density[i] : 0;
    return c;
}

static const struct train_spec *cost_specs;
static int cost_cmp(const void *a, const void *b)
{
    double ca = run_cost(&cost_specs[*(const int *)a]), cb = run_cost(&cost_specs[*(const int *)b]);
    return ca < cb ? 1 : ca > cb ? -1 : *(const int *)a - *(const int *)b;
}

int train_batch(const struct train_spec *specs, int count, int threads,
                const struct train_hooks *hooks, struct train_result *out)
{
    if (count <= 0)
        return 0;
    struct pool pl = {specs, hooks, out, xmalloc(sizeof(int) * (size_t)count), count, 0};
    for (int k = 0; k < count; k++)
        pl.order[k] = k;
    static pthread_mutex_t sort_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&sort_lock);
    cost_specs = specs;
    qsort(pl.order, (size_t)count, sizeof(int), cost_cmp);
    pthread_mutex_unlock(&sort_lock);
    /* BLAS must not split a product across threads: the trainer's threads
     * own whole runs, and a product's rounding must not depend on them. */
    openblas_set_num_threads(1);
    if (threads < 1)
        threads = 1;
    if (threads > count)
        threads = count;
    pthread_t *tid = xmalloc(sizeof(pthread_t) * (size_t)threads);
    int started = 0;
    for (int t = 1; t < threads; t++)
        if (pthread_create(&tid[t], NULL, pool_worker, &pl) == 0)
            started = t;
        else
            break;
    pool_worker(&pl);
    for (int t = 1; t <= started; t++)
        pthread_join(tid[t], NULL);
    free(tid);
    free(pl.order);
    int failed = 0;
    for (int k = 0; k < count; k++)
        failed += out[k].failed != 0;
    return failed;
}
