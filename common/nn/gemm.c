#include "gemm.h"

#include <cblas.h>

void
gemm_blas(int transa, int transb, int m, int n, int k, float alpha,
    const float *a, int lda, const float *b, int ldb, float beta,
    float *c, int ldc)
{
	cblas_sgemm(CblasRowMajor, transa ? CblasTrans : CblasNoTrans,
	    transb ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb,
	    beta, c, ldc);
}

/* Accumulates in double so that it is a reference, not a second opinion. */
void
gemm_ref(int transa, int transb, int m, int n, int k, float alpha,
    const float *a, int lda, const float *b, int ldb, float beta,
    float *c, int ldc)
{
	for (int i = 0; i < m; i++)
		for (int j = 0; j < n; j++) {
			double s = 0;

			for (int p = 0; p < k; p++) {
				float av = transa ? a[(long)p * lda + i] :
				    a[(long)i * lda + p];
				float bv = transb ? b[(long)j * ldb + p] :
				    b[(long)p * ldb + j];

				s += (double)av * bv;
			}
			float *cp = &c[(long)i * ldc + j];
			*cp = (float)(alpha * s + (beta == 0 ? 0 : beta * *cp));
		}
}

void
gemm_set_threads(int n)
{
	openblas_set_num_threads(n);
}

const char *
gemm_core(void)
{
	return openblas_get_corename();
}
