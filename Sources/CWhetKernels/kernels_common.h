// Helpers shared by the quantised kernels (not part of the public header). They
// must be one definition: the decode, packed and prompt kernels have to reduce in
// exactly ggml's order to give the same values.
#pragma once
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

// An fp16 stored at p (unaligned), as float.
static inline float whet_f16_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

// ggml's hsum_float_8: halves, then movehl, then movehdup.
static inline __attribute__((always_inline)) float whet_hsum_float_8(__m256 x) {
    __m128 r = _mm_add_ps(_mm256_extractf128_ps(x, 1), _mm256_castps256_ps128(x));
    r = _mm_add_ps(r, _mm_movehl_ps(r, r));
    r = _mm_add_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

// Bytes of one ggml block of 32 values: Q4_0 (2), Q4_1 (3), Q8_0 (8).
static inline int whet_block_bytes(int t) { return t == 3 ? 20 : t == 2 ? 18 : 34; }

// A weight block's quants in one register: Q4 nibbles unsigned (element k from the low
// nibble of byte k, k + 16 from its high nibble, as ggml stores them), Q8_0 bytes signed.
static inline __attribute__((always_inline)) __m256i whet_expand_block(int t, const uint8_t *blk) {
    if (t == 8) return _mm256_loadu_si256((const __m256i *)(blk + 2));
    const __m128i raw = _mm_loadu_si128((const __m128i *)(blk + (t == 3 ? 4 : 2)));
    return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(raw, 4), raw), _mm256_set1_epi8(0x0F));
}

// AVX2: the block's 8 int32 lane sums of 4 products (maddubs + madd; ggml's sign trick for
// Q8_0, where |w| x sign(a, w) keeps maddubs' unsigned operand non-negative).
static inline __attribute__((always_inline)) __m256i whet_lanes_avx2(int t, __m256i w, __m256i a) {
    const __m256i ones = _mm256_set1_epi16(1);
    if (t == 8) return _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(a, w)), ones);
    return _mm256_madd_epi16(_mm256_maddubs_epi16(w, a), ones);
}
