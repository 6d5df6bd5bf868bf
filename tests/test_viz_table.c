/* Tests of the CSV tables the visualizer reads: columns by name, blanks
 * and junk as NaN, a half-written last line left out, errors that name the
 * file and line, and run directories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cdrl/viz.h"

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cdrl_test_viz_table_XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void columns_are_found_by_name(void **state)
{
    (void)state;
    const char *path = write_file("m.csv", "env_steps,return_mean,p_0\r\n100,22.5,0.1\r\n200,,0.09\r\n\n300,x,0.08\r\n");
    cdrl_viz_table t;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_table_load(path, &t, &err), 0);
    assert_int_equal(t.n_cols, 3);
    assert_int_equal(t.n_rows, 3);
    int p = cdrl_viz_table_column(&t, "p_0"), r = cdrl_viz_table_column(&t, "return_mean");
    assert_int_equal(p, 2);
    assert_int_equal(cdrl_viz_table_column(&t, "nope"), -1);
    assert_true(cdrl_viz_table_get(&t, 0, r) == 22.5);
    assert_true(isnan(cdrl_viz_table_get(&t, 1, r))); /* empty */
    assert_true(isnan(cdrl_viz_table_get(&t, 2, r))); /* not a number */
    assert_true(cdrl_viz_table_get(&t, 2, p) == 0.08);
    assert_true(isnan(cdrl_viz_table_get(&t, 3, p))); /* out of range */
    cdrl_viz_table_free(&t);
}

static void half_written_last_line_is_left_out(void **state)
{
    (void)state;
    const char *path = write_file("h.csv", "a,b,c\n1,2,3\n4,5");
    cdrl_viz_table t;
    assert_int_equal(cdrl_viz_table_load(path, &t, NULL), 0);
    assert_int_equal(t.n_rows, 1);
    cdrl_viz_table_free(&t);
    /* but a complete last line without a newline is kept */
    path = write_file("h2.csv", "a,b\n1,2\n4,5");
    assert_int_equal(cdrl_viz_table_load(path, &t, NULL), 0);
    assert_int_equal(t.n_rows, 2);
    assert_true(cdrl_viz_table_get(&t, 1, 1) == 5);
    cdrl_viz_table_free(&t);
}

static void bad_files_are_errors_with_place(void **state)
{
    (void)state;
    cdrl_viz_table t;
    cdrl_error err = {0};
    const char *path = write_file("bad.csv", "a,b\n1,2\n1,2,3\n");
    assert_int_equal(cdrl_viz_table_load(path, &t, &err), CDRL_ECORRUPT);
    assert_non_null(strstr(err.msg, "bad.csv:3"));
    assert_int_equal(t.n_cols, 0);
    path = write_file("empty.csv", "");
    assert_int_equal(cdrl_viz_table_load(path, &t, &err), CDRL_ECORRUPT);
    assert_non_null(strstr(err.msg, "empty.csv"));
    /* more columns than a table holds */
    static char wide[4096];
    size_t len = 0;
    for (int c = 0; c < 300; c++)
        len += (size_t)snprintf(wide + len, sizeof wide - len, c ? ",c%d" : "c%d", c);
    snprintf(wide + len, sizeof wide - len, "\n");
    path = write_file("wide.csv", wide);
    assert_int_equal(cdrl_viz_table_load(path, &t, &err), CDRL_ECORRUPT);
    assert_non_null(strstr(err.msg, "wide.csv:1"));
    assert_int_equal(cdrl_viz_table_load("/nonexistent/m.csv", &t, &err), CDRL_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/m.csv"));
}

static void append_adds_rows_and_columns(void **state)
{
    (void)state;
    cdrl_viz_table t = {0};
    const char *n1[2] = {"env_steps", "p_0"};
    double v1[2] = {10, 0.2};
    assert_int_equal(cdrl_viz_table_append(&t, 2, n1, v1, NULL), 0);
    const char *n2[2] = {"p_1", "env_steps"}; /* a new column, another order */
    double v2[2] = {0.3, 20};
    for (int i = 0; i < 100; i++) /* past the first allocation */
        assert_int_equal(cdrl_viz_table_append(&t, 2, n2, v2, NULL), 0);
    assert_int_equal(t.n_rows, 101);
    assert_int_equal(t.n_cols, 3);
    int steps = cdrl_viz_table_column(&t, "env_steps"), p0 = cdrl_viz_table_column(&t, "p_0"),
        p1 = cdrl_viz_table_column(&t, "p_1");
    assert_true(cdrl_viz_table_get(&t, 0, steps) == 10 && cdrl_viz_table_get(&t, 0, p0) == 0.2);
    assert_true(isnan(cdrl_viz_table_get(&t, 0, p1)));
    assert_true(cdrl_viz_table_get(&t, 100, steps) == 20 && cdrl_viz_table_get(&t, 100, p1) == 0.3);
    assert_true(isnan(cdrl_viz_table_get(&t, 100, p0)));
    cdrl_viz_table_free(&t);
}

static void run_directory_loads_both_files(void **state)
{
    (void)state;
    char run[128], path[256];
    snprintf(run, sizeof run, "%s/pg-cartpole-3", dir);
    assert_int_equal(mkdir(run, 0755), 0);
    cdrl_viz_run r;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_run_load(run, &r, &err), CDRL_EIO); /* neither file yet */
    assert_non_null(strstr(err.msg, "metrics.csv"));
    snprintf(path, sizeof path, "%s/episodes.csv", run);
    FILE *f = fopen(path, "w");
    fputs("episode,return,length\n1,20,20\n2,31,31\n", f);
    fclose(f);
    strcat(run, "/"); /* a trailing slash does not change the name */
    assert_int_equal(cdrl_viz_run_load(run, &r, &err), 0);
    assert_string_equal(r.name, "pg-cartpole-3");
    assert_int_equal(r.episodes.n_rows, 2);
    assert_int_equal(r.metrics.n_cols, 0);
    cdrl_viz_run_free(&r);
    assert_int_equal(cdrl_viz_run_load("/nonexistent/run", &r, &err), CDRL_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(columns_are_found_by_name),
        cmocka_unit_test(half_written_last_line_is_left_out),
        cmocka_unit_test(bad_files_are_errors_with_place),
        cmocka_unit_test(append_adds_rows_and_columns),
        cmocka_unit_test(run_directory_loads_both_files),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
