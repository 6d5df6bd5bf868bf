/* Tests of the dashboard: the curves it picks from a run's columns (by
 * name: p_* for the dropout rates, *spread* for the epistemic spread,
 * cal_cover_* for the reliability diagram, plan_* for the planner,
 * bonus_mean for pg's exploration bonus), where
 * its panels go with and without an env view, overlaid runs, and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/metric_names.h"
#include "cdrl/viz.h"
#include "../viz/viz_internal.h" /* viz_spread_title, viz_p_empty_text */

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define W 1000
#define H 640

/* Counts pixels of one colour inside a rectangle. */
static int count_color(cdrl_viz_canvas *c, cdrl_viz_rect r, uint32_t color)
{
    int n = 0;
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            n += cdrl_viz_canvas_pixel(c, x, y) == color;
    return n;
}

static const cdrl_viz_rect top_left = {0, 0, W / 2, H / 2}, top_right = {W / 2, 0, W / 2, H / 2},
                           bottom_left = {0, H / 2, W / 2, H / 2}, bottom_right = {W / 2, H / 2, W / 2, H / 2};

/* A run with the agents' columns in an order of our own; no episodes file. */
static void fake_run(cdrl_viz_run *run, const char *name, int with_spread, double p_scale)
{
    memset(run, 0, sizeof *run);
    strcpy(run->name, name);
    const char *names[5] = {"p_1", "return_mean", "env_steps", "p_0", "mc_spread"};
    for (int i = 0; i < 20; i++) {
        double v[5] = {p_scale * 0.08 * exp(-i / 8.0), 20 + 10 * i * p_scale, 1000.0 * (i + 1), p_scale * 0.1 * exp(-i / 10.0),
                       p_scale * 0.3 * exp(-i / 5.0)};
        assert_int_equal(cdrl_viz_table_append(&run->metrics, with_spread ? 5 : 4, names, v, NULL), 0);
    }
}

static void single_run_fills_each_panel(void **state)
{
    (void)state;
    cdrl_viz_run run;
    fake_run(&run, "one", 1, 1.0);
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, NULL, NULL, 0, NULL, NULL, &err), 0);
    /* one run: its columns take palette colours 0, 1 in the p panel (bottom left) */
    assert_true(count_color(c, bottom_left, cdrl_viz_palette(0)) > 100);
    assert_true(count_color(c, bottom_left, cdrl_viz_palette(1)) > 100);
    /* the spread panel (bottom right) has the one spread column */
    assert_true(count_color(c, bottom_right, cdrl_viz_palette(0)) > 100);
    assert_int_equal(count_color(c, bottom_right, cdrl_viz_palette(1)), 0);
    /* without a view the returns take the whole top row: return_mean in colour 0 */
    assert_true(count_color(c, top_left, cdrl_viz_palette(0)) > 50);
    assert_true(count_color(c, top_right, cdrl_viz_palette(0)) > 50);
    assert_int_equal(count_color(c, top_left, CDRL_VIZ_COLOR_POLE), 0);
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&run);
}

static void missing_columns_leave_a_panel_empty(void **state)
{
    (void)state;
    cdrl_viz_run run;
    fake_run(&run, "nospread", 0, 1.0);
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, NULL, NULL, 0, NULL, NULL, &err), 0);
    for (int k = 0; k < 3; k++)
        assert_int_equal(count_color(c, bottom_right, cdrl_viz_palette(k)), 0);
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&run);
}

static void view_takes_the_top_left_panel(void **state)
{
    (void)state;
    cdrl_viz_run run;
    fake_run(&run, "one", 1, 1.0);
    double s[4] = {0.3, 0, 0.1, 0}, p[4] = {2.4, 0.2094, 0.5, 10};
    cdrl_env_view view = {"cartpole", 4, s, 4, p, 0, 5, 5};
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, &view, NULL, 0, NULL, "status", &err), 0);
    assert_true(count_color(c, top_left, CDRL_VIZ_COLOR_POLE) > 100);
    assert_int_equal(count_color(c, top_left, cdrl_viz_palette(0)), 0); /* the returns moved right */
    assert_true(count_color(c, top_right, cdrl_viz_palette(0)) > 50);
    view.kind = "mountaincar";
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, &view, NULL, 0, NULL, NULL, &err), CDRL_EINVAL);
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&run);
}

