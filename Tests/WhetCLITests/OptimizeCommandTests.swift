import Foundation
import Testing
import WhetStore

/// `whet optimize`, `--resume`, `whet export` and `whet lineage` end to end: the real binary,
/// the embedded model, real SQLite files.
@Suite(.serialized) struct OptimizeCommandTests {
    /// A small sentiment task (the first lines of the shipped data) in `dir`.
    func smallTask(in dir: URL) throws -> String {
        let source = repoRoot.appendingPathComponent("tasks/data/sentiment")
        for (name, count) in [("train", 40), ("test", 12)] {
            let lines = try String(contentsOf: source.appendingPathComponent("\(name).jsonl"), encoding: .utf8)
                .split(separator: "\n").prefix(count)
            try (lines.joined(separator: "\n") + "\n").write(to: dir.appendingPathComponent("\(name).jsonl"), atomically: true, encoding: .utf8)
        }
        let path = dir.appendingPathComponent("small.yaml").path
        try """
            name: small-sentiment
            description: Classify a movie-review snippet as positive or negative.
            instruction: Classify the sentiment of the input sentence as positive or negative.
            template: |
              Sentence: {input}
              Sentiment:
            data: {train: train.jsonl, test: test.jsonl, answer: output}
            splits: {dev: 0.25, seed: 13}
            answer:
              type: label
              labels: {positive: [positive, pos], negative: [negative, neg]}
            metric: choice_accuracy
            budget: {max_candidates: 5}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not JSON: \(text)")
    }

    @Test func killedRunResumesToTheUninterruptedResult() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = try smallTask(in: dir)
        let a = dir.appendingPathComponent("a.sqlite").path, b = dir.appendingPathComponent("b.sqlite").path
        let args = ["optimize", task, "--seed", "5", "--json", "--no-export"]

        let whole = try Whet.run(args + ["--db", a], cwd: repoRoot)
        #expect(whole.status == 0, "\(whole.stderr)")
        let expected = try json(whole.stdout)
        #expect(Set(expected.keys) == ["run", "task", "seed", "best", "calls", "cacheHits", "tokens", "seconds"])
        let best = try #require(expected["best"] as? [String: Any])
        #expect(Set(best.keys) == ["candidate", "dev", "test", "prompt", "operator"])
        #expect(Set(try #require(best["test"] as? [String: Any]).keys) == ["mean", "low", "high", "n"])

        // The same run in a second store, killed with SIGKILL once it has made a good part of its calls.
        let p = Process()
        p.executableURL = Whet.binary
        p.arguments = args + ["--db", b]
        p.currentDirectoryURL = repoRoot
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let totalCalls = try #require(expected["calls"] as? Int)
        let deadline = Date().addingTimeInterval(600)
        while p.isRunning && Date() < deadline {
            usleep(100_000)
            if let n = try? LineageStore(path: b).count("model_calls"), n >= totalCalls / 2 { break }
        }
        #expect(p.isRunning, "the run ended before it could be killed")
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let store = try LineageStore(path: b)
        let run = try #require(try store.runs().first)
        #expect(run.status == .interrupted)
        let callsBefore = try store.count("model_calls")  // cache rows: one per sample

        // Bad resumes change nothing: a changed task file, an unknown run.
        let snapshot = try store.runs()
        let original = try String(contentsOfFile: task, encoding: .utf8)
        try (original + "# edited\n").write(toFile: task, atomically: true, encoding: .utf8)
        let changed = try Whet.run(["optimize", "--resume", run.id, "--db", b], cwd: repoRoot)
        #expect(changed.status == 2 && changed.stderr.contains("changed since run"), "\(changed.stderr)")
        try original.write(toFile: task, atomically: true, encoding: .utf8)
        let unknown = try Whet.run(["optimize", "--resume", "r-nope", "--db", b], cwd: repoRoot)
        #expect(unknown.status == 2 && unknown.stderr.contains("no run 'r-nope'"), "\(unknown.stderr)")
        #expect(try LineageStore(path: b).runs() == snapshot && (try LineageStore(path: b).count("model_calls")) == callsBefore)

        let resumed = try Whet.run(["optimize", "--resume", run.id, "--db", b, "--json", "--no-export"], cwd: repoRoot)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let got = try json(resumed.stdout)
        // Same chosen prompt and scores; no model call made twice.
        for key in ["seed", "best", "tokens"] {
            #expect(NSDictionary(dictionary: ["v": got[key] as Any]) == NSDictionary(dictionary: ["v": expected[key] as Any]), "\(key)")
        }
        // Each model call stores at least one new cache row (one per sample), so a call repeated
        // from before the kill would leave fewer new rows than calls.
        let rowsAfter = try LineageStore(path: b).count("model_calls")
        let resumedCalls = try #require(got["calls"] as? Int)
        #expect(resumedCalls > 0 && resumedCalls <= rowsAfter - callsBefore, "\(resumedCalls) calls, \(rowsAfter - callsBefore) new rows")
        #expect(rowsAfter == (try LineageStore(path: a).count("model_calls")))
        #expect(try LineageStore(path: b).candidates(run: run.id).count == (try LineageStore(path: a).candidates(run: try #require(expected["run"] as? String)).count))

        // A finished run cannot be resumed; it can be exported and its lineage shown.
        let again = try Whet.run(["optimize", "--resume", run.id, "--db", b, "--no-export"], cwd: repoRoot)
        #expect(again.status == 2 && again.stderr.contains("finished"), "\(again.stderr)")
        let md = try Whet.run(["export", run.id, "--db", b], cwd: repoRoot)
        #expect(md.status == 0 && md.stdout.contains("kind: exported") && md.stdout.contains("{input}"), "\(md.stderr)")
        let openai = try json(try Whet.run(["export", run.id, "--db", b, "--format", "openai"], cwd: repoRoot).stdout)
        let messages = try #require(openai["messages"] as? [[String: String]])
        #expect(messages.first?["role"] == "system" && messages.last?["content"]?.contains("{input}") == true)
        let lineage = try Whet.run(["lineage", run.id, "--db", b], cwd: repoRoot)
        #expect(lineage.status == 0 && lineage.stdout.contains("seed") && lineage.stdout.contains("★ best"))
    }

    @Test func badInputIsAClearErrorWithExit2() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let task = try smallTask(in: dir)
        let db = dir.appendingPathComponent("l.sqlite").path
        let tiny = try Whet.run(["optimize", task, "--budget-calls", "20", "--db", db, "--no-export"], cwd: repoRoot)
        #expect(tiny.status == 2 && tiny.stderr.contains("too small for one evaluation") && tiny.stderr.contains("costs 10 calls"),
                "\(tiny.stderr)")
        #expect(try LineageStore(path: db).runs().isEmpty)
        // An SPO-format task where no judges/pairwise.yaml sits beside its folder has no judge.
        let spo = dir.appendingPathComponent("spo.yaml").path
        try "prompt: Write a haiku.\nqa:\n  - question: rain\n  - question: sea\n  - question: snow\n"
            .write(toFile: spo, atomically: true, encoding: .utf8)
        let judged = try Whet.run(["optimize", spo, "--db", db, "--no-export"], cwd: repoRoot)
        #expect(judged.status == 2 && judged.stderr.contains("needs a judge file"), "\(judged.stderr)")
        let both = try Whet.run(["optimize", task, "--resume", "r-x", "--db", db], cwd: repoRoot)
        #expect(both.status != 0 && both.stderr.contains("--resume continues a run"), "\(both.stderr)")
        let missing = try Whet.run(["optimize", "tasks/nope.yaml", "--db", db], cwd: repoRoot)
        #expect(missing.status == 2 && missing.stderr.contains("tasks/nope.yaml"), "\(missing.stderr)")
        let notOptimize = try Whet.run(["export", "r-none", "--db", db], cwd: repoRoot)
        #expect(notOptimize.status == 2 && notOptimize.stderr.contains("no run 'r-none'"))
    }

    /// A judge-metric task (SPO's format, no reference answers): rounds of rewrites judged in both
    /// orders against the incumbent, a verdict against the seed, test judged once, all recorded.
    @Test func judgeMetricTaskRunsEndToEnd() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let db = dir.appendingPathComponent("l.sqlite").path
        let result = try Whet.run(["optimize", "tasks/spo_haiku.yaml", "--max-candidates", "3", "--json", "--no-export", "--db", db],
                                  cwd: repoRoot)
        #expect(result.status == 0, "\(result.stderr)")
        let summary = try json(result.stdout)
        let best = try #require(summary["best"] as? [String: Any])
        let seed = try #require(summary["seed"] as? [String: Any])
        let seedTest = try #require(seed["test"] as? [String: Any])
        #expect((seedTest["n"] as? Int).map { $0 > 0 } == true)
        // Win rates against the seed: the seed's own is one half unless another prompt was chosen.
        if best["operator"] as? String == "seed" { #expect(seedTest["mean"] as? Double == 0.5) }
        let store = try LineageStore(path: db)
        let run = try #require(try store.runs().first)
        #expect(run.status == .finished && run.kind == .optimize)
        let candidates = try store.candidates(run: run.id)
        #expect(candidates.count == 3)
        for c in candidates where c.operatorName != "seed" {
            let s = try #require(c.selectionScore, "candidate \(c.operatorName) was never judged")
            #expect(s >= 0 && s <= 1)
        }
        #expect(try store.count("model_calls") > 3 * 2)
    }
}
