/* runtime/exec/shard.c: shard slices, Slurm defaults and shard manifests.
 * A manifest is a small line-oriented text file:
 *
 *   tmsl-shard-manifest 1
 *   script_hash HEX16      shard I N       complete 0|1     plan_runs K
 *   name WORD              path WORD       seed -|N         override WORD WORD
 *   text LEN   (then LEN raw bytes and a newline)
 *   ids COUNT  (then COUNT lines of 16 hex digits)
 *   end
 *
 * one item per line, WORDs percent-escaped so any name or -D value fits on
 * one line. The last line "end" tells a whole manifest from a cut one. */
#include "shard.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "util.h"

int shard_parse(const char *s, int *index, int *count)
{
    char *end;
    errno = 0;
    long i = strtol(s, &end, 10);
    if (errno || end == s || *end != '/')
        return -1;
    const char *t = end + 1;
    long n = strtol(t, &end, 10);
    if (errno || end == t || *end || n < 1 || n > 1000000 || i < 1 || i > n)
        return -1;
    *index = (int)i;
    *count = (int)n;
    return 0;
}

static int env_long(const char *name, long *out)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end)
        return -1;
    *out = x;
    return 1;
}

int shard_from_slurm(int *index, int *count)
{
    long id, n, lo = 0, step = 1;
    int a = env_long("SLURM_ARRAY_TASK_ID", &id);
    int b = env_long("SLURM_ARRAY_TASK_COUNT", &n);
    if (a == 0 || b == 0)
        return 0;
    if (a < 0 || b < 0 || env_long("SLURM_ARRAY_TASK_MIN", &lo) < 0 ||
        env_long("SLURM_ARRAY_TASK_STEP", &step) < 0 || step < 1 || n < 1)
        return -1;
    /* Task ids run lo, lo+step, ...: the shard is the id's position. */
    if (id < lo || (id - lo) % step != 0 || (id - lo) / step >= n)
        return -1;
    *index = (int)((id - lo) / step) + 1;
    *count = (int)n;
    return 1;
}

char *shard_manifest_path(const char *dir, int index, int count)
{
    return xasprintf("%s/shard-%d-of-%d.manifest", dir, index, count);
}

static void put_word(struct sbuf *b, const char *s)
{
    if (!*s)
        sbuf_puts(b, "%");
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c <= ' ' || *c == '%' || *c >= 0x7f)
            sbuf_printf(b, "%%%02x", *c);
        else
            sbuf_add(b, (const char *)c, 1);
    }
}

int shard_write(const char *dir, const struct shard_manifest *m)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "tmsl-shard-manifest 1\nscript_hash %016llx\nshard %d %d\ncomplete %d\n"
                "plan_runs %d\nname ", (unsigned long long)m->script_hash, m->index, m->count,
                m->complete, m->nplan);
    put_word(&b, m->name);
    sbuf_puts(&b, "\npath ");
    put_word(&b, m->path);
    if (m->have_seed)
        sbuf_printf(&b, "\nseed %llu\n", (unsigned long long)m->seed);
    else
        sbuf_puts(&b, "\nseed -\n");
    for (int i = 0; i < m->nover; i++) {
        sbuf_puts(&b, "override ");
        put_word(&b, m->over_name[i]);
        sbuf_puts(&b, " ");
        put_word(&b, m->over_value[i]);
        sbuf_puts(&b, "\n");
    }
    sbuf_printf(&b, "text %zu\n", m->len);
    sbuf_add(&b, m->text, m->len);
    sbuf_printf(&b, "\nids %d\n", m->nids);
    for (int i = 0; i < m->nids; i++)
        sbuf_printf(&b, "%016llx\n", (unsigned long long)m->ids[i]);
    sbuf_puts(&b, "end\n");
    char *path = shard_manifest_path(dir, m->index, m->count);
    int rc = util_write_file(path, b.s, b.len);
    free(path);
    sbuf_free(&b);
    return rc;
}

/* ---- reading ---- */

struct cursor {
    const char *p, *end;
};

/* The next line (without its newline) as [*s, *s + *len); -1 at the end. */
static int next_line(struct cursor *c, const char **s, size_t *len)
{
    if (c->p >= c->end)
        return -1;
    const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
    if (!nl)
        return -1;
    *s = c->p;
    *len = (size_t)(nl - c->p);
    c->p = nl + 1;
    return 0;
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decode a percent-escaped word; NULL when malformed. */
static char *get_word(const char *s, size_t len)
{
    char *out = xmalloc(len + 1), *o = out;
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (len == 1)
            break;   /* a lone '%' is the empty word */
        if (i + 2 >= len) {
            free(out);
            return NULL;
        }
        int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
        if (hi < 0 || lo < 0) {
            free(out);
            return NULL;
        }
        *o++ = (char)(hi * 16 + lo);
        i += 2;
    }
    *o = '\0';
    return out;
}

/* "key rest": rest when the line starts with key and a space. */
static const char *after_key(const char *s, size_t len, const char *key, size_t *rest)
{
    size_t k = strlen(key);
    if (len <= k || memcmp(s, key, k) != 0 || s[k] != ' ')
        return NULL;
    *rest = len - k - 1;
    return s + k + 1;
}

