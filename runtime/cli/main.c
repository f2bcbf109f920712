/* runtime/cli/main.c: the tmsl command line.
 * tmsl [options] FILE...  parses, checks and plans every file first (so a
 * typo in the last file costs no training), then runs the plans in order.
 * With no FILE it opens the REPL on a terminal, or runs standard input as a
 * script when that is a pipe. `tmsl merge DIR...` joins the outputs of
 * shards (--shard I/N, or a Slurm job array). Under mpirun (an MPI build)
 * every rank trains a slice of each plan and rank 0 writes the outputs.
 * Exit status: 0 ok, 1 a run or expectation failed, 2 usage or script
 * error, 130 interrupted. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "browse.h"
#include "diag.h"
#include "exec.h"
#include "figures.h"
#include "front.h"
#include "listing.h"
#include "repl.h"
#include "shard.h"
#include "util.h"
#ifdef HAVE_MPI
#include "ranks.h"
#endif

struct cli {
    struct front_options fo;
    struct exec_options eo;
    const char **over_name, **over_value;
    int nover;
    const char *outdir;
    int dry_run, interactive, merge, have_shard, list;
    char **files;
    int nfiles;
};

static void usage(FILE *fp)
{
    fputs("usage: tmsl [options] [FILE...]\n"
          "       tmsl merge [options] DIR... [-o OUT]\n"
          "       tmsl ls DIR | tmsl show DIR [RUN]\n"
          "Run tmsl scripts (toy models of superposition experiments).\n"
          "With no FILE: an interactive session on a terminal, else read standard input.\n"
          "FILE '-' reads standard input.\n\n"
          "options:\n"
          "  -o, --output DIR     write figures, tables and runs.jsonl to DIR\n"
          "                       (default: out/NAME for NAME.tmsl, out/NAME+steps=500\n"
          "                       with -D steps=500, out/NAME+seed=3 with --seed 3)\n"
          "  -D NAME=VALUE        override a setting or let variable (e.g. -D steps=1000)\n"
          "  -j, --jobs N         training threads (default: all cores)\n"
          "      --seed N         master seed (overrides 'seed' statements)\n"
          "  -n, --dry-run        print the plan (runs, batches, model-steps); train nothing\n"
          "      --format F       table format: text, csv or jsonl (default text)\n"
          "      --no-render      write gnuplot scripts and data but do not run gnuplot\n"
          "      --fail-fast      stop at the first failed run\n"
          "      --force          retrain every run, even those in DIR/runs\n"
          "      --shard I/N      train only shard I of N of each plan and write\n"
          "                       DIR/shard-I-of-N.manifest, no figures (default in a\n"
          "                       Slurm job array: from SLURM_ARRAY_TASK_ID/_COUNT/_MIN)\n"
          "      --save-every SEC write finished runs to DIR/runs at least every SEC\n"
          "                       seconds of training (default 2; 0: every round)\n"
          "  -q, --quiet          no progress or notes on stderr\n"
          "  -i, --interactive    run the files, then stay in an interactive session\n"
          "      --list [WHAT]    list the names tmsl knows: statements, settings, params,\n"
          "                       kinds, data, figures, metrics or functions (default all)\n"
          "  -h, --help           show this help\n"
          "  -V, --version        show the version\n\n"
          "Finished runs are kept in DIR/runs: running a script again trains only\n"
          "what is missing, and an interrupted sweep resumes where it stopped.\n"
          "'tmsl merge DIR...' checks that the shards in DIR... ran the same script and\n"
          "cover the whole plan, then writes its figures, tables and runs.jsonl to OUT\n"
          "(default: the first DIR) without training.\n"
          "'tmsl ls DIR' lists the runs of an output directory with their grid\n"
          "coordinates and metrics; 'tmsl show DIR RUN' prints one run (id or prefix).\n"
#ifdef HAVE_MPI
          "This tmsl is built with MPI: 'mpirun -np K tmsl FILE' splits each plan\n"
          "across K ranks; rank 0 writes the outputs.\n"
#endif
          "\n"
          "exit status: 0 ok, 1 a run or expectation failed, 2 usage or script error\n"
          "(found before anything trains; also a script with nothing to do), 3 cannot\n"
          "write output (e.g. a full disk), 130 interrupted\n", fp);
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

enum { OPT_SEED = 256, OPT_FORMAT, OPT_NO_RENDER, OPT_FAIL_FAST, OPT_FORCE, OPT_SHARD,
       OPT_SAVE_EVERY, OPT_LIST };

static int parse_save_every(struct cli *c, const char *s)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 86400))
        return usage_error("--save-every expects seconds from 0 to 86400, got '%s'", s);
    c->eo.save_every = v;
    return 0;
}

static int parse_seed(struct cli *c, const char *s)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        return usage_error("--seed expects a non-negative integer, got '%s'", s);
    c->fo.have_seed = 1;
    c->fo.seed = v;
    return 0;
}

/* The value options; -1 to continue, else an exit status. */
static int parse_valued(struct cli *c, int ch, const char *arg)
{
    long v;
    switch (ch) {
    case 'o': c->outdir = arg; return -1;
    case 'D': return add_override(c, (char *)arg) ? 2 : -1;
    case 'j':
        if (parse_long(arg, 1, 1024, &v))
            return usage_error("-j expects a thread count from 1 to 1024, got '%s'", arg);
        c->eo.threads = (int)v;
        return -1;
    case OPT_SEED: return parse_seed(c, arg) ? 2 : -1;
    case OPT_FORMAT:
        if (parse_format(arg, &c->eo.table_format))
            return usage_error("--format expects text, csv or jsonl, got '%s'", arg);
        return -1;
    case OPT_SHARD:
        if (shard_parse(arg, &c->eo.shard_index, &c->eo.shard_count))
            return usage_error("--shard expects I/N with 1 <= I <= N, got '%s'", arg);
        c->have_shard = 1;
        return -1;
    default: return parse_save_every(c, arg) ? 2 : -1;
    }
}