static void overlaid_runs_keep_one_colour_each(void **state)
{
    (void)state;
    cdrl_viz_run runs[2];
    fake_run(&runs[0], "learned", 1, 1.0);
    fake_run(&runs[1], "fixed", 1, 2.0);
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, runs, 2, NULL, NULL, 0, NULL, NULL, &err), 0);
    /* run 0 in colour 0, run 1 in colour 1, in every panel; no third colour */
    cdrl_viz_rect panels[3] = {top_left, bottom_left, bottom_right};
    for (int i = 0; i < 3; i++) {
        assert_true(count_color(c, panels[i], cdrl_viz_palette(0)) > 50);
        assert_true(count_color(c, panels[i], cdrl_viz_palette(1)) > 50);
        assert_int_equal(count_color(c, panels[i], cdrl_viz_palette(2)), 0);
    }
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&runs[0]);
    cdrl_viz_run_free(&runs[1]);
}

/* A model-based run that logs calibration and the planner's expectations:
 * the bottom row holds four panels, the third the reliability diagram (the
 * diagonal in grey, the full predictive in colour 0, the epistemic part in
 * colour 1), the fourth the planner's three curves. */
static void reliability_and_planner_panels(void **state)
{
    (void)state;
    cdrl_viz_run run;
    memset(&run, 0, sizeof run);
    strcpy(run.name, "mb");
    const char *names[5 + 2 * 9];
    char cover[18][32];
    names[0] = "env_steps", names[1] = "p_model_l1", names[2] = CDRL_METRIC_PLAN_SCORE;
    names[3] = CDRL_METRIC_PLAN_MEAN, names[4] = CDRL_METRIC_PLAN_PARTICLE_STD;
    for (int k = 0; k < 18; k++) {
        cdrl_metric_cal_cover_name(cover[k], sizeof cover[k], k >= 9, cdrl_metric_cal_levels[k % 9]);
        names[5 + k] = cover[k];
    }
    int epi;
    double level;
    assert_true(cdrl_metric_cal_cover_level(cover[13], &epi, &level) && epi == 1 && level == 0.5);
    assert_false(cdrl_metric_cal_cover_level("cal_cover_", &epi, &level));
    assert_false(cdrl_metric_cal_cover_level("cal_nll", &epi, &level));
    for (int i = 0; i < 10; i++) {
        double v[23] = {100.0 * (i + 1), 0.3 / (i + 1), 15 + i, 12 + i, 3.0 / (i + 1)};
        for (int k = 0; k < 9; k++) {
            v[5 + k] = sqrt(cdrl_metric_cal_levels[k]);                                   /* under-confident */
            v[14 + k] = cdrl_metric_cal_levels[k] * cdrl_metric_cal_levels[k];           /* over-confident */
        }
        assert_int_equal(cdrl_viz_table_append(&run.metrics, 23, names, v, NULL), 0);
    }
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, NULL, NULL, 0, NULL, NULL, &err), 0);
    int quarter = W / 4;
    cdrl_viz_rect rel = {2 * quarter, H / 2, quarter, H / 2}, plan = {3 * quarter, H / 2, quarter, H / 2};
    assert_true(count_color(c, rel, 0x999999u) > 50);
    assert_true(count_color(c, rel, cdrl_viz_palette(0)) > 100);
    assert_true(count_color(c, rel, cdrl_viz_palette(1)) > 50);
    for (int k = 0; k < 3; k++)
        assert_true(count_color(c, plan, cdrl_viz_palette(k)) > 50);
    /* the p panel shrank to the first quarter */
    assert_true(count_color(c, (cdrl_viz_rect){0, H / 2, quarter, H / 2}, cdrl_viz_palette(0)) > 100);
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&run);
}

/* A pg run with the exploration bonus: a third bottom panel holds the
 * bonus curve (colour 0); the spread panel picks up bonus_spread. */
