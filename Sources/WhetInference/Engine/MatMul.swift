import COpenBLAS
import CWhetKernels
import Foundation

/// Matrix products of activations [n × cols] with weight matrices [rows × cols],
/// giving [n × rows]. Small batches (decode steps) use the quantised integer
/// kernels on the weights as stored; larger ones use sgemm on the F32 copies.
/// Both split the weight rows over the two threads; OpenBLAS itself runs
/// single-threaded so its spinning threads never compete with the pool.
final class MatMul {
    /// Largest decode batch for the quantised kernels (a batched decode step has one
    /// row per sequence); beyond it sgemm reads each weight once for all rows anyway.
    var quantMaxBatch = 16
    private let xq = ScratchBuffer<Int8>()
    private let xd = ScratchBuffer<Float>()
    private let xsq = ScratchBuffer<Float>()
    private let xs = ScratchBuffer<Float>()

    init() {
        openblas_set_num_threads(1)
        if let v = ProcessInfo.processInfo.environment["WHET_QUANT_MAX_BATCH"].flatMap(Int.init) { quantMaxBatch = v }
    }

    struct Job {
        let weight: WeightMatrix
        let out: UnsafeMutablePointer<Float>
    }

    /// Forces sgemm on F32 activations whatever the batch size. The engine sets it
    /// for every piece of a prompt longer than `quantMaxBatch`, so such a prompt
    /// gives the same logits whether processed whole or as a prefix-cache hit plus
    /// a short suffix: this model amplifies last-bit differences enough that mixing
    /// the two paths can flip a greedy near-tie. Short prompts and generated tokens
    /// use the Q8 kernels, as llama.cpp does. (Measured against the llama.cpp
    /// fixture: F32 for long prompts tracks its logits more closely than Q8.)
    var promptMode = false

    /// Computes every job's product with the same input `x` in one pool run.
    func run(_ jobs: [Job], x: UnsafePointer<Float>, n: Int) {
        guard let cols = jobs.first?.weight.cols, n > 0 else { return }
        let quantised = !promptMode && n <= quantMaxBatch && jobs.allSatisfy { $0.weight.hasQuantKernel }
        guard quantised else { return runDense(jobs, x: x, n: n, cols: cols) }
        let blocks = cols / 32
        let q = xq.reserve(n * cols), d = xd.reserve(n * blocks), s = xsq.reserve(n * blocks)
        let m = xs.reserve(n * blocks)
        for r in 0..<n {
            whet_quantize_q8(x + r * cols, Int32(cols), q + r * cols, d + r * blocks, s + r * blocks, m + r * blocks)
        }
        if jobs.allSatisfy({ $0.weight.packed != nil }) {
            return runPacked(jobs, n: n, cols: cols, q: q, d: d, s: m)
        }
        let parts = 4
        WorkerPool.run(chunks: jobs.count * parts) { chunk, _ in
            let job = jobs[chunk / parts]
            let w = job.weight
            let rows = WorkerPool.slice(w.rows, chunk % parts, parts, align: 4)
            if rows.isEmpty { return }
            whet_matmul_q(Int32(w.type.rawValue), w.raw, w.rowBytes, Int32(rows.lowerBound),
                          Int32(rows.upperBound), Int32(cols), q, d, s, m, Int32(n), job.out, Int32(w.rows))
        }
    }

    /// The packed kernels, each job's 8-row groups split into chunks of roughly
    /// equal work that the two threads claim (a descheduled worker costs nothing).
    private func runPacked(_ jobs: [Job], n: Int, cols: Int, q: UnsafePointer<Int8>, d: UnsafePointer<Float>,
                           s: UnsafePointer<Float>) {
        var firstChunk = [Int](repeating: 0, count: jobs.count + 1)
        for (j, job) in jobs.enumerated() {
            let groups = job.weight.rows / 8
            // Batched steps are compute-bound: finer chunks even out the two threads'
            // finishing times (measured +1-2% at 8 rows). One row is memory-bound, and
            // fewer, longer streams did slightly better there.
            firstChunk[j + 1] = firstChunk[j] + (n >= 4 ? max(4, min(16, groups / 8)) : max(2, min(16, groups / 32)))
        }
        firstChunk.withUnsafeBufferPointer { starts in
            WorkerPool.run(chunks: starts[jobs.count]) { chunk, _ in
                var j = 0
                while starts[j + 1] <= chunk { j += 1 }
                let w = jobs[j].weight
                let groups = WorkerPool.slice(w.rows / 8, chunk - starts[j], starts[j + 1] - starts[j])
                if groups.isEmpty { return }
                whet_matmul_packed(Int32(w.type.rawValue), w.packed, Int32(groups.lowerBound),
                                   Int32(groups.upperBound), Int32(cols), q, d, s, Int32(n), jobs[j].out,
                                   Int32(w.rows))
            }
        }
    }

    private func runDense(_ jobs: [Job], x: UnsafePointer<Float>, n: Int, cols: Int) {
        do {
            for job in jobs { try? job.weight.materialize() }
            let parts = 4
            WorkerPool.run(chunks: jobs.count * parts) { chunk, _ in
                do {
                    let job = jobs[chunk / parts]
                    let w = job.weight
                    guard let dense = w.f32 else { return }
                    let rows = WorkerPool.slice(w.rows, chunk % parts, parts, align: 16)
                    if rows.isEmpty { return }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(rows.count), Int32(cols),
                                1, x, Int32(cols), dense + rows.lowerBound * cols, Int32(cols),
                                0, job.out + rows.lowerBound, Int32(w.rows))
                }
            }
        }
    }
}
