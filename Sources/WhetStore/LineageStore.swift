import Foundation
import GRDB

/// The lineage store: one SQLite file (WAL mode, so readers never block the
/// writer) holding every run, candidate, evaluation, judgment and cached call.
/// Writes that belong together share one transaction, so a killed process
/// leaves either all of them or none.
public final class LineageStore: Sendable {
    public let path: String
    let pool: DatabasePool

    public init(path: String) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Migrations.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
    }

    // MARK: writes

    public func createRun(_ run: RunRecord) throws {
        try pool.write { db in try run.insert(db) }
    }

    /// Inserts a candidate and its parent links together.
    @discardableResult
    public func addCandidate(_ candidate: CandidateRecord, parents: [Int64] = []) throws -> CandidateRecord {
        try pool.write { db in
            var c = candidate
            try c.insert(db)
            for p in Set(parents) {
                try db.execute(sql: "INSERT INTO candidate_parents (candidateId, parentId) VALUES (?, ?)", arguments: [c.id, p])
            }
            return c
        }
    }

    /// A scored candidate in one transaction: the candidate, its parent links,
    /// its evaluations and its score, so a crash never leaves a candidate
    /// without the evaluations its score came from.
    @discardableResult
    public func commitCandidate(_ candidate: CandidateRecord, parents: [Int64], evaluations: [EvaluationRecord]) throws -> CandidateRecord {
        try pool.write { db in
            var c = candidate
            try c.insert(db)
            for p in Set(parents) {
                try db.execute(sql: "INSERT INTO candidate_parents (candidateId, parentId) VALUES (?, ?)", arguments: [c.id, p])
            }
            for var e in evaluations {
                e.candidateId = c.id!
                try e.insert(db)
            }
            return c
        }
    }

    /// Records a batch of evaluations and the candidate's new score in one
    /// transaction; re-evaluating an example replaces the old row (resumed runs).
    public func recordEvaluations(_ evaluations: [EvaluationRecord], candidateId: Int64,
                                  devScore: Double? = nil, testScore: Double? = nil) throws {
        try pool.write { db in
            for var e in evaluations {
                try db.execute(sql: "DELETE FROM evaluations WHERE candidateId = ? AND exampleId = ? AND split = ?",
                               arguments: [e.candidateId, e.exampleId, e.split])
                try e.insert(db)
            }
            if let devScore {
                try db.execute(sql: "UPDATE candidates SET devScore = ? WHERE id = ?", arguments: [devScore, candidateId])
            }
            if let testScore {
                try db.execute(sql: "UPDATE candidates SET testScore = ? WHERE id = ?", arguments: [testScore, candidateId])
            }
        }
    }

    public func recordJudgments(_ judgments: [JudgmentRecord]) throws {
        try pool.write { db in
            for var j in judgments { try j.insert(db) }
        }
    }

    public func finishRun(_ id: String, status: String, bestCandidateId: Int64?, bestDevScore: Double?, testScore: Double?) throws {
        try pool.write { db in
            try db.execute(sql: """
                UPDATE runs SET status = ?, finishedAt = ?, bestCandidateId = ?, bestDevScore = ?, testScore = ?
                WHERE id = ?
                """, arguments: [status, Date(), bestCandidateId, bestDevScore, testScore, id])
            if db.changesCount == 0 { throw StoreError.unknownRun(id) }
        }
    }

    public func storeCall(_ call: ModelCallRecord) throws {
        try pool.write { db in try call.save(db) }
    }

    // MARK: reads

    public func runs() throws -> [RunRecord] {
        try pool.read { db in try RunRecord.order(Column("createdAt").desc, Column("id")).fetchAll(db) }
    }

    /// Finds a run by id or unique id prefix (as git does for commits).
    public func run(matching idOrPrefix: String) throws -> RunRecord {
        let matches = try pool.read { db in
            try RunRecord.filter(Column("id") == idOrPrefix || Column("id").like("\(idOrPrefix)%")).fetchAll(db)
        }
        if let exact = matches.first(where: { $0.id == idOrPrefix }) { return exact }
        guard !matches.isEmpty else { throw StoreError.unknownRun(idOrPrefix) }
        guard matches.count == 1 else { throw StoreError.ambiguousRun(idOrPrefix, matches.map(\.id)) }
        return matches[0]
    }

    public func candidates(run: String) throws -> [CandidateRecord] {
        try pool.read { db in try CandidateRecord.filter(Column("runId") == run).order(Column("id")).fetchAll(db) }
    }

    /// (child, parent) edges among a run's candidates.
    public func parentEdges(run: String) throws -> [(child: Int64, parent: Int64)] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT p.candidateId, p.parentId FROM candidate_parents p
                JOIN candidates c ON c.id = p.candidateId WHERE c.runId = ? ORDER BY p.candidateId, p.parentId
                """, arguments: [run]).map { (child: $0[0] as Int64, parent: $0[1] as Int64) }
        }
    }

    public func evaluations(candidate: Int64) throws -> [EvaluationRecord] {
        try pool.read { db in
            try EvaluationRecord.filter(Column("candidateId") == candidate).order(Column("split"), Column("exampleId")).fetchAll(db)
        }
    }

    public func judgments(run: String) throws -> [JudgmentRecord] {
        try pool.read { db in try JudgmentRecord.filter(Column("runId") == run).order(Column("id")).fetchAll(db) }
    }

    public func cachedCall(key: String) throws -> ModelCallRecord? {
        try pool.read { db in try ModelCallRecord.fetchOne(db, key: key) }
    }

    public func count(_ table: String) throws -> Int {
        guard ["runs", "candidates", "candidate_parents", "evaluations", "judgments", "model_calls"].contains(table) else {
            throw StoreError.unknownTable(table)
        }
        return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// `PRAGMA integrity_check` plus the foreign-key check: "ok" when consistent.
    public func integrityCheck() throws -> [String] {
        try pool.read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            problems += try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { "foreign key: \($0)" }
            return problems
        }
    }

    public var journalMode: String {
        get throws { try pool.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" } }
    }

    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Migrations.migrator.appliedMigrations(db) }
    }
}

public enum StoreError: LocalizedError, Equatable {
    case cannotOpen(path: String, reason: String)
    case unknownRun(String)
    case ambiguousRun(String, [String])
    case unknownTable(String)

    public var errorDescription: String? {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the lineage store: \(reason)"
        case .unknownRun(let id): return "no run '\(id)' in the lineage store (see `whet runs`)"
        case .ambiguousRun(let id, let matches): return "run id '\(id)' is ambiguous: \(matches.joined(separator: ", "))"
        case .unknownTable(let t): return "no table '\(t)'"
        }
    }
}
