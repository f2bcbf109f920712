/* tests/tap.h: a small TAP producer for tmsl's C unit tests.
 * Each check prints "ok N - what" or "not ok N - what" with the failing
 * location and, for numeric checks, the values; done_testing() prints the plan
 * last (as Git's test library does) and returns the exit status. */
#ifndef TMSL_TAP_H
#define TMSL_TAP_H
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_count, tap_failed;

static inline int tap_vok(int pass, const char *file, int line, const char *fmt, va_list ap)
{
    tap_count++;
    printf("%sok %d - ", pass ? "" : "not ", tap_count);
    vprintf(fmt, ap);
    printf("\n");
    if (!pass) {
        tap_failed++;
        printf("#   failed at %s:%d\n", file, line);
    }
    fflush(stdout);
    return pass;
}

static inline int tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = tap_vok(pass, file, line, fmt, ap);
    va_end(ap);
    return r;
}

/* near(): |got - want| <= tol, NaN never passes. */
static inline int tap_near(double got, double want, double tol, const char *file, int line,
                           const char *fmt, ...)
{
    int pass = !isnan(got) && !isnan(want) && fabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    int r = tap_vok(pass, file, line, fmt, ap);
    va_end(ap);
    if (!pass)
        printf("#   got %.9g want %.9g tol %.3g\n", got, want, tol);
    return r;
}

static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

static inline int done_testing(void)
{
    printf("1..%d\n", tap_count);
    return tap_failed != 0;
}

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define near(got, want, tol, ...) tap_near((got), (want), (tol), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...)                                                             \
    do {                                                                                   \
        long long tap_g_ = (long long)(got), tap_w_ = (long long)(want);                   \
        if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__))                    \
            printf("#   got %lld want %lld\n", tap_g_, tap_w_);                            \
    } while (0)


#endif
