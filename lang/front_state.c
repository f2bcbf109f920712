/* lang/front_state.c: the session's sticky settings as data: copying them
 * (experiment scopes, rollback when a text has errors), freeing them,
 * finding a -D override by name, and finding let variables by name through
 * hash maps (a script may hold hundreds of thousands). The bottom of the
 * front end's own files: evaluation, checks and planning read the state
 * through these. */
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "util.h"

static uint64_t front_name_hash(const char *name)
{
    return util_hash64(name, strlen(name), UTIL_HASH_INIT);
}

/* The slot key of name in a map of names (names[k] for value k): its hash,
 * or past it when another name took that (probing on by one). */
static uint64_t front_name_slot(const struct hmap *m, const char *name,
                                const char *(*name_of)(const void *, int), const void *arr)
{
    uint64_t h = front_name_hash(name);
    int k;
    while ((k = hmap_get(m, h)) >= 0 && strcmp(name_of(arr, k), name))
        h++;
    return h;
}

static const char *front_let_name(const void *arr, int k)
{
    return ((const struct front_let *)arr)[k].name;
}

static const char *front_seen_name(const void *arr, int k)
{
    return ((char *const *)arr)[k];
}

int front_let_find(const struct front_state *st, const char *name)
{
    return hmap_get(&st->let_index, front_name_slot(&st->let_index, name, front_let_name, st->lets));
}

void front_let_add(struct front_state *st, const char *name, const struct ast_node *expr)
{
    st->lets = xrealloc(st->lets, (size_t)(st->nlets + 1) * sizeof *st->lets);
    st->lets[st->nlets].name = name;
    st->lets[st->nlets].expr = expr;
    /* a redefinition takes over the name's slot: the latest let wins */
    hmap_put(&st->let_index, front_name_slot(&st->let_index, name, front_let_name, st->lets),
             st->nlets++);
}

int front_let_seen(const struct front *f, const char *name)
{
    const struct hmap *m = &f->let_seen_index;
    return hmap_get(m, front_name_slot(m, name, front_seen_name, f->let_seen)) >= 0;
}

void front_let_see(struct front *f, const char *name)
{
    uint64_t h = front_name_slot(&f->let_seen_index, name, front_seen_name, f->let_seen);
    if (hmap_get(&f->let_seen_index, h) >= 0)
        return;
    f->let_seen = xrealloc(f->let_seen, (size_t)(f->nlet_seen + 1) * sizeof *f->let_seen);
    f->let_seen[f->nlet_seen] = xstrdup(name);
    hmap_put(&f->let_seen_index, h, f->nlet_seen++);
}

void front_state_copy(struct front_state *dst, const struct front_state *src)
{
    *dst = *src;
    dst->lets = xmalloc((size_t)(src->nlets + 1) * sizeof *dst->lets);
    if (src->nlets)
        memcpy(dst->lets, src->lets, (size_t)src->nlets * sizeof *dst->lets);
    hmap_copy(&dst->let_index, &src->let_index);
    dst->axes = xmalloc((size_t)(src->naxes + 1) * sizeof *dst->axes);
    for (int k = 0; k < src->naxes; k++) {
        dst->axes[k] = src->axes[k];
        dst->axes[k].values = xmalloc((size_t)src->axes[k].count * sizeof(double));
        memcpy(dst->axes[k].values, src->axes[k].values,
               (size_t)src->axes[k].count * sizeof(double));
    }
    dst->prefix = xstrdup(src->prefix);
    dst->experiment = xstrdup(src->experiment);
}

void front_state_free(struct front_state *st)
{
    for (int k = 0; k < st->naxes; k++)
        free(st->axes[k].values);
    free(st->axes);
    free(st->lets);
    hmap_free(&st->let_index);
    free(st->prefix);
    free(st->experiment);
    memset(st, 0, sizeof *st);
}

struct front_override *front_find_override(struct front *f, const char *name)
{
    for (int k = 0; k < f->nover; k++)
        if (!strcmp(f->over[k].name, name))
            return &f->over[k];
    return NULL;
}

