/* Tests of the text: the TrueType font (DejaVu Sans, installed by
 * scripts/setup) draws anti-aliased labels on the grid the layouts assume,
 * inside the box it reports; without a font file the built-in bitmap font
 * draws instead, pixel for pixel its glyphs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "cdrl/viz.h"

#define RED 0xD01010u
#define W 240
#define H 80

typedef struct {
    int minx, maxx, miny, maxy;
    int full, blended; /* pixels of exactly RED, and between RED and white */
} ink;

static ink measure(cdrl_viz_canvas *c)
{
    ink k = {W, -1, H, -1, 0, 0};
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint32_t p = cdrl_viz_canvas_pixel(c, x, y);
            if (p == 0xFFFFFFu)
                continue;
            k.full += p == RED;
            k.blended += p != RED;
            k.minx = x < k.minx ? x : k.minx, k.maxx = x > k.maxx ? x : k.maxx;
            k.miny = y < k.miny ? y : k.miny, k.maxy = y > k.maxy ? y : k.maxy;
        }
    return k;
}

static ink draw(const char *text, int scale)
{
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    cdrl_viz_text(c, 10, 10, scale, RED, text);
    ink k = measure(c);
    cdrl_viz_canvas_free(c);
    return k;
}

static void truetype_by_default(void **state)
{
    (void)state;
    const char *font = cdrl_viz_font();
    assert_non_null(font); /* fonts-dejavu-core is installed by scripts/setup */
    assert_non_null(strstr(font, "DejaVuSans"));
    /* capitals 7 s high on the baseline 7 s below the top, at s = 1..3, with
     * the anti-aliased top row within a pixel */
    for (int s = 1; s <= 3; s++) {
        ink k = draw("HEH", s);
        assert_true(k.full > 0 && k.blended > 0); /* anti-aliased */
        assert_in_range(k.miny, 9, 11); /* the font's capitals: 7 s to the nearest pixel size */
        assert_int_equal(k.maxy, 10 + 7 * s - 1);
        assert_true(k.maxx < 10 + cdrl_viz_text_width(s, "HEH"));
    }
    /* descenders stay inside the reported height, lines 10 s apart */
    ink k = draw("gypsy\nq_j", 2);
    assert_true(k.maxy < 10 + cdrl_viz_text_height(2, "gypsy\nq_j"));
    assert_true(k.maxy > 10 + 10 * 2 + 7 * 2); /* the second line's descenders */
    assert_true(k.maxx < 10 + cdrl_viz_text_width(2, "gypsy\nq_j"));
    /* a proportional font: "iii" is narrower than "WWW" */
    assert_true(cdrl_viz_text_width(2, "iii") < cdrl_viz_text_width(2, "WWW") / 2);
}

static void bitmap_font_when_no_font_opens(void **state)
{
    (void)state;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_set_font("/nonexistent/font.ttf", &err), CDRL_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/font.ttf"));
    assert_null(cdrl_viz_font());
    /* the 5x7 glyphs exactly: "T" is a bar of 5 and a stem of 6 below it */
    assert_int_equal(cdrl_viz_text_width(2, "TT"), (2 * 6 - 1) * 2);
    assert_int_equal(cdrl_viz_text_height(2, "TT"), 8 * 2);
    ink k = draw("T", 2);
    assert_int_equal(k.blended, 0);
    assert_int_equal(k.full, (5 + 6) * 2 * 2);
    assert_int_equal(k.minx, 10);
    assert_int_equal(k.maxx, 10 + 5 * 2 - 1);
    assert_int_equal(k.miny, 10);
    assert_int_equal(k.maxy, 10 + 7 * 2 - 1);
    /* back to a TrueType font, by path; then the built-in one by choice */
    const char *dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
    assert_int_equal(cdrl_viz_set_font(dejavu, &err), 0);
    assert_string_equal(cdrl_viz_font(), dejavu);
    assert_true(draw("T", 2).blended > 0);
    assert_int_equal(cdrl_viz_set_font(NULL, &err), 0);
    assert_null(cdrl_viz_font());
    assert_int_equal(draw("T", 2).blended, 0);
    assert_int_equal(cdrl_viz_set_font(dejavu, &err), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truetype_by_default),
        cmocka_unit_test(bitmap_font_when_no_font_opens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
