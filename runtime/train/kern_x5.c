/* runtime/train/kern_x5.c: which large-model block the gemm kernel uses.
 * The block's arithmetic (kern_x5_body.h) is compiled for AVX-512 and for
 * AVX2 (kern_avx512.c, kern_avx2.c); both sum every element in the same
 * order with fused multiply-adds, so they agree bit for bit. Elsewhere (the
 * x86 baseline, aarch64, m > 32) kern_gemm.c uses BLAS instead. */
#include "kern.h"
#include "kern_inst.h"
#include "kern_isa.h"

int kern_x5_usable(int m)
{
    enum kern_isa isa = kern_isa();
    return m <= 32 && (isa == KERN_ISA_AVX512 || isa == KERN_ISA_AVX2);
}

void kern_x5_block(const struct kern_model *md, struct kern_gws *w, int R, int have_x)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
    if (kern_isa() == KERN_ISA_AVX512)
        kern_x5_block_avx512(md, w, R, have_x);
    else
        kern_x5_block_avx2(md, w, R, have_x);
#else
    (void)md, (void)w, (void)R, (void)have_x;
#endif
}
