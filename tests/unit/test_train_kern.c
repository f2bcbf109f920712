/* tests/unit/test_train_kern.c: the trainer's arithmetic.
 * 1. The double-precision reference gradient of every model kind matches
 *    central finite differences on every generator's data (relative error
 *    < 1e-6); unit-length examples (unitnorm) are drawn whole and scaled.
 * 2. Every kernel of the table matches the reference of every kind and
 *    generator it declares, on random shapes, densities and batch sizes:
 *    loss and gradient within 1e-4 of the largest gradient entry (float32
 *    arithmetic against double).
 *    The large-model kernel (its AVX-512 blocks where the CPU has them, and
 *    forced onto BLAS) also on multi-block batches, with biases low enough
 *    that the output gradient is sparse, and its dense draw against the
 *    general draw (exactly equal examples).
 *    All of this on every instruction-set path the CPU has (TMSL_ISA's
 *    choices), and the small-model kernel's paths agree bit for bit, as do
 *    the large-model kernel's AVX2 and AVX-512 blocks, and the draws'
 *    per-path instances give the baseline's examples exactly.
 *    The sparse large-model kernel also on large shapes down to all-empty
 *    batches, its step against the general step on the same draws, and its
 *    paths bit for bit against the base path.
 *    The many-models kernel's optimizer step (kern_lanes_update) gives
 *    every lane the bits optim_apply gives it alone, for each optimizer,
 *    on every path, and flags exactly the lanes whose weights overflow;
 *    so does one run's vector step (kern_optim_apply).
 * 3. Metrics on hand-made W with known answers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../tap.h"
#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"
#include "util.h"

static uint64_t seed = 12345;
static double unif(void)
{
    seed = util_mix64(seed + 0x9e3779b97f4a7c15ULL);
    return (double)(seed >> 11) / 9007199254740992.0;
}

/* Random batch: element present with probability p, value from the
 * generator (so exact in float), target from the generator. */
static void fill_batch(const struct data_gen *dg, double *X, float *Xf, double *T, float *Tf,
                       int batch, int n, double p)
{
    if (dg->draw == data_unitnorm.draw) {   /* whole examples, scaled to unit length */
        struct rng r;
        uint64_t *thr = xmalloc(sizeof(uint64_t) * (size_t)n);
        for (int i = 0; i < n; i++)
            thr[i] = (uint64_t)ldexp(p, 32);
        rng_seed(&r, ++seed);
        for (int e = 0; e < batch; e++)
            dg->draw(NULL, &r, n, thr, Xf + (size_t)e * n);
        for (int j = 0; j < batch * n; j++)
            X[j] = Xf[j], T[j] = dg->target(X[j]), Tf[j] = (float)T[j];
        free(thr);
        return;
    }
    for (int j = 0; j < batch * n; j++) {
        double v = unif() < p ? dg->value(util_mix64(++seed)) : 0;
        X[j] = v, Xf[j] = (float)v;
        T[j] = dg->target(v), Tf[j] = (float)T[j];
    }
}

/* Central finite differences of the kind's reference loss, every parameter. */
static void test_fd(const struct model_kind *kind, const struct data_gen *dg)
{
    enum { N = 6, M = 3, B = 9, NP = 2 * N * M + N + M };
    double p[NP], g[NP], t[NP], imp[N], X[B * N], T[B * N];
    float Xf[B * N], Tf[B * N];
    int np = (int)model_nparams(kind, N, M);
    for (int j = 0; j < np; j++)
        p[j] = unif() * 2 - 1;
    for (int i = 0; i < N; i++)
        imp[i] = pow(0.8, i);
    fill_batch(dg, X, Xf, T, Tf, B, N, 0.7);
    kind->ref(kind, N, M, p, imp, X, T, B, g);
    double worst = 0, eps = 1e-6;
    for (int j = 0; j < np; j++) {
        double keep = p[j];
        p[j] = keep + eps;
        double lp = kind->ref(kind, N, M, p, imp, X, T, B, t);
        p[j] = keep - eps;
        double lm = kind->ref(kind, N, M, p, imp, X, T, B, t);
        p[j] = keep;
        double fd = (lp - lm) / (2 * eps);
        worst = fmax(worst, fabs(fd - g[j]) / fmax(1e-4, fabs(fd) + fabs(g[j])));
    }
    ok(np <= NP && worst < 1e-6, "%s, %s data: reference gradient matches finite differences "
       "(worst rel %.2g)", kind->name, dg->name, worst);
}

