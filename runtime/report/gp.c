/* runtime/report/gp.c: writing gnuplot scripts and data, and rendering them.
 * Every figure is a pair STEM.gp + STEM.dat that re-renders by hand with
 * plain gnuplot from any directory: the script finds its data next to itself
 * through ARG0, picks the best terminal it has unless `term` is given, and
 * writes `out` (default STEM.png beside the script). Both files are written
 * atomically; rendering goes to a temporary name that is then renamed. */
#include <config.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fig_impl.h"
#include "model.h"

static const char *gp_program(void)
{
    const char *g = getenv("GNUPLOT");
    return g ? g : "gnuplot";
}

static int on_path(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char *dup = xstrdup(path), *save = NULL;
    int found = 0;
    for (char *d = strtok_r(dup, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        char *full = xasprintf("%s/%s", *d ? d : ".", prog);
        found = access(full, X_OK) == 0;
        free(full);
    }
    free(dup);
    return found;
}

int gp_available(void)
{
    static int cached = -1;
    if (cached < 0)
        cached = gp_program()[0] != '\0' && on_path(gp_program());
    return cached;
}

/* Run gnuplot with args, collecting its stdout and stderr into *text.
 * Returns the exit status, or -1 when it could not be started. */
static int gp_run(char *const argv[], char **text)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        dup2(fd[1], 1);
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fd[1]);
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "");
    char buf[4096];
    ssize_t got;
    while ((got = read(fd[0], buf, sizeof buf)) != 0) {
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            break;
        sbuf_add(&b, buf, (size_t)got);
    }
    close(fd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    *text = b.s;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The terminal tmsl renders with: pngcairo, else png, else svg. */
static const char *gp_terminal(void)
{
    static const char *term;
    if (term)
        return term;
    char *argv[] = { (char *)gp_program(), "-e", "print GPVAL_TERMINALS", NULL };
    char *text = NULL;
    term = "svg";
    if (gp_run(argv, &text) == 0) {
        if (strstr(text, " pngcairo "))
            term = "pngcairo";
        else if (strstr(text, " png "))
            term = "png";
    }
    free(text);
    return term;
}

void gp_puts_quoted(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', fp);
        fputc(*s == '\n' ? ' ' : *s, fp);
    }
}

static void header(FILE *fp, struct fig_env *e, const struct plan_output *o, const char *what)
{
    int line = 0, col = 0;
    if (e->diag)
        diag_line_col(e->diag, o->span.src, o->span.start, &line, &col);
    fprintf(fp, "# made by tmsl %s from %s:%d: ", PACKAGE_VERSION,
            e->script ? e->script : "<input>", line);
    for (const char *c = o->text ? o->text : ""; *c; c++)
        fputc(*c == '\n' || *c == '\r' ? ' ' : *c, fp);
    fprintf(fp, "\n# %s\n", what);
    if (e->overrides && *e->overrides)
        fprintf(fp, "# overrides: %s\n", e->overrides);
    const struct plan_group *g = &e->plan->groups[o->group];
    /* a figure drawing a second grid (phase_compare) lists its runs too */
    int two = o->kind == PLAN_PLOT && names_figures[o->figure_id].versus && o->versus_group >= 0;
    const struct plan_group *v = two ? &e->plan->groups[o->versus_group] : NULL;
    int own = g->npoints * g->nrepeat, total = own + (v ? v->npoints * v->nrepeat : 0);
    fprintf(fp, "# runs (%d):", total);
    for (int i = 0; i < total; i++)
        fprintf(fp, "%s %s", i % 8 == 0 && i ? "\n#  " : "",
                plan_run_id(e->plan, i < own ? g->runs[i] : v->runs[i - own]).s);
    fprintf(fp, "\n# re-render: gnuplot %s.gp   (other formats: gnuplot -e \"term='svg'; "
            "out='%s.svg'\" %s.gp)\n", o->stem, o->stem, o->stem);
}

/* The overrides of the figure being written, for its title: figures are
 * written one at a time, and passing them here keeps gp_model_words'
 * callers unchanged. */
static const char *gp_title_overrides;

int gp_open(struct fig_env *e, const struct plan_output *o, struct gp_files *f)
{
    memset(f, 0, sizeof *f);
    gp_title_overrides = e->overrides;
    f->stem = o->stem;
    f->gp_path = xasprintf("%s/%s.gp", e->outdir, o->stem);
    f->dat_path = xasprintf("%s/%s.dat", e->outdir, o->stem);
    if (util_afopen(&f->gp, f->gp_path) != 0) {
        diag_error(e->diag, &o->span, "cannot write '%s': %s", f->gp_path, strerror(errno));
        return -1;
    }
    if (util_afopen(&f->dat, f->dat_path) != 0) {
        diag_error(e->diag, &o->span, "cannot write '%s': %s", f->dat_path, strerror(errno));
        util_afclose(&f->gp, 0);
        return -1;
    }
    header(f->gp.fp, e, o, "gnuplot script; its data is in the .dat file beside it");
    header(f->dat.fp, e, o, "data (C locale); blocks are separated by two blank lines (gnuplot index)");
    f->ok = 1;
    return 0;
}

