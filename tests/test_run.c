/* Tests of run files: atomic whole-file writes, CSV files cut back on resume,
 * run directories, the stop flag and the divergence guard. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tmp_tree.h"

#include "cdrl/run.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    return tmp_tree_make(dir, sizeof dir, "cdrl_test_run");
}


static int remove_dir(void **state)
{
    (void)state;
    tmp_tree_remove(dir);
    return 0;
}

static char *slurp(const char *path)
{
    char *data;
    size_t size;
    cdrl_error err;
    assert_int_equal(cdrl_read_file(path, 1 << 20, &data, &size, &err), 0);
    return data;
}

static void test_atomic_write(void **state)
{
    (void)state;
    char path[256];
    cdrl_error err;
    assert_int_equal(cdrl_path_join(path, sizeof path, dir, "config.cfg", &err), 0);
    assert_int_equal(cdrl_write_file_atomic(path, "first\n", 6, &err), 0);
    assert_int_equal(cdrl_write_file_atomic(path, "second\n", 7, &err), 0);
    assert_int_equal(tmp_tree_count(dir), 1); /* no temporary file left behind */
    char *text = slurp(path);
    assert_string_equal(text, "second\n");
    free(text);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_mode & S_IRUSR);

    char missing[256];
    snprintf(missing, sizeof missing, "%s/absent/config.cfg", dir);
    assert_int_equal(cdrl_write_file_atomic(missing, "x", 1, &err), CDRL_EIO);
    assert_true(strncmp(err.msg, missing, strlen(missing)) == 0);
    assert_int_equal(tmp_tree_count(dir), 1);

    char *data;
    size_t size;
    assert_int_equal(cdrl_read_file(path, 3, &data, &size, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "too large"));
    assert_int_equal(cdrl_read_file(missing, 100, &data, &size, &err), CDRL_EIO);

    char small[8];
    assert_int_equal(cdrl_path_join(small, sizeof small, "abcd", "efgh", &err), CDRL_EINVAL);
}

/* Writes rows 0..n-1 of a metrics-like file. */
static void write_rows(cdrl_csv *csv, int from, int to)
{
    cdrl_error err;
    for (int i = from; i < to; i++)
        assert_int_equal(cdrl_csv_row(csv, &err, "%d,%.9g", i, 0.5 * i), 0);
}

static void test_csv_resume_matches_uninterrupted(void **state)
{
    (void)state;
    const char *header = "update,loss";
    char whole[256], resumed[256];
    cdrl_error err;
    cdrl_csv *csv;
    snprintf(whole, sizeof whole, "%s/whole.csv", dir);
    snprintf(resumed, sizeof resumed, "%s/resumed.csv", dir);

    assert_int_equal(cdrl_csv_create(whole, header, &csv, &err), 0);
    write_rows(csv, 0, 10);
    assert_int_equal(cdrl_csv_rows(csv), 10);
    assert_int_equal(cdrl_csv_close(csv, &err), 0);

    /* The interrupted run: a checkpoint after 4 rows, then 3 more rows and
     * half of another before the kill. */
    assert_int_equal(cdrl_csv_create(resumed, header, &csv, &err), 0);
    write_rows(csv, 0, 4);
    assert_int_equal(cdrl_csv_sync(csv, &err), 0);
    int64_t at_checkpoint = cdrl_csv_rows(csv);
    write_rows(csv, 4, 7);
    assert_int_equal(cdrl_csv_close(csv, &err), 0);
    FILE *f = fopen(resumed, "ab");
    fputs("7,3.", f);
    fclose(f);

    assert_int_equal(cdrl_csv_resume(resumed, header, at_checkpoint, &csv, &err), 0);
    assert_int_equal(cdrl_csv_rows(csv), 4);
    write_rows(csv, 4, 10);
    assert_int_equal(cdrl_csv_close(csv, &err), 0);

    char *a = slurp(whole), *b = slurp(resumed);
    assert_string_equal(a, b);
    free(a);
    free(b);
}

