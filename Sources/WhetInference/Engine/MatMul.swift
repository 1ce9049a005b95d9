import COpenBLAS
import CWhetKernels
import Foundation

/// Matrix products of activations [n × cols] with weight matrices [rows × cols],
/// giving [n × rows]. Weights of a type with integer kernels (Q4_0, Q4_1, Q8_0)
/// stay quantised and each activation row is quantised to Q8, exactly as llama.cpp
/// computes (decode steps: kernels_quant.c; many rows: kernels_gemm.c, or kernels_gemm_avx2.c
/// without AVX-512 VNNI); other types
/// (F16, BF16, K-quants) use sgemm on F32 copies. Both split the weight rows over
/// the two threads; OpenBLAS itself runs single-threaded so its spinning threads
/// never compete with the pool.
final class MatMul {
    private let xq = ScratchBuffer<Int8>()
    private let xd = ScratchBuffer<Float>()
    private let xsq = ScratchBuffer<Float>()
    private let xs = ScratchBuffer<Float>()

    /// Prompt passes use sgemm on F32 weight copies (EngineOptions.promptArithmetic).
    var sgemmPrompts = false
    /// Set by each forward pass: prompt processing rather than a generation step.
    var promptPass = false
    /// Set by the decoding loop: generation steps use the block-sum kernels.
    var blockSumSteps = false

    init() {
        openblas_set_num_threads(1)
    }

    struct Job {
        let weight: WeightMatrix
        let out: UnsafeMutablePointer<Float>
    }

    /// RMSNorm of the input rows before the products: gain, epsilon and where the
    /// normalised rows go.
    struct Norm {
        let gain: UnsafePointer<Float>
        let eps: Float
        let out: UnsafeMutablePointer<Float>
    }

    /// Computes every job's product with the same input `x` (RMS-normalised first with
    /// `norm`) in one pool run.
    func run(_ jobs: [Job], x input: UnsafePointer<Float>, n: Int, norm: Norm? = nil) {
        guard let cols = jobs.first?.weight.cols, n > 0 else { return }
        let quantised = jobs.allSatisfy { $0.weight.hasQuantKernel } && !(sgemmPrompts && promptPass)
        let blockSumPath = !promptPass && blockSumSteps && jobs.allSatisfy { $0.weight.blockSums != nil }
        let packed = jobs.allSatisfy { $0.weight.packed != nil }
        let small = n <= Self.tiledMinRows
        // Decode steps normalise their few rows in the group run's first phase, split
        // between the threads, with the quantisation (the caller alone took 3% of a
        // batched step); other paths normalise up front.
        let fuseNorm = quantised && small && (blockSumPath || packed)
        var x = input
        if let norm, !fuseNorm {
            Self.forEachRows(n) { rows in
                whet_rmsnorm_rows(input + rows.lowerBound * cols, norm.gain, norm.out + rows.lowerBound * cols,
                                  Int32(rows.count), Int32(cols), norm.eps)
            }
            x = UnsafePointer(norm.out)
        }
        guard quantised else { return runDense(jobs, x: x, n: n, cols: cols) }
        let blocks = cols / 32
        let q = xq.reserve(n * cols), d = xd.reserve(n * blocks), s = xsq.reserve(n * blocks)
        let m = xs.reserve(n * blocks)
        let quantise = { (rows: Range<Int>) in
            for r in rows {
                whet_quantize_q8(x + r * cols, Int32(cols), q + r * cols, d + r * blocks, s + r * blocks, m + r * blocks)
            }
        }
        // A few rows (decode steps) are quantised as the first phase of the group
        // kernels' pool run, one row per chunk, rather than by the caller alone while
        // the worker waits (4% of a batched step).
        if !small {
            WorkerPool.run(chunks: 8) { part, _ in quantise(WorkerPool.slice(n, part, 8)) }
        } else if !(blockSumPath || packed) {
            quantise(0..<n)
        }
        let quantiseInRun: UnsafePointer<Float>? = small ? x : nil
        // Generation steps take the block-sum kernels when the weights were packed for
        // them (EngineOptions.decodeArithmetic); prompts always keep llama.cpp's order,
        // so a prompt of a few rows goes to the tiled kernel when there is no 8-row copy.
        if blockSumPath {
            return runGroups(jobs, blockSums: true, n: n, cols: cols, quantise: quantiseInRun, norm: norm, q: q, d: d,
                             s: s, m: m)
        }
        if !small || (promptPass && !packed), runTiled(jobs, n: n, cols: cols, q: q, d: d, s: m) {
            return
        }
        // Without VNNI, many rows take the AVX2 tiles (at 8 rows or fewer they gain nothing).
        if !small, jobs.allSatisfy({
            whet_gemm_available(Int32($0.weight.type.rawValue)) == 0
                && whet_gemm_avx2_supported(Int32($0.weight.type.rawValue), Int32(cols)) != 0
        }) {
            return runRowKernel(jobs, n: n, cols: cols, q: q, d: d, s: s, m: m, tiled: true)
        }
        if packed {
            return runGroups(jobs, blockSums: false, n: n, cols: cols, quantise: quantiseInRun, norm: norm, q: q, d: d,
                             s: s, m: m)
        }
        runRowKernel(jobs, n: n, cols: cols, q: q, d: d, s: s, m: m, tiled: false)
    }

