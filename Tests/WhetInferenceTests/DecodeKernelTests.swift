import CWhetKernels
import Foundation
import Testing
@testable import WhetInference

/// The decode fast paths must give exactly, bit for bit, what the kernels they
/// replace give: the repacked-weight matmuls (kernels_packed.c) against
/// whet_matmul_q, and the vectorised argmax against the scalar scan.
/// On a CPU without AVX-512 VNNI the packed path is off and the engine uses
/// whet_matmul_q, so there is nothing to compare.
@Suite struct DecodeKernelTests {
    struct Xorshift {
        var s: UInt64
        mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s }
        mutating func float(_ range: Float) -> Float { Float(Int(next() % 20001) - 10000) / 10000 * range }
    }

    static func half(_ v: Float) -> [UInt8] {
        let bits = Float16(v).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    /// Random rows in ggml block layout with realistic fp16 scales.
    static func weights(_ type: GGMLType, rows: Int, cols: Int, g: inout Xorshift) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<(rows * cols / 32) {
            bytes += half(Float(g.next() % 1000 + 1) / 100_000)
            if type == .q4_1 { bytes += half(-Float(g.next() % 1000) / 100_000) }
            bytes += (0..<(type == .q8_0 ? 32 : 16)).map { _ in UInt8(truncatingIfNeeded: g.next()) }
        }
        return bytes
    }

    /// Random activation rows quantised as the engine does: values, scales, sums, d * sums.
    static func quantisedActivations(batch: Int, cols: Int, g: inout Xorshift) -> ([Int8], [Float], [Float], [Float]) {
        quantised((0..<(batch * cols)).map { _ in g.float(4) }, batch: batch, cols: cols)
    }

    /// `batch` rows of `cols` values quantised row by row with whet_quantize_q8.
    static func quantised(_ x: [Float], batch: Int, cols: Int) -> ([Int8], [Float], [Float], [Float]) {
        let blocks = cols / 32
        var q = [Int8](repeating: 0, count: batch * cols)
        var d = [Float](repeating: 0, count: batch * blocks), sq = d, s = d
        for b in 0..<batch {
            x.withUnsafeBufferPointer {
                whet_quantize_q8($0.baseAddress! + b * cols, Int32(cols), &q[b * cols], &d[b * blocks],
                                 &sq[b * blocks], &s[b * blocks])
            }
        }
        return (q, d, sq, s)
    }

    @Test(arguments: [GGMLType.q4_1, .q8_0], [1, 2, 3, 4, 5, 7, 8, 11])
    func packedMatmulIsBitIdenticalToTheRowKernel(type: GGMLType, batch: Int) throws {
        guard whet_packed_supported() != 0 else { return }
        let rows = 48, cols = 1536, blocks = cols / 32
        let t = Int32(type.rawValue)
        var g = Xorshift(s: 0x9E37_79B9 &+ UInt64(batch) &* 31 &+ UInt64(type.rawValue))
        let w = Self.weights(type, rows: rows, cols: cols, g: &g)
        let packedBytes = whet_packed_bytes(t, Int32(rows), Int32(cols))
        #expect(packedBytes == w.count)
        var packed = [UInt8](repeating: 0, count: packedBytes)
        whet_pack_q(t, w, type.rowBytes(cols), Int32(rows), Int32(cols), &packed)

        let (q, d, sq, s) = Self.quantisedActivations(batch: batch, cols: cols, g: &g)
        // Reference: the row kernel, one activation row at a time (its single-row
        // arithmetic, which the packed kernel keeps for every batch size).
        var expected = [Float](repeating: .nan, count: batch * rows)
        q.withUnsafeBufferPointer { q in
            d.withUnsafeBufferPointer { d in
                sq.withUnsafeBufferPointer { sq in
                    s.withUnsafeBufferPointer { s in
                        expected.withUnsafeMutableBufferPointer { out in
                            for b in 0..<batch {
                                whet_matmul_q(t, w, type.rowBytes(cols), 0, Int32(rows), Int32(cols),
                                              q.baseAddress! + b * cols, d.baseAddress! + b * blocks,
                                              sq.baseAddress! + b * blocks, s.baseAddress! + b * blocks, 1,
                                              out.baseAddress! + b * rows, Int32(rows))
                            }
                        }
                    }
                }
            }
        }
        var got = [Float](repeating: .nan, count: batch * rows)
        // Two calls over halves of the groups, as the thread pool splits the work.
        whet_matmul_packed(t, packed, 0, 2, Int32(cols), q, d, s, Int32(batch), &got, Int32(rows))
        whet_matmul_packed(t, packed, 2, Int32(rows / 8), Int32(cols), q, d, s, Int32(batch), &got, Int32(rows))
        for i in 0..<(batch * rows) {
            #expect(got[i].bitPattern == expected[i].bitPattern, "output \(i): \(got[i]) vs \(expected[i])")
        }
    }

    /// The block-sum kernels (kernels_blocksum.c) against their scalar specification,
    /// bit for bit; nb = 9 and 11 take the split into batches of eight.
    @Test(arguments: [GGMLType.q4_1, .q8_0], [1, 2, 3, 5, 8, 9, 11])
    func blockSumMatmulIsBitIdenticalToItsSpecification(type: GGMLType, batch: Int) throws {
        guard whet_blocksum_supported() != 0 else { return }
        let rows = 48, cols = 1536, blocks = cols / 32
        let t = Int32(type.rawValue)
        var g = Xorshift(s: 0x51ED_270B &+ UInt64(batch) &* 97 &+ UInt64(type.rawValue))
        let w = Self.weights(type, rows: rows, cols: cols, g: &g)
        let bytes = whet_blocksum_bytes(t, Int32(rows), Int32(cols))
        #expect(bytes == w.count)
        var packed = [UInt8](repeating: 0, count: bytes)
        whet_blocksum_pack(t, w, type.rowBytes(cols), Int32(rows), Int32(cols), &packed)
        let (q, d, sq, s) = Self.quantisedActivations(batch: batch, cols: cols, g: &g)
        var expected = [Float](repeating: .nan, count: batch * rows)
        whet_matmul_blocksum_reference(t, w, type.rowBytes(cols), Int32(rows), Int32(cols), q, d, s, Int32(batch),
                                       &expected, Int32(rows))
        var got = [Float](repeating: .nan, count: batch * rows)
        whet_matmul_blocksum(t, packed, 0, 1, Int32(cols), q, d, sq, s, Int32(batch), &got, Int32(rows))
        whet_matmul_blocksum(t, packed, 1, Int32(rows / 16), Int32(cols), q, d, sq, s, Int32(batch), &got, Int32(rows))
        for i in 0..<(batch * rows) {
            #expect(got[i].bitPattern == expected[i].bitPattern, "output \(i): \(got[i]) vs \(expected[i])")
        }
        // Another arithmetic than llama.cpp's lane order, but the same products: close.
        var lanes = [Float](repeating: .nan, count: batch * rows)
        for b in 0..<batch {
            whet_matmul_q(t, w, type.rowBytes(cols), 0, Int32(rows), Int32(cols), Array(q[(b * cols)...]),
                          Array(d[(b * blocks)...]), Array(sq[(b * blocks)...]), Array(s[(b * blocks)...]), 1,
                          &lanes[b * rows], Int32(rows))
        }
        for i in 0..<(batch * rows) {
            #expect(abs(got[i] - lanes[i]) <= 1e-4 * max(1, abs(lanes[i])), "output \(i): \(got[i]) vs \(lanes[i])")
        }
    }

    @Test func unsupportedShapesAreNotPacked() {
        #expect(whet_packed_bytes(Int32(GGMLType.q4_1.rawValue), 12, 64) == 0)  // rows % 8
        #expect(whet_packed_bytes(Int32(GGMLType.q4_0.rawValue), 16, 64) == 0)  // type
        #expect(whet_packed_bytes(Int32(GGMLType.q8_0.rawValue), 16, 8192) == 0)  // too wide
        #expect(whet_packed_bytes(Int32(GGMLType.q8_0.rawValue), 16, 64) == 16 / 8 * 2 * 272)
    }

    @Test(arguments: [1, 15, 16, 17, 1000, 49152])
    func vectorArgmaxPicksWhatTheScalarScanPicks(count: Int) {
        var g = Xorshift(s: UInt64(count) &* 0x9E37_79B9_7F4A_7C15 | 1)
        var rows: [[Float]] = []
        rows.append((0..<count).map { _ in g.float(20) })
        // Ties: the first of several equal maxima.
        rows.append((0..<count).map { _ in Float(Int(g.next() % 5)) })
        // NaNs anywhere but first are never chosen; a leading NaN gives 0.
        var withNaN = (0..<count).map { _ in g.float(20) }
        for i in stride(from: count / 3, to: count, by: 7) { withNaN[i] = .nan }
        rows.append(withNaN)
        var leadingNaN = withNaN
        leadingNaN[0] = .nan
        rows.append(leadingNaN)
        // Signed zeros compare equal: the first one wins.
        rows.append((0..<count).map { i in i % 2 == 0 ? -0.0 : 0.0 })
        rows.append((0..<count).map { _ in -.infinity })
        for (k, row) in rows.enumerated() {
            let scalar = row.withUnsafeBufferPointer { Sampler.argmax($0.baseAddress!, count: count) }
            let vector = row.withUnsafeBufferPointer { whet_argmax_f32($0.baseAddress!, Int32(count)) }
            #expect(Int32(vector) == scalar, "row kind \(k)")
        }
    }

    /// With every decode kernel independent of the batch size, a sequence decoded
    /// among others gets the very logits it gets alone.
    @Test func batchedDecodeLogitsEqualSingleLogits() throws {
        let engine = try EngineTestSupport.engine()
        let prompts = EngineTestSupport.reference.greedy.prefix(3).map(\.prompt_ids)
        let model = engine.model, vocab = engine.config.vocabSize
        func decodeStep(_ which: [Int]) -> [[Float]] {
            let caches = which.map { _ in model.makeCache() }
            for (cache, i) in zip(caches, which) {
                _ = model.forward(tokens: prompts[i], segments: [Segment(cache: cache, start: 0, count: prompts[i].count,
                                                                          row: 0)],
                                  logitRows: [], prompt: true, matmul: engine.matmul, buffers: engine.buffers)
            }
            let segments = caches.enumerated().map { row, cache in
                Segment(cache: cache, start: cache.length, count: 1, row: row)
            }
            let tokens = which.map { Int32(500 + $0) }
            let logits = model.forward(tokens: tokens, segments: segments, logitRows: Array(which.indices), prompt: false,
                                       matmul: engine.matmul, buffers: engine.buffers)
            return which.indices.map { Array(UnsafeBufferPointer(start: logits + $0 * vocab, count: vocab)) }
        }
        for blockSums in [false, true] {
            // Other tests share the engine: set the arithmetic under the same lock hold.
            func step(_ which: [Int]) -> [[Float]] {
                engine.lock.withLock {
                    engine.matmul.blockSumSteps = blockSums
                    defer { engine.matmul.blockSumSteps = false }
                    return decodeStep(which)
                }
            }
            let together = step([0, 1, 2])
            for i in 0..<3 {
                let alone = step([i])[0]
                #expect(together[i].map(\.bitPattern) == alone.map(\.bitPattern), "sequence \(i), block sums \(blockSums)")
            }
        }
    }
}
