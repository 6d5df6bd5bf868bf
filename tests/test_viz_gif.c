/* Tests of the episode video: its files are decoded by giflib's reader
 * (DGifSlurp) and the frames composited here as a viewer does (each frame's
 * rectangle over the last, transparent pixels left alone): the frame count,
 * size, delays and looping are what was asked, and the pixels shown after
 * every frame are the pixels drawn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gif_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/viz.h"
#include "tmp_tree.h"

/* ---- Decoding ---- */

typedef struct {
    GifFileType *file;
    int width, height;
    uint32_t *shown; /* what a viewer shows after the frames composited so far */
} decoded;

static void decode_open(decoded *d, const char *path)
{
    int code = 0;
    d->file = DGifOpenFileName(path, &code);
    assert_non_null(d->file);
    assert_int_equal(DGifSlurp(d->file), GIF_OK);
    d->width = d->file->SWidth;
    d->height = d->file->SHeight;
    d->shown = calloc((size_t)d->width * (size_t)d->height, sizeof *d->shown);
}

static void decode_close(decoded *d)
{
    int code;
    DGifCloseFile(d->file, &code);
    free(d->shown);
}

/* Composites frame i onto d->shown; returns its delay in 1/100 s. */
static int composite(decoded *d, int i)
{
    const SavedImage *image = &d->file->SavedImages[i];
    GraphicsControlBlock gcb;
    assert_int_equal(DGifSavedExtensionToGCB(d->file, i, &gcb), GIF_OK);
    assert_int_equal(gcb.DisposalMode, DISPOSE_DO_NOT);
    const GifImageDesc *desc = &image->ImageDesc;
    const ColorMapObject *map = desc->ColorMap ? desc->ColorMap : d->file->SColorMap;
    assert_non_null(map);
    assert_true(desc->Left + desc->Width <= d->width && desc->Top + desc->Height <= d->height);
    for (int y = 0; y < desc->Height; y++)
        for (int x = 0; x < desc->Width; x++) {
            int index = image->RasterBits[y * desc->Width + x];
            if (index == gcb.TransparentColor)
                continue;
            assert_true(index < map->ColorCount);
            GifColorType c = map->Colors[index];
            d->shown[(size_t)(desc->Top + y) * (size_t)d->width + (size_t)(desc->Left + x)] =
                (uint32_t)c.Red << 16 | (uint32_t)c.Green << 8 | c.Blue;
        }
    return gcb.DelayTime;
}

/* 1 if the first frame carries the NETSCAPE2.0 extension: loop forever. */
static int loops_forever(const decoded *d)
{
    const SavedImage *first = &d->file->SavedImages[0];
    for (int k = 0; k + 1 < first->ExtensionBlockCount; k++) {
        const ExtensionBlock *b = &first->ExtensionBlocks[k];
        if (b->Function == APPLICATION_EXT_FUNC_CODE && b->ByteCount == 11 && !memcmp(b->Bytes, "NETSCAPE2.0", 11)) {
            const ExtensionBlock *sub = &first->ExtensionBlocks[k + 1];
            return sub->ByteCount == 3 && sub->Bytes[0] == 1 && sub->Bytes[1] == 0 && sub->Bytes[2] == 0;
        }
    }
    return 0;
}

/* ---- Drawing ---- */

#define W 160
#define H 96

/* A picture with a few flat colours and a block that moves with t. */
static void draw_scene(cdrl_viz_canvas *c, int t)
{
    cdrl_viz_fill(c, 0xF4F8FCu);
    cdrl_viz_fill_rect(c, (cdrl_viz_rect){0, 70, W, 26}, 0xDCD6C8u);
    cdrl_viz_fill_rect(c, (cdrl_viz_rect){10 + 9 * t, 40, 30, 30}, 0x2F4F6Fu);
    cdrl_viz_fill_rect(c, (cdrl_viz_rect){120, 5 + 3 * t, 8, 8}, (uint32_t)(0xC8643C + t));
}

static void canvas_pixels(cdrl_viz_canvas *c, uint32_t *out)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            out[y * W + x] = cdrl_viz_canvas_pixel(c, x, y);
}

static void write_scene_video(const char *path, int frames, double rate)
{
    cdrl_viz_gif_options o = {W, H, rate};
    cdrl_viz_gif *gif = NULL;
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_gif_open(path, &o, &gif, &err), 0);
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    for (int t = 0; t < frames; t++) {
        draw_scene(c, t == 3 ? 2 : t); /* frame 3 repeats frame 2: nothing changes */
        assert_int_equal(cdrl_viz_gif_add_canvas(gif, c, &err), 0);
    }
    assert_int_equal(cdrl_viz_gif_frames(gif), frames);
    assert_int_equal(cdrl_viz_gif_finish(gif, &err), 0);
    cdrl_viz_gif_free(gif);
    cdrl_viz_canvas_free(c);
}

