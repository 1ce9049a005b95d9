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

    /// Query rows per work item: small enough to balance the causal triangle across
    /// the two threads.
    static let rowTile = 16

    func forward(_ pass: ForwardPass, layer: Int) {
        let c = pass.config, n = pass.rows
        let qd = c.queryDim, kvd = c.kvDim
        let q = pass.buffers.q.reserve(n * qd), k = pass.buffers.k.reserve(n * kvd)
        let v = pass.buffers.v.reserve(n * kvd)
        pass.normalizedProducts(norm, [.init(weight: query, out: q), .init(weight: key, out: k),
                                       .init(weight: value, out: v)])
        pass.forEachRows { rows in
            for r in rows {
                let cs = pass.rope.row(pass.positions[r])
                whet_rope_norm(q + r * qd, Int32(c.headCount), Int32(c.headDim), Int32(c.ropeDimensions), cs)
                whet_rope_norm(k + r * kvd, Int32(c.headCountKV), Int32(c.headDim), Int32(c.ropeDimensions), cs)
            }
            // llama.cpp's KV cache and attention products are fp16 (kernels_attention.c);
            // K and V are rounded as they go into the cache.
            whet_round_f16(q + rows.lowerBound * qd, Int32(rows.count * qd))
        }
        // When every segment fits one row tile (decode steps, short suffixes), each work
        // item stores its own KV head's new keys and values, on both threads and just
        // before it reads them (the V store touches a cache line per two dimensions:
        // 4% of a batched step when done up front). Otherwise a tile needs
        // the keys of earlier tiles, so everything is stored first.
        let storeInItems = pass.segments.allSatisfy { $0.count <= Self.rowTile }
        if !storeInItems {
            for seg in pass.segments {
                Self.store(k: k, v: v, kvd: kvd, row: seg.row, start: seg.start, count: seg.count, col: 0, width: kvd,
                           keys: seg.cache.keys[layer], values: seg.cache.values[layer])
            }
        }
        let att = pass.buffers.attention.reserve(n * qd)
        attend(pass, layer: layer, q: q, k: storeInItems ? k : nil, v: v, out: att)
        let delta = pass.buffers.delta.reserve(n * pass.width)
        pass.matmul.run([.init(weight: output, out: delta)], x: att, n: n)
        pass.addResidual(delta)
    }

    /// The query heads that share one KV head, over a tile of one segment's rows: one
    /// thread reads that head's keys and values for all of them (split by head, the
    /// two threads each pulled the same KV into their own L2). Plain values: work items
    /// run on both threads, where class references cost contended reference counting.
    private struct Item {
        let kvHead: Int
        let rows: Range<Int>
        /// The segment: its first batch row, first new position and new row count.
        let row: Int
        let start: Int
        let count: Int
        /// This layer's fp16 keys and (16-position blocks of) values in the segment's cache.
        let keys: UnsafeMutablePointer<UInt16>
        let values: UnsafeMutablePointer<UInt16>
    }

    /// Writes `count` new rows of keys and values (batch rows from `row`, positions
    /// from `start`), columns col..<col+width, into a layer's cache as fp16 (values in
    /// 16-position blocks, KVCache).
    static func store(k: UnsafePointer<Float>, v: UnsafePointer<Float>, kvd: Int, row: Int, start: Int, count: Int,
                      col: Int, width: Int, keys: UnsafeMutablePointer<UInt16>, values: UnsafeMutablePointer<UInt16>) {
        for i in 0..<count {
            whet_f32_to_f16(k + (row + i) * kvd + col, keys + (start + i) * kvd + col, Int32(width))
        }
        whet_f32_to_f16_blocked(v + row * kvd + col, kvd, Int32(count), Int32(width), values + col * 16, Int32(start),
                                kvd * 16)
    }

    /// `k` is nil when the new keys and values are already stored.
    private func attend(_ pass: ForwardPass, layer: Int, q: UnsafeMutablePointer<Float>, k: UnsafePointer<Float>?,
                        v: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>) {
        let c = pass.config
        var items: [Item] = []
        var maxKeys = 0
        for seg in pass.segments {
            maxKeys = max(maxKeys, seg.start + seg.count)
            for tile in stride(from: 0, to: seg.count, by: Self.rowTile) {
                for h in 0..<c.headCountKV {
                    items.append(Item(kvHead: h, rows: tile..<min(seg.count, tile + Self.rowTile), row: seg.row,
                                      start: seg.start, count: seg.count, keys: seg.cache.keys[layer],
                                      values: seg.cache.values[layer]))
                }
            }
        }
        let scores = (0..<WorkerPool.threadCount).map { pass.buffers.scores($0).reserve(maxKeys + 16) }
        let qd = c.queryDim, kvd = c.kvDim, hd = c.headDim
        let group = c.headCount / c.headCountKV
        let scale = 1 / Float(hd).squareRoot()
        let single: Int32 = pass.generationStep ? 1 : 0
        scores.withUnsafeBufferPointer { scores in items.withUnsafeBufferPointer { items in
            WorkerPool.run(chunks: items.count) { i, thread in
                let item = items[i]
                let col = item.kvHead * hd
                if let k {
                    Self.store(k: k, v: v, kvd: kvd, row: item.row, start: item.start, count: item.count, col: col,
                               width: hd, keys: item.keys, values: item.values)
                }
                for head in item.kvHead * group..<(item.kvHead + 1) * group {
                    for r in item.rows {
                        let row = item.row + r
                        whet_attend_head(q + row * qd + head * hd, item.keys + col, item.values + col * 16,
                                         Int32(item.start + r + 1), Int32(hd), kvd, kvd * 16, scale, single,
                                         scores[thread], out + row * qd + head * hd)
                    }
                }
            }
        } }
    }
}
