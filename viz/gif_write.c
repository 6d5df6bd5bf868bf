/* Episode videos as animated GIFs, through giflib.
 *
 * Each frame is the env's drawer with a small overlay (step, return, time),
 * shown for one env step at the env's real-time rate. GIF allows 256 colours
 * per frame, so every frame gets its own palette: the colours it uses most,
 * exactly (a drawer's flat colours never shift), and the rarer ones (the
 * anti-aliased edges) mapped to their nearest. Only the rectangle that
 * changed since the last frame is stored, and in it the pixels that still
 * show the right colour are transparent, so a frame of a cart moving over a
 * still background costs a few kilobytes.
 *
 * The file is built in memory and written atomically at the end; that the
 * path can be written is tried when the video is opened, so a wrong path
 * fails at once and not after a whole episode. */
#include "cdrl/file.h"
#include "cdrl/shortest.h"
#include "viz_internal.h"

#include <errno.h>
#include <gif_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GIF_MIN_SIDE 64
#define GIF_MAX_SIDE 4096
#define HASH_SLOTS (1 << 16) /* distinct colours counted per frame, at most half of it */
#define NO_INDEX 0xFFFF

/* ---- Palettes ---- */

typedef struct {
    uint32_t color;  /* 0xRRGGBB + 1; 0 = empty slot */
    uint32_t count;
    uint16_t index;  /* palette index, once chosen */
} color_slot;

static uint32_t slot_of(uint32_t color)
{
    return (color * 2654435761u) >> 16 & (HASH_SLOTS - 1);
}

/* The slot holding color, or the empty slot where it goes; NULL when the
 * table is too full to take it. */
static color_slot *find_slot(color_slot *table, int *used, uint32_t color)
{
    for (uint32_t s = slot_of(color);; s = (s + 1) & (HASH_SLOTS - 1)) {
        if (table[s].color == color + 1)
            return &table[s];
        if (table[s].color == 0) {
            if (*used >= HASH_SLOTS / 2)
                return NULL;
            (*used)++;
            table[s].color = color + 1;
            return &table[s];
        }
    }
}

/* Squared distance with the eye's weights (green counts most). */
static uint32_t color_distance(uint32_t a, uint32_t b)
{
    int dr = (int)(a >> 16 & 255) - (int)(b >> 16 & 255);
    int dg = (int)(a >> 8 & 255) - (int)(b >> 8 & 255);
    int db = (int)(a & 255) - (int)(b & 255);
    return (uint32_t)(2 * dr * dr + 4 * dg * dg + 3 * db * db);
}

static uint16_t nearest(const uint32_t *palette, int n, uint32_t color)
{
    uint16_t best = 0;
    uint32_t best_d = UINT32_MAX;
    for (int i = 0; i < n; i++) {
        uint32_t d = color_distance(palette[i], color);
        if (d < best_d)
            best_d = d, best = (uint16_t)i;
    }
    return best;
}

static int by_count(const void *a, const void *b)
{
    const color_slot *x = *(const color_slot *const *)a, *y = *(const color_slot *const *)b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return (x->color > y->color) - (x->color < y->color); /* ties: fixed order, same file every time */
}

/* Picks k of the n colours in order (most used first) for the palette and
 * sets every colour's index. With room for all, all are exact. Otherwise the
 * most used half are exact and the other half go where the rest are worst
 * served: each next entry is the colour farthest from its nearest entry so
 * far, so that no pixel ends up far from its colour (on anti-aliased edges
 * hundreds of colours are each used a little). */
