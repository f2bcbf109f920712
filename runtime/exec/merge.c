/* runtime/exec/merge.c: `tmsl merge DIR... [-o OUT]`, joining shard outputs.
 * The shards' manifests must agree on everything that decides the plan (the
 * script's hash and text, its -D overrides and --seed, the shard count) and
 * together cover shards 1..N, each finished. The script is then planned again
 * from the manifest's copy of its text and overrides, and must hash as the
 * shards' did; its outputs are produced from the shards' run caches, which
 * are copied into OUT/runs so OUT stands alone. Nothing is trained. */
#include "exec.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "shard.h"
#include "util.h"

struct manifests {
    struct shard_manifest *m;
    int n;
};

/* Read every manifest under every dir; 0, or 2 after reporting. */
static int read_manifests(int ndirs, char *const *dirs, struct diag *d, struct manifests *all)
{
    for (int i = 0; i < ndirs; i++) {
        int count = 0;
        char **paths = shard_list(dirs[i], &count);
        if (!paths) {
            diag_error(d, NULL, "cannot read '%s': %s", dirs[i], strerror(errno));
            return 2;
        }
        if (count == 0)
            diag_error(d, NULL, "'%s' holds no shard manifest (run 'tmsl --shard I/N' first)",
                       dirs[i]);
        for (int k = 0; k < count; k++) {
            char *err = NULL;
            all->m = xrealloc(all->m, sizeof *all->m * (size_t)(all->n + 1));
            if (shard_read(paths[k], &all->m[all->n], &err) == 0)
                all->n++;
            else {
                diag_error(d, NULL, "%s", err);
                free(err);
            }
            free(paths[k]);
        }
        free(paths);
        if (count == 0)
            return 2;
    }
    return diag_errors(d) ? 2 : 0;
}

/* What differs between two manifests' scripts, or NULL when they match. */
static const char *difference(const struct shard_manifest *a, const struct shard_manifest *b)
{
    if (a->script_hash != b->script_hash || a->len != b->len || memcmp(a->text, b->text, a->len))
        return "a different script";
    if (a->nover != b->nover)
        return "different -D overrides";
    for (int i = 0; i < a->nover; i++)
        if (strcmp(a->over_name[i], b->over_name[i]) || strcmp(a->over_value[i], b->over_value[i]))
            return "different -D overrides";
    if (a->have_seed != b->have_seed || a->seed != b->seed)
        return "a different --seed";
    if (a->count != b->count)
        return "a different shard count";
    return NULL;
}

/* Every manifest agrees with the first; shards 1..N are all there and whole. */
static int check_cover(const struct manifests *all, struct diag *d)
{
    const struct shard_manifest *ref = &all->m[0];
    for (int i = 1; i < all->n; i++) {
        const char *why = difference(ref, &all->m[i]);
        if (why) {
            diag_error(d, NULL, "shard %d/%d of '%s' ran %s than shard %d/%d of '%s'; "
                       "refusing to merge", all->m[i].index, all->m[i].count, all->m[i].name,
                       why, ref->index, ref->count, ref->name);
            return 2;
        }
    }
    int status = 0;
    for (int s = 1; s <= ref->count; s++) {
        int found = 0, whole = 0;
        for (int i = 0; i < all->n; i++)
            if (all->m[i].index == s) {
                found = 1;
                whole |= all->m[i].complete;
            }
        if (!found)
            diag_error(d, NULL, "shard %d/%d is missing: no shard-%d-of-%d.manifest in the "
                       "directories given", s, ref->count, s, ref->count);
        else if (!whole)
            diag_error(d, NULL, "shard %d/%d did not finish: run it again to complete it", s,
                       ref->count);
        if (!found || !whole)
            status = 1;
    }
    return status;
}

/* Plan the script again exactly as the shards did; 0, or 2 after reporting. */
static int replan(const struct shard_manifest *ref, const char *exe_dir, struct diag *d,
                  struct front **fp, struct plan *p)
{
    struct front_options fo = { ref->nover, (const char *const *)ref->over_name,
                                (const char *const *)ref->over_value, ref->have_seed, ref->seed,
                                exe_dir };
    *fp = front_new(d, &fo);
    const char *name = ref->path[0] ? ref->path : ref->name;
    if (front_load(*fp, name, ref->text, ref->len, 1, p) != 0)
        return 2;
    if (p->script_hash != ref->script_hash) {
        diag_error(d, NULL, "'%s' now plans differently than when the shards ran it (a file it "
                   "uses may have changed); refusing to merge", ref->name);
        plan_free(p);
        return 2;
    }
    return 0;
}

static int same_dir(const char *a, const char *b)
{
    char ra[PATH_MAX], rb[PATH_MAX];
    return realpath(a, ra) && realpath(b, rb) && strcmp(ra, rb) == 0;
}

int exec_merge(int ndirs, char *const *dirs, const char *exe_dir, struct diag *d,
               const struct exec_options *o)
{
    struct manifests all = { NULL, 0 };
    int status = read_manifests(ndirs, dirs, d, &all);
    if (status == 0)
        status = check_cover(&all, d);
    struct front *f = NULL;
    struct plan p;
    if (status == 0)
        status = replan(&all.m[0], exe_dir, d, &f, &p);
    if (status == 0) {
        struct exec_options mo = *o;
        mo.outdir = o->outdir ? o->outdir : dirs[0];
        mo.script = all.m[0].name;
        /* the shards' script and overrides, for the manifest, headers and titles */
        const struct shard_manifest *m0 = &all.m[0];
        const struct exec_source src = { m0->name, m0->path, m0->text, m0->len, m0->nover,
                                         (const char *const *)m0->over_name,
                                         (const char *const *)m0->over_value, m0->have_seed,
                                         m0->seed };
        mo.source = &src;
        mo.no_train = 1;
        mo.force = 0;
        mo.shard_index = mo.shard_count = 0;
        mo.nranks = 0;
        char **caches = xcalloc((size_t)ndirs, sizeof *caches);
        int nc = 0;
        for (int i = 0; i < ndirs; i++)
            if (!same_dir(dirs[i], mo.outdir))
                caches[nc++] = xasprintf("%s/runs", dirs[i]);
        mo.ncache_dirs = nc;
        mo.cache_dirs = (const char *const *)caches;
        struct exec_store *s = exec_store_new();
        status = exec_plan(s, &p, d, &mo);
        exec_store_free(s);
        for (int i = 0; i < nc; i++)
            free(caches[i]);
        free(caches);
        plan_free(&p);
    }
    if (f)
        front_free(f);
    for (int i = 0; i < all.n; i++)
        shard_free(&all.m[i]);
    free(all.m);
    return status;
}
