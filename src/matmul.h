/* Internal: the matrix product of the small layers, without BLAS, and a sum
 * of squares.
 *
 * cdrl's networks are narrow (4 to 64 units) and often run on a handful of
 * rows, where a BLAS call spends more time packing its operands than
 * multiplying them. This product keeps a block of outputs in registers and
 * sums each output over l in order. Where the processor has FMA (with AVX2
 * or AVX-512: every x86-64 made since 2013 that has AVX2) each term is one
 * fused multiply-add, and both variants give the same bits; on an SSE-only
 * processor it is a product then an add (ISO C mode does not contract), so
 * that machine's bits differ from an FMA machine's in the last places.
 * Either way a row's result does not depend on the batch size or on which
 * tile of the kernel computed it. */
#ifndef CDRL_MATMUL_H
#define CDRL_MATMUL_H

#include <stddef.h>

/* Whether this processor's products (all but cdrl_matmul_row_bias, whose
 * rule is the same) fuse each multiply and add: FMA with AVX2 or AVX-512. */
int cdrl_matmul_fuses(void);

/* c (M, N), row stride ldc: c += a b, where a is (M, L) with element (m, l) at
 * a[m * a_row + l * a_col] (so a transposed operand is just other strides) and
 * b is (L, N) with row stride ldb and contiguous rows. */
void cdrl_matmul_acc(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                     int ldb, int M, int L, int N);

/* c = bias + a b: the same with every row of c starting from bias (N)
 * instead of its old value (which is never read). */
void cdrl_matmul_bias(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                      int ldb, const float *bias, int M, int L, int N);

/* c = row_bias + a b: the same with row m of c starting from row_bias[m]
 * (M) in every column. Computes a layer feature-major (c = W x^T, one column
 * per input row), where a narrow layer's few outputs are rows and the many
 * input rows fill the vectors. Each output is still summed over l in order,
 * but on a processor with FMA (AVX2 or AVX-512) each product and add is one
 * fused multiply-add: other bits than the unfused product (and than an
 * SSE-only machine), the same in AVX2 and AVX-512, twice the arithmetic per
 * instruction. Only the planner's imagined step uses it, whose results
 * already differ across those variants through libmvec's tanh. */
void cdrl_matmul_row_bias(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                          int ldb, const float *row_bias, int M, int L, int N);

/* cdrl_matmul_row_bias, then tanh of every output (cdrl_vec_tanh's bits),
 * taken while a tile is still in registers where the variants agree. */
void cdrl_matmul_row_bias_tanh(float *c, int ldc, const float *a, int a_row, int a_col,
                               const float *b, int ldb, const float *row_bias, int M, int L, int N);

/* Whether a product of these sizes is small enough that cdrl_matmul_acc beats
 * a BLAS call (measured with cdrl bench nn; see docs/perf.md). */
int cdrl_matmul_is_small(int M, int L, int N);

/* dst (cols, rows) = src (rows, cols) transposed, with row strides ldd >= rows
 * and lds >= cols; dst and src do not overlap. */
void cdrl_transpose(float *dst, int ldd, const float *src, int lds, int rows, int cols);

/* sum (cols) += each row of x (rows, cols), row by row in order (a bias
 * gradient); sum and x do not overlap. */
void cdrl_add_rows(float *sum, const float *x, int rows, int cols);

/* sum of x[i]^2 in double, in eight partial sums combined in a fixed order
 * (the same in every variant), for gradient norms and weight decay. */
double cdrl_sum_squares(const float *x, size_t n);

#endif
