/* The register-blocked product of small matrices (see matmul.h). */
#include "matmul.h"

#include <string.h>

#include "cdrl/vecmath.h"
#include "simd.h"

/* Above this many multiply-adds a BLAS kernel's cache blocking wins. */
#define SMALL_PRODUCT (1L << 22)

int cdrl_matmul_is_small(int M, int L, int N)
{
    return (long)M * L * N <= SMALL_PRODUCT;
}

/* GCC vector types: the compiler splits them into whatever the target has,
 * lane by lane, so the arithmetic per output is the same in every variant. */
typedef float v16f __attribute__((vector_size(64)));
typedef float v4f __attribute__((vector_size(16)));

/* Four rows of a block of `vec` columns starting at column n0: the sums stay
 * in registers over all of l. Rows past M repeat row m (never stored). */
#define MATMUL_BLOCK(vec, m_start)                                                             \
    for (; n0 + (int)(sizeof(vec) / sizeof(float)) <= N; n0 += sizeof(vec) / sizeof(float))  \
        for (int m = m_start; m < M; m += 4) {                                                       \
            const float *a0 = a + (size_t)m * a_row;                                           \
            const float *a1 = a + (size_t)(m + 1 < M ? m + 1 : m) * a_row;                     \
            const float *a2 = a + (size_t)(m + 2 < M ? m + 2 : m) * a_row;                     \
            const float *a3 = a + (size_t)(m + 3 < M ? m + 3 : m) * a_row;                     \
            vec s[4], w;                                                                       \
            for (int r = 0; r < 4; r++) {                                                      \
                int row = m + r < M ? m + r : m;                                               \
                if (row_bias)                                                                  \
                    for (int j = 0; j < (int)(sizeof(vec) / sizeof(float)); j++)               \
                        s[r][j] = row_bias[row];                                               \
                else                                                                           \
                    memcpy(&s[r], bias ? bias + n0 : c + (size_t)row * ldc + n0, sizeof(vec)); \
            }                                                                                  \
            vec s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];                                    \
            for (int l = 0; l < L; l++) {                                                      \
                memcpy(&w, b + (size_t)l * ldb + n0, sizeof(vec));                             \
                size_t at = (size_t)l * a_col;                                                 \
                s0 += a0[at] * w;                                                              \
                s1 += a1[at] * w;                                                              \
                s2 += a2[at] * w;                                                              \
                s3 += a3[at] * w;                                                              \
            }                                                                                  \
            s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3;                                        \
            for (int r = 0; r < 4 && m + r < M; r++)                                           \
                memcpy(c + (size_t)(m + r) * ldc + n0, &s[r], sizeof(vec));                    \
        }

/* Four rows of two blocks of 16 columns, n0 and n0 + 16: each broadcast of
 * an element of a serves two vectors of b, which keeps the loads (not the
 * arithmetic) from being the limit. */
#define MATMUL_BLOCK32                                                                         \
    for (; n0 + 32 <= N; n0 += 32)                                                             \
        for (int m = m_from; m < M; m += 4) {                                                  \
            const float *ar[4];                                                                \
            v16f s[8], w, u;                                                                   \
            for (int r = 0; r < 4; r++) {                                                      \
                int row = m + r < M ? m + r : m;                                               \
                ar[r] = a + (size_t)row * a_row;                                               \
                const float *from = bias ? bias + n0 : c + (size_t)row * ldc + n0;             \
                if (row_bias) {                                                                \
                    for (int j = 0; j < 16; j++)                                               \
                        s[2 * r][j] = row_bias[row];                                           \
                    s[2 * r + 1] = s[2 * r];                                                   \
                } else {                                                                       \
                    memcpy(&s[2 * r], from, sizeof(v16f));                                     \
                    memcpy(&s[2 * r + 1], from + 16, sizeof(v16f));                            \
                }                                                                              \
            }                                                                                  \
            v16f s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3], s4 = s[4], s5 = s[5], s6 = s[6],  \
                 s7 = s[7];                                                                    \
            const float *a0 = ar[0], *a1 = ar[1], *a2 = ar[2], *a3 = ar[3];                    \
            for (int l = 0; l < L; l++) {                                                      \
                memcpy(&w, b + (size_t)l * ldb + n0, sizeof(v16f));                            \
                memcpy(&u, b + (size_t)l * ldb + n0 + 16, sizeof(v16f));                       \
                size_t at = (size_t)l * a_col;                                                 \
                float x0 = a0[at], x1 = a1[at], x2 = a2[at], x3 = a3[at];                      \
                s0 += x0 * w;                                                                  \
                s1 += x0 * u;                                                                  \
                s2 += x1 * w;                                                                  \
                s3 += x1 * u;                                                                  \
                s4 += x2 * w;                                                                  \
                s5 += x2 * u;                                                                  \
                s6 += x3 * w;                                                                  \
                s7 += x3 * u;                                                                  \
            }                                                                                  \
            s[0] = s0, s[1] = s1, s[2] = s2, s[3] = s3, s[4] = s4, s[5] = s5, s[6] = s6;       \
            s[7] = s7;                                                                         \
            for (int r = 0; r < 4 && m + r < M; r++) {                                         \
                memcpy(c + (size_t)(m + r) * ldc + n0, &s[2 * r], sizeof(v16f));               \
                memcpy(c + (size_t)(m + r) * ldc + n0 + 16, &s[2 * r + 1], sizeof(v16f));      \
            }                                                                                  \
        }