/* ---- Tests ---- */

static void frames_show_the_pixels_drawn(void **state)
{
    (void)state;
    char dir[256], path[300];
    assert_int_equal(tmp_tree_make(dir, sizeof dir, "cdrl_test_viz_gif"), 0);
    snprintf(path, sizeof path, "%s/scene.gif", dir);
    write_scene_video(path, 7, 30);

    decoded d;
    decode_open(&d, path);
    assert_int_equal(d.width, W);
    assert_int_equal(d.height, H);
    assert_int_equal(d.file->ImageCount, 7);
    assert_true(loops_forever(&d));
    /* 30 frames a second: frame k ends at round(100 (k + 1) / 30) hundredths */
    static const int delays[7] = {3, 4, 3, 3, 4, 3, 3};
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    uint32_t want[W * H];
    for (int t = 0; t < 7; t++) {
        assert_int_equal(composite(&d, t), delays[t]);
        draw_scene(c, t == 3 ? 2 : t);
        canvas_pixels(c, want);
        assert_memory_equal(d.shown, want, sizeof want); /* a handful of colours: exact */
        if (t > 0) /* only the moving blocks' rectangle is stored */
            assert_true(d.file->SavedImages[t].ImageDesc.Width * d.file->SavedImages[t].ImageDesc.Height < W * H / 2);
    }
    cdrl_viz_canvas_free(c);
    decode_close(&d);
    tmp_tree_remove(dir);
}

/* More colours than a GIF frame holds: the most used stay exact, the rest
 * go to their nearest. */
static void many_colours_map_to_the_nearest(void **state)
{
    (void)state;
    char dir[256], path[300];
    assert_int_equal(tmp_tree_make(dir, sizeof dir, "cdrl_test_viz_gif"), 0);
    snprintf(path, sizeof path, "%s/ramp.gif", dir);
    cdrl_viz_gif_options o = {W, H, 50};
    cdrl_viz_gif *gif = NULL;
    cdrl_viz_canvas *c = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_gif_open(path, &o, &gif, &err), 0);
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    cdrl_viz_fill(c, 0x336699u);
    for (int x = 0; x < W; x++) /* 2 x 160 grey and red levels in the top rows */
        for (int y = 0; y < 4; y++)
            cdrl_viz_fill_rect(c, (cdrl_viz_rect){x, y, 1, 1},
                               y < 2 ? (uint32_t)(x * 0x010101) : (uint32_t)((x + 90) << 16));
    uint32_t want[W * H];
    canvas_pixels(c, want);
    assert_int_equal(cdrl_viz_gif_add_canvas(gif, c, &err), 0);
    assert_int_equal(cdrl_viz_gif_finish(gif, &err), 0);
    cdrl_viz_gif_free(gif);
    cdrl_viz_canvas_free(c);

    decoded d;
    decode_open(&d, path);
    assert_int_equal(d.file->ImageCount, 1);
    assert_int_equal(composite(&d, 0), 2);
    double worst = 0;
    for (int i = 0; i < W * H; i++) {
        if (want[i] == 0x336699u)
            assert_int_equal(d.shown[i], 0x336699u);
        for (int s = 0; s < 24; s += 8)
            worst = fmax(worst, fabs((double)(want[i] >> s & 255) - (double)(d.shown[i] >> s & 255)));
    }
    assert_true(worst <= 4); /* 321 colours in 256 entries: neighbours are close */
    decode_close(&d);
    tmp_tree_remove(dir);
}

