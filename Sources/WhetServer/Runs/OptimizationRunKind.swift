import Foundation
import WhetCore
import WhetEmbeddings
import WhetOptimizer
import WhetProviders
import WhetStore

/// `kind: optimize`: `whet optimize` as a server run, with the same library code (`Optimizer`, or
/// `JudgedOptimizer` for judge-metric tasks) on the server's model. The search is deterministic for a
/// seed and counts cache answers as spend, so a restarted server replays it from the response cache to
/// where it stopped. The chosen prompt stays in the lineage store (nothing is written to `prompts/`).
public struct OptimizationRunKind: RunKindHandler {
    public let kind = RunKind.optimize
    /// The server's `kind: meta` prompts (the proposal operators); nil leaves the model-written operators off.
    public let promptsDirectory: String?
    let embedder: SharedEmbedder

    public init(promptsDirectory: String? = nil) {
        self.promptsDirectory = promptsDirectory
        embedder = SharedEmbedder()
    }

    /// `whet optimize`'s options, by the same names in camelCase.
    struct Options: Codable, Equatable {
        var seed: UInt64?
        var budgetCalls: Int?
        var budgetTokens: Int?
        var budgetUSD: Double?
        var maxMinutes: Double?
        var maxCandidates: Int?
        var search: String?
        var parallel: Int?
    }

    static let optionKeys: Set<String> = ["seed", "budgetCalls", "budgetTokens", "budgetUSD", "maxMinutes", "maxCandidates",
                                          "search", "parallel"]
    /// `whet optimize` options that name server-side things; a server run uses the server's own.
    static let serverOwned: [String: String] = [
        "model": "the server's model", "optimizerModel": "the server's model", "config": "the server's configuration",
        "prompts": "the server's meta-prompts", "resume": "the server's own resumption (runs resume after a restart)",
        "noExport": "the lineage store (server runs export nothing)",
    ]

    public func prepare(_ submission: RunSubmission, workspace: RunWorkspace, environment: RunEnvironment) throws -> any PreparedRun {
        if case .object(let given) = submission.options,
           let key = given.keys.sorted().first(where: { Self.serverOwned[$0] != nil }) {
            throw bad("options.\(key): not taken by a server run, which uses \(Self.serverOwned[key]!)")
        }
        let options = try submission.options.decodeOptions(Options.self, known: Self.optionKeys)
        for (name, value) in [("budgetCalls", options.budgetCalls), ("budgetTokens", options.budgetTokens),
                              ("maxCandidates", options.maxCandidates)] {
            if let value, value <= 0 { throw bad("options.\(name): expected a positive number, found \(value)") }
        }
        if let usd = options.budgetUSD, !(usd > 0) { throw bad("options.budgetUSD: expected a positive number, found \(usd)") }
        if let minutes = options.maxMinutes, !(minutes > 0) {
            throw bad("options.maxMinutes: expected a positive number, found \(minutes)")
        }
        if let parallel = options.parallel, !(1...64).contains(parallel) {
            throw bad("options.parallel: expected 1 to 64, found \(parallel)")
        }
        let dimensions = try Self.dimensions(options.search)
        let task = try workspace.loadTask(submission, servedModel: environment.modelID)
        for split in Split.allCases where task.data[split].isEmpty {
            throw bad("task.yaml: the \(split.rawValue) split is empty; an optimization needs train, dev and test examples")
        }
        var judge: JudgeFile?
        if task.metric == .judge {
            judge = try Self.judgeFile(task, servedModel: environment.modelID)
        }
        let overrides = Budget(maxCalls: options.budgetCalls, maxTokens: options.budgetTokens, maxCandidates: options.maxCandidates,
                               maxCostUSD: options.budgetUSD, maxSeconds: options.maxMinutes.map { $0 * 60 })
        let seed = options.seed ?? 0
        let settings = OptimizerSettings(seed: seed, limits: task.budget.overridden(by: overrides), dimensions: dimensions,
                                         parallelism: options.parallel ?? 16)
        let config = OptimizerRunConfig(settings: settings, model: nil, optimizerModel: nil, configPath: nil,
                                        promptsDirectory: promptsDirectory)
        return OptimizationJob(
            task: task, judge: judge, config: config, embedder: embedder,
            description: RunDescription(taskName: task.name, taskHash: SHA256.hex(Data(submission.task.utf8)),
                                        seed: Int64(bitPattern: seed),
                                        // The options as sent, as the evaluate kind keeps them (no server paths).
                                        configJSON: String(decoding: (try? JSONReply.encoder.encode(options)) ?? Data("{}".utf8),
                                                           as: UTF8.self)),
            // The ledger refuses what the optimizer's own accounting would refuse first: a safety net.
            budget: Budget(maxCalls: settings.limits.maxCalls, maxTokens: settings.limits.maxTokens,
                           maxCostUSD: settings.limits.maxCostUSD))
    }

