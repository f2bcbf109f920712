# runtime/local.mk: the executor, the REPL and the command line.
libtmsl_rt_a_SOURCES += runtime/exec.c runtime/exec.h runtime/repl.c runtime/repl.h
