/* lang/plan_run.c: a run's settings from the pieces it shares with others.
 * A plan may hold ten million runs, so a run keeps only indices: its
 * template (kind, data, shape and recipe as numbers), its importance and
 * density arrays (interned by value, their text formatted once), its master
 * seed (interned), its repeat and its model's run. The settings text of a
 * run is those pieces in order, formatted when asked for; its key hashes
 * the pieces as they stream by (FNV-1a continues across pieces, from the
 * hash of the template's text, kept in the template), so neither needs the
 * whole text, and both are byte for byte what a text built at once would
 * give. A grid over recipe settings (lr x seed, say) thus costs one
 * template per recipe, not per run, and no text per template. Everything
 * else a consumer needs is derived here. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"
#include "front_int.h"
#include "sae.h"
#include "util.h"

/* A plan may hold ten million runs: a field more is 80 MB more. */
_Static_assert(sizeof(struct plan_run) == 32, "struct plan_run stays 32 bytes");

/* ---- texts of the pieces ---- */

static void plan_num(struct sbuf *b, double v)
{
    char buf[40];
    util_fmt_double(buf, sizeof buf, v);
    sbuf_puts(b, buf);
}

static char *plan_array_text(const double *v, int n)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "[");
    for (int k = 0; k < n; k++) {
        if (k)
            sbuf_puts(&b, ",");
        plan_num(&b, v[k]);
    }
    sbuf_puts(&b, "]");
    return b.s;
}

/* The recipe part shared by a batch: kind, shape, then every training
 * parameter in catalogue order, then a non-default data generator. This
 * text seeds the run, so it must not change for settings that exist today.
 * Formatted once when its template is made (for its hash) and again only
 * for a run's settings text. */
static char *plan_head_text(const struct plan_tmpl *t)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "{\"kind\":\"%s\",\"n\":%d,\"m\":%d", t->kind->name, t->n, t->m);
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *p = &params_table[k];
        double v = params_get(p, &t->recipe);
        if (p->quiet_default && v == params_default(p, &t->recipe))
            continue;
        sbuf_printf(&b, ",\"%s\":", p->name);
        if (p->type == PARAMS_CHOICE)
            sbuf_printf(&b, "\"%s\"", p->choices[(int)v]);
        else if (p->type == PARAMS_INT)
            sbuf_printf(&b, "%d", (int)v);
        else
            plan_num(&b, v);
    }
    /* only a non-default generator is named, so that runs of the default
     * keep the settings (and so the seeds) they have always had */
    if (t->data && t->data != data_find(t->kind->data))
        sbuf_printf(&b, ",\"data\":\"%s\"", t->data->name);
    for (int k = 0; t->data && k < t->data->nparams; k++)
        if (t->data_arg[k] != t->data->param[k].dflt)
            sbuf_printf(&b, ",\"%s\":%g", t->data->param[k].name, t->data_arg[k]);
    return b.s;
}

/* An SAE run's own settings (sae_params_table), after the density: SAEs
 * differing only in them still share the batch's part and train together. */
static char *plan_sae_text(const struct plan_tmpl *t)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, ",\"sae\":{");
    for (int k = 0; k < SAE_PARAMS_COUNT; k++) {
        const struct params_def *p = &sae_params_table[k];
        double v = params_get(p, &t->recipe);
        sbuf_printf(&b, "%s\"%s\":", k ? "," : "", p->name);
        if (p->type == PARAMS_CHOICE)
            sbuf_printf(&b, "\"%s\"", p->choices[(int)v]);
        else
            plan_num(&b, v);
    }
    sbuf_puts(&b, "}");
    return b.s;
}

/* ---- interning ---- */

void plan_intern_init(struct plan_intern *in)
{
    memset(in, 0, sizeof *in);
    in->last_tmpl = in->last_vec[0] = in->last_vec[1] = in->last_seed = -1;
    hmap_init(&in->tmpls, 64);
    hmap_init(&in->vecs, 64);
    hmap_init(&in->seeds, 64);
}

void plan_intern_free(struct plan_intern *in)
{
    hmap_free(&in->tmpls);
    hmap_free(&in->vecs);
    hmap_free(&in->seeds);
}

