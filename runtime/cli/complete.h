/* runtime/cli/complete.h: Tab completion of the REPL from the catalogues. */
#ifndef TMSL_COMPLETE_H
#define TMSL_COMPLETE_H

/* Hook completion into the line editor. */
void complete_install(void);
/* How many known words start with prefix; *first (may be NULL) gets one. */
int complete_count(const char *prefix, const char **first);

#endif
