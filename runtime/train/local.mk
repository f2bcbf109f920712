# runtime/train/local.mk: the trainer: model kinds, data generators, kernels,
# the batched trainer and the metrics of trained weights.
libtmsl_train_a_SOURCES += runtime/train/train.c runtime/train/train.h runtime/train/optim.h \
	runtime/train/params.c runtime/train/params.h \
	runtime/train/kern.c runtime/train/kern.h runtime/train/kern_draw_body.h \
	runtime/train/kern_draw_avx2.c runtime/train/kern_draw_avx512.c runtime/train/kern_vx.c \
	runtime/train/kern_lanes.c runtime/train/kern_lanes_body.h \
	runtime/train/kern_gemm.c runtime/train/kern_sparse.c runtime/train/kern_x5.c runtime/train/kern_table.c \
	runtime/train/kern_isa.c runtime/train/kern_isa.h runtime/train/kern_inst.h \
	runtime/train/kern_vx_body.h runtime/train/kern_sparse_body.h runtime/train/kern_x5_body.h runtime/train/kern_base.c runtime/train/kern_avx2.c \
	runtime/train/kern_avx512.c \
	runtime/train/model.c runtime/train/model.h runtime/train/model_tied.c \
	runtime/train/data.c runtime/train/data.h runtime/train/metrics.c \
	runtime/train/model_untied.c runtime/train/kern_sets.c \
	runtime/train/sae.h runtime/train/model_sae.c runtime/train/sae_data.c \
	runtime/train/sae_eval.c runtime/train/sae_params.c \
	runtime/train/neurons.c runtime/train/neurons.h \
	runtime/train/dataset.c runtime/train/dataset.h
