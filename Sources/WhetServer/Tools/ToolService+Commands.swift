import Foundation
import WhetCompression
import WhetCore
import WhetJudging
import WhetProviders
import WhetStore

extension ToolService {
    static let compareFields: Set<String> = ["task", "files", "prompts", "judge", "options"]
    static let judgeFields: Set<String> = ["pairs", "judge", "options"]
    static let compressFields: Set<String> = ["text", "options"]

    /// `whet compare --json`: `prompts` are prompt files' contents (a body with {field} placeholders is the
    /// whole user turn, one without the system instruction) or `RUN`/`RUN:CANDIDATE` from the server's
    /// store; the task and its data come by content as for `POST /v1/runs`.
    public func compare(_ data: Data) async throws -> ComparisonReport {
        let body = try ToolBody(data, known: Self.compareFields, route: "/v1/compare")
        let submission = RunSubmission(kind: .compare, task: try body.string("task", required: "the task file's content (YAML text)")!,
                                       files: try body.files())
        guard !submission.task.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ServiceError.badRequest(message: "task: empty; expected the task file's content (YAML text)", param: "task")
        }
        let prompts = try Self.promptTexts(body.fields["prompts"])
        let judgeContent = try body.string("judge")
        let options = try body.options(CompareOptions.self, known: CompareOptions.keys)
        let split = options.split ?? .test
        guard split != .train else {
            throw ServiceError.badRequest(message: "options.split: expected dev or test (train is what optimizers fit on)",
                                          param: "options.split")
        }
        if let limit = options.limit, limit <= 0 { throw Self.bad("options.limit: expected a positive number, found \(limit)") }
        if let failUnder = options.failUnder, !(0...1).contains(failUnder) {
            throw Self.bad("options.failUnder: expected a win rate from 0 to 1, found \(failUnder)")
        }
        if let parallel = options.parallel, !(1...64).contains(parallel) {
            throw Self.bad("options.parallel: expected 1 to 64, found \(parallel)")
        }
        return try await withScratch { scratch in
            let workspace = RunWorkspace(root: scratch, runId: "compare")
            try workspace.write(submission)
            let task = try workspace.loadTask(submission, servedModel: environment.modelID)
            var examples = task.data[split]
            if let limit = options.limit { examples = Array(examples.prefix(limit)) }
            let resolved = try prompts.enumerated().map { index, text in
                try Self.resolvePrompt(text, index: index, task: task, store: environment.store)
            }
            let judge = try judgeFile(content: judgeContent, taskJudge: task.judge, scratch: workspace.directory)
            let provider = provider(noCache: options.noCache == true)
            let pairJudge = try JudgeFactory.make(judge.file, provider: provider)
            var comparison = try ComparisonRun(task: task, split: split, examples: examples, taskProvider: provider,
                                               judge: pairJudge, judgeFile: judge.shownPath, store: environment.store)
            comparison.parallelism = options.parallel ?? 8
            return try await comparison.run(resolved, judgeModel: provider.modelName, failUnder: options.failUnder)
        }
    }

    /// `whet judge --json`: `pairs` is the pairs file's content (JSON Lines), or its objects as a JSON array.
    public func judge(_ data: Data) async throws -> FixedPairsJudging.Result {
        let body = try ToolBody(data, known: Self.judgeFields, route: "/v1/judge")
        let text: String
        switch body.fields["pairs"] {
        case .string(let lines)?: text = lines
        case .array(let items)?:
            let encoder = JSONEncoder()
            text = try items.map { String(decoding: try encoder.encode($0), as: UTF8.self) }.joined(separator: "\n")
        case nil, .null?:
            throw ServiceError.badRequest(message: "pairs: missing; expected the pairs file's content (JSON Lines) or an array of "
                                          + "{input, output_1, output_2, label?, reference?}", param: "pairs")
        default:
            throw ServiceError.badRequest(message: "pairs: expected a string (JSON Lines) or an array of objects", param: "pairs")
        }
        let list: [LabelledPair]
        do { list = try PairsFile.parse(text, path: "pairs") } catch {
            throw ServiceError.badRequest(message: error.localizedDescription, param: "pairs")
        }
        let judgeContent = try body.string("judge")
        let options = try body.options(JudgeOptions.self, known: JudgeOptions.keys)
        if let parallel = options.parallel, !(1...64).contains(parallel) {
            throw Self.bad("options.parallel: expected 1 to 64, found \(parallel)")
        }
        return try await withScratch { scratch in
            let judge = try judgeFile(content: judgeContent, taskJudge: nil, scratch: scratch)
            let pairJudge = try JudgeFactory.make(judge.file, provider: provider(noCache: options.noCache == true))
            return try await FixedPairsJudging.run(list, judge: pairJudge, parallelism: options.parallel ?? 4)
        }
    }

    /// `whet compress --json`: `text` is the context; the question and the budget are options.
    public func compress(_ data: Data) async throws -> CompressionJSON {
        let body = try ToolBody(data, known: Self.compressFields, route: "/v1/compress")
        let raw = try body.string("text", required: "the text to compress")!
        let text: String
        do { text = try CompressionInput.text(from: Data(raw.utf8), source: "text") } catch {
            throw ServiceError.badRequest(message: error.localizedDescription, param: "text")
        }
        let request = try body.options(CompressOptions.self, known: CompressOptions.keys).request(text: text)
        let compressor = try compressor.get()
        // Off the caller's executor: compression is synchronous work on the engine.
        let result = try await Task.detached { try compressor.compress(request) }.value
        return CompressionJSON(result)
    }

    /// `prompts`: two or more strings.
    static func promptTexts(_ value: JSONValue?) throws -> [String] {
        guard case .array(let items)? = value else {
            throw ServiceError.badRequest(message: "prompts: expected an array of two or more prompts (prompt text, or RUN:CANDIDATE)",
                                          param: "prompts")
        }
        let texts: [String] = try items.enumerated().map { index, item in
            guard case .string(let text) = item else {
                throw ServiceError.badRequest(message: "prompts.\(index): expected a string", param: "prompts.\(index)")
            }
            return text
        }
        guard texts.count >= 2 else {
            throw ServiceError.badRequest(message: "prompts: expected two or more prompts, found \(texts.count)", param: "prompts")
        }
        return texts
    }

    /// A prompt sent by content, or a candidate of a run in the server's store (`RUN` is its best); never a path.
    static func resolvePrompt(_ text: String, index: Int, task: TaskFile, store: LineageStore) throws -> ComparedPrompt {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let name = "prompt \(index + 1)"
        guard !trimmed.isEmpty else {
            throw ServiceError.badRequest(message: "prompts.\(index): empty; expected prompt text or RUN:CANDIDATE", param: "prompts.\(index)")
        }
        if !trimmed.contains(where: \.isWhitespace), let stored = try PromptSource.fromStore(trimmed, task: task, store: store) {
            return stored
        }
        return try PromptSource.fromText(text, name: name, source: name, task: task)
    }

    static func bad(_ message: String) -> ServiceError {
        .badRequest(message: message, param: "options")
    }
}
