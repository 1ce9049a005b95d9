// Small dense helpers: the residual add, RMSNorm (double accumulation as ggml's
// rms_norm), fp16 rounding and conversion (F16C, which Swift's SIMD types do not
// reach).
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
