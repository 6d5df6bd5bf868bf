/* A fixed set of threads that run one task together (see worker_pool.h).
 *
 * Hand-off by mutex and condition variables rather than spinning: the
 * machines this runs on are often shared, and a spinning worker steals the
 * core the other slices need. */
#include "worker_pool.h"

#include <pthread.h>
#include <stdlib.h>

struct worker_pool {
    int n_workers;
    pthread_t *threads;
    int started;                /* threads actually running */
    pthread_mutex_t lock;
    pthread_cond_t work_ready;  /* generation advanced or quitting */
    pthread_cond_t work_done;   /* pending reached 0 */
    unsigned long generation;   /* one per worker_pool_run */
    int pending;                /* slices of this generation not yet done */
    int quit;
    worker_task task;
    void *context;
};

typedef struct {
    worker_pool *pool;
    int worker;
} worker_arg;

static void *worker_main(void *arg_)
{
    worker_arg *arg = arg_;
    worker_pool *pool = arg->pool;
    int worker = arg->worker;
    free(arg);
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        while (pool->generation == seen && !pool->quit)
            pthread_cond_wait(&pool->work_ready, &pool->lock);
        if (pool->quit)
            break;
        seen = pool->generation;
        worker_task task = pool->task;
        void *context = pool->context;
        pthread_mutex_unlock(&pool->lock);
        task(context, worker, pool->n_workers);
        pthread_mutex_lock(&pool->lock);
        if (--pool->pending == 0)
            pthread_cond_signal(&pool->work_done);
    }
    pthread_mutex_unlock(&pool->lock);
    return NULL;
}

int worker_pool_create(int n_workers, worker_pool **out, cdrl_error *err)
{
    *out = NULL;
    worker_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->threads = calloc((size_t)n_workers, sizeof *pool->threads))) {
        free(pool);
        return cdrl_errorf(err, CDRL_ENOMEM, "worker pool: out of memory for %d threads", n_workers);
    }
    pool->n_workers = n_workers;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->work_ready, NULL);
    pthread_cond_init(&pool->work_done, NULL);
    for (int w = 1; w < n_workers; w++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (!arg) {
            worker_pool_free(pool);
            return cdrl_errorf(err, CDRL_ENOMEM, "worker pool: out of memory starting thread %d", w);
        }
        arg->pool = pool;
        arg->worker = w;
        if (pthread_create(&pool->threads[w], NULL, worker_main, arg) != 0) {
            free(arg);
            worker_pool_free(pool);
            return cdrl_errorf(err, CDRL_EUNAVAIL, "worker pool: could not start thread %d of %d", w,
                               n_workers);
        }
        pool->started = w;
    }
    *out = pool;
    return 0;
}

void worker_pool_run(worker_pool *pool, worker_task task, void *context)
{
    pthread_mutex_lock(&pool->lock);
    pool->task = task;
    pool->context = context;
    pool->pending = pool->n_workers - 1;
    pool->generation++;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);

    task(context, 0, pool->n_workers);

    pthread_mutex_lock(&pool->lock);
    while (pool->pending > 0)
        pthread_cond_wait(&pool->work_done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}

int worker_pool_size(const worker_pool *pool) { return pool->n_workers; }

void worker_pool_free(worker_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);
    for (int w = 1; w <= pool->started; w++)
        pthread_join(pool->threads[w], NULL);
    pthread_cond_destroy(&pool->work_done);
    pthread_cond_destroy(&pool->work_ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->threads);
    free(pool);
}
