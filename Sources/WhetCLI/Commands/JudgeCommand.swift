import ArgumentParser
import Foundation
import WhetCore
import WhetJudging
import WhetProviders

/// `whet judge PAIRS.jsonl`: judges fixed pairs in both orders, and measures agreement with labels.
struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge",
        abstract: "Judge fixed pairs of outputs in both orders; agreement with human labels where given.",
        discussion: """
            PAIRS.jsonl holds one JSON object a line: input (the instruction, with any input appended), output_1, \
            output_2, and optionally label (1 or 2 for the better output, 0 for a tie) and reference. Each pair is \
            judged in both orders; when the orders disagree the verdict is a tie. This is how to measure a judge \
            before trusting it.
            --json prints {"pairs": [{"index", "line", "verdict": 1|2|0, "pFirst": P(output_1 better), "orders": \
            {"ab": ..., "ba": ...}}], "agreement", "n", "flipRate", ...}; agreement only when labels are given.
            Example: whet judge pairs.jsonl --judge judges/local.yaml --json
            """)

    @Argument(help: "The pairs file (JSON Lines).") var pairs: String
    @Option(help: "The judge file (default: judges/local.yaml).") var judge: String = "judges/local.yaml"
    @Option(name: .customLong("judge-model"), help: ArgumentHelp("The judge's model (default: the judge file's model).", valueName: "spec"))
    var judgeModel: String?
    @Option(help: "Model configuration YAML: endpoints, prices, a budget.") var config: String?
    @Option(help: "Pairs judged at once.") var parallel: Int = 4
    @Option(help: "Write every pair's raw signals (the inputs of a signals judge) to this JSON Lines file instead of judging; resumes.")
    var signals: String?
    @Option(name: .customLong("clip-tokens"), help: "With --signals: tokens kept of the instruction and each output.")
    var clipTokens = 200
    @Flag(help: "Do not read the response cache (still refresh it).") var noCache = false
    @OptionGroup var store: StoreOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard parallel > 0 else { throw ValidationError("--parallel must be positive") }
        guard (8...4096).contains(clipTokens) else { throw ValidationError("--clip-tokens must be from 8 to 4096") }
    }

    func run() async throws {
        let list = try PairsFile.load(pairs)
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let bar = ProgressBar(enabled: !output.json)
        if let signals {
            try await JudgeSignalsDump.run(pairs: list, output: signals, model: try judgeModel.map { try ModelSpec.parse($0, relativeTo: cwd) },
                                           clipTokens: clipTokens, progress: bar.sink)
            return
        }
        let judgeFile = try JudgeFile.load(judge)
        let spec = try judgeModel.map { try ModelSpec.parse($0, relativeTo: cwd) } ?? judgeFile.model
        let configuration = try config.map { try ProvidersConfiguration.load(path: $0) } ?? ProvidersConfiguration()
        let lineage = try store.open()
        let provider = try ProviderFactory.makeProvider(spec: spec, configuration: configuration, cache: SQLiteResponseCache(store: lineage),
                                                        cachePolicy: noCache ? .bypass : .readWrite)
        let pairJudge = try JudgeFactory.make(judgeFile, provider: provider)
        let result = try await FixedPairsJudging.run(list, judge: pairJudge, parallelism: parallel, progress: bar.sink)
        if output.json {
            try JSONOutput.print(result)
            return
        }
        for p in result.pairs {
            let orders = ["ab", "ba"].compactMap { key in p.orders[key].map { "\(key) \($0.verdict)" } }.joined(separator: ", ")
            var line = "line \(p.line): verdict \(p.verdict) (\(orders))"
            if let pFirst = p.pFirst { line += String(format: "  P(output_1 better) %.3f", pFirst) }
            if let label = p.label { line += "  label \(label) \(label == p.verdict ? "agree" : "disagree")" }
            print(line)
        }
        print("")
        print("judge      \(result.judge) (\(judge)) on \(provider.modelName)")
        print(String(format: "pairs      %d judged in both orders, position flips %.1f%%, %.2f pairs/s", result.n, 100 * result.flipRate,
                     result.pairsPerSecond))
        if let agreement = result.agreement, let labelled = result.labelled {
            print(String(format: "agreement  %.3f with the labels of %d pairs", agreement, labelled)
                  + (result.agreementNonTie.map { String(format: " (%.3f on the %d non-tie labels)", $0, result.nonTieLabelled ?? 0) } ?? ""))
        }
    }
}
