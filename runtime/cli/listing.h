/* runtime/cli/listing.h: the catalogues of names as the user reads them:
 * `tmsl --list [SECTION]` and the REPL's `:help SECTION` print the
 * statements, settings, training parameters, model kinds, data generators,
 * figures, metrics and functions straight from the tables the checker uses,
 * one "name  help" line each, so the listing can never drift. */
#ifndef TMSL_LISTING_H
#define TMSL_LISTING_H
#include <stdio.h>

/* Sections in the order `--list` prints them, NULL-terminated. */
extern const char *const listing_sections[];
/* Print one section (NULL or "all": every section, under headings).
 * Returns 0, or -1 when section names none. */
int listing_print(FILE *out, const char *section);

#endif
