import Foundation
import WhetStore

/// Where a comparison looks for judgments made before and records new ones.
public protocol JudgmentLedger: Sendable {
    func previous(key: String) async throws -> PairJudgment?
    func record(key: String, exampleId: String, judgment: PairJudgment) async throws
}

/// The pair key: the judge's identity, the example as the judge sees it and both outputs, hashed.
/// Outputs A and B in that order: the same pair the other way round has another key.
public enum PairKey {
    public static func make(judge: String, item: JudgeItem) -> String {
        let parts = [judge, item.instruction, item.reference ?? "\u{0}", item.requirements ?? "\u{0}", item.outputA, item.outputB]
        return SHA256.hex(Data(parts.joined(separator: "\u{1F}").utf8))
    }
}

/// Judgments in the lineage store's `judgments` table: one row per order, keyed by `PairKey`, tied
/// to a run and its two candidates. A judgment under the same key from any earlier run is reused;
/// one made with the outputs the other way round is reused swapped.
public final class StoreJudgmentLedger: JudgmentLedger, @unchecked Sendable {
    public let store: LineageStore
    public let runId: String
    public let candidateA: Int64
    public let candidateB: Int64
    public let judge: String

    public init(store: LineageStore, runId: String, candidateA: Int64, candidateB: Int64, judge: String) {
        self.store = store
        self.runId = runId
        self.candidateA = candidateA
        self.candidateB = candidateB
        self.judge = judge
    }

    public func previous(key: String) async throws -> PairJudgment? {
        let rows = try store.judgments(pairKey: key)
        guard let first = rows.first else { return nil }
        // Rows of the earliest run that judged this pair; candidate A of that run is "A" of the key.
        let run = rows.filter { $0.runId == first.runId && $0.candidateA == first.candidateA && $0.candidateB == first.candidateB }
        var orders: [OrderJudgment] = []
        for order in [PairOrder.ab, .ba] {
            guard let row = run.last(where: { $0.order == order }) else { continue }
            orders.append(OrderJudgment(order: order, verdict: row.verdict, probabilityA: row.probability, reason: row.reason,
                                        method: row.method ?? "stored"))
        }
        guard !orders.isEmpty else { return nil }
        return PairJudgment(orders: orders, identical: orders.first?.method == "identical")
    }

    public func record(key: String, exampleId: String, judgment: PairJudgment) async throws {
        try store.recordJudgments(judgment.orders.map { o in
            JudgmentRecord(runId: runId, candidateA: candidateA, candidateB: candidateB, exampleId: exampleId, order: o.order,
                           verdict: o.verdict, probability: o.probabilityA, judge: judge, pairKey: key, reason: o.reason,
                           method: o.method)
        })
    }
}
