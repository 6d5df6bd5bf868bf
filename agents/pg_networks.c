/* The policy-gradient agent's networks: building the policy and value
 * networks (feed-forward or recurrent) with their dropout settings and seeds,
 * and reading a categorical policy's probabilities and their Monte-Carlo
 * dropout spread. Used by training, cdrl eval and the library's policy
 * loader alike. */
#include "pg_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdrl/dropout.h"

static int build_network(const pg_config *cfg, int n_inputs, int n_outputs, int layers,
                         int hidden, const char *dropout, uint64_t seed, cdrl_mlp **out,
                         cdrl_error *err)
{
    cdrl_mlp_spec spec = cdrl_mlp_spec_default();
    spec.n_inputs = n_inputs;
    spec.n_hidden = layers;
    for (int i = 0; i < layers; i++)
        spec.hidden[i] = hidden;
    spec.head_size[0] = n_outputs;
    spec.activation = strcmp(cfg->activation, "relu") == 0 ? CDRL_ACT_RELU : CDRL_ACT_TANH;
    spec.seed = seed;
    int rc = cdrl_dropout_parse(dropout, (float)cfg->concrete_init_p, &spec.dropout, err);
    if (rc)
        return rc;
    return cdrl_mlp_create(&spec, out, err);
}

uint64_t pg_stream_seed(uint64_t seed, uint64_t stream)
{
    cdrl_rng r;
    cdrl_rng_seed(&r, seed, stream);
    return cdrl_rng_u64(&r);
}

int pg_build_networks(const pg_config *cfg, const cdrl_run_config *run, int D, int A,
                          cdrl_mlp **policy, cdrl_mlp **value, cdrl_error *err)
{
    uint64_t seed = (uint64_t)run->seed;
    /* Recurrent nets: these are the heads on h_t (linear unless
     * agent.lstm.head_layers); the dropout keys belong to the LSTMs' inputs. */
    int rec = strcmp(cfg->policy_kind, "lstm") == 0;
    int in = rec ? cfg->lstm_hidden : D;
    int rc = build_network(cfg, in, A, rec ? cfg->lstm_head_layers : cfg->policy_layers, cfg->policy_hidden,
                           rec ? "none" : cfg->policy_dropout,
                           pg_stream_seed(seed, STREAM_POLICY_INIT), policy, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.policy");
    rc = build_network(cfg, in, 1, rec ? cfg->lstm_head_layers : cfg->value_layers, cfg->value_hidden,
                       rec ? "none" : cfg->value_dropout,
                       pg_stream_seed(seed, STREAM_VALUE_INIT), value, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.value");
    return 0;
}

int pg_build_recurrent(const pg_config *cfg, const cdrl_run_config *run, int D,
                       pg_lstm_net **policy, pg_lstm_net **value, cdrl_error *err)
{
    *policy = *value = NULL;
    if (strcmp(cfg->policy_kind, "lstm") != 0)
        return 0;
    uint64_t seed = (uint64_t)run->seed;
    float p0 = (float)cfg->concrete_init_p;
    cdrl_dropout_spec rec, pin, vin;
    int rc = cdrl_dropout_parse(cfg->lstm_recurrent_dropout, p0, &rec, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.lstm.recurrent_dropout");
    if ((rc = cdrl_dropout_parse(cfg->policy_dropout, p0, &pin, err)))
        return cdrl_error_prefix(err, "agent.policy.dropout");
    if ((rc = cdrl_dropout_parse(cfg->value_dropout, p0, &vin, err)))
        return cdrl_error_prefix(err, "agent.value.dropout");
    rc = pg_lstm_net_create(D, cfg->lstm_hidden, &pin, &rec,
                            pg_stream_seed(seed, STREAM_POLICY_LSTM), policy, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.policy");
    rc = pg_lstm_net_create(D, cfg->lstm_hidden, &vin, &rec,
                            pg_stream_seed(seed, STREAM_VALUE_LSTM), value, err);
    if (rc)
        return cdrl_error_prefix(err, "agent.value");
    (*policy)->normalize = (*value)->normalize = cfg->lstm_normalize_obs;
    return 0;
}

/* Softmax of one row of logits, in double. */
void pg_softmax_row(double *probs, const float *logits, int A)
{
    double mx = logits[0], sum = 0.0;
    for (int a = 1; a < A; a++)
        mx = fmax(mx, logits[a]);
    for (int a = 0; a < A; a++)
        sum += probs[a] = exp((double)logits[a] - mx);
    for (int a = 0; a < A; a++)
        probs[a] /= sum;
}

/* The MC-dropout spread of the action probabilities on `rows` states: T
 * dropout draws of each state in one MC forward; the std over draws of each
 * action's probability, averaged over actions and states. With mean_probs not
 * NULL, also writes the (rows, A) mean probabilities. Zero without dropout. */
int pg_mc_spread(cdrl_mlp *policy, const float *states, int rows, int T, double *spread,
                     double *mean_probs, cdrl_error *err)
{
    const float *out = pg_mc_forward(policy, states, rows, T, err);
    if (!out)
        return err ? err->code : CDRL_EINVAL;
    return pg_probs_spread(out, rows, T, policy->n_outputs, spread, mean_probs, err);
}

const float *pg_mc_forward(cdrl_mlp *policy, const float *states, int rows, int T, cdrl_error *err)
{
    // states (rows, D) -> (rows * T, n_outputs), the T draws of a state adjacent
    int D = policy->spec.n_inputs;
    float *inp = calloc((size_t)rows * T * D, sizeof(float));
    if (!inp) {
        cdrl_errorf(err, CDRL_ENOMEM, "pg: cannot allocate the MC spread buffers");
        return NULL;
    }
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < T; t++)
            memcpy(inp + ((size_t)r * T + t) * D, states + (size_t)r * D, sizeof(float) * D);
    const float *out = cdrl_mlp_forward(policy, inp, rows * T, CDRL_MODE_MC, err);
    free(inp);
    return out;
}

int pg_probs_spread(const float *out, int rows, int T, int A, double *spread,
                    double *mean_probs, cdrl_error *err)
{
    double *probs = malloc(sizeof(double) * (size_t)T * A);
    double total = 0.0;
    if (!probs)
        return cdrl_errorf(err, CDRL_ENOMEM, "pg: cannot allocate the MC spread buffers");
    for (int r = 0; r < rows; r++) {
        for (int t = 0; t < T; t++)
            pg_softmax_row(probs + (size_t)t * A, out + ((size_t)r * T + t) * A, A);
        for (int a = 0; a < A; a++) {
            double m = 0.0, v = 0.0;
            for (int t = 0; t < T; t++)
                m += probs[(size_t)t * A + a];
            m /= T;
            for (int t = 0; t < T; t++) {
                double d = probs[(size_t)t * A + a] - m;
                v += d * d;
            }
            total += sqrt(v / T);
            if (mean_probs)
                mean_probs[(size_t)r * A + a] = m;
        }
    }
    *spread = total / ((double)rows * A);
    free(probs);
    return 0;
}
