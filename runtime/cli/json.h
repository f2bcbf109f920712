/* runtime/cli/json.h: a small JSON reader for `tmsl ls` and `tmsl show`,
 * which read back runs.jsonl and manifest.json. */
#ifndef TMSL_JSON_H
#define TMSL_JSON_H
#include <stddef.h>
#include <stdio.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
    enum json_type type;
    double num;              /* JSON_NUM, and JSON_BOOL as 0/1 */
    char *str;               /* JSON_STR */
    int n;                   /* JSON_ARR, JSON_OBJ: items */
    struct json *items;
    char **keys;             /* JSON_OBJ: member names */
};

/* One whole value; NULL with *err (static text) and *err_at on bad input. */
struct json *json_parse(const char *text, const char **err, size_t *err_at);
void json_free(struct json *v);
/* Member of an object, or NULL. */
const struct json *json_get(const struct json *v, const char *key);
/* String member, or NULL. */
const char *json_str(const struct json *v, const char *key);
/* Compact human form: numbers %.6g, strings unquoted. */
void json_print(FILE *fp, const struct json *v);

#endif
