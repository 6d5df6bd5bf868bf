/* The model-based agent's config keys (agent.*): the model, the planner,
 * the probes and the solve test, with ranges, defaults and help. */
#include "mb_internal.h"

#define KEY(p, t, f, def, h) .path = p, .type = t, .offset = offsetof(mb_config, f), .default_text = def, .help = h
#define INT_AT_LEAST(lo) .range = CDRL_CFG_MIN, .min = lo

static int mb_validate_angles(const char *value, cdrl_error *err)
{
    cdrl_dynamics_spec spec;
    return cdrl_dynamics_parse_angles(value, &spec, err);
}

static int mb_validate_uncertainty(const char *value, cdrl_error *err)
{
    int K;
    return cdrl_ensemble_parse(value, &K, err);
}

const cdrl_cfg_key mb_keys[] = {
    {KEY("agent.random_episodes", CDRL_CFG_INT, random_episodes, "2",
         "episodes of uniformly random actions before planning starts"), INT_AT_LEAST(1)},
    {KEY("agent.max_episodes", CDRL_CFG_INT64, max_episodes, "0",
         "stop after this many real episodes (0: only run.steps limits the run)"), INT_AT_LEAST(0)},
    {KEY("agent.solve_episodes", CDRL_CFG_INT, solve_episodes, "5",
         "after each refit, this many planned test episodes (not learned from, not counted in "
         "run.steps); solved when each returns >= agent.solve_return (0: never test)"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 0, .max = 1000},
    {KEY("agent.solve_return", CDRL_CFG_FLOAT, solve_return, "500",
         "return every test episode must reach (CartPole-v1's maximum is 500)")},
    {KEY("agent.solve_by", CDRL_CFG_CHOICE, solve_by, "each",
         "solved when each test episode returns >= agent.solve_return (each; the test stops at the "
         "first that does not) or when their mean does (mean; the test stops once the remaining episodes "
         "could not lift the mean to it even returning 0, so use it for envs whose returns are <= 0)"),
     .choices = "each|mean"},
    {KEY("agent.mc_samples", CDRL_CFG_INT, mc_samples, "20",
         "T: dropout samples for the logged validation error and epistemic spread"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 10000},
    {KEY("agent.model.layers", CDRL_CFG_INT, layers, "2", "hidden layers of the dynamics model"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = CDRL_MLP_MAX_HIDDEN},
    {KEY("agent.model.hidden", CDRL_CFG_INT, hidden, "32", "units per hidden layer"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 4096},
    {KEY("agent.model.activation", CDRL_CFG_CHOICE, activation, "tanh", "hidden activation"),
     .choices = "relu|tanh|selu"},
    {KEY("agent.model.dropout", CDRL_CFG_STRING, dropout, "concrete",
         "dropout of each hidden and output layer's input: none, fixed:P, concrete"),
     .validate = cdrl_cfg_validate_dropout},
    {KEY("agent.model.angles", CDRL_CFG_STRING, angles, "",
         "observation components that are the cos and sin of an angle, as COS:SIN[,COS:SIN...] "
         "(pendulum 0:1); each predicted pair is put back on the unit circle (\"\": none)"),
     .validate = mb_validate_angles},
    {KEY("agent.model.uncertainty", CDRL_CFG_STRING, uncertainty, "dropout",
         "the model's epistemic uncertainty: dropout (one network, its dropout draws are the particles) "
         "or ensemble:K (K independently initialised networks with bootstrapped minibatches, each its "
         "share of agent.planner.particles; combine with --dropout none for the plain PETS ensemble)"),
     .validate = mb_validate_uncertainty},
    {KEY("agent.model.init_p", CDRL_CFG_FLOAT, init_p, "0.1", "initial drop rate of Concrete layers"),
     .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1},
    {KEY("agent.model.logvar", CDRL_CFG_BOOL, logvar, "false",
         "also predict a log-variance (aleatoric noise); the fit then minimises the Gaussian NLL")},
    {KEY("agent.model.lr", CDRL_CFG_FLOAT, lr, "3e-3", "Adam learning rate of the model"),
     .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 1},
    {KEY("agent.model.batch", CDRL_CFG_INT, batch, "64", "minibatch rows per fit step"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 65536},
    {KEY("agent.model.fit_steps", CDRL_CFG_INT, fit_steps, "1000",
         "Adam steps of each refit (warm-started), after every real episode"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 10000000},
    {KEY("agent.model.val_every", CDRL_CFG_INT, val_every, "5",
         "every val_every-th transition is held out for validation"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 2, .max = 1000},
    {KEY("agent.model.length_scale", CDRL_CFG_FLOAT, length_scale, "1e-2",
         "prior length scale l of the Concrete regulariser (weight_reg = l^2 / (tau N))"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.model.tau", CDRL_CFG_FLOAT, tau, "1",
         "model precision tau of the regulariser (and of the MSE without a log-variance head)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.planner.method", CDRL_CFG_CHOICE, method, "random",
         "cem (cross-entropy method) or random (random shooting)"), .choices = "cem|random"},
    {KEY("agent.planner.select", CDRL_CFG_CHOICE, select, "mean",
         "first action executed: mean (best mean score of the candidates starting with it) or "
         "best (of the best candidate)"), .choices = "mean|best"},
    {KEY("agent.planner.horizon", CDRL_CFG_INT, horizon, "20", "H: imagined steps per candidate"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 1000},
    {KEY("agent.planner.candidates", CDRL_CFG_INT, candidates, "100", "C: action sequences per round"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100000},
    {KEY("agent.planner.particles", CDRL_CFG_INT, particles, "5",
         "P: network draws (frozen dropout masks) each candidate is rolled out with"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 1000},
    {KEY("agent.planner.iterations", CDRL_CFG_INT, iterations, "3", "CEM rounds per real step"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100},
    {KEY("agent.planner.elites", CDRL_CFG_INT, elites, "10", "CEM: best candidates refit to (<= candidates)"),
     .range = CDRL_CFG_MIN, .min = 1},
    {KEY("agent.planner.smoothing", CDRL_CFG_FLOAT, smoothing, "0.25",
         "CEM: weight of the old distribution in each refit"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX_EXCL, .min = 0, .max = 1},
    {KEY("agent.planner.beta", CDRL_CFG_FLOAT, beta, "0",
         "candidate score = mean + beta * std of the particles' returns: > 0 optimism "
         "(explore where the model is unsure), < 0 caution, 0 the mean alone"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = -1000, .max = 1000},
    {KEY("agent.planner.thompson", CDRL_CFG_BOOL, thompson, "false",
         "Thompson sampling: one dropout mask set drawn per episode and held for all its plans, "
         "instead of agent.planner.particles fresh sets per plan (needs beta = 0)")},
    {KEY("agent.planner.init_std", CDRL_CFG_FLOAT, init_std, "0.5",
         "CEM over continuous actions: starting std of each action as a fraction of its range"),
     .range = CDRL_CFG_MIN_EXCL | CDRL_CFG_MAX, .min = 0, .max = 10},
    {KEY("agent.probe.states", CDRL_CFG_INT, probe_states, "64", "probe states in each of the near and far sets"),
     .range = CDRL_CFG_MIN | CDRL_CFG_MAX, .min = 1, .max = 100000},
    {KEY("agent.probe.near", CDRL_CFG_FLOAT, probe_near, "0.05",
         "near probes: uniform in +-near per dimension (CartPole's start states)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
    {KEY("agent.probe.far", CDRL_CFG_FLOAT, probe_far, "2",
         "far probes: each dimension +-(0.5..1) x min(far, the observation bound)"),
     .range = CDRL_CFG_MIN_EXCL, .min = 0},
};

/* The header declares the array with MB_N_KEYS entries; a count that differs is
 * a conflicting type, and this says so plainly. */
_Static_assert(sizeof mb_keys / sizeof mb_keys[0] == MB_N_KEYS, "MB_N_KEYS must count the keys of mb_keys");
