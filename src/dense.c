/* The fully connected layer. Small products (the usual narrow layers) go
 * through cdrl_matmul_acc, large ones through one cblas_sgemm each; the bias
 * and its gradient are the only other loops. Which way a product goes
 * depends only on its sizes, so the same shapes always give the same bits. */
#include "cdrl/dense.h"

#include <cblas.h>
#include <string.h>

#include "matmul.h"

/* The forward product wants the kernel transposed; up to this size the copy
 * lives on the stack. */
#define MAX_SMALL_KERNEL 8192

void cdrl_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int B, int K, int N)
{
    // inp (B,K), weight (N,K), bias (N), out (B,N)
    if (cdrl_matmul_is_small(B, K, N) && K * N <= MAX_SMALL_KERNEL) {
        float wt[MAX_SMALL_KERNEL]; /* (K,N) */
        cdrl_transpose(wt, N, weight, K, N, K);
        if (bias) {
            cdrl_matmul_bias(out, N, inp, K, 1, wt, N, bias, B, K, N);
        } else {
            memset(out, 0, sizeof(float) * (size_t)B * N);
            cdrl_matmul_acc(out, N, inp, K, 1, wt, N, B, K, N);
        }
        return;
    }
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

/* The bias a product starts from when it overwrites: a chain from +0, as
 * after zeroing. */
static const float zeros[MAX_SMALL_KERNEL];

static void dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                           const float *inp, const float *weight, int B, int K, int N,
                           int accumulate)
{
    // dout (B,N), inp (B,K), weight (N,K); dinp (B,K), dweight (N,K), dbias (N)
    int small = cdrl_matmul_is_small(B, K, N);
    if (dweight && small) /* dweight (N,K) += dout^T inp: dout read down its columns */
        cdrl_matmul_acc(dweight, K, dout, 1, N, inp, K, N, B, K);
    else if (dweight)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, B, 1.0f, dout, N, inp, K, 1.0f,
                    dweight, K);
    if (dinp && small && !accumulate && K <= MAX_SMALL_KERNEL) {
        cdrl_matmul_bias(dinp, K, dout, N, 1, weight, K, zeros, B, N, K);
    } else if (dinp) {
        if (!accumulate)
            memset(dinp, 0, sizeof(float) * (size_t)B * K);
        if (small) /* dinp (B,K) += dout weight */
            cdrl_matmul_acc(dinp, K, dout, N, 1, weight, K, B, N, K);
        else
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, K, N, 1.0f, dout, N, weight,
                        K, 1.0f, dinp, K);
    }
    if (dbias)
        cdrl_add_rows(dbias, dout, B, N);
}

void cdrl_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int B, int K, int N)
{
    dense_backward(dinp, dweight, dbias, dout, inp, weight, B, K, N, 1);
}

void cdrl_dense_backward_set(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, int B, int K, int N)
{
    dense_backward(dinp, dweight, dbias, dout, inp, weight, B, K, N, 0);
}
