/* The run harness (run_loop.h) with a fake agent through its ops: the budget,
 * stopping with a checkpoint, divergence in parameters and in optimizer
 * state with the last good checkpoint kept (and not claimed when there is
 * none), and CSV files cut back to the checkpoint on resume. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "cdrl/checkpoint.h"
#include "cdrl/file.h"
#include "cdrl/run.h"
#include "cdrl/agent.h"
#include "cdrl/run_loop.h"

/* ---- A fake agent ------------------------------------------------------------ */

typedef struct {
    int64_t units, env_steps, budget;
    int64_t rows[2];
    float params[4];
    float state[8]; /* "Adam" moments */
} fake_state;

/* What the next run's agent does wrong, and at which unit (0: never). */
static struct {
    int64_t stop_at, nan_param_at, inf_state_at, loss_at;
    int frozen;           /* 1: the parameters never change */
    int64_t signal_in_unit_at; /* this unit returns CDRL_EINTR half-way, as MC sampling does on a signal */
} plan;

typedef struct {
    fake_state s;
} fake;

static int fake_create(const void *agent_args, void **out, cdrl_error *err)
{
    (void)err;
    const cdrl_run_args *args = agent_args;
    fake *f = calloc(1, sizeof *f);
    f->s.budget = args->run->steps;
    *out = f;
    return 0;
}

static void fake_free(void *self)
{
    free(self);
}

static void fake_header(const void *self, char *out, size_t size)
{
    (void)self;
    snprintf(out, size, "update,env_steps,p_fake_l1,sps");
}

static int64_t fake_units(const void *self)
{
    return ((const fake *)self)->s.units;
}

static int64_t fake_env_steps(const void *self)
{
    return ((const fake *)self)->s.env_steps;
}

static int fake_finished(const void *self)
{
    const fake *f = self;
    return f->s.env_steps >= f->s.budget;
}

static int fake_iterate(void *self, const cdrl_run_io *io, cdrl_error *err)
{
    fake *f = self;
    int64_t u = f->s.units + 1;
    f->s.env_steps += 10;
    int rc = cdrl_csv_row(io->episodes, err, "%lld,%lld", (long long)u, (long long)f->s.env_steps);
    if (rc)
        return rc;
    if (u == plan.loss_at)
        return cdrl_errorf(err, CDRL_EDIVERGED, "fake loss is not finite");
    if (u == plan.signal_in_unit_at)
        return cdrl_errorf(err, CDRL_EINTR, "stopped by SIGINT during MC sampling");
    if (!plan.frozen)
        f->s.params[0] += 0.5f;
    f->s.state[0] += 0.25f;
    if (u == plan.nan_param_at)
        f->s.params[2] = NAN;
    if (u == plan.inf_state_at)
        f->s.state[5] = INFINITY;
    if (u == plan.stop_at)
        cdrl_stop_request();
    f->s.units = u;
    return 0;
}

static int fake_row(void *self, const cdrl_run_io *io, char *out, size_t size, cdrl_error *err)
{
    (void)io, (void)err;
    const fake *f = self;
    snprintf(out, size, "%lld,%lld,%.9g,0", (long long)f->s.units, (long long)f->s.env_steps, f->s.params[0]);
    return 0;
}

static void fake_line(const void *self, const cdrl_run_io *io, char *out, size_t size)
{
    (void)io;
    snprintf(out, size, "unit %lld", (long long)((const fake *)self)->s.units);
}

static int fake_watch(const void *self, cdrl_run_watch *out)
{
    const fake *f = self;
    out[0] = (cdrl_run_watch){"fake.params", f->s.params, 4};
    out[1] = (cdrl_run_watch){"fake.adam.state", f->s.state, 8};
    return 2;
}

static int fake_save(void *self, const char *path, uint64_t hash, const cdrl_run_rows *rows, cdrl_error *err)
{
    fake *f = self;
    f->s.rows[0] = rows->metrics;
    f->s.rows[1] = rows->episodes;
    cdrl_ckpt_writer *w;
    int rc = cdrl_ckpt_writer_create("fake", hash, &w, err);
    if (rc)
        return rc;
    rc = cdrl_ckpt_add(w, "state", &f->s, sizeof f->s, err);
    rc = rc ? rc : cdrl_ckpt_commit(w, path, err);
    cdrl_ckpt_writer_free(w);
    return rc;
}

