#pragma once
#include <stddef.h>
#include <stdint.h>
// Placeholder: quantised dot-product kernels live here (see kernels.c for why C).
int whet_kernels_version(void);
