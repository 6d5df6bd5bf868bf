/* Training and loading runs from a program of your own (what `cdrl train`
 * and `cdrl eval` do, as library calls).
 *
 * cdrl_train resolves a run's config exactly as `cdrl train` does — the
 * agent's schema defaults, then a config file, then key=value overrides —
 * writes it to RUN_DIR/config.cfg, and trains into RUN_DIR (metrics.csv,
 * episodes.csv, checkpoint.bin). Any env name registered with
 * cdrl_env_register can be trained on. The same seed and config give the
 * same files as the program, bit for bit (only the wall-time columns
 * differ). Nothing is printed: progress lines go to a callback.
 *
 * The library does not install signal handlers: a program that wants Ctrl-C
 * to stop a run cleanly calls cdrl_stop_install (run_stop.h) first. */
#ifndef CDRL_TRAIN_H
#define CDRL_TRAIN_H

#include "cdrl/agent.h"
#include "cdrl/error.h"

typedef struct {
    const char *agent;        /* registry name: "pg" (cdrl_agents) */
    const char *env;          /* any env name (cdrl_env_names) */
    const char *config_file;  /* a libconfig file, or NULL for the schema's defaults */
    const char *const *overrides; /* "key=value" strings, as `cdrl train --set`; may be NULL */
    int n_overrides;
    const char *run_dir;      /* created if missing; must not hold a run yet */
    /* Called with each progress line (no newline); NULL: quiet. */
    void (*progress)(void *user, const char *line);
    void *user;               /* passed to progress */
} cdrl_train_options;

/* Trains as described above. Returns 0 when the run reached its step budget
 * or was solved, with *result filled (result may be NULL); otherwise the
 * error of the config (CDRL_EINVAL naming the key), the run directory
 * (CDRL_EINVAL "DIR already holds a run", CDRL_EIO) or the run itself
 * (CDRL_EDIVERGED, CDRL_EINTR: see agent.h). */
int cdrl_train(const cdrl_train_options *options, cdrl_train_result *result, cdrl_error *err);

/* Evaluates a run directory's checkpoint as `cdrl eval` does: `episodes`
 * greedy episodes in eval mode and in MC mode (`mc_samples` dropout draws),
 * seeded by `seed` (< 0: the run's own seed). Fills *result. Errors: the run
 * directory (CDRL_EINVAL: missing, not a run), its checkpoint (CDRL_EIO,
 * CDRL_ECORRUPT), an agent without eval (CDRL_EUNAVAIL). */
int cdrl_eval_run(const char *run_dir, int episodes, int mc_samples, long long seed,
                  cdrl_eval_result *result, cdrl_error *err);

#endif
