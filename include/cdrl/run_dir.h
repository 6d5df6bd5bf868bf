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
 * with --resume DIR or choose another --out"). */
int cdrl_run_dir_prepare(const char *dir, cdrl_error *err);

#endif
