/* lang/front.c: the front-end session: loading texts, `use`, overrides.
 * A session keeps the sticky settings between texts (the REPL's lines, or
 * one file). Loading a text parses it into an arena that lives until the
 * session ends (plans point at its expect expressions), runs its statements,
 * and on any error restores the settings as they were before the text.
 * -D overrides are parsed once, as expressions, and pin their names. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "front_int.h"
#include "parse.h"
#include "parser.h"
#include "util.h"

static struct ast_arena *front_arena(struct front *f)
{
    f->arenas = xrealloc(f->arenas, (size_t)(f->narenas + 1) * sizeof *f->arenas);
    return f->arenas[f->narenas++] = ast_arena_new();
}

/* ---- overrides ---- */

static int front_is_setting(const char *name)
{
    const struct names_setting *s = names_setting_find(name);
    return (s && s->sweepable) || params_find_any(name) != NULL;
}

static int front_add_override(struct front *f, const char *name, const char *value)
{
    char *text = xasprintf("%s=%s", name, value);
    int src = diag_add_source(f->diag, "command line", text, strlen(text));
    int base = (int)strlen(name) + 1;
    struct ast_span nsp = {src, 0, base - 1};
    int ok = *name != 0;
    for (const char *p = name; *p; p++)
        ok &= (*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (p != name && *p >= '0' && *p <= '9'));
    if (!ok) {
        diag_error(f->diag, &nsp, "'%s' is not a valid name for -D", name);
        free(text);
        return -1;
    }
    struct parse_state ps = {0};
    ps.arena = front_arena(f);
    ps.diag = f->diag;
    ps.src = src;
    ps.text = diag_source_text(f->diag, src, &ps.len);
    ps.base = base;
    ps.is_file = 1;
    ps.start_token = START_EXPR;
    free(text);
    if (parse_text(&ps) != 0 || !ps.expr)
        return -1;
    const struct params_def *np = params_find_any(name);
    if (np && np->type == PARAMS_CHOICE) {
        const char *const *list = np->choices;
        if (ps.expr->kind != AST_NAME || names_index(list, ps.expr->name) < 0) {
            const char *word = ps.expr->kind == AST_NAME ? ps.expr->name : "?";
            const char *sg = names_suggest(word, list);
            if (sg)
                diag_error(f->diag, &ps.expr->span, "unknown %s '%s'; did you mean '%s'?",
                           np->name, word, sg);
            else
                diag_error(f->diag, &ps.expr->span, "unknown %s '%s'", np->name, word);
            return -1;
        }
    }
    struct front_override *o = &f->over[f->nover++];
    o->name = xstrdup(np ? np->name : name);
    o->expr = ps.expr;
    o->span = ps.expr->span;
    o->is_setting = front_is_setting(name);
    return 0;
}

struct front *front_new(struct diag *d, const struct front_options *o)
{
    struct front *f = xcalloc(1, sizeof *f);
    f->diag = d;
    f->use = front_use;
    hmap_init(&f->exp_index, 16);
    f->st.kind = &model_relu;
    f->st.repeat = 1;
    f->st.prefix = xstrdup("");
    f->st.experiment = xstrdup("");
    f->exe_dir = xstrdup(o && o->exe_dir ? o->exe_dir : ".");
    if (o) {
        f->have_seed = o->have_seed;
        f->seed = o->seed;
        f->over = xcalloc((size_t)o->nover + 1, sizeof *f->over);
        for (int k = 0; k < o->nover; k++)
            if (front_add_override(f, o->over_name[k], o->over_value[k]) != 0)
                f->bad = 1;
    }
    return f;
}

void front_free(struct front *f)
{
    if (!f)
        return;
    front_state_free(&f->st);
    for (int k = 0; k < f->nover; k++)
        free(f->over[k].name);
    free(f->over);
    for (int k = 0; k < f->narenas; k++)
        ast_arena_free(f->arenas[k]);
    free(f->arenas);
    for (int k = 0; k < f->nlet_seen; k++)
        free(f->let_seen[k]);
    free(f->let_seen);
    hmap_free(&f->let_seen_index);
    free(f->exe_dir);
    hmap_free(&f->exp_index);
    free(f);
}

