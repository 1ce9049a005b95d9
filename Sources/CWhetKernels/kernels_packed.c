// Decode kernels on weights repacked at load into groups of 8 rows (see
// whet_pack_q). Same per-output arithmetic as kernels_quant.c, bit for bit: for
// each (weight row, activation row) eight int32 lanes of a block's integer dot
// product are converted and fused into eight f32 accumulators with the scale
// dw * da, the Q4_1 term m * s is summed separately, and the lanes are reduced
// at the end (ggml's AVX2 q4_1 x q8_1 / q8_0 x q8_0 order). What changes is only
// the work per block:
// - the 8 fp16 scales (and Q4_1 mins) of a group convert in one instruction, and
//   the products dw * da for all activation rows are formed once per group in a
//   small table that the fused multiply-adds read as broadcast operands;
// - Q4_1 nibbles of two rows share each byte, so one 32-byte load and three
//   instructions expand both rows;
// - Q8_0 weights are stored with their sign bit flipped (unsigned, as dpbusd
//   wants) and the 128 * sum(a) each lane then over-counts is subtracted on the
//   integer side, by starting dpbusd from that precomputed negative bias. The
//   int32 lanes are thus exactly the signed dot products, as in the AVX2 path.
//   (kernels_quant.c's batched VNNI Q8_0 path corrects that bias in float, so its
//   last bits differ from its single-row path; here every batch size gets the
//   single-row result, and a sequence's logits do not depend on its batch.)
// The register tile is R weight rows x B activation rows (R * B <= 16 f32
// accumulators), so a batched decode step reads each weight block once for
// every sequence and spends ~4 instructions per (row, sequence, block).
// dpbusd + convert + FMA per block lane set is the floor of this arithmetic (~1.3
// cycles per row x sequence x block on Zen 4), hence kernels_blocksum.c for batches.
#include "whet_kernels.h"
#include "kernels_common.h"
#include <immintrin.h>
#include <string.h>

#define QK 32
#define GROUP 8
#define MAX_PACKED_BLOCKS 128  // cols <= 4096: bounds the per-call stack tables

#define PACKED_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define INLINE static inline __attribute__((always_inline))

// Bytes of one group-block: 8 fp16 scales, [8 fp16 mins,] the 8 rows' quants.
static int group_block_bytes(int t) { return t == 3 ? 16 + 16 + 8 * 16 : t == 8 ? 16 + 8 * 32 : 0; }

int whet_packed_supported(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
                 __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("f16c");
    }
    return cached;
}

size_t whet_packed_bytes(int t, int rows, int cols) {
    if (group_block_bytes(t) == 0 || rows % GROUP != 0 || cols % QK != 0 || cols / QK > MAX_PACKED_BLOCKS)
        return 0;
    return (size_t)(rows / GROUP) * (size_t)(cols / QK) * (size_t)group_block_bytes(t);
}

// Group layout (nblk blocks): fp16 scales d[nblk][8], for Q4_1 fp16 mins m[nblk][8],
// then the quants row pair by row pair, each pair's blocks contiguous, so a tile
// of two rows streams one contiguous run (32 bytes per block for Q4_1, 64 for Q8_0).
static int header_bytes(int t) { return t == 3 ? 32 : 16; }
static int pair_block_bytes(int t) { return t == 3 ? 32 : 64; }

void whet_pack_q(int t, const void *src, size_t row_bytes, int rows, int cols, void *dst) {
    const int nblk = cols / QK;
    const int src_block = t == 3 ? 20 : 34;
    const size_t group_bytes = (size_t)nblk * group_block_bytes(t);
    for (int g = 0; g < rows / GROUP; g++) {
        uint8_t *o = (uint8_t *)dst + (size_t)g * group_bytes;
        uint8_t *quants = o + (size_t)nblk * header_bytes(t);
        for (int i = 0; i < nblk; i++) {
            for (int r = 0; r < GROUP; r++) {
                const uint8_t *blk = (const uint8_t *)src + (size_t)(g * GROUP + r) * row_bytes + (size_t)i * src_block;
                memcpy(o + i * 16 + 2 * r, blk, 2);  // d
                if (t == 3) memcpy(o + nblk * 16 + i * 16 + 2 * r, blk + 2, 2);  // m
            }
            for (int p = 0; p < GROUP / 2; p++) {
                const uint8_t *b0 = (const uint8_t *)src + (size_t)(g * GROUP + 2 * p) * row_bytes + (size_t)i * src_block;
                const uint8_t *b1 = b0 + row_bytes;
                uint8_t *q = quants + ((size_t)p * nblk + i) * pair_block_bytes(t);
                if (t == 3) {
                    // Element k of the even row in the low nibble, of the odd row in the high
                    // one (ggml keeps elements k and k + 16 in the low and high nibbles of byte k).
                    for (int k = 0; k < 16; k++) {
                        q[k] = (uint8_t)((b0[4 + k] & 0x0F) | (b1[4 + k] << 4));
                        q[16 + k] = (uint8_t)((b0[4 + k] >> 4) | (b1[4 + k] & 0xF0));
                    }
                } else {
                    for (int k = 0; k < QK; k++) {
                        q[k] = b0[2 + k] ^ 0x80;
                        q[32 + k] = b1[2 + k] ^ 0x80;
                    }
                }
            }
        }
    }
}

