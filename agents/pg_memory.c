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
 * With agent.policy.kind = "lstm" each term adds the LSTMs' buffers: the
 * rollout keeps both nets' (h, c) at every chunk start (rows / agent.lstm.chunk
 * x 4 x agent.lstm.hidden), a minibatch is whole chunks through both LSTMs
 * forward and backward (gates, cell and output rows of width
 * 4 x agent.lstm.hidden), the MC spread one step of the policy's LSTM per row.
 * cdrl eval's MC mode is checked on its own (pg_check_eval_memory). */
#include "pg_internal.h"

#include <math.h>
#include <stdio.h>

#include "cdrl/memory.h"

/* Bytes one cdrl_lstm and its pg_lstm_net hold for `rows` steps in `seqs`
 * sequences (src/lstm.c's row and sequence buffers; pg_recurrent.c's compact
 * outputs and normalised inputs), C inputs, H units. */
static double lstm_bytes(double rows, double seqs, double C, double H, int backward)
{
    double per_row = 2 * C + 1 + 10 * H + 3 * H + C + (backward ? 4 * H + C : 0);
    double per_seq = 2 * C + 4 * H + (C > H ? C : H) + (backward ? 4 * H + C : 0);
    return 4 * (rows * per_row + seqs * per_seq);
}

int pg_check_memory(const pg_agent *ag, size_t rows, cdrl_error *err)
{
    const pg_config *cfg = ag->cfg;
    double cap = (double)rows, D = ag->D, noise = 0;
    for (int l = 0; l < ag->policy->n_layers; l++)
        if (ag->policy->layers[l].dropout != CDRL_DROPOUT_NONE)
            noise += ag->policy->layers[l].n_in;
    double mbn = cfg->minibatch < cap ? cfg->minibatch : cap;
    double H = cfg->lstm_hidden, L = cfg->lstm_chunk, B = cfg->envs, chunks = 0, M = 0;
    if (ag->policy_rnn) { /* the heads see whole chunks: M sequences of L steps */
        chunks = ceil(cap / B / L) * B;
        M = (double)pg_chunks_per_minibatch(cfg, (size_t)chunks);
        mbn = mbn > M * L ? mbn : M * L;
    }
    double probe = (double)cfg->probe_states * cfg->mc_samples;
    double rollout = cap * (4 * D + 4 * 8 + 1 + 4 * noise) +
                     cdrl_mlp_memory(&ag->policy->spec, cfg->envs, 0) + cdrl_mlp_memory(&ag->value->spec, cfg->envs, 0);
    double update = mbn * (4 * D + 20 + 4 * noise) + cdrl_mlp_memory(&ag->policy->spec, mbn, 1) +
                    cdrl_mlp_memory(&ag->value->spec, mbn, 1);
    double mc = cdrl_mlp_memory(&ag->policy->spec, probe, 0) + probe * 4 * D;
    char lstm[96] = "";
    if (ag->policy_rnn) {
        double W = ag->policy_rnn->noise_width > ag->value_rnn->noise_width ? ag->policy_rnn->noise_width
                                                                            : ag->value_rnn->noise_width;
        /* per net: parameters, gradients, Adam's two moments, the transposed
         * weights with the copy they were made from, and the checkpoint's copy
         * of parameters and moments */
        double params = 2 * 10 * 4 * (4 * H * (D + H + 2));
        rollout += params + cap * 4 + chunks * 4 * H * 4 + 2 * lstm_bytes(B, B, D, H, 0);
        update += M * L * (4 * D + 4) + M * (4 * 4 * H + 2 * 4 * W) + 2 * lstm_bytes(M * L, M, D, H, 1);
        mc += probe * 4 * W + lstm_bytes(probe, probe, D, H, 0);
        snprintf(lstm, sizeof lstm, ", agent.lstm.hidden %d, agent.lstm.chunk %d", cfg->lstm_hidden,
                 cfg->lstm_chunk);
    }

    char what[3][288];
    snprintf(what[0], sizeof what[0], "the rollout: agent.envs x steps per update (agent.min_steps or the "
             "episode limit) = %.0f rows (agent.policy.hidden %d%s)", cap, cfg->policy_hidden, lstm);
    snprintf(what[1], sizeof what[1], "one minibatch: agent.minibatch%s = %.0f rows (agent.policy.hidden %d, "
             "agent.value.hidden %d%s)", ag->policy_rnn ? " in whole agent.lstm.chunk" : "", mbn, cfg->policy_hidden,
             cfg->value_hidden, lstm);
    snprintf(what[2], sizeof what[2], "the MC spread: agent.probe_states x agent.mc_samples = %.0f rows "
             "(agent.policy.hidden %d%s)", probe, cfg->policy_hidden, lstm);
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
