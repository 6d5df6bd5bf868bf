/* Tests of the small-matrix kernels (src/matmul.c): each output bit for bit
 * the in-order sum the header promises (one fused multiply-add per term where
 * the processor has FMA, else a product then an add), and close to
 * cblas_sgemm, over shapes that reach every block and tail of the kernels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/rng.h"
#include "cdrl/vecmath.h"
#include "matmul.h"

/* Whether cdrl_matmul_row_bias fuses its multiply-adds on this processor. */
static int row_bias_fuses(void)
{
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
    return __builtin_cpu_supports("fma") &&
           (__builtin_cpu_supports("avx512f") || __builtin_cpu_supports("avx2"));
#else
    return 0;
#endif
}

static float *uniform(cdrl_rng *rng, int n)
{
    float *x = malloc(sizeof(float) * (size_t)n);
    for (int i = 0; i < n; i++)
        x[i] = 2.0f * cdrl_rng_uniform_f(rng) - 1.0f;
    return x;
}

/* The in-order sum of one output, as the header defines it. */
static float in_order(float start, const float *a, int a_step, const float *b, int b_step, int L,
                      int fused)
{
    float s = start;
    for (int l = 0; l < L; l++) {
        if (fused) {
            s = fmaf(a[(size_t)l * a_step], b[(size_t)l * b_step], s);
        } else {
            float p = a[(size_t)l * a_step] * b[(size_t)l * b_step];
            s += p;
        }
    }
    return s;
}

static const int Ms[] = {1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33};
static const int Ls[] = {1, 6, 32};
static const int Ns[] = {1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 48, 64, 100, 112};
#define COUNT(a) (int)(sizeof a / sizeof a[0])

/* c = bias + a b with a row-major and transposed, against the in-order sum
 * (exactly, fused where this processor fuses). */
static void check_bias_and_acc(cdrl_rng *rng, int M, int L, int N)
{
    /* the training products fuse by the same rule, asked independently */
    assert_int_equal(cdrl_matmul_fuses(), row_bias_fuses());
    int fused = cdrl_matmul_fuses(), ldc = N + 3, ldb = N + 1;
    float *a = uniform(rng, M * L), *b = uniform(rng, L * ldb);
    float *bias = uniform(rng, N), *c = uniform(rng, M * ldc);
    float *c0 = malloc(sizeof(float) * (size_t)M * ldc);
    memcpy(c0, c, sizeof(float) * (size_t)M * ldc);
    for (int transposed = 0; transposed < 2; transposed++) {
        int a_row = transposed ? 1 : L, a_col = transposed ? M : 1;
        cdrl_matmul_bias(c, ldc, a, a_row, a_col, b, ldb, bias, M, L, N);
        for (int m = 0; m < M; m++)
            for (int n = 0; n < N; n++) {
                float want = in_order(bias[n], a + (size_t)m * a_row, a_col, b + n, ldb, L, fused);
                assert_memory_equal(&c[(size_t)m * ldc + n], &want, sizeof want);
            }
        memcpy(c, c0, sizeof(float) * (size_t)M * ldc);
        cdrl_matmul_acc(c, ldc, a, a_row, a_col, b, ldb, M, L, N);
        for (int m = 0; m < M; m++) {
            for (int n = 0; n < N; n++) {
                float want = in_order(c0[(size_t)m * ldc + n], a + (size_t)m * a_row, a_col, b + n,
                                      ldb, L, fused);
                assert_memory_equal(&c[(size_t)m * ldc + n], &want, sizeof want);
            }
            /* the padding between rows is never written */
            for (int n = N; n < ldc && m + 1 < M; n++)
                assert_memory_equal(&c[(size_t)m * ldc + n], &c0[(size_t)m * ldc + n], sizeof(float));
        }
        memcpy(c, c0, sizeof(float) * (size_t)M * ldc);
    }
    free(a), free(b), free(bias), free(c), free(c0);
}

/* Shapes that reach every tile and tail of the kernel, and the layers'
 * own: a batch of 1024 through 64 units, a sum longer than the narrow
 * columns' block of b (512 terms). */
static void test_bias_and_acc_exact(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 3, 0);
    for (int i = 0; i < COUNT(Ms); i++)
        for (int j = 0; j < COUNT(Ls); j++)
            for (int k = 0; k < COUNT(Ns); k++)
                check_bias_and_acc(&rng, Ms[i], Ls[j], Ns[k]);
    static const int layers[][3] = {{1024, 4, 64}, {1024, 64, 64}, {1024, 64, 2}, {64, 1024, 64},
                                    {64, 1024, 4}, {2, 1024, 64}, {4, 1200, 3}, {33, 513, 5}};
    for (int i = 0; i < COUNT(layers); i++)
        check_bias_and_acc(&rng, layers[i][0], layers[i][1], layers[i][2]);
}

/* The feature-major product: c = row_bias + a b, the same sums fused where
 * this processor fuses them, and within float rounding of cblas. */
