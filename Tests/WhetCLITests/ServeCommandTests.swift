import Foundation
import Testing
import WhetStore

/// `whet serve` as a real process: its token, its refusal to listen unprotected, and a run that survives
/// `kill -9` of the server, resumed by the next one without repeating a model call.
@Suite(.serialized) struct ServeCommandTests {
    @Test func theServerRefusesToListenBeyondLoopbackWithoutAToken() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let result = try Whet.run(["serve", "--host", "0.0.0.0", "--no-auth", "--db", db], cwd: repoRoot)
        #expect(result.status == 2)
        #expect(result.stderr.contains("refusing to listen beyond loopback without a token"), "\(result.stderr)")
        let short = try Whet.run(["serve", "--token", "short", "--db", db], cwd: repoRoot)
        #expect(short.status == 2 && short.stderr.contains("at least 16 characters"), "\(short.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db + ".token"))
    }

    static func sentimentSubmission(limit: Int) throws -> Data {
        func read(_ path: String) throws -> String { try String(contentsOf: repoRoot.appendingPathComponent(path), encoding: .utf8) }
        let body: [String: Any] = [
            "kind": "evaluate", "task": try read("tasks/sentiment.yaml"),
            "files": ["data/sentiment/train.jsonl": try read("tasks/data/sentiment/train.jsonl"),
                      "data/sentiment/test.jsonl": try read("tasks/data/sentiment/test.jsonl")],
            "options": ["limit": limit, "parallel": 1],
        ]
        return try JSONSerialization.data(withJSONObject: body)
    }

    static func status(_ runId: String, db: String) throws -> String {
        let runs = try Whet.run(["runs", "--db", db, "--json"])
        let list = (try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8))) as? [[String: Any]] ?? []
        return list.first { $0["id"] as? String == runId }?["status"] as? String ?? "absent"
    }

    @Test func aRunSurvivesKill9OfTheServerAndResumesWithoutRepeatingACall() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let examples = 100

        // First start: a token is made, kept beside the database (mode 600) and printed once.
        let first = try ServeProcess(["--db", db, "--max-runs", "1"])
        let banner = try first.waitUntilListening()
        let line = try #require(banner.split(separator: "\n").first { $0.contains("token generated") }, "\(banner)")
        let token = String(line.split(separator: " ").last!)
        #expect(token.count == 64)
        #expect(try String(contentsOfFile: db + ".token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == token)
        #expect(try FileManager.default.attributesOfItem(atPath: db + ".token")[.posixPermissions] as? Int == 0o600)
        #expect(try http(first.port, "GET", "/v1/runs", token: nil).status == 401)
        #expect(try http(first.port, "GET", "/v1/runs", token: String(token.reversed())).status == 401)

        let created = try http(first.port, "POST", "/v1/runs", token: token, body: try Self.sentimentSubmission(limit: examples))
        #expect(created.status == 202, "\(created.body)")
        let runId = try #require(jsonObject(created.body)["id"] as? String)

        // Kill -9 once a tenth of the answers are in the cache, at once. The wait blocks this thread
        // rather than suspending: with the other suites busy, a suspended test can resume seconds late,
        // after the run has ended. "interrupted" below shows it was still running.
        let reader = try LineageStore(path: db)
        let deadline = Date().addingTimeInterval(300)
        while try reader.count("model_calls") < examples / 10 {
            guard Date() < deadline else { Issue.record("the run made no progress"); return }
            usleep(5_000)
        }
        first.kill(SIGKILL)
        let cachedAtKill = try reader.count("model_calls")
        #expect(cachedAtKill < examples, "the run ended before the kill")
        let baseline = try reader.run(matching: runId).spend
        #expect(try Self.status(runId, db: db) == "interrupted")
        #expect(try reader.integrityCheck().isEmpty)

        // The next server on the database resumes it; the token is read back, not printed again.
        let second = try ServeProcess(["--db", db])
        let banner2 = try second.waitUntilListening()
        #expect(!banner2.contains(token) && banner2.contains("token from \(db).token"), "\(banner2)")
        #expect(banner2.contains("resumed 1 unfinished: \(runId)"), "\(banner2)")
        let stream = try http(second.port, "GET", "/v1/runs/\(runId)/events", token: token, until: "event: end", timeout: 300)
        #expect(stream.body.contains("resumed after the server restarted"))
        #expect(stream.body.contains("event: end\ndata: {\"status\":\"finished\"}"), "\(stream.body.suffix(500))")

        let view = jsonObject(try http(second.port, "GET", "/v1/runs/\(runId)", token: token).body)
        #expect(view["status"] as? String == "finished")
        #expect(try Self.status(runId, db: db) == "finished")
        let spend = try #require(view["spend"] as? [String: Any])
        let calls = (spend["calls"] as! Int) - (baseline?.calls ?? 0)
        let hits = (spend["cacheHits"] as! Int) - (baseline?.cacheHits ?? 0)
        #expect(hits == cachedAtKill, "every answer cached before the kill came back from the cache")
        #expect(calls == examples - cachedAtKill, "and only the others were asked of the model")
        #expect(try reader.count("model_calls") == examples)
        #expect(try reader.integrityCheck().isEmpty)
        let resumedScore = try #require((view["scores"] as? [String: Any])?["test"] as? Double)
        second.kill(SIGTERM)

        // The same evaluation run straight through, on a database of its own, scores the same.
        let straight = try Whet.run(["eval", "tasks/sentiment.yaml", "--limit", "\(examples)", "--db",
                                     dir.appendingPathComponent("straight.sqlite").path, "--json"], cwd: repoRoot)
        #expect(straight.status == 0, "\(straight.stderr)")
        let report = jsonObject(straight.stdout)["report"] as? [String: Any]
        let straightScore = try #require((report?["summary"] as? [String: Any])?["mean"] as? Double)
        #expect(abs(straightScore - resumedScore) < 1e-12, "straight \(straightScore), resumed \(resumedScore)")
    }
}
