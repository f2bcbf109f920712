/* runtime/train/kern_lanes.c: the kernel that trains many small models at
 * once, one model per SIMD lane (the arithmetic is kern_lanes_body.h, one
 * instance per instruction set). This file moves a run's generator,
 * thresholds, importance, parameters and sums in and out of a group's
 * transposed arrays, calls the instance kern_isa() picks, and gives the
 * kernel table a single-run face (a group of one) so that the kernel can be
 * tested against the reference and forced like any other. The trainer
 * groups runs itself (train.c); a run's bits are the same in any group.
 * The optimizer steps in vectors (a group's, and any one run's) are
 * dispatched here too. */
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"
#include "util.h"

int kern_lanes_fits(const struct kern_model *md)
{
    return md->n >= 1 && md->m >= 1 && md->n <= KERN_LANES_MAXN &&
           md->n * md->m <= KERN_LANES_MAXNM;
}

struct kern_lanes *kern_lanes_new(enum train_kind kind, int n, int m, int count)
{
    /* aligned for the vector loads of the widest instance (they are
     * unaligned loads, so plain malloc's memory would only be slower) */
    struct kern_lanes *g = aligned_alloc(64, (sizeof *g + 63) / 64 * 64);
    if (!g)
        g = xmalloc(sizeof *g);
    memset(g, 0, sizeof *g);
    g->kind = kind;
    g->n = n;
    g->m = m;
    g->count = count;
    g->pos = RNG_BUF;
    return g;
}

void kern_lanes_free(struct kern_lanes *g)
{
    free(g);
}

void kern_lanes_load(struct kern_lanes *g, int l, const struct kern_sampler *sp,
                     const float *imp)
{
    const struct rng *r = &sp->rng;
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < RNG_LANES; c++)
            g->s[k][c][l] = r->s[k][c];
    for (int w = 0; w < RNG_BUF; w++)
        g->buf[w][l] = r->buf[w];
    g->pos = r->pos; /* the same in every lane of a group: same shape, same draws */
    for (int i = 0; i < g->n; i++) {
        int always = sp->thr[i] > 0xffffffffu;
        uint32_t thr = always ? 0xffffffffu : (uint32_t)sp->thr[i];
        /* w < thr unsigned is (w ^ 2^31) < (thr ^ 2^31) signed */
        g->sthr[i][l] = (int32_t)(thr ^ 0x80000000u);
        g->always[i][l] = always ? -1 : 0;
        g->imp[i][l] = imp[i];
    }
}

void kern_lanes_save(const struct kern_lanes *g, int l, struct kern_sampler *sp)
{
    struct rng *r = &sp->rng;
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < RNG_LANES; c++)
            r->s[k][c] = g->s[k][c][l];
    for (int w = 0; w < RNG_BUF; w++)
        r->buf[w] = g->buf[w][l];
    r->pos = g->pos;
}

void kern_lanes_set(struct kern_lanes *g, int l, const float *W, const float *b)
{
    for (int j = 0; j < g->n * g->m; j++)
        g->W[j][l] = W ? W[j] : 0.0f;
    for (int i = 0; i < g->n; i++)
        g->b[i][l] = W ? b[i] : 0.0f;
}

void kern_lanes_get(const struct kern_lanes *g, int l, struct kern_grad *gr)
{
    for (int j = 0; j < g->n * g->m; j++)
        gr->gW[j] += g->gW[j][l];
    for (int i = 0; i < g->n; i++)
        gr->gb[i] += g->gb[i][l];
    gr->loss_sum += g->loss[l];
}

void kern_lanes_step(struct kern_lanes *g, int batch, const float *X)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        kern_lanes_run_avx512(g, batch, X);
        return;
    case KERN_ISA_AVX2:
        kern_lanes_run_avx2(g, batch, X);
        return;
    default:
        break;
    }
#endif
    kern_lanes_run_base(g, batch, X);
}

void kern_lanes_update(struct kern_lanes *g, const struct kern_lanes_opt *o)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        kern_lanes_update_avx512(g, o);
        return;
    case KERN_ISA_AVX2:
        kern_lanes_update_avx2(g, o);
        return;
    default:
        break;
    }
