/* lang/check.c: statements, checked and applied to the session settings.
 * Each setting statement is validated where it stands (its values evaluated
 * with the current let variables) and then stored as expressions; a rejected
 * statement leaves the settings as they were. Output statements hand the
 * current settings to the planner. check_resolve() evaluates every setting at
 * one grid point; the same range checks run there, because a swept variable
 * can push a value out of range only at some points. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "kern.h"
#include "hmap.h"
#include "parse.h"
#include "util.h"

/* ---- small helpers ---- */

static void check_remove_axis(struct front_state *st, const char *name)
{
    int same_slot = !strcmp(name, "sparsity") || !strcmp(name, "density");
    for (int k = 0; k < st->naxes; k++) {
        const char *an = st->axes[k].name;
        int hit = !strcmp(an, name) ||
                  (same_slot && (!strcmp(an, "sparsity") || !strcmp(an, "density")));
        if (hit) {
            free(st->axes[k].values);
            memmove(&st->axes[k], &st->axes[k + 1], (size_t)(st->naxes - k - 1) * sizeof *st->axes);
            st->naxes--;
            k--;
        }
    }
}

/* A -D override pins the name: the statement's assignment is skipped. */
static int check_pinned(struct front *f, const char *name)
{
    struct front_override *o = front_find_override(f, name);
    if (o) {
        o->used = 1;
        return 1;
    }
    return 0;
}

/* Evaluate a per-feature expression at i = 0 .. n-1 when n is known (else at
 * i = 0 only), checking each value as `what`. */
static int check_per_feature(struct front *f, const struct ast_node *e, const char *what)
{
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double nv = 1;
    c.quiet = 1;
    if (eval_lookup(&c, "n", &e->span, &nv) != 0 || !names_value_ok("n", nv, NULL, 0))
        nv = 1;
    c.quiet = 0;
    for (int i = 0; i < (int)nv; i++) {
        double v;
        c.have_i = 1;
        c.i = i;
        if (eval_expr(&c, e, &v) != 0 || check_value(f, what, v, &e->span) != 0)
            return -1;
    }
    return 0;
}

/* ---- setting statements ---- */

static void check_model(struct front *f, struct ast_node *s)
{
    if (s->name) {
        const struct model_kind *k = model_find(s->name);
        if (!k) {
            const char *names[16];
            int c = 0;
            for (; model_kinds[c] && c < 15; c++)
                names[c] = model_kinds[c]->name;
            names[c] = NULL;
            check_unknown(f, &s->name_span, "model kind", s->name, names);
            return;
        }
        f->st.kind = k;
    }
    static const char *const nm[] = {"n", "m", NULL};
    for (int k = 0; k < s->nargs; k++) {
        struct ast_node *p = s->args[k];
        if (names_index(nm, p->name) < 0) {
            check_unknown(f, &p->name_span, "model parameter", p->name, nm);
            continue;
        }
        if (check_pinned(f, p->name))
            continue;
        struct eval_ctx c;
        eval_init(&c, f, &f->st);
        double v;
        if (eval_expr(&c, p->a, &v) != 0 || check_value(f, p->name, v, &p->a->span) != 0)
            continue;
        if (p->name[0] == 'n')
            f->st.n = p->a;
        else
            f->st.m = p->a;
        check_remove_axis(&f->st, p->name);
    }
}

/* One NAME=VALUE of `data`: a parameter of g, an integer in its range. */
static int check_data_arg(struct front *f, const struct data_gen *g, const struct ast_node *p,
                          double *arg)
{
    int k = data_param_index(g, p->name);
    if (k < 0) {
        const char *names[DATA_MAX_ARGS + 1] = {NULL};
        for (int j = 0; j < g->nparams; j++)
            names[j] = g->param[j].name;
        check_unknown(f, &p->name_span, "parameter of data generator", p->name, names);
        return -1;
    }
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double v;
    if (eval_expr(&c, p->a, &v) != 0)
        return -1;
    const struct data_param *dp = &g->param[k];
    if (v != floor(v) || v < dp->lo || v > dp->hi) {
        diag_error(f->diag, &p->a->span, "%s must be an integer in %g .. %g", dp->name, dp->lo,
                   dp->hi);
        return -1;
    }
    arg[k] = v;
    return 0;
}

/* data NAME [PARAM=VALUE ...]: the generator of the runs that follow
 * (sticky, like model) and its parameters. */