static void choose_palette(color_slot **order, int n, int k, uint32_t *palette)
{
    int exact = n <= k ? n : k / 2;
    for (int i = 0; i < n; i++)
        order[i]->index = NO_INDEX;
    for (int i = 0; i < exact; i++) {
        palette[i] = order[i]->color - 1;
        order[i]->index = (uint16_t)i;
    }
    if (n > k) {
        /* order[i]->count is spent from here on: it holds the distance of
         * colour i to its nearest entry */
        for (int i = exact; i < n; i++)
            order[i]->count = color_distance(order[i]->color - 1, palette[nearest(palette, exact, order[i]->color - 1)]);
        for (int e = exact; e < k; e++) {
            int far = -1;
            for (int i = exact; i < n; i++)
                if (order[i]->index == NO_INDEX && (far < 0 || order[i]->count > order[far]->count))
                    far = i;
            palette[e] = order[far]->color - 1;
            order[far]->index = (uint16_t)e;
            for (int i = exact; i < n; i++) {
                uint32_t d = color_distance(order[i]->color - 1, palette[e]);
                if (d < order[i]->count)
                    order[i]->count = d;
            }
        }
    }
    for (int i = 0; i < n; i++)
        if (order[i]->index == NO_INDEX)
            order[i]->index = nearest(palette, k, order[i]->color - 1);
}

/* ---- The video ---- */

struct cdrl_viz_gif {
    char path[CDRL_PATH_MAX];
    int width, height;
    double steps_per_second;
    cdrl_viz_canvas *canvas;
    GifFileType *file;
    uint8_t *data;             /* the GIF so far */
    size_t len, cap;
    int out_of_memory;
    uint32_t *now, *prev;      /* this frame and the last, 0xRRGGBB */
    uint32_t *shown;           /* what a viewer shows after the last frame */
    uint8_t *rgb;              /* canvas read-out */
    GifPixelType *indices;     /* one frame's palette indices */
    color_slot *table;
    color_slot **order;
    long frames;
    long shown_cs;             /* hundredths of a second shown so far */
};

static int gif_output(GifFileType *file, const GifByteType *bytes, int n)
{
    cdrl_viz_gif *gif = file->UserData;
    if (gif->len + (size_t)n > gif->cap) {
        size_t cap = gif->cap ? gif->cap : 1 << 16;
        while (cap < gif->len + (size_t)n)
            cap *= 2;
        uint8_t *grown = realloc(gif->data, cap);
        if (!grown) {
            gif->out_of_memory = 1;
            return 0;
        }
        gif->data = grown;
        gif->cap = cap;
    }
    memcpy(gif->data + gif->len, bytes, (size_t)n);
    gif->len += (size_t)n;
    return n;
}

static int gif_failed(cdrl_viz_gif *gif, cdrl_error *err)
{
    if (gif->out_of_memory)
        return cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory for the video", gif->path);
    return cdrl_errorf(err, CDRL_EIO, "%s: giflib: %s", gif->path,
                       gif->file ? GifErrorString(gif->file->Error) : "cannot start");
}

cdrl_viz_gif_options cdrl_viz_gif_defaults(void)
{
    cdrl_viz_gif_options o = {600, 400, 50};
    return o;
}

