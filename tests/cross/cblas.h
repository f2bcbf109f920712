/* tests/cross/cblas.h: the slice of the CBLAS interface tmsl's trainer uses,
 * for cross builds that have no BLAS (tests/cross/aarch64.sh). */
#ifndef TMSL_CROSS_CBLAS_H
#define TMSL_CROSS_CBLAS_H
enum CBLAS_ORDER { CblasRowMajor = 101, CblasColMajor = 102 };
enum CBLAS_TRANSPOSE { CblasNoTrans = 111, CblasTrans = 112 };
void cblas_sgemm(enum CBLAS_ORDER order, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                 int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                 int ldb, float beta, float *C, int ldc);
void openblas_set_num_threads(int n);
#endif
