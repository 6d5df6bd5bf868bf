/* Internal to the visualizer: what its files share beyond the public header. */
#ifndef CDRL_VIZ_INTERNAL_H
#define CDRL_VIZ_INTERNAL_H

#include <SDL.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#include "cdrl/viz.h"

/* A canvas is a surface plus a software renderer drawing into it. For a
 * window the surface is the window's own, so owns_surface is 0. */
struct cdrl_viz_canvas {
    SDL_Surface *surface;
    SDL_Renderer *renderer;
    int owns_surface;
};

/* Wraps an existing surface (a window's) in a canvas the caller frees with
 * cdrl_viz_canvas_free; the surface itself is left alone. */
int viz_canvas_wrap(SDL_Surface *surface, cdrl_viz_canvas **out, cdrl_error *err);

/* Filled triangle and filled convex polygon (n <= 16 corners), with alpha
 * 0..255 (255 = opaque) for the faint imagined poles. */
void viz_fill_polygon(cdrl_viz_canvas *canvas, const double *xs, const double *ys, int n, uint32_t color,
                      int alpha);

/* Dashed line: dash and gap lengths in pixels. */
void viz_dashed_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double thickness,
                     double dash, double gap, uint32_t color);

/* The 5x7 glyph of printable ASCII character c ('?' for any other): 7 rows,
 * bit 4 of each row is the leftmost pixel. */
const uint8_t *viz_glyph(int c);

/* Text drawn rotated a quarter turn counter-clockwise (reading bottom to
 * top), for y-axis labels; (x, y) is the top-left of the rotated box. */
void viz_text_vertical(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text);

/* Where the dashboard puts its panels in a w x h canvas, so that a live
 * window can redraw only the CartPole panel and the status line between
 * changes of the curves. */
typedef struct {
    cdrl_viz_rect cartpole, returns, rates, spread, status;
} viz_dashboard_cells;

void viz_dashboard_layout(int w, int h, int has_status, int has_view, viz_dashboard_cells *cells);

/* The spread panel's title, by what the runs' configs say the spread is
 * over: "Epistemic spread (MC dropout)", "(ensemble:5)", "(ensemble:5 + MC
 * dropout)"; runs that differ get "(MC dropout or ensembles)". n_runs >= 1. */
void viz_spread_title(const cdrl_viz_run *runs, int n_runs, char *buf, size_t size);

/* "no dropout" when every run's config turns dropout off (its p panel is
 * empty by design), else NULL (the plot's "no data yet"). */
const char *viz_p_empty_text(const cdrl_viz_run *runs, int n_runs);

/* Redraws the status line in its cell. */
void viz_dashboard_status(cdrl_viz_canvas *canvas, cdrl_viz_rect cell, const char *status);

/* ---- Env drawers (viz/env_draw.c picks one by the view's kind) ---- */

/* Checks that view is of `kind` with at least state_dim values and n_params
 * finite params; else CDRL_EINVAL naming what is wrong. */
int viz_env_view_check(const cdrl_env_view *view, const char *kind, int state_dim, int n_params,
                       cdrl_error *err);
/* What drawing clamps to: a state value (in env units) and a pixel
 * coordinate. Far beyond any screen, small enough that SDL's float
 * rasterizer and int rectangles never overflow. NaN becomes 0. */
#define VIZ_MAX_STATE 64
#define VIZ_STATE_LIMIT 1e4
#define VIZ_PIXEL_LIMIT 1e5
static inline double viz_clamp(double v, double limit)
{
    return v != v ? 0.0 : v > limit ? limit : v < -limit ? -limit : v;
}

void viz_fill_circle(cdrl_viz_canvas *canvas, double cx, double cy, double radius, uint32_t color);
/* A bar of the given width (pixels) from (x0, y0) to (x1, y1). */
void viz_fill_bar(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double width,
                  uint32_t color, int alpha);
int viz_draw_pendulum(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                      const double *ghosts, int n_ghosts, cdrl_error *err);
int viz_draw_mountaincar(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                         const double *ghosts, int n_ghosts, cdrl_error *err);
int viz_draw_acrobot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                     const double *ghosts, int n_ghosts, cdrl_error *err);
int viz_draw_cartpole_swingup(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                              const double *ghosts, int n_ghosts, cdrl_error *err);

/* Palette shared by the plots. */
#define VIZ_INK 0x202020u
#define VIZ_GRID 0xE6E6E6u
#define VIZ_MUTED 0x707070u

#endif
