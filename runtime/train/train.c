/* runtime/train/train.c: trains a batch of independent toy models.
 * Each run is trained start to finish by exactly one thread, with its own
 * random stream, buffers and optimizer state, and a fixed order of floating
 * point operations; threads only share a counter that hands out runs. Tiny
 * runs that the lanes kernel serves are trained in groups by one thread,
 * one run per SIMD lane, each lane with exactly the operations it has
 * alone; whether a run is grouped follows from its spec. So a run's
 * weights are bit-identical whatever the thread count or batch-mates.
 * The optimizers follow torch.optim (AdamW, Adam, SGD) step for step, in
 * float32 like the notebook. Divergence (non-finite loss or weights) stops
 * that run only and is reported in its result.
 *
 * Built with -DTMSL_FAULTS (the test program tmsl-faulty, never the
 * installed tmsl), the trainer can be made subtly wrong on purpose: the
 * environment variable TMSL_FAULT names one fault, applied at the points
 * marked TMSL_FAULTS below, outside the kernels so that every kernel is
 * wrong the same way. tests/faults.sh checks that the examples' claims
 * notice each one. */
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

#include "dataset.h"
#include "kern.h"
#include "train.h"
#include "util.h"

void train_result_free(struct train_result *r)
{
    free(r->p), free(r->curve_step), free(r->curve_loss);
    free(r->snap_step), free(r->snap_loss), free(r->snap_p);
    free(r->fail_reason);
    memset(r, 0, sizeof *r);
}

size_t train_nparams(const struct train_result *r)
{
    return r->kind ? model_nparams(r->kind, r->n, r->m) : 0;
}

const float *train_tensor(const struct train_result *r, const char *name, int *rows, int *cols)
{
    int t = r->kind && r->p ? model_tensor_index(r->kind, name) : -1, rr = 0, cc = 0;
    if (t >= 0)
        model_shape(r->kind, t, r->n, r->m, &rr, &cc);
    if (rows)
        *rows = rr;
    if (cols)
        *cols = cc;
    return t >= 0 ? r->p + model_tensor_offset(r->kind, t, r->n, r->m) : NULL;
}

int train_snapshot_steps(int steps, int count, int *out)
{
    int k = 0;
    for (int j = 0; j < count && steps > 0; j++) {
        /* steps^(j/(count-1)) rounded: 1 first, steps last */
        double e = count > 1 ? (double)j / (count - 1) : 1.0;
        int s = (int)lround(pow((double)steps, e));
        s = s < 1 ? 1 : s > steps ? steps : s;
        if (k == 0 || s > out[k - 1])
            out[k++] = s;
    }
    return k;
}

void train_snapshot_view(const struct train_result *r, int j, struct train_result *out)
{
    memset(out, 0, sizeof *out);
    out->kind = r->kind;
    out->n = r->n;
    out->m = r->m;
    out->final_loss = r->snap_loss[j];
    out->p = r->snap_p + (size_t)j * train_nparams(r);
}

/* Parameters and optimizer state, laid out as one vector: the kind's
 * tensors in its order (W then b for the tied kinds). */
struct train_state {
    int n, m, np;
    float *p, *g, *m1, *m2, *WT, *imp;
};

#ifdef TMSL_FAULTS
/* The deliberate faults, by the name TMSL_FAULT gives. */
enum train_fault { FAULT_NONE, FAULT_BIAS_SIGN, FAULT_NO_BIAS, FAULT_IMPORTANCE, FAULT_SIGN };
static const char *const fault_names[] = {"none", "bias-sign", "no-bias", "importance", "sign"};

/* The fault TMSL_FAULT names; an unknown name stops the program, so that a
 * misspelt fault cannot pass for a caught one. */
static enum train_fault train_fault(void)
{
    const char *want = getenv("TMSL_FAULT");
    if (!want || !*want)
        return FAULT_NONE;
    for (int k = 0; k < (int)(sizeof fault_names / sizeof *fault_names); k++)
        if (strcmp(want, fault_names[k]) == 0)
            return (enum train_fault)k;
    fprintf(stderr, "tmsl-faulty: unknown TMSL_FAULT '%s' (none, bias-sign, no-bias, "
            "importance, sign)\n", want);
    exit(2);
}
#endif

/* Tensors are drawn in declaration order from the run's stream, so the
 * tied kinds draw exactly their n*m normals for W, as they always have. */
