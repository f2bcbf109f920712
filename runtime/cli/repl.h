/* runtime/cli/repl.h: the interactive session (libedit line editing on a
 * terminal). Statements go through the same front end as files; settings
 * and trained runs persist between lines. */
#ifndef TMSL_REPL_H
#define TMSL_REPL_H
#include "diag.h"
#include "exec.h"
#include "front.h"

/* Returns 0 on :quit or end of input. */
int repl_run(struct front *f, struct exec_store *s, struct diag *d, const struct exec_options *o);

#endif
