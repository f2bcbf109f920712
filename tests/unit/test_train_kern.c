/* tests/unit/test_train_kern.c: the trainer's arithmetic.
 * 1. The double-precision reference gradient of every model kind matches
 *    central finite differences (relative error < 1e-6).
 * 2. Every fast kernel matches the reference on random shapes, densities and
 *    batch sizes: loss and gradient within 1e-4 of the largest gradient
 *    entry (float32 arithmetic against double).
 *    The large-model kernel (its AVX-512 blocks where the CPU has them, and
 *    forced onto BLAS) also on multi-block batches, with biases low enough
 *    that the output gradient is sparse, and its dense draw against the
 *    general draw (exactly equal examples).
 * 3. Metrics on hand-made W with known answers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "kern.h"
#include "util.h"

static uint64_t seed = 12345;
static double unif(void)
{
    seed = util_mix64(seed + 0x9e3779b97f4a7c15ULL);
    return (double)(seed >> 11) / 9007199254740992.0;
}

/* Random batch: element present with probability p, value U[0,1). */
static void fill_batch(double *X, float *Xf, int batch, int n, double p)
{
    for (int j = 0; j < batch * n; j++) {
        double v = unif() < p ? unif() : 0;
        X[j] = (double)(float)v;
        Xf[j] = (float)v;
    }
}

static void test_fd(enum train_kind kind)
{
    const int n = 6, m = 3, batch = 9;
    double W[18], b[6], imp[6], X[54], gW[18], gb[6], tW[18], tb[6];
    float Xf[54];
    for (int j = 0; j < n * m; j++)
        W[j] = unif() * 2 - 1;
    for (int i = 0; i < n; i++) {
        b[i] = unif() * 0.4 - 0.2;
        imp[i] = pow(0.8, i);
    }
    fill_batch(X, Xf, batch, n, 0.7);
    kern_ref_loss_grad(kind, n, m, W, b, imp, X, batch, gW, gb);
    double worst = 0, eps = 1e-6;
    for (int j = 0; j < n * m + n; j++) {
        double *q = j < n * m ? &W[j] : &b[j - n * m], keep = *q;
        *q = keep + eps;
        double lp = kern_ref_loss_grad(kind, n, m, W, b, imp, X, batch, tW, tb);
        *q = keep - eps;
        double lm = kern_ref_loss_grad(kind, n, m, W, b, imp, X, batch, tW, tb);
        *q = keep;
        double fd = (lp - lm) / (2 * eps), an = j < n * m ? gW[j] : gb[j - n * m];
        double rel = fabs(fd - an) / fmax(1e-4, fabs(fd) + fabs(an));
        worst = fmax(worst, rel);
    }
    ok(worst < 1e-6, "%s: reference gradient matches finite differences (worst rel %.2g)",
       train_kind_name(kind), worst);
}

/* Added to every bias in kernel_err (negative: most ReLUs off). */
static double bias_shift;

/* Compare one fast kernel (vx = 1: vectorised, 0: general, 2: large-model,
 * 3: large-model forced onto BLAS) to the reference. */
static double kernel_err(enum train_kind kind, int n, int m, int batch, double p, int vx)
{
    double *W = xmalloc(sizeof(double) * n * m), *b = xmalloc(sizeof(double) * n);
    double *imp = xmalloc(sizeof(double) * n), *X = xmalloc(sizeof(double) * batch * n);
    double *gW = xmalloc(sizeof(double) * n * m), *gb = xmalloc(sizeof(double) * n);
    float *Wf = xmalloc(sizeof(float) * n * m), *WT = xmalloc(sizeof(float) * n * m);
    float *bf = xmalloc(sizeof(float) * n), *impf = xmalloc(sizeof(float) * n);
    float *Xf = xmalloc(sizeof(float) * batch * n);
    float *fgW = xcalloc((size_t)n * m, sizeof(float)), *fgb = xcalloc((size_t)n, sizeof(float));
    for (int j = 0; j < n * m; j++)
        W[j] = Wf[j] = (float)(unif() * 2 - 1);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            WT[k * n + i] = Wf[i * m + k];
    for (int i = 0; i < n; i++) {
        b[i] = bf[i] = (float)(unif() * 0.6 - 0.3 + bias_shift);
        imp[i] = impf[i] = (float)pow(0.9, i);
    }
    fill_batch(X, Xf, batch, n, p);
    double loss = kern_ref_loss_grad(kind, n, m, W, b, imp, X, batch, gW, gb);
    struct kern_model md = {kind, n, m, Wf, WT, bf, impf};
    struct kern_grad g = {fgW, fgb, 0};
    struct kern_ws ws;
    kern_ws_init(&ws, n, m);
    if (vx >= 2) {
        struct kern_gws gws;
        kern_gws_init_mode(&gws, n, m, vx == 2 ? -1 : 0);
        kern_gemm_batch(&md, Xf, batch, &gws, &g);
        kern_gws_free(&gws);
    } else if (vx)
        kern_vx_batch(&md, Xf, batch, &g);
    else
        kern_batch(&md, Xf, batch, &ws, &g);
    kern_ws_free(&ws);
    double scale = 2.0 / ((double)batch * n), big = 1e-3, err;
    for (int j = 0; j < n * m; j++)
        big = fmax(big, fabs(gW[j]));
    err = fabs(g.loss_sum / ((double)batch * n) - loss) / fmax(loss, 1e-3);
    for (int j = 0; j < n * m; j++)
        err = fmax(err, fabs(fgW[j] * scale - gW[j]) / big);
    for (int i = 0; i < n; i++)
        err = fmax(err, fabs(fgb[i] * scale - gb[i]) / big);
    free(W), free(b), free(imp), free(X), free(gW), free(gb), free(Wf), free(WT);
    free(bf), free(impf), free(Xf), free(fgW), free(fgb);
    return err;
}

