// Quantised matrix x activation kernels for decoding (batch 1..8 rows of
// activations). Decode is bound by reading ~100 MB of 4/8-bit weights per token,
// so the weights stay quantised and each activation row is quantised to Q8 once
// per matmul, as ggml does (q4_1 x q8_1). The integer products need maddubs /
// dpbusd, which Swift cannot express; hence C.
//
// Two paths, chosen at run time:
// - AVX-512 VNNI (Zen 4): _mm256_dpbusd_epi32 sums u8 x s8 straight into int32, one
//   instruction instead of maddubs + madd. Q8_0 weights are made unsigned with
//   `xor 0x80` and corrected by 128 * sum(q_a), so no sign trick is needed.
// - AVX2: maddubs + madd (ggml's sign trick for Q8_0).
// Several activation rows share each expanded weight block, so a batched decode
// step reads the weights once (the batching win).
// With AVX-512 VNNI the engine uses kernels_packed.c (weights regrouped at load)
// instead; these stay for other CPUs, Q4_0 and shapes the packed layout lacks.
#include "whet_kernels.h"
#include "kernels_common.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#define QK 32

static inline float round_f16(float v) { return _cvtsh_ss(_cvtss_sh(v, _MM_FROUND_TO_NEAREST_INT)); }

void whet_quantize_q8(const float *x, int n, int8_t *q, float *d, float *sq, float *s) {
    for (int b = 0; b < n / QK; b++) {
        const float *xb = x + b * QK;
        __m256 mx = _mm256_setzero_ps();
        const __m256 sign = _mm256_set1_ps(-0.0f);
        for (int j = 0; j < QK; j += 8) mx = _mm256_max_ps(mx, _mm256_andnot_ps(sign, _mm256_loadu_ps(xb + j)));
        __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(mx), _mm256_extractf128_ps(mx, 1));
        m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
        m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
        float amax = _mm_cvtss_f32(m4);
        float scale = amax / 127.0f;
        // 127/amax, not 1/scale: the AVX2 ggml quantiser does this, and the model is
        // sensitive enough that the last-bit difference shows in the logits.
        float inv = amax != 0.0f ? 127.0f / amax : 0.0f;
        __m256 vinv = _mm256_set1_ps(inv);
        __m256i iv[4];
        for (int j = 0; j < 4; j++) {
            __m256 v = _mm256_mul_ps(_mm256_loadu_ps(xb + 8 * j), vinv);
            iv[j] = _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        }
        // |values| <= 127, so the saturating packs are plain narrowing; the permute
        // undoes their 128-bit lane interleave (as ggml's AVX2 quantiser does).
        __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(iv[0], iv[1]), _mm256_packs_epi32(iv[2], iv[3]));
        packed = _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
        _mm256_storeu_si256((__m256i *)(q + b * QK), packed);
        __m256i s32 = _mm256_add_epi32(_mm256_add_epi32(iv[0], iv[1]), _mm256_add_epi32(iv[2], iv[3]));
        __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(s32), _mm256_extracti128_si256(s32, 1));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0x4E));
        s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, 0xB1));
        const int sum = _mm_cvtsi128_si32(s4);
        d[b] = round_f16(scale);
        sq[b] = (float)sum;
        s[b] = round_f16(scale * (float)sum);
    }
}

int whet_matmul_q_supported(int t) { return t == 2 || t == 3 || t == 8; }

// ---------- AVX-512 VNNI path ----------
#define VNNI_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))

// R weight rows (1 or 2) x nb activation rows (1..8): each activation block is
// loaded once for both weight rows and each weight block expanded once for all
// activations, which is where batched decoding gains over one sequence.
#define DEFINE_KERNEL(NAME, ATTR, DOT, Q8BIAS)                                                          \
    ATTR static inline __attribute__((always_inline)) void NAME(                                       \
        const int t, const uint8_t *row, size_t rb, const int R, int nblk, const int8_t *xq,           \
        const float *xd, const float *xsq, const float *xs, const int nb, int cols, float *out,        \
        int ldo, int r) {                                                                              \
        __m256 acc[2][8];                                                                              \
        float corr[2][8];                                                                              \
        for (int rr = 0; rr < R; rr++)                                                                 \
            for (int b = 0; b < nb; b++) { acc[rr][b] = _mm256_setzero_ps(); corr[rr][b] = 0; }         \
        const __m256i flip = _mm256_set1_epi8((char)0x80);                                             \
        (void)flip;                                                                                    \
        for (int i = 0; i < nblk; i++) {                                                               \
            __m256i w[2];                                                                              \
            float dw[2], extra[2];                                                                     \
            for (int rr = 0; rr < R; rr++) {                                                           \
                const uint8_t *blk = row + rr * rb + (size_t)i * whet_block_bytes(t);                  \
                dw[rr] = whet_f16_at(blk);                                                             \
                w[rr] = whet_expand_block(t, blk);                                                     \
                extra[rr] = t == 8 ? (Q8BIAS) * dw[rr] : t == 3 ? whet_f16_at(blk + 2) : -8.0f * dw[rr]; \
            }                                                                                          \
            for (int b = 0; b < nb; b++) {                                                             \
                const size_t xb = (size_t)b * (cols / QK) + i;                                         \
                __m256i a = _mm256_loadu_si256((const __m256i *)(xq + xb * QK));                       \
                float da = xd[xb];                                                                     \
                float cterm = t == 3 ? xs[xb] : da * xsq[xb];                                          \
                for (int rr = 0; rr < R; rr++) {                                                       \
                    __m256i p = DOT(t, w[rr], a, flip);                                                \
                    acc[rr][b] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(dw[rr] * da),   \
                                                 acc[rr][b]);                                          \
                    corr[rr][b] += extra[rr] * cterm;                                                  \
                }                                                                                      \
            }                                                                                          \
        }                                                                                              \
        for (int rr = 0; rr < R; rr++)                                                                 \
            for (int b = 0; b < nb; b++) out[(size_t)b * ldo + r + rr] = whet_hsum_float_8(acc[rr][b]) + corr[rr][b]; \
    }

