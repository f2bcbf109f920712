/* runtime/base/util.c: allocation, strings, hashing and atomic files.
 * Out-of-memory is the one error tmsl does not try to recover from: the
 * allocation wrappers print a message and exit with status 1 rather than let
 * a NULL travel into the trainer. Files that users read (figures, data,
 * runs.jsonl, cache entries) are always written through util_afopen() so an
 * interrupted run never leaves a half-written file under the final name. */
#include "util.h"

#include <errno.h>
#include <float.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void util_oom(size_t n)
{
    fprintf(stderr, "tmsl: error: out of memory (allocating %zu bytes)\n", n);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        util_oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        util_oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        util_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void sbuf_init(struct sbuf *b)
{
    b->s = NULL;
    b->len = b->cap = 0;
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s) { sbuf_add(b, s, strlen(s)); }

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char small[256];
    char *tmp = (size_t)n < sizeof small ? small : xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_add(b, tmp, (size_t)n);
    if (tmp != small)
        free(tmp);
}

void sbuf_free(struct sbuf *b)
{
    free(b->s);
    sbuf_init(b);
}

uint64_t util_hash64(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t util_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static int util_write_errors;

int util_write_failures(void)
{
    return __atomic_load_n(&util_write_errors, __ATOMIC_RELAXED);
}

void util_note_write_failure(void)
{
    __atomic_add_fetch(&util_write_errors, 1, __ATOMIC_RELAXED);
}

int util_afopen(struct afile *af, const char *path)
{
    af->path = xstrdup(path);
    af->tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp, "w");
    if (!af->fp) {
        int e = errno;
        util_note_write_failure();
        free(af->path);
        free(af->tmp);
        af->path = af->tmp = NULL;
        errno = e;
        return -1;
    }
    return 0;
}

int util_afclose(struct afile *af, int ok)
{
    int rc = 0, asked = ok;
    if (!af->fp)
        return -1;
    if (fflush(af->fp) != 0 || ferror(af->fp))
        ok = 0, rc = -1;
    if (ok && fsync(fileno(af->fp)) != 0)
        ok = 0, rc = -1;
    int e = errno;
    if (fclose(af->fp) != 0)
        ok = 0, rc = -1, e = errno;
    af->fp = NULL;
    if (ok && rename(af->tmp, af->path) != 0)
        rc = -1, e = errno;
    if (!ok || rc != 0)
        unlink(af->tmp);
    if (asked && (!ok || rc != 0))
        util_note_write_failure();
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    errno = e;
    return ok ? rc : -1;
}

int util_write_file(const char *path, const char *data, size_t n)
{
    struct afile af;
    if (util_afopen(&af, path) != 0)
        return -1;
    int ok = fwrite(data, 1, n, af.fp) == n;
    return util_afclose(&af, ok);
}

char *util_read_file(const char *path, size_t *len)
{
    FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!fp)
        return NULL;
    struct sbuf b;
    sbuf_init(&b);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0)
        sbuf_add(&b, chunk, got);
    int err = ferror(fp);
    if (fp != stdin)
        fclose(fp);
    if (err) {
        sbuf_free(&b);
        errno = EIO;
        return NULL;
    }
    if (!b.s)
        sbuf_add(&b, "", 0);
    if (len)
        *len = b.len;
    return b.s;
}

int util_mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *s = '/';
    }
    int rc = mkdir(p, 0777) != 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* Significant digits of a %g rendering: first to last nonzero digit. */
static int fmt_sig_digits(const char *s)
{
    int first = -1, last = -1, at = 0;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9')
            continue;
        if (*s != '0') {
            if (first < 0)
                first = at;
            last = at;
        }
        at++;
    }
    return first < 0 ? 1 : last - first + 1;
}

static void fmt_every_precision(char *buf, size_t size, double v)
{
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

void util_fmt_double(char *buf, size_t size, double v)
{
    /* The shortest of %.{6..17}g that reads back to the same double. When
     * 6 digits do not do, %.15g holds exactly the shortest k <= 15 digits
     * (the correctly rounded k-digit value is within half an ulp, far
     * inside the 15-digit rounding interval), so one more call formats it
     * with %.{k}g; the text is the same as trying every precision.
     * Subnormals carry fewer bits than that argument needs: try them all. */
    if (v != 0 && (v < 0 ? -v : v) < DBL_MIN) {
        fmt_every_precision(buf, size, v);
        return;
    }
    snprintf(buf, size, "%.6g", v);
    if (strtod(buf, NULL) == v)
        return;
    snprintf(buf, size, "%.15g", v);
    if (strtod(buf, NULL) == v) {
        int k = fmt_sig_digits(buf);
        snprintf(buf, size, "%.*g", k < 7 ? 7 : k, v);
        return;
    }
    snprintf(buf, size, "%.16g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, size, "%.17g", v);
}
