/* Text: a TrueType font through SDL2_ttf (anti-aliased, DejaVu Sans from
 * Debian's fonts-dejavu-core by default), and a built-in 5x7 bitmap font for
 * when no font file opens, so the visualizer always reads.
 *
 * Both draw on one grid, so layouts need not know which is in use: at scale
 * s, capitals are 7 s pixels high standing on a baseline 7 s below the top
 * of the line, and lines are 10 s apart. The TrueType font is opened at the
 * pixel size that makes its capitals 7 s high; its widths are its own.
 *
 * Bitmap glyphs are 7 rows of 5 pixels (bit 4 = leftmost); a character cell
 * is 6x10: a column of spacing, a row below the baseline for descenders (g,
 * j, p, q, y are drawn one row lower than stored) and two rows between
 * lines. */
#include "viz_internal.h"

#include <SDL_ttf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GLYPH_ROWS 7
#define CELL_W 6
#define CELL_H 10

static const uint8_t glyphs[95][GLYPH_ROWS] = {
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}, /* space */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x00, 0x04}, /* ! */
    {0x0A, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x00}, /* " */
    {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A}, /* # */
    {0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04}, /* $ */
    {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03}, /* % */
    {0x0C, 0x12, 0x14, 0x08, 0x15, 0x12, 0x0D}, /* & */
    {0x04, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00}, /* ' */
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, /* ( */
    {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08}, /* ) */
    {0x00, 0x04, 0x15, 0x0E, 0x15, 0x04, 0x00}, /* * */
    {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00}, /* + */
    {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08}, /* , */
    {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00}, /* - */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, /* . */
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, /* / */
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, /* 0 */
    {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* 1 */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, /* 2 */
    {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E}, /* 3 */
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, /* 4 */
    {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E}, /* 5 */
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, /* 6 */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}, /* 7 */
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, /* 8 */
    {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}, /* 9 */
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, /* : */
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08}, /* ; */
    {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02}, /* < */
    {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}, /* = */
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, /* > */
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x00, 0x04}, /* ? */
    {0x0E, 0x11, 0x01, 0x0D, 0x15, 0x15, 0x0E}, /* @ */
    {0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11}, /* A */
    {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E}, /* B */
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, /* C */
    {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C}, /* D */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, /* E */
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10}, /* F */
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, /* G */
    {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, /* H */
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* I */
    {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C}, /* J */
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, /* K */
    {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F}, /* L */
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, /* M */
    {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11}, /* N */
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* O */
    {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10}, /* P */
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, /* Q */
    {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11}, /* R */
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, /* S */
    {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* T */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, /* U */
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* V */
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, /* W */
    {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11}, /* X */
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, /* Y */
    {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F}, /* Z */
    {0x0E, 0x08, 0x08, 0x08, 0x08, 0x08, 0x0E}, /* [ */
    {0x00, 0x10, 0x08, 0x04, 0x02, 0x01, 0x00}, /* backslash */
    {0x0E, 0x02, 0x02, 0x02, 0x02, 0x02, 0x0E}, /* ] */
    {0x04, 0x0A, 0x11, 0x00, 0x00, 0x00, 0x00}, /* ^ */
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}, /* _ */
    {0x08, 0x04, 0x02, 0x00, 0x00, 0x00, 0x00}, /* ` */
    {0x00, 0x00, 0x0E, 0x01, 0x0F, 0x11, 0x0F}, /* a */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1E}, /* b */
    {0x00, 0x00, 0x0E, 0x10, 0x10, 0x11, 0x0E}, /* c */
    {0x01, 0x01, 0x0D, 0x13, 0x11, 0x11, 0x0F}, /* d */
    {0x00, 0x00, 0x0E, 0x11, 0x1F, 0x10, 0x0E}, /* e */
    {0x06, 0x09, 0x08, 0x1C, 0x08, 0x08, 0x08}, /* f */
    {0x00, 0x0F, 0x11, 0x11, 0x0F, 0x01, 0x0E}, /* g */
    {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}, /* h */
    {0x04, 0x00, 0x0C, 0x04, 0x04, 0x04, 0x0E}, /* i */
    {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0C}, /* j */
    {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}, /* k */
    {0x0C, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, /* l */
    {0x00, 0x00, 0x1A, 0x15, 0x15, 0x11, 0x11}, /* m */
    {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}, /* n */
    {0x00, 0x00, 0x0E, 0x11, 0x11, 0x11, 0x0E}, /* o */
    {0x00, 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10}, /* p */
    {0x00, 0x0D, 0x13, 0x13, 0x0D, 0x01, 0x01}, /* q */
    {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}, /* r */
    {0x00, 0x00, 0x0F, 0x10, 0x0E, 0x01, 0x1E}, /* s */
    {0x08, 0x08, 0x1C, 0x08, 0x08, 0x09, 0x06}, /* t */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0D}, /* u */
    {0x00, 0x00, 0x11, 0x11, 0x11, 0x0A, 0x04}, /* v */
    {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0A}, /* w */
    {0x00, 0x00, 0x11, 0x0A, 0x04, 0x0A, 0x11}, /* x */
    {0x00, 0x11, 0x11, 0x11, 0x0F, 0x01, 0x0E}, /* y */
    {0x00, 0x00, 0x1F, 0x02, 0x04, 0x08, 0x1F}, /* z */
    {0x02, 0x04, 0x04, 0x08, 0x04, 0x04, 0x02}, /* { */
    {0x04, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04}, /* | */
    {0x08, 0x04, 0x04, 0x02, 0x04, 0x04, 0x08}, /* } */
    {0x00, 0x00, 0x08, 0x15, 0x02, 0x00, 0x00}, /* ~ */
};

