/* tests/unit/test_figures.c: figures, tables and expect on hand-built plans
 * whose weights are known configurations: two orthogonal features, antipodal
 * pairs, a pentagon (n=5, m=2); the ideal linear top-5 (n=20, m=5); and a
 * small n=2, m=1 phase grid with repeats and one diverged run. Checks metric
 * values, the phase classification, table text, expect pass/fail messages and
 * that every figure's files exist, carry the header, hold numbers, and (when
 * gnuplot is installed) render from another directory. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ast.h"
#include "diag.h"
#include "fig_impl.h"
#include "names.h"
#include "../tap.h"
#include "model.h"
#undef diag /* tap.h's diag() would shadow struct diag; use tap_diag() */

#define MAXR 64
static struct plan plan;
static struct plan_run runs[MAXR];
static struct plan_tmpl tmpls[MAXR];
static struct plan_vec vecs[2 * MAXR];
static struct ast_span span0;
static struct train_result res[MAXR];

/* The made-up runs' tensors, writable (train_tensor gives const views). */
static float *res_W(int k) { return (float *)train_tensor(&res[k], "W", NULL, NULL); }
static float *res_b(int k) { return (float *)train_tensor(&res[k], "b", NULL, NULL); }
static struct plan_group groups[4];
static struct plan_axis axes[8];
static int grun[4][64];
static struct diag *dg;
static char *errtext;
static size_t errlen;
static FILE *errfp;

static int new_run(int n, int m, double dens, const double *imp)
{
    int k = plan.nruns++;
    /* each made-up run has pieces of its own: a template, two arrays */
    runs[k] = (struct plan_run){ .key = 0xabc000u + (unsigned)k, .tmpl = k, .imp = 2 * k,
                                 .dens = 2 * k + 1, .base = -1 };
    tmpls[k] = (struct plan_tmpl){ .kind = &model_relu, .data = NULL, .n = n, .m = m,
                                   .head = "{", .sae = "", .tail = "}" };
    double *iv = xcalloc((size_t)n, sizeof(double)), *dv = xcalloc((size_t)n, sizeof(double));
    for (int i = 0; i < n; i++) {
        iv[i] = imp ? imp[i] : pow(0.9, i);
        dv[i] = dens;
    }
    vecs[2 * k] = (struct plan_vec){ .n = n, .v = iv, .text = "[]", .text_len = 2 };
    vecs[2 * k + 1] = (struct plan_vec){ .n = n, .v = dv, .text = "[]", .text_len = 2 };
    res[k].n = n;
    res[k].m = m;
    res[k].kind = &model_relu;
    res[k].p = xcalloc(model_nparams(&model_relu, n, m), sizeof(float));
    res[k].final_loss = 0.01;
    res[k].ncurve = 3;
    res[k].curve_step = xcalloc(3, sizeof(int));
    res[k].curve_loss = xcalloc(3, sizeof(double));
    for (int s = 0; s < 3; s++) {
        res[k].curve_step[s] = 100 * s;
        res[k].curve_loss[s] = 0.1 / (1 + s) / (1 + k);
    }
    return k;
}

/* Group 0: relu n=5 m=2 at sparsity 0, 0.8, 0.9: orthogonal pair, two
 * antipodal pairs, pentagon. */
static void group_intro(void)
{
    struct plan_group *g = &groups[0];
    static const double sp[3] = { 0, 0.8, 0.9 };
    axes[0] = (struct plan_axis){ .name = "sparsity", .count = 3, .values = (double *)sp };
    *g = (struct plan_group){ .experiment = "", .naxes = 1, .axes = &axes[0], .npoints = 3, .nrepeat = 1,
                              .runs = grun[0], .kind = &model_relu, .n = 5, .m = 2 };
    for (int p = 0; p < 3; p++) {
        int k = grun[0][p] = new_run(5, 2, 1 - sp[p], NULL);
        float *W = res_W(k), *b = res_b(k);
        if (p == 0) {
            W[0] = 1, W[3] = 1;
            b[2] = b[3] = b[4] = 0.5f;
        } else if (p == 1) {
            W[0] = 1, W[2] = -1, W[5] = 1, W[7] = -1;
        } else {
            for (int i = 0; i < 5; i++) {
                W[2 * i] = (float)(1.1 * cos(2 * M_PI * i / 5));
                W[2 * i + 1] = (float)(1.1 * sin(2 * M_PI * i / 5));
                b[i] = -0.2f;
            }
        }
    }
}

