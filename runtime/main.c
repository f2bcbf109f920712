/* runtime/main.c: the tmsl command line.
 * tmsl [options] FILE...  parses, checks and plans every file first (so a
 * typo in the last file costs no training), then runs the plans in order.
 * With no FILE it opens the REPL on a terminal, or runs standard input as a
 * script when that is a pipe. Exit status: 0 ok, 1 a run or expectation
 * failed, 2 usage or script error, 130 interrupted. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "exec.h"
#include "figures.h"
#include "front.h"
#include "repl.h"
#include "util.h"

struct cli {
    struct front_options fo;
    struct exec_options eo;
    const char **over_name, **over_value;
    int nover;
    const char *outdir;
    int dry_run, interactive;
    char **files;
    int nfiles;
};

static void usage(FILE *fp)
{
    fputs("usage: tmsl [options] [FILE...]\n"
          "Run tmsl scripts (toy models of superposition experiments).\n"
          "With no FILE: an interactive session on a terminal, else read standard input.\n"
          "FILE '-' reads standard input.\n\n"
          "options:\n"
          "  -o, --output DIR     write figures, tables and runs.jsonl to DIR\n"
          "                       (default: out/NAME for NAME.tmsl)\n"
          "  -D NAME=VALUE        override a setting or let variable (e.g. -D steps=1000)\n"
          "  -j, --jobs N         training threads (default: all cores)\n"
          "      --seed N         master seed (overrides 'seed' statements)\n"
          "  -n, --dry-run        print the plan (runs, batches, model-steps); train nothing\n"
          "      --format F       table format: text, csv or jsonl (default text)\n"
          "      --no-render      write gnuplot scripts and data but do not run gnuplot\n"
          "      --fail-fast      stop at the first failed run\n"
          "  -q, --quiet          no progress or notes on stderr\n"
          "  -i, --interactive    run the files, then stay in an interactive session\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n\n"
          "exit status: 0 ok, 1 a run or expectation failed, 2 usage or script error,\n"
          "130 interrupted\n", fp);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "tmsl: error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'tmsl --help' for more information.\n");
    return 2;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int add_override(struct cli *c, char *arg)
{
    char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return usage_error("-D expects NAME=VALUE, got '%s'", arg);
    *eq = '\0';
    c->over_name = xrealloc(c->over_name, sizeof(char *) * (size_t)(c->nover + 1));
    c->over_value = xrealloc(c->over_value, sizeof(char *) * (size_t)(c->nover + 1));
    c->over_name[c->nover] = arg;
    c->over_value[c->nover] = eq + 1;
    c->nover++;
    return 0;
}

static int parse_format(const char *s, int *out)
{
    if (strcmp(s, "text") == 0)
        *out = TABLE_TEXT;
    else if (strcmp(s, "csv") == 0)
        *out = TABLE_CSV;
    else if (strcmp(s, "jsonl") == 0)
        *out = TABLE_JSONL;
    else
        return -1;
    return 0;
}

enum { OPT_SEED = 256, OPT_FORMAT, OPT_NO_RENDER, OPT_FAIL_FAST };

/* Returns -1 to continue, else an exit status. */
static int parse_args(struct cli *c, int argc, char **argv)
{
    static const struct option longs[] = {
        { "output", required_argument, NULL, 'o' }, { "jobs", required_argument, NULL, 'j' },
        { "seed", required_argument, NULL, OPT_SEED }, { "dry-run", no_argument, NULL, 'n' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "no-render", no_argument, NULL, OPT_NO_RENDER },
        { "fail-fast", no_argument, NULL, OPT_FAIL_FAST }, { "quiet", no_argument, NULL, 'q' },
        { "interactive", no_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
    };
    long v;
    int ch;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+o:D:j:nqihV", longs, NULL)) != -1) {
        switch (ch) {
        case 'o': c->outdir = optarg; break;
        case 'D': if (add_override(c, optarg)) return 2; break;
        case 'j':
            if (parse_long(optarg, 1, 1024, &v))
                return usage_error("-j expects a thread count from 1 to 1024, got '%s'", optarg);
            c->eo.threads = (int)v;
            break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(optarg, &end, 10);
            if (errno || end == optarg || *end || optarg[0] == '-')
                return usage_error("--seed expects a non-negative integer, got '%s'", optarg);
            c->fo.have_seed = 1;
            c->fo.seed = s;
            break;
        }
        case 'n': c->dry_run = 1; break;
        case OPT_FORMAT:
            if (parse_format(optarg, &c->eo.table_format))
                return usage_error("--format expects text, csv or jsonl, got '%s'", optarg);
            break;
        case OPT_NO_RENDER: c->eo.render = 0; break;
        case OPT_FAIL_FAST: c->eo.fail_fast = 1; break;
        case 'q': c->eo.quiet = 1; break;
        case 'i': c->interactive = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("tmsl %s\n", PACKAGE_VERSION); return 0;
        default:
            if (optopt && strchr("oDj", optopt))
                return usage_error("option '-%s' needs a value", (char[]){ (char)optopt, 0 });
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    c->files = argv + optind;
    c->nfiles = argc - optind;
    return -1;
}

/* "examples/section2.tmsl" -> "out/section2" */
static char *default_outdir(const char *file)
{
    if (strcmp(file, "-") == 0)
        return xstrdup("out/stdin");
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".tmsl") == 0)
        len -= 5;
    return xasprintf("out/%.*s", (int)len, base);
}

