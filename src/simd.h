/* Internal: compiling one loop for several vector widths and picking the
 * widest the processor runs, for the loops whose results must not depend on
 * the width.
 *
 * Elementwise IEEE operations (+ - * / sqrt, conversions) give the same bits
 * in any lane width, and ISO C mode (-std=c11) keeps the compiler from fusing
 * a multiply and an add, so every variant of such a loop produces the scalar
 * code's results. Sums across elements are the exception: a compiler only
 * vectorises them by reordering, which -O2 without -ffast-math never does, so
 * a loop that sums keeps its own fixed order of partial sums.
 *
 * Chosen by a function pointer rather than GCC's target_clones, whose ifunc
 * resolvers crash under ThreadSanitizer. */
#ifndef CDRL_SIMD_H
#define CDRL_SIMD_H

#if defined(__GNUC__) && !defined(__clang__)
#define CDRL_VECTORIZE                                                                         \
    __attribute__((optimize("tree-vectorize", "vect-cost-model=dynamic")))
#else
#define CDRL_VECTORIZE
#endif

#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define CDRL_HAVE_AVX 1
#define CDRL_AVX2 __attribute__((target("avx2")))
#define CDRL_AVX512 __attribute__((target("avx512f")))
#define CDRL_CPU_HAS(feature) __builtin_cpu_supports(feature)
#else
#define CDRL_HAVE_AVX 0
#define CDRL_AVX2
#define CDRL_AVX512
#define CDRL_CPU_HAS(feature) 0
#endif

/* Defines name (the baseline), name_avx2 and name_avx512 from one body (the
 * rest of the arguments, so commas in it need no parentheses):
 *   CDRL_MULTIVERSION(static void, scale, (float *x, int n), { ... })
 * and CDRL_PICK(name) is the widest of them this processor runs. */
#define CDRL_MULTIVERSION(ret, name, params, ...)                                              \
    CDRL_VECTORIZE ret name params __VA_ARGS__                                                 \
    CDRL_VECTORIZE CDRL_AVX2 ret name##_avx2 params __VA_ARGS__                                \
    CDRL_VECTORIZE CDRL_AVX512 ret name##_avx512 params __VA_ARGS__

#define CDRL_PICK(name)                                                                        \
    (CDRL_HAVE_AVX && CDRL_CPU_HAS("avx512f") ? name##_avx512                                  \
     : CDRL_HAVE_AVX && CDRL_CPU_HAS("avx2")  ? name##_avx2                                    \
                                              : name)

#endif
