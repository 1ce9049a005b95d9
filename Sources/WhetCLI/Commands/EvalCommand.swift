import ArgumentParser
import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders
import WhetStore

/// Scores a task's seed prompt on one split with a model, and records the run.
/// The held-out baseline every optimisation is measured against.
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Score a task's seed prompt on a split (default: the held-out test set).",
        discussion: """
            Label tasks are answered by comparing the log-probabilities of the labels (one forward pass per \
            example on the local model); other tasks by greedy generation. Results go to the lineage store \
            (see `whet runs`, `whet lineage RUN`); model calls are cached there, so a rerun costs nothing.
            A task with `compress:` has its long fields compressed before the model sees them (each value \
            once, cached for the run); the output reports the tokens saved.
            Example: whet eval tasks/sentiment.yaml --limit 40 --shots 4
            """)

    @Argument(help: "The task file (tasks/*.yaml).") var task: String
    @Option(help: "train, dev or test.") var split: Split = .test
    @Option(help: "Evaluate only the first N examples of the split.") var limit: Int?
    @Option(help: "Few-shot exemplars drawn from the train split with --seed.") var shots: Int = 0
    @OptionGroup var models: ModelOptions
    @Option(help: "Seed for exemplar sampling.") var seed: Int64 = 0
    @Option(help: "Examples in flight at once (the local engine batches them).") var parallel: Int = 8
    @Flag(help: "Do not read the response cache (still refresh it).") var noCache = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        guard shots >= 0 else { throw ValidationError("--shots must be zero or more") }
        guard parallel > 0 else { throw ValidationError("--parallel must be positive") }
    }

    func run() async throws {
        let taskFile = try TaskFileParser.load(task)
        var examples = taskFile.data[split]
        if let limit { examples = Array(examples.prefix(limit)) }
        var rng = SeededGenerator(seed: UInt64(bitPattern: seed))
        let exemplars = Array(taskFile.data.train.shuffled(using: &rng).prefix(shots))

        let lineage = try store.open()
        let provider = try models.provider(default: taskFile.model, store: lineage,
                                           cachePolicy: noCache ? .bypass : .readWrite)
        let compression = try ExampleCompressor.forTask(taskFile)
        let evaluator = TaskEvaluator(task: taskFile, provider: provider, parallelism: parallel, compression: compression)
        let bar = ProgressBar(enabled: !output.json)
        let report = try await EvaluationRun(evaluator: evaluator, store: lineage).run(
            candidate: PromptCandidate(instruction: taskFile.instruction, exemplars: exemplars),
            split: split, examples: examples, seed: seed, progress: bar.sink)
        let usage = await provider.ledger.usage(of: provider.modelName)

        if output.json {
            struct Out: Encodable { let report: EvaluationRun.Report; let calls: Int; let cacheHits: Int }
            try JSONOutput.print(Out(report: report, calls: usage.calls, cacheHits: usage.cacheHits))
            return
        }
        let s = report.summary
        print("""
            task     \(report.task) (\(taskFile.metric.rawValue), \(split.rawValue) split, \(s.count) examples, \(shots)-shot)
            model    \(report.model)
            score    \(String(format: "%.3f", s.mean))  95% CI [\(String(format: "%.3f", s.low)), \(String(format: "%.3f", s.high))]
            tokens   \(report.promptTokens) prompt + \(report.completionTokens) completion; \(usage.calls) model calls, \(usage.cacheHits) from cache
            time     \(String(format: "%.1f", report.seconds)) s (\(String(format: "%.1f", report.examplesPerSecond)) examples/s)
            run      \(report.runId)  (whet lineage \(report.runId) --db \(store.path))
            """)
        if let tally = report.compression, let settings = taskFile.compress {
            print(Self.compressionLine(tally, settings))
        }
    }

    /// "compress fields passage at 0.33: 12000 -> 4100 tokens (saved 7900, rate 0.34)".
    static func compressionLine(_ tally: CompressionTally, _ settings: TaskCompression) -> String {
        "compress " + settings.fields.joined(separator: ", ") + " at " + String(format: "%.2f", settings.rate)
            + ": \(tally.originalTokens) -> \(tally.compressedTokens) tokens (saved \(tally.tokensSaved), rate "
            + String(format: "%.2f", tally.rate) + ")"
    }
}