static void state_init(struct train_state *st, const struct train_spec *sp, struct rng *r)
{
    const struct model_kind *k = sp->kind;
    st->n = sp->n;
    st->m = sp->m;
    st->np = (int)model_nparams(k, sp->n, sp->m);
    st->p = xcalloc((size_t)st->np, sizeof(float));
    st->g = xcalloc((size_t)st->np, sizeof(float));
    st->m1 = xcalloc((size_t)st->np, sizeof(float));
    st->m2 = xcalloc((size_t)st->np, sizeof(float));
    st->WT = xcalloc((size_t)sp->n * sp->m, sizeof(float));
    st->imp = xcalloc((size_t)sp->n, sizeof(float));
    double std = sp->init_std > 0 ? sp->init_std : sqrt(2.0 / (sp->n + sp->m));
    for (int t = 0; t < k->ntensors; t++) {
        float *q = st->p + model_tensor_offset(k, t, sp->n, sp->m);
        size_t len = model_tensor_size(k, t, sp->n, sp->m);
        if (k->tensor[t].init == MODEL_INIT_XAVIER)
            for (size_t i = 0; i < len; i++)
                q[i] = (float)(std * rng_normal(r));
    }
    for (int i = 0; i < sp->n; i++)
        st->imp[i] = (float)sp->importance[i];
#ifdef TMSL_FAULTS
    /* fault 'importance': the loss weighted by importance squared */
    if (train_fault() == FAULT_IMPORTANCE)
        for (int i = 0; i < sp->n; i++)
            st->imp[i] *= st->imp[i];
#endif
}

static void state_free(struct train_state *st)
{
    free(st->p), free(st->g), free(st->m1), free(st->m2), free(st->WT), free(st->imp);
}

/* The schedule's factor at step s of the steps after warmup: s counts
 * from 0, len is the number of those steps. */
static double sched_shape(enum train_sched sched, int s, int len)
{
    switch (sched) {
    case TRAIN_SCHED_LINEAR:
        return 1.0 - (double)s / len;
    case TRAIN_SCHED_COSINE:
        return len > 1 ? cos(0.5 * M_PI * s / (len - 1)) : 1.0;
    case TRAIN_SCHED_WARMUP_COSINE:
        return 0.5 * (1.0 + cos(M_PI * s / len));
    default:
        return 1.0;
    }
}

/* Warmup (step s gets (s + 1) / warmup) then the schedule over the rest;
 * without warmup exactly the schedule over all steps, as it always was. */
double train_lr_factor(const struct train_recipe *rc, int step)
{
    int w = rc->warmup > 0 && rc->warmup < rc->steps ? rc->warmup : 0;
    if (step < w)
        return (double)(step + 1) / w;
    return sched_shape(rc->sched, step - w, rc->steps - w);
}

/* Adam's bias corrections 1 - beta1^t and sqrt(1 - beta2^t) for t = 1..len,
 * kept by each training thread across its runs: with small models the two
 * pow() calls of every step were a tenth of the time. The values are the
 * ones pow() gives, so the memo changes no bit. */
struct bias_memo {
    double b1, b2;
    int len;
    double *c1, *c2;         /* [len + 1], index t */
};

enum { BIAS_MEMO_MAX = 1 << 20 };   /* longer runs compute them per step */

/* The memo ready for rc (NULL when rc is too long for one). */
static const struct bias_memo *bias_memo_for(struct bias_memo *bm, const struct train_recipe *rc)
{
    if (!bm || rc->steps > BIAS_MEMO_MAX)
        return NULL;
    if (bm->c1 && bm->b1 == rc->beta1 && bm->b2 == rc->beta2 && bm->len >= rc->steps)
        return bm;
    free(bm->c1), free(bm->c2);
    bm->b1 = rc->beta1;
    bm->b2 = rc->beta2;
    bm->len = rc->steps;
    bm->c1 = xmalloc(sizeof(double) * ((size_t)bm->len + 1));
    bm->c2 = xmalloc(sizeof(double) * ((size_t)bm->len + 1));
    for (int t = 1; t <= bm->len; t++) {
        bm->c1[t] = 1 - pow(rc->beta1, t);
        bm->c2[t] = sqrt(1 - pow(rc->beta2, t));
    }
    return bm;
}

static void bias_memo_free(struct bias_memo *bm)
{
    free(bm->c1), free(bm->c2);
}

/* A step's optimizer constants (t counts from 1), as torch.optim works
 * them out; bm holds the bias corrections or is NULL. */
static void optim_consts(struct optim_k *k, const struct train_recipe *rc, double lr, int t,
                         const struct bias_memo *bm)
{
    memset(k, 0, sizeof *k);
    k->sgd = rc->optim == TRAIN_SGD;
    if (k->sgd) {
        k->first = t == 1;
        k->step = (float)lr;
        k->wd = (float)rc->weight_decay;
        k->mom = (float)rc->momentum;
        return;
    }
    k->b1 = (float)rc->beta1, k->b2 = (float)rc->beta2, k->eps = (float)rc->eps;
    k->step = (float)(lr / (bm ? bm->c1[t] : 1 - pow(rc->beta1, t)));
    k->bc2 = (float)(bm ? bm->c2[t] : sqrt(1 - pow(rc->beta2, t)));
    k->decay = rc->optim == TRAIN_ADAMW ? (float)(1 - lr * rc->weight_decay) : 1.0f;
    k->l2 = rc->optim == TRAIN_ADAM ? (float)rc->weight_decay : 0.0f;
}

