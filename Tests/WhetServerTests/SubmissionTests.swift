import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import WhetServer

/// A bad submission gets a JSON 4xx naming what to fix, and leaves nothing behind: no run, no files.
@Suite struct SubmissionTests {
    static let good = inlineLabelTask(count: 12)

    static let cases: [(name: String, body: String, status: Int, mentions: String)] = [
        ("not JSON", "{\"task\": ", 400, "not valid JSON"),
        ("not an object", "[1, 2]", 400, "expected a JSON object"),
        ("no task", #"{"kind":"evaluate"}"#, 400, "task: missing"),
        ("empty task", #"{"kind":"evaluate","task":"  "}"#, 400, "task: empty"),
        ("unknown field", #"{"kind":"evaluate","task":"x","taskPath":"/etc/passwd"}"#, 400, "taskPath: unknown field"),
        ("unknown kind", #"{"kind":"train","task":"x"}"#, 400, "unknown run kind 'train'"),
        ("malformed YAML", #"{"kind":"evaluate","task":"name: [unclosed\n  - x"}"#, 400, "task.yaml:"),
        ("task missing fields", #"{"kind":"evaluate","task":"name: t\n"}"#, 400, "task.yaml:"),
        ("a server-side data path", #"{"kind":"evaluate","task":"name: t\ninstruction: i\ntemplate: \"{input}\"\ndata: {path: /etc/passwd, format: csv, answer: a}\nmetric: exact_match\n"}"#,
         400, "'/etc/passwd' is not among the files sent"),
        ("a path out of the task", #"{"kind":"evaluate","task":"name: t\ninstruction: i\ntemplate: \"{input}\"\ndata: {train: ../../x.jsonl, test: t.jsonl, answer: a}\nmetric: exact_match\n","files":{"t.jsonl":"{}"}}"#,
         400, "'../../x.jsonl' is not among the files sent"),
        ("a bad file name", #"{"kind":"evaluate","task":"x","files":{"../x.jsonl":"{}"}}"#, 400, "is not a relative file name"),
        ("a judge file on the server", #"{"kind":"evaluate","task":"name: t\ninstruction: i\ntemplate: \"{input}\"\ndata: {examples: [{input: a}], answer: a}\nmetric: judge\njudge: /work/judges/pairwise.yaml\n"}"#,
         400, "is not among the files sent"),
    ]

    @Test func badSubmissionsGetJSON400s() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            for c in Self.cases {
                let response = try await api.send(.post, "/v1/runs", body: ByteBuffer(string: c.body))
                #expect(Int(response.status.code) == c.status, "\(c.name): \(response.status)")
                let error = try #require(try json(response)["error"] as? [String: Any], "\(c.name)")
                let message = error["message"] as? String ?? ""
                #expect(message.contains(c.mentions), "\(c.name): \(message)")
                #expect(!message.contains(fixture.directory.path), "\(c.name) shows a server path: \(message)")
                #expect(error["type"] as? String == "invalid_request_error")
            }
        }
        #expect(try fixture.store.runs().isEmpty)
        let workspaces = RunWorkspace.root(forDatabase: fixture.store.path).path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: workspaces)) ?? []).isEmpty)
    }

    @Test func badOptionsAndTasksTheEvaluationCannotRun() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let judgeTask = "name: t\ninstruction: i\ntemplate: \"{input}\"\ndata:\n  examples: [" + (0..<10).map { "{input: q\($0)}" }.joined(separator: ", ")
            + "]\nmetric: judge\njudge: j.yaml\n"
        let cases: [(ByteBuffer, String)] = [
            (submissionBody(task: Self.good, options: ["bogus": 1]), "options.bogus: unknown option"),
            (submissionBody(task: Self.good, options: ["limit": "ten"]), "options.limit"),
            (submissionBody(task: Self.good, options: ["limit": 0]), "options.limit: expected a positive number"),
            (submissionBody(task: Self.good, options: ["split": "holdout"]), "options.split"),
            (submissionBody(task: Self.good, options: ["parallel": 500]), "options.parallel"),
            (submissionBody(task: Self.good, options: ["budget": ["maxDollars": 1]]), "options.budget.maxDollars"),
            (submissionBody(task: Self.good + "model: openai:gpt-4o-mini\n"), "the server's model"),
            (submissionBody(task: Self.good.replacingOccurrences(of: "metric: choice_accuracy", with: "metric: accuracy")), "unknown metric 'accuracy'"),
            (submissionBody(task: judgeTask, files: ["j.yaml": "name: j\n"]), "judge tasks are scored by pairwise judgments"),
        ]
        try await fixture.application().test(.router) { client in
            let api = API(client: client)
            for (body, mentions) in cases {
                let response = try await api.send(.post, "/v1/runs", body: body)
                #expect(response.status == .badRequest, "\(mentions): \(String(buffer: response.body))")
                let message = (try json(response)["error"] as? [String: Any])?["message"] as? String ?? ""
                #expect(message.contains(mentions), "\(message)")
            }
        }
        #expect(try fixture.store.runs().isEmpty)
    }
}

/// The OpenAPI document and the router describe the same routes.
@Suite struct OpenAPIDocumentTests {
    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        let served = Set(fixture.router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = OpenAPIDocument.shared.operations
        #expect(served.subtracting(documented).isEmpty, "undocumented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }

    @Test func theServerServesTheCommittedDocument() async throws {
        let fixture = try ServiceFixture()
        defer { fixture.remove() }
        try await fixture.application().test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get, headers: ServiceFixture.headers())
            #expect(response.status == .ok)
            let served = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
            #expect(served?["openapi"] as? String == "3.1.0")
            #expect(NSDictionary(dictionary: served ?? [:]).isEqual(to: OpenAPIDocument.shared.root))
        }
    }

    @Test func theValidatorCatchesABodyThatDoesNotFit() {
        let document = OpenAPIDocument.shared
        let good = #"{"runs":[{"id":"r","kind":"evaluate","status":"finished","task":"t","model":"m","seed":0,"createdAt":"2026-12-05T08:00:00Z","scores":{},"candidates":1}]}"#
        #expect(document.check(method: "GET", path: "/v1/runs", status: 200, body: Data(good.utf8)).isEmpty)
        for bad in [good.replacingOccurrences(of: #""status":"finished""#, with: #""status":"done""#),
                    good.replacingOccurrences(of: #""seed":0,"#, with: ""),
                    good.replacingOccurrences(of: #""candidates":1"#, with: #""candidates":1,"extra":true"#),
                    good.replacingOccurrences(of: "2026-12-05T08:00:00Z", with: "yesterday")] {
            #expect(!document.check(method: "GET", path: "/v1/runs", status: 200, body: Data(bad.utf8)).isEmpty, "\(bad)")
        }
        #expect(!document.check(method: "GET", path: "/v1/runs", status: 418, body: Data("{}".utf8)).isEmpty)
    }
}
