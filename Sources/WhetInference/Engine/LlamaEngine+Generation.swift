import CWhetKernels
import Foundation

extension LlamaEngine {
    public func generate(_ request: GenerationRequest,
                         onToken: ((Int32) -> Bool)? = nil) throws -> GenerationResult {
        try decode([request], blockSums: options.decodeArithmetic == .blockSums,
                   onToken: onToken.map { callback in { _, token in callback(token) } })[0]
    }

    /// Generates every request, decoding all live sequences together: each step is
    /// one forward pass with one row per sequence, so the weights are read once per
    /// step. `onToken(requestIndex, token)` returning false stops that request.
    /// Unless EngineOptions.decodeArithmetic is .llamaCpp the steps use block sums,
    /// for any number of requests (see DecodeArithmetic).
    public func generateBatch(_ requests: [GenerationRequest],
                              onToken: ((Int, Int32) -> Bool)? = nil) throws -> [GenerationResult] {
        try decode(requests, blockSums: options.decodeArithmetic != .llamaCpp, onToken: onToken)
    }

    private func decode(_ requests: [GenerationRequest], blockSums: Bool,
                        onToken: ((Int, Int32) -> Bool)?) throws -> [GenerationResult] {
        try lock.withLock {
            matmul.blockSumSteps = blockSums
            defer { matmul.blockSumSteps = false }
            for r in requests { try validate(r.prompt) }
            var states = requests.map { request in
                DecodeState(request: request, cache: model.makeCache(),
                            stop: request.stopTokens ?? tokenizer.eogTokenIDs,
                            budget: max(0, min(request.maxTokens, config.contextLength - request.prompt.count)))
            }
            for i in states.indices {
                let (logits, cached) = prefill(requests[i].prompt, into: states[i].cache)
                states[i].cachedPrompt = cached
                logits.withUnsafeBufferPointer { states[i].accept($0.baseAddress!, vocab: config.vocabSize) }
                if let token = states[i].pending, onToken?(i, token) == false { states[i].finish(.stop) }
            }
            while true {
                let live = states.indices.filter { !states[$0].finished }
                if live.isEmpty { break }
                let tokens = live.map { states[$0].pending! }
                let segments = live.enumerated().map { row, i in
                    Segment(cache: states[i].cache, start: states[i].cache.length, count: 1, row: row)
                }
                let logits = model.forward(tokens: tokens, segments: segments, logitRows: Array(live.indices),
                                           prompt: false, matmul: matmul, buffers: buffers)
                for (row, i) in live.enumerated() {
                    states[i].accept(logits + row * config.vocabSize, vocab: config.vocabSize)
                    if let token = states[i].pending, onToken?(i, token) == false { states[i].finish(.stop) }
                }
            }
            return states.map {
                GenerationResult(tokens: $0.output, finishReason: $0.reason, promptTokenCount: $0.promptCount,
                                 cachedPromptTokens: $0.cachedPrompt)
            }
        }
    }

    public enum StreamEvent: Sendable {
        case token(Int32, text: String)
        case finished(GenerationResult)
        case failed(String)
    }

    /// Streams one generation; the work runs on a background thread under the
    /// engine's lock, the stream is only the edge. Cancelling the consumer stops it.
    public func stream(_ request: GenerationRequest) -> AsyncStream<StreamEvent> {
        AsyncStream { continuation in
            let cancelled = CancelFlag()
            continuation.onTermination = { _ in cancelled.set() }
            DispatchQueue.global(qos: .userInitiated).async { [self] in
                var decoder = StreamingDecoder(tokenizer: tokenizer)
                do {
                    let result = try generate(request) { token in
                        continuation.yield(.token(token, text: decoder.append(token)))
                        return !cancelled.isSet
                    }
                    let tail = decoder.finish()
                    if !tail.isEmpty { continuation.yield(.token(-1, text: tail)) }
                    continuation.yield(.finished(result))
                } catch {
                    continuation.yield(.failed(error.localizedDescription))
                }
                continuation.finish()
            }
        }
    }
}

final class CancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

/// One sequence in a decoding batch. `pending` is the sampled token not yet fed to
/// the model; it is nil once the sequence is finished.
struct DecodeState {
    let cache: KVCache
    let stop: Set<Int32>
    let budget: Int
    let promptCount: Int
    var sampler: Sampler
    var output: [Int32] = []
    var pending: Int32?
    var finished = false
    var reason = FinishReason.length
    var cachedPrompt = 0

    init(request: GenerationRequest, cache: KVCache, stop: Set<Int32>, budget: Int) {
        self.cache = cache
        self.stop = stop
        self.budget = budget
        promptCount = request.prompt.count
        sampler = Sampler(request.sampling)
        if budget == 0 { finished = true }
    }

    mutating func finish(_ why: FinishReason) {
        finished = true
        reason = why
        pending = nil
    }

    /// Samples from `logits` and decides whether the sequence goes on.
    mutating func accept(_ logits: UnsafePointer<Float>, vocab: Int) {
        guard !finished else { return }
        // Greedy steps take the vectorised argmax (the same token as Sampler.argmax).
        let token = sampler.options.temperature > 0
            ? sampler.sample(logits, count: vocab) : Int32(whet_argmax_f32(logits, Int32(vocab)))
        if stop.contains(token) { return finish(.stop) }
        output.append(token)
        pending = token
        if output.count >= budget { finish(.length) }
    }
}
