# runtime/report/local.mk: what is made from trained runs: figures (gnuplot),
# the closed-form theory, tables and the checking of `expect` claims.
libtmsl_rt_a_SOURCES += runtime/report/figures.h runtime/report/fig_impl.h \
	runtime/report/points.c runtime/report/values.c runtime/report/phase_cells.c \
	runtime/report/figures.c runtime/report/fig_panels.c runtime/report/fig_sweep.c \
	runtime/report/fig_phase.c runtime/report/fig_sae.c runtime/report/gp.c runtime/report/theory.c \
	runtime/report/theory.h runtime/report/table.c runtime/report/expect.c \
	runtime/report/html.c \
	runtime/report/values_geom.c runtime/report/values_geom.h runtime/report/fig_geom.c \
	runtime/report/values_neurons.c runtime/report/fig_neurons.c runtime/report/fig_dynamics.c \
	runtime/report/fig_memo.c
EXTRA_DIST += doc/figures.md
