/* CartPole drawn to scale from its env view: nothing here knows the physics,
 * only the geometry the view reports (positions, limits, pole length), so the
 * picture shows exactly the state the simulation is in. The scale and the
 * placement are fixed by the rules in viz.h, which the tests rely on. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SKY 0xF4F8FCu
#define GROUND 0xDCD6C8u
#define RAIL 0x404040u
#define LIMIT CDRL_VIZ_COLOR_LIMIT
#define WEDGE 0xB8E0B8u
#define ARROW CDRL_VIZ_COLOR_FORCE
#define AXLE 0xE8D070u
#define WHEEL 0x303030u

/* Where the world goes in the rectangle: see the rules in viz.h. */
typedef struct {
    double scale;   /* pixels per metre */
    double origin_x;/* pixel x of world x = 0 */
    double track_y; /* pixel y of the rails */
} cartpole_frame;

static cartpole_frame frame_of(cdrl_viz_rect r, double x_threshold)
{
    cartpole_frame f;
    f.scale = r.w / (2.0 * CDRL_VIZ_CARTPOLE_SPAN * x_threshold);
    f.origin_x = r.x + r.w / 2.0;
    f.track_y = r.y + CDRL_VIZ_CARTPOLE_TRACK_Y * r.h;
    return f;
}

static void fill_circle(cdrl_viz_canvas *canvas, double cx, double cy, double radius, uint32_t color)
{
    double xs[16], ys[16];
    for (int i = 0; i < 16; i++) {
        xs[i] = cx + radius * cos(i * M_PI / 8);
        ys[i] = cy + radius * sin(i * M_PI / 8);
    }
    viz_fill_polygon(canvas, xs, ys, 16, color, 255);
}

/* The pole as a rotated rectangle from the pivot to the tip; theta > 0 leans
 * towards +x, and screen y grows downwards. */
static void draw_pole(cdrl_viz_canvas *canvas, double px, double py, double theta, double length_px,
                      double width_px, uint32_t color, int alpha)
{
    double ux = sin(theta), uy = -cos(theta);
    double nx = -uy * width_px / 2, ny = ux * width_px / 2;
    double tx = px + ux * length_px, ty = py + uy * length_px;
    double xs[4] = {px + nx, tx + nx, tx - nx, px - nx};
    double ys[4] = {py + ny, ty + ny, ty - ny, py - ny};
    viz_fill_polygon(canvas, xs, ys, 4, color, alpha);
}

static void draw_arrow(cdrl_viz_canvas *canvas, double x0, double y, double x1, uint32_t color, double width)
{
    double dir = x1 > x0 ? 1 : -1;
    double head = 3.2 * width;
    cdrl_viz_line(canvas, x0, y, x1 - dir * head, y, width, color);
    double xs[3] = {x1, x1 - dir * head * 1.6, x1 - dir * head * 1.6};
    double ys[3] = {y, y - head, y + head};
    viz_fill_polygon(canvas, xs, ys, 3, color, 255);
}