static void check_data(struct front *f, struct ast_node *s)
{
    const struct data_gen *g = data_find(s->name);
    if (!g) {
        const char *names[16];
        int c = 0;
        for (; data_gens[c] && c < 15; c++)
            names[c] = data_gens[c]->name;
        names[c] = NULL;
        check_unknown(f, &s->name_span, "data generator", s->name, names);
        return;
    }
    if (!kern_any_serves(f->st.kind, g)) {
        diag_error(f->diag, &s->name_span, "model '%s' cannot train on data '%s'",
                   f->st.kind->name, g->name);
        return;
    }
    double arg[DATA_MAX_ARGS];
    data_args_default(g, arg);
    for (int k = 0; k < s->nargs; k++)
        if (check_data_arg(f, g, s->args[k], arg) != 0)
            return;
    f->st.data = g;
    memcpy(f->st.data_arg, arg, sizeof arg);
}

static void check_importance(struct front *f, struct ast_node *s)
{
    const struct ast_node *e = s->a;
    if (e->kind == AST_LIST) {
        if (e->nargs == 0) {
            diag_error(f->diag, &e->span, "empty list");
            return;
        }
        for (int k = 0; k < e->nargs; k++) {
            struct eval_ctx c;
            eval_init(&c, f, &f->st);
            c.have_i = 1;
            c.i = k;
            double v;
            if (eval_expr(&c, e->args[k], &v) != 0 ||
                check_value(f, "importance", v, &e->args[k]->span) != 0)
                return;
        }
    } else if (check_per_feature(f, e, "importance") != 0) {
        return;
    }
    f->st.importance = e;
}

static void check_sparsity(struct front *f, struct ast_node *s, int is_density)
{
    const char *what = is_density ? "density" : "sparsity";
    if (check_pinned(f, "sparsity") || check_pinned(f, "density"))
        return;
    if (check_per_feature(f, s->a, what) != 0)
        return;
    f->st.sparsity = s->a;
    f->st.is_density = is_density;
    check_remove_axis(&f->st, "sparsity");
}

/* Training parameter names and aliases, for suggestions. */
static const char *const *check_param_names(void)
{
    static const char *list[2 * PARAMS_COUNT + 1];
    return params_words(params_table, PARAMS_COUNT, list);
}

/* optimizer=adamw, schedule=cosine: the value is a bare name from a list. */
static int check_enum_param(struct front *f, const struct params_def *np,
                            const struct ast_node *v)
{
    if (v->kind != AST_NAME) {
        struct sbuf b;
        sbuf_init(&b);
        for (int k = 0; np->choices[k]; k++)
            sbuf_printf(&b, "%s'%s'", k == 0 ? "" : np->choices[k + 1] ? ", " : " or ",
                        np->choices[k]);
        diag_error(f->diag, &v->span, "%s must be one of %s", np->name, b.s);
        sbuf_free(&b);
        return -1;
    }
    if (names_index(np->choices, v->name) < 0) {
        check_unknown(f, &v->span, np->name, v->name, np->choices);
        return -1;
    }
    return 0;
}

static int check_param_value(struct front *f, const struct params_def *np, const struct ast_node *v)
{
    if (np->type == PARAMS_CHOICE)
        return check_enum_param(f, np, v);
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double x;
    if (eval_expr(&c, v, &x) != 0)
        return -1;
    return check_value(f, np->name, x, &v->span);
}

static void check_train(struct front *f, struct ast_node *s)
{
    for (int k = 0; k < s->nargs; k++) {
        struct ast_node *p = s->args[k];
        const struct params_def *np = params_find(p->name);
        if (!np) {
            check_unknown(f, &p->name_span, "training parameter", p->name, check_param_names());
            continue;
        }
        if (check_pinned(f, np->name) || (np->alias && check_pinned(f, np->alias)))
            continue;
        if (check_param_value(f, np, p->a) != 0)
            continue;
        f->st.param[np - params_table] = p->a;
        check_remove_axis(&f->st, np->name);
    }
}

static void check_seed(struct front *f, struct ast_node *s)
{
    if (check_pinned(f, "seed") || f->have_seed)
        return;
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double v;
    if (eval_expr(&c, s->a, &v) != 0 || check_value(f, "seed", v, &s->a->span) != 0)
        return;
    f->st.seed = s->a;
    check_remove_axis(&f->st, "seed");
}

static void check_repeat(struct front *f, struct ast_node *s)
{
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double v;
    if (eval_expr(&c, s->a, &v) != 0 || check_value(f, "repeat", v, &s->a->span) != 0)
        return;
    int keep = 0;
    if (s->name) {
        if (strcmp(s->name, "keep") != 0 || strcmp(s->name2, "best") != 0) {
            struct ast_span sp = s->name_span;
            sp.end = s->b ? s->b->span.end : sp.end;
            diag_error(f->diag, &sp, "expected 'keep best' after the repeat count");
            return;
        }
        keep = 1;
    }
    f->st.repeat = (int)v;
    f->st.keep_best = keep;
}

