/* The policy-gradient agent's config keys (agent.*): names, ranges,
 * defaults and the help `cdrl train --help` shows. */
#include "pg_internal.h"

#define KEY(p, t, f) .path = p, .type = t, .offset = offsetof(pg_config, f)
#define INT_RANGE(lo, hi) .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = lo, .max = hi
#define UNIT_OPEN .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* agent.solve_return: "env" or a finite number. */
static int validate_solve_return(const char *value, cdrl_error *err)
{
    char *end;
    if (strcmp(value, "env") == 0)
        return 0;
    double v = strtod(value, &end);
    if (end == value || *end || !isfinite(v))
        return cdrl_errorf(err, CDRL_EINVAL, "'%s' is neither \"env\" nor a finite number", value);
    return 0;
}

double pg_solve_threshold(const pg_config *cfg, const cdrl_env_spec *spec)
{
    return strcmp(cfg->solve_return, "env") == 0 ? spec->solved_threshold : strtod(cfg->solve_return, NULL);
}

const cdrl_cfg_key pg_keys[] = {
    {KEY("agent.policy.layers", CDRL_CFG_INT, policy_layers), INT_RANGE(1, CDRL_MLP_MAX_HIDDEN),
     .default_text = "2", .help = "hidden layers of the policy network"},
    {KEY("agent.policy.hidden", CDRL_CFG_INT, policy_hidden), INT_RANGE(1, 4096),
     .default_text = "64", .help = "units per hidden layer of the policy network"},
    {KEY("agent.policy.dropout", CDRL_CFG_STRING, policy_dropout), .default_text = "concrete",
     .validate = cdrl_cfg_validate_dropout,
     .help = "policy dropout on each hidden layer's output: none, fixed:P, concrete (learned p)"},
    {KEY("agent.value.layers", CDRL_CFG_INT, value_layers), INT_RANGE(1, CDRL_MLP_MAX_HIDDEN),
     .default_text = "2", .help = "hidden layers of the value network (the baseline)"},
    {KEY("agent.value.hidden", CDRL_CFG_INT, value_hidden), INT_RANGE(1, 4096),
     .default_text = "64", .help = "units per hidden layer of the value network"},
    {KEY("agent.value.dropout", CDRL_CFG_STRING, value_dropout), .default_text = "none",
     .validate = cdrl_cfg_validate_dropout,
     .help = "value-network dropout: none, fixed:P, concrete (--dropout sets it too)"},
    {KEY("agent.activation", CDRL_CFG_CHOICE, activation), .choices = "tanh|relu",
     .default_text = "tanh", .help = "activation of the hidden layers of both networks"},
    {KEY("agent.concrete.init_p", CDRL_CFG_FLOAT, concrete_init_p), UNIT_OPEN,
     .default_text = "0.1", .help = "initial drop rate of Concrete layers"},
    {KEY("agent.concrete.length_scale", CDRL_CFG_FLOAT, length_scale),
     .range = CDRL_CFG_MIN_EXCL, .min = 0, .default_text = "1e-4",
     .help = "prior length scale l: weight_reg = l^2 / (tau N)"},
    {KEY("agent.concrete.tau", CDRL_CFG_FLOAT, tau), .range = CDRL_CFG_MIN_EXCL, .min = 0,
     .default_text = "1", .help = "model precision tau: dropout_reg = 1 / (tau N) (policy), 2 / (tau N) (value)"},
    {KEY("agent.envs", CDRL_CFG_INT, envs), INT_RANGE(1, 4096), .default_text = "8",
     .help = "envs stepped together; each finishes at least one episode per update"},
    {KEY("agent.min_steps", CDRL_CFG_INT, min_steps), INT_RANGE(1, 1000000),
     .default_text = "64", .help = "at least this many steps per env per update"},
    {KEY("agent.gamma", CDRL_CFG_FLOAT, gamma), .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 0,
     .max = 1, .default_text = "0.99", .help = "discount factor"},
    {KEY("agent.gae_lambda", CDRL_CFG_FLOAT, gae_lambda), .range = CDRL_CFG_MIN | CDRL_CFG_MAX,
     .min = 0, .max = 1, .default_text = "0.95",
     .help = "GAE lambda (1 = discounted returns minus the baseline)"},
    {KEY("agent.reward_factor", CDRL_CFG_FLOAT, reward_factor), .range = CDRL_CFG_MIN_EXCL, .min = 0,
     .default_text = "1",
     .help = "the agent learns from reward x this constant (value targets shrink with it; returns are reported unscaled)"},
    {KEY("agent.lr", CDRL_CFG_FLOAT, lr), .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0,
     .max = 1, .default_text = "1e-3", .help = "Adam learning rate of the policy"},
    {KEY("agent.value_lr", CDRL_CFG_FLOAT, value_lr), .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX,
     .min = 0, .max = 1, .default_text = "1e-3", .help = "Adam learning rate of the value network"},
    {KEY("agent.lr_anneal", CDRL_CFG_BOOL, lr_anneal), .default_text = "false",
     .help = "scale both learning rates by 1 - (env steps so far) / run.steps at every update (linear to 0 at the budget)"},
    {KEY("agent.epochs", CDRL_CFG_INT, epochs), INT_RANGE(1, 100), .default_text = "4",
     .help = "passes over each update's transitions"},
    {KEY("agent.minibatch", CDRL_CFG_INT, minibatch), INT_RANGE(1, 1000000),
     .default_text = "256", .help = "transitions per gradient step"},
    {KEY("agent.clip", CDRL_CFG_FLOAT, clip), .range = CDRL_CFG_MIN | CDRL_CFG_MAX_EXCL, .min = 0,
     .max = 1, .default_text = "0.2",
     .help = "PPO ratio clip; 0 = plain policy gradient (REINFORCE with baseline)"},
    {KEY("agent.entropy", CDRL_CFG_FLOAT, entropy), .range = CDRL_CFG_MIN, .min = 0,
     .default_text = "0.01", .help = "entropy bonus coefficient"},
    {KEY("agent.max_grad_norm", CDRL_CFG_FLOAT, max_grad_norm), .range = CDRL_CFG_MIN, .min = 0,
     .default_text = "0.5", .help = "global gradient-norm clip of each network; 0 = off"},
    {KEY("agent.normalize_advantages", CDRL_CFG_BOOL, normalize_advantages),
     .default_text = "true", .help = "scale each update's advantages to mean 0, std 1"},
    {KEY("agent.probe_states", CDRL_CFG_INT, probe_states), INT_RANGE(1, 4096),
     .default_text = "64", .help = "states (from the first update) the MC spread is measured on"},
    {KEY("agent.mc_samples", CDRL_CFG_INT, mc_samples), INT_RANGE(1, 1000),
     .default_text = "20", .help = "dropout samples T for the MC spread in metrics.csv"},
    {KEY("agent.policy.kind", CDRL_CFG_CHOICE, policy_kind), .choices = "mlp|lstm",
     .default_text = "mlp",
     .help = "mlp, or lstm: both networks are an LSTM with a linear head (agent.lstm.*); the dropout keys then set the LSTM's input dropout"},
    {KEY("agent.lstm.hidden", CDRL_CFG_INT, lstm_hidden), INT_RANGE(1, 1024),
     .default_text = "64", .help = "units of the policy's and the value network's LSTM"},
    {KEY("agent.lstm.chunk", CDRL_CFG_INT, lstm_chunk), INT_RANGE(1, 1000000),
     .default_text = "16",
     .help = "steps per training sequence: the truncated-BPTT window, started from the recurrent state the rollout had there"},
    {KEY("agent.lstm.recurrent_dropout", CDRL_CFG_STRING, lstm_recurrent_dropout),
     .default_text = "none", .validate = cdrl_cfg_validate_dropout,
     .help = "dropout on the LSTMs' recurrent input h (mask held per sequence): none, fixed:P, concrete"},
    {KEY("agent.log_std_init", CDRL_CFG_FLOAT, log_std_init), .range = CDRL_CFG_MIN | CDRL_CFG_MAX,
     .min = -5, .max = 2, .default_text = "0",
     .help = "continuous actions: initial log std of the Gaussian policy, in units of half the action range"},
    {KEY("agent.obs_norm", CDRL_CFG_CHOICE, obs_norm), .choices = "auto|on|off", .default_text = "auto",
     .help = "normalise observations by their running mean and std (frozen in eval); auto = on for continuous actions"},
    {KEY("agent.reward_scale", CDRL_CFG_BOOL, reward_scale), .default_text = "false",
     .help = "divide rewards by the running std of the discounted return"},
    {KEY("agent.solve_return", CDRL_CFG_STRING, solve_return), .default_text = "env",
     .validate = validate_solve_return,
     .help = "solved when the mean return of the env's window reaches this; env = the env's own threshold"},
    /* The exploration bonus (pg_bonus.h); beta = 0 makes no model. */
    {KEY("agent.bonus.beta", CDRL_CFG_FLOAT, bonus.beta), .range = CDRL_CFG_MIN, .min = 0,
     .default_text = "0",
     .help = "exploration bonus: reward += beta x the dynamics model's epistemic spread at (s, a); 0 = off"},
    {KEY("agent.bonus.dropout", CDRL_CFG_STRING, bonus.dropout), .default_text = "concrete",
     .validate = cdrl_cfg_validate_dropout,
     .help = "the bonus model's dropout: concrete, fixed:P, none (none: zero spread, so no bonus)"},
    {KEY("agent.bonus.layers", CDRL_CFG_INT, bonus.layers), INT_RANGE(1, CDRL_MLP_MAX_HIDDEN),
     .default_text = "2", .help = "hidden layers of the bonus's dynamics model"},
    {KEY("agent.bonus.hidden", CDRL_CFG_INT, bonus.hidden), INT_RANGE(1, 4096),
     .default_text = "32", .help = "units per hidden layer of the bonus's dynamics model"},
    {KEY("agent.bonus.lr", CDRL_CFG_FLOAT, bonus.lr), .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0,
     .max = 1, .default_text = "3e-3", .help = "Adam learning rate of the bonus's model"},
    {KEY("agent.bonus.batch", CDRL_CFG_INT, bonus.batch), INT_RANGE(1, 1000000),
     .default_text = "256", .help = "transitions per fit step of the bonus's model"},
    {KEY("agent.bonus.fit_steps", CDRL_CFG_INT, bonus.fit_steps), INT_RANGE(1, 1000000),
     .default_text = "32", .help = "fit steps of the bonus's model per update, on every transition seen"},
    {KEY("agent.bonus.particles", CDRL_CFG_INT, bonus.particles), INT_RANGE(2, 1000),
     .default_text = "8", .help = "dropout-mask particles the spread is the std over"},
    {KEY("agent.bonus.init_p", CDRL_CFG_FLOAT, bonus.init_p), UNIT_OPEN, .default_text = "0.1",
     .help = "initial drop rate of the bonus model's Concrete layers"},
    {KEY("agent.bonus.length_scale", CDRL_CFG_FLOAT, bonus.length_scale), .range = CDRL_CFG_MIN_EXCL,
     .min = 0, .default_text = "1e-2", .help = "the bonus model's prior length scale (weight_reg = l^2 / (tau N))"},
    {KEY("agent.bonus.tau", CDRL_CFG_FLOAT, bonus.tau), .range = CDRL_CFG_MIN_EXCL, .min = 0,
     .default_text = "1", .help = "the bonus model's precision tau (N = transitions seen)"},
    {KEY("agent.bonus.normalize", CDRL_CFG_CHOICE, bonus.normalize), .choices = "none|running",
     .default_text = "running",
     .help = "none: bonus = beta x spread; running: divided by the running std of every spread so far"},
    {KEY("agent.lstm.normalize_obs", CDRL_CFG_BOOL, lstm_normalize_obs), .default_text = "false",
     .help = "the LSTMs read each observation component minus its running mean, over its running std (of the rollouts before the update)"},
    {KEY("agent.lstm.head_layers", CDRL_CFG_INT, lstm_head_layers), INT_RANGE(0, CDRL_MLP_MAX_HIDDEN),
     .default_text = "0",
     .help = "hidden layers between the LSTM and each output (agent.policy.hidden / agent.value.hidden units, agent.activation, no dropout); 0 = a linear head"},
};

/* The header declares the array with PG_N_KEYS entries; a count that differs is
 * a conflicting type, and this says so plainly. */
_Static_assert(sizeof pg_keys / sizeof pg_keys[0] == PG_N_KEYS, "PG_N_KEYS must count the keys of pg_keys");
