# runtime/train.mk: build fragment, included by the top Makefile.am
# The trainer: batched toy models, their kernels and metrics.
libtmsl_train_a_SOURCES += runtime/train.c runtime/train.h runtime/rng.h \
	runtime/kern.c runtime/kern.h runtime/kern_vx.c runtime/kern_gemm.c runtime/kern_x5.c runtime/kern_ref.c \
	runtime/metrics.c
