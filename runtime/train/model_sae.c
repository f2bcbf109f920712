/* runtime/train/model_sae.c: the sparse autoencoder kind (see sae.h), its
 * naive double reference and its float32 kernel. The kernel draws each
 * example from the run's source (a trained model's hidden layer or the
 * synthetic mixture), runs the SAE forward and backward one example at a
 * time, and after every optimizer step puts the decoder rows back on the
 * unit sphere and, on the resampling schedule, revives dead latents. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kern.h"
#include "sae.h"
#include "util.h"

const char *const sae_sources[] = {"model", "synthetic", NULL};

/* Tensor views of the flat parameters: L latents, d dims. */
#define SAE_VIEWS(pre, P, L, d)                                                        \
    *pre##W_enc = (P), *pre##b_enc = (P) + (size_t)(d) * (L), *pre##W_dec = pre##b_enc + (L), \
    *pre##b_dec = pre##W_dec + (size_t)(L) * (d)

/* One example of the reference: loss, and its gradient times scale into g. */
static double sae_ref_example(int L, int d, const double *p, const double *l1, const double *h,
                              double scale, double *g, double *buf)
{
    const double SAE_VIEWS(, p, L, d);
    double SAE_VIEWS(g, g, L, d);
    double *hc = buf, *a = buf + d, *dh = buf + d + L, loss = 0;
    for (int k = 0; k < d; k++)
        hc[k] = h[k] - b_dec[k];
    for (int j = 0; j < L; j++) {
        double s = b_enc[j];
        for (int k = 0; k < d; k++)
            s += W_enc[(size_t)k * L + j] * hc[k];
        a[j] = s > 0 ? s : 0;
        loss += l1[j] * a[j];
    }
    for (int k = 0; k < d; k++) {
        double y = b_dec[k];
        for (int j = 0; j < L; j++)
            y += a[j] * W_dec[(size_t)j * d + k];
        loss += (y - h[k]) * (y - h[k]) / d;
        dh[k] = 2 * (y - h[k]) / d * scale;
        gb_dec[k] += dh[k];
    }
    for (int j = 0; j < L; j++) {
        if (a[j] <= 0)
            continue;
        double da = l1[j] * scale;
        for (int k = 0; k < d; k++) {
            gW_dec[(size_t)j * d + k] += a[j] * dh[k];
            da += W_dec[(size_t)j * d + k] * dh[k];
        }
        gb_enc[j] += da;
        for (int k = 0; k < d; k++) {
            gW_enc[(size_t)k * L + j] += hc[k] * da;
            gb_dec[k] -= W_enc[(size_t)k * L + j] * da;
        }
    }
    return loss;
}

/* X holds batch x m activations (rows of stride m); T is not read. */
static double sae_ref(const struct model_kind *k, int n, int m, const double *p,
                      const double *imp, const double *X, const double *T, int batch, double *g)
{
    (void)T;
    double *buf = xmalloc(sizeof(double) * (size_t)(2 * m + n));
    double scale = 1.0 / batch, total = 0;
    memset(g, 0, sizeof(double) * model_nparams(k, n, m));
    for (int e = 0; e < batch; e++)
        total += sae_ref_example(n, m, p, imp, X + (size_t)e * m, scale, g, buf);
    free(buf);
    return total * scale;
}

/* Feature directions of an SAE: its decoder rows. */
static void sae_dirs(int n, int m, const float *p, float *dirs)
{
    memcpy(dirs, p + (size_t)m * n + n, sizeof(float) * (size_t)n * m);
}

const struct model_kind model_sae = {
    "sae", "sparse autoencoder on a model's hidden layer or on synthetic data",
    TRAIN_RELU, 4,
    { {"W_enc", MODEL_DIM_M, MODEL_DIM_N, MODEL_INIT_XAVIER},
      {"b_enc", MODEL_DIM_N, MODEL_DIM_1, MODEL_INIT_ZERO},
      {"W_dec", MODEL_DIM_N, MODEL_DIM_M, MODEL_INIT_XAVIER},
      {"b_dec", MODEL_DIM_M, MODEL_DIM_1, MODEL_INIT_ZERO} },
    sae_ref, "uniform", MODEL_CAP_SAE, sae_dirs,
};