/* Group 1: linear n=20 m=5, one point, 3 repeats keep best; the top-5 ideal
 * is the best, one repeat is worse, one diverged. */
static void group_linear(void)
{
    struct plan_group *g = &groups[1];
    *g = (struct plan_group){ .experiment = "linear", .naxes = 0, .npoints = 1, .nrepeat = 3, .keep_best = 1,
                              .runs = grun[1], .kind = &model_linear, .n = 20, .m = 5 };
    double imp[20];
    for (int i = 0; i < 20; i++)
        imp[i] = pow(0.7, i);
    for (int j = 0; j < 3; j++) {
        int k = grun[1][j] = new_run(20, 5, 1.0, imp);
        for (int i = 0; i < 5; i++)
            res_W(k)[i * 5 + i] = 1;
        for (int i = 5; i < 20; i++)
            res_b(k)[i] = 0.5f;
        res[k].final_loss = 0.0023232 * (1 + j);
        if (j == 1)
            res_W(k)[0] = 0.2f;   /* worse repeat: feature 0 lost */
        if (j == 2) {
            res[k].failed = 1;
            res[k].fail_reason = "loss became NaN";
        }
    }
}

/* Group 2: n=2 m=1 phase grid, r in {0.2, 5} x density in {0.9, 0.05},
 * 3 repeats (mean with the worst dropped). */
static void group_phase(void)
{
    struct plan_group *g = &groups[2];
    static const double rv[2] = { 0.2, 5 }, dv[2] = { 0.9, 0.05 };
    axes[1] = (struct plan_axis){ .name = "r", .count = 2, .values = (double *)rv };
    axes[2] = (struct plan_axis){ .name = "density", .count = 2, .values = (double *)dv };
    *g = (struct plan_group){ .experiment = "", .naxes = 2, .axes = &axes[1], .npoints = 4, .nrepeat = 3,
                              .runs = grun[2], .kind = &model_relu, .n = 2, .m = 1 };
    for (int p = 0; p < 4; p++) {
        double r = rv[p / 2], d = dv[p % 2], imp[2] = { 1, r };
        /* theory: (0.2,0.9) ignored, (0.2,0.05) superposed, (5,0.9) dedicated,
         * (5,0.05) superposed; the runs agree except at (5,0.05), dedicated */
        for (int j = 0; j < 3; j++) {
            int k = grun[2][p * 3 + j] = new_run(2, 1, d, imp);
            float w1 = 0, w2 = 0;
            if (p == 0)
                w1 = 1;
            else if (p == 1)
                w1 = 1, w2 = -1;
            else
                w2 = 1;
            res_W(k)[0] = (j % 2 ? -1 : 1) * w1;
            res_W(k)[1] = (j % 2 ? -1 : 1) * w2;
            res[k].final_loss = 0.01 * (1 + j);
            if (j == 2)   /* the worst repeat: dropped, so its garbage must not count */
                res_W(k)[0] = res_W(k)[1] = 0;
        }
    }
}

static void setup(void)
{
    group_intro();
    group_linear();
    group_phase();
    plan.ngroups = 3;
    plan.groups = groups;
    plan.runs = runs;
    plan.tmpls = tmpls;
    plan.ntmpls = plan.nruns;
    plan.vecs = vecs;
    plan.nvecs = 2 * plan.nruns;
    plan.spans = &span0;
    plan.nspans = 1;
    errfp = open_memstream(&errtext, &errlen);
    dg = diag_new(errfp);
}

