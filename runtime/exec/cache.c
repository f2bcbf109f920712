/* runtime/exec/cache.c: the on-disk run cache (see cache.h for the format).
 * A record is a 64-byte header followed by its payload, padded to 8 bytes:
 *
 *   0  "TMR1"         4  u32 version     8  u64 run identity
 *  16  i32 n         20  i32 m          24  i32 flags (1 = failed)
 *  28  i32 fail_step 32  i32 ncurve     36  u32 reason length
 *  40  u64 payload length               48  f64 final loss
 *  56  u64 checksum of bytes 0..55 and the payload
 *  payload: f64 curve_loss[ncurve], u32 description length, description
 *           padded to 4 bytes, f32 params[np], i32 curve_step[ncurve],
 *           reason bytes, zero padding to 8 bytes; then, in a version-3
 *           record only, the snapshots: u32 nsnap, u32 zero,
 *           f64 snap_loss[nsnap], i32 snap_step[nsnap], f32 params[nsnap*np],
 *           zero padding
 * The description names the kind and every tensor with its shape, e.g.
 * "relu W:5x2 b:5x1"; params holds the tensors in that order.
 *
 * Reading never trusts a length before checking it against the bytes left
 * and the checksum; after any bad record the reader looks for the next magic
 * at the following 8-byte boundary, so one damaged record costs one run. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "util.h"

static const unsigned char cache_magic[4] = { 'T', 'M', 'R', '1' };

enum { MAX_DIM = 1 << 20, MAX_CELLS = 1 << 26, MAX_CURVE = 1 << 24, MAX_REASON = 159,
       MAX_DESC = 255, MAX_SNAP = 10000 };

int cache_parse_id(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        v = v << 4 | (uint64_t)d;
    }
    if (s[16] != '\0')
        return -1;
    *out = v;
    return 0;
}

static size_t pad8(size_t n)
{
    return (n + 7) & ~(size_t)7;
}

static size_t reason_len(const struct train_result *r)
{
    if (!r->failed || !r->fail_reason)
        return 0;
    size_t len = strlen(r->fail_reason);
    return len > MAX_REASON ? MAX_REASON : len;
}

/* The self-description of a record of kind k: "KIND NAME:RxC ...". */
static size_t describe(const struct model_kind *k, int n, int m, char *buf, size_t size)
{
    int len = snprintf(buf, size, "%s", k ? k->name : "?");
    for (int t = 0; k && t < k->ntensors && len >= 0 && (size_t)len < size; t++) {
        int r, c;
        model_shape(k, t, n, m, &r, &c);
        len += snprintf(buf + len, size - (size_t)len, " %s:%dx%d", k->tensor[t].name, r, c);
    }
    return len < 0 || (size_t)len >= size ? 0 : (size_t)len;
}

static size_t desc_size(size_t dlen)
{
    return 4 + ((dlen + 3) & ~(size_t)3);
}

static size_t payload_size(size_t np, int ncurve, size_t dlen, size_t rlen)
{
    return pad8(8 * (size_t)ncurve + desc_size(dlen) + 4 * np + 4 * (size_t)ncurve + rlen);
}

/* A result without weights (it never trained) is stored with zeros. */
static size_t result_np(const struct train_result *r)
{
    return train_nparams(r);
}

static int result_nsnap(const struct train_result *r)
{
    return r->snap_p && r->nsnap > 0 ? r->nsnap : 0;
}

/* The snapshot section's size, padded (0 without snapshots). */
static size_t snap_size(size_t np, int nsnap)
{
    return nsnap ? pad8(8 + 12 * (size_t)nsnap + 4 * np * (size_t)nsnap) : 0;
}

size_t cache_record_size(const struct train_result *r, int keep_curve)
{
    int nc = keep_curve ? r->ncurve : 0;
    char d[MAX_DESC + 1];
    size_t dlen = describe(r->kind, r->n, r->m, d, sizeof d);
    return CACHE_HEADER_SIZE + payload_size(result_np(r), nc, dlen, reason_len(r)) +
           snap_size(result_np(r), result_nsnap(r));
}