/* One optimizer step on the run's state, in vectors (a large model's
 * step spent a third of its time here when it was scalar); returns 1 when
 * every parameter is finite after it. */
static int optim_step(struct train_state *st, const struct train_recipe *rc, double lr, int t,
                      const struct bias_memo *bm)
{
    struct optim_k k;
    optim_consts(&k, rc, lr, t, bm);
    return kern_optim_apply(&k, st->p, st->g, st->m1, st->m2, st->np);
}

static int params_finite(const struct train_state *st)
{
    float s = 0;
    for (int i = 0; i < st->np; i++)
        s += st->p[i] * 0.0f;
    return s == 0;
}

/* Mark out failed, for the reason `why` (taken over). */
static void result_fail(struct train_result *out, char *why)
{
    out->failed = 1;
    free(out->fail_reason);
    out->fail_reason = why;
}

static void run_fail(struct train_result *out, int step, const char *what, double lr)
{
    out->fail_step = step;
    result_fail(out, xasprintf("%s at step %d (lr=%g)", what, step, lr));
}

/* Why sp cannot be trained, or NULL. */
static const char *spec_problem(const struct train_spec *sp)
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
    else if (!sp->kind)
        why = "no model kind";
    return why;
}

/* Reject what cannot be trained, instead of crashing on it. */
static int spec_invalid(const struct train_spec *sp, struct train_result *out)
{
    const char *why = spec_problem(sp);
    if (!why)
        return 0;
    result_fail(out, xstrdup(why));
    return 1;
}

static void result_init(struct train_result *out, const struct train_spec *sp)
{
    memset(out, 0, sizeof *out);
    out->kind = sp->kind;
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
    struct kern_run kr;      /* the picked kernel and its buffers */
    struct kern_grad g;
    double tail_sum;
    int tail_n;
    int *snap_at;            /* [nsnap_at] steps after which to copy the parameters */
    int nsnap_at;
    float *setX, *setT;      /* the finite training set (recipe.dataset), or NULL */
    int nset;
    const struct bias_memo *bias;   /* Adam's bias corrections, or NULL */
};

#ifdef TMSL_FAULTS
/* The gradient faults: 'bias-sign' climbs the loss in b, 'no-bias' never
 * moves b from its initial zero, 'sign' climbs it in the last feature's
 * row of the first tensor (W, or the untied encoder). Element j of the
 * gradients is at j * stride (1 for a run; a lanes group's rows are
 * KERN_LANES_MAX apart). */
static void fault_grad(float *gW, float *gb, int n, int m, size_t stride)
{
    enum train_fault f = train_fault();
    if ((f == FAULT_BIAS_SIGN || f == FAULT_NO_BIAS) && gb)
        for (int i = 0; i < n; i++)
            gb[i * stride] = f == FAULT_NO_BIAS ? 0.0f : -gb[i * stride];
    if (f == FAULT_SIGN)
        for (int k = 0; k < m; k++)
            gW[((size_t)(n - 1) * m + k) * stride] = -gW[((size_t)(n - 1) * m + k) * stride];
}

static void run_fault_grad(struct run_ctx *c)
{
    fault_grad(c->g.gW, c->g.gb, c->st.n, c->st.m, 1);
}
#endif

/* The kernel's half-unit sums of a step (in c->st.g and c->g.loss_sum)
 * into the notebook's gradient; returns the notebook loss. */
static double run_grad_scale(struct run_ctx *c, int batch)
{
    const int n = c->st.n;
    const float scale = (float)(2.0 / ((double)batch * n));
    for (int i = 0; i < c->st.np; i++)
        c->st.g[i] *= scale;
#ifdef TMSL_FAULTS
    run_fault_grad(c);
#endif
    return c->g.loss_sum / ((double)batch * n);
}

/* The accumulators a kernel adds a step's sums to, zeroed. */
static void run_grad_zero(struct run_ctx *c)
{
    memset(c->st.g, 0, sizeof(float) * (size_t)c->st.np);
    c->g.loss_sum = 0;
}

/* Forward/backward of one step; returns the notebook loss. With a finite
 * training set the step is the kernel's explicit-batch path over all of
 * it, so the set's size is the batch. */
