/* Tests of the plots, by their pixels: points land where the axes say, the
 * axes span the data on round ticks, lines join points and break at NaN,
 * and the running mean is the mean of the last `window` values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdrl/viz.h"

#define RED 0xD01010u
#define BLUE 0x1030D0u

static cdrl_viz_canvas *new_canvas(int w, int h)
{
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(w, h, &c, &err), 0);
    return c;
}

/* 1 if pixel p is ink of color: at least half covered by it over the white
 * background (lines are anti-aliased, so their edge pixels are blends). */
static int is_ink_of(uint32_t p, uint32_t color)
{
    double d2 = 0, full2 = 0;
    for (int s = 0; s < 24; s += 8) {
        double pc = p >> s & 255, cc = color >> s & 255;
        d2 += (pc - cc) * (pc - cc);
        full2 += (255 - cc) * (255 - cc);
    }
    return d2 <= full2 / 4;
}

/* True if ink of color is at (x, y) or one of its 8 neighbours: the drawn
 * marker is 3x3 pixels centred on the rounded point. */
static int color_near(cdrl_viz_canvas *c, double x, double y, uint32_t color)
{
    int cx = (int)lround(x), cy = (int)lround(y);
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            if (is_ink_of(cdrl_viz_canvas_pixel(c, cx + dx, cy + dy), color))
                return 1;
    return 0;
}

static void points_land_where_the_axes_say(void **state)
{
    (void)state;
    double x[5] = {0, 10, 35, 80, 100}, y[5] = {0, 50, 12.5, 40, 25};
    cdrl_viz_series s = {"points", x, y, 5, RED, CDRL_VIZ_POINTS};
    cdrl_viz_plot_spec spec = {"t", "x", "y", &s, 1, 0, 0, NULL, 0, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(640, 400);
    cdrl_viz_rect r = {20, 10, 600, 380};
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, r, &spec, &axes);
    /* the data span round numbers already: the axes are exactly the data */
    assert_true(axes.x_min == 0 && axes.x_max == 100);
    assert_true(axes.y_min == 0 && axes.y_max == 50);
    assert_true(axes.area.x > r.x && axes.area.x + axes.area.w <= r.x + r.w);
    assert_true(axes.area.y > r.y && axes.area.y + axes.area.h <= r.y + r.h);
    assert_true(axes.area.w > 400 && axes.area.h > 250);
    for (int i = 0; i < 5; i++) {
        /* the pixel from the documented formula, not from the library */
        double px = axes.area.x + x[i] / 100.0 * (axes.area.w - 1);
        double py = axes.area.y + axes.area.h - 1 - y[i] / 50.0 * (axes.area.h - 1);
        double qx, qy;
        cdrl_viz_axes_to_pixel(&axes, x[i], y[i], &qx, &qy);
        assert_true(fabs(px - qx) < 1e-9 && fabs(py - qy) < 1e-9);
        assert_true(color_near(c, px, py, RED));
    }
    /* and nowhere else: (50, 25) holds no point */
    double px, py;
    cdrl_viz_axes_to_pixel(&axes, 50, 25, &px, &py);
    assert_false(color_near(c, px, py, RED));
    cdrl_viz_canvas_free(c);
}

static void axes_round_out_to_ticks(void **state)
{
    (void)state;
    double x[3] = {3, 47, 1234}, y[3] = {0.013, 0.21, 0.087};
    cdrl_viz_series s = {NULL, x, y, 3, BLUE, CDRL_VIZ_SOLID};
    cdrl_viz_plot_spec spec = {NULL, NULL, NULL, &s, 1, 0, 0, NULL, 0, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(500, 300);
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 500, 300}, &spec, &axes);
    /* ticks of 200 and 0.05: [0, 1400] and [0, 0.25] */
    assert_true(fabs(axes.x_min - 0) < 1e-9 && fabs(axes.x_max - 1400) < 1e-9);
    assert_true(fabs(axes.y_min - 0) < 1e-12 && fabs(axes.y_max - 0.25) < 1e-12);
    /* a reference line above the data widens the axis to include it */
    spec.has_hline = 1;
    spec.hline_y = 0.4;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 500, 300}, &spec, &axes);
    assert_true(axes.y_max >= 0.4 - 1e-12);
    /* and fix_y_min pulls the axis down to 0 for data far from it */
    double y2[3] = {100, 120, 150};
    cdrl_viz_series s2 = {NULL, x, y2, 3, BLUE, CDRL_VIZ_SOLID};
    cdrl_viz_plot_spec spec2 = {NULL, NULL, NULL, &s2, 1, 0, 0, NULL, 1, 0.0, NULL};
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 500, 300}, &spec2, &axes);
    assert_true(axes.y_min == 0 && axes.y_max >= 150);
    cdrl_viz_canvas_free(c);
}

