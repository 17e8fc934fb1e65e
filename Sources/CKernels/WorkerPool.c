// A small pool of worker threads for the kernels' parallel loops. Decode issues a parallel job every
// few microseconds (four per layer); waking a sleeping thread for each one costs more than the job
// itself on a virtual machine, so workers spin for a while before they sleep. One job runs at a
// time: a call made while another is running (from another thread, or from inside a job) runs
// serially on its caller.
#include "CKernels.h"
#include "ProductScratch.h"

#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define CK_RELAX() _mm_pause()
#else
#define CK_RELAX() ((void)0)
#endif

enum { CK_MAX_WORKERS = 63 };
#define CK_CLOSED 0xffffffffu
/// An idle worker spins on `pause` for this long (the gaps between a decode step's jobs are shorter),
/// then keeps polling with sched_yield, which lets other threads (OpenBLAS's, other processes') run,
/// until this long, then sleeps.
static const int64_t spinNanoseconds = 30 * 1000;
static const int64_t yieldNanoseconds = 300 * 1000;

static pthread_mutex_t callLock = PTHREAD_MUTEX_INITIALIZER;   // held by the running job's caller
static pthread_mutex_t sleepLock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wakeUp = PTHREAD_COND_INITIALIZER;
static int workers;                                              // started so far (under callLock)
static atomic_int sleepers;
static atomic_int parked;                                        // set by ck_pool_park, cleared by a job

// The job. Between jobs `ticket` is closed (index field all ones, never below a count); the next
// job's fields are written only then, and `ticket` publishes its generation after them. A worker
// that claims an index by CAS on `ticket` therefore read the fields of that same job: fields it
// read from a later job cannot pair with a claimable index of an earlier generation.
static void (*jobBody)(void *, int);
static void *jobContext;
static int jobCount;
static int jobWorkers;                                           // workers asked to help
static atomic_uint_fast64_t ticket = CK_CLOSED;                  // generation << 32 | next index
static atomic_int pending;                                       // indices not yet finished
static uint64_t generation;                                      // last published (under callLock)

static int64_t now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/// Claims and runs indices of job `g` until none is left or another job replaced it.
static void run(uint64_t g) {
    void (*body)(void *, int) = jobBody;
    void *context = jobContext;
    int count = jobCount;
    for (;;) {
        uint_fast64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if (t >> 32 != g || (t & 0xffffffffu) >= (uint_fast64_t)count) return;
        if (!atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel, memory_order_acquire)) continue;
        body(context, (int)(t & 0xffffffffu));
        atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
    }
}

static void *work(void *argument) {
    int id = (int)(intptr_t)argument;
    uint64_t seen = atomic_load(&ticket) >> 32;
    for (;;) {
        uint64_t g = atomic_load_explicit(&ticket, memory_order_acquire) >> 32;
        if (g == seen) {
            int64_t start = now(), elapsed = 0;
            for (int spins = 1; (g = atomic_load_explicit(&ticket, memory_order_acquire) >> 32) == seen; spins++) {
                if (elapsed < spinNanoseconds) CK_RELAX(); else sched_yield();
                if (spins % 64 == 0 || elapsed >= spinNanoseconds) elapsed = now() - start;
                if (elapsed > yieldNanoseconds || atomic_load_explicit(&parked, memory_order_relaxed)) {
                    pthread_mutex_lock(&sleepLock);
                    atomic_fetch_add(&sleepers, 1);
                    while ((g = atomic_load(&ticket) >> 32) == seen) pthread_cond_wait(&wakeUp, &sleepLock);
                    atomic_fetch_sub(&sleepers, 1);
                    pthread_mutex_unlock(&sleepLock);
                    break;
                }
            }
        }
        seen = g;
        if (id < jobWorkers) run(g);
    }
    return NULL;
}

void ck_parallel_for(int count, int threads, void (*body)(void *context, int index), void *context) {
    if (count <= 0) return;
    int helpers = threads - 1 < count - 1 ? threads - 1 : count - 1;
    if (helpers > CK_MAX_WORKERS) helpers = CK_MAX_WORKERS;
    if (helpers <= 0 || pthread_mutex_trylock(&callLock) != 0) {
        for (int i = 0; i < count; i++) body(context, i);
        return;
    }
    while (workers < helpers) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&thread, &attributes, work, (void *)(intptr_t)workers);
        pthread_attr_destroy(&attributes);
        if (failed) break;
        workers++;
    }
    jobBody = body;
    jobContext = context;
    jobCount = count;
    jobWorkers = helpers;
    atomic_store_explicit(&pending, count, memory_order_relaxed);
    atomic_store_explicit(&parked, 0, memory_order_relaxed);
    generation++;
    atomic_store(&ticket, (uint_fast64_t)generation << 32);   // publishes the fields above
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleepLock);
        pthread_cond_broadcast(&wakeUp);
        pthread_mutex_unlock(&sleepLock);
    }
    run(generation);
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) CK_RELAX();
    atomic_store(&ticket, (uint_fast64_t)generation << 32 | CK_CLOSED);
    pthread_mutex_unlock(&callLock);
}

void ck_pool_park(void) {
    if (!atomic_load_explicit(&parked, memory_order_relaxed)) atomic_store_explicit(&parked, 1, memory_order_relaxed);
}

void ck_release_free_memory(void) {
    ck_scratch_free(&ck_bf16_scratch);
    ck_scratch_free(&ck_int8_scratch);
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}
