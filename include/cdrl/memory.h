/* How much memory a run will need, estimated before anything is allocated,
 * and the check that refuses a run that cannot fit.
 *
 * Why: on Linux a malloc of 50 GB succeeds (memory is promised, not given)
 * and the run dies later to the OOM killer, taking other processes with it.
 * So an agent adds up what its sizes imply (rows x widths x element size of
 * every buffer that grows with a config key) and refuses, with the keys to
 * lower, when the total passes the limit: half of the machine's physical
 * memory (sysconf), the rest left to the system and to other runs, or
 * what the environment variable CDRL_MEMORY_LIMIT says (bytes, with an
 * optional K, M, G or T suffix, powers of 1024: CDRL_MEMORY_LIMIT=20G). */
#ifndef CDRL_MEMORY_H
#define CDRL_MEMORY_H

#include "cdrl/error.h"
#include "cdrl/mlp.h"

/* One part of an estimate: what sizes it (config keys and the count they
 * make, as the user should read it) and its bytes. */
typedef struct {
    const char *what;  /* "agent.planner.candidates x agent.planner.particles = 1e+08 rows" */
    double bytes;
} cdrl_memory_part;

/* The limit in bytes into *bytes: CDRL_MEMORY_LIMIT when set, else half of
 * physical memory (_SC_PHYS_PAGES x _SC_PAGE_SIZE; 8 GiB if the system does
 * not say). *why gets "CDRL_MEMORY_LIMIT" or "half the physical memory".
 * Returns 0, or CDRL_EINVAL for a CDRL_MEMORY_LIMIT that is not a size. */
int cdrl_memory_limit(double *bytes, const char **why, cdrl_error *err);

/* Bytes of an MLP built from spec run on `rows` rows at once: its per-row
 * forward buffers (every layer's dropout noise, mask, dropped input,
 * pre-activation and activation, the input and output copies) and, with
 * backward, its gradient scratch; parameters, gradients and Adam's two
 * moments included. */
double cdrl_mlp_memory(const cdrl_mlp_spec *spec, double rows, int backward);

/* 0 when the parts add up to at most the limit (cdrl_memory_limit); else
 * CDRL_EINVAL with one line: "<who>: an estimated 57.6 GB of memory, over
 * the limit of 11.8 GB (half the physical memory); the most is <what>
 * (41.0 GB): lower it". */
int cdrl_memory_check(const char *who, const cdrl_memory_part *parts, int n, cdrl_error *err);

#endif
