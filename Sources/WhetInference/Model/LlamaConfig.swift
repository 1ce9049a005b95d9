/// Hyperparameters of a llama-architecture model, decoded from GGUF metadata
/// (`<arch>.*` keys as written by convert_hf_to_gguf.py).
public struct LlamaConfig: Sendable, Equatable {
    public var architecture: String
    public var contextLength: Int
    public var embeddingLength: Int
    public var blockCount: Int
    public var feedForwardLength: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDim: Int
    public var ropeDimensions: Int
    public var ropeFreqBase: Float
    public var rmsEpsilon: Float
    public var vocabSize: Int

    public var kvDim: Int { headCountKV * headDim }
    public var queryDim: Int { headCount * headDim }

    init(file: GGUFFile) throws {
        let arch = file.string("general.architecture") ?? "<missing>"
        guard Llama.supportedArchitectures.contains(arch) else {
            throw TensorError.unsupportedArchitecture(file: file.path, architecture: arch)
        }
        architecture = arch
        func int(_ key: String, default value: Int? = nil) throws -> Int {
            let full = "\(arch).\(key)"
            if file.metadata[full] == nil, let value { return value }
            guard let v = file.int(full) else { throw TensorError.missingMetadata(file: file.path, key: full) }
            guard v > 0, v < 1 << 24 else {
                throw TensorError.badMetadata(file: file.path, key: full, detail: "\(v) is out of range")
            }
            return v
        }
        embeddingLength = try int("embedding_length")
        blockCount = try int("block_count")
        feedForwardLength = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        headCountKV = try int("attention.head_count_kv", default: headCount)
        contextLength = try int("context_length", default: 2048)
        guard embeddingLength % headCount == 0, headCount % headCountKV == 0 else {
            throw TensorError.badMetadata(file: file.path, key: "\(arch).attention.head_count",
                detail: "\(headCount) heads / \(headCountKV) KV heads do not divide width \(embeddingLength)")
        }
        headDim = try int("attention.key_length", default: embeddingLength / headCount)
        ropeDimensions = try int("rope.dimension_count", default: headDim)
        guard ropeDimensions <= headDim, ropeDimensions % 2 == 0, headDim % 2 == 0 else {
            throw TensorError.badMetadata(file: file.path, key: "\(arch).rope.dimension_count",
                                          detail: "\(ropeDimensions) does not fit head size \(headDim)")
        }
        ropeFreqBase = file.float("\(arch).rope.freq_base") ?? 10000
        rmsEpsilon = file.float("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5
        let tokens = file.stringArray("tokenizer.ggml.tokens")?.count
        vocabSize = file.int("\(arch).vocab_size") ?? tokens ?? file.tensors["token_embd.weight"]?.rowCount ?? 0
        guard vocabSize > 0 else { throw TensorError.missingMetadata(file: file.path, key: "\(arch).vocab_size") }
    }
}
