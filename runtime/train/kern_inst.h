/* runtime/train/kern_inst.h: what the per-instruction-set instances export.
 * kern_base.c, kern_avx2.c and kern_avx512.c each compile the same kernel
 * bodies (kern_vx_body.h, kern_sparse_body.h,
 * kern_lanes_body.h) for one instruction set, with
 * vectors as wide as its registers; the dispatchers (kern_vx.c,
 * kern_sparse.c, kern_lanes.c, kern_isa.c) call the instance kern_isa() names. Every instance does the same float operations in the
 * same order, so they agree bit for bit. */
#ifndef TMSL_KERN_INST_H
#define TMSL_KERN_INST_H
#include <stdint.h>

#include "kern.h"

/* The small-model kernel's per-run constants. */
struct vx_par {
    const float *W, *b, *imp;
    int32_t sthr[KERN_VX_MAXN]; /* presence threshold, sign-flipped for a signed compare */
    int always[KERN_VX_MAXN];
    enum train_kind kind;
};

#define KERN_INST_DECL(sfx)                                                                \
    void kern_vx_run_##sfx(const struct vx_par *p, struct kern_sampler *sp, const float *X, \
                           int batch, struct kern_grad *g, int n, int m);                  \
    uint64_t kern_rng_probe_##sfx(int refills);                                            \
    void kern_lanes_run_##sfx(struct kern_lanes *g, int batch, const float *X);             \
    void kern_lanes_update_##sfx(struct kern_lanes *g, const struct kern_lanes_opt *o);     \
    int kern_optim_apply_##sfx(const struct optim_k *k, float *p, const float *g, float *m1, \
                               float *m2, int np);
KERN_INST_DECL(base)
KERN_INST_DECL(avx2)
KERN_INST_DECL(avx512)
/* The sparse large-model kernel's scratch (kern_sparse.c). Rows are padded
 * to nq = n and mp = m rounded up to 16 floats, with zeros, so every
 * instance walks them in whole vectors; G's column t is computed the first
 * time feature t occurs in a step (stamp[t] == epoch afterwards). */
struct kern_sparse_ws {
    int n, m, nq, mp;
    unsigned epoch;
    unsigned *stamp;           /* [n] */
    float *G;                  /* [n*nq] column t of W W^T at t*nq */
    float *Wp, *gWp;           /* [n*mp] padded W and its gradient */
    float *WTp;                /* [m*nq] padded transpose of W */
    float *bp, *impp, *gbp;    /* [nq] padded b, importance, bias gradient */
    float *lossv, *x, *d;      /* [nq] loss per output, dense input, output gradient */
    float *h, *dh;             /* [mp] */
    int cap;                   /* entries of cidx, cval: n + KERN_SPARSE_CHUNK * 16 */
    int *cidx, *rowptr;        /* a chunk's present features (CSR) */
    float *cval;               /* and their values */
    int *nz;                   /* [nq] outputs with d != 0 */
};
#define KERN_SPARSE_CHUNK 256 /* examples whose G columns are computed together */
#define KERN_SPARSE_DECL(sfx)                                                             \
    void kern_sparse_run_##sfx(struct kern_sparse_ws *w, struct kern_sampler *sp,         \
                               const float *X, int batch, long *nzero);
KERN_SPARSE_DECL(base)
KERN_SPARSE_DECL(avx2)
KERN_SPARSE_DECL(avx512)

/* The large-model block (kern_x5_body.h), x86 paths only. */
void kern_x5_block_avx2(const struct kern_model *md, struct kern_gws *w, int R, int have_x);
void kern_x5_block_avx512(const struct kern_model *md, struct kern_gws *w, int R, int have_x);

#endif
