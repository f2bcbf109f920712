# runtime/base/local.mk: the bottom layer: allocation, strings, hashing, the
# one hash table, atomic files and the random number generator.
libtmsl_train_a_SOURCES += runtime/base/util.c runtime/base/util.h runtime/base/rng.h \
	runtime/base/hmap.c runtime/base/hmap.h
