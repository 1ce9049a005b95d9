import Foundation
import GRDB

/// Writes and reads the optimizer needs: a run's candidates by their place in its
/// sequence (so a resumed run finds what it already recorded), score updates, the summary.
extension LineageStore {
    public func candidate(run: String, ordinal: Int) throws -> CandidateRecord? {
        try pool.read { db in
            try CandidateRecord.filter(Column("runId") == run && Column("ordinal") == ordinal).fetchOne(db)
        }
    }

    /// Inserts the candidate with its parent links, or returns the one already recorded at
    /// its ordinal (a resumed run replaying its earlier steps).
    public func recordCandidate(_ candidate: CandidateRecord, parents: [Int64]) throws -> CandidateRecord {
        try pool.write { db in
            if let ordinal = candidate.ordinal,
               let existing = try CandidateRecord.filter(Column("runId") == candidate.runId && Column("ordinal") == ordinal).fetchOne(db) {
                return existing
            }
            var c = candidate
            try c.insert(db)
            for p in Set(parents) {
                try db.execute(sql: "INSERT INTO candidate_parents (candidateId, parentId) VALUES (?, ?)", arguments: [c.id, p])
            }
            return c
        }
    }

    /// Evaluations and the candidate's current scores in one transaction. Nil leaves a score as it is.
    public func recordScores(candidateId: Int64, evaluations: [EvaluationRecord], specJSON: String? = nil,
                             selectionScore: Double? = nil, selectionCount: Int? = nil,
                             devScore: Double? = nil, testScore: Double? = nil) throws {
        try pool.write { db in
            for var e in evaluations {
                try db.execute(sql: "DELETE FROM evaluations WHERE candidateId = ? AND exampleId = ? AND split = ?",
                               arguments: [e.candidateId, e.exampleId, e.split])
                try e.insert(db)
            }
            var sets: [String] = []
            var arguments: StatementArguments = []
            if let specJSON { sets.append("specJSON = ?"); _ = arguments.append(contentsOf: [specJSON]) }
            if let selectionScore { sets.append("selectionScore = ?"); _ = arguments.append(contentsOf: [selectionScore]) }
            if let selectionCount { sets.append("selectionCount = ?"); _ = arguments.append(contentsOf: [selectionCount]) }
            if let devScore { sets.append("devScore = ?"); _ = arguments.append(contentsOf: [devScore]) }
            if let testScore { sets.append("testScore = ?"); _ = arguments.append(contentsOf: [testScore]) }
            guard !sets.isEmpty else { return }
            _ = arguments.append(contentsOf: [candidateId])
            try db.execute(sql: "UPDATE candidates SET \(sets.joined(separator: ", ")) WHERE id = ?", arguments: arguments)
        }
    }

    public func recordSummary(_ id: String, summaryJSON: String) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET summaryJSON = ? WHERE id = ?", arguments: [summaryJSON, id])
            if db.changesCount == 0 { throw StoreError.unknownRun(id) }
        }
    }
}
