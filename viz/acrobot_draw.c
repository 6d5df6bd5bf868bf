/* Acrobot drawn to scale from its env view (state: t1, t2, t1', t2'; params:
 * the two link lengths): both links from the pivot, the goal line one link
 * length above it, and the last torque as an arc around the middle joint.
 * Scale and placement follow the rules in viz.h. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>

#define BACK 0xF4F8FCu
#define GOAL 0x3A8A3Au
#define JOINT 0xD0B000u

/* Screen position of the tip of links whose absolute angle from hanging
 * down is `angle`, starting at (x, y). */
static void link_end(double x, double y, double angle, double length_px, double *ex, double *ey)
{
    *ex = x + sin(angle) * length_px;
    *ey = y + cos(angle) * length_px;
}

int viz_draw_acrobot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view, const double *ghosts,
                     int n_ghosts, cdrl_error *err)
{
    if (viz_env_view_check(view, "acrobot", 4, 2, err))
        return err ? err->code : CDRL_EINVAL;
    const double l1 = view->params[0], l2 = view->params[1];
    if (!(l1 > 0) || !(l2 > 0))
        return cdrl_errorf(err, CDRL_EINVAL, "viz: acrobot link lengths must be positive (%g, %g)", l1, l2);
    if (r.w < 8 || r.h < 8)
        return 0;
    SDL_Rect clip = {r.x, r.y, r.w, r.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    cdrl_viz_fill_rect(canvas, r, BACK);
    const double scale = fmin(r.w, r.h) / (2.0 * CDRL_VIZ_ACROBOT_SPAN);
    const double cx = r.x + r.w / 2.0, cy = r.y + r.h / 2.0, width = fmax(4.0, 0.14 * scale);
    /* The line the tip must rise above: one first-link length over the pivot. */
    viz_dashed_line(canvas, r.x, cy - l1 * scale, r.x + r.w, cy - l1 * scale, 2, 10, 6, GOAL);

    for (int g = 0; g < n_ghosts && ghosts; g++) {
        const double *s = ghosts + (size_t)g * (size_t)view->state_dim;
        if (!isfinite(s[0]) || !isfinite(s[1]))
            continue;
        double x1, y1, x2, y2;
        link_end(cx, cy, s[0], l1 * scale, &x1, &y1);
        link_end(x1, y1, s[0] + s[1], l2 * scale, &x2, &y2);
        viz_fill_bar(canvas, cx, cy, x1, y1, width * 0.6, CDRL_VIZ_COLOR_POLE, 60);
        viz_fill_bar(canvas, x1, y1, x2, y2, width * 0.6, CDRL_VIZ_COLOR_POLE, 60);
    }
    const double t1 = view->state[0], t2 = view->state[1];
    if (isfinite(t1) && isfinite(t2)) {
        double x1, y1, x2, y2;
        link_end(cx, cy, t1, l1 * scale, &x1, &y1);
        link_end(x1, y1, t1 + t2, l2 * scale, &x2, &y2);
        viz_fill_bar(canvas, cx, cy, x1, y1, width, CDRL_VIZ_COLOR_POLE, 255);
        viz_fill_bar(canvas, x1, y1, x2, y2, width, CDRL_VIZ_COLOR_POLE, 255);
        /* The torque on the middle joint: an arc, counter-clockwise for +1. */
        double u = view->last_action;
        if (isfinite(u) && u != 1.0) {
            double sweep = (u - 1.0) * M_PI / 2, radius = 0.3 * l2 * scale;
            for (int i = 0; i < 12; i++) {
                double a0 = sweep * i / 12.0, a1 = sweep * (i + 1) / 12.0;
                cdrl_viz_line(canvas, x1 + radius * cos(a0), y1 - radius * sin(a0), x1 + radius * cos(a1),
                              y1 - radius * sin(a1), fmax(3.0, 0.03 * scale), CDRL_VIZ_COLOR_FORCE);
            }
        }
        viz_fill_circle(canvas, x1, y1, width * 0.45, JOINT);
    }
    viz_fill_circle(canvas, cx, cy, width * 0.45, VIZ_INK);
    char info[160];
    snprintf(info, sizeof info, "t1 %+.1f deg   t2 %+.1f deg   step %d   return %.0f", t1 * 180 / M_PI,
             t2 * 180 / M_PI, view->steps, view->episode_return);
    cdrl_viz_text(canvas, r.x + 8, r.y + 8, r.w >= 560 ? 2 : 1, VIZ_INK, info);
    SDL_RenderSetClipRect(canvas->renderer, NULL);
    return 0;
}
