/* The drawing core: a canvas is an SDL surface with SDL's software renderer
 * on top, so one set of drawing code fills a headless picture (PNG, tests)
 * and a window alike, with no display needed for the former. Shapes that SDL
 * draws only one pixel wide (lines) are widened here into filled quads, and
 * shapes get anti-aliased edges through SDL's blended triangles. */
#include "viz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* Opaque drawing replaces pixels (exact colours); anything less blends. */
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

/* ---- Anti-aliased shapes ----
 * SDL's renderer draws hard edges only, but it blends triangles whose
 * corners have different alphas. So a convex shape is drawn with a fringe
 * one pixel wide: its outline moved half a pixel in is the shape proper
 * (opaque), moved half a pixel out is fully transparent, and the strip
 * between fades from one to the other: a pixel on the outline is drawn half
 * covered, one inside fully. Interiors keep their exact colour. */

#define AA_MAX_CORNERS 132 /* a long line is a polygon of up to 2 x 65 corners */
#define LINE_PIECE 16.0    /* pixels: a line's longest piece (see cdrl_viz_line) */
#define AA_MAX_MITER 4.0 /* pixels: how far a sharp corner's fringe may reach */

/* SDL's software renderer places corners on whole pixels only (cutting
 * the fraction off), and with fractions left in, triangles that share an
 * edge can leave a row of pixels between them unfilled. So corners are
 * rounded to whole pixels here: shapes sit where they are (not up to a
 * pixel up and left) and fit together without holes. A fringe is thus one
 * pixel whose shade steps in halves, not an exact coverage. */
static SDL_Vertex vertex_at(double x, double y, uint32_t color, int alpha)
{
    SDL_Vertex v;
    v.position.x = (float)floor(viz_clamp(x, VIZ_PIXEL_LIMIT) + 0.5);
    v.position.y = (float)floor(viz_clamp(y, VIZ_PIXEL_LIMIT) + 0.5);
    v.color = (SDL_Color){(uint8_t)(color >> 16), (uint8_t)(color >> 8), (uint8_t)color, (uint8_t)alpha};
    v.tex_coord.x = v.tex_coord.y = 0;
    return v;
}

/* The anti-aliased convex polygon of n <= AA_MAX_CORNERS corners. With
 * line_pieces > 0 it is a line's (see cdrl_viz_line) and its two ends, the
 * edges after corners line_pieces and 2 line_pieces + 1, get no fringe: a
 * curve's segments overlap there, and the fringes would darken each joint
 * (and cost half the drawing). */
