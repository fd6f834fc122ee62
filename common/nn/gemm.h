/* gemm — single-precision matrix product with the BLAS signature
 * (row-major): C = alpha * op(A) * op(B) + beta * C, op(A) M x K,
 * op(B) K x N. Two interchangeable kernels: OpenBLAS for speed and a slow,
 * obviously right loop nest for tests. Nothing is allocated. */
#ifndef IMATSEG_GEMM_H
#define IMATSEG_GEMM_H

typedef void GemmFn(int transa, int transb, int m, int n, int k,
    float alpha, const float *a, int lda, const float *b, int ldb,
    float beta, float *c, int ldc);

GemmFn gemm_blas;
GemmFn gemm_ref;

/* OpenBLAS's own thread count (it keeps it process-wide). */
void gemm_set_threads(int n);
/* The kernels OpenBLAS chose for this CPU ("Cooperlake", "Haswell" ...),
 * a static string. */
const char *gemm_core(void);

#endif
