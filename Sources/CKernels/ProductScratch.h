// The products' reusable scratch buffers (BF16Gemm.c: A rounded to bf16; Int8Gemm.c: A's codes and
// scales). Each grows to its largest call and lives on between calls — training calls the products
// hundreds of times a step. For a 262k vocabulary the LM head's input gradient grows them to 64 MB
// (bf16) and 33 MB (int8). `ck_release_free_memory` frees both; the next product allocates again.
// Private to CKernels (not under include/).
#ifndef TOLLGATE_CKERNELS_PRODUCT_SCRATCH_H
#define TOLLGATE_CKERNELS_PRODUCT_SCRATCH_H

__attribute__((visibility("hidden"))) void ck_bf16_free_scratch(void);
__attribute__((visibility("hidden"))) void ck_int8_free_scratch(void);

#endif
