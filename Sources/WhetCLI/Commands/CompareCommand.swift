import ArgumentParser
import Foundation
import WhetCore
import WhetEvaluation
import WhetJudging
import WhetProviders
import WhetStore

/// `whet compare A B [C ...] --task T`: every prompt on the task's inputs, every pair judged in both
/// orders, the win rate with its interval, reports, and an exit code CI can gate on.
struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare prompts head-to-head on a task: both orders, ties, win rate with a 95% interval.",
        discussion: """
            A prompt is a prompt file (prompts/*.md or plain text; a body with {field} placeholders is the whole user \
            turn, one without is the system instruction), RUN:CANDIDATE or RUN (its best) from the lineage store, or \
            inline text. Each prompt runs on the task's inputs with the task model (--model); the judge (--judge, \
            default the task's judge, else judges/local.yaml) compares the outputs pair by pair in both orders, never \
            knowing which prompt wrote which. A verdict that changes with the order is a tie. On labelled tasks the \
            metric's per-example scores get a paired test too. Outputs and judgments go to the lineage store; a rerun \
            reuses them. Exit 1 when --fail-under P is given and A's win rate against B is below P.
            Example: whet compare prompts/open-concise.md prompts/open-stepwise.md --task tasks/open_instructions.yaml --limit 8 --html report.html
            """)

    @Argument(help: "Two or more prompts: files, RUN:CANDIDATE, RUN, or inline text.") var prompts: [String] = []
    @Option(help: "The task file.") var task: String
    @Option(help: "The judge file (default: the task's judge, else judges/local.yaml).") var judge: String?
    @OptionGroup var models: ModelOptions
    @Option(name: .customLong("judge-model"), help: ArgumentHelp("The judge's model (default: the judge file's model).", valueName: "spec"))
    var judgeModel: String?
    @Option(help: "dev or test.") var split: Split = .test
    @Option(help: "Compare on the first N examples of the split.") var limit: Int?
    @Option(name: .customLong("html"), help: "Write a self-contained HTML report here.") var html: String?
    @Option(name: .customLong("junit"), help: "Write JUnit XML here.") var junit: String?
    @Option(name: .customLong("fail-under"), help: "Exit 1 when A's win rate against B is below this (0 to 1).") var failUnder: Double?
    @Option(help: "Examples in flight at once while generating (the local engine batches them).") var parallel: Int = 8
    @Flag(help: "Do not read the response cache (still refresh it).") var noCache = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard prompts.count >= 2 else { throw ValidationError("give at least two prompts to compare") }
        guard split != .train else { throw ValidationError("--split must be dev or test (train is what optimizers fit on)") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        if let failUnder, !(0...1).contains(failUnder) { throw ValidationError("--fail-under must be a win rate from 0 to 1") }
        guard parallel > 0 else { throw ValidationError("--parallel must be positive") }
    }

    func run() async throws {
        let taskFile = try TaskFileParser.load(task)
        var examples = taskFile.data[split]
        if let limit { examples = Array(examples.prefix(limit)) }
        let lineage = try store.open()
        let resolved = try prompts.enumerated().map { try PromptSource.resolve($1, index: $0, task: taskFile, store: lineage) }
        let judgePath = try Self.judgePath(judge, task: taskFile)
        let judgeFile = try JudgeFile.load(judgePath)
        let taskProvider = try models.provider(default: taskFile.model, store: lineage, cachePolicy: noCache ? .bypass : .readWrite)
        let judgeSpec = try judgeModel.map { try ModelSpec.parse($0, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)) }
            ?? judgeFile.model
        let judgeProvider = judgeSpec == (try models.spec(default: taskFile.model))
            ? taskProvider
            : try ProviderFactory.makeProvider(spec: judgeSpec, configuration: try models.configuration(),
                                               cache: SQLiteResponseCache(store: lineage), cachePolicy: noCache ? .bypass : .readWrite)
        let pairJudge = try JudgeFactory.make(judgeFile, provider: judgeProvider)
        var comparison = try ComparisonRun(task: taskFile, split: split, examples: examples, taskProvider: taskProvider,
                                           judge: pairJudge, judgeFile: judgePath, store: lineage)
        comparison.parallelism = parallel
        comparison.compression = try ExampleCompressor.forTask(taskFile)
        let bar = ProgressBar(enabled: !output.json)
        let report = try await comparison.run(resolved, judgeModel: judgeProvider.modelName, failUnder: failUnder, progress: bar.sink)

        if let html { try Self.write(HTMLReport.render(report), to: html) }
        if let junit { try Self.write(JUnitReport.render(report), to: junit) }
        if output.json {
            try JSONOutput.print(report)
        } else {
            print(TerminalReport.render(report), terminator: "")
            if let html { print("html   \(html)") }
            if let junit { print("junit  \(junit)") }
        }
        if report.passed == false { throw ExitCode(1) }
    }

    /// `--judge`, else the task's judge, else `judges/local.yaml` from the working directory.
    static func judgePath(_ option: String?, task: TaskFile) throws -> String {
        if let option { return option }
        if let own = task.judge { return own }
        let local = "judges/local.yaml"
        guard FileManager.default.fileExists(atPath: local) else {
            throw UsageFailure(message: "\(task.path): the task names no judge and \(local) is not here; pass --judge judges/X.yaml")
        }
        return local
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw UsageFailure(message: "\(path): cannot write the report: \(error.localizedDescription)")
        }
    }
}