static void test_metrics(struct fig_env *e)
{
    static const double repr[3] = { 2, 4, 5 }, sup[3] = { 0, 4, 5 }, ded[3] = { 2, 0, 0 },
                        frob[3] = { 2, 4, 6.05 }, neg[3] = { 0, 0, 5 }, dpf[3] = { 1, 0.5, 2 / 6.05 };
    for (int p = 0; p < 3; p++) {
        double v;
        fig_point_value(e, 0, p, NAMES_M_REPRESENTED, 0, &v);
        is_int(v, repr[p], "intro point %d: represented", p);
        fig_point_value(e, 0, p, NAMES_M_SUPERPOSED, 0, &v);
        is_int(v, sup[p], "intro point %d: superposed", p);
        fig_point_value(e, 0, p, NAMES_M_DEDICATED, 0, &v);
        is_int(v, ded[p], "intro point %d: dedicated", p);
        fig_point_value(e, 0, p, NAMES_M_FROB2, 0, &v);
        near(v, frob[p], 1e-5, "intro point %d: frob2", p);
        fig_point_value(e, 0, p, NAMES_M_NEGATIVE_BIASES, 0, &v);
        is_int(v, neg[p], "intro point %d: negative biases", p);
        fig_point_value(e, 0, p, NAMES_M_DIMS_PER_FEATURE, 0, &v);
        near(v, dpf[p], 1e-5, "intro point %d: m/frob2", p);
        fig_point_value(e, 0, p, NAMES_M_SUM_DIMS, 0, &v);
        near(v, 2, 1e-5, "intro point %d: sum of D_i is m", p);
    }
    double v;
    fig_point_value(e, 0, 1, NAMES_M_DIM, 0, &v);
    near(v, 0.5, 1e-6, "antipodal pair: D_0 = 1/2");
    fig_point_value(e, 0, 2, NAMES_M_DIM, 3, &v);
    near(v, 0.4, 1e-5, "pentagon: D_3 = 2/5");
    fig_point_value(e, 0, 2, NAMES_M_NORM, 1, &v);
    near(v, 1.1, 1e-6, "pentagon: norm(1)");
    ok(fig_point_value(e, 0, 2, NAMES_M_NORM, 5, &v) != 0, "norm(5) of n=5 is refused");
    fig_point_value(e, 1, 0, NAMES_M_REPRESENTED, 0, &v);
    is_int(v, 5, "linear keep best: the lowest-loss repeat (5 features)");
    fig_point_value(e, 1, 0, NAMES_M_LOSS, 0, &v);
    near(v, 0.0023232, 1e-9, "linear keep best: its loss");
    fig_point_value(e, 1, 0, NAMES_M_BIAS, 7, &v);
    near(v, 0.5, 1e-9, "linear: bias of a dropped feature");
}

static void test_phase(struct fig_env *e)
{
    struct fig_cell cells[4];
    const char *why;
    ok(fig_phase_cells(e, &groups[2], cells, &why) == 0, "phase cells of an n=2 m=1 grid");
    static const int emp[4] = { THEORY_IGNORED, THEORY_SUPERPOSED, THEORY_DEDICATED, THEORY_DEDICATED },
                     th[4] = { THEORY_IGNORED, THEORY_SUPERPOSED, THEORY_DEDICATED, THEORY_SUPERPOSED };
    for (int p = 0; p < 4; p++) {
        is_int(cells[p].cls, emp[p], "cell %d empirical class (worst repeat dropped)", p);
        is_int(cells[p].theory, th[p], "cell %d theory class", p);
        is_int(cells[p].nused, 2, "cell %d averages 2 of 3 repeats", p);
    }
    near(cells[1].q[2], -1, 1e-9, "w1*w2 averaged sign-invariantly at the superposed cell");
    ok(fig_phase_cells(e, &groups[0], cells, &why) == -1 && why, "n=5 m=2 is not a phase grid");
}

static char *slurp(const char *dir, const char *name)
{
    char *p = xasprintf("%s/%s", dir, name), *t = util_read_file(p, NULL);
    free(p);
    return t;
}

/* Every non-comment line holds numbers only (NaN allowed). */
static int numeric_lines(const char *t)
{
    int rows = 0;
    for (const char *l = t; l && *l;) {
        const char *end = strchr(l, '\n');
        size_t len = end ? (size_t)(end - l) : strlen(l);
        if (len && l[0] != '#') {
            char line[8192];
            snprintf(line, sizeof line, "%.*s", (int)len, l);
            char *save = NULL;
            for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
                char *stop;
                strtod(tok, &stop);
                if (*stop)
                    return -1;
            }
            rows++;
        }
        l = end ? end + 1 : NULL;
    }
    return rows;
}