/* Let names that would shadow something else are refused. */
static int check_let_name(struct front *f, const struct ast_node *s)
{
    static const char *const reserved[] = {"i", "n", "m", NULL};
    if (names_index(reserved, s->name) >= 0 || names_index(names_functions, s->name) >= 0 ||
        names_metric_find(s->name) || params_find_any(s->name) ||
        names_index(names_statements, s->name) >= 0) {
        diag_error(f->diag, &s->name_span, "'%s' is a reserved name", s->name);
        return -1;
    }
    return 0;
}

/* Names a let expression mentions must exist somewhere (values are only
 * known where the variable is used: lets are evaluated lazily). */
static int check_names_exist(struct front *f, const struct ast_node *e, const char *self)
{
    if (!e)
        return 0;
    int rc = 0;
    if (e->kind == AST_NAME) {
        struct eval_ctx c;
        eval_init(&c, f, &f->st);
        c.have_i = 1;
        if (self && !strcmp(e->name, self)) {
            diag_error(f->diag, &e->span, "'%s' is defined in terms of itself", self);
            return -1;
        }
        if (strcmp(e->name, "i") && strcmp(e->name, "n") && strcmp(e->name, "m")) {
            double v;
            c.quiet = 1;
            eval_lookup(&c, e->name, &e->span, &v);
            int unknown = c.failed_quiet && !front_find_override(f, e->name) &&
                          eval_is_axis(&f->st, e->name) < 0;
            if (unknown && front_let_find(&f->st, e->name) < 0) {
                c.quiet = 0;
                eval_lookup(&c, e->name, &e->span, &v);
                return -1;
            }
        }
        return 0;
    }
    rc |= check_names_exist(f, e->a, self);
    rc |= check_names_exist(f, e->b, self);
    for (int k = 0; k < e->nargs; k++)
        rc |= check_names_exist(f, e->args[k], self);
    return rc;
}

static int uses_free_names(const struct ast_node *e)
{
    if (!e)
        return 0;
    if (e->kind == AST_NAME)
        return 1;
    int r = uses_free_names(e->a) || uses_free_names(e->b);
    for (int k = 0; k < e->nargs && !r; k++)
        r = uses_free_names(e->args[k]);
    return r;
}

static void check_let(struct front *f, struct ast_node *s)
{
    if (check_let_name(f, s) != 0)
        return;
    front_let_see(f, s->name);
    if (check_pinned(f, s->name))
        return;
    if (check_names_exist(f, s->a, s->name) != 0)
        return;
    /* probe the value now for the errors it certainly has (division by zero) */
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    c.quiet = 1;
    double v;
    if (!uses_free_names(s->a) && eval_expr(&c, s->a, &v) != 0) {
        c.quiet = 0;
        eval_expr(&c, s->a, &v);
        return;
    }
    front_let_add(&f->st, s->name, s->a);
    check_remove_axis(&f->st, s->name);
}

/* ---- sweeps ---- */

/* What a sweep may vary: "" if name is sweepable, else reports and NULL. */
static const char *check_sweep_name(struct front *f, const struct ast_node *s)
{
    const struct names_setting *set = names_setting_find(s->name);
    if (set && set->sweepable)
        return s->name;
    const struct params_def *np = params_find_any(s->name);
    if (np) {
        if (np->type == PARAMS_CHOICE) {
            diag_error(f->diag, &s->name_span, "'%s' cannot be swept", np->name);
            return NULL;
        }
        return np->name;
    }
    if (front_let_find(&f->st, s->name) >= 0)
        return s->name;
    struct front_override *o = front_find_override(f, s->name);
    if (o)
        return s->name;
    const char *cands[96];
    int nc = 0;
    for (const struct names_setting *q = names_settings; q->name; q++)
        if (q->sweepable)
            cands[nc++] = q->name;
    for (const char *const *p = check_param_names(); *p; p++)
        cands[nc++] = *p;
    for (int k = 0; k < f->st.nlets && nc < 95; k++)
        cands[nc++] = f->st.lets[k].name;
    cands[nc] = NULL;
    const char *sg = names_suggest(s->name, cands);
    if (sg)
        diag_error(f->diag, &s->name_span, "cannot sweep '%s': not a setting or let variable; "
                   "did you mean '%s'?", s->name, sg);
    else
        diag_error(f->diag, &s->name_span, "cannot sweep '%s': not a setting or let variable",
                   s->name);
    return NULL;
}

static int check_eval_const(struct front *f, const struct ast_node *e, double *v)
{
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    return eval_expr(&c, e, v);
}

/* seed, steps, batch, n, m, log_every, repeat: settings that take integers. */
static int check_is_integer_setting(const char *name)
{
    const struct names_setting *set = names_setting_find(name);
    const struct params_def *np = set ? NULL : params_find(name);
    return set ? set->range.integer : np && np->type == PARAMS_INT;
}