/* Grow *v (of *cap elements of size) to hold need, doubling. */
void plan_grow(void **v, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return;
    int c = *cap ? *cap : 8;
    while (c < need)
        c *= 2;
    *v = xrealloc(*v, (size_t)c * size);
    *cap = c;
}

/* A hash of binary values for interning, a word at a time: only the maps
 * read it, so it need not be the identity's FNV, and is several times faster. */
static uint64_t plan_hash_bytes(const void *data, size_t bytes, uint64_t h)
{
    const unsigned char *b = data;
    for (; bytes >= 8; bytes -= 8, b += 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = util_mix64(h ^ w);
    }
    uint64_t w = 0;
    memcpy(&w, b, bytes);
    return util_mix64(h ^ w ^ ((uint64_t)bytes << 56));
}

/* The bytes a template is interned by: every field before its hash. The
 * hash follows from them, so equal bytes mean equal texts; unequal bytes
 * for equal settings (padding, -0) only cost a duplicate template. */
#define PLAN_TMPL_BYTES offsetof(struct plan_tmpl, head_hash)

int plan_tmpl_intern(struct plan *p, struct plan_intern *in, const struct front_point *pt, int span)
{
    struct plan_tmpl t;
    memset(&t, 0, sizeof t);
    t.kind = pt->kind;
    t.data = pt->data;
    memcpy(t.data_arg, pt->data_arg, sizeof t.data_arg);
    t.n = pt->n;
    t.m = pt->m;
    t.span = span;
    memcpy(&t.recipe, &pt->recipe, sizeof t.recipe);
    t.init_std = pt->init_std;
    if (in->last_tmpl >= 0 && memcmp(&p->tmpls[in->last_tmpl], &t, PLAN_TMPL_BYTES) == 0)
        return in->last_tmpl;
    uint64_t h = plan_hash_bytes(&t, PLAN_TMPL_BYTES, UTIL_HASH_INIT);
    int k;
    while ((k = hmap_get(&in->tmpls, h)) >= 0) {   /* probe on past a collision */
        if (memcmp(&p->tmpls[k], &t, PLAN_TMPL_BYTES) == 0)
            return in->last_tmpl = k;
        h++;
    }
    char *head = plan_head_text(&t);
    t.head_hash = util_hash64(head, strlen(head), UTIL_HASH_INIT);
    free(head);
    plan_grow((void **)&p->tmpls, &in->cap_tmpls, p->ntmpls + 1, sizeof t);
    p->tmpls[p->ntmpls] = t;
    hmap_put(&in->tmpls, h, p->ntmpls);
    return in->last_tmpl = p->ntmpls++;
}

/* Seeds are the map's keys themselves, so a hit is exact. A sweep of the
 * seed is commonly the fastest axis: the map, not the last one, finds it. */
int plan_seed_intern(struct plan *p, struct plan_intern *in, uint64_t seed)
{
    if (in->last_seed >= 0 && p->seeds[in->last_seed] == seed)
        return in->last_seed;
    int k = hmap_get_or_put(&in->seeds, seed, p->nseeds);
    if (k >= 0)
        return in->last_seed = k;
    plan_grow((void **)&p->seeds, &in->cap_seeds, p->nseeds + 1, sizeof *p->seeds);
    p->seeds[p->nseeds] = seed;
    return in->last_seed = p->nseeds++;
}

static int plan_vec_is(const struct plan *p, int k, const double *v, int n)
{
    return k >= 0 && p->vecs[k].n == n && memcmp(p->vecs[k].v, v, (size_t)n * sizeof *v) == 0;
}

static int plan_vec_find(struct plan *p, struct plan_intern *in, const double *v, int n)
{
    size_t bytes = (size_t)n * sizeof(double);
    uint64_t h = plan_hash_bytes(v, bytes, (uint64_t)n);
    int k;
    while ((k = hmap_get(&in->vecs, h)) >= 0) {
        if (p->vecs[k].n == n && memcmp(p->vecs[k].v, v, bytes) == 0)
            return k;
        h++;
    }
    plan_grow((void **)&p->vecs, &in->cap_vecs, p->nvecs + 1, sizeof *p->vecs);
    struct plan_vec *pv = &p->vecs[p->nvecs];
    pv->n = n;
    pv->v = xmalloc(bytes + 1);
    memcpy(pv->v, v, bytes);
    pv->text = plan_array_text(v, n);
    pv->text_len = strlen(pv->text);
    hmap_put(&in->vecs, h, p->nvecs);
    return p->nvecs++;
}

