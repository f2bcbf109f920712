/* runtime/exec/shard.h: shards of a plan and their manifests.
 * Shard i of N (1-based) owns the runs whose plan index is i-1 modulo N, a
 * slice that is deterministic and spreads every sweep axis over all shards.
 * A shard writes OUTDIR/shard-I-of-N.manifest: the script's hash and text,
 * the -D overrides and --seed it ran with, and the ids of the runs it owns,
 * so `tmsl merge` can check the shards belong together and re-plan the
 * script exactly as they did. */
#ifndef TMSL_SHARD_H
#define TMSL_SHARD_H
#include <stddef.h>
#include <stdint.h>

struct shard_manifest {
    uint64_t script_hash;
    int index, count;            /* shard index (1-based) of count */
    char *name;                  /* script name as given, for messages */
    char *path;                  /* absolute script path, "" for standard input */
    char *text;                  /* the script's text */
    size_t len;
    int nover;
    char **over_name, **over_value;
    int have_seed;
    uint64_t seed;
    int complete;                /* every owned run finished (trained or failed) */
    int nplan;                   /* runs in the whole plan */
    int nids;                    /* runs this shard owns */
    uint64_t *ids;
};

/* Does plan run index i belong to shard index/count? */
static inline int shard_owns(int i, int index, int count)
{
    return count <= 1 || i % count == index - 1;
}

/* "I/N" with 1 <= I <= N; 0, or -1 when malformed. */
int shard_parse(const char *s, int *index, int *count);
/* From SLURM_ARRAY_TASK_ID, _COUNT, _MIN and _STEP: 1 when set (index and
 * count filled), 0 when not in a Slurm array, -1 when inconsistent. */
int shard_from_slurm(int *index, int *count);

char *shard_manifest_path(const char *dir, int index, int count);
int shard_write(const char *dir, const struct shard_manifest *m);
/* Read a manifest; -1 and a message in *err (free it) when unreadable. */
int shard_read(const char *path, struct shard_manifest *m, char **err);
void shard_free(struct shard_manifest *m);
/* Manifests under dir, sorted; NULL when dir cannot be read. */
char **shard_list(const char *dir, int *count);

#endif
