/* runtime/train/train.h: the trainer's contract.
 * A batch of independent toy models ("runs") is trained together: every run
 * has its own settings, importance and density rows, and its own RNG stream
 * derived from spec.seed alone, so a run's result is bit-identical whatever
 * batch it sits in and however many threads train the batch. Weights are
 * float32; the reported loss is the notebook's unit (mean over batch and
 * features of the importance-weighted squared error, for one model). */
#ifndef TMSL_TRAIN_H
#define TMSL_TRAIN_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* The tied kinds' variants, which the shared tied kernels branch on; a model
 * kind itself is a struct model_kind (model.h). */
enum train_kind { TRAIN_LINEAR, TRAIN_RELU, TRAIN_RELU_HIDDEN };
struct model_kind;
struct data_gen;
enum train_optim { TRAIN_ADAMW, TRAIN_ADAM, TRAIN_SGD };
enum train_sched {
    TRAIN_SCHED_CONSTANT, TRAIN_SCHED_LINEAR, TRAIN_SCHED_COSINE, TRAIN_SCHED_WARMUP_COSINE
};

/* Settings shared by every run of a training batch; the catalogue in
 * params.h names, checks and defaults every field. */
struct train_recipe {
    int steps;              /* default 10000 */
    int batch;              /* default 1024 */
    enum train_optim optim; /* default TRAIN_ADAMW */
    enum train_sched sched; /* default constant */
    double lr;              /* default 1e-3 */
    double beta1, beta2;    /* default 0.9, 0.999 */
    double eps;             /* default 1e-8 */
    double weight_decay;    /* default 0.01 (decoupled, AdamW only) */
    double momentum;        /* SGD momentum, default 0 */
    int log_every;          /* loss-curve sample spacing in steps, default 100; 0 = none */
    double init;            /* initial weight std; 0: xavier of the run's shape */
    /* Sparse autoencoder runs only (sae.h; their catalogue is sae_params_table,
     * and they are never part of a plain run's settings text). */
    int sae_latents;        /* dictionary size; 0: the source's feature count */
    double sae_l1;          /* L1 coefficient on the latents */
    int sae_resample;       /* resample dead latents every K steps; 0: never */
    int sae_window;         /* a latent silent this many steps is dead */
    int sae_topk;           /* keep the K largest latents; 0: ReLU only */
    int sae_source;         /* enum sae_source_kind: a model's hidden layer, or synthetic */
    int sae_dims;           /* synthetic: input dimensions */
    int sae_features;       /* synthetic: ground-truth directions */
    double sae_active;      /* synthetic: expected active directions per example */
    int snapshots;          /* parameters kept at this many log-spaced steps, default 0 */
    /* A finite training set: this many examples drawn once (dataset.c) and
     * every step trained on all of them; 0: a fresh batch every step. */
    int dataset;
    int warmup;             /* steps of linear warmup before the schedule, default 0 */
};

/* One run. importance and density point at n values owned by the caller. */
struct train_spec {
    const struct model_kind *kind;
    const struct data_gen *data; /* NULL: the kind's default generator */
    int n, m;
    struct train_recipe recipe;
    double init_std;         /* <= 0: xavier-normal, std sqrt(2/(n+m)) */
    uint64_t seed;           /* the run's own seed; everything random derives from it */
    const double *importance; /* [n] */
    const double *density;    /* [n] probability that feature i is present (1 - S_i) */
    double data_arg[2];       /* the generator's parameters (data.h; 0: its default) */
    /* Sparse autoencoder runs (kind sae): the model whose hidden layer it
     * reads (NULL: synthetic data), that model's trained parameters when the
     * caller has them (NULL: retrained here, bit-identically), and the seed
     * of the synthetic ground truth. */
    const struct train_spec *base;
    const float *base_p;
    uint64_t truth_seed;
};

/* What a run produced. All arrays are owned by the result. */
/* Fields are grouped by size, so that a million of them (the store keeps
 * one per run) waste no padding. */