/* One option; -1 to continue, else an exit status. */
static int parse_opt(struct cli *c, int ch, char **argv)
{
    switch (ch) {
    case 'n': c->dry_run = 1; return -1;
    case OPT_NO_RENDER: c->eo.render = 0; return -1;
    case OPT_FAIL_FAST: c->eo.fail_fast = 1; return -1;
    case OPT_FORCE: c->eo.force = 1; return -1;
    case OPT_LIST: c->list = 1; return -1;
    case 'q': c->eo.quiet = 1; return -1;
    case 'i': c->interactive = 1; return -1;
    case 'h': usage(stdout); return 0;
    case 'V': printf("tmsl %s\n", PACKAGE_VERSION); return 0;
    case 'o': case 'D': case 'j': case OPT_SEED: case OPT_FORMAT: case OPT_SHARD:
    case OPT_SAVE_EVERY:
        return parse_valued(c, ch, optarg);
    default:
        if (optopt > 0 && optopt < 256 && strchr("oDj", optopt))
            return usage_error("option '-%s' needs a value", (char[]){ (char)optopt, 0 });
        if (optopt >= 256)
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        return usage_error("unknown option '%s'", argv[optind - 1]);
    }
}

/* Returns -1 to continue, else an exit status. */
static int parse_args(struct cli *c, int argc, char **argv)
{
    static const struct option longs[] = {
        { "output", required_argument, NULL, 'o' }, { "jobs", required_argument, NULL, 'j' },
        { "seed", required_argument, NULL, OPT_SEED }, { "dry-run", no_argument, NULL, 'n' },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "no-render", no_argument, NULL, OPT_NO_RENDER },
        { "fail-fast", no_argument, NULL, OPT_FAIL_FAST }, { "quiet", no_argument, NULL, 'q' },
        { "force", no_argument, NULL, OPT_FORCE }, { "shard", required_argument, NULL, OPT_SHARD },
        { "save-every", required_argument, NULL, OPT_SAVE_EVERY },
        { "list", no_argument, NULL, OPT_LIST },
        { "interactive", no_argument, NULL, 'i' }, { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' }, { NULL, 0, NULL, 0 }
    };
    int ch;
    opterr = 0;
    /* Scripts stop option parsing (options after them are theirs to ignore);
     * merge takes -o OUT after its directories too. */
    const char *shorts = c->merge ? "o:D:j:nqihV" : "+o:D:j:nqihV";
    while ((ch = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        int status = parse_opt(c, ch, argv);
        if (status >= 0)
            return status;
    }
    c->files = argv + optind;
    c->nfiles = argc - optind;
    return -1;
}

/* "+steps=500+seed=3" for -D steps=500 --seed 3, "" without overrides.
 * Characters that do not belong in a file name become '_', and then (or
 * when the suffix grows long) a hash of the exact overrides keeps two
 * different sets of overrides apart. */
static char *override_suffix(const struct cli *c)
{
    struct sbuf b, raw;
    sbuf_init(&b);
    sbuf_init(&raw);
    sbuf_puts(&b, "");
    sbuf_puts(&raw, "");
    for (int i = 0; i < c->nover; i++)
        sbuf_printf(&raw, "+%s=%s", c->over_name[i], c->over_value[i]);
    if (c->fo.have_seed)
        sbuf_printf(&raw, "+seed=%llu", (unsigned long long)c->fo.seed);
    int changed = 0;
    for (size_t i = 0; i < raw.len && b.len < 60; i++) {
        char ch = raw.s[i];
        int keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                   strchr("+=.-_", ch);
        changed |= !keep;
        sbuf_add(&b, keep ? &ch : "_", 1);
    }
    if (changed || b.len < raw.len)
        sbuf_printf(&b, "-%08llx", (unsigned long long)(util_hash64(raw.s, raw.len,
                                                                    UTIL_HASH_INIT) >> 32));
    sbuf_free(&raw);
    return b.s;
}

/* "examples/section2.tmsl" -> "out/section2"; with overrides its own
 * directory, "out/section2+steps=500", so a quick trial never replaces the
 * outputs of the full-size run. */
static char *default_outdir(const struct cli *c, const char *file)
{
    char *suffix = override_suffix(c), *dir;
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".tmsl") == 0)
        len -= 5;
    if (strcmp(file, "-") == 0)
        dir = xasprintf("out/stdin%s", suffix);
    else
        dir = xasprintf("out/%.*s%s", (int)len, base, suffix);
    free(suffix);
    return dir;
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

