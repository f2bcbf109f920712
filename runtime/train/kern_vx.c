/* runtime/train/kern_vx.c: the kernel for small models, vectorised across examples.
 * The arithmetic lives in kern_vx_body.h, compiled once per instruction set
 * with vectors as wide as that set's registers (kern_base.c, kern_avx2.c,
 * kern_avx512.c); this file decides when the kernel applies, prepares a
 * run's constants and calls the instance kern_isa() picks. The instances
 * agree bit for bit, so the choice changes the speed only. */
#include <stdlib.h>

#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"

#define VX_MAXNM 1024

int kern_vx_applies(const struct kern_model *md, const double *density)
{
    if (md->n > KERN_VX_MAXN || md->n * md->m > VX_MAXNM)
        return 0;
    double nnz = 0;
    for (int i = 0; i < md->n; i++)
        nnz += density[i];
    /* The sparse per-example kernel wins once most examples are empty. */
    return nnz >= KERN_VX_MIN_NNZ || md->n <= 4;
}

static void vx_params(const struct kern_model *md, const struct kern_sampler *sp,
                      struct vx_par *p)
{
    p->W = md->W;
    p->b = md->b;
    p->imp = md->imp;
    p->kind = md->kind;
    for (int i = 0; sp && i < md->n; i++) {
        p->always[i] = sp->thr[i] > 0xffffffffu;
        uint32_t thr = p->always[i] ? 0xffffffffu : (uint32_t)sp->thr[i];
        /* w < thr unsigned is (w ^ 2^31) < (thr ^ 2^31) signed */
        p->sthr[i] = (int32_t)(thr ^ 0x80000000u);
    }
}

static void vx_run(const struct vx_par *p, struct kern_sampler *sp, const float *X, int batch,
                   struct kern_grad *g, int n, int m)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    switch (kern_isa()) {
    case KERN_ISA_AVX512:
        kern_vx_run_avx512(p, sp, X, batch, g, n, m);
        return;
    case KERN_ISA_AVX2:
        kern_vx_run_avx2(p, sp, X, batch, g, n, m);
        return;
    default:
        break;
    }
#endif
    kern_vx_run_base(p, sp, X, batch, g, n, m);
}

void kern_vx_step(const struct kern_model *md, struct kern_sampler *sp, int batch,
                  struct kern_grad *g)
{
    struct vx_par p;
    vx_params(md, sp, &p);
    vx_run(&p, sp, NULL, batch, g, md->n, md->m);
}

void kern_vx_batch(const struct kern_model *md, const float *X, int batch,
                   struct kern_grad *g)
{
    struct vx_par p;
    vx_params(md, NULL, &p);
    vx_run(&p, NULL, X, batch, g, md->n, md->m);
}
