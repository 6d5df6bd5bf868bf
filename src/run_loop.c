/* The run harness: the training loop every agent runs under (run_loop.h).
 *
 * Why one loop: stopping with a checkpoint, keeping the last good checkpoint
 * when training diverges, cutting the CSV files back on resume and the
 * cadence of logs and checkpoints are promises the user relies on, the same
 * for every agent. Written once, they hold for an agent written next year. */
#include "cdrl/run_loop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/clock.h"
#include "cdrl/file.h"
#include "cdrl/run_dir.h"
#include "cdrl/run_guard.h"
#include "cdrl/run_stop.h"

typedef struct {
    const cdrl_run_ops *ops;
    const cdrl_run_args *args;
    void *agent;
    cdrl_csv *metrics;
    cdrl_run_io io;
    char ckpt[CDRL_PATH_MAX];
    double t0;
    int64_t last_ckpt; /* units covered by the last checkpoint written or loaded; -1: none */
} run_state;

/* ---- Files ------------------------------------------------------------------- */

static int open_csv_files(run_state *r, const cdrl_run_rows *rows, cdrl_error *err)
{
    char metrics[CDRL_PATH_MAX], episodes[CDRL_PATH_MAX], header[2048];
    const char *dir = r->args->run_dir, *eh = r->ops->episodes_header;
    int rc = cdrl_path_join(metrics, sizeof metrics, dir, CDRL_RUN_METRICS_FILE, err);
    rc = rc ? rc : cdrl_path_join(episodes, sizeof episodes, dir, CDRL_RUN_EPISODES_FILE, err);
    if (rc)
        return rc;
    r->ops->metrics_header(r->agent, header, sizeof header);
    if (r->args->resume) {
        rc = cdrl_csv_resume(metrics, header, rows->metrics, &r->metrics, err);
        return rc ? rc : cdrl_csv_resume(episodes, eh, rows->episodes, &r->io.episodes, err);
    }
    rc = cdrl_csv_create(metrics, header, &r->metrics, err);
    return rc ? rc : cdrl_csv_create(episodes, eh, &r->io.episodes, err);
}

/* The CSV rows are on disk before the checkpoint that counts them. */
static int write_checkpoint(run_state *r, cdrl_error *err)
{
    int rc = cdrl_csv_sync(r->metrics, err);
    rc = rc ? rc : cdrl_csv_sync(r->io.episodes, err);
    if (rc)
        return rc;
    cdrl_run_rows rows = {cdrl_csv_rows(r->metrics), cdrl_csv_rows(r->io.episodes)};
    rc = r->ops->save(r->agent, r->ckpt, r->args->config_hash, &rows, err);
    if (!rc)
        r->last_ckpt = r->ops->units(r->agent);
    return rc;
}

/* ---- Divergence ---------------------------------------------------------------- */

static int check_watched(const run_state *r, cdrl_error *err)
{
    cdrl_run_watch w[CDRL_RUN_MAX_WATCH];
    int n = r->ops->watch(r->agent, w);
    /* The watched arrays are the agent's own, writable memory; the view is
     * const so that the check cannot change them by mistake. */
    if (n > 0 && w[0].n > 0 && r->args->test_poison_unit > 0 &&
        r->ops->units(r->agent) == r->args->test_poison_unit)
        ((float *)w[0].x)[0] = NAN;
    for (int i = 0; i < n; i++) {
        int rc = cdrl_check_finite(w[i].x, w[i].n, w[i].name, err);
        if (rc)
            return rc;
    }
    return 0;
}

static int diverged(const run_state *r, int64_t unit, cdrl_error *err)
{
    char kept[CDRL_PATH_MAX + 64];
    if (r->last_ckpt >= 0)
        snprintf(kept, sizeof kept, "the last good checkpoint %s (%s %lld) is kept", r->ckpt,
                 r->ops->unit, (long long)r->last_ckpt);
    else
        snprintf(kept, sizeof kept, "no checkpoint was written before it");
    return cdrl_error_prefix(err, "diverged at %s %lld (%s)", r->ops->unit, (long long)unit, kept);
}

/* ---- Learning at all ------------------------------------------------------------- */

/* A fingerprint of the learned parameters (the watched arrays "*.params"). */
static uint32_t params_crc(const run_state *r)
{
    cdrl_run_watch w[CDRL_RUN_MAX_WATCH];
    int n = r->ops->watch(r->agent, w);
    uint32_t crc = 0;
    for (int i = 0; i < n; i++) {
        size_t len = strlen(w[i].name);
        if (len >= 7 && strcmp(w[i].name + len - 7, ".params") == 0)
            crc = cdrl_crc32(crc, w[i].x, w[i].n * sizeof(float));
    }
    return crc;
}

/* ---- The loop -------------------------------------------------------------------- */

/* A signal ended a long unit half-way (cdrl_stop_signalled): its state is
 * half-updated and must not be saved; the last checkpoint is the run. */
