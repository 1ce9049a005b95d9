import COpenBLAS
import Foundation

/// Vector similarity helpers. Embeddings from `SentenceEmbedder` are unit length, so their
/// dot product is their cosine; `cosine` still divides by the norms for arbitrary vectors.
public enum Similarity {
    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dot: vectors of lengths \(a.count) and \(b.count)")
        var total: Float = 0
        for i in a.indices { total += a[i] * b[i] }
        return total
    }

    public static func norm(_ a: [Float]) -> Float { dot(a, a).squareRoot() }

    /// Cosine similarity; 0 when either vector is zero (nothing to compare).
    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        let denominator = norm(a) * norm(b)
        return denominator > 0 ? dot(a, b) / denominator : 0
    }

    /// `1 - cosine`, in [0, 2].
    public static func cosineDistance(_ a: [Float], _ b: [Float]) -> Float { 1 - cosine(a, b) }

    public static func squaredEuclidean(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "squaredEuclidean: vectors of lengths \(a.count) and \(b.count)")
        var total: Float = 0
        for i in a.indices {
            let d = a[i] - b[i]
            total += d * d
        }
        return total
    }

    /// The vector scaled to unit length (a zero vector stays zero).
    public static func normalized(_ a: [Float]) -> [Float] {
        let n = norm(a)
        return n > 0 ? a.map { $0 / n } : a
    }

    /// All pairwise cosines between `rows` and `columns` as a row-major `[rows.count][columns.count]`
    /// matrix, computed with one GEMM over normalised copies.
    public static func cosineMatrix(_ rows: [[Float]], _ columns: [[Float]]) -> [[Float]] {
        guard let width = rows.first?.count ?? columns.first?.count, !rows.isEmpty, !columns.isEmpty else {
            return rows.map { _ in [] }
        }
        let a = rows.flatMap { vector -> [Float] in
            precondition(vector.count == width, "cosineMatrix: mixed vector lengths")
            return normalized(vector)
        }
        let b = columns.flatMap { vector -> [Float] in
            precondition(vector.count == width, "cosineMatrix: mixed vector lengths")
            return normalized(vector)
        }
        var out = [Float](repeating: 0, count: rows.count * columns.count)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows.count), Int32(columns.count), Int32(width),
                    1, a, Int32(width), b, Int32(width), 0, &out, Int32(columns.count))
        return (0..<rows.count).map { Array(out[($0 * columns.count)..<(($0 + 1) * columns.count)]) }
    }

    /// Mean of the vectors, renormalised: the direction of a group of embeddings.
    public static func centroid(_ vectors: [[Float]]) -> [Float] {
        guard let width = vectors.first?.count else { return [] }
        var total = [Float](repeating: 0, count: width)
        for vector in vectors { for k in 0..<width { total[k] += vector[k] } }
        return normalized(total)
    }
}