/* ---- The TrueType font ----
 * One font for the process, opened at each scale when first drawn at it.
 * SDL2_ttf (FreeType) is not safe to call from two threads at once, and
 * canvases may be drawn on several: every call into it holds this lock. */

#define TTF_SCALES 8 /* scales 1..8 have a size each; larger ones draw at 8 */
#define TTF_PROBE_PX 100

static struct {
    int chosen;          /* the font has been picked (set, or default tried) */
    char path[4096];     /* "" = the built-in bitmap font */
    double cap_per_px;   /* capital height per pixel of font size */
    TTF_Font *at[TTF_SCALES + 1];
} ttf;
static SDL_SpinLock ttf_lock;

static void close_fonts(void)
{
    for (int s = 0; s <= TTF_SCALES; s++) {
        if (ttf.at[s])
            TTF_CloseFont(ttf.at[s]);
        ttf.at[s] = NULL;
    }
    ttf.path[0] = '\0';
}

/* Opens path and measures its capitals; 0 on success. Caller holds the lock. */
static int open_font(const char *path)
{
    close_fonts();
    if (!TTF_WasInit() && TTF_Init() != 0)
        return -1;
    TTF_Font *probe = TTF_OpenFont(path, TTF_PROBE_PX);
    int miny, maxy;
    if (!probe)
        return -1;
    int ok = TTF_GlyphMetrics32(probe, 'H', NULL, NULL, &miny, &maxy, NULL) == 0 && maxy > 0;
    TTF_CloseFont(probe);
    if (!ok)
        return -1;
    ttf.cap_per_px = maxy / (double)TTF_PROBE_PX;
    snprintf(ttf.path, sizeof ttf.path, "%s", path);
    return 0;
}

/* The font at scale s, or NULL for the bitmap font. Caller holds the lock. */
static TTF_Font *font_at(int scale)
{
    if (!ttf.chosen) {
        ttf.chosen = 1;
        const char *path = getenv("CDRL_FONT");
        if (!path)
            path = CDRL_FONT_PATH;
        if (*path)
            open_font(path); /* on failure the bitmap font draws */
    }
    if (!ttf.path[0])
        return NULL;
    if (scale > TTF_SCALES)
        scale = TTF_SCALES;
    if (!ttf.at[scale]) {
        int px = (int)lround(7.0 * scale / ttf.cap_per_px);
        ttf.at[scale] = TTF_OpenFont(ttf.path, px);
        if (!ttf.at[scale])
            return NULL;
        TTF_SetFontHinting(ttf.at[scale], TTF_HINTING_LIGHT);
    }
    return ttf.at[scale];
}

