// One instantiation of CK_TEMPLATE with the macros Instantiate.h has just defined, which it then
// clears for the next instruction set. Included only by Instantiate.h, once per instruction set.
#include "VectorOps.h"
#include CK_TEMPLATE
#undef CK_NAME
#undef CK_FMA
#undef CK_HALF
#undef CK_HALF16
#undef CK_TILE_OUT
#undef CK_TILE_ROWS
#undef CK_DIRECT_ROWS
#undef CK_NIBBLE_LOOKUP
