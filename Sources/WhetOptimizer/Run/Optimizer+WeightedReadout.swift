import Foundation
import WhetCore
import WhetProviders

/// A weighted verbalizer for the seed prompt: the first-answer-token distribution over the
/// train examples names the candidate words, their exact log-probabilities are scored, and a
/// logistic regression over the most label-discriminative ones reads the label. It needs
/// many labelled examples and a provider that reports a wide next-token distribution (the
/// in-process engine), so it is tried only where both hold.
extension Optimizer {
    /// First answer tokens asked per train example.
    static let weightedTopTokens = 200
    static let weightedMinimumExamples = 150
    /// Fitting examples at most: accuracy has mostly levelled off by then, and each costs two calls.
    static let weightedMaximumExamples = 500
    static let weightedMaximumLabels = 4

    /// The train examples the weighted readout is fitted on (selection, then pool), or none
    /// when the task does not qualify.
    var weightedReadoutExamples: [Example] {
        guard let labels = scorer.labels, settings.allows(.readout), labels.count <= Self.weightedMaximumLabels else { return [] }
        let chosen = Set(selection.map(\.id))
        let examples = Array((selection + sampler.pool.filter { !chosen.contains($0.id) }).prefix(Self.weightedMaximumExamples))
        return examples.count >= Self.weightedMinimumExamples ? examples : []
    }

    /// Calls the step makes: the answer tokens and the word scores of every fitting example.
    var weightedReadoutCalls: Int { 2 * weightedReadoutExamples.count }

    func proposeWeightedReadout(seed: Arm) async throws {
        let examples = weightedReadoutExamples
        guard !examples.isEmpty, let labels = scorer.labels else { return }
        var estimate = try scorer.estimate(seed.candidate, on: examples)
        estimate += estimate
        try checkBudget(estimate)
        phase = "weighted readout"
        await emitProgress()

        // One example first: endpoints that cap top_logprobs (OpenAI's and vLLM's at 20) refuse
        // the request or report too few alternatives, and the step ends after one call.
        let first: [[TokenAlternative]]
        do {
            let (tokens, spent) = try await scorer.answerTokens(seed.candidate, on: [examples[0]], top: Self.weightedTopTokens)
            account.add(spent)
            first = tokens
        } catch let error as ProviderError {
            switch error {
            case .invalidRequest, .unsupported, .httpStatus(_, 400..<429, _), .httpStatus(_, 430..<500, _):
                emit(.note("weighted readout skipped: the model refused \(Self.weightedTopTokens) log-probabilities per token (\(error.localizedDescription))"))
                return
            default: throw error
            }
        }
        let reported = first.first?.count ?? 0
        guard reported >= Self.weightedTopTokens / 2 else {
            emit(.note("weighted readout skipped: the model reports \(reported) alternatives per token (needs \(Self.weightedTopTokens / 2))"))
            return
        }
        let (rest, spent) = try await scorer.answerTokens(seed.candidate, on: Array(examples.dropFirst()), top: Self.weightedTopTokens)
        account.add(spent)
        let tokens = first + rest
        let pool = Set(scorer.poolWords)
        let discovered = Array(Set(tokens.flatMap { $0.map(\.token) }.filter {
            !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty && !$0.contains("\u{FFFD}") && !pool.contains($0)
        })).sorted()
        let (results, spend) = try await scorer.score(seed.candidate, on: examples, readout: Readout.seed(labels: labels),
                                                      extraWords: discovered)
        account.add(spend)

        let names = labels.map(\.label)
        let truth = examples.map { e in referenceLabel(e).flatMap { names.firstIndex(of: $0) } }
        let usable = results.indices.filter { results[$0].words != nil && truth[$0] != nil }
        let rows = usable.map { results[$0].words! }
        let labelled = usable.map { truth[$0]! }
        let fit = WeightedReadoutFit(labels: names)
        let candidates = pool.sorted() + discovered
        let predicted = fit.crossFitted(rows, truth: labelled, candidates: candidates)
        let readout = fit.fit(rows, truth: labelled, candidates: candidates)

        // Every fitting example scored by a readout fitted without it; replies naming no label score 0.
        let positions = Dictionary(uniqueKeysWithValues: usable.enumerated().map { ($1, $0) })
        var heldOut: [String: ScoredExample] = [:]
        for (index, example) in examples.enumerated() {
            var r = results[index]
            r.score = 0
            if let position = positions[index] {
                r.output = predicted[position] >= 0 ? names[predicted[position]] : ""
                r.score = predicted[position] == labelled[position] ? 1 : 0
            }
            heldOut[example.id] = r
        }
        var candidate = seed.candidate
        candidate.readout = readout
        let arm = newArm(candidate, "weighted readout", parents: [seed], round: 3)
        arm.selection = selection.map { heldOut[$0.id]! }
        arm.selectionScores = arm.selection.map(\.score)
        arm.crossFitted = heldOut
        try add(arm)
        try recorder.recordScores(arm, new: arm.selection, split: .train, selection: true)
        emit(.candidate(id: arm.id, operatorName: arm.operatorName, score: arm.score))
        updateBest()
        await emitProgress()
    }
}
