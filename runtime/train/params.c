/* runtime/train/params.c: the training-parameter catalogue and the few
 * functions that read and write a recipe through it. Ranges are data, so
 * the checker's messages ("must be positive", "must be in [0, 1)") come
 * from the same row that sets the field. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "params.h"

const char *const params_optimizers[] = {"adamw", "adam", "sgd", NULL};
const char *const params_schedules[] = {"constant", "linear", "cosine", "warmup_cosine", NULL};

/* AdamW decays by 0.01 unless told otherwise; Adam and SGD, like torch's,
 * decay only when asked to. */
static double params_wd_default(const struct train_recipe *r)
{
    return r->optim == TRAIN_ADAMW ? 0.01 : 0;
}

#define P_OFF(field) offsetof(struct train_recipe, field)
#define P_INT(lo, hi) {lo, hi, 0, 0, 1}
#define P_POS {0, INFINITY, 1, 0, 0}
#define P_NONNEG {0, INFINITY, 0, 0, 0}
#define P_UNIT {0, 1, 0, 1, 0}
#define P_NONE {0, 0, 0, 0, 0}

const struct params_def params_table[PARAMS_COUNT] = {
    {"steps", NULL, PARAMS_INT, 10000, P_INT(1, 1e9), NULL, P_OFF(steps), "10000",
     "optimizer steps per run", NULL, 0},
    {"batch", NULL, PARAMS_INT, 1024, P_INT(1, 1e7), NULL, P_OFF(batch), "1024",
     "examples per step", NULL, 0},
    {"optimizer", NULL, PARAMS_CHOICE, TRAIN_ADAMW, P_NONE, params_optimizers, P_OFF(optim),
     "adamw", "adamw, adam or sgd (as torch.optim)", NULL, 0},
    {"schedule", NULL, PARAMS_CHOICE, TRAIN_SCHED_CONSTANT, P_NONE, params_schedules,
     P_OFF(sched), "constant",
     "learning-rate schedule: constant, linear, cosine or warmup_cosine", NULL, 0},
    {"lr", NULL, PARAMS_REAL, 1e-3, P_POS, NULL, P_OFF(lr), "1e-3", "learning rate", NULL, 0},
    {"beta1", NULL, PARAMS_REAL, 0.9, P_UNIT, NULL, P_OFF(beta1), "0.9",
     "Adam's first-moment decay", NULL, 0},
    {"beta2", NULL, PARAMS_REAL, 0.999, P_UNIT, NULL, P_OFF(beta2), "0.999",
     "Adam's second-moment decay", NULL, 0},
    {"eps", NULL, PARAMS_REAL, 1e-8, P_POS, NULL, P_OFF(eps), "1e-8", "Adam's epsilon", NULL, 0},
    {"weight_decay", "wd", PARAMS_REAL, 0.01, P_NONNEG, NULL, P_OFF(weight_decay),
     "0.01 with adamw, else 0",
     "decoupled for adamw, added to the gradient for adam and sgd", params_wd_default, 0},
    {"momentum", NULL, PARAMS_REAL, 0, P_NONNEG, NULL, P_OFF(momentum), "0", "SGD momentum",
     NULL, 0},
    {"log_every", NULL, PARAMS_INT, 100, P_INT(0, 1e9), NULL, P_OFF(log_every), "100",
     "steps between loss-curve samples; 0 keeps none", NULL, 0},
    {"init", NULL, PARAMS_REAL, 0, P_NONNEG, NULL, P_OFF(init), "0",
     "initial weight std; 0 means xavier of the run's own shape", NULL, 0},
    {"snapshots", NULL, PARAMS_INT, 0, P_INT(0, 10000), NULL, P_OFF(snapshots), "0",
     "keep the weights at this many log-spaced steps (0: none)", NULL, 1},
    {"dataset", NULL, PARAMS_INT, 0, P_INT(0, 1e7), NULL, P_OFF(dataset), "0",
     "a fixed training set of this many examples, each step full-batch over it (0: fresh "
     "data every step)", NULL, 1},
    {"warmup", NULL, PARAMS_INT, 0, P_INT(0, 1e9), NULL, P_OFF(warmup), "0",
     "steps over which the learning rate rises linearly before the schedule", NULL, 1},
};

_Static_assert(sizeof(enum train_optim) == sizeof(int) && sizeof(enum train_sched) == sizeof(int),
               "choice fields are written as int");

const char *const *params_words(const struct params_def *table, int count, const char **out)
{
    int k = 0;
    for (int j = 0; j < count; j++) {
        out[k++] = table[j].name;
        if (table[j].alias)
            out[k++] = table[j].alias;
    }
    out[k] = NULL;
    return out;
}

const struct params_def *params_find(const char *name)
{
    for (int k = 0; k < PARAMS_COUNT; k++) {
        const struct params_def *p = &params_table[k];
        if (strcmp(p->name, name) == 0 || (p->alias && strcmp(p->alias, name) == 0))
            return p;
    }
    return NULL;
}

double params_default(const struct params_def *p, const struct train_recipe *r)
{
    return p->def_for ? p->def_for(r) : p->def;
}

void params_set(const struct params_def *p, struct train_recipe *r, double v)
{
    char *field = (char *)r + p->offset;
    if (p->type == PARAMS_REAL)
        memcpy(field, &v, sizeof v);
    else {
        int i = (int)lround(v);
        memcpy(field, &i, sizeof i);
    }
}

double params_get(const struct params_def *p, const struct train_recipe *r)
{
    const char *field = (const char *)r + p->offset;
    if (p->type == PARAMS_REAL) {
        double v;
        memcpy(&v, field, sizeof v);
        return v;
    }
    int i;
    memcpy(&i, field, sizeof i);
    return i;
}

int params_range_ok(const struct params_range *rg, double v)
{
    if (rg->integer && v != floor(v))
        return 0;
    int lo = rg->lo_open ? v > rg->lo : v >= rg->lo;
    int hi = rg->hi_open ? v < rg->hi : v <= rg->hi;
    return lo && hi;
}

/* The reason, worded as the language reference words it. */
void params_range_why(const struct params_range *rg, double v, char *buf, size_t size)
{
    if (rg->integer && v != floor(v))
        snprintf(buf, size, "must be an integer");
    else if (rg->integer)
        snprintf(buf, size, v < rg->lo ? "must be at least %.0f" : "must be at most %.0f",
                 v < rg->lo ? rg->lo : rg->hi);
    else if (isinf(rg->hi) && rg->lo == 0)
        snprintf(buf, size, rg->lo_open ? "must be positive" : "must not be negative");
    else if (isinf(rg->hi))
        snprintf(buf, size, rg->lo_open ? "must be greater than %g" : "must be at least %g",
                 rg->lo);
    else
        snprintf(buf, size, "must be in %c%g, %g%c", rg->lo_open ? '(' : '[', rg->lo, rg->hi,
                 rg->hi_open ? ')' : ']');
}

void train_recipe_default(struct train_recipe *r)
{
    memset(r, 0, sizeof *r);
    for (int k = 0; k < PARAMS_COUNT; k++)
        params_set(&params_table[k], r, params_default(&params_table[k], r));
}
