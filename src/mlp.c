/* The MLP: a trunk of dense layers and linear heads on its last hidden layer,
 * each layer with dropout on its input. Parameters and gradients are two flat
 * arrays; every per-batch value the backward pass needs is kept by the forward
 * pass in the layer's named buffers (mlp.h lists them). */
#include "cdrl/mlp.h"

#include "cdrl/dense.h"
#include "cdrl/init.h"
#include "matmul.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

cdrl_mlp_spec cdrl_mlp_spec_default(void)
{
    cdrl_mlp_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.n_inputs = 1;
    spec.n_heads = 1;
    spec.head_size[0] = 1;
    spec.activation = CDRL_ACT_RELU;
    spec.dropout.kind = CDRL_DROPOUT_NONE;
    return spec;
}

static int check_spec(const cdrl_mlp_spec *s, cdrl_error *err)
{
    if (s->n_inputs < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: n_inputs %d must be >= 1", s->n_inputs);
    if (s->n_hidden < 0 || s->n_hidden > CDRL_MLP_MAX_HIDDEN)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: n_hidden %d outside [0, %d]", s->n_hidden,
                           CDRL_MLP_MAX_HIDDEN);
    for (int i = 0; i < s->n_hidden; i++)
        if (s->hidden[i] < 1)
            return cdrl_errorf(err, CDRL_EINVAL, "mlp: hidden[%d] = %d must be >= 1", i,
                               s->hidden[i]);
    if (s->n_heads < 1 || s->n_heads > CDRL_MLP_MAX_HEADS)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: n_heads %d outside [1, %d]", s->n_heads,
                           CDRL_MLP_MAX_HEADS);
    for (int h = 0; h < s->n_heads; h++)
        if (s->head_size[h] < 1)
            return cdrl_errorf(err, CDRL_EINVAL, "mlp: head_size[%d] = %d must be >= 1", h,
                               s->head_size[h]);
    if ((int)s->init < 0 || s->init > CDRL_INIT_HE)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: unknown init scheme %d", (int)s->init);
    if ((int)s->activation < 0 || s->activation > CDRL_ACT_SELU)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: unknown activation %d", (int)s->activation);
    switch (s->dropout.kind) {
    case CDRL_DROPOUT_NONE: break;
    case CDRL_DROPOUT_FIXED:
        if (!(s->dropout.p >= 0.0f && s->dropout.p < 1.0f))
            return cdrl_errorf(err, CDRL_EINVAL, "mlp: fixed dropout p %g outside [0, 1)",
                               s->dropout.p);
        break;
    case CDRL_DROPOUT_CONCRETE:
        if (!(s->dropout.p > 0.0f && s->dropout.p < 1.0f))
            return cdrl_errorf(err, CDRL_EINVAL, "mlp: concrete dropout initial p %g outside (0, 1)",
                               s->dropout.p);
        break;
    default: return cdrl_errorf(err, CDRL_EINVAL, "mlp: unknown dropout kind %d", (int)s->dropout.kind);
    }
    return 0;
}

/* Lays out the layers' shapes and counts parameters; pointers come later. */
static void plan_layers(cdrl_mlp *net)
{
    const cdrl_mlp_spec *s = &net->spec;
    net->n_layers = s->n_hidden + s->n_heads;
    net->n_params = 0;
    int width = s->n_inputs;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        int is_head = i >= s->n_hidden;
        L->source = is_head ? s->n_hidden - 1 : i - 1;
        L->n_in = is_head ? (s->n_hidden ? s->hidden[s->n_hidden - 1] : s->n_inputs) : width;
        L->n_out = is_head ? s->head_size[i - s->n_hidden] : s->hidden[i];
        L->activation = is_head ? CDRL_ACT_IDENTITY : s->activation;
        L->dropout = L->source < 0 && !s->dropout_on_input ? CDRL_DROPOUT_NONE : s->dropout.kind;
        L->fixed_p = L->dropout == CDRL_DROPOUT_FIXED ? s->dropout.p : 0.0f;
        net->n_params += (size_t)L->n_out * L->n_in + L->n_out
                         + (L->dropout == CDRL_DROPOUT_CONCRETE);
        if (!is_head)
            width = L->n_out;
    }
    net->n_outputs = 0;
    for (int h = 0; h < s->n_heads; h++) {
        net->head_offset[h] = net->n_outputs;
        net->n_outputs += s->head_size[h];
    }
}