/* ---- float32 kernel ---- */

struct sae_kstate {
    int L, d, topk, ok;
    float *hc, *a, *dh, *h, *x, *loss_e;  /* scratch */
    int *last_fired;                       /* [L] last step a latent fired */
    int step;                              /* the step being computed */
    struct sae_source src;
    struct rng rng;                        /* the run's example stream */
};

/* Keep the topk largest latents (ties: the lower index), zero the rest. */
static void sae_topk(float *a, int L, int topk)
{
    for (int j = 0; j < L; j++) {
        if (a[j] <= 0)
            continue;
        int above = 0;
        for (int i = 0; i < L && above < topk; i++)
            above += fabsf(a[i]) > a[j] || (fabsf(a[i]) == a[j] && i < j);
        if (above >= topk)
            a[j] = -a[j];  /* marked; cleared below so later ranks still see it */
    }
    for (int j = 0; j < L; j++)
        a[j] = a[j] > 0 ? a[j] : 0;
}

/* Encoder: a = ReLU(W_encᵀ (h - b_dec) + b_enc), top K when asked. */
static void sae_kencode(const float *p, int L, int d, int topk, const float *h, float *hc,
                        float *a)
{
    const float SAE_VIEWS(, p, L, d);
    (void)W_dec;
    for (int j = 0; j < L; j++)
        a[j] = b_enc[j];
    for (int k = 0; k < d; k++) {
        hc[k] = h[k] - b_dec[k];
        const float *w = W_enc + (size_t)k * L;
        for (int j = 0; j < L; j++)
            a[j] += w[j] * hc[k];
    }
    for (int j = 0; j < L; j++)
        a[j] = a[j] > 0 ? a[j] : 0;
    if (topk > 0 && topk < L)
        sae_topk(a, L, topk);
}

/* One example in the kernels' half units times L (kern.h): the trainer
 * divides by batch * n = batch * L, so this adds L * loss and L/2 * grad. */
static float sae_kexample(const struct kern_model *md, struct sae_kstate *s, const float *h,
                          struct kern_grad *g)
{
    const int L = md->n, d = md->m;
    const float SAE_VIEWS(, md->p, L, d);
    float SAE_VIEWS(g, g->gp, L, d);
    float *hc = s->hc, *a = s->a, *dh = s->dh, sq = 0, lsum = 0;
    const float half = 0.5f * (float)L;
    sae_kencode(md->p, L, d, s->topk, h, hc, a);
    for (int k = 0; k < d; k++)
        dh[k] = b_dec[k] - h[k];
    for (int j = 0; j < L; j++) {
        if (a[j] <= 0)
            continue;
        lsum += md->imp[j] * a[j];
        const float *w = W_dec + (size_t)j * d;
        for (int k = 0; k < d; k++)
            dh[k] += a[j] * w[k];
    }
    for (int k = 0; k < d; k++) {
        sq += dh[k] * dh[k];
        dh[k] *= (float)L / (float)d;       /* 2 err / d, times L / 2 */
        gb_dec[k] += dh[k];
    }
    for (int j = 0; j < L; j++) {
        if (a[j] <= 0)
            continue;
        float da = md->imp[j] * half, *gw = gW_dec + (size_t)j * d;
        const float *w = W_dec + (size_t)j * d;
        for (int k = 0; k < d; k++) {
            gw[k] += a[j] * dh[k];
            da += w[k] * dh[k];
        }
        gb_enc[j] += da;
        for (int k = 0; k < d; k++) {
            gW_enc[(size_t)k * L + j] += hc[k] * da;
            gb_dec[k] -= W_enc[(size_t)k * L + j] * da;
        }
    }
    return (float)L * (sq / (float)d + lsum);
}