/* Eight rows of two blocks of 16 columns, for fused multiply-adds: sixteen
 * sums in flight hide the latency of each (four rows' eight only just do).
 * Covers rows [0, M / 8 * 8) of the 32-column blocks and leaves the rest
 * of those rows to MATMUL_BLOCK32 (from m_from). Needs 32 vector registers. */
#define ROW8_INIT(r, halves)                                                                   \
    do {                                                                                       \
        const float *from = bias ? bias + n8 : c + (size_t)(m + r) * ldc + n8;                 \
        for (int h = 0; h < halves; h++)                                                       \
            if (row_bias)                                                                      \
                for (int j = 0; j < 16; j++)                                                   \
                    t[2 * r + h][j] = row_bias[m + r];                                         \
            else                                                                               \
                memcpy(&t[2 * r + h], from + 16 * h, sizeof(v16f));                            \
    } while (0)
#define ROW8_STEP(r, lo, hi)                                                                   \
    do {                                                                                       \
        float x = a[(size_t)(m + r) * a_row + at];                                             \
        lo += x * w;                                                                           \
        hi += x * u;                                                                           \
    } while (0)
#define MATMUL_ROWS8_32                                                                        \
    for (int n8 = 0; n8 + 32 <= N; n8 += 32)                                                   \
        for (int m = 0; m + 8 <= M; m += 8) {                                                  \
            v16f t[16], w, u;                                                                  \
            for (int r = 0; r < 8; r++)                                                        \
                ROW8_INIT(r, 2);                                                                \
            v16f s0 = t[0], s1 = t[1], s2 = t[2], s3 = t[3], s4 = t[4], s5 = t[5], s6 = t[6],  \
                 s7 = t[7], s8 = t[8], s9 = t[9], s10 = t[10], s11 = t[11], s12 = t[12],       \
                 s13 = t[13], s14 = t[14], s15 = t[15];                                        \
            for (int l = 0; l < L; l++) {                                                      \
                memcpy(&w, b + (size_t)l * ldb + n8, sizeof(v16f));                            \
                memcpy(&u, b + (size_t)l * ldb + n8 + 16, sizeof(v16f));                       \
                size_t at = (size_t)l * a_col;                                                 \
                ROW8_STEP(0, s0, s1);                                                          \
                ROW8_STEP(1, s2, s3);                                                          \
                ROW8_STEP(2, s4, s5);                                                          \
                ROW8_STEP(3, s6, s7);                                                          \
                ROW8_STEP(4, s8, s9);                                                          \
                ROW8_STEP(5, s10, s11);                                                        \
                ROW8_STEP(6, s12, s13);                                                        \
                ROW8_STEP(7, s14, s15);                                                        \
            }                                                                                  \
            t[0] = s0, t[1] = s1, t[2] = s2, t[3] = s3, t[4] = s4, t[5] = s5, t[6] = s6;       \
            t[7] = s7, t[8] = s8, t[9] = s9, t[10] = s10, t[11] = s11, t[12] = s12;            \
            t[13] = s13, t[14] = s14, t[15] = s15;                                             \
            for (int j = 0; j < 16 && tanh_out; j++)                                           \
                t[j] = TILE_TANH(t[j]);                                                        \
            for (int r = 0; r < 8; r++) {                                                      \
                memcpy(c + (size_t)(m + r) * ldc + n8, &t[2 * r], sizeof(v16f));               \
                memcpy(c + (size_t)(m + r) * ldc + n8 + 16, &t[2 * r + 1], sizeof(v16f));      \
            }                                                                                  \
        }                                                                                      \
    for (int n8 = N / 32 * 32; n8 + 16 <= N; n8 += 16)                                         \
        for (int m = 0; m + 8 <= M; m += 8) {                                                  \
            v16f t[16], w;                                                                     \
            for (int r = 0; r < 8; r++)                                                        \
                ROW8_INIT(r, 1);                                                               \
            v16f s0 = t[0], s2 = t[2], s4 = t[4], s6 = t[6], s8 = t[8], s10 = t[10],           \
                 s12 = t[12], s14 = t[14];                                                     \
            for (int l = 0; l < L; l++) {                                                      \
                memcpy(&w, b + (size_t)l * ldb + n8, sizeof(v16f));                            \
                size_t at = (size_t)l * a_col;                                                 \
                s0 += a[(size_t)m * a_row + at] * w;                                           \
                s2 += a[(size_t)(m + 1) * a_row + at] * w;                                     \
                s4 += a[(size_t)(m + 2) * a_row + at] * w;                                     \
                s6 += a[(size_t)(m + 3) * a_row + at] * w;                                     \
                s8 += a[(size_t)(m + 4) * a_row + at] * w;                                     \
                s10 += a[(size_t)(m + 5) * a_row + at] * w;                                    \
                s12 += a[(size_t)(m + 6) * a_row + at] * w;                                    \
                s14 += a[(size_t)(m + 7) * a_row + at] * w;                                    \
            }                                                                                  \
            t[0] = s0, t[2] = s2, t[4] = s4, t[6] = s6, t[8] = s8, t[10] = s10, t[12] = s12;   \
            t[14] = s14;                                                                       \
            for (int j = 0; j < 16 && tanh_out; j += 2)                                        \
                t[j] = TILE_TANH(t[j]);                                                        \
            for (int r = 0; r < 8; r++)                                                        \
                memcpy(c + (size_t)(m + r) * ldc + n8, &t[2 * r], sizeof(v16f));               \
        }                                                                                      \
    m_from = M / 8 * 8;

