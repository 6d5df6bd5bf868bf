/* The fully connected layer. All matrix work is one cblas_sgemm each; the
 * bias and its gradient are the only loops of our own. */
#include "cdrl/dense.h"

#include <cblas.h>
#include <string.h>

void cdrl_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int B, int K, int N)
{
    // inp (B,K), weight (N,K), bias (N), out (B,N)
    /* Start from the bias so sgemm can add into it (beta = 1) in one pass. */
    for (int b = 0; b < B; b++) {
        if (bias)
            memcpy(out + (size_t)b * N, bias, sizeof(float) * N);
        else
            memset(out + (size_t)b * N, 0, sizeof(float) * N);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, N, K, 1.0f, inp, K, weight, K, 1.0f,
                out, N);
}

void cdrl_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int B, int K, int N)
{
    // dout (B,N), inp (B,K), weight (N,K); dinp (B,K), dweight (N,K), dbias (N)
    if (dweight)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, B, 1.0f, dout, N, inp, K, 1.0f,
                    dweight, K);
    if (dinp)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, K, N, 1.0f, dout, N, weight, K,
                    1.0f, dinp, K);
    if (dbias)
        for (int b = 0; b < B; b++)
            for (int n = 0; n < N; n++)
                dbias[n] += dout[(size_t)b * N + n];
}
