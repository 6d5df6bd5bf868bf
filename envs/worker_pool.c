/* A fixed set of threads that run one task together (see worker_pool.h).
 *
 * Hand-off: the caller publishes a task by advancing a generation counter;
 * workers watch it, spinning for a short while and then sleeping on a
 * condition variable. The short spin is what makes a pool pay at all for a
 * batched env step of tens of microseconds: a futex wake-up on a virtual
 * machine costs about as much as the slice it would hand over. Spinning is
 * bounded so that a pool between steps (while an agent computes) gives its
 * cores back within WORKER_SPIN_LIMIT polls. */
#include "worker_pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

/* Polls before sleeping: about 20-50 microseconds with a pause per poll. */
#define WORKER_SPIN_LIMIT 4000

struct worker_pool {
    int n_workers;
    pthread_t *threads;
    int started;                    /* threads actually running */
    pthread_mutex_t lock;
    pthread_cond_t work_ready;      /* generation advanced or quitting */
    pthread_cond_t work_done;       /* pending reached 0 */
    atomic_ulong generation;        /* one per worker_pool_run */
    atomic_int pending;             /* slices of this generation not yet done */
    atomic_int quit;
    worker_task task;               /* published by the release of generation */
    void *context;
};

typedef struct {
    worker_pool *pool;
    int worker;
} worker_arg;

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* Waits until the generation differs from `seen` or the pool quits. */
static unsigned long wait_for_work(worker_pool *pool, unsigned long seen)
{
    for (int spin = 0; spin < WORKER_SPIN_LIMIT; spin++) {
        unsigned long g = atomic_load_explicit(&pool->generation, memory_order_acquire);
        if (g != seen || atomic_load(&pool->quit))
            return g;
        cpu_relax();
    }
    pthread_mutex_lock(&pool->lock);
    unsigned long g;
    while ((g = atomic_load(&pool->generation)) == seen && !atomic_load(&pool->quit))
        pthread_cond_wait(&pool->work_ready, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
    return g;
}

static void *worker_main(void *arg_)
{
    worker_arg *arg = arg_;
    worker_pool *pool = arg->pool;
    int worker = arg->worker;
    free(arg);
    unsigned long seen = 0;
    for (;;) {
        seen = wait_for_work(pool, seen);
        if (atomic_load(&pool->quit))
            break;
        pool->task(pool->context, worker, pool->n_workers);
        if (atomic_fetch_sub(&pool->pending, 1) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->work_done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
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
    atomic_init(&pool->generation, 0);
    atomic_init(&pool->pending, 0);
    atomic_init(&pool->quit, 0);
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
    pool->task = task;
    pool->context = context;
    atomic_store(&pool->pending, pool->n_workers - 1);
    /* Broadcast under the lock so that a worker between its last poll and
     * its wait cannot miss the new generation. */
    pthread_mutex_lock(&pool->lock);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->work_ready);
    pthread_mutex_unlock(&pool->lock);

    task(context, 0, pool->n_workers);

    for (int spin = 0; spin < WORKER_SPIN_LIMIT && atomic_load(&pool->pending) > 0; spin++)
        cpu_relax();
    if (atomic_load(&pool->pending) > 0) {
        pthread_mutex_lock(&pool->lock);
        while (atomic_load(&pool->pending) > 0)
            pthread_cond_wait(&pool->work_done, &pool->lock);
        pthread_mutex_unlock(&pool->lock);
    }
}

int worker_pool_size(const worker_pool *pool) { return pool->n_workers; }

void worker_pool_free(worker_pool *pool)
{
    if (!pool)
        return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->quit, 1);
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