static void env_frames_decode(void **state)
{
    (void)state;
    char dir[256], path[300];
    assert_int_equal(tmp_tree_make(dir, sizeof dir, "cdrl_test_viz_gif"), 0);
    snprintf(path, sizeof path, "%s/cartpole.gif", dir);
    cdrl_viz_gif_options o = {300, 200, 50};
    cdrl_viz_gif *gif = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_gif_open(path, &o, &gif, &err), 0);
    double params[4] = {2.4, 0.20943951023931953, 0.5, 10};
    for (int t = 0; t < 5; t++) {
        double s[4] = {-1.0 + 0.5 * t, 0, 0.02 * t, 0};
        cdrl_env_view view = {"cartpole", 4, s, 4, params, t ? 1 : NAN, t, t};
        assert_int_equal(cdrl_viz_gif_frame(gif, &view, NULL, 0, &err), 0);
    }
    cdrl_env_view wrong = {"nope", 4, params, 4, params, NAN, 0, 0};
    assert_int_equal(cdrl_viz_gif_frame(gif, &wrong, NULL, 0, &err), CDRL_EINVAL);
    assert_int_equal(cdrl_viz_gif_frames(gif), 5);
    assert_int_equal(cdrl_viz_gif_finish(gif, &err), 0);
    cdrl_viz_gif_free(gif);

    decoded d;
    decode_open(&d, path);
    assert_int_equal(d.width, 300);
    assert_int_equal(d.height, 200);
    assert_int_equal(d.file->ImageCount, 5);
    double scale = 300 / (2 * CDRL_VIZ_CARTPOLE_SPAN * 2.4), track = CDRL_VIZ_CARTPOLE_TRACK_Y * 200;
    for (int t = 0; t < 5; t++) {
        assert_int_equal(composite(&d, t), 2); /* 50 steps a second */
        /* the cart's body where viz.h puts it (beside the pole), a cart's
         * width left of it the sky */
        int cx = (int)lround(150 + (-1.0 + 0.5 * t) * scale), cy = (int)lround(track - 0.15 * scale);
        assert_int_equal(d.shown[cy * 300 + cx - (int)(0.15 * scale)], CDRL_VIZ_COLOR_CART);
        assert_int_not_equal(d.shown[cy * 300 + cx - (int)(0.6 * scale)], CDRL_VIZ_COLOR_CART);
    }
    decode_close(&d);
    tmp_tree_remove(dir);
}

static void same_frames_same_bytes(void **state)
{
    (void)state;
    char dir[256], a[300], b[300];
    assert_int_equal(tmp_tree_make(dir, sizeof dir, "cdrl_test_viz_gif"), 0);
    snprintf(a, sizeof a, "%s/a.gif", dir);
    snprintf(b, sizeof b, "%s/b.gif", dir);
    write_scene_video(a, 5, 50);
    write_scene_video(b, 5, 50);
    FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
    static uint8_t ba[1 << 16], bb[1 << 16];
    size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
    fclose(fa);
    fclose(fb);
    assert_true(na > 6 && !memcmp(ba, "GIF89a", 6));
    assert_int_equal(na, nb);
    assert_memory_equal(ba, bb, na);
    tmp_tree_remove(dir);
}

static void bad_paths_and_sizes_are_errors(void **state)
{
    (void)state;
    char dir[256], path[300];
    assert_int_equal(tmp_tree_make(dir, sizeof dir, "cdrl_test_viz_gif"), 0);
    cdrl_viz_gif *gif = (cdrl_viz_gif *)1;
    cdrl_error err = {0};
    snprintf(path, sizeof path, "%s/missing/x.gif", dir);
    assert_int_equal(cdrl_viz_gif_open(path, NULL, &gif, &err), CDRL_EIO);
    assert_null(gif);
    assert_non_null(strstr(err.msg, "missing/x.gif"));
    snprintf(path, sizeof path, "%s/x.gif", dir);
    cdrl_viz_gif_options o = {10, 400, 50};
    assert_int_equal(cdrl_viz_gif_open(path, &o, &gif, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "10x400"));
    o = (cdrl_viz_gif_options){200, 100, 0};
    assert_int_equal(cdrl_viz_gif_open(path, &o, &gif, &err), CDRL_EINVAL);
    /* a video without frames, or dropped without finishing, leaves nothing */
    assert_int_equal(cdrl_viz_gif_open(path, NULL, &gif, &err), 0);
    assert_int_equal(cdrl_viz_gif_finish(gif, &err), CDRL_EINVAL);
    cdrl_viz_gif_free(gif);
    cdrl_viz_canvas *c = NULL;
    assert_int_equal(cdrl_viz_gif_open(path, NULL, &gif, &err), 0);
    assert_int_equal(cdrl_viz_canvas_create(W, H, &c, &err), 0);
    assert_int_equal(cdrl_viz_gif_add_canvas(gif, c, &err), CDRL_EINVAL); /* not the video's size */
    cdrl_viz_canvas_free(c);
    cdrl_viz_gif_free(gif);
    assert_int_equal(tmp_tree_count(dir), 0);
    tmp_tree_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_show_the_pixels_drawn),
        cmocka_unit_test(many_colours_map_to_the_nearest),
        cmocka_unit_test(env_frames_decode),
        cmocka_unit_test(same_frames_same_bytes),
        cmocka_unit_test(bad_paths_and_sizes_are_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
