import CWhetKernels
import Testing
import WhetCore

/// The kernels that reproduce llama.cpp's rounding exist in two or more forms (AVX-512
/// and scalar; register-tiled and row-by-row). They must agree bit for bit, or the
/// engine's results would depend on the CPU or on how many rows a batch holds.
@Suite struct KernelAgreementTests {
    static func halfRounded(_ count: Int, _ rng: inout SeededGenerator, scale: Float = 1) -> [Float] {
        (0..<count).map { _ in
            var v = Float.random(in: -scale...scale, using: &rng)
            whet_round_f16(&v, 1)
            return v
        }
    }

    @Test(arguments: [(1, 0), (5, 0), (37, 1), (64, 0), (64, 1), (300, 0), (300, 1)])
    func attentionVectorEqualsScalar(positions: Int, single: Int) {
        var rng = SeededGenerator(seed: UInt64(positions * 2 + single))
        let hd = 64, stride = 3 * hd
        let q = Self.halfRounded(hd, &rng, scale: 2)
        let k = Self.halfRounded(positions * stride, &rng, scale: 2).map { Float16($0).bitPattern }
        // Values in 16-position blocks (KVCache): position t, dimension d at
        // (t / 16) * vStride + d * 16 + t % 16; this head is the first of three.
        let vStride = 3 * hd * 16
        let v = Self.halfRounded((positions + 15) / 16 * vStride, &rng).map { Float16($0).bitPattern }
        var scratch = [Float](repeating: 0, count: positions + 16)
        var fast = [Float](repeating: 0, count: hd), slow = fast
        whet_attend_head(q, k, v, Int32(positions), Int32(hd), stride, vStride, 0.125, Int32(single), &scratch, &fast)
        whet_attend_head_reference(q, k, v, Int32(positions), Int32(hd), stride, vStride, 0.125, Int32(single), &scratch,
                                   &slow)
        #expect(fast == slow)
        // The two summation orders are different computations: with enough positions
        // they must differ somewhere, or `single` would be ignored.
        if positions >= 64 {
            var other = [Float](repeating: 0, count: hd)
            whet_attend_head(q, k, v, Int32(positions), Int32(hd), stride, vStride, 0.125, Int32(1 - single), &scratch,
                             &other)
            #expect(other != fast)
        }
    }

    /// The AVX2 form (CPUs without AVX-512) against the scalar specification, with scores
    /// large enough that softmax's exponentials go subnormal and underflow, and garbage
    /// (NaN) in the value block past the last position, which must be ignored.
    @Test(arguments: [(1, 0), (16, 1), (37, 0), (64, 1), (300, 0), (300, 1), (517, 1)], [Float(2), 40])
    func attentionAVX2EqualsScalar(shape: (Int, Int), range: Float) {
        let (positions, single) = shape
        var rng = SeededGenerator(seed: UInt64(positions * 2 + single) + UInt64(range))
        let hd = 64, stride = 3 * hd, vStride = 3 * hd * 16
        let q = Self.halfRounded(hd, &rng, scale: range)
        let k = Self.halfRounded(positions * stride, &rng, scale: range).map { Float16($0).bitPattern }
        var v = Self.halfRounded((positions + 15) / 16 * vStride, &rng).map { Float16($0).bitPattern }
        for t in positions..<((positions + 15) / 16 * 16) {
            for d in 0..<hd { v[(t / 16) * vStride + d * 16 + t % 16] = Float16.nan.bitPattern }
        }
        var scratch = [Float](repeating: 0, count: positions + 16)
        var fast = [Float](repeating: 0, count: hd), slow = fast
        let done = whet_attend_head_avx2(q, k, v, Int32(positions), Int32(hd), stride, vStride, 0.125, Int32(single),
                                         &scratch, &fast)
        whet_attend_head_reference(q, k, v, Int32(positions), Int32(hd), stride, vStride, 0.125, Int32(single), &scratch,
                                   &slow)
        #expect(done == 1)
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
    }

