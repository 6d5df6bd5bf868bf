/* The live window: a loop (the trainer, or a replay) hands it snapshots and
 * it decides when to draw. Drawing is the expensive part, so it happens at
 * most max_fps times a second and, at full speed, only as often as keeps the
 * time spent drawing under max_draw_fraction of the wall time: the interval
 * between frames grows with the cost of the last frame. The loop pays a
 * counter increment per step and a clock read every CLOCK_EVERY steps.
 *
 * The window's surface is the canvas, so the screen shows the same pixels a
 * PNG of the dashboard would hold. All SDL calls happen on the caller's
 * thread; nothing runs behind its back. */
#include "viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CLOCK_EVERY 16
#define MAX_COMPARE 8
#define N_SPEEDS 6
#define CURVES_EVERY 1.0 /* seconds between redraws of changed curves */

/* Speed levels: 0 runs free; the others pace to a multiple of real time. */
static const double speed_factor[N_SPEEDS] = {0, 4, 2, 1, 0.5, 0.25};
static const char *const speed_name[N_SPEEDS] = {"max", "4x", "2x", "1x", "0.5x", "0.25x"};

struct cdrl_viz_live {
    cdrl_viz_live_options opts;
    SDL_Window *window;       /* NULL when headless */
    cdrl_viz_canvas *canvas;
    int video_started;        /* we initialised SDL's video and must quit it */

    cdrl_viz_run own;         /* rows handed over by the loop */
    cdrl_viz_run compare[MAX_COMPARE];
    char *compare_dir[MAX_COMPARE];
    long compare_stamp[MAX_COMPARE]; /* to notice when a run's files change */
    int n_compare;
    double last_follow;

    /* the last view handed over, copied so the caller's memory can change */
    int have_view;
    char kind[32];
    double state[CDRL_ENV_MAX_DIM], params[CDRL_ENV_MAX_DIM];
    cdrl_env_view view;
    double *ghosts;
    int n_ghosts, ghost_cap;

    int speed, paused, stop;
    unsigned calls;
    double next_frame;        /* seconds on the performance clock */
    double next_step;         /* for paced speeds */
    double last_draw;         /* seconds the last frame took */
    int curves_dirty;         /* the curves changed since they were drawn */
    int must_redraw;          /* the whole window must be drawn (exposed, keys) */
    double last_full;         /* when the curves were last drawn */
    int view_shown;           /* the last full frame had a CartPole panel */
    long frames, frames_written;
    double draw_seconds;
};

static double now_seconds(void)
{
    return (double)SDL_GetPerformanceCounter() / (double)SDL_GetPerformanceFrequency();
}

cdrl_viz_live_options cdrl_viz_live_defaults(void)
{
    cdrl_viz_live_options o;
    memset(&o, 0, sizeof o);
    o.title = "cdrl";
    o.width = 1280;
    o.height = 800;
    o.steps_per_second = 50;
    o.max_fps = 30;
    o.max_draw_fraction = 0.02;
    o.dashboard = cdrl_viz_dashboard_defaults();
    return o;
}

/* Drivers that accept windows but show them to nobody. */
static int driver_is_hidden(const char *driver)
{
    return driver && (strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0);
}

