// Quantised weights x many quantised activation rows (prompt processing).
//
// Prompt processing runs the same integer block products as llama.cpp
// (q4_1 x q8_1, q8_0 x q8_0, q4_0 x q8_0), not sgemm on dequantised weights: this
// model turns float-summation differences into log-probability differences of up
// to 0.3 (see kernels_attention.c), so matching llama.cpp to a few hundredths
// needs its per-block arithmetic bit for bit. For every (weight row, activation
// row) the result is exactly ggml's vec_dot: per 32-block, 8 int32 lane sums of 4
// products, converted to float and accumulated as fma(lanes, dw * da, acc) in
// block order, then hsum_float_8(acc) + the block-ordered fma sum of m * s (Q4_1).
//
// Speed comes from register tiling: 4 weight rows x 4 pairs of activation rows,
// each zmm holding one pair (lanes 0-7 row t, 8-15 row t + 1), so each expanded
// weight block and each loaded activation block is used 4 times. Measured on the
// 2-core Zen 4 box: the 1-2 row decode kernel gives ~470 prompt tokens/s, this
// one see README (bench-lm). Needs AVX-512 VNNI; without it whet_gemm_q returns 0
// and the caller uses whet_matmul_q, which computes the same values.
#include "whet_kernels.h"
#include <immintrin.h>
#include <string.h>

#define QK 32
#define ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

static inline float f16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

static int has_vnni = -1;

// ggml's hsum_float_8.
ATTR static inline float hsum8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

// Expands weight block i of `row` to 32 bytes, broadcast to both zmm halves.
// Q4_1: unsigned nibbles (multiplied unsigned by signed activations). Q4_0 and
// Q8_0: signed values, multiplied as |w| x sign(a, w) (ggml's sign trick).
ATTR static inline __m512i expand(int t, const uint8_t *row, int i, float *dw, float *mw) {
    if (t == 8) {
        const uint8_t *b = row + (size_t)i * 34;
        *dw = f16(b);
        return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(b + 2)));
    }
    const int bytes = t == 3 ? 20 : 18;
    const uint8_t *b = row + (size_t)i * bytes;
    *dw = f16(b);
    if (t == 3) *mw = f16(b + 2);
    __m128i raw = _mm_loadu_si128((const __m128i *)(b + (t == 3 ? 4 : 2)));
    __m256i q = _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F));
    if (t == 2) q = _mm256_sub_epi8(q, _mm256_set1_epi8(8));
    return _mm512_broadcast_i64x4(q);
}

ATTR static inline __m512i product(int t, __m512i w, __m512i a) {
    if (t == 3) return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, a);
    const __mmask64 neg = _mm512_movepi8_mask(w);
    const __m512i sa = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), sa);
}

// R weight rows (1-4) x P activation pairs (1-4) over all blocks.
ATTR static inline __attribute__((always_inline)) void tile(int t, const uint8_t *w, size_t rb, int r, const int R,
                                                            const int8_t *xq, const float *xd, int cols, int t0,
                                                            int n, const int P, float *out, int ldo) {
    const int nblk = cols / QK;
    __m512 acc[4][4];
    for (int rr = 0; rr < R; rr++)
        for (int p = 0; p < P; p++) acc[rr][p] = _mm512_setzero_ps();
    for (int i = 0; i < nblk; i++) {
        __m512i a[4];
        __m512 da[4];
        for (int p = 0; p < P; p++) {
            const int r0 = t0 + 2 * p, r1 = r0 + 1;
            __m256i lo = _mm256_loadu_si256((const __m256i *)(xq + (size_t)r0 * cols + i * QK));
            __m256i hi = r1 < n ? _mm256_loadu_si256((const __m256i *)(xq + (size_t)r1 * cols + i * QK))
                                : _mm256_setzero_si256();
            a[p] = _mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1);
            const float d1 = r1 < n ? xd[(size_t)r1 * nblk + i] : 0.0f;
            da[p] = _mm512_insertf32x8(_mm512_set1_ps(xd[(size_t)r0 * nblk + i]), _mm256_set1_ps(d1), 1);
        }
        for (int rr = 0; rr < R; rr++) {
            float dw, mw;
            const __m512i wv = expand(t, w + (size_t)(r + rr) * rb, i, &dw, &mw);
            const __m512 vdw = _mm512_set1_ps(dw);
            for (int p = 0; p < P; p++) {
                const __m512 s = _mm512_cvtepi32_ps(product(t, wv, a[p]));
                acc[rr][p] = _mm512_fmadd_ps(s, _mm512_mul_ps(vdw, da[p]), acc[rr][p]);
            }
        }
    }
    for (int rr = 0; rr < R; rr++)
        for (int p = 0; p < P; p++) {
            const int r0 = t0 + 2 * p;
            out[(size_t)r0 * ldo + r + rr] = hsum8(_mm512_castps512_ps256(acc[rr][p]));
            if (r0 + 1 < n) out[(size_t)(r0 + 1) * ldo + r + rr] = hsum8(_mm512_extractf32x8_ps(acc[rr][p], 1));
        }
}

