/* runtime/cli/json.c: a small JSON reader for the browsing commands, which
 * read back what tmsl wrote (runs.jsonl records, manifest.json). It parses
 * one complete value into a tree (numbers as doubles, strings unescaped to
 * UTF-8) and reports the first syntax error's offset; that is all tmsl's own
 * files need. */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

struct json_in {
    const char *s;
    const char *err;
    size_t at;
    int depth;
};

static void ws(struct json_in *in)
{
    while (strchr(" \t\r\n", in->s[in->at]) && in->s[in->at])
        in->at++;
}

static int fail(struct json_in *in, const char *why)
{
    if (!in->err)
        in->err = why;
    return -1;
}

static int parse_value(struct json_in *in, struct json *v);

/* Code point as UTF-8 (surrogate pairs are not joined: tmsl writes none). */
static void put_utf8(struct sbuf *b, unsigned cp)
{
    char c[4];
    int n = 0;
    if (cp < 0x80)
        c[n++] = (char)cp;
    else if (cp < 0x800) {
        c[n++] = (char)(0xc0 | cp >> 6);
        c[n++] = (char)(0x80 | (cp & 63));
    } else {
        c[n++] = (char)(0xe0 | cp >> 12);
        c[n++] = (char)(0x80 | (cp >> 6 & 63));
        c[n++] = (char)(0x80 | (cp & 63));
    }
    sbuf_add(b, c, (size_t)n);
}

static int parse_string(struct json_in *in, char **out)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "");
    in->at++;   /* the opening quote */
    for (;;) {
        char c = in->s[in->at++];
        if (c == '"')
            break;
        if (c == '\0' || (unsigned char)c < 0x20) {
            sbuf_free(&b);
            return fail(in, "unterminated string");
        }
        if (c != '\\') {
            sbuf_add(&b, &c, 1);
            continue;
        }
        c = in->s[in->at++];
        const char *esc = strchr("\"\\/bfnrt", c);
        if (c == 'u') {
            char hex[5] = { 0 };
            memcpy(hex, in->s + in->at, strnlen(in->s + in->at, 4));
            in->at += strlen(hex);
            put_utf8(&b, (unsigned)strtoul(hex, NULL, 16));
        } else if (esc && c) {
            sbuf_add(&b, &"\"\\/\b\f\n\r\t"[esc - "\"\\/bfnrt"], 1);
        } else {
            sbuf_free(&b);
            return fail(in, "bad escape in string");
        }
    }
    *out = b.s;
    return 0;
}

/* Elements of an array or members of an object, up to the closing char. */
static int parse_items(struct json_in *in, struct json *v, char close)
{
    in->at++;
    ws(in);
    if (in->s[in->at] == close) {
        in->at++;
        return 0;
    }
    for (;;) {
        ws(in);
        v->items = xrealloc(v->items, sizeof *v->items * (size_t)(v->n + 1));
        v->keys = xrealloc(v->keys, sizeof *v->keys * (size_t)(v->n + 1));
        v->keys[v->n] = NULL;
        memset(&v->items[v->n], 0, sizeof v->items[v->n]);
        v->n++;
        if (close == '}') {
            if (in->s[in->at] != '"' || parse_string(in, &v->keys[v->n - 1]) != 0)
                return fail(in, "expected a member name");
            ws(in);
            if (in->s[in->at++] != ':')
                return fail(in, "expected ':'");
        }
        if (parse_value(in, &v->items[v->n - 1]) != 0)
            return -1;
        ws(in);
        char c = in->s[in->at++];
        if (c == close)
            return 0;
        if (c != ',')
            return fail(in, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static int parse_word(struct json_in *in, struct json *v)
{
    static const struct { const char *w; enum json_type t; double num; } words[] = {
        { "null", JSON_NULL, 0 }, { "true", JSON_BOOL, 1 }, { "false", JSON_BOOL, 0 }
    };
    for (size_t i = 0; i < 3; i++)
        if (!strncmp(in->s + in->at, words[i].w, strlen(words[i].w))) {
            in->at += strlen(words[i].w);
            v->type = words[i].t;
            v->num = words[i].num;
            return 0;
        }
    char *end;
    v->num = strtod(in->s + in->at, &end);
    if (end == in->s + in->at)
        return fail(in, "unexpected character");
    v->type = JSON_NUM;
    in->at = (size_t)(end - in->s);
    return 0;
}

static int parse_value(struct json_in *in, struct json *v)
{
    ws(in);
    if (++in->depth > 64)
        return fail(in, "nested too deeply");
    int rc;
    char c = in->s[in->at];
    if (c == '"') {
        v->type = JSON_STR;
        rc = parse_string(in, &v->str);
    } else if (c == '[' || c == '{') {
        v->type = c == '[' ? JSON_ARR : JSON_OBJ;
        rc = parse_items(in, v, c == '[' ? ']' : '}');
    } else
        rc = parse_word(in, v);
    in->depth--;
    return rc;
}

static void json_clear(struct json *v)
{
    for (int i = 0; i < v->n; i++) {
        json_clear(&v->items[i]);
        free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    free(v->str);
}

struct json *json_parse(const char *text, const char **err, size_t *err_at)
{
    struct json_in in = { text, NULL, 0, 0 };
    struct json *v = xcalloc(1, sizeof *v);
    if (parse_value(&in, v) == 0) {
        ws(&in);
        if (in.s[in.at] == '\0')
            return v;
        fail(&in, "text after the value");
    }
    if (err)
        *err = in.err;
    if (err_at)
        *err_at = in.at;
    json_free(v);
    return NULL;
}

void json_free(struct json *v)
{
    if (!v)
        return;
    json_clear(v);
    free(v);
}

const struct json *json_get(const struct json *v, const char *key)
{
    for (int i = 0; v && v->type == JSON_OBJ && i < v->n; i++)
        if (!strcmp(v->keys[i], key))
            return &v->items[i];
    return NULL;
}

const char *json_str(const struct json *v, const char *key)
{
    const struct json *x = json_get(v, key);
    return x && x->type == JSON_STR ? x->str : NULL;
}

void json_print(FILE *fp, const struct json *v)
{
    switch (v ? v->type : JSON_NULL) {
    case JSON_NULL: fputs("null", fp); break;
    case JSON_BOOL: fputs(v->num ? "true" : "false", fp); break;
    case JSON_NUM: fprintf(fp, "%.6g", v->num); break;
    case JSON_STR: fprintf(fp, "%s", v->str); break;
    case JSON_ARR: case JSON_OBJ:
        fputc(v->type == JSON_ARR ? '[' : '{', fp);
        for (int i = 0; i < v->n; i++) {
            fputs(i ? ", " : "", fp);
            if (v->type == JSON_OBJ)
                fprintf(fp, "%s: ", v->keys[i]);
            json_print(fp, &v->items[i]);
        }
        fputc(v->type == JSON_ARR ? ']' : '}', fp);
        break;
    }
}
