#include "whet_kernels.h"
int whet_kernels_version(void) { return 1; }
