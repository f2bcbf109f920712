/* runtime/train/sae_eval.c: how well a trained sparse autoencoder recovers
 * its source's ground truth and how it uses its latents (struct sae_eval).
 * Recovery compares unit decoder rows with unit truth directions by |cos|:
 * the best per truth direction (MMCS, and the share above 0.9) and the best
 * one-to-one assignment (Hungarian algorithm, written here: sizes are at
 * most a few thousand). Latent use is measured in double on a fresh batch
 * whose seed derives from the run's, so a run's numbers never change. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sae.h"
#include "util.h"

/* Min-cost assignment on a square k x k cost matrix (row major), the
 * potentials method: row i gets column col[i]. */
static void sae_hungarian(const double *cost, int k, int *col)
{
    double *u = xcalloc((size_t)k + 1, sizeof(double)), *v = xcalloc((size_t)k + 1, sizeof(double));
    double *minv = xmalloc(sizeof(double) * ((size_t)k + 1));
    int *p = xcalloc((size_t)k + 1, sizeof(int)), *way = xcalloc((size_t)k + 1, sizeof(int));
    char *used = xmalloc((size_t)k + 1);
    for (int i = 1; i <= k; i++) {
        int j0 = 0;
        p[0] = i;
        for (int j = 0; j <= k; j++)
            minv[j] = INFINITY, used[j] = 0;
        do {   /* grow the alternating tree until a free column is reached */
            used[j0] = 1;
            int i0 = p[j0], j1 = 0;
            double delta = INFINITY;
            for (int j = 1; j <= k; j++) {
                if (used[j])
                    continue;
                double cur = cost[(size_t)(i0 - 1) * k + (j - 1)] - u[i0] - v[j];
                if (cur < minv[j])
                    minv[j] = cur, way[j] = j0;
                if (minv[j] < delta)
                    delta = minv[j], j1 = j;
            }
            for (int j = 0; j <= k; j++)
                if (used[j])
                    u[p[j]] += delta, v[j] -= delta;
                else
                    minv[j] -= delta;
            j0 = j1;
        } while (p[j0] != 0);
        do {
            int j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
        } while (j0);
    }
    for (int j = 1; j <= k; j++)
        col[p[j] - 1] = j - 1;
    free(u), free(v), free(minv), free(p), free(way), free(used);
}

double sae_match(const double *w, int rows, int cols, int *assign)
{
    int k = rows > cols ? rows : cols;
    if (k == 0)
        return 0;
    double *cost = xcalloc((size_t)k * k, sizeof(double));
    int *col = xmalloc(sizeof(int) * (size_t)k);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++)
            cost[(size_t)i * k + j] = -w[(size_t)i * cols + j];
    sae_hungarian(cost, k, col);
    double total = 0;
    for (int i = 0; i < rows; i++) {
        assign[i] = col[i] < cols ? col[i] : -1;
        total += assign[i] >= 0 ? w[(size_t)i * cols + assign[i]] : 0;
    }
    free(cost), free(col);
    return total;
}

static double sae_row_norm(const float *r, int d)
{
    double q = 0;
    for (int k = 0; k < d; k++)
        q += (double)r[k] * r[k];
    return sqrt(q);
}

/* |cos| between every truth direction and every decoder row, then the
 * best per direction, the share above the threshold and the matching. */
static void sae_recovery(const struct sae_source *s, const float *W_dec, int L,
                         struct sae_eval *out)
{
    const int d = s->d;
    int nt = 0;
    for (int i = 0; i < s->nfeat; i++)
        nt += s->truth[i];
    out->ntrue = nt;
    if (nt == 0 || L == 0)
        return;
    double *c = xcalloc((size_t)nt * L, sizeof(double));
    int *assign = xmalloc(sizeof(int) * (size_t)nt), t = 0;
    for (int i = 0; i < s->nfeat; i++) {
        if (!s->truth[i])
            continue;
        const float *g = s->map + (size_t)i * d;
        double gn = sae_row_norm(g, d), best = 0;
        for (int j = 0; j < L; j++) {
            const float *w = W_dec + (size_t)j * d;
            double dot = 0, wn = sae_row_norm(w, d);
            for (int k = 0; k < d; k++)
                dot += (double)g[k] * w[k];
            c[(size_t)t * L + j] = gn > 0 && wn > 0 ? fabs(dot) / (gn * wn) : 0;
            best = fmax(best, c[(size_t)t * L + j]);
        }
        out->mmcs += best / nt;
        out->recovered += (best >= SAE_RECOVERED_COS) / (double)nt;
        t++;
    }
    out->matched = sae_match(c, nt, L, assign) / nt;
    free(c), free(assign);
}

