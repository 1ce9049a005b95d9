import COpenBLAS
import Foundation

/// all-MiniLM-L6-v2 sentence embeddings in-process: WordPiece tokens, the BERT encoder on
/// OpenBLAS, mean pooling and L2 normalisation, exactly as sentence-transformers runs the model.
/// Safe to share between tasks: calls are serialised by a lock around the encoder's scratch state.
public final class SentenceEmbedder: @unchecked Sendable {
    /// How text longer than the model's limit is handled.
    public enum LongTextMode: Sendable, Equatable {
        /// Keep the first `maxSequenceLength` tokens, as sentence-transformers does.
        case truncate
        /// Embed overlapping windows sharing `overlap` word pieces and average them (then renormalise).
        case windows(overlap: Int)
    }

    public let tokenizer: WordPieceTokenizer
    public let config: BertConfig
    public var dimension: Int { config.hiddenSize }
    private let encoder: BertEncoder
    private let lock = NSLock()

    /// Loads `config.json`, `sentence_bert_config.json`, `tokenizer.json` (or `vocab.txt`) and
    /// `model.safetensors` from the directory.
    public init(directory: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EmbeddingError.fileMissing(path: directory.path)
        }
        config = try BertConfig(directory: directory)
        tokenizer = try WordPieceTokenizer(directory: directory)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        encoder = BertEncoder(config: config, weights: try BertWeights(file: file, config: config))
    }

    /// One unit-length vector per text, in input order.
    public func embed(_ texts: [String], batchSize: Int = 32, longText: LongTextMode = .truncate) throws -> [[Float]] {
        guard batchSize > 0 else {
            throw EmbeddingError.invalidArgument(name: "batchSize", expected: "a positive integer", got: "\(batchSize)")
        }
        // Every text becomes one or more sequences; `owner[i]` is the text sequence i belongs to.
        var sequences: [[Int32]] = []
        var owner: [Int] = []
        for (index, text) in texts.enumerated() {
            switch longText {
            case .truncate:
                sequences.append(tokenizer.encode(text, maxLength: config.maxSequenceLength))
                owner.append(index)
            case .windows(let overlap):
                guard overlap >= 0 else {
                    throw EmbeddingError.invalidArgument(name: "overlap", expected: "zero or more", got: "\(overlap)")
                }
                for window in tokenizer.encodeWindows(text, maxLength: config.maxSequenceLength, overlap: overlap) {
                    sequences.append(window)
                    owner.append(index)
                }
            }
        }
        let vectors = encode(sequences, batchSize: batchSize)
        if sequences.count == texts.count { return vectors }
        var sums = [[Float]](repeating: [Float](repeating: 0, count: dimension), count: texts.count)
        for (vector, index) in zip(vectors, owner) {
            for k in 0..<dimension { sums[index][k] += vector[k] }
        }
        return sums.map(Similarity.normalized)
    }

    public func embed(_ text: String, longText: LongTextMode = .truncate) throws -> [Float] {
        try embed([text], longText: longText)[0]
    }

    /// Embeds already tokenised sequences (each `[CLS] ... [SEP]`, within the length limit).
    public func embed(tokenSequences: [[Int32]], batchSize: Int = 32) -> [[Float]] {
        encode(tokenSequences.map { Array($0.prefix(config.maxPositions)) }, batchSize: max(1, batchSize))
    }

    /// Batches of similar length keep the attention scratch small; results go back in input order.
    private func encode(_ sequences: [[Int32]], batchSize: Int) -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        var results = [[Float]](repeating: [], count: sequences.count)
        lock.lock()
        defer { lock.unlock() }
        for start in stride(from: 0, to: order.count, by: batchSize) {
            let batch = Array(order[start..<min(order.count, start + batchSize)])
            let vectors = encoder.embed(batch.map { sequences[$0] })
            for (index, vector) in zip(batch, vectors) { results[index] = vector }
        }
        return results
    }
}

extension SentenceEmbedder {
    /// Sets OpenBLAS's thread count for the whole process (it is a global setting in OpenBLAS).
    public static func setBLASThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
