import Foundation
import WhetCore
import WhetStore

/// Judging fixed pairs (`whet judge`): both orders per pair, and agreement with the labels given.
/// Verdicts are in the file's terms: 1 = output_1, 2 = output_2, 0 = tie.
public enum FixedPairsJudging {
    public struct Order: Codable, Sendable, Equatable {
        /// Which output was shown first: 1 or 2.
        public var shownFirst: Int
        public var verdict: Int
        /// P(output_1 better) as read in this order.
        public var pFirst: Double?
        public var reason: String?
        public var method: String
    }

    public struct Pair: Codable, Sendable, Equatable {
        public var index: Int
        public var line: Int
        public var verdict: Int
        /// P(output_1 better), the mean over both orders.
        public var pFirst: Double?
        public var orders: [String: Order]
        public var label: Int?
        public var flipped: Bool
    }

    public struct Result: Codable, Sendable, Equatable {
        public var judge: String
        public var pairs: [Pair]
        public var n: Int
        public var flipRate: Double
        /// Share of labelled pairs whose verdict equals the label (a tie verdict agrees only with a tie label).
        public var agreement: Double?
        public var labelled: Int?
        /// Agreement on the pairs labelled 1 or 2.
        public var agreementNonTie: Double?
        public var nonTieLabelled: Int?
        public var seconds: Double
        public var pairsPerSecond: Double
    }

    static func number(_ v: PairVerdict) -> Int { v == .a ? 1 : v == .b ? 2 : 0 }

    public static func run(_ list: [LabelledPair], judge: any PairwiseJudge, parallelism: Int = 4,
                           progress: ProgressSink? = nil) async throws -> Result {
        let examples = list.enumerated().map { i, p in
            ComparisonExample(id: "line \(p.line)", instruction: p.input, reference: p.reference)
        }
        let comparison = try await PairwiseComparison.compare(outputsA: list.map(\.output1), outputsB: list.map(\.output2),
                                                              examples: examples, judge: judge, names: ("output_1", "output_2"),
                                                              parallelism: parallelism, progress: progress)
        let pairs = zip(list, comparison.examples).enumerated().map { i, pair in
            let (p, e) = pair
            var orders: [String: Order] = [:]
            for o in e.judgment.orders {
                orders[o.order.rawValue] = Order(shownFirst: o.order == .ab ? 1 : 2, verdict: number(o.verdict), pFirst: o.probabilityA,
                                                 reason: o.reason, method: o.method)
            }
            return Pair(index: i, line: p.line, verdict: number(e.judgment.verdict), pFirst: e.judgment.probabilityA, orders: orders,
                        label: p.label, flipped: e.judgment.flipped)
        }
        let labelled = pairs.filter { $0.label != nil }
        let nonTie = labelled.filter { $0.label != 0 }
        func share(_ s: [Pair]) -> Double? { s.isEmpty ? nil : Double(s.filter { $0.verdict == $0.label }.count) / Double(s.count) }
        return Result(judge: judge.name, pairs: pairs, n: pairs.count, flipRate: comparison.flipRate,
                      agreement: share(labelled), labelled: labelled.isEmpty ? nil : labelled.count,
                      agreementNonTie: share(nonTie), nonTieLabelled: nonTie.isEmpty ? nil : nonTie.count,
                      seconds: comparison.seconds, pairsPerSecond: Double(pairs.count) / max(comparison.seconds, 1e-9))
    }
}
