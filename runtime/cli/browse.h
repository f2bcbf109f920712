/* runtime/cli/browse.h: `tmsl ls DIR` and `tmsl show DIR [RUN]`. */
#ifndef TMSL_BROWSE_H
#define TMSL_BROWSE_H

/* argv[0] is "ls" or "show"; returns the exit status (0, or 2 on errors). */
int browse_main(int argc, char **argv);

#endif
