import Foundation
import WhetStore
import WhetCore

/// The combined local judge: P(first better) = sigmoid(sum of weight * signal difference) over the
/// signals of `SignalExtractor`, with the weights from the judge file. Symmetric by construction
/// (no intercept, differences only), so the order the outputs are shown in cannot matter.
public struct SignalsJudge: PairwiseJudge {
    public let name: String
    public let identity: String
    public let weights: SignalWeights
    public let bothOrders: Bool
    public let extractor: SignalExtractor
    public var orderInvariant: Bool { true }

    public func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict {
        let signals = try await extractor.signals(instruction: item.instruction, first: first, second: second,
                                                  reference: item.reference)
        let (p, contributions) = Self.probability(signals, weights: weights)
        let verdict: PairVerdict = abs(p - 0.5) <= weights.tieMargin ? .tie : (p > 0.5 ? .a : .b)
        let top = contributions.sorted { abs($0.value) > abs($1.value) }.prefix(3)
            .map { (c: (name: SignalName, value: Double)) -> String in String(format: "%@ %+.2f", c.name.rawValue, c.value) }
        let reason = String(format: "P(first better) = %.2f; strongest signals (+ favours the first): ", p)
            + top.joined(separator: ", ")
        return PositionalVerdict(verdict: verdict, probabilityFirst: p, reason: reason, method: "signals")
    }

    /// The probability and each signal's contribution to the logit.
    public static func probability(_ signals: PairSignals, weights: SignalWeights) -> (Double, [(name: SignalName, value: Double)]) {
        let contributions = weights.weights.map { (name: $0.name, value: $0.weight * signals.difference($0.name)) }
        let logit = contributions.reduce(0) { $0 + $1.value }
        return (1 / (1 + exp(-logit)), contributions)
    }
}
