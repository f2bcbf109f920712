/* runtime/exec/store.c: finished runs by identity, for one tmsl session.
 * The run key indexes (base/hmap.h) an array of compact records; the
 * records' arrays are carved from large blocks (an arena) that live as long
 * as the store. Replacing a run (--force) leaves its old arrays unused in
 * the arena: rare, and cheaper than per-run allocations for a million runs. */
#include "store.h"

#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "hmap.h"
#include "model.h"
#include "util.h"

enum { BLOCK_SIZE = 1 << 20 };

struct block {
    struct block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

struct exec_store {
    struct store_rec *recs;
    long count, reccap;
    struct hmap index;        /* key -> record index */
    struct block *blocks;
};

static void *arena_alloc(struct exec_store *s, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct block *b = s->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        b = xmalloc(sizeof *b + cap);
        b->cap = cap;
        b->used = 0;
        b->next = s->blocks;
        s->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

struct exec_store *exec_store_new(void)
{
    struct exec_store *s = xcalloc(1, sizeof *s);
    hmap_init(&s->index, 32);
    return s;
}

void exec_store_free(struct exec_store *s)
{
    if (!s)
        return;
    while (s->blocks) {
        struct block *b = s->blocks;
        s->blocks = b->next;
        free(b);
    }
    free(s->recs);
    hmap_free(&s->index);
    free(s);
}

const struct store_rec *store_find(const struct exec_store *s, uint64_t key)
{
    int v = hmap_get(&s->index, key);
    return v >= 0 ? &s->recs[v] : NULL;
}

void store_reserve(struct exec_store *s, long count)
{
    if (count <= s->reccap)
        return;
    s->reccap = count;
    s->recs = xrealloc(s->recs, sizeof *s->recs * (size_t)s->reccap);
    hmap_reserve(&s->index, (size_t)count);
}

/* The record for key, new and zeroed or existing. */
static struct store_rec *rec_for(struct exec_store *s, uint64_t key)
{
    int known = hmap_get(&s->index, key);
    if (known >= 0)
        return &s->recs[known];
    if (s->count == s->reccap)
        store_reserve(s, s->reccap ? 2 * s->reccap : 256);
    hmap_put(&s->index, key, (int)s->count);
    struct store_rec *r = &s->recs[s->count++];
    memset(r, 0, sizeof *r);
    r->key = key;
    return r;
}

/* The record's arrays and scalars; a failure's reason is copied, since
 * most runs have none and need no room for one. */
static void rec_fill(struct exec_store *s, struct store_rec *r, const struct model_kind *k,
                     int n, int m, int ncurve, int keep_curve, const char *reason, size_t rlen)
{
    struct train_result *t = &r->res;
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->n = n;
    t->m = m;
    t->p = arena_alloc(s, sizeof(float) * (k ? model_nparams(k, n, m) : 0));
    t->ncurve = keep_curve ? ncurve : 0;
    r->curve_dropped = !keep_curve && ncurve > 0;
    t->curve_step = t->ncurve ? arena_alloc(s, sizeof(int) * (size_t)ncurve) : NULL;
    t->curve_loss = t->ncurve ? arena_alloc(s, sizeof(double) * (size_t)ncurve) : NULL;
    if (rlen) {
        t->fail_reason = arena_alloc(s, rlen + 1);
        memcpy(t->fail_reason, reason, rlen);
        t->fail_reason[rlen] = '\0';
    }
}

/* Room for nsnap snapshots of r's parameters. */
static void rec_snap_alloc(struct exec_store *s, struct train_result *t, int nsnap)
{
    size_t np = train_nparams(t);
    t->nsnap = nsnap;
    t->snap_step = nsnap ? arena_alloc(s, sizeof(int) * (size_t)nsnap) : NULL;
    t->snap_loss = nsnap ? arena_alloc(s, sizeof(double) * (size_t)nsnap) : NULL;
    t->snap_p = nsnap ? arena_alloc(s, sizeof(float) * np * (size_t)nsnap) : NULL;
}

void store_put_result(struct exec_store *s, uint64_t key, const struct train_result *res,
                      int keep_curve)
{
    struct store_rec *r = rec_for(s, key);
    struct train_result *t = &r->res;
    size_t rlen = res->failed && res->fail_reason ? strlen(res->fail_reason) : 0;
    rec_fill(s, r, res->kind, res->n, res->m, res->ncurve, keep_curve, res->fail_reason, rlen);
    if (res->p)
        memcpy(t->p, res->p, sizeof(float) * train_nparams(res));
    else
        memset(t->p, 0, sizeof(float) * train_nparams(res));
    if (t->ncurve) {
        memcpy(t->curve_step, res->curve_step, sizeof(int) * (size_t)t->ncurve);
        memcpy(t->curve_loss, res->curve_loss, sizeof(double) * (size_t)t->ncurve);
    }
    t->final_loss = res->final_loss;
    t->failed = res->failed;
    t->fail_step = res->fail_step;
    rec_snap_alloc(s, t, res->snap_p ? res->nsnap : 0);
    if (t->nsnap) {
        memcpy(t->snap_step, res->snap_step, sizeof(int) * (size_t)t->nsnap);
        memcpy(t->snap_loss, res->snap_loss, sizeof(double) * (size_t)t->nsnap);
        memcpy(t->snap_p, res->snap_p, sizeof(float) * train_nparams(res) * (size_t)t->nsnap);
    }
}

/* Little-endian 32-bit integers of a cache record into ints. */
static void rec_ints(int *out, const void *in, int count)
{
    for (int i = 0; i < count; i++) {
        int32_t v;
        memcpy(&v, (const unsigned char *)in + 4 * (size_t)i, 4);
        out[i] = v;
    }
}

void store_put_cache(struct exec_store *s, uint64_t key, const struct cache_rec *c, int keep_curve)
{
    struct store_rec *r = rec_for(s, key);
    struct train_result *t = &r->res;
    rec_fill(s, r, c->kind, c->n, c->m, c->ncurve, keep_curve, c->reason, c->reason_len);
    memcpy(t->p, c->p, sizeof(float) * c->np);
    if (t->ncurve) {
        rec_ints(t->curve_step, c->curve_step, t->ncurve);
        memcpy(t->curve_loss, c->curve_loss, sizeof(double) * (size_t)t->ncurve);
    }
    t->final_loss = c->final_loss;
    t->failed = c->failed;
    t->fail_step = c->fail_step;
    rec_snap_alloc(s, t, c->nsnap);
    if (t->nsnap) {
        rec_ints(t->snap_step, c->snap_step, t->nsnap);
        memcpy(t->snap_loss, c->snap_loss, sizeof(double) * (size_t)t->nsnap);
        memcpy(t->snap_p, c->snap_p, sizeof(float) * c->np * (size_t)t->nsnap);
    }
}

void store_view(const struct store_rec *rec, struct train_result *out)
{
    *out = rec->res;
}

long store_count(const struct exec_store *s)
{
    return s->count;
}

/* The record itself: valid until the store next grows. */
const struct train_result *exec_store_get(const struct exec_store *s, const struct plan_run *r)
{
    const struct store_rec *rec = store_find(s, r->key);
    if (!rec)
        return NULL;
    return &rec->res;
}
