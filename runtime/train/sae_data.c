/* runtime/train/sae_data.c: what a sparse autoencoder reads and how well it
 * did. The source of an SAE run (a trained model's hidden activations, or
 * sparse mixtures of random unit directions) is rebuilt from the run's spec
 * alone, so training, resuming and measuring all see the same data; the
 * evaluation compares the decoder rows with the source's ground truth
 * (best and one-to-one matched cosines) and measures the latents on a
 * fresh batch. Everything here is plain code: the sizes are small. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sae.h"
#include "util.h"

/* The base model's weights, trained here when the caller has none: runs
 * are bit-reproducible, so these are the weights its own run produced. */
static float *sae_base_params(const struct train_spec *base, const float *base_p)
{
    size_t np = model_nparams(base->kind, base->n, base->m);
    float *p = xmalloc(sizeof(float) * np);
    if (base_p) {
        memcpy(p, base_p, sizeof(float) * np);
        return p;
    }
    struct train_result r;
    struct train_spec one = *base;
    one.recipe.log_every = 0;   /* the curve is not part of the weights */
    train_batch(&one, 1, 1, NULL, &r);
    int bad = r.failed || !r.p;
    if (!bad)
        memcpy(p, r.p, sizeof(float) * np);
    train_result_free(&r);
    if (bad) {
        free(p);
        return NULL;
    }
    return p;
}

static int sae_source_model(struct sae_source *s, const struct train_spec *sp,
                            const float *base_p)
{
    const struct train_spec *b = sp->base;
    float *p = sae_base_params(b, base_p);
    if (!p)
        return -1;
    s->nfeat = b->n, s->d = b->m;
    s->gen = b->data ? b->data : data_find(b->kind->data);
    s->relu = b->kind == &model_relu_hidden || b->kind == &model_untied;
    s->map = xmalloc(sizeof(float) * (size_t)b->n * b->m);
    memcpy(s->map, model_feature_dirs(b->kind, b->n, b->m, p, s->map),
           sizeof(float) * (size_t)b->n * b->m);
    free(p);
    s->density = xmalloc(sizeof(double) * (size_t)b->n);
    memcpy(s->density, b->density, sizeof(double) * (size_t)b->n);
    return 0;
}

/* Random unit directions from the truth seed, every one a ground truth. */
static void sae_source_synthetic(struct sae_source *s, const struct train_spec *sp)
{
    const struct train_recipe *rc = &sp->recipe;
    s->nfeat = rc->sae_features, s->d = rc->sae_dims;
    s->gen = &data_uniform;
    s->relu = 0;
    s->map = xmalloc(sizeof(float) * (size_t)s->nfeat * s->d);
    s->density = xmalloc(sizeof(double) * (size_t)s->nfeat);
    struct rng r;
    rng_seed(&r, sp->truth_seed);
    for (int i = 0; i < s->nfeat; i++) {
        float *row = s->map + (size_t)i * s->d;
        double q = 0;
        for (int k = 0; k < s->d; k++) {
            double v = rng_normal(&r);
            row[k] = (float)v;
            q += v * v;
        }
        for (int k = 0; k < s->d; k++)
            row[k] = (float)(row[k] / sqrt(q));
        double p = rc->sae_active / s->nfeat;
        s->density[i] = p < 1 ? p : 1;
    }
}

int sae_source_init(struct sae_source *s, const struct train_spec *sp, const float *base_p)
{
    memset(s, 0, sizeof *s);
    if (sp->base) {
        if (sae_source_model(s, sp, base_p) != 0)
            return -1;
    } else
        sae_source_synthetic(s, sp);
    s->thr = xmalloc(sizeof(uint64_t) * (size_t)s->nfeat);
    s->truth = xmalloc((size_t)s->nfeat);
    for (int i = 0; i < s->nfeat; i++) {
        double p = s->density[i] > 1 ? 1 : s->density[i] < 0 ? 0 : s->density[i];
        s->thr[i] = (uint64_t)ldexp(p, 32);
        double q = 0;
        for (int k = 0; k < s->d; k++)
            q += (double)s->map[(size_t)i * s->d + k] * s->map[(size_t)i * s->d + k];
        s->truth[i] = !sp->base || sqrt(q) > 0.5;
    }
    return 0;
}

void sae_source_free(struct sae_source *s)
{
    free(s->map), free(s->density), free(s->thr), free(s->truth);
    memset(s, 0, sizeof *s);
}

int sae_source_draw(const struct sae_source *s, struct rng *r, float *x, float *h)
{
    int present = 0;
    memset(h, 0, sizeof(float) * (size_t)s->d);
    for (int i = 0; i < s->nfeat; i++) {
        uint64_t w = rng_next(r);
        x[i] = (w & 0xffffffffu) < s->thr[i] ? s->gen->value(w) : 0.0f;
        if (x[i] == 0)
            continue;
        present += s->truth[i];
        const float *row = s->map + (size_t)i * s->d;
        for (int k = 0; k < s->d; k++)
            h[k] += x[i] * row[k];
    }
    if (s->relu)
        for (int k = 0; k < s->d; k++)
            h[k] = h[k] > 0 ? h[k] : 0;
    return present;
}