static int parse_override(struct shard_manifest *m, const char *v, size_t n)
{
    const char *sp = memchr(v, ' ', n);
    if (!sp)
        return -1;
    char *name = get_word(v, (size_t)(sp - v));
    char *value = get_word(sp + 1, n - (size_t)(sp - v) - 1);
    if (!name || !value) {
        free(name);
        free(value);
        return -1;
    }
    m->over_name = xrealloc(m->over_name, sizeof(char *) * (size_t)(m->nover + 1));
    m->over_value = xrealloc(m->over_value, sizeof(char *) * (size_t)(m->nover + 1));
    m->over_name[m->nover] = name;
    m->over_value[m->nover] = value;
    m->nover++;
    return 0;
}

static int parse_ids(struct shard_manifest *m, struct cursor *c, const char *v)
{
    long n = strtol(v, NULL, 10);
    if (n < 0 || n > 100000000)
        return -1;
    m->ids = xmalloc(sizeof(uint64_t) * (size_t)(n ? n : 1));
    for (long i = 0; i < n; i++) {
        const char *s;
        size_t len;
        char hex[17];
        if (next_line(c, &s, &len) || len != 16)
            return -1;
        memcpy(hex, s, 16);
        hex[16] = '\0';
        if (cache_parse_id(hex, &m->ids[i]))
            return -1;
        m->nids = (int)i + 1;
    }
    return 0;
}

static int parse_text(struct shard_manifest *m, struct cursor *c, const char *v)
{
    char *end;
    unsigned long long n = strtoull(v, &end, 10);
    if (n > (unsigned long long)(c->end - c->p) || n + 1 > (unsigned long long)(c->end - c->p) ||
        c->p[n] != '\n')
        return -1;
    m->text = xmalloc((size_t)n + 1);
    memcpy(m->text, c->p, (size_t)n);
    m->text[n] = '\0';
    m->len = (size_t)n;
    c->p += n + 1;
    return 0;
}

/* One line of the manifest body; 1 at "end", 0 ok, -1 malformed. */
static int parse_item(struct shard_manifest *m, struct cursor *c, const char *s, size_t len)
{
    char v[64];
    size_t n;
    const char *r;
    if (len == 3 && memcmp(s, "end", 3) == 0)
        return 1;
    if ((r = after_key(s, len, "name", &n)))
        return (m->name = get_word(r, n)) ? 0 : -1;
    if ((r = after_key(s, len, "path", &n)))
        return (m->path = get_word(r, n)) ? 0 : -1;
    if ((r = after_key(s, len, "override", &n)))
        return parse_override(m, r, n);
    const char *keys[] = { "script_hash", "shard", "complete", "plan_runs", "seed", "text", "ids" };
    int k = 0;
    for (; k < 7; k++)
        if ((r = after_key(s, len, keys[k], &n)))
            break;
    if (k == 7 || n >= sizeof v)
        return -1;
    memcpy(v, r, n);
    v[n] = '\0';
    switch (k) {
    case 0: return cache_parse_id(v, &m->script_hash);
    case 1: return sscanf(v, "%d %d", &m->index, &m->count) == 2 ? 0 : -1;
    case 2: return sscanf(v, "%d", &m->complete) == 1 ? 0 : -1;
    case 3: return sscanf(v, "%d", &m->nplan) == 1 ? 0 : -1;
    case 4:
        if (strcmp(v, "-") == 0)
            return 0;
        m->have_seed = 1;
        return sscanf(v, "%llu", (unsigned long long *)&m->seed) == 1 ? 0 : -1;
    case 5: return parse_text(m, c, v);
    default: return parse_ids(m, c, v);
    }
}

int shard_read(const char *path, struct shard_manifest *m, char **err)
{
    memset(m, 0, sizeof *m);
    size_t len;
    char *buf = util_read_file(path, &len);
    if (!buf) {
        *err = xasprintf("cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    struct cursor c = { buf, buf + len };
    const char *s;
    size_t n;
    int rc = -1;
    if (next_line(&c, &s, &n) == 0 && n == 21 && memcmp(s, "tmsl-shard-manifest 1", 21) == 0) {
        while ((rc = next_line(&c, &s, &n)) == 0 && (rc = parse_item(m, &c, s, n)) == 0)
            ;
        rc = rc == 1 ? 0 : -1;
    }
    free(buf);
    if (rc == 0 && (!m->name || !m->path || !m->text || m->count < 1 || m->index < 1 ||
                    m->index > m->count))
        rc = -1;
    if (rc != 0) {
        shard_free(m);
        *err = xasprintf("'%s' is not a whole tmsl shard manifest", path);
    }
    return rc;
}

void shard_free(struct shard_manifest *m)
{
    free(m->name);
    free(m->path);
    free(m->text);
    for (int i = 0; i < m->nover; i++) {
        free(m->over_name[i]);
        free(m->over_value[i]);
    }
    free(m->over_name);
    free(m->over_value);
    free(m->ids);
    memset(m, 0, sizeof *m);
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

char **shard_list(const char *dir, int *count)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return NULL;
    char **names = xcalloc(1, sizeof *names);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        size_t len = strlen(de->d_name);
        if (strncmp(de->d_name, "shard-", 6) != 0 || len < 10 ||
            strcmp(de->d_name + len - 9, ".manifest") != 0)
            continue;
        names = xrealloc(names, sizeof *names * (size_t)(n + 2));
        names[n++] = xasprintf("%s/%s", dir, de->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, cmp_name);
    *count = n;
    return names;
}
