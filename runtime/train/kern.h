/* runtime/train/kern.h: the trainer's inner loops.
 * A kernel takes one run's parameters for one step, draws that step's batch
 * (or reads an explicit one, for tests) and accumulates the loss and the
 * gradient. Kernels work in "half units": loss_sum is the sum over examples
 * and features of I_i (x_i - x'_i)^2, and gW, gb are the gradients of
 * loss_sum / 2. The trainer multiplies by 1/(batch n) and 2/(batch n) to get
 * the notebook's loss and its gradient; keeping the scale out of the inner
 * loop saves a multiply per element.
 * Every kernel is checked against its model kind's naive double-precision
 * reference (model.h), which takes the batch as a dense batch x n matrix.
 * Kernels declare the model kinds and data generators they serve in a
 * table (kern_table.c); the trainer hands a run only to a kernel that
 * declares its kind and generator. */
#ifndef TMSL_KERN_H
#define TMSL_KERN_H
#include <stdint.h>

#include "data.h"
#include "model.h"
#include "optim.h"
#include "rng.h"
#include "train.h"

/* One run's parameters as the kernels see them during a step. W, WT and b
 * are the tied kinds' views; every kind has p, its flat parameters. */
struct kern_model {
    enum train_kind kind;
    int n, m;
    const float *W;   /* [n*m] row i = feature i */
    const float *WT;  /* [m*n] transpose of W, refreshed by the tied kernels */
    const float *b;   /* [n] */
    const float *imp; /* [n] importance */
    const float *p;   /* all parameters, tensors in the kind's order */
    const struct data_gen *data;
    const double *data_arg;   /* the generator's parameters (NULL: defaults) */
    int batch;                /* the recipe's batch size (0: not known, as in tests) */
};

/* Gradient accumulators (caller zeroes them before a step). */
struct kern_grad {
    float *gW;        /* [n*m] */
    float *gb;        /* [n] */
    double loss_sum;
    float *gp;        /* gradient of p, same layout */
};

/* How a run's inputs are drawn. Uniform-density runs below KERN_GEOM_MAX use
 * geometric gaps between present elements of the flattened (step, example,
 * feature) stream; the rest draw one Bernoulli per element. */
#define KERN_GEOM_MAX 0.05
struct kern_sampler {
    struct rng rng;
    int n;
    int geometric;
    uint64_t *thr;     /* [n] present iff low 32 bits < thr (p * 2^32) */
    double inv_log_q;  /* 1 / log(1 - p), geometric mode */
    uint64_t skip;     /* absent elements before the next present one */
};

/* Scratch space for one run's step (per thread). */
struct kern_ws {
    int n, m;
    float *x, *h, *hpre, *y, *dy, *dh, *val, *lossv;
    int *idx;
};

void kern_sampler_init(struct kern_sampler *sp, uint64_t seed, int n, const double *density);
void kern_sampler_free(struct kern_sampler *sp);
void kern_ws_init(struct kern_ws *ws, int n, int m);
void kern_ws_free(struct kern_ws *ws);

/* Fused sample + forward + backward of one step for any shape. */
void kern_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
               struct kern_ws *ws, struct kern_grad *g);
/* The same arithmetic on an explicit dense batch X [batch*n] (tests). */
void kern_batch(const struct kern_model *md, const float *X, int batch,
                struct kern_ws *ws, struct kern_grad *g);

/* Draw one example's present features into idx/val; returns their count. */
int kern_draw(struct kern_sampler *sp, int *idx, float *val);
/* The same draw (Bernoulli mode only) written densely into x[0..n). */
int kern_draw_dense(struct kern_sampler *sp, float *x);
/* The instances of the two draws (kern_draw_body.h) that those dispatch to. */
#define KERN_DRAW_DECL(sfx)                                                  \
    int kern_draw_##sfx(struct kern_sampler *sp, int *idx, float *val);      \
    int kern_draw_dense_##sfx(struct kern_sampler *sp, float *x);
