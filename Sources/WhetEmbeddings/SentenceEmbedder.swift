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
    /// One encoder per worker: each owns its scratch buffers; the weights are shared (copy-on-write arrays).
    private let encoders: [BertEncoder]
    private let lock = NSLock()

    /// Loads `config.json`, `sentence_bert_config.json`, `tokenizer.json` (or `vocab.txt`) and
    /// `model.safetensors` from the directory. With `workers > 1`, batches are spread over that many
    /// threads; pair it with `setBLASThreads(1)`, since on SMT cores two single-threaded GEMMs side
    /// by side beat one two-threaded GEMM (the element-wise work of one overlaps the other's GEMM).
    public init(directory: URL, workers: Int = 1) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw EmbeddingError.fileMissing(path: directory.path)
        }
        config = try BertConfig(directory: directory)
        tokenizer = try WordPieceTokenizer(directory: directory)
        let file = try SafetensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        let weights = try BertWeights(file: file, config: config)
        let config = self.config
        encoders = (0..<max(1, workers)).map { _ in BertEncoder(config: config, weights: weights) }
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
    /// With several workers, the length-sorted sequences are dealt one by one, so each worker gets
    /// a similar token count (two batches of 32 in length order would give one worker the long half).
    private func encode(_ sequences: [[Int32]], batchSize: Int) -> [[Float]] {
        let order = sequences.indices.sorted { sequences[$0].count > sequences[$1].count }
        let results = ResultSlots(count: sequences.count)
        lock.lock()
        defer { lock.unlock() }
        let encoders = self.encoders
        let workers = min(encoders.count, order.count)
        @Sendable func batches(_ indices: [Int]) -> [[Int]] {
            stride(from: 0, to: indices.count, by: batchSize).map { Array(indices[$0..<min(indices.count, $0 + batchSize)]) }
        }
        if workers <= 1 {
            for batch in batches(order) { results.store(batch, encoders[0].embed(batch.map { sequences[$0] })) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                let mine = stride(from: worker, to: order.count, by: workers).map { order[$0] }
                for batch in batches(mine) {
                    results.store(batch, encoders[worker].embed(batch.map { sequences[$0] }))
                }
            }
        }
        return results.values
    }
}

/// Per-sequence results filled in by concurrent workers, each writing disjoint indices.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [[Float]]
    private let lock = NSLock()

    init(count: Int) { slots = [[Float]](repeating: [], count: count) }

    func store(_ indices: [Int], _ vectors: [[Float]]) {
        lock.lock()
        defer { lock.unlock() }
        for (index, vector) in zip(indices, vectors) { slots[index] = vector }
    }

    var values: [[Float]] {
        lock.lock()
        defer { lock.unlock() }
        return slots
    }
}

extension SentenceEmbedder {
    /// Sets OpenBLAS's thread count for the whole process (it is a global setting in OpenBLAS).
    public static func setBLASThreads(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
