import Foundation
import Testing
import WhetStore

struct StoreCommandsTests {
    @Test func runsAndLineageOnARealDatabase() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let writer = try Whet.run(["debug", "store-writer", "--db", db, "--candidates", "5", "--evaluations", "3"])
        #expect(writer.status == 0, "\(writer.stderr)")
        let runs = await InProcess.run(["runs", "--db", db])
        #expect(runs.status == 0)
        // The writer exited without finishing its run: it reads as interrupted.
        #expect(runs.stdout.contains("stress-") && runs.stdout.contains("optimize") && runs.stdout.contains("interrupted"))
        let runId = try #require(try LineageStore(path: db).runs().first?.id)

        let tree = await InProcess.run(["lineage", String(runId.prefix(9)), "--db", db])
        #expect(tree.status == 0, "\(tree.stderr)")
        #expect(tree.stdout.split(separator: "\n").count == 6)
        let dot = await InProcess.run(["lineage", runId, "--db", db, "--format", "dot"])
        #expect(dot.stdout.hasPrefix("digraph") && dot.stdout.components(separatedBy: " -> ").count == 5)
        let json = await InProcess.run(["lineage", runId, "--db", db, "--format", "json"])
        let doc = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((doc?["candidates"] as? [Any])?.count == 5)

        let missing = await InProcess.run(["lineage", "nope", "--db", db])
        #expect(missing.status == 2 && missing.stderr.contains("no run 'nope'"))
        let runsJSON = await InProcess.run(["runs", "--db", db, "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(runsJSON.stdout.utf8)) as? [Any])?.count == 1)
    }

    /// SIGKILL a writer in the middle of its transactions, several times: the file
    /// stays consistent and every committed candidate has all of its evaluations.
    @Test func aProcessKilledMidWriteLeavesAConsistentDatabase() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let perCandidate = 40
        for round in 0..<3 {
            let p = Process()
            p.executableURL = Whet.binary
            p.arguments = ["debug", "store-writer", "--db", db, "--evaluations", "\(perCandidate)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Wait until it has committed something, then kill at a varying moment.
            let store = try LineageStore(path: db)
            let deadline = Date().addingTimeInterval(30)
            var before = try store.count("candidates")
            let target = before + 20 + round * 15
            while before < target && Date() < deadline {
                usleep(5_000)
                before = try store.count("candidates")
            }
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            #expect(p.terminationReason == .uncaughtSignal)

            let after = try LineageStore(path: db)
            #expect(try after.integrityCheck().isEmpty)
            let candidates = try after.count("candidates")
            #expect(candidates >= target)
            #expect(try after.count("evaluations") == candidates * perCandidate)
            for run in try after.runs() {
                for c in try after.candidates(run: run.id) {
                    let evals = try after.evaluations(candidate: c.id!)
                    #expect(evals.count == perCandidate)
                    let mean = evals.compactMap(\.score).reduce(0, +) / Double(perCandidate)
                    #expect(abs((c.devScore ?? -1) - mean) < 1e-9)
                }
            }
        }
    }
}