void gp_prelude(struct gp_files *f, int width, int height)
{
    FILE *fp = f->gp.fp;
    fprintf(fp,
        "set encoding utf8\n"
        "if (!exists(\"term\")) {\n"
        "    term = strstrt(GPVAL_TERMINALS, \" pngcairo \") > 0 ? \"pngcairo\" : \\\n"
        "           strstrt(GPVAL_TERMINALS, \" png \") > 0 ? \"png\" : \\\n"
        "           strstrt(GPVAL_TERMINALS, \" svg \") > 0 ? \"svg\" : \"dumb\"\n"
        "}\n"
        "_ext = (term eq \"pngcairo\" || term eq \"png\") ? \"png\" : term eq \"svg\" ? \"svg\" : \"txt\"\n"
        "# the data sits next to this script, wherever gnuplot is started from\n"
        "_d = ARG0; _i = strlen(_d)\n"
        "while (_i > 0 && _d[_i:_i] ne \"/\") { _i = _i - 1 }\n"
        "dir = _i > 0 ? _d[1:_i] : \"\"\n"
        "if (!exists(\"out\")) { out = dir.\"%s.\"._ext }\n"
        "if (term eq \"dumb\") {\n"
        "    eval sprintf(\"set terminal dumb size %%d,%%d enhanced %%s\", exists(\"cols\") ? cols : 160, \\\n"
        "                 exists(\"rows\") ? rows : 60, exists(\"dumbcolor\") ? dumbcolor : \"\")\n"
        "} else {\n"
        "    eval sprintf(\"set terminal %%s size %%d,%%d%%s\", term, %d, %d, \\\n"
        "                 term eq \"pngcairo\" ? \" enhanced font 'sans,10'\" : \"\")\n"
        "}\n"
        "set output out\n"
        "dat = dir.\"%s.dat\"\n\n",
        f->stem, width, height, f->stem);
}

static void note_once(struct fig_env *e)
{
    static int said;
    if (!said && e->msg) {
        fprintf(e->msg, "tmsl: note: gnuplot not found; wrote scripts and data only\n");
        said = 1;
    }
}

static char *gp_single_quoted(const char *s)
{
    struct sbuf b;
    sbuf_init(&b);
    sbuf_puts(&b, "'");
    for (; *s; s++)
        sbuf_puts(&b, *s == '\'' ? "''" : (char[]){ *s, 0 });
    sbuf_puts(&b, "'");
    return b.s;
}

static int gp_render(struct fig_env *e, const struct plan_output *o, struct gp_files *f)
{
    const char *term = gp_terminal();
    const char *ext = strcmp(term, "svg") == 0 ? "svg" : "png";
    char *final = xasprintf("%s/%s.%s", e->outdir, f->stem, ext);
    char *tmp = xasprintf("%s/.%s.%ld.%s", e->outdir, f->stem, (long)getpid(), ext);
    char *qt = gp_single_quoted(tmp);
    char *set = xasprintf("term='%s'; out=%s", term, qt);
    char *argv[] = { (char *)gp_program(), "-e", set, f->gp_path, NULL };
    char *text = NULL;
    int st = gp_run(argv, &text), rc = 0;
    if (st != 0) {
        diag_error(e->diag, &o->span, "gnuplot failed on '%s' (status %d): %s", f->gp_path, st,
                   text ? text : "");
        remove(tmp);
        rc = -1;
    } else if (rename(tmp, final) != 0) {
        diag_error(e->diag, &o->span, "cannot write '%s': %s", final, strerror(errno));
        remove(tmp);
        rc = -1;
    }
    free(text);
    free(set);
    free(qt);
    free(tmp);
    free(final);
    return rc;
}

int gp_close(struct fig_env *e, const struct plan_output *o, struct gp_files *f)
{
    int rc = 0;
    fprintf(f->gp.fp, "unset multiplot\nset output\n");
    /* the data first: a script only appears beside its data */
    int bad_dat = util_afclose(&f->dat, f->ok) != 0, err = errno;
    int bad_gp = util_afclose(&f->gp, f->ok && !bad_dat) != 0;
    if (!bad_dat)
        err = errno;
    if (bad_dat || bad_gp) {
        if (f->ok)
            diag_error(e->diag, &o->span, "cannot write '%s': %s",
                       bad_dat ? f->dat_path : f->gp_path, strerror(err));
        rc = -1;
    }
    if (rc == 0 && f->ok && e->render) {
        if (gp_available())
            rc = gp_render(e, o, f);
        else
            note_once(e);
    }
    free(f->gp_path);
    free(f->dat_path);
    gp_title_overrides = NULL;   /* the caller's text ends with its figure */
    return f->ok ? rc : -1;
}