int cdrl_viz_gif_open(const char *path, const cdrl_viz_gif_options *opts, cdrl_viz_gif **out, cdrl_error *err)
{
    *out = NULL;
    cdrl_viz_gif_options o = opts ? *opts : cdrl_viz_gif_defaults();
    if (o.width < GIF_MIN_SIDE || o.height < GIF_MIN_SIDE || o.width > GIF_MAX_SIDE || o.height > GIF_MAX_SIDE)
        return cdrl_errorf(err, CDRL_EINVAL, "gif: size %dx%d outside %d..%d", o.width, o.height, GIF_MIN_SIDE,
                           GIF_MAX_SIDE);
    if (!(o.steps_per_second > 0) || !isfinite(o.steps_per_second) || o.steps_per_second > 1000)
        return cdrl_errorf(err, CDRL_EINVAL, "gif: %g steps per second outside (0, 1000]", o.steps_per_second);
    if (strlen(path) >= CDRL_PATH_MAX)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: path too long", path);
    if (cdrl_check_writable(path, err))
        return err ? err->code : CDRL_EIO;
    cdrl_viz_gif *gif = calloc(1, sizeof *gif);
    if (!gif)
        return cdrl_errorf(err, CDRL_ENOMEM, "gif: out of memory");
    snprintf(gif->path, sizeof gif->path, "%s", path);
    gif->width = o.width;
    gif->height = o.height;
    gif->steps_per_second = o.steps_per_second;
    size_t pixels = (size_t)o.width * (size_t)o.height;
    gif->now = malloc(pixels * sizeof *gif->now);
    gif->prev = malloc(pixels * sizeof *gif->prev);
    gif->shown = malloc(pixels * sizeof *gif->shown);
    gif->rgb = malloc(pixels * 3);
    gif->indices = malloc(pixels);
    gif->table = malloc(HASH_SLOTS * sizeof *gif->table);
    gif->order = malloc(HASH_SLOTS / 2 * sizeof *gif->order);
    if (!gif->now || !gif->prev || !gif->shown || !gif->rgb || !gif->indices || !gif->table || !gif->order) {
        cdrl_viz_gif_free(gif);
        return cdrl_errorf(err, CDRL_ENOMEM, "gif: out of memory for %dx%d frames", o.width, o.height);
    }
    if (cdrl_viz_canvas_create(o.width, o.height, &gif->canvas, err)) {
        cdrl_viz_gif_free(gif);
        return err ? err->code : CDRL_ENOMEM;
    }
    int code = 0;
    gif->file = EGifOpen(gif, gif_output, &code);
    if (!gif->file) {
        cdrl_viz_gif_free(gif);
        return cdrl_errorf(err, CDRL_EIO, "%s: giflib: %s", path, GifErrorString(code));
    }
    EGifSetGifVersion(gif->file, true); /* GIF89a: delays and transparency */
    static const GifByteType netscape[11] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    static const GifByteType loop_forever[3] = {1, 0, 0};
    if (EGifPutScreenDesc(gif->file, o.width, o.height, 8, 0, NULL) == GIF_ERROR ||
        EGifPutExtensionLeader(gif->file, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
        EGifPutExtensionBlock(gif->file, sizeof netscape, netscape) == GIF_ERROR ||
        EGifPutExtensionBlock(gif->file, sizeof loop_forever, loop_forever) == GIF_ERROR ||
        EGifPutExtensionTrailer(gif->file) == GIF_ERROR) {
        int rc = gif_failed(gif, err);
        cdrl_viz_gif_free(gif);
        return rc;
    }
    *out = gif;
    return 0;
}

void cdrl_viz_gif_free(cdrl_viz_gif *gif)
{
    if (!gif)
        return;
    if (gif->file)
        EGifCloseFile(gif->file, NULL);
    cdrl_viz_canvas_free(gif->canvas);
    free(gif->data);
    free(gif->now);
    free(gif->prev);
    free(gif->shown);
    free(gif->rgb);
    free(gif->indices);
    free(gif->table);
    free(gif->order);
    free(gif);
}

/* The rectangle holding every pixel of `now` that differs from `prev`;
 * 0 if none does. */
static int changed_box(const cdrl_viz_gif *gif, int *x0, int *y0, int *x1, int *y1)
{
    int w = gif->width, h = gif->height;
    *x0 = w, *y0 = h, *x1 = -1, *y1 = -1;
    for (int y = 0; y < h; y++) {
        const uint32_t *a = gif->now + (size_t)y * (size_t)w, *b = gif->prev + (size_t)y * (size_t)w;
        if (!memcmp(a, b, (size_t)w * sizeof *a))
            continue;
        int lo = 0, hi = w - 1;
        while (a[lo] == b[lo])
            lo++;
        while (a[hi] == b[hi])
            hi--;
        *x0 = lo < *x0 ? lo : *x0;
        *x1 = hi > *x1 ? hi : *x1;
        *y0 = y < *y0 ? y : *y0;
        *y1 = y;
    }
    return *x1 >= 0;
}

/* Encodes gif->now (after the first frame, only what changed) with a
 * palette of its own, shown for delay_cs hundredths of a second. */
static int put_frame(cdrl_viz_gif *gif, int delay_cs, cdrl_error *err)
{
    int w = gif->width, x0 = 0, y0 = 0, x1 = w - 1, y1 = gif->height - 1;
    int first = gif->frames == 0;
    if (!first && !changed_box(gif, &x0, &y0, &x1, &y1))
        x0 = y0 = x1 = y1 = 0; /* nothing changed: one transparent pixel keeps the time */
    int bw = x1 - x0 + 1, bh = y1 - y0 + 1;

    /* count the colours of the pixels to be sent (in the box, changed since
     * the last frame); the most used make the palette */
    memset(gif->table, 0, HASH_SLOTS * sizeof *gif->table);
    int used = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            size_t at = (size_t)y * (size_t)w + (size_t)x;
            if (!first && gif->now[at] == gif->prev[at])
                continue;
            color_slot *s = find_slot(gif->table, &used, gif->now[at]);
            if (s)
                s->count++;
        }
    int n = 0;
    for (int s = 0; s < HASH_SLOTS; s++)
        if (gif->table[s].color)
            gif->order[n++] = &gif->table[s];
    qsort(gif->order, (size_t)n, sizeof *gif->order, by_count);
    int n_palette = n < (first ? 256 : 255) ? n : (first ? 256 : 255);
    int transparent = first ? NO_TRANSPARENT_COLOR : n_palette; /* the index after the colours */
    int map_size = 2;
    while (map_size < n_palette + !first)
        map_size *= 2;
    uint32_t palette[256];
    GifColorType colors[256];
    memset(colors, 0, sizeof colors);
    choose_palette(gif->order, n, n_palette, palette);
    for (int i = 0; i < n_palette; i++)
        colors[i] = (GifColorType){(GifByteType)(palette[i] >> 16), (GifByteType)(palette[i] >> 8),
                                   (GifByteType)palette[i]};

    /* indices; a pixel that has not changed, or already shows the colour it
     * would get, is left transparent (its shade from an earlier palette
     * stands: changing it would cost bytes and flicker) */
    GifPixelType *out = gif->indices;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            size_t at = (size_t)y * (size_t)w + (size_t)x;
            if (!first && gif->now[at] == gif->prev[at]) {
                *out++ = (GifPixelType)transparent;
                continue;
            }
            color_slot *s = find_slot(gif->table, &used, gif->now[at]);
            uint16_t index = s && s->index != NO_INDEX ? s->index : nearest(palette, n_palette, gif->now[at]);
            if (!first && palette[index] == gif->shown[at]) {
                *out++ = (GifPixelType)transparent;
                continue;
            }
            *out++ = (GifPixelType)index;
            gif->shown[at] = palette[index];
        }

    GraphicsControlBlock gcb = {DISPOSE_DO_NOT, false, delay_cs, transparent};
    GifByteType gce[4];
    EGifGCBToExtension(&gcb, gce);
    ColorMapObject *map = GifMakeMapObject(map_size, colors);
    int failed = !map || EGifPutExtension(gif->file, GRAPHICS_EXT_FUNC_CODE, sizeof gce, gce) == GIF_ERROR ||
                 EGifPutImageDesc(gif->file, x0, y0, bw, bh, false, map) == GIF_ERROR;
    for (int y = 0; y < bh && !failed; y++)
        failed = EGifPutLine(gif->file, gif->indices + (size_t)y * (size_t)bw, bw) == GIF_ERROR;
    GifFreeMapObject(map);
    if (failed)
        return gif_failed(gif, err);
    uint32_t *t = gif->prev;
    gif->prev = gif->now;
    gif->now = t;
    gif->frames++;
    return 0;
}

