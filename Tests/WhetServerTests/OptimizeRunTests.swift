import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCore
import WhetEmbeddings
import WhetOptimizer
@testable import WhetProviders
@testable import WhetServer
import WhetStore

/// `kind: optimize` on the real model with a tiny budget: the run finishes over the API with its best
/// candidate, the events a client follows, and the same result as `Optimizer` gives in process.
@Suite(.serialized) struct OptimizeRunTests {
    static var options: [String: Any] { ["seed": 2, "maxCandidates": 3, "budgetCalls": 80, "parallel": 4, "search": "exemplars,readout"] }

    /// A label task with `count` inline examples in two kinds of wording, split 40/20/40.
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

    @Test func anOptimizeRunFinishesWithItsBestCandidate() async throws {
        let backend: LocalModelBackend
        do { backend = try LiveModelTests.backend.get() } catch {
            Issue.record("the local model is needed: run scripts/setup (\(error.localizedDescription))")
            throw error
        }
        let fixture = try ServiceFixture(backend: backend)
        defer { fixture.remove() }
        let taskText = Self.task(count: 20)
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let created = try await api.submit(submissionBody(kind: "optimize", task: taskText, options: Self.options))
            let id = try #require(created["id"] as? String)
            #expect(created["kind"] as? String == "optimize")
            let events = parseEvents(String(buffer: try await client.execute(uri: "/v1/runs/\(id)/events", method: .get,
                                                                              headers: ServiceFixture.headers()).body))
            #expect(events.last?.event == "end" && events.last?.object["status"] as? String == "finished", "\(events.suffix(3))")
            #expect(events.contains { $0.event == "candidate" } && events.contains { $0.event == "best" })

            let run = try json(try await api.send(.get, "/v1/runs/\(id)", pattern: "/v1/runs/{id}"))
            #expect(run["status"] as? String == "finished")
            #expect((run["options"] as? [String: Any])?["maxCandidates"] as? Int == 3, "the options as sent: \(run["options"] ?? "none")")
            let best = try #require(run["best"] as? [String: Any])
            let bestId = try #require(best["candidate"] as? Int)
            #expect(!(best["instruction"] as? String ?? "").isEmpty)
            let scores = try #require(run["scores"] as? [String: Any])
            let dev = try #require(scores["dev"] as? Double)
            let test = try #require(scores["test"] as? Double)
            let spend = try #require(run["spend"] as? [String: Any])
            let requests = (spend["calls"] as! Int) + (spend["cacheHits"] as! Int)
            #expect(requests > 0 && requests <= 80, "\(spend)")

            let lineage = try json(try await api.send(.get, "/v1/runs/\(id)/lineage", pattern: "/v1/runs/{id}/lineage"))
            let nodes = try #require(lineage["candidates"] as? [[String: Any]])
            #expect(nodes.count >= 2, "the search tried no candidate beside the seed")
            #expect(nodes.contains { $0["id"] as? Int == bestId } && nodes.first?["operator"] as? String == "seed")
            #expect((lineage["bestPath"] as? [Int])?.last == bestId)

            // The library, in process on a store of its own with the same settings, ends the same.
            let own = try LineageStore(path: fixture.directory.appendingPathComponent("own.sqlite").path)
            let taskURL = fixture.directory.appendingPathComponent("own-task.yaml")
            try taskText.write(to: taskURL, atomically: true, encoding: .utf8)
            let task = try TaskFileParser.load(taskURL.path)
            let settings = OptimizerSettings(seed: 2, limits: task.budget.overridden(by: Budget(maxCalls: 80, maxCandidates: 3)),
                                             dimensions: [.exemplars, .readout], parallelism: 4)
            let config = OptimizerRunConfig(settings: settings, model: nil, optimizerModel: nil, configPath: nil, promptsDirectory: nil)
            let provider = ManagedProvider(base: LocalProvider(backend: backend), cache: nil)
            let runId = "r-own-optimize"
            try RunRecorder(store: own, runId: runId).createRun(task: task, model: provider.modelName, config: config)
            let summary = try await Optimizer(task: task, models: OptimizerModels(task: provider, ledgers: [provider.ledger]),
                                              embedder: try SharedEmbedder().get(), prompts: MetaPrompts.load(directory: nil),
                                              store: own, config: config, runId: runId).run()
            #expect(abs(summary.best.dev.mean - dev) < 1e-12 && abs(summary.best.test.mean - test) < 1e-12,
                    "API dev \(dev) test \(test); library dev \(summary.best.dev.mean) test \(summary.best.test.mean)")
            #expect(summary.best.operatorName == (nodes.first { $0["id"] as? Int == bestId }?["operator"] as? String))
        }
    }

    /// `metric: judge`: the run is `JudgedOptimizer`'s, with the judge file sent among the task's files.
    @Test func aJudgeMetricOptimizeRunUsesTheJudgeSentWithTheTask() async throws {
        let backend: LocalModelBackend
        do { backend = try LiveModelTests.backend.get() } catch {
            Issue.record("the local model is needed: run scripts/setup (\(error.localizedDescription))")
            throw error
        }
        let fixture = try ServiceFixture(backend: backend)
        defer { fixture.remove() }
        var lines = ["name: tiny-open", "description: Answer questions briefly and correctly.",
                     "instruction: Answer the question.", "template: \"{input}\"", "data:", "  examples:"]
        for i in 0..<10 { lines.append("    - {input: \"What is \(i) plus \(i)?\"}") }
        lines += ["splits: {train: 0.4, dev: 0.2, test: 0.4, seed: 1}", "metric: judge", "judge: judges/local.yaml", "max_tokens: 8"]
        let body = submissionBody(kind: "optimize", task: lines.joined(separator: "\n") + "\n",
                                  files: ["judges/local.yaml": try RunLiveModelTests.shipped("judges/local.yaml")],
                                  options: ["seed": 1, "maxCandidates": 2, "budgetCalls": 60, "parallel": 4])
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let id = try #require(try await api.submit(body)["id"] as? String)
            let events = parseEvents(String(buffer: try await client.execute(uri: "/v1/runs/\(id)/events", method: .get,
                                                                              headers: ServiceFixture.headers()).body))
            #expect(events.last?.object["status"] as? String == "finished", "\(events.suffix(3))")
            #expect(events.contains { $0.event == "note" && ($0.object["message"] as? String ?? "").contains("with judge local") })
            let run = try json(try await api.send(.get, "/v1/runs/\(id)", pattern: "/v1/runs/{id}"))
            #expect(run["status"] as? String == "finished" && (run["best"] as? [String: Any])?["candidate"] is Int, "\(run)")
            #expect(try fixture.store.candidates(run: id).count >= 2)
        }
    }

    @Test func badOptimizeOptionsGetJSON400s() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let task = inlineLabelTask(count: 12)
        let options: [([String: Any], String)] = [
            (["bogus": 1], "options.bogus: unknown option"),
            (["budgetCalls": 0], "options.budgetCalls: expected a positive number"),
            (["maxMinutes": -1], "options.maxMinutes"),
            (["search": "everything"], "options.search: unknown 'everything'"),
            (["seed": "one"], "options.seed"),
            (["model": "openai:gpt-4o"], "options.model: not taken by a server run"),
            (["prompts": "/srv/prompts"], "options.prompts: not taken by a server run"),
            (["parallel": 0], "options.parallel"),
        ]
        let cases = options.map { (submissionBody(kind: "optimize", task: task, options: $0.0), $0.1) }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            for (body, mentions) in cases {
                let response = try await api.send(.post, "/v1/runs", body: body)
                #expect(response.status == .badRequest, "\(mentions): \(String(buffer: response.body))")
                let message = (try json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(mentions), "\(message)")
            }
            // With no `kind`, a run is an optimization: a task with an empty split is refused as one.
            let small = try await api.send(.post, "/v1/runs", body: ByteBuffer(string: #"{"task":"name: t\ninstruction: i\ntemplate: \"{input}\"\ndata: {answer: a, examples: [{input: x, a: y}]}\nsplits: {train: 1, dev: 0, test: 0, seed: 1}\nmetric: exact_match\n"}"#))
            #expect(small.status == .badRequest, "\(String(buffer: small.body))")
            // A judge sent with the task runs on the server's model, or not at all.
            let judge = try RunLiveModelTests.shipped("judges/local.yaml").replacingOccurrences(of: "model: default", with: "model: openai:gpt-4o-mini")
            let judged = task.replacingOccurrences(of: "metric: choice_accuracy", with: "metric: judge\njudge: judges/j.yaml")
            let remote = try await api.send(.post, "/v1/runs", body: submissionBody(kind: "optimize", task: judged, files: ["judges/j.yaml": judge]))
            #expect(remote.status == .badRequest)
            let message = (try json(remote)["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(message.contains("the server's model") && !message.contains(fixture.directory.path), "\(message)")
        }
        #expect(try fixture.store.runs().isEmpty)
    }
}
