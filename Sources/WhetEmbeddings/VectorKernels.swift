import Foundation

/// The element-wise parts of the encoder (everything that is not a GEMM), written with explicit
/// 8-wide SIMD because float reductions do not auto-vectorise without reassociation.
enum VectorKernels {
    typealias V8 = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V8 {
        UnsafeRawPointer(p + i).loadUnaligned(as: V8.self)
    }

    @inline(__always) static func store(_ v: V8, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V8.self)
    }

    /// `row = LayerNorm(row + bias) * gain + beta` for each of `rows` rows of `width` floats.
    /// `width` must be a multiple of 8 (384 here).
    static func addBiasLayerNorm(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                                 bias: UnsafePointer<Float>?, gain: UnsafePointer<Float>,
                                 beta: UnsafePointer<Float>, epsilon: Float) {
        let inverseWidth = 1 / Float(width)
        for r in 0..<rows {
            let row = x + r * width
            var sum = V8()
            if let bias {
                for k in stride(from: 0, to: width, by: 8) {
                    let v = load(row, k) + load(bias, k)
                    store(v, row, k)
                    sum += v
                }
            } else {
                for k in stride(from: 0, to: width, by: 8) { sum += load(row, k) }
            }
            let mean = sum.sum() * inverseWidth
            var squares = V8()
            for k in stride(from: 0, to: width, by: 8) {
                let d = load(row, k) - mean
                squares += d * d
            }
            let scale = 1 / (squares.sum() * inverseWidth + epsilon).squareRoot()
            for k in stride(from: 0, to: width, by: 8) {
                let v = (load(row, k) - mean) * scale
                store(v * load(gain, k) + load(beta, k), row, k)
            }
        }
    }

    /// `x = gelu(x + bias)` with the exact (erf) GELU that BERT uses, over `rows` rows of `width`.
    static func addBiasGELU(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>) {
        for r in 0..<rows {
            let row = x + r * width
            for k in stride(from: 0, to: width, by: 8) {
                let v = load(row, k) + load(bias, k)
                store(0.5 * v * (1 + erf(v * 0.70710678118654752)), row, k)
            }
        }
    }

    /// erf as a rational function of x on [-4, 4] (Eigen's float erf; beyond 4 it is 1 in float).
    /// Max absolute error 4.5e-7 against double-precision erf.
    @inline(__always) static func erf(_ a: V8) -> V8 {
        let x = a.clamped(lowerBound: V8(repeating: -4), upperBound: V8(repeating: 4))
        let x2 = x * x
        var p = V8(repeating: -2.72614225801306e-10)
        p = p * x2 + 2.77068142495902e-08
        p = p * x2 - 2.10102402082508e-06
        p = p * x2 - 5.69250639462346e-05
        p = p * x2 - 7.34990630326855e-04
        p = p * x2 - 2.95459980854025e-03
        p = p * x2 - 1.60960333262415e-02
        p = p * x
        var q = V8(repeating: -1.45660718464996e-05)
        q = q * x2 - 2.13374055278905e-04
        q = q * x2 - 1.68282697438203e-03
        q = q * x2 - 7.37332916720468e-03
        q = q * x2 - 1.42647390514189e-02
        return p / q
    }

    /// In-place softmax of each row of a `rows x cols` matrix with leading dimension `ld`.
    static func softmaxRows(_ s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, ld: Int) {
        for r in 0..<rows {
            let row = s + r * ld
            var m = -Float.infinity
            for j in 0..<cols { m = max(m, row[j]) }
            var total: Float = 0
            for j in 0..<cols {
                let e = expf(row[j] - m)
                row[j] = e
                total += e
            }
            let inverse = 1 / total
            for j in 0..<cols { row[j] *= inverse }
        }
    }
}
