/* The visualizer: CartPole drawn to scale, training curves, PNG pictures and
 * a live window, all from one drawing core.
 *
 * Everything draws into a cdrl_viz_canvas: an SDL surface with SDL's software
 * renderer on top. A headless canvas needs no display at all (PNG pictures,
 * tests); a window's canvas is the window's own surface, so the screen shows
 * exactly the pixels a PNG would hold. This header does not include SDL:
 * callers (the CLI, the trainer) use only the types below, and the simulation
 * (envs, agents) never depends on the visualizer; it is the other way round.
 *
 * Colors are 0xRRGGBB. Coordinates are pixels, origin at the top left. */
#ifndef CDRL_VIZ_H
#define CDRL_VIZ_H

#include <stddef.h>
#include <stdint.h>

#include "cdrl/env.h"
#include "cdrl/error.h"

/* ---- Canvas --------------------------------------------------------------- */

typedef struct cdrl_viz_canvas cdrl_viz_canvas;

typedef struct {
    int x, y, w, h;
} cdrl_viz_rect;

/* Creates a headless canvas of width x height pixels (1 .. 8192 each),
 * cleared to the background color. Needs no display and no SDL_Init. Free
 * with cdrl_viz_canvas_free. */
int cdrl_viz_canvas_create(int width, int height, cdrl_viz_canvas **out, cdrl_error *err);

/* Frees a canvas made by cdrl_viz_canvas_create; NULL is allowed. */
void cdrl_viz_canvas_free(cdrl_viz_canvas *canvas);

int cdrl_viz_canvas_width(const cdrl_viz_canvas *canvas);
int cdrl_viz_canvas_height(const cdrl_viz_canvas *canvas);

/* Color of pixel (x, y) as 0xRRGGBB, after all pending drawing; 0 outside. */
uint32_t cdrl_viz_canvas_pixel(cdrl_viz_canvas *canvas, int x, int y);

/* Copies the pixels as packed RGB, 3 bytes per pixel, rows top to bottom,
 * into rgb (width * height * 3 bytes, owned by the caller). */
void cdrl_viz_canvas_read_rgb(cdrl_viz_canvas *canvas, uint8_t *rgb);

/* Writes the canvas to a PNG file, atomically (temporary file in the same
 * directory, fsync, rename). */
int cdrl_viz_canvas_write_png(cdrl_viz_canvas *canvas, const char *path, cdrl_error *err);

/* Drawing primitives, clipped to the canvas. Thickness is in pixels (>= 1). */
void cdrl_viz_fill(cdrl_viz_canvas *canvas, uint32_t color);
void cdrl_viz_fill_rect(cdrl_viz_canvas *canvas, cdrl_viz_rect r, uint32_t color);
void cdrl_viz_line(cdrl_viz_canvas *canvas, double x0, double y0, double x1, double y1, double thickness,
                   uint32_t color);

/* Draws UTF-8 text at an integer scale, top-left anchored; '\n' starts a new
 * line. At scale s capitals are 7 s pixels high on a baseline 7 s below y,
 * and lines are 10 s apart, in either font: the TrueType font in use
 * (anti-aliased, see cdrl_viz_set_font) or, without one, the built-in 5x7
 * bitmap font (a 6 s x 10 s cell per character; characters outside
 * printable ASCII draw as '?'). */
void cdrl_viz_text(cdrl_viz_canvas *canvas, int x, int y, int scale, uint32_t color, const char *text);

/* Width and height in pixels of `text` (its longest line; down to the
 * lowest descender) at `scale`, in the font in use. */
int cdrl_viz_text_width(int scale, const char *text);
int cdrl_viz_text_height(int scale, const char *text);

/* The font of all text, for the whole process. By default it is the
 * TrueType font named by the environment variable CDRL_FONT or, when that is
 * unset, DejaVu Sans from Debian's fonts-dejavu-core (its path is set at
 * build time: cmake -DCDRL_FONT=...); CDRL_FONT="" or a font that does not
 * open gives the built-in bitmap font. cdrl_viz_set_font(path) switches to
 * the TrueType font at path (NULL or "": the built-in font); CDRL_EIO if it
 * does not open, and the built-in font is used. cdrl_viz_font() returns the
 * path of the TrueType font in use (static storage, until the next switch),
 * or NULL for the built-in font. Safe to call from any thread. */
