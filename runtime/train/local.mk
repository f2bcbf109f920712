# runtime/train/local.mk: the trainer: model kinds, data generators, kernels,
# the batched trainer and the metrics of trained weights.
libtmsl_train_a_SOURCES += runtime/train/train.c runtime/train/train.h \
	runtime/train/params.c runtime/train/params.h \
	runtime/train/kern.c runtime/train/kern.h runtime/train/kern_vx.c \
	runtime/train/kern_gemm.c runtime/train/kern_x5.c runtime/train/kern_ref.c \
	runtime/train/metrics.c
