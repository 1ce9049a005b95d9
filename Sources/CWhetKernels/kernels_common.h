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
