/* runtime/report/theory.h: closed-form losses of the idealised weight configurations
 * behind the phase diagrams (n=2, m=1 with importance [1, r]; n=3, m=2 with
 * importance [1, 1, r]). Losses are per example, summed over features; p is
 * the feature density 1-S shared by all features. The theoretical phase of a
 * cell is the argmin over the candidates. */
#ifndef TMSL_THEORY_H
#define TMSL_THEORY_H

/* Classes from the extra (last) feature's point of view; the figures colour
 * them grey, blue and red. */
enum theory_class { THEORY_IGNORED, THEORY_DEDICATED, THEORY_SUPERPOSED, THEORY_NCLASS };

/* n=2: out[0] extra ignored (W=[1,0]), out[1] extra dedicated (W=[0,1]),
 * out[2] antipodal (W=[1,-1]). */
void theory_n2_losses(double p, double r, double out[3]);
enum theory_class theory_n2_class(double p, double r);

/* n=3, candidates named by the direction W is orthogonal to:
 * out[0] [0,0,1] extra ignored, out[1] [1,0,0] extra dedicated and one other
 * dropped, out[2] [1,1,0] other two antipodal and extra dedicated,
 * out[3] [0,1,1] extra antipodal with one other. */
void theory_n3_losses(double p, double r, double out[4]);
int theory_n3_argmin(double p, double r);            /* index into out[] above */
enum theory_class theory_n3_class(double p, double r);

/* Superposition band of the n=2 diagram: optimal iff lo < r < hi.
 * Returns 0 (and lo = hi = 1) when the band is empty (p >= 4/7). */
int theory_n2_band(double p, double *lo, double *hi);

/* The linear model's candidates are the same configurations, but a
 * linear readout cannot filter interference: every feature sharing a
 * direction costs its importance times the other's variance, so
 * superposition never wins and the diagram is split at r = 1 alone.
 * n=2: out[3] as theory_n2_losses; n=3: out[4] as theory_n3_losses. */
void theory_linear_losses(int n, double p, double r, double *out);

/* The closed forms of one model kind: the phase figure and phase_agreement
 * compare a grid with the theory of the kind it trained, never another's. */
struct model_kind;
struct theory_kind {
    const struct model_kind *kind;
    /* candidate losses for n = 2 (3 values) or n = 3 (4 values) */
    void (*losses)(int n, double p, double r, double *out);
    int band;   /* has the n=2 superposition band and the n=3 line at 4/7 */
};
/* The theory of kind k, or NULL when it has none (no MODEL_CAP_PHASE). */
const struct theory_kind *theory_of(const struct model_kind *k);
/* The class of the argmin candidate for n=2 or n=3. */
enum theory_class theory_class_of(const struct theory_kind *t, int n, double p, double r);

/* Density of the triple point, 4/7. */
#define THEORY_TRIPLE_P (4.0 / 7.0)

const char *theory_class_name(enum theory_class c);

#endif
