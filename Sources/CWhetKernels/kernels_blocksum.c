// Decode kernels with per-block integer sums (EngineOptions.decodeArithmetic = .blockSums, the
// default for batched generation steps). Each block's 32 products are summed as integers (exact, so
// order does not matter) and converted and scaled once, ggml's generic per-block formula:
//     acc = fma((float)isum, dw * da, acc);  acc = fma(m, s, acc)  (Q4_1's minimum)
// Sixteen weight rows sit in the sixteen lanes of a zmm, so each dpbusd serves 16 rows and no
// horizontal sums remain; llama.cpp's AVX2 order needs a dpbusd and an FMA per (row, sequence, block),
// which on two FP pipes caps batched decoding near 1.8x slower. Results differ from llama.cpp's AVX2
// path in the last bits, but never depend on which other sequences share a batch.
#include "whet_kernels.h"
#include "kernels_common.h"
#include <immintrin.h>
#include <string.h>

#define QK 32
#define ROWS 16
#define ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

// Bytes of one (16 rows, block) unit: 16 fp16 scales, [16 fp16 minimums,] quants.
static size_t unit_bytes(int t) { return t == 3 ? 32 + 32 + 256 : t == 8 ? 32 + 512 : 0; }
static size_t quant_offset(int t) { return t == 3 ? 64 : 32; }

int whet_blocksum_supported(void) { return whet_packed_supported(); }

size_t whet_blocksum_bytes(int t, int rows, int cols) {
    if (unit_bytes(t) == 0 || rows % ROWS != 0 || cols % QK != 0) return 0;
    return (size_t)(rows / ROWS) * (size_t)(cols / QK) * unit_bytes(t);
}

// Layout: units in (group, block) order. Quants as 64-byte vectors whose 4-byte
// lane r belongs to row r:
// - Q4_1: vector k (0-3) holds bytes 4k..4k+3 of each row's block as ggml stores
//   them; their low nibbles are elements 4k..4k+3, their high nibbles elements
//   16+4k..16+4k+3, i.e. activation dwords k and k + 4.
// - Q8_0: vector j (0-7) holds elements 4j..4j+3, sign bit flipped (unsigned, as
//   dpbusd wants); the 128 * sum(a) this over-counts is taken off the start value.
void whet_blocksum_pack(int t, const void *src, size_t row_bytes, int rows, int cols, void *dst) {
    const int nblk = cols / QK;
    const size_t src_block = t == 3 ? 20 : 34;
    for (int g = 0; g < rows / ROWS; g++)
        for (int i = 0; i < nblk; i++) {
            uint8_t *o = (uint8_t *)dst + ((size_t)g * nblk + i) * unit_bytes(t);
            uint8_t *q = o + quant_offset(t);
            for (int r = 0; r < ROWS; r++) {
                const uint8_t *b = (const uint8_t *)src + (size_t)(g * ROWS + r) * row_bytes + (size_t)i * src_block;
                memcpy(o + 2 * r, b, 2);
                if (t == 3) {
                    memcpy(o + 32 + 2 * r, b + 2, 2);
                    for (int k = 0; k < 4; k++) memcpy(q + 64 * k + 4 * r, b + 4 + 4 * k, 4);
                } else {
                    for (int j = 0; j < 8; j++)
                        for (int c = 0; c < 4; c++) q[64 * j + 4 * r + c] = b[2 + 4 * j + c] ^ 0x80;
                }
            }
        }
}

// One group of 16 rows against NB activation rows.
ATTR INLINE void group(const int t, const uint8_t *w, const int nblk, const int8_t *xq, const int cols,
                       const float *xd, const float *xsq, const float *xs, const int NB, float *out, const int ldo,
                       const int row0) {
    __m512 acc[8];
    for (int b = 0; b < NB; b++) acc[b] = _mm512_setzero_ps();
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    const size_t unit = unit_bytes(t);
    for (int i = 0; i < nblk; i++) {
        const uint8_t *o = w + (size_t)i * unit;
        // Eight units ahead into L1 and 32 ahead into L2: L1 requests alone run out of miss
        // buffers (the Q8_0 output matrix with 8 sequences: 1.9 instead of 3.4 ns per unit).
        for (size_t line = 0; line < unit; line += 64) {
            _mm_prefetch((const char *)o + 8 * unit + line, _MM_HINT_T0);
            _mm_prefetch((const char *)o + 32 * unit + line, _MM_HINT_T1);
        }
        __m512i wv[8];
        if (t == 3) {
            for (int k = 0; k < 4; k++) {
                const __m512i raw = _mm512_loadu_si512(o + 64 + 64 * k);
                wv[k] = _mm512_and_si512(raw, m4);
                wv[k + 4] = _mm512_and_si512(_mm512_srli_epi16(raw, 4), m4);
            }
        } else {
            for (int j = 0; j < 8; j++) wv[j] = _mm512_loadu_si512(o + 32 + 64 * j);
        }
        const __m512 dw = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)o));
        const __m512 mw = t == 3 ? _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(o + 32))) : dw;
        for (int b = 0; b < NB; b++) {
            const int32_t *a = (const int32_t *)(xq + (size_t)b * cols + (size_t)i * QK);
            __m512i s = t == 8 ? _mm512_set1_epi32(-128 * (int32_t)xsq[(size_t)b * nblk + i]) : _mm512_setzero_si512();
            for (int j = 0; j < 8; j++) s = _mm512_dpbusd_epi32(s, wv[j], _mm512_set1_epi32(a[j]));
            const __m512 scale = _mm512_mul_ps(dw, _mm512_set1_ps(xd[(size_t)b * nblk + i]));
            acc[b] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(s), scale, acc[b]);
            if (t == 3) acc[b] = _mm512_fmadd_ps(mw, _mm512_set1_ps(xs[(size_t)b * nblk + i]), acc[b]);
        }
    }
    for (int b = 0; b < NB; b++) _mm512_storeu_ps(out + (size_t)b * ldo + row0, acc[b]);
}