    /// The AVX2 kernels on the weights as stored, rows split over the threads: for many
    /// activation rows the chunked, 2-row-tiled schedule (kernels_gemm_avx2.c), else the
    /// row kernel; both give the same values.
    private func runRowKernel(_ jobs: [Job], n: Int, cols: Int, q: UnsafePointer<Int8>, d: UnsafePointer<Float>,
                              s: UnsafePointer<Float>, m: UnsafePointer<Float>, tiled: Bool) {
        let parts = 4
        WorkerPool.run(chunks: jobs.count * parts) { chunk, _ in
            let job = jobs[chunk / parts]
            let w = job.weight
            let rows = WorkerPool.slice(w.rows, chunk % parts, parts, align: 4)
            if rows.isEmpty { return }
            let kernel = tiled ? whet_gemm_q_avx2 : whet_matmul_q
            kernel(Int32(w.type.rawValue), w.raw, w.rowBytes, Int32(rows.lowerBound), Int32(rows.upperBound),
                   Int32(cols), q, d, s, m, Int32(n), job.out, Int32(w.rows))
        }
    }

    /// Per-row work over slices of `rows` rows: on both threads for a prompt (otherwise
    /// the worker idles through it), inline for a few rows.
    static func forEachRows(_ rows: Int, _ body: (Range<Int>) -> Void) {
        guard rows > 8 else { return body(0..<rows) }
        WorkerPool.run(chunks: 8) { part, _ in
            let slice = WorkerPool.slice(rows, part, 8)
            if !slice.isEmpty { body(slice) }
        }
    }

    /// Above this many activation rows the register-tiled kernel (kernels_gemm.c) runs.
    static let tiledMinRows = 8
    private let sT = ScratchBuffer<Float>()
    private let pairedQ = ScratchBuffer<Int8>()
    private let pairedD = ScratchBuffer<Float>()
    private let mins = ScratchBuffer<Float>()
    private var expanded: [ObjectIdentifier: ExpandedWeight] = [:]

    /// Many activation rows (prompt processing) with the tiled integer kernel; the
    /// same values as the decode kernels. False when the CPU lacks AVX-512 VNNI.
    private func runTiled(_ jobs: [Job], n: Int, cols: Int, q: UnsafePointer<Int8>, d: UnsafePointer<Float>,
                          s: UnsafePointer<Float>) -> Bool {
        guard jobs.allSatisfy({ whet_gemm_available(Int32($0.weight.type.rawValue)) != 0 }) else { return false }
        let weights = jobs.map { job in
            if let e = expanded[ObjectIdentifier(job.weight)] { return e }
            let e = ExpandedWeight(job.weight)
            expanded[ObjectIdentifier(job.weight)] = e
            return e
        }
        let blocks = cols / 32, n16 = (n + 15) / 16 * 16, pairs = (n + 1) / 2
        let st = sT.reserve(blocks * n16)
        whet_transpose_blocks(s, Int32(n), Int32(blocks), st, Int32(n16))
        let qp = pairedQ.reserve(pairs * cols * 2), dp = pairedD.reserve(pairs * blocks * 16)
        whet_pack_pairs(q, d, Int32(n), Int32(cols), qp, dp)
        var offsets: [Int] = [], total = 0
        for job in jobs { offsets.append(total); total += job.weight.rows * n }
        let minTerms = mins.reserve(total)
        let parts = 8
        WorkerPool.run(chunks: jobs.count * parts) { chunk, _ in
            let j = chunk / parts
            let w = jobs[j].weight, e = weights[j]
            let rows = WorkerPool.slice(w.rows, chunk % parts, parts, align: 4)
            if rows.isEmpty { return }
            whet_gemm_q(Int32(w.type.rawValue), e.values, e.scales, e.mins, Int32(rows.lowerBound),
                        Int32(rows.upperBound), Int32(cols), qp, dp, st, Int32(n), Int32(n16),
                        minTerms + offsets[j], jobs[j].out, Int32(w.rows))
        }
        return true
    }