static void point_into_arrays(cdrl_mlp *net)
{
    size_t at = 0;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        size_t nw = (size_t)L->n_out * L->n_in;
        L->weight = net->params + at, L->dweight = net->grads + at, at += nw;
        L->bias = net->params + at, L->dbias = net->grads + at, at += L->n_out;
        L->p_logit = L->dp_logit = NULL;
        if (L->dropout == CDRL_DROPOUT_CONCRETE)
            L->p_logit = net->params + at, L->dp_logit = net->grads + at, at += 1;
    }
}

/* AUTO matches the scheme to the activation that follows the kernel. */
static void init_kernel(cdrl_mlp_layer *L, cdrl_init_scheme scheme, cdrl_rng *rng)
{
    size_t nw = (size_t)L->n_out * L->n_in;
    if (scheme == CDRL_INIT_AUTO && L->activation == CDRL_ACT_SELU)
        cdrl_init_lecun_normal(L->weight, nw, L->n_in, rng);
    else if (scheme == CDRL_INIT_HE || (scheme == CDRL_INIT_AUTO && L->activation == CDRL_ACT_RELU))
        cdrl_init_he_normal(L->weight, nw, L->n_in, rng);
    else
        cdrl_init_glorot_uniform(L->weight, nw, L->n_in, L->n_out, rng);
}

static void initialise(cdrl_mlp *net)
{
    cdrl_rng init;
    cdrl_rng_seed(&init, net->spec.seed, 0);
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        init_kernel(L, net->spec.init, &init);
        memset(L->bias, 0, sizeof(float) * L->n_out);
        if (L->p_logit)
            *L->p_logit = cdrl_logit(net->spec.dropout.p);
        cdrl_rng_seed(&L->rng, net->spec.seed, 1 + (uint64_t)i);
    }
}

int cdrl_mlp_create(const cdrl_mlp_spec *spec, cdrl_mlp **out, cdrl_error *err)
{
    *out = NULL;
    int rc = check_spec(spec, err);
    if (rc)
        return rc;
    /* Small matrices: threads cost more than they give, and one thread sums in
     * a fixed order, so results are bit-identical run to run. */
    openblas_set_num_threads(1);
    cdrl_mlp *net = calloc(1, sizeof *net);
    if (!net)
        return cdrl_errorf(err, CDRL_ENOMEM, "mlp: cannot allocate the network");
    net->spec = *spec;
    plan_layers(net);
    net->params = calloc(net->n_params, sizeof(float));
    net->grads = calloc(net->n_params, sizeof(float));
    if (!net->params || !net->grads) {
        cdrl_mlp_free(net);
        return cdrl_errorf(err, CDRL_ENOMEM, "mlp: cannot allocate %zu parameters", net->n_params);
    }
    point_into_arrays(net);
    initialise(net);
    net->last_mode = CDRL_MODE_EVAL;
    *out = net;
    return 0;
}

/* The per-batch buffers of a layer with their row widths, so one loop can grow
 * or free them: those the forward pass fills, and the backward pass's scratch,
 * which is only allocated once a backward pass needs it (an MC evaluation of
 * many rows should not pay for gradient buffers it never uses). */
#define FORWARD_BUFFERS(L, X)                                                                  \
    X(L->noise, L->n_in) X(L->mask, L->n_in) X(L->dropped, L->n_in) X(L->pre, L->n_out)        \
    X(L->act, L->n_out)
#define BACKWARD_BUFFERS(L, X) X(L->dact, L->n_out) X(L->dpre, L->n_out) X(L->ddropped, L->n_in)

