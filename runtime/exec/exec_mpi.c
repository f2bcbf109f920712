/* runtime/exec/exec_mpi.c: under MPI every rank trains its slice of the
 * plan, then sends its finished runs to rank 0 as cache records; rank 0
 * takes them into its store and answers for the whole plan. Built only
 * with --with-mpi. */
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "exec_int.h"
#include "hmap.h"
#include "ranks.h"
#include "util.h"

/* A rank's message: status, trained, reused (int64 each), then cache records. */
void exec_mpi_send_slice(struct xctx *x, int status)
{
    size_t len = 24;
    struct train_result v;
    for (int i = 0; i < x->p->nruns; i++) {
        const struct store_rec *r = exec_owns(x, i) ? store_find(x->s, x->p->runs[i].key) : NULL;
        if (r && !x->need[i]) {
            store_view(r, &v);
            len += cache_record_size(&v, x->keep_curve);
        }
    }
    unsigned char *buf = xmalloc(len);
    int64_t head[3] = { status, x->trained, x->reused };
    memcpy(buf, head, 24);
    size_t off = 24;
    for (int i = 0; i < x->p->nruns; i++) {
        const struct store_rec *r = exec_owns(x, i) ? store_find(x->s, x->p->runs[i].key) : NULL;
        if (r && !x->need[i]) {
            store_view(r, &v);
            off += cache_encode(buf + off, x->ids[i], &v, x->keep_curve);
        }
    }
    mpi_send_bytes(0, buf, len);
    free(buf);
}

struct gather_ctx {
    struct xctx *x;
    struct hmap map;
};

static int gather_visit(void *arg, const struct cache_rec *rec)
{
    struct gather_ctx *g = arg;
    int i = hmap_get(&g->map, rec->id);
    if (i >= 0)
        store_put_cache(g->x->s, g->x->p->runs[i].key, rec, g->x->keep_curve);
    return 0;
}

/* Rank 0: take every other rank's runs; returns the worst rank status. */
int exec_mpi_gather(struct xctx *x, int status)
{
    struct gather_ctx g = { x, { 0 } };
    hmap_init(&g.map, (size_t)x->p->nruns);
    for (int i = 0; i < x->p->nruns; i++)
        hmap_put(&g.map, x->ids[i], i);
    for (int r = 1; r < x->o->nranks; r++) {
        size_t len = 0;
        unsigned char *buf = mpi_recv_bytes(r, &len);
        if (!buf || len < 24) {
            diag_error(x->d, NULL, "lost the results of MPI rank %d", r);
            status = status > 1 ? status : 1;
            free(buf);
            continue;
        }
        int64_t head[3];
        memcpy(head, buf, 24);
        if (head[0] == 130 || status == 130)
            status = 130;
        x->trained += head[1];
        x->reused += head[2];
        cache_scan_buffer(buf + 24, len - 24, gather_visit, &g, NULL);
        free(buf);
    }
    hmap_free(&g.map);
    /* From here on rank 0 answers for the whole plan. */
    for (int i = 0; i < x->p->nruns; i++)
        x->need[i] = store_find(x->s, x->p->runs[i].key) == NULL;
    x->index = x->count = 1;
    return status;
}
