import Foundation
import Testing
import WhetCore
@testable import WhetStore

/// Databases made by earlier versions migrate in place; runs are leased to the process running them.
struct MigrationAndOwnershipTests {
    /// A copy of `Fixtures/lineage-2026-12-05.sqlite`: made by `whet eval` before run ownership existed
    /// (two finished evaluations and one killed mid-run, left `running`).
    func fixtureCopy() throws -> String {
        let source = try #require(Bundle.module.url(forResource: "lineage-2026-12-05", withExtension: "sqlite",
                                                    subdirectory: "Fixtures"))
        let path = tempDBPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source.path, toPath: path)
        return path
    }

    @Test func anOlderDatabaseMigratesInPlaceAndKeepsItsData() throws {
        let path = try fixtureCopy()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        #expect(try store.appliedMigrations() == ["v1-lineage", "v2-run-ownership", "v3-judgment-reuse", "v4-optimizer-candidates", "v5-run-spend"])
        let runs = try store.runs()
        #expect(runs.count == 3)
        #expect(runs.filter { $0.status == .finished }.count == 2)
        // The run whose process was killed before this version knew about owners reads as interrupted.
        #expect(runs.filter { $0.status == .interrupted }.count == 1)
        #expect(runs.allSatisfy { $0.kind == .evaluate })
        let finished = try #require(runs.first { $0.taskName == "sentiment" })
        let candidate = try #require(try store.candidates(run: finished.id).first)
        #expect(try store.evaluations(candidate: candidate.id!).count == 3)
        #expect(try store.evaluations(candidate: candidate.id!).allSatisfy { $0.split == .test })
        #expect(try store.count("model_calls") == 5)
        #expect(try store.integrityCheck().isEmpty)
        // Reopening runs no migration twice.
        #expect(try LineageStore(path: path).appliedMigrations() == ["v1-lineage", "v2-run-ownership", "v3-judgment-reuse", "v4-optimizer-candidates", "v5-run-spend"])
    }

    @Test func aRunIsRunningWhileItsOwnerHoldsItAndEndsWithIt() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let owner = try LineageStore(path: path)
        try owner.createRun(sampleRun("live"))
        let created = try owner.run(matching: "live")
        #expect(created.ownerPid == Int64(getpid()) && created.ownerHost != nil && created.heartbeatAt != nil)
        // Another store on the same file (as another process would open it) sees the lock held.
        let reader = try LineageStore(path: path)
        #expect(try reader.run(matching: "live").status == .running)
        #expect(throws: StoreError.notResumable("live", status: "running")) { try reader.claimRun("live") }
        try owner.finishRun("live", status: .finished, bestCandidateId: nil, bestDevScore: nil, testScore: nil)
        #expect(try reader.run(matching: "live").status == .finished)
        #expect(throws: StoreError.notResumable("live", status: "finished")) { try reader.claimRun("live") }
    }

    @Test func anInterruptedRunCanBeClaimedByANewOwner() throws {
        let path = try fixtureCopy()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        let interrupted = try #require(try store.runs().first { $0.status == .interrupted })
        let claimed = try store.claimRun(interrupted.id)
        #expect(claimed.status == .running)
        let reread = try LineageStore(path: path).run(matching: interrupted.id)
        #expect(reread.status == .running && reread.ownerPid == Int64(getpid()))
        try store.finishRun(interrupted.id, status: .cancelled, bestCandidateId: nil, bestDevScore: nil, testScore: nil)
        #expect(try store.run(matching: interrupted.id).status == .cancelled)
    }

    @Test func oneStorePerFilePerProcess() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let a = try LineageStore.open(path)
        let b = try LineageStore.open(URL(fileURLWithPath: path).deletingLastPathComponent().path + "/./"
                                      + URL(fileURLWithPath: path).lastPathComponent)
        #expect(a === b)
    }
}
