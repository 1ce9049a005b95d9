#pragma once
#include <stddef.h>
#include <stdint.h>

// Hot loops of the llama forward pass. They are in C because they need integer
// SIMD (maddubs / dpbusd) and explicit FMA reductions that Swift's SIMD types do
// not lower to; each kernels_*.c says why it is shaped the way it is.


// ---- Activation quantisation (Q8, 32-element blocks) ----
// x[n] -> q[n] int8, d[n/32] scales, sq[n/32] = sum of the block's q (as float),
// s[n/32] = d * sum(q). d and s are rounded through fp16 as ggml's block_q8_0 /
// block_q8_1 store them, so products match llama.cpp's to the last bits.
void whet_quantize_q8(const float *x, int n, int8_t *q, float *d, float *sq, float *s);

// ---- Quantised matrix x activations ----
// Weight types with a native integer kernel: 2 = Q4_0, 3 = Q4_1, 8 = Q8_0.
int whet_matmul_q_supported(int ggml_type);
// W: rows of `cols` elements in ggml block layout (row stride = row_bytes).
// For rows [row_begin, row_end) and activations b in [0, nb):
//   out[b * ldo + r] = dot(W[r], x_b)
// x_b is given quantised: xq + b*cols, and xd, xsq, xs + b*cols/32.
void whet_matmul_q(int ggml_type, const void *w, size_t row_bytes, int row_begin, int row_end, int cols,
                   const int8_t *xq, const float *xd, const float *xsq, const float *xs, int nb, float *out,
                   int ldo);

// ---- Decode kernels on repacked weights (kernels_packed.c) ----
// Q4_1 (3) and Q8_0 (8) rows regrouped 8 at a time at load so a decode step
// streams each weight once with fewer instructions; results are bit-identical to
// whet_matmul_q's AVX2 / VNNI arithmetic for Q4_1 and to its single-row Q8_0 path.
// Needs AVX-512 VNNI (+VL, BW); callers fall back to whet_matmul_q otherwise.
int whet_packed_supported(void);
// Bytes of the packed copy, or 0 when the shape or type has no packed kernel
// (rows % 8 != 0, cols > 4096, other types).
size_t whet_packed_bytes(int ggml_type, int rows, int cols);
void whet_pack_q(int ggml_type, const void *src, size_t row_bytes, int rows, int cols, void *dst);
// Groups [group_begin, group_end) (rows 8g..8g+7) against nb activation rows
// quantised by whet_quantize_q8: out[b * ldo + row] = dot(W[row], x_b).
void whet_matmul_packed(int ggml_type, const void *packed, int group_begin, int group_end, int cols,
                        const int8_t *xq, const float *xd, const float *xs, int nb, float *out, int ldo);

// ---- Decode kernels with per-block integer sums (kernels_blocksum.c) ----
// Q4_1 (3) and Q8_0 (8) rows regrouped 16 at a time. Each block's 32 products are
// summed as integers and scaled once (ggml's generic formula), not in the AVX2
// lane order: faster for batches, last bits differ from whet_matmul_packed. Every
// (row, activation) output takes the same operations whatever nb is. Needs AVX-512
// VNNI (whet_blocksum_supported); rows % 16 == 0.
int whet_blocksum_supported(void);
size_t whet_blocksum_bytes(int ggml_type, int rows, int cols);
void whet_blocksum_pack(int ggml_type, const void *src, size_t row_bytes, int rows, int cols, void *dst);
// Groups [group_begin, group_end) (rows 16g..16g+15); xsq is the per-block sum of
// the quantised activations (whet_quantize_q8's sq), xs its d * sum.
void whet_matmul_blocksum(int ggml_type, const void *packed, int group_begin, int group_end, int cols,
                          const int8_t *xq, const float *xd, const float *xsq, const float *xs, int nb, float *out,
                          int ldo);
// The scalar specification on ggml's block layout (for tests).
void whet_matmul_blocksum_reference(int ggml_type, const void *w, size_t row_bytes, int rows, int cols,
                                    const int8_t *xq, const float *xd, const float *xs, int nb, float *out, int ldo);

// ---- Quantised weights x many activation rows (prompt processing) ----
// kernels_gemm.c: ggml's vec_dot values, register-tiled for many rows; needs
// AVX-512 VNNI (whet_gemm_available). The weights come expanded once by
// whet_expand_weights (wq: rows * cols bytes, wd and wm: rows * cols/32 floats;
// wm only for Q4_1), the activations packed by whet_pack_pairs (qp: (n+1)/2 *
// cols * 2 bytes, dp: (n+1)/2 * cols/32 * 16 floats); xsT is xs transposed to
// [cols/32][n16] (n16 = n rounded up to 16, zero padded; whet_transpose_blocks).
// mins: scratch of rows * n floats (indexed by absolute row).
int whet_gemm_available(int ggml_type);
void whet_expand_weights(int ggml_type, const void *w, size_t row_bytes, int rows, int cols, int8_t *wq, float *wd,
                         float *wm);
void whet_gemm_q(int ggml_type, const int8_t *wq, const float *wd, const float *wm, int row_begin, int row_end,
                 int cols, const int8_t *qp, const float *dp, const float *xsT, int n, int n16, float *mins,
                 float *out, int ldo);
void whet_pack_pairs(const int8_t *xq, const float *xd, int n, int cols, int8_t *qp, float *dp);
void whet_transpose_blocks(const float *x, int n, int nblk, float *xT, int n16);

