/* runtime/cli/repl.c: the interactive session.
 * Input is read a line at a time and handed to the same front end the file
 * runner uses; while the front end reports the text as merely incomplete
 * (an unfinished statement, an open brace) the REPL keeps reading with the
 * continuation prompt, as Lua's interpreter does. Ctrl-C at the prompt drops
 * the current input; during training it cancels the job (finished runs are
 * kept) and the session goes on. The line editor sits behind the repl_read
 * and history wrappers, so only they know about libedit (Tab completion is
 * complete.c's). Colon commands work at either prompt; `help`, `quit` and
 * `exit` work without the colon. Each input's outputs get their own
 * numbered stems (out/repl/003-wtw.png), so a later line never replaces
 * an earlier figure, and their paths are printed. The statements that ran
 * are kept, and `:save FILE` writes them as a script. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

#include "complete.h"
#include "figures.h"
#include "listing.h"
#include "repl.h"
#include "util.h"

struct repl {
    struct front *front;
    struct exec_store *store;
    struct diag *diag;
    struct exec_options opt;
    char *history;
    int preview;
    int nsnippet;
    int ninput;              /* inputs that produced outputs, for numbered stems */
    struct sbuf session;     /* every input that ran, for :save */
};

/* ---- line editor wrappers ---- */

static char *repl_history_path(void)
{
    const char *env = getenv("TMSL_HISTORY");
    if (env && *env)
        return xstrdup(env);
    const char *home = getenv("HOME");
    return home && *home ? xasprintf("%s/.tmsl_history", home) : NULL;
}

static void repl_history_load(struct repl *r)
{
    r->history = repl_history_path();
    using_history();
    stifle_history(2000);
    if (r->history)
        read_history(r->history);
}

static void repl_history_add(struct repl *r, const char *line)
{
    if (!*line)
        return;
    add_history(line);
    if (r->history)
        write_history(r->history);
}

/* Read one line; NULL at end of input. *interrupted is set when Ctrl-C
 * arrived while reading (the line is then discarded). */
static char *repl_read(const char *prompt, int *interrupted)
{
    exec_cancel = 0;
    char *line = readline(prompt);
    *interrupted = exec_cancel != 0;
    exec_cancel = 0;
    return line;
}

/* ---- commands ---- */

static void repl_help(FILE *out)
{
    fputs("Type tmsl statements; they run when complete (end them with ';').\n"
          "  model relu n=20 m=5;  sweep sparsity 0..0.999 log 8;  plot wtw;\n"
          "Settings persist between lines; trained runs are reused.\n"
          "commands:\n"
          "  :help            this text\n"
          "  :help WHAT       the names tmsl knows: statements, settings, params, kinds,\n"
          "                   data, figures, metrics or functions\n"
          "  :show            current settings, sweeps with their values\n"
          "  :plan            what 'table;' would train now (runs, batches, model-steps)\n"
          "  :preview on|off  show plotted figures in the terminal (default on)\n"
          "  :save FILE       write this session's statements as a script\n"
          "  :quit            leave (also quit, exit or Ctrl-D)\n"
          "Commands work at the '...> ' prompt too; Tab completes names.\n"
          "Ctrl-C cancels the current input or training job.\n", out);
}

static void repl_plan(struct repl *r)
{
    struct plan p;
    memset(&p, 0, sizeof p);
    static const char probe[] = "table;";
    if (front_load(r->front, "<plan>", probe, sizeof probe - 1, 0, &p) == 0) {
        plan_print(&p, stdout);
        int trained = 0;
        for (int i = 0; i < p.nruns; i++)
            trained += exec_store_get(r->store, &p.runs[i]) != NULL;
        printf("already trained in this session: %d of %d runs\n", trained, p.nruns);
    }
    plan_free(&p);
}

static int repl_count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

/* :save FILE: the statements that ran, as a script that redoes the session. */
static void repl_save(struct repl *r, const char *file)
{
    if (!*file) {
        fprintf(stderr, "tmsl: error: usage: :save FILE\n");
        return;
    }
    struct sbuf b;
    sbuf_init(&b);
    sbuf_printf(&b, "# saved from a tmsl %s session\n%s", PACKAGE_VERSION,
                r->session.s ? r->session.s : "");
    if (util_write_file(file, b.s, b.len) != 0)
        fprintf(stderr, "tmsl: error: cannot write '%s': %s\n", file, strerror(errno));
    else
        printf("saved %d line%s of statements to %s\n", repl_count_lines(r->session.s),
               repl_count_lines(r->session.s) == 1 ? "" : "s", file);
    sbuf_free(&b);
}

/* Returns 1 when the command asks to quit. */
static int repl_command(struct repl *r, const char *line)
{
    char cmd[32] = "", arg[4096] = "";
    sscanf(line, ":%31s %4095[^\n]", cmd, arg);
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "q") || !strcmp(cmd, "exit"))
        return 1;
    if (!strcmp(cmd, "save"))
        repl_save(r, arg);
    else if (!strcmp(cmd, "preview") && strcmp(arg, "on") && strcmp(arg, "off"))
        printf("usage: :preview on|off (figures in the terminal are %s)\n",
               r->preview ? "on" : "off");
    else if ((!strcmp(cmd, "help") || !strcmp(cmd, "h") || !strcmp(cmd, "?")) && !*arg)
        repl_help(stdout);
    else if (!strcmp(cmd, "help") && listing_print(stdout, arg) != 0)
        fprintf(stderr, "tmsl: error: no help on '%s' (try :help)\n", arg);
    else if (!strcmp(cmd, "show"))
        front_show(r->front, stdout);
    else if (!strcmp(cmd, "plan"))
        repl_plan(r);
    else if (!strcmp(cmd, "preview"))
        r->preview = !strcmp(arg, "on");
    else
        fprintf(stderr, "tmsl: error: unknown command '%s' (try :help)\n", line);
    fflush(stdout);
    return 0;
}

