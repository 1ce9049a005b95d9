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
// each zmm holding one pair (lanes 0-7 row t, 8-15 row t + 1), so each weight
// block and each activation block is used 4 times. The activations are packed by
// pairs first (whet_pack_pairs) so a pair's block is one load; the weights are
// expanded once to one byte per value plus float scales (whet_expand_weights):
// the nibble unpacking and fp16 conversions were a quarter of the instructions.
// About 1.5x the prompt throughput of the decode kernels; bound by the FMA
// pipes (dpbusd, the dw * da multiply and the fma per block). Needs AVX-512 VNNI
// (whet_gemm_available); without it the caller uses the decode kernels, which
// compute the same values.
#include "whet_kernels.h"
#include "kernels_common.h"
#include <immintrin.h>
#include <string.h>

#define QK 32
#define ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

static int has_vnni = -1;

ATTR static inline __m512i product(int t, __m512i w, __m512i a) {
    if (t == 3) return _mm512_dpbusd_epi32(_mm512_setzero_si512(), w, a);
    const __mmask64 neg = _mm512_movepi8_mask(w);
    const __m512i sa = _mm512_mask_sub_epi8(a, neg, _mm512_setzero_si512(), a);
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(w), sa);
}

// R weight rows (1-4) x P activation pairs (1-4) over all blocks.
ATTR static inline __attribute__((always_inline)) void tile(int t, const uint8_t *wq, const float *wd, int r,
                                                            const int R, const int8_t *qp, const float *dp, int cols,
                                                            int t0, int n, const int P, const float *mins,
                                                            float *out, int ldo) {
    const int nblk = cols / QK;
    __m512 acc[4][4];
    for (int rr = 0; rr < R; rr++)
        for (int p = 0; p < P; p++) acc[rr][p] = _mm512_setzero_ps();
    for (int i = 0; i < nblk; i++) {
        __m512i a[4];
        __m512 da[4];
        for (int p = 0; p < P; p++) {
            const size_t at = ((size_t)(t0 / 2 + p) * nblk + i);
            a[p] = _mm512_loadu_si512(qp + at * 64);
            da[p] = _mm512_loadu_ps(dp + at * 16);
        }
        for (int rr = 0; rr < R; rr++) {
            const size_t at = (size_t)(r + rr) * nblk + i;
            const __m512i wv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(wq + at * QK)));
            const __m512 vdw = _mm512_set1_ps(wd[at]);
            for (int p = 0; p < P; p++) {
                const __m512 s = _mm512_cvtepi32_ps(product(t, wv, a[p]));
                acc[rr][p] = _mm512_fmadd_ps(s, _mm512_mul_ps(vdw, da[p]), acc[rr][p]);
            }
        }
    }
    for (int rr = 0; rr < R; rr++)
        for (int p = 0; p < P; p++) {
            const int r0 = t0 + 2 * p;
            const float *m = mins + (size_t)(r + rr) * n;
            out[(size_t)r0 * ldo + r + rr] = whet_hsum_float_8(_mm512_castps512_ps256(acc[rr][p])) + m[r0];
            if (r0 + 1 < n)
                out[(size_t)(r0 + 1) * ldo + r + rr] = whet_hsum_float_8(_mm512_extractf32x8_ps(acc[rr][p], 1)) + m[r0 + 1];
        }
}

#define TILE_P(R, P) tile(t, wq, wd, r, R, qp, dp, cols, t0, n, P, mins, out, ldo)
#define TILE_R(R)                                                   \
    switch (pairs) {                                                \
    case 4: TILE_P(R, 4); break;                                    \
    case 3: TILE_P(R, 3); break;                                    \
    case 2: TILE_P(R, 2); break;                                    \
    default: TILE_P(R, 1); break;                                   \
    }

