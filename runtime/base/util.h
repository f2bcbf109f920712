/* runtime/base/util.h: small helpers every module uses: allocation that dies
 * cleanly on exhaustion, a growable string buffer, hashing, and files that
 * appear whole or not at all (written to a temporary name, then renamed). */
#ifndef TMSL_UTIL_H
#define TMSL_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Growable string. */
struct sbuf { char *s; size_t len, cap; };
void sbuf_init(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);

/* 64-bit FNV-1a, and a bijective mixer (splitmix64 finalizer). */
uint64_t util_hash64(const void *data, size_t n, uint64_t h);
uint64_t util_mix64(uint64_t x);
#define UTIL_HASH_INIT 0xcbf29ce484222325ULL

/* Atomic output: util_afopen() opens PATH.tmp.PID for writing; util_afclose()
 * flushes, fsyncs and renames it to PATH (ok=1) or removes it (ok=0).
 * Returns 0 on success, -1 with errno set. */
struct afile { FILE *fp; char *path, *tmp; };
int util_afopen(struct afile *af, const char *path);
int util_afclose(struct afile *af, int ok);
/* Files that could not be written so far (util_afopen or util_afclose
 * failing, or a writer's own note): tmsl's exit status 3 comes from here. */
int util_write_failures(void);
void util_note_write_failure(void);
/* Write a whole buffer atomically. */
int util_write_file(const char *path, const char *data, size_t n);
/* Read a whole file; NULL with errno set on failure. *len may be NULL. */
char *util_read_file(const char *path, size_t *len);
/* mkdir -p */
int util_mkdirs(const char *path);
/* Format a double so that it reads back exactly ("%.17g", but shorter when exact). */
void util_fmt_double(char *buf, size_t size, double v);

#endif