/* a..b lin N / a..b log N. For sparsity, log spaces the density 1 - S. */
static int check_range(struct front *f, const char *name, const struct ast_node *r,
                       struct front_axis *ax)
{
    double a, b, cnt;
    if (check_eval_const(f, r->a, &a) || check_eval_const(f, r->b, &b) ||
        check_eval_const(f, r->c, &cnt))
        return -1;
    int is_log = r->name && !strcmp(r->name, "log");
    if (!is_log && !(r->name && !strcmp(r->name, "lin"))) {
        static const char *const sp[] = {"lin", "log", NULL};
        check_unknown(f, &r->name_span, "spacing", r->name ? r->name : "", sp);
        return -1;
    }
    if (check_int(f, "the number of values", cnt, 1, &r->c->span) ||
        check_max(f, "the number of values", cnt, FRONT_MAX_AXIS, &r->c->span))
        return -1;
    if (check_value(f, name, a, &r->a->span) || check_value(f, name, b, &r->b->span))
        return -1;
    int sp = !strcmp(name, "sparsity");
    double lo = sp ? 1 - a : a, hi = sp ? 1 - b : b;
    if (is_log && !(lo * hi > 0)) {
        diag_error(f->diag, &r->span, "a log range must not touch or cross 0%s",
                   sp ? " (in density 1 - sparsity)" : "");
        return -1;
    }
    int n = (int)cnt;
    ax->count = n;
    ax->values = xmalloc((size_t)n * sizeof(double));
    int whole = check_is_integer_setting(name);
    for (int k = 0; k < n; k++) {
        double t = n == 1 ? 0 : (double)k / (n - 1);
        double v = is_log ? lo * pow(hi / lo, t) : lo + (hi - lo) * t;
        /* 0..99 lin 100 gives 13.000000000000002: an integer setting means
         * the integer a rounding error away */
        if (whole && fabs(v - round(v)) <= 1e-9 * fmax(1, fabs(v)))
            v = round(v);
        ax->values[k] = sp ? 1 - v : v;
    }
    ax->values[0] = a;          /* endpoints exact, whatever rounding did */
    if (n > 1)
        ax->values[n - 1] = b;
    return 0;
}

static int check_list_values(struct front *f, const char *name, const struct ast_node *l,
                             struct front_axis *ax)
{
    if (l->nargs == 0) {
        diag_error(f->diag, &l->span, "empty list");
        return -1;
    }
    ax->count = l->nargs;
    ax->values = xmalloc((size_t)l->nargs * sizeof(double));
    for (int k = 0; k < l->nargs; k++)
        if (check_eval_const(f, l->args[k], &ax->values[k]) ||
            check_value(f, name, ax->values[k], &l->args[k]->span)) {
            free(ax->values);
            ax->values = NULL;
            return -1;
        }
    return 0;
}

/* A sweep replaced before any output read it did nothing: most likely a
 * copy-paste slip, so say where both are. */
static void check_sweep_again(struct front *f, const struct front_axis *old,
                              const struct ast_node *s)
{
    if (old->outputs_before != plan_builder_outputs(f->pb))
        return;
    int line, col;
    diag_line_col(f->diag, old->span.src, old->span.start, &line, &col);
    const char *file = diag_source_name(f->diag, old->span.src);
    char where[300];
    if (old->span.src == s->span.src)
        snprintf(where, sizeof where, "line %d", line);
    else
        snprintf(where, sizeof where, "%s:%d", file ? file : "?", line);
    diag_report(f->diag, DIAG_WARNING, &s->name_span,
                "'%s' is swept again before any output read its sweep at %s; "
                "this one replaces it", old->name, where);
}

static void check_sweep(struct front *f, struct ast_node *s)
{
    const char *name = check_sweep_name(f, s);
    if (!name)
        return;
    if (check_pinned(f, name) ||
        ((!strcmp(name, "sparsity") || !strcmp(name, "density")) &&
         (check_pinned(f, "sparsity") || check_pinned(f, "density"))) ||
        (!strcmp(name, "seed") && f->have_seed))
        return;
    struct front_axis ax = {name, 0, NULL, s->span, plan_builder_outputs(f->pb)};
    int rc = s->a->kind == AST_LIST ? check_list_values(f, name, s->a, &ax)
                                    : check_range(f, name, s->a, &ax);
    if (rc != 0)
        return;
    struct front_state *st = &f->st;
    int same_slot = !strcmp(name, "sparsity") || !strcmp(name, "density");
    for (int k = 0; k < st->naxes; k++) {
        const char *an = st->axes[k].name;
        if (!strcmp(an, name) ||
            (same_slot && (!strcmp(an, "sparsity") || !strcmp(an, "density")))) {
            check_sweep_again(f, &st->axes[k], s);
            free(st->axes[k].values);
            st->axes[k] = ax;   /* sweeping again replaces the axis in place */
            return;
        }
    }
    st->axes = xrealloc(st->axes, (size_t)(st->naxes + 1) * sizeof *st->axes);
    st->axes[st->naxes++] = ax;
}

