import Foundation
import Testing
import WhetStore

/// `whet eval` end to end on the embedded model: real weights, real SQLite.
struct EvalCommandTests {
    @Test func evaluatesRecordsAndRerunsFromTheCache() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let args = ["eval", "tasks/sentiment.yaml", "--limit", "6", "--db", db, "--json"]
        let first = try Whet.run(args, cwd: repoRoot)
        #expect(first.status == 0, "\(first.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        let report = try #require(doc["report"] as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(summary["count"] as? Int == 6)
        #expect(doc["calls"] as? Int == 6 && doc["cacheHits"] as? Int == 0)

        // Outputs are labels, scores match the references, and it all sits in the store.
        let store = try LineageStore(path: db)
        let run = try store.run(matching: try #require(report["runId"] as? String))
        #expect(run.kind == .evaluate && run.status == .finished)
        let candidate = try #require(try store.candidates(run: run.id).first)
        let evaluations = try store.evaluations(candidate: candidate.id!)
        #expect(evaluations.count == 6)
        #expect(evaluations.allSatisfy { ["positive", "negative"].contains($0.output) && $0.promptTokens > 20 })
        let mean = evaluations.compactMap(\.score).reduce(0, +) / 6
        #expect(abs((summary["mean"] as? Double ?? -1) - mean) < 1e-9 && run.testScore == mean)

        let second = try Whet.run(args, cwd: repoRoot)
        let again = try #require(try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any])
        #expect(again["calls"] as? Int == 0 && again["cacheHits"] as? Int == 6)
        #expect(((again["report"] as? [String: Any])?["summary"] as? [String: Any])?["mean"] as? Double == mean)
    }

    @Test func badInputIsAClearErrorWithExit2() throws {
        let missing = try Whet.run(["eval", "tasks/nope.yaml"], cwd: repoRoot)
        #expect(missing.status == 2 && missing.stderr.contains("tasks/nope.yaml: file does not exist"))
        let judged = try Whet.run(["eval", "tasks/open_instructions.yaml", "--db", "/tmp/whet-unused-\(UUID()).sqlite"], cwd: repoRoot)
        #expect(judged.status == 2 && judged.stderr.contains("metric: judge"))
        let split = try Whet.run(["eval", "tasks/sentiment.yaml", "--split", "holdout"], cwd: repoRoot)
        #expect(split.status != 0 && split.stderr.contains("--split") && split.stderr.contains("holdout"), "\(split.stderr)")
    }
}