static void test_csv_resume_errors(void **state)
{
    (void)state;
    char path[256];
    cdrl_error err;
    cdrl_csv *csv;
    snprintf(path, sizeof path, "%s/episodes.csv", dir);
    assert_int_equal(cdrl_csv_create(path, "episode,return", &csv, &err), 0);
    write_rows(csv, 0, 3);
    assert_int_equal(cdrl_csv_close(csv, &err), 0);

    assert_int_equal(cdrl_csv_resume(path, "episode,return", 5, &csv, &err), CDRL_ECORRUPT);
    assert_null(csv);
    assert_non_null(strstr(err.msg, "holds 3 complete rows, the checkpoint counts 5"));
    assert_int_equal(cdrl_csv_resume(path, "episode,length", 1, &csv, &err), CDRL_ECORRUPT);
    assert_non_null(strstr(err.msg, "header"));
    char missing[256];
    snprintf(missing, sizeof missing, "%s/none.csv", dir);
    assert_int_equal(cdrl_csv_resume(missing, "episode,return", 0, &csv, &err), CDRL_EIO);
    /* Resuming at exactly the rows present keeps the file as it is. */
    assert_int_equal(cdrl_csv_resume(path, "episode,return", 3, &csv, &err), 0);
    assert_int_equal(cdrl_csv_close(csv, &err), 0);
    char *text = slurp(path);
    assert_string_equal(text, "episode,return\n0,0\n1,0.5\n2,1\n");
    free(text);
    assert_int_equal(cdrl_csv_close(NULL, &err), 0);
}

