/* bench/tmsl-bench.c: times the trainer on one standard workload.
 *   tmsl-bench W1|W2|W3|W4 [steps] [threads] [batch] [first[:count]]
 * W1: relu n=5 m=2, 10 runs, density 20^(-k/9), importance 0.9^i
 * W2: relu n=20 m=5, 40 runs, density 0.001^(k/39), importance 0.7^i
 * W3: relu n=2 m=1, 10,000 runs, a 100 x 100 grid of density (1 .. 0.001,
 *     log) by relative importance of feature 1 (0.1 .. 10, log)
 * W4: relu n=400 m=30, 40 runs, density 0.001^(k/39), importance 1
 * Prints one line: name runs steps seconds s_per_10k model_steps_per_s
 * mean_final_loss failed cpu_s_per_10k kernels (which kernel trained how
 * many runs, e.g. vx:28+fused:12, and the instruction-set path).
 *   tmsl-bench machine
 * prints the machine the benchmarks run on, one "key value" per line: cpu
 * (its name), isa (the kernels' path: TMSL_ISA or the best the CPU has),
 * width (floats per vector), fma (flop/s of one thread, measured with a
 * loop of independent fused multiply-adds on that path) and rng (64-bit
 * xoshiro256** words/s of the trainer's generator on one thread). Timing uses the monotonic clock
 * around train_batch only; cpu_s_per_10k is the process CPU time over the
 * same span (all threads), scaled likewise: on a busy machine, cpu / threads
 * estimates the wall time the machine would give when idle. The optional
 * last argument trains only runs first .. first+count-1 of the workload
 * (count 1 by default), to see where a workload's time goes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "data.h"
#include "kern.h"
#include "kern_isa.h"
#include "model.h"
#include "train.h"
#include "util.h"

struct work {
    int n, m, runs;
    double *imp, *dens;   /* [runs * n] */
};

static void work_fill(struct work *w, const char *name)
{
    int grid = !strcmp(name, "W3");
    for (int r = 0; r < w->runs; r++) {
        double t = w->runs > 1 ? (double)r / (w->runs - 1) : 0, p = 1, rel = 1;
        if (!strcmp(name, "W1"))
            p = pow(20, -t);
        else if (grid) {
            int g = 100, a = r / g, c = r % g;
            p = pow(0.001, a / (g - 1.0));
            rel = pow(10, -1 + 2.0 * c / (g - 1.0));
        } else
            p = pow(0.001, t);
        for (int i = 0; i < w->n; i++) {
            double *imp = &w->imp[(size_t)r * w->n + i];
            if (!strcmp(name, "W1"))
                *imp = pow(0.9, i);
            else if (!strcmp(name, "W2"))
                *imp = pow(0.7, i);
            else
                *imp = grid && i == 1 ? rel : 1;
            w->dens[(size_t)r * w->n + i] = p;
        }
    }
}

static void machine(void)
{
    char line[256], name[200] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char *c = strchr(line, ':');
        if (c && (!strncmp(line, "model name", 10) || !strncmp(line, "Model", 5))) {
            snprintf(name, sizeof name, "%s", c + 2);
            name[strcspn(name, "\n")] = 0;
            break;
        }
    }
    if (f)
        fclose(f);
    enum kern_isa isa = kern_isa();
    printf("cpu %s\nisa %s\nwidth %d\n", name, kern_isa_name(isa), kern_isa_width(isa));
    double fma = 0, rng = 0;
    for (int k = 0; k < 3; k++) { /* best of three: the machine may be busy */
        double a = kern_isa_fma_peak(isa), b = kern_isa_rng_rate(isa);
        fma = a > fma ? a : fma;
        rng = b > rng ? b : rng;
    }
    printf("fma %.4g\nrng %.4g\n", fma, rng);
}

