// Quantised weights x many activation rows on CPUs without AVX-512 VNNI (prompt
// processing). Each output is computed exactly as kernels_quant.c's AVX2 row kernel
// computes it (ggml's AVX2 vec_dot order), so results are bit-identical; only the
// schedule differs. The row kernel streams every activation row past each weight
// row, so a prompt re-reads the whole activation matrix from L2/L3 once per weight
// row. Here the activations are taken NC rows at a time (a chunk that stays in L1/L2)
// while every weight row of the range passes, in tiles of 2 weight rows x 4
// activation rows (8 of AVX2's 16 registers accumulate), each weight block unpacked
// once per tile and each activation block loaded once per row pair, with the
// dw * da scales of a row pair precomputed per chunk as a table the FMAs broadcast.
#include "whet_kernels.h"
#include "kernels_common.h"
#include <immintrin.h>

#define QK 32
#define NC 32          // activation rows per chunk
#define MAX_BLOCKS 128  // cols <= 4096 (stack tables)
#define INLINE static inline __attribute__((always_inline))

int whet_gemm_avx2_supported(int t, int cols) {
    return (t == 2 || t == 3 || t == 8) && cols % QK == 0 && cols / QK <= MAX_BLOCKS;
}

// Rows r..r+R (R = 1, 2) x chunk rows b0..b0+B (B = 1..4): scale[i][rr][NC] holds dw * da.
INLINE void tile(const int t, const uint8_t *row, const size_t rb, const int R, const int nblk, const int cols,
                 const int8_t *xq, const int b0, const int B, const float *scale, const float *corr, float *out,
                 const int ldo, const int r) {
    __m256 acc[2][4];
    for (int rr = 0; rr < R; rr++)
        for (int b = 0; b < B; b++) acc[rr][b] = _mm256_setzero_ps();
    const int bb = whet_block_bytes(t);
    for (int i = 0; i < nblk; i++) {
        __m256i w[2];
        for (int rr = 0; rr < R; rr++) w[rr] = whet_expand_block(t, row + rr * rb + (size_t)i * bb);
        const float *s = scale + (size_t)i * 2 * NC + b0;
        for (int b = 0; b < B; b++) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(xq + (size_t)(b0 + b) * cols + i * QK));
            for (int rr = 0; rr < R; rr++)
                acc[rr][b] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(whet_lanes_avx2(t, w[rr], a)), _mm256_broadcast_ss(s + rr * NC + b),
                                             acc[rr][b]);
        }
    }
    for (int rr = 0; rr < R; rr++)
        for (int b = 0; b < B; b++)
            out[(size_t)(b0 + b) * ldo + r + rr] = whet_hsum_float_8(acc[rr][b]) + corr[rr * NC + b0 + b];
}

#define TILE(R, B) tile(t, row, rb, R, nblk, cols, xq, b0, B, scale, corr, out, ldo, r)
#define TILE_B(R)                                              \
    switch (n - b0 < 4 ? n - b0 : 4) {                         \
    case 4: TILE(R, 4); break;                                 \
    case 3: TILE(R, 3); break;                                 \
    case 2: TILE(R, 2); break;                                 \
    default: TILE(R, 1); break;                                \
    }

// Rows [r0, r1) against chunk rows [0, n) (n <= NC), whose da and cross terms come
// transposed: dT[i * NC + b], cT[i * NC + b].
static void chunk_rows(const int t, const uint8_t *w, const size_t rb, const int r0, const int r1, const int cols,
                       const int8_t *xq, const float *dT, const float *cT, const int n, float *out, const int ldo) {
    const int nblk = cols / QK, bb = whet_block_bytes(t);
    float scale[MAX_BLOCKS * 2 * NC] __attribute__((aligned(32)));
    float corr[2 * NC] __attribute__((aligned(32)));
    for (int r = r0; r < r1;) {
        const int R = r + 1 < r1 ? 2 : 1;
        const uint8_t *row = w + (size_t)r * rb;
        for (int rr = 0; rr < R; rr++) {
            // corr: the row kernel's `corr += extra * cterm` in block order (an fma), 8 activation rows a vector.
            __m256 c[NC / 8];
            for (int k = 0; k < NC / 8; k++) c[k] = _mm256_setzero_ps();
            for (int i = 0; i < nblk; i++) {
                const uint8_t *blk = row + rr * rb + (size_t)i * bb;
                const float dw = whet_f16_at(blk);
                const float extra = t == 3 ? whet_f16_at(blk + 2) : t == 2 ? -8.0f * dw : 0.0f * dw;
                const __m256 vdw = _mm256_set1_ps(dw), vex = _mm256_set1_ps(extra);
                for (int k = 0; k * 8 < n; k++) {
                    _mm256_store_ps(scale + (size_t)i * 2 * NC + rr * NC + 8 * k,
                                    _mm256_mul_ps(vdw, _mm256_load_ps(dT + (size_t)i * NC + 8 * k)));
                    c[k] = _mm256_fmadd_ps(vex, _mm256_load_ps(cT + (size_t)i * NC + 8 * k), c[k]);
                }
            }
            for (int k = 0; k * 8 < n; k++) _mm256_store_ps(corr + rr * NC + 8 * k, c[k]);
        }
        for (int b0 = 0; b0 < n; b0 += 4) {
            if (R == 2) { TILE_B(2) } else { TILE_B(1) }
        }
        r += R;
    }
}

void whet_gemm_q_avx2(int t, const void *w, size_t row_bytes, int row_begin, int row_end, int cols,
                      const int8_t *xq, const float *xd, const float *xsq, const float *xs, int nb, float *out,
                      int ldo) {
    const int nblk = cols / QK;
    float dT[MAX_BLOCKS * NC] __attribute__((aligned(32)));
    float cT[MAX_BLOCKS * NC] __attribute__((aligned(32)));
    for (int c0 = 0; c0 < nb; c0 += NC) {
        const int n = nb - c0 < NC ? nb - c0 : NC;
        // The row kernel's cterm: s for Q4_1, da * sum(q) otherwise (rounded, then fma'd).
        for (int i = 0; i < nblk; i++)
            for (int b = 0; b < NC; b++) {
                const size_t at = (size_t)(c0 + b) * nblk + i;
                const float da = b < n ? xd[at] : 0.0f;
                dT[i * NC + b] = da;
                cT[i * NC + b] = b >= n ? 0.0f : t == 3 ? xs[at] : da * xsq[at];
            }
        chunk_rows(t, (const uint8_t *)w, row_bytes, row_begin, row_end, cols, xq + (size_t)c0 * cols, dT, cT, n,
                   out + (size_t)c0 * ldo, ldo);
    }
}
