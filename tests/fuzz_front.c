/* tests/fuzz_front.c: robustness of the front end against mangled input.
 * For each seed file it loads thousands of deterministic mutations (byte
 * flips, deleted or duplicated words, truncations, inserted punctuation)
 * through front_load, as a file and as REPL input. Nothing may crash or hang
 * and, under the sanitizer build, nothing may leak. Prints TAP. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "front.h"
#include "util.h"

static uint64_t fuzz_state = 0x1234567;

static uint64_t fuzz_next(void)
{
    fuzz_state += 0x9e3779b97f4a7c15ULL;
    return util_mix64(fuzz_state);
}

static size_t fuzz_pick(size_t n) { return n ? (size_t)(fuzz_next() % n) : 0; }

/* One mutation of src into buf (capacity cap); returns the new length. */
static size_t fuzz_mutate(const char *src, size_t len, char *buf, size_t cap)
{
    static const char punct[] = ";{}()[],=..-+*/^<>#\n 0123456789ei";
    size_t n = len < cap ? len : cap;
    memcpy(buf, src, n);
    int rounds = 1 + (int)fuzz_pick(4);
    for (int r = 0; r < rounds && n > 0; r++) {
        size_t at = fuzz_pick(n), span = 1 + fuzz_pick(12);
        if (at + span > n)
            span = n - at;
        switch (fuzz_pick(5)) {
        case 0: buf[at] ^= (char)(1u << fuzz_pick(8)); break;
        case 1: memmove(buf + at, buf + at + span, n - at - span); n -= span; break;
        case 2:
            if (n + span < cap) {
                memmove(buf + at + span, buf + at, n - at);
                n += span;
            }
            break;
        case 3: n = at; break;
        default: buf[at] = punct[fuzz_pick(sizeof punct - 1)]; break;
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    int per_file = argc > 1 ? atoi(argv[1]) : 500;
    FILE *sink = fopen("/dev/null", "w");
    int t = 0;
    char *buf = xmalloc(1 << 16);
    for (int a = 2; a < argc; a++) {
        size_t len;
        char *src = util_read_file(argv[a], &len);
        if (!src) {
            printf("not ok %d - cannot read %s\n", ++t, argv[a]);
            continue;
        }
        struct diag *d = diag_new(sink);
        struct front *f = front_new(d, NULL);
        int loaded = 0;
        for (int k = 0; k < per_file; k++) {
            size_t n = fuzz_mutate(src, len, buf, 1 << 16);
            struct plan p;
            int rc = front_load(f, "fuzz.tmsl", buf, n, k & 1, &p);
            loaded += rc == 0;
            if (rc == 0)
                plan_free(&p);
            if (k % 100 == 99) {   /* fresh sessions now and then: settings stay bounded */
                front_free(f);
                diag_free(d);
                d = diag_new(sink);
                f = front_new(d, NULL);
            }
        }
        front_free(f);
        diag_free(d);
        free(src);
        printf("ok %d - %d mutations of %s (%d loaded)\n", ++t, per_file, argv[a], loaded);
    }
    free(buf);
    fclose(sink);
    printf("1..%d\n", t);
    return 0;
}
