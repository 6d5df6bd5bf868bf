/* cdrl regress: Concrete Dropout on the authors' synthetic regression.
 *
 * Reproduces the experiment of Gal, Hron & Kendall's public notebooks:
 * X ~ N(0,1), Y = 2X + 8 + N(0,1); a network of three Concrete-Dropout ReLU
 * layers (the first drops the raw input) and two Concrete-Dropout linear heads
 * on the last hidden layer, one for the mean and one for the log-variance;
 * their objective mean_batch(exp(-lv)(y - mu)^2 + lv) plus the Concrete
 * regulariser with weight_reg = l^2/N, dropout_reg = 2/N (tau = 1: the noise
 * is learned by the log-variance head); Adam; batch 20; epochs per N as in the
 * notebook (1000-2000 steps), raised to a minimum number of steps (default
 * 5000, see --help for why). For each N it prints the learned
 * p of each layer, the aleatoric and epistemic std from T Monte-Carlo passes
 * over a test set, the test RMSE of the MC mean, and the calibration of the
 * MC predictive on the test set (Gaussian NLL, coverage of the central 50 %
 * and 90 % intervals, spread-error rank correlation; stats.h).
 *
 * Not a benchmark: its output is deterministic for a seed, so it prints no time. */
#include "cli.h"
#include "flags.h"

#include "cdrl/loss.h"
#include "cdrl/mc.h"
#include "cdrl/mlp.h"
#include "cdrl/optim.h"
#include "cdrl/stats.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 16
#define N_LAYERS 5 /* input + 2 hidden-to-hidden + mean head + log-variance head */

struct regress_options {
    int hidden;                 /* width of each of the 3 hidden layers */
    unsigned long long seed;
    int n_sizes;
    long sizes[MAX_SIZES];      /* training-set sizes N */
    long epochs[MAX_SIZES];     /* epochs for each N */
    int batch;
    float lr;
    double length_scale;
    int mc_passes;              /* T */
    int test_size;
    int reps;                   /* repetitions averaged per N */
    long min_steps;             /* each N trains for at least this many Adam steps */
};

/* What one run at one N measured. */
struct regress_result {
    double p[N_LAYERS];
    double aleatoric_std, epistemic_std, rmse;
    cdrl_calibration cal;
};

static const long default_sizes[] = {10, 25, 50, 100, 1000, 10000};
static const long default_epochs[] = {2000, 1000, 500, 200, 20, 2};

/* The command line as given, before it becomes regress_options. */
typedef struct {
    const char *sizes, *epochs;
    long long hidden, seed, min_steps, reps, batch, mc, test;
    double lr, length_scale;
} regress_flags;

/* Every integer flag of regress, its range in the row. */
static int take_integer(const cli_flag *row, const char *value, void *args)
{
    if (cli_parse_int(value, row->min, row->max, CLI_TARGET(long long, row, args)) == 0)
        return 0;
    if (row->max == LLONG_MAX)
        return cli_fail("regress", "%s '%s': expected an integer >= %lld", row->name, value, row->min);
    return cli_fail("regress", "%s '%s': expected an integer in [%lld, %lld]", row->name, value, row->min,
                    row->max);
}

static int take_lr(const cli_flag *row, const char *value, void *args)
{
    if (cli_parse_double(value, 1e-8, 1.0, CLI_TARGET(double, row, args)))
        return cli_fail("regress", "--lr '%s': expected a number in [1e-8, 1]", value);
    return 0;
}

static int take_length_scale(const cli_flag *row, const char *value, void *args)
{
    if (cli_parse_double(value, 1e-12, 1e3, CLI_TARGET(double, row, args)))
        return cli_fail("regress", "--length-scale '%s': expected a number in [1e-12, 1000]", value);
    return 0;
}

