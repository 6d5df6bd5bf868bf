/* Tests of the live window object: headless frames written for every view
 * handed over, the window refused on drivers that show nothing, and, on
 * SDL's offscreen driver (allowed here), the keys: q and closing stop the
 * loop, space pauses until pressed again. Pacing is not asserted (no timing
 * in tests); the frame rate limit is set so long that "not due" is certain. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SDL.h>

#include "cdrl/viz.h"

static double state4[4] = {0.1, 0, 0.05, 0};
static double params4[4] = {2.4, 0.2094, 0.5, 10};

static cdrl_env_view cartpole_view(void)
{
    cdrl_env_view v = {"cartpole", 4, state4, 4, params4, 1, 3, 3};
    return v;
}

static void headless_writes_a_frame_per_view(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_viz_live_XXXXXX";
    assert_non_null(mkdtemp(dir));
    cdrl_viz_live_options o = cdrl_viz_live_defaults();
    o.headless = 1;
    o.frames_dir = dir;
    o.width = 480;
    o.height = 300;
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_create(&o, "test", &live, &err), 0);
    const char *names[3] = {"env_steps", "p_0", "mc_spread"};
    for (int i = 0; i < 3; i++) {
        double values[3] = {100.0 * (i + 1), 0.1 - 0.02 * i, 0.2 / (i + 1)};
        assert_int_equal(cdrl_viz_live_metrics(live, 3, names, values, &err), 0);
        assert_int_equal(cdrl_viz_live_episode(live, 20 + i, 20 + i, &err), 0);
        assert_true(cdrl_viz_live_wants_frame(live));
        cdrl_env_view v = cartpole_view();
        double ghosts[8] = {0.12, 0, 0.07, 0, 0.14, 0, 0.09, 0};
        assert_int_equal(cdrl_viz_live_frame(live, &v, ghosts, 2, &err), 0);
    }
    long frames;
    double seconds;
    cdrl_viz_live_stats(live, &frames, &seconds);
    assert_int_equal(frames, 3);
    assert_true(seconds >= 0);
    assert_int_equal(cdrl_viz_live_wait_quit(live, &err), 0); /* returns at once */
    assert_false(cdrl_viz_live_should_stop(live));
    cdrl_viz_live_free(live);

    int pngs = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        unsigned char sig[8] = {0};
        assert_int_equal(fread(sig, 1, 8, f), 8);
        fclose(f);
        assert_int_equal(sig[1], 'P');
        pngs += strncmp(e->d_name, "frame_", 6) == 0;
        unlink(path);
    }
    closedir(d);
    rmdir(dir);
    assert_int_equal(pngs, 3);
}

/* A followed run directory is read once its files appear: the frames drawn
 * before and after differ only by the curves that appeared. */
static void followed_run_is_read_when_it_appears(void **state)
{
    (void)state;
    char dir[] = "/tmp/cdrl_test_viz_follow_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char frames[300], path[400];
    snprintf(frames, sizeof frames, "%s/frames", dir);
    assert_int_equal(mkdir(frames, 0755), 0);
    cdrl_viz_live_options o = cdrl_viz_live_defaults();
    o.headless = 1;
    o.frames_dir = frames;
    o.width = 400;
    o.height = 300;
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_create(&o, NULL, &live, &err), 0);
    assert_int_equal(cdrl_viz_live_follow(live, dir, &err), 0); /* nothing there yet: fine */
    assert_int_equal(cdrl_viz_live_frame(live, NULL, NULL, 0, &err), 0);
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("env_steps,p_0\n100,0.1\n200,0.08\n300,0.05\n", f);
    fclose(f);
    /* the next frame after a second follows; headless frames are drawn on
     * every call, so call until the follow interval has passed */
    long frames_before;
    double seconds;
    cdrl_viz_live_stats(live, &frames_before, &seconds);
    int differs = 0;
    for (int i = 0; i < 400 && !differs; i++) {
        SDL_Delay(5);
        assert_int_equal(cdrl_viz_live_frame(live, NULL, NULL, 0, &err), 0);
        char a[400], b[400];
        snprintf(a, sizeof a, "%s/frame_000000.png", frames);
        snprintf(b, sizeof b, "%s/frame_%06d.png", frames, i + 1);
        FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
        assert_non_null(fa);
        assert_non_null(fb);
        static unsigned char ba[1 << 20], bb[1 << 20];
        size_t na = fread(ba, 1, sizeof ba, fa), nb = fread(bb, 1, sizeof bb, fb);
        fclose(fa);
        fclose(fb);
        differs = na != nb || memcmp(ba, bb, na) != 0;
    }
    assert_true(differs);
    cdrl_viz_live_free(live);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void bad_view_is_an_error(void **state)
{
    (void)state;
    cdrl_viz_live_options o = cdrl_viz_live_defaults();
    o.headless = 1;
    o.width = 320;
    o.height = 240;
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_create(&o, NULL, &live, &err), 0);
    cdrl_env_view v = cartpole_view();
    v.kind = "pong";
    assert_int_equal(cdrl_viz_live_frame(live, &v, NULL, 0, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "acrobot"));
    v.state_dim = CDRL_ENV_MAX_DIM + 1;
    assert_int_equal(cdrl_viz_live_frame(live, &v, NULL, 0, &err), CDRL_EINVAL);
    cdrl_viz_live_free(live);
}