// Rows r0..r0+R of one group against activation rows b0..b0+B.
PACKED_ATTR INLINE void tile(const int t, const uint8_t *group, const int nblk, const int r0, const int R,
                             const int b0, const int B, const int nb, const int cols, const int8_t *xq,
                             const float *scales, const __m256i *bias, const float *corr, float *out,
                             const int ldo, const int row0, const char **prefetch, const char *prefetch_end) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    __m256 acc[8][8];
    for (int r = 0; r < R; r++)
        for (int b = 0; b < B; b++) acc[r][b] = _mm256_setzero_ps();
    const uint8_t *quants = group + (size_t)nblk * header_bytes(t);
    const size_t pair_stride = (size_t)nblk * pair_block_bytes(t);
    for (int i = 0; i < nblk; i++) {
        const uint8_t *blk = quants + (size_t)(r0 / 2) * pair_stride + (size_t)i * pair_block_bytes(t);
        __m256i w[8];
        if (t == 3) {
            for (int p = 0; p < R / 2; p++) {
                __m256i raw = _mm256_loadu_si256((const __m256i *)(blk + p * pair_stride));
                w[2 * p] = _mm256_and_si256(raw, m4);
                w[2 * p + 1] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), m4);
            }
        } else {
            for (int r = 0; r < R; r++)
                w[r] = _mm256_loadu_si256((const __m256i *)(blk + (r / 2) * pair_stride + (r % 2) * 32));
        }
        const float *s = scales + (size_t)i * nb * GROUP;
        if (*prefetch < prefetch_end) {
            _mm_prefetch(*prefetch, _MM_HINT_T0);
            *prefetch += 64;
        }
        for (int b = 0; b < B; b++) {
            const __m256i a = _mm256_loadu_si256((const __m256i *)(xq + (size_t)(b0 + b) * cols + i * QK));
            const __m256i p0 = t == 8 ? _mm256_load_si256(bias + (size_t)(b0 + b) * nblk + i) : _mm256_setzero_si256();
            for (int r = 0; r < R; r++) {
                __m256i p = _mm256_dpbusd_epi32(p0, w[r], a);
                acc[r][b] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(s[(b0 + b) * GROUP + r0 + r]),
                                            acc[r][b]);
            }
        }
    }
    for (int b = 0; b < B; b++)
        for (int r = 0; r < R; r++)
            out[(size_t)(b0 + b) * ldo + row0 + r0 + r] = whet_hsum_float_8(acc[r][b]) + corr[(b0 + b) * GROUP + r0 + r];
}

// One group of 8 rows against all nb activation rows.
PACKED_ATTR INLINE void group_rows(const int t, const uint8_t *group, const int nblk, const int cols,
                                   const int8_t *xq, const float *xd, const float *xs, const int nb,
                                   const __m256i *bias, float *scales, float *out, const int ldo, const int row0,
                                   const char **prefetch, const char *prefetch_end) {
    __m256 corr[8];
    for (int b = 0; b < nb; b++) corr[b] = _mm256_setzero_ps();
    for (int i = 0; i < nblk; i++) {
        const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(group + i * 16)));
        float *s = scales + (size_t)i * nb * GROUP;
        for (int b = 0; b < nb; b++) _mm256_store_ps(s + b * GROUP, _mm256_mul_ps(dw, _mm256_set1_ps(xd[b * nblk + i])));
        if (t == 3) {
            const __m256 m = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(group + nblk * 16 + i * 16)));
            for (int b = 0; b < nb; b++) corr[b] = _mm256_fmadd_ps(m, _mm256_set1_ps(xs[b * nblk + i]), corr[b]);
        }
    }
    float c[8 * GROUP] __attribute__((aligned(32)));
    for (int b = 0; b < nb; b++) _mm256_store_ps(c + b * GROUP, corr[b]);
    // R x B tiles of at most 16 accumulators.
    if (nb == 1) {
        // Row pairs, one contiguous run each (measured faster than all 8 rows at once).
        for (int r0 = 0; r0 < GROUP; r0 += 2)
            tile(t, group, nblk, r0, 2, 0, 1, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end);
    } else if (nb == 2) {
        tile(t, group, nblk, 0, 8, 0, 2, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end);
    } else if (nb <= 4) {
        for (int r0 = 0; r0 < GROUP; r0 += 4) {
            if (nb == 3) tile(t, group, nblk, r0, 4, 0, 3, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end);
            else tile(t, group, nblk, r0, 4, 0, 4, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end);
        }
    } else {
        for (int r0 = 0; r0 < GROUP; r0 += 2) {
            switch (nb) {
            case 5: tile(t, group, nblk, r0, 2, 0, 5, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end); break;
            case 6: tile(t, group, nblk, r0, 2, 0, 6, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end); break;
            case 7: tile(t, group, nblk, r0, 2, 0, 7, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end); break;
            default: tile(t, group, nblk, r0, 2, 0, 8, nb, cols, xq, scales, bias, c, out, ldo, row0, prefetch, prefetch_end); break;
            }
        }
    }
}