static void test_kernels(void)
{
    static const int shapes[][2] = {{2, 1}, {3, 2}, {5, 2}, {20, 5}, {33, 7}, {64, 16}, {100, 9}};
    static const double dens[] = {1, 0.3, 0.05, 0.001};
    static const int batches[] = {1, 37, 64};
    for (int kind = 0; kind < 3; kind++)
        for (int vx = 0; vx < 4; vx++) {
            double worst = 0;
            int cases = 0;
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                int n = shapes[s][0], m = shapes[s][1];
                if (vx && (n > KERN_VX_MAXN || n * m > 1024))
                    continue;
                for (int d = 0; d < 4; d++)
                    for (int bi = 0; bi < 3; bi++, cases++)
                        worst = fmax(worst, kernel_err(kind, n, m, batches[bi], dens[d], vx));
            }
            static const char *const name[] = {"general", "vectorised", "large-model",
                                               "large-model (BLAS)"};
            ok(worst < 1e-4, "%s kernel, %s: matches reference on %d cases (worst %.2g)",
               name[vx], train_kind_name(kind), cases, worst);
        }
}

/* The large-model kernel on blocks of several rows (batch 300), large
 * shapes (m = 30: two vectors per row, m = 40: BLAS only), densities that
 * take every input route, and biases that leave most ReLUs on or off:
 * against the reference, tolerance 1e-4 of the largest gradient entry. */
static void test_gemm_large(void)
{
    static const double dens[] = {1, 0.3, 0.15, 0.06, 0.01, 0.001};
    static const double shift[] = {0, -2};
    static const int shapes[][2] = {{150, 30}, {90, 40}};
    for (int kind = 0; kind < 3; kind++)
        for (int blas = 0; blas < 2; blas++) {
            double worst = 0;
            for (int s = 0; s < 2; s++)
                for (int h = 0; h < 2; h++)
                    for (int d = 0; d < 6; d++) {
                        bias_shift = shift[h];
                        worst = fmax(worst, kernel_err(kind, shapes[s][0], shapes[s][1], 300,
                                                       dens[d], 2 + blas));
                    }
            bias_shift = 0;
            ok(worst < 1e-4, "large-model kernel%s, %s, n=150 m=30 and n=90 m=40, batch 300: "
               "matches reference (worst %.2g)", blas ? " (BLAS)" : "", train_kind_name(kind),
               worst);
        }
}

/* Sampling: the dense draw yields exactly the general draw's examples, and
 * the BLAS step, fed by the same stream, matches the general step's
 * gradient (tolerance 1e-4 of the largest entry; only rounding differs). */
