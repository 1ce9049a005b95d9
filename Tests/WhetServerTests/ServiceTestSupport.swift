import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import WhetCore
@testable import WhetProviders
@testable import WhetServer
import WhetStore

/// A server with runs on a fresh database in a temporary directory, driven in process.
struct ServiceFixture: @unchecked Sendable {
    static let token = "test-token-0123456789abcdef"
    let directory: URL
    let store: LineageStore
    let manager: RunManager
    let router: Router<BasicRequestContext>
    let backend: LocalModelBackend

    init(backend: LocalModelBackend = DeterministicBackend(), maxRuns: Int = 2, maxBodyBytes: Int = 1 << 20,
         heartbeat: TimeInterval = 15, handlers: [any RunKindHandler]? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("whet-service-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try LineageStore(path: directory.appendingPathComponent("lineage.sqlite").path)
        self.backend = backend
        let provider = LocalProvider(backend: backend)
        manager = RunManager(environment: RunEnvironment(base: provider, modelID: "smol-test", store: store),
                             handlers: handlers ?? Self.handlers, maxRuns: maxRuns, spendInterval: 0.05)
        let configuration = ServerConfiguration(port: 0, modelID: "smol-test", maxBodyBytes: maxBodyBytes,
                                                token: try AccessToken(Self.token), heartbeat: heartbeat, pollInterval: 0.05)
        router = buildRouter(service: OpenAIService(modelID: "smol-test", provider: provider), configuration: configuration,
                             runs: manager)
    }

    static let handlers: [any RunKindHandler] = [
        EvaluationRunKind(),
        OptimizationRunKind(),
    ]

    func application() -> some ApplicationProtocol {
        Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    static func headers(token: String? = ServiceFixture.token, json: Bool = false) -> HTTPFields {
        var headers = HTTPFields()
        if let token { headers[.authorization] = "Bearer \(token)" }
        if json { headers[.contentType] = "application/json" }
        return headers
    }

    /// Waits (polling the store) until `condition` holds for the run, or fails after `timeout` seconds.
    func waitFor(_ runId: String, timeout: TimeInterval = 300, _ condition: (RunRecord) -> Bool) async throws -> RunRecord {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let run = try store.run(matching: runId)
            if condition(run) { return run }
            guard Date() < deadline else {
                Issue.record("run \(runId) is still \(run.status.rawValue) after \(timeout) s")
                return run
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }
}

/// A label task with `count` distinct inline examples (a word that names its label), split 40/20/40.
func inlineLabelTask(count: Int, name: String = "inline-sentiment") -> String {
    var lines = ["name: \(name)", "instruction: Answer with positive or negative.", "template: \"Review: {input}\"",
                 "data:", "  answer: label", "  examples:"]
    for i in 0..<count {
        let positive = i % 2 == 0
        lines.append("    - {input: \"review \(i) was \(positive ? "positive" : "negative") overall\", label: \(positive ? "positive" : "negative")}")
    }
    lines += ["splits: {train: 0.4, dev: 0.2, test: 0.4, seed: 3}", "answer:", "  type: label",
              "  labels: {positive: [positive], negative: [negative]}", "metric: choice_accuracy"]
    return lines.joined(separator: "\n") + "\n"
}

func submissionBody(kind: String = "evaluate", task: String, files: [String: String] = [:], options: [String: Any] = [:]) -> ByteBuffer {
    let object: [String: Any] = ["kind": kind, "task": task, "files": files, "options": options]
    return ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: object))
}

func json(_ response: TestResponse) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
    return try #require(value as? [String: Any], "not a JSON object: \(String(buffer: response.body))")
}

/// One server-sent event.
struct SSEEvent: Equatable {
    var id: Int?
    var event: String
    var data: String

    var object: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
    }
}

/// Parses a `text/event-stream` body (comments and `retry` skipped).
func parseEvents(_ text: String) -> [SSEEvent] {
    text.components(separatedBy: "\n\n").compactMap { block in
        var event = SSEEvent(id: nil, event: "message", data: "")
        var any = false
        for line in block.split(separator: "\n") where !line.hasPrefix(":") {
            if line.hasPrefix("id: ") { event.id = Int(line.dropFirst(4)); any = true }
            if line.hasPrefix("event: ") { event.event = String(line.dropFirst(7)); any = true }
            if line.hasPrefix("data: ") { event.data = String(line.dropFirst(6)); any = true }
        }
        return any && event.event != "message" ? event : nil
    }
}

/// Counts the model's calls and holds each one until the test lets it through, so a test decides how
/// far a run gets without timing.
final class GatedBackend: LocalModelBackend, @unchecked Sendable {
    let inner = DeterministicBackend()
    private let lock = NSLock()
    private var permits: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var started = 0
    private var finishedCount = 0

    init(permits: Int = 0) { self.permits = permits }

    var modelName: String { inner.modelName }
    var contextLength: Int { inner.contextLength }
    var finished: Int { lock.withLock { finishedCount } }
    var blocked: Int { lock.withLock { waiting.count } }

    /// Lets `n` more calls through (waiting ones first).
    func allow(_ n: Int) {
        let released: [CheckedContinuation<Void, Never>] = lock.withLock {
            permits += n
            let count = min(permits, waiting.count)
            permits -= count
            let out = Array(waiting.prefix(count))
            waiting.removeFirst(count)
            return out
        }
        for c in released { c.resume() }
    }

    func openFully() { allow(1_000_000) }

    private func pass() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let go: Bool = lock.withLock {
                started += 1
                if permits > 0 { permits -= 1; return true }
                waiting.append(c)
                return false
            }
            if go { c.resume() }
        }
    }

    func renderChat(_ messages: [ChatMessage]) throws -> String { try inner.renderChat(messages) }
    func countTokens(_ text: String) throws -> Int { try inner.countTokens(text) }
    func generate(_ jobs: [LocalGenerationJob]) async throws -> [LocalGeneration] {
        await pass()
        defer { lock.withLock { finishedCount += 1 } }
        return try await inner.generate(jobs)
    }
    func labelLogprobs(prompt: String, labels: [String]) async throws -> [Double] {
        await pass()
        defer { lock.withLock { finishedCount += 1 } }
        return try await inner.labelLogprobs(prompt: prompt, labels: labels)
    }

    /// Waits until `n` calls are held at the gate.
    func waitUntilBlocked(_ n: Int, timeout: TimeInterval = 120) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while blocked < n {
            guard Date() < deadline else { Issue.record("only \(blocked) calls reached the gate, expected \(n)"); return }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }
}
