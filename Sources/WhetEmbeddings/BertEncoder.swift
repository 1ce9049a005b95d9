import COpenBLAS
import Foundation

/// The BERT encoder forward pass over a batch of token sequences, followed by mean pooling
/// and L2 normalisation. Sequences are packed end to end instead of padded: every dense layer
/// works per token, and attention runs per sequence over exactly its own tokens, which is what
/// a padding mask computes (masked keys get zero weight) without spending work on pad rows.
/// Not thread-safe: scratch buffers are reused across calls. `@unchecked Sendable` only so that
/// `SentenceEmbedder` can hand each of its workers one encoder under its lock; no encoder is ever
/// used by two threads at once.
final class BertEncoder: @unchecked Sendable {
    let config: BertConfig
    private let weights: BertWeights
    private var x: [Float] = []
    private var qkv: [Float] = []
    private var context: [Float] = []
    private var intermediate: [Float] = []
    private var scores: [Float] = []

    init(config: BertConfig, weights: BertWeights) {
        self.config = config
        self.weights = weights
    }

    /// Pooled, L2-normalised embeddings, one per sequence. Each sequence is complete token ids
    /// (`[CLS] ... [SEP]`), non-empty and at most `config.maxPositions` long.
    func embed(_ sequences: [[Int32]]) -> [[Float]] {
        let h = config.hiddenSize, inter = config.intermediateSize
        let lengths = sequences.map(\.count)
        let n = lengths.reduce(0, +)
        guard n > 0 else { return sequences.map { _ in [Float](repeating: 0, count: h) } }
        var offsets = [0]
        for length in lengths { offsets.append(offsets.last! + length) }
        grow(&x, n * h)
        grow(&qkv, n * 3 * h)
        grow(&context, n * h)
        grow(&intermediate, n * inter)
        let longest = lengths.max() ?? 0
        grow(&scores, longest * longest)

        embedTokens(sequences, hidden: h)
        for layer in weights.layers {
            attentionBlock(layer, offsets: offsets, tokens: n)
            feedForwardBlock(layer, tokens: n)
        }
        return pool(offsets: offsets)
    }

    private func grow(_ buffer: inout [Float], _ count: Int) {
        if buffer.count < count { buffer = [Float](repeating: 0, count: count) }
    }

    private func embedTokens(_ sequences: [[Int32]], hidden h: Int) {
        let maxID = Int32(config.vocabularySize - 1)
        weights.wordEmbeddings.withUnsafeBufferPointer { words in
            weights.positionAndTypeEmbeddings.withUnsafeBufferPointer { positions in
                x.withUnsafeMutableBufferPointer { out in
                    var row = 0
                    for sequence in sequences {
                        for (p, id) in sequence.enumerated() {
                            let word = words.baseAddress! + Int(min(max(id, 0), maxID)) * h
                            let position = positions.baseAddress! + min(p, config.maxPositions - 1) * h
                            let target = out.baseAddress! + row * h
                            for k in 0..<h { target[k] = word[k] + position[k] }
                            row += 1
                        }
                    }
                    VectorKernels.addBiasLayerNorm(
                        out.baseAddress!, rows: row, width: h, bias: nil, gain: weights.embeddingNormGain,
                        beta: weights.embeddingNormBias, epsilon: config.layerNormEpsilon)
                }
            }
        }
    }

    private func attentionBlock(_ layer: BertWeights.Layer, offsets: [Int], tokens n: Int) {
        let h = config.hiddenSize, d = config.headSize, stride3 = 3 * h
        let scale = 1 / Float(d).squareRoot()
        x.withUnsafeMutableBufferPointer { xb in
            qkv.withUnsafeMutableBufferPointer { qkvb in
                context.withUnsafeMutableBufferPointer { ctxb in
                    scores.withUnsafeMutableBufferPointer { sb in
                        let xp = xb.baseAddress!, qp = qkvb.baseAddress!, cp = ctxb.baseAddress!, sp = sb.baseAddress!
                        // qkv = x W^T + b, the bias broadcast first so the GEMM accumulates onto it.
                        broadcastRows(layer.qkvBias, into: qp, rows: n)
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(stride3), Int32(h),
                                    1, xp, Int32(h), layer.qkv, Int32(h), 1, qp, Int32(stride3))
                        for s in 0..<(offsets.count - 1) {
                            let start = offsets[s], length = offsets[s + 1] - start
                            if length == 0 { continue }
                            for head in 0..<config.headCount {
                                let q = qp + start * stride3 + head * d
                                let k = q + h, v = q + 2 * h
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length),
                                            Int32(d), scale, q, Int32(stride3), k, Int32(stride3), 0, sp, Int32(length))
                                VectorKernels.softmaxRows(sp, rows: length, cols: length, ld: length)
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d),
                                            Int32(length), 1, sp, Int32(length), v, Int32(stride3), 0,
                                            cp + start * h + head * d, Int32(h))
                            }
                        }
                        // x = LayerNorm(x + context W_o^T + b_o): the GEMM adds onto the residual in place.
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(h), Int32(h),
                                    1, cp, Int32(h), layer.output, Int32(h), 1, xp, Int32(h))
                        VectorKernels.addBiasLayerNorm(
                            xp, rows: n, width: h, bias: layer.outputBias, gain: layer.attentionNormGain,
                            beta: layer.attentionNormBias, epsilon: config.layerNormEpsilon)
                    }
                }
            }
        }
    }

    private func feedForwardBlock(_ layer: BertWeights.Layer, tokens n: Int) {
        let h = config.hiddenSize, inter = config.intermediateSize
        x.withUnsafeMutableBufferPointer { xb in
            intermediate.withUnsafeMutableBufferPointer { ib in
                let xp = xb.baseAddress!, ip = ib.baseAddress!
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(inter), Int32(h),
                            1, xp, Int32(h), layer.up, Int32(h), 0, ip, Int32(inter))
                VectorKernels.addBiasGELU(ip, rows: n, width: inter, bias: layer.upBias)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(h), Int32(inter),
                            1, ip, Int32(inter), layer.down, Int32(inter), 1, xp, Int32(h))
                VectorKernels.addBiasLayerNorm(
                    xp, rows: n, width: h, bias: layer.downBias, gain: layer.outputNormGain,
                    beta: layer.outputNormBias, epsilon: config.layerNormEpsilon)
            }
        }
    }

    private func broadcastRows(_ row: [Float], into target: UnsafeMutablePointer<Float>, rows: Int) {
        row.withUnsafeBufferPointer { source in
            for r in 0..<rows { (target + r * row.count).update(from: source.baseAddress!, count: row.count) }
        }
    }

    /// Mean over each sequence's tokens, then unit length (sentence-transformers' Pooling + Normalize).
    private func pool(offsets: [Int]) -> [[Float]] {
        let h = config.hiddenSize
        return x.withUnsafeBufferPointer { xb in
            (0..<(offsets.count - 1)).map { s in
                var mean = [Float](repeating: 0, count: h)
                let start = offsets[s], length = offsets[s + 1] - start
                for t in start..<(start + length) {
                    let row = xb.baseAddress! + t * h
                    for k in 0..<h { mean[k] += row[k] }
                }
                return Similarity.normalized(mean)
            }
        }
    }
}
