// The group matmuls' pool task in C: a Swift closure as the task would be retained and released
// per chunk on both threads (contended atomics in every batched decode step).
#include "whet_kernels.h"

static void group_task(void *ctx, int chunk, int chunks, int thread) {
    (void)chunks;
    (void)thread;
    const whet_group_run *r = (const whet_group_run *)ctx;
    const int blocks = r->cols / 32;
    if (chunk < r->first) {
        const int per = (r->n + r->first - 1) / r->first;
        const int begin = chunk * per < r->n ? chunk * per : r->n, end = begin + per < r->n ? begin + per : r->n;
        if (begin >= end) return;
        const float *src = r->x;
        if (r->norm) {
            whet_rmsnorm_rows(r->x + (size_t)begin * r->cols, r->norm, r->normed + (size_t)begin * r->cols, end - begin,
                              r->cols, r->eps);
            src = r->normed;
        }
        for (size_t row = (size_t)begin; row < (size_t)end; row++)
            whet_quantize_q8(src + row * r->cols, r->cols, r->q + row * r->cols, r->d + row * blocks,
                             r->sq + row * blocks, r->s + row * blocks);
        return;
    }
    int j = 0;
    while (r->starts[j + 1] <= chunk) j++;
    const whet_group_job *job = &r->jobs[j];
    const int parts = r->starts[j + 1] - r->starts[j], part = chunk - r->starts[j];
    const int groups = job->rows / r->rows_per_group;
    const int per = (groups + parts - 1) / parts;
    const int begin = part * per < groups ? part * per : groups;
    const int end = begin + per < groups ? begin + per : groups;
    if (begin >= end) return;
    if (r->block_sums)
        whet_matmul_blocksum(job->type, job->packed, begin, end, r->cols, r->q, r->d, r->sq, r->s, r->n, job->out,
                             job->rows);
    else
        whet_matmul_packed(job->type, job->packed, begin, end, r->cols, r->q, r->d, r->s, r->n, job->out, job->rows);
}

void whet_group_matmul_run(const whet_group_run *run) {
    whet_pool_run_phased(group_task, (void *)run, run->first, run->starts[run->njobs]);
}

// 2: AVX-512 (F, BW, VL, DQ); 1: AVX2 with FMA; 0: neither. For choosing OpenBLAS's kernels.
int whet_cpu_vector_level(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return 2;
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
}