static void test_run_dirs(void **state)
{
    (void)state;
    char root[256], a[512], b[512];
    cdrl_error err;
    snprintf(root, sizeof root, "%s/runs/nested", dir);
    assert_int_equal(cdrl_run_dir_create(root, "pg", "cartpole", 7, a, sizeof a, &err), 0);
    assert_int_equal(cdrl_run_dir_create(root, "pg", "cartpole", 7, b, sizeof b, &err), 0);
    assert_string_not_equal(a, b); /* two runs never share a directory */
    char prefix[300];
    snprintf(prefix, sizeof prefix, "%s/pg-cartpole-7-", root);
    assert_true(strncmp(a, prefix, strlen(prefix)) == 0);
    const char *stamp = a + strlen(prefix); /* YYYYmmdd-HHMMSS */
    assert_true(strlen(stamp) == 15 && stamp[8] == '-');
    struct stat st;
    assert_int_equal(stat(a, &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    char out[512];
    snprintf(out, sizeof out, "%s/mine/run", dir);
    assert_int_equal(cdrl_run_dir_prepare(out, &err), 0);
    assert_int_equal(cdrl_run_dir_prepare(out, &err), 0); /* empty: still fine */
    char cfg[600];
    snprintf(cfg, sizeof cfg, "%s/config.cfg", out);
    assert_int_equal(cdrl_write_file_atomic(cfg, "x", 1, &err), 0);
    assert_int_equal(cdrl_run_dir_prepare(out, &err), CDRL_EINVAL);
    char expected[1200];
    snprintf(expected, sizeof expected,
             "%s already holds a run that stopped before its first checkpoint; start it again from its "
             "saved config with --resume %s, or choose another --out", out, out);
    assert_string_equal(err.msg, expected);
    char ckpt[600];
    snprintf(ckpt, sizeof ckpt, "%s/checkpoint.bin", out);
    assert_int_equal(cdrl_write_file_atomic(ckpt, "x", 1, &err), 0);
    assert_int_equal(cdrl_run_dir_prepare(out, &err), CDRL_EINVAL);
    snprintf(expected, sizeof expected,
             "%s already holds a run; resume it with --resume %s or choose another --out", out, out);
    assert_string_equal(err.msg, expected);
}

/* One writer per run directory: a second lock is refused with the holder's
 * pid; the lock dies with its holder (here: its close), so a stale .lock file
 * is no obstacle. */
static void test_run_dir_lock(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_lock_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cdrl_error err;
    int a, b;
    assert_int_equal(cdrl_run_dir_lock(dir, &a, &err), 0);
    assert_int_equal(cdrl_run_dir_lock(dir, &b, &err), CDRL_ESTATE);
    char expected[256];
    snprintf(expected, sizeof expected, "%s is in use by another cdrl (pid %ld); wait for it to finish or stop it",
             dir, (long)getpid());
    assert_string_equal(err.msg, expected);
    cdrl_run_dir_unlock(a);
    assert_int_equal(cdrl_run_dir_lock(dir, &b, &err), 0);
    cdrl_run_dir_unlock(b);
    /* A checkpoint that is a symlink loop is an error, not "no checkpoint". */
    char path[300], loop[300];
    int has = 1;
    assert_int_equal(cdrl_run_dir_has_checkpoint(dir, &has, &err), 0);
    assert_int_equal(has, 0);
    snprintf(path, sizeof path, "%s/checkpoint.bin", dir);
    snprintf(loop, sizeof loop, "%s/loop", dir);
    assert_int_equal(symlink(loop, path), 0);
    assert_int_equal(symlink(path, loop), 0);
    assert_int_equal(cdrl_run_dir_has_checkpoint(dir, &has, &err), CDRL_EIO);
    assert_non_null(strstr(err.msg, "Too many levels of symbolic links"));
    unlink(path);
    unlink(loop);
    snprintf(path, sizeof path, "%s/.lock", dir);
    unlink(path);
    rmdir(dir);
}

/* Issue 20 D9: a second signal ends the process at once, but says what it
 * abandons, on stderr, from the handler. */
static void test_second_signal_says_what_it_abandons(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        cdrl_error err;
        cdrl_stop_install(&err);
        cdrl_stop_set_abandon_note("cdrl train", "work since the last checkpoint in R is abandoned");
        raise(SIGINT);
        raise(SIGINT);
        _exit(0);
    }
    close(fds[1]);
    char text[512] = "";
    size_t got = 0;
    ssize_t n;
    while (got < sizeof text - 1 && (n = read(fds[0], text + got, sizeof text - 1 - got)) > 0)
        got += (size_t)n;
    close(fds[0]);
    int status;
    waitpid(pid, &status, 0);
    text[got] = '\0';
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
    assert_string_equal(text, "cdrl train: second SIGINT: stopping now; work since the last checkpoint in R is "
                              "abandoned\n");
}

static void test_stop_flag(void **state)
{
    (void)state;
    cdrl_error err;
    assert_int_equal(cdrl_stop_install(&err), 0);
    assert_int_equal(cdrl_stop_requested(), 0);
    raise(SIGTERM); /* handled: sets the flag, does not end the process */
    assert_int_equal(cdrl_stop_requested(), SIGTERM);
    cdrl_stop_clear();
    assert_int_equal(cdrl_stop_requested(), 0);
    raise(SIGINT);
    assert_int_equal(cdrl_stop_requested(), SIGINT);
    cdrl_stop_clear();
    cdrl_stop_request();
    assert_int_equal(cdrl_stop_requested(), -1);
    cdrl_stop_clear();
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

static void test_divergence_guard(void **state)
{
    (void)state;
    cdrl_error err;
    float x[6] = {0, 1, -2, 3e38f, 5, 6};
    assert_int_equal(cdrl_check_finite(x, 6, "policy.params", &err), 0);
    x[4] = NAN;
    assert_int_equal(cdrl_check_finite(x, 6, "policy.params", &err), CDRL_EDIVERGED);
    assert_string_equal(err.msg, "policy.params[4] is nan");
    x[2] = -INFINITY;
    assert_int_equal(cdrl_check_finite(x, 6, "policy.params", &err), CDRL_EDIVERGED);
    assert_string_equal(err.msg, "policy.params[2] is -inf");
    double loss[2] = {1.0, INFINITY};
    assert_int_equal(cdrl_check_finite_d(loss, 1, "loss", &err), 0);
    assert_int_equal(cdrl_check_finite_d(loss, 2, "loss", &err), CDRL_EDIVERGED);
    assert_string_equal(err.msg, "loss[1] is inf");
}

typedef struct {
    char seen[256];
    int calls;
} option_log;

static int log_option(void *user, const char *key, const char *value, cdrl_error *err)
{
    option_log *log = user;
    log->calls++;
    strncat(log->seen, key, sizeof log->seen - strlen(log->seen) - 1);
    strncat(log->seen, ":", sizeof log->seen - strlen(log->seen) - 1);
    strncat(log->seen, value, sizeof log->seen - strlen(log->seen) - 1);
    strncat(log->seen, ";", sizeof log->seen - strlen(log->seen) - 1);
    if (strcmp(key, "bad") == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "unknown option bad");
    return 0;
}

static void test_env_options(void **state)
{
    (void)state;
    cdrl_error err;
    option_log log = {"", 0};
    assert_int_equal(cdrl_env_options_each("integrator=euler,max_steps=200", log_option, &log, &err), 0);
    assert_string_equal(log.seen, "integrator:euler;max_steps:200;");
    log = (option_log){"", 0};
    assert_int_equal(cdrl_env_options_each("", log_option, &log, &err), 0);
    assert_int_equal(log.calls, 0);
    assert_int_equal(cdrl_env_options_each("a=1,bad=2,c=3", log_option, &log, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "unknown option bad");
    assert_int_equal(log.calls, 2);
    assert_int_equal(cdrl_env_options_each("a=1,", log_option, &log, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_env_options_each("=1", log_option, &log, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_env_options_each("a=", log_option, &log, &err), CDRL_EINVAL);
    assert_string_equal(err.msg, "env option 'a=': expected key=value");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_atomic_write, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_csv_resume_matches_uninterrupted, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_csv_resume_errors, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_run_dirs, make_dir, remove_dir),
        cmocka_unit_test(test_run_dir_lock),
        cmocka_unit_test(test_second_signal_says_what_it_abandons),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_divergence_guard),
        cmocka_unit_test(test_env_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
