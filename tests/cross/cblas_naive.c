/* tests/cross/cblas_naive.c: a plain-loop cblas_sgemm (row-major only) so the
 * trainer's kernel tests build and run where no BLAS is installed, such as
 * the aarch64 cross build run under qemu. Correct, not fast. */
#include "cblas.h"

void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                 int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                 int ldb, float beta, float *C, int ldc)
{
    (void)order; /* tmsl only asks for row-major products */
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = 0;
            for (int k = 0; k < K; k++) {
                float a = ta == CblasNoTrans ? A[i * lda + k] : A[k * lda + i];
                float b = tb == CblasNoTrans ? B[k * ldb + j] : B[j * ldb + k];
                s += a * b;
            }
            C[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * C[i * ldc + j]);
        }
}

void openblas_set_num_threads(int n)
{
    (void)n;
}