int front_unused_overrides(struct front *f, int report)
{
    int count = 0;
    for (int k = 0; k < f->nover; k++) {
        struct front_override *o = &f->over[k];
        if (o->is_setting || o->used || front_let_seen(f, o->name))
            continue;
        count++;
        if (!report)
            continue;
        const char *cands[128];
        int nc = 0;
        for (const struct names_setting *s = names_settings; s->name; s++)
            if (s->sweepable)
                cands[nc++] = s->name;
        for (int j = 0; j < PARAMS_COUNT; j++)
            cands[nc++] = params_table[j].name;
        for (int j = 0; j < f->nlet_seen && nc < 127; j++)
            cands[nc++] = f->let_seen[j];
        cands[nc] = NULL;
        const char *sg = names_suggest(o->name, cands);
        struct ast_span sp = {o->span.src, 0, (int)strlen(o->name)};
        if (sg)
            diag_error(f->diag, &sp, "-D '%s' names no setting or let variable; did you mean '%s'?",
                       o->name, sg);
        else
            diag_error(f->diag, &sp, "-D '%s' names no setting or let variable", o->name);
    }
    return count;
}

/* ---- use ---- */

static int front_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Search order: $TMSL_PATH, the using file's directory, the build tree's
 * stdlib, the installed share directory, the configured data directory. */
static char *front_find_file(struct front *f, const char *file, const char *from)
{
    const char *env = getenv("TMSL_PATH");
    if (env && *env) {
        char *copy = xstrdup(env), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
            char *p = xasprintf("%s/%s", dir, file);
            if (front_file_exists(p)) {
                free(copy);
                return p;
            }
            free(p);
        }
        free(copy);
    }
    char *cands[4];
    const char *slash = from ? strrchr(from, '/') : NULL;
    cands[0] = slash ? xasprintf("%.*s/%s", (int)(slash - from), from, file) : xstrdup(file);
    cands[1] = xasprintf("%s/stdlib/%s", f->exe_dir, file);
    cands[2] = xasprintf("%s/../share/tmsl/%s", f->exe_dir, file);
    cands[3] = xasprintf("%s/%s", TMSL_STDLIB_DIR, file);
    char *found = NULL;
    for (int k = 0; k < 4; k++) {
        if (!found && (k > 0 || from) && front_file_exists(cands[k]))
            found = cands[k];
        else
            free(cands[k]);
    }
    return found;
}

void front_use(struct front *f, const struct ast_node *s)
{
    char *file = xasprintf("%s.tmsl", s->name);
    const char *from = diag_source_name(f->diag, s->span.src);
    int from_file = from && front_file_exists(from);
    char *path = front_find_file(f, file, from_file ? from : NULL);
    if (!path) {
        diag_error(f->diag, &s->name_span, "cannot find '%s'; set TMSL_PATH to its directory",
                   file);
        free(file);
        return;
    }
    free(file);
    char real[PATH_MAX];
    const char *id = realpath(path, real) ? real : path;
    for (int k = 0; k < f->nuse; k++)
        if (!strcmp(f->use_stack[k], id)) {
            diag_error(f->diag, &s->name_span, "'use %s' loads itself (a cycle)", s->name);
            free(path);
            return;
        }
    size_t len;
    char *text = util_read_file(path, &len);
    if (!text) {
        diag_error(f->diag, &s->name_span, "cannot read '%s'", path);
        free(path);
        return;
    }
    struct parse_state ps = {0};
    ps.arena = front_arena(f);
    ps.diag = f->diag;
    ps.src = diag_add_source(f->diag, path, text, len);
    ps.text = diag_source_text(f->diag, ps.src, &ps.len);
    ps.is_file = 1;
    free(text);
    if (parse_text(&ps) == 0) {
        f->use_stack = xrealloc(f->use_stack, (size_t)(f->nuse + 1) * sizeof *f->use_stack);
        f->use_stack[f->nuse++] = xstrdup(id);
        check_block(f, ps.stmts->v, ps.stmts->n);
        free(f->use_stack[--f->nuse]);
    }
    free(path);
}

/* ---- load ---- */

static void front_load_reset(struct front *f)
{
    for (int k = 0; k < f->nexp; k++)
        free(f->exp_names[k]);
    free(f->exp_names);
    f->exp_names = NULL;
    f->nexp = 0;
    hmap_free(&f->exp_index);
    hmap_init(&f->exp_index, 16);
    for (int k = 0; k < f->nuse; k++)
        free(f->use_stack[k]);
    free(f->use_stack);
    f->use_stack = NULL;
    f->nuse = 0;
}

