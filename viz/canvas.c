/* The drawing core: a canvas is an SDL surface with SDL's software renderer
 * on top, so one set of drawing code fills a headless picture (PNG, tests)
 * and a window alike, with no display needed for the former. Shapes that SDL
 * draws only one pixel wide (lines) are widened here into filled quads. */
#include "viz_internal.h"

#include <math.h>
#include <stdlib.h>

#define CANVAS_MAX_SIDE 8192

static int canvas_from_surface(SDL_Surface *surface, int owns, cdrl_viz_canvas **out, cdrl_error *err)
{
    cdrl_viz_canvas *c = calloc(1, sizeof *c);
    if (!c)
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for a canvas");
    c->surface = surface;
    c->owns_surface = owns;
    c->renderer = SDL_CreateSoftwareRenderer(surface);
    if (!c->renderer) {
        free(c);
        return cdrl_errorf(err, CDRL_EUNAVAIL, "viz: SDL software renderer failed: %s", SDL_GetError());
    }
    *out = c;
    return 0;
}

int cdrl_viz_canvas_create(int width, int height, cdrl_viz_canvas **out, cdrl_error *err)
{
    *out = NULL;
    if (width < 1 || width > CANVAS_MAX_SIDE || height < 1 || height > CANVAS_MAX_SIDE)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: canvas size %dx%d outside 1..%d", width, height,
                           CANVAS_MAX_SIDE);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, width, height, 32, SDL_PIXELFORMAT_XRGB8888);
    if (!s)
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: cannot create a %dx%d surface: %s", width, height,
                           SDL_GetError());
    if (canvas_from_surface(s, 1, out, err)) {
        SDL_FreeSurface(s);
        return err ? err->code : CDRL_EUNAVAIL;
    }
    cdrl_viz_fill(*out, CDRL_VIZ_COLOR_BACKGROUND);
    return 0;
}

int viz_canvas_wrap(SDL_Surface *surface, cdrl_viz_canvas **out, cdrl_error *err)
{
    *out = NULL;
    return canvas_from_surface(surface, 0, out, err);
}

void cdrl_viz_canvas_free(cdrl_viz_canvas *canvas)
{
    if (!canvas)
        return;
    SDL_DestroyRenderer(canvas->renderer);
    if (canvas->owns_surface)
        SDL_FreeSurface(canvas->surface);
    free(canvas);
}

int cdrl_viz_canvas_width(const cdrl_viz_canvas *canvas) { return canvas->surface->w; }
int cdrl_viz_canvas_height(const cdrl_viz_canvas *canvas) { return canvas->surface->h; }

/* Reads go through the surface's own format so that a window surface of any
 * layout reads correctly too. */
