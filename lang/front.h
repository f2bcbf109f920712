/* lang/front.h: the front end as one object: a session that reads tmsl texts
 * (files, stdin, REPL lines) in persistent, sticky settings and turns each
 * text into a plan of runs and outputs. Errors go to the session's diag. */
#ifndef TMSL_FRONT_H
#define TMSL_FRONT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "diag.h"
#include "plan.h"

struct front_options {
    int nover; const char *const *over_name; const char *const *over_value; /* -D NAME=VALUE */
    int have_seed; uint64_t seed;                 /* --seed N overrides `seed` statements */
    const char *exe_dir;                          /* directory of the running tmsl binary */
};
struct front;
/* An override whose value does not parse, or names nothing that can be set, is
 * reported here (via d) and makes every front_load fail with -1. */
struct front *front_new(struct diag *d, const struct front_options *o);
void front_free(struct front *f);
/* Parse, check and plan one source text (a file, stdin, or REPL input) in the session's
 * persistent settings (sticky, like gnuplot). Returns 0 and fills *out (free with plan_free)
 * on success; the plan holds the runs/groups/batches needed by THIS text's outputs only.
 * Returns -1 after reporting all errors via diag (settings unchanged). Returns 1 when
 * is_file == 0 and the only problem is an unexpected end of input (missing ';', unclosed '{'
 * or '(' or '['): nothing reported, settings unchanged, the REPL reads another line. With
 * is_file != 0 that case is an ordinary error. AST nodes referenced by a plan (expect
 * expressions) stay valid until front_free. */
int front_load(struct front *f, const char *name, const char *text, size_t len, int is_file,
               struct plan *out);
void front_show(const struct front *f, FILE *out);   /* current settings, for :show */
/* -D names that no script statement used (to warn/error after loading): returns count and
 * reports them as errors with did-you-mean if report != 0 */
int front_unused_overrides(struct front *f, int report);

#endif
