import Foundation
import WhetCore
import WhetStore

/// A server run's own directory beside the database: the submission as sent (`submission.json`) and the
/// task with its data files (`task/`), from which a restarted server rebuilds the run. A submitted task
/// reaches no file outside it.
public struct RunWorkspace: Sendable {
    public let directory: URL
    public var taskDirectory: URL { directory.appendingPathComponent("task", isDirectory: true) }
    public var taskURL: URL { taskDirectory.appendingPathComponent("task.yaml") }
    var submissionURL: URL { directory.appendingPathComponent("submission.json") }

    public init(root: URL, runId: String) {
        directory = root.appendingPathComponent(runId, isDirectory: true)
    }

    /// `<database>.server/runs`.
    public static func root(forDatabase database: String) -> URL {
        URL(fileURLWithPath: database + ".server", isDirectory: true).appendingPathComponent("runs", isDirectory: true)
    }

    public var exists: Bool { FileManager.default.fileExists(atPath: submissionURL.path) }

    static let maxFiles = 64

    /// Checks the file names and writes everything; the submission file last and atomically, so a
    /// directory without it is an unfinished write that no one resumes.
    func write(_ submission: RunSubmission) throws {
        guard submission.files.count <= Self.maxFiles else {
            throw ServiceError.badRequest(message: "files: at most \(Self.maxFiles) files per task", param: "files")
        }
        for name in submission.files.keys { try Self.checkName(name) }
        let manager = FileManager.default
        try manager.createDirectory(at: taskDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data(submission.task.utf8).write(to: taskURL)
        for (name, content) in submission.files {
            let url = taskDirectory.appendingPathComponent(name)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        try JSONEncoder().encode(submission).write(to: submissionURL, options: .atomic)
    }

    func readSubmission() throws -> RunSubmission {
        try JSONDecoder().decode(RunSubmission.self, from: Data(contentsOf: submissionURL))
    }

    func remove() { try? FileManager.default.removeItem(at: directory) }

    /// A relative path of plain names: letters, digits, `.`, `_`, `-`; no `..`, no leading `/` or `.`.
    static func checkName(_ name: String) throws {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        let plain = !name.isEmpty && name.count <= 200 && parts.count <= 8 && parts.allSatisfy { part in
            !part.isEmpty && !part.hasPrefix(".") && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        }
        guard plain, name != "task.yaml" else {
            throw ServiceError.badRequest(
                message: "files: '\(name)' is not a relative file name (letters, digits, . _ - and /; no '..', not task.yaml)",
                param: "files")
        }
    }

    /// The task file, parsed from the workspace. Every file it names must be one of the files sent with
    /// it (checked before anything is read), and it must run on the server's model. Errors name
    /// `task.yaml` with its line and field, never the server's directories.
    func loadTask(_ submission: RunSubmission, servedModel: String) throws -> TaskFile {
        do {
            try checkFileReferences(submission)
            let task = try TaskFileParser.parse(submission.task, path: taskURL.path)
            guard task.model == .embeddedDefault else {
                throw ServiceError.badRequest(
                    message: "task.yaml: model: a task sent to the server runs on the server's model (\(servedModel)); "
                        + "remove model: from the task (found \(task.model))", param: "task")
            }
            return task
        } catch let error as ServiceError {
            throw error
        } catch {
            let prefix = taskDirectory.path + "/"
            let message = error.localizedDescription.replacingOccurrences(of: prefix, with: "")
            throw ServiceError.badRequest(message: message, param: "task")
        }
    }

    /// The fields that name files (`data.path`, `data.train|dev|test`, `judge`) must name files sent
    /// with the task.
    func checkFileReferences(_ submission: RunSubmission) throws {
        guard let root = try? YAMLNode.parse(submission.task, file: "task.yaml"), root.isMapping,
              !root.keys.contains("qa") else { return }   // the parser reports malformed files itself
        var references: [YAMLNode] = []
        if let data = try? root.optional("data"), data.isMapping {
            for key in ["path", "train", "dev", "test"] { if let node = try? data.optional(key) { references.append(node) } }
        }
        if let judge = try? root.optional("judge") { references.append(judge) }
        for node in references {
            guard let value = try? node.string() else { continue }
            let name = value.hasPrefix("./") ? String(value.dropFirst(2)) : value
            guard submission.files[name] != nil else {
                let sent = submission.files.keys.sorted()
                throw ServiceError.badRequest(
                    message: "task.yaml:\(node.line.map(String.init) ?? "?"): \(node.path): '\(value)' is not among the files sent "
                        + "with the task (\(sent.isEmpty ? "none" : sent.joined(separator: ", "))); a task sent to the server "
                        + "gives its data by content: {\"files\": {\"\(name)\": \"...\"}}", param: "files")
            }
        }
    }
}
