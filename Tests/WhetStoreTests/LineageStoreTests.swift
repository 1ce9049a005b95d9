import Foundation
import Testing
@testable import WhetStore

func tempDBPath() -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("whet-store-\(UUID().uuidString)/lineage.sqlite").path
}

func removeDB(_ path: String) {
    try? FileManager.default.removeItem(at: URL(fileURLWithPath: path).deletingLastPathComponent())
}

func sampleRun(_ id: String = "r1") -> RunRecord {
    RunRecord(id: id, kind: .optimize, taskName: "sentiment", taskPath: "tasks/sentiment.yaml", taskHash: "abc",
              model: "local", seed: 7, configJSON: #"{"budget":10}"#, createdAt: Date(timeIntervalSince1970: 1_700_000_000))
}

struct LineageStoreTests {
    @Test func migratesAnEmptyFileIntoWALMode() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        #expect(try store.appliedMigrations() == ["v1-lineage", "v2-run-ownership", "v3-judgment-reuse", "v4-optimizer-candidates", "v5-run-spend"])
        #expect(try store.journalMode == "wal")
        #expect(try store.integrityCheck().isEmpty)
        // Opening again is a no-op migration, and the data survives.
        try store.createRun(sampleRun())
        let reopened = try LineageStore(path: path)
        #expect(try reopened.runs().map(\.id) == ["r1"])
        #expect(try reopened.appliedMigrations() == ["v1-lineage", "v2-run-ownership", "v3-judgment-reuse", "v4-optimizer-candidates", "v5-run-spend"])
    }

    @Test func roundTripsRunsCandidatesEvaluationsJudgmentsAndCalls() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        let run = sampleRun()
        try store.createRun(run)
        var owned = try store.run(matching: "r1")
        #expect(owned.ownerPid == Int64(getpid()) && owned.status == .running)
        (owned.ownerHost, owned.ownerPid, owned.heartbeatAt) = (nil, nil, nil)
        #expect(owned == run)

        let seed = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Classify.", operatorName: "seed", round: 0))
        let child = try store.addCandidate(CandidateRecord(
            runId: "r1", instruction: "Classify sentiment.", exemplarsJSON: #"[{"id":"train:3"}]"#,
            verbalizersJSON: #"[{"label":"positive","verbalizers":["pos"]}]"#, operatorName: "rewrite", round: 1,
            createdAt: Date(timeIntervalSince1970: 1_700_000_001)),
            parents: [seed.id!])
        let merged = try store.addCandidate(CandidateRecord(runId: "r1", instruction: "Merged.", operatorName: "crossover", round: 2),
                                            parents: [seed.id!, child.id!])
        #expect(try store.candidates(run: "r1").map(\.instruction) == ["Classify.", "Classify sentiment.", "Merged."])
        #expect(try store.candidates(run: "r1")[1] == child)
        let edges = try store.parentEdges(run: "r1").map { "\($0.child)<-\($0.parent)" }
        #expect(edges == ["\(child.id!)<-\(seed.id!)", "\(merged.id!)<-\(seed.id!)", "\(merged.id!)<-\(child.id!)"])

        let evals = (0..<3).map { i in
            EvaluationRecord(candidateId: child.id!, exampleId: "dev:\(i)", split: .dev, output: "positive",
                             score: Double(i % 2), promptTokens: 40, completionTokens: 2, latencyMs: 12.5)
        }
        try store.recordEvaluations(evals, candidateId: child.id!, devScore: 1.0 / 3.0)
        // Re-recording an example replaces it (a resumed run re-scores, never duplicates).
        try store.recordEvaluations([evals[0]], candidateId: child.id!)
        let back = try store.evaluations(candidate: child.id!)
        #expect(back.count == 3)
        #expect(back.map(\.exampleId) == ["dev:0", "dev:1", "dev:2"])
        #expect(try store.candidates(run: "r1")[1].devScore == 1.0 / 3.0)

        try store.recordJudgments([
            JudgmentRecord(runId: "r1", candidateA: seed.id!, candidateB: child.id!, exampleId: "dev:0", order: .ab,
                           verdict: .b, probability: 0.8, judge: "pairwise"),
            JudgmentRecord(runId: "r1", candidateA: seed.id!, candidateB: child.id!, exampleId: "dev:0", order: .ba,
                           verdict: .b, probability: 0.7, judge: "pairwise"),
        ])
        #expect(try store.judgments(run: "r1").map(\.order) == [.ab, .ba])

        let key = try RequestKey.key(for: ["model": "m", "prompt": "hi"])
        try store.storeCall(ModelCallRecord(key: key, model: "m", requestJSON: "{}", responseJSON: #"{"text":"yo"}"#,
                                            promptTokens: 1, completionTokens: 1, latencyMs: 3))
        #expect(try store.cachedCall(key: key)?.responseJSON == #"{"text":"yo"}"#)
        #expect(try store.cachedCall(key: "nope") == nil)

        try store.finishRun("r1", status: .finished, bestCandidateId: child.id, bestDevScore: 1.0 / 3.0, testScore: 0.5)
        let finished = try store.run(matching: "r")
        #expect(finished.status == .finished && finished.testScore == 0.5 && finished.finishedAt != nil)
        #expect(throws: StoreError.unknownRun("zz")) { try store.finishRun("zz", status: .failed, bestCandidateId: nil, bestDevScore: nil, testScore: nil) }
        #expect(try store.integrityCheck().isEmpty)
    }

    @Test func runPrefixMustBeUnique() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        try store.createRun(sampleRun("abc1"))
        try store.createRun(sampleRun("abc2"))
        #expect(try store.run(matching: "abc2").id == "abc2")
        #expect(throws: StoreError.ambiguousRun("abc", ["abc1", "abc2"])) { try store.run(matching: "abc") }
        #expect(throws: StoreError.unknownRun("zzz")) { try store.run(matching: "zzz") }
    }

    @Test func foreignKeysAreEnforced() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        #expect(throws: (any Error).self) {
            try store.addCandidate(CandidateRecord(runId: "no-such-run", instruction: "x", operatorName: "seed", round: 0))
        }
        #expect(try store.count("candidates") == 0)
    }

    @Test func aFailedTransactionLeavesNothing() throws {
        let path = tempDBPath()
        defer { removeDB(path) }
        let store = try LineageStore(path: path)
        try store.createRun(sampleRun())
        // Parent 999 does not exist: the candidate insert must roll back with the link.
        #expect(throws: (any Error).self) {
            try store.addCandidate(CandidateRecord(runId: "r1", instruction: "x", operatorName: "rewrite", round: 1), parents: [999])
        }
        #expect(try store.count("candidates") == 0)
        #expect(try store.count("candidate_parents") == 0)
    }

    @Test func cannotOpenIsAClearError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("whet-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let notADB = dir.appendingPathComponent("junk.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: notADB)
        let e = try #require(throws: StoreError.self) { try LineageStore(path: notADB.path) }
        #expect(e.errorDescription?.hasPrefix(notADB.path) == true)
    }

    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandardVectors(_ input: String, _ digest: String) {
        #expect(SHA256.hex(Data(input.utf8)) == digest)
    }

    @Test func requestKeysIgnoreKeyOrderButNotContent() throws {
        struct Req: Encodable { let model: String; let prompt: String; let temperature: Double }
        let a = try RequestKey.key(for: Req(model: "m", prompt: "p", temperature: 0))
        let b = try RequestKey.key(for: ["temperature": "0", "prompt": "p"])
        let c = try RequestKey.key(for: ["prompt": "p", "temperature": "0"])
        #expect(b == c && a != b && a.count == 64)
    }
}
