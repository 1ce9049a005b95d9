import Foundation
import WhetCore

/// Chooses a label task's readout (answer words, sum or mean per token, calibration) from
/// labelled examples without fooling itself: the option is picked by cross-validation on
/// the training folds, and the examples' scores come from folds that took no part in the
/// choice or the fit (nested cross-validation). A bias fitted in-sample looks better than
/// it is; only an option that wins out of sample is kept.
public struct ReadoutSelection: Sendable {
    public struct Option: Hashable, Sendable {
        public var words: [String: [String]]
        public var aggregation: Readout.Aggregation
        public var calibration: Readout.Calibration
    }

    public struct Result: Sendable {
        /// The option fitted on every example given.
        public var readout: Readout
        /// 0/1 per example, each predicted by a readout chosen and fitted without it.
        public var heldOutScores: [Double]
    }

    public let labels: [String]
    public let options: [Option]
    public let folds: Int

    /// Options from simplest to richest (ties go to the simpler): the label names, the
    /// exemplars' words, the task's verbalizers, the whole pool; each by sum and by mean;
    /// each without bias, with contextual (when content-free scores exist), batch and
    /// fitted bias.
    public init(task labels: [LabelVerbalizer], answerWords: [String: String], contextual: Bool, folds: Int = 5) {
        self.labels = labels.map(\.label)
        let pool = VerbalizerPool.words(for: labels)
        var families: [[String: [String]]] = []
        func add(_ family: [String: [String]]) { if !families.contains(family) { families.append(family) } }
        add(Dictionary(uniqueKeysWithValues: labels.map { ($0.label, [$0.label]) }))
        add(Dictionary(uniqueKeysWithValues: labels.map { ($0.label, [answerWords[$0.label] ?? $0.label]) }))
        add(Dictionary(uniqueKeysWithValues: labels.map { l in
            (l.label, ([l.label] + l.verbalizers).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } })
        }))
        add(pool)
        var options: [Option] = []
        let calibrations: [Readout.Calibration] = contextual ? [.none, .contextual, .batch, .fitted] : [.none, .batch, .fitted]
        for calibration in calibrations {
            for family in families {
                for aggregation in Readout.Aggregation.allCases {
                    options.append(Option(words: family, aggregation: aggregation, calibration: calibration))
                }
            }
        }
        self.options = options
        self.folds = folds
    }

    /// `examples`: word scores and the reference label; `contentFree`: the same prompt's
    /// word scores on content-free inputs (contextual calibration).
    public func select(_ examples: [(scores: WordScores, label: String)], contentFree: [WordScores]) -> Result {
        let tables = options.map { table(for: $0, examples.map(\.scores), contentFree: contentFree) }
        let truth = examples.map { labels.firstIndex(of: $0.label) ?? -1 }
        let all = Array(examples.indices)
        var heldOut = [Double](repeating: 0, count: examples.count)
        let outer = max(2, min(folds, examples.count / 2))
        if examples.count >= 4 {
            for fold in 0..<outer {
                let test = all.filter { $0 % outer == fold }
                let train = all.filter { $0 % outer != fold }
                let (choice, bias) = choose(tables, truth, train)
                for i in test { heldOut[i] = Self.predict(tables[choice].raw[i], bias) == truth[i] ? 1 : 0 }
            }
        } else {
            for i in all { heldOut[i] = Self.predict(tables[0].raw[i], [Double](repeating: 0, count: labels.count)) == truth[i] ? 1 : 0 }
        }
        let (choice, bias) = examples.count >= 4 ? choose(tables, truth, all) : (0, [Double](repeating: 0, count: labels.count))
        let option = options[choice]
        let readout = Readout(labels: labels, words: option.words, aggregation: option.aggregation,
                              calibration: option.calibration,
                              bias: Dictionary(uniqueKeysWithValues: zip(labels, bias).filter { $0.1 != 0 }))
        return Result(readout: readout, heldOutScores: heldOut)
    }

    /// Raw (unbiased) label scores of every example under one option, and the contextual
    /// bias where it applies.
    struct Table {
        var option: Option
        var raw: [[Double]]
        var contextualBias: [Double]?
    }

    func table(for option: Option, _ scores: [WordScores], contentFree: [WordScores]) -> Table {
        let readout = Readout(labels: labels, words: option.words, aggregation: option.aggregation)
        let raw = scores.map { readout.rawScores($0) }
        var contextual: [Double]?
        if option.calibration == .contextual, !contentFree.isEmpty {
            let rows = contentFree.map { LogMath.logSoftmax(readout.rawScores($0)) }
            contextual = labels.indices.map { j in -rows.reduce(0) { $0 + $1[j] } / Double(rows.count) }
        }
        return Table(option: option, raw: raw, contextualBias: contextual)
    }

    /// The option with the best inner cross-validated accuracy on `rows`, and its bias
    /// fitted on all of `rows`.
    func choose(_ tables: [Table], _ truth: [Int], _ rows: [Int]) -> (Int, [Double]) {
        let inner = max(2, min(folds, rows.count / 2))
        var best = (index: 0, correct: -1)
        for (index, table) in tables.enumerated() {
            var correct = 0
            for fold in 0..<inner {
                let test = rows.enumerated().filter { $0.offset % inner == fold }.map(\.element)
                let train = rows.enumerated().filter { $0.offset % inner != fold }.map(\.element)
                let bias = fit(table, truth, train)
                correct += test.filter { Self.predict(table.raw[$0], bias) == truth[$0] }.count
            }
            if correct > best.correct { best = (index, correct) }
        }
        return (best.index, fit(tables[best.index], truth, rows))
    }

    func fit(_ table: Table, _ truth: [Int], _ rows: [Int]) -> [Double] {
        let k = labels.count
        switch table.option.calibration {
        case .none: return [Double](repeating: 0, count: k)
        case .contextual: return table.contextualBias ?? [Double](repeating: 0, count: k)
        case .batch:
            guard !rows.isEmpty else { return [Double](repeating: 0, count: k) }
            var mean = [Double](repeating: 0, count: k)
            for r in rows {
                let p = LogMath.logSoftmax(table.raw[r]).map(exp)
                for j in 0..<k { mean[j] += p[j] / Double(rows.count) }
            }
            return mean.map { -log(max($0, 1e-12)) }
        case .fitted: return BiasFit.maximiseAccuracy(table.raw, truth, rows, labels: k)
        }
    }

    /// The predicted label's index; -2 (never a reference) for a row with no finite score, an
    /// example whose reply named no label.
    static func predict(_ raw: [Double], _ bias: [Double]) -> Int {
        guard raw.contains(where: \.isFinite) else { return -2 }
        var best = 0
        for j in raw.indices where raw[j] + bias[j] > raw[best] + bias[best] { best = j }
        return best
    }
}