int cdrl_viz_draw_cartpole(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                           const double *ghosts, int n_ghosts, cdrl_error *err)
{
    if (!view || !view->kind || strcmp(view->kind, "cartpole") != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: cannot draw env kind '%s' (drawers: cartpole)",
                           view && view->kind ? view->kind : "(none)");
    if (view->state_dim < 4 || view->n_params < 4 || !view->state || !view->params)
        return cdrl_errorf(err, CDRL_EINVAL,
                           "viz: cartpole view needs 4 state values and 4 params, got %d and %d",
                           view->state_dim, view->n_params);
    double x_thr = view->params[0], theta_thr = view->params[1], half_len = view->params[2];
    double force_mag = view->params[3];
    if (!(x_thr > 0) || !(half_len > 0) || !(theta_thr > 0) || !isfinite(x_thr + half_len + theta_thr))
        return cdrl_errorf(err, CDRL_EINVAL,
                           "viz: cartpole params must be positive (x_threshold %g, theta_threshold %g, "
                           "half length %g)", x_thr, theta_thr, half_len);
    if (r.w < 8 || r.h < 8)
        return 0;

    cartpole_frame f = frame_of(r, x_thr);
    double x = view->state[0], theta = view->state[2];
    double cart_w = CDRL_VIZ_CART_WIDTH * f.scale, cart_h = CDRL_VIZ_CART_HEIGHT * f.scale;
    double pole_len = 2 * half_len * f.scale;
    double pole_w = fmax(3.0, 0.08 * f.scale);

    SDL_Rect clip = {r.x, r.y, r.w, r.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    cdrl_viz_fill_rect(canvas, r, SKY);
    cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){r.x, (int)f.track_y, r.w, r.y + r.h - (int)f.track_y}, GROUND);
    cdrl_viz_line(canvas, r.x, f.track_y, r.x + r.w, f.track_y, 2, RAIL);

    /* The limits that end an episode: the cart's center leaving +-x_threshold. */
    for (int side = -1; side <= 1; side += 2) {
        double lx = f.origin_x + side * x_thr * f.scale;
        viz_dashed_line(canvas, lx, r.y + 24, lx, f.track_y + 12, 2, 8, 6, LIMIT);
        char label[32];
        snprintf(label, sizeof label, "x=%+.1f", side * x_thr);
        int ts = r.w >= 560 ? 2 : 1, tw = cdrl_viz_text_width(ts, label);
        cdrl_viz_text(canvas, (int)(lx - tw / 2.0), (int)f.track_y + 16, ts, LIMIT, label);
    }

    double cx = f.origin_x + x * f.scale, cy = f.track_y - cart_h / 2;
    if (isfinite(x) && isfinite(theta)) {
        /* The angle limit: the fan of upright angles the pole may take. */
        double xs[16], ys[16];
        xs[0] = cx;
        ys[0] = cy;
        for (int i = 0; i < 15; i++) {
            double a = -theta_thr + 2 * theta_thr * i / 14.0;
            xs[i + 1] = cx + sin(a) * pole_len * 1.05;
            ys[i + 1] = cy - cos(a) * pole_len * 1.05;
        }
        viz_fill_polygon(canvas, xs, ys, 16, WEDGE, 110);
        for (int side = -1; side <= 1; side += 2)
            viz_dashed_line(canvas, cx, cy, cx + side * sin(theta_thr) * pole_len * 1.05,
                            cy - cos(theta_thr) * pole_len * 1.05, 1, 5, 4, LIMIT);

        for (int g = 0; g < n_ghosts && ghosts; g++) {
            const double *s = ghosts + (size_t)g * (size_t)view->state_dim;
            if (!isfinite(s[0]) || !isfinite(s[2]))
                continue;
            double gx = f.origin_x + s[0] * f.scale;
            cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){(int)lround(gx) - 1, (int)(cy + cart_h / 2) - 4, 3, 4},
                               CDRL_VIZ_COLOR_CART);
            draw_pole(canvas, gx, cy, s[2], pole_len, pole_w * 0.6, CDRL_VIZ_COLOR_POLE, 60);
        }

        SDL_Rect cart = {(int)lround(cx - cart_w / 2), (int)lround(cy - cart_h / 2), (int)lround(cart_w),
                         (int)lround(cart_h)};
        cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){cart.x, cart.y, cart.w, cart.h}, CDRL_VIZ_COLOR_CART);
        fill_circle(canvas, cx - cart_w * 0.3, f.track_y, cart_h * 0.18, WHEEL);
        fill_circle(canvas, cx + cart_w * 0.3, f.track_y, cart_h * 0.18, WHEEL);
        draw_pole(canvas, cx, cy, theta, pole_len, pole_w, CDRL_VIZ_COLOR_POLE, 255);
        fill_circle(canvas, cx, cy, pole_w * 0.45, AXLE);

        /* The push of the last action, at the cart's side it acts on. */
        if (isfinite(view->last_action)) {
            double dir = view->last_action >= 0.5 ? 1 : -1;
            double len = fmax(20.0, 0.05 * fabs(force_mag) * f.scale);
            double tip = cx - dir * (cart_w / 2 + 3);
            draw_arrow(canvas, tip - dir * len, cy, tip, ARROW, fmax(3.0, 0.04 * f.scale));
        }
    }

    char info[160];
    snprintf(info, sizeof info, "x %+.3f m   theta %+.1f deg   step %d   return %.0f", x, theta * 180 / M_PI,
             view->steps, view->episode_return);
    cdrl_viz_text(canvas, r.x + 8, r.y + 8, r.w >= 560 ? 2 : 1, VIZ_INK, info);
    SDL_RenderSetClipRect(canvas->renderer, NULL);
    return 0;
}
