import Foundation
import Testing
import GRDB
@testable import WhetStore

struct ConcurrencyTests {
    /// Readers see only whole transactions while a writer commits: every
    /// candidate they see has all its evaluations, never a part.
    @Test func readersSeeConsistentSnapshotsWhileAWriterWrites() async throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        try store.createRun(sampleRun())
        let perCandidate = 25, total = 150

        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in 0..<total {
                    let evals = (0..<perCandidate).map { j in
                        EvaluationRecord(candidateId: 0, exampleId: "e\(j)", split: .dev, output: "o", score: 1,
                                         promptTokens: 1, completionTokens: 1, latencyMs: 1)
                    }
                    try store.commitCandidate(CandidateRecord(runId: "r1", instruction: "c\(i)", operatorName: "rewrite", round: i),
                                              parents: [], evaluations: evals)
                }
                return total
            }
            for _ in 0..<3 {
                group.addTask {
                    var reads = 0, lastSeen = 0
                    while lastSeen < total {
                        let (candidates, evaluations) = try store.pool.read { db in
                            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates")!,
                             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM evaluations")!)
                        }
                        #expect(evaluations == candidates * perCandidate)
                        #expect(candidates >= lastSeen)
                        lastSeen = candidates
                        reads += 1
                    }
                    return reads
                }
            }
            var results: [Int] = []
            for try await r in group { results.append(r) }
            #expect(results.count == 4)
        }
        #expect(try store.count("evaluations") == total * perCandidate)
    }
}
