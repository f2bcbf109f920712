# runtime/train/local.mk: the trainer: model kinds, data generators, kernels,
# the batched trainer and the metrics of trained weights.
libtmsl_train_a_SOURCES += runtime/train/train.c runtime/train/train.h \
	runtime/train/params.c runtime/train/params.h \
	runtime/train/kern.c runtime/train/kern.h runtime/train/kern_vx.c \
	runtime/train/kern_gemm.c runtime/train/kern_x5.c runtime/train/kern_table.c \
	runtime/train/model.c runtime/train/model.h runtime/train/model_tied.c \
	runtime/train/data.c runtime/train/data.h runtime/train/metrics.c \
	runtime/train/model_untied.c runtime/train/neurons.c runtime/train/neurons.h