/* `help`, `quit` and `exit` typed as words (with or without ';') at the
 * main prompt: what a newcomer tries first. 1 quit, 0 handled, -1 not one. */
static int repl_word_command(struct repl *r, const char *line)
{
    char word[16];
    size_t n = 0;
    while (*line == ' ' || *line == '\t')
        line++;
    while (n < sizeof word - 1 && line[n] && !strchr(" \t;", line[n]))
        word[n] = line[n], n++;
    word[n] = '\0';
    const char *rest = line + n;
    while (*rest && strchr(" \t;", *rest))
        rest++;
    if (*rest)
        return -1;
    if (!strcmp(word, "quit") || !strcmp(word, "exit"))
        return 1;
    if (strcmp(word, "help"))
        return -1;
    (void)r;
    repl_help(stdout);
    fflush(stdout);
    return 0;
}

/* ---- evaluation ---- */

/* Show every figure of a plan in the terminal, from the trained results. */
static void repl_preview(struct repl *r, const struct plan *p)
{
    struct train_result *res = xcalloc((size_t)(p->nruns ? p->nruns : 1), sizeof *res);
    for (int i = 0; i < p->nruns; i++) {
        const struct train_result *t = exec_store_get(r->store, &p->runs[i]);
        if (t)
            res[i] = *t;   /* shallow: the store owns the arrays */
    }
    struct fig_env env = { .outdir = r->opt.outdir, .plan = p, .results = res, .diag = r->diag,
                           .script = "<repl>" };
    for (int i = 0; i < p->noutputs; i++)
        if (p->outputs[i].kind == PLAN_PLOT)
            fig_preview(&env, &p->outputs[i], stdout);
    free(res);
}

/* Give this input's outputs stems of their own, "003-wtw", so that the
 * files of earlier inputs stay as they were. */
static void repl_number_stems(struct repl *r, struct plan *p)
{
    if (p->noutputs == 0)
        return;
    r->ninput++;
    for (int i = 0; i < p->noutputs; i++) {
        char *stem = xasprintf("%03d-%s", r->ninput, p->outputs[i].stem);
        free(p->outputs[i].stem);
        p->outputs[i].stem = stem;
    }
}

/* Say where every figure and table went. */
static void repl_print_paths(struct repl *r, const struct plan *p)
{
    static const char *const ext[] = { "png", "svg", "gp" };
    for (int i = 0; i < p->noutputs; i++) {
        const struct plan_output *o = &p->outputs[i];
        if (o->kind == PLAN_EXPECT)
            continue;
        char *path = NULL;
        for (int k = 0; k < 3 && o->kind == PLAN_PLOT; k++) {
            free(path);
            path = xasprintf("%s/%s.%s", r->opt.outdir, o->stem, ext[k]);
            if (access(path, R_OK) == 0)
                break;
        }
        if (o->kind == PLAN_TABLE)
            path = xasprintf("%s/%s.csv", r->opt.outdir, o->stem);
        printf("wrote %s\n", path);
        free(path);
    }
}

/* Run one complete input. Returns 1 when it is still incomplete. */
static int repl_eval(struct repl *r, const char *text, size_t len)
{
    struct plan p;
    memset(&p, 0, sizeof p);
    int rc = front_load(r->front, "<repl>", text, len, 0, &p);
    if (rc == 1)
        return 1;
    if (rc == 0) {
        sbuf_add(&r->session, text, len);
        sbuf_puts(&r->session, "\n");
        repl_number_stems(r, &p);
        int status = exec_plan(r->store, &p, r->diag, &r->opt);
        if (status == 130)
            fprintf(stderr, "tmsl: cancelled\n");
        else {
            repl_print_paths(r, &p);
            if (r->preview)
                repl_preview(r, &p);
        }
    }
    plan_free(&p);
    fflush(stdout);
    return 0;
}

int repl_run(struct front *f, struct exec_store *s, struct diag *d, const struct exec_options *o)
{
    struct repl r = { f, s, d, *o, NULL, 1, 0, 0, { NULL, 0, 0 } };
    repl_history_load(&r);
    complete_install();
    printf("tmsl %s: toy models of superposition. :help for help, :quit to leave.\n",
           PACKAGE_VERSION);
    struct sbuf input;
    sbuf_init(&input);
    for (;;) {
        int interrupted = 0;
        char *line = repl_read(input.len ? "...> " : "tmsl> ", &interrupted);
        if (interrupted) {
            free(line);
            sbuf_free(&input);
            fputc('\n', stdout);
            continue;
        }
        if (!line)
            break;
        /* commands at either prompt; an unfinished statement is kept */
        int quit = line[0] == ':' ? repl_command(&r, line)
                 : !input.len ? repl_word_command(&r, line) : -1;
        if (quit >= 0) {
            repl_history_add(&r, line);
            free(line);
            if (quit)
                break;
            continue;
        }
        repl_history_add(&r, line);
        if (input.len)
            sbuf_add(&input, "\n", 1);
        sbuf_puts(&input, line);
        free(line);
        if (repl_eval(&r, input.s, input.len) == 0)
            sbuf_free(&input);
    }
    sbuf_free(&input);
    sbuf_free(&r.session);
    free(r.history);
    fputc('\n', stdout);
    return 0;
}