/* Latents of one example in double (top K when asked); returns how many fire. */
static int sae_latents(const float *p, int L, int d, int topk, const float *h, double *hc,
                       double *a)
{
    const float *W_enc = p, *b_enc = p + (size_t)d * L, *b_dec = b_enc + L + (size_t)L * d;
    for (int k = 0; k < d; k++)
        hc[k] = (double)h[k] - b_dec[k];
    int on = 0;
    for (int j = 0; j < L; j++) {
        double s = b_enc[j];
        for (int k = 0; k < d; k++)
            s += (double)W_enc[(size_t)k * L + j] * hc[k];
        a[j] = s > 0 ? s : 0;
    }
    for (int j = 0; j < L; j++) {
        int above = 0;
        for (int i = 0; topk > 0 && i < L && above < topk; i++)
            above += a[i] > a[j] || (a[i] == a[j] && i < j);
        if (topk > 0 && above >= topk)
            a[j] = -a[j];
    }
    for (int j = 0; j < L; j++) {
        a[j] = a[j] > 0 ? a[j] : 0;
        on += a[j] > 0;
    }
    return on;
}

/* Dead latents, L0s, reconstruction error and explained variance. */
static void sae_use(const struct sae_source *s, const struct train_spec *sp, const float *p,
                    struct sae_eval *out)
{
    const int L = sp->n, d = s->d, N = SAE_EVAL_EXAMPLES;
    const float *W_dec = p + (size_t)d * L + L, *b_dec = W_dec + (size_t)L * d;
    float *x = xmalloc(sizeof(float) * (size_t)s->nfeat), *h = xmalloc(sizeof(float) * d);
    double *hc = xmalloc(sizeof(double) * d), *a = xmalloc(sizeof(double) * L);
    double *sum = xcalloc((size_t)d, sizeof(double)), sq = 0, err = 0;
    char *fired = xcalloc((size_t)L, 1);
    struct rng r;
    rng_seed(&r, util_mix64(sp->seed ^ 0x5ae5ae5ae5ae5aeULL));
    for (int e = 0; e < N; e++) {
        out->true_l0 += sae_source_draw(s, &r, x, h) / (double)N;
        out->l0 += sae_latents(p, L, d, sp->recipe.sae_topk, h, hc, a) / (double)N;
        for (int k = 0; k < d; k++) {
            double y = b_dec[k];
            for (int j = 0; j < L; j++)
                y += a[j] * W_dec[(size_t)j * d + k];
            err += (y - h[k]) * (y - h[k]);
            sum[k] += h[k];
            sq += (double)h[k] * h[k];
        }
        for (int j = 0; j < L; j++)
            fired[j] |= a[j] > 0;
    }
    double var = sq;
    for (int k = 0; k < d; k++)
        var -= sum[k] * sum[k] / N;
    for (int j = 0; j < L; j++)
        out->dead += !fired[j];
    out->mse = err / ((double)N * d);
    out->explained = var > 0 ? 1 - err / var : 0;
    free(x), free(h), free(hc), free(a), free(sum), free(fired);
}

int sae_evaluate(const struct train_spec *sp, const float *p, const float *base_p,
                 struct sae_eval *out)
{
    struct sae_source s;
    memset(out, 0, sizeof *out);
    if (!p || sp->kind != &model_sae || sae_source_init(&s, sp, base_p) != 0)
        return -1;
    if (s.d != sp->m) {
        sae_source_free(&s);
        return -1;
    }
    sae_recovery(&s, p + (size_t)sp->m * sp->n + sp->n, sp->n, out);
    sae_use(&s, sp, p, out);
    sae_source_free(&s);
    return 0;
}
