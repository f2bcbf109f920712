/* tests/unit/test_cache.c: the run cache's format. Records written to a
 * segment read back bit for bit; a flipped byte, a truncated tail, a foreign
 * file and a wrong version are each detected, counted and skipped, and the
 * records around the damage still read. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "../tap.h"
#include "model.h"
#include "util.h"

enum { NREC = 5 };

static void make_result(struct train_result *r, int n, int m, int ncurve, int failed, int seed)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->m = m;
    r->kind = seed % 2 ? &model_untied : &model_relu;
    r->p = malloc(sizeof(float) * train_nparams(r));
    float *W = r->p, *b = r->p + train_nparams(r) - (size_t)n;   /* b comes last */
    for (int i = 0; i < (int)train_nparams(r) - n; i++)
        W[i] = (float)(seed * 0.37 + i * 0.011);
    for (int i = 0; i < n; i++)
        b[i] = (float)(-seed * 0.5 + i);
    r->final_loss = 0.125 + seed;
    r->ncurve = ncurve;
    r->curve_step = malloc(sizeof(int) * (size_t)(ncurve ? ncurve : 1));
    r->curve_loss = malloc(sizeof(double) * (size_t)(ncurve ? ncurve : 1));
    for (int i = 0; i < ncurve; i++) {
        r->curve_step[i] = 100 * i;
        r->curve_loss[i] = 1.0 / (i + 1.0 + seed);
    }
    if (failed) {
        r->failed = 1;
        r->fail_step = 17;
        r->fail_reason = xstrdup("loss is not finite");
    }
}

struct seen {
    int count;
    uint64_t ids[64];
    struct train_result res[64];
};

static int collect(void *ctx, const struct cache_rec *rec)
{
    struct seen *s = ctx;
    if (s->count < 64) {
        s->ids[s->count] = rec->id;
        cache_rec_to_result(rec, &s->res[s->count]);
    }
    s->count++;
    return 0;
}

static void seen_free(struct seen *s)
{
    for (int i = 0; i < s->count && i < 64; i++)
        train_result_free(&s->res[i]);
    s->count = 0;
}

static int same_result(const struct train_result *a, const struct train_result *b, int curve)
{
    if (a->kind != b->kind || a->n != b->n || a->m != b->m || a->failed != b->failed ||
        a->final_loss != b->final_loss)
        return 0;
    for (int t = 0; t < a->kind->ntensors; t++) {
        int ra, ca, rb, cb;
        const float *ta = train_tensor(a, a->kind->tensor[t].name, &ra, &ca);
        const float *tb = train_tensor(b, a->kind->tensor[t].name, &rb, &cb);
        if (!ta || !tb || ra != rb || ca != cb || memcmp(ta, tb, sizeof(float) * (size_t)ra * ca))
            return 0;
    }
    if (a->failed && (a->fail_step != b->fail_step || strcmp(a->fail_reason, b->fail_reason)))
        return 0;
    if (!curve)
        return b->ncurve == 0;
    if (a->ncurve != b->ncurve)
        return 0;
    for (int i = 0; i < a->ncurve; i++)
        if (a->curve_step[i] != b->curve_step[i] || a->curve_loss[i] != b->curve_loss[i])
            return 0;
    return 1;
}

/* The single segment file in dir, or NULL. */
static char *only_segment(const char *dir)
{
    char *cmd = xasprintf("ls %s/*.tmr 2>/dev/null | head -n 1", dir);
    FILE *p = popen(cmd, "r");
    free(cmd);
    char line[4096] = "";
    if (!p || !fgets(line, sizeof line, p)) {
        if (p)
            pclose(p);
        return NULL;
    }
    pclose(p);
    line[strcspn(line, "\n")] = '\0';
    return xstrdup(line);
}

static void test_ids(void)
{
    uint64_t v;
    ok(cache_parse_id("00000000000000ff", &v) == 0 && v == 255, "parse a 16-digit id");
    ok(cache_parse_id("0123456789ABCDEF", &v) == 0 && v == 0x0123456789abcdefULL,
       "parse upper-case hex");
    ok(cache_parse_id("0123", &v) != 0, "reject a short id");
    ok(cache_parse_id("0123456789abcdefg", &v) != 0, "reject a long id");
    ok(cache_parse_id("0123456789abcdeg", &v) != 0, "reject a non-hex digit");
}

/* A valid record of another format version is skipped, not counted as
 * damage; a record whose tensor description was altered is damage. */
