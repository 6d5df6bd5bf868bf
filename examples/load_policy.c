/* Example (b): loading a trained run's policy and acting with it from C.
 *
 *   load_policy RUN_DIR [EPISODES [SEED]]    (default: 5 episodes, seed 1000)
 *
 * Loads the run's policy, makes the run's env, and plays EPISODES greedy
 * episodes in eval mode (dropout off) and in MC mode (the mean over 10
 * dropout draws), printing each return. Then it checks the loop against the
 * library's own evaluation (what `cdrl eval RUN_DIR --seed SEED` prints): the
 * mean returns must be equal, bit for bit; exit 1 if not. */
#include <stdio.h>
#include <stdlib.h>

#include <cdrl/policy.h>
#include <cdrl/train.h>

#define MC_SAMPLES 10

/* The mean return of `episodes` episodes acting with the policy in `mode`;
 * the first episode is seeded, the next ones continue its stream (as eval). */
static int play(cdrl_policy *policy, cdrl_env *env, cdrl_policy_mode mode, int episodes, uint64_t seed,
                double *mean, cdrl_error *err)
{
    double obs[CDRL_ENV_MAX_DIM], action, sum = 0.0;
    int rc = cdrl_env_reset_seeded(env, seed, obs, err);
    for (int ep = 0; !rc && ep < episodes; ep++) {
        if (ep > 0 && (rc = cdrl_env_reset(env, obs, err)))
            break;
        double total = 0.0;
        cdrl_step_result step = {0};
        while (!rc && !step.terminated && !step.truncated) {
            rc = cdrl_policy_act(policy, obs, mode, MC_SAMPLES, &action, NULL, err);
            rc = rc ? rc : cdrl_env_step(env, &action, obs, &step, err);
            total += step.reward;
        }
        printf("  %s episode %d: return %.3f\n", mode == CDRL_POLICY_MC ? "mc  " : "eval", ep, total);
        sum += total;
    }
    *mean = sum / episodes;
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: load_policy RUN_DIR [EPISODES [SEED]]\n");
        return 2;
    }
    const char *run_dir = argv[1];
    int episodes = argc > 2 ? atoi(argv[2]) : 5;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1000;
    cdrl_error err;
    cdrl_policy *policy = NULL;
    cdrl_env *env = NULL;
    double eval_mean = 0.0, mc_mean = 0.0;
    cdrl_eval_result reference;
    int rc = cdrl_policy_load(run_dir, &policy, &err);
    rc = rc ? rc : cdrl_policy_make_env(policy, &env, &err);
    if (!rc) {
        printf("%s: policy for %s, %d observations, %d actions\n", run_dir, cdrl_policy_env_spec(policy)->name,
               cdrl_policy_env_spec(policy)->obs_dim, cdrl_policy_env_spec(policy)->action_count);
        cdrl_policy_seed(policy, seed); /* the MC draws, as cdrl eval --seed */
    }
    rc = rc ? rc : play(policy, env, CDRL_POLICY_EVAL, episodes, seed, &eval_mean, &err);
    rc = rc ? rc : play(policy, env, CDRL_POLICY_MC, episodes, seed, &mc_mean, &err);
    rc = rc ? rc : cdrl_eval_run(run_dir, episodes, MC_SAMPLES, (long long)seed, &reference, &err);
    cdrl_env_free(env);
    cdrl_policy_free(policy);
    if (rc) {
        fprintf(stderr, "load_policy: %s\n", err.msg);
        return 2;
    }
    printf("mean return: eval %.6f (library eval %.6f), mc %.6f (library eval %.6f)\n", eval_mean,
           reference.eval_mean, mc_mean, reference.mc_mean);
    if (eval_mean != reference.eval_mean || mc_mean != reference.mc_mean) {
        fprintf(stderr, "load_policy: the loop's returns differ from the library's evaluation\n");
        return 1;
    }
    return 0;
}
