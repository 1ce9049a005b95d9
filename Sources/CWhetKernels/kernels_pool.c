// A small work-sharing pool for the forward pass. A decode step runs ~200
// matmuls of 20-500 us; waking a sleeping thread through a condition variable
// for each costs tens of us, so the worker spins (with pause) for a while after
// a job and only then sleeps.
//
// Chunks are claimed through atomics, so a descheduled worker (a busy 2-core
// machine) costs nothing: the caller takes every chunk itself. The main phase is
// split in two halves, one per thread, each taken in ascending order, and a thread
// whose half is done steals the other's chunks from its end: with one shared counter
// each thread's stream of weights would jump every chunk and defeat the prefetchers
// (about 40% slower batched matmuls).
#include "whet_kernels.h"
#include <immintrin.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#define SPIN_ITERATIONS 30000

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t caller_mu = PTHREAD_MUTEX_INITIALIZER;
// (generation << 32) | next unclaimed first-phase chunk.
static _Atomic uint64_t state;
// The main phase's halves: (generation << 32) | (lo << 16) | hi, the chunks
// [lo, hi) not yet claimed; the owner takes lo, a thief hi - 1.
static _Atomic uint64_t half[2];
static atomic_int done_chunks;
static whet_task_fn job_fn;
static void *job_ctx;
static int job_chunks;
static int job_first;  // chunks [0, job_first) finish before any later chunk starts

#define HALF(gen, lo, hi) (((uint64_t)(gen) << 32) | ((uint64_t)(lo) << 16) | (uint64_t)(hi))

// Claims a chunk of half `h` for generation `gen`: its lowest (`own`) or its
// highest. -1 when that half is empty or belongs to another job.
static int claim(int h, uint32_t gen, int own) {
    uint64_t s = atomic_load_explicit(&half[h], memory_order_acquire);
    for (;;) {
        const int lo = (int)((s >> 16) & 0xFFFF), hi = (int)(s & 0xFFFF);
        if ((uint32_t)(s >> 32) != gen || lo >= hi) return -1;
        const uint64_t next = own ? HALF(gen, lo + 1, hi) : HALF(gen, lo, hi - 1);
        if (atomic_compare_exchange_weak_explicit(&half[h], &s, next, memory_order_acq_rel, memory_order_acquire))
            return own ? lo : hi - 1;
    }
}

// Claims and runs chunks of the job of generation `gen` until none is left.
static void work(uint32_t gen, int thread) {
    // The first phase: one shared counter.
    for (;;) {
        uint64_t s = atomic_load_explicit(&state, memory_order_acquire);
        if ((uint32_t)(s >> 32) != gen) return;
        int chunk = (int)(uint32_t)s;
        whet_task_fn fn = job_fn;
        void *ctx = job_ctx;
        int n = job_chunks;
        if (chunk >= job_first) break;
        if (!atomic_compare_exchange_weak_explicit(&state, &s, s + 1, memory_order_acq_rel, memory_order_acquire))
            continue;
        fn(ctx, chunk, n, thread);
        atomic_fetch_add_explicit(&done_chunks, 1, memory_order_acq_rel);
    }
    // Job fields read after a successful claim belong to `gen`: the job cannot
    // finish, and the fields cannot change, while one of its chunks is unclaimed.
    for (;;) {
        int chunk = claim(thread, gen, 1);
        if (chunk < 0) chunk = claim(1 - thread, gen, 0);
        if (chunk < 0) return;
        whet_task_fn fn = job_fn;
        void *ctx = job_ctx;
        const int n = job_chunks, first = job_first;
        // The other thread may still run a first-phase chunk (it claimed it, so it is
        // running it): wait for it rather than read half-written data.
        while (atomic_load_explicit(&done_chunks, memory_order_acquire) < first) _mm_pause();
        fn(ctx, chunk, n, thread);
        atomic_fetch_add_explicit(&done_chunks, 1, memory_order_acq_rel);
    }
}

static void *worker_main(void *arg) {
    (void)arg;
    uint32_t seen = 0;
    for (;;) {
        uint32_t gen;
        for (int i = 0;; i++) {
            gen = (uint32_t)(atomic_load_explicit(&state, memory_order_acquire) >> 32);
            if (gen != seen) break;
            if (i < SPIN_ITERATIONS) {
                _mm_pause();
            } else {
                pthread_mutex_lock(&sleep_mu);
                while ((uint32_t)(atomic_load(&state) >> 32) == seen) pthread_cond_wait(&sleep_cv, &sleep_mu);
                pthread_mutex_unlock(&sleep_mu);
                i = 0;
            }
        }
        seen = gen;
        work(gen, 1);
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

void whet_pool_run(whet_task_fn fn, void *ctx, int chunks) { whet_pool_run_phased(fn, ctx, 0, chunks); }

void whet_pool_run_phased(whet_task_fn fn, void *ctx, int first, int chunks) {
    if (first > chunks) first = chunks;
    if (chunks > 0xFFFF) {  // beyond the halves' 16-bit bounds; no caller comes near
        for (int c = 0; c < chunks; c++) fn(ctx, c, chunks, 0);
        return;
    }
    pthread_once(&once, start_worker);
    pthread_mutex_lock(&caller_mu);
    // Close the finished job's counter before touching the job fields: a worker that
    // loaded the old state when every chunk was claimed could otherwise read the new,
    // larger chunk count, win its compare-exchange on the old state and run (and
    // count) a chunk of a job that does not exist yet. Seen as a hang: done_chunks
    // overshooting a 17-chunk job by one after a 4-chunk job.
    const uint64_t closed = (atomic_load(&state) & 0xFFFFFFFF00000000ull) | 0x7FFFFFFFull;
    atomic_store_explicit(&state, closed, memory_order_seq_cst);
    atomic_thread_fence(memory_order_seq_cst);
    job_fn = fn;
    job_ctx = ctx;
    job_chunks = chunks;
    job_first = first;
    atomic_store_explicit(&done_chunks, 0, memory_order_relaxed);
    uint32_t gen = (uint32_t)(closed >> 32) + 1;
    const int mid = first + (chunks - first + 1) / 2;
    atomic_store_explicit(&half[0], HALF(gen, first, mid), memory_order_release);
    atomic_store_explicit(&half[1], HALF(gen, mid, chunks), memory_order_release);
    atomic_store_explicit(&state, (uint64_t)gen << 32, memory_order_release);
    pthread_mutex_lock(&sleep_mu);
    pthread_cond_signal(&sleep_cv);
    pthread_mutex_unlock(&sleep_mu);
    work(gen, 0);
    for (int i = 0; atomic_load_explicit(&done_chunks, memory_order_acquire) != chunks; i++) {
        if (i < SPIN_ITERATIONS) _mm_pause(); else sched_yield();
    }
    pthread_mutex_unlock(&caller_mu);
}