/* "vx:28+fused:12/avx512": the kernels the trainer picks for these runs. */
static void kernels_used(const struct train_spec *sp, int runs, char *out, size_t cap)
{
    int count[16] = {0};
    for (int r = 0; r < runs; r++) {
        struct kern_model md = {.kind = sp[r].kind->act, .n = sp[r].n, .m = sp[r].m};
        const struct kern_def *d = kern_pick(sp[r].kind, data_find(sp[r].kind->data), &md,
                                             sp[r].density);
        for (int k = 0; d && k < 16 && kern_table[k]; k++)
            count[k] += kern_table[k] == d;
    }
    size_t len = 0;
    out[0] = 0;
    for (int k = 0; k < 16 && kern_table[k]; k++)
        if (count[k] && len < cap)
            len += (size_t)snprintf(out + len, cap - len, "%s%s:%d", len ? "+" : "",
                                    kern_table[k]->name, count[k]);
    if (len < cap)
        snprintf(out + len, cap - len, "/%s", kern_isa_name(kern_isa()));
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "machine")) {
        machine();
        return 0;
    }
    static const struct { const char *name; int n, m, runs; } tab[] = {
        {"W1", 5, 2, 10}, {"W2", 20, 5, 40}, {"W3", 2, 1, 10000}, {"W4", 400, 30, 40}};
    if (argc < 2) {
        fprintf(stderr, "usage: tmsl-bench W1|W2|W3|W4 [steps] [threads] [batch] [first[:count]]\n");
        return 2;
    }
    int wi = -1;
    for (int k = 0; k < 4; k++)
        if (!strcmp(argv[1], tab[k].name))
            wi = k;
    if (wi < 0) {
        fprintf(stderr, "tmsl-bench: unknown workload '%s'\n", argv[1]);
        return 2;
    }
    int steps = argc > 2 ? atoi(argv[2]) : 10000, threads = argc > 3 ? atoi(argv[3]) : 2;
    int batch = argc > 4 ? atoi(argv[4]) : 1024;
    struct work w = {tab[wi].n, tab[wi].m, tab[wi].runs, NULL, NULL};
    w.imp = xmalloc(sizeof(double) * (size_t)w.runs * w.n);
    w.dens = xmalloc(sizeof(double) * (size_t)w.runs * w.n);
    work_fill(&w, argv[1]);
    int first = 0;
    if (argc > 5) {
        const char *colon = strchr(argv[5], ':');
        first = atoi(argv[5]);
        int cnt = colon ? atoi(colon + 1) : 1;
        if (first < 0 || first >= w.runs || cnt < 1 || cnt > w.runs - first) {
            fprintf(stderr, "tmsl-bench: runs '%s' out of range\n", argv[5]);
            return 2;
        }
        w.runs = cnt;
    }
    double *imp0 = w.imp, *dens0 = w.dens;
    w.imp += (size_t)first * w.n;
    w.dens += (size_t)first * w.n;
    struct train_spec *sp = xcalloc((size_t)w.runs, sizeof *sp);
    struct train_result *res = xcalloc((size_t)w.runs, sizeof *res);
    for (int r = 0; r < w.runs; r++) {
        sp[r].kind = &model_relu;
        sp[r].n = w.n;
        sp[r].m = w.m;
        train_recipe_default(&sp[r].recipe);
        sp[r].recipe.steps = steps;
        sp[r].recipe.batch = batch;
        sp[r].seed = util_mix64((uint64_t)(first + r) + 1);
        sp[r].importance = w.imp + (size_t)r * w.n;
        sp[r].density = w.dens + (size_t)r * w.n;
    }
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = train_batch(sp, w.runs, threads, NULL, res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    double loss = 0;
    for (int r = 0; r < w.runs; r++) {
        loss += res[r].final_loss / w.runs;
        train_result_free(&res[r]);
    }
    char used[200];
    kernels_used(sp, w.runs, used, sizeof used);
    printf("%s %d %d %.4f %.4f %.4g %.6g %d %.4f %s\n", argv[1], w.runs, steps, secs,
           steps > 0 ? secs * 10000.0 / steps : 0, secs > 0 ? w.runs * (double)steps / secs : 0,
           loss, failed, steps > 0 ? cpu * 10000.0 / steps : 0, used);
    free(sp), free(res), free(imp0), free(dens0);
    return failed != 0;
}