#define DEFINE_GROUPS(T)                                                                                       \
    PACKED_ATTR static void groups_##T(const uint8_t *w, int g0, int g1, int cols, const int8_t *xq,            \
                                       const float *xd, const float *xs, int nb, float *out, int ldo) {        \
        const int nblk = cols / QK;                                                                            \
        float scales[MAX_PACKED_BLOCKS * 8 * GROUP] __attribute__((aligned(32)));                              \
        __m256i bias[T == 8 ? 8 * MAX_PACKED_BLOCKS : 1];                                                      \
        if (T == 8) {                                                                                          \
            /* -128 * (sum of each lane's four activations), see the top comment. */                          \
            const __m256i flip = _mm256_set1_epi8((char)0x80);                                                 \
            for (int b = 0; b < nb; b++)                                                                       \
                for (int i = 0; i < nblk; i++) {                                                               \
                    __m256i a = _mm256_loadu_si256((const __m256i *)(xq + (size_t)b * cols + i * QK));         \
                    bias[b * nblk + i] = _mm256_sub_epi32(_mm256_setzero_si256(),                             \
                                                          _mm256_dpbusd_epi32(_mm256_setzero_si256(), flip, a)); \
                }                                                                                              \
        }                                                                                                      \
        const size_t group_bytes = (size_t)nblk * group_block_bytes(T);                                        \
        for (int g = g0; g < g1; g++) {                                                                        \
            const uint8_t *group = w + (size_t)g * group_bytes;                                                \
            /* One row (memory-bound) asks for all of the group's lines at once; a batch     */             \
            /* (compute-bound) asks for the group three ahead, one line per block step, as a */             \
            /* burst would stall on full miss buffers. Prefetching past the end is harmless. */             \
            if (nb == 1 || g == g0)                                                                            \
                for (size_t o = 0; o < group_bytes; o += 64) _mm_prefetch((const char *)group + o, _MM_HINT_T0); \
            const char *prefetch = (const char *)group + 3 * group_bytes;                                      \
            const char *prefetch_end = nb > 1 ? prefetch + group_bytes : prefetch;                             \
            switch (nb) {                                                                                      \
            case 1: group_rows(T, group, nblk, cols, xq, xd, xs, 1, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 2: group_rows(T, group, nblk, cols, xq, xd, xs, 2, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 3: group_rows(T, group, nblk, cols, xq, xd, xs, 3, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 4: group_rows(T, group, nblk, cols, xq, xd, xs, 4, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 5: group_rows(T, group, nblk, cols, xq, xd, xs, 5, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 6: group_rows(T, group, nblk, cols, xq, xd, xs, 6, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            case 7: group_rows(T, group, nblk, cols, xq, xd, xs, 7, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break;  \
            default: group_rows(T, group, nblk, cols, xq, xd, xs, 8, bias, scales, out, ldo, g * GROUP, &prefetch, prefetch_end); break; \
            }                                                                                                  \
        }                                                                                                      \
    }

DEFINE_GROUPS(3)
DEFINE_GROUPS(8)

void whet_matmul_packed(int t, const void *packed, int group_begin, int group_end, int cols, const int8_t *xq,
                        const float *xd, const float *xs, int nb, float *out, int ldo) {
    for (int b0 = 0; b0 < nb; b0 += 8) {
        const int n = nb - b0 < 8 ? nb - b0 : 8;
        const int nblk = cols / QK;
        const int8_t *q = xq + (size_t)b0 * cols;
        const float *d = xd + (size_t)b0 * nblk, *s = xs + (size_t)b0 * nblk;
        float *o = out + (size_t)b0 * ldo;
        if (t == 3) groups_3(packed, group_begin, group_end, cols, q, d, s, n, o, ldo);
        else groups_8(packed, group_begin, group_end, cols, q, d, s, n, o, ldo);
    }
}
