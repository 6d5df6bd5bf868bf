/* Line plots: axes with "nice" ticks and labels, several series, a
 * reference line and a legend. The plot reports the axes it chose so that
 * callers (and tests) can say where any data point landed. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define LEGEND_SWATCH 22
#define HLINE_COLOR 0x2A8A3Au

/* The tick step for a range: 1, 2 or 5 x 10^k, giving about `target` ticks. */
static double nice_step(double range, int target)
{
    double raw = range / target;
    double mag = pow(10, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/* Rounds [*lo, *hi] out to whole tick steps; a degenerate range is widened
 * so that a constant series still gets a readable axis. */
static double nice_range(double *lo, double *hi, int target)
{
    if (*hi - *lo < 1e-12 * fmax(1.0, fabs(*hi))) {
        double pad = *lo == 0 ? 1 : fabs(*lo) * 0.1;
        *lo -= pad;
        *hi += pad;
    }
    double step = nice_step(*hi - *lo, target);
    *lo = floor(*lo / step + 1e-9) * step;
    *hi = ceil(*hi / step - 1e-9) * step;
    return step;
}

/* Tick labels short enough for an axis: 250k, 1.5M, 0.05, 475. The unit
 * is chosen once per axis from its largest value (`scale_of`), so that one
 * axis reads 0, 5k, 10k rather than 0, 5000, 10k. */
static void format_tick(char *buf, size_t n, double v, double step, double scale_of)
{
    if (fabs(v) < step * 1e-6)
        v = 0;
    if (v == 0 && step >= 1)
        snprintf(buf, n, "0");
    else if (scale_of >= 1e6 && step >= 1e5)
        snprintf(buf, n, "%gM", v / 1e6);
    else if (scale_of >= 1e4 && step >= 1e3)
        snprintf(buf, n, "%gk", v / 1e3);
    else {
        int decimals = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        snprintf(buf, n, "%.*f", decimals, v);
    }
}

void cdrl_viz_axes_to_pixel(const cdrl_viz_axes *axes, double x, double y, double *px, double *py)
{
    *px = axes->area.x + (x - axes->x_min) / (axes->x_max - axes->x_min) * (axes->area.w - 1);
    *py = axes->area.y + axes->area.h - 1 - (y - axes->y_min) / (axes->y_max - axes->y_min) * (axes->area.h - 1);
}

/* A long series (more points than pixel columns, as episode returns after a
 * few thousand episodes) is drawn per pixel column: a vertical stroke from
 * the column's lowest to highest value, joined to the next column. It looks
 * the same as every segment drawn, at a cost bounded by the plot's width.
 * Needs x sorted, which is checked; returns 0 to fall back to every point. */
static int draw_series_by_column(cdrl_viz_canvas *canvas, const cdrl_viz_axes *axes, const cdrl_viz_series *s)
{
    int w = axes->area.w;
    if (s->style == CDRL_VIZ_POINTS || s->style == CDRL_VIZ_DASHED || !s->x || s->n < 4 * w)
        return 0;
    for (int i = 1; i < s->n; i++)
        if (s->x[i] < s->x[i - 1])
            return 0;
    double thickness = s->style == CDRL_VIZ_THIN ? 1 : 2;
    int col = -1;
    double lo = 0, hi = 0, last = 0, prev_last = 0, prev_px = 0;
    int have_prev = 0;
    for (int i = 0; i <= s->n; i++) {
        double px = 0, py = 0;
        int finite = i < s->n && isfinite(s->x[i]) && isfinite(s->y[i]);
        if (finite)
            cdrl_viz_axes_to_pixel(axes, s->x[i], s->y[i], &px, &py);
        int c = finite ? (int)lround(px) : -2;
        if (c != col || !finite) {
            if (col >= 0) { /* finish the column */
                if (hi - lo >= 1)
                    cdrl_viz_line(canvas, col, lo, col, hi, thickness, s->color);
                prev_last = last, prev_px = col, have_prev = 1;
            }
            if (!finite) {
                col = -1;
                have_prev = 0; /* NaN breaks the line */
                continue;
            }
            if (have_prev)
                cdrl_viz_line(canvas, prev_px, prev_last, c, py, thickness, s->color);
            col = c, lo = hi = py;
        }
        lo = fmin(lo, py), hi = fmax(hi, py), last = py;
    }
    return 1;
}

/* A polyline through the finite points, broken at NaN; dashes keep their
 * phase from one segment to the next so short segments still look dashed. */
static void draw_series(cdrl_viz_canvas *canvas, const cdrl_viz_axes *axes, const cdrl_viz_series *s)
{
    if (draw_series_by_column(canvas, axes, s))
        return;
    double thickness = s->style == CDRL_VIZ_THIN ? 1 : 2;
    double dash = 10, gap = 6, phase = 0;
    int have_prev = 0;
    double px0 = 0, py0 = 0;
    for (int i = 0; i < s->n; i++) {
        double x = s->x ? s->x[i] : i, y = s->y[i];
        if (!isfinite(x) || !isfinite(y)) {
            have_prev = 0;
            continue;
        }
        double px, py;
        cdrl_viz_axes_to_pixel(axes, x, y, &px, &py);
        if (s->style == CDRL_VIZ_POINTS) {
            cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){(int)lround(px) - 1, (int)lround(py) - 1, 3, 3}, s->color);
            continue;
        }
        if (!have_prev) {
            /* a lone point still shows */
            if (i + 1 >= s->n || !isfinite(s->y[i + 1]))
                cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){(int)lround(px) - 1, (int)lround(py) - 1, 3, 3},
                                   s->color);
        } else if (s->style != CDRL_VIZ_DASHED) {
            cdrl_viz_line(canvas, px0, py0, px, py, thickness, s->color);
        } else {
            double len = hypot(px - px0, py - py0), t = 0;
            while (t < len) {
                double period_left = (phase < dash ? dash : dash + gap) - phase;
                double step = fmin(period_left, len - t);
                if (phase < dash) {
                    double a = t / len, b = (t + step) / len;
                    cdrl_viz_line(canvas, px0 + (px - px0) * a, py0 + (py - py0) * a, px0 + (px - px0) * b,
                                  py0 + (py - py0) * b, thickness, s->color);
                }
                t += step;
                phase = fmod(phase + step, dash + gap);
            }
        }
        px0 = px, py0 = py, have_prev = 1;
    }
}