#define ARG(field) offsetof(regress_flags, field)
static const cli_flag regress_flags_table[] = {
    {"--n", "LIST", CLI_STRING, ARG(sizes), 0, 0, NULL, "training-set sizes (default 10,25,50,100,1000,10000)", 0, 0},
    {"--epochs", "LIST", CLI_STRING, ARG(epochs), 0, 0, NULL,
     "epochs per size, one value for all or one per size\n"
     "(default 2000,1000,500,200,20,2 as in the authors' notebook)", 0, 0},
    {"--hidden", "H", CLI_CALL, ARG(hidden), 1, 4096, take_integer,
     "width of the hidden layers (default 256; the authors use 1024,\n"
     "which takes about 16 times as long)", 0, 0},
    {"--seed", "S", CLI_CALL, ARG(seed), 0, LLONG_MAX, take_integer,
     "seed of data, weights and dropout noise (default 0)", 0, 0},
    {"--min-steps", "S", CLI_CALL, ARG(min_steps), 0, 100000000, take_integer,
     "train each size for at least S Adam steps, adding epochs\n"
     "(default 5000; 0 keeps exactly the epochs given: the notebook's\n"
     "schedule is only 1000-2000 steps per size, too few here for the\n"
     "log-variance head to settle at N >= 1000)", 0, 0},
    {"--reps", "R", CLI_CALL, ARG(reps), 1, 100, take_integer,
     "repetitions per size, averaged (default 1; the authors use 3)", 0, 0},
    {"--batch", "B", CLI_CALL, ARG(batch), 1, 100000, take_integer, "minibatch size (default 20)", 0, 0},
    {"--lr", "LR", CLI_CALL, ARG(lr), 0, 0, take_lr, "Adam learning rate (default 0.001)", 0, 0},
    {"--length-scale", "L", CLI_CALL, ARG(length_scale), 0, 0, take_length_scale,
     "prior length scale l (default 1e-4)", 0, 0},
    {"--mc", "T", CLI_CALL, ARG(mc), 2, 100000, take_integer,
     "Monte-Carlo passes for the uncertainties (default 20)", 0, 0},
    {"--test", "M", CLI_CALL, ARG(test), 1, 1000000, take_integer, "test points (default 1000)", 0, 0},
};
#undef ARG

const cli_command regress_command = {
    "regress",
    "cdrl regress [options]",
    "Concrete Dropout on the synthetic problem of Gal, Hron & Kendall (2017):\n"
    "X ~ N(0,1), Y = 2X + 8 + N(0,1). For each training-set size N, trains a\n"
    "network of 3 Concrete-Dropout ReLU layers and two Concrete-Dropout heads\n"
    "(mean, log-variance) and prints the learned dropout rate of each layer,\n"
    "the aleatoric and epistemic std (Monte-Carlo dropout) and the test RMSE.",
    regress_flags_table, CLI_N(regress_flags_table), NULL, NULL,
};

/* Parses a comma-separated list of integers in [lo, hi]; returns the count or -1. */
static int parse_long_list(const char *text, long *out, int cap, long lo, long hi)
{
    int n = 0;
    const char *s = text;
    while (*s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || errno || v < lo || v > hi || n == cap || (*end != ',' && *end != '\0'))
            return -1;
        out[n++] = v;
        s = *end == ',' ? end + 1 : end;
        if (*end == ',' && *s == '\0')
            return -1;
    }
    return n > 0 ? n : -1;
}

/* The epochs of each size: --epochs (one for all, or one per size), else
 * the notebook's, raised so that every size gets at least --min-steps. */
static int set_epochs(struct regress_options *o, const char *epochs_text, int sizes_given)
{
    if (epochs_text) {
        long list[MAX_SIZES];
        int n = parse_long_list(epochs_text, list, MAX_SIZES, 1, 10000000);
        if (n == 1)
            for (int k = 0; k < o->n_sizes; k++)
                o->epochs[k] = list[0];
        else if (n == o->n_sizes)
            memcpy(o->epochs, list, sizeof(long) * n);
        else
            return cli_fail("regress", "--epochs '%s': expected one integer >= 1, or one per size (%d)",
                            epochs_text, o->n_sizes);
    } else if (sizes_given) {
        /* The notebook's rule behind its list: about 20000 / N epochs, at least 2. */
        for (int k = 0; k < o->n_sizes; k++) {
            long e = 20000 / o->sizes[k];
            o->epochs[k] = e < 2 ? 2 : e;
            for (int j = 0; j < 6; j++)
                if (default_sizes[j] == o->sizes[k])
                    o->epochs[k] = default_epochs[j];
        }
    }
    for (int k = 0; k < o->n_sizes; k++) {
        long batches = (o->sizes[k] + o->batch - 1) / o->batch;
        long needed = (o->min_steps + batches - 1) / batches;
        if (o->epochs[k] < needed)
            o->epochs[k] = needed;
    }
    return 0;
}