static int fake_load(void *self, const char *path, uint64_t hash, cdrl_run_rows *rows, cdrl_error *err)
{
    fake *f = self;
    int64_t budget = f->s.budget;
    cdrl_ckpt *ck;
    int rc = cdrl_ckpt_open(path, &ck, err);
    rc = rc ? rc : cdrl_ckpt_check(ck, "fake", hash, err);
    rc = rc ? rc : cdrl_ckpt_read(ck, "state", &f->s, sizeof f->s, err);
    cdrl_ckpt_free(ck);
    f->s.budget = budget;
    rows->metrics = f->s.rows[0];
    rows->episodes = f->s.rows[1];
    return rc;
}

static void fake_result(const void *self, void *result)
{
    cdrl_train_result *out = result;
    const fake *f = self;
    out->iterations = f->s.units;
    out->env_steps = f->s.env_steps;
}

static const cdrl_run_ops fake_ops = {
    .unit = "update",
    .episodes_header = "episode,env_steps",
    .create = fake_create,
    .free = fake_free,
    .metrics_header = fake_header,
    .units = fake_units,
    .env_steps = fake_env_steps,
    .finished = fake_finished,
    .iterate = fake_iterate,
    .metrics_row = fake_row,
    .progress_line = fake_line,
    .watch = fake_watch,
    .save = fake_save,
    .load = fake_load,
    .result = fake_result,
};

/* ---- Running it ---------------------------------------------------------------- */

static int lines_seen;

static void count_line(void *user, const char *line)
{
    (void)user, (void)line;
    lines_seen++;
}

static char root[1024];

static int setup(void **state)
{
    (void)state;
    memset(&plan, 0, sizeof plan);
    cdrl_stop_clear();
    lines_seen = 0;
    return tmp_tree_make(root, sizeof root, "cdrl_test_run_loop");
}

static int teardown(void **state)
{
    (void)state;
    cdrl_stop_clear();
    tmp_tree_remove(root);
    return 0;
}

static int learned_nothing;

/* Trains in root/name: budget 10 units, a checkpoint every 2, a line every 3. */
static int train(const char *name, int resume, cdrl_train_result *res, cdrl_error *err)
{
    static char dir[CDRL_PATH_MAX];
    static cdrl_run_config run;
    memset(&run, 0, sizeof run);
    run.steps = 100;
    run.checkpoint_every = 2;
    run.log_every = 3;
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    if (!resume)
        assert_int_equal(cdrl_run_dir_prepare(dir, err), 0);
    cdrl_run_args args = {.run_dir = dir, .resume = resume, .run = &run, .config_hash = 42,
                          .progress = count_line, .learned_nothing = &learned_nothing};
    cdrl_error_clear(err);
    memset(res, 0, sizeof *res);
    return cdrl_run_train(&fake_ops, &args, &args, res, err);
}