static double run_grad(struct run_ctx *c)
{
    const int batch = c->nset > 0 ? c->nset : c->sp->recipe.batch;
    run_grad_zero(c);
    if (c->nset > 0)
        c->kr.def->batch(&c->kr, c->setX, c->setT, c->nset);
    else
        c->kr.def->step(&c->kr, batch);
    return run_grad_scale(c, batch);
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

/* After `done` steps: copy the parameters when a snapshot is due. Done
 * here, outside the kernels, so every kernel gets snapshots for free. */
static void run_snapshot(struct run_ctx *c, int done, double loss)
{
    struct train_result *out = c->out;
    if (out->nsnap >= c->nsnap_at || c->snap_at[out->nsnap] != done)
        return;
    size_t np = (size_t)c->st.np;
    memcpy(out->snap_p + (size_t)out->nsnap * np, c->st.p, sizeof(float) * np);
    out->snap_step[out->nsnap] = done;
    out->snap_loss[out->nsnap++] = loss;
}

static void run_snapshot_alloc(struct run_ctx *c)
{
    int want = c->sp->recipe.snapshots;
    if (want <= 0)
        return;
    c->snap_at = xcalloc((size_t)want, sizeof(int));
    c->nsnap_at = train_snapshot_steps(c->sp->recipe.steps, want, c->snap_at);
    c->out->snap_step = xcalloc((size_t)c->nsnap_at + 1, sizeof(int));
    c->out->snap_loss = xcalloc((size_t)c->nsnap_at + 1, sizeof(double));
    c->out->snap_p = xcalloc((size_t)c->nsnap_at * (size_t)c->st.np + 1, sizeof(float));
}

/* Whether the run is to stop before step (cancelled); marks it so. */
static int run_cancelled(struct run_ctx *c, int step)
{
    if (!(c->hk && c->hk->cancel && *c->hk->cancel))
        return 0;
    c->out->fail_step = step;
    result_fail(c->out, xstrdup("cancelled"));
    return 1;
}

/* The rest of a step once its gradient and loss are known: record, the
 * optimizer, the kernel's constraints, snapshots. Returns 0 to go on, 1
 * when the run diverged. */
static int run_update(struct run_ctx *c, int step, double loss)
{
    const struct train_recipe *rc = &c->sp->recipe;
    double lr = rc->lr * train_lr_factor(rc, step);
    if (!isfinite(loss)) {
        run_fail(c->out, step, isnan(loss) ? "loss became nan" : "loss became inf", rc->lr);
        return 1;
    }
    run_record(c, step, loss);
    int finite = optim_step(&c->st, rc, lr, step + 1, c->bias);
    if (c->kr.def->after) {
        c->kr.def->after(&c->kr, step, c->st.p, c->st.m1, c->st.m2);
        finite = params_finite(&c->st);
    }
    if (!finite) {
        run_fail(c->out, step, "weights became nan/inf", rc->lr);
        return 1;
    }
    run_snapshot(c, step + 1, loss);
    return 0;
}

/* Returns 0 to go on, 1 when the run stopped (diverged or cancelled). */
static int run_step(struct run_ctx *c, int step)
{
    if (run_cancelled(c, step))
        return 1;
    return run_update(c, step, run_grad(c));
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

/* "vx", "fused", "gemm/x5", ...: the kernel, and for gemm its arithmetic. */
static const char *run_label(const struct kern_def *d, int fast)
{
    if (strcmp(d->name, "gemm") == 0)
        return fast ? "gemm/x5" : "gemm/blas";
    return d->name;
}

/* The kernel a run of sp gets (NULL: none serves it). The choice reads
 * the kind, shape, data and densities, never the parameters. */
static const struct kern_def *spec_kernel(const struct train_spec *sp, int table_only)
{
    const struct data_gen *dg = sp->data ? sp->data : data_find(sp->kind->data);
    struct kern_model md = {sp->kind->act, sp->n, sp->m, NULL, NULL, NULL, NULL, NULL, dg,
                            sp->data_arg, sp->recipe.batch};
    return table_only ? kern_pick_table(sp->kind, dg, &md, sp->density)
                      : kern_pick(sp->kind, dg, &md, sp->density);
}

int train_kernel_label(const struct train_spec *sp, char *buf, size_t size)
{
    const struct kern_def *d = spec_kernel(sp, 0), *dflt = spec_kernel(sp, 1);
    if (!d) {
        snprintf(buf, size, "none");
        return 0;
    }
    snprintf(buf, size, "%s", run_label(d, kern_x5_usable(sp->m)));
    /* gemm's two arithmetics round differently, and a forced kernel is
     * not the one a plain run of these settings would get */
    return d != dflt || strcmp(d->name, "gemm") == 0;
}

/* The run's kernel view of its parameters, and the kernel that serves it;
 * 0, or -1 (run failed) when no kernel serves its kind and data. */
static int run_kernel(struct run_ctx *c, const struct data_gen *dg)
{
    const struct train_spec *sp = c->sp;
    int bt = model_tensor_index(sp->kind, "b");
    size_t boff = bt >= 0 ? model_tensor_offset(sp->kind, bt, sp->n, sp->m) : 0;
    c->kr.md = (struct kern_model){sp->kind->act, sp->n, sp->m, c->st.p, c->st.WT,
                                   bt >= 0 ? c->st.p + boff : NULL, c->st.imp, c->st.p, dg,
                                   sp->data_arg, sp->recipe.batch};
    c->g = (struct kern_grad){c->st.g, bt >= 0 ? c->st.g + boff : NULL, 0, c->st.g};
    c->kr.WT = c->st.WT;
    c->kr.sp = &c->smp;
    c->kr.g = &c->g;
    c->kr.spec = sp;
    c->kr.def = kern_pick(sp->kind, dg, &c->kr.md, sp->density);
    if (c->kr.def) {
        c->kr.def->init(&c->kr);
        c->out->kernel = run_label(c->kr.def, c->kr.gws.fast);
        if (c->kr.def->after)
            c->kr.def->after(&c->kr, -1, c->st.p, c->st.m1, c->st.m2);
        return 0;
    }
    result_fail(c->out, xasprintf("no kernel serves model %s with data %s", sp->kind->name,
                                  dg->name));
    return -1;
}

static void run_loop(struct run_ctx *c)
{
    const struct train_hooks *hk = c->hk;
    int step, chunk = 0;
    for (step = 0; step < c->sp->recipe.steps; step++) {
        if (run_step(c, step))
            break;
        if (hk && hk->steps_done && ++chunk == 256) {
            __atomic_fetch_add(hk->steps_done, (uint64_t)chunk, __ATOMIC_RELAXED);
            chunk = 0;
        }
    }
    if (hk && hk->steps_done && chunk)
        __atomic_fetch_add(hk->steps_done, (uint64_t)chunk, __ATOMIC_RELAXED);
}

/* Everything a run needs before its first step: result, generator,
 * initial parameters, training set, curve and snapshot space, kernel.
 * Returns 0 when the run is ready to train; -1 when it failed (invalid,
 * or no kernel), and then run_finish still releases what was set up. */
static int run_setup(struct run_ctx *c, const struct train_spec *sp,
                     const struct train_hooks *hk, struct train_result *out,
                     struct bias_memo *bm)
{
    memset(c, 0, sizeof *c);
    c->sp = sp, c->hk = hk, c->out = out;
    result_init(out, sp);
    if (spec_invalid(sp, out))
        return -1;
    const struct train_recipe *rc = &sp->recipe;
    if (rc->optim != TRAIN_SGD)
        c->bias = bias_memo_for(bm, rc);
    const struct data_gen *dg = sp->data ? sp->data : data_find(sp->kind->data);
    kern_sampler_init(&c->smp, sp->seed, sp->n, sp->density);
    state_init(&c->st, sp, &c->smp.rng);
    /* an SAE reads its model's activations, never a set of examples */
    if (!(sp->kind->caps & MODEL_CAP_SAE))
        c->nset = train_dataset_draw(sp, &c->setX, &c->setT);
    int cap = rc->log_every > 0 ? rc->steps / rc->log_every + 2 : 0;
    out->curve_step = xcalloc((size_t)cap, sizeof(int));
    out->curve_loss = xcalloc((size_t)cap, sizeof(double));
    run_snapshot_alloc(c);
    return run_kernel(c, dg);
}

/* After the last step (or a failure): the tail mean, the parameters into
 * the result, and everything the run held released. */
static void run_finish(struct run_ctx *c)
{
    struct train_result *out = c->out;
    if (!c->st.p)
        return; /* invalid spec: nothing was set up */
    if (c->kr.def) {
        if (!out->failed && c->tail_n > 0)
            out->final_loss = c->tail_sum / c->tail_n;
        out->p = xmalloc(sizeof(float) * (size_t)c->st.np);
        memcpy(out->p, c->st.p, sizeof(float) * (size_t)c->st.np);
        c->kr.def->free(&c->kr);
    }
    kern_sampler_free(&c->smp);
    state_free(&c->st);
    free(c->snap_at), free(c->setX), free(c->setT);
}

static void run_train(const struct train_spec *sp, const struct train_hooks *hk,
                      struct train_result *out, struct bias_memo *bm)
{
    struct run_ctx c;
    if (run_setup(&c, sp, hk, out, bm) == 0)
        run_loop(&c);
    run_finish(&c);
}

/* ---- groups: many small runs in the lanes of one kernel call ---- */

/* Whether a run is trained in a group: by its spec alone (valid, no
 * training set, and the lanes kernel is its kernel), never by its
 * batch-mates, so that its bits do not depend on them. */
static int group_eligible(const struct train_spec *sp)
{
    if (spec_problem(sp) || sp->recipe.dataset > 0 || (sp->kind->caps & MODEL_CAP_SAE))
        return 0;
    const struct kern_def *d = spec_kernel(sp, 0);
    return d && strcmp(d->name, "lanes") == 0;
}

/* Order of the settings a group's step loop shares: the model, the data,
 * and the recipe except lr (per lane, like seed, importance, density and
 * the initial std). 0: the runs may share a group. */
static int group_key_cmp(const struct train_spec *a, const struct train_spec *b)
{
    const struct train_recipe *x = &a->recipe, *y = &b->recipe;
    const struct data_gen *da = a->data ? a->data : data_find(a->kind->data);
    const struct data_gen *db = b->data ? b->data : data_find(b->kind->data);
    int c = strcmp(a->kind->name, b->kind->name);
    if (!c)
        c = strcmp(da->name, db->name);
#define GROUP_CMP(u, v) \
    if (!c && (u) != (v)) \
        c = (u) < (v) ? -1 : 1;
    GROUP_CMP(a->n, b->n) GROUP_CMP(a->m, b->m) GROUP_CMP(x->steps, y->steps)
    GROUP_CMP(x->batch, y->batch) GROUP_CMP(x->optim, y->optim) GROUP_CMP(x->sched, y->sched)
    GROUP_CMP(x->warmup, y->warmup) GROUP_CMP(x->beta1, y->beta1)
    GROUP_CMP(x->beta2, y->beta2) GROUP_CMP(x->eps, y->eps)
    GROUP_CMP(x->weight_decay, y->weight_decay) GROUP_CMP(x->momentum, y->momentum)
    GROUP_CMP(x->log_every, y->log_every) GROUP_CMP(x->snapshots, y->snapshots)
#undef GROUP_CMP
    return c;
}

/* Where lane l's W, b and moments live in its run's state, in the order
 * kern_lanes_put_state takes them. Between steps the group holds them;
 * the run's copies are brought up to date when it stops, at its
 * snapshots and at the end. */
static void group_state_ptrs(struct run_ctx *c, float *ptr[6])
{
    size_t boff = model_tensor_offset(c->sp->kind, model_tensor_index(c->sp->kind, "b"),
                                      c->st.n, c->st.m);
    ptr[0] = c->st.p, ptr[1] = c->st.p + boff, ptr[2] = c->st.m1;
    ptr[3] = c->st.m1 + boff, ptr[4] = c->st.m2, ptr[5] = c->st.m2 + boff;
}

/* Lane l's state back into its run, the lane emptied (zeros stay zeros
 * through the kernel and the update). */
static void group_stop(struct run_ctx *c, int *live, struct kern_lanes *g, int l)
{
    float *ptr[6];
    group_state_ptrs(&c[l], ptr);
    kern_lanes_take_state(g, l, ptr, 1);
    live[l] = 0;
}

#ifdef TMSL_FAULTS
/* run_fault_grad on a group's sums: the same faults, lane by lane. */
static void group_fault_grad(struct kern_lanes *g, const int *live, int cnt)
{
    for (int l = 0; l < cnt; l++)
        if (live[l])
            fault_grad(&g->gW[0][l], &g->gb[0][l], g->n, g->m, KERN_LANES_MAX);
}
#endif

/* Each live lane's loss checked and recorded, and its optimizer constants
 * into o, as run_update does them; returns the lanes still live. */
static int group_losses(struct run_ctx *c, int *live, struct kern_lanes *g, int cnt, int step,
                        int batch, struct kern_lanes_opt *o)
{
    const double factor = train_lr_factor(&c[0].sp->recipe, step), per = (double)batch * g->n;
    int nlive = 0;
    for (int l = 0; l < KERN_LANES_MAX; l++)
        o->step[l] = 0.0f, o->decay[l] = 1.0f;
    for (int l = 0; l < cnt; l++) {
        if (!live[l])
            continue;
        const struct train_recipe *rc = &c[l].sp->recipe;
        double loss = (0.0 + g->loss[l]) / per; /* as run_grad_scale forms it */
        if (!isfinite(loss)) {
            group_stop(c, live, g, l);
            run_fail(c[l].out, step, isnan(loss) ? "loss became nan" : "loss became inf", rc->lr);
            continue;
        }
        run_record(&c[l], step, loss);
        optim_consts(&o->k, rc, rc->lr * factor, step + 1, c[l].bias);
        o->step[l] = o->k.step, o->decay[l] = o->k.decay;
        c[l].g.loss_sum = loss; /* kept for a snapshot after the update */
        nlive++;
    }
    return nlive;
}

/* After the kernel: each live lane's step finishes as run_update would
 * finish it, the optimizer for all lanes at once. Returns the lanes that
 * completed the step. */
static int group_update(struct run_ctx *c, int *live, struct kern_lanes *g, int cnt, int step,
                        int batch)
{
    struct kern_lanes_opt o;
    if (!group_losses(c, live, g, cnt, step, batch, &o))
        return 0;
    o.scale = (float)(2.0 / ((double)batch * g->n));
#ifdef TMSL_FAULTS
    group_fault_grad(g, live, cnt);
#endif
    kern_lanes_update(g, &o);
    int done = 0;
    for (int l = 0; l < cnt; l++) {
        if (!live[l])
            continue;
        if (g->bad[l]) {
            group_stop(c, live, g, l);
            run_fail(c[l].out, step, "weights became nan/inf", c[l].sp->recipe.lr);
            continue;
        }
        struct run_ctx *r = &c[l];
        if (r->out->nsnap < r->nsnap_at && r->snap_at[r->out->nsnap] == step + 1) {
            float *ptr[6];
            group_state_ptrs(r, ptr);
            kern_lanes_take_state(g, l, ptr, 0);
            run_snapshot(r, step + 1, r->g.loss_sum);
        }
        done++;
    }
    return done;
}

/* run_loop for a group: every live lane takes each step together. */
static void group_loop(struct run_ctx *c, int *live, struct kern_lanes *g, int cnt,
                       const struct train_recipe *rc)
{
    const struct train_hooks *hk = c[0].hk;
    uint64_t chunk = 0;
    for (int step = 0; step < rc->steps; step++) {
        int nlive = 0;
        for (int l = 0; l < cnt; l++) {
            if (live[l] && run_cancelled(&c[l], step))
                group_stop(c, live, g, l);
            nlive += live[l];
        }
        if (!nlive)
            break;
        kern_lanes_step(g, rc->batch, NULL);
        chunk += (uint64_t)group_update(c, live, g, cnt, step, rc->batch);
        if (hk && hk->steps_done && chunk >= 256) {
            __atomic_fetch_add(hk->steps_done, chunk, __ATOMIC_RELAXED);
            chunk = 0;
        }
    }
    if (hk && hk->steps_done && chunk)
        __atomic_fetch_add(hk->steps_done, chunk, __ATOMIC_RELAXED);
}

/* Train runs idx[0..cnt) (group-eligible, one group key) in one group:
 * each lane set up and finished by the single-run functions. */
static void group_train(const struct train_spec *specs, const int *idx, int cnt,
                        const struct train_hooks *hk, struct train_result *out,
                        struct bias_memo *bm)
{
    struct run_ctx c[KERN_LANES_MAX];
    int live[KERN_LANES_MAX];
    const struct train_spec *sp0 = &specs[idx[0]];
    struct kern_lanes *g = kern_lanes_new(sp0->kind->act, sp0->n, sp0->m, cnt);
    for (int l = 0; l < cnt; l++) {
        live[l] = run_setup(&c[l], &specs[idx[l]], hk, &out[idx[l]], bm) == 0;
        if (live[l]) {
            float *ptr[6];
            group_state_ptrs(&c[l], ptr);
            kern_lanes_load(g, l, &c[l].smp, c[l].st.imp);
            kern_lanes_put_state(g, l, (const float *const *)ptr);
        }
    }
    group_loop(c, live, g, cnt, &sp0->recipe);
    for (int l = 0; l < cnt; l++) {
        if (live[l])
            group_stop(c, live, g, l);
        run_finish(&c[l]);
    }
    kern_lanes_free(g);
}

/* Threads take work items from a shared counter, most expensive first:
 * one run, or a group of up to KERN_LANES_MAX runs. */
struct pool {
    const struct train_spec *specs;
    const struct train_hooks *hk;
    struct train_result *out;
    int *run;                /* runs, item by item */
    int *item_at;            /* [nitems + 1] item k is run[item_at[k] .. item_at[k+1]) */
    char *grouped;           /* [nitems] trained as a group */
    int nitems, next;
};

static void *pool_worker(void *arg)
{
    struct pool *pl = arg;
    struct bias_memo bm = {0};
    for (;;) {
        int k = __atomic_fetch_add(&pl->next, 1, __ATOMIC_RELAXED);
        if (k >= pl->nitems)
            break;
        const int *r = pl->run + pl->item_at[k];
        int cnt = pl->item_at[k + 1] - pl->item_at[k];
        unsigned mode = train_flush_begin();
        if (pl->grouped[k])
            group_train(pl->specs, r, cnt, pl->hk, pl->out, &bm);
        else
            run_train(&pl->specs[r[0]], pl->hk, &pl->out[r[0]], &bm);
        train_flush_end(mode);
    }
    bias_memo_free(&bm);
    return NULL;
}

static double run_cost(const struct train_spec *sp)
{
    double c = 1;
    if (sp->density && sp->n > 0)
        for (int i = 0; i < sp->n; i++)
            c += sp->density[i] > 0 ? sp->density[i] : 0;
    return c;
}

/* The sorts' context (qsort has none), under plan_lock. */
static const struct train_spec *cost_specs;
static const int *plan_rank;     /* run -> position in the cost order */
static int cost_cmp(const void *a, const void *b)
{
    double ca = run_cost(&cost_specs[*(const int *)a]), cb = run_cost(&cost_specs[*(const int *)b]);
    return ca < cb ? 1 : ca > cb ? -1 : *(const int *)a - *(const int *)b;
}

/* Group-eligible runs by group key, then by cost order. */
static int key_cmp(const void *a, const void *b)
{
    int ra = *(const int *)a, rb = *(const int *)b;
    int c = group_key_cmp(&cost_specs[ra], &cost_specs[rb]);
    return c ? c : plan_rank[ra] - plan_rank[rb];
}

/* Items by the cost rank of their first run. */
static int item_cmp(const void *a, const void *b)
{
    const int *x = a, *y = b;
    return plan_rank[x[0]] - plan_rank[y[0]];
}

/* Cut the key-sorted eligible runs into groups; items[] gets triples
 * (first run, start in elig, count); returns the item count. */
static int plan_groups(const int *elig, int ne, int *items, int nitems)
{
    for (int i = 0; i < ne;) {
        int j = i + 1;
        while (j < ne && j - i < KERN_LANES_MAX &&
               group_key_cmp(&cost_specs[elig[i]], &cost_specs[elig[j]]) == 0)
            j++;
        items[3 * nitems] = elig[i], items[3 * nitems + 1] = i, items[3 * nitems + 2] = j - i;
        nitems++;
        i = j;
    }
    return nitems;
}

/* The work items: runs in cost order, the group-eligible ones gathered
 * into groups of one key. */
static void plan_items(struct pool *pl, const struct train_spec *specs, int count)
{
    int *order = xmalloc(sizeof(int) * (size_t)count), *rank = xmalloc(sizeof(int) * (size_t)count);
    int *elig = xmalloc(sizeof(int) * (size_t)count), *items = xmalloc(sizeof(int) * 3 * (size_t)count);
    int ne = 0, ni = 0;
    for (int k = 0; k < count; k++)
        order[k] = k;
    static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_lock(&plan_lock);
    cost_specs = specs, plan_rank = rank;
    qsort(order, (size_t)count, sizeof(int), cost_cmp);
    for (int k = 0; k < count; k++) {
        rank[order[k]] = k;
        if (group_eligible(&specs[order[k]]))
            elig[ne++] = order[k];
        else
            items[3 * ni] = order[k], items[3 * ni + 1] = -1, items[3 * ni + 2] = 1, ni++;
    }
    qsort(elig, (size_t)ne, sizeof(int), key_cmp);
    ni = plan_groups(elig, ne, items, ni);
    qsort(items, (size_t)ni, 3 * sizeof(int), item_cmp);
    pthread_mutex_unlock(&plan_lock);
    pl->run = order; /* reused: the runs item by item */
    pl->item_at = xmalloc(sizeof(int) * ((size_t)ni + 1));
    pl->grouped = xmalloc((size_t)ni + 1);
    pl->nitems = ni;
    for (int k = 0, at = 0; k < ni; k++) {
        pl->item_at[k] = at;
        pl->grouped[k] = items[3 * k + 1] >= 0;
        for (int j = 0; j < items[3 * k + 2]; j++)
            order[at++] = pl->grouped[k] ? elig[items[3 * k + 1] + j] : items[3 * k];
        pl->item_at[k + 1] = at;
    }
    free(rank), free(elig), free(items);
}

int train_batch(const struct train_spec *specs, int count, int threads,
                const struct train_hooks *hooks, struct train_result *out)
{
    if (count <= 0)
        return 0;
    struct pool pl = {specs, hooks, out, NULL, NULL, NULL, 0, 0};
    plan_items(&pl, specs, count);
    /* BLAS must not split a product across threads: the trainer's threads
     * own whole runs, and a product's rounding must not depend on them. */
    openblas_set_num_threads(1);
    if (threads < 1)
        threads = 1;
    if (threads > pl.nitems)
        threads = pl.nitems;
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
    free(pl.run), free(pl.item_at), free(pl.grouped);
    int failed = 0;
    for (int k = 0; k < count; k++)
        failed += out[k].failed != 0;
    return failed;
}
