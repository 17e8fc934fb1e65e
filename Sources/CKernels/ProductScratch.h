// The products' reusable scratch buffers (BF16Gemm.c: A rounded to bf16; Int8Gemm.c: A's codes and
// scales). Each grows to its largest call and lives on between calls — training calls the products
// hundreds of times a step — and products from different threads take turns on it (the lock is held
// from `ck_scratch_acquire` to `ck_scratch_release`). For a 262k vocabulary the LM head's input
// gradient grows them to 64 MB (bf16) and 33 MB (int8); `ck_release_free_memory` frees both with
// `ck_scratch_free`, and the next product allocates again.
// Private to CKernels (not under include/).
#ifndef TOLLGATE_CKERNELS_PRODUCT_SCRATCH_H
#define TOLLGATE_CKERNELS_PRODUCT_SCRATCH_H

#include <pthread.h>
#include <stddef.h>

typedef struct {
    pthread_mutex_t lock;
    void *bytes;
    size_t capacity;   // bytes allocated at `bytes`
} ck_scratch;

#define CK_SCRATCH_INITIALIZER { PTHREAD_MUTEX_INITIALIZER, NULL, 0 }

// Locks the scratch and grows it to at least `need` bytes. Returns its memory, to be handed back with
// `ck_scratch_release`, or NULL (and the lock released) when it cannot grow.
__attribute__((visibility("hidden"))) void *ck_scratch_acquire(ck_scratch *scratch, size_t need);
__attribute__((visibility("hidden"))) void ck_scratch_release(ck_scratch *scratch);
// Frees the memory (waiting for a product that holds it); the next acquire allocates again.
__attribute__((visibility("hidden"))) void ck_scratch_free(ck_scratch *scratch);

// The two products' scratches (defined in ProductScratch.c).
__attribute__((visibility("hidden"))) extern ck_scratch ck_bf16_scratch;
__attribute__((visibility("hidden"))) extern ck_scratch ck_int8_scratch;

#endif
