/* Pendulum drawn to scale from its env view (state: theta, theta_dot;
 * params: length, max_torque, max_speed): the rod from the pivot, the
 * upright target, and the last torque as an arc whose length grows with it.
 * Scale and placement follow the rules in viz.h. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>

#define BACK 0xF4F8FCu
#define TARGET 0x9AC89Au
#define AXLE 0x303030u

int viz_draw_pendulum(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                      const double *ghosts, int n_ghosts, cdrl_error *err)
{
    if (viz_env_view_check(view, "pendulum", 2, 3, err))
        return err ? err->code : CDRL_EINVAL;
    const double length = view->params[0], max_torque = view->params[1];
    if (!(length > 0) || !(max_torque > 0))
        return cdrl_errorf(err, CDRL_EINVAL, "viz: pendulum params must be positive (length %g, max_torque %g)",
                           length, max_torque);
    if (r.w < 8 || r.h < 8)
        return 0;
    SDL_Rect clip = {r.x, r.y, r.w, r.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    cdrl_viz_fill_rect(canvas, r, BACK);

    const double scale = fmin(r.w, r.h) / (2.0 * CDRL_VIZ_PENDULUM_SPAN * length);
    const double cx = r.x + r.w / 2.0, cy = r.y + r.h / 2.0, rod = length * scale;
    const double width = fmax(4.0, 0.12 * scale);
    viz_dashed_line(canvas, cx, cy, cx, cy - rod * 1.1, 2, 8, 6, TARGET);

    for (int g = 0; g < n_ghosts && ghosts; g++) {
        double th = ghosts[(size_t)g * (size_t)view->state_dim];
        if (isfinite(th))
            viz_fill_bar(canvas, cx, cy, cx - sin(th) * rod, cy - cos(th) * rod, width * 0.6,
                         CDRL_VIZ_COLOR_POLE, 60);
    }
    double th = view->state[0];
    if (isfinite(th)) {
        viz_fill_bar(canvas, cx, cy, cx - sin(th) * rod, cy - cos(th) * rod, width, CDRL_VIZ_COLOR_POLE, 255);
        viz_fill_circle(canvas, cx - sin(th) * rod, cy - cos(th) * rod, width / 2, CDRL_VIZ_COLOR_POLE);
    }
    /* The torque: an arc around the pivot, counter-clockwise for u > 0, as
     * long as a quarter turn at the torque limit. */
    double u = view->last_action;
    if (isfinite(u) && u != 0.0) {
        double sweep = fmax(-1.0, fmin(1.0, u / max_torque)) * M_PI / 2;
        double radius = 0.35 * rod, a0 = M_PI / 2;
        for (int i = 0; i < 12; i++) {
            double t0 = a0 + sweep * i / 12.0, t1 = a0 + sweep * (i + 1) / 12.0;
            cdrl_viz_line(canvas, cx + radius * cos(t0), cy - radius * sin(t0), cx + radius * cos(t1),
                          cy - radius * sin(t1), fmax(3.0, 0.03 * scale), CDRL_VIZ_COLOR_FORCE);
        }
    }
    viz_fill_circle(canvas, cx, cy, width * 0.45, AXLE);

    char info[160];
    snprintf(info, sizeof info, "theta %+.1f deg   speed %+.2f   torque %+.2f   step %d   return %.1f",
             th * 180 / M_PI, view->state[1], isfinite(u) ? u : 0.0, view->steps, view->episode_return);
    cdrl_viz_text(canvas, r.x + 8, r.y + 8, r.w >= 560 ? 2 : 1, VIZ_INK, info);
    SDL_RenderSetClipRect(canvas->renderer, NULL);
    return 0;
}
