// Attention and SwiGLU for CPUs without AVX-512: the scalar specification in
// kernels_attention.c vectorised with AVX2, bit for bit. Each of the spec's 16
// accumulator lanes is a lane of a pair of 8-float registers (low and high half), every
// lane takes the same fmas in the same order, and the 16-lane sums add the same pairs as
// the spec's reduce16. The expf polynomial scales by 2^n in two exact steps, which
// rounds as ldexpf does (subnormal and overflowing results included).
#include "whet_kernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

// reduce16 of the lanes lo (0-7) and hi (8-15): halves, then quarters, then
// (s4[0] + s4[2]) + (s4[1] + s4[3]).
static inline __attribute__((always_inline)) float reduce16_avx2(__m256 lo, __m256 hi) {
    const __m256 s8 = _mm256_add_ps(hi, lo);
    const __m128 s4 = _mm_add_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
    const __m128 t = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

// The spec's expf_ggml on 8 lanes.
static inline __attribute__((always_inline)) __m256 expf_ggml_avx2(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    // ldexpf(j, n) for |n| <= 192: j * 2^(n/2) is exact, the second factor rounds once.
    const __m256 limit = _mm256_set1_ps(192);
    const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
    const __m256 big = _mm256_cmp_ps(abs_n, limit, _CMP_GT_OQ);
    const __m256i ni = _mm256_cvttps_epi32(_mm256_blendv_ps(n, _mm256_setzero_ps(), _mm256_or_ps(big, _mm256_cmp_ps(n, n, _CMP_UNORD_Q))));
    const __m256i n1 = _mm256_srai_epi32(ni, 1), n2 = _mm256_sub_epi32(ni, n1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 p1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n1, bias), 23));
    const __m256 p2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n2, bias), 23));
    __m256 res = _mm256_mul_ps(_mm256_mul_ps(j, p1), p2);
    const __m256 alt = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), _mm256_setzero_ps(),
                                        _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ));
    res = _mm256_blendv_ps(res, alt, big);
    return _mm256_blendv_ps(res, n, _mm256_cmp_ps(n, n, _CMP_UNORD_Q));
}

// Lanes 0..count-1 set (count 0..8), as a blend mask.
static inline __m256 lane_mask(int count) {
    const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), index));
}

static inline __m256 load8_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

// One key's score lanes (before reduce16): the spec's dot_tiny_scalar, or with `single`
// dot_vec4_scalar's four accumulators combined (0 + 2) + (1 + 3) (hd % 64 == 0).
static inline __attribute__((always_inline)) float score(const __m256 *qv, const uint16_t *kr, int hd, int single) {
    if (!single) {
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        for (int c = 0; c < hd; c += 16) {
            lo = _mm256_fmadd_ps(qv[c / 8], load8_f16(kr + c), lo);
            hi = _mm256_fmadd_ps(qv[c / 8 + 1], load8_f16(kr + c + 8), hi);
        }
        return reduce16_avx2(lo, hi);
    }
    __m256 lo[4], hi[4];
    for (int j = 0; j < 4; j++) lo[j] = hi[j] = _mm256_setzero_ps();
    for (int c = 0; c < hd; c += 64)
        for (int j = 0; j < 4; j++) {
            lo[j] = _mm256_fmadd_ps(qv[(c + 16 * j) / 8], load8_f16(kr + c + 16 * j), lo[j]);
            hi[j] = _mm256_fmadd_ps(qv[(c + 16 * j) / 8 + 1], load8_f16(kr + c + 16 * j + 8), hi[j]);
        }
    const __m256 slo = _mm256_add_ps(_mm256_add_ps(lo[0], lo[2]), _mm256_add_ps(lo[1], lo[3]));
    const __m256 shi = _mm256_add_ps(_mm256_add_ps(hi[0], hi[2]), _mm256_add_ps(hi[1], hi[3]));
    // The spec sums in double and returns it as float: the same value when there is no tail.
    return reduce16_avx2(slo, shi);
}

