import CWhetKernels

/// Identifies a sequence within one DecodeSession.
public struct SequenceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let value: Int
    public static func < (a: SequenceID, b: SequenceID) -> Bool { a.value < b.value }
    public var description: String { "#\(value)" }
}

/// One sequence of a decoding session, from its queued prompt to its last token.
/// Its output depends only on its own request: the kernels compute every row of a
/// batch with the same operations whatever else shares the batch.
final class DecodeSequence {
    enum Phase { case queued, prefilling, decoding, finished }

    let id: SequenceID
    let prompt: [Int32]
    let cache: KVCache
    let stopTokens: Set<Int32>
    /// Most tokens it may generate (its request's, cut to the context window).
    let budget: Int
    let topLogprobs: Int?
    var phase = Phase.queued
    /// Whether the session has looked for prefixes it shares with other waiting prompts.
    var planned = false
    /// A shared prefix being computed for it and others; it starts once that is done.
    var sharedPrefix: SharedPrefix?
    /// Prompt positions in `cache` so far.
    var filled = 0
    var cachedPrompt = 0
    var sampler: Sampler
    var stopMatcher: StopStringMatcher?
    var output: [Int32] = []
    var logprobs: [TokenLogprobs]?
    /// The sampled token not yet fed to the model.
    var pending: Int32?
    var reason = FinishReason.length
    var stopString: String?

    init(id: SequenceID, request: GenerationRequest, cache: KVCache, stopTokens: Set<Int32>, budget: Int,
         tokenizer: some Tokenizer) {
        self.id = id
        prompt = request.prompt
        self.cache = cache
        self.stopTokens = stopTokens
        self.budget = budget
        topLogprobs = request.topLogprobs
        sampler = Sampler(request.sampling)
        stopMatcher = StopStringMatcher(stops: request.stopStrings, tokenizer: tokenizer)
        if topLogprobs != nil { logprobs = [] }
        if budget == 0 { phase = .finished }
    }

    var isFinished: Bool { phase == .finished }
    var remainingPrompt: Int { prompt.count - filled }

    func finish(_ why: FinishReason) {
        phase = .finished
        reason = why
        pending = nil
    }

    /// Draws the next token from `logits` and decides whether the sequence goes on;
    /// returns the token when it joins the output.
    func accept(_ logits: UnsafePointer<Float>, vocab: Int) -> Int32? {
        guard !isFinished else { return nil }
        // Greedy steps take the vectorised argmax (the same token as Sampler.argmax).
        let token = sampler.options.temperature > 0
            ? sampler.sample(logits, count: vocab) : Int32(whet_argmax_f32(logits, Int32(vocab)))
        if stopTokens.contains(token) {
            finish(.stop)
            return nil
        }
        output.append(token)
        if let top = topLogprobs {
            let z = LogSoftmax.logNormalizer(logits, count: vocab)
            logprobs?.append(TokenLogprobs(token: token, logprob: Double(logits[Int(token)]) - z,
                                           top: LogSoftmax.top(logits, count: vocab, take: top, normalizer: z)))
        }
        pending = token
        if let matched = stopMatcher?.append(token) {
            stopString = matched
            finish(.stop)
        } else if output.count >= budget {
            finish(.length)
        }
        return token
    }

    var result: GenerationResult {
        GenerationResult(tokens: output, finishReason: reason, promptTokenCount: prompt.count,
                         cachedPromptTokens: cachedPrompt, logprobs: logprobs, stopString: stopString)
    }
}

/// A prompt prefix that several waiting sequences share, computed once for all of
/// them (and kept in the prefix cache) before their own suffixes.
final class SharedPrefix {
    let tokens: [Int32]
    let cache: KVCache
    var filled = 0
    var started = false
    var done: Bool { filled == tokens.count }

    init(tokens: [Int32], cache: KVCache) {
        self.tokens = tokens
        self.cache = cache
    }
}
