import CWhetKernels

/// Turning ggml blocks into F32 rows, dispatched on each tensor's own type (a
/// "Q4_1" file still holds F32 norms and a Q8_0 embedding). Layouts follow
/// ggml-common.h / ggml-quants.c.
public enum Dequantize {

    /// Dequantises `count` elements (a multiple of the block size) from `src` to `dst`.
    public static func row(_ type: GGMLType, _ src: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>,
                           count: Int) throws(TensorError) {
        let blocks = count / type.blockSize
        switch type {
        case .f32:
            dst.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            whet_f16_to_f32(src.assumingMemoryBound(to: UInt16.self), dst, Int32(count))
        case .bf16:
            let s = src.assumingMemoryBound(to: UInt16.self)
            for i in 0..<count { dst[i] = Float(bitPattern: UInt32(s[i]) << 16) }
        case .q4_0:
            for b in 0..<blocks {
                let blk = src + b * 18
                let d = half(blk)
                let out = dst + b * 32
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 2 + j, as: UInt8.self)
                    out[j] = Float(Int(q & 0xF) - 8) * d
                    out[j + 16] = Float(Int(q >> 4) - 8) * d
                }
            }
        case .q4_1:
            for b in 0..<blocks {
                let blk = src + b * 20
                let d = half(blk), m = half(blk + 2)
                let out = dst + b * 32
                for j in 0..<16 {
                    let q = blk.load(fromByteOffset: 4 + j, as: UInt8.self)
                    out[j] = Float(q & 0xF) * d + m
                    out[j + 16] = Float(q >> 4) * d + m
                }
            }
        case .q8_0:
            for b in 0..<blocks {
                let blk = src + b * 34
                let d = half(blk)
                let out = dst + b * 32
                for j in 0..<32 { out[j] = Float(blk.load(fromByteOffset: 2 + j, as: Int8.self)) * d }
            }
        case .q4_K:
            for b in 0..<blocks { q4K(src + b * 144, dst + b * 256) }
        case .q6_K:
            for b in 0..<blocks { q6K(src + b * 210, dst + b * 256) }
        default:
            throw TensorError.unsupportedType(type)
        }
    }

    @inline(__always) static func half(_ p: UnsafeRawPointer) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(as: UInt16.self)))
    }

    /// Q4_K: 8 sub-blocks of 32 with 6-bit scales and mins packed in 12 bytes.
    static func q4K(_ blk: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(blk), dmin = half(blk + 2)
        let sc = blk + 4, qs = blk + 16
        func scaleMin(_ j: Int) -> (Float, Float) {
            let q = { (i: Int) in Int(sc.load(fromByteOffset: i, as: UInt8.self)) }
            if j < 4 { return (Float(q(j) & 63), Float(q(j + 4) & 63)) }
            return (Float((q(j + 4) & 0xF) | ((q(j - 4) >> 6) << 4)),
                    Float((q(j + 4) >> 4) | ((q(j) >> 6) << 4)))
        }
        for chunk in 0..<4 {
            let (s1, m1) = scaleMin(2 * chunk), (s2, m2) = scaleMin(2 * chunk + 1)
            for l in 0..<32 {
                let q = qs.load(fromByteOffset: chunk * 32 + l, as: UInt8.self)
                out[chunk * 64 + l] = d * s1 * Float(q & 0xF) - dmin * m1
                out[chunk * 64 + 32 + l] = d * s2 * Float(q >> 4) - dmin * m2
            }
        }
    }

    /// Q6_K: 16 sub-blocks of 16; low 4 bits in ql, high 2 bits in qh, int8 scales.
    static func q6K(_ blk: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>) {
        let d = half(blk + 208)
        for half in 0..<2 {
            let ql = blk + half * 64, qh = blk + 128 + half * 32
            let sc = blk + 192 + half * 8
            let y = out + half * 128
            for l in 0..<32 {
                let lo1 = Int(ql.load(fromByteOffset: l, as: UInt8.self))
                let lo2 = Int(ql.load(fromByteOffset: l + 32, as: UInt8.self))
                let h = Int(qh.load(fromByteOffset: l, as: UInt8.self))
                let isc = l / 16
                func s(_ i: Int) -> Float { Float(sc.load(fromByteOffset: i, as: Int8.self)) }
                y[l] = d * s(isc) * Float(((lo1 & 0xF) | ((h & 3) << 4)) - 32)
                y[l + 32] = d * s(isc + 2) * Float(((lo2 & 0xF) | (((h >> 2) & 3) << 4)) - 32)
                y[l + 64] = d * s(isc + 4) * Float(((lo1 >> 4) | (((h >> 4) & 3) << 4)) - 32)
                y[l + 96] = d * s(isc + 6) * Float(((lo2 >> 4) | (((h >> 6) & 3) << 4)) - 32)
            }
        }
    }
}