KERN_DRAW_DECL(base)
KERN_DRAW_DECL(avx2)
KERN_DRAW_DECL(avx512)
/* Add nzero all-zero examples (output = bias) to lossv and the bias gradient. */
void kern_empty(const struct kern_model *md, long nzero, float *lossv, struct kern_grad *g);
/* Move the per-feature loss sums into g->loss_sum, zeroing lossv. */
void kern_loss_fold(int n, float *lossv, struct kern_grad *g);

/* Large models (kern_gemm.c): non-empty examples gathered into blocks whose
 * decoder and gradients are matrix products: in-house AVX-512 or AVX2 loops
 * (kern_x5_body.h) for m <= 32 on those paths, else BLAS. */
#define KERN_GEMM_MIN_NM 2048
struct kern_gws {
    int n, m, mp;               /* mp: m rounded up to 16 */
    int nq, ld;                 /* nq: n rounded up to 16; ld: row stride of X, Y */
    int fast;                   /* blocks go through kern_x5_block */
    long bnnz;                  /* non-zero inputs of the current dense block */
    float *Wp, *gWp;            /* [nq*mp] padded W and its gradient */
    float *WTp;                 /* [m*nq] padded transpose of W (fast) */
    float *bp, *impp, *gbp;     /* [nq] padded b, importance, bias gradient (fast) */
    float *X, *Y;               /* [GEMM_ROWS*ld] dense inputs; outputs, then dY */
    float *H, *Hpre, *dH;       /* [GEMM_ROWS*mp] */
    float *xrow, *lossv, *val;  /* [n], [nq], [GEMM_ROWS*n] */
    int *idx, *rowptr;          /* sparse inputs of the block (CSR) */
};
int kern_gemm_applies(const struct kern_model *md);
void kern_gws_init(struct kern_gws *w, int n, int m);
/* fast: 1 use kern_x5.c, 0 use BLAS, -1 choose (x5 when usable). */
void kern_gws_init_mode(struct kern_gws *w, int n, int m, int fast);
void kern_gws_free(struct kern_gws *w);
void kern_gemm_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                    struct kern_gws *w, struct kern_grad *g);
void kern_gemm_batch(const struct kern_model *md, const float *X, int batch,
                     struct kern_gws *w, struct kern_grad *g);
/* kern_x5.c: whether this CPU and m allow it; one block of R gathered rows
 * (have_x: inputs are dense in X, their count in bnnz; else in the lists). */
int kern_x5_usable(int m);
void kern_x5_block(const struct kern_model *md, struct kern_gws *w, int R, int have_x);

/* Large tied ReLU models at high sparsity (kern_sparse.c): outputs through
 * G = W W^T (k n per example with k present features), backward through
 * the outputs whose gradient is not zero. Picked for the shapes the gemm
 * kernel takes, with m >= KERN_SPARSE_MIN_M (below it gemm's own blocks
 * were as fast or faster at every density measured) and fewer than
 * KERN_SPARSE_NNZ_PER_M * m expected present features per example; for
 * the smaller shapes that neither vx nor gemm takes, below
 * KERN_SPARSE_SMALL_NNZ_PER_M * m, where it measured 1.4 to 4 times as
 * fast as the general one-example-at-a-time kernel (and 10% slower at
 * 25 m). G takes n^2 floats, hence the bound on n. */
#define KERN_SPARSE_MIN_M 33
#define KERN_SPARSE_NNZ_PER_M 0.25
#define KERN_SPARSE_SMALL_NNZ_PER_M 4.0
#define KERN_SPARSE_MAXN 8192
struct kern_sparse_ws;   /* kern_inst.h */
int kern_sparse_applies(const struct kern_model *md, const double *density);
int kern_sparse_fits(const struct kern_model *md);
void kern_sparse_init(struct kern_sparse_ws *w, int n, int m);
void kern_sparse_free(struct kern_sparse_ws *w);
void kern_sparse_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                      struct kern_sparse_ws *w, struct kern_grad *g);
void kern_sparse_batch(const struct kern_model *md, const float *X, int batch,
                       struct kern_sparse_ws *w, struct kern_grad *g);

/* Small models (n <= KERN_VX_MAXN): 16 examples at a time in SIMD lanes,
 * one Bernoulli draw per element, independent of sparsity. */