/* A last column, narrower than a vector, eight rows at a time: eight
 * independent sums, where one row at a time waits on each add. */
#define MATMUL_COLUMN_ROWS8                                                                    \
    for (; m + 8 <= M; m += 8) {                                                               \
        float t[8];                                                                            \
        for (int r = 0; r < 8; r++)                                                            \
            t[r] = row_bias ? row_bias[m + r] : bias ? bias[n0] : c[(size_t)(m + r) * ldc + n0]; \
        float t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6],     \
              t7 = t[7];                                                                       \
        const float *a0 = a + (size_t)m * a_row;                                               \
        for (int l = 0; l < L; l++) {                                                          \
            float w = b[(size_t)l * ldb + n0];                                                 \
            const float *al = a0 + (size_t)l * a_col;                                          \
            t0 += al[0] * w;                                                                   \
            t1 += al[(size_t)a_row] * w;                                                       \
            t2 += al[2 * (size_t)a_row] * w;                                                   \
            t3 += al[3 * (size_t)a_row] * w;                                                   \
            t4 += al[4 * (size_t)a_row] * w;                                                   \
            t5 += al[5 * (size_t)a_row] * w;                                                   \
            t6 += al[6 * (size_t)a_row] * w;                                                   \
            t7 += al[7 * (size_t)a_row] * w;                                                   \
        }                                                                                      \
        t[0] = t0, t[1] = t1, t[2] = t2, t[3] = t3, t[4] = t4, t[5] = t5, t[6] = t6, t[7] = t7; \
        for (int r = 0; r < 8; r++)                                                            \
            c[(size_t)(m + r) * ldc + n0] = t[r];                                              \
    }

