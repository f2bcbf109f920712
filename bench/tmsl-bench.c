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

/* "vx:28+sparse:12/avx512": the kernels that trained these runs, read off
 * their results (a kernel's choice depends on the batch too, so picking
 * again here could name one the trainer did not use). Labels in order of
 * first appearance. */
static void kernels_used(const struct train_result *res, int runs, char *out, size_t cap)
{
    const char *name[16];
    int count[16], kinds = 0;
    for (int r = 0; r < runs; r++) {
        const char *k = res[r].kernel ? res[r].kernel : "none";
        int i = 0;
        while (i < kinds && strcmp(name[i], k) != 0)
            i++;
        if (i == kinds && kinds < 16)
            name[kinds] = k, count[kinds++] = 0;
        if (i < kinds)
            count[i]++;
    }
    size_t len = 0;
    out[0] = 0;
    for (int i = 0; i < kinds && len < cap; i++)
        len += (size_t)snprintf(out + len, cap - len, "%s%s:%d", len ? "+" : "", name[i], count[i]);
    if (len < cap)
        snprintf(out + len, cap - len, "/%s", kern_isa_name(kern_isa()));
}

static const struct { const char *name; int n, m, runs; } bench_tab[] = {
    {"W1", 5, 2, 10}, {"W2", 20, 5, 40}, {"W3", 2, 1, 10000}, {"W4", 400, 30, 40}};

/* The workload named on the command line, or -1 after saying why. */
static int bench_workload(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: tmsl-bench W1|W2|W3|W4 [steps] [threads] [batch] [first[:count]]\n");
        return -1;
    }
    for (int k = 0; k < 4; k++)
        if (!strcmp(argv[1], bench_tab[k].name))
            return k;
    fprintf(stderr, "tmsl-bench: unknown workload '%s'\n", argv[1]);
    return -1;
}

/* "first[:count]": a slice of the workload's runs; 0, or -1 when out of range. */
static int bench_slice(const char *arg, int runs, int *first, int *count)
{
    const char *colon = strchr(arg, ':');
    *first = atoi(arg);
    *count = colon ? atoi(colon + 1) : 1;
    if (*first < 0 || *first >= runs || *count < 1 || *count > runs - *first) {
        fprintf(stderr, "tmsl-bench: runs '%s' out of range\n", arg);
        return -1;
    }
    return 0;
}

static struct train_spec *bench_specs(const struct work *w, int first, int steps, int batch)
{
    struct train_spec *sp = xcalloc((size_t)w->runs, sizeof *sp);
    for (int r = 0; r < w->runs; r++) {
        sp[r].kind = &model_relu;
        sp[r].n = w->n;
        sp[r].m = w->m;
        train_recipe_default(&sp[r].recipe);
        sp[r].recipe.steps = steps;
        sp[r].recipe.batch = batch;
        sp[r].seed = util_mix64((uint64_t)(first + r) + 1);
        sp[r].importance = w->imp + (size_t)r * w->n;
        sp[r].density = w->dens + (size_t)r * w->n;
    }
    return sp;
}

static double bench_secs(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + 1e-9 * (double)(b->tv_nsec - a->tv_nsec);
}

/* Train the runs, then print one line: name, runs, steps, seconds, seconds
 * per 10k steps, model-steps/s, mean loss, failures, CPU s per 10k, kernels. */
static int bench_run(const char *name, struct work *w, struct train_spec *sp, int steps,
                     int threads)
{
    struct train_result *res = xcalloc((size_t)w->runs, sizeof *res);
    struct timespec t0, t1, c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int failed = train_batch(sp, w->runs, threads, NULL, res);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = bench_secs(&c0, &c1), secs = bench_secs(&t0, &t1), loss = 0;
    char used[200];
    kernels_used(res, w->runs, used, sizeof used);
    for (int r = 0; r < w->runs; r++) {
        loss += res[r].final_loss / w->runs;
        train_result_free(&res[r]);
    }
    printf("%s %d %d %.4f %.4f %.4g %.6g %d %.4f %s\n", name, w->runs, steps, secs,
           steps > 0 ? secs * 10000.0 / steps : 0, secs > 0 ? w->runs * (double)steps / secs : 0,
           loss, failed, steps > 0 ? cpu * 10000.0 / steps : 0, used);
    free(res);
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "machine")) {
        machine();
        return 0;
    }
    int wi = bench_workload(argc, argv);
    if (wi < 0)
        return 2;
    int steps = argc > 2 ? atoi(argv[2]) : 10000, threads = argc > 3 ? atoi(argv[3]) : 2;
    int batch = argc > 4 ? atoi(argv[4]) : 1024, first = 0, count;
    struct work w = {bench_tab[wi].n, bench_tab[wi].m, bench_tab[wi].runs, NULL, NULL};
    w.imp = xmalloc(sizeof(double) * (size_t)w.runs * w.n);
    w.dens = xmalloc(sizeof(double) * (size_t)w.runs * w.n);
    work_fill(&w, argv[1]);
    double *imp0 = w.imp, *dens0 = w.dens;
    if (argc > 5) {
        if (bench_slice(argv[5], w.runs, &first, &count) != 0) {
            free(imp0), free(dens0);
            return 2;
        }
        w.runs = count;
    }
    w.imp += (size_t)first * w.n;
    w.dens += (size_t)first * w.n;
    struct train_spec *sp = bench_specs(&w, first, steps, batch);
    int failed = bench_run(argv[1], &w, sp, steps, threads);
    free(sp), free(imp0), free(dens0);
    return failed != 0;
}