static void lines_join_points_and_break_at_nan(void **state)
{
    (void)state;
    double x[5] = {0, 10, 20, 30, 40}, y[5] = {0, 10, 10, NAN, 0};
    cdrl_viz_series s = {"line", x, y, 5, BLUE, CDRL_VIZ_SOLID};
    cdrl_viz_plot_spec spec = {NULL, NULL, NULL, &s, 1, 0, 0, NULL, 0, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(600, 400);
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 600, 400}, &spec, &axes);
    double px, py;
    cdrl_viz_axes_to_pixel(&axes, 5, 5, &px, &py); /* middle of the first segment */
    assert_true(color_near(c, px, py, BLUE));
    cdrl_viz_axes_to_pixel(&axes, 15, 10, &px, &py); /* middle of the flat one */
    assert_true(color_near(c, px, py, BLUE));
    cdrl_viz_axes_to_pixel(&axes, 30, 5, &px, &py); /* across the gap: nothing */
    assert_false(color_near(c, px, py, BLUE));
    cdrl_viz_axes_to_pixel(&axes, 25, 5, &px, &py);
    assert_false(color_near(c, px, py, BLUE));
    cdrl_viz_canvas_free(c);
}

/* Past four points per pixel column a series is drawn column by column;
 * it must still cover every value's pixel and still break at NaN. */
static void long_series_cover_their_range(void **state)
{
    (void)state;
    enum { N = 6000 };
    static double x[N], y[N];
    for (int i = 0; i < N; i++) {
        x[i] = i;
        y[i] = i % 2 ? 10 : 0; /* alternating: every column spans 0..10 */
    }
    for (int i = 4000; i < 4600; i++)
        y[i] = NAN;
    cdrl_viz_series s = {NULL, x, y, N, RED, CDRL_VIZ_THIN};
    cdrl_viz_plot_spec spec = {NULL, NULL, NULL, &s, 1, 0, 0, NULL, 0, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(600, 400);
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 600, 400}, &spec, &axes);
    assert_true(N > 4 * axes.area.w);
    double px, py;
    for (double v = 0; v <= 10; v += 2.5) {
        cdrl_viz_axes_to_pixel(&axes, 1000, v, &px, &py);
        assert_true(color_near(c, px, py, RED));
    }
    cdrl_viz_axes_to_pixel(&axes, 4300, 5, &px, &py);
    assert_false(color_near(c, px, py, RED));
    cdrl_viz_axes_to_pixel(&axes, 5000, 5, &px, &py);
    assert_true(color_near(c, px, py, RED));
    cdrl_viz_canvas_free(c);
}

static void several_series_keep_their_colors(void **state)
{
    (void)state;
    double x[2] = {0, 10}, a[2] = {1, 1}, b[2] = {3, 3};
    cdrl_viz_series s[2] = {{"a", x, a, 2, RED, CDRL_VIZ_SOLID}, {"b", x, b, 2, BLUE, CDRL_VIZ_SOLID}};
    cdrl_viz_plot_spec spec = {"two", NULL, NULL, s, 2, 0, 0, NULL, 1, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(600, 400);
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 600, 400}, &spec, &axes);
    double px, py;
    cdrl_viz_axes_to_pixel(&axes, 5, 1, &px, &py);
    assert_true(color_near(c, px, py, RED));
    assert_false(color_near(c, px, py, BLUE));
    cdrl_viz_axes_to_pixel(&axes, 5, 3, &px, &py);
    assert_true(color_near(c, px, py, BLUE));
    cdrl_viz_canvas_free(c);
}

