import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCompression
import WhetCore
import WhetEmbeddings
import WhetJudging
@testable import WhetProviders
@testable import WhetServer
import WhetStore

/// `POST /v1/compress`, `/v1/judge` and `/v1/compare` on the real model: the JSON of the CLI's `--json`
/// (checked against the OpenAPI document), the same results as the library gives in process.
@Suite(.serialized) struct ToolRouteTests {
    static func liveFixture() throws -> ServiceFixture {
        do {
            return try ServiceFixture(backend: try LiveModelTests.backend.get())
        } catch {
            Issue.record("the local model is needed: run scripts/setup (\(error.localizedDescription))")
            throw error
        }
    }

    static func body(_ object: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
    }

    static let localJudge: String = {
        (try? RunLiveModelTests.shipped("judges/local.yaml")) ?? ""
    }()

    static let context = """
        The contract between ACME and Globex was signed on 12 March 2021 in Geneva. It covers the supply of \
        industrial valves for five years. Both parties agreed to review prices every spring.

        The weather in Geneva that week was unusually warm, and the signing ceremony was held outdoors. \
        Several journalists attended, and a small reception followed in the evening.
        """

    @Test func compressAnswersTheCLIsJSONWithTheLibrarysResult() async throws {
        let fixture = try Self.liveFixture()
        defer { fixture.remove() }
        let question = "When was the contract signed?"
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let response = try await api.send(.post, "/v1/compress",
                                              body: Self.body(["text": Self.context, "options": ["rate": 0.5, "question": question]]))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let document = try json(response)
            // `whet compress --json`'s keys.
            #expect(Set(document.keys) == ["compressed", "originalTokens", "compressedTokens", "rate", "mode", "keptSpans"])
            let engine = try #require((fixture.backend as? LlamaEngineBackend)?.engine)
            let library = try PromptCompressor(model: engine, embedder: try SharedCompressor.embedder())
                .compress(CompressionRequest(context: Self.context, question: question, target: .rate(0.5)))
            #expect(document["compressed"] as? String == library.compressed)
            #expect(document["compressedTokens"] as? Int == library.compressedTokens)
            #expect(document["originalTokens"] as? Int == library.originalTokens)
            #expect((document["compressedTokens"] as! Int) < (document["originalTokens"] as! Int))
        }
    }

    @Test func judgeOnTwoPairsAnswersTheDocumentedKeys() async throws {
        let fixture = try Self.liveFixture()
        defer { fixture.remove() }
        let pairs: [[String: Any]] = [
            ["input": "Name the capital of France.", "output_1": "Paris is the capital of France.",
             "output_2": "France France France France France", "label": 1],
            ["input": "Give a synonym of happy.", "output_1": "happy happy happy happy happy happy",
             "output_2": "Joyful.", "label": 2],
        ]
        let asArray = Self.body(["pairs": pairs, "judge": Self.localJudge, "options": ["parallel": 2]])
        let lines = pairs.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]), as: UTF8.self) }
        let asLines = Self.body(["pairs": lines.joined(separator: "\n"), "judge": Self.localJudge])
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let response = try await api.send(.post, "/v1/judge", body: asArray)
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let document = try json(response)
            #expect(document["judge"] as? String == "local")
            #expect(document["n"] as? Int == 2 && document["labelled"] as? Int == 2)
            let judged = try #require(document["pairs"] as? [[String: Any]])
            #expect(judged.map { $0["line"] as? Int } == [1, 2])
            for pair in judged {
                #expect([0, 1, 2].contains(pair["verdict"] as? Int ?? -1))
                #expect(Set((pair["orders"] as? [String: Any] ?? [:]).keys) == ["ab", "ba"])
            }
            #expect(document["agreement"] is Double && document["flipRate"] is Double && document["pairsPerSecond"] is Double)

            // The same pairs as JSON Lines text give the same verdicts.
            let again = try json(try await api.send(.post, "/v1/judge", body: asLines))
            #expect((again["pairs"] as? [[String: Any]])?.map { $0["verdict"] as? Int } == judged.map { $0["verdict"] as? Int })
        }
    }

    static let tinyTask = """
        name: tiny-qa
        instruction: Answer the question in a few words.
        template: "Question: {input}"
        data:
          answer: output
          examples:
            - {input: "What colour is the sky on a clear day?", output: "blue"}
            - {input: "How many legs does a spider have?", output: "eight"}
            - {input: "What is the opposite of hot?", output: "cold"}
            - {input: "Which animal says moo?", output: "cow"}
            - {input: "What do bees make?", output: "honey"}
            - {input: "What is frozen water called?", output: "ice"}
        splits: {train: 0.34, dev: 0.33, test: 0.33, seed: 1}
        metric: contains
        max_tokens: 8

        """

    @Test func compareOnATinyInlineTask() async throws {
        let fixture = try Self.liveFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            let response = try await api.send(.post, "/v1/compare", body: Self.body([
                "task": Self.tinyTask, "judge": Self.localJudge,
                "prompts": ["Answer the question in one word.", "Answer the question with a full sentence."],
                "options": ["limit": 2, "failUnder": 0.0],
            ]))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let report = try json(response)
            #expect(report["task"] as? String == "tiny-qa" && report["judgeFile"] as? String == "judge.yaml")
            #expect((report["prompts"] as? [[String: Any]])?.map { $0["name"] as? String } == ["prompt 1", "prompt 2"])
            let pairs = try #require(report["pairs"] as? [[String: Any]])
            #expect(pairs.count == 1)
            let result = try #require(pairs.first?["result"] as? [String: Any])
            #expect((result["examples"] as? [Any])?.count == 2)
            #expect(report["passed"] as? Bool == true)
            // Recorded as `whet compare` records it: a compare run with one candidate per prompt.
            let runId = try #require(report["runId"] as? String)
            let run = try fixture.store.run(matching: runId)
            #expect(run.kind == .compare && run.status == .finished)
            #expect(try fixture.store.candidates(run: runId).count == 2)
            #expect(!(try fixture.store.runs().contains { $0.taskPath.contains(fixture.directory.path) && FileManager.default.fileExists(atPath: $0.taskPath) }))
        }
    }

    @Test func badToolRequestsGetJSON4xx() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let cases: [(path: String, body: String, mentions: String)] = [
            ("/v1/compress", "[1]", "expected a JSON object"),
            ("/v1/compress", #"{"text": 3}"#, "text: expected a string"),
            ("/v1/compress", #"{}"#, "text: missing"),
            ("/v1/compress", #"{"file": "/etc/passwd"}"#, "file: unknown field"),
            ("/v1/compress", #"{"text": "a b c", "options": {"rate": 2}}"#, "options.rate"),
            ("/v1/compress", #"{"text": "a b c", "options": {"rate": 0.5, "targetTokens": 3}}"#, "not both"),
            ("/v1/compress", #"{"text": "a b c", "options": {"mode": "fast"}}"#, "options.mode"),
            ("/v1/compress", #"{"text": "a b c", "options": {"keep": [""]}}"#, "options.keep"),
            ("/v1/judge", #"{"pairs": "{\"input\": \"x\"}"}"#, "output_1"),
            ("/v1/judge", #"{"pairs": [{"input": "x", "output_1": "a", "output_2": "b"}]}"#, "no default judge"),
            ("/v1/judge", #"{"pairs": [{"input": "x", "output_1": "a", "output_2": "b"}], "judge": "name: j\n"}"#, "judge.yaml"),
            ("/v1/judge", #"{"pairs": 7}"#, "pairs: expected"),
            ("/v1/compare", #"{"prompts": ["a b", "c d"]}"#, "task: missing"),
            ("/v1/compare", #"{"task": "name: t", "prompts": ["a b"]}"#, "two or more prompts"),
            ("/v1/compare", #"{"task": "name: [x", "prompts": ["a b", "c d"]}"#, "task.yaml"),
            ("/v1/compare", #"{"task": "x", "prompts": ["a b", "c d"], "options": {"split": "train"}}"#, "options.split"),
            ("/v1/compare", #"{"task": "x", "prompts": ["a b", "c d"], "options": {"judgeModel": "openai:x"}}"#, "options.judgeModel: unknown option"),
        ]
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            for c in cases {
                let response = try await api.send(.post, c.path, body: ByteBuffer(string: c.body))
                #expect(response.status == .badRequest, "\(c.path) \(c.body): \(response.status) \(String(buffer: response.body))")
                let message = (try json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(c.mentions), "\(c.path) \(c.body): \(message)")
                #expect(!message.contains(fixture.directory.path), "shows a server path: \(message)")
            }
            // A prompt that is a server-side path is read as prompt text, never as a file.
            let task = inlineLabelTask(count: 10)
            let response = try await api.send(.post, "/v1/compare", body: Self.body([
                "task": task, "prompts": ["/etc/passwd", "prompts/open-concise.md"], "judge": "name: j\n"]))
            #expect(response.status == .badRequest)
            let message = (try json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
            #expect(!message.contains("root:") && message.contains("judge.yaml"), "\(message)")
        }
        let scratch = fixture.directory.appendingPathComponent("lineage.sqlite.server/tools").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []).isEmpty)
    }
}
