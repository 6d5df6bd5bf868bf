/* Cart-pole swing-up drawn to scale from its env view (state: x, x', theta,
 * theta'; params: pole length, max force, cost width): the track, the cart,
 * the pole (theta = 0 hanging down), the target (the tip's upright position
 * over the origin, ringed at the cost width) and the last force as an arrow.
 * Scale and placement follow the rules in viz.h. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>

#define SKY 0xF4F8FCu
#define GROUND 0xDCD6C8u
#define RAIL 0x404040u
#define TARGET 0x3A8A3Au
#define AXLE 0xE8D070u
#define WHEEL 0x303030u

int viz_draw_cartpole_swingup(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                              const double *ghosts, int n_ghosts, cdrl_error *err)
{
    if (viz_env_view_check(view, "cartpole-swingup", 4, 3, err))
        return err ? err->code : CDRL_EINVAL;
    const double l = view->params[0], max_force = view->params[1], width = view->params[2];
    if (!(l > 0) || !(max_force > 0) || !(width > 0))
        return cdrl_errorf(err, CDRL_EINVAL, "viz: cartpole-swingup params must be positive (%g, %g, %g)", l,
                           max_force, width);
    if (r.w < 8 || r.h < 8)
        return 0;
    SDL_Rect clip = {r.x, r.y, r.w, r.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    const double scale = r.w / (2.0 * CDRL_VIZ_SWINGUP_SPAN), origin_x = r.x + r.w / 2.0;
    const double track_y = r.y + CDRL_VIZ_CARTPOLE_TRACK_Y * r.h;
    cdrl_viz_fill_rect(canvas, r, SKY);
    cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){r.x, (int)track_y, r.w, r.y + r.h - (int)track_y}, GROUND);
    cdrl_viz_line(canvas, r.x, track_y, r.x + r.w, track_y, 2, RAIL);
    const double cart_w = 0.3 * scale, cart_h = 0.15 * scale, pivot_y = track_y - cart_h / 2;
    const double pole_w = fmax(3.0, 0.05 * scale), pole_px = l * scale;

    /* The target: where the tip is upright over x = 0, ringed at the cost
     * width (the distance at which the cost is 1 - e^(-1/2)). */
    double tx = origin_x, ty = pivot_y - pole_px;
    for (int i = 0; i < 24; i++) {
        double a0 = i * M_PI / 12, a1 = (i + 1) * M_PI / 12;
        if (i % 2 == 0)
            cdrl_viz_line(canvas, tx + width * scale * cos(a0), ty + width * scale * sin(a0),
                          tx + width * scale * cos(a1), ty + width * scale * sin(a1), 2, TARGET);
    }
    viz_fill_circle(canvas, tx, ty, 4, TARGET);

    for (int g = 0; g < n_ghosts && ghosts; g++) {
        const double *s = ghosts + (size_t)g * (size_t)view->state_dim;
        if (!isfinite(s[0]) || !isfinite(s[2]))
            continue;
        double gx = origin_x + s[0] * scale;
        viz_fill_bar(canvas, gx, pivot_y, gx + sin(s[2]) * pole_px, pivot_y + cos(s[2]) * pole_px, pole_w * 0.6,
                     CDRL_VIZ_COLOR_POLE, 60);
    }
    const double x = view->state[0], theta = view->state[2];
    if (isfinite(x) && isfinite(theta)) {
        double cx = origin_x + x * scale;
        cdrl_viz_fill_rect(canvas,
                           (cdrl_viz_rect){(int)lround(cx - cart_w / 2), (int)lround(pivot_y - cart_h / 2),
                                           (int)lround(cart_w), (int)lround(cart_h)},
                           CDRL_VIZ_COLOR_CART);
        viz_fill_circle(canvas, cx - cart_w * 0.3, track_y, cart_h * 0.2, WHEEL);
        viz_fill_circle(canvas, cx + cart_w * 0.3, track_y, cart_h * 0.2, WHEEL);
        viz_fill_bar(canvas, cx, pivot_y, cx + sin(theta) * pole_px, pivot_y + cos(theta) * pole_px, pole_w,
                     CDRL_VIZ_COLOR_POLE, 255);
        viz_fill_circle(canvas, cx, pivot_y, pole_w * 0.5, AXLE);
        double u = view->last_action;
        if (isfinite(u) && u != 0.0) {
            double f = fmax(-1.0, fmin(1.0, u / max_force)), len = f * 0.4 * scale;
            double y = track_y + 0.12 * scale;
            cdrl_viz_line(canvas, cx, y, cx + len, y, fmax(3.0, 0.02 * scale), CDRL_VIZ_COLOR_FORCE);
            double head = f > 0 ? 1 : -1;
            double hx[3] = {cx + len + head * 8, cx + len, cx + len}, hy[3] = {y, y - 6, y + 6};
            viz_fill_polygon(canvas, hx, hy, 3, CDRL_VIZ_COLOR_FORCE, 255);
        }
    }
    char info[160];
    snprintf(info, sizeof info, "x %+.2f m   theta %+.0f deg   step %d   return %.2f", x, theta * 180 / M_PI,
             view->steps, view->episode_return);
    cdrl_viz_text(canvas, r.x + 8, r.y + 8, r.w >= 560 ? 2 : 1, VIZ_INK, info);
    SDL_RenderSetClipRect(canvas->renderer, NULL);
    return 0;
}