#endif
    kern_lanes_update_base(g, o);
}

int kern_optim_apply(const struct optim_k *k, float *p, const float *g, float *m1, float *m2,
                     int np)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        return kern_optim_apply_avx512(k, p, g, m1, m2, np);
    case KERN_ISA_AVX2:
        return kern_optim_apply_avx2(k, p, g, m1, m2, np);
    default:
        break;
    }
#endif
    return kern_optim_apply_base(k, p, g, m1, m2, np);
}

/* The group's rows of lane l in the order of kern_lanes_put_state's
 * arrays: W, b, m1W, m1b, m2W, m2b, with their lengths. */
static void lanes_rows(struct kern_lanes *g, float (*rows[6])[KERN_LANES_MAX], int len[6])
{
    const int nm = g->n * g->m;
    rows[0] = g->W, rows[1] = g->b, rows[2] = g->m1W;
    rows[3] = g->m1b, rows[4] = g->m2W, rows[5] = g->m2b;
    for (int t = 0; t < 6; t++)
        len[t] = t % 2 ? g->n : nm;
}

void kern_lanes_put_state(struct kern_lanes *g, int l, const float *const src[6])
{
    float (*rows[6])[KERN_LANES_MAX];
    int len[6];
    lanes_rows(g, rows, len);
    for (int t = 0; t < 6; t++)
        for (int j = 0; j < len[t]; j++)
            rows[t][j][l] = src[t][j];
}

void kern_lanes_take_state(struct kern_lanes *g, int l, float *const dst[6], int clear)
{
    float (*rows[6])[KERN_LANES_MAX];
    int len[6];
    lanes_rows(g, rows, len);
    for (int t = 0; t < 6; t++)
        for (int j = 0; j < len[t]; j++) {
            dst[t][j] = rows[t][j][l];
            if (clear)
                rows[t][j][l] = 0.0f;
        }
}

/* ---- the table's single-run face: a group of one ---- */

static int lanes_applies(const struct kern_model *md, const double *density)
{
    (void)density; /* every element is drawn: the cost does not follow sparsity */
    return kern_lanes_fits(md) && md->batch <= KERN_LANES_MAX_BATCH;
}

static void lanes_init(struct kern_run *kr)
{
    kr->priv = kern_lanes_new(kr->md.kind, kr->md.n, kr->md.m, 1);
}

static void lanes_free(struct kern_run *kr)
{
    kern_lanes_free(kr->priv);
    kr->priv = NULL;
}

/* The run's generator goes into lane 0 and back, so that its stream
 * continues from step to step as in a group. */
static void lanes_step(struct kern_run *kr, int batch)
{
    struct kern_lanes *g = kr->priv;
    kern_lanes_load(g, 0, kr->sp, kr->md.imp);
    kern_lanes_set(g, 0, kr->md.W, kr->md.b);
    kern_lanes_step(g, batch, NULL);
    kern_lanes_get(g, 0, kr->g);
    kern_lanes_save(g, 0, kr->sp);
}

static void lanes_batch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    struct kern_lanes *g = kr->priv;
    (void)T; /* uniform data: the target is the input */
    for (int i = 0; i < kr->md.n; i++)
        g->imp[i][0] = kr->md.imp[i];
    kern_lanes_set(g, 0, kr->md.W, kr->md.b);
    kern_lanes_step(g, batch, X);
    kern_lanes_get(g, 0, kr->g);
}

static const struct model_kind *const lanes_kinds[] = {
    &model_linear, &model_relu, &model_relu_hidden, NULL,
};
static const struct data_gen *const lanes_data[] = {&data_uniform, NULL};

const struct kern_def kern_lanes = {
    "lanes", "tiny models (n <= 8, n m <= 16): one model per SIMD lane, many at once",
    lanes_kinds, lanes_data, lanes_applies, kern_lanes_fits, lanes_init, lanes_step,
    lanes_batch, lanes_free, NULL,
};