int cdrl_viz_set_font(const char *path, cdrl_error *err);
const char *cdrl_viz_font(void);

/* ---- PNG -------------------------------------------------------------------
 * Written by libpng: 8-bit RGB, not interlaced. The same pixels give the same
 * bytes (for a given libpng and zlib). */

/* Encodes width x height packed RGB pixels as a PNG in memory. `compress`
 * 0 = no compression (zlib level 0, for checking), 1 = compressed (zlib
 * level 6, every row "up"-filtered). On success *out is a malloc'd buffer
 * the caller frees, *out_len its length. */
int cdrl_viz_png_encode(const uint8_t *rgb, int width, int height, int compress, uint8_t **out,
                        size_t *out_len, cdrl_error *err);

/* Encodes (compressed) and writes atomically to path. */
int cdrl_viz_png_write(const char *path, const uint8_t *rgb, int width, int height, cdrl_error *err);

/* ---- Episode video (animated GIF) -------------------------------------------
 * A replayed episode as an animated GIF (giflib): each frame is the env drawn
 * by its drawer at the video's size, with a small overlay (step, return,
 * time) at the bottom left, and is shown for 1 / steps_per_second seconds,
 * so the video plays at the env's real-time rate (GIF delays are whole
 * hundredths of a second; their sum follows the exact clock). The video
 * loops. Each frame has its own palette of its most used colours (exact;
 * rarer colours map to their nearest) and stores only what changed since the
 * frame before. The file is written atomically by cdrl_viz_gif_finish; that
 * it can be written is tried at open. Same frames, same bytes. */

typedef struct cdrl_viz_gif cdrl_viz_gif;

typedef struct {
    int width, height;       /* frame size in pixels, 64 .. 4096 each */
    double steps_per_second; /* the env's real-time rate, (0, 1000] */
} cdrl_viz_gif_options;

/* 600 x 400 at 50 steps per second (CartPole: tau = 0.02 s). */
cdrl_viz_gif_options cdrl_viz_gif_defaults(void);

/* Starts a video to be written to path (opts NULL = the defaults). Errors:
 * CDRL_EINVAL for a size or rate out of range, CDRL_EIO naming the path when
 * no file can be made there. Free with cdrl_viz_gif_free. */
int cdrl_viz_gif_open(const char *path, const cdrl_viz_gif_options *opts, cdrl_viz_gif **out, cdrl_error *err);

/* Adds one frame: the view drawn as cdrl_viz_draw_cartpole draws it (with
 * n_ghosts imagined states, may be 0), plus the overlay. */
int cdrl_viz_gif_frame(cdrl_viz_gif *gif, const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                       cdrl_error *err);

/* Adds a frame drawn by the caller: a canvas of the video's size. */
int cdrl_viz_gif_add_canvas(cdrl_viz_gif *gif, cdrl_viz_canvas *canvas, cdrl_error *err);

/* Frames added so far. */
long cdrl_viz_gif_frames(const cdrl_viz_gif *gif);

/* Ends the video and writes the file (atomically: whole or not at all). Call
 * once, with at least one frame added; then free. */
int cdrl_viz_gif_finish(cdrl_viz_gif *gif, cdrl_error *err);

/* Frees the video; without cdrl_viz_gif_finish nothing is written. NULL is
 * allowed. */
void cdrl_viz_gif_free(cdrl_viz_gif *gif);