static void fill_polygon_aa(cdrl_viz_canvas *canvas, const double *xs, const double *ys, int n, uint32_t color,
                            int alpha, int line_pieces)
{
    if (n < 3 || n > AA_MAX_CORNERS)
        return;
    /* corners without repeats (a zero-length edge has no direction) */
    double px[AA_MAX_CORNERS], py[AA_MAX_CORNERS], area = 0;
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(xs[i]) || !isfinite(ys[i]))
            return;
        if (m > 0 && fabs(xs[i] - px[m - 1]) < 1e-9 && fabs(ys[i] - py[m - 1]) < 1e-9)
            continue;
        px[m] = xs[i], py[m] = ys[i], m++;
    }
    while (m > 1 && fabs(px[0] - px[m - 1]) < 1e-9 && fabs(py[0] - py[m - 1]) < 1e-9)
        m--;
    for (int i = 0; i < m; i++)
        area += px[i] * py[(i + 1) % m] - px[(i + 1) % m] * py[i];
    if (m < 3 || fabs(area) < 1e-9)
        return;
    /* outward unit normal of each edge i (from corner i to i + 1) */
    double nx[AA_MAX_CORNERS], ny[AA_MAX_CORNERS], side = area > 0 ? 1 : -1;
    for (int i = 0; i < m; i++) {
        double dx = px[(i + 1) % m] - px[i], dy = py[(i + 1) % m] - py[i], len = hypot(dx, dy);
        nx[i] = side * dy / len, ny[i] = -side * dx / len;
    }
    /* each corner moves along the mean of its edges' normals, so far that
     * both edges move by exactly half a pixel */
    SDL_Vertex v[2 * AA_MAX_CORNERS];
    for (int i = 0; i < m; i++) {
        int j = (i + m - 1) % m;
        double mx = nx[j] + nx[i], my = ny[j] + ny[i], dot = 1 + nx[j] * nx[i] + ny[j] * ny[i];
        double ox = dot > 1e-6 ? mx / dot : nx[i], oy = dot > 1e-6 ? my / dot : ny[i];
        double reach = hypot(ox, oy);
        if (reach > AA_MAX_MITER)
            ox *= AA_MAX_MITER / reach, oy *= AA_MAX_MITER / reach;
        v[i] = vertex_at(px[i] - 0.5 * ox, py[i] - 0.5 * oy, color, alpha);
        v[m + i] = vertex_at(px[i] + 0.5 * ox, py[i] + 0.5 * oy, color, 0);
    }
    int idx[3 * (AA_MAX_CORNERS - 2) + 6 * AA_MAX_CORNERS], k = 0;
    /* The shape proper, cut zig-zag from corner 0 across to the far side
     * (it is convex). The renderer visits every pixel of a triangle's
     * bounding box, so a long thin shape must not be cut into long thin
     * diagonal triangles: zig-zag cuts of a line's polygon are short. */
    for (int l = 0, r = m - 1; r - l >= 2;) {
        idx[k++] = l, idx[k++] = l + 1, idx[k++] = r;
        if (++l < r - 1)
            idx[k++] = l, idx[k++] = r - 1, idx[k++] = r, r--;
    }
    set_color(canvas, color, alpha);
    SDL_RenderGeometry(canvas->renderer, NULL, v, 2 * m, idx, k);
    k = 0;
    for (int i = 0; i < m; i++) { /* the fringe: a quad along each edge */
        int j = (i + 1) % m;
        if (line_pieces > 0 && m == n && (i == line_pieces || i == 2 * line_pieces + 1))
            continue;
        idx[k++] = i, idx[k++] = j, idx[k++] = m + j;
        idx[k++] = i, idx[k++] = m + j, idx[k++] = m + i;
    }
    set_color(canvas, color, 0);
    SDL_RenderGeometry(canvas->renderer, NULL, v, 2 * m, idx, k);
}

void viz_fill_polygon(cdrl_viz_canvas *canvas, const double *xs, const double *ys, int n, uint32_t color,
                      int alpha)
{
    if (n <= 16)
        fill_polygon_aa(canvas, xs, ys, n, color, alpha, 0);
}

/* A line one pixel wide, anti-aliased by Wu's method: at every pixel
 * centre along its longer axis it lights the two pixels it passes between,
 * each in proportion to its nearness. The shades go to SDL as points, in
 * THIN_SHADES batches of one blended colour each (the full shade replaces,
 * so it stays exact): far cheaper than the triangles of a thick line, and a
 * curve of a thousand points is mostly thin lines. */
#define THIN_SHADES 8
#define THIN_BATCH 256

typedef struct {
    SDL_FPoint at[THIN_SHADES + 1][THIN_BATCH];
    int n[THIN_SHADES + 1];
} thin_points;

static void thin_flush(cdrl_viz_canvas *canvas, thin_points *p, int shade, uint32_t color)
{
    if (p->n[shade] == 0)
        return;
    set_color(canvas, color, shade * 255 / THIN_SHADES);
    SDL_RenderDrawPointsF(canvas->renderer, p->at[shade], p->n[shade]);
    p->n[shade] = 0;
}

static void thin_put(cdrl_viz_canvas *canvas, thin_points *p, double x, double y, double weight, uint32_t color)
{
    int shade = (int)lround(weight * THIN_SHADES);
    if (shade <= 0)
        return;
    if (p->n[shade] == THIN_BATCH)
        thin_flush(canvas, p, shade, color);
    p->at[shade][p->n[shade]++] = (SDL_FPoint){(float)x, (float)y};
}

