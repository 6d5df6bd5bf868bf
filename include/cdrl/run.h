/* Runs: the directory a training run writes, its files, and how it stops.
 *
 * A run directory holds
 *     config.cfg       the fully resolved config (cdrl train --config it repeats the run)
 *     metrics.csv      one row per update (agent-defined columns)
 *     episodes.csv     one row per finished episode
 *     checkpoint.bin   the last checkpoint (see checkpoint.h)
 * Every whole file is written atomically; the CSV files are appended to and,
 * on resume, cut back to the rows the last checkpoint covers, so a run that was
 * killed and resumed ends with the same files as one that was not.
 *
 * The contract for an agent's training loop (see agent.h):
 *   - poll cdrl_stop_requested() once per iteration; when set, write a
 *     checkpoint and return CDRL_EINTR with a message saying how to resume
 *     ("stopped by SIGINT at update 12; resume with: cdrl train --resume DIR");
 *   - before each checkpoint, cdrl_csv_sync() both CSV files and store their
 *     cdrl_csv_rows() in the checkpoint; on resume, reopen them with
 *     cdrl_csv_resume() and those counts;
 *   - check losses and parameters with cdrl_check_finite*() after each update;
 *     on NaN/Inf return CDRL_EDIVERGED naming the update and the last good
 *     checkpoint, and do NOT write a checkpoint (the last good one stays). */
#ifndef CDRL_RUN_H
#define CDRL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/config.h"
#include "cdrl/error.h"

#define CDRL_RUN_CONFIG_FILE "config.cfg"
#define CDRL_RUN_METRICS_FILE "metrics.csv"
#define CDRL_RUN_EPISODES_FILE "episodes.csv"
#define CDRL_RUN_CHECKPOINT_FILE "checkpoint.bin"
#define CDRL_PATH_MAX 4096

/* ---- The common run keys ---------------------------------------------------
 * Keys every run has, whatever the agent; the CLI loads them together with
 * the agent's own schema. */
typedef struct {
    char agent[CDRL_CFG_STR_MAX];    /* run.agent: registry name ("pg") */
    char env[CDRL_CFG_STR_MAX];      /* env.name: env registry name ("cartpole") */
    char env_options[CDRL_CFG_STR_MAX]; /* env.options: "key=value,key=value" for
                                          cdrl_env_set_option, "" for none */
    int64_t seed;                    /* run.seed: >= 0 */
    int64_t steps;                   /* run.steps: env-step budget, >= 1 */
    int stop_when_solved;            /* run.stop_when_solved: stop at the env's
                                        solved threshold */
    int64_t checkpoint_every;        /* run.checkpoint_every: iterations (the agent's
                                        updates or episodes) between checkpoints, >= 1 */
    int64_t log_every;               /* run.log_every: iterations between progress lines, >= 1 */
} cdrl_run_config;

/* The schema of cdrl_run_config (keys run.* and env.*). */
extern const cdrl_cfg_key cdrl_run_keys[];
extern const int cdrl_run_n_keys;

/* Splits env.options ("integrator=euler,foo=1") into pairs and calls
 * apply(user, key, value, err) for each, stopping at the first failure.
 * Malformed text ("integrator", "=x") is CDRL_EINVAL. */
int cdrl_env_options_each(const char *options,
                          int (*apply)(void *user, const char *key, const char *value,
                                       cdrl_error *err),
                          void *user, cdrl_error *err);

/* ---- Run directories -------------------------------------------------------- */

/* Creates a fresh run directory `<root>/<agent>-<env>-<seed>-<YYYYmmdd-HHMMSS>`
 * (UTC; "-2", "-3", ... appended if that name exists), creating `root` too if
 * needed, and writes its path into out[out_size]. */
int cdrl_run_dir_create(const char *root, const char *agent, const char *env, uint64_t seed,
                        char *out, size_t out_size, cdrl_error *err);