static void test_figure(struct fig_env *e, const char *fig, const char *stem, int group)
{
    struct plan_output o = { .kind = PLAN_PLOT, .group = group, .figure = (char *)fig,
                             .figure_id = names_figure_find(fig), .stem = (char *)stem,
                             .text = xasprintf("plot %s;", fig) };
    int rc = fig_emit(e, &o);
    is_int(rc, 0, "%s: fig_emit succeeds", fig);
    char *gp = xasprintf("%s.gp", stem), *dat = xasprintf("%s.dat", stem);
    char *tg = slurp(e->outdir, gp), *td = slurp(e->outdir, dat);
    ok(tg && strstr(tg, "# made by tmsl ") && strstr(tg, "plot ") && strstr(tg, stem), "%s: script with header", stem);
    ok(td && strstr(td, "# made by tmsl ") && strstr(td, "# runs ("), "%s: data with header and run ids", fig);
    int rows = td ? numeric_lines(td) : -1;
    ok(rows > 0, "%s: data lines are numbers (%d rows)", fig, rows);
    if (gp_available()) {
        char *png = xasprintf("%s/%s.png", e->outdir, stem);
        struct stat st;
        ok(stat(png, &st) == 0 && st.st_size > 1000, "%s: rendered %s", fig, png);
        remove(png);
        /* by hand, from another directory, with the script's own fallback */
        char *cmd = xasprintf("cd / && gnuplot '%s/%s' 2>/dev/null", e->outdir, gp);
        ok(system(cmd) == 0 && stat(png, &st) == 0 && st.st_size > 1000,
           "%s: gnuplot %s run from / makes a PNG beside it", fig, gp);
        free(cmd);
        free(png);
    } else {
        ok(1, "# SKIP gnuplot not installed");
        ok(1, "# SKIP gnuplot not installed");
    }
    free(tg);
    free(td);
    free(gp);
    free(dat);
    free(o.text);
}

static void test_table(struct fig_env *e)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct plan_output o = { .kind = PLAN_TABLE, .group = 0, .stem = "table" };
    is_int(table_emit(e, &o, fp, TABLE_TEXT), 0, "table: default columns");
    fclose(fp);
    ok(strstr(buf, "sparsity  represented  superposed  frob2  dims_per_feature  negative_biases  loss") != NULL,
       "table: header row");
    ok(strstr(buf, "0.9                 5           5   6.05") != NULL, "table: pentagon row aligned");
    free(buf);
    char *csv = slurp(e->outdir, "table.csv");
    ok(csv && strstr(csv, "0.8,4,4,4,0.5,0,0.01\n"), "table: STEM.csv written");
    free(csv);
    char *cols[] = { "norm(0)", "dim(0)" };
    struct plan_output o2 = { .kind = PLAN_TABLE, .group = 0, .stem = "table-2", .ncolumns = 2, .columns = cols };
    fp = open_memstream(&buf, &len);
    is_int(table_emit(e, &o2, fp, TABLE_JSONL), 0, "table: per-feature columns as JSON lines");
    fclose(fp);
    ok(strstr(buf, "{\"sparsity\":0.8,\"norm(0)\":1,\"dim(0)\":0.5}\n") != NULL, "table: JSON row");
    free(buf);
    char *bad[] = { "represnted" };
    struct plan_output o3 = { .kind = PLAN_TABLE, .group = 0, .stem = "t3", .ncolumns = 1, .columns = bad };
    is_int(table_emit(e, &o3, NULL, TABLE_CSV), -1, "table: unknown column is an error");
}

/* A tiny expression builder over one registered source text. */
static struct ast_node nodes[64];
static int nnodes;
static const char *src_text;
static int src_id;

static struct ast_node *nd(enum ast_kind k, const char *at, const char *name)
{
    struct ast_node *n = &nodes[nnodes++];
    memset(n, 0, sizeof *n);
    n->kind = k;
    n->name = name;
    int off = at ? (int)(strstr(src_text, at) - src_text) : 0;
    n->span = (struct ast_span){ src_id, off, off + (at ? (int)strlen(at) : 0) };
    return n;
}

static struct ast_node *num(double v, const char *at)
{
    struct ast_node *n = nd(AST_NUM, at, NULL);
    n->num = v;
    n->folded = 1;
    return n;
}

/* argument arrays of hand-built calls, freed after each expectation */
static void *owned[64];
static int nowned;

static void *own(void *p)
{
    if (nowned < 64)
        owned[nowned++] = p;
    return p;
}

