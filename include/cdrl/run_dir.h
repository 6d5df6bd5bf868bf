/* Run directories: the directory a training run writes and its files.
 *
 * A run directory holds
 *     config.cfg       the fully resolved config (cdrl train --config it repeats the run)
 *     metrics.csv      one row per unit of training (agent-defined columns, metric_names.h)
 *     episodes.csv     one row per finished episode
 *     checkpoint.bin   the last checkpoint (see checkpoint.h)
 * Every whole file is written atomically (file.h); the CSV files (run_csv.h)
 * are appended to and, on resume, cut back to the rows the last checkpoint
 * covers, so a run that was killed and resumed ends with the same files as one
 * that was not. The loop that writes them is run_loop.h. */
#ifndef CDRL_RUN_DIR_H
#define CDRL_RUN_DIR_H

#include <stddef.h>
#include <stdint.h>
#include "cdrl/error.h"
#include "cdrl/file.h"

#define CDRL_RUN_CONFIG_FILE "config.cfg"
#define CDRL_RUN_METRICS_FILE "metrics.csv"
#define CDRL_RUN_EPISODES_FILE "episodes.csv"
#define CDRL_RUN_CHECKPOINT_FILE "checkpoint.bin"

/* ---- Run directories -------------------------------------------------------- */

/* Creates a fresh run directory `<root>/<agent>-<env>-<seed>-<YYYYmmdd-HHMMSS>`
 * (UTC; "-2", "-3", ... appended if that name exists), creating `root` too if
 * needed, and writes its path into out[out_size]. */
int cdrl_run_dir_create(const char *root, const char *agent, const char *env, uint64_t seed,
                        char *out, size_t out_size, cdrl_error *err);

/* Prepares a directory the user named (--out DIR): creates it (and missing
 * parents) if needed; an existing directory is accepted only if it holds no
 * checkpoint or config yet (CDRL_EINVAL "DIR already holds a run; resume it
 * with --resume DIR or choose another --out"; a run that stopped before its
 * first checkpoint is said so: --resume starts it again from its config). */
int cdrl_run_dir_prepare(const char *dir, cdrl_error *err);

#define CDRL_RUN_LOCK_FILE ".lock"

/* Takes the run directory's advisory lock (flock on DIR/.lock, created if
 * missing, holding the owner's pid for messages) so that one process at a
 * time writes a run. The lock is the kernel's: it goes away with the process
 * that held it, however it ended, so a stale .lock from a killed run needs
 * no cleaning. Held: CDRL_ESTATE "DIR is in use by another
 * cdrl (pid N); wait for it to finish or stop it". On success *fd is the
 * lock; keep it open for the run's life and give it to cdrl_run_dir_unlock. */
int cdrl_run_dir_lock(const char *dir, int *fd, cdrl_error *err);

/* Releases a lock taken by cdrl_run_dir_lock; -1 is ignored. */
void cdrl_run_dir_unlock(int fd);

/* Whether DIR has a checkpoint: 1 yes, 0 no (ENOENT), or an error for
 * anything else (a symlink loop, permissions), with the reason. */
int cdrl_run_dir_has_checkpoint(const char *dir, int *has, cdrl_error *err);

#endif
