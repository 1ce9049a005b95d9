import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders

/// Runs a candidate over examples on the task model. Label tasks: one scoring call per
/// example that returns the log-probability of every pool word (the candidate's readout
/// decides the label afterwards, so readouts cost no calls). Other tasks: greedy
/// generation and the task's answer extraction. Examples run concurrently so the local
/// engine batches them; a fixed-exemplar candidate's shared prefix is computed once and
/// reused from the engine's prefix cache.
public final class CandidateScorer: @unchecked Sendable {
    public let task: TaskFile
    public let provider: ModelProvider
    public let layout: PromptLayout
    public let parallelism: Int
    let neighbours: NeighbourIndex?
    let embeddings: ExampleEmbeddings?
    let price: PriceTable?
    let compression: ExampleCompressor?
    /// Compressed-field tokens of the prompts scored so far, before and after.
    private var compressed = CompressionTally()
    /// Ids of examples that must not reach the model (the held-out test split during search).
    private var sealed: Set<String>
    private let lock = NSLock()

    public init(task: TaskFile, provider: ModelProvider, parallelism: Int = 16, neighbours: NeighbourIndex? = nil,
                embeddings: ExampleEmbeddings? = nil, price: PriceTable? = nil, sealed: Set<String> = [],
                compression: ExampleCompressor? = nil) {
        self.task = task
        self.provider = provider
        self.layout = PromptLayout(task: task)
        self.parallelism = max(1, parallelism)
        self.neighbours = neighbours
        self.embeddings = embeddings
        self.price = price
        self.sealed = sealed
        self.compression = compression
    }

    /// nil when the task compresses nothing.
    public var compressionTally: CompressionTally? { compression.map { _ in lock.withLock { compressed } } }

    func ensureUnsealed(_ examples: [Example]) throws {
        let blocked = lock.withLock { examples.filter { sealed.contains($0.id) }.map(\.id) }
        guard blocked.isEmpty else { throw OptimizerError.sealedExample(blocked[0]) }
    }

    /// One call's spend, priced.
    func spend(_ usage: TokenUsage) -> Spend {
        Spend(calls: 1, tokens: usage.totalTokens, costUSD: price?.cost(of: usage) ?? 0)
    }

    /// Lets the sealed examples through (the final test evaluation).
    public func unseal() { lock.withLock { sealed.removeAll() } }

    public var labels: [LabelVerbalizer]? {
        if case .label(let labels) = task.answer { return labels }
        return nil
    }

    /// The words a label scoring call asks about.
    public var poolWords: [String] { labels.map(VerbalizerPool.allWords(for:)) ?? [] }

    /// The pool words, then any further words `reading` weighs and `extra` asks for.
    func words(for reading: Readout?, extra: [String] = []) -> [String] {
        var words = poolWords
        var seen = Set(words)
        for word in (reading?.featureWords ?? []) + extra where seen.insert(word).inserted { words.append(word) }
        return words
    }

    // MARK: - Requests

    /// The exemplars shown before `example`: fixed, or its nearest train neighbours.
    func exemplars(_ candidate: Candidate, for example: Example) throws -> [Exemplar] {
        guard candidate.neighbours > 0 else { return candidate.exemplars }
        guard let neighbours, let embeddings else { throw OptimizerError.internalState("nearest-neighbour exemplars need embeddings") }
        let vector = try embeddings.vectors(for: [example])[0]
        let mapping = candidate.answerWords
        return ExemplarSampler.copyNotLast(neighbours.neighbours(of: vector, excluding: example.id, k: candidate.neighbours).map {
            Exemplar($0, answerWords: mapping, labels: labels)
        })
    }

    func request(_ candidate: Candidate, _ example: Example) throws -> ProviderRequest {
        try compressedRequest(candidate, example).request
    }

    /// The request with the task's `compress:` fields compressed (input and exemplars), and the tokens that saved.
    func compressedRequest(_ candidate: Candidate, _ example: Example) throws -> (request: ProviderRequest, tally: CompressionTally) {
        var fields = example.fields
        var shown = try exemplars(candidate, for: example)
        var tally = CompressionTally()
        if let compression {
            (fields, tally) = try compression.apply(fields, exampleId: example.id)
            shown = try shown.map { e in
                var copy = e
                let applied = try compression.apply(e.fields, exampleId: e.id)
                copy.fields = applied.fields
                tally += applied.tally
                return copy
            }
        }
        let messages = try layout.messages(candidate, fields: fields, exemplars: shown)
        return (.chat(messages, GenerationOptions(n: 1, temperature: 0, maxTokens: candidate.maxTokens ?? task.maxTokens)), tally)
    }

    /// The pre-call estimate of a batch, as the provider's ledger reckons it: about 3
    /// characters per prompt token and every answer at its longest.
    public func estimate(_ candidate: Candidate, on examples: [Example]) throws -> Spend {
        var spend = Spend()
        let longestWord = poolWords.map(\.count).max() ?? 1
        for example in examples {
            var request = try request(candidate, example)
            if labels != nil { request.options.maxTokens = longestWord + 8 }
            let usage = ManagedProvider.estimate(request)
            spend += self.spend(usage)
        }
        return spend
    }

    // MARK: - Scoring

