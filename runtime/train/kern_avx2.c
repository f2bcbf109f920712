/* runtime/train/kern_avx2.c: the kernels' instance for AVX2 with FMA (8-float vectors).
 * The kernel bodies are shared (kern_vx_body.h,
 * kern_sparse_body.h, kern_lanes_body.h, kern_x5_body.h); this file only sets the
 * target and the vector width, so every instance computes the same. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) /* GCC's target pragma */
#pragma GCC target("avx2,fma")
#define KI_W 8
#define KI_SFX avx2
#include "kern_vx_body.h"
#include "kern_sparse_body.h"
#include "kern_lanes_body.h"
#include "kern_x5_body.h"
#else
typedef int kern_avx2_unused; /* ISO C wants something in a translation unit */
#endif
