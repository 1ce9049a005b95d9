import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCore
import WhetEvaluation
@testable import WhetProviders
@testable import WhetServer
import WhetStore

/// An evaluation run on the real model (SmolLM2-135M), submitted over the API with the shipped sentiment
/// task and its data by content: the same score as the library gives in process, every response in the
/// shapes the OpenAPI document gives.
@Suite(.serialized) struct RunLiveModelTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func shipped(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    static func sentimentSubmission(limit: Int) throws -> ByteBuffer {
        submissionBody(task: try shipped("tasks/sentiment.yaml"),
                       files: ["data/sentiment/train.jsonl": try shipped("tasks/data/sentiment/train.jsonl"),
                               "data/sentiment/test.jsonl": try shipped("tasks/data/sentiment/test.jsonl")],
                       options: ["limit": limit, "parallel": 4])
    }

    @Test func anEvaluationRunOverTheAPIScoresAsTheLibraryDoes() async throws {
        let backend = try LiveModelTests.backend.get()
        let fixture = try ServiceFixture(backend: backend)
        defer { fixture.remove() }
        let limit = 24
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let created = try await api.submit(try Self.sentimentSubmission(limit: limit))
            let id = try #require(created["id"] as? String)
            #expect(created["kind"] as? String == "evaluate" && created["task"] as? String == "sentiment")
            let events = parseEvents(String(buffer: try await client.execute(uri: "/v1/runs/\(id)/events", method: .get,
                                                                              headers: ServiceFixture.headers()).body))
            #expect(events.last?.event == "end" && events.last?.object["status"] as? String == "finished", "\(events.suffix(3))")

            let run = try json(try await api.send(.get, "/v1/runs/\(id)", pattern: "/v1/runs/{id}"))
            let score = try #require((run["scores"] as? [String: Any])?["test"] as? Double)
            let spend = try #require(run["spend"] as? [String: Any])
            #expect((spend["calls"] as! Int) + (spend["cacheHits"] as! Int) == limit)
            #expect(spend["promptTokens"] as! Int > 0)

            // The library, in process on a store of its own, scores the same examples the same.
            let task = try TaskFileParser.load(Self.root.appendingPathComponent("tasks/sentiment.yaml").path)
            let own = try LineageStore(path: fixture.directory.appendingPathComponent("own.sqlite").path)
            let provider = ManagedProvider(base: LocalProvider(backend: backend), cache: nil)
            let report = try await EvaluationRun(evaluator: TaskEvaluator(task: task, provider: provider, parallelism: 4), store: own)
                .run(candidate: PromptCandidate(instruction: task.instruction), split: .test,
                     examples: Array(task.data.test.prefix(limit)), seed: 0)
            #expect(abs(report.summary.mean - score) < 1e-12, "API \(score), library \(report.summary.mean)")

            let lineage = try json(try await api.send(.get, "/v1/runs/\(id)/lineage", pattern: "/v1/runs/{id}/lineage"))
            let nodes = try #require(lineage["candidates"] as? [[String: Any]])
            #expect(nodes.count == 1)
            let cid = try #require(nodes.first?["id"] as? Int)
            #expect(lineage["bestPath"] as? [Int] == [cid])

            let candidate = try json(try await api.send(.get, "/v1/runs/\(id)/candidates/\(cid)",
                                                        pattern: "/v1/runs/{id}/candidates/{candidate}"))
            let evaluations = try #require(candidate["evaluations"] as? [[String: Any]])
            #expect(evaluations.count == limit)
            #expect(evaluations.allSatisfy { ($0["input"] as? [String: String])?["input"] != nil && $0["reference"] is String })
            let mean = evaluations.map { $0["score"] as! Double }.reduce(0, +) / Double(limit)
            #expect(abs(mean - score) < 1e-12)
            #expect(candidate["isBest"] as? Bool == true)
        }
    }
}
