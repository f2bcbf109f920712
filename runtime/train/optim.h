/* runtime/train/optim.h: one optimizer step on a run's parameters, as
 * torch.optim does it (AdamW, Adam, SGD with momentum), in float32. The
 * trainer works out a step's constants (struct optim_k, from the recipe,
 * the step's learning rate and Adam's bias corrections) and optim_apply
 * does the element-wise update. optim_apply is also the reference that the
 * many-models kernel's vector update (kern_lanes_update) is tested
 * against: both do the same float operations in the same order. */
#ifndef TMSL_OPTIM_H
#define TMSL_OPTIM_H
#include <math.h>

struct optim_k {
    int sgd;                /* 1: SGD, 0: Adam or AdamW */
    int first;              /* SGD: the first step (momentum starts at the gradient) */
    float b1, b2, eps, bc2; /* Adam: betas, eps, sqrt(1 - b2^t) */
    float step;             /* Adam: lr / (1 - b1^t); SGD: lr */
    float decay;            /* AdamW: 1 - lr wd, else 1 */
    float l2;               /* Adam: weight decay added to the gradient, else 0 */
    float wd, mom;          /* SGD: weight decay, momentum */
};

/* p -= the step for gradient g, with Adam's moments (or SGD's momentum
 * buffer) m1, m2; np parameters. */
static inline void optim_apply(const struct optim_k *k, float *restrict p, const float *restrict g,
                               float *restrict m1, float *restrict m2, int np)
{
    if (k->sgd) {
        for (int i = 0; i < np; i++) {
            float d = g[i] + k->wd * p[i];
            if (k->mom != 0)
                d = m1[i] = k->first ? d : k->mom * m1[i] + d;
            p[i] -= k->step * d;
        }
        return;
    }
    const float b1 = k->b1, b2 = k->b2;
    for (int i = 0; i < np; i++) {
        float gi = g[i] + k->l2 * p[i];
        p[i] *= k->decay;
        m1[i] = b1 * m1[i] + (1 - b1) * gi;
        m2[i] = b2 * m2[i] + (1 - b2) * gi * gi;
        p[i] -= k->step * (m1[i] / (sqrtf(m2[i]) / k->bc2 + k->eps));
    }
}
#endif