    @Test func swigluAVX2EqualsScalar() {
        var rng = SeededGenerator(seed: 6)
        let n = 1536 + 7
        var g = (0..<n).map { _ in Float.random(in: -120...120, using: &rng) }
        // Overflowing, underflowing and special exponents.
        g.replaceSubrange(0..<8, with: [.nan, .infinity, -.infinity, 1e-40, -95, 95, -88.5, 100])
        let u = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
        var fast = [Float](repeating: 0, count: n), slow = fast
        whet_swiglu_avx2(g, u, &fast, Int32(n))
        whet_swiglu_reference(g, u, &slow, Int32(n))
        #expect(fast.map(\.bitPattern) == slow.map(\.bitPattern))
    }

    @Test func swigluVectorEqualsScalar() {
        var rng = SeededGenerator(seed: 5)
        let n = 1536 + 7
        let g = (0..<n).map { _ in Float.random(in: -12...12, using: &rng) }
        let u = (0..<n).map { _ in Float.random(in: -3...3, using: &rng) }
        var fast = [Float](repeating: 0, count: n), slow = fast
        whet_swiglu(g, u, &fast, Int32(n))
        whet_swiglu_reference(g, u, &slow, Int32(n))
        #expect(fast == slow)
    }

    /// ggml's vec_dot for one weight row and one quantised activation row, written
    /// plainly: per block, 8 int32 lane sums of 4 products, fma'd into 8 float lanes
    /// with dw * da, hsum_float_8, plus the fma-ordered sum of m * s for Q4_1.
    static func reference(type: Int, block: (Int) -> [UInt8], blocks: Int, q: ArraySlice<Int8>, d: ArraySlice<Float>,
                          s: ArraySlice<Float>) -> Float {
        func half(_ b: [UInt8], _ at: Int) -> Float { Float(Float16(bitPattern: UInt16(b[at]) | UInt16(b[at + 1]) << 8)) }
        var lanes = [Float](repeating: 0, count: 8)
        var summs: Float = 0
        for i in 0..<blocks {
            let b = block(i)
            let dw = half(b, 0)
            let values: [Int] = switch type {
            case 8: (0..<32).map { Int(Int8(bitPattern: b[2 + $0])) }
            default: (0..<32).map { k in
                    let byte = b[(type == 3 ? 4 : 2) + k % 16]
                    let nibble = Int(k < 16 ? byte & 0x0F : byte >> 4)
                    return type == 2 ? nibble - 8 : nibble
                }
            }
            let a = q[q.startIndex + i * 32 ..< q.startIndex + i * 32 + 32].map(Int.init)
            let scale = dw * d[d.startIndex + i]
            for j in 0..<8 {
                let sum = (4 * j ..< 4 * j + 4).reduce(0) { $0 + values[$1] * a[$1] }
                lanes[j] = lanes[j].addingProduct(Float(sum), scale)
            }
            if type == 3 { summs = summs.addingProduct(half(b, 2), s[s.startIndex + i]) }
        }
        let s4 = (0..<4).map { lanes[$0 + 4] + lanes[$0] }
        return ((s4[0] + s4[2]) + (s4[1] + s4[3])) + summs
    }