int cdrl_viz_set_font(const char *path, cdrl_error *err)
{
    SDL_AtomicLock(&ttf_lock);
    ttf.chosen = 1;
    int rc = 0;
    if (!path || !*path)
        close_fonts();
    else if (open_font(path) != 0)
        rc = cdrl_errorf(err, CDRL_EIO, "%s: cannot open as a font (%s); labels use the built-in font", path,
                         TTF_GetError());
    SDL_AtomicUnlock(&ttf_lock);
    return rc;
}

const char *cdrl_viz_font(void)
{
    SDL_AtomicLock(&ttf_lock);
    font_at(1);
    const char *path = ttf.path[0] ? ttf.path : NULL;
    SDL_AtomicUnlock(&ttf_lock);
    return path;
}

/* One line of text as an anti-aliased image in color, or NULL (the caller
 * frees it). Caller holds the lock. */
static SDL_Surface *render_line(TTF_Font *font, const char *line, size_t len, uint32_t color)
{
    char buf[512];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, line, len);
    buf[len] = '\0';
    if (!buf[0])
        return NULL;
    SDL_Color c = {(uint8_t)(color >> 16), (uint8_t)(color >> 8), (uint8_t)color, 255};
    return TTF_RenderUTF8_Blended(font, buf, c);
}

/* Puts a rendered line on the canvas with its top-left at (x, y), blending. */
static void put_image(cdrl_viz_canvas *canvas, SDL_Surface *image, int x, int y)
{
    SDL_Texture *t = SDL_CreateTextureFromSurface(canvas->renderer, image);
    if (!t)
        return;
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    SDL_Rect to = {x, y, image->w, image->h};
    SDL_RenderCopy(canvas->renderer, t, NULL, &to);
    SDL_DestroyTexture(t);
}

/* The image turned a quarter turn counter-clockwise (reading upwards). */
static SDL_Surface *rotate_left(SDL_Surface *image)
{
    SDL_Surface *r = SDL_CreateRGBSurfaceWithFormat(0, image->h, image->w, 32, image->format->format);
    if (!r)
        return NULL;
    for (int y = 0; y < image->h; y++)
        for (int x = 0; x < image->w; x++) {
            const uint32_t *from = (const uint32_t *)((const uint8_t *)image->pixels + (size_t)y * image->pitch);
            uint32_t *to = (uint32_t *)((uint8_t *)r->pixels + (size_t)(image->w - 1 - x) * r->pitch);
            to[y] = from[x];
        }
    return r;
}

/* Draws text with the TrueType font; 0 if it did, -1 if the bitmap font
 * must (no font). */
static int ttf_text(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text,
                    int vertical)
{
    SDL_AtomicLock(&ttf_lock);
    TTF_Font *font = font_at(scale);
    if (!font) {
        SDL_AtomicUnlock(&ttf_lock);
        return -1;
    }
    int top = 7 * scale - TTF_FontAscent(font); /* the baseline on the grid */
    for (const char *line = text; line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        SDL_Surface *image = render_line(font, line, len, color);
        if (image && vertical) {
            SDL_Surface *turned = rotate_left(image);
            /* the line's top (its ascent) to the left, its start at the bottom */
            if (turned)
                put_image(canvas, turned, x + top, y);
            SDL_FreeSurface(turned);
        } else if (image) {
            put_image(canvas, image, x, y + top);
        }
        SDL_FreeSurface(image);
        if (vertical)
            break;
        line = end ? end + 1 : NULL;
        y += 10 * scale;
    }
    SDL_AtomicUnlock(&ttf_lock);
    return 0;
}

/* ---- The bitmap font ---- */