#define KERN_VX_MAXN 64
#define KERN_VX_MIN_NNZ 0.15 /* expected present features per example */
int kern_vx_applies(const struct kern_model *md, const double *density);
void kern_vx_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                  struct kern_grad *g);
void kern_vx_batch(const struct kern_model *md, const float *X, int batch,
                   struct kern_grad *g);

/* Many small models at once (kern_lanes.c): one model per SIMD lane, each
 * lane doing a whole step of its own model with its own generator, so a
 * group has no cross-lane arithmetic and a model's bits do not depend on
 * its group mates. Tied kinds on uniform data, n <= KERN_LANES_MAXN and
 * n m <= KERN_LANES_MAXNM, every element one Bernoulli draw (presence from
 * the low 32 bits of a word, value from its high 24, as kern_draw does): the
 * words are the ones each run's own generator gives in its usual order. */
#define KERN_LANES_MAXN 8
#define KERN_LANES_MAXNM 16
/* Picked for batches up to this size (0, unknown, included): there a step's
 * fixed costs, which lanes share, weigh most. n=2 m=1 models, CPU time
 * against vx (1,000 runs of 1,000 steps, AMD EPYC): 0.74x (AVX2) and
 * 0.83x (AVX-512) at batch 128, 0.86x and 1.01x at 256, 1.16x and 1.19x at
 * 1024; at batch 64 a million-run sweep takes half vx's time. */
#define KERN_LANES_MAX_BATCH 128
#define KERN_LANES_MAX 16  /* models in a group, a multiple of every vector width */
struct kern_lanes {
    enum train_kind kind;
    int n, m, count;       /* count: lanes in use */
    int pos;               /* next word of every lane's buffer (all lanes agree) */
    /* lane l's generator (struct rng), transposed so lanes are contiguous */
    uint64_t s[4][RNG_LANES][KERN_LANES_MAX];
    uint64_t buf[RNG_BUF][KERN_LANES_MAX];
    int32_t sthr[KERN_LANES_MAXN][KERN_LANES_MAX];   /* threshold, sign-flipped */
    int32_t always[KERN_LANES_MAXN][KERN_LANES_MAX]; /* -1: density 1 */
    float imp[KERN_LANES_MAXN][KERN_LANES_MAX];
    float W[KERN_LANES_MAXNM][KERN_LANES_MAX], b[KERN_LANES_MAXN][KERN_LANES_MAX];
    float gW[KERN_LANES_MAXNM][KERN_LANES_MAX], gb[KERN_LANES_MAXN][KERN_LANES_MAX];
    double loss[KERN_LANES_MAX];
    /* the optimizer's moments (kern_lanes_update), laid out like W and b */
    float m1W[KERN_LANES_MAXNM][KERN_LANES_MAX], m2W[KERN_LANES_MAXNM][KERN_LANES_MAX];
    float m1b[KERN_LANES_MAXN][KERN_LANES_MAX], m2b[KERN_LANES_MAXN][KERN_LANES_MAX];
    int32_t bad[KERN_LANES_MAX]; /* after an update: -1 where a weight is not finite */
};
/* A group's optimizer step: the constants all lanes share (k; its step
 * and decay are per lane here) and the step's gradient scale. */
struct kern_lanes_opt {
    struct optim_k k;
    float scale;                    /* the sums of a step times scale are the gradient */
    float step[KERN_LANES_MAX];     /* per lane: k.step of its run */
    float decay[KERN_LANES_MAX];    /* per lane: k.decay of its run */
};
int kern_lanes_fits(const struct kern_model *md);
/* An empty group of `count` lanes (zeroed: unused lanes compute zeros). */
struct kern_lanes *kern_lanes_new(enum train_kind kind, int n, int m, int count);
void kern_lanes_free(struct kern_lanes *g);
/* Lane l's generator, thresholds and importance from its run, and back. */
void kern_lanes_load(struct kern_lanes *g, int l, const struct kern_sampler *sp,
                     const float *imp);
void kern_lanes_save(const struct kern_lanes *g, int l, struct kern_sampler *sp);
/* Lane l's parameters for the next step (W NULL: zeros, a stopped lane). */
void kern_lanes_set(struct kern_lanes *g, int l, const float *W, const float *b);
/* One step of every lane: `batch` examples drawn from each lane's generator
 * (X NULL) or the explicit batch X [batch*n] given to every lane (tests). */
