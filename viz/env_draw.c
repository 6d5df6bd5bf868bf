/* Picks the drawer of an env view by its kind, so the dashboard, the live
 * window, replays and --png draw any env the same way. A new env's drawer is
 * one file viz/<env>_draw.c and one line in the table below. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef int (*env_drawer)(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                          const double *ghosts, int n_ghosts, cdrl_error *err);

static const struct {
    const char *kind;
    env_drawer draw;
} drawers[] = {
    {"cartpole", cdrl_viz_draw_cartpole},
    {"pendulum", viz_draw_pendulum},
    {"mountaincar", viz_draw_mountaincar},
    {"acrobot", viz_draw_acrobot},
    {"cartpole-swingup", viz_draw_cartpole_swingup},
};

int cdrl_viz_draw_env(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                      const double *ghosts, int n_ghosts, cdrl_error *err)
{
    const int n = (int)(sizeof drawers / sizeof drawers[0]);
    for (int i = 0; view && view->kind && i < n; i++)
        if (strcmp(view->kind, drawers[i].kind) == 0) {
            /* A state far beyond any screen (1e38, inf) is drawn at the
             * screen's edge, never handed to SDL as it is. */
            double state[VIZ_MAX_STATE];
            cdrl_env_view shown = *view;
            if (view->state && view->state_dim > 0 && view->state_dim <= VIZ_MAX_STATE) {
                for (int k = 0; k < view->state_dim; k++)
                    state[k] = viz_clamp(view->state[k], VIZ_STATE_LIMIT);
                shown.state = state;
            }
            return drawers[i].draw(canvas, r, &shown, ghosts, n_ghosts, err);
        }
    char known[160] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof known; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", drawers[i].kind);
    return cdrl_errorf(err, CDRL_EINVAL, "viz: cannot draw env kind '%s' (drawers: %s)",
                       view && view->kind ? view->kind : "(none)", known);
}

void viz_fill_circle(cdrl_viz_canvas *canvas, double cx, double cy, double radius, uint32_t color)
{
    double xs[16], ys[16];
    for (int i = 0; i < 16; i++) {
        xs[i] = cx + radius * cos(i * M_PI / 8);
        ys[i] = cy + radius * sin(i * M_PI / 8);
    }
    viz_fill_polygon(canvas, xs, ys, 16, color, 255);
}

void viz_fill_bar(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double width,
                  uint32_t color, int alpha)
{
    double len = hypot(x1 - x0, y1 - y0);
    if (!(len > 0))
        return;
    double nx = -(y1 - y0) / len * width / 2, ny = (x1 - x0) / len * width / 2;
    double xs[4] = {x0 + nx, x1 + nx, x1 - nx, x0 - nx};
    double ys[4] = {y0 + ny, y1 + ny, y1 - ny, y0 - ny};
    viz_fill_polygon(canvas, xs, ys, 4, color, alpha);
}

int viz_env_view_check(const cdrl_env_view *view, const char *kind, int state_dim, int n_params,
                       cdrl_error *err)
{
    if (!view || !view->kind || strcmp(view->kind, kind) != 0)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: the %s drawer cannot draw kind '%s'", kind,
                           view && view->kind ? view->kind : "(none)");
    if (view->state_dim < state_dim || view->n_params < n_params || !view->state || (n_params && !view->params))
        return cdrl_errorf(err, CDRL_EINVAL, "viz: %s view needs %d state values and %d params, got %d and %d",
                           kind, state_dim, n_params, view->state_dim, view->n_params);
    for (int i = 0; i < n_params; i++)
        if (!isfinite(view->params[i]))
            return cdrl_errorf(err, CDRL_EINVAL, "viz: %s view param %d is not finite", kind, i);
    return 0;
}