    /// The packed kernels (16-row block-sum groups or 8-row groups in llama.cpp's
    /// order), each job's groups split into chunks of roughly equal work that the two
    /// threads claim (a descheduled worker costs nothing). With `quantise`, the run
    /// first quantises its n activation rows from there, one row per chunk. The task
    /// is C (kernels_dispatch.c): a Swift closure cost contended reference counting.
    private func runGroups(_ jobs: [Job], blockSums: Bool, n: Int, cols: Int, quantise x: UnsafePointer<Float>?,
                           norm: Norm?, q: UnsafeMutablePointer<Int8>, d: UnsafeMutablePointer<Float>,
                           s: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        // One row per chunk; normalising, two halves of the rows, whose squared sums
        // whet_rmsnorm_rows interleaves (a row's sum is one chain of double adds).
        let first = x == nil ? 0 : norm == nil ? n : min(n, 2)
        var starts = [Int32](repeating: Int32(first), count: jobs.count + 1)
        var groupJobs: [whet_group_job] = []
        for (j, job) in jobs.enumerated() {
            let w = job.weight
            groupJobs.append(whet_group_job(type: Int32(w.type.rawValue),
                                            packed: UnsafeRawPointer(blockSums ? w.blockSums! : w.packed!),
                                            rows: Int32(w.rows), out: job.out))
            // Batched steps are compute-bound: finer chunks even out the threads' finishing
            // times. One row is memory-bound: fewer, longer streams.
            starts[j + 1] = starts[j] + Int32(n >= 4 ? max(4, min(16, w.rows / 64)) : max(2, min(16, w.rows / 256)))
        }
        groupJobs.withUnsafeBufferPointer { gj in
            starts.withUnsafeBufferPointer { st in
                var run = whet_group_run(jobs: gj.baseAddress, njobs: Int32(gj.count), starts: st.baseAddress,
                                         first: Int32(first), block_sums: blockSums ? 1 : 0,
                                         rows_per_group: blockSums ? 16 : 8, n: Int32(n), cols: Int32(cols), x: x,
                                         q: q, d: d, sq: s, s: m, norm: norm?.gain, eps: norm?.eps ?? 0,
                                         normed: norm?.out)
                whet_group_matmul_run(&run)
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

/// A weight matrix expanded for the tiled kernel: one byte per value and float
/// scales (and Q4_1 minimums), built the first time a prompt needs it (~1.25
/// bytes per parameter).
private final class ExpandedWeight {
    let values: UnsafeMutablePointer<Int8>
    let scales: UnsafeMutablePointer<Float>
    let mins: UnsafeMutablePointer<Float>

    init(_ w: WeightMatrix) {
        let blocks = w.rows * (w.cols / 32)
        values = .allocate(capacity: w.rows * w.cols)
        scales = .allocate(capacity: blocks)
        mins = .allocate(capacity: w.type == .q4_1 ? blocks : 1)
        whet_expand_weights(Int32(w.type.rawValue), w.raw, w.rowBytes, Int32(w.rows), Int32(w.cols), values, scales,
                            mins)
    }

    deinit {
        values.deallocate()
        scales.deallocate()
        mins.deallocate()
    }
}
