import Foundation

/// What one `DecodeSession.step()` did.
public struct DecodeStepReport: Sendable {
    /// Sequences whose prompt processing began in this step.
    public var started: [SequenceID] = []
    /// Prompt rows computed (shared prefixes included), in one forward pass.
    public var prefillTokens = 0
    /// Sequences in the step's generation pass (one new token each).
    public var decodedSequences = 0
    /// Every token that joined an output in this step, in order.
    public var tokens: [(sequence: SequenceID, token: Int32)] = []
    /// Sequences that ended in this step (stop token or string, length, `stop(_:)`), with their results.
    public var finished: [(sequence: SequenceID, result: GenerationResult)] = []
}

/// Continuous batching on one engine: sequences join between any two steps and
/// leave as soon as they finish. A step is at most one prompt pass, which computes
/// the waiting prompts together (up to `prefillBudget` rows; longer prompts continue
/// in the next steps, prefixes that several share are computed once), then one
/// generation pass with a row for every sequence that has a token to feed.
///
/// Each sequence's tokens depend only on its own request, not on what shares its
/// steps: every kernel computes a row of a batch with the same operations for any
/// batch (see docs/engine.md). A session is not thread-safe: one owner drives it;
/// each step takes the engine's lock, so other engine calls interleave between steps.
public final class DecodeSession {
    let engine: LlamaEngine
    /// Generation steps in block sums (EngineOptions.decodeArithmetic) or llama.cpp's order.
    let blockSums: Bool
    /// Most prompt rows per step.
    public let prefillBudget: Int
    /// In arrival order; finished sequences leave at the end of the step that finished them.
    var sequences: [DecodeSequence] = []
    var sharedPrefixes: [SharedPrefix] = []
    private var nextID = 0

    /// Batch arithmetic: block sums unless EngineOptions.decodeArithmetic is llama.cpp.
    public convenience init(engine: LlamaEngine, prefillBudget: Int? = nil) {
        self.init(engine: engine, blockSums: engine.options.decodeArithmetic != .llamaCpp,
                  prefillBudget: prefillBudget)
    }

    init(engine: LlamaEngine, blockSums: Bool, prefillBudget: Int? = nil) {
        self.engine = engine
        self.blockSums = blockSums
        self.prefillBudget = max(1, prefillBudget ?? engine.options.promptChunk)
    }

    /// Sequences not yet finished (waiting for their prompt or decoding).
    public var activeCount: Int { sequences.count }
    public var isEmpty: Bool { sequences.isEmpty }
    /// Sequences whose prompt has not been fully computed yet.
    public var waitingCount: Int { sequences.filter { $0.phase == .queued || $0.phase == .prefilling }.count }

    /// Queues a request; it starts at the next step. Throws for a prompt the engine
    /// cannot take (empty, beyond the context, unknown token).
    @discardableResult
    public func add(_ request: GenerationRequest) throws -> SequenceID {
        try engine.validate(request.prompt)
        let id = SequenceID(value: nextID)
        nextID += 1
        let context = engine.config.contextLength
        sequences.append(DecodeSequence(
            id: id, request: request, cache: engine.model.makeCache(),
            stopTokens: request.stopTokens ?? engine.tokenizer.eogTokenIDs,
            budget: max(0, min(request.maxTokens, context - request.prompt.count)), tokenizer: engine.tokenizer))
        return id
    }

    /// Drops a sequence without a result (a cancelled request); false when unknown.
    @discardableResult
    public func cancel(_ id: SequenceID) -> Bool {
        guard let i = sequences.firstIndex(where: { $0.id == id }) else { return false }
        sequences.remove(at: i)
        return true
    }

    /// Ends a sequence with what it has generated; it is reported finished (reason
    /// `stop`) by the next step. False when unknown.
    @discardableResult
    public func stop(_ id: SequenceID) -> Bool {
        guard let s = sequences.first(where: { $0.id == id }) else { return false }
        if !s.isFinished { s.finish(.stop) }
        return true
    }

    /// One step: the prompt pass, then the generation pass.
    public func step() -> DecodeStepReport {
        var report = DecodeStepReport()
        engine.lock.withLock {
            engine.matmul.blockSumSteps = blockSums
            defer { engine.matmul.blockSumSteps = false }
            prefillPass(&report)
            generationPass(&report)
        }
        for s in sequences where s.isFinished { report.finished.append((s.id, s.result)) }
        sequences.removeAll { $0.isFinished }
        return report
    }

    /// One row per decoding sequence: feeds its pending token, draws the next.
    private func generationPass(_ report: inout DecodeStepReport) {
        let live = sequences.filter { $0.phase == .decoding && $0.pending != nil }
        guard !live.isEmpty else { return }
        let vocab = engine.config.vocabSize
        let segments = live.enumerated().map { row, s in Segment(cache: s.cache, start: s.cache.length, count: 1, row: row) }
        let logits = engine.model.forward(tokens: live.map { $0.pending! }, segments: segments,
                                          logitRows: Array(live.indices), prompt: false, matmul: engine.matmul,
                                          buffers: engine.buffers)
        report.decodedSequences = live.count
        for (row, s) in live.enumerated() {
            if let token = s.accept(logits + row * vocab, vocab: vocab) { report.tokens.append((s.id, token)) }
        }
    }
}

extension LlamaEngine {
    /// Runs `requests` to the end in one session. `onToken(requestIndex, token)`
    /// returning false ends that request (reason `stop`, the token included).
    func runSession(_ requests: [GenerationRequest], blockSums: Bool,
                    onToken: ((Int, Int32) -> Bool)?) throws -> [GenerationResult] {
        let session = DecodeSession(engine: self, blockSums: blockSums)
        var index: [SequenceID: Int] = [:]
        for (i, request) in requests.enumerated() { index[try session.add(request)] = i }
        var results = [GenerationResult?](repeating: nil, count: requests.count)
        while !session.isEmpty {
            let report = session.step()
            if let onToken {
                for (id, token) in report.tokens where !onToken(index[id]!, token) { session.stop(id) }
            }
            for (id, result) in report.finished { results[index[id]!] = result }
        }
        return results.map { $0! }
    }
}
