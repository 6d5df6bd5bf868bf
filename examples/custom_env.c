/* Example (a): an environment of your own, in one file, trained by the pg
 * agent through the library.
 *
 *   custom_env [RUN_DIR]    (default: runs/homing-example)
 *
 * "homing": a point on a line, x in [-2, 2], starts uniform in [-1, 1); each
 * step the agent moves it left (action 0), leaves it (1) or moves it right
 * (2) by 0.1, and pays |x'| (reward -|x'|). 30 steps, no other end. Acting
 * at random keeps it wandering (a mean return of -16.5 over 20,000 simulated
 * episodes); heading home and staying there costs about -3. The program registers the env, trains
 * pg on it with a fixed seed, evaluates the run, and exits 0 only if the
 * greedy policy's mean return beats -6 (the env's solved threshold). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cdrl/env_register.h>
#include <cdrl/train.h>

enum { HOMING_LEFT, HOMING_STAY, HOMING_RIGHT };
#define HOMING_STEP 0.1
#define HOMING_LIMIT 2.0

/* Nothing to configure: no settings block, so no settings functions. */
static void homing_reset_state(const void *settings, cdrl_rng *rng, double *state)
{
    (void)settings;
    state[0] = cdrl_rng_range(rng, -1.0, 1.0);
}

/* n envs at once; x of env i is state[i * 1 ... ] with stride between components
 * (one component here, so state[i]). */
static void homing_step_batch(const void *settings, int n, double *state, size_t stride,
                              const double *actions, double *reward, uint8_t *terminated)
{
    (void)settings, (void)stride;
    for (int i = 0; i < n; i++) {
        double x = state[i] + HOMING_STEP * (actions[i] - HOMING_STAY);
        x = fmin(fmax(x, -HOMING_LIMIT), HOMING_LIMIT);
        state[i] = x;
        reward[i] = -fabs(x);
        terminated[i] = 0;
    }
}

static void homing_observe_batch(const void *settings, int n, const double *state, size_t stride,
                                 double *obs)
{
    (void)settings, (void)stride;
    for (int i = 0; i < n; i++)
        obs[i] = state[i];
}

static const cdrl_env_def homing_def = {
    .spec = {
        .name = "homing",
        .obs_dim = 1,
        .obs_low = {-HOMING_LIMIT},
        .obs_high = {HOMING_LIMIT},
        .action_count = 3,
        .max_episode_steps = 30,
        .solved_threshold = -6.0,
        .solved_window = 20,
    },
    .state_dim = 1,
    .reset_state = homing_reset_state,
    .step_batch = homing_step_batch,
    .observe_batch = homing_observe_batch,
};

static void print_progress(void *user, const char *line)
{
    (void)user;
    printf("  %s\n", line);
}

int main(int argc, char **argv)
{
    const char *run_dir = argc > 1 ? argv[1] : "runs/homing-example";
    cdrl_error err;
    if (cdrl_env_register(&homing_def, &err)) {
        fprintf(stderr, "custom_env: %s\n", err.msg);
        return 2;
    }
    /* Small networks and a small budget: the task is easy. Every other key
     * keeps pg's default (cdrl train --agent pg --dry-run lists them). */
    const char *overrides[] = {
        "run.seed=1",           "run.steps=40000",          "run.log_every=10",
        "agent.policy.hidden=32", "agent.value.hidden=32",  "agent.envs=8",
        "agent.min_steps=32",   "agent.lr=0.003",           "agent.value_lr=0.003",
    };
    cdrl_train_options options = {
        .agent = "pg",
        .env = "homing",
        .overrides = overrides,
        .n_overrides = (int)(sizeof overrides / sizeof overrides[0]),
        .run_dir = run_dir,
        .progress = print_progress,
    };
    cdrl_train_result trained;
    printf("training pg on homing into %s\n", run_dir);
    if (cdrl_train(&options, &trained, &err)) {
        fprintf(stderr, "custom_env: %s\n", err.msg);
        return 2;
    }
    cdrl_eval_result eval;
    if (cdrl_eval_run(run_dir, 20, 10, 1000, &eval, &err)) {
        fprintf(stderr, "custom_env: %s\n", err.msg);
        return 2;
    }
    printf("%s after %lld env steps; eval mode %.3f +- %.3f, MC mode %.3f +- %.3f over 20 episodes\n",
           trained.solved ? "solved" : "budget reached", (long long)trained.env_steps, eval.eval_mean,
           eval.eval_std, eval.mc_mean, eval.mc_std);
    if (!(eval.eval_mean > homing_def.spec.solved_threshold)) {
        fprintf(stderr, "custom_env: the policy did not learn (eval mean %.3f <= %.1f)\n", eval.eval_mean,
                homing_def.spec.solved_threshold);
        return 1;
    }
    return 0;
}