static int open_window(cdrl_viz_live *live, cdrl_error *err)
{
#if defined(__unix__) && !defined(__APPLE__)
    /* With no display named and no driver chosen, SDL would probe X11 and
     * Wayland (whose library prints its own complaints) and then settle on
     * a driver that shows nothing; say plainly what is missing instead. */
    const char *chosen = getenv("SDL_VIDEODRIVER");
    const char *x11 = getenv("DISPLAY"), *wayland = getenv("WAYLAND_DISPLAY");
    if (!chosen || !*chosen) {
        if (!x11 && !wayland)
            return cdrl_errorf(err, CDRL_EUNAVAIL, "neither DISPLAY nor WAYLAND_DISPLAY is set");
        /* try only the systems a display is named for */
        SDL_SetHint(SDL_HINT_VIDEODRIVER, wayland ? (x11 ? "wayland,x11" : "wayland") : "x11");
    }
#else
    const char *x11 = NULL, *wayland = NULL;
#endif
    /* The window's own surface, shown by the system's plain framebuffer
     * path (X11 shared memory): SDL would otherwise route it through an
     * OpenGL texture, which on a machine without a GPU means a software GL
     * slower than our whole frame, and loads Mesa for nothing. */
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (!SDL_WasInit(SDL_INIT_VIDEO)) {
        if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
            char where[256] = "";
            if (x11 || wayland)
                snprintf(where, sizeof where, " on %s%s%s%s%s", x11 ? "DISPLAY=" : "", x11 ? x11 : "",
                         x11 && wayland ? " or " : "", wayland ? "WAYLAND_DISPLAY=" : "", wayland ? wayland : "");
            return cdrl_errorf(err, CDRL_EUNAVAIL, "SDL cannot start video%s: %s", where, SDL_GetError());
        }
        live->video_started = 1;
    }
    const char *driver = SDL_GetCurrentVideoDriver();
    if (driver_is_hidden(driver) && !live->opts.allow_hidden)
        return cdrl_errorf(err, CDRL_EUNAVAIL, "SDL video driver '%s' shows no window", driver);
    live->window = SDL_CreateWindow(live->opts.title ? live->opts.title : "cdrl", SDL_WINDOWPOS_CENTERED,
                                    SDL_WINDOWPOS_CENTERED, live->opts.width, live->opts.height, 0);
    if (!live->window)
        return cdrl_errorf(err, CDRL_EUNAVAIL, "SDL cannot open a window (driver %s): %s",
                           driver ? driver : "none", SDL_GetError());
    SDL_Surface *surface = SDL_GetWindowSurface(live->window);
    if (!surface)
        return cdrl_errorf(err, CDRL_EUNAVAIL, "SDL gives no window surface: %s", SDL_GetError());
    return viz_canvas_wrap(surface, &live->canvas, err);
}

int cdrl_viz_live_create(const cdrl_viz_live_options *opts, const char *run_name, cdrl_viz_live **out,
                         cdrl_error *err)
{
    *out = NULL;
    cdrl_viz_live *live = calloc(1, sizeof *live);
    if (!live)
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory");
    live->opts = opts ? *opts : cdrl_viz_live_defaults();
    cdrl_viz_live_options *o = &live->opts;
    if (o->width <= 0 || o->height <= 0)
        o->width = 1280, o->height = 800;
    if (!(o->steps_per_second > 0))
        o->steps_per_second = 50;
    if (!(o->max_fps > 0))
        o->max_fps = 30;
    if (!(o->max_draw_fraction > 0) || o->max_draw_fraction > 1)
        o->max_draw_fraction = 0.02;
    if (o->dashboard.running_mean <= 0)
        o->dashboard = cdrl_viz_dashboard_defaults();
    live->speed = o->start_speed >= 0 && o->start_speed < N_SPEEDS ? o->start_speed : 0;
    snprintf(live->own.name, sizeof live->own.name, "%s", run_name ? run_name : "this run");
    int rc = o->headless ? cdrl_viz_canvas_create(o->width, o->height, &live->canvas, err)
                         : open_window(live, err);
    if (rc) {
        cdrl_viz_live_free(live);
        return rc;
    }
    live->next_frame = live->next_step = now_seconds();
    *out = live;
    return 0;
}

void cdrl_viz_live_free(cdrl_viz_live *live)
{
    if (!live)
        return;
    cdrl_viz_canvas_free(live->canvas);
    if (live->window)
        SDL_DestroyWindow(live->window);
    if (live->video_started)
        SDL_QuitSubSystem(SDL_INIT_VIDEO);
    cdrl_viz_run_free(&live->own);
    for (int i = 0; i < live->n_compare; i++) {
        cdrl_viz_run_free(&live->compare[i]);
        free(live->compare_dir[i]);
    }
    free(live->ghosts);
    free(live);
}

/* A number that changes when a run's files are rewritten or grow: their
 * sizes and modification times, summed. */
