# tests/train.mk: build fragment, included by the top Makefile.am
# Trainer tests: gradients, kernels vs reference, convergence, determinism,
# the model/data/kernel catalogues.
check_PROGRAMS += tests/unit/test_train tests/unit/test_train_kern tests/unit/test_train_conv \
	tests/unit/test_model tests/unit/test_sae
tests_unit_test_sae_SOURCES = tests/unit/test_sae.c tests/tap.h
tests_unit_test_sae_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
tests_unit_test_train_SOURCES = tests/unit/test_train.c tests/tap.h
tests_unit_test_train_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
tests_unit_test_train_kern_SOURCES = tests/unit/test_train_kern.c tests/tap.h
tests_unit_test_train_kern_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
tests_unit_test_train_conv_SOURCES = tests/unit/test_train_conv.c tests/tap.h
tests_unit_test_train_conv_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
tests_unit_test_model_SOURCES = tests/unit/test_model.c tests/tap.h
tests_unit_test_model_LDADD = libtmsl_train.a $(OPENBLAS_LIBS) -lm
TESTS += tests/unit/test_train tests/unit/test_train_kern tests/unit/test_train_conv \
	tests/unit/test_model tests/unit/test_sae
# aarch64 cross build of the trainer tests, run by .ci/run under qemu
EXTRA_DIST += tests/cross/aarch64.sh tests/cross/cblas.h tests/cross/cblas_naive.c
