/* runtime/report/figures.c: a plot output to its figure. The emitters are
 * a table indexed by the figure catalogue's enum names_figure_id
 * (lang/names.h): a new figure is a catalogue row plus its emitter here; a
 * unit test checks that every row has one. */
#include "fig_impl.h"

static const fig_emitter fig_emitters[] = {
    [NAMES_FIG_FEATURES2D] = fig_emit_features2d,
    [NAMES_FIG_WTW] = fig_emit_wtw,
    [NAMES_FIG_NORMS] = fig_emit_norms,
    [NAMES_FIG_PHASE] = fig_emit_phase,
    [NAMES_FIG_DIMS] = fig_emit_dims,
    [NAMES_FIG_DIMENSIONALITY] = fig_emit_dimensionality,
    [NAMES_FIG_LOSS] = fig_emit_loss,
    [NAMES_FIG_GRAPH] = fig_emit_graph,
    [NAMES_FIG_VULNERABILITY] = fig_emit_vulnerability,
    [NAMES_FIG_GEOMETRY_LOSS] = fig_emit_geometry_loss,
    [NAMES_FIG_RECOVERY] = fig_emit_recovery,
    [NAMES_FIG_SAE2D] = fig_emit_sae2d,
    [NAMES_FIG_NEURONS] = fig_emit_neurons,
    [NAMES_FIG_DYNAMICS] = fig_emit_dynamics,
    [NAMES_FIG_DOUBLE_DESCENT] = fig_emit_double_descent,
    [NAMES_FIG_DATAPOINTS2D] = fig_emit_datapoints2d,
    [NAMES_FIG_PHASE_COMPARE] = fig_emit_phase_compare,
};
_Static_assert(sizeof fig_emitters / sizeof *fig_emitters == NAMES_FIG_COUNT,
               "one emitter per row of names_figures");

fig_emitter fig_emitter_of(int id)
{
    return id >= 0 && id < NAMES_FIG_COUNT ? fig_emitters[id] : NULL;
}

int fig_emit(struct fig_env *e, const struct plan_output *o)
{
    fig_emitter emit = o->kind == PLAN_PLOT ? fig_emitter_of(o->figure_id) : NULL;
    if (!emit || o->group < 0 || o->group >= e->plan->ngroups) {
        diag_error(e->diag, &o->span, "internal: not a plot output");
        return -1;
    }
    fig_report_bad(e, o);
    return emit(e, o);
}