/* Prepares a directory the user named (--out DIR): creates it (and missing
 * parents) if needed; an existing directory is accepted only if it holds no
 * checkpoint or config yet (CDRL_EINVAL "DIR already holds a run; resume it
 * with --resume DIR or choose another --out"). */
int cdrl_run_dir_prepare(const char *dir, cdrl_error *err);

/* Writes "dir/name" into out[out_size]; CDRL_EINVAL if it does not fit. */
int cdrl_path_join(char *out, size_t out_size, const char *dir, const char *name, cdrl_error *err);

/* ---- Whole files ------------------------------------------------------------ */

/* Writes `size` bytes to `path` so that `path` holds either its old contents
 * or all of the new ones, never a part: a temporary file in the same
 * directory, fsync, rename, fsync of the directory. On failure the temporary
 * file is removed. */
int cdrl_write_file_atomic(const char *path, const void *data, size_t size, cdrl_error *err);

/* Reads a whole file (at most max_size bytes, else CDRL_EINVAL "too large")
 * into a malloc'd buffer with a NUL appended (not counted in *size); the
 * caller frees *data. */
int cdrl_read_file(const char *path, size_t max_size, char **data, size_t *size, cdrl_error *err);

/* ---- CSV files that survive resume ------------------------------------------ */

typedef struct cdrl_csv cdrl_csv;

/* Creates (or empties) `path` and writes the header line `header` (column
 * names, comma-separated, no newline). */
int cdrl_csv_create(const char *path, const char *header, cdrl_csv **out, cdrl_error *err);

/* Reopens `path` for a resumed run: checks the header line equals `header`,
 * keeps the first `rows` data rows and cuts off everything after them (rows
 * written after the last checkpoint, or a half-written row). Fewer than `rows`
 * complete rows, or another header, is CDRL_ECORRUPT. */
int cdrl_csv_resume(const char *path, const char *header, int64_t rows, cdrl_csv **out,
                    cdrl_error *err);

/* Appends one row: printf-formatted, without the newline (added here). Use
 * "%.9g" for floats and "%.17g" for doubles so files compare exactly. */
int cdrl_csv_row(cdrl_csv *csv, cdrl_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Number of data rows in the file (header not counted). */
int64_t cdrl_csv_rows(const cdrl_csv *csv);

/* Flushes and fsyncs, so that the rows counted by a checkpoint written next
 * are on disk. */
int cdrl_csv_sync(cdrl_csv *csv, cdrl_error *err);

/* Syncs and closes; NULL is a no-op. Returns the first error met. */
int cdrl_csv_close(cdrl_csv *csv, cdrl_error *err);

/* ---- Stopping on a signal ----------------------------------------------------
 * The CLI installs handlers for SIGINT and SIGTERM; the first signal only sets
 * a flag that training loops poll, so the loop can write a checkpoint and
 * return. A second signal while stopping ends the process at once (the last
 * checkpoint on disk is whole, because checkpoints are renamed into place). */

/* Installs the SIGINT and SIGTERM handlers and clears the flag. */
int cdrl_stop_install(cdrl_error *err);

/* Nonzero once a stop was requested: the signal number, or -1 if requested by
 * cdrl_stop_request. */
int cdrl_stop_requested(void);

/* Requests a stop as a signal would (tests; an agent reaching a limit). */
void cdrl_stop_request(void);

/* Clears the flag. */
void cdrl_stop_clear(void);

/* ---- Divergence guard -------------------------------------------------------- */

/* Scans x[n]; if an element is NaN or infinite returns CDRL_EDIVERGED with
 * "<what>[i] is nan" (or inf/-inf) for the first such element. `what` names
 * the array ("policy.params", "loss"). Returns 0 if all are finite. */
int cdrl_check_finite(const float *x, size_t n, const char *what, cdrl_error *err);
int cdrl_check_finite_d(const double *x, size_t n, const char *what, cdrl_error *err);

#endif
