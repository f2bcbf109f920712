/* runtime/train/kern_isa.h: which instruction-set path the kernels take.
 * The hot kernels are compiled once per instruction set (each in its own
 * translation unit, with vector widths chosen for that set) and this module
 * picks one per process: the best the CPU supports, or a lower one named by
 * TMSL_ISA (avx512, avx2, base), so that every path can be run, tested and
 * timed on one machine. All paths do the same float operations in the same
 * order, so they produce bit-identical results. It also measures the
 * machine's FMA peak and random-number rate for the benchmarks. */
#ifndef TMSL_KERN_ISA_H
#define TMSL_KERN_ISA_H

enum kern_isa { KERN_ISA_BASE, KERN_ISA_AVX2, KERN_ISA_AVX512, KERN_ISA_COUNT };

/* Whether this CPU runs the path (base: always). */
int kern_isa_supported(enum kern_isa isa);
/* The path in use: TMSL_ISA if set and supported (else the best, with a
 * warning), or the best supported. Read once per process. */
enum kern_isa kern_isa(void);
/* Tests: force a supported path (returns 0), or -1 if unsupported. */
int kern_isa_set(enum kern_isa isa);
/* "avx512", "avx2", "base" ("neon" on aarch64). */
const char *kern_isa_name(enum kern_isa isa);
/* Floats per vector register on the path. */
int kern_isa_width(enum kern_isa isa);
/* Measured on the calling thread: flop/s of independent FMAs (multiply and
 * add, counted as 2 flops, where the path has no FMA), and 64-bit xoshiro256**
 * words/s of the trainer's generator, both on the given path. */
double kern_isa_fma_peak(enum kern_isa isa);
double kern_isa_rng_rate(enum kern_isa isa);

#endif