/* ---- CartPole ----------------------------------------------------------------
 * Drawn to scale inside a rectangle: the world's horizontal extent
 * [-1.2 * x_threshold, +1.2 * x_threshold] spans the rectangle's width, so
 * pixels per metre = r.w / (2.4 * x_threshold), the same scale vertically.
 * The track (top of the rails) is at y = r.y + 0.75 * r.h. The cart is
 * 0.5 m wide and 0.3 m high and stands on the track, so its center is at
 * x = r.x + r.w / 2 + state x * scale, y = track y - 0.15 m * scale. The
 * pole pivots at the cart's center; theta = 0 is upright, theta > 0 leans right (+x), length
 * 2 * half_length. Dashed lines mark x = +-x_threshold; a wedge at the pivot
 * marks the angle limit +-theta_threshold. The force arrow points the way of
 * last_action (1 = push right, 0 = push left; none when NaN). */

#define CDRL_VIZ_CARTPOLE_SPAN 1.2       /* half-width of view / x_threshold */
#define CDRL_VIZ_CARTPOLE_TRACK_Y 0.75   /* track height as a fraction of r.h */
#define CDRL_VIZ_CART_WIDTH 0.5          /* metres */
#define CDRL_VIZ_CART_HEIGHT 0.3         /* metres */
#define CDRL_VIZ_COLOR_POLE 0xC8643Cu
#define CDRL_VIZ_COLOR_CART 0x2F4F6Fu
#define CDRL_VIZ_COLOR_LIMIT 0xC03030u   /* x and angle limits */
#define CDRL_VIZ_COLOR_FORCE 0x2A8A3Au   /* the force arrow */
#define CDRL_VIZ_COLOR_BACKGROUND 0xFFFFFFu

/* Draws the state of a "cartpole" view (state: x, x_dot, theta, theta_dot;
 * params: x_threshold, theta_threshold_radians, half pole length,
 * force_mag) in r. ghosts, if n_ghosts > 0, are n_ghosts imagined states
 * (state_dim values each, e.g. a model's predicted rollout of the chosen
 * plan), drawn as faint poles behind the real one. Errors (CDRL_EINVAL) for
 * another kind or too few state values or params; nothing is drawn then. */
int cdrl_viz_draw_cartpole(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                           const double *ghosts, int n_ghosts, cdrl_error *err);

/* Draws any env view in r with the drawer of its kind ("cartpole",
 * "pendulum", "mountaincar", "acrobot", "cartpole-swingup"); ghosts as for
 * cdrl_viz_draw_cartpole (drawers that cannot show them ignore them).
 * CDRL_EINVAL for an unknown kind (naming the drawers) or a malformed view.
 * Every drawer draws its moving parts in CDRL_VIZ_COLOR_POLE (rods, links)
 * and CDRL_VIZ_COLOR_CART (carts, the car), to the scales below.
 *   pendulum: pivot at the center of r; pixels per metre
 *     min(r.w, r.h) / (2 * CDRL_VIZ_PENDULUM_SPAN * length); theta = 0 up,
 *     theta > 0 turns the rod counter-clockwise (to the left).
 *   mountaincar: pixels per metre s = min(r.w / 1.8, CDRL_VIZ_MOUNTAINCAR_HEIGHT
 *     * r.h); x in [-1.2, 0.6] is centered across r; the hill's height
 *     0.45 sin(3 x) + 0.55 rises s per metre from the floor line
 *     r.y + r.h - CDRL_VIZ_MOUNTAINCAR_FLOOR * r.h; the car sits on it.
 *   acrobot: pivot at the center of r; pixels per metre
 *     min(r.w, r.h) / (2 * CDRL_VIZ_ACROBOT_SPAN); both angles 0 hang down,
 *     the first link's end at (sin t1, -cos t1), the second's at that plus
 *     (sin(t1 + t2), -cos(t1 + t2)) (y up); the goal height is a line.
 *   cartpole-swingup: as cartpole, with x in [-CDRL_VIZ_SWINGUP_SPAN,
 *     +CDRL_VIZ_SWINGUP_SPAN] metres across r.w, theta = 0 hanging down and
 *     the pole's tip at (x + l sin theta, -l cos theta) from the pivot. */
int cdrl_viz_draw_env(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_env_view *view,
                      const double *ghosts, int n_ghosts, cdrl_error *err);