static void test_row_bias(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 4, 0);
    int fused = row_bias_fuses();
    for (int i = 0; i < COUNT(Ms); i++)
        for (int j = 0; j < COUNT(Ls); j++)
            for (int k = 0; k < COUNT(Ns); k++) {
                int M = Ms[i], L = Ls[j], N = Ns[k], ldc = N + 2, ldb = N + 5;
                /* a stored as the dynamics model stores its kernels: (L, M), a_row 1, a_col M */
                float *a = uniform(&rng, M * L), *b = uniform(&rng, L * ldb);
                float *row_bias = uniform(&rng, M), *c = calloc((size_t)M * ldc, sizeof(float));
                float *blas = malloc(sizeof(float) * (size_t)M * ldc);
                cdrl_matmul_row_bias(c, ldc, a, 1, M, b, ldb, row_bias, M, L, N);
                for (int m = 0; m < M; m++)
                    for (int n = 0; n < ldc; n++)
                        blas[(size_t)m * ldc + n] = n < N ? row_bias[m] : 0.0f;
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, N, L, 1.0f, a, M, b, ldb,
                            1.0f, blas, ldc);
                for (int m = 0; m < M; m++) {
                    for (int n = 0; n < N; n++) {
                        float got = c[(size_t)m * ldc + n];
                        float want = in_order(row_bias[m], a + m, M, b + n, ldb, L, fused);
                        assert_memory_equal(&got, &want, sizeof want);
                        double scale = 1.0 + L; /* |terms| <= 1 */
                        assert_true(fabs((double)got - blas[(size_t)m * ldc + n]) <= 4 * scale * 0x1p-24);
                    }
                    for (int n = N; n < ldc; n++)
                        assert_true(c[(size_t)m * ldc + n] == 0.0f);
                }
                free(a), free(b), free(row_bias), free(c), free(blas);
            }
}

/* The fused product is still exactly in order: a column's value does not
 * depend on how many columns are computed with it (the dynamics model
 * rounds its column count up to whole vectors). */
static void test_row_bias_independent_of_width(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 5, 0);
    enum { M = 32, L = 32, W = 128 };
    float *a = uniform(&rng, M * L), *b = uniform(&rng, L * W), *rb = uniform(&rng, M);
    float *wide = malloc(sizeof(float) * M * W), *narrow = malloc(sizeof(float) * M * W);
    cdrl_matmul_row_bias(wide, W, a, 1, M, b, W, rb, M, L, W);
    for (int N = 1; N <= W; N += 7) {
        cdrl_matmul_row_bias(narrow, W, a, 1, M, b, W, rb, M, L, N);
        for (int m = 0; m < M; m++)
            assert_memory_equal(narrow + (size_t)m * W, wide + (size_t)m * W, sizeof(float) * (size_t)N);
    }
    free(a), free(b), free(rb), free(wide), free(narrow);
}

/* The transpose over shapes with and without whole 4 x 4 blocks, packed
 * and with padded rows (never written). */
static void test_transpose(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 6, 0);
    for (int pad = 0; pad <= 3; pad += 3)
        for (int rows = 1; rows <= 13; rows++)
            for (int cols = 1; cols <= 13; cols++) {
                int lds = cols + pad, ldd = rows + pad, n = cols * ldd;
                float *src = uniform(&rng, rows * lds), *dst = uniform(&rng, n);
                float *before = malloc(sizeof(float) * (size_t)n);
                memcpy(before, dst, sizeof(float) * (size_t)n);
                cdrl_transpose(dst, ldd, src, lds, rows, cols);
                for (int c = 0; c < cols; c++)
                    for (int i = 0; i < ldd; i++) {
                        const float *want = i < rows ? &src[(size_t)i * lds + c] : &before[(size_t)c * ldd + i];
                        assert_memory_equal(&dst[(size_t)c * ldd + i], want, sizeof(float));
                    }
                free(src), free(dst), free(before);
            }
}

/* Row sums accumulate each column in row order: the scalar loop's bits. */
static void test_add_rows(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 7, 0);
    for (int rows = 1; rows <= 40; rows += 13)
        for (int cols = 1; cols <= 70; cols += 3) {
            float *x = uniform(&rng, rows * cols), *sum = uniform(&rng, cols);
            float *want = malloc(sizeof(float) * (size_t)cols);
            memcpy(want, sum, sizeof(float) * (size_t)cols);
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    want[c] += x[(size_t)r * cols + c];
            cdrl_add_rows(sum, x, rows, cols);
            assert_memory_equal(sum, want, sizeof(float) * (size_t)cols);
            free(x), free(sum), free(want);
        }
}

/* The product ending in tanh: cdrl_matmul_row_bias then cdrl_vec_tanh, bit
 * for bit, with every vector variant this processor runs. */
static void test_row_bias_tanh(void **state)
{
    (void)state;
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 8, 0);
    for (int isa = CDRL_VEC_AUTO; isa <= CDRL_VEC_AVX512; isa++) {
        if (cdrl_vec_select((cdrl_vec_isa)isa))
            continue;
        for (int i = 0; i < COUNT(Ms); i++)
            for (int k = 0; k < COUNT(Ns); k++) {
                int M = Ms[i], L = 32, N = Ns[k], ld = N + 4;
                float *a = uniform(&rng, M * L), *b = uniform(&rng, L * ld), *rb = uniform(&rng, M);
                float *got = calloc((size_t)M * ld, sizeof(float)), *want = calloc((size_t)M * ld, sizeof(float));
                for (int j = 0; j < L * ld; j++)
                    b[j] *= 3.0f; /* sums well into tanh's saturation */
                cdrl_matmul_row_bias_tanh(got, ld, a, 1, M, b, ld, rb, M, L, N);
                cdrl_matmul_row_bias(want, ld, a, 1, M, b, ld, rb, M, L, N);
                for (int m = 0; m < M; m++)
                    cdrl_vec_tanh(want + (size_t)m * ld, want + (size_t)m * ld, N);
                assert_memory_equal(got, want, sizeof(float) * (size_t)M * ld);
                free(a), free(b), free(rb), free(got), free(want);
            }
    }
    cdrl_vec_select(CDRL_VEC_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bias_and_acc_exact),
        cmocka_unit_test(test_row_bias),
        cmocka_unit_test(test_row_bias_independent_of_width),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_add_rows),
        cmocka_unit_test(test_row_bias_tanh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
