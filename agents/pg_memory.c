/* What a pg run will hold in memory, estimated from its config and networks
 * before the rollout buffers are allocated (cdrl/memory.h), so that sizes
 * the machine cannot hold are refused with the keys to lower instead of
 * ending in the OOM killer (docs/reliability.md, D2).
 *
 * The big terms grow with a count the config makes:
 *   - the rollout: agent.envs x steps per update rows of observations,
 *     per-row scalars and, per dropout layer of the policy, its held noise;
 *   - one minibatch through both networks, forward and backward;
 *   - the MC-dropout spread: agent.probe_states x agent.mc_samples rows in
 *     one forward of the policy, plus their copied inputs.
 * cdrl eval's MC mode is checked on its own (pg_check_eval_memory). The
 * recurrent policy's own buffers are not counted (they scale with the
 * same rows and agent.lstm.hidden <= 1024). */
#include "pg_internal.h"

#include <stdio.h>

#include "cdrl/memory.h"

int pg_check_memory(const pg_agent *ag, size_t rows, cdrl_error *err)
{
    const pg_config *cfg = ag->cfg;
    double cap = (double)rows, D = ag->D, noise = 0;
    for (int l = 0; l < ag->policy->n_layers; l++)
        if (ag->policy->layers[l].dropout != CDRL_DROPOUT_NONE)
            noise += ag->policy->layers[l].n_in;
    double mbn = cfg->minibatch < cap ? cfg->minibatch : cap;
    double probe = (double)cfg->probe_states * cfg->mc_samples;
    double rollout = cap * (4 * D + 4 * 8 + 1 + 4 * noise) +
                     cdrl_mlp_memory(&ag->policy->spec, cfg->envs, 0) + cdrl_mlp_memory(&ag->value->spec, cfg->envs, 0);
    double update = mbn * (4 * D + 20 + 4 * noise) + cdrl_mlp_memory(&ag->policy->spec, mbn, 1) +
                    cdrl_mlp_memory(&ag->value->spec, mbn, 1);
    double mc = cdrl_mlp_memory(&ag->policy->spec, probe, 0) + probe * 4 * D;

    char what[3][192];
    snprintf(what[0], sizeof what[0], "the rollout: agent.envs x steps per update (agent.min_steps or the "
             "episode limit) = %.0f rows (agent.policy.hidden %d)", cap, cfg->policy_hidden);
    snprintf(what[1], sizeof what[1], "one minibatch: agent.minibatch = %.0f rows (agent.policy.hidden %d, "
             "agent.value.hidden %d)", mbn, cfg->policy_hidden, cfg->value_hidden);
    snprintf(what[2], sizeof what[2], "the MC spread: agent.probe_states x agent.mc_samples = %.0f rows "
             "(agent.policy.hidden %d)", probe, cfg->policy_hidden);
    cdrl_memory_part parts[3] = {{what[0], rollout}, {what[1], update}, {what[2], mc}};
    return cdrl_memory_check("pg", parts, 3, err);
}

int pg_check_eval_memory(const cdrl_mlp *policy, int T, cdrl_error *err)
{
    char what[160];
    snprintf(what, sizeof what, "the MC decisions: --mc-samples = %d rows of the policy (agent.policy.hidden)", T);
    cdrl_memory_part part = {what, cdrl_mlp_memory(&policy->spec, T, 0) + 4.0 * T * policy->spec.n_inputs};
    return cdrl_memory_check("pg eval", &part, 1, err);
}