#define CDRL_VIZ_PENDULUM_SPAN 1.25
#define CDRL_VIZ_MOUNTAINCAR_FLOOR 0.08
#define CDRL_VIZ_MOUNTAINCAR_HEIGHT 0.72
#define CDRL_VIZ_ACROBOT_SPAN 2.4
#define CDRL_VIZ_SWINGUP_SPAN 2.0

/* ---- Plots -------------------------------------------------------------------- */

enum { CDRL_VIZ_SOLID = 0, CDRL_VIZ_DASHED = 1, CDRL_VIZ_THIN = 2, CDRL_VIZ_POINTS = 3 };

/* One curve. x and y are n values owned by the caller; NaN values are gaps. */
typedef struct {
    const char *label; /* legend text; NULL = not in the legend */
    const double *x;
    const double *y;
    int n;
    uint32_t color;
    int style; /* CDRL_VIZ_SOLID, _DASHED, _THIN or _POINTS */
} cdrl_viz_series;

typedef struct {
    const char *title;
    const char *x_label;
    const char *y_label;
    const cdrl_viz_series *series;
    int n_series;
    int has_hline;          /* draw a horizontal reference line ... */
    double hline_y;         /* ... at this y (e.g. the solved return) ... */
    const char *hline_label;/* ... named in the legend */
    int fix_y_min;          /* 1: y axis starts at y_min (e.g. 0 for rates) */
    double y_min;
    const char *empty_text; /* shown when there is nothing to draw; NULL = "no data yet" */
} cdrl_viz_plot_spec;

/* Where a plot put its data: the pixel rectangle of the data area and the
 * axis ranges it spans. Pixel of (x, y):
 *   px = area.x + (x - x_min) / (x_max - x_min) * (area.w - 1)
 *   py = area.y + area.h - 1 - (y - y_min) / (y_max - y_min) * (area.h - 1) */
typedef struct {
    cdrl_viz_rect area;
    double x_min, x_max, y_min, y_max;
} cdrl_viz_axes;

/* Draws a plot in r: title, axes with "nice" ticks (1, 2, 5 x 10^k) and
 * their labels, axis labels, the series, the reference line and a legend.
 * The axis ranges are the data's (and hline's) extent rounded out to ticks.
 * With no finite data it draws the frame and "no data yet". Writes the axes
 * used to *axes if not NULL. */
void cdrl_viz_draw_plot(cdrl_viz_canvas *canvas, cdrl_viz_rect r, const cdrl_viz_plot_spec *spec,
                        cdrl_viz_axes *axes);

/* Maps a data point to pixel coordinates of a drawn plot (formula above). */
void cdrl_viz_axes_to_pixel(const cdrl_viz_axes *axes, double x, double y, double *px, double *py);

/* Trailing running mean: out[i] = mean of the finite values among
 * y[max(0, i - window + 1) .. i] (NaN if none), the "mean return of the last
 * 100 episodes" of CartPole's solved rule. out may not alias y. */
void cdrl_viz_running_mean(const double *y, int n, int window, double *out);

/* ---- Tables (metrics.csv, episodes.csv) ------------------------------------------
 * A numeric table read generically: a header row of column names, then one
 * row per record. Columns are found by name, never by position. Cells that
 * are empty or not numbers read as NaN. */

typedef struct {
    int n_cols;
    int n_rows;
    int cap_rows;
    char **names;   /* n_cols names */
    double *values; /* n_rows x n_cols, row-major */
} cdrl_viz_table;

/* Loads a CSV file with a header row into t (which the caller frees with
 * cdrl_viz_table_free). Errors name the file and line. */
int cdrl_viz_table_load(const char *path, cdrl_viz_table *t, cdrl_error *err);

/* Empties t and frees its memory; t may then be reused. */
void cdrl_viz_table_free(cdrl_viz_table *t);

/* Index of the column called name, or -1. */
int cdrl_viz_table_column(const cdrl_viz_table *t, const char *name);

/* Appends one row given as n (name, value) pairs. Names not yet in the
 * table become new columns (earlier rows read NaN there); columns not named
 * read NaN in this row. */
int cdrl_viz_table_append(cdrl_viz_table *t, int n, const char *const *names, const double *values,
                          cdrl_error *err);