/* The array's index; the last two found (a point's importance and density)
 * are tried first. */
int plan_vec_intern(struct plan *p, struct plan_intern *in, const double *v, int n)
{
    int k = plan_vec_is(p, in->last_vec[0], v, n) ? in->last_vec[0]
          : plan_vec_is(p, in->last_vec[1], v, n) ? in->last_vec[1] : plan_vec_find(p, in, v, n);
    if (k != in->last_vec[0]) {
        in->last_vec[1] = in->last_vec[0];
        in->last_vec[0] = k;
    }
    return k;
}

/* ---- the settings text as pieces ---- */

#define PLAN_PIECES 10

/* A run's text after the template's part, as pieces. */
struct plan_text {
    int n;
    const char *s[PLAN_PIECES];
    size_t len[PLAN_PIECES];
    char *sae;                        /* an SAE's own settings, formatted here; else NULL */
    char base[48], repeat[32], seed[40];
};

static void plan_piece(struct plan_text *t, const char *s, size_t len)
{
    t->s[t->n] = s;
    t->len[t->n++] = len;
}

/* prefix, v in decimal, suffix into buf (room for both and 20 digits);
 * returns the length. Every run formats two of these for its key, where
 * snprintf's cost showed. */
static size_t plan_uint_text(char *buf, const char *prefix, uint64_t v, const char *suffix)
{
    char digits[20];
    int nd = 0;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t len = strlen(prefix);
    memcpy(buf, prefix, len);
    while (nd)
        buf[len++] = digits[--nd];
    size_t ls = strlen(suffix);
    memcpy(buf + len, suffix, ls + 1);
    return len + ls;
}

/* Every setting after the template's part, in the order the text has
 * always had: importance, density, the SAE's own settings, the identity of
 * its model's run (so that it changes when that model does), repeat,
 * master seed. plan_text_done frees it. */
static void plan_text_of(const struct plan *p, const struct plan_run *r, struct plan_text *t)
{
    const struct plan_tmpl *tp = &p->tmpls[r->tmpl];
    t->n = 0;
    t->sae = NULL;
    plan_piece(t, ",\"importance\":", 14);
    plan_piece(t, p->vecs[r->imp].text, p->vecs[r->imp].text_len);
    plan_piece(t, ",\"density\":", 11);
    plan_piece(t, p->vecs[r->dens].text, p->vecs[r->dens].text_len);
    if (tp->kind == &model_sae) {
        t->sae = plan_sae_text(tp);
        plan_piece(t, t->sae, strlen(t->sae));
    }
    if (r->base >= 0) {
        int len = snprintf(t->base, sizeof t->base, ",\"base\":\"%016llx\"",
                       (unsigned long long)plan_run_idhash(p, r->base));
        plan_piece(t, t->base, (size_t)len);
    }
    plan_piece(t, t->repeat, plan_uint_text(t->repeat, ",\"repeat\":", (uint64_t)r->repeat, ""));
    plan_piece(t, t->seed, plan_uint_text(t->seed, ",\"seed\":", p->seeds[r->seed], "}"));
}

static void plan_text_done(struct plan_text *t)
{
    free(t->sae);
}

/* Pieces 0-3: importance, up to and through the density's values. */
#define PLAN_PIECES_SHARED 4

uint64_t plan_run_key(const struct plan *p, const struct plan_run *r, struct plan_key_memo *memo)
{
    struct plan_text t;
    plan_text_of(p, r, &t);
    uint64_t h;
    if (memo && memo->tmpl == r->tmpl && memo->imp == r->imp && memo->dens == r->dens) {
        h = memo->h;
    } else {
        h = p->tmpls[r->tmpl].head_hash;   /* the template's part, hashed once */
        for (int k = 0; k < PLAN_PIECES_SHARED; k++)
            h = util_hash64(t.s[k], t.len[k], h);
        if (memo)
            *memo = (struct plan_key_memo){ r->tmpl, r->imp, r->dens, h };
    }
    for (int k = PLAN_PIECES_SHARED; k < t.n; k++)
        h = util_hash64(t.s[k], t.len[k], h);
    plan_text_done(&t);
    return h;
}

