/* lang/front_int.h: the front end's private types, shared by its files.
 * The session state is a set of sticky settings held as expressions (so a
 * swept let variable re-evaluates everything that mentions it), the sweep
 * axes as numbers, and the let variables. A grid point is resolved by
 * evaluating those expressions with the axis values in place; plan.c turns
 * resolved points into runs. */
#ifndef TMSL_FRONT_INT_H
#define TMSL_FRONT_INT_H
#include <stdint.h>
#include "ast.h"
#include "eval.h"
#include "hmap.h"
#include "front.h"
#include "names.h"
#include "plan.h"
#include "data.h"
#include "model.h"
#include "params.h"
#include "train.h"

#ifndef FRONT_MAX_RUNS   /* the fuzz build lowers it: see tests/fuzz/run.sh */
#define FRONT_MAX_RUNS 10000000.0   /* runs in one grid */
#endif
#define FRONT_MAX_AXIS 1000000      /* values in one sweep axis */
/* Distinct settings of model, shape and recipe in one plan: each costs a
 * template and a training batch (about 350 bytes), where a run costs 32,
 * so this bounds a plan of 10^7 runs at about 1 GB whatever it sweeps. */
#ifndef FRONT_MAX_TMPLS
#define FRONT_MAX_TMPLS 1000000
#endif


struct front_let { const char *name; const struct ast_node *expr; };

struct front_axis {
    const char *name;         /* canonical: "sparsity", "density", "n", "lr", "r", ... */
    int count;
    double *values;           /* owned */
    struct ast_span span;
    int outputs_before;       /* outputs planned when it was set: none read it yet if equal */
};

/* The sticky settings. Expressions point into arenas kept until front_free. */
struct front_state {
    const struct model_kind *kind;
    const struct data_gen *data;      /* NULL: the kind's default generator */
    double data_arg[DATA_MAX_ARGS];   /* its parameters, checked */
    const struct ast_node *n, *m;     /* NULL: not set yet */
    const struct ast_node *importance;/* expression in i, or AST_LIST; NULL: 1 */
    const struct ast_node *sparsity;  /* NULL: 0 */
    int is_density;                   /* sparsity holds a density expression */
    const struct ast_node *param[PARAMS_COUNT]; /* by params_table row; NULL: default */
    const struct ast_node *seed;      /* NULL: 0 */
    int sae_on;                       /* outputs read SAEs trained on the grid's models */
    const struct ast_node *sae_param[SAE_PARAMS_COUNT]; /* by sae_params_table row */
    int nlets;
    struct front_let *lets;
    struct hmap let_index;            /* hash of a let name -> its latest index in lets */
    int naxes;
    struct front_axis *axes;
    int repeat, keep_best;
    char *prefix;                     /* experiment stem prefix, "" at top level */
    char *experiment;                 /* experiment name path, "" at top level */
};

struct front_override {
    char *name;
    const struct ast_node *expr;
    struct ast_span span;
    int is_setting;                   /* names a setting, not a let variable */
    int used;
};

struct front {
    struct diag *diag;
    struct front_state st;
    int nover;
    struct front_override *over;
    int have_seed;
    uint64_t seed;
    char *exe_dir;
    int bad;                          /* an override failed: every load fails */
    int narenas;
    struct ast_arena **arenas;
    /* per load */
    int is_file;
    int errors_before;                /* diag count when this load began */
    int capped;                       /* the error cap was reached */
    unsigned gen;                     /* bumped by every statement but outputs */
    int nuse;                         /* `use` stack, for cycle detection */
    char **use_stack;
    int nexp;                         /* experiment names seen in this load */
    char **exp_names;
    struct hmap exp_index;            /* hash of a name -> its index in exp_names */
    struct plan_builder *pb;
    void (*use)(struct front *f, const struct ast_node *s);   /* front_use */
    int nlet_seen;                    /* let names seen anywhere (for -D checks) */
    char **let_seen;
    struct hmap let_seen_index;       /* hash of a name -> its index in let_seen */
};

/* One resolved grid point: everything a run needs but its repeat index. */
struct front_point {
    const struct model_kind *kind;
    const struct data_gen *data;      /* NULL: the kind's default generator */
    double data_arg[DATA_MAX_ARGS];   /* its parameters */
    int n, m;
    double *importance, *density;     /* [n], owned */
    struct train_recipe recipe;
    double init_std;
    uint64_t seed;
};

/* Expression evaluation: struct eval_ctx, eval_init, eval_expr, eval_lookup (eval.h). */

/* Settings checks (check_value.c): 0 if value is allowed for name, else -1
 * after reporting at sp. */
int check_value(struct front *f, const char *name, double v, const struct ast_span *sp);
int check_int(struct front *f, const char *what, double v, double lo, const struct ast_span *sp);
int check_max(struct front *f, const char *what, double v, double hi, const struct ast_span *sp);
/* A number as it would be written: the shortest text that reads back. */
struct check_num { char s[40]; };
struct check_num check_num(double v);
/* "unknown WHAT 'word'; did you mean ...?" at sp, candidates NULL-terminated. */
void check_unknown(struct front *f, const struct ast_span *sp, const char *what,
                   const char *word, const char *const *cands);
/* Run the statements of a block in the session state. */
void check_block(struct front *f, struct ast_node *const *stmts, int count);
void check_stmt(struct front *f, struct ast_node *s);
/* Resolve the current settings at the grid's first and last points unless
 * an output already did, so that a setting no output reads is still
 * checked (why: where to point when a setting has no place of its own). */
void check_settings_resolve(struct front *f, const struct ast_span *why);
int check_resolve(struct front *f, const struct front_state *st, const double *axis_val,
                  const struct ast_span *why, struct front_point *out);