/* Value at (row, col), NaN when out of range. */
double cdrl_viz_table_get(const cdrl_viz_table *t, int row, int col);

/* ---- Runs and the dashboard ------------------------------------------------------ */

/* What the visualizer knows of one run: its name (for legends), metrics
 * (one row per update or refit) and episodes (one row per episode, with a
 * "return" column). Either table may be empty (n_cols == 0). */
typedef struct {
    char name[128];
    cdrl_viz_table metrics;
    cdrl_viz_table episodes;
    /* From RUN_DIR/config.cfg when the run has one ("" and 0 otherwise):
     * agent.model.uncertainty ("dropout", "ensemble:5"), and 1 when every
     * dropout key the config has (agent.model/policy/value.dropout) is
     * "none", so that the run logs no p by design. */
    char uncertainty[32];
    int no_dropout;
} cdrl_viz_run;

/* Loads RUN_DIR/metrics.csv and RUN_DIR/episodes.csv (at least one must
 * exist); the run's name is the directory's last component. Free with
 * cdrl_viz_run_free. */
int cdrl_viz_run_load(const char *dir, cdrl_viz_run *run, cdrl_error *err);
void cdrl_viz_run_free(cdrl_viz_run *run);

/* The k-th colour of the dashboard's palette (k >= 0, cycling): the colour
 * of run k when runs are overlaid, of column k of a single run otherwise. */
uint32_t cdrl_viz_palette(int k);

typedef struct {
    double solved_return; /* the "solved" line on the returns plot; NaN = none */
    int running_mean;     /* window of the running mean of episode returns (e.g. 100) */
} cdrl_viz_dashboard_options;

/* The defaults: solved_return 475 (CartPole-v1), running_mean 100. */
cdrl_viz_dashboard_options cdrl_viz_dashboard_defaults(void);

/* Draws the whole view into the canvas: the CartPole panel (when view is
 * not NULL, with optional ghosts as in cdrl_viz_draw_cartpole) and the
 * curves of all runs overlaid: episode returns with their running mean and
 * the solved line; the dropout rate p of every layer (columns named p_*);
 * the epistemic spread (columns whose name contains "spread"); when some run
 * has them (metric_names.h), the reliability diagram of its last row's
 * cal_cover_* / cal_epi_cover_* columns (observed against expected coverage,
 * beside the diagonal) and the planner's plan_* curves, sharing the bottom
 * row with the p and spread panels. The metric
 * curves are plotted against env_steps (or buffer_size, episodes, episode,
 * else the row number), whichever the run's metrics have first. `status`,
 * if not NULL, is one line shown at the bottom (speed, paused, ...). */
int cdrl_viz_draw_dashboard(cdrl_viz_canvas *canvas, const cdrl_viz_run *runs, int n_runs,
                            const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                            const cdrl_viz_dashboard_options *opts, const char *status, cdrl_error *err);

/* ---- Live window -------------------------------------------------------------
 * A window that a loop (the trainer, or a replay of saved episodes) feeds:
 * env views one at a time, new metric rows and finished episodes. The loop
 * asks cdrl_viz_live_wants_frame() on every step (a clock read, nothing
 * more) and hands over a view only when it says yes; drawing then happens at
 * most at the display rate and, at full speed, takes at most a set fraction
 * of the wall time (it throttles itself), so training runs at nearly full
 * speed. The window's keys: space pauses (cdrl_viz_live_frame then waits,
 * holding the loop, until space again or quit), '+'/'-' change the speed,
 * 'q', Escape or closing the window ask to stop (cdrl_viz_live_should_stop;
 * the loop then ends cleanly and saves its work).
 *
 * Speeds: level 0 is "max" (the loop runs free, frames at the display rate);
 * levels 1.. pace the loop to 4x, 2x, 1x, 0.5x, 0.25x real time, where real
 * time is `steps_per_second` env steps per second (50 for CartPole, tau =
 * 0.02 s), and show every step. */

typedef struct cdrl_viz_live cdrl_viz_live;