int cdrl_viz_gif_add_canvas(cdrl_viz_gif *gif, cdrl_viz_canvas *canvas, cdrl_error *err)
{
    if (cdrl_viz_canvas_width(canvas) != gif->width || cdrl_viz_canvas_height(canvas) != gif->height)
        return cdrl_errorf(err, CDRL_EINVAL, "gif: a %dx%d frame for a %dx%d video", cdrl_viz_canvas_width(canvas),
                           cdrl_viz_canvas_height(canvas), gif->width, gif->height);
    cdrl_viz_canvas_read_rgb(canvas, gif->rgb);
    size_t pixels = (size_t)gif->width * (size_t)gif->height;
    for (size_t i = 0; i < pixels; i++)
        gif->now[i] = (uint32_t)gif->rgb[3 * i] << 16 | (uint32_t)gif->rgb[3 * i + 1] << 8 | gif->rgb[3 * i + 2];
    /* Frame k ends at k+1 steps of real time; rounding the end times (not
     * each delay) keeps a rate such as 30 per second exact on average. */
    long end_cs = lround((double)(gif->frames + 1) * 100.0 / gif->steps_per_second);
    int delay = (int)(end_cs - gif->shown_cs);
    if (put_frame(gif, delay, err))
        return err ? err->code : CDRL_EIO;
    gif->shown_cs = end_cs;
    return 0;
}

