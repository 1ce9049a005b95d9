// Attention of one query row (a decode step) for head_dim 64, bit-identical to
// whet_attend_one (kernels_ops.c) but ~4x faster: that one calls a dot product and
// an axpy per cached position, reloading and storing the 64 outputs each time;
// here the query and the output stay in four zmm registers. The arithmetic is the
// same operation for operation:
// - the score's dot product: one 16-lane FMA chain over the four 16-element chunks
//   is exactly whet_dot_f32's two 8-lane accumulators side by side (lanes 0-7 and
//   8-15), added and reduced in the same order, then multiplied by the scale;
// - softmax with scalar expf, a sequential f32 sum, 1/sum and fp16 rounding;
// - out = sum over positions of p_t * v_t, one fused multiply-add per position in
//   position order, as the axpy loop does.
// In a batched decode step this was the largest cost after the matmuls.
#include "whet_kernels.h"
#include <immintrin.h>
#include <math.h>

#define ATT_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512vl")))

ATT_ATTR static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

ATT_ATTR static void attend64(const float *q, const float *k, const float *v, int n_kv, size_t kv_stride,
                              float scale, float *scratch, float *out) {
    const __m512 q0 = _mm512_loadu_ps(q), q1 = _mm512_loadu_ps(q + 16);
    const __m512 q2 = _mm512_loadu_ps(q + 32), q3 = _mm512_loadu_ps(q + 48);
    for (int t = 0; t < n_kv; t++) {
        const float *kt = k + (size_t)t * kv_stride;
        // The cache rows come from memory (a batch's caches outgrow L2): ask for the
        // keys a few rows ahead and for this row's values, needed after the softmax.
        if (t + 8 < n_kv) {
            const float *kp = kt + 8 * kv_stride, *vp = v + (size_t)t * kv_stride;
            _mm_prefetch((const char *)kp, _MM_HINT_T0);
            _mm_prefetch((const char *)(kp + 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(kp + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(kp + 48), _MM_HINT_T0);
            _mm_prefetch((const char *)vp, _MM_HINT_T0);
            _mm_prefetch((const char *)(vp + 16), _MM_HINT_T0);
            _mm_prefetch((const char *)(vp + 32), _MM_HINT_T0);
            _mm_prefetch((const char *)(vp + 48), _MM_HINT_T0);
        }
        __m512 z = _mm512_fmadd_ps(q0, _mm512_loadu_ps(kt), _mm512_setzero_ps());
        z = _mm512_fmadd_ps(q1, _mm512_loadu_ps(kt + 16), z);
        z = _mm512_fmadd_ps(q2, _mm512_loadu_ps(kt + 32), z);
        z = _mm512_fmadd_ps(q3, _mm512_loadu_ps(kt + 48), z);
        const __m256 acc = _mm256_add_ps(_mm512_castps512_ps256(z),
                                         _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)));
        scratch[t] = hsum256(acc) * scale;
    }
    float mx = -INFINITY;
    for (int t = 0; t < n_kv; t++) mx = scratch[t] > mx ? scratch[t] : mx;
    float sum = 0;
    for (int t = 0; t < n_kv; t++) {
        scratch[t] = expf(scratch[t] - mx);
        sum += scratch[t];
    }
    const float inv = 1.0f / sum;
    for (int t = 0; t < n_kv; t++) scratch[t] *= inv;
    whet_round_f16(scratch, n_kv);
    __m512 o0 = _mm512_setzero_ps(), o1 = o0, o2 = o0, o3 = o0;
    for (int t = 0; t < n_kv; t++) {
        const float *vt = v + (size_t)t * kv_stride;
        const __m512 p = _mm512_set1_ps(scratch[t]);
        o0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vt), o0);
        o1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vt + 16), o1);
        o2 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vt + 32), o2);
        o3 = _mm512_fmadd_ps(p, _mm512_loadu_ps(vt + 48), o3);
    }
    _mm512_storeu_ps(out, o0);
    _mm512_storeu_ps(out + 16, o1);
    _mm512_storeu_ps(out + 32, o2);
    _mm512_storeu_ps(out + 48, o3);
}

void whet_attend_row(const float *q, const float *k, const float *v, int n_kv, int head_dim, size_t kv_stride,
                     float scale, float *scratch, float *out) {
    static int has_avx512 = -1;
    if (has_avx512 < 0) {
        __builtin_cpu_init();
        has_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }
    if (head_dim == 64 && has_avx512 && n_kv > 0)
        attend64(q, k, v, n_kv, kv_stride, scale, scratch, out);
    else
        whet_attend_one(q, k, v, n_kv, head_dim, kv_stride, scale, scratch, out);
}
