/* cdrl bench lstm: the LSTM layer's forward and forward+backward time, per
 * call and per sequence step, from a rollout step (T = 1) to training
 * batches of sequences, with and without Concrete dropout on x and h.
 *
 * Beside each row, a dense layer doing the same matrix work in one go (B*T
 * rows of C+H inputs to 4H outputs, forward+backward): what the LSTM would
 * cost if its recurrence were free. The gap is the price of the per-step
 * products and the elementwise cell. One thread, as the networks run. */
#include "cdrl/clock.h"
#include "bench.h"
#include "cli.h"
#include "flags.h"

#include "cdrl/dense.h"
#include "cdrl/lstm.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>

#define BENCH_LSTM_SECONDS 0.25

typedef struct {
    int B, T, C, H;
    int concrete; /* Concrete dropout on x and h, else none */
} lstm_cell;

static const lstm_cell cells[] = {
    {1, 1, 4, 64, 0},    {16, 1, 4, 64, 1},    {16, 32, 4, 64, 0},  {16, 32, 4, 64, 1},
    {64, 32, 16, 128, 1}, {64, 64, 64, 256, 1},
};

/* Calls fn(arg) until BENCH_LSTM_SECONDS have passed (at least 3 times, after
 * one warm-up call); returns the mean seconds per call. */
static double time_calls(void (*fn)(void *), void *arg)
{
    fn(arg);
    double t0 = cdrl_clock_seconds(), elapsed;
    long calls = 0;
    do {
        fn(arg);
        calls++;
        elapsed = cdrl_clock_seconds() - t0;
    } while (elapsed < BENCH_LSTM_SECONDS || calls < 3);
    return elapsed / (double)calls;
}

typedef struct {
    const lstm_cell *cell;
    cdrl_lstm *layer;
    float *x, *noise, *dout, *dinp;
    float *dense_in, *dense_w, *dense_b, *dense_out, *dense_dw, *dense_db, *dense_din;
} bench_state;

static void lstm_forward(void *arg)
{
    bench_state *s = arg;
    const lstm_cell *c = s->cell;
    cdrl_lstm_forward(s->layer, s->x, NULL, NULL, NULL, s->noise, c->B, c->T, CDRL_MODE_TRAIN,
                      NULL, NULL, NULL);
}

static void lstm_forward_backward(void *arg)
{
    bench_state *s = arg;
    lstm_forward(arg);
    cdrl_lstm_backward(s->layer, s->dout, NULL, NULL, s->dinp, NULL, NULL, NULL);
}

static void dense_forward_backward(void *arg)
{
    bench_state *s = arg;
    const lstm_cell *c = s->cell;
    int rows = c->B * c->T, K = c->C + c->H, N = 4 * c->H;
    cdrl_dense_forward(s->dense_out, s->dense_in, s->dense_w, s->dense_b, rows, K, N);
    cdrl_dense_backward(s->dense_din, s->dense_dw, s->dense_db, s->dense_out, s->dense_in,
                        s->dense_w, rows, K, N);
}