/// A per-label bias that maximises accuracy on labelled rows: coordinate ascent over each
/// label's bias, trying the values where a decision flips (at most 24 per label, spread
/// over their range); ties keep the smaller bias.
enum BiasFit {
    static func maximiseAccuracy(_ raw: [[Double]], _ truth: [Int], _ rows: [Int], labels k: Int) -> [Double] {
        var bias = [Double](repeating: 0, count: k)
        guard k > 1, !rows.isEmpty else { return bias }
        func accuracy(_ b: [Double]) -> Int {
            rows.filter { ReadoutSelection.predict(raw[$0], b) == truth[$0] }.count
        }
        var current = accuracy(bias)
        for _ in 0..<3 {
            var improved = false
            for j in 1..<k {
                // Label j's bias relative to the best other label, where each row's decision flips.
                var flips = rows.map { r -> Double in
                    var other = -Double.infinity
                    for i in 0..<k where i != j { other = max(other, raw[r][i] + bias[i]) }
                    return other - raw[r][j]
                }.filter(\.isFinite).sorted()
                if flips.count > 24 {
                    flips = (0..<24).map { flips[$0 * (flips.count - 1) / 23] }
                }
                var trial = bias
                for value in flips.flatMap({ [$0 - 1e-6, $0 + 1e-6] }) {
                    trial[j] = value
                    let a = accuracy(trial)
                    if a > current || (a == current && abs(value) < abs(bias[j])) {
                        if a > current { improved = true }
                        current = a
                        bias[j] = value
                    }
                }
            }
            if !improved { break }
        }
        return bias
    }
}
