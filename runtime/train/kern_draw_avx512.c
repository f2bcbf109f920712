/* runtime/train/kern_draw_avx512.c: the inputs' draws (kern_draw_body.h) for
 * AVX512: the target is set before rng.h is read, so the generator's refill
 * runs at this instruction set's width. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) /* GCC's target pragma */
#pragma GCC target("avx512f,avx2,fma")
#define KD_SFX avx512
#include "kern_draw_body.h"
#else
typedef int kern_draw_avx512_unused; /* ISO C wants something in a translation unit */
#endif
