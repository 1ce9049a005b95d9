import ArgumentParser
import Foundation
import WhetCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check task, prompt and judge files; print what each holds.",
        discussion: "Exit code 2 and `file:line: field: what was expected` for the first problem in each bad file.")

    @Argument(help: "Files: tasks/*.yaml, prompts/*.md, judges/*.yaml.") var files: [String]
    @OptionGroup var output: OutputOptions

    struct Summary: Encodable {
        var file: String
        var kind: String
        var ok: Bool
        var name: String?
        var detail: [String: String] = [:]
        var error: String?
    }

    func run() async throws {
        var summaries: [Summary] = []
        for file in files {
            do { summaries.append(try Self.check(file)) } catch {
                summaries.append(Summary(file: file, kind: Self.kind(of: file), ok: false,
                                         error: (error as? LocalizedError)?.errorDescription ?? "\(error)"))
            }
        }
        if output.json {
            try JSONOutput.print(summaries)
        } else {
            for s in summaries {
                if s.ok {
                    let d = s.detail.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
                    print("ok   \(s.file): \(s.kind) '\(s.name ?? "")' (\(d))")
                } else {
                    printError("error: \(s.error ?? "")")
                }
            }
        }
        if summaries.contains(where: { !$0.ok }) { throw ExitCode(2) }
    }

    static func kind(of file: String) -> String {
        if file.hasSuffix(".md") { return "prompt" }
        if file.split(separator: "/").contains("judges") { return "judge" }
        return "task"
    }

    static func check(_ file: String) throws -> Summary {
        switch kind(of: file) {
        case "prompt":
            let p = try PromptFile.load(file)
            return Summary(file: file, kind: "prompt", ok: true, name: p.name,
                           detail: ["kind": p.kind.rawValue, "variables": p.variables.joined(separator: " ")])
        case "judge":
            let j = try JudgeFile.load(file)
            return Summary(file: file, kind: "judge", ok: true, name: j.name,
                           detail: ["mode": j.mode.rawValue, "criteria": j.criteria.joined(separator: " ")])
        default:
            let t = try TaskFileParser.load(file)
            var detail = [
                "train": "\(t.data.train.count)", "dev": "\(t.data.dev.count)", "test": "\(t.data.test.count)",
                "metric": t.metric.rawValue, "answer": t.answer.typeName, "model": t.model.description,
            ]
            if let c = t.compress {
                detail["compress"] = c.fields.joined(separator: " ") + " at " + String(format: "%g", c.rate)
                    + (c.questionField.map { " for " + $0 } ?? "")
            }
            return Summary(file: file, kind: "task", ok: true, name: t.name, detail: detail)
        }
    }
}
