/* runtime/train/params.h: the catalogue of training parameters.
 * One table row per parameter of `train NAME=VALUE` and -D: its name and
 * alias, its type, default, allowed range, help line, and the field of
 * struct train_recipe it sets. The trainer's defaults, the front end's
 * checks and suggestions, a run's canonical settings text (its identity),
 * `--help`, `:help` and the language reference all derive from this table,
 * so a new parameter is one row here and one field in the recipe. */
#ifndef TMSL_PARAMS_H
#define TMSL_PARAMS_H
#include <stddef.h>
#include "train.h"

enum params_type {
    PARAMS_INT,    /* an int field */
    PARAMS_REAL,   /* a double field */
    PARAMS_CHOICE  /* an enum field: the index of a word in `choices` */
};

/* Allowed values: lo..hi, each end open or closed; integer when set. */
struct params_range {
    double lo, hi;
    int lo_open, hi_open;
    int integer;
};

struct params_def {
    const char *name;
    const char *alias;             /* e.g. "wd" for weight_decay, or NULL */
    enum params_type type;
    double def;                    /* default; for PARAMS_CHOICE the index */
    struct params_range range;     /* PARAMS_INT and PARAMS_REAL */
    const char *const *choices;    /* PARAMS_CHOICE, NULL-terminated */
    size_t offset;                 /* of the field in struct train_recipe */
    const char *def_text;          /* the default as the docs write it */
    const char *help;
    /* A default that depends on other settings (weight decay), or NULL. */
    double (*def_for)(const struct train_recipe *r);
    /* Left out of a run's settings text at its default, so that adding it
     * kept every earlier run's identity. */
    int quiet_default;
};

/* The table, in the order runs write their settings (this order is part of
 * every run's identity: appending is safe, reordering changes every run). */
enum { PARAMS_COUNT = 15 };
extern const struct params_def params_table[PARAMS_COUNT];

extern const char *const params_optimizers[];  /* index = enum train_optim */
extern const char *const params_schedules[];   /* index = enum train_sched */

/* Every name and alias of a table of count rows into out (room for
 * 2 * count + 1), NULL-terminated, for suggestions; returns out. */
const char *const *params_words(const struct params_def *table, int count, const char **out);
/* The row of a name or alias, or NULL. */
const struct params_def *params_find(const char *name);
/* The default of row p given the settings resolved before it. */
double params_default(const struct params_def *p, const struct train_recipe *r);
/* Set or read row p's field of r (integers and choices are rounded). */
void params_set(const struct params_def *p, struct train_recipe *r, double v);
double params_get(const struct params_def *p, const struct train_recipe *r);
/* Whether v is allowed, and if not, why ("must be positive"...). */
int params_range_ok(const struct params_range *rg, double v);
void params_range_why(const struct params_range *rg, double v, char *buf, size_t size);

/* The sparse-autoencoder catalogue (sae_params.c): the `sae` statement's
 * settings, over the same recipe. sae_params_find takes a name or the
 * statement's alias; params_find_any a training parameter's name or alias
 * or an SAE setting's name: what sweeps and -D may name. */
enum { SAE_PARAMS_COUNT = 12 };
extern const struct params_def sae_params_table[SAE_PARAMS_COUNT];
const struct params_def *sae_params_find(const char *name);
const struct params_def *params_find_any(const char *name);

#endif
