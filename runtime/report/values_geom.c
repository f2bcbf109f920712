/* runtime/report/values_geom.c: per-run metrics beyond the feature norms:
 * how features of the data generator's sets sit relative to each other
 * (the correlated/anticorrelated geometry), and adversarial vulnerability.
 *
 * Set metrics use the cosine of every pair of represented features: within
 * a set, signed (collapsed +1, antipodal -1, orthogonal 0) and absolute;
 * across sets, absolute. Sets are the run's generator's (`sets`); data
 * without sets is one set.
 *
 * Vulnerability: for each feature i the input is pushed along row i of
 * W^T W (normalised) by eps = 0.1 x the mean input norm; the loss increase
 * of the worst feature, measured on one fixed sample by the kind's own
 * reference, over the increase the optimal linear model would suffer. That
 * model keeps the top-m features orthogonally, so pushing it along a kept
 * e_i raises the (mean over features) loss by exactly eps^2 I_i / n; its
 * worst case is eps^2 max_i I_i / n. The ratio is 1 for a model without
 * interference and grows with superposition. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fig_impl.h"
#include "model.h"
#include "values_geom.h"

#define VG_SAMPLES 2048      /* examples of the fixed attack sample */
#define VG_BUDGET 0.1        /* L2 budget relative to the mean input norm */

static int vg_sets(const struct train_spec *sp)
{
    int k = sp->data ? data_param_index(sp->data, "sets") : -1;
    return k >= 0 && sp->data_arg[k] >= 1 ? (int)sp->data_arg[k] : 1;
}

/* Cosine statistics of represented pairs: s[0] mean signed cosine within
 * sets, s[1] mean |cos| within, s[2] mean |cos| across (0 without pairs). */
void values_set_cosines(const struct train_result *r, const struct train_spec *sp, double s[3])
{
    const float *W = train_dirs(r);
    int n = r->n, m = r->m, sets = vg_sets(sp), cw = 0, ca = 0;
    double *nrm = xcalloc((size_t)n, sizeof(double));
    s[0] = s[1] = s[2] = 0;
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < m; k++)
            nrm[i] += (double)W[i * m + k] * W[i * m + k];
        nrm[i] = sqrt(nrm[i]);
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n && nrm[i] >= FIG_REPR_NORM; j++) {
            if (nrm[j] < FIG_REPR_NORM)
                continue;
            double d = 0;
            for (int k = 0; k < m; k++)
                d += (double)W[i * m + k] * W[j * m + k];
            d /= nrm[i] * nrm[j];
            if (data_set_of(i, n, sets) == data_set_of(j, n, sets))
                s[0] += d, s[1] += fabs(d), cw++;
            else
                s[2] += fabs(d), ca++;
        }
    s[0] = cw ? s[0] / cw : 0;
    s[1] = cw ? s[1] / cw : 0;
    s[2] = ca ? s[2] / ca : 0;
    free(nrm);
}

/* Row i of W^T W, normalised, times eps into d [n]; 0 when the row is 0. */
static int vg_direction(const float *W, int n, int m, int i, double eps, double *d)
{
    double s = 0;
    for (int j = 0; j < n; j++) {
        d[j] = 0;
        for (int k = 0; k < m; k++)
            d[j] += (double)W[i * m + k] * W[j * m + k];
        s += d[j] * d[j];
    }
    if (!(s > 0))
        return 0;
    for (int j = 0; j < n; j++)
        d[j] *= eps / sqrt(s);
    return 1;
}

/* The largest loss increase over features of a push of size eps. */
static double vg_worst(const struct train_result *r, const double *p, const double *imp,
                       const double *X, const double *T, double eps, double clean)
{
    int n = r->n, m = r->m;
    size_t bn = (size_t)VG_SAMPLES * n;
    double *Xa = xmalloc(sizeof(double) * bn), *d = xmalloc(sizeof(double) * n);
    double *g = xmalloc(sizeof(double) * model_nparams(r->kind, n, m)), worst = 0;
    const float *W = train_dirs(r);
    for (int i = 0; i < n; i++) {
        if (!vg_direction(W, n, m, i, eps, d))
            continue;
        for (size_t e = 0; e < bn; e++)
            Xa[e] = X[e] + d[e % n];
        double adv = r->kind->ref(r->kind, n, m, p, imp, Xa, T, VG_SAMPLES, g);
        worst = fmax(worst, adv - clean);
    }
    free(Xa), free(d), free(g);
    return worst;
}

double values_vulnerability(const struct train_result *r, const struct train_spec *sp)
{
    int n = r->n, m = r->m;
    size_t bn = (size_t)VG_SAMPLES * n, np = model_nparams(r->kind, n, m);
    double *X = xmalloc(sizeof(double) * bn), *T = xmalloc(sizeof(double) * bn);
    double *p = xmalloc(sizeof(double) * np), *g = xmalloc(sizeof(double) * np);
    double norm = 0, imax = 0;
    const struct data_gen *dg = sp->data ? sp->data : data_find(r->kind->data);
    data_ref_sample(dg, sp->data_arg, sp->seed ^ 0x5eedad5e11ULL, n, sp->density, VG_SAMPLES,
                    X, T);
    for (size_t j = 0; j < np; j++)
        p[j] = r->p[j];
    for (int e = 0; e < VG_SAMPLES; e++) {
        double s = 0;
        for (int i = 0; i < n; i++)
            s += X[(size_t)e * n + i] * X[(size_t)e * n + i];
        norm += sqrt(s) / VG_SAMPLES;
    }
    for (int i = 0; i < n; i++)
        imax = fmax(imax, sp->importance[i]);
    double eps = VG_BUDGET * norm;
    double clean = r->kind->ref(r->kind, n, m, p, sp->importance, X, T, VG_SAMPLES, g);
    double worst = vg_worst(r, p, sp->importance, X, T, eps, clean);
    free(X), free(T), free(p), free(g);
    double lin = eps * eps * imax / n;
    return lin > 0 ? worst / lin : 0;
}