static void check_unsweep(struct front *f, struct ast_node *s)
{
    struct front_state *st = &f->st;
    if (!s->name) {
        while (st->naxes > 0)
            free(st->axes[--st->naxes].values);
        return;
    }
    const struct params_def *pd = params_find_any(s->name);
    const char *name = pd ? pd->name : s->name;
    /* sparsity and density are one quantity: either name removes its axis */
    if (eval_is_axis(st, name) < 0 && (!strcmp(name, "sparsity") || !strcmp(name, "density"))) {
        const char *other = !strcmp(name, "sparsity") ? "density" : "sparsity";
        if (eval_is_axis(st, other) >= 0)
            name = other;
    }
    if (eval_is_axis(st, name) < 0) {
        const char *cands[64];
        int nc = 0;
        for (int k = 0; k < st->naxes && nc < 63; k++)
            cands[nc++] = st->axes[k].name;
        cands[nc] = NULL;
        const char *sg = names_suggest(name, cands);
        if (sg)
            diag_error(f->diag, &s->name_span, "'%s' is not swept; did you mean '%s'?", name, sg);
        else
            diag_error(f->diag, &s->name_span, "'%s' is not swept", name);
        return;
    }
    check_remove_axis(st, name);
}

/* ---- outputs ---- */

static void check_plot(struct front *f, struct ast_node *s)
{
    for (int k = 0; k < s->nargs; k++) {
        const struct ast_node *fig = s->args[k];
        if (names_figure_find(fig->name) < 0) {
            check_unknown(f, &fig->span, "figure", fig->name, names_figure_words());
            continue;
        }
        int g;
        plan_add_output(f, s, PLAN_PLOT, fig, NULL, 0, NULL, &g);
    }
}

/* A metric read from training snapshots needs every run to take them, and
 * one read from the training set every run to have one. */
static int check_metric_snapshots(struct front *f, const struct plan_group *g,
                                  const struct names_metric *m, char *why, size_t size)
{
    if (m && m->figure >= 0 && names_figures[m->figure].needs_dataset &&
        plan_builder_dataset(f->pb, g) <= 0) {
        snprintf(why, size, "metric '%s' reads a finite training set: set "
                 "'train dataset=T;'", m->name);
        return 0;
    }
    if (!m || m->figure < 0 || !names_figures[m->figure].needs_snapshots ||
        plan_builder_snapshots(f->pb, g) > 0)
        return 1;
    snprintf(why, size, "metric '%s' reads weights taken during training: set "
             "'train snapshots=K;'", m->name);
    return 0;
}

static void check_table(struct front *f, struct ast_node *s)
{
    const char *const *point = names_metric_words(NAMES_POINT);
    int bad = 0;
    for (int k = 0; k < s->nargs; k++)
        if (names_index(point, s->args[k]->name) < 0) {
            const struct names_metric *m = names_metric_find(s->args[k]->name);
            if (m)
                diag_error(f->diag, &s->args[k]->span,
                           "'%s' is not a per-point metric and cannot be a table column",
                           m->name);
            else
                check_unknown(f, &s->args[k]->span, "metric", s->args[k]->name, point);
            bad = 1;
        }
    if (bad)
        return;
    int g;
    if (plan_add_output(f, s, PLAN_TABLE, NULL, s->args, s->nargs, NULL, &g) != 0)
        return;
    const struct plan_group *pg = plan_builder_group(f->pb, g);
    char why[256];
    for (int k = 0; k < s->nargs; k++)
        if (!names_metric_fits(names_metric_find(s->args[k]->name), pg->kind, pg->n, pg->m, why,
                               sizeof why) ||
            !check_metric_snapshots(f, pg, names_metric_find(s->args[k]->name), why, sizeof why)) {
            diag_error(f->diag, &s->args[k]->span, "%s", why);
            bad = 1;
        }
    if (bad)
        plan_drop_last_output(f->pb);
}

/* Checking an expect condition against the group it reads. */
struct expect_ctx {
    struct front *f;
    const struct plan_group *g;
    int in_aggregate;
};

static int expect_walk(struct expect_ctx *x, struct ast_node *e);

static int expect_fold(struct expect_ctx *x, struct ast_node *e)
{
    struct eval_ctx c;
    eval_init(&c, x->f, &x->f->st);
    double v;
    if (eval_expr(&c, e, &v) != 0)
        return -1;
    e->num = v;
    e->folded = 1;
    return 0;
}

