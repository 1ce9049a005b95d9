import Foundation

/// A prompt in `prompts/`: the optimizer's meta-prompts and exported prompts.
/// Markdown body with `{variable}` placeholders; front matter says what it is.
public struct PromptFile: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable { case meta, exported }
    public var name: String
    public var kind: Kind
    public var description: String
    public var variables: [String]
    public var template: PromptTemplate
    /// For exported prompts: the task and run it came from, and its held-out score.
    public var task: String?
    public var run: String?
    public var score: Double?
    public var path: String

    public static func load(_ path: String) throws -> PromptFile {
        let text = try TextFileReader.read(URL(fileURLWithPath: path), limit: TextFileReader.definitionLimit)
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String) throws -> PromptFile {
        let (meta, body, bodyLine) = try FrontMatter.split(text, file: path)
        try meta.rejectUnknownKeys(["name", "kind", "description", "variables", "task", "run", "score", "metric", "model", "created"])
        let name = try meta.required("name", "the prompt's name").nonEmptyString()
        let kindNode = try meta.required("kind", "meta or exported")
        guard let kind = Kind(rawValue: try kindNode.string()) else {
            throw kindNode.error(.invalidValue, "unknown kind '\(try kindNode.string())'; expected meta or exported")
        }
        guard !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw FileFormatError(.emptyData, file: path, line: bodyLine, field: "body", expected: "the prompt body is empty")
        }
        let template: PromptTemplate
        do { template = try PromptTemplate(body) } catch {
            throw FileFormatError(.invalidValue, file: path, line: bodyLine, field: "body",
                                  expected: "bad placeholder in the body (\(error)); write {{ for a literal brace")
        }
        let variables = try meta.optional("variables")?.stringList() ?? []
        for v in template.fields where !variables.contains(v) {
            throw FileFormatError(.unknownTemplateField, file: path, line: bodyLine, field: "body",
                                  expected: "placeholder {\(v)} is not declared under variables: [\(variables.joined(separator: ", "))]")
        }
        return PromptFile(name: name, kind: kind, description: try meta.optional("description")?.string() ?? "",
                          variables: variables, template: template, task: try meta.optional("task")?.string(),
                          run: try meta.optional("run")?.string(), score: try meta.optional("score")?.double(), path: path)
    }
}