static void test_versions(void)
{
    struct train_result r;
    make_result(&r, 4, 3, 2, 0, 2);
    size_t len = cache_record_size(&r, 1);
    unsigned char *buf = malloc(2 * len);
    cache_encode(buf, 7, &r, 1);
    cache_encode(buf + len, 8, &r, 1);
    uint32_t old = 1;
    memcpy(buf + 4, &old, 4);
    uint64_t payload, h;
    memcpy(&payload, buf + 40, 8);
    h = util_mix64(util_hash64(buf + CACHE_HEADER_SIZE, (size_t)payload,
                               util_hash64(buf, 56, UTIL_HASH_INIT)));
    memcpy(buf + 56, &h, 8);
    struct seen s = {0};
    struct cache_stats st = {0, 0, 0};
    cache_scan_buffer(buf, 2 * len, collect, &s, &st);
    ok(s.count == 1 && s.ids[0] == 8 && st.bad == 0 && same_result(&s.res[0], &r, 1),
       "an old-version record is skipped quietly; the current one is read");
    seen_free(&s);
    memcpy(buf + len + CACHE_HEADER_SIZE + 16 + 4, "xxxx", 4);   /* the kind's name */
    st = (struct cache_stats){0, 0, 0};
    cache_scan_buffer(buf + len, len, collect, &s, &st);
    ok(s.count == 0 && st.bad == 1, "a record with an altered description is not used");
    seen_free(&s);
    train_result_free(&r);
    free(buf);
}

/* A result with snapshots: a version-3 record that reads back bit for
 * bit, snapshots included; a record without stays version 2; a cut in the
 * snapshot section is damage. */
static void test_snapshots(void)
{
    struct train_result r, plain;
    make_result(&r, 5, 2, 3, 0, 4);
    make_result(&plain, 5, 2, 3, 0, 4);
    size_t np = train_nparams(&r);
    r.nsnap = 3;
    r.snap_step = malloc(sizeof(int) * 3);
    r.snap_loss = malloc(sizeof(double) * 3);
    r.snap_p = malloc(sizeof(float) * np * 3);
    for (int j = 0; j < 3; j++) {
        r.snap_step[j] = 1 + 10 * j;
        r.snap_loss[j] = 0.5 / (j + 1);
    }
    for (size_t i = 0; i < np * 3; i++)
        r.snap_p[i] = (float)i * 0.25f - 1;
    size_t len = cache_record_size(&r, 1), plen = cache_record_size(&plain, 1);
    unsigned char *buf = calloc(1, len + plen);
    cache_encode(buf, 9, &r, 1);
    cache_encode(buf + len, 10, &plain, 1);
    uint32_t v3, v2;
    memcpy(&v3, buf + 4, 4);
    memcpy(&v2, buf + len + 4, 4);
    ok(v3 == CACHE_SNAP_VERSION && v2 == CACHE_VERSION, "only a record with snapshots is version 3");
    struct seen s = {0};
    struct cache_stats st = {0, 0, 0};
    cache_scan_buffer(buf, len + plen, collect, &s, &st);
    int same = s.count == 2 && st.bad == 0 && same_result(&s.res[0], &r, 1) &&
               s.res[0].nsnap == 3 && s.res[1].nsnap == 0 &&
               memcmp(s.res[0].snap_step, r.snap_step, sizeof(int) * 3) == 0 &&
               memcmp(s.res[0].snap_loss, r.snap_loss, sizeof(double) * 3) == 0 &&
               memcmp(s.res[0].snap_p, r.snap_p, sizeof(float) * np * 3) == 0;
    ok(same, "snapshots read back bit for bit beside a record without them");
    seen_free(&s);
    st = (struct cache_stats){0, 0, 0};
    cache_scan_buffer(buf, len - 8, collect, &s, &st);
    ok(s.count == 0 && st.bad == 1, "a record cut in its snapshots is damage");
    seen_free(&s);
    train_result_free(&r);
    train_result_free(&plain);
    free(buf);
}

/* One segment of NREC records written to a fresh directory, shared by the
 * scenario below: write, damage, foreign files, curves dropped. */
struct cache_fix {
    char *dir, *runs, *seg, *bytes;
    size_t len;
    struct train_result in[NREC];
    const struct train_result *ptr[NREC];
    uint64_t ids[NREC];
};

static int fix_setup(struct cache_fix *fx, char *dir)
{
    memset(fx, 0, sizeof *fx);
    fx->dir = dir;
    fx->runs = xasprintf("%s/runs", dir);
    for (int i = 0; i < NREC; i++) {
        make_result(&fx->in[i], 2 + i, 1 + i % 3, i == 1 ? 0 : 4, i == 3, i);
        fx->ptr[i] = &fx->in[i];
        fx->ids[i] = 0x1000 + (uint64_t)i * 0x9e3779b97f4a7c15ULL;
    }
    return 0;
}

static void fix_teardown(struct cache_fix *fx)
{
    char *cmd = xasprintf("rm -rf %s", fx->dir);
    if (system(cmd) != 0)
        tap_diag("could not remove %s", fx->dir);
    free(cmd);
    for (int i = 0; i < NREC; i++)
        train_result_free(&fx->in[i]);
    free(fx->seg);
    free(fx->bytes);
    free(fx->runs);
}