static void empty_plot_draws_without_data(void **state)
{
    (void)state;
    double nan[2] = {NAN, NAN};
    cdrl_viz_series s = {"none", nan, nan, 2, RED, CDRL_VIZ_SOLID};
    cdrl_viz_plot_spec spec = {"empty", "x", "y", &s, 1, 0, 0, NULL, 0, 0, NULL};
    cdrl_viz_canvas *c = new_canvas(300, 200);
    cdrl_viz_axes axes;
    cdrl_viz_draw_plot(c, (cdrl_viz_rect){0, 0, 300, 200}, &spec, &axes);
    assert_true(axes.x_max > axes.x_min && axes.y_max > axes.y_min);
    int red = 0;
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 300; x++)
            red += cdrl_viz_canvas_pixel(c, x, y) == RED;
    assert_int_equal(red, 0);
    cdrl_viz_canvas_free(c);
}

static void running_mean_of_last_window(void **state)
{
    (void)state;
    double y[6] = {1, 3, NAN, 5, 7, 9}, m[6];
    cdrl_viz_running_mean(y, 6, 3, m);
    assert_true(fabs(m[0] - 1) < 1e-12);
    assert_true(fabs(m[1] - 2) < 1e-12);
    assert_true(fabs(m[2] - 2) < 1e-12);       /* NaN skipped */
    assert_true(fabs(m[3] - 4) < 1e-12);       /* {3, NaN, 5} */
    assert_true(fabs(m[4] - 6) < 1e-12);       /* {NaN, 5, 7} */
    assert_true(fabs(m[5] - 7) < 1e-12);       /* {5, 7, 9} */
    double all_nan[2] = {NAN, NAN};
    cdrl_viz_running_mean(all_nan, 2, 100, m);
    assert_true(isnan(m[0]) && isnan(m[1]));
}

/* A one-pixel line between pixels is shaded, not stepped: in every column
 * its ink adds up to one pixel, centred where the line passes. */
static void thin_lines_are_anti_aliased(void **state)
{
    (void)state;
    cdrl_viz_canvas *c = new_canvas(160, 100);
    cdrl_viz_line(c, 10.5, 10.5, 130.5, 70.5, 1, 0x000000u); /* from pixel centre to pixel centre */
    int shaded = 0;
    for (int x = 12; x <= 128; x++) {
        double ink = 0, moment = 0;
        for (int y = 0; y < 100; y++) {
            double v = (255 - (cdrl_viz_canvas_pixel(c, x, y) & 255)) / 255.0;
            ink += v, moment += v * (y + 0.5);
            shaded += v > 0.05 && v < 0.95;
        }
        double want_y = 10.5 + (x + 0.5 - 10.5) * 0.5;
        assert_true(fabs(ink - 1) < 0.15);
        assert_true(fabs(moment / ink - want_y) < 0.2);
    }
    assert_true(shaded > 100); /* half of the columns fall between two rows */
    cdrl_viz_canvas_free(c);
}

static void text_has_the_size_it_reports(void **state)
{
    (void)state;
    cdrl_viz_canvas *c = new_canvas(200, 60);
    const char *t = "p_0 = 0.1";
    cdrl_viz_text(c, 10, 10, 2, RED, t);
    int minx = 1000, maxx = -1, miny = 1000, maxy = -1;
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 200; x++)
            if (cdrl_viz_canvas_pixel(c, x, y) == RED) {
                minx = x < minx ? x : minx, maxx = x > maxx ? x : maxx;
                miny = y < miny ? y : miny, maxy = y > maxy ? y : maxy;
            }
    assert_true(minx >= 10 && maxx < 10 + cdrl_viz_text_width(2, t));
    assert_true(miny >= 10 && maxy < 10 + cdrl_viz_text_height(2, t));
    assert_true(maxx - minx > cdrl_viz_text_width(2, t) / 2);
    cdrl_viz_canvas_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(points_land_where_the_axes_say),
        cmocka_unit_test(axes_round_out_to_ticks),
        cmocka_unit_test(lines_join_points_and_break_at_nan),
        cmocka_unit_test(long_series_cover_their_range),
        cmocka_unit_test(several_series_keep_their_colors),
        cmocka_unit_test(empty_plot_draws_without_data),
        cmocka_unit_test(running_mean_of_last_window),
        cmocka_unit_test(thin_lines_are_anti_aliased),
        cmocka_unit_test(text_has_the_size_it_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
