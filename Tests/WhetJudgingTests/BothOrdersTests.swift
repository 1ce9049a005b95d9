import Foundation
import Testing
import WhetCore
import WhetStore
@testable import WhetJudging

/// A judge with scripted answers, counting its calls: the rules of combining two orders, identical
/// outputs and reuse from the store do not depend on any model.
final class ScriptedJudge: PairwiseJudge, @unchecked Sendable {
    let name = "scripted"
    let identity: String
    let bothOrders = true
    let orderInvariant = false
    /// Prefers the first shown (position bias) or the longer output.
    enum Rule { case first, longer }
    let rule: Rule
    private let lock = NSLock()
    private var count = 0
    var calls: Int { lock.withLock { count } }

    init(_ rule: Rule, identity: String = "scripted#1") {
        self.rule = rule
        self.identity = identity
    }

    func judge(_ item: JudgeItem, first: String, second: String) async throws -> PositionalVerdict {
        lock.withLock { count += 1 }
        switch rule {
        case .first: return PositionalVerdict(verdict: .a, probabilityFirst: 0.8, reason: "first", method: "test")
        case .longer:
            let v: PairVerdict = first.count == second.count ? .tie : (first.count > second.count ? .a : .b)
            return PositionalVerdict(verdict: v, probabilityFirst: v == .a ? 0.9 : v == .b ? 0.1 : 0.5, reason: nil, method: "test")
        }
    }
}

struct BothOrdersTests {
    let examples = (0..<4).map { ComparisonExample(id: "e\($0)", instruction: "say something \($0)") }

    @Test func positionBiasBecomesTiesAndFlips() async throws {
        let judge = ScriptedJudge(.first)
        let r = try await PairwiseComparison.compare(outputsA: ["a", "bb", "c", "same"], outputsB: ["x", "y", "zzz", "same"],
                                                     examples: examples, judge: judge)
        // Three judged pairs, each flipping (the first shown always wins); the identical pair costs nothing.
        #expect(judge.calls == 6)
        #expect(r.winRate.wins == 0 && r.winRate.ties == 4 && r.winRate.losses == 0)
        #expect(r.flipRate == 1 && r.identicalPairs == 1 && r.judgedPairs == 3)
        let j = r.examples[0].judgment
        #expect(j.order(.ab)?.verdict == .a && j.order(.ba)?.verdict == .b && j.flipped)
        // P(A better) is read back to A's side in the swapped order: 0.8 and 1 - 0.8.
        #expect(abs((j.order(.ba)?.probabilityA ?? -1) - 0.2) < 1e-12 && abs((j.probabilityA ?? -1) - 0.5) < 1e-12)
    }

    @Test func consistentVerdictsCount() async throws {
        let judge = ScriptedJudge(.longer)
        let r = try await PairwiseComparison.compare(outputsA: ["long answer", "s", "long answer", "tie!"],
                                                     outputsB: ["short", "longer one", "tiny", "tie?"],
                                                     examples: examples, judge: judge)
        #expect(r.winRate.wins == 2 && r.winRate.losses == 1 && r.winRate.ties == 1)
        #expect(r.flipRate == 0)
        #expect(r.lengthA.meanCharacters == Double("long answer".count * 2 + 1 + 4) / 4)
    }

    @Test func mismatchedInputsAreAnError() async throws {
        await #expect(throws: ComparisonError.self) {
            _ = try await PairwiseComparison.compare(outputsA: ["a"], outputsB: ["b", "c"], examples: [examples[0]],
                                                     judge: ScriptedJudge(.first))
        }
        await #expect(throws: ComparisonError.noExamples) {
            _ = try await PairwiseComparison.compare(outputsA: [], outputsB: [], examples: [], judge: ScriptedJudge(.first))
        }
    }

    @Test func judgmentsAreStoredAndReusedEitherWayRound() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("whet-judging-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try LineageStore(path: dir.appendingPathComponent("l.sqlite").path)
        func ledger(_ run: String) throws -> (StoreJudgmentLedger, Int64, Int64) {
            try store.createRun(RunRecord(id: run, kind: .compare, taskName: "t", taskPath: "t.yaml", taskHash: "h", model: "m", seed: 0))
            let a = try store.addCandidate(CandidateRecord(runId: run, instruction: "A", operatorName: "compare", round: 0))
            let b = try store.addCandidate(CandidateRecord(runId: run, instruction: "B", operatorName: "compare", round: 0))
            return (StoreJudgmentLedger(store: store, runId: run, candidateA: a.id!, candidateB: b.id!, judge: "scripted#1"), a.id!, b.id!)
        }
        let outputsA = ["long answer", "s", "long answer", "same"], outputsB = ["short", "longer one", "tiny", "same"]
        let judge = ScriptedJudge(.longer)
        let (first, _, _) = try ledger("r-1")
        let r1 = try await PairwiseComparison.compare(outputsA: outputsA, outputsB: outputsB, examples: examples, judge: judge, ledger: first)
        #expect(judge.calls == 6 && r1.judgedPairs == 3)
        let rows = try store.judgments(run: "r-1")
        #expect(rows.count == 7)   // two orders for three pairs, one row for the identical pair
        #expect(rows.allSatisfy { $0.pairKey != nil && $0.method != nil })

        // Rerun: nothing judged again.
        let (second, _, _) = try ledger("r-2")
        let r2 = try await PairwiseComparison.compare(outputsA: outputsA, outputsB: outputsB, examples: examples, judge: judge, ledger: second)
        #expect(judge.calls == 6 && r2.reusedPairs == 3 && r2.judgedPairs == 0)
        #expect(r2.winRate == r1.winRate)
        #expect(try store.judgments(run: "r-2").count == 7)

        // The prompts the other way round: reused, swapped.
        let (third, _, _) = try ledger("r-3")
        let r3 = try await PairwiseComparison.compare(outputsA: outputsB, outputsB: outputsA, examples: examples, judge: judge, ledger: third)
        #expect(judge.calls == 6 && r3.reusedPairs == 3)
        #expect(r3.winRate == r1.winRate.reversed)

        // Another judge identity shares nothing.
        let other = ScriptedJudge(.longer, identity: "scripted#2")
        let (fourth, _, _) = try ledger("r-4")
        _ = try await PairwiseComparison.compare(outputsA: outputsA, outputsB: outputsB, examples: examples, judge: other, ledger: fourth)
        #expect(other.calls == 6)
    }
}