static void hidden_driver_is_refused(void **state)
{
    (void)state;
    /* ctest runs us with SDL_VIDEODRIVER=offscreen: a window nobody sees */
    const char *driver = getenv("SDL_VIDEODRIVER");
    if (!driver || (strcmp(driver, "offscreen") != 0 && strcmp(driver, "dummy") != 0))
        skip();
    cdrl_viz_live_options o = cdrl_viz_live_defaults();
    cdrl_viz_live *live = (cdrl_viz_live *)&o;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_create(&o, NULL, &live, &err), CDRL_EUNAVAIL);
    assert_null(live);
    assert_non_null(strstr(err.msg, driver));
}

static cdrl_viz_live *hidden_window(void)
{
    const char *driver = getenv("SDL_VIDEODRIVER");
    if (!driver || strcmp(driver, "offscreen") != 0)
        return NULL;
    cdrl_viz_live_options o = cdrl_viz_live_defaults();
    o.allow_hidden = 1;
    o.width = 640;
    o.height = 400;
    o.max_fps = 0.001; /* one frame per 1000 s: after the first, none is due */
    cdrl_viz_live *live = NULL;
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_create(&o, "live", &live, &err), 0);
    return live;
}

static void push_key(SDL_Keycode key)
{
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = key;
    assert_int_equal(SDL_PushEvent(&e), 1);
}

static void frame_twice(cdrl_viz_live *live, const cdrl_env_view *v)
{
    cdrl_error err = {0};
    assert_int_equal(cdrl_viz_live_frame(live, v, NULL, 0, &err), 0);
    assert_int_equal(cdrl_viz_live_frame(live, v, NULL, 0, &err), 0);
}

static void keys_stop_and_pause(void **state)
{
    (void)state;
    cdrl_viz_live *live = hidden_window();
    if (!live)
        skip();
    cdrl_error err = {0};
    cdrl_env_view v = cartpole_view();
    assert_int_equal(cdrl_viz_live_frame(live, &v, NULL, 0, &err), 0);
    long frames;
    double seconds;
    cdrl_viz_live_stats(live, &frames, &seconds);
    assert_int_equal(frames, 1);
    /* the next frame is 1000 s away: asking on every step draws nothing */
    int wanted = 0;
    for (int i = 0; i < 1000; i++)
        wanted += cdrl_viz_live_wants_frame(live);
    assert_int_equal(wanted, 0);

    /* space pauses: frame() waits, takes the second space, and returns */
    push_key(SDLK_SPACE);
    push_key(SDLK_SPACE);
    assert_int_equal(cdrl_viz_live_frame(live, &v, NULL, 0, &err), 0);
    assert_false(cdrl_viz_live_should_stop(live));
    cdrl_viz_live_stats(live, &frames, &seconds);
    assert_int_equal(frames, 2); /* the paused state was shown */

    /* speed keys pace the loop: every step then passes through frame().
     * An event pushed right after SDL waited for one is seen by the poll
     * after next (SDL ends a poll at the point its last pump reached), so
     * each key gets two frames. */
    push_key(SDLK_MINUS);
    frame_twice(live, &v);
    assert_true(cdrl_viz_live_wants_frame(live));
    push_key(SDLK_PLUS);
    frame_twice(live, &v);
    assert_false(cdrl_viz_live_wants_frame(live)); /* back to max: not due */

    push_key(SDLK_q);
    frame_twice(live, &v);
    assert_true(cdrl_viz_live_should_stop(live));
    assert_false(cdrl_viz_live_wants_frame(live));
    assert_int_equal(cdrl_viz_live_wait_quit(live, &err), 0); /* already stopped: returns */
    cdrl_viz_live_free(live);
}

static void closing_the_window_stops(void **state)
{
    (void)state;
    cdrl_viz_live *live = hidden_window();
    if (!live)
        skip();
    cdrl_error err = {0};
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_QUIT;
    SDL_PushEvent(&e);
    assert_int_equal(cdrl_viz_live_frame(live, NULL, NULL, 0, &err), 0);
    assert_true(cdrl_viz_live_should_stop(live));
    cdrl_viz_live_free(live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headless_writes_a_frame_per_view),
        cmocka_unit_test(followed_run_is_read_when_it_appears),
        cmocka_unit_test(bad_view_is_an_error),
        cmocka_unit_test(hidden_driver_is_refused),
        cmocka_unit_test(keys_stop_and_pause),
        cmocka_unit_test(closing_the_window_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
