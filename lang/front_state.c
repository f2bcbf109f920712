/* lang/front_state.c: the session's sticky settings as data: copying them
 * (experiment scopes, rollback when a text has errors), freeing them, and
 * finding a -D override by name. The bottom of the front end's own files:
 * evaluation, checks and planning read the state through these. */
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "util.h"

void front_state_copy(struct front_state *dst, const struct front_state *src)
{
    *dst = *src;
    dst->lets = xmalloc((size_t)(src->nlets + 1) * sizeof *dst->lets);
    if (src->nlets)
        memcpy(dst->lets, src->lets, (size_t)src->nlets * sizeof *dst->lets);
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

