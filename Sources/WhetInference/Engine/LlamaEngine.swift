import Foundation
import WhetCore

// LlamaEngine: the public face of in-process inference.
//
//     let engine = try LlamaEngine(modelURL: url)          // GGUF, llama architecture
//     let ids = engine.tokenize("<|im_start|>user\nHi<|im_end|>\n")   // no BOS, specials parsed
//     let out = try engine.generate(GenerationRequest(prompt: ids, maxTokens: 32))
//     let many = try engine.generateBatch([r1, r2, r3])    // decoded together, one matmul per step
//     let top = try engine.nextTokenLogprobs(prompt: ids, top: 5)
//     let labels = try engine.scoreContinuations(prompt: ids, continuations: [[...], [...]])
//     let nll = try engine.tokenLogprobs(ids)               // per-token log p(t_i | t_<i)
//     for await event in engine.stream(request) { ... }    // AsyncStream at the edge
//
// Everything runs synchronously under one lock (the model's scratch memory, KV
// caches and the prefix cache have a single owner); call it from any thread or
// task. Each prompt's KV is kept in a prefix cache, so requests sharing a long
// prefix only compute their new suffix.

public struct GenerationRequest: Sendable {
    public var prompt: [Int32]
    public var maxTokens: Int
    public var sampling: SamplingOptions
    /// Generation ends (the token is not included) on any of these; nil means the
    /// tokenizer's end-of-generation ids.
    public var stopTokens: Set<Int32>?

    public init(prompt: [Int32], maxTokens: Int = 128, sampling: SamplingOptions = .greedy,
                stopTokens: Set<Int32>? = nil) {
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stopTokens = stopTokens
    }
}

public enum FinishReason: String, Sendable, Codable {
    case stop, length
}

public struct GenerationResult: Sendable {
    public var tokens: [Int32]
    public var finishReason: FinishReason
    public var promptTokenCount: Int
    /// Prompt positions reused from the prefix cache.
    public var cachedPromptTokens: Int
}

/// One of the most likely next tokens: its id, log-probability and raw logit.
public struct RankedToken: Sendable, Equatable, Codable {
    public var id: Int32
    public var logprob: Double
    public var logit: Float
}

public struct ContinuationScore: Sendable, Equatable {
    /// log p of each continuation token given the prompt and the tokens before it.
    public var tokenLogprobs: [Double]
    public var total: Double { tokenLogprobs.reduce(0, +) }
}

public enum EngineError: UserFacingError, Equatable {
    case emptyPrompt
    case contextOverflow(tokens: Int, contextLength: Int)
    case invalidToken(Int32, vocabSize: Int)

    public var errorDescription: String? {
        switch self {
        case .emptyPrompt: return "the prompt has no tokens"
        case let .contextOverflow(tokens, context):
            return "\(tokens) tokens do not fit the model's context of \(context)"
        case let .invalidToken(id, vocab): return "token id \(id) is outside the vocabulary (0..<\(vocab))"
        }
    }
}

public struct EngineOptions: Sendable {
    /// Positions the prefix cache may hold across requests.
    public var prefixCachePositions = 4096
    /// Prompt rows per forward pass (bounds scratch memory).
    public var promptChunk = 512
    /// How prompts are multiplied by Q4_0/Q4_1/Q8_0 weights (decoding always uses
    /// the integer kernels).
    public var promptArithmetic = PromptArithmetic.llamaCpp
    /// How generation steps multiply activations by Q4_1/Q8_0 weights.
    public var decodeArithmetic = DecodeArithmetic.auto
    public init() {}
}

public enum DecodeArithmetic: String, Sendable, CaseIterable {
    /// `generate` (one request: `whet lm generate`) in llama.cpp's order, so greedy
    /// continuations are llama.cpp's; `generateBatch` (the batcher behind the
    /// optimizer and `whet serve`, whatever the number of requests) in block sums, so
    /// a request's output never depends on how many others shared its batch.
    case auto
    /// Each block's 32 products summed as integers, then scaled once (ggml's generic
    /// formula; kernels_blocksum.c): 8 sequences decode ~1.8x faster than in
    /// llama.cpp's order. The last bits differ from llama.cpp's AVX2 build, enough to
    /// turn a near-tie (2 of the 5 fixture prompts, log-prob gaps ~0.01) the other way.
    case blockSums = "block-sums"
    /// llama.cpp's AVX2 lane order, bit for bit, everywhere (kernels_packed.c).
    case llamaCpp = "llama.cpp"
}