/* Added to every bias in kernel_err (negative: most ReLUs off). */
static double bias_shift;

/* Run one kernel through its table entry (def NULL: the large-model kernel
 * forced onto BLAS) on an explicit batch; returns its error against the
 * kind's reference, relative to the largest gradient entry. */
static double kernel_err(const struct kern_def *def, const struct model_kind *kind,
                         const struct data_gen *dg, int n, int m, int batch, double dens)
{
    size_t np = model_nparams(kind, n, m), bn = (size_t)batch * n;
    int bt = model_tensor_index(kind, "b");
    size_t boff = bt >= 0 ? model_tensor_offset(kind, bt, n, m) : 0;
    double *p = xmalloc(sizeof(double) * np), *g = xmalloc(sizeof(double) * np);
    double *imp = xmalloc(sizeof(double) * n), *X = xmalloc(sizeof(double) * bn);
    double *T = xmalloc(sizeof(double) * bn);
    float *pf = xmalloc(sizeof(float) * np), *gf = xcalloc(np, sizeof(float));
    float *WT = xmalloc(sizeof(float) * n * m), *impf = xmalloc(sizeof(float) * n);
    float *Xf = xmalloc(sizeof(float) * bn), *Tf = xmalloc(sizeof(float) * bn);
    for (size_t j = 0; j < np; j++)
        p[j] = pf[j] = (float)(unif() * 2 - 1);
    for (int i = 0; i < n && bt >= 0; i++)
        p[boff + i] = pf[boff + i] = (float)(unif() * 0.6 - 0.3 + bias_shift);
    for (int i = 0; i < n; i++)
        imp[i] = impf[i] = (float)pow(0.9, i);
    fill_batch(dg, X, Xf, T, Tf, batch, n, dens);
    double loss = kind->ref(kind, n, m, p, imp, X, T, batch, g);
    struct kern_grad kg = {gf, bt >= 0 ? gf + boff : NULL, 0, gf};
    struct kern_run kr = {.def = def, .WT = WT, .g = &kg};
    kr.md = (struct kern_model){kind->act, n, m, pf, WT, bt >= 0 ? pf + boff : NULL, impf, pf, dg, NULL, 0};
    if (def) {
        def->init(&kr);
        def->batch(&kr, Xf, Tf, batch);
        def->free(&kr);
    } else {
        for (int i = 0; i < n; i++)
            for (int k = 0; k < m; k++)
                WT[k * n + i] = pf[i * m + k];
        kern_gws_init_mode(&kr.gws, n, m, 0);
        kern_gemm_batch(&kr.md, Xf, batch, &kr.gws, &kg);
        kern_gws_free(&kr.gws);
    }
    double scale = 2.0 / ((double)batch * n), big = 1e-3, err;
    for (size_t j = 0; j < np; j++)
        big = fmax(big, fabs(g[j]));
    err = fabs(kg.loss_sum / ((double)batch * n) - loss) / fmax(loss, 1e-3);
    for (size_t j = 0; j < np; j++)
        err = fmax(err, fabs(gf[j] * scale - g[j]) / big);
    free(p), free(g), free(imp), free(X), free(T), free(pf), free(gf), free(WT), free(impf);
    free(Xf), free(Tf);
    return err;
}

/* Every kernel of the table, on every kind and generator it declares,
 * against the reference on random shapes, densities and batch sizes. */
