/* runtime/base/hmap.h: tmsl's one hash table: 64-bit keys (run identities,
 * already well mixed or mixed here) to non-negative ints (an index into the
 * caller's own array). Open addressing with linear probing, kept at most
 * half full; it grows by itself. The planner, the executor and the run store
 * all index runs through it, the front end its names (hashed by the caller,
 * which compares the names on a hit and probes on from key + 1 on a
 * collision). */
#ifndef TMSL_HMAP_H
#define TMSL_HMAP_H
#include <stddef.h>
#include <stdint.h>

struct hmap {
    uint64_t *keys;
    int32_t *vals;     /* -1: empty slot */
    size_t cap;        /* a power of two */
    size_t count;
};

/* An empty map with room for about `expect` keys before it grows. */
void hmap_init(struct hmap *m, size_t expect);
void hmap_free(struct hmap *m);
/* dst (not initialised) becomes a copy of src. */
void hmap_copy(struct hmap *dst, const struct hmap *src);
/* Room for `expect` keys without growing: a map about to take many keys at
 * once grows once, not through every size in between. */
void hmap_reserve(struct hmap *m, size_t expect);
/* The value of key, or -1. */
int hmap_get(const struct hmap *m, uint64_t key);
/* The value of key; if it has none, key is added with val (>= 0) and the
 * result is -1 (one probe where a get and a put take two). */
int hmap_get_or_put(struct hmap *m, uint64_t key, int val);
/* Set key to val (>= 0), adding the key or replacing its value. */
void hmap_put(struct hmap *m, uint64_t key, int val);

#endif
