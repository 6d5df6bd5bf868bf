/* xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64.
 *
 * Chosen over a library generator so that a seed means the same stream on
 * every libc and platform, and so that the whole state is a small struct that
 * checkpoints and copies trivially. */
#include "cdrl/rng.h"

#include <math.h>
#include <string.h>

#include "simd.h"

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void cdrl_rng_seed(cdrl_rng *rng, uint64_t seed, uint64_t stream)
{
    /* Mixing the stream through its own splitmix step before combining keeps
     * nearby (seed, stream) pairs, e.g. (0, 1) and (1, 0), far apart. */
    uint64_t t = stream;
    uint64_t x = seed ^ splitmix64(&t);
    for (int i = 0; i < 4; i++)
        rng->s[i] = splitmix64(&x);
    rng->cached_normal = 0.0;
    rng->has_cached = 0;
}

uint64_t cdrl_rng_u64(cdrl_rng *rng)
{
    uint64_t *s = rng->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double cdrl_rng_uniform(cdrl_rng *rng)
{
    return (double)(cdrl_rng_u64(rng) >> 11) * 0x1.0p-53;
}

float cdrl_rng_uniform_f(cdrl_rng *rng)
{
    return (float)(cdrl_rng_u64(rng) >> 40) * 0x1.0p-24f;
}

/* ==== Uniforms for a whole batch: sixteen xoshiro256** lanes ====
 *
 * One generator is a chain of dependent steps (about 4.5 cycles a draw);
 * sixteen of them stepped side by side as 64-bit vector lanes draw a float
 * in well under one. Integer arithmetic only, so every vector variant gives
 * the same bits. */
enum { FILL_LANES = 16 };
/* Eight lanes in a vector: one AVX-512 register; the sixteen lanes are two
 * such vectors, so the compiler never keeps a wider one in memory. */
typedef uint64_t v8u64 __attribute__((vector_size(64)));
typedef int32_t v8i32 __attribute__((vector_size(32)));
typedef float v8f32 __attribute__((vector_size(32)));

/* xoshiro256** on eight lanes (x * 5 and x * 9 as shifts and adds: the same
 * bits, and AVX-512F has no 64-bit multiply), then the top 24 bits of each
 * result as a float, as cdrl_rng_uniform_f converts. */
#define LANES_STEP(s0, s1, s2, s3, u)                                                          \
    do {                                                                                       \
        v8u64 x5 = s1 + (s1 << 2), rot = (x5 << 7) | (x5 >> 57), t = s1 << 17;                 \
        v8u64 r = rot + (rot << 3);                                                            \
        s2 ^= s0;                                                                              \
        s3 ^= s1;                                                                              \
        s1 ^= s2;                                                                              \
        s0 ^= s3;                                                                              \
        s2 ^= t;                                                                               \
        s3 = (s3 << 45) | (s3 >> 19);                                                          \
        u = __builtin_convertvector(__builtin_convertvector(r >> 40, v8i32), v8f32) * 0x1.0p-24f; \
    } while (0)

/* state: the four state words of lanes 0-7, then those of lanes 8-15. */
CDRL_MULTIVERSION(static void, fill_lanes, (v8u64 *restrict state, float *restrict out,
                                            size_t n), {
    v8u64 a0 = state[0], a1 = state[1], a2 = state[2], a3 = state[3];
    v8u64 b0 = state[4], b1 = state[5], b2 = state[6], b3 = state[7];
    v8f32 u[2];
    size_t i = 0;
    for (; i + FILL_LANES <= n; i += FILL_LANES) {
        LANES_STEP(a0, a1, a2, a3, u[0]);
        LANES_STEP(b0, b1, b2, b3, u[1]);
        /* each half stored on its own: joined first, they would go through
         * the stack and stall the load that joins them */
        memcpy(out + i, &u[0], sizeof u[0]);
        memcpy(out + i + 8, &u[1], sizeof u[1]);
    }
    if (i < n) {
        LANES_STEP(a0, a1, a2, a3, u[0]);
        LANES_STEP(b0, b1, b2, b3, u[1]);
        memcpy(out + i, u, sizeof(float) * (n - i));
    }
})

void cdrl_rng_fill_uniform_f(cdrl_rng *rng, float *out, size_t n)
{
    if (n == 0)
        return;
    /* Each call seeds its lanes afresh from one draw, the way cdrl_rng_seed
     * seeds a generator (splitmix64), so the state stays one cdrl_rng. */
    uint64_t key = cdrl_rng_u64(rng);
    v8u64 state[8];
    for (int lane = 0; lane < FILL_LANES; lane++)
        for (int w = 0; w < 4; w++)
            state[lane / 8 * 4 + w][lane % 8] = splitmix64(&key);
    CDRL_PICK(fill_lanes)(state, out, n);
}

double cdrl_rng_range(cdrl_rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * cdrl_rng_uniform(rng);
}

uint64_t cdrl_rng_below(cdrl_rng *rng, uint64_t n)
{
    /* Rejection of the top partial block (Lemire's threshold) removes bias. */
    uint64_t threshold = -n % n;
    for (;;) {
        uint64_t r = cdrl_rng_u64(rng);
        if (r >= threshold)
            return r % n;
    }
}

double cdrl_rng_normal(cdrl_rng *rng)
{
    if (rng->has_cached) {
        rng->has_cached = 0;
        return rng->cached_normal;
    }
    /* 1 - u is in (0, 1], so the log is finite. */
    double u1 = 1.0 - cdrl_rng_uniform(rng);
    double u2 = cdrl_rng_uniform(rng);
    double r = sqrt(-2.0 * log(u1));
    double a = 6.283185307179586476925 * u2;
    rng->cached_normal = r * sin(a);
    rng->has_cached = 1;
    return r * cos(a);
}

void cdrl_rng_split(cdrl_rng *rng, uint64_t stream, cdrl_rng *child)
{
    cdrl_rng_seed(child, cdrl_rng_u64(rng), stream);
}