    /// `search`: what to search, comma-separated, as `--search` takes it.
    static func dimensions(_ search: String?) throws -> [SearchDimension] {
        guard let search else { return SearchDimension.allCases }
        let names = search.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty else { throw ServiceError.badRequest(message: "options.search: empty; expected instructions, exemplars or readout", param: "options.search") }
        return try names.map { name in
            guard let dimension = SearchDimension(rawValue: name) else {
                throw ServiceError.badRequest(message: "options.search: unknown '\(name)'; expected instructions, exemplars or readout",
                                              param: "options.search")
            }
            return dimension
        }
    }

    /// A judge-metric task's judge file, sent with the task; it must run on the server's model.
    static func judgeFile(_ task: TaskFile, servedModel: String) throws -> JudgeFile {
        guard let path = task.judge else {
            throw ServiceError.badRequest(message: "task.yaml: metric: judge needs a judge file sent with the task "
                                          + "(judge: judges/NAME.yaml, and its content in files)", param: "task")
        }
        let file: JudgeFile
        do { file = try JudgeFile.load(path) } catch {
            let name = URL(fileURLWithPath: path).lastPathComponent
            throw ServiceError.badRequest(message: "\(name): \(error.localizedDescription.replacingOccurrences(of: path, with: name))",
                                          param: "files")
        }
        guard file.model == .embeddedDefault else {
            throw ServiceError.badRequest(message: "\(file.name): model: a judge sent to the server runs on the server's model "
                                          + "(\(servedModel)); remove model: from the judge file (found \(file.model))", param: "files")
        }
        return file
    }

    private func bad(_ message: String) -> ServiceError { .badRequest(message: message, param: "options") }
}

/// MiniLM, loaded on first use and shared by the optimize runs of one server.
final class SharedEmbedder: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: SentenceEmbedder?

    func get() throws -> SentenceEmbedder {
        try lock.withLock {
            if let loaded { return loaded }
            let embedder = try SentenceEmbedder(directory: try ModelLocator.defaultEmbeddingDirectory())
            loaded = embedder
            return embedder
        }
    }
}

struct OptimizationJob: PreparedRun {
    let task: TaskFile
    let judge: JudgeFile?
    let config: OptimizerRunConfig
    let embedder: SharedEmbedder
    let description: RunDescription
    let budget: Budget
    var cachePolicy: CachePolicy { .readWrite }

    func execute(_ context: RunContext) async throws -> RunConclusion {
        // A second attempt after a restart replays the search; candidates already stored are found again.
        let resumed = !(try context.store.candidates(run: context.runId).isEmpty)
        let provider = context.provider
        let models = OptimizerModels(task: provider, taskPrice: provider.price, ledgers: [provider.ledger])
        let prompts = try MetaPrompts.load(directory: config.promptsDirectory)
        let summary: OptimizationSummary
        if let judge {
            let optimizer = try JudgedOptimizer(task: task, models: models,
                                                judge: try LibraryJudge(file: judge, provider: provider, price: provider.price),
                                                prompts: prompts, store: context.store, config: config, runId: context.runId,
                                                resumed: resumed, progress: context.progress)
            summary = try await optimizer.run()
        } else {
            let optimizer = try Optimizer(task: task, models: models, embedder: try embedder.get(), prompts: prompts,
                                          store: context.store, config: config, runId: context.runId, resumed: resumed,
                                          progress: context.progress)
            summary = try await optimizer.run()
        }
        return RunConclusion(bestCandidateId: summary.best.candidate, bestDevScore: summary.best.dev.mean,
                             testScore: summary.best.test.mean)
    }
}