static char *exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash)
        *slash = '\0';
    return xstrdup(buf);
}

/* Load every file into a plan; returns 0 or 2 (errors already reported). */
static int load_files(struct cli *c, struct front *f, struct diag *d, struct plan *plans)
{
    int status = 0;
    for (int i = 0; i < c->nfiles; i++) {
        const char *name = c->files[i];
        size_t len;
        char *text = util_read_file(name, &len);
        if (!text) {
            diag_error(d, NULL, "cannot read '%s': %s", name, strerror(errno));
            status = 2;
            continue;
        }
        if (front_load(f, strcmp(name, "-") == 0 ? "<stdin>" : name, text, len, 1, &plans[i]))
            status = 2;
        free(text);
    }
    if (status == 0 && front_unused_overrides(f, 1) > 0)
        status = 2;
    return status;
}

static int worse(int a, int b)
{
    if (a == 130 || b == 130)
        return 130;
    return a > b ? a : b;
}

static int run_files(struct cli *c, struct front *f, struct diag *d, struct exec_store *s)
{
    struct plan *plans = xcalloc((size_t)c->nfiles, sizeof *plans);
    int status = load_files(c, f, d, plans);
    for (int i = 0; status == 0 && i < c->nfiles; i++) {
        if (c->dry_run) {
            if (c->nfiles > 1)
                printf("%s# %s\n", i ? "\n" : "", c->files[i]);
            plan_print(&plans[i], stdout);
            continue;
        }
        char *dir = c->outdir ? xstrdup(c->outdir) : default_outdir(c->files[i]);
        c->eo.outdir = dir;
        c->eo.script = c->files[i];
        status = worse(status, exec_plan(s, &plans[i], d, &c->eo));
        free(dir);
        if (status == 130)
            break;
    }
    for (int i = 0; i < c->nfiles; i++)
        plan_free(&plans[i]);
    free(plans);
    return status;
}

int main(int argc, char **argv)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    c.eo.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c.eo.threads < 1)
        c.eo.threads = 1;
    c.eo.render = 1;
    c.eo.out = stdout;
    c.eo.msg = stderr;
    int status = parse_args(&c, argc, argv);
    if (status >= 0)
        return status;
    static char stdin_name[] = "-";
    static char *stdin_files[] = { stdin_name };
    int tty = isatty(STDIN_FILENO);
    if (c.nfiles == 0 && !tty) {
        c.files = stdin_files;
        c.nfiles = 1;
    }
    char *xdir = exe_dir();
    c.fo.nover = c.nover;
    c.fo.over_name = c.over_name;
    c.fo.over_value = c.over_value;
    c.fo.exe_dir = xdir;
    struct diag *d = diag_new(stderr);
    struct front *f = front_new(d, &c.fo);
    struct exec_store *s = exec_store_new();
    exec_install_sigint();
    status = c.nfiles > 0 ? run_files(&c, f, d, s) : 0;
    if ((c.nfiles == 0 || c.interactive) && status != 130 && !c.dry_run) {
        c.eo.outdir = c.outdir ? c.outdir : "out/repl";
        c.eo.script = "<repl>";
        status = worse(status, repl_run(f, s, d, &c.eo));
    }
    exec_store_free(s);
    front_free(f);
    diag_free(d);
    free(xdir);
    free(c.over_name);
    free(c.over_value);
    return status;
}
