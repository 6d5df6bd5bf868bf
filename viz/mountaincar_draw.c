/* MountainCar (discrete and continuous) drawn to scale from its env view
 * (state: position, velocity; params: min_position, max_position,
 * goal_position, 1 if the actions are the three discrete pushes): the hill
 * 0.45 sin(3 x) + 0.55, the flag at the goal, the car on the slope, and the
 * last push as an arrow along the ground. Scale and placement: viz.h. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>

#define SKY 0xF4F8FCu
#define HILL 0xD8CFB8u
#define HILL_EDGE 0x6A5E48u
#define FLAG 0xD0B000u
#define WHEEL 0x303030u

typedef struct {
    double scale, left_x, floor_y, min_position;
} hill_frame;

static double hill_height(double x) { return 0.45 * sin(3.0 * x) + 0.55; }

static double px_x(const hill_frame *f, double x) { return f->left_x + (x - f->min_position) * f->scale; }
static double px_y(const hill_frame *f, double h) { return f->floor_y - h * f->scale; }

static void draw_car(cdrl_viz_canvas *canvas, const hill_frame *f, double position, int alpha)
{
    const double slope = atan(1.35 * cos(3.0 * position));
    const double ux = cos(slope), uy = -sin(slope); /* along the ground, screen y down */
    const double nx = -sin(slope), ny = -cos(slope); /* up, away from the ground */
    const double half_w = 0.06 * f->scale, height = 0.05 * f->scale, clearance = 0.012 * f->scale;
    const double bx = px_x(f, position) + nx * clearance, by = px_y(f, hill_height(position)) + ny * clearance;
    double xs[4] = {bx - ux * half_w, bx + ux * half_w, bx + ux * half_w + nx * height, bx - ux * half_w + nx * height};
    double ys[4] = {by - uy * half_w, by + uy * half_w, by + uy * half_w + ny * height, by - uy * half_w + ny * height};
    viz_fill_polygon(canvas, xs, ys, 4, CDRL_VIZ_COLOR_CART, alpha);
    if (alpha == 255)
        for (int side = -1; side <= 1; side += 2)
            viz_fill_circle(canvas, bx + side * ux * half_w * 0.55, by + side * uy * half_w * 0.55,
                            clearance * 1.2, WHEEL);
}

int viz_draw_mountaincar(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                         const double *ghosts, int n_ghosts, cdrl_error *err)
{
    if (viz_env_view_check(view, "mountaincar", 2, 4, err))
        return err ? err->code : CDRL_EINVAL;
    const double min_p = view->params[0], max_p = view->params[1], goal = view->params[2];
    const int discrete = view->params[3] != 0.0;
    if (!(max_p > min_p))
        return cdrl_errorf(err, CDRL_EINVAL, "viz: mountaincar track [%g, %g] is empty", min_p, max_p);
    if (r.w < 8 || r.h < 8)
        return 0;
    SDL_Rect clip = {r.x, r.y, r.w, r.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    cdrl_viz_fill_rect(canvas, r, SKY);
    const double scale = fmin(r.w / (max_p - min_p), CDRL_VIZ_MOUNTAINCAR_HEIGHT * r.h);
    hill_frame f = {scale, r.x + (r.w - (max_p - min_p) * scale) / 2, r.y + r.h - CDRL_VIZ_MOUNTAINCAR_FLOOR * r.h,
                    min_p};

    /* The hill: a filled column per pixel, then its outline. */
    for (int x = 0; x < r.w; x++) {
        double world = min_p + (r.x + x + 0.5 - f.left_x) / f.scale;
        double top = px_y(&f, hill_height(world));
        cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){r.x + x, (int)lround(top), 1, r.y + r.h - (int)lround(top)}, HILL);
    }
    for (int x = 0; x + 2 <= r.w; x += 2) {
        double w0 = min_p + (r.x + x - f.left_x) / f.scale, w1 = w0 + 2 / f.scale;
        cdrl_viz_line(canvas, r.x + x, px_y(&f, hill_height(w0)), r.x + x + 2, px_y(&f, hill_height(w1)), 2,
                      HILL_EDGE);
    }
    /* The flag at the goal. */
    double fx = px_x(&f, goal), fy = px_y(&f, hill_height(goal)), pole = 0.15 * f.scale;
    cdrl_viz_line(canvas, fx, fy, fx, fy - pole, 2, VIZ_INK);
    double xs[3] = {fx, fx + 0.08 * f.scale, fx}, ys[3] = {fy - pole, fy - pole + 0.03 * f.scale, fy - pole + 0.06 * f.scale};
    viz_fill_polygon(canvas, xs, ys, 3, FLAG, 255);

    for (int g = 0; g < n_ghosts && ghosts; g++) {
        double p = ghosts[(size_t)g * (size_t)view->state_dim];
        if (isfinite(p))
            draw_car(canvas, &f, p, 60);
    }
    const double position = view->state[0];
    if (isfinite(position)) {
        draw_car(canvas, &f, position, 255);
        double push = view->last_action;
        if (isfinite(push)) {
            push = discrete ? push - 1.0 : fmax(-1.0, fmin(1.0, push));
            if (push != 0.0) {
                double y = px_y(&f, hill_height(position)) + 0.07 * f.scale, x0 = px_x(&f, position);
                double x1 = x0 + push * 0.12 * f.scale;
                cdrl_viz_line(canvas, x0, y, x1, y, fmax(3.0, 0.012 * f.scale), CDRL_VIZ_COLOR_FORCE);
                double head = push > 0 ? 1 : -1;
                double hx[3] = {x1 + head * 8, x1, x1}, hy[3] = {y, y - 6, y + 6};
                viz_fill_polygon(canvas, hx, hy, 3, CDRL_VIZ_COLOR_FORCE, 255);
            }
        }
    }
    char info[160];
    snprintf(info, sizeof info, "position %+.3f   velocity %+.4f   step %d   return %.1f", position,
             view->state[1], view->steps, view->episode_return);
    cdrl_viz_text(canvas, r.x + 8, r.y + 8, r.w >= 560 ? 2 : 1, VIZ_INK, info);
    SDL_RenderSetClipRect(canvas->renderer, NULL);
    return 0;
}