char *plan_run_settings_json(const struct plan *p, int r)
{
    struct plan_text t;
    plan_text_of(p, &p->runs[r], &t);
    char *head = plan_head_text(plan_tmpl_of(p, r));
    size_t len = strlen(head);
    for (int k = 0; k < t.n; k++)
        len += t.len[k];
    char *s = xrealloc(head, len + 1), *at = s + strlen(s);
    for (int k = 0; k < t.n; k++) {
        memcpy(at, t.s[k], t.len[k]);
        at += t.len[k];
    }
    *at = 0;
    plan_text_done(&t);
    return s;
}

/* ---- derived settings ---- */

int plan_run_kernel(const struct plan *p, int r, char *buf, size_t size)
{
    struct train_spec s, base;
    plan_run_spec(p, r, &s, &base);
    return train_kernel_label(&s, buf, size);
}

/* The key and the version; and the kernel's label where its arithmetic is
 * not the same on every machine, so that a cache shared between machines
 * (or a forced kernel) never hands back a result another path produced. */
uint64_t plan_run_idhash(const struct plan *p, int r)
{
    uint64_t key = p->runs[r].key;
    uint64_t h = util_hash64(&key, sizeof key, UTIL_HASH_INIT);
    h = util_hash64(PACKAGE_VERSION, strlen(PACKAGE_VERSION), h);
    char label[32];
    if (plan_run_kernel(p, r, label, sizeof label))
        h = util_hash64(label, strlen(label), h);
    return h;
}

struct plan_id plan_run_id(const struct plan *p, int r)
{
    struct plan_id id;
    snprintf(id.s, sizeof id.s, "%016llx", (unsigned long long)plan_run_idhash(p, r));
    return id;
}

const struct plan_tmpl *plan_run_tmpl(const struct plan *p, int r)
{
    return plan_tmpl_of(p, r);
}

uint64_t plan_run_seed(const struct plan *p, int r)
{
    return p->seeds[p->runs[r].seed];
}

const double *plan_run_importance(const struct plan *p, int r)
{
    return p->vecs[p->runs[r].imp].v;
}

const double *plan_run_density(const struct plan *p, int r)
{
    return p->vecs[p->runs[r].dens].v;
}

double plan_run_sparsity(const struct plan *p, int r)
{
    return 1 - plan_run_density(p, r)[0];
}

const struct ast_span *plan_run_span(const struct plan *p, int r)
{
    return &p->spans[plan_tmpl_of(p, r)->span];
}

/* Synthetic SAE data: the directions depend on their shape, the master
 * seed and the repeat, not on the SAE's own settings, so a sweep of l1 or
 * of the dictionary size reads one ground truth. */
static uint64_t plan_truth_seed(const struct plan_tmpl *t, uint64_t seed, int repeat)
{
    char buf[96];
    snprintf(buf, sizeof buf, "truth %d %d %llu %d", t->recipe.sae_dims,
             t->recipe.sae_features, (unsigned long long)seed, repeat);
    return util_mix64(util_hash64(buf, strlen(buf), UTIL_HASH_INIT));
}

void plan_run_spec(const struct plan *p, int r, struct train_spec *out, struct train_spec *base)
{
    const struct plan_run *run = &p->runs[r];
    const struct plan_tmpl *t = &p->tmpls[run->tmpl];
    memset(out, 0, sizeof *out);
    out->kind = t->kind;
    out->data = t->data ? t->data : data_find(t->kind->data);
    memcpy(out->data_arg, t->data_arg, sizeof out->data_arg);
    out->n = t->n;
    out->m = t->m;
    out->recipe = t->recipe;
    out->init_std = t->init_std > 0 ? t->init_std : 0;
    out->seed = util_mix64(run->key);
    out->importance = plan_run_importance(p, r);
    out->density = plan_run_density(p, r);
    if (t->kind == &model_sae)   /* only an SAE's synthetic data reads it */
        out->truth_seed = plan_truth_seed(t, plan_run_seed(p, r), run->repeat);
    if (run->base >= 0 && base) {
        plan_run_spec(p, run->base, base, NULL);
        out->base = base;
    }
}

double plan_group_coord(const struct plan_group *g, int pt, int a)
{
    for (int k = g->naxes - 1; k > a; k--)   /* the last axis varies fastest */
        pt /= g->axes[k].count;
    return g->axes[a].values[pt % g->axes[a].count];
}
