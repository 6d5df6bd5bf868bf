/* What an mb run will hold in memory, estimated from its config before any
 * of it is allocated (cdrl/memory.h), so that a planner or model too large
 * for the machine is refused with the keys to lower instead of being killed
 * by the OOM killer half-way (docs/reliability.md, D2).
 *
 * The big terms grow with a count the config makes:
 *   - one imagined step: P particles x C candidates rows, each held by the
 *     planner (state, next, actions, rewards, returns, flags) and by the
 *     dynamics model's batched forward (its input, target and output rows and
 *     two activation buffers as wide as the widest layer), plus the P frozen,
 *     masked copies of every kernel;
 *   - one fit step: agent.model.batch rows through the MLP, forward and backward;
 *   - the probes and the validation slice: their rows through the MLP (MC mode);
 *   - the replay buffer: every real transition, up to run.steps (or
 *     max_episodes x the env's time limit), in doubling growth.
 * cdrl eval checks it again with P = --mc-samples (its MC mode's particles). */
#include "mb_internal.h"

#include <stdio.h>

#include "cdrl/memory.h"

static double max2(double a, double b)
{
    return a > b ? a : b;
}

int mb_check_memory(const mb_config *cfg, const cdrl_run_config *run, const cdrl_env_spec *spec,
                    int particles, cdrl_error *err)
{
    double D = spec->obs_dim, S = spec->action_dim > 0 ? spec->action_dim : 1;
    double A = spec->action_dim > 0 ? 0 : spec->action_count;
    double I = D + (spec->action_dim > 0 ? spec->action_dim : spec->action_count);
    double O = cfg->logvar ? 2 * D : D, W = max2(max2(I, 2 * D), cfg->hidden);
    double P = particles, C = cfg->candidates, H = cfg->horizon, R = P * C;
    cdrl_mlp_spec net = cdrl_mlp_spec_default();
    net.n_inputs = (int)I;
    net.n_hidden = cfg->layers;
    for (int l = 0; l < cfg->layers; l++)
        net.hidden[l] = cfg->hidden;
    net.n_heads = cfg->logvar ? 2 : 1;
    net.head_size[0] = net.head_size[1] = spec->obs_dim;

    double kernels = I * cfg->hidden + (cfg->layers - 1.0) * cfg->hidden * cfg->hidden + cfg->hidden * D;
    double planner = R * (4 * (2 * D + S + 1) + 8 + 2) + C * H * 4 * S + C * 28 + H * (A + 3 * S) * 4;
    double rollout = R * 4 * (I + D + O + 2 * W) + P * kernels * 4;
    double fit = cdrl_mlp_memory(&net, cfg->batch, 1) + cfg->batch * 4.0 * (I + D + O + 2 * W);
    double probes = cdrl_mlp_memory(&net, cfg->probe_states, 0) + cfg->probe_states * (4 * I + 12 * D + 24 * D) +
                    3.0 * cfg->probe_states * D * 4;
    double transitions = (double)run->steps;
    if (cfg->max_episodes > 0 && spec->max_episode_steps > 0)
        transitions = (double)cfg->max_episodes * spec->max_episode_steps < transitions
                          ? (double)cfg->max_episodes * spec->max_episode_steps : transitions;
    double buffer = 2 * transitions * (4 * (2 * D + S + 1) + 1);
    double val_rows = transitions / cfg->val_every;
    double val = cdrl_mlp_memory(&net, val_rows, 0) + val_rows * (4 * I + 16 * D + 24 * D);

    char what[5][192];
    snprintf(what[0], sizeof what[0], "one imagined step: agent.planner.candidates x agent.planner.particles "
             "= %.0f rows, each through the model (agent.model.hidden %d)", R, cfg->hidden);
    snprintf(what[1], sizeof what[1], "the model fit: agent.model.batch = %d rows (agent.model.hidden %d)",
             cfg->batch, cfg->hidden);
    snprintf(what[2], sizeof what[2], "the probes: agent.probe.states = %d rows (agent.model.hidden %d)",
             cfg->probe_states, cfg->hidden);
    snprintf(what[3], sizeof what[3], "the replay buffer: run.steps (or agent.max_episodes) = %.0f transitions",
             transitions);
    snprintf(what[4], sizeof what[4], "validation: %.0f transitions (run.steps / agent.model.val_every) "
             "through the model (agent.model.hidden %d)", val_rows, cfg->hidden);
    cdrl_memory_part parts[5] = {
        {what[0], planner + rollout}, {what[1], fit}, {what[2], probes}, {what[3], buffer}, {what[4], val},
    };
    return cdrl_memory_check("agent mb", parts, 5, err);
}