void cdrl_mlp_free(cdrl_mlp *net)
{
    if (!net)
        return;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
#define FREE_BUFFER(buf, width) free(buf);
        FORWARD_BUFFERS(L, FREE_BUFFER)
        BACKWARD_BUFFERS(L, FREE_BUFFER)
#undef FREE_BUFFER
        free(L->frozen_noise);
    }
    free(net->input);
    free(net->out);
    free(net->params);
    free(net->grads);
    free(net);
}

/* realloc that keeps the first rows and zeroes the new ones. */
static int grow(float **buf, int old_rows, int rows, int width)
{
    float *p = realloc(*buf, sizeof(float) * (size_t)rows * width);
    if (!p)
        return -1;
    memset(p + (size_t)old_rows * width, 0, sizeof(float) * (size_t)(rows - old_rows) * width);
    *buf = p;
    return 0;
}

int cdrl_mlp_reserve(cdrl_mlp *net, int B, cdrl_error *err)
{
    if (B <= net->capacity)
        return 0;
    int old = net->capacity, fail = 0;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
#define GROW_BUFFER(buf, width) fail |= grow(&(buf), old, B, width);
        FORWARD_BUFFERS(L, GROW_BUFFER)
    }
    fail |= grow(&net->input, old, B, net->spec.n_inputs);
    fail |= grow(&net->out, old, B, net->n_outputs);
    if (fail) /* some buffers grew, some did not: keep the old capacity, all still valid for it */
        return cdrl_errorf(err, CDRL_ENOMEM, "mlp: cannot allocate buffers for %d rows", B);
    net->capacity = B;
    return 0;
}

static int reserve_backward(cdrl_mlp *net, int B, cdrl_error *err)
{
    if (B <= net->grad_capacity)
        return 0;
    int old = net->grad_capacity, fail = 0;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        BACKWARD_BUFFERS(L, GROW_BUFFER)
    }
#undef GROW_BUFFER
    if (fail)
        return cdrl_errorf(err, CDRL_ENOMEM, "mlp: cannot allocate gradient buffers for %d rows", B);
    net->grad_capacity = B;
    return 0;
}

static const float *layer_input(const cdrl_mlp *net, const cdrl_mlp_layer *L)
{
    return L->source < 0 ? net->input : net->layers[L->source].act;
}

/* The uniforms this forward's dropout uses: frozen per-particle rows in MC
 * mode when frozen, the held buffer in hold_noise mode, else fresh draws. */
static void fill_noise(cdrl_mlp *net, cdrl_mlp_layer *L, int B, cdrl_mode mode)
{
    int K = L->n_in;
    if (mode == CDRL_MODE_MC && net->frozen_particles > 0) {
        int rows_per_particle = B / net->frozen_particles;
        for (int r = 0; r < B; r++)
            memcpy(L->noise + (size_t)r * K, L->frozen_noise + (size_t)(r / rows_per_particle) * K,
                   sizeof(float) * K);
        return;
    }
    if (net->hold_noise)
        return;
    cdrl_rng_fill_uniform_f(&L->rng, L->noise, (size_t)B * K);
}

static int dropout_active(const cdrl_mlp_layer *L, cdrl_mode mode)
{
    return L->dropout != CDRL_DROPOUT_NONE && mode != CDRL_MODE_EVAL;
}

/* What the layer's product read: the input after dropout, or the input
 * itself where no dropout ran (not copied). */
static const float *product_input(const cdrl_mlp *net, const cdrl_mlp_layer *L, cdrl_mode mode)
{
    return dropout_active(L, mode) ? L->dropped : layer_input(net, L);
}

