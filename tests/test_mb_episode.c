/* Tests of the model-based agent's episodes under the planner's uncertainty
 * options: Thompson sampling draws one set of dropout masks when an episode
 * starts and holds it for every plan of that episode (and draws a new one
 * for the next), where particles draw fresh masks at every plan; beta and
 * Thompson together are refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/config.h"
#include "cdrl/run_config.h"
#include "mb_internal.h"

static void load_config(mb_config *cfg, cdrl_run_config *run, const char *const *overrides, int n)
{
    memset(cfg, 0, sizeof *cfg);
    memset(run, 0, sizeof *run);
    cdrl_cfg_section sections[] = {{cdrl_run_keys, cdrl_run_n_keys, run}, {mb_keys, MB_N_KEYS, cfg}};
    cdrl_error err;
    const char *text = "run: { agent = \"mb\"; };\nenv: { name = \"cartpole\"; };\n";
    int rc = cdrl_config_load_string(sections, 2, text, "test.cfg", overrides, n, &err);
    if (rc)
        fail_msg("%s", err.msg);
}

/* What the window callback saw: the masks of the hidden layers at each step,
 * compared with those at the episode's first frame. */
typedef struct {
    mb_agent *a;
    float *first;      /* masks at the episode's first frame */
    size_t n;          /* floats in a snapshot */
    int frames, changed;
} mask_watch;

static size_t snapshot(const cdrl_dynamics_model *m, float *out)
{
    size_t n = 0;
    for (int l = 0; l < m->net->n_layers; l++) {
        /* The frozen kernels are the weights scaled by each particle's
         * dropout multipliers; the weights do not change within an episode,
         * so a change here is a change of masks. */
        if (!m->wt[l])
            continue;
        size_t k = (size_t)m->particles * m->net->layers[l].n_in * m->net->layers[l].n_out;
        if (out)
            memcpy(out + n, m->wt[l], sizeof(float) * k);
        n += k;
    }
    return n;
}

static int watch_masks(void *user, const cdrl_env_view *view, const double *ghosts, int n_ghosts)
{
    (void)view, (void)ghosts, (void)n_ghosts;
    mask_watch *w = user;
    const cdrl_dynamics_model *m = w->a->model;
    if (m->particles == 0)
        return 0; /* nothing frozen yet: before the first plan */
    size_t n = snapshot(m, NULL);
    float *now = malloc(sizeof(float) * n);
    snapshot(m, now);
    if (w->frames == 0 || n != w->n) {
        free(w->first);
        w->first = now;
        w->n = n;
    } else {
        w->changed += memcmp(now, w->first, sizeof(float) * n) != 0;
        free(now);
    }
    w->frames++;
    return 0;
}

/* Plays two planned episodes of up to 25 steps; returns the masks each
 * started with (caller frees) and counts steps whose masks differed. */
static void play_two(int thompson, float **first, float **second, size_t *n, int *changed)
{
    const char *overrides[] = {thompson ? "agent.planner.thompson=true" : "agent.planner.thompson=false",
                               "agent.planner.candidates=20", "agent.planner.horizon=5"};
    mb_config cfg;
    cdrl_run_config run;
    load_config(&cfg, &run, overrides, 3);
    mb_agent a;
    cdrl_error err;
    int particles = thompson ? 1 : cfg.particles;
    assert_int_equal(mb_agent_init(&a, &cfg, &run, particles, &err), 0);
    mask_watch w = {&a, NULL, 0, 0, 0};
    assert_int_equal(mb_watch(&a, watch_masks, &w, &err), 0);
    episode_stats es;
    model_view view = {a.ens, 0, thompson};
    *changed = 0;
    for (int e = 0; e < 2; e++) {
        w.frames = 0;
        w.changed = 0;
        assert_int_equal(mb_play_episode(&a, e, 3, &view, 25, NULL, &es, &err), 0);
        assert_true(es.planned >= 5);
        assert_true(w.frames >= 5);
        assert_int_equal(a.model->particles, thompson ? 1 : cfg.particles);
        *changed += w.changed;
        float *copy = malloc(sizeof(float) * w.n);
        memcpy(copy, w.first, sizeof(float) * w.n);
        *(e ? second : first) = copy;
        *n = w.n;
    }
    free(w.first);
    mb_agent_free(&a);
}

static void thompson_holds_one_mask_set_per_episode(void **state)
{
    (void)state;
    float *first, *second;
    size_t n;
    int changed;
    play_two(1, &first, &second, &n, &changed);
    assert_true(n > 0);
    assert_int_equal(changed, 0);                                 /* held within each episode */
    assert_true(memcmp(first, second, sizeof(float) * n) != 0);   /* a new draw per episode */
    free(first);
    free(second);
    /* Particles draw at every plan, so the same check sees the masks move. */
    play_two(0, &first, &second, &n, &changed);
    assert_true(changed > 0);
    free(first);
    free(second);
}

static void beta_with_thompson_is_refused(void **state)
{
    (void)state;
    const char *overrides[] = {"agent.planner.thompson=true", "agent.planner.beta=0.5"};
    mb_config cfg;
    cdrl_run_config run;
    load_config(&cfg, &run, overrides, 2);
    mb_agent a;
    cdrl_error err;
    assert_int_equal(mb_agent_init(&a, &cfg, &run, 1, &err), CDRL_EINVAL);
    assert_non_null(strstr(err.msg, "agent.planner.beta"));
    mb_agent_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thompson_holds_one_mask_set_per_episode),
        cmocka_unit_test(beta_with_thompson_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