static struct ast_node *call(const char *name, const char *at, struct ast_node *sel, struct ast_node *arg)
{
    struct ast_node *n = nd(AST_CALL, at, name);
    n->metric = names_metric_find(name);
    if (sel) {
        n->nsels = 1;
        n->sels = own(xmalloc(sizeof *n->sels));
        n->sels[0] = sel;
    }
    if (arg) {
        n->nargs = 1;
        n->args = own(xmalloc(sizeof *n->args));
        n->args[0] = arg;
    }
    return n;
}

static struct ast_node *sel(const char *name, enum ast_op op, double v, const char *at)
{
    struct ast_node *n = nd(AST_SEL, at, name);
    n->op = op;
    n->a = num(v, at);
    return n;
}

static struct ast_node *bin(enum ast_op op, struct ast_node *a, struct ast_node *b, const char *at)
{
    struct ast_node *n = nd(AST_BINOP, at, NULL);
    n->op = op;
    n->a = a;
    n->b = b;
    return n;
}

static int run_expect(struct fig_env *e, int group, const char *text, struct ast_node *(*build)(void))
{
    nnodes = 0;
    src_text = text;
    src_id = diag_add_source(dg, "t.tmsl", text, strlen(text));
    struct plan_output o = { .kind = PLAN_EXPECT, .group = group, .expr = NULL };
    o.expr = build();
    o.span = (struct ast_span){ src_id, 0, (int)strlen(text) };
    fflush(errfp);
    size_t before = errlen;
    int rc = expect_eval(e, &o);
    fflush(errfp);
    tap_diag("%s -> %d %.*s", text, rc, (int)(errlen - before), errtext + before);
    while (nowned > 0)
        free(owned[--nowned]);
    return rc;
}

static struct ast_node *x_repr0(void)
{
    return bin(AST_OP_EQ, call("represented", "represented(sparsity=0)", sel("sparsity", AST_OP_EQ, 0, "sparsity=0"), NULL),
               num(2, "2"), "represented(sparsity=0) == 2");
}
static struct ast_node *x_repr0_bad(void)
{
    return bin(AST_OP_EQ, call("represented", "represented(sparsity=0)", sel("sparsity", AST_OP_EQ, 0, "sparsity=0"), NULL),
               num(5, "5"), "represented(sparsity=0) == 5");
}
static struct ast_node *x_inc(void) { return call("increasing", "increasing(represented)", NULL, call("represented", "represented", NULL, NULL)); }
static struct ast_node *x_dec(void) { return call("decreasing", "decreasing(frob2)", NULL, call("frob2", "frob2", NULL, NULL)); }
static struct ast_node *x_negb(void)
{
    return bin(AST_OP_GE, call("negative_biases", "negative_biases(density<=0.1)",
                               sel("density", AST_OP_LE, 0.1, "density<=0.1"), NULL), num(3, "3"),
               "negative_biases(density<=0.1) >= 3");
}
static struct ast_node *x_nomatch(void)
{
    return bin(AST_OP_EQ, call("loss", "loss(sparsity=0.5)", sel("sparsity", AST_OP_EQ, 0.5, "sparsity=0.5"), NULL),
               num(0, "0"), "loss(sparsity=0.5) == 0");
}
static struct ast_node *x_max(void)
{
    return bin(AST_OP_LE, call("max", "max(dims_per_feature)", NULL, call("dims_per_feature", "dims_per_feature)", NULL, NULL)),
               num(1, "1"), "max(dims_per_feature) <= 1");
}
static struct ast_node *x_norm(void)
{
    return bin(AST_OP_GT, call("norm", "norm(4)", NULL, num(4, "4")), num(0.5, "0.5"), "norm(4) > 0.5");
}
static struct ast_node *x_agree(void)
{
    return bin(AST_OP_GE, call("phase_agreement", "phase_agreement", NULL, NULL), num(0.75, "0.75"),
               "phase_agreement >= 0.75");
}
static struct ast_node *x_agree_hi(void)
{
    return bin(AST_OP_GE, call("phase_agreement", "phase_agreement", NULL, NULL), num(0.9, "0.9"),
               "phase_agreement >= 0.9");
}
static struct ast_node *x_lin(void)
{
    return bin(AST_OP_EQ, call("represented", "represented", NULL, NULL), num(5, "5"), "represented == 5");
}