// u8 (weights, made unsigned) x s8 (activations) -> 8 x int32.
#define DOT_VNNI(t, w, a, flip) \
    _mm256_dpbusd_epi32(_mm256_setzero_si256(), (t) == 8 ? _mm256_xor_si256(w, flip) : (w), a)

#define DOT_AVX2(t, w, a, flip) whet_lanes_avx2(t, w, a)

DEFINE_KERNEL(row_vnni, VNNI_ATTR, DOT_VNNI, -128.0f)
DEFINE_KERNEL(row_avx2, , DOT_AVX2, 0.0f)


#define DISPATCH_ROWS(KERNEL, ATTR, SUFFIX, PAIR)                                                     \
    ATTR static void rows_##SUFFIX(int t, const uint8_t *w, size_t rb, int r0, int r1, int cols,      \
                                   const int8_t *xq, const float *xd, const float *xsq, const float *xs, \
                                   int nb, float *out, int ldo) {                                      \
        const int nblk = cols / QK;                                                                    \
        for (int r = r0; r < r1;) {                                                                    \
            const uint8_t *row = w + (size_t)r * rb;                                                   \
            const int two = PAIR && r + 1 < r1;                                                        \
            for (int b0 = 0; b0 < nb; b0 += 8) {                                                       \
                int n = nb - b0 < 8 ? nb - b0 : 8;                                                     \
                const int8_t *q = xq + (size_t)b0 * cols;                                              \
                const float *d = xd + (size_t)b0 * nblk, *s = xsq + (size_t)b0 * nblk;                 \
                const float *m = xs + (size_t)b0 * nblk;                                               \
                float *o = out + (size_t)b0 * ldo;                                                     \
                if (two) {                                                                             \
                    switch (t * 16 + n) { CASES(KERNEL, 3, 2) CASES(KERNEL, 2, 2) CASES(KERNEL, 8, 2) default: break; } \
                } else {                                                                               \
                    switch (t * 16 + n) { CASES(KERNEL, 3, 1) CASES(KERNEL, 2, 1) CASES(KERNEL, 8, 1) default: break; } \
                }                                                                                      \
            }                                                                                          \
            r += two ? 2 : 1;                                                                          \
        }                                                                                              \
    }
#define CASE(KERNEL, T, N, R) \
    case T * 16 + N: KERNEL(T, row, rb, R, nblk, q, d, s, m, N, cols, o, ldo, r); break;
#define CASES(KERNEL, T, R) \
    CASE(KERNEL, T, 1, R) CASE(KERNEL, T, 2, R) CASE(KERNEL, T, 3, R) CASE(KERNEL, T, 4, R) \
    CASE(KERNEL, T, 5, R) CASE(KERNEL, T, 6, R) CASE(KERNEL, T, 7, R) CASE(KERNEL, T, 8, R)

// Row pairs only on the VNNI path: 16 accumulators need AVX-512's 32 registers.
DISPATCH_ROWS(row_vnni, VNNI_ATTR, vnni, 1)
DISPATCH_ROWS(row_avx2, , avx2, 0)

static int has_vnni = -1;

void whet_matmul_q(int t, const void *w, size_t row_bytes, int row_begin, int row_end, int cols,
                   const int8_t *xq, const float *xd, const float *xsq, const float *xs, int nb, float *out,
                   int ldo) {
    if (has_vnni < 0) {
        __builtin_cpu_init();
        has_vnni = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512bw");
        if (getenv("WHET_NO_VNNI")) has_vnni = 0;
    }
    // Q8_0 with one activation row is faster on AVX2 (the lm_head: 2.1 vs 4.5 ms); all else on VNNI.
    if (has_vnni && !(t == 8 && nb == 1))
        rows_vnni(t, (const uint8_t *)w, row_bytes, row_begin, row_end, cols, xq, xd, xsq, xs, nb, out, ldo);
    else
        rows_avx2(t, (const uint8_t *)w, row_bytes, row_begin, row_end, cols, xq, xd, xsq, xs, nb, out, ldo);
}

