import ArgumentParser
import Foundation
import WhetCore
import WhetEmbeddings
import WhetEvaluation
import WhetOptimizer
import WhetProviders
import WhetStore

/// `whet optimize`: searches instructions, exemplars, format and label readouts for a task
/// under a hard budget, records every step, and reports the chosen prompt's held-out score.
struct OptimizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Find a better prompt for a task file under a hard budget.",
        discussion: """
            Candidates (instruction, format line, exemplars, label readout and calibration) are ranked by \
            successive halving on train examples kept out of the exemplar pool; the best few are scored on dev, and \
            one replaces the seed prompt only if a paired test on the dev examples says it is better beyond the \
            noise. The seed and the chosen prompt are scored once on the held-out test split at the end.
            Everything goes into the lineage store as it happens: `whet lineage RUN` shows how the prompt was \
            found, `whet export RUN` prints it, and `whet optimize --resume RUN` continues a killed run without \
            repeating a model call. The chosen prompt is written to prompts/ as a `kind: exported` file.
            Example: whet optimize tasks/singular_to_plural.yaml --seed 1
            """)

    @Argument(help: "The task file (tasks/*.yaml). Not with --resume.") var task: String?
    @OptionGroup var models: ModelOptions
    @Option(name: .customLong("optimizer-model"), help: ArgumentHelp(
        "The model that writes instructions from the meta-prompts, in --model's grammar (default: the task model).",
        valueName: "spec"))
    var optimizerModel: String?
    @Option(name: .customLong("budget-calls"), help: "Most requests to make (model calls and cache answers alike).")
    var budgetCalls: Int?
    @Option(name: .customLong("budget-tokens"), help: "Most tokens to spend.") var budgetTokens: Int?
    @Option(name: .customLong("budget-usd"), help: "Most dollars to spend (models with a price).") var budgetUSD: Double?
    @Option(name: .customLong("max-minutes"), help: "Stop searching in time to finish within this many minutes.")
    var maxMinutes: Double?
    @Option(name: .customLong("max-candidates"), help: "Most candidates to try (default: the task's max_candidates, else 16).")
    var maxCandidates: Int?
    @Option(help: "Seed: the same seed, task and budget give the same run.") var seed: UInt64 = 0
    @Option(help: "What to search, comma-separated: instructions, exemplars, readout (default: all).")
    var search: String?
    @Option(help: "Continue an interrupted run (its id or a unique prefix), with its own settings.") var resume: String?
    @Option(help: "Where the meta-prompts are and the chosen prompt is written (default: the nearest prompts/).")
    var prompts: String?
    @Flag(name: .customLong("no-export"), help: "Do not write the chosen prompt to prompts/.") var noExport = false
    @Option(help: "Examples in flight at once (the local engine batches them).") var parallel: Int = 16
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if resume == nil && task == nil { throw ValidationError("name a task file, or --resume RUN") }
        if resume != nil {
            var given: [String] = []
            if task != nil { given.append("TASK") }
            if models.model != nil { given.append("--model") }
            if models.config != nil { given.append("--config") }
            if optimizerModel != nil { given.append("--optimizer-model") }
            if budgetCalls != nil || budgetTokens != nil || budgetUSD != nil || maxCandidates != nil { given.append("--budget-*") }
            if search != nil { given.append("--search") }
            if seed != 0 { given.append("--seed") }
            if !given.isEmpty {
                throw ValidationError("--resume continues a run with the settings it began with; drop \(given.joined(separator: ", "))")
            }
        }
        for (name, value) in [("--budget-calls", budgetCalls), ("--budget-tokens", budgetTokens), ("--max-candidates", maxCandidates)] {
            if let value, value <= 0 { throw ValidationError("\(name) must be positive") }
        }
        if let budgetUSD, budgetUSD <= 0 { throw ValidationError("--budget-usd must be positive") }
        if let maxMinutes, maxMinutes <= 0 { throw ValidationError("--max-minutes must be positive") }
        guard parallel > 0 else { throw ValidationError("--parallel must be positive") }
        _ = try dimensions()
    }

    func dimensions() throws -> [SearchDimension] {
        guard let search else { return SearchDimension.allCases }
        return try search.split(separator: ",").map { part in
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let d = SearchDimension(rawValue: name) else {
                throw ValidationError("--search: unknown '\(name)'; expected instructions, exemplars or readout")
            }
            return d
        }
    }

    func run() async throws {
        let lineage = try store.open()
        let runId: String
        let taskFile: TaskFile
        let config: OptimizerRunConfig
        if let resume {
            let record = try lineage.run(matching: resume)
            guard record.kind == .optimize else { throw OptimizerError.notOptimizeRun(run: record.id, kind: record.kind.rawValue) }
            guard record.status == .interrupted || record.status == .failed else {
                throw OptimizerError.runFinished(run: record.id, status: record.status.rawValue)
            }
            guard FileManager.default.fileExists(atPath: record.taskPath) else {
                throw OptimizerError.taskMissing(run: record.id, path: record.taskPath)
            }
            guard try RunRecorder.taskHash(path: record.taskPath) == record.taskHash else {
                throw OptimizerError.taskChanged(run: record.id, path: record.taskPath)
            }
            guard let stored = try? JSONDecoder().decode(OptimizerRunConfig.self, from: Data(record.configJSON.utf8)) else {
                throw OptimizerError.internalState("run \(record.id) has no readable optimizer settings")
            }
            runId = record.id
            taskFile = try TaskFileParser.load(record.taskPath)
            var resumed = stored
            if let maxMinutes { resumed.settings.limits.maxSeconds = maxMinutes * 60 }
            config = resumed
        } else {
            // Absolute, so that `--resume` finds the file (and checks its hash) from any directory.
            taskFile = try TaskFileParser.load(URL(fileURLWithPath: task!).standardizedFileURL.path)
            let overrides = Budget(maxCalls: budgetCalls, maxTokens: budgetTokens, maxCandidates: maxCandidates,
                                   maxCostUSD: budgetUSD, maxSeconds: maxMinutes.map { $0 * 60 })
            let settings = OptimizerSettings(seed: seed, limits: taskFile.budget.overridden(by: overrides),
                                             dimensions: try dimensions(), parallelism: parallel)
            config = OptimizerRunConfig(settings: settings, model: models.model, optimizerModel: optimizerModel,
                                        configPath: models.config.map { URL(fileURLWithPath: $0).standardizedFileURL.path },
                                        promptsDirectory: (prompts ?? PromptsDirectory.find(near: taskFile.path))
                                            .map { URL(fileURLWithPath: $0).standardizedFileURL.path })
            runId = RunID.make()
        }

        // The ledgers refuse what the run's own accounting would refuse first: a safety net.
        let ledgerBudget = Budget(maxCalls: config.settings.limits.maxCalls, maxTokens: config.settings.limits.maxTokens,
                                  maxCostUSD: config.settings.limits.maxCostUSD)
        let options = try ModelOptions.resolved(model: config.model, config: config.configPath)
        let taskModel = try options.provider(default: taskFile.model, budget: ledgerBudget, store: lineage)
        let proposer = try config.optimizerModel.map {
            try ModelOptions.resolved(model: $0, config: config.configPath).provider(default: nil, budget: ledgerBudget, store: lineage)
        }
        let judge = try taskFile.metric == .judge ? makeJudge(taskFile, taskModel: taskModel, config: config,
                                                               budget: ledgerBudget, store: lineage) : nil
        let models = OptimizerModels(task: taskModel, proposer: proposer, taskPrice: taskModel.price,
                                     proposerPrice: proposer?.price ?? taskModel.price,
                                     ledgers: [taskModel.ledger] + (proposer.map { [$0.ledger] } ?? [])
                                        + (judge.map { [$0.provider.ledger] } ?? []),
                                     compression: try ExampleCompressor.forTask(taskFile))
        let metaPrompts = try MetaPrompts.load(directory: config.promptsDirectory)
        let bar = ProgressBar(enabled: !output.json)
        let start: () async throws -> OptimizationSummary
        if let judge {
            let optimizer = try JudgedOptimizer(task: taskFile, models: models, judge: judge.judge, prompts: metaPrompts,
                                                store: lineage, config: config, runId: runId, resumed: resume != nil,
                                                progress: bar.sink)
            start = optimizer.run
        } else {
            let embedder = try SentenceEmbedder(directory: try ModelLocator.defaultEmbeddingDirectory())
            let optimizer = try Optimizer(task: taskFile, models: models, embedder: embedder, prompts: metaPrompts, store: lineage,
                                          config: config, runId: runId, resumed: resume != nil, progress: bar.sink)
            start = optimizer.run
        }
        if resume != nil {
            try RunRecorder(store: lineage, runId: runId).resume()
        } else {
            try RunRecorder(store: lineage, runId: runId).createRun(task: taskFile, model: taskModel.modelName, config: config)
        }
        let summary = try await start()

        var exported: String?
        if !noExport, let directory = config.promptsDirectory ?? PromptsDirectory.find(near: taskFile.path) {
            let name = "\(taskFile.name)-optimized"
            let path = (directory as NSString).appendingPathComponent("\(name).md")
            let text = PromptExport.promptFile(summary.best.spec, task: taskFile, run: runId, score: summary.best.test.mean, name: name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            exported = path
        }
        if output.json {
            try JSONOutput.print(OptimizeJSON(summary))
        } else {
            print(OptimizeReport.text(summary, exported: exported, db: store.path))
        }
    }
}

