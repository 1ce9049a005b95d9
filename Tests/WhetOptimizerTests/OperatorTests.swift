import Foundation
import Testing
import WhetCore
@testable import WhetOptimizer

/// Model-free operators, parsing of proposals, the bandit and the proposal filter.
struct OperatorTests {
    func task() throws -> TaskFile {
        try TaskFileParser.parse("""
            name: toy
            description: Classify a movie-review snippet as positive or negative.
            instruction: Classify the sentiment. Be careful.
            template: "Sentence: {input}\\nSentiment:"
            data:
              answer: label
              examples:
            \((0..<20).map { "    - {input: \"text \($0)\", label: \($0 % 2 == 0 ? "positive" : "negative")}" }.joined(separator: "\n"))
            answer:
              type: label
              labels: {positive: [positive], negative: [negative]}
            metric: choice_accuracy
            """, path: "/tmp/toy.yaml")
    }

    @Test func mutationsChangeWhatTheySay() throws {
        let t = try task()
        let seed = Candidate.seed(for: t)
        #expect(InstructionMutation.role.apply(to: seed, task: t)?.instruction
                == "You are an expert at classifying a movie-review snippet as positive or negative. Classify the sentiment. Be careful.")
        #expect(InstructionMutation.shorten.apply(to: seed, task: t)?.instruction == "Classify the sentiment.")
        #expect(InstructionMutation.outputFormat.apply(to: seed, task: t)?.formatLine == "Answer with one of: positive, negative.")
        #expect(InstructionMutation.stepByStep.apply(to: seed, task: t) == nil)
        let positive = InstructionMutation.positiveThinking.apply(to: seed, task: t, variant: 1)!
        #expect(positive.instruction.hasPrefix("You are as smart as ChatGPT.") && positive.instruction.contains("Be careful."))
        let format = InstructionMutation.outputFormat.apply(to: seed, task: t)!
        #expect(InstructionMutation.outputFormat.apply(to: format, task: t) == nil)
    }

    @Test func proposalsAreCleanedAndDeduplicated() {
        let reply = """
            1. Classify the sentence as positive or negative.
            - "Decide whether the review is positive or negative."
            Instruction: decide whether the review is positive or negative
            ok
            Use {input} to answer the question here.
            The instruction was to write the plural of the given noun
            """
        #expect(ProposalParser.instructions(from: reply, limit: 5) == [
            "Classify the sentence as positive or negative.",
            "Decide whether the review is positive or negative.",
            "Write the plural of the given noun.",
        ])
    }

    @Test func reorderingsKeepTheSetAndDiffer() throws {
        let t = try task()
        let sampler = ExemplarSampler(pool: t.data.all, labels: { if case .label(let l) = t.answer { return l } else { return nil } }())
        var rng = SeededGenerator(seed: 3)
        let set = sampler.balanced(k: 4, words: ["positive": "positive", "negative": "negative"], using: &rng)
        #expect(set.count == 4 && Set(set.map(\.answer)) == ["positive", "negative"])
        #expect(set[0].answer != set[1].answer && set[1].answer != set[2].answer)
        for order in sampler.reorderings(of: set, count: 3, using: &rng) {
            #expect(order != set && Set(order) == Set(set))
        }
    }

    @Test func banditMovesTowardTheBetterRegion() {
        // Two clusters of arms; arms near the first score high.
        let features: [[Float]] = (0..<20).map { i in
            let angle = Float(i < 10 ? 0.0 : 1.4) + Float(i % 10) * 0.01
            return [cos(angle), sin(angle)]
        }
        var bandit = ExemplarBandit(features: features)
        bandit.observe(arm: 0, score: 0.9)
        bandit.observe(arm: 10, score: 0.5)
        let next = bandit.next()!
        #expect(next < 10)
    }

    @Test func filterDropsNearDuplicatesAndCapsByCluster() throws {
        let a: [Float] = [1, 0, 0], b: [Float] = [0, 1, 0], c: [Float] = [0, 0, 1]
        let nearA: [Float] = [0.999, 0.01, 0]
        let kept = try ProposalFilter.select(proposals: [a, nearA, b, c], existing: [], slots: 10, seed: 1)
        #expect(kept == [0, 2, 3])
        let againstExisting = try ProposalFilter.select(proposals: [nearA, b], existing: [a], slots: 10, seed: 1)
        #expect(againstExisting == [1])
        let capped = try ProposalFilter.select(proposals: [a, b, c, [0.7, 0.7, 0]], existing: [], slots: 2, seed: 1)
        #expect(capped.count == 2)
    }
}
