# lang/local.mk: the front end (lexer, parser, checker, planner, diagnostics).
libtmsl_lang_a_SOURCES += lang/lexer.l lang/parser.y lang/parse.h \
	lang/ast.c lang/ast.h lang/diag.c lang/diag.h lang/names.c lang/names.h \
	lang/front.c lang/front.h lang/front_int.h lang/front_state.c lang/eval.h lang/eval.c \
	lang/value.c lang/check.c lang/check_value.c lang/check_resolve.c \
	lang/plan_run.c lang/plan.c lang/plan.h lang/check_sae.c
BUILT_SOURCES += lang/parser.h
