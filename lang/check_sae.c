/* lang/check_sae.c: the `sae` statement and the SAE half of a grid point.
 * `sae NAME=VALUE ...;` turns sparse autoencoders on (sticky, like train):
 * from then on outputs read, at each grid point, an SAE trained on that
 * point's model (or on synthetic data), whose settings come from the SAE
 * catalogue (runtime/train/sae_params.c) exactly as training parameters
 * come from theirs: checked where they stand, swept, overridden with -D.
 * `sae off;` turns them off. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "front_int.h"
#include "sae.h"
#include "util.h"

static const char *const *check_sae_words(void)
{
    static const char *list[2 * SAE_PARAMS_COUNT + 1];
    return params_words(sae_params_table, SAE_PARAMS_COUNT, list);
}

/* One NAME=VALUE: the value is allowed where it stands. */
static int check_sae_value(struct front *f, const struct params_def *np, const struct ast_node *v)
{
    if (np->type == PARAMS_CHOICE) {
        if (v->kind == AST_NAME && names_index(np->choices, v->name) >= 0)
            return 0;
        check_unknown(f, &v->span, np->name, v->kind == AST_NAME ? v->name : "?",
                          np->choices);
        return -1;
    }
    struct eval_ctx c;
    eval_init(&c, f, &f->st);
    double x;
    if (eval_expr(&c, v, &x) != 0)
        return -1;
    return check_value(f, np->name, x, &v->span);
}

static void check_sae_unsweep(struct front_state *st, const char *name)
{
    for (int k = 0; k < st->naxes; k++)
        if (!strcmp(st->axes[k].name, name)) {
            free(st->axes[k].values);
            memmove(&st->axes[k], &st->axes[k + 1], (size_t)(st->naxes - k - 1) * sizeof *st->axes);
            st->naxes--;
            k--;
        }
}

void check_sae(struct front *f, struct ast_node *s)
{
    if (s->name) {
        if (strcmp(s->name, "off") == 0)
            f->st.sae_on = 0;
        else
            diag_error(f->diag, &s->name_span, "write 'sae off;' or 'sae NAME=VALUE ...;'");
        return;
    }
    for (int k = 0; k < s->nargs; k++) {
        struct ast_node *p = s->args[k];
        const struct params_def *np = sae_params_find(p->name);
        if (!np) {
            check_unknown(f, &p->name_span, "sae setting", p->name, check_sae_words());
            continue;
        }
        struct front_override *o = front_find_override(f, np->name);
        if (o) {   /* -D pins it: the statement's value is skipped */
            o->used = 1;
            continue;
        }
        if (check_sae_value(f, np, p->a) != 0)
            continue;
        f->st.sae_param[np - sae_params_table] = p->a;
        check_sae_unsweep(&f->st, np->name);
    }
    f->st.sae_on = 1;
}

/* source=model|synthetic: the word, or the -D override's word. */
static int check_sae_choice(struct front *f, const struct params_def *np, const struct ast_node *e)
{
    struct front_override *o = front_find_override(f, np->name);
    if (o)
        e = o->expr;
    int idx = e && e->kind == AST_NAME ? names_index(np->choices, e->name) : -1;
    return idx >= 0 ? idx : (int)np->def;
}

/* The SAE's recipe: Adam without weight decay, then every SAE row. */
static int check_sae_recipe(struct eval_ctx *c, struct train_recipe *r, const struct ast_span *why)
{
    train_recipe_default(r);
    r->optim = TRAIN_ADAM;
    r->weight_decay = 0;
    for (int k = 0; k < SAE_PARAMS_COUNT; k++) {
        const struct params_def *np = &sae_params_table[k];
        const struct ast_node *e = c->st->sae_param[k];
        if (np->type == PARAMS_CHOICE) {
            params_set(np, r, check_sae_choice(c->f, np, e));
            continue;
        }
        double v;
        const struct ast_span *where;
        if (check_resolve_setting(c, np->name, e, np->def, &v, &where) != 0 ||
            check_value(c->f, np->name, v, where ? where : why) != 0)
            return -1;
        params_set(np, r, v);
    }
    return 0;
}

int check_resolve_sae(struct front *f, const struct front_state *st, const double *axis_val,
                      const struct ast_span *why, const struct front_point *base,
                      struct front_point *out)
{
    struct eval_ctx c;
    eval_init(&c, f, st);
    c.axis_val = axis_val;
    memset(out, 0, sizeof *out);
    struct train_recipe *r = &out->recipe;
    if (check_sae_recipe(&c, r, why) != 0)
        return -1;
    int synthetic = r->sae_source == SAE_SOURCE_SYNTHETIC;
    if (!synthetic)   /* the dictionary's own numbers follow the model */
        r->sae_dims = r->sae_features = 0, r->sae_active = 0;
    out->kind = &model_sae;
    out->data = synthetic ? &data_uniform : base->data ? base->data : data_find(base->kind->data);
    out->m = synthetic ? r->sae_dims : base->m;
    out->n = r->sae_latents > 0 ? r->sae_latents : synthetic ? r->sae_features : base->n;
    r->sae_latents = out->n;
    if ((double)out->n * out->m > 1e8) {
        diag_error(f->diag, why, "the SAE has latents*dims = %d*%d, more than 100000000",
                   out->n, out->m);
        return -1;
    }
    out->importance = xmalloc(sizeof(double) * (size_t)out->n);
    out->density = xmalloc(sizeof(double) * (size_t)out->n);
    /* the kernel draws its own inputs: density only labels the point */
    double dens = synthetic ? fmin(1, r->sae_active / r->sae_features) : base->density[0];
    for (int j = 0; j < out->n; j++)
        out->importance[j] = r->sae_l1, out->density[j] = dens;
    out->seed = base->seed;
    return 0;
}