static void put32(unsigned char *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(unsigned char *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* The snapshot section at p (see the format above). */
static void encode_snaps(unsigned char *p, const struct train_result *r, size_t np)
{
    int ns = result_nsnap(r);
    put32(p, (uint32_t)ns);
    p += 8;
    memcpy(p, r->snap_loss, 8 * (size_t)ns);
    p += 8 * (size_t)ns;
    for (int j = 0; j < ns; j++, p += 4)
        put32(p, (uint32_t)r->snap_step[j]);
    memcpy(p, r->snap_p, 4 * np * (size_t)ns);
}

static uint64_t record_checksum(const unsigned char *rec, size_t payload)
{
    uint64_t h = util_hash64(rec, 56, UTIL_HASH_INIT);
    h = util_hash64(rec + CACHE_HEADER_SIZE, payload, h);
    return util_mix64(h);
}

size_t cache_encode(unsigned char *buf, uint64_t id, const struct train_result *r, int keep_curve)
{
    int nc = keep_curve ? r->ncurve : 0;
    size_t rlen = reason_len(r), np = result_np(r);
    char d[MAX_DESC + 1];
    size_t dlen = describe(r->kind, r->n, r->m, d, sizeof d);
    size_t base = payload_size(np, nc, dlen, rlen);
    size_t payload = base + snap_size(np, result_nsnap(r));
    memset(buf, 0, CACHE_HEADER_SIZE + payload);
    memcpy(buf, cache_magic, 4);
    put32(buf + 4, result_nsnap(r) ? CACHE_SNAP_VERSION : CACHE_VERSION);
    put64(buf + 8, id);
    put32(buf + 16, (uint32_t)r->n);
    put32(buf + 20, (uint32_t)r->m);
    put32(buf + 24, r->failed ? 1u : 0u);
    put32(buf + 28, (uint32_t)r->fail_step);
    put32(buf + 32, (uint32_t)nc);
    put32(buf + 36, (uint32_t)rlen);
    put64(buf + 40, payload);
    memcpy(buf + 48, &r->final_loss, 8);
    unsigned char *p = buf + CACHE_HEADER_SIZE;
    if (nc) {
        memcpy(p, r->curve_loss, 8 * (size_t)nc);
        p += 8 * (size_t)nc;
    }
    put32(p, (uint32_t)dlen);
    memcpy(p + 4, d, dlen);
    p += desc_size(dlen);
    if (r->p)
        memcpy(p, r->p, 4 * np);
    p += 4 * np;
    for (int i = 0; i < nc; i++, p += 4)
        put32(p, (uint32_t)r->curve_step[i]);
    if (rlen)   /* a run that did not fail has no reason at all */
        memcpy(p, r->fail_reason, rlen);
    if (result_nsnap(r))
        encode_snaps(buf + CACHE_HEADER_SIZE + base, r, np);
    put64(buf + 56, record_checksum(buf, payload));
    return CACHE_HEADER_SIZE + payload;
}

/* A name no other process (here or on another host) will pick. */
static char *segment_name(const char *dir)
{
    static unsigned counter;
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    unsigned long long ns =
        (unsigned long long)t.tv_sec * 1000000000ULL + (unsigned long long)t.tv_nsec;
    unsigned hh = (unsigned)(util_hash64(host, strlen(host), UTIL_HASH_INIT) & 0xffffffffu);
    unsigned c = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);
    return xasprintf("%s/s%016llx-%08x-%ld-%u.tmr", dir, ns, hh, (long)getpid(), c);
}

/* Write to a temporary name, then rename: readers see the whole segment or
 * none. No fsync: a segment cut short by a crash fails its checksums and its
 * runs are trained again, which is cheaper than syncing every chunk. */
static int write_whole(const char *path, const unsigned char *buf, size_t len)
{
    char *tmp = xasprintf("%s.tmp", path);
    FILE *fp = fopen(tmp, "wb");
    int rc = -1;
    if (fp) {
        int ok = fwrite(buf, 1, len, fp) == len;
        ok &= fclose(fp) == 0;
        rc = ok && rename(tmp, path) == 0 ? 0 : -1;
    }
    if (rc != 0) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return rc;
}

int cache_write_segment(const char *dir, int count, const uint64_t *ids,
                        const struct train_result *const *res, int keep_curve)
{
    if (count <= 0)
        return 0;
    if (util_mkdirs(dir) != 0)
        return -1;
    size_t total = 0;
    for (int i = 0; i < count; i++)
        total += cache_record_size(res[i], keep_curve);
    unsigned char *buf = xmalloc(total);
    size_t off = 0;
    for (int i = 0; i < count; i++)
        off += cache_encode(buf + off, ids[i], res[i], keep_curve);
    char *path = segment_name(dir);
    int rc = write_whole(path, buf, total);
    int saved = errno;
    free(path);
    free(buf);
    errno = saved;
    return rc;
}

/* The description at q (len bytes left): its kind when it is exactly what
 * that kind's descriptor says for n, m; *dsize gets its padded size. The
 * parameter count is the descriptor's, so a record whose tensors do not
 * match the kind as this build declares it is never used. */
static const struct model_kind *decode_desc(const unsigned char *q, size_t len, int n, int m,
                                            size_t *dsize)
{
    if (len < 4)
        return NULL;
    uint32_t dlen = get32(q);
    if (dlen > MAX_DESC || desc_size(dlen) > len)
        return NULL;
    char got[MAX_DESC + 1], want[MAX_DESC + 1], name[MAX_DESC + 1];
    memcpy(got, q + 4, dlen);
    got[dlen] = '\0';
    size_t cut = strcspn(got, " ");
    memcpy(name, got, cut);
    name[cut] = '\0';
    const struct model_kind *k = model_find(name);
    if (!k || describe(k, n, m, want, sizeof want) != dlen || memcmp(got, want, dlen) != 0)
        return NULL;
    *dsize = desc_size(dlen);
    return k;
}

/* Header checks: 0 when this is a record of the current format whose
 * lengths are sane; 1 for a whole record of another format version. */
static int check_header(const unsigned char *p, size_t len)
{
    if (len < CACHE_HEADER_SIZE || memcmp(p, cache_magic, 4) != 0)
        return -1;
    if (get32(p + 4) != CACHE_VERSION && get32(p + 4) != CACHE_SNAP_VERSION) {
        uint64_t payload = get64(p + 40);
        return payload <= len - CACHE_HEADER_SIZE && payload % 8 == 0 &&
               record_checksum(p, (size_t)payload) == get64(p + 56) ? 1 : -1;
    }
    int32_t n = (int32_t)get32(p + 16), m = (int32_t)get32(p + 20);
    int32_t nc = (int32_t)get32(p + 32);
    uint32_t rlen = get32(p + 36), flags = get32(p + 24);
    if (n < 1 || m < 1 || n > MAX_DIM || m > MAX_DIM || (int64_t)n * m > MAX_CELLS ||
        nc < 0 || nc > MAX_CURVE || rlen > MAX_REASON || flags > 1)
        return -1;
    uint64_t payload = get64(p + 40);
    if (payload > len - CACHE_HEADER_SIZE || record_checksum(p, (size_t)payload) != get64(p + 56))
        return -1;
    return 0;
}

/* The snapshot section of a record's payload q (payload bytes, the part
 * before it base bytes): none in a version-2 record, else checked against
 * the payload's length before anything points into it. */
static int decode_snaps(const unsigned char *q, size_t payload, size_t base, size_t np,
                        uint32_t version, struct cache_rec *rec)
{
    rec->nsnap = 0;
    if (version != CACHE_SNAP_VERSION)
        return payload == base ? 0 : -1;
    if (payload < base + 8)
        return -1;
    uint32_t ns = get32(q + base);
    if (ns < 1 || ns > MAX_SNAP || payload != base + snap_size(np, (int)ns))
        return -1;
    rec->nsnap = (int)ns;
    rec->snap_loss = q + base + 8;
    rec->snap_step = q + base + 8 + 8 * (size_t)ns;
    rec->snap_p = q + base + 8 + 12 * (size_t)ns;
    return 0;
}

/* Fill rec from the record at p (len bytes left); 0 when it is whole and
 * valid, 1 when it is a whole record of another version (size set). */
static int decode_record(const unsigned char *p, size_t len, struct cache_rec *rec, size_t *size)
{
    int h = check_header(p, len);
    *size = CACHE_HEADER_SIZE + (h >= 0 ? (size_t)get64(p + 40) : 0);
    if (h != 0)
        return h;
    int32_t n = (int32_t)get32(p + 16), m = (int32_t)get32(p + 20);
    int32_t nc = (int32_t)get32(p + 32);
    uint32_t rlen = get32(p + 36);
    uint64_t payload = get64(p + 40);
    const unsigned char *q = p + CACHE_HEADER_SIZE;
    size_t dsize = 0, before = 8 * (size_t)nc;
    if (before > payload)
        return -1;
    rec->kind = decode_desc(q + before, (size_t)payload - before, n, m, &dsize);
    if (!rec->kind)
        return -1;
    size_t np = model_nparams(rec->kind, n, m);
    size_t base = payload_size(np, nc, dsize - 4, rlen);
    if (decode_snaps(q, (size_t)payload, base, np, get32(p + 4), rec) != 0)
        return -1;
    rec->id = get64(p + 8);
    rec->n = n;
    rec->m = m;
    rec->failed = (int)get32(p + 24);
    rec->fail_step = (int)(int32_t)get32(p + 28);
    rec->ncurve = nc;
    memcpy(&rec->final_loss, p + 48, 8);
    rec->curve_loss = q;
    q += before + dsize;
    rec->p = q;
    rec->np = np;
    q += 4 * np;
    rec->curve_step = q;
    q += 4 * (size_t)nc;
    rec->reason = (const char *)q;
    rec->reason_len = rlen;
    return 0;
}

int cache_scan_buffer(const unsigned char *buf, size_t len, cache_visit_fn fn, void *ctx,
                      struct cache_stats *st)
{
    size_t pos = 0;
    int in_bad = 0;
    while (pos + 8 <= len) {
        struct cache_rec rec;
        size_t size;
        int got = decode_record(buf + pos, len - pos, &rec, &size);
        if (got == 1) {       /* another format version: not used, not damage */
            pos += size;
            continue;
        }
        if (got == 0) {
            in_bad = 0;
            if (st)
                st->records++;
            int stop = fn(ctx, &rec);
            if (stop)
                return stop;
            pos += size;
            continue;
        }
        /* Count a damaged stretch once, then look for the next record. */
        if (!in_bad && st)
            st->bad++;
        in_bad = 1;
        pos += 8;
    }
    if (pos < len && !in_bad && st)
        st->bad++;
    return 0;
}

static int is_segment(const char *name)
{
    size_t len = strlen(name);
    return len > 4 && name[0] != '.' && strcmp(name + len - 4, ".tmr") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Segment file names under dir, sorted; NULL with errno on failure. */
static char **list_segments(const char *dir, int *count)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return NULL;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (!is_segment(de->d_name))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = xrealloc(names, sizeof *names * (size_t)cap);
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(dp);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    *count = n;
    return names ? names : xcalloc(1, sizeof *names);
}

/* Rewrite a segment without its damaged stretches, so that the damage is
 * reported, and its runs retrained, once rather than on every later run.
 * A segment with nothing valid left is removed. Failure leaves it as it was. */
static void cache_repair(const char *path, const unsigned char *buf, size_t len)
{
    unsigned char *out = xmalloc(len ? len : 1);
    size_t pos = 0, kept = 0;
    while (pos + 8 <= len) {
        struct cache_rec rec;
        size_t size;
        if (decode_record(buf + pos, len - pos, &rec, &size) == 0) {
            memcpy(out + kept, buf + pos, size);
            kept += size;
            pos += size;
        } else {
            pos += 8;
        }
    }
    if (kept == 0) {
        unlink(path);
    } else {
        /* not a .tmr name, so no scan reads it half-written */
        char *tmp = xasprintf("%s.%ld.fix", path, (long)getpid());
        FILE *fp = fopen(tmp, "wb");
        int ok = fp && fwrite(out, 1, kept, fp) == kept;
        if (fp && fclose(fp) != 0)
            ok = 0;
        if (!ok || rename(tmp, path) != 0)
            unlink(tmp);
        free(tmp);
    }
    free(out);
}

int cache_scan(const char *dir, cache_visit_fn fn, void *ctx, struct cache_stats *st)
{
    int count = 0;
    char **names = list_segments(dir, &count);
    if (!names)
        return errno == ENOENT ? 0 : -1;
    int stop = 0;
    for (int i = 0; i < count; i++) {
        if (!stop) {
            char *path = xasprintf("%s/%s", dir, names[i]);
            size_t len;
            char *buf = util_read_file(path, &len);
            /* A segment removed since the listing is simply not there. */
            if (buf) {
                struct cache_stats one = { 1, 0, 0 };
                stop = cache_scan_buffer((const unsigned char *)buf, len, fn, ctx, &one);
                one.bad += len == 0;   /* a segment is never empty: one cut to nothing */
                if (one.bad > 0 && !stop)
                    cache_repair(path, (const unsigned char *)buf, len);
                if (st) {
                    st->files += one.files;
                    st->records += one.records;
                    st->bad += one.bad;
                }
                free(buf);
            }
            free(path);
        }
        free(names[i]);
    }
    free(names);
    return stop;
}

static void cache_snaps_to_result(const struct cache_rec *rec, struct train_result *out)
{
    int ns = rec->nsnap;
    if (ns <= 0)
        return;
    out->nsnap = ns;
    out->snap_step = xmalloc(sizeof(int) * (size_t)ns);
    out->snap_loss = xmalloc(8 * (size_t)ns);
    out->snap_p = xmalloc(4 * rec->np * (size_t)ns + 4);
    for (int j = 0; j < ns; j++)
        out->snap_step[j] = (int)(int32_t)get32((const unsigned char *)rec->snap_step + 4 * (size_t)j);
    memcpy(out->snap_loss, rec->snap_loss, 8 * (size_t)ns);
    memcpy(out->snap_p, rec->snap_p, 4 * rec->np * (size_t)ns);
}

void cache_rec_to_result(const struct cache_rec *rec, struct train_result *out)
{
    memset(out, 0, sizeof *out);
    out->kind = rec->kind;
    out->n = rec->n;
    out->m = rec->m;
    out->failed = rec->failed;
    out->fail_step = rec->fail_step;
    if (rec->reason_len) {
        out->fail_reason = xmalloc(rec->reason_len + 1);
        memcpy(out->fail_reason, rec->reason, rec->reason_len);
        out->fail_reason[rec->reason_len] = '\0';
    }
    out->final_loss = rec->final_loss;
    out->p = xmalloc(4 * (rec->np ? rec->np : 1));
    memcpy(out->p, rec->p, 4 * rec->np);
    out->ncurve = rec->ncurve;
    if (rec->ncurve) {
        out->curve_step = xmalloc(sizeof(int) * (size_t)rec->ncurve);
        out->curve_loss = xmalloc(8 * (size_t)rec->ncurve);
        const unsigned char *s = rec->curve_step;
        for (int i = 0; i < rec->ncurve; i++)
            out->curve_step[i] = (int)(int32_t)get32(s + 4 * (size_t)i);
        memcpy(out->curve_loss, rec->curve_loss, 8 * (size_t)rec->ncurve);
    }
    cache_snaps_to_result(rec, out);
}
