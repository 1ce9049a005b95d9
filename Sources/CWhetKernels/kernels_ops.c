// Small dense helpers: the residual add, RMSNorm (double accumulation as ggml's
// rms_norm), fp16 rounding and conversion (F16C, which Swift's SIMD types do not
// reach), and a row's log-sum-exp (scoring reads one per vocabulary row).
#include "whet_kernels.h"
#include <immintrin.h>
#include <math.h>

void whet_axpy_f32(float a, const float *x, float *y, int n) {
    __m256 va = _mm256_set1_ps(a);
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    for (; i < n; i++) y[i] += a * x[i];
}

// Up to 8 rows at once: the same sums (each row's double chain in element order),
// interleaved so the rows' add latencies overlap (one row's dependent chain of double
// adds is otherwise a visible share of a batched decode step).
void whet_rmsnorm_rows(const float *x, const float *w, float *y, int rows, int n, float eps) {
    for (int r0 = 0; r0 < rows; r0 += 8) {
        const int m = rows - r0 < 8 ? rows - r0 : 8;
        double ss[8] = {0};
        const float *xr = x + (size_t)r0 * n;
        if (m == 8) {
            for (int i = 0; i < n; i++)
                for (int r = 0; r < 8; r++) ss[r] += (double)(xr[(size_t)r * n + i] * xr[(size_t)r * n + i]);
        } else {
            for (int i = 0; i < n; i++)
                for (int r = 0; r < m; r++) ss[r] += (double)(xr[(size_t)r * n + i] * xr[(size_t)r * n + i]);
        }
        for (int r = 0; r < m; r++) {
            const float scale = 1.0f / sqrtf((float)(ss[r] / n) + eps);
            const float *xi = xr + (size_t)r * n;
            float *yi = y + (size_t)(r0 + r) * n;
            for (int i = 0; i < n; i++) yi[i] = xi[i] * scale * w[i];
        }
    }
}

void whet_rmsnorm(const float *x, const float *w, float *y, int n, float eps) {
    // Double accumulation as ggml's rms_norm does (ggml_float).
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)(x[i] * x[i]);
    float mean = (float)(ss / n);
    float scale = 1.0f / sqrtf(mean + eps);
    for (int i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
}

void whet_f16_to_f32(const uint16_t *src, float *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i))));
    for (; i < n; i++) dst[i] = _cvtsh_ss(src[i]);
}

void whet_round_f16(float *x, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(x + i, _mm256_cvtph_ps(h));
    }
    for (; i < n; i++) x[i] = _cvtsh_ss(_cvtss_sh(x[i], _MM_FROUND_TO_NEAREST_INT));
}

void whet_f32_to_f16(const float *src, uint16_t *dst, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) dst[i] = _cvtss_sh(src[i], _MM_FROUND_TO_NEAREST_INT);
}

void whet_f32_to_f16_blocked(const float *src, size_t src_stride, int count, int width, uint16_t *dst, int start,
                             size_t block_stride) {
    for (int i = 0; i < count; i++) {
        const int p = start + i;
        uint16_t *block = dst + (size_t)(p >> 4) * block_stride + (p & 15);
        for (int d = 0; d < width; d++)
            block[(size_t)d * 16] = _cvtss_sh(src[(size_t)i * src_stride + d], _MM_FROUND_TO_NEAREST_INT);
    }
}

// e^x for x <= 0 (Cody-Waite reduction by ln 2, Cephes' degree-5 polynomial, 2^n through
// the exponent bits); below -87 the result is 0, which a sum that includes e^0 cannot see.
static inline __attribute__((always_inline)) __m256 exp_nonpositive_8(__m256 x) {
    const __m256 floor_x = _mm256_set1_ps(-87.0f);
    const __m256 under = _mm256_cmp_ps(x, floor_x, _CMP_LT_OQ);
    x = _mm256_max_ps(x, floor_x);
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(under, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

double whet_log_sum_exp(const float *x, int n) {
    if (n <= 0) return -INFINITY;
    float m = x[0];
    int i = 0;
    if (n >= 8) {
        __m256 vm = _mm256_loadu_ps(x);
        for (i = 8; i + 8 <= n; i += 8) vm = _mm256_max_ps(vm, _mm256_loadu_ps(x + i));
        float lanes[8];
        _mm256_storeu_ps(lanes, vm);
        for (int k = 0; k < 8; k++) m = lanes[k] > m ? lanes[k] : m;
    }
    for (; i < n; i++) m = x[i] > m ? x[i] : m;
    const __m256 vmax = _mm256_set1_ps(m);
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    for (i = 0; i + 8 <= n; i += 8) {
        const __m256 e = exp_nonpositive_8(_mm256_sub_ps(_mm256_loadu_ps(x + i), vmax));
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
    double sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    for (; i < n; i++) sum += exp((double)(x[i] - m));
    return (double)m + log(sum);
}