/* Returns 0, CLI_HELP_SHOWN, or prints the one-line complaint and returns
 * CLI_EXIT_USAGE. */
static int parse_options(int argc, char **argv, struct regress_options *o)
{
    regress_flags f = {NULL, NULL, 256, 0, 5000, 1, 20, 20, 1000, 1e-3, 1e-4};
    int rc = cli_parse(&regress_command, argc, argv, &f);
    if (rc)
        return rc;
    memset(o, 0, sizeof *o);
    o->hidden = (int)f.hidden;
    o->seed = (unsigned long long)f.seed;
    o->min_steps = (long)f.min_steps;
    o->reps = (int)f.reps;
    o->batch = (int)f.batch;
    o->lr = (float)f.lr;
    o->length_scale = f.length_scale;
    o->mc_passes = (int)f.mc;
    o->test_size = (int)f.test;
    o->n_sizes = 6;
    memcpy(o->sizes, default_sizes, sizeof default_sizes);
    memcpy(o->epochs, default_epochs, sizeof default_epochs);
    if (f.sizes) {
        o->n_sizes = parse_long_list(f.sizes, o->sizes, MAX_SIZES, 1, 10000000);
        if (o->n_sizes < 0)
            return cli_fail("regress", "--n '%s': expected up to %d comma-separated integers in [1, 10000000]",
                            f.sizes, MAX_SIZES);
    }
    return set_epochs(o, f.epochs, f.sizes != NULL);
}

/* X ~ N(0,1), Y = 2X + 8 + N(0,1). */
static void make_data(float *x, float *y, long n, cdrl_rng *rng)
{
    for (long i = 0; i < n; i++) {
        x[i] = (float)cdrl_rng_normal(rng);
        y[i] = 2.0f * x[i] + 8.0f + (float)cdrl_rng_normal(rng);
    }
}

