/* runtime/train/kern_table.c: which kernel trains which run.
 * Each kernel declares the model kinds and data generators it serves, a
 * test of whether it is worth picking for a shape and density, and its
 * entry points. The trainer takes the first declared kernel that applies,
 * so a kernel never sees a kind or a generator it was not written for: a
 * new kind without a kernel fails its runs with a clear reason instead of
 * landing silently in code that does not know it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_inst.h"
#include "util.h"

/* The tied kernels read W's transpose; refresh it from the parameters. */
static void tied_wt(struct kern_run *kr)
{
    const int n = kr->md.n, m = kr->md.m;
    const float *W = kr->md.W;
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            kr->WT[(size_t)k * n + i] = W[(size_t)i * m + k];
}

static void none_init(struct kern_run *kr) { (void)kr; }

static void vx_step(struct kern_run *kr, int batch)
{
    tied_wt(kr);
    kern_vx_step(&kr->md, kr->sp, batch, kr->g);
}

static void vx_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T; /* uniform data: the target is the input */
    tied_wt(kr);
    kern_vx_batch(&kr->md, X, batch, kr->g);
}

static int vx_fits(const struct kern_model *md)
{
    static const double one[KERN_VX_MAXN] = {1};
    return md->n <= KERN_VX_MAXN && kern_vx_applies(md, one);
}

static void gemm_init(struct kern_run *kr) { kern_gws_init(&kr->gws, kr->md.n, kr->md.m); }
static void gemm_free(struct kern_run *kr) { kern_gws_free(&kr->gws); }
static int gemm_applies(const struct kern_model *md, const double *density)
{
    (void)density;
    return kern_gemm_applies(md);
}

static void gemm_step(struct kern_run *kr, int batch)
{
    tied_wt(kr);
    kern_gemm_step(&kr->md, kr->sp, batch, &kr->gws, kr->g);
}

static void gemm_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T;
    tied_wt(kr);
    kern_gemm_batch(&kr->md, X, batch, &kr->gws, kr->g);
}

static void sparse_init(struct kern_run *kr)
{
    kr->priv = xmalloc(sizeof(struct kern_sparse_ws));
    kern_sparse_init(kr->priv, kr->md.n, kr->md.m);
}

static void sparse_free(struct kern_run *kr)
{
    kern_sparse_free(kr->priv);
    free(kr->priv);
    kr->priv = NULL;
}

static void sparse_step(struct kern_run *kr, int batch)
{
    kern_sparse_step(&kr->md, kr->sp, batch, kr->priv, kr->g);
}

static void sparse_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T;
    kern_sparse_batch(&kr->md, X, batch, kr->priv, kr->g);
}

static void fused_init(struct kern_run *kr) { kern_ws_init(&kr->ws, kr->md.n, kr->md.m); }
static void fused_free(struct kern_run *kr) { kern_ws_free(&kr->ws); }
static int fused_applies(const struct kern_model *md, const double *density)
{
    (void)md, (void)density;
    return 1;
}

static void fused_step(struct kern_run *kr, int batch)
{
    tied_wt(kr);
    kern_step(&kr->md, kr->sp, batch, &kr->ws, kr->g);
}

static void fused_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T;
    tied_wt(kr);
    kern_batch(&kr->md, X, batch, &kr->ws, kr->g);
}

static const struct model_kind *const tied_kinds[] = {
    &model_linear, &model_relu, &model_relu_hidden, NULL,
};
static const struct data_gen *const uniform_only[] = {&data_uniform, NULL};

static const struct kern_def kern_vx = {
    "vx", "small models (n <= 64): 16 examples at a time in SIMD lanes",
    tied_kinds, uniform_only, kern_vx_applies, vx_fits, none_init, vx_step, vx_batch,
    none_init, NULL,
};

/* Output ReLU, no hidden one: the outputs before the ReLU are linear in x. */
static const struct model_kind *const relu_only[] = {&model_relu, NULL};

static const struct kern_def kern_sparse = {
    "sparse", "large ReLU models at high sparsity: outputs through W W^T, sparse backward",
    relu_only, uniform_only, kern_sparse_applies, kern_sparse_fits, sparse_init, sparse_step,
    sparse_batch, sparse_free, NULL,
};

static const struct kern_def kern_gemm = {
    "gemm", "large models: gathered blocks as matrix products (AVX-512 or BLAS)",
    tied_kinds, uniform_only, gemm_applies, NULL, gemm_init, gemm_step, gemm_batch,
    gemm_free, NULL,
};

static const struct kern_def kern_fused = {
    "fused", "any shape: fused sparse per-example sample, forward and backward",
    tied_kinds, uniform_only, fused_applies, NULL, fused_init, fused_step, fused_batch,
    fused_free, NULL,
};

extern const struct kern_def kern_lanes;    /* kern_lanes.c */
extern const struct kern_def kern_untied;   /* model_untied.c */
extern const struct kern_def kern_sets;     /* kern_sets.c */
extern const struct kern_def kern_unitnorm; /* kern_sets.c */
extern const struct kern_def kern_sae;      /* model_sae.c */

const struct kern_def *const kern_table[] = {
    &kern_lanes, &kern_vx, &kern_sparse, &kern_gemm, &kern_fused, &kern_untied, &kern_sets,
    &kern_unitnorm, &kern_sae,
    NULL,
};

const struct kern_def *kern_find(const char *name)
{
    for (int k = 0; name && kern_table[k]; k++)
        if (strcmp(kern_table[k]->name, name) == 0)
            return kern_table[k];
    return NULL;
}

int kern_serves(const struct kern_def *d, const struct model_kind *k, const struct data_gen *g)
{
    int kind_ok = 0, data_ok = 0;
    for (int i = 0; d->kinds[i]; i++)
        kind_ok |= d->kinds[i] == k;
    for (int i = 0; d->data[i]; i++)
        data_ok |= d->data[i] == g;
    return kind_ok && data_ok;
}

const struct kern_def *kern_pick_table(const struct model_kind *k, const struct data_gen *g,
                                       const struct kern_model *md, const double *density)
{
    for (int i = 0; kern_table[i]; i++)
        if (kern_serves(kern_table[i], k, g) && kern_table[i]->applies(md, density))
            return kern_table[i];
    return NULL;
}

/* One warning per process: a forced kernel is read once per run. */
static void forced_warn(const char *name, const char *why)
{
    static int warned;
    if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
        fprintf(stderr, "tmsl: warning: TMSL_KERNEL=%s ignored: %s\n", name, why);
}

const struct kern_def *kern_pick(const struct model_kind *k, const struct data_gen *g,
                                 const struct kern_model *md, const double *density)
{
    const char *name = getenv("TMSL_KERNEL");
    if (name && *name) {
        const struct kern_def *d = kern_find(name);
        if (!d)
            forced_warn(name, "no such kernel");
        else if (!kern_serves(d, k, g))
            forced_warn(name, "it does not serve this model kind and data");
        else if (d->fits && !d->fits(md))
            forced_warn(name, "it does not fit this model's shape");
        else
            return d;
    }
    return kern_pick_table(k, g, md, density);
}

int kern_any_serves(const struct model_kind *k, const struct data_gen *g)
{
    for (int i = 0; kern_table[i]; i++)
        if (kern_serves(kern_table[i], k, g))
            return 1;
    return 0;
}