// kernels_gemm_avx2.c: the same arguments and values as whet_matmul_q's AVX2 path,
// scheduled for many activation rows (chunks of rows x 2-row weight tiles). For
// CPUs without AVX-512 VNNI; types 2, 3, 8 and cols <= 4096 (whet_gemm_avx2_supported).
int whet_gemm_avx2_supported(int ggml_type, int cols);
void whet_gemm_q_avx2(int ggml_type, const void *w, size_t row_bytes, int row_begin, int row_end, int cols,
                      const int8_t *xq, const float *xd, const float *xsq, const float *xs, int nb, float *out,
                      int ldo);

// ---- Small dense ops ----
void whet_rmsnorm(const float *x, const float *w, float *y, int n, float eps);
// whet_rmsnorm of `rows` consecutive rows, the same values, faster for several rows.
void whet_rmsnorm_rows(const float *x, const float *w, float *y, int rows, int n, float eps);
// NORM (adjacent pairs) RoPE on n_heads heads of head_dim; cs holds n_rot/2
// (cos, sin) pairs for the token's position, as whet_rope_cache computes them.
// kernels_attention.c: these three reproduce llama.cpp's rounding exactly.
void whet_rope_norm(float *x, int n_heads, int head_dim, int n_rot, const float *cs);
void whet_rope_cache(int pos, int n_rot, float freq_base, float *cs);
// One query head (q rounded to fp16) against n_kv cached positions stored as fp16
// (llama.cpp's cache type): keys as rows of head_dim (stride kv_stride values),
// values in blocks of 16 positions: dimension d of position t at
// v[(t / 16) * v_stride + d * 16 + t % 16], so 16 positions of a dimension are one load
// and a head's 16 positions one contiguous run (whet_f32_to_f16_blocked stores them).
// Scores, softmax, weighted values.
// `single`: the batch holds one token (llama.cpp sums in another order then).
// scratch holds n_kv + 16 floats.
void whet_attend_head(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int head_dim, size_t kv_stride,
                      size_t v_stride, float scale, int single, float *scratch, float *out);
// y = silu(g) * u (ggml_vec_swiglu_f32).
void whet_swiglu(const float *g, const float *u, float *y, int n);
// The scalar code the vector kernels above must agree with bit for bit (tests).
void whet_attend_head_reference(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int head_dim,
                                size_t kv_stride, size_t v_stride, float scale, int single, float *scratch,
                                float *out);
void whet_swiglu_reference(const float *g, const float *u, float *y, int n);
// The AVX2 forms (machines without AVX-512), also bit for bit the scalar code. The
// attention returns 0, computing nothing, for a head size it does not take.
int whet_attend_head_avx2(const float *q, const uint16_t *k, const uint16_t *v, int n_kv, int head_dim,
                          size_t kv_stride, size_t v_stride, float scale, int single, float *scratch, float *out);
void whet_swiglu_avx2(const float *g, const float *u, float *y, int n);
// y += a * x
void whet_axpy_f32(float a, const float *x, float *y, int n);
// log(sum(exp(x))) over n floats: max-shifted, summed in double; within 1e-7 of libm's.
double whet_log_sum_exp(const float *x, int n);
// Rounds every value to the nearest fp16 (kept as f32): llama.cpp keeps K, V and
// the attention inputs in fp16, and matching its logits needs the same rounding.
void whet_round_f16(float *x, int n);
// Row-wise fp16 -> f32 and f32 -> fp16 (round to nearest even).
void whet_f16_to_f32(const uint16_t *src, float *dst, int n);
void whet_f32_to_f16(const float *src, uint16_t *dst, int n);
// Stores `count` rows (src_stride apart) of `width` floats as fp16 in 16-position
// blocks (the V cache layout): row i, column d is position p = start + i and goes to
// dst[(p / 16) * block_stride + d * 16 + p % 16].
void whet_f32_to_f16_blocked(const float *src, size_t src_stride, int count, int width, uint16_t *dst, int start,
                             size_t block_stride);

// 2: AVX-512 (F, BW, VL, DQ); 1: AVX2 with FMA; 0: neither (kernels_dispatch.c).
int whet_cpu_vector_level(void);

// ---- Token selection (kernels_select.c) ----
// First index of the largest value (NaNs skipped; 0 when x[0] is NaN), as a strict
// `>` scan from x[0] finds it.
int whet_argmax_f32(const float *x, int n);

// ---- A two-thread work-sharing pool ----
// fn(ctx, chunk, chunks, thread) runs once per chunk in [0, chunks), on the caller
// (thread 0) or the worker (thread 1); returns when all chunks are done.
typedef void (*whet_task_fn)(void *ctx, int chunk, int chunks, int thread);
void whet_pool_run(whet_task_fn fn, void *ctx, int chunks);
// As whet_pool_run, but chunks [0, first) all finish before any chunk >= first
// starts (e.g. quantise the rows, then multiply them), in one run.
void whet_pool_run_phased(whet_task_fn fn, void *ctx, int first, int chunks);

// ---- Group matmul runs (kernels_dispatch.c) ----
// Jobs sharing one activation: job j's 16-row (block_sums) or 8-row groups are split
// evenly over chunks [starts[j], starts[j + 1]); chunks [0, first) first quantise the
// n activation rows of x, an equal share each (first = 0: q/d/sq/s are already
// filled). With `norm`, a share is first RMS-normalised (whet_rmsnorm_rows, gain
// `norm`, `eps`) into `normed` and that is quantised.
typedef struct {
    int type;
    const void *packed;
    int rows;
    float *out;
} whet_group_job;
typedef struct {
    const whet_group_job *jobs;
    int njobs;
    const int *starts;  // njobs + 1 entries
    int first;
    int block_sums;
    int rows_per_group;
    int n;
    int cols;
    const float *x;
    int8_t *q;
    float *d, *sq, *s;
    const float *norm;
    float eps;
    float *normed;
} whet_group_run;
void whet_group_matmul_run(const whet_group_run *run);
int whet_pool_threads(void);
