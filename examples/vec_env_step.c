/* Example (c): stepping a batch of built-in envs from C.
 *
 *   vec_env_step [ENV [BATCH [STEPS [SEED]]]]   (default: cartpole 4 50 7)
 *
 * Creates BATCH copies of ENV seeded with SEED, resets them and steps them
 * STEPS times with a fixed action pattern (discrete: action (t + i) % count;
 * continuous: a sine sweep over the action range), printing every
 * observation, reward and end flag as exact hexadecimal floats, one line per
 * env per step. The output is a fingerprint of the rollout: the Python tests
 * produce the same lines through python/cdrl and compare them byte for byte.
 * Exits 2 with the library's message on any error. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cdrl/env.h>
#include <cdrl/error.h>

static void pattern_action(const cdrl_env_spec *spec, int t, int i, double *action)
{
    if (spec->action_dim == 0) {
        action[0] = (double)((t + i) % spec->action_count);
        return;
    }
    for (int d = 0; d < spec->action_dim; d++) {
        double mid = 0.5 * (spec->action_low[d] + spec->action_high[d]);
        double half = 0.5 * (spec->action_high[d] - spec->action_low[d]);
        action[d] = mid + half * sin(0.3 * t + i + d);
    }
}

static void print_row(int t, int i, const double *obs, int obs_dim, double reward, int term, int trunc)
{
    printf("%d %d %a %d %d", t, i, reward, term, trunc);
    for (int d = 0; d < obs_dim; d++)
        printf(" %a", obs[d]);
    printf("\n");
}

int main(int argc, char **argv)
{
    const char *name = argc > 1 ? argv[1] : "cartpole";
    int batch = argc > 2 ? atoi(argv[2]) : 4;
    int steps = argc > 3 ? atoi(argv[3]) : 50;
    uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 7;

    cdrl_error err;
    cdrl_vec_env *venv = NULL;
    if (cdrl_vec_env_create(name, batch, seed, &venv, &err)) {
        fprintf(stderr, "vec_env_step: %s\n", err.msg);
        return 2;
    }
    const cdrl_env_spec *spec = cdrl_vec_env_spec_of(venv);
    int D = spec->obs_dim, A = spec->action_dim > 0 ? spec->action_dim : 1;
    double *obs = malloc(sizeof(double) * (size_t)(batch * D));
    double *actions = malloc(sizeof(double) * (size_t)(batch * A));
    double *reward = malloc(sizeof(double) * (size_t)batch);
    uint8_t *terminated = malloc((size_t)batch), *truncated = malloc((size_t)batch);
    int rc = (!obs || !actions || !reward || !terminated || !truncated)
                 ? cdrl_errorf(&err, CDRL_ENOMEM, "out of memory")
                 : cdrl_vec_env_reset(venv, obs, &err);
    for (int i = 0; !rc && i < batch; i++)
        print_row(0, i, obs + i * D, D, 0.0, 0, 0);
    for (int t = 1; !rc && t <= steps; t++) {
        for (int i = 0; i < batch; i++)
            pattern_action(spec, t, i, actions + i * A);
        rc = cdrl_vec_env_step(venv, actions, obs, reward, terminated, truncated, NULL, &err);
        for (int i = 0; !rc && i < batch; i++)
            print_row(t, i, obs + i * D, D, reward[i], terminated[i], truncated[i]);
    }
    if (rc)
        fprintf(stderr, "vec_env_step: %s\n", err.msg);
    free(obs);
    free(actions);
    free(reward);
    free(terminated);
    free(truncated);
    cdrl_vec_env_free(venv);
    return rc ? 2 : 0;
}
