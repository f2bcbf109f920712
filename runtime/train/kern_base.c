/* runtime/train/kern_base.c: the kernels' instance for the baseline instruction set (x86-64 SSE2, or aarch64 NEON).
 * The kernel bodies are shared (kern_vx_body.h, kern_sparse_body.h, kern_lanes_body.h); this file only sets the
 * target and the vector width, so every instance computes the same. */
#define KI_W 4
#define KI_SFX base
#include "kern_vx_body.h"
#include "kern_sparse_body.h"
#include "kern_lanes_body.h"