static void test_kernel_pairs(const struct kern_def *def)
{
    static const int shapes[][2] = {{2, 1}, {3, 2}, {5, 2}, {8, 2}, {20, 5}, {33, 7}, {64, 16}, {100, 9}};
    static const double dens[] = {1, 0.3, 0.05, 0.001};
    static const int batches[] = {1, 37, 64};
    for (int k = 0; model_kinds[k]; k++)
        for (int d = 0; data_gens[d]; d++) {
            if (!kern_serves(def, model_kinds[k], data_gens[d]))
                continue;
            double worst = 0;
            int cases = 0;
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                struct kern_model md = {.n = shapes[s][0], .m = shapes[s][1]};
                if (def->fits && !def->fits(&md))
                    continue;
                for (int di = 0; di < 4; di++)
                    for (int bi = 0; bi < 3; bi++, cases++)
                        worst = fmax(worst, kernel_err(def, model_kinds[k], data_gens[d], md.n,
                                                       md.m, batches[bi], dens[di]));
            }
            ok(cases > 0 && worst < 1e-4, "kernel %s, %s, %s data: matches reference on %d "
               "cases (worst %.2g)", def->name, model_kinds[k]->name, data_gens[d]->name, cases,
               worst);
        }
}

static void test_kernels(void)
{
    for (int i = 0; kern_table[i]; i++) {
        /* the sparse kernel's cases come from a copy of the stream, so the
         * other kernels keep the cases they had before it existed */
        uint64_t keep = seed;
        test_kernel_pairs(kern_table[i]);
        if (strcmp(kern_table[i]->name, "sparse") == 0)
            seed = keep;
    }
    double worst = 0;
    for (int k = 0; k < 3; k++)
        worst = fmax(worst, kernel_err(NULL, model_kinds[k], &data_uniform, 33, 7, 37, 0.3));
    ok(worst < 1e-4, "large-model kernel forced onto BLAS, tied kinds: matches reference "
       "(worst %.2g)", worst);
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
    const struct kern_def *gemm = kern_find("gemm");
    for (int kind = 0; kind < 3; kind++)
        for (int blas = 0; blas < 2; blas++) {
            double worst = 0;
            for (int s = 0; s < 2; s++)
                for (int h = 0; h < 2; h++)
                    for (int d = 0; d < 6; d++) {
                        bias_shift = shift[h];
                        worst = fmax(worst, kernel_err(blas ? NULL : gemm, model_kinds[kind],
                                                       &data_uniform, shapes[s][0],
                                                       shapes[s][1], 300, dens[d]));
                    }
            bias_shift = 0;
            ok(gemm && worst < 1e-4, "large-model kernel%s, %s, n=150 m=30 and n=90 m=40, "
               "batch 300: matches reference (worst %.2g)", blas ? " (BLAS)" : "",
               model_kinds[kind]->name, worst);
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
    struct kern_model md = {TRAIN_RELU, n, m, W, WT, b, imp, W, &data_uniform, NULL, 0};
    struct kern_grad g1 = {gW1, gb1, 0, gW1}, g2 = {gW2, gb2, 0, gW2};
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

/* The sparse kernel against the reference: large shapes (n not a multiple
 * of 16, m not a multiple of any vector width), densities down to all-empty
 * batches, biases that leave most ReLUs on or off, several blocks' worth of
 * examples; tolerance 1e-4 of the largest gradient entry. */
static void test_sparse_large(void)
{
    static const double dens[] = {0.3, 0.05, 0.01, 0.002, 0.0005, 0};
    static const double shift[] = {0, -2};
    static const int shapes[][2] = {{150, 30}, {90, 40}, {400, 30}, {37, 5}};
    const struct kern_def *sparse = kern_find("sparse");
    const uint64_t keep = seed;
    double worst = 0;
    for (int s = 0; s < 4; s++)
        for (int h = 0; h < 2; h++)
            for (int d = 0; d < 6; d++) {
                bias_shift = shift[h];
                worst = fmax(worst, kernel_err(sparse, &model_relu, &data_uniform, shapes[s][0],
                                               shapes[s][1], s == 2 ? 150 : 300, dens[d]));
            }
    bias_shift = 0;
    seed = keep;
    ok(sparse && worst < 1e-4, "sparse kernel, relu, n=150 m=30, n=90 m=40, n=400 m=30, "
       "n=37 m=5, density 0.3 .. 0 (all empty): matches reference (worst %.2g)", worst);
}

/* The sparse step draws what the general step draws (the generators end in
 * the same state) and, on those examples, matches its gradient and loss
 * (tolerance 1e-4 of the largest entry; only rounding differs). */
static void test_sparse_step(double p, double bias)
{
    enum { N = 130, M = 21, B = 500 };
    static float W[N * M], WT[N * M], gW1[N * M], gW2[N * M];
    float b[N], imp[N], gb1[N] = {0}, gb2[N] = {0};
    double d[N];
    for (int i = 0; i < N; i++) {
        d[i] = p;
        b[i] = (float)(bias + 0.2 * sin(5.0 * i));
        imp[i] = (float)pow(0.995, i);
        for (int k = 0; k < M; k++)
            W[i * M + k] = WT[k * N + i] = (float)(0.4 * sin(1.7 * i + 3.1 * k));
    }
    memset(gW1, 0, sizeof gW1), memset(gW2, 0, sizeof gW2);
    struct kern_sampler s1, s2;
    kern_sampler_init(&s1, 31, N, d), kern_sampler_init(&s2, 31, N, d);
    struct kern_model md = {TRAIN_RELU, N, M, W, WT, b, imp, W, &data_uniform, NULL, 0};
    struct kern_grad g1 = {gW1, gb1, 0, gW1}, g2 = {gW2, gb2, 0, gW2};
    struct kern_ws ws;
    struct kern_sparse_ws sw;
    kern_ws_init(&ws, N, M), kern_sparse_init(&sw, N, M);
    for (int step = 0; step < 2; step++) {
        kern_step(&md, &s1, B, &ws, &g1);
        kern_sparse_step(&md, &s2, B, &sw, &g2);
    }
    double big = 1e-3, err = fabs(g1.loss_sum - g2.loss_sum) / fmax(g1.loss_sum, 1e-3);
    for (int j = 0; j < N * M; j++)
        big = fmax(big, fabs(gW1[j]));
    for (int j = 0; j < N * M; j++)
        err = fmax(err, fabs(gW1[j] - gW2[j]) / big);
    for (int i = 0; i < N; i++)
        err = fmax(err, fabs(gb1[i] - gb2[i]) / big);
    int same = memcmp(s1.rng.s, s2.rng.s, sizeof s1.rng.s) == 0 && s1.rng.pos == s2.rng.pos &&
               s1.skip == s2.skip;
    ok(same && err < 1e-4 && g1.loss_sum > 0, "sparse step p=%g, bias %g: same draws as the "
       "general step, gradient and loss within %.2g", p, bias, err);
    kern_ws_free(&ws), kern_sparse_free(&sw);
    kern_sampler_free(&s1), kern_sampler_free(&s2);
}

/* Two sparse steps on path isa (shape n x m, density p): gradient and
 * loss as bytes into out (n m + n floats and a double). */
static void sparse_bits(enum kern_isa isa, int n, int m, double p, unsigned char *out)
{
    enum { B = 400 };
    static float W[400 * 30], WT[400 * 30], gW[400 * 30];
    float b[400], imp[400], gb[400] = {0};
    double d[400];
    for (int i = 0; i < n; i++) {
        d[i] = p;
        b[i] = (float)(0.05 - 0.1 * (i % 3));
        imp[i] = (float)(1 + 0.5 * sin(i));
        for (int k = 0; k < m; k++)
            W[i * m + k] = WT[k * n + i] = (float)(0.3 * sin(3.0 * i + k));
    }
    memset(gW, 0, sizeof gW);
    struct kern_sampler sp;
    struct kern_sparse_ws sw;
    kern_sampler_init(&sp, 11, n, d);
    kern_isa_set(isa);
    kern_sparse_init(&sw, n, m);
    struct kern_model md = {TRAIN_RELU, n, m, W, WT, b, imp, W, &data_uniform, NULL, 0};
    struct kern_grad g = {gW, gb, 0, gW};
    kern_sparse_step(&md, &sp, B, &sw, &g);
    kern_sparse_step(&md, &sp, B, &sw, &g);
    memcpy(out, gW, sizeof(float) * n * m);
    memcpy(out + sizeof(float) * n * m, gb, sizeof(float) * n);
    memcpy(out + sizeof(float) * (n * m + n), &g.loss_sum, sizeof g.loss_sum);
    kern_sparse_free(&sw);
    kern_sampler_free(&sp);
}

/* Every path of the sparse kernel gives the base path's bits, on shapes
 * whose n and m are and are not multiples of the vector widths. */
static void test_sparse_paths(void)
{
    static const int shapes[][2] = {{400, 30}, {150, 30}, {37, 5}, {96, 16}};
    static unsigned char ref[400 * 31 * 4 + 8], got[400 * 31 * 4 + 8];
    for (int isa = 1; isa < KERN_ISA_COUNT; isa++) {
        if (!kern_isa_supported((enum kern_isa)isa)) {
            ok(1, "# SKIP sparse kernel on %s: this CPU lacks it",
               kern_isa_name((enum kern_isa)isa));
            continue;
        }
        int same = 1;
        for (int s = 0; s < 4; s++)
            for (double p = 0.2; p > 0.0005; p /= 4) {
                size_t len = sizeof(float) * (shapes[s][0] * (shapes[s][1] + 1)) + 8;
                sparse_bits(KERN_ISA_BASE, shapes[s][0], shapes[s][1], p, ref);
                sparse_bits((enum kern_isa)isa, shapes[s][0], shapes[s][1], p, got);
                same &= memcmp(ref, got, len) == 0;
            }
        ok(same, "sparse kernel on %s: gradient and loss bit-identical to the base path",
           kern_isa_name((enum kern_isa)isa));
    }
}

/* One small-model step of a kind on path isa from a fixed sampler state:
 * the gradient, loss and the generator state afterwards, as bytes. */
static void vx_bits(enum kern_isa isa, enum train_kind kind, int n, int m, double p,
                    unsigned char *out, size_t cap)
{
    enum { B = 200 };
    float W[64 * 8], WT[64 * 8], b[64], imp[64], gW[64 * 8] = {0}, gb[64] = {0};
    double d[64];
    for (int i = 0; i < n; i++) {
        d[i] = p;
        b[i] = (float)(0.1 - 0.2 * (i % 3));
        imp[i] = (float)pow(0.9, i);
        for (int k = 0; k < m; k++)
            W[i * m + k] = WT[k * n + i] = (float)(0.5 * sin(7.0 * i + k));
    }
    struct kern_sampler sp;
    kern_sampler_init(&sp, 99, n, d);
    struct kern_model md = {kind, n, m, W, WT, b, imp, W, &data_uniform, NULL, 0};
    struct kern_grad g = {gW, gb, 0, gW};
    kern_isa_set(isa);
    kern_vx_step(&md, &sp, B, &g);
    kern_vx_step(&md, &sp, B, &g); /* the second step starts from the saved lanes */
    size_t at = 0;
    memset(out, 0, cap);
    memcpy(out + at, gW, sizeof(float) * n * m), at += sizeof(float) * n * m;
    memcpy(out + at, gb, sizeof(float) * n), at += sizeof(float) * n;
    memcpy(out + at, &g.loss_sum, sizeof g.loss_sum), at += sizeof g.loss_sum;
    memcpy(out + at, sp.rng.s, sizeof sp.rng.s);
    kern_sampler_free(&sp);
}

/* Every path of the small-model kernel gives the same bits as the base one,
 * for every tied kind (each takes its own branches through the fused
 * multiply-adds). */
static void test_vx_paths(void)
{
    static const int shapes[][2] = {{2, 1}, {5, 2}, {20, 5}, {33, 7}};
    static unsigned char ref[4096], got[4096];
    for (int isa = 1; isa < KERN_ISA_COUNT; isa++) {
        if (!kern_isa_supported((enum kern_isa)isa)) {
            ok(1, "# SKIP small-model kernel on %s: this CPU lacks it",
               kern_isa_name((enum kern_isa)isa));
            continue;
        }
        int same = 1;
        for (int kind = TRAIN_LINEAR; kind <= TRAIN_RELU_HIDDEN; kind++)
            for (int s = 0; s < 4; s++)
                for (double p = 1; p > 0.01; p /= 7) {
                    int n = shapes[s][0], m = shapes[s][1];
                    vx_bits(KERN_ISA_BASE, kind, n, m, p, ref, sizeof ref);
                    vx_bits((enum kern_isa)isa, kind, n, m, p, got, sizeof got);
                    same &= memcmp(ref, got, sizeof ref) == 0;
                }
        ok(same, "small-model kernel on %s, every tied kind: gradient, loss and generator state "
           "bit-identical to the base path", kern_isa_name((enum kern_isa)isa));
    }
}

/* The large-model kernel's step on path isa (n=150, m=30, density p):
 * gradient and loss as bytes. */
static void gemm_bits(enum kern_isa isa, double p, float *out)
{
    enum { N = 150, M = 30, B = 300 };
    static float W[N * M], WT[N * M], b[N], imp[N], gW[N * M], gb[N];
    double d[N];
    for (int i = 0; i < N; i++) {
        d[i] = p;
        b[i] = (float)(0.1 - 0.2 * (i % 3));
        imp[i] = 1;
        for (int k = 0; k < M; k++)
            W[i * M + k] = WT[k * N + i] = (float)(0.3 * sin(3.0 * i + k));
    }
    memset(gW, 0, sizeof gW), memset(gb, 0, sizeof gb);
    struct kern_sampler sp;
    struct kern_gws gws;
    kern_sampler_init(&sp, 7, N, d);
    kern_isa_set(isa);
    kern_gws_init(&gws, N, M);
    struct kern_model md = {TRAIN_RELU, N, M, W, WT, b, imp, W, &data_uniform, NULL, 0};
    struct kern_grad g = {gW, gb, 0, gW};
    kern_gemm_step(&md, &sp, B, &gws, &g);
    memcpy(out, gW, sizeof gW);
    memcpy(out + N * M, gb, sizeof gb);
    memcpy(out + N * M + N, &g.loss_sum, sizeof g.loss_sum);
    kern_gws_free(&gws);
    kern_sampler_free(&sp);
}

/* The large-model blocks on AVX2 give the same bits as on AVX-512. */
static void test_gemm_paths(void)
{
    static float a[150 * 31 + 2], c[150 * 31 + 2];
    if (!kern_isa_supported(KERN_ISA_AVX512)) {
        ok(1, "# SKIP large-model blocks AVX2 vs AVX-512: this CPU lacks AVX-512");
        return;
    }
    int same = 1;
    for (double p = 1; p > 0.001; p /= 5) {
        gemm_bits(KERN_ISA_AVX512, p, a);
        gemm_bits(KERN_ISA_AVX2, p, c);
        same &= memcmp(a, c, sizeof a) == 0;
    }
    ok(same, "large-model blocks on avx2: gradient and loss bit-identical to avx512");
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

/* The draws' instances (kern_draw_body.h) read the same words in the same
 * way: on every path this CPU has, kern_draw and kern_draw_dense give the
 * baseline instance's examples exactly, in Bernoulli and geometric mode. */
static void test_draw_paths(void)
{
    enum { N = 203, EX = 300 };
    static const double dens[] = {0.9, 0.2, 0.049, 0.003};
    for (int isa = 0; isa < KERN_ISA_COUNT; isa++) {
        if (kern_isa_set((enum kern_isa)isa) != 0)
            continue;
        for (size_t k = 0; k < sizeof dens / sizeof dens[0]; k++) {
            double d[N];
            for (int i = 0; i < N; i++)
                d[i] = dens[k];
            struct kern_sampler a, b, c, e;
            kern_sampler_init(&a, 77 + k, N, d), kern_sampler_init(&b, 77 + k, N, d);
            kern_sampler_init(&c, 77 + k, N, d), kern_sampler_init(&e, 77 + k, N, d);
            int idx[N], idx0[N], same = 1;
            float val[N], val0[N], x[N], x0[N];
            for (int ex = 0; ex < EX; ex++) {
                int n1 = kern_draw(&a, idx, val), n0 = kern_draw_base(&b, idx0, val0);
                same &= n1 == n0;
                for (int t = 0; same && t < n1; t++)
                    same &= idx[t] == idx0[t] && val[t] == val0[t];
                if (a.geometric)
                    continue;
                same &= kern_draw_dense(&c, x) == kern_draw_dense_base(&e, x0);
                same &= memcmp(x, x0, sizeof x) == 0;
            }
            ok(same, "draws on path %s equal the baseline's (density %g)",
               kern_isa_name((enum kern_isa)isa), dens[k]);
            kern_sampler_free(&a), kern_sampler_free(&b);
            kern_sampler_free(&c), kern_sampler_free(&e);
        }
    }
}

/* A group's optimizer step against optim_apply, lane by lane: random
 * parameters, moments and sums (some -0 and huge), per-lane steps and
 * decays, for Adam (with and without L2), AdamW and SGD (momentum, first
 * step, none); lane 6's infinite step makes its weights non-finite. */
static void lanes_update_case(const char *what, struct optim_k k, int nlanes)
{
    enum { N = 3, M = 2, NP = N * M + N };
    for (int isa = 0; isa < KERN_ISA_COUNT; isa++) {
        if (kern_isa_set((enum kern_isa)isa) != 0)
            continue;
        struct kern_lanes *g = kern_lanes_new(TRAIN_RELU, N, M, nlanes);
        struct kern_lanes_opt o = {.k = k, .scale = 0.013f};
        float p[KERN_LANES_MAX][NP], s[KERN_LANES_MAX][NP], a[KERN_LANES_MAX][NP],
            b[KERN_LANES_MAX][NP];
        for (int l = 0; l < nlanes; l++) {
            for (int j = 0; j < NP; j++) {
                p[l][j] = (float)(unif() - 0.5);
                s[l][j] = j == 2 ? -0.0f : (float)(4 * unif() - 2);
                a[l][j] = (float)(0.1 * (unif() - 0.5));
                b[l][j] = (float)(0.01 * unif());
            }
            o.step[l] = l == 6 ? HUGE_VALF : (float)(1e-3 * (1 + l));
            o.decay[l] = k.decay == 1.0f ? 1.0f : (float)(1 - 1e-4 * l);
            const float *src[6] = {p[l], p[l] + N * M, a[l], a[l] + N * M, b[l], b[l] + N * M};
            kern_lanes_put_state(g, l, src);
            for (int j = 0; j < NP; j++)
                *(j < N * M ? &g->gW[j][l] : &g->gb[j - N * M][l]) = s[l][j];
        }
        kern_lanes_update(g, &o);
        int same = 1, flags = 1;
        for (int l = 0; l < nlanes; l++) {
            float q[NP], gr[NP], a2[NP], b2[NP], pq[NP], aq[NP], bq[NP];
            struct optim_k kl = k;
            kl.step = o.step[l], kl.decay = o.decay[l];
            memcpy(q, p[l], sizeof q), memcpy(a2, a[l], sizeof a2), memcpy(b2, b[l], sizeof b2);
            for (int j = 0; j < NP; j++)
                gr[j] = (0.0f + s[l][j]) * o.scale;
            optim_apply(&kl, q, gr, a2, b2, NP);
            float *dst[6] = {pq, pq + N * M, aq, aq + N * M, bq, bq + N * M};
            kern_lanes_take_state(g, l, dst, 0);
            same &= !memcmp(q, pq, sizeof q) && !memcmp(a2, aq, sizeof a2);
            same &= k.sgd || !memcmp(b2, bq, sizeof b2);
            int fin = 1;
            for (int j = 0; j < NP; j++)
                fin &= isfinite(q[j]);
            flags &= (g->bad[l] != 0) == !fin && fin == (l != 6);
        }
        ok(same && flags, "lanes optimizer %s on path %s: every lane bit-identical to "
           "optim_apply, non-finite lanes flagged", what, kern_isa_name((enum kern_isa)isa));
        kern_lanes_free(g);
    }
}

/* One run's optimizer step in vectors against optim_apply: np not a
 * multiple of any vector width, so the tail takes the scalar path; one
 * parameter made infinite must turn the finite answer to 0. */
static void optim_case(const char *what, struct optim_k k)
{
    enum { NP = 203 };
    for (int isa = 0; isa < KERN_ISA_COUNT; isa++) {
        if (kern_isa_set((enum kern_isa)isa) != 0)
            continue;
        int same = 1, fin_ok = 1;
        for (int bad = -1; bad < NP; bad += 101) {
            float p[NP], g[NP], a[NP], b[NP], p2[NP], a2[NP], b2[NP];
            for (int j = 0; j < NP; j++) {
                p[j] = (float)(unif() - 0.5), g[j] = j == 5 ? -0.0f : (float)(4 * unif() - 2);
                a[j] = (float)(0.1 * (unif() - 0.5)), b[j] = (float)(0.01 * unif());
            }
            if (bad >= 0)
                p[bad] = HUGE_VALF;
            memcpy(p2, p, sizeof p), memcpy(a2, a, sizeof a), memcpy(b2, b, sizeof b);
            int fin = kern_optim_apply(&k, p, g, a, b, NP);
            optim_apply(&k, p2, g, a2, b2, NP);
            same &= !memcmp(p, p2, sizeof p) && !memcmp(a, a2, sizeof a);
            same &= k.sgd || !memcmp(b, b2, sizeof b);
            fin_ok &= fin == (bad < 0);
        }
        ok(same && fin_ok, "optimizer step %s on path %s: bit-identical to optim_apply, "
           "a non-finite weight reported", what, kern_isa_name((enum kern_isa)isa));
    }
}

static void test_lanes_update(void)
{
    struct optim_k adam = {.b1 = 0.9f, .b2 = 0.999f, .eps = 1e-8f, .bc2 = 0.03f, .decay = 1.0f};
    lanes_update_case("adam", adam, KERN_LANES_MAX);
    struct optim_k l2 = adam;
    l2.l2 = 0.01f;
    lanes_update_case("adam with L2", l2, 11);
    struct optim_k adamw = adam;
    adamw.decay = 0.99f;
    lanes_update_case("adamw", adamw, 7);
    struct optim_k sgd = {.sgd = 1, .wd = 0.001f, .mom = 0.9f, .decay = 1.0f};
    lanes_update_case("sgd momentum", sgd, KERN_LANES_MAX);
    sgd.first = 1;
    lanes_update_case("sgd momentum, first step", sgd, 9);
    sgd.mom = 0, sgd.first = 0;
    lanes_update_case("sgd", sgd, 13);
    optim_case("adam", adam);
    optim_case("adam with L2", l2);
    optim_case("adamw", adamw);
    sgd.mom = 0.9f;
    optim_case("sgd momentum", sgd);
    sgd.first = 1;
    optim_case("sgd momentum, first step", sgd);
    sgd.mom = 0, sgd.first = 0;
    optim_case("sgd", sgd);
}

int main(void)
{
    for (int k = 0; model_kinds[k]; k++)
        for (int d = 0; data_gens[d]; d++)
            test_fd(model_kinds[k], data_gens[d]);
    /* every instruction-set path this CPU has, best last (left in use) */
    for (int isa = 0; isa < KERN_ISA_COUNT; isa++) {
        if (kern_isa_set((enum kern_isa)isa) != 0)
            continue;
        tap_diag("kernels on instruction-set path %s", kern_isa_name((enum kern_isa)isa));
        test_kernels();
        test_gemm_large();
        test_gemm_step(1);
        test_gemm_step(0.3);
        test_gemm_step(0.1);
        test_gemm_step(0.01);
        test_sparse_large();
        test_sparse_step(0.02, 0);
        test_sparse_step(0.004, -0.3);
        test_sparse_step(0.2, 0.1);
    }
    test_vx_paths();
    test_sparse_paths();
    test_gemm_paths();
    test_draw_paths();
    test_lanes_update();
    test_metrics();
    return done_testing();
}