static long run_stamp(const char *dir)
{
    static const char *const files[2] = {"metrics.csv", "episodes.csv"};
    long stamp = 0;
    for (int i = 0; i < 2; i++) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        if (stat(path, &st) == 0)
            stamp += (long)st.st_size * 31 + (long)st.st_mtime * 7 + (long)st.st_mtim.tv_nsec;
    }
    return stamp;
}

/* Registers run directory dir; with must_exist, its files are read now
 * and must be readable, else they are read once they appear. */
static int add_dir(cdrl_viz_live *live, const char *dir, int must_exist, cdrl_error *err)
{
    if (live->n_compare == MAX_COMPARE)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: at most %d runs can be overlaid", MAX_COMPARE);
    int i = live->n_compare;
    live->compare_dir[i] = strdup(dir);
    if (!live->compare_dir[i])
        return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory");
    memset(&live->compare[i], 0, sizeof live->compare[i]);
    live->compare_stamp[i] = 0;
    if (must_exist) {
        live->compare_stamp[i] = run_stamp(dir);
        if (cdrl_viz_run_load(dir, &live->compare[i], err)) {
            free(live->compare_dir[i]);
            live->compare_dir[i] = NULL;
            return err ? err->code : CDRL_EIO;
        }
    }
    live->n_compare++;
    live->curves_dirty = 1;
    return 0;
}

int cdrl_viz_live_add_run(cdrl_viz_live *live, const char *dir, cdrl_error *err)
{
    return add_dir(live, dir, 1, err);
}

int cdrl_viz_live_follow(cdrl_viz_live *live, const char *dir, cdrl_error *err)
{
    return add_dir(live, dir, 0, err);
}

/* Re-reads the runs whose files changed, so that a window on a run that is
 * still training follows it. A run that cannot be read just now (being
 * replaced) keeps its last good contents. */
static void follow_runs(cdrl_viz_live *live)
{
    for (int i = 0; i < live->n_compare; i++) {
        long stamp = run_stamp(live->compare_dir[i]);
        if (stamp == live->compare_stamp[i])
            continue;
        cdrl_viz_run fresh;
        if (cdrl_viz_run_load(live->compare_dir[i], &fresh, NULL))
            continue;
        cdrl_viz_run_free(&live->compare[i]);
        live->compare[i] = fresh;
        live->compare_stamp[i] = stamp;
        live->curves_dirty = 1;
    }
}

int cdrl_viz_live_should_stop(const cdrl_viz_live *live) { return live->stop; }

void cdrl_viz_live_stats(const cdrl_viz_live *live, long *frames, double *draw_seconds)
{
    *frames = live->frames;
    *draw_seconds = live->draw_seconds;
}

int cdrl_viz_live_wants_frame(cdrl_viz_live *live)
{
    if (live->stop)
        return 0;
    if (live->opts.headless || live->paused)
        return 1;
    if (live->speed > 0)
        return 1; /* paced: every step passes through frame(), which sleeps */
    if (++live->calls % CLOCK_EVERY != 0)
        return 0;
    return now_seconds() >= live->next_frame;
}

static void handle_event(cdrl_viz_live *live, const SDL_Event *e)
{
    if (e->type == SDL_WINDOWEVENT &&
        (e->window.event == SDL_WINDOWEVENT_EXPOSED || e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED))
        live->must_redraw = 1; /* the whole window must be shown again */
    if (e->type == SDL_QUIT ||
        (e->type == SDL_WINDOWEVENT && e->window.event == SDL_WINDOWEVENT_CLOSE)) {
        live->stop = 1;
    } else if (e->type == SDL_KEYDOWN) {
        switch (e->key.keysym.sym) {
        case SDLK_SPACE: live->paused = !live->paused; break;
        case SDLK_PLUS: case SDLK_EQUALS: case SDLK_KP_PLUS:
            if (live->speed > 0)
                live->speed--;
            break;
        case SDLK_MINUS: case SDLK_KP_MINUS:
            if (live->speed < N_SPEEDS - 1)
                live->speed++;
            break;
        case SDLK_q: case SDLK_ESCAPE: live->stop = 1; break;
        default: break;
        }
        live->next_step = now_seconds();
    }
}

