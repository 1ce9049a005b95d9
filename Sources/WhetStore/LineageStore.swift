import Foundation
import GRDB
import WhetCore

/// The lineage store: one SQLite file (WAL mode, so readers never block the
/// writer) holding every run, candidate, evaluation, judgment and cached call.
/// Writes that belong together share one transaction, so a killed process
/// leaves either all of them or none. A process opens each file once
/// (`LineageStore.open`), and everything in it (the response cache included)
/// shares that store and its one writer.
public final class LineageStore: Sendable {
    public let path: String
    let pool: DatabasePool
    let leases: RunLeases

    private nonisolated(unsafe) static var openStores: [String: LineageStore] = [:]
    private static let openStoresLock = NSLock()

    /// The process's store for `path`, opened (and migrated) on first use.
    public static func open(_ path: String) throws -> LineageStore {
        let key = URL(fileURLWithPath: path).standardizedFileURL.path
        return try openStoresLock.withLock {
            if let store = openStores[key] { return store }
            let store = try LineageStore(path: path)
            openStores[key] = store
            return store
        }
    }

    /// A store of its own on `path`; most code wants `open(_:)`, which shares one per file.
    public init(path: String) throws {
        self.path = path
        let dir = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.foreignKeysEnabled = true
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            // Two processes opening a new file at once would both see a migration as pending.
            try MigrationLock.holding(directory: path + ".locks") { try Migrations.migrator.migrate(pool) }
            self.pool = pool
        } catch let error as DatabaseError {
            throw StoreError.cannotOpen(path: path, reason: error.message ?? "\(error)")
        }
        leases = RunLeases(directory: path + ".locks")
    }

    // MARK: writes

    /// Records a new run. A `running` run is leased to this process until `finishRun`, so that if the
    /// process dies the run reads as `interrupted`.
    public func createRun(_ run: RunRecord) throws {
        var run = run
        if run.status == .running {
            try leases.take(run.id)
            run.ownerHost = RunLeases.host
            run.ownerPid = Int64(getpid())
            run.heartbeatAt = Date()
        }
        do {
            try pool.write { db in try run.insert(db) }
        } catch {
            leases.drop(run.id)
            throw error
        }
        if run.status == .running { startHeartbeat() }
    }

    /// Takes over an interrupted (or queued) run to continue it in this process: the run becomes
    /// `running` under this process's lease. Refused while its owner is alive, or once it has ended.
    @discardableResult
    public func claimRun(_ id: String) throws -> RunRecord {
        var run = try run(matching: id)
        guard run.status == .interrupted || run.status == .queued else {
            throw StoreError.notResumable(run.id, status: run.status.rawValue)
        }
        try leases.take(run.id)
        do {
            // Only if it is still waiting: another process may have run and ended it since it was read.
            let changed = try pool.write { db in
                try db.execute(sql: """
                    UPDATE runs SET status = ?, ownerHost = ?, ownerPid = ?, heartbeatAt = ?, finishedAt = NULL
                    WHERE id = ? AND status IN (?, ?)
                    """, arguments: [RunStatus.running, RunLeases.host, Int64(getpid()), Date(), run.id,
                                      RunStatus.interrupted, RunStatus.queued])
                return db.changesCount
            }
            guard changed == 1 else {
                let now = try self.run(matching: run.id).status
                throw StoreError.notResumable(run.id, status: now.rawValue)
            }
        } catch {
            leases.drop(run.id)
            throw error
        }
        startHeartbeat()
        run.status = .running
        return run
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

    /// Ends a run (finished, failed or cancelled) and releases its lease; `detail` says why it failed or
    /// was cancelled.
    public func finishRun(_ id: String, status: RunStatus, bestCandidateId: Int64?, bestDevScore: Double?, testScore: Double?,
                          detail: String? = nil) throws {
        defer { leases.drop(id) }
        try pool.write { db in
            try db.execute(sql: """
                UPDATE runs SET status = ?, finishedAt = ?, bestCandidateId = ?, bestDevScore = ?, testScore = ?, detail = ?
                WHERE id = ?
                """, arguments: [status, Date(), bestCandidateId, bestDevScore, testScore, detail, id])
            if db.changesCount == 0 { throw StoreError.unknownRun(id) }
        }
    }

    /// Records what a run has spent so far (kept current while it goes, so a killed run's spend survives).
    public func recordSpend(_ id: String, _ spend: RunSpend) throws {
        let json = String(decoding: try JSONEncoder().encode(spend), as: UTF8.self)
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET spend = ? WHERE id = ?", arguments: [json, id])
            if db.changesCount == 0 { throw StoreError.unknownRun(id) }
        }
    }

    /// Sets a run's status without ending its lease (queued -> running on a server).
    public func setStatus(_ id: String, _ status: RunStatus) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE runs SET status = ? WHERE id = ?", arguments: [status, id])
            if db.changesCount == 0 { throw StoreError.unknownRun(id) }
        }
    }

    public func storeCall(_ call: ModelCallRecord) throws {
        try pool.write { db in try call.save(db) }
    }

    // MARK: reads

    /// Every run, newest first, with runs whose process died shown (and stored) as `interrupted`.
    public func runs() throws -> [RunRecord] {
        try markDeadRunsInterrupted()
        return try pool.read { db in try RunRecord.order(Column("createdAt").desc, Column("id")).fetchAll(db) }
    }

    /// Finds a run by id or unique id prefix (as git does for commits).
    public func run(matching idOrPrefix: String) throws -> RunRecord {
        try markDeadRunsInterrupted()
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

    /// How many candidates each run has (runs without any are absent).
    public func candidateCounts() throws -> [String: Int] {
        try pool.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT runId, COUNT(*) FROM candidates GROUP BY runId") {
                counts[row[0]] = row[1]
            }
            return counts
        }
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

    /// Judgments recorded under a pair key (by any run), oldest first.
    public func judgments(pairKey: String) throws -> [JudgmentRecord] {
        try pool.read { db in try JudgmentRecord.filter(Column("pairKey") == pairKey).order(Column("id")).fetchAll(db) }
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

public enum StoreError: UserFacingError, Equatable {
    case cannotOpen(path: String, reason: String)
    case unknownRun(String)
    case ambiguousRun(String, [String])
    case unknownTable(String)
    case lock(path: String, reason: String)
    case runBusy(String)
    case notResumable(String, status: String)

    public var errorDescription: String? {
        switch self {
        case .lock(let path, let reason): return "\(path): cannot lock the run: \(reason)"
        case .runBusy(let id): return "run \(id) is being run by another live process"
        case .notResumable(let id, let status): return "run \(id) is \(status); only an interrupted run can be resumed"
        case .cannotOpen(let path, let reason): return "\(path): cannot open the lineage store: \(reason)"
        case .unknownRun(let id): return "no run '\(id)' in the lineage store (see `whet runs`)"
        case .ambiguousRun(let id, let matches): return "run id '\(id)' is ambiguous: \(matches.joined(separator: ", "))"
        case .unknownTable(let t): return "no table '\(t)'"
        }
    }
}
