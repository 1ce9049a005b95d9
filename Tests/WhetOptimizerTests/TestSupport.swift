import Foundation
import WhetCore
import WhetEmbeddings
@testable import WhetOptimizer
import WhetProviders
import WhetStore

let repoRoot: URL = {
    var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while dir.path != "/" {
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
        dir = dir.deletingLastPathComponent()
    }
    fatalError("no Package.swift above \(#filePath)")
}()

func makeTempDir() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("whet-opt-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A small sentiment task written into `dir`: the first `train` and `test` lines of the shipped
/// data (a quarter of train becomes dev), so a whole run takes a few hundred requests.
func smallSentimentTask(in dir: URL, train: Int = 40, test: Int = 12, budget: String = "{max_candidates: 4}") throws -> String {
    let source = repoRoot.appendingPathComponent("tasks/data/sentiment")
    for (name, count) in [("train", train), ("test", test)] {
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
        data:
          train: train.jsonl
          test: test.jsonl
          answer: output
        splits: {dev: 0.25, seed: 13}
        answer:
          type: label
          labels: {positive: [positive, pos], negative: [negative, neg]}
        metric: choice_accuracy
        budget: \(budget)
        """.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// The embedded model and MiniLM, loaded once for every test in the process.
enum Shared {
    static let backend: Result<LocalModelBackend, Error> = Result { try LlamaEngineBackend.load(nil) }
    static let embedder: Result<SentenceEmbedder, Error> = Result {
        try SentenceEmbedder(directory: try ModelLocator.defaultEmbeddingDirectory())
    }
}

/// Sits between the cache and the model and sees every request that reaches the model:
/// counts them and records their text, so tests can say what the model was asked and when.
final class RecordingProvider: ModelProvider, @unchecked Sendable {
    let inner: ModelProvider
    private let lock = NSLock()
    private(set) var texts: [String] = []
    var modelName: String { inner.modelName }
    var cacheIdentity: String { inner.cacheIdentity }

    init(_ inner: ModelProvider) { self.inner = inner }

    var calls: Int { lock.withLock { texts.count } }

    func record(_ input: ProviderInput) {
        let text: String
        switch input {
        case .chat(let messages): text = messages.map(\.content).joined(separator: "\n")
        case .completion(let prompt): text = prompt
        }
        lock.withLock { texts.append(text) }
    }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        record(request.input)
        return try await inner.complete(request)
    }

    func choose(among labels: [String], for input: ProviderInput) async throws -> LabelChoice {
        record(input)
        return try await inner.choose(among: labels, for: input)
    }
}

/// Everything one optimizer run needs, on a store at `db`.
struct Harness {
    let task: TaskFile
    let store: LineageStore
    let recording: RecordingProvider
    let managed: ManagedProvider

    init(taskPath: String, db: String, budget: Budget = .unlimited, model: ModelProvider? = nil) throws {
        task = try TaskFileParser.load(taskPath)
        store = try LineageStore(path: db)
        recording = RecordingProvider(try model ?? LocalProvider(backend: try Shared.backend.get()))
        managed = ManagedProvider(base: recording, cache: SQLiteResponseCache(store: store), ledger: UsageLedger(budget: budget))
    }

    func optimizer(settings: OptimizerSettings, runId: String = "r-test-\(UUID().uuidString.prefix(8))",
                   progress: @escaping ProgressSink = { _ in }) throws -> Optimizer {
        let config = OptimizerRunConfig(settings: settings, model: nil, optimizerModel: nil, configPath: nil,
                                        promptsDirectory: repoRoot.appendingPathComponent("prompts").path)
        let optimizer = try Optimizer(task: task, models: OptimizerModels(task: managed, ledgers: [managed.ledger]),
                                      embedder: try Shared.embedder.get(),
                                      prompts: try MetaPrompts.load(directory: config.promptsDirectory), store: store,
                                      config: config, runId: runId, progress: progress)
        try RunRecorder(store: store, runId: runId).createRun(task: task, model: managed.modelName, config: config)
        return optimizer
    }
}

/// A model that answers every request with the same sentence and gives no log-probabilities, so a
/// label is read from a reply that names none (what a chatty model behind an endpoint does).
final class ChattyProvider: ModelProvider, @unchecked Sendable {
    static let reply = "A very charming and funny movie."
    var modelName: String { "chatty" }

    func complete(_ request: ProviderRequest) async throws -> ProviderResponse {
        ProviderResponse(model: modelName, choices: [ProviderChoice(index: 0, text: Self.reply)],
                         usage: TokenUsage(promptTokens: 20, completionTokens: 7))
    }
}
