import Foundation
import WhetCore
import WhetEmbeddings
import WhetInference

/// The compressor the CLI, the evaluator and the server share. Stateless apart from the
/// two models, which serialise their own calls, so one instance serves any number of
/// concurrent requests.
///
///     let compressor = try PromptCompressor.loadDefault()
///     let result = try compressor.compress(CompressionRequest(context: text, question: q, target: .rate(0.33)))
public final class PromptCompressor: Sendable {
    public let model: any CompressionScoringModel
    public let embedder: SentenceEmbedder

    public init(model: any CompressionScoringModel, embedder: SentenceEmbedder) {
        self.model = model
        self.embedder = embedder
    }

    /// The embedded SmolLM2 and MiniLM from `models/` (see `ModelLocator`).
    public static func loadDefault(modelURL: URL? = nil) throws -> PromptCompressor {
        let engine = try LlamaEngine(modelURL: modelURL ?? ModelLocator.defaultGGUF())
        SentenceEmbedder.setBLASThreads(1)
        let embedder = try SentenceEmbedder(directory: ModelLocator.defaultEmbeddingDirectory(), workers: 2)
        return PromptCompressor(model: engine, embedder: embedder)
    }

    /// Tokens of `text` in the scoring model's tokenizer (the unit of every budget).
    public func countTokens(_ text: String) -> Int { model.encode(text).count }

    /// Progress goes to `progress` as `.stage` events: "ranking" (context tokens embedded) and, in
    /// token mode, "scoring" (candidate tokens scored by the language model).
    public func compress(_ request: CompressionRequest, progress: ProgressSink? = nil) throws -> CompressionResult {
        let clock = Date()
        try Self.validate(request)
        let layout = try LayoutBuilder(options: request.structure, keep: request.keep).build(request.context)
        guard !layout.units.isEmpty else { throw CompressionError.emptyInput(source: "context") }
        let alignment = TokenAlignment(layout: layout, tokenizer: model.textTokenizer)
        let n = alignment.count
        let target: Int
        switch request.target {
        case .rate(let r): target = max(1, Int((r * Double(n)).rounded()))
        case .tokens(let t): target = t
        }
        let requestedRate = Double(target) / Double(max(1, n))
        if target >= n {
            var warnings: [String] = []
            if case .tokens(let t) = request.target, t > n {
                warnings.append("the target of \(t) tokens is more than the input's \(n) tokens: returned unchanged")
            }
            return passthrough(request, layout: layout, tokens: n, mode: resolvedMode(request, tokens: n),
                               warnings: warnings, seconds: Date().timeIntervalSince(clock))
        }
        let mode = resolvedMode(request, tokens: n)
        let question = request.effectiveQuestion
        let ranker = RelevanceRanker(embedder: embedder, model: model)
        let sentenceStarts = Self.sentenceTokenOffsets(layout, alignment)
        var stats = CompressionStats()
        let stageClock = Date()
        progress?(.stage(name: "ranking", done: 0, total: n))
        let ranking = try ranker.rank(layout, question: question,
                                      nllCandidates: mode == .token ? request.tuning.questionNLLCandidates : 0) { done in
            progress?(.stage(name: "ranking", done: sentenceStarts[done], total: n))
        }
        progress?(.stage(name: "ranking", done: n, total: n))
        stats.rankingSeconds = Date().timeIntervalSince(stageClock)
        stats.modelTokens = ranking.modelTokens
        stats.modelCalls = ranking.modelTokens > 0 ? 1 : 0
        let assembler = TextAssembler(layout: layout, keepParagraphBreaks: request.structure.keepParagraphBreaks)
        let order = request.reorderByRelevance ? DynamicRatio.ranks(ranking.block).enumerated()
            .sorted { $0.element < $1.element }.map(\.offset) : nil
        let count: ([Bool]) -> Int = { [model] keep in model.encode(assembler.assemble(keep: keep, order: order).text).count }
        let pipeline = SelectionPipeline(model: model, layout: layout, alignment: alignment, ranking: ranking,
                                         question: question, tuning: request.tuning, target: target, count: count)
        var keep = mode == .sentence ? pipeline.sentenceMode()
            : try pipeline.tokenMode(stats: &stats) { done, total in
                progress?(.stage(name: "scoring", done: done, total: total))
            }
        if !keep.contains(true), let best = ranking.sentence.indices.max(by: { ranking.sentence[$0] < ranking.sentence[$1] }) {
            // A tiny input and a tiny budget: the best sentence's first unit rather than nothing.
            keep[layout.sentences[best].units.lowerBound] = true
        }
        var warnings = JSONGuard(layout: layout, assembler: assembler).repair(&keep)
        let output = assembler.assemble(keep: keep, order: order)
        let compressedTokens = model.encode(output.text).count
        let rate = Double(compressedTokens) / Double(n)
        if abs(rate / requestedRate - 1) > 0.1 {
            warnings.append(pipeline.missReason(keep: keep, compressedTokens: compressedTokens))
        }
        let seconds = Date().timeIntervalSince(clock)
        stats.selectingSeconds = seconds - stats.rankingSeconds - stats.scoringSeconds
        return CompressionResult(compressed: output.text, originalTokens: n, compressedTokens: compressedTokens,
                                 rate: rate, mode: mode, keptSpans: assembler.codePointSpans(output.byteSpans),
                                 requestedRate: requestedRate, warnings: warnings,
                                 seconds: seconds, stats: stats)
    }

    static func validate(_ request: CompressionRequest) throws {
        switch request.target {
        case .rate(let r):
            guard r.isFinite, r > 0, r <= 1 else { throw CompressionError.invalidRate(r) }
        case .tokens(let t):
            guard t > 0 else { throw CompressionError.invalidTargetTokens(t) }
        }
        let t = request.tuning
        guard t.windowTokens >= 16 else { throw CompressionError.invalidTuning(field: "windowTokens", expected: ">= 16") }
        guard t.conditionTokens >= 0 else { throw CompressionError.invalidTuning(field: "conditionTokens", expected: ">= 0") }
        guard t.coarseFactor >= 1 else { throw CompressionError.invalidTuning(field: "coarseFactor", expected: ">= 1") }
        guard (0...1).contains(t.verbatimShare), (0...1).contains(t.contrastiveShare), (0...1).contains(t.dynamicRatio) else {
            throw CompressionError.invalidTuning(field: "verbatimShare, contrastiveShare, dynamicRatio", expected: "in [0, 1]")
        }
    }

    func resolvedMode(_ request: CompressionRequest, tokens: Int) -> CompressionMode {
        switch request.mode {
        case .auto: return tokens > request.tuning.autoSentenceThreshold ? .sentence : .token
        case let m: return m
        }
    }

    private func passthrough(_ request: CompressionRequest, layout: TextLayout, tokens: Int, mode: CompressionMode,
                             warnings: [String], seconds: Double) -> CompressionResult {
        let points = request.context.unicodeScalars.count
        return CompressionResult(compressed: request.context, originalTokens: tokens, compressedTokens: tokens, rate: 1,
                                 mode: mode, keptSpans: [[0, points]], requestedRate: 1, warnings: warnings,
                                 seconds: seconds, stats: CompressionStats())
    }

    /// For each sentence index (and the end), the context tokens before it.
    static func sentenceTokenOffsets(_ layout: TextLayout, _ alignment: TokenAlignment) -> [Int] {
        var out = [0]
        for s in layout.sentences {
            let last = s.units.isEmpty ? 0 : alignment.unitTokens[s.units.upperBound - 1].upperBound
            out.append(max(out.last!, last))
        }
        return out
    }
}
