// Attention, RoPE and SwiGLU with llama.cpp's exact rounding.
//
// Why exact: this model amplifies last-bit differences. llama.cpp itself moves
// next-token log-probabilities by up to 0.27 between two of its own code paths that
// differ only in float summation order (n_ubatch 1 vs 2), because K, V and the
// attention weights are rounded to fp16 and a last-bit change flips a rounding.
// Matching its logits to a few hundredths therefore means reproducing its
// operations bit for bit, which we verified tensor by tensor against llama.cpp's
// own intermediate tensors (eval callback) on the fixture prompts:
// - RoPE: ggml's cache (float theta multiplied along the pairs, cosf/sinf) and the
//   rotation as GCC contracts it (fma(x0, c, -(x1 * s))).
// - KQ and PV in a batch of several tokens: tinyBLAS's fp16 kernel, one 16-lane
//   accumulator per output fed 16 consecutive products at a time, reduced in
//   _mm512_reduce_add_ps's order. For a batch of one token llama.cpp takes
//   ggml_vec_dot_f16 instead: four 16-lane accumulators over 64-element steps,
//   reduced (0 + 2) + (1 + 3) and then the same way (`single` below).
// - softmax and SiLU: ggml's AVX-512 expf polynomial (ggml_v_expf), chunk sums
//   in double, scaled by (float)(1 / sum).
// The AVX-512 code is the fast path; without it the AVX2 code (kernels_attention_avx2.c)
// computes the same values. The scalar code is the specification both follow.
#include "whet_kernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define AVX512_ATTR __attribute__((target("avx2,fma,f16c,avx512f,avx512dq,avx512bw,avx512vl")))

static int have_avx512 = -1;
static inline int use_avx512(void) {
    if (have_avx512 < 0) {
        __builtin_cpu_init();
        have_avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    }
    return have_avx512;
}

// ---------- scalar specification ----------

static float expf_ggml(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                         u, fmaf(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192) return n <= 0 ? 0.0f : INFINITY;
    if (isnan(n)) return n;
    return ldexpf(j, (int)n);
}

// _mm512_reduce_add_ps as GCC expands it: halves, then quarters, then pairs.
static float reduce16(const float *a) {
    float s8[8], s4[4];
    for (int i = 0; i < 8; i++) s8[i] = a[i + 8] + a[i];
    for (int i = 0; i < 4; i++) s4[i] = s8[i + 4] + s8[i];
    return (s4[0] + s4[2]) + (s4[1] + s4[3]);
}

static inline float h2f(uint16_t h) { return _cvtsh_ss(h); }

static float dot_tiny_scalar(const float *a, const uint16_t *b, int n) {
    float acc[16] = {0};
    for (int c = 0; c < n; c += 16)
        for (int l = 0; l < 16; l++) acc[l] = fmaf(a[c + l], h2f(b[c + l]), acc[l]);
    return reduce16(acc);
}

// ggml_vec_dot_f16's order; the tail past a multiple of 64 is summed in double.
static float dot_vec4_scalar(const float *a, const uint16_t *b, int n) {
    float acc[4][16] = {{0}};
    const int full = n / 64 * 64;
    for (int c = 0; c < full; c += 64)
        for (int j = 0; j < 4; j++)
            for (int l = 0; l < 16; l++) acc[j][l] = fmaf(a[c + 16 * j + l], h2f(b[c + 16 * j + l]), acc[j][l]);
    float s[16];
    for (int l = 0; l < 16; l++) s[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
    double sum = reduce16(s);
    for (int i = full; i < n; i++) sum += (double)(a[i] * h2f(b[i]));
    return (float)sum;
}

// ---------- AVX-512 ----------

AVX512_ATTR static inline __m512 expf_ggml512(__m512 x) {
    const __m512 r = _mm512_set1_ps(0x1.8p23f);
    const __m512 z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const __m512 n = _mm512_sub_ps(z, r);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                      _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 d = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const __m512 u = _mm512_mul_ps(b, b);
    const __m512 j = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                        _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const __m512 res = _mm512_scalef_ps(j, n);
    if (_mm512_kortestz(d, d)) return res;
    const __m512 alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ),
                                            _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(d, res, alt);
}

