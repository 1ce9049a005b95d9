import ArgumentParser
import Foundation
import WhetCore
import WhetOptimizer
import WhetStore

/// `whet export RUN`: the prompt an optimize run chose, as a prompt file, as JSON, or as
/// OpenAI chat messages with the exemplars as turns.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Print the prompt an optimize run chose (md, json or openai).")
    enum Format: String, ExpressibleByArgument, CaseIterable { case md, json, openai }

    @Argument(help: "The run id (or a unique prefix of it).") var run: String
    @Option(help: "md (a kind: exported prompt file), json, or openai (chat messages).") var format: Format = .md
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let lineage = try store.open()
        let record = try lineage.run(matching: run)
        guard record.kind == .optimize else { throw OptimizerError.notOptimizeRun(run: record.id, kind: record.kind.rawValue) }
        guard record.status == .finished, let bestId = record.bestCandidateId,
              let best = try lineage.candidates(run: record.id).first(where: { $0.id == bestId }) else {
            throw ExportError.notFinished(run: record.id, status: record.status.rawValue)
        }
        guard FileManager.default.fileExists(atPath: record.taskPath) else {
            throw OptimizerError.taskMissing(run: record.id, path: record.taskPath)
        }
        let task = try TaskFileParser.load(record.taskPath)
        let candidate = try Candidate.decode(best.specJSON)
        switch format {
        case .md:
            print(PromptExport.promptFile(candidate, task: task, run: record.id, score: record.testScore,
                                          name: "\(task.name)-optimized"), terminator: "")
        case .json:
            struct Doc: Encodable {
                let run: String, task: String, candidate: Int64, operatorName: String, prompt: String
                let devScore: Double?, testScore: Double?, spec: Candidate
            }
            try JSONOutput.print(Doc(run: record.id, task: task.name, candidate: bestId, operatorName: best.operatorName,
                                     prompt: PromptExport.text(candidate, task: task), devScore: best.devScore,
                                     testScore: best.testScore, spec: candidate))
        case .openai:
            struct Doc: Encodable { let messages: [[String: String]] }
            try JSONOutput.print(Doc(messages: PromptExport.chatMessages(candidate, task: task)))
        }
    }
}

enum ExportError: UserFacingError {
    case notFinished(run: String, status: String)

    var errorDescription: String? {
        switch self {
        case .notFinished(let run, let status):
            return "run \(run) is \(status): only a finished optimize run has a chosen prompt (resume it with whet optimize --resume \(run))"
        }
    }
}