static void sae_kinit(struct kern_run *kr)
{
    struct sae_kstate *s = xcalloc(1, sizeof *s);
    const int L = kr->md.n, d = kr->md.m;
    s->L = L, s->d = d;
    s->hc = xcalloc((size_t)d, sizeof(float));
    s->dh = xcalloc((size_t)d, sizeof(float));
    s->h = xcalloc((size_t)d, sizeof(float));
    s->a = xcalloc((size_t)L, sizeof(float));
    s->last_fired = xcalloc((size_t)L, sizeof(int));
    s->ok = 1;
    const struct train_spec *sp = kr->spec;
    if (sp) {   /* a training run: its source, and examples after the weights' draws */
        s->topk = sp->recipe.sae_topk;
        s->ok = sae_source_init(&s->src, sp, sp->base_p) == 0;
        rng_seed(&s->rng, rng_next(&kr->sp->rng));
        s->x = xcalloc((size_t)(s->ok ? s->src.nfeat : 1), sizeof(float));
    }
    int nb = sp ? sp->recipe.batch : 1;
    s->loss_e = xcalloc((size_t)nb, sizeof(float));
    kr->priv = s;
}

static void sae_kfree(struct kern_run *kr)
{
    struct sae_kstate *s = kr->priv;
    if (s->x)
        sae_source_free(&s->src);
    free(s->hc), free(s->dh), free(s->h), free(s->a), free(s->last_fired), free(s->x);
    free(s->loss_e), free(s);
    kr->priv = NULL;
}

static void sae_note_fired(struct sae_kstate *s)
{
    for (int j = 0; j < s->L; j++)
        if (s->a[j] > 0)
            s->last_fired[j] = s->step;
}

static void sae_kstep(struct kern_run *kr, int batch)
{
    struct sae_kstate *s = kr->priv;
    if (!s->ok) {   /* no source (its base model failed): fail the run */
        kr->g->loss_sum = NAN;
        return;
    }
    for (int e = 0; e < batch; e++) {
        sae_source_draw(&s->src, &s->rng, s->x, s->h);
        kr->g->loss_sum += sae_kexample(&kr->md, s, s->h, kr->g);
        sae_note_fired(s);
    }
}

static void sae_kbatch(struct kern_run *kr, const float *X, const float *T, int batch)
{
    (void)T;
    struct sae_kstate *s = kr->priv;
    for (int e = 0; e < batch; e++)
        kr->g->loss_sum += sae_kexample(&kr->md, s, X + (size_t)e * kr->md.m, kr->g);
}

/* Decoder rows back to unit norm (a zero row stays zero). */
static void sae_normalise(float *p, int L, int d)
{
    float *W_dec = p + (size_t)d * L + L;
    for (int j = 0; j < L; j++) {
        float *w = W_dec + (size_t)j * d, s = 0;
        for (int k = 0; k < d; k++)
            s += w[k] * w[k];
        float inv = s > 0 ? 1.0f / sqrtf(s) : 0;
        for (int k = 0; k < d; k++)
            w[k] *= inv;
    }
}

/* Start: unit decoder rows; the encoder keeps its own random draw (as
 * ARENA's SAE does), which is what leaves some latents dead. */
static void sae_start(float *p, int L, int d)
{
    sae_normalise(p, L, d);
}

/* Squared reconstruction error of each of R fresh examples (into loss_e),
 * the examples themselves into H [R*d]; returns the sum of squares of the
 * errors, the weight resampling draws with. */
static double sae_losses(struct sae_kstate *s, const float *p, float *H, int R)
{
    const int L = s->L, d = s->d;
    const float SAE_VIEWS(, p, L, d);
    (void)W_enc, (void)b_enc;
    double total = 0;
    for (int e = 0; e < R; e++) {
        float *h = H + (size_t)e * d, sq = 0;
        sae_source_draw(&s->src, &s->rng, s->x, h);
        sae_kencode(p, L, d, s->topk, h, s->hc, s->a);
        for (int k = 0; k < d; k++) {
            float y = b_dec[k] - h[k];
            for (int j = 0; j < L; j++)
                y += s->a[j] * W_dec[(size_t)j * d + k];
            sq += y * y;
        }
        s->loss_e[e] = sq;
        total += (double)sq * sq;
    }
    return total;
}

