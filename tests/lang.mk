# tests/lang.mk: front-end tests: unit tests, golden outputs, fuzzing, doc examples.
LANG_TEST_LIBS = libtmsl_lang.a libtmsl_train.a $(OPENBLAS_LIBS) -lm
check_PROGRAMS += tests/unit/test_lexer tests/unit/test_parser tests/unit/test_plan \
	tests/unit/test_eval tests/fuzz_front
tests_unit_test_lexer_SOURCES = tests/unit/test_lexer.c tests/tap.h
tests_unit_test_lexer_LDADD = $(LANG_TEST_LIBS)
tests_unit_test_parser_SOURCES = tests/unit/test_parser.c tests/tap.h
tests_unit_test_parser_LDADD = $(LANG_TEST_LIBS)
tests_unit_test_plan_SOURCES = tests/unit/test_plan.c tests/tap.h
tests_unit_test_plan_LDADD = $(LANG_TEST_LIBS)
tests_unit_test_eval_SOURCES = tests/unit/test_eval.c tests/tap.h
tests_unit_test_eval_LDADD = $(LANG_TEST_LIBS)
tests_fuzz_front_SOURCES = tests/fuzz_front.c
tests_fuzz_front_LDADD = $(LANG_TEST_LIBS)
TESTS += tests/unit/test_lexer tests/unit/test_parser tests/unit/test_plan tests/unit/test_eval \
	tests/golden.sh tests/fuzz.sh tests/doc_examples.sh tests/doc_catalog.sh tests/abuse.sh tests/scale.sh
EXTRA_DIST += tests/golden tests/golden.sh tests/fuzz.sh tests/doc_examples.sh tests/doc_catalog.sh \
	tests/abuse.sh tests/scale.sh doc/language.md
# `make fuzz`: libFuzzer + ASan + UBSan on the front end for FUZZ_SECONDS (default 60)
EXTRA_DIST += tests/fuzz/run.sh tests/fuzz/libfuzzer.c tests/fuzz/tmsl.dict
.PHONY: fuzz
fuzz:
	FUZZ_BUILD=$(abs_top_builddir)/_fuzz $(top_srcdir)/tests/fuzz/run.sh $${FUZZ_SECONDS:-60}
