/* The run harness: the one training loop every agent runs under.
 *
 * An agent says how to do ONE unit of its work (a pg update, an mb episode)
 * and how to save and load itself; the harness owns the rest of the run
 * contract, the same for every agent:
 *   - files: metrics.csv and episodes.csv created for a fresh run, or, on
 *     resume, reopened and cut back to the rows the checkpoint covers;
 *   - stopping: cdrl_stop_requested() is polled before each unit; on a stop
 *     a checkpoint is written and CDRL_EINTR returned with "stopped by SIGINT
 *     at update 12; resume with: cdrl train --resume DIR";
 *   - divergence: after each unit every array the agent watches (parameters
 *     AND optimizer state, e.g. Adam's moments) must be finite, and a unit
 *     that returned CDRL_EDIVERGED (a non-finite loss) ends the run too; no
 *     checkpoint is written then, and the message says which checkpoint is
 *     kept, or that none had been written;
 *   - cadence: a metrics row after every unit, a progress line every
 *     run.log_every units and at the last one, a checkpoint every
 *     run.checkpoint_every units and at the end of the run;
 *   - timing: env steps per second since the start (or resume) of this process.
 *
 * Ownership: the harness creates the agent through ops->create and frees it
 * with ops->free; the agent never opens, syncs or closes the CSV files. */
#ifndef CDRL_RUN_LOOP_H
#define CDRL_RUN_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/error.h"
#include "cdrl/run_config.h"
#include "cdrl/run_csv.h"

/* What a run is: the part of an agent's train arguments (agent.h) the
 * harness needs. Everything is the caller's and outlives the run. */
typedef struct {
    const char *run_dir;        /* existing directory holding config.cfg */
    int resume;                 /* 1: continue from run_dir/checkpoint.bin */
    const cdrl_run_config *run; /* seed, budget, cadence */
    uint64_t config_hash;       /* stored in checkpoints, checked on resume */
    void (*progress)(void *user, const char *line); /* never NULL */
    void *user;
    /* Test seam, 0 = off: after this unit the harness writes a NaN into the
     * first array the agent watches, as a diverging update would, so that
     * the divergence path (message, checkpoint kept) is tested end to end on
     * every machine; a real divergence depends on the CPU's float kernels. */
    int64_t test_poison_unit;
    /* 1: only make the agent (env, options, networks, buffers: every
     * allocation a run needs) and free it again, touching no file, so that a
     * setting that would fail the run fails before its directory exists
     * (`cdrl train` and its --dry-run). run_dir may then be NULL. */
    int check_only;
    /* NULL, or set to 1 when a run that did at least one unit of work in
     * this process ends (well) with every watched array named "*.params"
     * bit-for-bit as it began: it learned nothing (a learning rate of 0, an
     * update that overflowed to no change), which must not look like success. */
    int *learned_nothing;
} cdrl_run_args;

/* What the harness lends an agent during one unit of work. */
typedef struct {
    cdrl_csv *episodes;          /* append one row per finished episode */
    int64_t env_steps_at_start;  /* env steps when this process started the loop */
    double seconds;              /* wall time since then (monotonic) */
} cdrl_run_io;

/* Data rows of the two CSV files a checkpoint covers; an agent stores them in
 * its checkpoint at save and gives them back at load. */
typedef struct {
    int64_t metrics, episodes;
} cdrl_run_rows;

/* One array the harness checks for NaN/Inf after each unit. */
typedef struct {
    const char *name;            /* "policy.adam.state" */
    const float *x;
    size_t n;
} cdrl_run_watch;

#define CDRL_RUN_MAX_WATCH 16

/* The agent's side of the contract. Every function but create takes the
 * agent create made. The harness lives below the agents, so what it passes
 * through to them is untyped: `agent_args` (create) and `result` (result) are
 * the agent's own, cdrl_train_args and cdrl_train_result for an agent.h agent. */
typedef struct {
    const char *unit;            /* what one unit is called in messages: "update" */
    const char *episodes_header; /* episodes.csv's header line */
    /* Makes the agent from agent_args (networks, generators, buffers;
     * agent_args outlives it). Fresh state; a resumed run is then loaded. */
    int (*create)(const void *agent_args, void **out, cdrl_error *err);
    void (*free)(void *self);    /* NULL-safe */
    /* metrics.csv's header line, written into out[size]. */
    void (*metrics_header)(const void *self, char *out, size_t size);
    /* Units done so far in the whole run (the update or episode counter). */
    int64_t (*units)(const void *self);
    /* Real env steps taken so far in the whole run. */
    int64_t (*env_steps)(const void *self);
    /* 1 when the run is over: budget spent or solved (and run.stop_when_solved). */
    int (*finished)(const void *self);
    /* One unit of work: advances units() by one (a unit that advances nothing
     * ends the run), appends its episodes to io->episodes. CDRL_EDIVERGED for
     * a non-finite loss, with the message naming it. */
    int (*iterate)(void *self, const cdrl_run_io *io, cdrl_error *err);
    /* The metrics row of the unit just done (no newline), into out[size]. */
    int (*metrics_row)(void *self, const cdrl_run_io *io, char *out, size_t size, cdrl_error *err);
    /* The progress line of the unit just done, into out[size]. */
    void (*progress_line)(const void *self, const cdrl_run_io *io, char *out, size_t size);
    /* The arrays to keep finite; returns how many (<= CDRL_RUN_MAX_WATCH). */
    int (*watch)(const void *self, cdrl_run_watch *out);
    /* Writes the whole state to path (atomically) with rows and the config hash. */
    int (*save)(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err);
    /* Reads the state from path, checking the hash; fills rows. */
    int (*load)(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err);
    /* Fills the caller's result of a run that ended well. */
    void (*result)(const void *self, void *result);
} cdrl_run_ops;

/* Runs (or resumes) training as agent.h's train describes, with `ops` doing
 * the agent's part: ops->create gets agent_args, ops->result fills result.
 * Returns 0 at the budget or when solved, CDRL_EINTR after a stop (checkpoint
 * written), CDRL_EDIVERGED (last good checkpoint kept), or the error of a
 * failed step; the message is one line. */
int cdrl_run_train(const cdrl_run_ops *ops, const cdrl_run_args *args, const void *agent_args,
                   void *result, cdrl_error *err);

#endif