extension OptimizeCommand {
    /// Judge-metric tasks: the task's judge file, asked through the task model's provider when
    /// it names the same model, else through its own.
    func makeJudge(_ task: TaskFile, taskModel: ManagedProvider, config: OptimizerRunConfig, budget: Budget,
                   store: LineageStore) throws -> (judge: LibraryJudge, provider: ManagedProvider) {
        guard let path = task.judge else { throw OptimizerError.needsJudge(task: task.path) }
        let file = try JudgeFile.load(path)
        let sameModel = config.model == nil && file.model == task.model
        let provider = sameModel ? taskModel
            : try ModelOptions.resolved(model: nil, config: config.configPath).provider(default: file.model, budget: budget, store: store)
        return (try LibraryJudge(file: file, provider: provider, price: provider.price), provider)
    }
}

/// `--json`: exactly the keys the optimizer issue lists.
struct OptimizeJSON: Encodable {
    struct Score: Encodable { let mean: Double; let low: Double; let high: Double; let n: Int }
    struct Pair: Encodable { let dev: Score; let test: Score }
    struct Best: Encodable { let candidate: Int64; let dev: Score; let test: Score; let prompt: String; let `operator`: String }
    let run: String
    let task: String
    let seed: Pair
    let best: Best
    let calls: Int
    let cacheHits: Int
    let tokens: Int
    let seconds: Double
    /// Present for tasks with `compress:`.
    let compression: CompressionTally?

