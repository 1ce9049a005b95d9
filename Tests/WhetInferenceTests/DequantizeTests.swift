import CWhetKernels
import Testing
@testable import WhetInference

/// Hand-made blocks with values worked out from the block layouts (ggml-common.h).
@Suite struct DequantizeTests {
    static func half(_ v: Float) -> [UInt8] { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian, Array.init) }

    static func run(_ type: GGMLType, _ bytes: [UInt8], count: Int) throws -> [Float] {
        var out = [Float](repeating: .nan, count: count)
        try bytes.withUnsafeBytes { src in
            try out.withUnsafeMutableBufferPointer { dst in
                try Dequantize.row(type, src.baseAddress!, dst.baseAddress!, count: count)
            }
        }
        return out
    }

    @Test func q4_0() throws {
        // d = 0.5; byte j holds element j (low nibble) and j+16 (high nibble), minus 8.
        let qs = (0..<16).map { (i: Int) -> UInt8 in UInt8(i + (15 - i) * 16) }
        let out = try Self.run(.q4_0, Self.half(0.5) + qs, count: 32)
        for j in 0..<16 {
            #expect(out[j] == Float(j - 8) * 0.5)
            #expect(out[j + 16] == Float(15 - j - 8) * 0.5)
        }
    }

    @Test func q4_1() throws {
        let qs = (0..<16).map { (i: Int) -> UInt8 in UInt8(i + ((i * 3) % 16) * 16) }
        let out = try Self.run(.q4_1, Self.half(0.25) + Self.half(-1) + qs, count: 32)
        for j in 0..<16 {
            #expect(out[j] == Float(j) * 0.25 - 1)
            #expect(out[j + 16] == Float((j * 3) % 16) * 0.25 - 1)
        }
    }

    @Test func q8_0() throws {
        let qs: [Int8] = (0..<32).map { Int8($0 * 8 - 128) }
        let out = try Self.run(.q8_0, Self.half(0.125) + qs.map { UInt8(bitPattern: $0) }, count: 32)
        for j in 0..<32 { #expect(out[j] == Float(qs[j]) * 0.125) }
    }

    @Test func f16AndBF16AndF32() throws {
        let values: [Float] = [0, 1, -2.5, 65504, 1.0 / 1024, -0.333251953125]
        #expect(try Self.run(.f16, values.flatMap(Self.half), count: values.count) == values)
        let bf: [UInt8] = values.flatMap { v in withUnsafeBytes(of: UInt16(v.bitPattern >> 16).littleEndian, Array.init) }
        let back = try Self.run(.bf16, bf, count: values.count)
        for (a, b) in zip(back, values) { #expect(a == Float(bitPattern: b.bitPattern & 0xFFFF_0000)) }
        let f32 = values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        #expect(try Self.run(.f32, f32, count: values.count) == values)
    }

    @Test func q4_K() throws {
        // Sub-block j has scale j+1 and min 2j (6-bit, packed as get_scale_min_k4 reads them).
        let sc = (0..<8).map { $0 + 1 }, mn = (0..<8).map { 2 * $0 }
        var scales = [UInt8](repeating: 0, count: 12)
        for j in 0..<4 {
            let scHigh: Int = (sc[j + 4] >> 4) << 6
            let mnHigh: Int = (mn[j + 4] >> 4) << 6
            let packed: Int = (sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4)
            scales[j] = UInt8(sc[j] | scHigh)
            scales[j + 4] = UInt8(mn[j] | mnHigh)
            scales[j + 8] = UInt8(packed)
        }
        let qs = (0..<128).map { (i: Int) -> UInt8 in UInt8(i % 16 + ((i + 5) % 16) * 16) }
        let d: Float = 0.5, dmin: Float = 0.25
        let out = try Self.run(.q4_K, Self.half(d) + Self.half(dmin) + scales + qs, count: 256)
        for chunk in 0..<4 {
            for l in 0..<32 {
                let q = qs[chunk * 32 + l]
                let lo = d * Float(sc[2 * chunk]) * Float(q & 0xF) - dmin * Float(mn[2 * chunk])
                let hi = d * Float(sc[2 * chunk + 1]) * Float(q >> 4) - dmin * Float(mn[2 * chunk + 1])
                #expect(out[chunk * 64 + l] == lo)
                #expect(out[chunk * 64 + 32 + l] == hi)
            }
        }
    }

    @Test func q6_K() throws {
        // Element e has 6-bit value (e * 7) % 64; sub-block s (16 elements) has scale s - 8.
        let value = { (e: Int) in (e * 7) % 64 }
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for half in 0..<2 {
            for l in 0..<32 {
                let base = half * 128
                let v = [value(base + l), value(base + l + 32), value(base + l + 64), value(base + l + 96)]
                ql[half * 64 + l] = UInt8(v[0] & 0xF) | UInt8((v[2] & 0xF) << 4)
                ql[half * 64 + l + 32] = UInt8(v[1] & 0xF) | UInt8((v[3] & 0xF) << 4)
                let high: Int = (v[0] >> 4) | ((v[1] >> 4) << 2) | ((v[2] >> 4) << 4) | ((v[3] >> 4) << 6)
                qh[half * 32 + l] = UInt8(high)
            }
        }
        let scales = (0..<16).map { UInt8(bitPattern: Int8($0 - 8)) }
        let d: Float = 0.125
        let out = try Self.run(.q6_K, ql + qh + scales + Self.half(d), count: 256)
        for e in 0..<256 {
            #expect(out[e] == d * Float(e / 16 - 8) * Float(value(e) - 32), "element \(e)")
        }
    }

    @Test(arguments: [GGMLType.q5_0, .q5_1, .q2_K, .q3_K, .q5_K, .q8_K, .iq4_nl, .i8])
    func otherTypesAreUnsupported(type: GGMLType) {
        let bytes = [UInt8](repeating: 0, count: type.typeSize)
        #expect(throws: TensorError.unsupportedType(type)) { _ = try Self.run(type, bytes, count: type.blockSize) }
        #expect(TensorError.unsupportedType(type).errorDescription?.contains("unsupported tensor type") == true)
    }
}

/// The integer decode kernels against a plain float dot product of the
/// dequantised weights with the dequantised Q8 activations.
@Suite struct QuantKernelTests {
    struct LCG {
        var s: UInt64
        mutating func next() -> UInt64 { s = s &* 6364136223846793005 &+ 1442695040888963407; return s >> 33 }
        mutating func float() -> Float { Float(next() % 2001) / 1000 - 1 }
    }

    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0], [1, 3, 8, 11])
    func matchesFloatReference(type: GGMLType, batch: Int) throws {
        let rows = 12, cols = 128, blocks = cols / 32
        var g = LCG(s: UInt64(type.rawValue) * 1000 + UInt64(batch))
        var weights: [UInt8] = []
        for _ in 0..<(rows * blocks) {
            weights += DequantizeTests.half(Float(g.next() % 100 + 1) / 1000)
            if type == .q4_1 { weights += DequantizeTests.half(-Float(g.next() % 100) / 1000) }
            let payload = type == .q8_0 ? 32 : 16
            weights += (0..<payload).map { _ in UInt8(g.next() % 256) }
        }
        let x = (0..<(batch * cols)).map { _ in g.float() }
        let (q, d, sq, s) = DecodeKernelTests.quantised(x, batch: batch, cols: cols)
        var out = [Float](repeating: .nan, count: batch * rows)
        whet_matmul_q(Int32(type.rawValue), weights, type.rowBytes(cols), 0, Int32(rows), Int32(cols),
                      q, d, sq, s, Int32(batch), &out, Int32(rows))
        let dense = try DequantizeTests.run(type, weights, count: rows * cols)
        for b in 0..<batch {
            for r in 0..<rows {
                var expected: Double = 0
                for c in 0..<cols {
                    let xq = Double(q[b * cols + c]) * Double(d[b * blocks + c / 32])
                    expected += Double(dense[r * cols + c]) * xq
                }
                let scale = max(1, abs(expected))
                #expect(abs(Double(out[b * rows + r]) - expected) / scale < 2e-3,
                        "row \(r) batch \(b): \(out[b * rows + r]) vs \(expected)")
            }
        }
    }
}
