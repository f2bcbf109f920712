/* runtime/exec/exec_cache.c: the executor and the run cache. Before
 * training, every run still needed is looked up in OUTDIR/runs (and, for
 * `tmsl merge`, in the shards' caches, whose finds are copied here); after
 * each chunk, the finished runs are written as a new segment, so a killed
 * sweep loses only the chunk in flight. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "exec_int.h"
#include "hmap.h"
#include "util.h"

struct load_ctx {
    struct xctx *x;
    struct hmap map;
    int *loaded;     /* run indices filled from this cache */
    int nloaded;
};

static int load_visit(void *arg, const struct cache_rec *rec)
{
    struct load_ctx *lc = arg;
    int i = hmap_get(&lc->map, rec->id);
    if (i < 0 || !lc->x->need[i])
        return 0;
    store_put_cache(lc->x->s, lc->x->p->runs[i].key, rec, lc->x->keep_curve);
    lc->x->need[i] = 0;
    lc->x->reused++;
    lc->loaded[lc->nloaded++] = i;
    return 0;
}

/* Fill what is needed from the cache in dir; returns how many runs it gave
 * and their indices in *loaded (free it). */
static int load_cache(struct xctx *x, const char *dir, int **loaded)
{
    int k = exec_count_need(x);
    *loaded = NULL;
    if (k == 0)
        return 0;
    struct load_ctx lc = { x, { 0 }, xmalloc(sizeof(int) * (size_t)k), 0 };
    hmap_init(&lc.map, (size_t)k);
    for (int i = 0; i < x->p->nruns; i++)
        if (x->need[i])
            hmap_put(&lc.map, x->ids[i], i);
    struct cache_stats st = { 0 };
    if (cache_scan(dir, load_visit, &lc, &st) < 0 && !x->o->quiet)
        fprintf(x->o->msg, "tmsl: warning: cannot read the run cache '%s': %s\n", dir,
                strerror(errno));
    x->cache_bad += st.bad;
    hmap_free(&lc.map);
    *loaded = lc.loaded;
    return lc.nloaded;
}

/* Write finished runs idx[0..n) to this output's cache, in pieces that keep
 * every segment a few megabytes. */
void exec_persist_runs(struct xctx *x, const int *idx, int n)
{
    enum { PIECE_RUNS = 65536 };
    for (int off = 0; off < n; off += PIECE_RUNS) {
        int k = n - off < PIECE_RUNS ? n - off : PIECE_RUNS;
        uint64_t *ids = xmalloc(sizeof *ids * (size_t)k);
        struct train_result *views = xmalloc(sizeof *views * (size_t)k);
        const struct train_result **ptr = xmalloc(sizeof *ptr * (size_t)k);
        for (int j = 0; j < k; j++) {
            int i = idx[off + j];
            ids[j] = x->ids[i];
            store_view(store_find(x->s, x->p->runs[i].key), &views[j]);
            ptr[j] = &views[j];
        }
        if (cache_write_segment(x->runs_dir, k, ids, ptr, 1) != 0 && !x->cache_warned) {
            x->cache_warned = 1;
            util_note_write_failure();
            fprintf(x->o->msg, "tmsl: warning: cannot write the run cache '%s': %s\n",
                    x->runs_dir, strerror(errno));
        }
        free(ids);
        free(views);
        free(ptr);
    }
}

/* Look every needed run up in this output's cache, then (merge) in the
 * shards' caches, copying what those give into this output's cache. */
void exec_load_caches(struct xctx *x)
{
    int *loaded;
    if (x->o->force)
        return;
    exec_refresh_cache(x);
    for (int c = 0; c < x->o->ncache_dirs; c++) {
        int n = load_cache(x, x->o->cache_dirs[c], &loaded);
        if (n > 0)
            exec_persist_runs(x, loaded, n);
        free(loaded);
    }
}

static struct timespec dir_mtime(const char *dir)
{
    struct stat sb;
    struct timespec none = { 0, 0 };
    return stat(dir, &sb) == 0 ? sb.st_mtim : none;
}

/* Segments are renamed into runs_dir, so its mtime moves whenever anyone
 * (this process included) stores runs: read it again only then. */
void exec_refresh_cache(struct xctx *x)
{
    if (x->o->force)
        return;
    struct timespec t = dir_mtime(x->runs_dir);
    if (t.tv_sec == x->scanned.tv_sec && t.tv_nsec == x->scanned.tv_nsec && t.tv_sec != 0)
        return;
    int *loaded;
    load_cache(x, x->runs_dir, &loaded);
    free(loaded);
    x->scanned = t;
}

int exec_lock_batch(struct xctx *x, const struct plan_batch *b, int wait)
{
    uint64_t h = UTIL_HASH_INIT;
    for (int i = 0; i < b->nruns; i++)
        if (exec_owns(x, b->runs[i]))
            h = util_hash64(&x->ids[b->runs[i]], sizeof x->ids[0], h);
    if (util_mkdirs(x->runs_dir) != 0)
        return -2;
    char *path = xasprintf("%s/lock-%016llx", x->runs_dir, (unsigned long long)h);
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    free(path);
    if (fd < 0)
        return -2;
    /* SIGINT is installed without SA_RESTART, so Ctrl-C ends a wait */
    if (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0)
        return fd;
    int busy = errno == EWOULDBLOCK || errno == EINTR;
    close(fd);
    return busy ? -1 : -2;
}

void exec_unlock_batch(int fd)
{
    if (fd >= 0)
        close(fd);   /* closing drops the flock */
}