const float *cdrl_mlp_forward(cdrl_mlp *net, const float *inp, int B, cdrl_mode mode,
                              cdrl_error *err)
{
    if (B < 1) {
        cdrl_errorf(err, CDRL_EINVAL, "mlp forward: batch %d must be >= 1", B);
        return NULL;
    }
    if (mode == CDRL_MODE_MC && net->frozen_particles > 0 && B % net->frozen_particles != 0) {
        cdrl_errorf(err, CDRL_EINVAL,
                    "mlp forward: batch %d is not a multiple of the %d frozen particles", B,
                    net->frozen_particles);
        return NULL;
    }
    if (cdrl_mlp_reserve(net, B, err))
        return NULL;
    memcpy(net->input, inp, sizeof(float) * (size_t)B * net->spec.n_inputs);
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        const float *in = layer_input(net, L);
        int n = B * L->n_in;
        if (dropout_active(L, mode)) {
            fill_noise(net, L, B, mode);
            if (L->dropout == CDRL_DROPOUT_CONCRETE)
                cdrl_concrete_dropout_forward(L->dropped, L->mask, in, L->noise, *L->p_logit, n);
            else
                cdrl_fixed_dropout_forward(L->dropped, L->mask, in, L->noise, L->fixed_p, n);
        }
        cdrl_dense_forward(L->pre, product_input(net, L, mode), L->weight, L->bias, B, L->n_in,
                           L->n_out);
        cdrl_activation_forward(L->act, L->pre, B * L->n_out, L->activation);
    }
    for (int h = 0; h < net->spec.n_heads; h++) {
        const cdrl_mlp_layer *L = &net->layers[net->spec.n_hidden + h];
        for (int b = 0; b < B; b++)
            memcpy(net->out + (size_t)b * net->n_outputs + net->head_offset[h],
                   L->act + (size_t)b * L->n_out, sizeof(float) * L->n_out);
    }
    net->batch = B;
    net->last_mode = mode;
    return net->out;
}

int cdrl_mlp_backward(cdrl_mlp *net, const float *dout, float *dinp, cdrl_error *err)
{
    // dout (B, n_outputs), dinp (B, n_inputs)
    int B = net->batch;
    if (B == 0)
        return cdrl_errorf(err, CDRL_ESTATE, "mlp backward: no forward pass to differentiate");
    int rc = reserve_backward(net, B, err);
    if (rc)
        return rc;
    for (int h = 0; h < net->spec.n_heads; h++) {
        cdrl_mlp_layer *L = &net->layers[net->spec.n_hidden + h];
        for (int b = 0; b < B; b++)
            memcpy(L->dact + (size_t)b * L->n_out,
                   dout + (size_t)b * net->n_outputs + net->head_offset[h], sizeof(float) * L->n_out);
    }
    /* Every consumer of a layer comes after it, so walking backwards has each
     * layer's dact complete before it is used. A hidden layer's dact is
     * written by its first consumer in this walk (0 + its gradient) and added
     * to by the rest: the bits of zeroing it first, one pass fewer. */
    int written[sizeof net->layers / sizeof net->layers[0]] = {0};
    for (int i = net->n_layers - 1; i >= 0; i--) {
        cdrl_mlp_layer *L = &net->layers[i];
        int n_out = B * L->n_out, n_in = B * L->n_in;
        if (i < net->spec.n_hidden && !written[i]) /* a layer nothing consumes (none today) */
            memset(L->dact, 0, sizeof(float) * n_out);
        cdrl_activation_backward_set(L->dpre, L->dact, L->pre, L->act, n_out, L->activation);
        float *dsource = L->source < 0 ? dinp : net->layers[L->source].dact;
        int first = L->source >= 0 && !written[L->source], active = dropout_active(L, net->last_mode);
        if (L->source >= 0)
            written[L->source] = 1;
        if (first && !active) { /* straight into the source's dact: a chain from +0 */
            cdrl_dense_backward_set(dsource, L->dweight, L->dbias, L->dpre,
                                    product_input(net, L, net->last_mode), L->weight, B, L->n_in,
                                    L->n_out);
            continue;
        }
        /* The gradient of the layer's input only where something reads it:
         * not for the first layer of a caller that wants no dinp. */
        int concrete = active && L->dropout == CDRL_DROPOUT_CONCRETE;
        float *ddropped = dsource || concrete ? L->ddropped : NULL;
        cdrl_dense_backward_set(ddropped, L->dweight, L->dbias, L->dpre,
                                product_input(net, L, net->last_mode), L->weight, B, L->n_in,
                                L->n_out);
        if (!active) {
            if (dsource)
                cdrl_add_rows(dsource, L->ddropped, 1, n_in);
        } else if (concrete) {
            (first ? cdrl_concrete_dropout_backward_set : cdrl_concrete_dropout_backward)(
                dsource, L->dp_logit, L->ddropped, layer_input(net, L), L->mask, *L->p_logit, n_in);
        } else if (dsource) {
            if (first)
                memset(dsource, 0, sizeof(float) * n_in);
            cdrl_fixed_dropout_backward(dsource, L->ddropped, L->mask, n_in);
        }
    }
    return 0;
}

