/* The fully connected layer: out = inp W^T + b, as a forward/backward pair.
 *
 * Flat row-major float arrays, shapes in the comments. Products of up to 4M
 * multiply-adds (the usual narrow layers) go through cdrl's own register-blocked
 * kernel, whose bits do not depend on B or on the vector width (fused
 * multiply-adds with AVX2 or AVX-512; an SSE-only processor, without FMA, rounds
 * each term twice); larger ones through cblas_sgemm (OpenBLAS). Backward
 * ACCUMULATES (+=) into every gradient it is given, so a weight used twice just
 * works; the caller zeroes gradients once per step (the _set variant below
 * overwrites dinp, for a scratch buffer). */
#ifndef CDRL_DENSE_H
#define CDRL_DENSE_H

/* inp (B,K), weight (N,K), bias (N) or NULL, out (B,N).
 * Writes out = inp weight^T + bias. */
void cdrl_dense_forward(float *out, const float *inp, const float *weight, const float *bias,
                        int B, int K, int N);

/* dout (B,N), inp (B,K) as given to forward, weight (N,K).
 * Accumulates dweight (N,K) += dout^T inp, dbias (N) += column sums of dout,
 * dinp (B,K) += dout weight. Any of dinp, dweight, dbias may be NULL to skip it. */
void cdrl_dense_backward(float *dinp, float *dweight, float *dbias, const float *dout,
                         const float *inp, const float *weight, int B, int K, int N);

/* The same, with dinp (B,K) overwritten (=) instead of accumulated: the bits
 * of zeroing dinp first, one pass fewer over it (for a caller's scratch
 * buffer). dweight and dbias still accumulate. */
void cdrl_dense_backward_set(float *dinp, float *dweight, float *dbias, const float *dout,
                             const float *inp, const float *weight, int B, int K, int N);

#endif
