/* Vectorised tanh, exp, expm1, log and sigmoid through glibc's libmvec, the
 * variant picked at run time (see vecmath.h for the choice, the accuracy and
 * why the results are deterministic). */
#include "cdrl/vecmath.h"

#include <math.h>
#include <string.h>

typedef void (*vec_map_fn)(float *out, const float *inp, int n);

typedef struct {
    vec_map_fn tanh, exp, expm1, log;
} vec_table;

/* ==== Scalar libm: processors without a libmvec variant ==== */

#define SCALAR_MAP(name, fn)                                                                   \
    static void name(float *out, const float *inp, int n)                                      \
    {                                                                                          \
        for (int i = 0; i < n; i++)                                                            \
            out[i] = fn(inp[i]);                                                               \
    }
SCALAR_MAP(scalar_tanh, tanhf)
SCALAR_MAP(scalar_exp, expf)
SCALAR_MAP(scalar_expm1, expm1f)
SCALAR_MAP(scalar_log, logf)
static const vec_table scalar_table = {scalar_tanh, scalar_exp, scalar_expm1, scalar_log};

#if defined(__x86_64__) && defined(__GNUC__)
#define VEC_HAVE_X86 1
#include <immintrin.h>

/* libmvec's entry points, named by the x86-64 vector function ABI:
 * b = SSE (4 lanes), d = AVX2 (8), e = AVX-512 (16); N<lanes>v = one vector
 * argument. glibc declares them only under -ffast-math, which cdrl does not
 * use (it would let the compiler reorder sums and change results). */
#define LIBMVEC_DECLARE(fn)                                                                    \
    __m128 _ZGVbN4v_##fn(__m128);                                                              \
    __m256 _ZGVdN8v_##fn(__m256);                                                              \
    __m512 _ZGVeN16v_##fn(__m512);
LIBMVEC_DECLARE(tanhf)
LIBMVEC_DECLARE(expf)
LIBMVEC_DECLARE(expm1f)
LIBMVEC_DECLARE(logf)

/* A whole array through one vector function. The last partial vector is
 * padded with ones and goes through the same function, so an element's
 * result never depends on where it sits or how long the array is. */
#define VEC_MAP(name, target, width, load, store, kernel)                                      \
    target static void name(float *out, const float *inp, int n)                               \
    {                                                                                          \
        int i = 0;                                                                             \
        for (; i + width <= n; i += width)                                                     \
            store(out + i, kernel(load(inp + i)));                                             \
        if (i < n) {                                                                           \
            float pad[width];                                                                  \
            for (int k = 0; k < width; k++)                                                    \
                pad[k] = k < n - i ? inp[i + k] : 1.0f;                                        \
            store(pad, kernel(load(pad)));                                                     \
            memcpy(out + i, pad, sizeof(float) * (size_t)(n - i));                             \
        }                                                                                      \
    }

#define SSE_TARGET
#define AVX2_TARGET __attribute__((target("avx2")))
#define AVX512_TARGET __attribute__((target("avx512f")))

#define VEC_VARIANTS(fn)                                                                       \
    VEC_MAP(sse_##fn, SSE_TARGET, 4, _mm_loadu_ps, _mm_storeu_ps, _ZGVbN4v_##fn##f)            \
    VEC_MAP(avx2_##fn, AVX2_TARGET, 8, _mm256_loadu_ps, _mm256_storeu_ps, _ZGVdN8v_##fn##f)    \
    VEC_MAP(avx512_##fn, AVX512_TARGET, 16, _mm512_loadu_ps, _mm512_storeu_ps,                 \
            _ZGVeN16v_##fn##f)
VEC_VARIANTS(tanh)
VEC_VARIANTS(exp)
VEC_VARIANTS(expm1)
VEC_VARIANTS(log)

static const vec_table sse_table = {sse_tanh, sse_exp, sse_expm1, sse_log};
static const vec_table avx2_table = {avx2_tanh, avx2_exp, avx2_expm1, avx2_log};
static const vec_table avx512_table = {avx512_tanh, avx512_exp, avx512_expm1, avx512_log};
#else
#define VEC_HAVE_X86 0
#endif

/* ==== Choosing the variant ==== */

static cdrl_vec_isa forced = CDRL_VEC_AUTO;

static int supported(cdrl_vec_isa isa)
{
    switch (isa) {
    case CDRL_VEC_AUTO:
    case CDRL_VEC_SCALAR: return 1;
#if VEC_HAVE_X86
    case CDRL_VEC_SSE: return 1;
    case CDRL_VEC_AVX2: return __builtin_cpu_supports("avx2");
    case CDRL_VEC_AVX512: return __builtin_cpu_supports("avx512f");
#endif
    default: return 0;
    }
}

cdrl_vec_isa cdrl_vec_current(void)
{
    if (forced != CDRL_VEC_AUTO)
        return forced;
    if (supported(CDRL_VEC_AVX512))
        return CDRL_VEC_AVX512;
    if (supported(CDRL_VEC_AVX2))
        return CDRL_VEC_AVX2;
    return VEC_HAVE_X86 ? CDRL_VEC_SSE : CDRL_VEC_SCALAR;
}

int cdrl_vec_select(cdrl_vec_isa isa)
{
    if (!supported(isa))
        return -1;
    forced = isa;
    return 0;
}

const char *cdrl_vec_isa_name(cdrl_vec_isa isa)
{
    static const char *const names[] = {"auto", "scalar", "sse", "avx2", "avx512"};
    return (int)isa >= 0 && (int)isa < (int)(sizeof names / sizeof names[0]) ? names[isa] : "unknown";
}

static const vec_table *table(void)
{
    switch (cdrl_vec_current()) {
#if VEC_HAVE_X86
    case CDRL_VEC_AVX512: return &avx512_table;
    case CDRL_VEC_AVX2: return &avx2_table;
    case CDRL_VEC_SSE: return &sse_table;
#endif
    default: return &scalar_table;
    }
}

/* ==== Entry points ==== */

void cdrl_vec_tanh(float *out, const float *inp, int n)
{
    table()->tanh(out, inp, n);
}

void cdrl_vec_exp(float *out, const float *inp, int n)
{
    table()->exp(out, inp, n);
}

void cdrl_vec_expm1(float *out, const float *inp, int n)
{
    table()->expm1(out, inp, n);
}

void cdrl_vec_log(float *out, const float *inp, int n)
{
    table()->log(out, inp, n);
}

void cdrl_vec_sigmoid(float *out, const float *inp, int n)
{
    /* 1 / (1 + e^-x) by blocks: e^-x may be +inf for very negative x, and
     * 1 / (1 + inf) is exactly 0, so no branch is needed for either tail. */
    enum { BLOCK = 256 };
    float e[BLOCK];
    vec_map_fn exp_fn = table()->exp;
    for (int at = 0; at < n; at += BLOCK) {
        int m = n - at < BLOCK ? n - at : BLOCK;
        for (int k = 0; k < m; k++)
            e[k] = -inp[at + k];
        exp_fn(e, e, m);
        for (int k = 0; k < m; k++)
            out[at + k] = 1.0f / (1.0f + e[k]);
    }
}
