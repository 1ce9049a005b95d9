import CWhetKernels

/// A run of consecutive tokens of one sequence inside a forward batch: rows
/// `row..<row+count` of the batch are positions `start..<start+count` of `cache`.
struct Segment {
    let cache: KVCache
    let start: Int
    let count: Int
    let row: Int
}

/// Scratch memory reused across forward passes (one set per engine).
final class ForwardBuffers {
    let x = ScratchBuffer<Float>(), xn = ScratchBuffer<Float>()
    let q = ScratchBuffer<Float>(), k = ScratchBuffer<Float>(), v = ScratchBuffer<Float>()
    let attention = ScratchBuffer<Float>(), delta = ScratchBuffer<Float>()
    let gate = ScratchBuffer<Float>(), up = ScratchBuffer<Float>()
    let selected = ScratchBuffer<Float>(), logits = ScratchBuffer<Float>()
    private let perThreadScores = (0..<2).map { _ in ScratchBuffer<Float>() }

    func scores(_ thread: Int) -> ScratchBuffer<Float> { perThreadScores[thread] }
}

/// The state of one forward pass over a batch of rows (tokens) that may belong to
/// several sequences: the residual stream `x` [rows × width] and the helpers the
/// blocks call.
final class ForwardPass {
    let config: LlamaConfig
    let rope: RopeTable
    let matmul: MatMul
    let buffers: ForwardBuffers
    let segments: [Segment]
    let positions: [Int]
    let rows: Int
    let width: Int
    let x: UnsafeMutablePointer<Float>
    /// One new token per sequence (decoding) rather than prompt processing.
    var generationStep = false

    init(model: Llama, tokens: [Int32], segments: [Segment], matmul: MatMul, buffers: ForwardBuffers) {
        config = model.config
        rope = model.rope
        self.matmul = matmul
        self.buffers = buffers
        self.segments = segments
        rows = tokens.count
        width = config.embeddingLength
        var positions = [Int](repeating: 0, count: rows)
        var maxPosition = 0
        for seg in segments {
            seg.cache.reserve(seg.start + seg.count)
            for i in 0..<seg.count { positions[seg.row + i] = seg.start + i }
            maxPosition = max(maxPosition, seg.start + seg.count)
        }
        self.positions = positions
        rope.ensure(maxPosition)
        x = buffers.x.reserve(rows * width)
        for (r, token) in tokens.enumerated() { model.tokenEmbedding.row(Int(token), into: x + r * width) }
    }

    /// The products of RMSNorm(x) (gain `gain`; normalised rows in the shared `xn`
    /// buffer) with every job's weights.
    func normalizedProducts(_ gain: WeightVector, _ jobs: [MatMul.Job]) {
        let xn = buffers.xn.reserve(rows * width)
        gain.values.withUnsafeBufferPointer { w in
            matmul.run(jobs, x: x, n: rows, norm: .init(gain: w.baseAddress!, eps: config.rmsEpsilon, out: xn))
        }
    }

    /// Per-row work over slices of the rows (MatMul.forEachRows).
    func forEachRows(_ body: (Range<Int>) -> Void) { MatMul.forEachRows(rows, body) }

    func addResidual(_ delta: UnsafeMutablePointer<Float>) {
        forEachRows { rows in
            whet_axpy_f32(1, delta + rows.lowerBound * width, x + rows.lowerBound * width, Int32(rows.count * width))
        }
    }
}

extension Llama {
    /// Runs the blocks over `tokens` (laid out as `segments`), extends each segment's
    /// cache, and returns the logits [logitRows.count × vocab] of the requested rows.
    /// `prompt` is false for a generation step (one new token per sequence): llama.cpp
    /// sums attention in another order for a one-token batch, which greedy decoding
    /// must follow to reproduce its continuations. Prompt processing (and scoring)
    /// always takes the batch order, so a prefix-cache hit, a one-token suffix or a
    /// split prompt gives the same values as the whole prompt at once.
    func forward(tokens: [Int32], segments: [Segment], logitRows: [Int], prompt: Bool, matmul: MatMul,
                 buffers: ForwardBuffers) -> UnsafeMutablePointer<Float> {
        matmul.promptPass = prompt
        let pass = ForwardPass(model: self, tokens: tokens, segments: segments, matmul: matmul, buffers: buffers)
        pass.generationStep = !prompt
        for block in blocks { block.forward(pass) }
        for seg in segments { seg.cache.length = seg.start + seg.count }
        let d = config.embeddingLength, m = logitRows.count
        let selected = buffers.selected.reserve(max(m, 1) * d)
        outputNorm.values.withUnsafeBufferPointer { w in
            if logitRows == Array(0..<m) {
                whet_rmsnorm_rows(pass.x, w.baseAddress!, selected, Int32(m), Int32(d), config.rmsEpsilon)
            } else {
                for (i, r) in logitRows.enumerated() {
                    whet_rmsnorm(pass.x + r * d, w.baseAddress!, selected + i * d, Int32(d), config.rmsEpsilon)
                }
            }
        }
        let logits = buffers.logits.reserve(max(m, 1) * config.vocabSize)
        matmul.run([.init(weight: output, out: logits)], x: selected, n: m)
        return logits
    }
}