static void pump_events(cdrl_viz_live *live)
{
    if (!live->window)
        return;
    /* Stop at a pause: the events after it belong to the pause loop, which
     * first shows the paused state. */
    SDL_Event e;
    while (!live->paused && SDL_PollEvent(&e))
        handle_event(live, &e);
}

/* Draws a frame. The curves are redrawn only when their data changed (or
 * the layout did); otherwise only the CartPole panel and the status line
 * are, and only they are copied to the screen. */
static int draw_frame(cdrl_viz_live *live, cdrl_error *err)
{
    double start = now_seconds();
    if (start - live->last_follow >= CURVES_EVERY) { /* inside the frame: its cost counts */
        follow_runs(live);
        live->last_follow = start;
    }
    char status[160];
    snprintf(status, sizeof status, "speed %s%s   space pause  +/- speed  q quit", speed_name[live->speed],
             live->paused ? "   PAUSED" : "");
    const char *shown_status = live->opts.headless ? NULL : status;
    /* Curves that changed are redrawn at most once a second: they move
     * slowly, and a full frame (drawn and copied to the screen) costs several
     * times the CartPole panel. */
    int curves_due = live->must_redraw || (live->curves_dirty && start - live->last_full >= CURVES_EVERY);
    int partial = !curves_due && live->frames > 0 && live->have_view && live->view_shown && !live->opts.headless;
    viz_dashboard_cells cells;
    viz_dashboard_layout(cdrl_viz_canvas_width(live->canvas), cdrl_viz_canvas_height(live->canvas),
                         shown_status != NULL, live->have_view, &cells);
    if (partial) {
        if (cdrl_viz_draw_env(live->canvas, cells.cartpole, &live->view, live->ghosts, live->n_ghosts, err))
            return err ? err->code : CDRL_EINVAL;
        viz_dashboard_status(live->canvas, cells.status, status);
    } else {
        cdrl_viz_run runs[MAX_COMPARE + 1];
        int n = 0;
        if (live->own.metrics.n_rows > 0 || live->own.episodes.n_rows > 0)
            runs[n++] = live->own;
        for (int i = 0; i < live->n_compare; i++)
            runs[n++] = live->compare[i];
        if (cdrl_viz_draw_dashboard(live->canvas, runs, n, live->have_view ? &live->view : NULL, live->ghosts,
                                    live->n_ghosts, &live->opts.dashboard, shown_status, err))
            return err ? err->code : CDRL_EINVAL;
        live->curves_dirty = 0;
        live->must_redraw = 0;
        live->last_full = start;
        live->view_shown = live->have_view;
    }
    SDL_RenderFlush(live->canvas->renderer);
    if (live->window && partial) {
        SDL_Rect rects[2] = {{cells.cartpole.x, cells.cartpole.y, cells.cartpole.w, cells.cartpole.h},
                             {cells.status.x, cells.status.y, cells.status.w, cells.status.h}};
        SDL_UpdateWindowSurfaceRects(live->window, rects, 2);
    } else if (live->window) {
        SDL_UpdateWindowSurface(live->window);
    }
    if (live->opts.frames_dir) {
        char path[4096];
        snprintf(path, sizeof path, "%s/frame_%06ld.png", live->opts.frames_dir, live->frames_written);
        if (cdrl_viz_canvas_write_png(live->canvas, path, err))
            return err ? err->code : CDRL_EIO;
        live->frames_written++;
    }
    live->frames++;
    live->last_draw = now_seconds() - start;
    live->draw_seconds += live->last_draw;
    /* The next frame waits at least a display period and, running free,
     * long enough that this frame's cost stays within the drawing budget. */
    double interval = 1.0 / live->opts.max_fps;
    if (live->speed == 0)
        interval = fmax(interval, live->last_draw / live->opts.max_draw_fraction);
    live->next_frame = now_seconds() + interval;
    return 0;
}