void cdrl_mlp_zero_grad(cdrl_mlp *net)
{
    memset(net->grads, 0, sizeof(float) * net->n_params);
}

void cdrl_mlp_set_regularizer(cdrl_mlp *net, float weight_reg, float dropout_reg)
{
    net->weight_reg = weight_reg;
    net->dropout_reg = dropout_reg;
}

void cdrl_mlp_set_data_size(cdrl_mlp *net, double length_scale, double tau, double n_data,
                            int cross_entropy)
{
    float wr, dr;
    cdrl_concrete_coefficients(length_scale, tau, n_data, cross_entropy, &wr, &dr);
    cdrl_mlp_set_regularizer(net, wr, dr);
}

float cdrl_mlp_regularizer(cdrl_mlp *net)
{
    double total = 0.0;
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        if (L->dropout == CDRL_DROPOUT_CONCRETE)
            total += cdrl_concrete_regularizer(L->dweight, L->dp_logit, L->weight,
                                               L->n_out * L->n_in, L->n_in, *L->p_logit,
                                               net->weight_reg, net->dropout_reg);
    }
    return (float)total;
}

float cdrl_mlp_dropout_p(const cdrl_mlp *net, int layer)
{
    if (layer < 0 || layer >= net->n_layers)
        return 0.0f;
    const cdrl_mlp_layer *L = &net->layers[layer];
    switch (L->dropout) {
    case CDRL_DROPOUT_CONCRETE: return cdrl_sigmoid(*L->p_logit);
    case CDRL_DROPOUT_FIXED: return L->fixed_p;
    default: return 0.0f;
    }
}

int cdrl_mlp_freeze_masks(cdrl_mlp *net, int P, cdrl_error *err)
{
    if (P < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp: particle count %d must be >= 1", P);
    cdrl_mlp_unfreeze_masks(net);
    for (int i = 0; i < net->n_layers; i++) {
        cdrl_mlp_layer *L = &net->layers[i];
        if (L->dropout == CDRL_DROPOUT_NONE)
            continue;
        size_t n = (size_t)P * L->n_in;
        L->frozen_noise = malloc(sizeof(float) * n);
        if (!L->frozen_noise) {
            cdrl_mlp_unfreeze_masks(net);
            return cdrl_errorf(err, CDRL_ENOMEM, "mlp: cannot allocate masks for %d particles", P);
        }
        cdrl_rng_fill_uniform_f(&L->rng, L->frozen_noise, n);
    }
    net->frozen_particles = P;
    return 0;
}

void cdrl_mlp_unfreeze_masks(cdrl_mlp *net)
{
    for (int i = 0; i < net->n_layers; i++) {
        free(net->layers[i].frozen_noise);
        net->layers[i].frozen_noise = NULL;
    }
    net->frozen_particles = 0;
}

int cdrl_mlp_copy_params(cdrl_mlp *dst, const cdrl_mlp *src, cdrl_error *err)
{
    int same = dst->n_params == src->n_params && dst->n_layers == src->n_layers;
    for (int i = 0; same && i < src->n_layers; i++)
        same = dst->layers[i].n_in == src->layers[i].n_in
               && dst->layers[i].n_out == src->layers[i].n_out
               && dst->layers[i].dropout == src->layers[i].dropout;
    if (!same)
        return cdrl_errorf(err, CDRL_EINVAL, "mlp copy: shapes differ (%zu parameters into a network of %zu)",
                           src->n_params, dst->n_params);
    memcpy(dst->params, src->params, sizeof(float) * src->n_params);
    return 0;
}