    /// Random blocks of each quantised type; the tiled prompt kernel must give
    /// ggml's values for every row count (tails included), and so must the decode
    /// kernel for Q4_1.
    @Test(arguments: [(2, 18), (3, 20), (8, 34)])
    func tiledProductIsGgmlVecDot(type: Int, blockBytes: Int) throws {
        var rng = SeededGenerator(seed: UInt64(type))
        let rows = 13, cols = 96, blocks = cols / 32
        var weights = [UInt8](repeating: 0, count: rows * blocks * blockBytes)
        for b in 0..<(rows * blocks) {
            let base = b * blockBytes
            for i in 0..<blockBytes { weights[base + i] = UInt8.random(in: 0...255, using: &rng) }
            // Sane fp16 scale (and Q4_1 min).
            for (offset, value) in [(0, Float.random(in: 0.001...0.05, using: &rng)),
                                    (2, Float.random(in: -0.2...0.2, using: &rng))] where offset == 0 || type == 3 {
                let h = Float16(value).bitPattern
                weights[base + offset] = UInt8(h & 0xFF)
                weights[base + offset + 1] = UInt8(h >> 8)
            }
        }
        for n in [1, 2, 7, 9, 17, 33, 70] {
            let x = (0..<(n * cols)).map { _ in Float.random(in: -4...4, using: &rng) }
            var q = [Int8](repeating: 0, count: n * cols)
            var d = [Float](repeating: 0, count: n * blocks), sq = d, s = d
            for r in 0..<n {
                x.withUnsafeBufferPointer { xp in
                    whet_quantize_q8(xp.baseAddress! + r * cols, Int32(cols), &q[r * cols], &d[r * blocks],
                                     &sq[r * blocks], &s[r * blocks])
                }
            }
            var expected = [Float](repeating: 0, count: n * rows)
            for t in 0..<n {
                for r in 0..<rows {
                    expected[t * rows + r] = Self.reference(
                        type: type, block: { i in
                            let at = (r * blocks + i) * blockBytes
                            return Array(weights[at ..< at + blockBytes])
                        }, blocks: blocks, q: q[t * cols ..< (t + 1) * cols], d: d[t * blocks ..< (t + 1) * blocks],
                        s: s[t * blocks ..< (t + 1) * blocks])
                }
            }
            // The tiled prompt kernel needs AVX-512 VNNI; without it the engine uses the decode kernels.
            if whet_gemm_available(Int32(type)) == 1 {
                let n16 = (n + 15) / 16 * 16
                var sT = [Float](repeating: 0, count: blocks * n16)
                whet_transpose_blocks(s, Int32(n), Int32(blocks), &sT, Int32(n16))
                let pairs = (n + 1) / 2
                var qp = [Int8](repeating: 0, count: pairs * cols * 2), dp = [Float](repeating: 0, count: pairs * blocks * 16)
                whet_pack_pairs(q, d, Int32(n), Int32(cols), &qp, &dp)
                var wq = [Int8](repeating: 0, count: rows * cols)
                var wd = [Float](repeating: 0, count: rows * blocks), wm = wd
                whet_expand_weights(Int32(type), weights, blocks * blockBytes, Int32(rows), Int32(cols), &wq, &wd, &wm)
                var tiled = [Float](repeating: .nan, count: n * rows), mins = tiled
                // Two row ranges, as the pool splits them.
                for range in [0..<5, 5..<rows] {
                    whet_gemm_q(Int32(type), wq, wd, wm, Int32(range.lowerBound), Int32(range.upperBound), Int32(cols),
                                qp, dp, sT, Int32(n), Int32(n16), &mins, &tiled, Int32(rows))
                }
                #expect(zip(tiled, expected).filter { $0 != $1 }.count == 0, "type \(type), \(n) rows")
            }
            // The AVX2 prompt schedule (chunks of 32 rows, 2-row tiles): the AVX2 row kernel's
            // values, which are ggml's for Q4_1 and Q8_0 (its Q4_0 corrects the nibble offset in float).
            if type != 2 {
                var chunked = [Float](repeating: .nan, count: n * rows)
                for range in [0..<5, 5..<rows] {
                    whet_gemm_q_avx2(Int32(type), weights, blocks * blockBytes, Int32(range.lowerBound),
                                     Int32(range.upperBound), Int32(cols), q, d, sq, s, Int32(n), &chunked, Int32(rows))
                }
                #expect(zip(chunked, expected).filter { $0 != $1 }.count == 0, "AVX2 prompt kernel, type \(type), \(n) rows")
            }
            if type == 3 {
                var rowByRow = [Float](repeating: 0, count: n * rows)
                whet_matmul_q(Int32(type), weights, blocks * blockBytes, 0, Int32(rows), Int32(cols), q, d, sq, s,
                              Int32(n), &rowByRow, Int32(rows))
                #expect(zip(rowByRow, expected).filter { $0 != $1 }.count == 0, "decode kernel, \(n) rows")
            }
        }
    }
}
