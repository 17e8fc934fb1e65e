// The declaration in include/LibFuzzerDriver.h is the whole module; SwiftPM needs one source file.
#include "LibFuzzerDriver.h"
