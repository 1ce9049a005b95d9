import Foundation
import Testing
import WhetStore

/// An optimize run of `whet serve` survives `kill -9` of the server: the next server resumes it through
/// the response cache without repeating a model call, and it ends as `whet optimize` run straight through.
@Suite(.serialized) struct ServeOptimizeResumeTests {
    /// A label task with `count` inline examples, split 40/20/40.
    static func task(count: Int) -> String {
        var lines = ["name: tiny-sentiment", "instruction: Answer with positive or negative.", "template: \"Review: {input}\"",
                     "data:", "  answer: label", "  examples:"]
        for i in 0..<count {
            let positive = i % 3 != 0
            lines.append("    - {input: \"review \(i): the film was \(positive ? "wonderful and moving" : "dull and far too long")\", "
                         + "label: \(positive ? "positive" : "negative")}")
        }
        lines += ["splits: {train: 0.4, dev: 0.2, test: 0.4, seed: 3}", "answer:", "  type: label",
                  "  labels: {positive: [positive], negative: [negative]}", "metric: choice_accuracy"]
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func anOptimizeRunSurvivesKill9AndEndsAsAStraightRun() async throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let token = "resume-token-0123456789abcdef"
        // Big enough (about 70 requests, one at a time) that the kill lands mid-run on a loaded machine.
        let task = Self.task(count: 60)
        let body = try JSONSerialization.data(withJSONObject: [
            "kind": "optimize", "task": task,
            "options": ["seed": 2, "maxCandidates": 3, "budgetCalls": 150, "parallel": 1, "search": "exemplars,readout"],
        ] as [String: Any])

        let first = try ServeProcess(["--db", db, "--max-runs", "1"], environment: ["WHET_TOKEN": token])
        _ = try first.waitUntilListening()
        let created = try http(first.port, "POST", "/v1/runs", token: token, body: body)
        #expect(created.status == 202, "\(created.body)")
        let runId = try #require(jsonObject(created.body)["id"] as? String)

        // Kill -9 once a few answers are in the cache. A blocking loop: a sleeping task may wake late
        // while other suites keep the cooperative pool busy, and the run would end first.
        let reader = try LineageStore(path: db)
        let deadline = Date().addingTimeInterval(300)
        while try reader.count("model_calls") < 4 {
            guard Date() < deadline else { Issue.record("the run made no progress"); return }
            usleep(2_000)
        }
        first.kill(SIGKILL)
        let cachedAtKill = try reader.count("model_calls")
        try #require(try reader.run(matching: runId).status != .finished, "the run ended before the kill (\(cachedAtKill) calls)")
        let baseline = try reader.run(matching: runId).spend
        #expect(try ServeCommandTests.status(runId, db: db) == "interrupted")
        #expect(try reader.integrityCheck().isEmpty)

        let second = try ServeProcess(["--db", db], environment: ["WHET_TOKEN": token])
        let banner = try second.waitUntilListening()
        #expect(banner.contains("resumed 1 unfinished: \(runId)"), "\(banner)")
        let stream = try http(second.port, "GET", "/v1/runs/\(runId)/events", token: token, until: "event: end", timeout: 300)
        #expect(stream.body.contains("event: end\ndata: {\"status\":\"finished\"}"), "\(stream.body.suffix(500))")
        let view = jsonObject(try http(second.port, "GET", "/v1/runs/\(runId)", token: token).body)
        second.kill(SIGTERM)
        #expect(view["status"] as? String == "finished")
        let spend = try #require(view["spend"] as? [String: Any])
        let calls = (spend["calls"] as! Int) - (baseline?.calls ?? 0)
        let hits = (spend["cacheHits"] as! Int) - (baseline?.cacheHits ?? 0)
        #expect(hits >= cachedAtKill, "every answer cached before the kill came back from the cache")
        #expect(try reader.count("model_calls") == cachedAtKill + calls, "no model call was repeated")
        #expect(try reader.integrityCheck().isEmpty)
        let scores = try #require(view["scores"] as? [String: Any])

        // `whet optimize` with the same options, straight through on a database of its own.
        let taskPath = dir.appendingPathComponent("tiny-sentiment.yaml")
        try task.write(to: taskPath, atomically: true, encoding: .utf8)
        let straight = try Whet.run(["optimize", taskPath.path, "--seed", "2", "--max-candidates", "3", "--budget-calls", "150",
                                     "--parallel", "1", "--search", "exemplars,readout", "--no-export", "--json",
                                     "--db", dir.appendingPathComponent("straight.sqlite").path], cwd: repoRoot)
        #expect(straight.status == 0, "\(straight.stderr)")
        let best = jsonObject(straight.stdout)["best"] as? [String: Any]
        let test = (best?["test"] as? [String: Any])?["mean"] as? Double
        let dev = (best?["dev"] as? [String: Any])?["mean"] as? Double
        #expect(test != nil && test == scores["test"] as? Double, "straight \(String(describing: test)), resumed \(scores)")
        #expect(dev != nil && dev == scores["dev"] as? Double, "straight \(String(describing: dev)), resumed \(scores)")
    }
}
