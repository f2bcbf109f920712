# runtime/cli/local.mk: the top layer: the command line and the REPL.
tmsl_SOURCES += runtime/cli/main.c runtime/cli/repl.c runtime/cli/repl.h \
	runtime/cli/listing.c runtime/cli/listing.h runtime/cli/browse.c runtime/cli/browse.h \
	runtime/cli/json.c runtime/cli/json.h runtime/cli/complete.c runtime/cli/complete.h