/* Mean encoder column norm over latents that are alive (1 if none is). */
static float sae_alive_norm(const struct sae_kstate *s, const float *p, const char *dead)
{
    double sum = 0;
    int alive = 0;
    for (int j = 0; j < s->L; j++) {
        if (dead[j])
            continue;
        double q = 0;
        for (int k = 0; k < s->d; k++)
            q += (double)p[(size_t)k * s->L + j] * p[(size_t)k * s->L + j];
        sum += sqrt(q);
        alive++;
    }
    return alive ? (float)(sum / alive) : 1.0f;
}

/* Latent j points at example h (less b_dec): decoder row unit, encoder
 * column of length enc_norm, bias 0, its Adam moments cleared. */
static void sae_revive(struct sae_kstate *s, float *p, float *m1, float *m2, int j,
                       const float *h, float enc_norm)
{
    const int L = s->L, d = s->d;
    float SAE_VIEWS(, p, L, d), q = 0;
    for (int k = 0; k < d; k++)
        q += (h[k] - b_dec[k]) * (h[k] - b_dec[k]);
    float inv = q > 0 ? 1.0f / sqrtf(q) : 0;
    size_t enc_off = 0, benc_off = (size_t)d * L, dec_off = benc_off + L;
    for (int k = 0; k < d; k++) {
        float v = (h[k] - b_dec[k]) * inv;
        W_dec[(size_t)j * d + k] = v;
        W_enc[(size_t)k * L + j] = v * enc_norm;
        size_t a = enc_off + (size_t)k * L + j, b = dec_off + (size_t)j * d + k;
        m1[a] = m2[a] = m1[b] = m2[b] = 0;
    }
    b_enc[j] = 0;
    m1[benc_off + j] = m2[benc_off + j] = 0;
}

/* Latents silent for the window are pointed at inputs drawn with
 * probability proportional to their squared reconstruction loss squared. */
static void sae_resample(struct kern_run *kr, float *p, float *m1, float *m2)
{
    struct sae_kstate *s = kr->priv;
    const int R = kr->spec->recipe.batch, window = kr->spec->recipe.sae_window;
    char *dead = xcalloc((size_t)s->L, 1);
    int ndead = 0;
    for (int j = 0; j < s->L; j++)
        ndead += dead[j] = s->step - s->last_fired[j] >= window;
    if (ndead) {
        float *H = xmalloc(sizeof(float) * (size_t)R * (size_t)s->d);
        double total = sae_losses(s, p, H, R);
        float enc = 0.5f * sae_alive_norm(s, p, dead);
        for (int j = 0; j < s->L; j++) {
            if (!dead[j])
                continue;
            double u = rng_open53(&s->rng) * total, c = 0;
            int e = 0;
            while (e < R - 1 && (c += (double)s->loss_e[e] * s->loss_e[e]) < u)
                e++;
            sae_revive(s, p, m1, m2, j, H + (size_t)e * s->d, enc);
            s->last_fired[j] = s->step;
        }
        free(H);
    }
    free(dead);
}

static void sae_kafter(struct kern_run *kr, int step, float *p, float *m1, float *m2)
{
    struct sae_kstate *s = kr->priv;
    if (step < 0) {
        sae_start(p, s->L, s->d);
        return;
    }
    sae_normalise(p, s->L, s->d);
    s->step = step + 1;
    const struct train_recipe *rc = &kr->spec->recipe;
    if (s->ok && rc->sae_resample > 0 && s->step % rc->sae_resample == 0 && s->step < rc->steps)
        sae_resample(kr, p, m1, m2);
}

static int sae_kapplies(const struct kern_model *md, const double *density)
{
    (void)md, (void)density;
    return 1;
}

static const struct model_kind *const sae_kinds[] = {&model_sae, NULL};

const struct kern_def kern_sae = {
    "sae", "sparse autoencoders: per-example float32 forward and backward, "
    "unit decoder rows, dead-latent resampling",
    sae_kinds, data_gens, sae_kapplies, NULL, sae_kinit, sae_kstep, sae_kbatch, sae_kfree,
    sae_kafter,
};
