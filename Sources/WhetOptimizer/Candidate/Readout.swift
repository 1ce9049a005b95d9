import Foundation
import WhetCore

/// The model's log-probability of each answer word after one prompt, and how many
/// tokens each word has (for per-token means).
public struct WordScores: Codable, Hashable, Sendable {
    public var logprobs: [String: Double]
    public var tokens: [String: Int]

    public init(logprobs: [String: Double], tokens: [String: Int]) {
        self.logprobs = logprobs
        self.tokens = tokens
    }
}

/// How a label task's answer is read from word log-probabilities: which words count for
/// each label (their probabilities add up), whether a multi-token word scores by its sum
/// or its mean per token, and a per-label bias from calibration.
public struct Readout: Codable, Hashable, Sendable {
    public enum Aggregation: String, Codable, Sendable, CaseIterable { case sum, mean }
    /// Where the bias came from.
    public enum Calibration: String, Codable, Sendable, CaseIterable {
        case none
        /// Content-free inputs ("N/A", "", "[MASK]") through the same prompt (Zhao et al. 2021).
        case contextual
        /// The mean label distribution over unlabelled inputs (Zhou et al. 2023).
        case batch
        /// Fitted to maximise accuracy on labelled selection examples, chosen by cross-validation.
        case fitted
    }

    /// Labels in the task's order.
    public var labels: [String]
    public var words: [String: [String]]
    public var aggregation: Aggregation
    public var calibration: Calibration
    public var bias: [String: Double]
    /// A weighted verbalizer: each label's score is Σ weight × log p(word) over these
    /// answer-position words, plus `bias` (a logistic regression fitted on train); nil for
    /// the log-sum-exp reading of `words`.
    public var weights: [String: [String: Double]]?

    public init(labels: [String], words: [String: [String]], aggregation: Aggregation = .sum,
                calibration: Calibration = .none, bias: [String: Double] = [:], weights: [String: [String: Double]]? = nil) {
        self.labels = labels
        self.words = words
        self.aggregation = aggregation
        self.calibration = calibration
        self.bias = bias
        self.weights = weights
    }

    /// The log-probability a weighted readout assumes for a word the provider did not score,
    /// and the floor of every word's value.
    static let missingLogprob = -50.0

    /// `word`'s value as a weighted readout reads it: its log-probability, floored.
    static func featureValue(_ word: String, in scores: WordScores) -> Double {
        max(scores.logprobs[word].flatMap { $0.isFinite ? $0 : nil } ?? missingLogprob, missingLogprob)
    }

    /// The answer-position words a weighted readout reads (beyond the label words), sorted.
    public var featureWords: [String] {
        Array(Set((weights ?? [:]).values.flatMap(\.keys))).sorted()
    }

    /// The task file's own reading: each label's name, by total log-probability, no bias
    /// (what `whet eval` does).
    public static func seed(labels: [LabelVerbalizer]) -> Readout {
        Readout(labels: labels.map(\.label), words: Dictionary(uniqueKeysWithValues: labels.map { ($0.label, [$0.label]) }))
    }

    /// Every word some label's readout uses.
    public var allWords: [String] { Array(Set(words.values.flatMap { $0 })).sorted() }

    /// Unbiased log-scores per label, in `labels` order.
    public func rawScores(_ scores: WordScores) -> [Double] {
        if let weights {
            return labels.map { label in
                // Sorted: the same sum in every process, so a resumed run decides alike.
                (weights[label] ?? [:]).sorted { $0.key < $1.key }.reduce(0) { $0 + $1.value * Self.featureValue($1.key, in: scores) }
            }
        }
        return labels.map { label in
            let terms = (words[label] ?? []).compactMap { word -> Double? in
                guard let lp = scores.logprobs[word] else { return nil }
                switch aggregation {
                case .sum: return lp
                case .mean: return lp / Double(max(1, scores.tokens[word] ?? 1))
                }
            }
            return LogMath.logSumExp(terms)
        }
    }

    /// Log-scores per label with the bias added.
    public func scores(_ scores: WordScores) -> [Double] {
        zip(labels, rawScores(scores)).map { $1 + (bias[$0] ?? 0) }
    }

    /// The label with the highest biased score (the first on a tie).
    public func decide(_ scores: WordScores) -> String {
        let s = self.scores(scores)
        var best = 0
        for i in s.indices where s[i] > s[best] { best = i }
        return labels[best]
    }

    public var summary: String {
        if weights != nil { return "weighted(\(featureWords.count) words)" }
        var text = aggregation == .mean ? "mean" : "sum"
        if calibration != .none { text += "+\(calibration.rawValue)" }
        return text
    }
}

enum LogMath {
    /// log Σ exp(x); -inf for an empty list.
    static func logSumExp(_ values: [Double]) -> Double {
        guard let peak = values.max(), peak.isFinite else { return values.max() ?? -.infinity }
        return peak + log(values.reduce(0) { $0 + exp($1 - peak) })
    }

    /// log-softmax of a score vector.
    static func logSoftmax(_ values: [Double]) -> [Double] {
        let z = logSumExp(values)
        return values.map { $0 - z }
    }
}

/// The answer words worth scoring for each label: its name, the task's verbalizers, and
/// their capitalised and lower-case forms (underscores also as spaces). One model call
/// scores them all, so choosing among them costs nothing more.
public enum VerbalizerPool {
    public static func words(for labels: [LabelVerbalizer]) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for label in labels {
            var seen: [String] = []
            func add(_ word: String) {
                let w = word.trimmingCharacters(in: .whitespaces)
                if !w.isEmpty, !seen.contains(w) { seen.append(w) }
            }
            for base in [label.label] + label.verbalizers {
                add(base)
                add(base.lowercased())
                add(base.prefix(1).uppercased() + base.dropFirst())
                if base.contains("_") { add(base.replacingOccurrences(of: "_", with: " ")) }
            }
            result[label.label] = seen
        }
        return result
    }

    /// All pool words, sorted: the list a scoring call asks about.
    public static func allWords(for labels: [LabelVerbalizer]) -> [String] {
        Array(Set(words(for: labels).values.flatMap { $0 })).sorted()
    }
}