#define MATMUL_PARAMS                                                                          \
    (float *restrict c, int ldc, const float *restrict a, int a_row, int a_col,                \
     const float *restrict b, int ldb, const float *restrict bias,                             \
     const float *restrict row_bias, int tanh_out, int M, int L, int N)

#define MATMUL_BODY(ROWS8)                                                                     \
    {                                                                                          \
        int n0 = 0, m_from = 0;                                                                \
        (void)tanh_out;                                                                        \
        ROWS8                                                                                  \
        MATMUL_BLOCK32                                                                         \
        MATMUL_BLOCK(v16f, m_from)                                                             \
        MATMUL_BLOCK(v4f, 0)                                                                   \
        for (; n0 < N; n0++) {                                                                 \
            int m = 0;                                                                         \
            MATMUL_COLUMN_ROWS8                                                                \
            for (; m < M; m++) {                                                               \
                float s = row_bias ? row_bias[m] : bias ? bias[n0] : c[(size_t)m * ldc + n0];  \
                for (int l = 0; l < L; l++)                                                    \
                    s += a[(size_t)m * a_row + (size_t)l * a_col] * b[(size_t)l * ldb + n0];   \
                c[(size_t)m * ldc + n0] = s;                                                   \
            }                                                                                  \
        }                                                                                      \
    }

CDRL_MULTIVERSION(static void, matmul, MATMUL_PARAMS, MATMUL_BODY(/* none */))

#if CDRL_HAVE_AVX
/* The same sums with each product and add fused into one rounding: the same
 * bits from AVX2 and AVX-512 (every processor with either has FMA), other bits
 * than the unfused variants. */
#if defined(__clang__)
/* clang (the fuzz build) has no optimize attribute; it contracts a * b + c
 * within an expression by default, so its fused variants may round other
 * bits than gcc's. Only the gcc build's bits are pinned. */
#define CDRL_FUSED
#define CDRL_NOPLT
#else
#define CDRL_FUSED __attribute__((optimize("tree-vectorize", "fp-contract=fast")))
#define CDRL_NOPLT , noplt
#endif
/* libmvec's AVX-512 tanh (see vecmath.c), for the tiles that end in tanh:
 * the same function cdrl_vec_tanh's AVX-512 variant calls, so the same bits. */
__attribute__((target("avx512f") CDRL_NOPLT)) v16f _ZGVeN16v_tanhf(v16f);
#define TILE_TANH(v) _ZGVeN16v_tanhf(v)
CDRL_FUSED __attribute__((target("avx2,fma"))) static void matmul_fused_avx2 MATMUL_PARAMS MATMUL_BODY()
CDRL_FUSED __attribute__((target("avx512f,fma"))) static void matmul_fused_avx512 MATMUL_PARAMS
    MATMUL_BODY(MATMUL_ROWS8_32)
#endif

/* ==== The training products, fused ====
 *
 * The layers' forward and backward products (cdrl_matmul_acc, _bias): each
 * output is one fused multiply-add per term, in order of l, starting from its
 * old value or the bias, whichever tile computes it, so a row's result does
 * not depend on the batch size or on the variant (AVX2 or AVX-512).
 * Tiles of R rows x V vectors of 16 columns keep R * V = 16 sums in flight,
 * enough to hide each FMA's latency on one 512-bit FMA unit. */
