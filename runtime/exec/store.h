/* runtime/exec/store.h: the executor's in-memory store of finished runs.
 * Internal to the runtime (exec.c, merge.c). A record keeps what outputs
 * read: the model kind and its parameters, the final loss, the failure if any and, only when asked to,
 * the loss curve; every array lives in a few large blocks, so a million runs
 * of n=2, m=1 cost tens of megabytes, not a million small allocations. */
#ifndef TMSL_STORE_H
#define TMSL_STORE_H
#include <stdint.h>
#include "cache.h"
/* struct exec_store is the executor's; the store only knows it by name */
struct exec_store;
#include "train.h"

/* A record is the result itself, its arrays carved from the store's arena,
 * so outputs read it in place: a million runs need no second copy. The
 * curve is kept only when asked for; snapshots always are (asking for them
 * is the point). fail_reason is NULL unless the run failed. */
struct store_rec {
    struct train_result res; /* shallow: never train_result_free it */
    uint64_t key;
    int curve_dropped;       /* the run had a curve that was not kept */
};

const struct store_rec *store_find(const struct exec_store *s, uint64_t key);
/* Keep a trained result (copied; keep_curve 0 drops its curve). Replaces an
 * existing record of the same key. */
void store_put_result(struct exec_store *s, uint64_t key, const struct train_result *r,
                      int keep_curve);
void store_put_cache(struct exec_store *s, uint64_t key, const struct cache_rec *r,
                     int keep_curve);
/* A shallow train_result over a record: arrays point into the store. */
void store_view(const struct store_rec *rec, struct train_result *out);
long store_count(const struct exec_store *s);
/* Room for count records, so that a plan of known size grows no further. */
void store_reserve(struct exec_store *s, long count);

#endif
