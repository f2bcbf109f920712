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
    struct train_result scratch;   /* what exec_store_get returns */
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

/* The record for key, new and zeroed or existing. */
static struct store_rec *rec_for(struct exec_store *s, uint64_t key)
{
    int known = hmap_get(&s->index, key);
    if (known >= 0)
        return &s->recs[known];
    if (s->count == s->reccap) {
        s->reccap = s->reccap ? 2 * s->reccap : 256;
        s->recs = xrealloc(s->recs, sizeof *s->recs * (size_t)s->reccap);
    }
    hmap_put(&s->index, key, (int)s->count);
    struct store_rec *r = &s->recs[s->count++];
    memset(r, 0, sizeof *r);
    r->key = key;
    return r;
}

static void rec_fill(struct exec_store *s, struct store_rec *r, const struct model_kind *k,
                     int n, int m, int ncurve, int keep_curve, const char *reason, size_t rlen)
{
    r->kind = k;
    r->n = n;
    r->m = m;
    r->p = arena_alloc(s, sizeof(float) * (k ? model_nparams(k, n, m) : 0));
    r->ncurve = keep_curve ? ncurve : 0;
    r->curve_dropped = !keep_curve && ncurve > 0;
    r->curve_step = r->ncurve ? arena_alloc(s, sizeof(int) * (size_t)ncurve) : NULL;
    r->curve_loss = r->ncurve ? arena_alloc(s, sizeof(double) * (size_t)ncurve) : NULL;
    r->reason = arena_alloc(s, rlen + 1);
    memcpy(r->reason, reason, rlen);
    r->reason[rlen] = '\0';
}

/* Room for nsnap snapshots of r's parameters, which runs that asked for
 * them always keep: they are the point of asking. */
static void rec_snap_alloc(struct exec_store *s, struct store_rec *r, int nsnap)
{
    size_t np = r->kind ? model_nparams(r->kind, r->n, r->m) : 0;
    r->nsnap = nsnap;
    r->snap_step = nsnap ? arena_alloc(s, sizeof(int) * (size_t)nsnap) : NULL;
    r->snap_loss = nsnap ? arena_alloc(s, sizeof(double) * (size_t)nsnap) : NULL;
    r->snap_p = nsnap ? arena_alloc(s, sizeof(float) * np * (size_t)nsnap) : NULL;
}

void store_put_result(struct exec_store *s, uint64_t key, const struct train_result *res,
                      int keep_curve)
{
    struct store_rec *r = rec_for(s, key);
    size_t rlen = res->failed ? strnlen(res->fail_reason, sizeof res->fail_reason) : 0;
    rec_fill(s, r, res->kind, res->n, res->m, res->ncurve, keep_curve, res->fail_reason, rlen);
    if (res->p)
        memcpy(r->p, res->p, sizeof(float) * train_nparams(res));
    else
        memset(r->p, 0, sizeof(float) * train_nparams(res));
    if (r->ncurve) {
        memcpy(r->curve_step, res->curve_step, sizeof(int) * (size_t)r->ncurve);
        memcpy(r->curve_loss, res->curve_loss, sizeof(double) * (size_t)r->ncurve);
    }
    r->final_loss = res->final_loss;
    r->failed = res->failed;
    r->fail_step = res->fail_step;
    rec_snap_alloc(s, r, res->snap_p ? res->nsnap : 0);
    if (r->nsnap) {
        memcpy(r->snap_step, res->snap_step, sizeof(int) * (size_t)r->nsnap);
        memcpy(r->snap_loss, res->snap_loss, sizeof(double) * (size_t)r->nsnap);
        memcpy(r->snap_p, res->snap_p, sizeof(float) * train_nparams(res) * (size_t)r->nsnap);
    }
}

void store_put_cache(struct exec_store *s, uint64_t key, const struct cache_rec *c, int keep_curve)
{
    struct store_rec *r = rec_for(s, key);
    rec_fill(s, r, c->kind, c->n, c->m, c->ncurve, keep_curve, c->reason, c->reason_len);
    memcpy(r->p, c->p, sizeof(float) * c->np);
    if (r->ncurve) {
        const unsigned char *st = c->curve_step;
        for (int i = 0; i < r->ncurve; i++) {
            int32_t v;
            memcpy(&v, st + 4 * (size_t)i, 4);
            r->curve_step[i] = v;
        }
        memcpy(r->curve_loss, c->curve_loss, sizeof(double) * (size_t)r->ncurve);
    }
    r->final_loss = c->final_loss;
    r->failed = c->failed;
    r->fail_step = c->fail_step;
    rec_snap_alloc(s, r, c->nsnap);
    for (int j = 0; j < r->nsnap; j++) {
        int32_t v;
        memcpy(&v, (const unsigned char *)c->snap_step + 4 * (size_t)j, 4);
        r->snap_step[j] = v;
    }
    if (r->nsnap) {
        memcpy(r->snap_loss, c->snap_loss, sizeof(double) * (size_t)r->nsnap);
        memcpy(r->snap_p, c->snap_p, sizeof(float) * c->np * (size_t)r->nsnap);
    }
}

void store_view(const struct store_rec *rec, struct train_result *out)
{
    memset(out, 0, sizeof *out);
    out->n = rec->n;
    out->m = rec->m;
    out->failed = rec->failed;
    out->fail_step = rec->fail_step;
    snprintf(out->fail_reason, sizeof out->fail_reason, "%s", rec->reason);
    out->kind = rec->kind;
    out->p = rec->p;
    out->final_loss = rec->final_loss;
    out->ncurve = rec->ncurve;
    out->curve_step = rec->curve_step;
    out->curve_loss = rec->curve_loss;
    out->nsnap = rec->nsnap;
    out->snap_step = rec->snap_step;
    out->snap_loss = rec->snap_loss;
    out->snap_p = rec->snap_p;
}

long store_count(const struct exec_store *s)
{
    return s->count;
}

/* The returned view is the store's scratch: valid until the next call. */
const struct train_result *exec_store_get(const struct exec_store *s, const struct plan_run *r)
{
    const struct store_rec *rec = store_find(s, r->key);
    if (!rec)
        return NULL;
    struct train_result *scratch = &((struct exec_store *)s)->scratch;
    store_view(rec, scratch);
    return scratch;
}