static void legend_swatch(cdrl_viz_canvas *canvas, int x, int y, uint32_t color, int style)
{
    if (style == CDRL_VIZ_POINTS) {
        cdrl_viz_fill_rect(canvas, (cdrl_viz_rect){x + LEGEND_SWATCH / 2 - 2, y - 2, 5, 5}, color);
    } else if (style == CDRL_VIZ_DASHED) {
        viz_dashed_line(canvas, x, y, x + LEGEND_SWATCH, y, 2, 7, 4, color);
    } else {
        cdrl_viz_line(canvas, x, y, x + LEGEND_SWATCH, y, style == CDRL_VIZ_THIN ? 1 : 2, color);
    }
}

/* Counts data points inside a pixel box, to put the legend where it hides least. */
static int points_in_box(const cdrl_viz_axes *axes, const cdrl_viz_plot_spec *spec, cdrl_viz_rect b)
{
    int count = 0;
    for (int k = 0; k < spec->n_series; k++) {
        const cdrl_viz_series *s = &spec->series[k];
        int stride = s->n > 2000 ? s->n / 2000 : 1;
        for (int i = 0; i < s->n; i += stride) {
            double px, py;
            cdrl_viz_axes_to_pixel(axes, s->x ? s->x[i] : i, s->y[i], &px, &py);
            count += px >= b.x && px < b.x + b.w && py >= b.y && py < b.y + b.h;
        }
    }
    if (spec->has_hline) {
        double px, py;
        cdrl_viz_axes_to_pixel(axes, axes->x_min, spec->hline_y, &px, &py);
        count += 50 * (py >= b.y && py < b.y + b.h);
    }
    return count;
}