int bench_lstm_measure(int B, int T, int C, int H, int concrete, bench_lstm_times *times,
                       cdrl_error *err)
{
    const lstm_cell cell = {B, T, C, H, concrete}, *c = &cell;
    cdrl_dropout_spec d = {concrete ? CDRL_DROPOUT_CONCRETE : CDRL_DROPOUT_NONE,
                           concrete ? 0.1f : 0.0f};
    cdrl_lstm_spec spec = {.n_inputs = C, .n_hidden = H, .dropout = d, .recurrent = d};
    size_t n_params = cdrl_lstm_param_count(&spec), rows = (size_t)B * T;
    size_t K = (size_t)C + H, N = 4 * (size_t)H;
    bench_state s = {.cell = c};
    float *params = calloc(n_params, sizeof(float)), *grads = calloc(n_params, sizeof(float));
    float **bufs[] = {&s.x, &s.noise, &s.dout, &s.dinp, &s.dense_in, &s.dense_w, &s.dense_b,
                      &s.dense_out, &s.dense_dw, &s.dense_db, &s.dense_din};
    size_t sizes[] = {rows * C, (size_t)B * (C + H), rows * H, rows * C,
                      rows * K, N * K, N, rows * N, N * K, N, rows * K};
    cdrl_rng rng;
    cdrl_rng_seed(&rng, 1, 0);
    /* One thread: how the networks run, and what a one-core comparison needs. */
    openblas_set_num_threads(1);
    int fail = !params || !grads;
    for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++) {
        *bufs[k] = malloc(sizeof(float) * sizes[k]);
        fail |= !*bufs[k];
        for (size_t i = 0; *bufs[k] && i < sizes[k]; i++)
            (*bufs[k])[i] = (float)cdrl_rng_range(&rng, -0.5, 0.5);
    }
    cdrl_lstm layer;
    int rc = fail ? cdrl_errorf(err, CDRL_ENOMEM, "bench lstm: cannot allocate B=%d T=%d H=%d",
                                B, T, H)
                  : cdrl_lstm_init(&layer, &spec, params, grads, err);
    if (!rc) {
        s.layer = &layer;
        cdrl_lstm_init_params(&layer, &rng);
        cdrl_lstm_draw_noise(&layer, &rng, B, s.noise);
        times->forward = time_calls(lstm_forward, &s);
        times->forward_backward = time_calls(lstm_forward_backward, &s);
        times->dense = time_calls(dense_forward_backward, &s);
        times->flops = 24.0 * (double)H * (double)K * (double)rows; /* 3 products of 2HK*4 */
        if (!layer.out) /* the forward failed (no memory): nothing was measured */
            rc = cdrl_errorf(err, CDRL_ENOMEM, "bench lstm: forward failed for B=%d T=%d H=%d",
                             B, T, H);
        cdrl_lstm_free(&layer);
    }
    for (size_t k = 0; k < sizeof bufs / sizeof bufs[0]; k++)
        free(*bufs[k]);
    free(params);
    free(grads);
    return rc;
}

int bench_lstm_run(FILE *out, cdrl_error *err)
{
    char machine[320];
    bench_machine(machine, sizeof machine);
    fprintf(out, "cdrl bench lstm: one thread, %.2f s per measurement; dropout on x and h\n",
            BENCH_LSTM_SECONDS);
    fprintf(out, "   B    T    C    H  dropout       fwd us  fwd+bwd us  ns/step  GFLOP/s  "
                 "dense us\n");
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const lstm_cell *c = &cells[i];
        bench_lstm_times t;
        int rc = bench_lstm_measure(c->B, c->T, c->C, c->H, c->concrete, &t, err);
        if (rc)
            return rc;
        double steps = (double)c->B * c->T;
        fprintf(out, "%4d %4d %4d %4d  %-8s %11.1f %11.1f %9.0f %8.2f %11.1f\n", c->B, c->T, c->C,
                c->H, c->concrete ? "concrete" : "none", t.forward * 1e6,
                t.forward_backward * 1e6, t.forward_backward * 1e9 / steps,
                t.flops / t.forward_backward * 1e-9, t.dense * 1e6);
    }
    fprintf(out, "ns/step: forward+backward per sequence step (B*T steps a call); dense us: a dense\n"
                 "layer with the same products (B*T rows, C+H -> 4H), forward+backward\n"
                 "machine: %s\n", machine);
    return 0;
}

const cli_command lstm_command = {
    "bench lstm",
    "cdrl bench lstm",
    "The LSTM layer's forward and forward+backward time on one thread, for a rollout\n"
    "step and training batches of sequences, beside a dense layer with the same matrix\n"
    "work. No options.",
    NULL, 0, NULL, NULL,
};

int bench_lstm(int argc, char **argv)
{
    int status = cli_parse(&lstm_command, argc, argv, NULL);
    if (status)
        return status == CLI_HELP_SHOWN ? CLI_EXIT_OK : status;
    cdrl_error err;
    if (bench_lstm_run(stdout, &err))
        return cli_report("bench lstm", &err);
    return CLI_EXIT_OK;
}
