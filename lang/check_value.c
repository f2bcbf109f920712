/* lang/check_value.c: whether a value is allowed for a setting, with the
 * message that says why not. The ranges are the catalogues' (names.c for
 * settings, params.c for training parameters); this file words the error
 * at the value's own span, the way a number would be written. */
#include <math.h>
#include "front_int.h"
#include "util.h"

struct check_num check_num(double v)
{
    struct check_num n;
    util_fmt_double(n.s, sizeof n.s, v);
    return n;
}

int check_int(struct front *f, const char *what, double v, double lo, const struct ast_span *sp)
{
    if (v != floor(v)) {
        diag_error(f->diag, sp, "%s must be an integer, got %s", what, check_num(v).s);
        return -1;
    }
    if (v < lo) {
        diag_error(f->diag, sp, "%s must be at least %.0f, got %s", what, lo, check_num(v).s);
        return -1;
    }
    return 0;
}

int check_max(struct front *f, const char *what, double v, double hi,
                     const struct ast_span *sp)
{
    if (v > hi) {
        diag_error(f->diag, sp, "%s must be at most %.0f, got %s", what, hi, check_num(v).s);
        return -1;
    }
    return 0;
}

/* The ranges live in the catalogues (names.c, params.c). */
int check_value(struct front *f, const char *name, double v, const struct ast_span *sp)
{
    char why[96];
    if (names_value_ok(name, v, why, sizeof why))
        return 0;
    diag_error(f->diag, sp, "%s %s, got %s", name, why, check_num(v).s);
    return -1;
}

/* An unknown word, with the closest candidate when there is one. */
void check_unknown(struct front *f, const struct ast_span *sp, const char *what,
                          const char *word, const char *const *cands)
{
    const char *s = names_suggest(word, cands);
    if (s)
        diag_error(f->diag, sp, "unknown %s '%s'; did you mean '%s'?", what, word, s);
    else
        diag_error(f->diag, sp, "unknown %s '%s'", what, word);
}
