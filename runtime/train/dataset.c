/* runtime/train/dataset.c: finite training sets, and what is measured on
 * them and on fresh data. A run with `dataset=T` trains on T examples drawn
 * once from its generator with a seed of their own, derived from the run's
 * seed and a fixed tag: the same settings always give the same set, and
 * the initial weights (drawn from the run's own stream) are the ones the
 * run would have without a set. The report redraws the set from the spec
 * to measure the training points' hidden vectors, so it is never stored.
 * The test loss reads fresh examples from one fixed seed, the same for
 * every run, so runs that differ only in their training set are compared
 * on the same test data. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "rng.h"
#include "util.h"

#define DATASET_TAG 0x64617461736574ULL   /* "dataset" */
#define DATASET_TEST_SEED 0x74657374ULL   /* "test" */
#define DATASET_TEST_BLOCK 256

static const struct data_gen *dataset_gen(const struct train_spec *sp)
{
    return sp->data ? sp->data : data_find(sp->kind->data);
}

uint64_t train_dataset_seed(uint64_t run_seed)
{
    return util_mix64(run_seed ^ DATASET_TAG);
}

int train_dataset_draw(const struct train_spec *sp, float **X, float **T)
{
    int count = sp->recipe.dataset;
    *X = *T = NULL;
    if (count <= 0 || sp->n <= 0)
        return 0;
    uint64_t *thr = xmalloc(sizeof(uint64_t) * (size_t)sp->n);
    data_thresholds(sp->n, sp->density, thr);
    struct rng r;
    rng_seed(&r, train_dataset_seed(sp->seed));
    *X = xmalloc(sizeof(float) * (size_t)count * (size_t)sp->n);
    *T = xmalloc(sizeof(float) * (size_t)count * (size_t)sp->n);
    data_sample(dataset_gen(sp), sp->data_arg, &r, sp->n, thr, count, *X, *T);
    free(thr);
    return count;
}

/* The kind's reference loss on one block of float examples. */
static double dataset_block_loss(const struct train_spec *sp, const double *p, const float *X,
                                 const float *T, int rows, double *buf, double *g)
{
    size_t len = (size_t)rows * (size_t)sp->n;
    double *Xd = buf, *Td = buf + len;
    for (size_t j = 0; j < len; j++)
        Xd[j] = X[j], Td[j] = T[j];
    return sp->kind->ref(sp->kind, sp->n, sp->m, p, sp->importance, Xd, Td, rows, g);
}

double train_test_loss(const struct train_spec *sp, const float *params)
{
    if (!params || !sp->kind || (sp->kind->caps & MODEL_CAP_SAE) || sp->n <= 0)
        return NAN;
    const int n = sp->n, B = DATASET_TEST_BLOCK;
    size_t np = model_nparams(sp->kind, n, sp->m), blk = (size_t)B * n;
    double *p = xmalloc(sizeof(double) * np), *g = xmalloc(sizeof(double) * np);
    double *buf = xmalloc(sizeof(double) * 2 * blk), sum = 0;
    float *X = xmalloc(sizeof(float) * blk), *T = xmalloc(sizeof(float) * blk);
    uint64_t *thr = xmalloc(sizeof(uint64_t) * (size_t)n);
    for (size_t j = 0; j < np; j++)
        p[j] = params[j];
    data_thresholds(n, sp->density, thr);
    struct rng r;
    rng_seed(&r, DATASET_TEST_SEED);
    for (int done = 0; done < TRAIN_TEST_EXAMPLES; done += B) {
        int rows = TRAIN_TEST_EXAMPLES - done < B ? TRAIN_TEST_EXAMPLES - done : B;
        data_sample(dataset_gen(sp), sp->data_arg, &r, n, thr, rows, X, T);
        sum += dataset_block_loss(sp, p, X, T, rows, buf, g) * rows;
    }
    free(p), free(g), free(buf), free(X), free(T), free(thr);
    return sum / TRAIN_TEST_EXAMPLES;
}

/* H [count x m]: row e is h = sum_i x_i dirs_i of training example e. */
static double *dataset_hidden(const float *dirs, int n, int m, const float *X, int count)
{
    double *H = xcalloc((size_t)count * (size_t)m, sizeof(double));
    for (int e = 0; e < count; e++)
        for (int i = 0; i < n; i++) {
            double x = X[(size_t)e * n + i];
            if (x != 0)
                for (int k = 0; k < m; k++)
                    H[(size_t)e * m + k] += x * dirs[(size_t)i * m + k];
        }
    return H;
}

int train_point_hidden(const struct train_spec *sp, const float *params, double **H)
{
    float *X, *T;
    *H = NULL;
    int count = params ? train_dataset_draw(sp, &X, &T) : 0;
    if (count <= 0)
        return 0;
    float *scratch = xmalloc(sizeof(float) * (size_t)sp->n * (size_t)sp->m);
    const float *dirs = model_feature_dirs(sp->kind, sp->n, sp->m, params, scratch);
    *H = dataset_hidden(dirs, sp->n, sp->m, X, count);
    free(X), free(T), free(scratch);
    return count;
}

int train_point_dims(const struct train_spec *sp, const float *params, double **dx,
                     double **hnorm)
{
    double *H;
    const int m = sp->m, count = train_point_hidden(sp, params, &H);
    *dx = *hnorm = NULL;
    if (count <= 0)
        return 0;
    *dx = xmalloc(sizeof(double) * (size_t)count);
    *hnorm = xmalloc(sizeof(double) * (size_t)count);
    for (int a = 0; a < count; a++) {
        const double *ha = H + (size_t)a * m;
        double q = 0, den = 0;
        for (int k = 0; k < m; k++)
            q += ha[k] * ha[k];
        (*hnorm)[a] = sqrt(q);
        for (int b = 0; b < count && q >= 1e-12; b++) {
            double d = 0;
            for (int k = 0; k < m; k++)
                d += ha[k] * H[(size_t)b * m + k];
            den += d * d / q;   /* (h^_a . h_b)^2 */
        }
        (*dx)[a] = q >= 1e-12 ? q / den : 0;
    }
    free(H);
    return count;
}
