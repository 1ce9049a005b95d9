import Foundation
import WhetCore
import WhetEvaluation
import WhetProviders
import WhetStore

/// A prompt taking part in a comparison: a system instruction (the task's template renders each
/// example as the user turn, after any few-shot exemplars), or a whole user-turn template with the
/// task's fields as placeholders (an exported prompt file).
public struct ComparedPrompt: Sendable, Equatable {
    public enum Body: Sendable, Equatable {
        case instruction(PromptCandidate)
        case userTemplate(PromptTemplate)
    }

    /// Short name for tables: the file name, `RUN:CANDIDATE`, or "inline N".
    public var name: String
    /// Where it came from, as the user wrote it.
    public var source: String
    public var body: Body

    public init(name: String, source: String, body: Body) {
        self.name = name
        self.source = source
        self.body = body
    }

    /// The text recorded as the candidate's instruction.
    public var text: String {
        switch body {
        case .instruction(let c): return c.instruction
        case .userTemplate(let t): return t.source
        }
    }

    public var exemplarsJSON: String {
        if case .instruction(let c) = body { return c.exemplarsJSON }
        return "[]"
    }

    public func messages(for example: Example, task: TaskFile) throws -> [ChatMessage] {
        switch body {
        case .instruction(let candidate): return try candidate.messages(for: example, task: task)
        case .userTemplate(let template): return [.user(try template.render(example.fields))]
        }
    }
}

public enum PromptSourceError: UserFacingError, Equatable {
    case missingFile(String)
    case unreadable(String, reason: String)
    case emptyPrompt(String)
    case unknownCandidate(run: String, candidate: String, known: [Int64])
    case runHasNoBest(String)
    case unknownField(prompt: String, field: String, taskFields: [String])

    public var errorDescription: String? {
        switch self {
        case .missingFile(let path): return "\(path): prompt file does not exist (inline prompt text must contain a space)"
        case .unreadable(let path, let reason): return "\(path): cannot read the prompt: \(reason)"
        case .emptyPrompt(let source): return "\(source): the prompt is empty"
        case .unknownCandidate(let run, let candidate, let known):
            return "run \(run) has no candidate \(candidate); its candidates are \(known.map(String.init).joined(separator: ", "))"
        case .runHasNoBest(let run): return "run \(run) has no best candidate yet; name one as \(run):CANDIDATE"
        case .unknownField(let prompt, let field, let fields):
            return "\(prompt): placeholder {\(field)} is not a field of the task's examples (\(fields.joined(separator: ", ")))"
        }
    }
}

/// Turns a command-line prompt argument into a `ComparedPrompt`: `RUN:CANDIDATE` or `RUN` (its best
/// candidate) from the lineage store, a prompt file, or inline text.
public enum PromptSource {
    static let fileExtensions = ["md", "txt", "prompt", "yaml", "yml", "markdown"]

    public static func resolve(_ argument: String, index: Int, task: TaskFile, store: LineageStore?) throws -> ComparedPrompt {
        let trimmed = argument.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PromptSourceError.emptyPrompt("prompt \(index + 1)") }
        let looksLikeWord = !trimmed.contains(where: \.isWhitespace)
        if looksLikeWord, let store, let found = try fromStore(trimmed, task: task, store: store) { return found }
        if FileManager.default.fileExists(atPath: trimmed) { return try fromFile(trimmed, task: task) }
        let ext = URL(fileURLWithPath: trimmed).pathExtension.lowercased()
        if looksLikeWord && (fileExtensions.contains(ext) || trimmed.contains("/")) { throw PromptSourceError.missingFile(trimmed) }
        return ComparedPrompt(name: "inline \(index + 1)", source: argument,
                              body: .instruction(PromptCandidate(instruction: trimmed)))
    }

    /// `RUN:CANDIDATE` or `RUN` when RUN names a run (by id or unique prefix); nil otherwise.
    public static func fromStore(_ argument: String, task: TaskFile, store: LineageStore) throws -> ComparedPrompt? {
        let parts = argument.split(separator: ":", maxSplits: 1).map(String.init)
        guard let runPart = parts.first, runPart.hasPrefix("r-"), let run = try? store.run(matching: runPart) else { return nil }
        let candidates = try store.candidates(run: run.id)
        let wanted: Int64
        if parts.count == 2 {
            guard let id = Int64(parts[1]), candidates.contains(where: { $0.id == id }) else {
                throw PromptSourceError.unknownCandidate(run: run.id, candidate: parts[1], known: candidates.compactMap(\.id))
            }
            wanted = id
        } else {
            guard let best = run.bestCandidateId else { throw PromptSourceError.runHasNoBest(run.id) }
            wanted = best
        }
        let record = candidates.first { $0.id == wanted }!
        let byId = Dictionary(task.data.all.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let ids = (try? JSONSerialization.jsonObject(with: Data(record.exemplarsJSON.utf8)) as? [[String: Any]])?
            .compactMap { $0["id"] as? String } ?? []
        let exemplars = ids.compactMap { byId[$0] }
        return ComparedPrompt(name: "\(run.id):\(wanted)", source: argument,
                              body: .instruction(PromptCandidate(instruction: record.instruction, exemplars: exemplars)))
    }

    /// A prompt file with front matter (`prompts/*.md`) or plain text. A body with placeholders is a
    /// user-turn template over the task's fields; one without is a system instruction.
    static func fromFile(_ path: String, task: TaskFile) throws -> ComparedPrompt {
        let text: String
        do { text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.definitionLimit) } catch {
            throw PromptSourceError.unreadable(path, reason: error.localizedDescription)
        }
        return try fromText(text, name: URL(fileURLWithPath: path).lastPathComponent, source: path, task: task)
    }

    /// A prompt file's content (front matter or plain text), named `name`; `source` is where it came
    /// from, as errors and reports show it.
    public static func fromText(_ text: String, name: String, source path: String, task: TaskFile) throws -> ComparedPrompt {
        let template: PromptTemplate
        if text.hasPrefix("---") {
            template = try PromptFile.parse(text, path: path).template
        } else {
            let body = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !body.isEmpty else { throw PromptSourceError.emptyPrompt(path) }
            do { template = try PromptTemplate(body) } catch {
                // Plain text with stray braces: the whole text is the instruction.
                return ComparedPrompt(name: name, source: path, body: .instruction(PromptCandidate(instruction: body)))
            }
        }
        guard !template.fields.isEmpty else {
            return ComparedPrompt(name: name, source: path, body: .instruction(PromptCandidate(instruction: try template.render([:]))))
        }
        let fields = Set(task.data.all.first?.fields.keys.map { $0 } ?? [])
        if let missing = template.fields.first(where: { !fields.contains($0) }) {
            throw PromptSourceError.unknownField(prompt: path, field: missing, taskFields: fields.sorted())
        }
        return ComparedPrompt(name: name, source: path, body: .userTemplate(template))
    }
}