static void bonus_panel(void **state)
{
    (void)state;
    cdrl_viz_run run;
    memset(&run, 0, sizeof run);
    strcpy(run.name, "pg");
    const char *names[4] = {"env_steps", "p_policy_l1", CDRL_METRIC_BONUS_MEAN, "bonus_spread"};
    assert_true(cdrl_metric_is_bonus(CDRL_METRIC_BONUS_MEAN));
    assert_false(cdrl_metric_is_bonus("bonus_spread"));
    for (int i = 0; i < 10; i++) {
        double v[4] = {1600.0 * (i + 1), 0.1, 0.3 * exp(-i / 3.0), 0.06 * exp(-i / 3.0)};
        assert_int_equal(cdrl_viz_table_append(&run.metrics, 4, names, v, NULL), 0);
    }
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, &run, 1, NULL, NULL, 0, NULL, NULL, &err), 0);
    int third = W / 3;
    cdrl_viz_rect spread = {third, H / 2, third, H / 2}, bonus = {2 * third, H / 2, W - 2 * third, H / 2};
    assert_true(count_color(c, bonus, cdrl_viz_palette(0)) > 100);
    assert_true(count_color(c, spread, cdrl_viz_palette(0)) > 100);
    assert_int_equal(count_color(c, bonus, cdrl_viz_palette(1)), 0);
    cdrl_viz_canvas_free(c);
    cdrl_viz_run_free(&run);
}

/* Writes DIR/metrics.csv (one spread column, no p) and DIR/config.cfg with
 * `config`, and loads the run. */
static void run_with_config(const char *dir, const char *config, cdrl_viz_run *run)
{
    char path[512];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("episode,model_spread\n1,0.5\n2,0.25\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/config.cfg", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(config, f);
    fclose(f);
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_run_load(dir, run, &err), 0);
}

/* An mb ensemble without dropout: the spread is the ensemble's, and the
 * empty p panel says why rather than "no data yet"; an mb run with dropout
 * and a pg run keep "MC dropout"; a run without config.cfg is drawn as before. */
static void panels_labelled_by_the_config(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl-test-viz-XXXXXX";
    assert_non_null(mkdtemp(dir));
    cdrl_viz_run runs[3];
    char title[96];
    run_with_config(dir, "agent: { model: { dropout = \"none\"; uncertainty = \"ensemble:5\"; }; };\n", &runs[0]);
    assert_string_equal(runs[0].uncertainty, "ensemble:5");
    assert_int_equal(runs[0].no_dropout, 1);
    viz_spread_title(runs, 1, title, sizeof title);
    assert_string_equal(title, "Epistemic spread (ensemble:5)");
    assert_string_equal(viz_p_empty_text(runs, 1), "no dropout");

    run_with_config(dir, "agent: { model: { dropout = \"concrete\"; uncertainty = \"ensemble:3\"; }; };\n", &runs[1]);
    viz_spread_title(runs + 1, 1, title, sizeof title);
    assert_string_equal(title, "Epistemic spread (ensemble:3 + MC dropout)");
    assert_null(viz_p_empty_text(runs, 2));
    viz_spread_title(runs, 2, title, sizeof title);
    assert_string_equal(title, "Epistemic spread (MC dropout or ensembles)");

    run_with_config(dir, "agent: { policy: { dropout = \"concrete\"; }; value: { dropout = \"none\"; }; };\n", &runs[2]);
    assert_int_equal(runs[2].no_dropout, 0);
    viz_spread_title(runs + 2, 1, title, sizeof title);
    assert_string_equal(title, "Epistemic spread (MC dropout)");
    assert_null(viz_p_empty_text(runs + 2, 1));
    cdrl_viz_run_free(&runs[2]);

    char path[512];
    snprintf(path, sizeof path, "%s/config.cfg", dir);
    unlink(path);
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_run_load(dir, &runs[2], &err), 0);
    assert_string_equal(runs[2].uncertainty, "");
    assert_int_equal(runs[2].no_dropout, 0);

    /* and the dashboard draws the ensemble run with these labels */
    cdrl_viz_canvas *c = NULL;
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_draw_dashboard(c, runs, 1, NULL, NULL, 0, NULL, NULL, &err), 0);
    cdrl_viz_canvas_free(c);
    for (int k = 0; k < 3; k++)
        cdrl_viz_run_free(&runs[k]);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_run_fills_each_panel),
        cmocka_unit_test(missing_columns_leave_a_panel_empty),
        cmocka_unit_test(view_takes_the_top_left_panel),
        cmocka_unit_test(overlaid_runs_keep_one_colour_each),
        cmocka_unit_test(reliability_and_planner_panels),
        cmocka_unit_test(bonus_panel),
        cmocka_unit_test(panels_labelled_by_the_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
