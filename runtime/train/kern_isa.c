/* runtime/train/kern_isa.c: choosing and measuring the instruction-set path.
 * The choice is made once per process (TMSL_ISA or the CPU's best) and can
 * be forced by the tests, which run every path the CPU has. The FMA-peak
 * and random-number probes are small loops compiled for each path; the
 * benchmarks divide a workload's arithmetic by them to get its floor. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) /* GCC's target pragma */
#include <immintrin.h>
#define ISA_X86 1
#define ISA_T512 __attribute__((target("avx512f,avx2,fma"), noinline))
#define ISA_T2 __attribute__((target("avx2,fma"), noinline))
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

int kern_isa_supported(enum kern_isa isa)
{
#ifdef ISA_X86
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (isa == KERN_ISA_AVX512)
        return avx2 && __builtin_cpu_supports("avx512f");
    if (isa == KERN_ISA_AVX2)
        return avx2;
#endif
    return isa == KERN_ISA_BASE;
}

static int isa_best(void)
{
    int best = KERN_ISA_BASE;
    for (int i = 0; i < KERN_ISA_COUNT; i++)
        if (kern_isa_supported((enum kern_isa)i))
            best = i;
    return best;
}

static int isa_from_env(void)
{
    const char *s = getenv("TMSL_ISA");
    int best = isa_best();
    if (!s || !*s)
        return best;
    for (int i = 0; i < KERN_ISA_COUNT; i++)
        if (strcmp(s, kern_isa_name((enum kern_isa)i)) == 0 || (i == 0 && !strcmp(s, "base"))) {
            if (kern_isa_supported((enum kern_isa)i))
                return i;
            fprintf(stderr, "tmsl: warning: TMSL_ISA=%s: this CPU lacks it\n", s);
            return best;
        }
    fprintf(stderr, "tmsl: warning: TMSL_ISA=%s: unknown (avx512, avx2, base)\n", s);
    return best;
}

static int isa_cur = -1;

enum kern_isa kern_isa(void)
{
    int v = __atomic_load_n(&isa_cur, __ATOMIC_ACQUIRE);
    if (v < 0) {
        v = isa_from_env();
        int expect = -1;
        if (!__atomic_compare_exchange_n(&isa_cur, &expect, v, 0, __ATOMIC_ACQ_REL,
                                         __ATOMIC_ACQUIRE))
            v = expect;
    }
    return (enum kern_isa)v;
}

int kern_isa_set(enum kern_isa isa)
{
    if ((int)isa < 0 || isa >= KERN_ISA_COUNT || !kern_isa_supported(isa))
        return -1;
    __atomic_store_n(&isa_cur, (int)isa, __ATOMIC_RELEASE);
    return 0;
}

const char *kern_isa_name(enum kern_isa isa)
{
    static const char *const names[] = {
#if defined(__aarch64__)
        "neon",
#else
        "base",
#endif
        "avx2", "avx512"};
    return (int)isa >= 0 && isa < KERN_ISA_COUNT ? names[isa] : "?";
}

int kern_isa_width(enum kern_isa isa)
{
    return isa == KERN_ISA_AVX512 ? 16 : isa == KERN_ISA_AVX2 ? 8 : 4;
}

static double isa_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* 12 independent chains hide the FMA latency on every core we know of. */
#define ISA_CHAINS 12
#define ISA_ITERS 2000000

#ifdef ISA_X86
ISA_T512 static float isa_fma512(float s)
{
    __m512 a[ISA_CHAINS], m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(s);
    for (int j = 0; j < ISA_CHAINS; j++)
        a[j] = _mm512_set1_ps((float)j);
    for (int it = 0; it < ISA_ITERS; it++)
#pragma GCC unroll 12
        for (int j = 0; j < ISA_CHAINS; j++)
            a[j] = _mm512_fmadd_ps(a[j], m, c);
    float r = 0;
    for (int j = 0; j < ISA_CHAINS; j++)
        r += _mm512_reduce_add_ps(a[j]);
    return r;
}

ISA_T2 static float isa_fma256(float s)
{
    __m256 a[ISA_CHAINS], m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(s);
    for (int j = 0; j < ISA_CHAINS; j++)
        a[j] = _mm256_set1_ps((float)j);
    for (int it = 0; it < ISA_ITERS; it++)
#pragma GCC unroll 12
        for (int j = 0; j < ISA_CHAINS; j++)
            a[j] = _mm256_fmadd_ps(a[j], m, c);
    float r[8] = {0}, t = 0;
    for (int j = 0; j < ISA_CHAINS; j++)
        _mm256_storeu_ps(r, _mm256_add_ps(a[j], _mm256_loadu_ps(r)));
    for (int l = 0; l < 8; l++)
        t += r[l];
    return t;
}
#endif

/* Base path: 4-float vectors, a fused multiply-add where the ISA has one. */
typedef float isa_v4 __attribute__((vector_size(16)));
__attribute__((noinline)) static float isa_fma128(float s)
{
    isa_v4 a[ISA_CHAINS], m = {0}, c = {0};
    m += 0.999999f, c += s;
    for (int j = 0; j < ISA_CHAINS; j++)
        a[j] = (isa_v4){0} + (float)j;
    for (int it = 0; it < ISA_ITERS; it++)
#pragma GCC unroll 12
        for (int j = 0; j < ISA_CHAINS; j++) {
#if defined(__aarch64__)
            a[j] = (isa_v4)vfmaq_f32((float32x4_t)c, (float32x4_t)a[j], (float32x4_t)m);
#else
            a[j] = a[j] * m + c;
#endif
        }
    float r = 0;
    for (int j = 0; j < ISA_CHAINS; j++)
        for (int l = 0; l < 4; l++)
            r += a[j][l];
    return r;
}

double kern_isa_fma_peak(enum kern_isa isa)
{
    volatile float sink = 0;
    double t0 = isa_now();
#ifdef ISA_X86
    if (isa == KERN_ISA_AVX512 && kern_isa_supported(isa))
        sink = isa_fma512(1e-3f);
    else if (isa == KERN_ISA_AVX2 && kern_isa_supported(isa))
        sink = isa_fma256(1e-3f);
    else
#endif
        sink = isa_fma128(1e-3f), isa = KERN_ISA_BASE;
    double t = isa_now() - t0;
    (void)sink;
    return 2.0 * kern_isa_width(isa) * ISA_CHAINS * (double)ISA_ITERS / (t > 0 ? t : 1e-9);
}

#define ISA_RNG_REFILLS 200000

double kern_isa_rng_rate(enum kern_isa isa)
{
    volatile uint64_t sink;
    double t0 = isa_now();
    (void)isa;
#ifdef ISA_X86
    if (isa == KERN_ISA_AVX512 && kern_isa_supported(isa))
        sink = kern_rng_probe_avx512(ISA_RNG_REFILLS);
    else if (isa == KERN_ISA_AVX2 && kern_isa_supported(isa))
        sink = kern_rng_probe_avx2(ISA_RNG_REFILLS);
    else
#endif
        sink = kern_rng_probe_base(ISA_RNG_REFILLS);
    (void)sink;
    double t = isa_now() - t0;
    return (double)ISA_RNG_REFILLS * RNG_BUF / (t > 0 ? t : 1e-9);
}