ATTR static void gemm_vnni(int t, const uint8_t *wq, const float *wd, int row_begin, int row_end, int cols,
                           const int8_t *qp, const float *dp, int n, const float *mins, float *out, int ldo) {
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
// compiles, into mins[row][n]; 8 weight rows x 16 activation rows at a time (sT is
// s transposed: [block][n16]), so each loaded s vector serves 8 rows.
ATTR static void min_terms(const float *wm, int row_begin, int row_end, int nblk, const float *sT, int n, int n16,
                           float *mins) {
    for (int r = row_begin; r < row_end; r += 8) {
        const int rows = row_end - r < 8 ? row_end - r : 8;
        for (int t0 = 0; t0 < n; t0 += 16) {
            __m512 c[8];
            for (int rr = 0; rr < 8; rr++) c[rr] = _mm512_setzero_ps();
            for (int i = 0; i < nblk; i++) {
                const __m512 sv = _mm512_loadu_ps(sT + (size_t)i * n16 + t0);
                for (int rr = 0; rr < rows; rr++)
                    c[rr] = _mm512_fmadd_ps(_mm512_set1_ps(wm[(size_t)(r + rr) * nblk + i]), sv, c[rr]);
            }
            const int left = n - t0;
            const __mmask16 k = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
            for (int rr = 0; rr < rows; rr++) _mm512_mask_storeu_ps(mins + (size_t)(r + rr) * n + t0, k, c[rr]);
        }
    }
}

int whet_gemm_available(int t) {
    if (has_vnni < 0) {
        __builtin_cpu_init();
        has_vnni = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
    }
    return has_vnni && (t == 2 || t == 3 || t == 8);
}

void whet_expand_weights(int t, const void *w, size_t row_bytes, int rows, int cols, int8_t *wq, float *wd,
                         float *wm) {
    const int nblk = cols / QK;
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < nblk; i++) {
            const uint8_t *b = (const uint8_t *)w + (size_t)r * row_bytes + (size_t)i * (t == 8 ? 34 : t == 3 ? 20 : 18);
            int8_t *q = wq + ((size_t)r * nblk + i) * QK;
            wd[(size_t)r * nblk + i] = whet_f16_at(b);
            if (t == 3) wm[(size_t)r * nblk + i] = whet_f16_at(b + 2);
            if (t == 8) {
                memcpy(q, b + 2, QK);
                continue;
            }
            const uint8_t *nib = b + (t == 3 ? 4 : 2);
            for (int k = 0; k < 16; k++) {
                q[k] = (int8_t)(nib[k] & 0x0F) - (t == 2 ? 8 : 0);
                q[k + 16] = (int8_t)(nib[k] >> 4) - (t == 2 ? 8 : 0);
            }
        }
}

void whet_gemm_q(int t, const int8_t *wq, const float *wd, const float *wm, int row_begin, int row_end, int cols,
                 const int8_t *qp, const float *dp, const float *xsT, int n, int n16, float *mins, float *out,
                 int ldo) {
    const int nblk = cols / QK;
    if (t == 3) {
        min_terms(wm, row_begin, row_end, nblk, xsT, n, n16, mins);
    } else {
        for (int r = row_begin; r < row_end; r++) memset(mins + (size_t)r * n, 0, sizeof(float) * (size_t)n);
    }
    gemm_vnni(t, (const uint8_t *)wq, wd, row_begin, row_end, cols, qp, dp, n, mins, out, ldo);
}

void whet_transpose_blocks(const float *x, int n, int nblk, float *xT, int n16) {
    for (int r = 0; r < n16; r++)
        for (int i = 0; i < nblk; i++) xT[(size_t)i * n16 + r] = r < n ? x[(size_t)r * nblk + i] : 0.0f;
}

void whet_pack_pairs(const int8_t *xq, const float *xd, int n, int cols, int8_t *qp, float *dp) {
    const int nblk = cols / QK;
    for (int pair = 0; pair < (n + 1) / 2; pair++)
        for (int i = 0; i < nblk; i++) {
            int8_t *q = qp + ((size_t)pair * nblk + i) * 64;
            float *d = dp + ((size_t)pair * nblk + i) * 16;
            for (int h = 0; h < 2; h++) {
                const int r = 2 * pair + h;
                if (r < n) {
                    memcpy(q + 32 * h, xq + (size_t)r * cols + i * QK, 32);
                    for (int l = 0; l < 8; l++) d[8 * h + l] = xd[(size_t)r * nblk + i];
                } else {
                    memset(q + 32 * h, 0, 32);
                    for (int l = 0; l < 8; l++) d[8 * h + l] = 0.0f;
                }
            }
        }
}
