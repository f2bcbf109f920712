/* runtime/base/hmap.c: the hash table of hmap.h. Keys are mixed once more
 * (splitmix64's finaliser) so that sequential or low-entropy keys spread
 * over the slots as well as hashes do. */
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "util.h"

void hmap_init(struct hmap *m, size_t expect)
{
    m->cap = 16;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->count = 0;
    m->keys = xmalloc(m->cap * sizeof *m->keys);
    m->vals = xmalloc(m->cap * sizeof *m->vals);
    for (size_t i = 0; i < m->cap; i++)
        m->vals[i] = -1;
}

void hmap_free(struct hmap *m)
{
    free(m->keys);
    free(m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}

void hmap_copy(struct hmap *dst, const struct hmap *src)
{
    *dst = *src;
    if (!src->cap)
        return;
    dst->keys = xmalloc(src->cap * sizeof *dst->keys);
    dst->vals = xmalloc(src->cap * sizeof *dst->vals);
    memcpy(dst->keys, src->keys, src->cap * sizeof *dst->keys);
    memcpy(dst->vals, src->vals, src->cap * sizeof *dst->vals);
}

static size_t hmap_slot(const struct hmap *m, uint64_t key)
{
    size_t mask = m->cap - 1, i = (size_t)util_mix64(key) & mask;
    while (m->vals[i] >= 0 && m->keys[i] != key)
        i = (i + 1) & mask;
    return i;
}

int hmap_get(const struct hmap *m, uint64_t key)
{
    return m->cap ? m->vals[hmap_slot(m, key)] : -1;
}

static void hmap_rehash(struct hmap *m, size_t expect)
{
    struct hmap old = *m;
    hmap_init(m, expect);
    for (size_t i = 0; i < old.cap; i++)
        if (old.vals[i] >= 0)
            hmap_put(m, old.keys[i], old.vals[i]);
    hmap_free(&old);
}

static void hmap_grow(struct hmap *m)
{
    hmap_rehash(m, m->cap);
}

void hmap_reserve(struct hmap *m, size_t expect)
{
    if (m->cap && expect * 2 > m->cap)
        hmap_rehash(m, expect);
    else if (!m->cap)
        hmap_init(m, expect);
}

int hmap_get_or_put(struct hmap *m, uint64_t key, int val)
{
    if (!m->cap)
        hmap_init(m, 8);
    size_t i = hmap_slot(m, key);
    if (m->vals[i] >= 0)
        return m->vals[i];
    if ((m->count + 1) * 2 > m->cap) {
        hmap_grow(m);
        i = hmap_slot(m, key);
    }
    m->count++;
    m->keys[i] = key;
    m->vals[i] = val;
    return -1;
}

void hmap_put(struct hmap *m, uint64_t key, int val)
{
    if (hmap_get_or_put(m, key, val) >= 0)   /* present: replace its value */
        m->vals[hmap_slot(m, key)] = val;
}
