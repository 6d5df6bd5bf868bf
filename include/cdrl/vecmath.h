/* Elementwise tanh, exp, expm1, log and sigmoid over float arrays, a vector
 * of lanes per call instead of one libm call per element.
 *
 * The arithmetic is glibc's libmvec (the vector variants of libm that ship
 * with libc6-dev, glibc >= 2.35 for tanh and expm1): AVX-512 (16 lanes),
 * AVX2 (8 lanes) or the x86-64 baseline SSE (4 lanes), picked at run time by
 * what the processor supports; other processors get scalar libm. libmvec was
 * chosen over SLEEF by measurement (docs/perf.md): on the AVX-512 machine it
 * runs tanh 5x faster than SLEEF's 1-ulp version, within 4 ulps.
 *
 * Accuracy: every result is within CDRL_VEC_MAX_ULP units in the last place
 * of the exact value (glibc's documented bound for libmvec), sigmoid within
 * CDRL_VEC_SIGMOID_MAX_ULP; tests/test_vecmath.c checks both over about a
 * million inputs per function in every variant this processor runs.
 *
 * Determinism: an element's result depends only on its value and the variant,
 * never on n or its position: a partial vector at the end goes through the
 * same vector code, padded. Same machine, same build, same bits. Different
 * variants may differ in the last bits, so a run on an AVX2 machine and one
 * on an AVX-512 machine agree to the bound, not bit for bit. */
#ifndef CDRL_VECMATH_H
#define CDRL_VECMATH_H

/* The largest error of tanh, exp, expm1 and log, in units in the last place,
 * for results in the normal float range; and of sigmoid, which adds the
 * rounding of 1 + e^-x and of the division to exp's error. */
#define CDRL_VEC_MAX_ULP 4
#define CDRL_VEC_SIGMOID_MAX_ULP 8

typedef enum {
    CDRL_VEC_AUTO = 0, /* the widest the processor runs (the default) */
    CDRL_VEC_SCALAR,   /* libm, one element at a time */
    CDRL_VEC_SSE,      /* 4 lanes, any x86-64 */
    CDRL_VEC_AVX2,     /* 8 lanes */
    CDRL_VEC_AVX512,   /* 16 lanes */
} cdrl_vec_isa;

/* inp (n), out (n); out may equal inp (in place). */
void cdrl_vec_tanh(float *out, const float *inp, int n);
void cdrl_vec_exp(float *out, const float *inp, int n);
void cdrl_vec_expm1(float *out, const float *inp, int n);
void cdrl_vec_log(float *out, const float *inp, int n);
/* 1 / (1 + e^-x); saturates to exactly 0 and 1, never NaN for finite x. */
void cdrl_vec_sigmoid(float *out, const float *inp, int n);

/* Forces a variant for every later call in the process (a test and benchmark
 * hook; CDRL_VEC_AUTO restores the default). Returns 0, or -1 and changes
 * nothing when this processor cannot run isa. Not thread-safe: call it before
 * starting threads. */
int cdrl_vec_select(cdrl_vec_isa isa);

/* The variant in use now, resolved (never AUTO). */
cdrl_vec_isa cdrl_vec_current(void);

/* "scalar", "sse", "avx2" or "avx512". */
const char *cdrl_vec_isa_name(cdrl_vec_isa isa);

#endif