static int abandoned(const run_state *r, int64_t unit, cdrl_error *err)
{
    char kept[CDRL_PATH_MAX + 64];
    if (r->last_ckpt >= 0)
        snprintf(kept, sizeof kept, "the last checkpoint %s (%s %lld) is kept", r->ckpt, r->ops->unit,
                 (long long)r->last_ckpt);
    else
        snprintf(kept, sizeof kept, "no checkpoint was written yet; --resume starts the run again");
    return cdrl_errorf(err, CDRL_EINTR, "stopped by %s during %s %lld, which is abandoned (%s); resume "
                       "with: cdrl train --resume %s", cdrl_signal_name(cdrl_stop_requested()),
                       r->ops->unit, (long long)unit, kept, r->args->run_dir);
}

static int stopped(run_state *r, int sig, cdrl_error *err)
{
    int rc = write_checkpoint(r, err);
    if (rc)
        return rc;
    return cdrl_errorf(err, CDRL_EINTR, "stopped by %s at %s %lld; resume with: cdrl train --resume %s",
                       cdrl_signal_name(sig), r->ops->unit, (long long)r->ops->units(r->agent),
                       r->args->run_dir);
}

/* One unit and what follows it: the guard, the metrics row, the progress
 * line and the checkpoint at their cadence. *did_work = 0 when the unit
 * advanced nothing. */
static int one_unit(run_state *r, int *did_work, cdrl_error *err)
{
    const cdrl_run_ops *ops = r->ops;
    const cdrl_run_config *run = r->args->run;
    int64_t before = ops->units(r->agent);
    r->io.seconds = cdrl_clock_seconds() - r->t0;
    int rc = ops->iterate(r->agent, &r->io, err);
    rc = rc ? rc : check_watched(r, err);
    if (rc == CDRL_EDIVERGED)
        return diverged(r, before + 1, err);
    if (rc == CDRL_EINTR)
        return abandoned(r, before + 1, err);
    if (rc)
        return rc;
    int64_t units = ops->units(r->agent);
    *did_work = units != before;
    if (!*did_work)
        return 0;
    r->io.seconds = cdrl_clock_seconds() - r->t0;
    char row[4096];
    if ((rc = ops->metrics_row(r->agent, &r->io, row, sizeof row, err)) ||
        (rc = cdrl_csv_row(r->metrics, err, "%s", row)))
        return rc;
    if (units % run->log_every == 0 || ops->finished(r->agent)) {
        char line[1024];
        ops->progress_line(r->agent, &r->io, line, sizeof line);
        r->args->progress(r->args->user, line);
    }
    if (units % run->checkpoint_every == 0)
        rc = write_checkpoint(r, err);
    return rc;
}

static int train_loop(run_state *r, cdrl_error *err)
{
    for (;;) {
        int sig = cdrl_stop_requested(), did_work = 0;
        if (sig)
            return stopped(r, sig, err);
        if (r->ops->finished(r->agent))
            break;
        int rc = one_unit(r, &did_work, err);
        if (rc)
            return rc;
        if (!did_work)
            break;
    }
    /* The last unit may fall between checkpoints: the final one covers every row. */
    return write_checkpoint(r, err);
}

int cdrl_run_train(const cdrl_run_ops *ops, const cdrl_run_args *args, const void *agent_args,
                   void *result, cdrl_error *err)
{
    run_state r;
    memset(&r, 0, sizeof r);
    r.ops = ops;
    r.args = args;
    r.last_ckpt = -1;
    cdrl_run_rows rows = {0, 0};
    if (args->check_only) {
        int rc = ops->create(agent_args, &r.agent, err);
        if (r.agent)
            ops->free(r.agent);
        return rc;
    }
    int rc = cdrl_path_join(r.ckpt, sizeof r.ckpt, args->run_dir, CDRL_RUN_CHECKPOINT_FILE, err);
    rc = rc ? rc : ops->create(agent_args, &r.agent, err);
    if (!rc && args->resume && !(rc = ops->load(r.agent, r.ckpt, args->config_hash, &rows, err)))
        r.last_ckpt = ops->units(r.agent);
    rc = rc ? rc : open_csv_files(&r, &rows, err);
    if (!rc) {
        r.io.env_steps_at_start = ops->env_steps(r.agent);
        r.t0 = cdrl_clock_seconds();
        uint32_t crc_before = params_crc(&r);
        int64_t units_before = ops->units(r.agent);
        rc = train_loop(&r, err);
        if (!rc && args->learned_nothing)
            *args->learned_nothing = ops->units(r.agent) > units_before && params_crc(&r) == crc_before;
    }
    cdrl_error spare;
    int close_rc = cdrl_csv_close(r.metrics, &spare);
    close_rc |= cdrl_csv_close(r.io.episodes, &spare);
    if (!rc && close_rc)
        rc = cdrl_errorf(err, spare.code, "%s", spare.msg);
    if (!rc)
        ops->result(r.agent, result);
    if (r.agent)
        ops->free(r.agent);
    return rc;
}