AVX512_ATTR static inline float reduce512(__m512 v) {
    __m256 s8 = _mm256_add_ps(_mm512_extractf32x8_ps(v, 1), _mm512_castps512_ps256(v));
    __m128 s4 = _mm_add_ps(_mm256_extractf128_ps(s8, 1), _mm256_castps256_ps128(s8));
    __m128 t = _mm_add_ps(s4, _mm_shuffle_ps(s4, s4, _MM_SHUFFLE(1, 0, 3, 2)));
    t = _mm_add_ss(t, _mm_shuffle_ps(t, t, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtss_f32(t);
}

// reduce512 of 16 vectors at once, result i = reduce512(a[i]): a transposing network
// that adds the same pairs in the same order.
AVX512_ATTR static inline __m512 reduce512_x16(const __m512 *a) {
    __m512 x[8], y[4], z[2];
    for (int i = 0; i < 8; i++)
        x[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE),
                             _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44));
    for (int i = 0; i < 4; i++)
        y[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0xDD),
                             _mm512_shuffle_f32x4(x[2 * i], x[2 * i + 1], 0x88));
    for (int i = 0; i < 2; i++)
        z[i] = _mm512_add_ps(_mm512_shuffle_ps(y[2 * i], y[2 * i + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(y[2 * i], y[2 * i + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    const __m512 r = _mm512_add_ps(_mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(z[0], z[1], _MM_SHUFFLE(3, 1, 3, 1)));
    const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
    return _mm512_permutexvar_ps(order, r);
}

// The 16 lanes whose reduce512 is the score of key row `kr`: tinyBLAS's single
// accumulator, or (`single`) ggml_vec_dot_f16's four accumulators combined as its
// reduction does before the final 16-lane sum (needs hd % 64 == 0).
// 16 fp16 values of the cache as floats (exact); masked lanes read nothing and are 0.
AVX512_ATTR static inline __m512 load16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }
AVX512_ATTR static inline __m512 load16_masked(__mmask16 m, const uint16_t *p) {
    return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

AVX512_ATTR static inline __m512 score_lanes(const __m512 *qv, const uint16_t *kr, int chunks, int single) {
    if (single) {
        __m512 a[4];
        for (int j = 0; j < 4; j++) a[j] = _mm512_mul_ps(qv[j], load16(kr + 16 * j));
        for (int c = 4; c < chunks; c += 4)
            for (int j = 0; j < 4; j++) a[j] = _mm512_fmadd_ps(qv[c + j], load16(kr + 16 * (c + j)), a[j]);
        return _mm512_add_ps(_mm512_add_ps(a[0], a[2]), _mm512_add_ps(a[1], a[3]));
    }
    __m512 acc = _mm512_mul_ps(qv[0], load16(kr));
    for (int c = 1; c < chunks; c++) acc = _mm512_fmadd_ps(qv[c], load16(kr + 16 * c), acc);
    return acc;
}

// One query head: scores, softmax, fp16 rounding of the weights, weighted values.
// `single`: the one-token order (ggml_vec_dot_f16) instead of tinyBLAS's.
AVX512_ATTR static void attend_head_512(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int hd,
                                        size_t stride, size_t vstride, float scale, int single, float *w,
                                        float *out) {
    __m512 qv[16];
    const int chunks = hd / 16;
    for (int c = 0; c < chunks; c++) qv[c] = _mm512_loadu_ps(q + 16 * c);
    float mx = -INFINITY;
    int t = 0;
    if (!single || hd % 64 == 0) {
        // 16 positions at a time: their 16-lane accumulators are reduced together by
        // a transposing network that adds the same pairs as reduce512, in its order.
        __m512 vmax = _mm512_set1_ps(-INFINITY);
        for (; t + 16 <= n_kv; t += 16) {
            __m512 a[16];
            if (single) {
                for (int p = 0; p < 16; p++) a[p] = score_lanes(qv, k + (size_t)(t + p) * stride, chunks, 1);
            } else {
                // Chunk-major so the 16 positions' FMA chains interleave (one position
                // at a time was latency-bound); each position's own order is unchanged.
                for (int p = 0; p < 16; p++) a[p] = _mm512_mul_ps(qv[0], load16(k + (size_t)(t + p) * stride));
                for (int c = 1; c < chunks; c++)
                    for (int p = 0; p < 16; p++)
                        a[p] = _mm512_fmadd_ps(qv[c], load16(k + (size_t)(t + p) * stride + 16 * c), a[p]);
            }
            const __m512 sc = _mm512_mul_ps(reduce512_x16(a), _mm512_set1_ps(scale));
            _mm512_storeu_ps(w + t, sc);
            vmax = _mm512_max_ps(vmax, sc);
        }
        mx = _mm512_reduce_max_ps(vmax);
    }
    for (; t < n_kv; t++) {
        const uint16_t *kr = k + (size_t)t * stride;
        const float s = (single && hd % 64 != 0 ? dot_vec4_scalar(q, kr, hd)
                                                : reduce512(score_lanes(qv, kr, chunks, single))) * scale;
        w[t] = s;
        mx = s > mx ? s : mx;
    }
    double sum = 0;
    const __m512 vmx = _mm512_set1_ps(mx);
    for (int t = 0; t < n_kv; t += 16) {
        const int left = n_kv - t;
        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        __m512 x = _mm512_mask_loadu_ps(_mm512_set1_ps(-INFINITY), m, w + t);
        __m512 e = expf_ggml512(_mm512_sub_ps(x, vmx));
        _mm512_mask_storeu_ps(w + t, m, e);
        sum += (double)reduce512(e);
    }
    const __m512 vinv = _mm512_set1_ps((float)(1.0 / sum));
    for (int t = 0; t < n_kv; t += 16) {
        const int left = n_kv - t;
        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, w + t), vinv);
        _mm512_mask_storeu_ps(w + t, m, _mm512_cvtph_ps(_mm512_cvtps_ph(p, _MM_FROUND_TO_NEAREST_INT)));
    }
    // Weighted values from the cache's 16-position blocks (a block holds 16 positions
    // of every dimension, a dimension's 16 values in one 32-byte run): lane l of a dimension's accumulator takes positions with
    // t % 16 == l, one accumulator in tinyBLAS's order, four (chunks c % 4 == j,
    // summed (0 + 2) + (1 + 3)) in ggml_vec_dot_f16's. Positions past n_kv load as
    // zero weight and zero value, which adds nothing, as llama.cpp's padding does.
    for (int d0 = 0; d0 < hd; d0 += 16) {
        __m512 x[16];
        if (single) {
            // Four dimensions at a time share each loaded weight chunk.
            for (int i0 = 0; i0 < 16; i0 += 4) {
                __m512 a[4][4];
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++) a[i][j] = _mm512_setzero_ps();
                for (int t = 0; t < n_kv; t += 64)
                    for (int j = 0; j < 4 && t + 16 * j < n_kv; j++) {
                        const int c = t + 16 * j, left = n_kv - c;
                        const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                        const __m512 wv = _mm512_maskz_loadu_ps(m, w + c);
                        for (int i = 0; i < 4; i++)
                            a[i][j] = _mm512_fmadd_ps(wv, load16_masked(m, v + (size_t)(c >> 4) * vstride + (size_t)(d0 + i0 + i) * 16),
                                                      a[i][j]);
                    }
                for (int i = 0; i < 4; i++)
                    x[i0 + i] = _mm512_add_ps(_mm512_add_ps(a[i][0], a[i][2]), _mm512_add_ps(a[i][1], a[i][3]));
            }
        } else {
            for (int i = 0; i < 16; i++) x[i] = _mm512_setzero_ps();
            for (int t = 0; t < n_kv; t += 16) {
                const int left = n_kv - t;
                const __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
                const __m512 wv = _mm512_maskz_loadu_ps(m, w + t);
                for (int i = 0; i < 16; i++)
                    x[i] = _mm512_fmadd_ps(wv, load16_masked(m, v + (size_t)(t >> 4) * vstride + (size_t)(d0 + i) * 16), x[i]);
            }
        }
        _mm512_storeu_ps(out + d0, reduce512_x16(x));
    }
}

static void attend_head_scalar(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int hd, size_t stride,
                               size_t vstride, float scale, int single, float *w, float *out) {
    float mx = -INFINITY;
    for (int t = 0; t < n_kv; t++) {
        w[t] = (single ? dot_vec4_scalar : dot_tiny_scalar)(q, k + (size_t)t * stride, hd) * scale;
        mx = w[t] > mx ? w[t] : mx;
    }
    double sum = 0;
    for (int t = 0; t < n_kv; t += 16) {
        float e[16];
        for (int l = 0; l < 16; l++) e[l] = t + l < n_kv ? expf_ggml(w[t + l] - mx) : 0.0f;
        for (int l = 0; l < 16 && t + l < n_kv; l++) w[t + l] = e[l];
        sum += (double)reduce16(e);
    }
    const float inv = (float)(1.0 / sum);
    for (int t = 0; t < n_kv; t++) w[t] = _cvtsh_ss(_cvtss_sh(w[t] * inv, _MM_FROUND_TO_NEAREST_INT));
    for (int d = 0; d < hd; d++) {
        float acc[4][16] = {{0}};
        for (int t = 0; t < n_kv; t++) {
            const int j = single ? (t / 16) % 4 : 0;
            acc[j][t % 16] = fmaf(w[t], h2f(v[(size_t)(t >> 4) * vstride + (size_t)d * 16 + (t & 15)]), acc[j][t % 16]);
        }
        float x[16];
        for (int l = 0; l < 16; l++) x[l] = (acc[0][l] + acc[2][l]) + (acc[1][l] + acc[3][l]);
        out[d] = reduce16(x);
    }
}

void whet_attend_head(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int head_dim, size_t kv_stride,
                      size_t v_stride, float scale, int single, float *scratch, float *out) {
    if (head_dim % 16 == 0 && head_dim <= 256 && use_avx512())
        attend_head_512(q, k, v, n_kv, head_dim, kv_stride, v_stride, scale, single, scratch, out);
    else if (!whet_attend_head_avx2(q, k, v, n_kv, head_dim, kv_stride, v_stride, scale, single, scratch, out))
        attend_head_scalar(q, k, v, n_kv, head_dim, kv_stride, v_stride, scale, single, scratch, out);
}

// ---------- RoPE ----------

void whet_rope_cache(int pos, int n_rot, float freq_base, float *cs) {
    const float theta_scale = powf(freq_base, -2.0f / (float)n_rot);
    float theta = (float)pos;
    for (int i = 0; i < n_rot / 2; i++) {
        cs[2 * i] = cosf(theta);
        cs[2 * i + 1] = sinf(theta);
        theta *= theta_scale;
    }
}

void whet_rope_norm(float *x, int n_heads, int head_dim, int n_rot, const float *cs) {
    for (int h = 0; h < n_heads; h++) {
        float *p = x + (size_t)h * head_dim;
        for (int i = 0; i < n_rot / 2; i++) {
            const float c = cs[2 * i], s = cs[2 * i + 1];
            const float x0 = p[2 * i], x1 = p[2 * i + 1];
            const float a = x1 * s, b = x1 * c;
            p[2 * i] = fmaf(x0, c, -a);
            p[2 * i + 1] = fmaf(x0, s, b);
        }
    }
}

// ---------- SwiGLU ----------

AVX512_ATTR static int swiglu_512(const float *g, const float *u, float *y, int n) {
    int i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(g + i);
        __m512 e = expf_ggml512(_mm512_sub_ps(_mm512_setzero_ps(), x));
        __m512 s = _mm512_div_ps(x, _mm512_add_ps(one, e));
        _mm512_storeu_ps(y + i, _mm512_mul_ps(s, _mm512_loadu_ps(u + i)));
    }
    return i;
}

void whet_swiglu(const float *g, const float *u, float *y, int n) {
    if (!use_avx512()) return whet_swiglu_avx2(g, u, y, n);
    int i = swiglu_512(g, u, y, n);
    // ggml's scalar tail (ggml_silu_f32) uses libm expf.
    for (; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

// The scalar specification, exported so tests can hold the vector code to it.
void whet_attend_head_reference(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int head_dim,
                                size_t kv_stride, size_t v_stride, float scale, int single, float *scratch,
                                float *out) {
    attend_head_scalar(q, k, v, n_kv, head_dim, kv_stride, v_stride, scale, single, scratch, out);
}

void whet_swiglu_reference(const float *g, const float *u, float *y, int n) {
    int i = 0;
    for (const int full = n / 16 * 16; i < full; i++) y[i] = g[i] / (1.0f + expf_ggml(0.0f - g[i])) * u[i];
    for (; i < n; i++) y[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}