int front_load(struct front *f, const char *name, const char *text, size_t len, int is_file,
               struct plan *out)
{
    memset(out, 0, sizeof *out);
    if (f->bad)
        return -1;
    int before = diag_errors(f->diag);
    struct parse_state ps = {0};
    ps.arena = front_arena(f);
    ps.diag = f->diag;
    ps.src = diag_add_source(f->diag, name, text, len);
    ps.text = diag_source_text(f->diag, ps.src, &ps.len);
    ps.is_file = is_file;
    if (parse_text(&ps) != 0) {
        if (ps.incomplete && ps.errors == 1 && diag_errors(f->diag) == before)
            return 1;
        return -1;
    }
    struct front_state saved;
    front_state_copy(&saved, &f->st);
    f->is_file = is_file;
    f->errors_before = before;
    f->capped = 0;
    f->pb = plan_builder_new();
    if (is_file) {
        /* the file's own name is the root of the use-cycle check */
        char real[PATH_MAX];
        f->use_stack = xmalloc(sizeof *f->use_stack);
        f->use_stack[f->nuse++] = xstrdup(realpath(name, real) ? real : name);
    }
    check_block(f, ps.stmts->v, ps.stmts->n);
    if (diag_errors(f->diag) == before && ps.stmts->n > 0)
        check_settings_resolve(f, &ps.stmts->v[ps.stmts->n - 1]->span);
    front_load_reset(f);
    int rc = diag_errors(f->diag) == before ? 0 : -1;
    if (rc == 0) {
        plan_builder_finish(f->pb, out);
        front_state_free(&saved);
    } else {
        front_state_free(&f->st);
        f->st = saved;
    }
    plan_builder_free(f->pb);
    f->pb = NULL;
    return rc;
}

/* ---- show ---- */

static void front_show_expr(const struct front *f, FILE *out, const char *label,
                            const struct ast_node *e, const char *def)
{
    if (!e) {
        if (def)
            fprintf(out, "%s %s\n", label, def);
        return;
    }
    size_t len;
    const char *text = diag_source_text(f->diag, e->span.src, &len);
    if (!text || e->span.end > (int)len || e->span.start < 0) {
        fprintf(out, "%s ?\n", label);
        return;
    }
    fprintf(out, "%s %.*s\n", label, e->span.end - e->span.start, text + e->span.start);
}

void front_show(const struct front *f, FILE *out)
{
    const struct front_state *st = &f->st;
    fprintf(out, "model %s\n", st->kind->name);
    if (st->data) {
        fprintf(out, "data %s", st->data->name);
        for (int k = 0; k < st->data->nparams; k++)
            fprintf(out, " %s=%g", st->data->param[k].name, st->data_arg[k]);
        fprintf(out, "\n");
    }
    front_show_expr(f, out, "  n", st->n, "(not set)");
    front_show_expr(f, out, "  m", st->m, "(not set)");
    front_show_expr(f, out, "importance", st->importance, "1");
    front_show_expr(f, out, st->is_density ? "density" : "sparsity", st->sparsity, "0");
    /* every training setting, the defaults too, so :show answers "what
     * will train" without a trip to the documentation */
    for (int k = 0; k < PARAMS_COUNT; k++) {
        char label[64], def[64];
        snprintf(label, sizeof label, "train %s =", params_table[k].name);
        snprintf(def, sizeof def, "%s (default)", params_table[k].def_text);
        front_show_expr(f, out, label, st->param[k], def);
    }
    if (f->have_seed)
        fprintf(out, "seed %llu (--seed)\n", (unsigned long long)f->seed);
    else
        front_show_expr(f, out, "seed", st->seed, "0");
    for (int k = 0; k < st->nlets; k++) {
        char label[128];
        snprintf(label, sizeof label, "let %s =", st->lets[k].name);
        front_show_expr(f, out, label, st->lets[k].expr, NULL);
    }
    for (int k = 0; k < st->naxes; k++) {
        const struct front_axis *a = &st->axes[k];
        fprintf(out, "sweep %s [", a->name);
        for (int v = 0; v < a->count; v++) {   /* long sweeps: the ends and a count */
            if (a->count > 12 && v == 6) {
                fprintf(out, ", ...");
                v = a->count - 4;
            }
            fprintf(out, "%s%.6g", v ? ", " : "", a->values[v]);
        }
        fprintf(out, "] (%d value%s)\n", a->count, a->count == 1 ? "" : "s");
    }
    fprintf(out, "repeat %d%s\n", st->repeat, st->keep_best ? " keep best" : "");
    for (int k = 0; k < f->nover; k++) {
        char label[128];
        snprintf(label, sizeof label, "-D %s =", f->over[k].name);
        front_show_expr(f, out, label, f->over[k].expr, NULL);
    }
}
