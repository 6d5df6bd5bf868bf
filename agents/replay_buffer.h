/* The replay buffer of a model-based agent: every real transition, kept.
 *
 * A model-based agent learns its dynamics from all the data it has, so the
 * buffer only grows (it doubles its storage when full) and never forgets.
 * Transitions are stored as floats, the model's precision. A fixed, data-
 * independent rule holds out a slice for validation: transition i is a
 * validation transition when i % val_every == val_every - 1, so a transition
 * never moves between the slices as the buffer grows, and the split needs no
 * generator.
 *
 * The buffer is plain data: the arrays below, `size` rows each, are what a
 * checkpoint writes. */
#ifndef CDRL_REPLAY_BUFFER_H
#define CDRL_REPLAY_BUFFER_H

#include <stdint.h>

#include "cdrl/error.h"

typedef struct {
    int obs_dim;        /* length of an observation, >= 1 */
    int action_dim;     /* floats per action: 1 for a discrete index */
    int val_every;      /* every val_every-th transition is held out, >= 2 */
    int64_t size;       /* transitions stored */
    int64_t capacity;   /* rows allocated */
    float *obs;         /* (capacity, obs_dim) */
    float *action;      /* (capacity, action_dim) */
    float *next_obs;    /* (capacity, obs_dim) */
    float *reward;      /* (capacity) */
    uint8_t *terminated;/* (capacity) */
} cdrl_replay_buffer;

/* Sets up an empty buffer. Returns 0, or CDRL_EINVAL naming the bad argument
 * (obs_dim or action_dim < 1, val_every < 2). Free with cdrl_replay_buffer_free. */
int cdrl_replay_buffer_init(cdrl_replay_buffer *buf, int obs_dim, int action_dim, int val_every,
                            cdrl_error *err);

/* Frees the arrays; the struct may be initialised again. NULL-safe. */
void cdrl_replay_buffer_free(cdrl_replay_buffer *buf);

/* Makes room for at least `rows` transitions (used before a checkpoint's
 * rows are read back). Returns 0 or CDRL_ENOMEM. */
int cdrl_replay_buffer_reserve(cdrl_replay_buffer *buf, int64_t rows, cdrl_error *err);

/* Appends one transition: obs and next_obs (obs_dim doubles, converted to
 * float), action (action_dim doubles). Returns 0 or CDRL_ENOMEM. */
int cdrl_replay_buffer_push(cdrl_replay_buffer *buf, const double *obs, const double *action,
                            const double *next_obs, double reward, int terminated,
                            cdrl_error *err);

/* 1 if transition i belongs to the validation slice, else 0. */
int cdrl_replay_buffer_is_val(const cdrl_replay_buffer *buf, int64_t i);

/* Number of training and of validation transitions among the `size` stored. */
int64_t cdrl_replay_buffer_train_count(const cdrl_replay_buffer *buf);
int64_t cdrl_replay_buffer_val_count(const cdrl_replay_buffer *buf);

/* Index in the buffer of the j-th training transition (0 <= j < train count),
 * and of the j-th validation transition (0 <= j < val count). */
int64_t cdrl_replay_buffer_train_index(const cdrl_replay_buffer *buf, int64_t j);
int64_t cdrl_replay_buffer_val_index(const cdrl_replay_buffer *buf, int64_t j);

#endif