static void expect_metric_names(const char **out, int max)
{
    int k = 0;
    for (const struct names_metric *m = names_metrics; m->name && k < max - 8; m++)
        out[k++] = m->name;
    for (int j = 0; names_functions[j]; j++)
        out[k++] = names_functions[j];
    out[k] = NULL;
}

/* A bare name in a condition: a metric misspelt, or a let variable. */
static int expect_name(struct expect_ctx *x, struct ast_node *e)
{
    struct eval_ctx c;
    eval_init(&c, x->f, &x->f->st);
    c.quiet = 1;
    double v;
    eval_lookup(&c, e->name, &e->span, &v);
    if (!c.failed_quiet)
        return expect_fold(x, e);
    const char *cands[128];
    expect_metric_names(cands, 100);
    int nc = 0;
    while (cands[nc])
        nc++;
    for (int k = 0; k < x->f->st.nlets && nc < 126; k++)
        cands[nc++] = x->f->st.lets[k].name;
    cands[nc] = NULL;
    if (names_suggest(e->name, cands)) {
        check_unknown(x->f, &e->span, "name", e->name, cands);
        return -1;
    }
    return expect_fold(x, e);
}

/* The grid is known here, so a selection that keeps no point is reported
 * now rather than after training (the same words as at run time). */
static int expect_selection(struct expect_ctx *x, const struct ast_node *e)
{
    const struct plan_group *g = x->g;
    char *keep = xmalloc((size_t)g->npoints + 1);
    memset(keep, 1, (size_t)g->npoints + 1);
    int rc = 0;
    for (int k = 0; k < e->nsels && rc == 0; k++) {
        const struct ast_node *s = e->sels[k];
        if (!strcmp(s->name, "tol"))
            continue;
        int any = 0;
        for (int p = 0; p < g->npoints; p++) {
            double v;
            if (keep[p] && (plan_builder_coord(x->f->pb, g, p, s->name, &v) != 0 ||
                            !eval_compare(s->op, v, s->a->num)))
                keep[p] = 0;
            any |= keep[p];
        }
        if (!any) {
            diag_error(x->f->diag, &s->span, "no point of the sweep has %s %s %s", s->name,
                       s->op == AST_OP_EQ ? "=" : ast_op_text(s->op), check_num(s->a->num).s);
            rc = -1;
        }
    }
    free(keep);
    return rc;
}

static int expect_selectors(struct expect_ctx *x, struct ast_node *e)
{
    int rc = 0;
    for (int k = 0; k < e->nsels; k++) {
        struct ast_node *s = e->sels[k];
        int is_tol = !strcmp(s->name, "tol") && e->metric && e->metric->kind == NAMES_MONOTONE;
        int ok = is_tol || !strcmp(s->name, "sparsity") || !strcmp(s->name, "density");
        const char *cands[40];
        int nc = 0;
        for (int a = 0; a < x->g->naxes && nc < 36; a++) {
            ok |= !strcmp(x->g->axes[a].name, s->name);
            cands[nc++] = x->g->axes[a].name;
        }
        cands[nc++] = "sparsity";
        cands[nc++] = "density";
        if (e->metric && e->metric->kind == NAMES_MONOTONE)
            cands[nc++] = "tol";
        cands[nc] = NULL;
        if (!ok) {
            const char *sg = names_suggest(s->name, cands);
            if (sg)
                diag_error(x->f->diag, &s->name_span,
                           "'%s' is not a sweep axis of this grid; did you mean '%s'?", s->name, sg);
            else
                diag_error(x->f->diag, &s->name_span, "'%s' is not a sweep axis of this grid",
                           s->name);
            rc = -1;
            continue;
        }
        if (is_tol && s->op != AST_OP_EQ) {
            diag_error(x->f->diag, &s->span, "write the tolerance as 'tol=K'");
            rc = -1;
            continue;
        }
        if (expect_fold(x, s->a) != 0)
            rc = -1;
        else if (is_tol && s->a->num < 0) {
            diag_error(x->f->diag, &s->a->span, "tol must not be negative, got %s", check_num(s->a->num).s);
            rc = -1;
        }
    }
    return rc == 0 ? expect_selection(x, e) : rc;
}

static int expect_feature_arg(struct expect_ctx *x, struct ast_node *e)
{
    struct ast_node *a = e->args[0];
    if (expect_walk(x, a) != 0)
        return -1;
    if (!a->folded) {
        diag_error(x->f->diag, &a->span, "the feature index of '%s' must be a constant", e->name);
        return -1;
    }
    if (a->num != floor(a->num) || a->num < 0 || (x->g->n > 0 && a->num >= x->g->n)) {
        diag_error(x->f->diag, &a->span, "feature index must be an integer in [0, %d), got %s",
                   x->g->n, check_num(a->num).s);
        return -1;
    }
    return 0;
}

