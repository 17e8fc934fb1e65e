// Grow, hand back and free the products' scratch buffers (ProductScratch.h says why they exist).
#include "ProductScratch.h"

#include <stdlib.h>

ck_scratch ck_bf16_scratch = CK_SCRATCH_INITIALIZER;
ck_scratch ck_int8_scratch = CK_SCRATCH_INITIALIZER;

void *ck_scratch_acquire(ck_scratch *scratch, size_t need) {
    pthread_mutex_lock(&scratch->lock);
    if (need > scratch->capacity) {
        void *grown = realloc(scratch->bytes, need);
        if (!grown) {
            pthread_mutex_unlock(&scratch->lock);
            return NULL;
        }
        scratch->bytes = grown;
        scratch->capacity = need;
    }
    return scratch->bytes;
}

void ck_scratch_release(ck_scratch *scratch) { pthread_mutex_unlock(&scratch->lock); }

void ck_scratch_free(ck_scratch *scratch) {
    pthread_mutex_lock(&scratch->lock);
    free(scratch->bytes);
    scratch->bytes = NULL;
    scratch->capacity = 0;
    pthread_mutex_unlock(&scratch->lock);
}