struct train_result {
    const struct model_kind *kind;
    int n, m;
    int failed;              /* diverged: NaN/inf loss or weights */
    int fail_step;
    int ncurve;
    int nsnap;               /* snapshots taken (recipe.snapshots asks for them) */
    char *fail_reason;       /* why it failed (owned, freed with the result), or NULL */
    float *p;                /* every tensor of kind, in its order (train_tensor) */
    double final_loss;       /* mean loss over the last min(100, steps) steps, notebook unit */
    int *curve_step;         /* [ncurve] */
    double *curve_loss;      /* [ncurve] loss at that step */
    /* The kernel and arithmetic path that trained the run: lanes, vx, fused and
     * untied give the same bits on every CPU; gemm/x5 (AVX-512 blocks) and
     * gemm/blas round differently, and BLAS by its CPU core type too. */
    const char *kernel;      /* static text, NULL before a kernel is picked */
    int *snap_step;          /* [nsnap] steps done when taken, increasing */
    double *snap_loss;       /* [nsnap] loss of the last of those steps */
    float *snap_p;           /* [nsnap * train_nparams] the parameters then */
};

/* The steps after which snapshots are taken: count log-spaced values in
 * 1..steps, the last one steps itself, without repeats; fills out (room for
 * count) and returns how many there are. */
int train_snapshot_steps(int steps, int count, int *out);
/* A view of snapshot j as a result of its own (no curve, no snapshots). */
void train_snapshot_view(const struct train_result *r, int j, struct train_result *out);

/* Tensor called name of a result (NULL when the kind has none or the result
 * holds no weights); rows and cols (either may be NULL) get its shape. */
const float *train_tensor(const struct train_result *r, const char *name, int *rows, int *cols);
size_t train_nparams(const struct train_result *r);
/* The n x m feature directions, row i = feature i (NULL without weights):
 * the tied kinds' W itself; for other kinds a per-thread copy that the next
 * call on the same thread overwrites. */
const float *train_dirs(const struct train_result *r);

/* Metrics of a trained run, computed from its n x m feature directions
 * (W for the tied kinds; see metrics.c). */
struct train_metrics {
    int n, m;
    double *norm;            /* [n] ||W_i|| */
    double *superpos;        /* [n] sum_{j!=i} (W^_i . W_j)^2 */
    double *dim;             /* [n] D_i = ||W_i||^2 / sum_j (W^_i . W_j)^2 */
    double frob2;            /* ||W||_F^2 */
    int represented;         /* #features with ||W_i|| >= 0.5 */
};

/* Progress/cancel hooks: the trainer adds finished model-steps to *steps_done
 * (atomically, coarse-grained) and stops early, marking runs failed with reason
 * "cancelled", when *cancel becomes non-zero. Either may be NULL. */
struct train_hooks {
    volatile sig_atomic_t *cancel;
    uint64_t *steps_done;
};

/* The learning rate's factor at step (from 0): `warmup` steps rising
 * linearly, step s at (s + 1) / warmup, then the schedule over the rest:
 * constant 1, linear 1 - s/len, cosine cos(pi/2 s/(len - 1)), warmup_cosine
 * (1 + cos(pi s/len)) / 2, with s counted from the warmup's end and len the
 * steps after it. */
double train_lr_factor(const struct train_recipe *rc, int step);

/* Every field at its catalogue default (params.c). */
void train_recipe_default(struct train_recipe *r);

/* Train count runs that share kind, n, m and recipe, on threads threads.
 * out[k] receives run k's result (free with train_result_free).
 * Returns the number of failed runs. */
int train_batch(const struct train_spec *specs, int count, int threads,
                const struct train_hooks *hooks, struct train_result *out);

void train_result_free(struct train_result *r);
/* The kernel label train_result.kernel will carry for a run of sp on this
 * machine (TMSL_KERNEL and TMSL_ISA included). Returns 1 when results on
 * that path may differ from another machine's or from a plain run's for
 * the same settings (gemm, whose AVX blocks and BLAS round differently, or
 * a forced kernel), so the label must join the run's identity; else 0. */
int train_kernel_label(const struct train_spec *sp, char *buf, size_t size);

int train_metrics_compute(const float *W, int n, int m, struct train_metrics *out);
/* The same from a result's feature directions; -1 without weights. */
int train_metrics_of(const struct train_result *r, struct train_metrics *out);
void train_metrics_free(struct train_metrics *mt);


#endif