static char *slurp(const char *name, const char *file)
{
    char path[CDRL_PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s/%s", root, name, file);
    char *data = NULL;
    size_t size;
    cdrl_error err;
    if (cdrl_read_file(path, 1 << 20, &data, &size, &err))
        return NULL;
    return data;
}

static fake_state checkpoint_of(const char *name)
{
    char path[CDRL_PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s/checkpoint.bin", root, name);
    cdrl_ckpt *ck;
    cdrl_error err;
    fake_state s;
    assert_int_equal(cdrl_ckpt_open(path, &ck, &err), 0);
    assert_int_equal(cdrl_ckpt_read(ck, "state", &s, sizeof s, &err), 0);
    cdrl_ckpt_free(ck);
    return s;
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; text && *text; text++)
        n += *text == '\n';
    return n;
}

static void test_runs_to_its_budget(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    assert_int_equal(train("whole", 0, &res, &err), 0);
    assert_int_equal(res.iterations, 10);
    assert_int_equal(lines_seen, 4); /* units 3, 6, 9 and the last, 10 */
    char *metrics = slurp("whole", "metrics.csv"), *episodes = slurp("whole", "episodes.csv");
    assert_int_equal(count_lines(metrics), 11);
    assert_int_equal(count_lines(episodes), 11);
    fake_state s = checkpoint_of("whole");
    assert_int_equal(s.units, 10);
    assert_int_equal(s.rows[0], 10);
    free(metrics), free(episodes);
}

/* Issue 20 D5: a run whose parameters never changed is flagged, not passed
 * off as a success; a run that learned is not. */
static void test_a_run_that_learned_nothing_is_flagged(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    assert_int_equal(train("learns", 0, &res, &err), 0);
    assert_int_equal(learned_nothing, 0);
    plan.frozen = 1;
    assert_int_equal(train("frozen", 0, &res, &err), 0);
    assert_int_equal(learned_nothing, 1);
}

/* Issue 20 D9: a unit ended half-way by a signal is abandoned: no checkpoint
 * of its half-updated state, and the message says what is kept. */
static void test_a_unit_ended_by_a_signal_is_abandoned(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    plan.signal_in_unit_at = 6;
    assert_int_equal(train("abandoned", 0, &res, &err), CDRL_EINTR);
    assert_non_null(strstr(err.msg, "during update 6, which is abandoned (the last checkpoint "));
    assert_non_null(strstr(err.msg, "(update 4) is kept); resume with: cdrl train --resume "));
    fake_state s = checkpoint_of("abandoned");
    assert_int_equal(s.units, 4);
}

static void test_stop_writes_a_checkpoint_and_returns_eintr(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    plan.stop_at = 3;
    assert_int_equal(train("stopped", 0, &res, &err), CDRL_EINTR);
    char want[CDRL_PATH_MAX * 2];
    snprintf(want, sizeof want, "stopped by request at update 3; resume with: cdrl train --resume %s/stopped", root);
    assert_string_equal(err.msg, want);
    fake_state s = checkpoint_of("stopped");
    assert_int_equal(s.units, 3);
    assert_int_equal(s.rows[0], 3);
    assert_int_equal(s.rows[1], 3);
}

static void test_optimizer_state_divergence_keeps_the_last_checkpoint(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    plan.inf_state_at = 5;
    assert_int_equal(train("adam", 0, &res, &err), CDRL_EDIVERGED);
    char want[CDRL_PATH_MAX * 2];
    snprintf(want, sizeof want, "diverged at update 5 (the last good checkpoint %s/adam/checkpoint.bin "
             "(update 4) is kept): fake.adam.state[5] is inf", root);
    assert_string_equal(err.msg, want);
    fake_state s = checkpoint_of("adam");
    assert_int_equal(s.units, 4);
    assert_true(isfinite(s.state[5]));
}

static void test_divergence_before_any_checkpoint_says_so(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    plan.nan_param_at = 1;
    assert_int_equal(train("early", 0, &res, &err), CDRL_EDIVERGED);
    assert_string_equal(err.msg, "diverged at update 1 (no checkpoint was written before it): fake.params[2] is nan");
    char path[CDRL_PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/early/checkpoint.bin", root);
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_loss_divergence_names_the_unit(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    plan.loss_at = 7;
    assert_int_equal(train("loss", 0, &res, &err), CDRL_EDIVERGED);
    char want[CDRL_PATH_MAX * 2];
    snprintf(want, sizeof want, "diverged at update 7 (the last good checkpoint %s/loss/checkpoint.bin "
             "(update 6) is kept): fake loss is not finite", root);
    assert_string_equal(err.msg, want);
}

/* A run that diverged after its checkpoint at 4 has rows past it; resumed
 * (without the fault), the files are cut back and end equal to a whole run's. */
static void test_resume_cuts_the_csv_files_back_to_the_checkpoint(void **state)
{
    (void)state;
    cdrl_train_result res;
    cdrl_error err;
    assert_int_equal(train("whole", 0, &res, &err), 0);
    plan.loss_at = 5;
    assert_int_equal(train("cut", 0, &res, &err), CDRL_EDIVERGED);
    char *episodes = slurp("cut", "episodes.csv");
    assert_int_equal(count_lines(episodes), 6); /* header, 4 covered, 1 past the checkpoint */
    free(episodes);
    plan.loss_at = 0;
    assert_int_equal(train("cut", 1, &res, &err), 0);
    assert_int_equal(res.iterations, 10);
    const char *files[2] = {"metrics.csv", "episodes.csv"};
    for (int i = 0; i < 2; i++) {
        char *a = slurp("whole", files[i]), *b = slurp("cut", files[i]);
        assert_non_null(a);
        assert_non_null(b);
        assert_string_equal(a, b);
        free(a), free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_runs_to_its_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_writes_a_checkpoint_and_returns_eintr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_optimizer_state_divergence_keeps_the_last_checkpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_divergence_before_any_checkpoint_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(test_loss_divergence_names_the_unit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_run_that_learned_nothing_is_flagged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_unit_ended_by_a_signal_is_abandoned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resume_cuts_the_csv_files_back_to_the_checkpoint, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
