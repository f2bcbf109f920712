# tests/figures.mk: unit tests of theory, figures, tables and expect.
check_PROGRAMS += tests/unit/test_theory tests/unit/test_figures
tests_unit_test_theory_SOURCES = tests/unit/test_theory.c tests/tap.h
tests_unit_test_theory_LDADD = libtmsl_rt.a libtmsl_train.a $(OPENBLAS_LIBS) -lm
tests_unit_test_figures_SOURCES = tests/unit/test_figures.c tests/tap.h
tests_unit_test_figures_LDADD = libtmsl_rt.a libtmsl_lang.a libtmsl_train.a $(OPENBLAS_LIBS) -lm
TESTS += tests/unit/test_theory tests/unit/test_figures