const uint8_t *viz_glyph(int c)
{
    if (c < 32 || c > 126)
        c = '?';
    return glyphs[c - 32];
}

/* Each lit glyph pixel becomes a scale x scale square; runs along a row are
 * merged into one rectangle to keep the number of fills small. */
static void draw_glyph(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, int c, int vertical)
{
    const uint8_t *g = viz_glyph(c);
    int drop = (c == 'g' || c == 'j' || c == 'p' || c == 'q' || c == 'y') ? scale : 0;
    if (!vertical)
        y += drop;
    else
        x += drop;
    for (int row = 0; row < GLYPH_ROWS; row++) {
        for (int col = 0; col < 5;) {
            if (!(g[row] >> (4 - col) & 1)) {
                col++;
                continue;
            }
            int start = col;
            while (col < 5 && (g[row] >> (4 - col) & 1))
                col++;
            cdrl_viz_rect r;
            if (!vertical)
                r = (cdrl_viz_rect){x + start * scale, y + row * scale, (col - start) * scale, scale};
            else /* rotated a quarter turn counter-clockwise */
                r = (cdrl_viz_rect){x + row * scale, y - col * scale, scale, (col - start) * scale};
            cdrl_viz_fill_rect(canvas, r, color);
        }
    }
}

void cdrl_viz_text(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text)
{
    if (scale < 1)
        scale = 1;
    if (ttf_text(canvas, x, y, scale, color, text, 0) == 0)
        return;
    int cx = x;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '\n') {
            cx = x;
            y += CELL_H * scale;
            continue;
        }
        draw_glyph(canvas, cx, y, scale, color, *p, 0);
        cx += CELL_W * scale;
    }
}

void viz_text_vertical(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text)
{
    if (scale < 1)
        scale = 1;
    if (ttf_text(canvas, x, y, scale, color, text, 1) == 0)
        return;
    int cy = y + cdrl_viz_text_width(scale, text);
    for (const unsigned char *p = (const unsigned char *)text; *p && *p != '\n'; p++) {
        draw_glyph(canvas, x, cy, scale, color, *p, 1);
        cy -= CELL_W * scale;
    }
}

/* Width and height of text in the TrueType font; -1 without one. */
static int ttf_size(int scale, const char *text, int *w, int *h)
{
    SDL_AtomicLock(&ttf_lock);
    TTF_Font *font = font_at(scale < 1 ? 1 : scale);
    if (!font) {
        SDL_AtomicUnlock(&ttf_lock);
        return -1;
    }
    int lines = 0, widest = 0;
    for (const char *line = text; line; lines++) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        snprintf(buf, sizeof buf, "%.*s", (int)(len < sizeof buf ? len : sizeof buf - 1), line);
        int lw = 0;
        if (buf[0] && TTF_SizeUTF8(font, buf, &lw, NULL) == 0 && lw > widest)
            widest = lw;
        line = end ? end + 1 : NULL;
    }
    int s = scale < 1 ? 1 : scale;
    *w = widest;
    /* the last line's capitals plus the font's descent below them (and a
     * row for the anti-aliased edge of the lowest descender) */
    *h = (lines - 1) * 10 * s + 7 * s - TTF_FontDescent(font) + 1;
    SDL_AtomicUnlock(&ttf_lock);
    return 0;
}

int cdrl_viz_text_width(int scale, const char *text)
{
    int w, h;
    if (ttf_size(scale, text, &w, &h) == 0)
        return w;
    int longest = 0, cur = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            cur = 0;
            continue;
        }
        if (++cur > longest)
            longest = cur;
    }
    /* The last column of spacing is not part of the text's visible width. */
    return longest ? (longest * CELL_W - 1) * (scale < 1 ? 1 : scale) : 0;
}

int cdrl_viz_text_height(int scale, const char *text)
{
    int w, h;
    if (ttf_size(scale, text, &w, &h) == 0)
        return h;
    int lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    return (lines * CELL_H - 2) * (scale < 1 ? 1 : scale);
}
