/* The project's seeded random generator: xoshiro256** with independent streams.
 *
 * Every random draw in cdrl comes from a cdrl_rng. A generator is a plain
 * struct (32 bytes of state plus a cached normal), so it can be copied,
 * checkpointed with one write, and kept per env, per layer's noise, per
 * planner. Streams: `cdrl_rng_seed(rng, seed, stream)` gives generators whose
 * sequences are statistically independent for different (seed, stream) pairs;
 * the same pair gives the same sequence on every run and every machine. */
#ifndef CDRL_RNG_H
#define CDRL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
    double cached_normal; /* second Box-Muller value, valid if has_cached */
    int has_cached;
} cdrl_rng;

/* Seeds `rng` for the given (seed, stream) pair. Any values are valid. */
void cdrl_rng_seed(cdrl_rng *rng, uint64_t seed, uint64_t stream);

/* Next raw 64-bit output. */
uint64_t cdrl_rng_u64(cdrl_rng *rng);

/* Uniform double in [0, 1) with 53 random bits. */
double cdrl_rng_uniform(cdrl_rng *rng);

/* Uniform float in [0, 1) with 24 random bits. */
float cdrl_rng_uniform_f(cdrl_rng *rng);

/* out (n) = n uniform floats in [0, 1) with 24 random bits each, for a whole
 * batch of dropout noise at once: one cdrl_rng_u64 draw (the only advance of
 * rng) seeds sixteen xoshiro256** lanes through splitmix64 (lane j's state
 * words are outputs 4j..4j+3 of splitmix64 started at that draw), and out[i]
 * is lane i mod 16's draw number i / 16, converted as cdrl_rng_uniform_f
 * converts. So one call of 2n values is not two calls of n. Nothing is drawn
 * when n is 0. */
void cdrl_rng_fill_uniform_f(cdrl_rng *rng, float *out, size_t n);

/* Uniform double in [lo, hi). */
double cdrl_rng_range(cdrl_rng *rng, double lo, double hi);

/* Uniform integer in [0, n), without modulo bias. n must be > 0. */
uint64_t cdrl_rng_below(cdrl_rng *rng, uint64_t n);

/* Standard normal draw (Box-Muller; the pair's second value is cached). */
double cdrl_rng_normal(cdrl_rng *rng);

/* A new generator for a sub-stream, derived from this one's next output and
 * `stream`; advances `rng` by one draw. Useful for handing each of B envs or
 * each layer its own generator from one parent. */
void cdrl_rng_split(cdrl_rng *rng, uint64_t stream, cdrl_rng *child);

#endif
