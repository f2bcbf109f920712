/* runtime/exec/cache.h: the on-disk run cache.
 * Finished runs live under OUTDIR/runs/ in segment files (NAME.tmr), one per
 * chunk of runs that finished together, so a million-run sweep makes a few
 * hundred files rather than a million. A segment is a sequence of records;
 * each record carries a header (magic, format version, run identity, n, m,
 * lengths) and a checksum over header and payload, and describes its
 * parameters (model kind, tensor names and shapes), so a record read back
 * is checked against the kind's descriptor before it is used. Records of
 * another format version are skipped quietly and their runs retrained. Segments appear whole or
 * not at all (written to a unique temporary name, then renamed), so several
 * processes may add to one directory at once. A record that is corrupt or
 * truncated is counted and skipped, never returned: its run is trained again.
 * Records are in the machine's byte order; the magic tells a foreign file
 * from a valid one. */
#ifndef TMSL_CACHE_H
#define TMSL_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include "train.h"

#define CACHE_VERSION 2
/* A record with snapshots (train snapshots=K) has this version: older
 * readers skip it as another format, and records without snapshots stay
 * exactly as they were. */
#define CACHE_SNAP_VERSION 3
#define CACHE_HEADER_SIZE 64

/* One decoded record. The array pointers point into the segment being read
 * (valid during the visit only) and may be unaligned: copy with memcpy. */
struct cache_rec {
    uint64_t id;
    int n, m;
    int failed, fail_step;
    int ncurve;
    double final_loss;
    const struct model_kind *kind;
    const void *p;            /* float[np]: the kind's tensors in order */
    size_t np;
    const void *curve_step;   /* int32_t[ncurve] */
    const void *curve_loss;   /* double[ncurve] */
    const char *reason;       /* fail reason, not NUL-terminated */
    size_t reason_len;
    int nsnap;                /* snapshots, 0 in a version-2 record */
    const void *snap_step;    /* int32_t[nsnap] */
    const void *snap_loss;    /* double[nsnap] */
    const void *snap_p;       /* float[nsnap * np] */
};

struct cache_stats {
    long files;       /* segment files read */
    long records;     /* valid records seen */
    long bad;         /* corrupt or truncated records skipped */
};

/* Called for every valid record; return non-zero to stop the scan. */
typedef int (*cache_visit_fn)(void *ctx, const struct cache_rec *rec);

/* "0123456789abcdef" -> 64-bit identity; -1 when s is not 16 hex digits. */
int cache_parse_id(const char *s, uint64_t *out);

/* Bytes one record of this result takes (header, payload, padding). */
size_t cache_record_size(const struct train_result *r, int keep_curve);
/* Encode one record into buf (cache_record_size bytes); returns that size. */
size_t cache_encode(unsigned char *buf, uint64_t id, const struct train_result *r, int keep_curve);

/* Write count results as one new segment in dir (created if missing).
 * keep_curve 0 drops loss curves. Returns 0, or -1 with errno set. */
int cache_write_segment(const char *dir, int count, const uint64_t *ids,
                        const struct train_result *const *res, int keep_curve);

/* Decode the records of one segment held in memory. Returns 0, or the
 * visitor's non-zero value when it stopped the scan. */
int cache_scan_buffer(const unsigned char *buf, size_t len, cache_visit_fn fn, void *ctx,
                      struct cache_stats *st);

/* Visit every valid record of every segment under dir, in file-name order.
 * A missing dir is an empty cache. Returns 0, the visitor's stop value, or
 * -1 with errno set when dir cannot be listed. */
int cache_scan(const char *dir, cache_visit_fn fn, void *ctx, struct cache_stats *st);

/* Copy a record into a result with its own arrays (free with train_result_free). */
void cache_rec_to_result(const struct cache_rec *rec, struct train_result *out);

#endif