static int expect_metric(struct expect_ctx *x, struct ast_node *e, const struct names_metric *m)
{
    char words[48], why[256];
    e->metric = m;
    if (!names_metric_fits(m, x->g->kind, x->g->n, x->g->m, why, sizeof why) ||
        !check_metric_snapshots(x->f, x->g, m, why, sizeof why)) {
        diag_error(x->f->diag, &e->name_span, "%s", why);
        return -1;
    }
    if (e->nargs < m->min_args || e->nargs > m->max_args) {
        diag_error(x->f->diag, &e->span, "'%s' takes %s, got %d", m->name,
                   eval_arity_text(m->min_args, m->max_args, words, sizeof words), e->nargs);
        return -1;
    }
    if (expect_selectors(x, e) != 0)
        return -1;
    switch (m->kind) {
    case NAMES_POINT: return 0;
    case NAMES_FEATURE: return expect_feature_arg(x, e);
    case NAMES_MONOTONE:
        if (x->g->naxes != 1) {
            diag_error(x->f->diag, &e->span, "'%s' needs exactly one sweep axis, the grid has %d",
                       m->name, x->g->naxes);
            return -1;
        }
        /* the argument is a per-point quantity, as for an aggregate */
        __attribute__((fallthrough));
    case NAMES_AGGREGATE:
        if (x->in_aggregate) {
            diag_error(x->f->diag, &e->span, "'%s' cannot be nested in another aggregate",
                       m->name);
            return -1;
        }
        x->in_aggregate = 1;
        int rc = expect_walk(x, e->args[0]);
        x->in_aggregate = 0;
        if (rc == 0 && e->args[0]->folded) {
            diag_error(x->f->diag, &e->args[0]->span, "'%s' needs a metric, got a constant",
                       m->name);
            return -1;
        }
        return rc;
    }
    return 0;
}

/* A function call in a claim: the same arity check as in settings, made
 * here because a call over metrics is only evaluated after training. */
static int expect_function(struct expect_ctx *x, struct ast_node *e,
                           const struct names_function *fn)
{
    struct eval_ctx c;
    eval_init(&c, x->f, &x->f->st);
    if (eval_check_call(&c, e, fn) != 0)
        return -1;
    int rc = 0, all = 1;
    for (int k = 0; k < e->nargs; k++) {
        rc |= expect_walk(x, e->args[k]);
        all &= e->args[k]->folded;
    }
    if (rc == 0 && all)
        return expect_fold(x, e);
    return rc;
}

static int expect_call(struct expect_ctx *x, struct ast_node *e)
{
    const struct names_metric *m = names_metric_find(e->name);
    const struct names_function *fn = names_function_find(e->name);
    /* min/max with one argument aggregate over points; with more, they
     * compare their arguments point by point */
    if (m && !(fn && e->nargs != 1))
        return expect_metric(x, e, m);
    if (!fn) {
        const char *cands[48];
        expect_metric_names(cands, 48);
        check_unknown(x->f, &e->name_span, "function or metric", e->name, cands);
        return -1;
    }
    if (m && e->nargs < fn->min_args) {
        diag_error(x->f->diag, &e->span, "'%s' takes 1 argument or at least %d, got %d",
                   e->name, fn->min_args, e->nargs);
        return -1;
    }
    return expect_function(x, e, fn);
}

static int expect_walk(struct expect_ctx *x, struct ast_node *e)
{
    switch (e->kind) {
    case AST_NUM:
        e->folded = 1;
        return 0;
    case AST_NAME: {
        const struct names_metric *m = names_metric_find(e->name);
        if (m && m->kind == NAMES_POINT) {
            e->kind = AST_CALL;   /* a bare metric name is a call without arguments */
            e->name_span = e->span;
            return expect_metric(x, e, m);
        }
        for (int a = 0; a < x->g->naxes; a++)
            if (!strcmp(x->g->axes[a].name, e->name)) {
                diag_error(x->f->diag, &e->span,
                           "'%s' varies along the sweep; use a selector such as 'loss(%s=...)'",
                           e->name, e->name);
                return -1;
            }
        return expect_name(x, e);
    }
    case AST_NEG: case AST_NOT: {
        if (expect_walk(x, e->a) != 0)
            return -1;
        return e->a->folded ? expect_fold(x, e) : 0;
    }
    case AST_BINOP: {
        int rc = expect_walk(x, e->a);
        rc |= expect_walk(x, e->b);
        if (rc)
            return -1;
        return e->a->folded && e->b->folded ? expect_fold(x, e) : 0;
    }
    case AST_CALL: return expect_call(x, e);
    default:
        diag_error(x->f->diag, &e->span, "not allowed in a condition");
        return -1;
    }
}

