/* The model-based agent's replay buffer: all real transitions, growing by
 * doubling, with a fixed held-out slice (see replay_buffer.h). */
#include "replay_buffer.h"

#include <stdlib.h>
#include <string.h>

int cdrl_replay_buffer_init(cdrl_replay_buffer *buf, int obs_dim, int action_dim, int val_every,
                            cdrl_error *err)
{
    memset(buf, 0, sizeof *buf);
    if (obs_dim < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "replay buffer: obs_dim %d must be >= 1", obs_dim);
    if (action_dim < 1)
        return cdrl_errorf(err, CDRL_EINVAL, "replay buffer: action_dim %d must be >= 1", action_dim);
    if (val_every < 2)
        return cdrl_errorf(err, CDRL_EINVAL, "replay buffer: val_every %d must be >= 2", val_every);
    buf->obs_dim = obs_dim;
    buf->action_dim = action_dim;
    buf->val_every = val_every;
    return 0;
}

void cdrl_replay_buffer_free(cdrl_replay_buffer *buf)
{
    if (!buf)
        return;
    free(buf->obs);
    free(buf->action);
    free(buf->next_obs);
    free(buf->reward);
    free(buf->terminated);
    buf->obs = buf->action = buf->next_obs = buf->reward = NULL;
    buf->terminated = NULL;
    buf->size = buf->capacity = 0;
}

/* realloc that keeps the old block on failure. */
static int grow(void **p, size_t bytes)
{
    void *q = realloc(*p, bytes);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

int cdrl_replay_buffer_reserve(cdrl_replay_buffer *buf, int64_t rows, cdrl_error *err)
{
    if (rows <= buf->capacity)
        return 0;
    int64_t cap = buf->capacity ? buf->capacity : 1024;
    while (cap < rows)
        cap *= 2;
    size_t n = (size_t)cap;
    if (grow((void **)&buf->obs, n * buf->obs_dim * sizeof(float)) ||
        grow((void **)&buf->next_obs, n * buf->obs_dim * sizeof(float)) ||
        grow((void **)&buf->action, n * buf->action_dim * sizeof(float)) ||
        grow((void **)&buf->reward, n * sizeof(float)) ||
        grow((void **)&buf->terminated, n * sizeof(uint8_t)))
        return cdrl_errorf(err, CDRL_ENOMEM, "replay buffer: cannot grow to %lld transitions",
                           (long long)cap);
    buf->capacity = cap;
    return 0;
}

int cdrl_replay_buffer_push(cdrl_replay_buffer *buf, const double *obs, const double *action,
                            const double *next_obs, double reward, int terminated,
                            cdrl_error *err)
{
    if (cdrl_replay_buffer_reserve(buf, buf->size + 1, err))
        return err ? err->code : CDRL_ENOMEM;
    size_t i = (size_t)buf->size;
    for (int d = 0; d < buf->obs_dim; d++) {
        buf->obs[i * buf->obs_dim + d] = (float)obs[d];
        buf->next_obs[i * buf->obs_dim + d] = (float)next_obs[d];
    }
    for (int d = 0; d < buf->action_dim; d++)
        buf->action[i * buf->action_dim + d] = (float)action[d];
    buf->reward[i] = (float)reward;
    buf->terminated[i] = terminated != 0;
    buf->size++;
    return 0;
}

int cdrl_replay_buffer_is_val(const cdrl_replay_buffer *buf, int64_t i)
{
    return i % buf->val_every == buf->val_every - 1;
}

int64_t cdrl_replay_buffer_val_count(const cdrl_replay_buffer *buf)
{
    return buf->size / buf->val_every;
}

int64_t cdrl_replay_buffer_train_count(const cdrl_replay_buffer *buf)
{
    return buf->size - cdrl_replay_buffer_val_count(buf);
}

int64_t cdrl_replay_buffer_train_index(const cdrl_replay_buffer *buf, int64_t j)
{
    int64_t per_block = buf->val_every - 1;
    return (j / per_block) * buf->val_every + j % per_block;
}

int64_t cdrl_replay_buffer_val_index(const cdrl_replay_buffer *buf, int64_t j)
{
    return j * buf->val_every + buf->val_every - 1;
}