static void test_gemm_step(double p)
{
    const int n = 120, m = 20, batch = 200;
    double d[120];
    float *W = xmalloc(sizeof(float) * n * m), *WT = xmalloc(sizeof(float) * n * m);
    float b[120], imp[120], x[120], val[120], gW1[2400], gW2[2400], gb1[120], gb2[120];
    int idx[120];
    for (int i = 0; i < n; i++) {
        d[i] = p;
        b[i] = (float)(unif() * 0.4 - 0.2);
        imp[i] = (float)pow(0.99, i);
    }
    for (int j = 0; j < n * m; j++)
        W[j] = (float)(unif() * 0.4 - 0.2);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < m; k++)
            WT[k * n + i] = W[i * m + k];
    struct kern_sampler s1, s2;
    kern_sampler_init(&s1, 5, n, d);
    kern_sampler_init(&s2, 5, n, d);
    int same = 1;
    for (int e = 0; e < 50 && !s1.geometric; e++) {
        int c = kern_draw(&s1, idx, val), c2 = kern_draw_dense(&s2, x), t = 0;
        same &= c == c2;
        for (int i = 0; i < n; i++)
            if (t < c && idx[t] == i)
                same &= x[i] == val[t++];
            else
                same &= x[i] == 0;
    }
    struct kern_model md = {TRAIN_RELU, n, m, W, WT, b, imp};
    struct kern_grad g1 = {gW1, gb1, 0}, g2 = {gW2, gb2, 0};
    memset(gW1, 0, sizeof gW1), memset(gW2, 0, sizeof gW2);
    memset(gb1, 0, sizeof gb1), memset(gb2, 0, sizeof gb2);
    struct kern_ws ws;
    struct kern_gws gws;
    kern_ws_init(&ws, n, m);
    kern_gws_init(&gws, n, m);
    kern_step(&md, &s1, batch, &ws, &g1);
    kern_gemm_step(&md, &s2, batch, &gws, &g2);
    double big = 1e-3, err = fabs(g1.loss_sum - g2.loss_sum) / fmax(g1.loss_sum, 1e-3);
    for (int j = 0; j < n * m; j++)
        big = fmax(big, fabs(gW1[j]));
    for (int j = 0; j < n * m; j++)
        err = fmax(err, fabs(gW1[j] - gW2[j]) / big);
    for (int i = 0; i < n; i++)
        err = fmax(err, fabs(gb1[i] - gb2[i]) / big);
    ok(same && err < 1e-4, "large-model step p=%g: same draws as the general step, gradient within "
       "%.2g", p, err);
    kern_ws_free(&ws), kern_gws_free(&gws);
    kern_sampler_free(&s1), kern_sampler_free(&s2);
    free(W), free(WT);
}

static void metrics_case(const char *what, const float *W, int n, int m, const double *norm,
                         const double *sup, const double *dim, int rep)
{
    struct train_metrics mt;
    int rc = train_metrics_compute(W, n, m, &mt);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        worst = fmax(worst, fabs(mt.norm[i] - norm[i]));
        worst = fmax(worst, fabs(mt.superpos[i] - sup[i]));
        worst = fmax(worst, fabs(mt.dim[i] - dim[i]));
    }
    double frob = 0;
    for (int i = 0; i < n; i++)
        frob += norm[i] * norm[i];
    ok(rc == 0 && worst < 1e-6 && fabs(mt.frob2 - frob) < 1e-6 && mt.represented == rep,
       "metrics: %s (worst %.2g, represented %d)", what, worst, mt.represented);
    train_metrics_free(&mt);
}

static void test_metrics(void)
{
    float orth[] = {1, 0, 0, 2, 0, 0};
    metrics_case("orthogonal rows and a zero row", orth, 3, 2, (double[]){1, 2, 0},
                 (double[]){0, 0, 0}, (double[]){1, 1, 0}, 2);
    float anti[] = {1, 0, -1, 0};
    metrics_case("antipodal pair: superposition 1, dimensionality 1/2", anti, 2, 2,
                 (double[]){1, 1}, (double[]){1, 1}, (double[]){0.5, 0.5}, 2);
    float pent[10];
    double ones[5], sup[5], dim[5];
    for (int i = 0; i < 5; i++) {
        pent[2 * i] = (float)cos(2 * M_PI * i / 5);
        pent[2 * i + 1] = (float)sin(2 * M_PI * i / 5);
        ones[i] = 1;
        sup[i] = 1.5;   /* 2 cos^2(72) + 2 cos^2(144) = 3/2 */
        dim[i] = 0.4;   /* 1 / (1 + 3/2) */
    }
    metrics_case("regular pentagon: dimensionality 2/5", pent, 5, 2, ones, sup, dim, 5);
    struct train_metrics mt;
    ok(train_metrics_compute(NULL, 3, 2, &mt) == -1, "metrics: NULL W is an error");
}

int main(void)
{
    test_fd(TRAIN_LINEAR);
    test_fd(TRAIN_RELU);
    test_fd(TRAIN_RELU_HIDDEN);
    test_kernels();
    test_gemm_large();
    test_gemm_step(1);
    test_gemm_step(0.3);
    test_gemm_step(0.1);
    test_gemm_step(0.01);
    test_metrics();
    return done_testing();
}