int whet_attend_head_avx2(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int hd, size_t stride,
                          size_t vstride, float scale, int single, float *w, float *out) {
    if (hd % 16 != 0 || hd > 256 || (single && hd % 64 != 0)) return 0;
    __m256 qv[32];
    for (int c = 0; c < hd / 8; c++) qv[c] = _mm256_loadu_ps(q + 8 * c);
    float mx = -INFINITY;
    for (int t = 0; t < n_kv; t++) {
        w[t] = score(qv, k + (size_t)t * stride, hd, single) * scale;
        mx = w[t] > mx ? w[t] : mx;
    }
    // Softmax over 16 positions at a time; positions past n_kv count as 0 and their
    // weights stay 0 for the weighted sum below.
    const int padded = (n_kv + 15) / 16 * 16;
    for (int t = n_kv; t < padded; t++) w[t] = 0;
    double sum = 0;
    const __m256 vmx = _mm256_set1_ps(mx);
    for (int t = 0; t < n_kv; t += 16) {
        const __m256 mlo = lane_mask(n_kv - t), mhi = lane_mask(n_kv - t - 8);
        const __m256 elo = _mm256_and_ps(expf_ggml_avx2(_mm256_sub_ps(_mm256_loadu_ps(w + t), vmx)), mlo);
        const __m256 ehi = _mm256_and_ps(expf_ggml_avx2(_mm256_sub_ps(_mm256_loadu_ps(w + t + 8), vmx)), mhi);
        _mm256_storeu_ps(w + t, elo);
        _mm256_storeu_ps(w + t + 8, ehi);
        sum += (double)reduce16_avx2(elo, ehi);
    }
    const __m256 vinv = _mm256_set1_ps((float)(1.0 / sum));
    for (int t = 0; t < padded; t += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_mul_ps(_mm256_loadu_ps(w + t), vinv), _MM_FROUND_TO_NEAREST_INT);
        _mm256_storeu_ps(w + t, _mm256_cvtph_ps(h));
    }
    // Weighted values: lane l of dimension d sums the positions t % 16 == l, in one
    // accumulator (tinyBLAS's order) or four by (t / 16) % 4 (ggml_vec_dot_f16's). The
    // cache's values past n_kv are not zeroed; they are masked out, as the spec never reads them.
    const int blocks = padded / 16;
    const __m256 last_lo = lane_mask(n_kv - (blocks - 1) * 16), last_hi = lane_mask(n_kv - (blocks - 1) * 16 - 8);
    for (int d = 0; d < hd; d++) {
        __m256 lo[4], hi[4];
        for (int j = 0; j < 4; j++) lo[j] = hi[j] = _mm256_setzero_ps();
        for (int b = 0; b < blocks; b++) {
            const uint16_t *vb = v + (size_t)b * vstride + (size_t)d * 16;
            __m256 vlo = load8_f16(vb), vhi = load8_f16(vb + 8);
            if (b == blocks - 1) {
                vlo = _mm256_and_ps(vlo, last_lo);
                vhi = _mm256_and_ps(vhi, last_hi);
            }
            const int j = single ? b % 4 : 0;
            lo[j] = _mm256_fmadd_ps(_mm256_loadu_ps(w + 16 * b), vlo, lo[j]);
            hi[j] = _mm256_fmadd_ps(_mm256_loadu_ps(w + 16 * b + 8), vhi, hi[j]);
        }
        const __m256 xlo = _mm256_add_ps(_mm256_add_ps(lo[0], lo[2]), _mm256_add_ps(lo[1], lo[3]));
        const __m256 xhi = _mm256_add_ps(_mm256_add_ps(hi[0], hi[2]), _mm256_add_ps(hi[1], hi[3]));
        out[d] = reduce16_avx2(xlo, xhi);
    }
    return 1;
}

// The spec's whet_swiglu_reference: the polynomial expf on whole groups of 16, libm's
// expf on the rest (as ggml's scalar tail).
void whet_swiglu_avx2(const float *g, const float *u, float *y, int n) {
    const int full = n / 16 * 16;
    const __m256 one = _mm256_set1_ps(1.0f);
    int i = 0;
    for (; i < full; i += 8) {
        const __m256 x = _mm256_loadu_ps(g + i);
        const __m256 e = expf_ggml_avx2(_mm256_sub_ps(_mm256_setzero_ps(), x));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(x, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    for (; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