#if CDRL_HAVE_AVX
#define TRAIN_TILE(R, V)                                                                       \
    do {                                                                                       \
        v16f s[R][V];                                                                          \
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)                                   \
            _Pragma("GCC unroll 16") for (int v = 0; v < V; v++)                               \
                memcpy(&s[r][v], bias ? bias + n + 16 * v : c + (size_t)(m + r) * ldc + n + 16 * v, \
                       sizeof(v16f));                                                          \
        const float *am = a + (size_t)m * a_row;                                               \
        for (int l = 0; l < L; l++) {                                                          \
            v16f w[V];                                                                         \
            _Pragma("GCC unroll 16") for (int v = 0; v < V; v++)                               \
                memcpy(&w[v], b + (size_t)l * ldb + n + 16 * v, sizeof(v16f));                 \
            const float *al = am + (size_t)l * a_col;                                          \
            _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {                             \
                float x = al[(size_t)r * a_row];                                               \
                _Pragma("GCC unroll 16") for (int v = 0; v < V; v++)                           \
                    s[r][v] += x * w[v];                                                       \
            }                                                                                  \
        }                                                                                      \
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)                                   \
            _Pragma("GCC unroll 16") for (int v = 0; v < V; v++)                               \
                memcpy(c + (size_t)(m + r) * ldc + n + 16 * v, &s[r][v], sizeof(v16f));        \
    } while (0)

/* Rows [0, M) of the columns [n, n + 16 V): tiles of R rows, then the rest
 * of the rows two and one at a time. */
#define TRAIN_COLUMNS(R, V)                                                                    \
    do {                                                                                       \
        int m = 0;                                                                             \
        for (; m + R <= M; m += R)                                                             \
            TRAIN_TILE(R, V);                                                                  \
        for (; m + 2 <= M; m += 2)                                                             \
            TRAIN_TILE(2, V);                                                                  \
        for (; m < M; m++)                                                                     \
            TRAIN_TILE(1, V);                                                                  \
    } while (0)

/* The last N % 16 columns, the whole width of one vector: b's columns copied
 * into a 16-wide block first (zeros beyond them), the sums stored back only
 * where they are columns of c. */
#define NARROW_MAX_L 512
#define TRAIN_NARROW_TILE(R)                                                                   \
    do {                                                                                       \
        v16f s[R];                                                                             \
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++) {                                 \
            s[r] = zero;                                                                       \
            memcpy(&s[r], bias ? bias + n : c + (size_t)(m + r) * ldc + n, sizeof(float) * width); \
        }                                                                                      \
        const float *am = a + (size_t)m * a_row;                                               \
        for (int l = 0; l < L; l++) {                                                          \
            v16f w = narrow_b[l];                                                              \
            const float *al = am + (size_t)l * a_col;                                          \
            _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)                               \
                s[r] += al[(size_t)r * a_row] * w;                                             \
        }                                                                                      \
        _Pragma("GCC unroll 16") for (int r = 0; r < R; r++)                                   \
            memcpy(c + (size_t)(m + r) * ldc + n, &s[r], sizeof(float) * width);               \
    } while (0)

#define TRAIN_BODY                                                                             \
    {                                                                                          \
        int n = 0;                                                                             \
        for (; n + 64 <= N; n += 64)                                                           \
            TRAIN_COLUMNS(4, 4);                                                               \
        for (; n + 32 <= N; n += 32)                                                           \
            TRAIN_COLUMNS(8, 2);                                                               \
        for (; n + 16 <= N; n += 16)                                                           \
            TRAIN_COLUMNS(16, 1);                                                              \
        int width = N - n;                                                                     \
        for (int l0 = 0; width > 0 && l0 < L; l0 += NARROW_MAX_L) {                            \
            /* long sums in pieces: each piece continues from the last one's sums */          \
            v16f narrow_b[NARROW_MAX_L], zero = {0};                                           \
            int piece = L - l0 < NARROW_MAX_L ? L - l0 : NARROW_MAX_L;                         \
            for (int l = 0; l < piece; l++) {                                                  \
                narrow_b[l] = zero;                                                            \
                memcpy(&narrow_b[l], b + (size_t)(l0 + l) * ldb + n, sizeof(float) * width);   \
            }                                                                                  \
            const float *a_all = a;                                                            \
            a = a_all + (size_t)l0 * a_col;                                                    \
            int L_all = L;                                                                     \
            L = piece;                                                                         \
            int m = 0;                                                                         \
            for (; m + 16 <= M; m += 16)                                                       \
                TRAIN_NARROW_TILE(16);                                                         \
            for (; m < M; m++)                                                                 \
                TRAIN_NARROW_TILE(1);                                                          \
            a = a_all, L = L_all;                                                              \
            bias = NULL; /* the next piece continues from c */                                 \
        }                                                                                      \
    }