static void test_expect(struct fig_env *e)
{
    is_int(run_expect(e, 0, "represented(sparsity=0) == 2", x_repr0), 0, "expect: holds");
    size_t before = errlen;
    is_int(run_expect(e, 0, "represented(sparsity=0) == 5", x_repr0_bad), 1, "expect: fails");
    ok(strstr(errtext + before, "expectation failed: represented(sparsity=0) == 5: measured 2 at sparsity=0") != NULL,
       "expect: failure names the measured value and the point");
    is_int(run_expect(e, 0, "increasing(represented)", x_inc), 0, "expect: increasing holds (2, 4, 5)");
    before = errlen;
    is_int(run_expect(e, 0, "decreasing(frob2)", x_dec), 1, "expect: decreasing fails");
    ok(strstr(errtext + before, "measured 4 at sparsity=0.8 after 2 at sparsity=0") != NULL,
       "expect: monotone failure names both points");
    is_int(run_expect(e, 0, "negative_biases(density<=0.1) >= 3", x_negb), 0, "expect: density selector");
    before = errlen;
    is_int(run_expect(e, 0, "loss(sparsity=0.5) == 0", x_nomatch), -1, "expect: selector matching nothing is an error");
    ok(strstr(errtext + before, "no point of the sweep has sparsity = 0.5") != NULL, "expect: says which selector");
    is_int(run_expect(e, 0, "max(dims_per_feature) <= 1", x_max), 0, "expect: aggregate max");
    is_int(run_expect(e, 0, "norm(4) > 0.5", x_norm), 1, "expect: per-feature metric fails where feature 4 is unused");
    is_int(run_expect(e, 2, "phase_agreement >= 0.75", x_agree), 0, "expect: phase agreement 3/4");
    is_int(run_expect(e, 2, "phase_agreement >= 0.9", x_agree_hi), 1, "expect: phase agreement below 0.9 fails");
    is_int(run_expect(e, 1, "represented == 5", x_lin), 0, "expect: keep best ignores the diverged repeat");
    res[grun[1][0]].failed = 1;
    res[grun[1][1]].failed = 1;
    before = errlen;
    is_int(run_expect(e, 1, "represented == 5", x_lin), -1, "expect: all repeats diverged is an error");
    ok(strstr(errtext + before, "cannot evaluate 'represented' at sparsity=0") != NULL, "expect: names the point");
    res[grun[1][0]].failed = 0;
    res[grun[1][1]].failed = 0;
}

/* Every catalogue row has its runtime half: figures an emitter, metrics an
 * id equal to their row, per-point and per-feature metrics a value. */
static void test_catalogues(void)
{
    int missing = 0, bad_id = 0, no_value = 0;
    for (int k = 0; k < NAMES_FIG_COUNT; k++)
        missing += fig_emitter_of(k) == NULL;
    for (int k = 0; names_metrics[k].name; k++) {
        bad_id += (int)names_metrics[k].id != k;
        int single = names_metrics[k].kind == NAMES_POINT || names_metrics[k].kind == NAMES_FEATURE;
        no_value += single && k != NAMES_M_PHASE_AGREEMENT && !fig_metric_per_run(k);
    }
    is_int(missing, 0, "every figure of the catalogue has an emitter");
    is_int(bad_id, 0, "every metric row carries its own id");
    is_int(no_value, 0, "every per-point and per-feature metric has a value per run");
    ok(!fig_metric_per_run(NAMES_M_MEAN) && !fig_metric_per_run(NAMES_M_INCREASING),
       "aggregates and monotone checks are not values of a run");
}

/* Neuron metrics on hand-built weights. Tied (relu-hidden, n=4, m=3):
 * neurons 0 and 1 carry one feature each (feature 0's negative weight on
 * neuron 1 only inhibits it), neuron 2 carries features 2 and 3 (0.64 and
 * 0.36 of its squared weight). Untied (n=1, m=2): W1 = [1; -1], the
 * ReLU(x), ReLU(-x) pair. */
