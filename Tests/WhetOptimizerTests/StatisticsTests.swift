import Foundation
import Testing
import WhetCore
@testable import WhetOptimizer

/// The paired test, readout selection and bias fitting on constructed data.
struct StatisticsTests {
    @Test func signTestMatchesTheBinomialTail() {
        // 12 wins, 4 losses, 64 ties: P(X >= 12 | n = 16) = 2517 / 65536.
        let seed = [Double](repeating: 1, count: 4) + [Double](repeating: 0, count: 12) + [Double](repeating: 1, count: 64)
        let challenger = [Double](repeating: 0, count: 4) + [Double](repeating: 1, count: 12) + [Double](repeating: 1, count: 64)
        let t = PairedTest(challenger: challenger, seed: seed)
        #expect(t.wins == 12 && t.losses == 4 && t.count == 80)
        #expect(abs(t.pValue - 2517.0 / 65536.0) < 1e-12)
        #expect(t.significant(at: 0.05) && !t.significant(at: 0.025))
        let tie = PairedTest(challenger: seed, seed: seed)
        #expect(tie.pValue == 1 && !tie.significant(at: 0.5))
        let worse = PairedTest(challenger: seed, seed: challenger)
        #expect(worse.meanDifference < 0 && !worse.significant(at: 0.99))
    }

    @Test func pairedTTestForContinuousScores() {
        let seed: [Double] = [0.2, 0.4, 0.5, 0.3, 0.6, 0.5, 0.4, 0.3]
        let better = seed.map { $0 + 0.1 }
        #expect(PairedTest(challenger: better, seed: seed).pValue == 0)
        let noisy = zip(seed, [0.15, -0.1, 0.05, -0.05, 0.1, -0.1, 0.0, 0.02]).map { $0 + $1 }
        let t = PairedTest(challenger: noisy, seed: seed)
        #expect(t.pValue > 0.2 && t.pValue < 0.8)
    }

    /// Positive examples score "positive" a little lower than negatives do, but always above
    /// "negative" by a constant: argmax says positive everywhere, a bias recovers the split.
    func skewed(_ n: Int) -> [(scores: WordScores, label: String)] {
        (0..<n).map { i in
            let positive = i % 2 == 0
            let margin = (positive ? 2.0 : 1.0) + Double(i % 7) * 0.05
            return (WordScores(logprobs: ["positive": -1, "negative": -1 - margin, "Positive": -3, "Negative": -4,
                                          "pos": -6, "neg": -6, "Pos": -7, "Neg": -7],
                               tokens: ["positive": 1, "negative": 1, "Positive": 1, "Negative": 1, "pos": 1, "neg": 1, "Pos": 1, "Neg": 1]),
                    positive ? "positive" : "negative")
        }
    }

    let labels = [LabelVerbalizer(label: "positive", verbalizers: ["positive", "pos"]),
                  LabelVerbalizer(label: "negative", verbalizers: ["negative", "neg"])]

    @Test func selectionFindsTheBiasOutOfSample() {
        let selection = ReadoutSelection(task: labels, answerWords: ["positive": "positive", "negative": "negative"], contextual: false)
        let result = selection.select(skewed(60), contentFree: [])
        #expect(result.readout.calibration == .fitted || result.readout.calibration == .batch)
        #expect(result.heldOutScores.reduce(0, +) / 60 > 0.95)
        let seed = Readout.seed(labels: labels)
        let seedAccuracy = skewed(60).filter { seed.decide($0.scores) == $0.label }.count
        #expect(seedAccuracy == 30)
    }

    @Test func noSignalGivesNoInSampleGain() {
        // Labels unrelated to the scores: the held-out accuracy must stay near chance even
        // though a bias fitted in-sample would look better.
        var rng = SeededGenerator(seed: 7)
        let rows: [(scores: WordScores, label: String)] = (0..<80).map { _ in
            let a = Double.random(in: -3...0, using: &rng), b = Double.random(in: -3...0, using: &rng)
            return (WordScores(logprobs: ["positive": a, "negative": b], tokens: ["positive": 1, "negative": 1]),
                    Bool.random(using: &rng) ? "positive" : "negative")
        }
        let result = ReadoutSelection(task: labels, answerWords: [:], contextual: false).select(rows, contentFree: [])
        let heldOut = result.heldOutScores.reduce(0, +) / 80
        #expect(heldOut < 0.65)
    }

    @Test func repliesNamingNoLabelAreNeverCorrect() {
        // Unparsed replies carry no word scores; with every reference the first label, a
        // readout that fell back to the first label would score them all correct.
        let empty = WordScores(logprobs: [:], tokens: [:])
        let rows = skewed(20) + (0..<20).map { _ in (scores: empty, label: "positive") }
        let result = ReadoutSelection(task: labels, answerWords: [:], contextual: false).select(rows, contentFree: [])
        #expect(result.heldOutScores[20...].allSatisfy { $0 == 0 })
        #expect(result.heldOutScores[..<20].reduce(0, +) > 0)
    }

    @Test func meanPerTokenChangesMultiTokenDecisions() {
        let readout = Readout(labels: ["a", "b"], words: ["a": ["long label"], "b": ["short"]], aggregation: .mean)
        let scores = WordScores(logprobs: ["long label": -3, "short": -2], tokens: ["long label": 3, "short": 1])
        #expect(readout.decide(scores) == "a")
        var sum = readout
        sum.aggregation = .sum
        #expect(sum.decide(scores) == "b")
    }

    @Test func biasFitPrefersSmallBiasOnTies() {
        let raw: [[Double]] = [[0, -1], [0, -2], [-1, 0]]
        let bias = BiasFit.maximiseAccuracy(raw, [0, 0, 1], [0, 1, 2], labels: 2)
        #expect(bias == [0, 0])
    }
}