#define TRAIN_PARAMS                                                                           \
    (float *restrict c, int ldc, const float *restrict a, int a_row, int a_col,                \
     const float *restrict b, int ldb, const float *restrict bias, int M, int L, int N)

CDRL_FUSED __attribute__((target("avx2,fma"))) static void train_fused_avx2 TRAIN_PARAMS TRAIN_BODY
CDRL_FUSED __attribute__((target("avx512f,fma"))) static void train_fused_avx512 TRAIN_PARAMS
    TRAIN_BODY
#endif

/* A product this narrow (N < 16 columns) and this tall is computed
 * transposed, when a is stored transposed (a_row 1) as in the first layer's
 * weight gradient, 64 x 4 summed over the batch. */
#define TRANSPOSED_MIN_ROWS 16
#define TRANSPOSED_MAX 4096

static void train_kernel(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                         int ldb, const float *bias, int M, int L, int N)
{
#if CDRL_HAVE_AVX
    if (CDRL_CPU_HAS("fma") && CDRL_CPU_HAS("avx512f"))
        return train_fused_avx512(c, ldc, a, a_row, a_col, b, ldb, bias, M, L, N);
    if (CDRL_CPU_HAS("fma") && CDRL_CPU_HAS("avx2"))
        return train_fused_avx2(c, ldc, a, a_row, a_col, b, ldb, bias, M, L, N);
#endif
    CDRL_PICK(matmul)(c, ldc, a, a_row, a_col, b, ldb, bias, NULL, 0, M, L, N);
}

/* The training product: fused where the processor has FMA, else the unfused
 * kernel. A narrow, tall product with a stored transposed runs as c^T = b^T
 * a^T, so the rows fill the vectors: the same terms in the same order
 * (a multiply-add's two factors commute exactly), so the same bits. */
static void train_product(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                          int ldb, const float *bias, int M, int L, int N)
{
    if (N >= 16 || a_row != 1 || M < TRANSPOSED_MIN_ROWS || (long)M * N > TRANSPOSED_MAX)
        return train_kernel(c, ldc, a, a_row, a_col, b, ldb, bias, M, L, N);
    float ct[TRANSPOSED_MAX]; /* (N, M) */
    if (bias)
        for (int n = 0; n < N; n++)
            for (int m = 0; m < M; m++)
                ct[(size_t)n * M + m] = bias[n];
    else
        cdrl_transpose(ct, M, c, ldc, M, N);
    train_kernel(ct, M, b, 1, ldb, a, a_col, NULL, N, L, M);
    cdrl_transpose(c, ldc, ct, M, N, M);
}

int cdrl_matmul_fuses(void)
{
#if CDRL_HAVE_AVX
    return CDRL_CPU_HAS("fma") && (CDRL_CPU_HAS("avx512f") || CDRL_CPU_HAS("avx2"));
#else
    return 0;
#endif
}

void cdrl_matmul_acc(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                     int ldb, int M, int L, int N)
{
    train_product(c, ldc, a, a_row, a_col, b, ldb, NULL, M, L, N);
}

void cdrl_matmul_bias(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                      int ldb, const float *bias, int M, int L, int N)
{
    train_product(c, ldc, a, a_row, a_col, b, ldb, bias, M, L, N);
}

void cdrl_matmul_row_bias(float *c, int ldc, const float *a, int a_row, int a_col, const float *b,
                          int ldb, const float *row_bias, int M, int L, int N)
{
#if CDRL_HAVE_AVX
    if (CDRL_CPU_HAS("fma") && CDRL_CPU_HAS("avx512f"))
        return matmul_fused_avx512(c, ldc, a, a_row, a_col, b, ldb, NULL, row_bias, 0, M, L, N);
    if (CDRL_CPU_HAS("fma") && CDRL_CPU_HAS("avx2"))
        return matmul_fused_avx2(c, ldc, a, a_row, a_col, b, ldb, NULL, row_bias, 0, M, L, N);
#endif
    CDRL_PICK(matmul)(c, ldc, a, a_row, a_col, b, ldb, NULL, row_bias, 0, M, L, N);
}

