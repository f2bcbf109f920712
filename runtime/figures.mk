# runtime/figures.mk: figures (gnuplot), closed-form theory, tables, expect.
libtmsl_rt_a_SOURCES += runtime/figures.h runtime/fig_impl.h runtime/fig_data.c \
	runtime/fig_panels.c runtime/fig_sweep.c runtime/fig_phase.c runtime/gp.c \
	runtime/theory.c runtime/theory.h runtime/table.c runtime/expect.c
EXTRA_DIST += doc/figures.md
