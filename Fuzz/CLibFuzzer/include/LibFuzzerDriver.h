// libFuzzer's documented entry for programs with their own main (compiler-rt's FuzzerInterface.h).
// Only `make fuzz` links libFuzzer (libclang_rt.fuzzer_no_main); other builds never call this.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
