/* runtime/cli/browse.c: `tmsl ls DIR` and `tmsl show DIR [RUN]`, a look at
 * an output directory without writing code: ls lists every run of
 * DIR/runs.jsonl with its experiment, grid coordinates, repeat, final loss
 * and represented features (after a line from DIR/manifest.json: script,
 * overrides, run counts); show RUN prints one run whole: its place in the
 * grids, seeds, every setting, failure, metrics and weights. A run is named
 * by its id or any unique prefix of it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "browse.h"
#include "json.h"
#include "util.h"

static void browse_manifest(const char *dir)
{
    char *path = xasprintf("%s/manifest.json", dir);
    char *text = util_read_file(path, NULL);
    struct json *m = text ? json_parse(text, NULL, NULL) : NULL;
    if (m) {
        const struct json *runs = json_get(m, "runs");
        const char *over = json_str(m, "override_args");
        printf("%s: %s, tmsl %s, %s; overrides: %s\n", dir, json_str(m, "script"),
               json_str(m, "tmsl_version"), json_str(m, "time"), over && *over ? over : "none");
        printf("runs: %g (trained %g, reused %g, failed %g)\n",
               json_get(runs, "total") ? json_get(runs, "total")->num : 0,
               json_get(runs, "trained") ? json_get(runs, "trained")->num : 0,
               json_get(runs, "reused") ? json_get(runs, "reused")->num : 0,
               json_get(runs, "failed") ? json_get(runs, "failed")->num : 0);
    }
    json_free(m);
    free(text);
    free(path);
}

static void print_coords(FILE *fp, const struct json *c, const char *sep)
{
    for (int i = 0; c && c->type == JSON_OBJ && i < c->n; i++) {
        fprintf(fp, "%s%s%s", i ? " " : "", c->keys[i], sep);
        json_print(fp, &c->items[i]);
    }
}

static void ls_row(const struct json *r)
{
    const struct json *loss = json_get(r, "final_loss");
    const struct json *metrics = json_get(r, "metrics");
    const struct json *repr = json_get(metrics, "represented");
    const char *exp = json_str(r, "experiment");
    printf("%-16s  %-10s  %6g  ", json_str(r, "id"), exp && *exp ? exp : "-",
           json_get(r, "repeat") ? json_get(r, "repeat")->num : 0);
    if (json_get(r, "failed") && json_get(r, "failed")->num)
        printf("%-11s  %4s  ", "failed", "-");
    else
        printf("%-11.6g  %4g  ", loss ? loss->num : 0, repr ? repr->num : 0);
    print_coords(stdout, json_get(r, "coords"), "=");
    putchar('\n');
}

static void show_matrix(const struct json *t)
{
    for (int i = 0; t && t->type == JSON_ARR && i < t->n; i++) {
        const struct json *row = &t->items[i];
        if (row->type != JSON_ARR) {
            printf("%s%10.5g", i % 8 ? " " : i ? "\n    " : "    ", row->num);
            continue;
        }
        fputs("    ", stdout);
        for (int j = 0; j < row->n; j++)
            printf("%s%10.5g", j ? " " : "", row->items[j].num);
        putchar('\n');
    }
    if (t && t->n && t->items[0].type != JSON_ARR)
        putchar('\n');
}

static void show_members(const char *title, const struct json *o)
{
    printf("%s\n", title);
    for (int i = 0; o && o->type == JSON_OBJ && i < o->n; i++) {
        printf("  %-18s ", o->keys[i]);
        json_print(stdout, &o->items[i]);
        putchar('\n');
    }
}

static void show_run(const struct json *r)
{
    const char *exp = json_str(r, "experiment");
    printf("run %s\nexperiment         %s\n", json_str(r, "id"), exp && *exp ? exp : "(top level)");
    const struct json *reads = json_get(r, "reads");
    for (int i = 0; reads && i < reads->n; i++) {
        const struct json *g = &reads->items[i];
        printf("grid point         group %g point %g: ", json_get(g, "group")->num,
               json_get(g, "point")->num);
        print_coords(stdout, json_get(g, "coords"), " = ");
        fputs("; read by ", stdout);
        json_print(stdout, json_get(g, "outputs"));
        putchar('\n');
    }
    printf("repeat             %g\nrun seed           %s\nmaster seed        %s\n",
           json_get(r, "repeat") ? json_get(r, "repeat")->num : 0, json_str(r, "run_seed"),
           json_str(r, "master_seed"));
    const struct json *failure = json_get(r, "failure");
    if (failure && failure->type == JSON_OBJ)
        printf("failed             at step %g: %s\n", json_get(failure, "step")->num,
               json_str(failure, "reason"));
    else
        printf("final loss         %.9g\n", json_get(r, "final_loss")->num);
    show_members("settings", json_get(r, "settings"));
    show_members("metrics", json_get(r, "metrics"));
    const struct json *shapes = json_get(r, "tensors");
    for (int i = 0; shapes && i < shapes->n; i++) {
        printf("tensor %s ", shapes->keys[i]);
        json_print(stdout, &shapes->items[i]);
        putchar('\n');
        show_matrix(json_get(r, shapes->keys[i]));
    }
}

/* Every record of DIR/runs.jsonl, or the one whose id starts with `want`. */
static int browse_runs(const char *dir, const char *want)
{
    char *path = xasprintf("%s/runs.jsonl", dir);
    char *text = util_read_file(path, NULL);
    if (!text) {
        fprintf(stderr, "tmsl: error: cannot read '%s': %s\n", path, strerror(errno));
        free(path);
        return 2;
    }
    int found = 0, lineno = 0, status = 0;
    struct json *match = NULL;
    if (!want)
        printf("%-16s  %-10s  %6s  %-11s  %4s  coordinates\n", "run", "experiment", "repeat",
               "final_loss", "repr");
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        lineno++;
        const char *err = NULL;
        struct json *r = json_parse(l, &err, NULL);
        const char *id = r ? json_str(r, "id") : NULL;
        if (!id) {
            fprintf(stderr, "tmsl: warning: %s:%d: not a run record (%s)\n", path, lineno,
                    err ? err : "no id");
        } else if (!want) {
            ls_row(r);
        } else if (!strncmp(id, want, strlen(want)) && found++ == 0) {
            match = r;
            r = NULL;
        } else if (!strncmp(id, want, strlen(want))) {
            fprintf(stderr, "tmsl: error: '%s' names more than one run (%s, %s, ...)\n", want,
                    json_str(match, "id"), id);
            status = 2;
        }
        json_free(r);
        if (status)
            break;
    }
    if (want && status == 0 && !match) {
        fprintf(stderr, "tmsl: error: no run in '%s' has an id starting with '%s'\n", path, want);
        status = 2;
    } else if (want && status == 0)
        show_run(match);
    json_free(match);
    free(text);
    free(path);
    return status;
}

int browse_main(int argc, char **argv)
{
    int show = !strcmp(argv[0], "show");
    if (argc < 2 || argc > (show ? 3 : 2) || argv[1][0] == '-') {
        fprintf(stderr, "usage: tmsl ls DIR\n       tmsl show DIR [RUN]\n"
                "List the runs in an output directory, or show one run (RUN: an id or a\n"
                "unique prefix of one).\n");
        return argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? 0 : 2;
    }
    if (argc == 2)
        browse_manifest(argv[1]);
    return browse_runs(argv[1], argc == 3 ? argv[2] : NULL);
}