void cdrl_matmul_row_bias_tanh(float *c, int ldc, const float *a, int a_row, int a_col,
                               const float *b, int ldb, const float *row_bias, int M, int L, int N)
{
    int rows_done = 0, cols_done = 0;
#if CDRL_HAVE_AVX
    /* The 8-row tiles take their tanh in registers where cdrl_vec_tanh would
     * take the same AVX-512 one; the rest of c takes it below. */
    if (CDRL_CPU_HAS("fma") && CDRL_CPU_HAS("avx512f") && cdrl_vec_current() == CDRL_VEC_AVX512) {
        matmul_fused_avx512(c, ldc, a, a_row, a_col, b, ldb, NULL, row_bias, 1, M, L, N);
        rows_done = M / 8 * 8, cols_done = N / 16 * 16;
    } else
#endif
        cdrl_matmul_row_bias(c, ldc, a, a_row, a_col, b, ldb, row_bias, M, L, N);
    for (int m = 0; m < M; m++) {
        int from = m < rows_done ? cols_done : 0;
        if (from < N)
            cdrl_vec_tanh(c + (size_t)m * ldc + from, c + (size_t)m * ldc + from, N - from);
    }
}

/* dst (cols, rows) = src (rows, cols) transposed, row strides ldd and lds,
 * in 4 x 4 blocks of shuffles (a copy: the same bits whichever variant runs). */
CDRL_MULTIVERSION(static void, transpose, (float *restrict dst, int ldd, const float *restrict src,
                                           int lds, int rows, int cols), {
    int r = 0;
    for (; r + 4 <= rows; r += 4) {
        int c = 0;
        for (; c + 4 <= cols; c += 4) {
            v4f x0, x1, x2, x3;
            memcpy(&x0, src + (size_t)r * lds + c, sizeof x0);
            memcpy(&x1, src + (size_t)(r + 1) * lds + c, sizeof x1);
            memcpy(&x2, src + (size_t)(r + 2) * lds + c, sizeof x2);
            memcpy(&x3, src + (size_t)(r + 3) * lds + c, sizeof x3);
            v4f t0 = __builtin_shufflevector(x0, x1, 0, 4, 1, 5);
            v4f t1 = __builtin_shufflevector(x0, x1, 2, 6, 3, 7);
            v4f t2 = __builtin_shufflevector(x2, x3, 0, 4, 1, 5);
            v4f t3 = __builtin_shufflevector(x2, x3, 2, 6, 3, 7);
            v4f y0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
            v4f y1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
            v4f y2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
            v4f y3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
            memcpy(dst + (size_t)c * ldd + r, &y0, sizeof y0);
            memcpy(dst + (size_t)(c + 1) * ldd + r, &y1, sizeof y1);
            memcpy(dst + (size_t)(c + 2) * ldd + r, &y2, sizeof y2);
            memcpy(dst + (size_t)(c + 3) * ldd + r, &y3, sizeof y3);
        }
        for (; c < cols; c++)
            for (int i = r; i < r + 4; i++)
                dst[(size_t)c * ldd + i] = src[(size_t)i * lds + c];
    }
    for (; r < rows; r++)
        for (int c = 0; c < cols; c++)
            dst[(size_t)c * ldd + r] = src[(size_t)r * lds + c];
})

void cdrl_transpose(float *dst, int ldd, const float *src, int lds, int rows, int cols)
{
    CDRL_PICK(transpose)(dst, ldd, src, lds, rows, cols);
}

CDRL_MULTIVERSION(static void, add_rows, (float *restrict sum, const float *restrict x, int rows,
                                          int cols), {
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++)
            sum[c] += x[(size_t)r * cols + c];
})

void cdrl_add_rows(float *sum, const float *x, int rows, int cols)
{
    CDRL_PICK(add_rows)(sum, x, rows, cols);
}

CDRL_MULTIVERSION(static double, sum_squares, (const float *restrict x, size_t n), {
    enum { LANES = 8 };
    double part[LANES] = {0};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int l = 0; l < LANES; l++)
            part[l] += (double)x[i + l] * x[i + l];
    for (; i < n; i++)
        part[0] += (double)x[i] * x[i];
    return ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
})

double cdrl_sum_squares(const float *x, size_t n)
{
    return CDRL_PICK(sum_squares)(x, n);
}