static void draw_legend(cdrl_viz_canvas *canvas, const cdrl_viz_axes *axes, const cdrl_viz_plot_spec *spec,
                        int ts)
{
    int entries = 0, widest = 0;
    for (int k = 0; k < spec->n_series; k++)
        if (spec->series[k].label) {
            entries++;
            widest = SDL_max(widest, cdrl_viz_text_width(ts, spec->series[k].label));
        }
    if (spec->has_hline && spec->hline_label) {
        entries++;
        widest = SDL_max(widest, cdrl_viz_text_width(ts, spec->hline_label));
    }
    if (!entries)
        return;
    int line_h = 11 * ts, pad = 6;
    int bw = pad * 3 + LEGEND_SWATCH + widest, bh = pad * 2 + entries * line_h - 2 * ts;
    const cdrl_viz_rect *a = &axes->area;
    cdrl_viz_rect corners[4] = {
        {a->x + 8, a->y + 8, bw, bh},
        {a->x + a->w - bw - 8, a->y + 8, bw, bh},
        {a->x + a->w - bw - 8, a->y + a->h - bh - 8, bw, bh},
        {a->x + 8, a->y + a->h - bh - 8, bw, bh},
    };
    int best = 0, best_count = -1;
    for (int c = 0; c < 4; c++) {
        int n = points_in_box(axes, spec, corners[c]);
        if (best_count < 0 || n < best_count)
            best = c, best_count = n;
    }
    cdrl_viz_rect b = corners[best];
    cdrl_viz_fill_rect(canvas, b, 0xFFFFFFu);
    cdrl_viz_line(canvas, b.x, b.y, b.x + b.w, b.y, 1, 0xC8C8C8u);
    cdrl_viz_line(canvas, b.x, b.y + b.h, b.x + b.w, b.y + b.h, 1, 0xC8C8C8u);
    cdrl_viz_line(canvas, b.x, b.y, b.x, b.y + b.h, 1, 0xC8C8C8u);
    cdrl_viz_line(canvas, b.x + b.w, b.y, b.x + b.w, b.y + b.h, 1, 0xC8C8C8u);
    int y = b.y + pad;
    for (int k = 0; k < spec->n_series; k++) {
        const cdrl_viz_series *s = &spec->series[k];
        if (!s->label)
            continue;
        legend_swatch(canvas, b.x + pad, y + 7 * ts / 2, s->color, s->style);
        cdrl_viz_text(canvas, b.x + pad * 2 + LEGEND_SWATCH, y, ts, VIZ_INK, s->label);
        y += line_h;
    }
    if (spec->has_hline && spec->hline_label) {
        legend_swatch(canvas, b.x + pad, y + 7 * ts / 2, HLINE_COLOR, CDRL_VIZ_DASHED);
        cdrl_viz_text(canvas, b.x + pad * 2 + LEGEND_SWATCH, y, ts, VIZ_INK, spec->hline_label);
    }
}