public enum PromptArithmetic: String, Sendable, CaseIterable {
    /// llama.cpp's integer block products, bit for bit (kernels_gemm.c).
    case llamaCpp = "llama.cpp"
    /// OpenBLAS sgemm on F32 copies of the weights (built on first use, 4 bytes per
    /// parameter): accurate but not llama.cpp's rounding, so log-probabilities move
    /// by up to ~0.3 on this model (docs/engine.md).
    case sgemm
}

public final class LlamaEngine: @unchecked Sendable {
    public let model: Llama
    public let tokenizer: BPETokenizer
    public var config: LlamaConfig { model.config }
    public var modelName: String
    /// What a response cache must key on: the model's name alone is shared by every
    /// quantisation of it, and results change when the engine's arithmetic does.
    public let cacheIdentity: String
    /// Bumped whenever a change to the engine changes its outputs, so a response cache never
    /// answers with an older engine's result.
    public static let arithmeticVersion = 4
    let lock = NSLock()
    let matmul = MatMul()
    let buffers = ForwardBuffers()
    let prefixCache: PrefixCache
    let options: EngineOptions

    public convenience init(modelURL: URL, options: EngineOptions = EngineOptions()) throws {
        try self.init(file: GGUFFile(url: modelURL), options: options)
    }

    public init(file: GGUFFile, options: EngineOptions = EngineOptions()) throws {
        model = try Llama(file: file, decodeArithmetic: options.decodeArithmetic)
        tokenizer = try BPETokenizer(gguf: file)
        modelName = file.string("general.name") ?? URL(fileURLWithPath: file.path).deletingPathExtension().lastPathComponent
        cacheIdentity = "\(modelName) (\(URL(fileURLWithPath: file.path).lastPathComponent), \(file.byteCount) bytes, "
            + "whet engine arithmetic v\(Self.arithmeticVersion), decode \(options.decodeArithmetic.rawValue))"
        self.options = options
        matmul.sgemmPrompts = options.promptArithmetic == .sgemm
        prefixCache = PrefixCache(budgetPositions: options.prefixCachePositions)
    }

    // MARK: - Text helpers

    /// Tokens of `text` with special tokens parsed and no BOS (llama.cpp's
    /// `tokenize(add_bos=False, special=True)`).
    public func tokenize(_ text: String) -> [Int32] { tokenizer.encode(text, addBOS: false, parseSpecial: true) }
    public func detokenize(_ ids: [Int32]) -> String { tokenizer.decode(ids) }

    // MARK: - Prefix cache control

    public func clearPrefixCache() { lock.withLock { prefixCache.removeAll() } }
    public var prefixCacheEnabled: Bool {
        get { lock.withLock { prefixCache.budgetPositions > 0 } }
        set { lock.withLock { prefixCache.budgetPositions = newValue ? options.prefixCachePositions : 0 } }
    }

    // MARK: - Internals shared by every entry point (caller holds the lock)

    func validate(_ tokens: [Int32], extra: Int = 0) throws {
        guard !tokens.isEmpty else { throw EngineError.emptyPrompt }
        guard tokens.count + extra <= config.contextLength else {
            throw EngineError.contextOverflow(tokens: tokens.count + extra, contextLength: config.contextLength)
        }
        if let bad = tokens.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
            throw EngineError.invalidToken(bad, vocabSize: config.vocabSize)
        }
    }

    /// Fills `cache` with `tokens` (reusing the prefix cache) and returns the
    /// logits after the last token, plus how many positions came from the cache.
    func prefill(_ tokens: [Int32], into cache: KVCache, usePrefixCache: Bool = true) -> (logits: [Float], cached: Int) {
        var start = 0
        var cached = 0
        if usePrefixCache, let hit = prefixCache.lookup(tokens, limit: tokens.count - 1) {
            cache.copyPrefix(from: hit.cache, count: hit.length)
            start = hit.length
            cached = hit.length
        } else {
            cache.truncate(to: 0)
        }
        var logits: [Float] = []
        while start < tokens.count {
            let end = min(tokens.count, start + options.promptChunk)
            let chunk = Array(tokens[start..<end])
            let last = end == tokens.count
            let out = model.forward(tokens: chunk, segments: [Segment(cache: cache, start: start, count: chunk.count, row: 0)],
                                    logitRows: last ? [chunk.count - 1] : [], prompt: true, matmul: matmul, buffers: buffers)
            if last { logits = Array(UnsafeBufferPointer(start: out, count: config.vocabSize)) }
            start = end
        }
        if usePrefixCache { prefixCache.insert(tokens, from: cache) }
        return (logits, cached)
    }
}