typedef struct {
    const char *title;          /* window title */
    int width, height;          /* window size in pixels (0 = 1280 x 800) */
    int start_speed;            /* initial speed level (0 = max, see above) */
    double steps_per_second;    /* real-time rate of the env (0 = 50) */
    double max_fps;             /* frames per second at most (0 = 30) */
    double max_draw_fraction;   /* at speed max, drawing takes at most this
                                   fraction of wall time (0 = 0.02) */
    const char *frames_dir;     /* if not NULL, every shown frame is also
                                   written as frames_dir/frame_NNNNNN.png */
    int allow_hidden;           /* 1: accept drivers that show nothing
                                   ("offscreen", "dummy"); for tests */
    int headless;               /* 1: no window at all; every frame handed
                                   over is drawn (for frames_dir), no pacing */
    cdrl_viz_dashboard_options dashboard;
} cdrl_viz_live_options;

/* The defaults described above; title "cdrl". The strings an options
 * struct points to (title, frames_dir) must outlive the live object. */
cdrl_viz_live_options cdrl_viz_live_defaults(void);

/* Opens the window (or, headless, only a canvas). With no usable display
 * (SDL cannot initialise video or create a window, or the driver shows
 * nothing and allow_hidden is 0) it
 * returns CDRL_EUNAVAIL with a message saying why, and *out is NULL. The
 * run named `run_name` collects the rows given below; free with
 * cdrl_viz_live_free (which closes the window). */
int cdrl_viz_live_create(const cdrl_viz_live_options *opts, const char *run_name, cdrl_viz_live **out,
                         cdrl_error *err);

void cdrl_viz_live_free(cdrl_viz_live *live);

/* Adds a run to overlay (e.g. --compare): its files are read now (an
 * unreadable run is an error) and again whenever they change. */
int cdrl_viz_live_add_run(cdrl_viz_live *live, const char *dir, cdrl_error *err);

/* Follows the run being written in dir (e.g. by the trainer that owns this
 * window): its metrics.csv and episodes.csv are read once they exist and
 * again when they change, at most once a second, inside the drawing budget.
 * So a trainer need not hand rows over itself: the files it writes anyway
 * are the curves. */
int cdrl_viz_live_follow(cdrl_viz_live *live, const char *dir, cdrl_error *err);

/* Cheap: 1 when the next cdrl_viz_live_frame would draw (a frame is due, or
 * the speed paces every step), else 0. Call it every step. */
int cdrl_viz_live_wants_frame(cdrl_viz_live *live);

/* Hands over the current state: copies view (and ghosts: n_ghosts states of
 * view->state_dim values, may be 0) and, if due, draws and shows a frame;
 * handles the keys; at a paced speed sleeps to keep the pace; while paused,
 * waits here. view may be NULL (curves only). Returns 0, or an error if a
 * frame could not be written to frames_dir. */
int cdrl_viz_live_frame(cdrl_viz_live *live, const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                        cdrl_error *err);

/* Adds one metrics row (n name/value pairs, e.g. the row just written to
 * metrics.csv); it is drawn in the next frame. */
int cdrl_viz_live_metrics(cdrl_viz_live *live, int n, const char *const *names, const double *values,
                          cdrl_error *err);

/* Adds a finished episode's return and length. */
int cdrl_viz_live_episode(cdrl_viz_live *live, double episode_return, int length, cdrl_error *err);

/* 1 once the user asked to stop (q, Escape, window closed). */
int cdrl_viz_live_should_stop(const cdrl_viz_live *live);

/* Keeps the window up, drawing the curves, until the user quits (for
 * `cdrl viz RUN_DIR` after the replay ends). Runs added with
 * cdrl_viz_live_add_run are re-read when their files change, so a window on
 * a run that is still training follows it. Returns at once when headless. */
int cdrl_viz_live_wait_quit(cdrl_viz_live *live, cdrl_error *err);

/* Frames drawn and the total wall time spent drawing them (seconds), for
 * measuring the visualizer's cost. */
void cdrl_viz_live_stats(const cdrl_viz_live *live, long *frames, double *draw_seconds);

#endif
