// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). The pthread build is the
// default alternative on Debian; its include dir comes from pkg-config "openblas".
#include <cblas.h>
// Thread control is not part of CBLAS proper.
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