/* Load every file into a plan, keeping its text and path for shard
 * manifests; returns 0 or 2 (errors already reported). */
static int load_files(struct cli *c, struct front *f, struct diag *d, struct plan *plans,
                      struct exec_source *src)
{
    int status = 0;
    for (int i = 0; i < c->nfiles; i++) {
        const char *name = c->files[i];
        int is_stdin = strcmp(name, "-") == 0;
        struct stat sb;
        if (!is_stdin && stat(name, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            diag_error(d, NULL, "cannot read '%s': it is a directory, not a script", name);
            status = 2;
            continue;
        }
        char *text = util_read_file(is_stdin ? "/dev/stdin" : name, &src[i].len);
        if (!text) {
            diag_error(d, NULL, "cannot read '%s': %s", name, strerror(errno));
            status = 2;
            continue;
        }
        char *abs = is_stdin ? NULL : realpath(name, NULL);
        src[i] = (struct exec_source){ is_stdin ? "<stdin>" : name, abs ? abs : xstrdup(""),
                                       text, src[i].len, c->nover,
                                       (const char *const *)c->over_name,
                                       (const char *const *)c->over_value, c->fo.have_seed,
                                       c->fo.seed };
        if (front_load(f, src[i].name, text, src[i].len, 1, &plans[i]))
            status = 2;
        else if (plans[i].noutputs == 0) {
            diag_error(d, NULL, "'%s' has nothing to do: no plot, table or expect",
                       src[i].name);
            status = 2;
        }
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
    struct exec_source *src = xcalloc((size_t)c->nfiles, sizeof *src);
    int status = load_files(c, f, d, plans, src);
    for (int i = 0; status == 0 && !c->dry_run && i < c->nfiles; i++) {
        char *dir = c->outdir ? xstrdup(c->outdir) : default_outdir(c, c->files[i]);
        status = exec_check_outdir(dir, d);   /* every mistake before anything trains */
        free(dir);
    }
    for (int i = 0; status == 0 && i < c->nfiles; i++) {
        if (c->dry_run) {
            if (c->nfiles > 1)
                printf("%s# %s\n", i ? "\n" : "", c->files[i]);
            plan_print(&plans[i], stdout);
            continue;
        }
        char *dir = c->outdir ? xstrdup(c->outdir) : default_outdir(c, c->files[i]);
        c->eo.outdir = dir;
        c->eo.script = c->files[i];
        c->eo.source = &src[i];
        status = worse(status, exec_plan(s, &plans[i], d, &c->eo));
        c->eo.source = NULL;
        free(dir);
        if (status == 130)
            break;
    }
    for (int i = 0; i < c->nfiles; i++) {
        plan_free(&plans[i]);
        free((char *)src[i].text);
        free((char *)src[i].path);
    }
    free(src);
    free(plans);
    return status;
}

/* Options that make no sense for `tmsl merge`; 0 or a usage error. */
static int check_merge_args(const struct cli *c)
{
    if (c->nfiles == 0)
        return usage_error("%s", "merge expects at least one shard directory");
    if (c->nover || c->fo.have_seed || c->have_shard || c->dry_run || c->interactive ||
        c->eo.force)
        return usage_error("%s", "merge takes only -o, -j, -q, --format and --no-render");
    return 0;
}

/* Shard from a Slurm job array when --shard was not given; 0 or 2. */
static int slurm_defaults(struct cli *c)
{
    if (c->have_shard)
        return 0;
    int r = shard_from_slurm(&c->eo.shard_index, &c->eo.shard_count);
    if (r < 0)
        return usage_error("%s", "inconsistent SLURM_ARRAY_TASK_* variables; give --shard I/N");
    if (r > 0 && !c->eo.quiet)
        fprintf(stderr, "tmsl: shard %d/%d (from SLURM_ARRAY_TASK_ID)\n", c->eo.shard_index,
                c->eo.shard_count);
    return 0;
}

/* Under mpirun, split plans across ranks; only rank 0 talks. */
static int start_ranks(int *argc, char ***argv, int *rank, int *nranks)
{
    *rank = 0;
    *nranks = 1;
#ifdef HAVE_MPI
    if (mpi_start(argc, argv, rank, nranks) != 0) {
        fprintf(stderr, "tmsl: error: cannot start MPI\n");
        return 2;
    }
#else
    (void)argc;
    (void)argv;
#endif
    return 0;
}

static void stop_ranks(void)
{
#ifdef HAVE_MPI
    mpi_stop();
#endif
}

static int merge_main(struct cli *c, const char *xdir)
{
    struct diag *d = diag_new(stderr);
    exec_install_sigint();
    c->eo.outdir = c->outdir;
    int status = exec_merge(c->nfiles, c->files, xdir, d, &c->eo);
    diag_free(d);
    return status;
}

/* Defaults that depend on the machine or on being rank 0. */
static void cli_defaults(struct cli *c, int rank, int nranks)
{
    c->eo.rank = rank;
    c->eo.nranks = nranks;
    c->eo.threads = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (c->eo.threads < 1)
        c->eo.threads = 1;
    c->eo.render = 1;
    c->eo.save_every = 2;
    c->eo.out = stdout;
    c->eo.msg = stderr;
}

/* `tmsl --list [WHAT]`: the catalogues, for people and for the docs test. */
static int list_main(const struct cli *c)
{
    const char *what = c->nfiles > 0 ? c->files[0] : NULL;
    if (listing_print(stdout, what) == 0)
        return 0;
    return usage_error("--list knows statements, settings, params, kinds, data, figures, "
                       "metrics and functions, not '%s'", what);
}

/* The scripts, then the REPL when there are none (or with -i). */
static int script_main(struct cli *c, int rank)
{
    static char stdin_name[] = "-";
    static char *stdin_files[] = { stdin_name };
    if (c->nfiles == 0 && !isatty(STDIN_FILENO)) {
        c->files = stdin_files;
        c->nfiles = 1;
    }
    char *xdir = exe_dir();
    c->fo.nover = c->nover;
    c->fo.over_name = c->over_name;
    c->fo.over_value = c->over_value;
    c->fo.exe_dir = xdir;
    /* every rank checks the script, only rank 0 says what is wrong with it */
    FILE *dout = rank == 0 ? stderr : fopen("/dev/null", "w");
    struct diag *d = diag_new(dout ? dout : stderr);
    struct front *f = front_new(d, &c->fo);
    struct exec_store *s = exec_store_new();
    exec_install_sigint();
    int status = c->nfiles > 0 ? run_files(c, f, d, s) : 0;
    if ((c->nfiles == 0 || c->interactive) && status != 130 && !c->dry_run && c->eo.nranks <= 1) {
        c->eo.outdir = c->outdir ? c->outdir : "out/repl";
        c->eo.script = "<repl>";
        status = worse(status, repl_run(f, s, d, &c->eo));
    }
    exec_store_free(s);
    front_free(f);
    diag_free(d);
    if (dout && dout != stderr)
        fclose(dout);
    free(xdir);
    return status;
}

static int tmsl_body(struct cli *c, int argc, char **argv, int rank, int nranks)
{
    cli_defaults(c, rank, nranks);
    if (argc > 1 && (strcmp(argv[1], "ls") == 0 || strcmp(argv[1], "show") == 0))
        return browse_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "merge") == 0) {
        c->merge = 1;
        argc--;
        argv++;
    }
    int status = parse_args(c, argc, argv);
    if (status >= 0)
        return status;
    if (c->list)
        return list_main(c);
    if (rank != 0)
        c->eo.quiet = 1;
    if (c->merge || nranks > 1)
        c->eo.shard_count = 0;   /* ranks split plans on their own */
    if (c->merge) {
        if ((status = check_merge_args(c)) != 0)
            return status;
        char *xdir = exe_dir();
        status = merge_main(c, xdir);
        free(xdir);
        return status;
    }
    if (nranks <= 1 && (status = slurm_defaults(c)) != 0)
        return status;
    return script_main(c, rank);
}

/* The whole command line; owns what parsing allocates, on every path. */
static int tmsl_main(int argc, char **argv, int rank, int nranks)
{
    struct cli c;
    memset(&c, 0, sizeof c);
    int status = tmsl_body(&c, argc, argv, rank, nranks);
    free(c.over_name);
    free(c.over_value);
    return status;
}

int main(int argc, char **argv)
{
    int rank, nranks;
    int status = start_ranks(&argc, &argv, &rank, &nranks);
    if (status != 0)
        return status;
    status = tmsl_main(argc, argv, rank, nranks);
    stop_ranks();
    return status;
}