/* The overlay: step, return and time of the episode, bottom left. */
static void draw_overlay(cdrl_viz_gif *gif, const cdrl_env_view *view)
{
    char text[96];
    snprintf(text, sizeof text, "step %d  return %s  t %.2f s", view->steps,
             cdrl_shortest_double(view->episode_return).text, view->steps / gif->steps_per_second);
    int scale = gif->width >= 900 ? 2 : 1;
    int tw = cdrl_viz_text_width(scale, text), th = cdrl_viz_text_height(scale, text), pad = 4 * scale;
    cdrl_viz_rect box = {pad, gif->height - th - 3 * pad, tw + 2 * pad, th + 2 * pad};
    cdrl_viz_fill_rect(gif->canvas, box, 0xFFFFFFu);
    cdrl_viz_text(gif->canvas, box.x + pad, box.y + pad, scale, VIZ_INK, text);
}

int cdrl_viz_gif_frame(cdrl_viz_gif *gif, const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                       cdrl_error *err)
{
    cdrl_viz_fill(gif->canvas, CDRL_VIZ_COLOR_BACKGROUND);
    /* the env's drawer, as the dashboard's env panel uses it */
    if (cdrl_viz_draw_env(gif->canvas, (cdrl_viz_rect){0, 0, gif->width, gif->height}, view, ghosts,
                               n_ghosts, err))
        return err ? err->code : CDRL_EINVAL;
    draw_overlay(gif, view);
    return cdrl_viz_gif_add_canvas(gif, gif->canvas, err);
}

int cdrl_viz_gif_finish(cdrl_viz_gif *gif, cdrl_error *err)
{
    if (gif->frames == 0)
        return cdrl_errorf(err, CDRL_EINVAL, "%s: no frames to write", gif->path);
    int code = 0;
    int rc = EGifCloseFile(gif->file, &code); /* writes the trailer and frees the file */
    gif->file = NULL;
    if (rc == GIF_ERROR || gif->out_of_memory)
        return gif->out_of_memory ? cdrl_errorf(err, CDRL_ENOMEM, "%s: out of memory for the video", gif->path)
                                  : cdrl_errorf(err, CDRL_EIO, "%s: giflib: %s", gif->path, GifErrorString(code));
    return cdrl_write_file_atomic(gif->path, gif->data, gif->len, err);
}

long cdrl_viz_gif_frames(const cdrl_viz_gif *gif)
{
    return gif->frames;
}