static void test_roundtrip(struct cache_fix *fx)
{
    struct seen s = { 0 };
    struct cache_stats st = { 0 };
    ok(cache_scan(fx->runs, collect, &s, &st) == 0 && s.count == 0, "a missing directory is empty");
    ok(cache_write_segment(fx->runs, NREC, fx->ids, fx->ptr, 1) == 0, "write a segment");
    fx->seg = only_segment(fx->runs);
    ok(fx->seg != NULL, "the segment has a .tmr name");
    ok(cache_scan(fx->runs, collect, &s, &st) == 0, "scan it");
    is_int(s.count, NREC, "every record reads back");
    is_int((int)st.bad, 0, "no record is counted bad");
    int same = s.count == NREC;
    for (int i = 0; same && i < NREC; i++)
        same = s.ids[i] == fx->ids[i] && same_result(&fx->in[i], &s.res[i], 1);
    ok(same, "ids, W, b, loss, curves and fail reasons are bit-identical");
    seen_free(&s);
}

/* Scan the directory afresh; the count read back and the damage counted. */
static int fix_scan(struct cache_fix *fx, struct seen *s, struct cache_stats *st)
{
    memset(st, 0, sizeof *st);
    cache_scan(fx->runs, collect, s, st);
    return s->count;
}

static void test_damage(struct cache_fix *fx)
{
    struct seen s = { 0 };
    struct cache_stats st;
    fx->bytes = fx->seg ? util_read_file(fx->seg, &fx->len) : NULL;
    size_t off2 = cache_record_size(&fx->in[0], 1) + cache_record_size(&fx->in[1], 1);
    int room = fx->bytes && fx->len > off2 + 70;
    if (room) {   /* flip one byte in the payload of record 2 */
        fx->bytes[off2 + 70] ^= 0x40;
        util_write_file(fx->seg, fx->bytes, fx->len);
    }
    is_int(fix_scan(fx, &s, &st), NREC - 1, "a flipped byte loses exactly its record");
    is_int((int)st.bad, 1, "and is counted once");
    int found2 = 0;
    for (int i = 0; i < s.count; i++)
        found2 |= s.ids[i] == fx->ids[2];
    ok(!found2, "the damaged record is never returned");
    seen_free(&s);
    if (room) {   /* truncate inside the last record */
        fx->bytes[off2 + 70] ^= 0x40;
        util_write_file(fx->seg, fx->bytes, fx->len - 12);
    }
    is_int(fix_scan(fx, &s, &st), NREC - 1, "a truncated tail loses only the last record");
    ok(st.bad == 1 && s.ids[s.count - 1] == fx->ids[NREC - 2], "the truncation is detected");
    seen_free(&s);
    if (fx->bytes) {   /* a wrong version reads as damage too */
        uint32_t v = 99;
        memcpy(fx->bytes + 4, &v, 4);
        util_write_file(fx->seg, fx->bytes, fx->len);
    }
    is_int(fix_scan(fx, &s, &st), NREC - 1, "a record of another version is skipped");
    seen_free(&s);
}

/* A non-segment name is ignored; garbage in a segment is damage, repaired. */
static void test_foreign(struct cache_fix *fx, char **garbage)
{
    struct seen s = { 0 };
    struct cache_stats st;
    char *junk = xasprintf("%s/notes.txt", fx->runs);
    util_write_file(junk, "hello", 5);
    *garbage = xasprintf("%s/zz-garbage.tmr", fx->runs);
    util_write_file(*garbage, "TMR1 this is not a record at all, honestly......", 48);
    fix_scan(fx, &s, &st);
    /* the other-version record was dropped from its segment by the last scan */
    ok(s.count == NREC - 1 && st.bad == 1 && st.files == 2,
       "other files are not read; a garbage segment is damage");
    seen_free(&s);
    fix_scan(fx, &s, &st);
    ok(s.count == NREC - 1 && st.bad == 0 && st.files == 1,
       "damage is repaired once seen: the next scan is clean and the garbage segment is gone");
    seen_free(&s);
    free(junk);
}

static void test_no_curves(struct cache_fix *fx, const char *garbage)
{
    struct seen s = { 0 };
    struct cache_stats st;
    if (fx->seg)
        unlink(fx->seg);
    unlink(garbage);
    ok(cache_write_segment(fx->runs, NREC, fx->ids, fx->ptr, 0) == 0,
       "write a segment without curves");
    fix_scan(fx, &s, &st);
    int same = s.count == NREC;
    for (int i = 0; same && i < NREC; i++)
        same = s.ids[i] == fx->ids[i] && same_result(&fx->in[i], &s.res[i], 0);
    ok(same, "without curves the rest is bit-identical");
    seen_free(&s);
}

int main(void)
{
    test_versions();
    test_snapshots();
    test_ids();
    char tmpl[] = "/tmp/tmsl-cache-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (!dir) {
        ok(0, "make a temporary directory");
        return done_testing();
    }
    struct cache_fix fx;
    char *garbage = NULL;
    fix_setup(&fx, dir);
    test_roundtrip(&fx);
    test_damage(&fx);
    test_foreign(&fx, &garbage);
    test_no_curves(&fx, garbage);
    free(garbage);
    fix_teardown(&fx);
    return done_testing();
}