    /// Scores `candidate` on `examples` (in order). Label outputs use `readout`, or the
    /// candidate's own, or the task's seed readout.
    /// `extraWords`: further answer words to score (for fitting a weighted readout).
    public func score(_ candidate: Candidate, on examples: [Example], readout: Readout? = nil,
                      extraWords: [String] = []) async throws -> (results: [ScoredExample], spend: Spend) {
        try ensureUnsealed(examples)
        if candidate.neighbours > 0, let embeddings { _ = try embeddings.vectors(for: examples) }
        if let compression {
            let exemplars = candidate.exemplars.map { Example(id: $0.id, fields: $0.fields, answer: nil) }
            try compression.prepare(exemplars + examples)
        }
        let scored = try await boundedConcurrentMap(examples, limit: parallelism) { example in
            try await self.scoreOne(candidate, example, readout: readout, extraWords: extraWords)
        }
        var spend = Spend()
        for r in scored {
            let usage = TokenUsage(promptTokens: r.promptTokens, completionTokens: r.completionTokens)
            spend += self.spend(usage)
        }
        return (scored, spend)
    }

    func scoreOne(_ candidate: Candidate, _ example: Example, readout: Readout?, extraWords: [String] = []) async throws -> ScoredExample {
        let (request, tally) = try compressedRequest(candidate, example)
        if compression != nil { lock.withLock { compressed += tally } }
        let started = Date()
        if let labels {
            let reading = readout ?? candidate.readout ?? Readout.seed(labels: labels)
            let choice = try await provider.choose(among: words(for: reading, extra: extraWords), for: request.input)
            if choice.method == .unparsed {
                // A reply naming no label is wrong whatever the readout: no word scores to re-read.
                return ScoredExample(exampleId: example.id, output: choice.answerText, score: 0, words: nil,
                                     promptTokens: choice.usage.promptTokens, completionTokens: choice.usage.completionTokens,
                                     seconds: Date().timeIntervalSince(started))
            }
            let words = WordScores(choice: choice)
            let output = reading.decide(words)
            let reference = example.answer.flatMap { AnswerText.label(in: $0, labels: labels) } ?? example.answer
            return ScoredExample(exampleId: example.id, output: output, score: output == reference ? 1 : 0, words: words,
                                 promptTokens: choice.usage.promptTokens, completionTokens: choice.usage.completionTokens,
                                 seconds: Date().timeIntervalSince(started))
        }
        let response = try await provider.complete(request)
        let score = example.answer.map { Scorer(task: task).score(output: response.text, reference: $0) } ?? 0
        return ScoredExample(exampleId: example.id, output: response.text, score: score,
                             promptTokens: response.usage.promptTokens, completionTokens: response.usage.completionTokens,
                             seconds: Date().timeIntervalSince(started))
    }

    /// The `top` most likely first answer tokens for each example (one greedy token with its
    /// alternatives); fewer when the provider reports fewer (OpenAI's endpoints give 20).
    public func answerTokens(_ candidate: Candidate, on examples: [Example], top: Int) async throws -> (tokens: [[TokenAlternative]], spend: Spend) {
        try ensureUnsealed(examples)
        let answers = try await boundedConcurrentMap(examples, limit: parallelism) { example in
            var request = try self.request(candidate, example)
            request.options = GenerationOptions(n: 1, temperature: 0, maxTokens: 1, logprobs: true, topLogprobs: top)
            return try await self.provider.complete(request)
        }
        let spent = answers.reduce(Spend()) { $0 + spend($1.usage) }
        return (answers.map { $0.choices.first?.logprobs?.first?.topAlternatives ?? [] }, spent)
    }

    /// Label tasks: the candidate's word scores on content-free inputs (every template
    /// field "N/A", empty, "[MASK]"), for contextual calibration.
    public func contentFree(_ candidate: Candidate) async throws -> (scores: [WordScores], spend: Spend) {
        guard labels != nil else { return ([], Spend()) }
        let examples = ["N/A", "", "[MASK]"].enumerated().map { i, text in
            Example(id: "content-free:\(i)", fields: Dictionary(uniqueKeysWithValues: task.template.fields.map { ($0, text) }),
                    answer: nil)
        }
        var fixed = candidate
        if fixed.neighbours > 0 { fixed.neighbours = 0 }
        let (results, spend) = try await score(fixed, on: examples)
        return (results.compactMap(\.words), spend)
    }
}

extension WordScores {
    /// Raw per-word log-probabilities when the provider gives them; else the normalised
    /// probabilities' logs (sum aggregation then still ranks the same).
    init(choice: LabelChoice) {
        if let raw = choice.logprobs {
            self.init(logprobs: raw, tokens: choice.tokenCounts ?? [:])
        } else {
            self.init(logprobs: choice.probabilities.mapValues { log(max($0, 1e-300)) }, tokens: choice.tokenCounts ?? [:])
        }
    }
}

extension Exemplar {
    /// A train example as an exemplar: label tasks answer with the label's word.
    init(_ example: Example, answerWords: [String: String], labels: [LabelVerbalizer]?) {
        var reference = example.answer ?? ""
        if let labels, let label = AnswerText.label(in: reference, labels: labels) { reference = label }
        self.init(id: example.id, fields: example.fields, answer: answerWords[reference] ?? reference)
    }
}