    init(_ s: OptimizationSummary) {
        func score(_ x: SplitScore) -> Score { Score(mean: x.mean, low: x.low, high: x.high, n: x.n) }
        run = s.run
        task = s.task
        seed = Pair(dev: score(s.seed.dev), test: score(s.seed.test))
        best = Best(candidate: s.best.candidate, dev: score(s.best.dev), test: score(s.best.test), prompt: s.best.prompt,
                    operator: s.best.operatorName)
        calls = s.calls
        cacheHits = s.cacheHits
        tokens = s.tokens
        seconds = s.seconds
        compression = s.compression
    }
}

/// The human summary of a finished run.
enum OptimizeReport {
    static func text(_ s: OptimizationSummary, exported: String?, db: String) -> String {
        func score(_ x: SplitScore) -> String { String(format: "%.3f [%.3f, %.3f] n=%d", x.mean, x.low, x.high, x.n) }
        var lines = [
            "task      \(s.task)   model \(s.model)",
            "                   dev                          test",
            "seed      \(score(s.seed.dev).padding(29))\(score(s.seed.test))",
            "chosen    \(score(s.best.dev).padding(29))\(score(s.best.test))   (c\(s.best.candidate), \(s.best.operatorName))",
            "verdict   \(s.verdict)",
            "spent     \(s.requests) requests: \(s.calls) model calls, \(s.cacheHits) from the cache; \(s.tokens) tokens"
                + (s.costUSD > 0 ? String(format: ", $%.4f", s.costUSD) : "")
                + String(format: "; %.0f s; %d candidates; %@", s.seconds, s.candidates, s.stopReason),
            "run       \(s.run)   (whet lineage \(s.run) --db \(db); whet export \(s.run) --db \(db))",
        ]
        if let c = s.compression {
            lines.append("compress  \(c.originalTokens) -> \(c.compressedTokens) tokens of compressed fields in the prompts scored "
                + "(saved \(c.tokensSaved), rate \(String(format: "%.2f", c.rate)))")
        }
        if let exported { lines.append("prompt    written to \(exported)") }
        lines.append("")
        lines.append(s.best.prompt)
        return lines.joined(separator: "\n")
    }
}

/// Run ids: sortable by time, unique enough for one machine.
enum RunID {
    static func make() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "r-\(f.string(from: Date()))-\(String(UInt32.random(in: 0..<UInt32.max), radix: 16).prefix(4))"
    }
}

/// The `prompts/` folder for a task: beside the task's folder (tasks/../prompts), else the
/// nearest one above the working directory.
enum PromptsDirectory {
    static func find(near taskPath: String) -> String? {
        let fm = FileManager.default
        var starts = [URL(fileURLWithPath: taskPath).deletingLastPathComponent().standardizedFileURL]
        starts.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        for start in starts {
            var dir = start
            for _ in 0..<6 {
                let candidate = dir.appendingPathComponent("prompts")
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue { return candidate.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }
}