#define GROUPS(T)                                                                                            \
    ATTR static void blocksum_groups_##T(const uint8_t *w, int g0, int g1, int cols, const int8_t *xq, const float *xd, \
                                const float *xsq, const float *xs, int nb, float *out, int ldo) {             \
        const int nblk = cols / QK;                                                                          \
        for (int g = g0; g < g1; g++) {                                                                      \
            const uint8_t *gw = w + (size_t)g * nblk * unit_bytes(T);                                        \
            switch (nb) {                                                                                    \
            case 1: group(T, gw, nblk, xq, cols, xd, xsq, xs, 1, out, ldo, g * ROWS); break;                 \
            case 2: group(T, gw, nblk, xq, cols, xd, xsq, xs, 2, out, ldo, g * ROWS); break;                 \
            case 3: group(T, gw, nblk, xq, cols, xd, xsq, xs, 3, out, ldo, g * ROWS); break;                 \
            case 4: group(T, gw, nblk, xq, cols, xd, xsq, xs, 4, out, ldo, g * ROWS); break;                 \
            case 5: group(T, gw, nblk, xq, cols, xd, xsq, xs, 5, out, ldo, g * ROWS); break;                 \
            case 6: group(T, gw, nblk, xq, cols, xd, xsq, xs, 6, out, ldo, g * ROWS); break;                 \
            case 7: group(T, gw, nblk, xq, cols, xd, xsq, xs, 7, out, ldo, g * ROWS); break;                 \
            default: group(T, gw, nblk, xq, cols, xd, xsq, xs, 8, out, ldo, g * ROWS); break;                \
            }                                                                                                \
        }                                                                                                    \
    }

GROUPS(3)
GROUPS(8)

void whet_matmul_blocksum(int t, const void *packed, int group_begin, int group_end, int cols, const int8_t *xq,
                          const float *xd, const float *xsq, const float *xs, int nb, float *out, int ldo) {
    const int nblk = cols / QK;
    for (int b0 = 0; b0 < nb; b0 += 8) {
        const int n = nb - b0 < 8 ? nb - b0 : 8;
        const size_t a = (size_t)b0 * nblk;
        if (t == 3)
            blocksum_groups_3(packed, group_begin, group_end, cols, xq + (size_t)b0 * cols, xd + a, xsq + a, xs + a, n,
                     out + (size_t)b0 * ldo, ldo);
        else
            blocksum_groups_8(packed, group_begin, group_end, cols, xq + (size_t)b0 * cols, xd + a, xsq + a, xs + a, n,
                     out + (size_t)b0 * ldo, ldo);
    }
}

// The specification the vector code follows, on ggml's block layout (tests).
void whet_matmul_blocksum_reference(int t, const void *w, size_t row_bytes, int rows, int cols, const int8_t *xq,
                                    const float *xd, const float *xs, int nb, float *out, int ldo) {
    const int nblk = cols / QK;
    for (int b = 0; b < nb; b++)
        for (int r = 0; r < rows; r++) {
            float acc = 0.0f;
            for (int i = 0; i < nblk; i++) {
                const uint8_t *blk = (const uint8_t *)w + (size_t)r * row_bytes + (size_t)i * (t == 3 ? 20 : 34);
                const int8_t *a = xq + (size_t)b * cols + (size_t)i * QK;
                int isum = 0;
                for (int k = 0; k < QK; k++) {
                    const int v = t == 3 ? (k < 16 ? blk[4 + k] & 0x0F : blk[4 + k - 16] >> 4) : (int8_t)blk[2 + k];
                    isum += v * a[k];
                }
                const float da = xd[(size_t)b * nblk + i];
                acc = __builtin_fmaf((float)isum, whet_f16_at(blk) * da, acc);
                if (t == 3) acc = __builtin_fmaf(whet_f16_at(blk + 2), xs[(size_t)b * nblk + i], acc);
            }
            out[(size_t)b * ldo + r] = acc;
        }
}