void cdrl_viz_draw_plot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_viz_plot_spec *spec,
                        cdrl_viz_axes *axes_out)
{
    int ts = r.w >= 400 && r.h >= 220 ? 2 : 1; /* text scale */
    double xlo = HUGE_VAL, xhi = -HUGE_VAL, ylo = HUGE_VAL, yhi = -HUGE_VAL;
    for (int k = 0; k < spec->n_series; k++) {
        const cdrl_viz_series *s = &spec->series[k];
        for (int i = 0; i < s->n; i++) {
            double x = s->x ? s->x[i] : i, y = s->y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
        }
    }
    int has_data = xlo <= xhi;
    if (!has_data)
        xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (spec->has_hline && isfinite(spec->hline_y))
        ylo = fmin(ylo, spec->hline_y), yhi = fmax(yhi, spec->hline_y);
    if (spec->fix_y_min)
        ylo = fmin(ylo, spec->y_min);
    double xstep = nice_range(&xlo, &xhi, 5), ystep = nice_range(&ylo, &yhi, 5);

    /* Margins sized from the text: the widest y tick label decides the left. */
    char label[32];
    int widest = 0;
    int ny = (int)lround((yhi - ylo) / ystep), nx = (int)lround((xhi - xlo) / xstep);
    for (int i = 0; i <= ny; i++) {
        double v = ylo + i * ystep;
        format_tick(label, sizeof label, v, ystep, fmax(fabs(ylo), fabs(yhi)));
        widest = SDL_max(widest, cdrl_viz_text_width(ts, label));
    }
    int char_h = 7 * ts;
    int top = spec->title ? char_h + 14 : 8;
    int left = widest + 12 + (spec->y_label ? char_h + 10 : 0);
    int bottom = char_h + 12 + (spec->x_label ? char_h + 10 : 0);
    int right = 16;
    cdrl_viz_axes axes = {{r.x + left, r.y + top, r.w - left - right, r.h - top - bottom}, xlo, xhi, ylo, yhi};
    if (axes.area.w < 10 || axes.area.h < 10)
        return;
    const cdrl_viz_rect a = axes.area;

    if (spec->title)
        cdrl_viz_text(canvas, a.x, r.y + 4, ts, VIZ_INK, spec->title);
    cdrl_viz_fill_rect(canvas, a, 0xFFFFFFu);

    /* grid and tick labels */
    for (int i = 0; i <= ny; i++) {
        double v = ylo + i * ystep, px, py;
        cdrl_viz_axes_to_pixel(&axes, xlo, v, &px, &py);
        py = round(py);
        cdrl_viz_line(canvas, a.x, py, a.x + a.w - 1, py, 1, VIZ_GRID);
        cdrl_viz_line(canvas, a.x - 5, py, a.x - 1, py, 1, VIZ_INK);
        format_tick(label, sizeof label, v, ystep, fmax(fabs(ylo), fabs(yhi)));
        cdrl_viz_text(canvas, a.x - 8 - cdrl_viz_text_width(ts, label), (int)py - char_h / 2, ts, VIZ_INK, label);
    }
    for (int i = 0; i <= nx; i++) {
        double v = xlo + i * xstep, px, py;
        cdrl_viz_axes_to_pixel(&axes, v, ylo, &px, &py);
        px = round(px);
        cdrl_viz_line(canvas, px, a.y, px, a.y + a.h - 1, 1, VIZ_GRID);
        cdrl_viz_line(canvas, px, a.y + a.h, px, a.y + a.h + 4, 1, VIZ_INK);
        format_tick(label, sizeof label, v, xstep, fmax(fabs(xlo), fabs(xhi)));
        int tw = cdrl_viz_text_width(ts, label);
        int tx = (int)px - tw / 2;
        tx = SDL_min(SDL_max(tx, r.x), r.x + r.w - tw);
        cdrl_viz_text(canvas, tx, a.y + a.h + 8, ts, VIZ_INK, label);
    }
    if (spec->x_label) {
        int tw = cdrl_viz_text_width(ts, spec->x_label);
        cdrl_viz_text(canvas, a.x + (a.w - tw) / 2, a.y + a.h + char_h + 18, ts, VIZ_MUTED, spec->x_label);
    }
    if (spec->y_label) {
        int tw = cdrl_viz_text_width(ts, spec->y_label);
        viz_text_vertical(canvas, r.x + 2, a.y + (a.h - tw) / 2, ts, VIZ_MUTED, spec->y_label);
    }

    SDL_Rect clip = {a.x, a.y, a.w, a.h};
    SDL_RenderSetClipRect(canvas->renderer, &clip);
    if (spec->has_hline && isfinite(spec->hline_y)) {
        double px, py;
        cdrl_viz_axes_to_pixel(&axes, xlo, spec->hline_y, &px, &py);
        viz_dashed_line(canvas, a.x, py, a.x + a.w, py, 2, 10, 6, HLINE_COLOR);
    }
    for (int k = 0; k < spec->n_series; k++)
        draw_series(canvas, &axes, &spec->series[k]);
    SDL_RenderSetClipRect(canvas->renderer, NULL);

    /* the frame last, so curves at the edges do not cover it */
    cdrl_viz_line(canvas, a.x - 1, a.y + a.h, a.x + a.w, a.y + a.h, 1, VIZ_INK);
    cdrl_viz_line(canvas, a.x - 1, a.y - 1, a.x - 1, a.y + a.h, 1, VIZ_INK);
    if (!has_data) {
        const char *msg = spec->empty_text ? spec->empty_text : "no data yet";
        cdrl_viz_text(canvas, a.x + (a.w - cdrl_viz_text_width(ts, msg)) / 2, a.y + a.h / 2 - char_h / 2, ts,
                      VIZ_MUTED, msg);
    } else {
        draw_legend(canvas, &axes, spec, ts);
    }
    if (axes_out)
        *axes_out = axes;
}
