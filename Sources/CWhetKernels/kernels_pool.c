// A two-thread pool for the decode step. A token runs ~200 matmuls of 50-500 us;
// waking a sleeping thread through a condition variable costs tens of us each,
// so the worker spins (with pause) for a while after each job and only then
// sleeps. Measured: DispatchQueue.concurrentPerform per matmul cost ~15% of a
// decode step; this pool costs well under 1%.
#include "whet_kernels.h"
#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>

#define SPIN_ITERATIONS 200000

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t caller_mu = PTHREAD_MUTEX_INITIALIZER;
static atomic_int generation;
static atomic_int finished;
static whet_task_fn job_fn;
static void *job_ctx;

static void *worker_main(void *arg) {
    (void)arg;
    int seen = 0;
    for (;;) {
        int g;
        for (int i = 0;; i++) {
            g = atomic_load_explicit(&generation, memory_order_acquire);
            if (g != seen) break;
            if (i < SPIN_ITERATIONS) {
                _mm_pause();
            } else {
                pthread_mutex_lock(&sleep_mu);
                while (atomic_load(&generation) == seen) pthread_cond_wait(&sleep_cv, &sleep_mu);
                pthread_mutex_unlock(&sleep_mu);
                i = 0;
            }
        }
        seen = g;
        job_fn(job_ctx, 1, 2);
        atomic_store_explicit(&finished, g, memory_order_release);
    }
    return 0;
}

static void start_worker(void) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_create(&t, &attr, worker_main, 0);
    pthread_attr_destroy(&attr);
}

int whet_pool_threads(void) { return 2; }

void whet_pool_run(whet_task_fn fn, void *ctx) {
    pthread_once(&once, start_worker);
    pthread_mutex_lock(&caller_mu);
    job_fn = fn;
    job_ctx = ctx;
    int g = atomic_fetch_add_explicit(&generation, 1, memory_order_acq_rel) + 1;
    pthread_mutex_lock(&sleep_mu);
    pthread_cond_signal(&sleep_cv);
    pthread_mutex_unlock(&sleep_mu);
    fn(ctx, 0, 2);
    while (atomic_load_explicit(&finished, memory_order_acquire) != g) _mm_pause();
    pthread_mutex_unlock(&caller_mu);
}
