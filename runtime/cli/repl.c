/* runtime/cli/repl.c: the interactive session.
 * Input is read a line at a time and handed to the same front end the file
 * runner uses; while the front end reports the text as merely incomplete
 * (an unfinished statement, an open brace) the REPL keeps reading with the
 * continuation prompt, as Lua's interpreter does. Ctrl-C at the prompt drops
 * the current input; during training it cancels the job (finished runs are
 * kept) and the session goes on. The line editor sits behind the repl_read
 * and history wrappers, so only they know about libedit. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <editline/readline.h>

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
          "  :show            current settings\n"
          "  :plan            what 'table;' would train now (runs, batches, model-steps)\n"
          "  :preview on|off  show plotted figures in the terminal (default on)\n"
          "  :quit            leave (also Ctrl-D)\n"
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

/* Returns 1 when the command asks to quit. */
static int repl_command(struct repl *r, const char *line)
{
    char cmd[32] = "", arg[32] = "";
    sscanf(line, ":%31s %31s", cmd, arg);
    if (!strcmp(cmd, "quit") || !strcmp(cmd, "q") || !strcmp(cmd, "exit"))
        return 1;
    if ((!strcmp(cmd, "help") || !strcmp(cmd, "h") || !strcmp(cmd, "?")) && !*arg)
        repl_help(stdout);
    else if (!strcmp(cmd, "help") && listing_print(stdout, arg) != 0)
        fprintf(stderr, "tmsl: error: no help on '%s' (try :help)\n", arg);
    else if (!strcmp(cmd, "show"))
        front_show(r->front, stdout);
    else if (!strcmp(cmd, "plan"))
        repl_plan(r);
    else if (!strcmp(cmd, "preview") && (!strcmp(arg, "on") || !strcmp(arg, "off")))
        r->preview = !strcmp(arg, "on");
    else
        fprintf(stderr, "tmsl: error: unknown command '%s' (try :help)\n", line);
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

/* Run one complete input. Returns 1 when it is still incomplete. */
static int repl_eval(struct repl *r, const char *text, size_t len)
{
    struct plan p;
    memset(&p, 0, sizeof p);
    int rc = front_load(r->front, "<repl>", text, len, 0, &p);
    if (rc == 1)
        return 1;
    if (rc == 0) {
        int status = exec_plan(r->store, &p, r->diag, &r->opt);
        if (status == 130)
            fprintf(stderr, "tmsl: cancelled\n");
        else if (r->preview)
            repl_preview(r, &p);
    }
    plan_free(&p);
    fflush(stdout);
    return 0;
}

int repl_run(struct front *f, struct exec_store *s, struct diag *d, const struct exec_options *o)
{
    struct repl r = { f, s, d, *o, NULL, 1, 0 };
    repl_history_load(&r);
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
        if (!input.len && line[0] == ':') {
            repl_history_add(&r, line);
            int quit = repl_command(&r, line);
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
    free(r.history);
    fputc('\n', stdout);
    return 0;
}