static void thin_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, uint32_t color)
{
    int steep = fabs(y1 - y0) > fabs(x1 - x0);
    if (steep) { /* walk along y: swap the axes, and back when plotting */
        double t = x0; x0 = y0; y0 = t;
        t = x1; x1 = y1; y1 = t;
    }
    if (x0 > x1) {
        double t = x0; x0 = x1; x1 = t;
        t = y0; y0 = y1; y1 = t;
    }
    double slope = x1 > x0 ? (y1 - y0) / (x1 - x0) : 0;
    thin_points p; /* 18 kB of stack */
    memset(p.n, 0, sizeof p.n);
    for (double c = floor(x0) + 0.5; c <= x1 + 0.5; c += 1) {
        double y = y0 + (fmin(fmax(c, x0), x1) - x0) * slope - 0.5; /* in pixel rows */
        double row = floor(y), below = y - row;
        double a0 = c - 0.5, b0 = row, b1 = row + 1;
        thin_put(canvas, &p, steep ? b0 : a0, steep ? a0 : b0, 1 - below, color);
        thin_put(canvas, &p, steep ? b1 : a0, steep ? a0 : b1, below, color);
    }
    for (int shade = 1; shade <= THIN_SHADES; shade++)
        thin_flush(canvas, &p, shade, color);
}

void cdrl_viz_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double thickness,
                   uint32_t color)
{
    if (!(isfinite(x0) && isfinite(y0) && isfinite(x1) && isfinite(y1)))
        return;
    /* Far beyond any screen, a line is drawn to the limit: SDL's float
     * rasterizer and the per-column loops never see 1e38. */
    x0 = viz_clamp(x0, VIZ_PIXEL_LIMIT), y0 = viz_clamp(y0, VIZ_PIXEL_LIMIT);
    x1 = viz_clamp(x1, VIZ_PIXEL_LIMIT), y1 = viz_clamp(y1, VIZ_PIXEL_LIMIT);
    if (thickness <= 1.0 && (x0 == x1 || y0 == y1)) {
        /* grid lines, ticks, frames: on whole pixels already, kept crisp */
        set_color(canvas, color, 255);
        SDL_RenderDrawLineF(canvas->renderer, (float)x0, (float)y0, (float)x1, (float)y1);
        return;
    }
    if (thickness <= 1.0) {
        thin_line(canvas, x0, y0, x1, y1, color);
        return;
    }
    /* A quad around the segment, extended by half the thickness at both ends
     * so that consecutive segments of a curve join without notches, with
     * corners every LINE_PIECE pixels along its sides: its triangles (and
     * their bounding boxes) stay small however long the line. */
    double dx = x1 - x0, dy = y1 - y0, len = hypot(dx, dy);
    double h = fmax(thickness, 1.0) / 2;
    double ux = len > 0 ? dx / len : 1, uy = len > 0 ? dy / len : 0;
    double nx = -uy * h, ny = ux * h;
    double ax = x0 - ux * h * 0.5, ay = y0 - uy * h * 0.5, bx = x1 + ux * h * 0.5, by = y1 + uy * h * 0.5;
    int pieces = (int)fmin(ceil((len + h) / LINE_PIECE), AA_MAX_CORNERS / 2 - 1);
    pieces = pieces < 1 ? 1 : pieces;
    double xs[AA_MAX_CORNERS], ys[AA_MAX_CORNERS];
    for (int j = 0; j <= pieces; j++) {
        double t = (double)j / pieces, cx = ax + (bx - ax) * t, cy = ay + (by - ay) * t;
        xs[j] = cx + nx, ys[j] = cy + ny;                               /* one side, a to b */
        xs[2 * pieces + 1 - j] = cx - nx, ys[2 * pieces + 1 - j] = cy - ny; /* the other, b to a */
    }
    fill_polygon_aa(canvas, xs, ys, 2 * (pieces + 1), color, 255, pieces);
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