static void shuffle(long *idx, long n, cdrl_rng *rng)
{
    for (long i = n - 1; i > 0; i--) {
        long j = (long)cdrl_rng_below(rng, (uint64_t)i + 1);
        long t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* The notebook's network: 3 Concrete-Dropout ReLU layers (the first drops
 * the raw input) and two Concrete-Dropout heads of one unit each. */
static int make_network(const struct regress_options *o, uint64_t seed, cdrl_mlp **out, cdrl_error *err)
{
    cdrl_mlp_spec spec = cdrl_mlp_spec_default();
    spec.n_inputs = 1;
    spec.n_hidden = 3;
    spec.hidden[0] = spec.hidden[1] = spec.hidden[2] = o->hidden;
    spec.n_heads = 2;
    spec.head_size[0] = spec.head_size[1] = 1;
    spec.activation = CDRL_ACT_RELU;
    spec.dropout.kind = CDRL_DROPOUT_CONCRETE;
    spec.dropout.p = CDRL_CONCRETE_DEFAULT_INIT_P;
    spec.dropout_on_input = 1;
    spec.seed = seed;
    spec.init = CDRL_INIT_GLOROT; /* Keras's default, as in the notebook */
    return cdrl_mlp_create(&spec, out, err);
}

/* One epoch of minibatch Adam over x, y (n) in the order of idx, with the
 * batch buffers bx, by (batch) and dout (2 batch). */
static int train_epoch(const struct regress_options *o, cdrl_mlp *net, cdrl_adam *opt, const float *x,
                       const float *y, const long *idx, long n, float *bx, float *by, float *dout, long epoch,
                       cdrl_error *err)
{
    for (long start = 0; start < n; start += o->batch) {
        int b = (int)(n - start < o->batch ? n - start : o->batch);
        for (int k = 0; k < b; k++) {
            bx[k] = x[idx[start + k]];
            by[k] = y[idx[start + k]];
        }
        cdrl_mlp_zero_grad(net);
        const float *out = cdrl_mlp_forward(net, bx, b, CDRL_MODE_TRAIN, err);
        if (!out)
            return err->code;
        memset(dout, 0, sizeof(float) * 2 * b);
        /* scale 2: the authors' objective is twice the Gaussian NLL (see loss.h). */
        float loss = cdrl_gaussian_nll(dout, out, by, b, 1, 2.0f);
        cdrl_mlp_backward(net, dout, NULL, err);
        loss += cdrl_mlp_regularizer(net);
        if (!isfinite(loss))
            return cdrl_errorf(err, CDRL_EDIVERGED, "loss is %g at N = %ld, epoch %ld", loss, n, epoch);
        cdrl_adam_step(opt, net->params, net->grads);
    }
    return 0;
}

/* Trains one network on N points and measures it. Returns 0 or an error code. */
static int run_one(const struct regress_options *o, long n, long epochs, uint64_t seed,
                   struct regress_result *res, cdrl_error *err)
{
    int rc = 0;
    cdrl_mlp *net;
    if ((rc = make_network(o, seed, &net, err)))
        return rc;
    cdrl_mlp_set_data_size(net, o->length_scale, 1.0, (double)n, 0);
    cdrl_adam opt = {0};
    int T = o->test_size;
    float *x = malloc(sizeof(float) * n), *y = malloc(sizeof(float) * n);
    long *idx = malloc(sizeof(long) * n);
    float *bx = malloc(sizeof(float) * o->batch), *by = malloc(sizeof(float) * o->batch);
    float *dout = malloc(sizeof(float) * 2 * o->batch);
    float *tx = malloc(sizeof(float) * T), *ty = malloc(sizeof(float) * T);
    float *mean = malloc(sizeof(float) * 2 * T), *var = malloc(sizeof(float) * 2 * T);
    if (!x || !y || !idx || !bx || !by || !dout || !tx || !ty || !mean || !var) {
        rc = cdrl_errorf(err, CDRL_ENOMEM, "cannot allocate data for N = %ld", n);
        goto done;
    }
    if ((rc = cdrl_adam_init(&opt, net->n_params, o->lr, err)))
        goto done;
    cdrl_rng data, order;
    cdrl_rng_seed(&data, seed, 1000 + (uint64_t)n);
    cdrl_rng_seed(&order, seed, 2000 + (uint64_t)n);
    make_data(x, y, n, &data);
    make_data(tx, ty, T, &data);
    for (long i = 0; i < n; i++)
        idx[i] = i;

    for (long epoch = 0; epoch < epochs && !rc; epoch++) {
        shuffle(idx, n, &order);
        rc = train_epoch(o, net, &opt, x, y, idx, n, bx, by, dout, epoch, err);
    }
    if (rc)
        goto done;

    /* The notebook's summaries: epistemic = test-mean of the MC variance of the
     * mean head; aleatoric = test-mean of exp(MC-mean of the log-variance).
     * (cdrl_mc_predict_gaussian's aleatoric part averages exp(logvar) instead,
     * which is larger by Jensen's inequality.) */
    if ((rc = cdrl_mc_predict(net, tx, T, o->mc_passes, mean, var, err)))
        goto done;
    double se = 0, sum_epi = 0, sum_ale = 0;
    for (int i = 0; i < T; i++) {
        double mu = mean[2 * i], lv = mean[2 * i + 1];
        se += (mu - ty[i]) * (mu - ty[i]);
        sum_epi += var[2 * i];
        sum_ale += exp(lv);
    }
    res->rmse = sqrt(se / T);
    res->epistemic_std = sqrt(sum_epi / T);
    res->aleatoric_std = sqrt(sum_ale / T);
    for (int l = 0; l < N_LAYERS; l++)
        res->p[l] = cdrl_mlp_dropout_p(net, l);
    /* Calibration of the MC predictive: a mixture of the draws' Gaussians,
     * whose variance is the MC variance of the mean head (epistemic) plus the
     * draws' mean exp(logvar) (aleatoric). Drawn after the summaries above,
     * so they are the numbers printed before this was added. */
    float *epi = mean + T, *full = var + T;
    if ((rc = cdrl_mc_predict_gaussian(net, tx, T, o->mc_passes, 1, mean, epi, var, err)))
        goto done;
    for (int i = 0; i < T; i++)
        full[i] = epi[i] + var[i];
    rc = cdrl_calibration_score(mean, full, ty, T, &res->cal, err);
done:
    free(x), free(y), free(idx), free(bx), free(by), free(dout);
    free(tx), free(ty), free(mean), free(var);
    cdrl_adam_free(&opt);
    cdrl_mlp_free(net);
    return rc;
}

int cmd_regress(int argc, char **argv)
{
    struct regress_options o;
    int rc = parse_options(argc, argv, &o);
    if (rc)
        return rc == CLI_HELP_SHOWN ? CLI_EXIT_OK : rc;
    printf("# X ~ N(0,1), Y = 2X + 8 + N(0,1); 3 x %d ReLU, Concrete Dropout on every layer's input,\n"
           "# l = %g, Adam lr %g, batch %d, >= %ld steps, MC T = %d on %d test points, seed %llu, %d rep(s)\n"
           "# p1: input, p2/p3: hidden layers 2 and 3, p4: mean head, p5: log-variance head\n",
           o.hidden, o.length_scale, o.lr, o.batch, o.min_steps, o.mc_passes, o.test_size, o.seed, o.reps);
    printf("# nll, cov50, cov90, rank: calibration of the MC predictive (epistemic + aleatoric) on the\n"
           "# test points: Gaussian NLL, coverage of the central 50 %% / 90 %% intervals, Spearman of spread vs error\n");
    printf("%7s %7s %6s %6s %6s %6s %6s %10s %10s %7s %7s %6s %6s %6s\n", "N", "epochs", "p1", "p2", "p3", "p4",
           "p5", "aleatoric", "epistemic", "rmse", "nll", "cov50", "cov90", "rank");
    for (int k = 0; k < o.n_sizes; k++) {
        struct regress_result mean = {0};
        for (int r = 0; r < o.reps; r++) {
            struct regress_result one = {0};
            cdrl_error err;
            cdrl_error_clear(&err);
            if (run_one(&o, o.sizes[k], o.epochs[k], o.seed + (uint64_t)r, &one, &err))
                return cli_report("regress", &err);
            for (int l = 0; l < N_LAYERS; l++)
                mean.p[l] += one.p[l] / o.reps;
            mean.aleatoric_std += one.aleatoric_std / o.reps;
            mean.epistemic_std += one.epistemic_std / o.reps;
            mean.rmse += one.rmse / o.reps;
            mean.cal.nll += one.cal.nll / o.reps;
            mean.cal.coverage50 += one.cal.coverage50 / o.reps;
            mean.cal.coverage90 += one.cal.coverage90 / o.reps;
            mean.cal.spread_error_rank += one.cal.spread_error_rank / o.reps;
        }
        printf("%7ld %7ld %6.3f %6.3f %6.3f %6.3f %6.3f %10.3f %10.3f %7.3f %7.3f %6.3f %6.3f %6.3f\n",
               o.sizes[k], o.epochs[k], mean.p[0], mean.p[1], mean.p[2], mean.p[3], mean.p[4],
               mean.aleatoric_std, mean.epistemic_std, mean.rmse, mean.cal.nll, mean.cal.coverage50,
               mean.cal.coverage90, mean.cal.spread_error_rank);
        fflush(stdout);
    }
    return CLI_EXIT_OK;
}