static uint32_t surface_rgb(const SDL_Surface *s, int x, int y)
{
    const uint8_t *row = (const uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;
    uint32_t raw;
    switch (s->format->BytesPerPixel) {
    case 4: raw = ((const uint32_t *)row)[x]; break;
    case 2: raw = ((const uint16_t *)row)[x]; break;
    default: {
        const uint8_t *p = row + (size_t)x * s->format->BytesPerPixel;
        raw = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    }
    }
    uint8_t r, g, b;
    SDL_GetRGB(raw, s->format, &r, &g, &b);
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

uint32_t cdrl_viz_canvas_pixel(cdrl_viz_canvas *canvas, int x, int y)
{
    SDL_Surface *s = canvas->surface;
    if (x < 0 || y < 0 || x >= s->w || y >= s->h)
        return 0;
    SDL_RenderFlush(canvas->renderer);
    return surface_rgb(s, x, y);
}

void cdrl_viz_canvas_read_rgb(cdrl_viz_canvas *canvas, uint8_t *rgb)
{
    SDL_Surface *s = canvas->surface;
    SDL_RenderFlush(canvas->renderer);
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            uint32_t c = surface_rgb(s, x, y);
            *rgb++ = (uint8_t)(c >> 16);
            *rgb++ = (uint8_t)(c >> 8);
            *rgb++ = (uint8_t)c;
        }
}

int cdrl_viz_canvas_write_png(cdrl_viz_canvas *canvas, const char *path, cdrl_error *err)
{
    int w = canvas->surface->w, h = canvas->surface->h;
    uint8_t *rgb = malloc((size_t)w * (size_t)h * 3);
    if (!rgb)
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for a %dx%d picture", w, h);
    cdrl_viz_canvas_read_rgb(canvas, rgb);
    int rc = cdrl_viz_png_write(path, rgb, w, h, err);
    free(rgb);
    return rc;
}

static void set_color(cdrl_viz_canvas *canvas, uint32_t color, int alpha)
{
    SDL_SetRenderDrawBlendMode(canvas->renderer, alpha < 255 ? SDL_BLENDMODE_BLEND : SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(canvas->renderer, (uint8_t)(color >> 16), (uint8_t)(color >> 8), (uint8_t)color,
                           (uint8_t)alpha);
}

void cdrl_viz_fill(cdrl_viz_canvas *canvas, uint32_t color)
{
    set_color(canvas, color, 255);
    SDL_RenderClear(canvas->renderer);
}

void cdrl_viz_fill_rect(cdrl_viz_canvas *canvas, cdrl_viz_rect r, uint32_t color)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    set_color(canvas, color, 255);
    SDL_Rect sr = {r.x, r.y, r.w, r.h};
    SDL_RenderFillRect(canvas->renderer, &sr);
}

void viz_fill_polygon(cdrl_viz_canvas *canvas, const double *xs, const double *ys, int n, uint32_t color,
                      int alpha)
{
    if (n < 3 || n > 16)
        return;
    SDL_Vertex v[16];
    int idx[3 * 14];
    SDL_Color col = {(uint8_t)(color >> 16), (uint8_t)(color >> 8), (uint8_t)color, (uint8_t)alpha};
    for (int i = 0; i < n; i++) {
        v[i].position.x = (float)viz_clamp(xs[i], VIZ_PIXEL_LIMIT);
        v[i].position.y = (float)viz_clamp(ys[i], VIZ_PIXEL_LIMIT);
        v[i].color = col;
        v[i].tex_coord.x = v[i].tex_coord.y = 0;
    }
    for (int i = 1; i + 1 < n; i++) { /* a fan: the polygon is convex */
        idx[3 * (i - 1)] = 0;
        idx[3 * (i - 1) + 1] = i;
        idx[3 * (i - 1) + 2] = i + 1;
    }
    set_color(canvas, color, alpha);
    SDL_RenderGeometry(canvas->renderer, NULL, v, n, idx, 3 * (n - 2));
}

void cdrl_viz_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double thickness,
                   uint32_t color)
{
    if (!(isfinite(x0) && isfinite(y0) && isfinite(x1) && isfinite(y1)))
        return;
    if (thickness <= 1.0) {
        set_color(canvas, color, 255);
        SDL_RenderDrawLineF(canvas->renderer, (float)viz_clamp(x0, VIZ_PIXEL_LIMIT),
                            (float)viz_clamp(y0, VIZ_PIXEL_LIMIT), (float)viz_clamp(x1, VIZ_PIXEL_LIMIT),
                            (float)viz_clamp(y1, VIZ_PIXEL_LIMIT));
        return;
    }
    /* A quad around the segment, extended by half the thickness at both ends
     * so that consecutive segments of a curve join without notches. */
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    double h = thickness / 2;
    double ux = len > 0 ? dx / len : 1, uy = len > 0 ? dy / len : 0;
    double nx = -uy * h, ny = ux * h;
    double ax = x0 - ux * h * 0.5, ay = y0 - uy * h * 0.5, bx = x1 + ux * h * 0.5, by = y1 + uy * h * 0.5;
    double xs[4] = {ax + nx, bx + nx, bx - nx, ax - nx};
    double ys[4] = {ay + ny, by + ny, by - ny, ay - ny};
    viz_fill_polygon(canvas, xs, ys, 4, color, 255);
}

void viz_dashed_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double thickness,
                     double dash, double gap, uint32_t color)
{
    double len = hypot(x1 - x0, y1 - y0);
    /* A dash count beyond any screen would loop for ages. */
    if (!(len > 0) || !(len < VIZ_PIXEL_LIMIT) || !(dash > 0) || gap < 0)
        return;
    double ux = (x1 - x0) / len, uy = (y1 - y0) / len;
    for (double t = 0; t < len; t += dash + gap) {
        double e = fmin(t + dash, len);
        cdrl_viz_line(canvas, x0 + ux * t, y0 + uy * t, x0 + ux * e, y0 + uy * e, thickness, color);
    }
}
