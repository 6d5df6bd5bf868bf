/* Internal to envs/: a fixed set of threads that run one task together.
 *
 * Made for the batched env: a step is split into n_workers slices, the
 * calling thread runs slice 0 and waits for the others. Threads live as long
 * as the pool, so a step pays a wake-up, not a thread start. */
#ifndef CDRL_WORKER_POOL_H
#define CDRL_WORKER_POOL_H

#include "cdrl/error.h"

typedef struct worker_pool worker_pool;

/* The task: slice `worker` of `n_workers`. */
typedef void (*worker_task)(void *context, int worker, int n_workers);

/* Starts n_workers - 1 threads (n_workers >= 2). Returns 0 and sets *out, or
 * CDRL_ENOMEM / CDRL_EUNAVAIL with nothing left running. */
int worker_pool_create(int n_workers, worker_pool **out, cdrl_error *err);

/* Runs task on all workers and returns when every slice is done. */
void worker_pool_run(worker_pool *pool, worker_task task, void *context);

int worker_pool_size(const worker_pool *pool);

/* Stops and joins the threads; NULL is allowed. */
void worker_pool_free(worker_pool *pool);

#endif