void gp_layout(int npanels, int *rows, int *cols)
{
    int c = npanels <= 8 ? npanels : (int)ceil(sqrt(2.0 * npanels));
    if (c < 1)
        c = 1;
    *cols = c;
    *rows = (npanels + c - 1) / c;
    if (*rows < 1)
        *rows = 1;
}

char *gp_model_words(const struct plan_group *g)
{
    const char *ov = gp_title_overrides && *gp_title_overrides ? gp_title_overrides : NULL;
    return xasprintf("%s%s%s model, n=%d, m=%d%s%s%s",
                     g->experiment && *g->experiment ? g->experiment : "",
                     g->experiment && *g->experiment ? ": " : "", g->kind ? g->kind->name : "?", g->n, g->m,
                     ov ? " (" : "", ov ? ov : "", ov ? ")" : "");
}

void gp_empty_panel(FILE *fp, const char *title, const char *why)
{
    fputs("set title \"", fp);
    gp_puts_quoted(fp, title);
    fputs("\"\nunset colorbox; unset logscale; unset arrow; unset key; unset border; unset tics\n"
          "set xrange [0:1]; set yrange [0:1]\nset label 99 \"", fp);
    gp_puts_quoted(fp, why);
    fputs("\" at graph 0.5, graph 0.5 center\nplot 2 notitle\n"
          "unset label 99; set border; set tics\n", fp);
}

const char gp_viridis[] =
    "(0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 '#fde725')";

void gp_viridis_rgb(double t, char buf[8])
{
    static const int stop[5][3] = {
        { 0x44, 0x01, 0x54 }, { 0x3b, 0x52, 0x8b }, { 0x21, 0x91, 0x8c },
        { 0x5e, 0xc9, 0x62 }, { 0xfd, 0xe7, 0x25 }
    };
    if (!(t > 0))
        t = 0;
    if (t > 1)
        t = 1;
    int k = t >= 1 ? 3 : (int)(t * 4);
    double f = t * 4 - k;
    int c[3];
    for (int j = 0; j < 3; j++)
        c[j] = (int)lround(stop[k][j] + f * (stop[k + 1][j] - stop[k][j]));
    snprintf(buf, 8, "#%02x%02x%02x", c[0], c[1], c[2]);
}

void gp_dim_guides(FILE *fp)
{
    static const struct { double y; const char *what; double dy; } g[] = {
        { 1, "1  dedicated dimension", 0.5 }, { 0.75, "3/4  tetrahedron", 0.5 },
        { 2.0 / 3, "2/3  triangle", 0.5 }, { 0.5, "1/2  antipodal pair", 0.5 },
        { 0.4, "2/5  pentagon", 0.5 }, { 0.375, "3/8  square antiprism", -0.6 },
    };
    fputs("unset arrow; unset label\n", fp);
    for (size_t i = 0; i < sizeof g / sizeof g[0]; i++) {
        fprintf(fp, "set arrow from graph 0, first %.6f to graph 1, first %.6f nohead "
                "dt 2 lc rgb '#999999' back\n", g[i].y, g[i].y);
        fprintf(fp, "set label \"%s\" at graph 0.99, first %.6f right offset 0,%.1f "
                "font ',8' tc rgb '#555555'\n", g[i].what, g[i].y, g[i].dy);
    }
}

/* Draw an emitted figure in the terminal with gnuplot's dumb terminal, sized
 * to the window, in colour when out is a colour terminal. */
int gp_preview(struct fig_env *e, const struct plan_output *o, FILE *out)
{
    if (!gp_available())
        return -1;
    char *path = xasprintf("%s/%s.gp", e->outdir, o->stem);
    if (access(path, R_OK) != 0) {
        free(path);
        return -1;
    }
    int cols = 120, rows = 40;
    struct winsize ws;
    int tty = isatty(fileno(out));
    if (tty && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20 && ws.ws_row > 10) {
        cols = ws.ws_col - 1;
        rows = ws.ws_row - 4;
    }
    const char *t = getenv("TERM");
    int colour = tty && !getenv("NO_COLOR") && t && strcmp(t, "dumb") != 0;
    char *set = xasprintf("term='dumb'; out='/dev/stdout'; cols=%d; rows=%d; dumbcolor='%s'",
                          cols, rows, colour ? "ansi256" : "mono");
    char *argv[] = { (char *)gp_program(), "-e", set, path, NULL };
    char *text = NULL;
    int st = gp_run(argv, &text);
    if (st == 0 && text)
        fputs(text, out);
    free(text);
    free(set);
    free(path);
    return st == 0 ? 0 : -1;
}

void gp_num(FILE *fp, double v)
{
    char buf[64];
    if (isnan(v)) {
        fputs("NaN", fp);
        return;
    }
    snprintf(buf, sizeof buf, "%.9g", v);
    for (char *c = buf; *c; c++)
        if (*c == ',')
            *c = '.';
    fputs(buf, fp);
}