static int copy_view(cdrl_viz_live *live, const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                     cdrl_error *err)
{
    if (!view) {
        live->have_view = 0;
        return 0;
    }
    if (view->state_dim < 0 || view->state_dim > CDRL_ENV_MAX_DIM || view->n_params < 0 ||
        view->n_params > CDRL_ENV_MAX_DIM)
        return cdrl_errorf(err, CDRL_EINVAL, "viz: view has %d state values and %d params, accepted 0..%d",
                           view->state_dim, view->n_params, CDRL_ENV_MAX_DIM);
    snprintf(live->kind, sizeof live->kind, "%s", view->kind ? view->kind : "");
    if (view->state_dim)
        memcpy(live->state, view->state, sizeof(double) * (size_t)view->state_dim);
    if (view->n_params)
        memcpy(live->params, view->params, sizeof(double) * (size_t)view->n_params);
    live->view = *view;
    live->view.kind = live->kind;
    live->view.state = live->state;
    live->view.params = live->params;
    live->have_view = 1;
    live->n_ghosts = 0;
    if (ghosts && n_ghosts > 0 && view->state_dim > 0) {
        if (n_ghosts > live->ghost_cap) {
            double *g = realloc(live->ghosts, sizeof *g * (size_t)n_ghosts * (size_t)view->state_dim);
            if (!g)
                return cdrl_errorf(err, CDRL_ENOMEM, "viz: out of memory for %d imagined states", n_ghosts);
            live->ghosts = g;
            live->ghost_cap = n_ghosts;
        }
        memcpy(live->ghosts, ghosts, sizeof(double) * (size_t)n_ghosts * (size_t)view->state_dim);
        live->n_ghosts = n_ghosts;
    }
    return 0;
}

int cdrl_viz_live_frame(cdrl_viz_live *live, const cdrl_env_view *view, const double *ghosts, int n_ghosts,
                        cdrl_error *err)
{
    if (copy_view(live, view, ghosts, n_ghosts, err))
        return err ? err->code : CDRL_EINVAL;
    if (live->opts.headless)
        return draw_frame(live, err);
    pump_events(live);
    int drawn_paused = 0;
    while (live->paused && !live->stop) {
        if (!drawn_paused && draw_frame(live, err))
            return err ? err->code : CDRL_EIO;
        drawn_paused = 1;
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 200)) {
            handle_event(live, &e);
            drawn_paused = 0;
        }
    }
    if (live->stop)
        return 0;
    double now = now_seconds();
    if (now >= live->next_frame) {
        if (draw_frame(live, err))
            return err ? err->code : CDRL_EIO;
    }
    if (live->speed > 0) {
        /* pace: one step per 1 / (steps_per_second * factor) seconds */
        live->next_step += 1.0 / (live->opts.steps_per_second * speed_factor[live->speed]);
        now = now_seconds();
        if (live->next_step < now - 0.25)
            live->next_step = now; /* fell far behind: do not rush to catch up */
        else if (live->next_step > now)
            SDL_Delay((Uint32)((live->next_step - now) * 1000));
    }
    return 0;
}

int cdrl_viz_live_metrics(cdrl_viz_live *live, int n, const char *const *names, const double *values,
                          cdrl_error *err)
{
    live->curves_dirty = 1;
    return cdrl_viz_table_append(&live->own.metrics, n, names, values, err);
}

int cdrl_viz_live_episode(cdrl_viz_live *live, double episode_return, int length, cdrl_error *err)
{
    static const char *const names[3] = {"episode", "return", "length"};
    double values[3] = {live->own.episodes.n_rows + 1, episode_return, length};
    live->curves_dirty = 1;
    return cdrl_viz_table_append(&live->own.episodes, 3, names, values, err);
}

int cdrl_viz_live_wait_quit(cdrl_viz_live *live, cdrl_error *err)
{
    if (!live->window)
        return 0;
    int dirty = 1;
    while (!live->stop) {
        live->must_redraw |= dirty;
        if ((dirty || live->curves_dirty) && draw_frame(live, err))
            return err ? err->code : CDRL_EIO;
        dirty = 0;
        SDL_Event e;
        if (SDL_WaitEventTimeout(&e, 250)) {
            handle_event(live, &e);
            dirty = 1;
        }
        if (now_seconds() - live->last_follow >= CURVES_EVERY) {
            follow_runs(live);
            live->last_follow = now_seconds();
        }
    }
    return 0;
}