void front_point_free(struct front_point *p);
/* What a grid's later points take from its first (check_resolve_memo): the
 * values of the settings that read no axis, directly or through a let
 * variable, an override or n and m. Zeroed before the first point;
 * check_memo_free after the last. */
struct check_memo {
    int ready;                        /* filled at the first point */
    int imp_fixed, dens_fixed;        /* the arrays read no axis (nor does n) */
    double *imp, *dens;               /* their values at the first point */
    char param_fixed[PARAMS_COUNT];   /* by params_table row */
    double param_val[PARAMS_COUNT];
    const struct ast_span *param_where[PARAMS_COUNT];
};
/* check_resolve, taking what it can from memo (NULL: nothing). */
int check_resolve_memo(struct front *f, const struct front_state *st, const double *axis_val,
                       const struct ast_span *why, struct check_memo *memo,
                       struct front_point *out);
void check_memo_free(struct check_memo *memo);
/* A setting's value at a point: axis, then -D override, then stmt, then def;
 * *where gets the span it came from (NULL for the default). */
int check_resolve_setting(struct eval_ctx *c, const char *name, const struct ast_node *stmt,
                          double def, double *v, const struct ast_span **where);
/* check_sae.c: the `sae` statement, and an SAE's point from its model's
 * point (kind sae, n latents, m its input dimensions). */
void check_sae(struct front *f, struct ast_node *s);
int check_resolve_sae(struct front *f, const struct front_state *st, const double *axis_val,
                      const struct ast_span *why, const struct front_point *base,
                      struct front_point *out);

/* Let variables by name through hash maps, so that a script of many lets
 * checks in linear time (front_state.c). The index of the latest `let
 * name` in st->lets, or -1; add one; whether a name was let anywhere in
 * the session, and record it. */
int front_let_find(const struct front_state *st, const char *name);
void front_let_add(struct front_state *st, const char *name, const struct ast_node *expr);
int front_let_seen(const struct front *f, const char *name);
void front_let_see(struct front *f, const char *name);

/* State copies (experiment scopes, rollback on error). */
void front_state_copy(struct front_state *dst, const struct front_state *src);
void front_state_free(struct front_state *st);

/* `use NAME`: find, parse and run a file (front.c). The checker reaches it
 * through struct front's `use` hook, since loading sits above checking. */
void front_use(struct front *f, const struct ast_node *s);
struct override_find;
struct front_override *front_find_override(struct front *f, const char *name);

/* A run's pieces (plan_run.c): templates, arrays and master seeds are
 * interned, each stored once; the maps find them by value. */
struct plan_intern {
    struct hmap tmpls;                /* hash of a template's fields -> index */
    struct hmap vecs;                 /* hash of an array's values -> index */
    struct hmap seeds;                /* a master seed -> index */
    int cap_tmpls, cap_vecs, cap_seeds;
    int last_tmpl, last_vec[2], last_seed; /* found last: neighbouring points mostly repeat them */
};
void plan_intern_init(struct plan_intern *in);
void plan_intern_free(struct plan_intern *in);
/* The index of the template of point pt first asked for by the statement
 * at span (an index in p->spans), of the array v[n], of a master seed;
 * each added if new. */
int plan_tmpl_intern(struct plan *p, struct plan_intern *in, const struct front_point *pt, int span);
int plan_vec_intern(struct plan *p, struct plan_intern *in, const double *v, int n);
int plan_seed_intern(struct plan *p, struct plan_intern *in, uint64_t seed);
/* The key of run r (filled but for its key): the hash of its settings text.
 * memo (or NULL; tmpl -1 at first) keeps the hash of the text through the
 * density, which runs in a row often share. */
struct plan_key_memo { int tmpl, imp, dens; uint64_t h; };
uint64_t plan_run_key(const struct plan *p, const struct plan_run *r, struct plan_key_memo *memo);
/* Run r's shared template, without copying (its seed is 0). */
static inline const struct plan_tmpl *plan_tmpl_of(const struct plan *p, int r)
{
    return &p->tmpls[p->runs[r].tmpl];
}

/* Plan building (plan.c). */
struct plan_builder;
/* Grow *v (of *cap elements of size) to hold need elements, doubling (plan_run.c). */
void plan_grow(void **v, int *cap, int need, size_t size);
struct plan_builder *plan_builder_new(void);
void plan_builder_free(struct plan_builder *pb);
/* Add an output reading the current settings' grid. Returns 0 or -1. */
int plan_add_output(struct front *f, const struct ast_node *stmt, enum plan_output_kind kind,
                    const struct ast_node *figure, struct ast_node *const *cols, int ncols,
                    const struct ast_node *expr, int *group_out);
/* Undo the last output added (its expect expression failed its checks). */
void plan_drop_last_output(struct plan_builder *pb);
const struct plan_group *plan_builder_group(struct plan_builder *pb, int g);
/* Outputs planned so far, and whether one read the settings of generation gen. */
int plan_builder_outputs(const struct plan_builder *pb);
int plan_builder_read_gen(const struct plan_builder *pb, unsigned gen);
/* The value a claim's selector `name` reads at point p of group g: its axis
 * coordinate, or the run's sparsity or density. -1 for other names. */
int plan_builder_coord(const struct plan_builder *pb, const struct plan_group *g, int p,
                       const char *name, double *x);
/* The fewest snapshots (train snapshots=K) any run of group g takes. */
int plan_builder_snapshots(struct plan_builder *pb, const struct plan_group *g);
/* The smallest training set (train dataset=T) of any run of group g; 0 when one has none. */
int plan_builder_dataset(struct plan_builder *pb, const struct plan_group *g);
void plan_builder_finish(struct plan_builder *pb, struct plan *out);

#endif
