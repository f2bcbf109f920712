/* runtime/report/theory.c: closed forms for the toy-model phase diagrams.
 * With density p a present feature is U[0,1], so E[x] = p/2, E[x^2] = p/3 and
 * a dropped feature, answered by its mean through the bias, costs its
 * importance times the variance p/3 - p^2/4. Two antipodal features only err
 * when both are present (probability p^2), each by min(x1,x2)^2, whose mean is
 * 1/6. Every candidate loss below is a sum of those two terms. */
#include <stddef.h>

#include "model.h"
#include "theory.h"

static double dropped(double p) { return p / 3.0 - p * p / 4.0; }
static double antipodal(double p) { return p * p / 6.0; }

void theory_n2_losses(double p, double r, double out[3])
{
    out[0] = r * dropped(p);
    out[1] = dropped(p);
    out[2] = (1.0 + r) * antipodal(p);
}

/* Ties go to the simpler configuration (lower index): the boundaries are
 * measure-zero and this keeps the answer deterministic. */
static int argmin(const double *v, int k)
{
    int best = 0;
    for (int i = 1; i < k; i++)
        if (v[i] < v[best])
            best = i;
    return best;
}

enum theory_class theory_n2_class(double p, double r)
{
    double l[3];
    theory_n2_losses(p, r, l);
    return (enum theory_class)argmin(l, 3);
}

void theory_n3_losses(double p, double r, double out[4])
{
    out[0] = r * dropped(p);
    out[1] = dropped(p);
    out[2] = 2.0 * antipodal(p);
    out[3] = (1.0 + r) * antipodal(p);
}

int theory_n3_argmin(double p, double r)
{
    double l[4];
    theory_n3_losses(p, r, l);
    return argmin(l, 4);
}

/* Both [1,0,0] and [1,1,0] give the extra feature a dimension of its own. */
enum theory_class theory_n3_class(double p, double r)
{
    static const enum theory_class cls[4] = {
        THEORY_IGNORED, THEORY_DEDICATED, THEORY_DEDICATED, THEORY_SUPERPOSED
    };
    return cls[theory_n3_argmin(p, r)];
}

int theory_n2_band(double p, double *lo, double *hi)
{
    if (!(p > 0.0) || p >= THEORY_TRIPLE_P) {
        *lo = *hi = 1.0;
        return 0;
    }
    *lo = 2.0 * p / (4.0 - 5.0 * p);
    *hi = (4.0 - 5.0 * p) / (2.0 * p);
    return 1;
}

void theory_linear_losses(int n, double p, double r, double *out)
{
    double v = dropped(p);
    out[0] = r * v;
    out[1] = v;
    if (n == 2) {
        out[2] = (1.0 + r) * v;     /* each of the pair reads the other's variance */
        return;
    }
    out[2] = 2.0 * v;
    out[3] = (1.0 + r) * v;
}

static void relu_losses(int n, double p, double r, double *out)
{
    if (n == 2)
        theory_n2_losses(p, r, out);
    else
        theory_n3_losses(p, r, out);
}

static const struct theory_kind theory_kinds[] = {
    {&model_relu, relu_losses, 1},
    {&model_linear, theory_linear_losses, 0},
};

const struct theory_kind *theory_of(const struct model_kind *k)
{
    for (size_t i = 0; i < sizeof theory_kinds / sizeof *theory_kinds; i++)
        if (theory_kinds[i].kind == k)
            return &theory_kinds[i];
    return NULL;
}

enum theory_class theory_class_of(const struct theory_kind *t, int n, double p, double r)
{
    static const enum theory_class n3cls[4] = {
        THEORY_IGNORED, THEORY_DEDICATED, THEORY_DEDICATED, THEORY_SUPERPOSED
    };
    double l[4];
    t->losses(n, p, r, l);
    int k = argmin(l, n == 2 ? 3 : 4);
    return n == 2 ? (enum theory_class)k : n3cls[k];
}

const char *theory_class_name(enum theory_class c)
{
    switch (c) {
    case THEORY_IGNORED: return "not represented";
    case THEORY_DEDICATED: return "dedicated";
    case THEORY_SUPERPOSED: return "superposition";
    default: return "?";
    }
}
