import Foundation
import WhetCompression
import WhetCore
import WhetEmbeddings
import WhetInference
import WhetJudging
import WhetProviders
import WhetStore

/// `POST /v1/compare`, `/v1/judge` and `/v1/compress`: `whet compare`, `whet judge` and `whet compress`
/// answered in the request, with the same library code and the same JSON as their `--json`, on the
/// server's model and store. Files (the task, its data, a judge) come by content; they are written to a
/// scratch directory for the request's length, and no error names it.
public struct ToolService: Sendable {
    public let environment: RunEnvironment
    /// The judge used when a request and its task name none (`whet compare`'s judges/local.yaml).
    public let defaultJudgePath: String?
    let scratchRoot: URL
    let compressor: SharedCompressor

    public init(environment: RunEnvironment, defaultJudgePath: String? = nil, scratchRoot: URL? = nil) {
        self.environment = environment
        self.defaultJudgePath = defaultJudgePath
        self.scratchRoot = scratchRoot ?? URL(fileURLWithPath: environment.store.path + ".server", isDirectory: true)
            .appendingPathComponent("tools", isDirectory: true)
        compressor = SharedCompressor(base: environment.base)
    }

    /// A provider for one request: the shared model behind the response cache, no budget.
    func provider(noCache: Bool) -> ManagedProvider {
        ManagedProvider(base: environment.base, cache: SQLiteResponseCache(store: environment.store),
                        cachePolicy: noCache ? .bypass : .readWrite, ledger: UsageLedger(), price: environment.price)
    }

    /// Runs `work` with a fresh scratch directory, removed afterwards; errors leave without its path.
    func withScratch<T>(_ work: (URL) async throws -> T) async throws -> T {
        let directory = scratchRoot.appendingPathComponent(UUID().uuidString, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            return try await work(directory)
        } catch {
            throw Self.scrubbed(error, directory: directory)
        }
    }

    /// The error as the client sees it: a `ServiceError` as it is, a user-facing one (bad input) a 400,
    /// anything else a 500; the scratch directory's path removed from the message.
    static func scrubbed(_ error: Error, directory: URL) -> Error {
        if let error = error as? ServiceError { return error }
        let message = error.localizedDescription
            .replacingOccurrences(of: directory.path + "/compare/task/", with: "")
            .replacingOccurrences(of: directory.path + "/compare/", with: "")
            .replacingOccurrences(of: directory.path + "/", with: "")
            .replacingOccurrences(of: directory.path, with: ".")
        if error is UserFacingError { return ServiceError.badRequest(message: message, param: nil) }
        if error is CancellationError { return error }
        return ServiceError.internalFailure(message: message)
    }

    /// A judge file: `content` when given (written as `judge.yaml`, so its identity covers its text), else
    /// the task's own judge, else the server's default. It must run on the server's model.
    func judgeFile(content: String?, taskJudge: String?, scratch: URL) throws -> (file: JudgeFile, shownPath: String) {
        let path: String
        let shown: String
        if let content {
            guard !content.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw ServiceError.badRequest(message: "judge: empty; expected the judge file's content (YAML text)", param: "judge")
            }
            path = scratch.appendingPathComponent("judge.yaml").path
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
            shown = "judge.yaml"
        } else if let taskJudge {
            path = taskJudge
            shown = taskJudge.replacingOccurrences(of: scratch.path + "/task/", with: "")
        } else if let defaultJudgePath {
            path = defaultJudgePath
            shown = "judges/" + URL(fileURLWithPath: defaultJudgePath).lastPathComponent
        } else {
            throw ServiceError.badRequest(message: "judge: this server has no default judge; send the judge file's content "
                                          + "as judge (YAML text)", param: "judge")
        }
        let file = try JudgeFile.load(path)
        guard file.model == .embeddedDefault else {
            throw ServiceError.badRequest(message: "\(shown): model: a judge on the server runs on the server's model "
                                          + "(\(environment.modelID)); remove model: from the judge file (found \(file.model))",
                                          param: "judge")
        }
        return (file, shown)
    }
}

/// The compressor over the server's in-process engine (or its own copy of the embedded model when the
/// server serves a remote one), made on first use and shared by every request.
final class SharedCompressor: @unchecked Sendable {
    private let base: any ModelProvider
    private let lock = NSLock()
    private var made: PromptCompressor?

    init(base: any ModelProvider) { self.base = base }

    func get() throws -> PromptCompressor {
        try lock.withLock {
            if let made { return made }
            let compressor: PromptCompressor
            if let local = base as? LocalProvider, let engine = (local.backend as? LlamaEngineBackend)?.engine {
                compressor = PromptCompressor(model: engine, embedder: try Self.embedder())
            } else {
                compressor = try PromptCompressor.loadDefault()
            }
            made = compressor
            return compressor
        }
    }

    static func embedder() throws -> SentenceEmbedder {
        SentenceEmbedder.setBLASThreads(1)
        return try SentenceEmbedder(directory: ModelLocator.defaultEmbeddingDirectory(), workers: 2)
    }
}