void kern_lanes_step(struct kern_lanes *g, int batch, const float *X);
/* Add lane l's sums of the step to its run's accumulators. */
void kern_lanes_get(const struct kern_lanes *g, int l, struct kern_grad *gr);
/* The optimizer step of every lane from the step's sums, in the group's W,
 * b and moments: per lane the float operations optim_apply does on
 * gradient (0 + sum) * scale, as the single-run trainer forms it; then
 * bad[l] marks lanes whose weights are not all finite. */
void kern_lanes_update(struct kern_lanes *g, const struct kern_lanes_opt *o);
/* optim_apply on a run's np parameters in vectors of the instruction set
 * kern_isa() picks, the same bits; returns 1 when every parameter is
 * finite afterwards (params_finite's answer), else 0. */
int kern_optim_apply(const struct optim_k *k, float *p, const float *g, float *m1, float *m2,
                     int np);
/* Lane l's parameters and moments from its run's (W, b and their moments:
 * m1W, m1b, m2W, m2b), and back (l's lane then emptied if clear). */
void kern_lanes_put_state(struct kern_lanes *g, int l, const float *const src[6]);
void kern_lanes_take_state(struct kern_lanes *g, int l, float *const dst[6], int clear);

/* ---- the kernel table (kern_table.c) ---- */

/* One run's kernel state: what the trainer (or a test) hands a kernel. */
struct kern_run {
    const struct kern_def *def;
    struct kern_model md;
    float *WT;                /* md.WT, writable: tied kernels refresh it */
    struct kern_sampler *sp;
    struct kern_grad *g;
    struct kern_ws ws;
    struct kern_gws gws;
    float *xbuf;              /* dense inputs drawn by a whole-example generator */
    const struct train_spec *spec;  /* the run (NULL in kernel tests) */
    void *priv;                     /* a kernel's own state (the sae kernel's) */
};

struct kern_def {
    const char *name;
    const char *help;
    const struct model_kind *const *kinds;  /* served kinds, NULL-terminated */
    const struct data_gen *const *data;     /* served generators, NULL-terminated */
    /* the kernel's choice: worth picking for this shape and density */
    int (*applies)(const struct kern_model *md, const double *density);
    /* hard limits (NULL: any shape), checked when a kernel is forced */
    int (*fits)(const struct kern_model *md);
    void (*init)(struct kern_run *kr);
    /* one step: draw batch examples from kr->sp, accumulate into kr->g */
    void (*step)(struct kern_run *kr, int batch);
    /* the same on explicit inputs X and targets T, batch x n (tests) */
    void (*batch)(struct kern_run *kr, const float *X, const float *T, int batch);
    void (*free)(struct kern_run *kr);
    /* After each optimizer step (step >= 0) and once before the first
     * (step -1), with the parameters and Adam's moments: constraints such
     * as unit-norm rows and resets such as resampling. NULL: none. */
    void (*after)(struct kern_run *kr, int step, float *p, float *m1, float *m2);
};

/* Every kernel in order of preference, NULL-terminated. */
extern const struct kern_def *const kern_table[];

const struct kern_def *kern_find(const char *name);
int kern_serves(const struct kern_def *d, const struct model_kind *k, const struct data_gen *g);
/* Whether any kernel trains kind k on data g (the checker asks, so that an
 * untrainable pair is an error before anything trains). */
int kern_any_serves(const struct model_kind *k, const struct data_gen *g);
/* The first declared kernel that applies, or NULL when none serves the
 * pair. TMSL_KERNEL=NAME forces a kernel that serves the pair and fits the
 * shape; otherwise it is ignored with a one-line warning on stderr. */
const struct kern_def *kern_pick(const struct model_kind *k, const struct data_gen *g,
                                 const struct kern_model *md, const double *density);
/* The same without the environment: the table's own choice. */
const struct kern_def *kern_pick_table(const struct model_kind *k, const struct data_gen *g,
                                       const struct kern_model *md, const double *density);

#endif
