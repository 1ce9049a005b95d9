import COpenBLAS
import CWhetKernels

/// Causal grouped-query self-attention with NORM RoPE. Query head h reads KV head
/// h / (heads / kvHeads). New keys/values go into each sequence's KV cache first,
/// so a token attends to its own sequence's positions 0...pos.
struct Attention: Sendable {
    let norm: WeightVector
    let query: WeightMatrix
    let key: WeightMatrix
    let value: WeightMatrix
    let output: WeightMatrix

    /// Query rows per sgemm tile in prompt processing: small enough to balance the
    /// causal triangle across the two threads, big enough for sgemm to be efficient.
    static let rowTile = 64

    func forward(_ pass: ForwardPass, layer: Int) {
        let c = pass.config, n = pass.rows
        let qd = c.queryDim, kvd = c.kvDim
        let xn = pass.normalized(norm)
        let q = pass.buffers.q.reserve(n * qd), k = pass.buffers.k.reserve(n * kvd)
        let v = pass.buffers.v.reserve(n * kvd)
        pass.matmul.run([.init(weight: query, out: q), .init(weight: key, out: k), .init(weight: value, out: v)],
                        x: xn, n: n)
        for r in 0..<n {
            let cs = pass.rope.row(pass.positions[r])
            whet_rope_norm(q + r * qd, Int32(c.headCount), Int32(c.headDim), Int32(c.ropeDimensions), cs)
            whet_rope_norm(k + r * kvd, Int32(c.headCountKV), Int32(c.headDim), Int32(c.ropeDimensions), cs)
        }
        // llama.cpp's KV cache and attention products are fp16; rounding the same
        // values keeps our logits within ~0.01 of it instead of ~0.2.
        whet_round_f16(q, Int32(n * qd))
        whet_round_f16(k, Int32(n * kvd))
        whet_round_f16(v, Int32(n * kvd))
        for seg in pass.segments {
            let dst = seg.cache.keys[layer] + seg.start * kvd
            dst.update(from: k + seg.row * kvd, count: seg.count * kvd)
            (seg.cache.values[layer] + seg.start * kvd).update(from: v + seg.row * kvd, count: seg.count * kvd)
        }
        let att = pass.buffers.attention.reserve(n * qd)
        attend(pass, layer: layer, q: q, out: att)
        let delta = pass.buffers.delta.reserve(n * pass.width)
        pass.matmul.run([.init(weight: output, out: delta)], x: att, n: n)
        pass.addResidual(delta)
    }

    private struct Item {
        let segment: Int
        let head: Int
        let rows: Range<Int>
    }

    private func attend(_ pass: ForwardPass, layer: Int, q: UnsafeMutablePointer<Float>,
                        out: UnsafeMutablePointer<Float>) {
        let c = pass.config
        var items: [Item] = []
        var maxKeys = 0
        for (s, seg) in pass.segments.enumerated() {
            maxKeys = max(maxKeys, seg.start + seg.count)
            for tile in stride(from: 0, to: seg.count, by: Self.rowTile) {
                for h in 0..<c.headCount {
                    items.append(Item(segment: s, head: h, rows: tile..<min(seg.count, tile + Self.rowTile)))
                }
            }
        }
        let scoreSize = Self.rowTile * maxKeys
        let scores = (0..<WorkerPool.threadCount).map { pass.buffers.scores($0).reserve(scoreSize) }
        let qd = c.queryDim, kvd = c.kvDim, hd = c.headDim
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let fastSoftmax = pass.matmul.promptMode
        WorkerPool.run(chunks: items.count) { i, thread in
            let s = scores[thread]
            do {
                let item = items[i]
                let seg = pass.segments[item.segment]
                let kvHead = item.head / group
                let keys = seg.cache.keys[layer] + kvHead * hd
                let values = seg.cache.values[layer] + kvHead * hd
                let firstRow = seg.row + item.rows.lowerBound
                let qPtr = q + firstRow * qd + item.head * hd
                let oPtr = out + firstRow * qd + item.head * hd
                let visible = seg.start + item.rows.upperBound
                if item.rows.count == 1 {
                    whet_attend_row(qPtr, keys, values, Int32(visible), Int32(hd), kvd, scale, s, oPtr)
                    return
                }
                let m = item.rows.count
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(visible), Int32(hd),
                            scale, qPtr, Int32(qd), keys, Int32(kvd), 0, s, Int32(visible))
                for r in 0..<m {
                    let row = s + r * visible
                    let valid = seg.start + item.rows.lowerBound + r + 1
                    if fastSoftmax { whet_softmax_fast(row, Int32(valid)) } else { whet_softmax(row, Int32(valid)) }
                    whet_round_f16(row, Int32(valid))
                    if valid < visible { (row + valid).update(repeating: 0, count: visible - valid) }
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(hd), Int32(visible),
                            1, s, Int32(visible), values, Int32(kvd), 0, oPtr, Int32(qd))
            }
        }
    }
}