static void check_expect(struct front *f, struct ast_node *s)
{
    int g;
    if (plan_add_output(f, s, PLAN_EXPECT, NULL, NULL, 0, s->a, &g) != 0)
        return;
    struct expect_ctx x = {f, plan_builder_group(f->pb, g), 0};
    if (expect_walk(&x, s->a) != 0)
        plan_drop_last_output(f->pb);
}

/* ---- blocks ---- */

void check_settings_resolve(struct front *f, const struct ast_span *why)
{
    const struct front_state *st = &f->st;
    if (!f->pb || plan_builder_read_gen(f->pb, f->gen) || !st->n || !st->m)
        return;
    double *val = xcalloc((size_t)st->naxes + 1, sizeof(double));
    for (int corner = 0; corner < 2; corner++) {
        for (int a = 0; a < st->naxes; a++)
            val[a] = st->axes[a].values[corner ? st->axes[a].count - 1 : 0];
        struct front_point pt;
        if (check_resolve(f, st, val, why, &pt) != 0)
            break;
        front_point_free(&pt);
    }
    free(val);
}

static void check_experiment(struct front *f, struct ast_node *s)
{
    uint64_t h = util_hash64(s->name, strlen(s->name), UTIL_HASH_INIT);
    int seen = hmap_get(&f->exp_index, h);
    if (seen >= 0 && !strcmp(f->exp_names[seen], s->name)) {
        diag_error(f->diag, &s->name_span, "duplicate experiment name '%s'", s->name);
        return;
    }
    if ((f->nexp & (f->nexp - 1)) == 0)   /* grow by doubling: linear in the count */
        f->exp_names = xrealloc(f->exp_names, (size_t)(2 * f->nexp + 1) * sizeof *f->exp_names);
    hmap_put(&f->exp_index, h, f->nexp);
    f->exp_names[f->nexp++] = xstrdup(s->name);
    struct front_state saved;
    front_state_copy(&saved, &f->st);
    char *prefix = xasprintf("%s%s-", f->st.prefix, s->name);
    char *exp = *f->st.experiment ? xasprintf("%s-%s", f->st.experiment, s->name)
                                  : xstrdup(s->name);
    free(f->st.prefix);
    free(f->st.experiment);
    f->st.prefix = prefix;
    f->st.experiment = exp;
    struct ast_node *last = s;
    for (struct ast_node *b = s->body; b; b = b->next) {
        check_block(f, &b, 1);
        last = b;
    }
    if (diag_errors(f->diag) == f->errors_before)
        check_settings_resolve(f, &last->span);
    front_state_free(&f->st);
    f->st = saved;   /* settings made inside end with the block */
    f->gen++;
}

void check_stmt(struct front *f, struct ast_node *s)
{
    if (!s)
        return;
    if (s->kind != AST_S_PLOT && s->kind != AST_S_TABLE && s->kind != AST_S_EXPECT)
        f->gen++;   /* settings may change: outputs after this need a fresh grid */
    switch (s->kind) {
    case AST_S_MODEL: check_model(f, s); break;
    case AST_S_IMPORTANCE: check_importance(f, s); break;
    case AST_S_SPARSITY: check_sparsity(f, s, 0); break;
    case AST_S_DENSITY: check_sparsity(f, s, 1); break;
    case AST_S_TRAIN: check_train(f, s); break;
    case AST_S_SEED: check_seed(f, s); break;
    case AST_S_SWEEP: check_sweep(f, s); break;
    case AST_S_UNSWEEP: check_unsweep(f, s); break;
    case AST_S_REPEAT: check_repeat(f, s); break;
    case AST_S_LET: check_let(f, s); break;
    case AST_S_USE: f->use(f, s); break;
    case AST_S_DATA: check_data(f, s); break;
    case AST_S_SAE: check_sae(f, s); break;
    case AST_S_PLOT: check_plot(f, s); break;
    case AST_S_TABLE: check_table(f, s); break;
    case AST_S_EXPECT: check_expect(f, s); break;
    case AST_S_EXPERIMENT: check_experiment(f, s); break;
    case AST_S_UNKNOWN:
        check_unknown(f, &s->name_span, "statement", s->name, names_statements);
        break;
    default:
        diag_error(f->diag, &s->span, "not a statement");
    }
}

void check_block(struct front *f, struct ast_node *const *stmts, int count)
{
    for (int k = 0; k < count; k++) {
        if (diag_errors(f->diag) - f->errors_before >= PARSE_MAX_ERRORS) {
            if (!f->capped)
                diag_note(f->diag, NULL, "too many errors; stopping here");
            f->capped = 1;
            return;   /* enough to read; the rest would mostly be echoes */
        }
        check_stmt(f, stmts[k]);
    }
}