#define TILE_P(R, P) tile(t, w, rb, r, R, xq, xd, cols, t0, n, P, out, ldo)
#define TILE_R(R)                                                   \
    switch (pairs) {                                                \
    case 4: TILE_P(R, 4); break;                                    \
    case 3: TILE_P(R, 3); break;                                    \
    case 2: TILE_P(R, 2); break;                                    \
    default: TILE_P(R, 1); break;                                   \
    }

ATTR static void gemm_vnni(int t, const uint8_t *w, size_t rb, int row_begin, int row_end, int cols,
                           const int8_t *xq, const float *xd, int n, float *out, int ldo) {
    for (int r = row_begin; r < row_end; r += 4) {
        const int rows = row_end - r < 4 ? row_end - r : 4;
        for (int t0 = 0; t0 < n; t0 += 8) {
            const int left = n - t0;
            const int pairs = left >= 8 ? 4 : (left + 1) / 2;
            switch (rows) {
            case 4: TILE_R(4); break;
            case 3: TILE_R(3); break;
            case 2: TILE_R(2); break;
            default: TILE_R(1); break;
            }
        }
    }
}

// Q4_1's m * s term, summed over blocks in order with fma as ggml's `summs += m * s`
// compiles; 8 weight rows x 16 activation rows at a time (sT is s transposed:
// [block][n16]), so each loaded s vector serves 8 rows.
ATTR static void add_min_terms(const uint8_t *w, size_t rb, int row_begin, int row_end, int cols, const float *sT,
                               int n, int n16, float *out, int ldo) {
    const int nblk = cols / QK;
    float m[8][512];
    for (int r = row_begin; r < row_end; r += 8) {
        const int rows = row_end - r < 8 ? row_end - r : 8;
        for (int rr = 0; rr < rows; rr++)
            for (int i = 0; i < nblk; i++) m[rr][i] = f16(w + (size_t)(r + rr) * rb + (size_t)i * 20 + 2);
        for (int t0 = 0; t0 < n; t0 += 16) {
            __m512 c[8];
            for (int rr = 0; rr < 8; rr++) c[rr] = _mm512_setzero_ps();
            for (int i = 0; i < nblk; i++) {
                const __m512 sv = _mm512_loadu_ps(sT + (size_t)i * n16 + t0);
                for (int rr = 0; rr < 8; rr++) c[rr] = _mm512_fmadd_ps(_mm512_set1_ps(m[rr][i]), sv, c[rr]);
            }
            for (int rr = 0; rr < rows; rr++) {
                float v[16];
                _mm512_storeu_ps(v, c[rr]);
                for (int j = 0; j < 16 && t0 + j < n; j++) out[(size_t)(t0 + j) * ldo + r + rr] += v[j];
            }
        }
    }
}

int whet_gemm_q(int t, const void *w, size_t row_bytes, int row_begin, int row_end, int cols, const int8_t *xq,
                const float *xd, const float *xsT, int n, int n16, float *out, int ldo) {
    if (has_vnni < 0) {
        __builtin_cpu_init();
        has_vnni = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    }
    if (!has_vnni || !(t == 2 || t == 3 || t == 8) || cols / QK > 512) return 0;
    gemm_vnni(t, (const uint8_t *)w, row_bytes, row_begin, row_end, cols, xq, xd, n, out, ldo);
    if (t == 3) add_min_terms((const uint8_t *)w, row_bytes, row_begin, row_end, cols, xsT, n, n16, out, ldo);
    return 1;
}

void whet_transpose_blocks(const float *x, int n, int nblk, float *xT, int n16) {
    for (int r = 0; r < n16; r++)
        for (int i = 0; i < nblk; i++) xT[(size_t)i * n16 + r] = r < n ? x[(size_t)r * nblk + i] : 0.0f;
}