static void test_neurons(void)
{
    float tied[] = { 1, -0.5f, 0, 0, 1, 0, 0, 0, 0.8f, 0, 0, 0.6f, 0, 0, 0, 0 };
    struct train_result r = { .kind = &model_relu_hidden, .n = 4, .m = 3, .p = tied };
    ok(fig_monosemantic(&r) == 2, "monosemantic: 2 of 3 neurons (got %g)", fig_monosemantic(&r));
    ok(fabs(fig_features_per_neuron(&r) - 4.0 / 3) < 1e-9, "features_per_neuron 4/3 (got %g)",
       fig_features_per_neuron(&r));
    ok(fig_neurons_per_feature(&r) == 1, "neurons_per_feature 1 (got %g)",
       fig_neurons_per_feature(&r));
    ok(fig_relu_pairs(&r) == 0, "no ReLU pairs in a tied model on non-negative data");
    float untied[] = { 1, -1, 1, 1, 0 };   /* W1 (2x1), W2 (1x2), b */
    struct train_result u = { .kind = &model_untied, .n = 1, .m = 2, .p = untied };
    ok(fig_relu_pairs(&u) == 1 && fig_monosemantic(&u) == 2, "untied: one ReLU pair, 2 monosemantic");
    untied[1] = 1;
    ok(fig_relu_pairs(&u) == 0, "untied: two neurons of one sign are not a pair");
}

/* Snapshot metrics of relu n=2, m=1 through three snapshots: feature 0
 * alone (D=1), then between levels, then an antipodal pair (D=1/2 each)
 * with a lower loss: one jump, and the end on levels. */
static void test_dynamics(void)
{
    float snaps[] = { 1, 0, 0, 0, 1, 0.4f, 0, 0, 1, -1, 0, 0 };
    int steps[] = { 1, 10, 100 };
    double loss[] = { 0.3, 0.2, 0.1 };
    struct train_result r = { .kind = &model_relu, .n = 2, .m = 1, .p = snaps + 8,
                              .nsnap = 3, .snap_step = steps, .snap_loss = loss,
                              .snap_p = snaps };
    ok(fig_dim_levels(&r) == 1, "dim_levels: the end sits on 1/2 (got %g)", fig_dim_levels(&r));
    ok(fig_dim_jumps(&r) == 1, "dim_jumps: one jump from 1 to 1/2 (got %g)", fig_dim_jumps(&r));
    loss[2] = 0.4;
    ok(fig_dim_jumps(&r) == 0, "dim_jumps: no jump counted when the loss rose");
    snaps[9] = -0.9f;
    ok(fig_dim_levels(&r) == 0, "dim_levels: D = 0.55 and 0.45 of a lopsided pair are off level");
}

int main(void)
{
    test_catalogues();
    test_neurons();
    test_dynamics();
    setup();
    char dir[] = "/tmp/tmsl-figtest-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    struct fig_env e = { .outdir = dir, .plan = &plan, .results = res, .diag = dg, .script = "t.tmsl",
                         .render = 1, .msg = stderr };
    test_metrics(&e);
    test_phase(&e);
    test_figure(&e, "features2d", "features2d", 0);
    test_figure(&e, "wtw", "wtw", 0);
    test_figure(&e, "norms", "norms", 0);
    test_figure(&e, "dims", "dims", 0);
    test_figure(&e, "dimensionality", "dimensionality", 0);
    test_figure(&e, "loss", "loss", 0);
    test_figure(&e, "phase", "phase", 2);
    test_figure(&e, "wtw", "linear-wtw", 1);
    test_figure(&e, "norms", "linear-norms", 1);
    struct plan_output bad = { .kind = PLAN_PLOT, .group = 1, .figure = "features2d",
                               .figure_id = NAMES_FIG_FEATURES2D, .stem = "f2" };
    is_int(fig_emit(&e, &bad), -1, "features2d of an m=5 model is an error");
    test_table(&e);
    test_expect(&e);
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    struct plan_output pv = { .kind = PLAN_PLOT, .group = 0, .figure = "wtw",
                              .figure_id = NAMES_FIG_WTW, .stem = "wtw" };
    is_int(fig_preview(&e, &pv, fp), 0, "preview");
    fclose(fp);
    ok(strstr(buf, "sparsity=0.9") && strstr(buf, "represented 5"), "preview lists points and metrics");
    free(buf);
    struct fig_env bare = e;
    bare.results = NULL;
    fp = open_memstream(&buf, &len);
    is_int(fig_preview(&bare, &pv, fp), 0, "preview without results in memory");
    fclose(fp);
    ok(strstr(buf, "wtw.gp") != NULL, "preview without results points at the files");
    free(buf);
    if (getenv("KEEP_FIGS"))
        tap_diag("figures kept in %s", dir);
    else {
        char *cmd = xasprintf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            tap_diag("could not remove %s", dir);
        free(cmd);
    }
    return done_testing();
}
