// Greedy token choice over a vocabulary-sized logit row, once per sequence per
// decode step. The scalar Swift scan took ~1% of a batched step; this gives the
// same answer: the first index holding the maximum, NaNs never chosen unless x[0]
// is NaN (then 0, as a strict `>` scan starting from x[0] returns).
#include "whet_kernels.h"
#include <immintrin.h>
#include <math.h>

#define SELECT_ATTR __attribute__((target("avx2,avx512f")))

SELECT_ATTR static int argmax512(const float *x, int n) {
    __m512 m = _mm512_set1_ps(x[0]);
    int i = 0;
    // max_ps returns its second operand when either is NaN, so NaNs never win.
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(_mm512_loadu_ps(x + i), m);
    float best = _mm512_reduce_max_ps(m);
    for (; i < n; i++) best = x[i] > best ? x[i] : best;
    const __m512 target = _mm512_set1_ps(best);
    for (i = 0; i + 16 <= n; i += 16) {
        __mmask16 eq = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), target, _CMP_EQ_OQ);
        if (eq) return i + __builtin_ctz(eq);
    }
    for (; i < n; i++)
        if (x[i] == best) return i;
    return 0;
}

int whet_argmax_f32(const float *x, int n) {
    static int has_avx512 = -1;
    if (has_avx512 < 0) {
        __builtin_cpu_init();
        has_avx512 = __builtin_cpu_supports("avx512f");
    }
    if (n <= 0 || isnan(x[0])) return 0;
    if (has_avx512) return argmax512(x, n);
    int best = 0;
    for (int i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}
