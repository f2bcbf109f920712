/* runtime/report/fig_impl.h: what the figure, table and expect modules share: the
 * metric catalogue, reading one grid point of a group (its usable runs, its
 * kept run, a metric's value there, its label), the empirical phase
 * classification, and the gnuplot file writer. Internal to the runtime. */
#ifndef TMSL_FIG_IMPL_H
#define TMSL_FIG_IMPL_H
#include <stdio.h>
#include "figures.h"
#include "names.h"
#include "theory.h"
#include "util.h"

#define FIG_REPR_NORM 0.5      /* ||W_i|| at which a feature counts as represented */
#define FIG_SUPERPOS_CUT 0.1   /* sum_{j!=i} (W^_i . W_j)^2 at which it is in superposition */
#define FIG_NEG_BIAS (-0.05)   /* b_i below this counts as a negative bias */

/* values.c. Metrics are enum names_metric_id; whether one is a value of a
 * single run (not phase_agreement, an aggregate or a monotone check). */
int fig_metric_per_run(int metric);
/* Whether it draws inputs of its own (runs.jsonl leaves such metrics out). */
int fig_metric_sampled(int metric);

/* A run that was trained and did not diverge. */
int fig_run_usable(const struct fig_env *e, int run);
/* One metric of one run; idx is the feature for per-feature metrics.
 * Returns 0, or -1 when idx is out of range or the run is not usable. */
int fig_run_metric(const struct fig_env *e, int run, int metric, int idx, double *out);

/* Usable runs of point p of group g, lowest final loss first, into runs[]
 * (room for g->nrepeat); *nbad (may be NULL) gets the number left out. */
int fig_point_runs(const struct fig_env *e, const struct plan_group *g, int p, int *runs, int *nbad);
/* Runs outputs read at point p: the best one under keep best, else all usable. */
int fig_point_kept(const struct fig_env *e, const struct plan_group *g, int p, int *runs);
/* A metric at point p: the best run's under keep best, else the mean over
 * usable repeats. -1 when no run is usable or idx is bad. */
int fig_point_value(const struct fig_env *e, int group, int p, int metric, int idx, double *out);
/* "sparsity = 0.9, r = 2" (sep " = ", joined by ", ") or "sparsity=0.9" (sep "="). */
char *fig_point_label(const struct fig_env *e, const struct plan_group *g, int p, const char *sep);
/* Words on how repeats are read, for headers and titles. */
const char *fig_repeat_words(const struct plan_group *g);
/* Report every unusable run of the group once, as a warning at the output. */
void fig_report_bad(struct fig_env *e, const struct plan_output *o);

/* Phase diagram cell of one grid point. */
struct fig_cell {
    double r, p;          /* relative importance of the extra feature, density */
    int cls;              /* empirical enum theory_class, -1 when no usable run */
    int theory;           /* closed-form enum theory_class */
    int nused;            /* runs averaged */
    double q[3];          /* averaged sign-invariant quantities, see fig_phase.c */
};
/* Fill cells[g->npoints]; -1 (with a message in *why) for groups that are
 * not n=2,m=1 or n=3,m=2. */
int fig_phase_cells(const struct fig_env *e, const struct plan_group *g, struct fig_cell *cells,
                    const char **why);

/* The emitters (figures.c holds their table, indexed by names_figure_id). */
typedef int (*fig_emitter)(struct fig_env *e, const struct plan_output *o);
fig_emitter fig_emitter_of(int id);
int fig_emit_features2d(struct fig_env *e, const struct plan_output *o);
int fig_emit_wtw(struct fig_env *e, const struct plan_output *o);
int fig_emit_norms(struct fig_env *e, const struct plan_output *o);
int fig_emit_phase(struct fig_env *e, const struct plan_output *o);
int fig_emit_phase_compare(struct fig_env *e, const struct plan_output *o);
int fig_emit_dims(struct fig_env *e, const struct plan_output *o);
int fig_emit_dimensionality(struct fig_env *e, const struct plan_output *o);
int fig_emit_loss(struct fig_env *e, const struct plan_output *o);
int fig_emit_graph(struct fig_env *e, const struct plan_output *o);          /* fig_geom.c */
int fig_emit_vulnerability(struct fig_env *e, const struct plan_output *o);
int fig_emit_geometry_loss(struct fig_env *e, const struct plan_output *o);
int fig_emit_recovery(struct fig_env *e, const struct plan_output *o);   /* fig_sae.c */
int fig_emit_sae2d(struct fig_env *e, const struct plan_output *o);
int fig_emit_neurons(struct fig_env *e, const struct plan_output *o);
int fig_emit_dynamics(struct fig_env *e, const struct plan_output *o);
int fig_emit_double_descent(struct fig_env *e, const struct plan_output *o); /* fig_memo.c */
int fig_emit_datapoints2d(struct fig_env *e, const struct plan_output *o);

/* values_neurons.c: per-run values of the neuron and learning-dynamics
 * metrics (NaN when the run has no weights or no snapshots). */
double fig_monosemantic(const struct train_result *r);
double fig_features_per_neuron(const struct train_result *r);
double fig_neurons_per_feature(const struct train_result *r);
double fig_relu_pairs(const struct train_result *r);
double fig_dim_levels(const struct train_result *r);
double fig_dim_jumps(const struct train_result *r);

/* gnuplot output of one figure. */
struct gp_files {
    struct afile gp, dat;
    char *stem, *gp_path, *dat_path;
    int ok;
};
int gp_open(struct fig_env *e, const struct plan_output *o, struct gp_files *f);
/* Terminal, output and the script directory `dir`; width/height in pixels. */
void gp_prelude(struct gp_files *f, int width, int height);
/* Close both files (atomically) and render when asked. 0 ok, -1 error. */
int gp_close(struct fig_env *e, const struct plan_output *o, struct gp_files *f);
/* Draw an already written figure in the terminal (gnuplot dumb); -1 if it cannot. */
int gp_preview(struct fig_env *e, const struct plan_output *o, FILE *out);
/* Quote s as a gnuplot double-quoted string body (escapes " and \). */
void gp_puts_quoted(FILE *fp, const char *s);
/* Panels layout shared by the per-point figures. */
void gp_layout(int npanels, int *rows, int *cols);
/* Write a double for data files, locale-independent ("nan" as NaN). */
void gp_num(FILE *fp, double v);
/* "relu model, n=20, m=5" (with the experiment name when there is one). */
char *gp_model_words(const struct plan_group *g);
/* A panel saying why there is nothing to show (e.g. the run diverged). */
void gp_empty_panel(FILE *fp, const char *title, const char *why);
/* Viridis-like palette (dark purple .. yellow) for `set palette`. */
extern const char gp_viridis[];
/* The same palette as "#rrggbb" at t in [0,1], for `lc rgb`. */
void gp_viridis_rgb(double t, char buf[8]);
/* Dashed, labelled horizontal lines at the sticky dimensionalities. */
void gp_dim_guides(FILE *fp);

#endif
